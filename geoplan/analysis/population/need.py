"""Housing need by target group per horizon year, against today's municipal stock.

Groups (every rate is a ``population.*`` entry with its source or marked as a
municipal choice):

``omsorg``
    heldøgns plasser ``omsorg_andel_80 × P(80+)`` plus tilrettelagte boliger
    ``tilrettelagt_andel_67_79 × P(67–79) + tilrettelagt_andel_80 × P(80+)``;
    today's stock: units in ``omsorg_kategorier`` plus care-home places.
``utleie``
    ``utleie_per_1000_referanse / 1000 × P(total)``; stock: units in
    ``utleie_kategorier``; today's rate per 1,000 inhabitants is reported.
``flyktning``
    dwellings occupied by refugees the municipality has decided to settle:
    ``flyktninger_per_aar × flyktning_botid_aar / personer_per_flyktningbolig``
    (each settled refugee rents for the stated years); stock: ``flyktning_kategorier``.

``gap = behov − i_dag`` (positive: more is needed than there is today).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from geoplan.config.population import PopulationSettings

GROUPS = {"omsorg": "Omsorgsboliger og heldøgns plasser (67+)",
          "utleie": "Kommunale utleieboliger",
          "flyktning": "Boliger for bosatte flyktninger"}


def need_by_year(pop: pd.DataFrame, settings: PopulationSettings) -> pd.DataFrame:
    """Need per year and group from ``pop`` (columns ``aar``, ``p67_79``, ``p80``, ``total``).

    Returns one row per year and group: ``aar``, ``malgruppe``, ``behov`` and the
    parts (``heldogns``, ``tilrettelagt``) where they apply.
    """
    s = settings
    rows = []
    for r in pop.itertuples(index=False):
        held = s.omsorg_andel_80 * r.p80
        tilr = s.tilrettelagt_andel_67_79 * r.p67_79 + s.tilrettelagt_andel_80 * r.p80
        rows.append({"aar": int(r.aar), "malgruppe": "omsorg", "behov": held + tilr,
                     "heldogns": held, "tilrettelagt": tilr})
        rows.append({"aar": int(r.aar), "malgruppe": "utleie",
                     "behov": s.utleie_per_1000_referanse / 1000.0 * r.total,
                     "heldogns": np.nan, "tilrettelagt": np.nan})
        rows.append({"aar": int(r.aar), "malgruppe": "flyktning",
                     "behov": s.flyktninger_per_aar * s.flyktning_botid_aar / s.personer_per_flyktningbolig,
                     "heldogns": np.nan, "tilrettelagt": np.nan})
    return pd.DataFrame(rows)


def stock_by_group(dwellings: pd.DataFrame | None, settings: PopulationSettings, *,
                   care_places: float = 0.0, key: str | None = None) -> pd.DataFrame:
    """Today's municipal units per group (and per ``key``, e.g. ``sted``, when given).

    ``dwellings``: ``kommunal_bolig`` rows with ``kategori`` and ``antall_enheter``.
    Kategorier are matched case- and space-insensitively.
    """
    def norm(v) -> str:
        return str(v).strip().lower().replace(" ", "_").replace("-", "_")

    cats = {"omsorg": settings.omsorg_kategorier, "utleie": settings.utleie_kategorier,
            "flyktning": settings.flyktning_kategorier}
    rows = []
    if dwellings is None or not len(dwellings):
        for g in GROUPS:
            rows.append({"malgruppe": g, "i_dag": (care_places if g == "omsorg" else 0.0)})
        return pd.DataFrame(rows)
    kat = dwellings["kategori"].map(norm)
    n = pd.to_numeric(dwellings["antall_enheter"], errors="coerce").fillna(0)
    for g, names in cats.items():
        m = kat.isin([norm(x) for x in names])
        if key is None:
            rows.append({"malgruppe": g, "i_dag": float(n[m].sum()) + (care_places if g == "omsorg" else 0)})
        else:
            for k, v in n[m].groupby(dwellings.loc[m, key]).sum().items():
                rows.append({key: k, "malgruppe": g, "i_dag": float(v)})
    return pd.DataFrame(rows)


def housing_need(pop: pd.DataFrame, stock: pd.DataFrame, settings: PopulationSettings) -> pd.DataFrame:
    """:func:`need_by_year` with today's stock and the gap; ``per_1000`` for the rentals."""
    need = need_by_year(pop, settings).merge(stock, on="malgruppe", how="left")
    need["i_dag"] = need["i_dag"].fillna(0.0)
    need["gap"] = need["behov"] - need["i_dag"]
    tot = pop.set_index("aar")["total"]
    need["per_1000_i_dag"] = np.where(need["malgruppe"] == "utleie",
                                      need["i_dag"] / need["aar"].map(tot) * 1000.0, np.nan)
    need["malgruppe_navn"] = need["malgruppe"].map(GROUPS)
    return need


def need_by_place(place_pop: pd.DataFrame, place_stock: pd.DataFrame,
                  settings: PopulationSettings) -> pd.DataFrame:
    """Need and gap per place: ``place_pop`` has ``sted``, ``aar``, ``p67_79``, ``p80``, ``total``.

    The refugee need (a municipal decision, not tied to a place's population) is
    split by the place's total population.
    """
    out = []
    tot_by_year = place_pop.groupby("aar")["total"].sum()
    for sted, sub in place_pop.groupby("sted", sort=False):
        n = need_by_year(sub, settings)
        if len(n):
            fl = n["malgruppe"] == "flyktning"
            share = sub.set_index("aar")["total"] / tot_by_year
            n.loc[fl, "behov"] = n.loc[fl, "behov"].to_numpy() * n.loc[fl, "aar"].map(share).to_numpy()
        n.insert(0, "sted", sted)
        out.append(n)
    need = pd.concat(out, ignore_index=True) if out else pd.DataFrame()
    if need.empty:
        return need
    st = place_stock if len(place_stock) else pd.DataFrame(columns=["sted", "malgruppe", "i_dag"])
    need = need.merge(st, on=["sted", "malgruppe"], how="left")
    need["i_dag"] = need["i_dag"].fillna(0.0)
    need["gap"] = need["behov"] - need["i_dag"]
    need["malgruppe_navn"] = need["malgruppe"].map(GROUPS)
    return need


def persons_per_horizon(by_age: pd.DataFrame, settings: PopulationSettings, *, variant: str,
                        base_year: int, years) -> pd.DataFrame:
    """Growth in persons and in dwellings from the projection, per horizon year.

    Dwellings follow who will live there: ``Σ_g P[g, t] × dwellings_per_person[g]``
    (household size by age group, ``population.dwellings_per_person``), so the
    extra dwellings to year t are that sum at t minus at the base year.

    Returns ``aar``, ``personer``, ``vekst_personer``, ``boliger``, ``vekst_boliger``
    and ``personer_per_ny_bolig`` (growth in persons / growth in dwellings).
    """
    from geoplan.analysis.population.ages import profile_of, regroup

    sub = by_age[by_age["variant"] == variant]
    g = regroup(sub, list(settings.household_age_groups), profile=profile_of(sub))
    w = dict(zip(g["alder_fra"].drop_duplicates(), settings.dwellings_per_person))
    g["boliger"] = g["personer"] * g["alder_fra"].map(w)
    per = g.groupby("aar")[["personer", "boliger"]].sum(min_count=1)
    if base_year not in per.index:
        from geoplan.errors import ConfigError
        raise ConfigError(f"Framskrivingen har ikke basisåret {base_year} (har "
                          f"{per.index.min()}–{per.index.max()}).")
    p0, b0 = per.loc[base_year]
    rows = []
    for y in years:
        if y not in per.index:
            continue
        p, b = per.loc[y]
        dp, db = p - p0, b - b0
        rows.append({"aar": int(y), "personer": p, "vekst_personer": dp, "boliger": b,
                     "vekst_boliger": db, "personer_per_ny_bolig": dp / db if db else np.nan})
    return pd.DataFrame(rows)
