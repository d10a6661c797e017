"""The guideline's tables from the piece table, in tidy (long) form, areas in daa.

Chapter 4 (the plan in force): :func:`reserve_land_types`, :func:`reserve_zones`,
:func:`fortetting`. Chapter 5 (the proposal): :func:`transition`,
:func:`changes` (added to / taken out of the building reserve, with land type),
:func:`potential` (samlet utbyggingspotensial), :func:`nedbygging`, and
:func:`greenhouse_gas`. Codes and names stand side by side in every table.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from geoplan.analysis.arealregnskap import codes
from geoplan.analysis.arealregnskap.compute import OUTSIDE, ZONE_LAYERS
from geoplan.analysis.places import M2_PER_DAA
from geoplan.config.arealregnskap import CATEGORY_NAMES, CATEGORY_ORDER, ArealregnskapSettings

LAND_COLUMNS = ["arealtype_kode", "skogbonitet_kode", "arealtype"]


def _land(rel: pd.DataFrame, settings: ArealregnskapSettings) -> pd.DataFrame:
    at = rel["arealtype"].to_numpy(dtype="int64")
    bo = codes.land_type_bonitet(at, rel["bonitet"].to_numpy(dtype="int64"),
                                 settings.split_forest_by_bonitet)
    return rel.assign(arealtype_kode=at, skogbonitet_kode=bo, arealtype=codes.land_type_names(at, bo),
                      areal_daa=rel["areal_m2"] / M2_PER_DAA)


def _cat_cols(df: pd.DataFrame, col: str) -> pd.DataFrame:
    order = {c: i for i, c in enumerate(CATEGORY_ORDER)}
    return df.assign(kategori_id=df[col], kategori=df[col].map(CATEGORY_NAMES),
                     _o=df[col].map(order))


def _sum(df: pd.DataFrame, by: list[str], value: str = "areal_daa") -> pd.DataFrame:
    out = df.groupby(by, sort=False, dropna=False)[value].sum().reset_index()
    sort = [c for c in ("_o", "sted", "arealtype_kode", "skogbonitet_kode") if c in out]
    return out.sort_values(sort, kind="stable").drop(columns="_o", errors="ignore") \
        .reset_index(drop=True)


def reserve_land_types(rel: pd.DataFrame, settings, side: str = "f") -> pd.DataFrame:
    """Reserve per category and place by AR5 land type (guideline kap. 4): long, daa."""
    r = _land(rel.loc[rel[f"{side}_reserve"].to_numpy()], settings)
    r = _cat_cols(r, f"{side}_cat").assign(innenfor_utviklingsgrense=lambda d: d["sted"] != OUTSIDE)
    return _sum(r, ["_o", "kategori_id", "kategori", "sted", "innenfor_utviklingsgrense"] + LAND_COLUMNS)


def zone_columns(rel: pd.DataFrame) -> list[str]:
    """The nature/hazard layers measured (``<layer>_m2`` columns present)."""
    return [n for n in ZONE_LAYERS if f"{n}_m2" in rel.columns]


def reserve_zones(rel: pd.DataFrame, side: str = "f") -> pd.DataFrame:
    """Reserve per category and place, and the daa of it inside each nature/hazard layer."""
    r = _cat_cols(rel.loc[rel[f"{side}_reserve"].to_numpy()], f"{side}_cat")
    cols = {"areal_m2": "reserve_daa", **{f"{n}_m2": f"{n}_daa" for n in zone_columns(rel)}}
    g = r.groupby(["_o", "kategori_id", "kategori", "sted"], sort=False)[list(cols)].sum()
    g = (g / M2_PER_DAA).rename(columns=cols).reset_index()
    return g.sort_values(["_o", "sted"], kind="stable").drop(columns="_o").reset_index(drop=True)


def fortetting(rel: pd.DataFrame, side: str = "f") -> pd.DataFrame:
    """Fortetting/transformasjon (arealbruksstatus 3), reported apart from the reserve."""
    r = rel.loc[rel[f"{side}_fortetting"].to_numpy()]
    r = _cat_cols(r, f"{side}_cat").assign(areal_daa=lambda d: d["areal_m2"] / M2_PER_DAA)
    return _sum(r, ["_o", "kategori_id", "kategori", "sted"])


def transition(base: pd.DataFrame) -> pd.DataFrame:
    """Arealformål in force × proposed (guideline kap. 5), long, daa; codes 0 = outside, −1 = residual."""
    t = base.groupby(["f_code", "p_code"], sort=True)["areal_m2"].sum().reset_index()
    return pd.DataFrame({
        "gjeldende_kode": t["f_code"], "gjeldende_navn": codes.arealformal_names(t["f_code"]),
        "forslag_kode": t["p_code"], "forslag_navn": codes.arealformal_names(t["p_code"]),
        "areal_daa": t["areal_m2"] / M2_PER_DAA})


def _kept(rel: pd.DataFrame) -> np.ndarray:
    return (rel["f_reserve"] & rel["p_reserve"] & (rel["f_cat"] == rel["p_cat"])).to_numpy()


def changes(rel: pd.DataFrame, settings) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(added, taken out): reserve of a category in one plan and not in the other, by land type.

    ``added`` is by the proposal's category with the arealformål in force it replaces;
    ``taken out`` by the category in force with the proposed arealformål.
    """
    kept = _kept(rel)
    out = []
    for side, other in (("p", "f"), ("f", "p")):
        r = _land(rel.loc[rel[f"{side}_reserve"].to_numpy() & ~kept], settings)
        r = _cat_cols(r, f"{side}_cat")
        r = r.assign(annen_plan_kode=r[f"{other}_code"],
                     annen_plan_navn=codes.arealformal_names(r[f"{other}_code"]))
        out.append(_sum(r, ["_o", "kategori_id", "kategori", "sted", "annen_plan_kode",
                            "annen_plan_navn"] + LAND_COLUMNS))
    return out[0], out[1]


def potential(rel: pd.DataFrame) -> pd.DataFrame:
    """Samlet utbyggingspotensial per category: in force − taken out + added = proposal."""
    kept = _kept(rel)
    a = rel["areal_m2"].to_numpy() / M2_PER_DAA
    rows = []
    for cid in CATEGORY_ORDER:
        f = rel["f_reserve"].to_numpy() & (rel["f_cat"] == cid).to_numpy()
        p = rel["p_reserve"].to_numpy() & (rel["p_cat"] == cid).to_numpy()
        rows.append({"kategori_id": cid, "kategori": CATEGORY_NAMES[cid],
                     "gjeldende_reserve_daa": a[f].sum(), "tatt_ut_daa": a[f & ~kept].sum(),
                     "lagt_til_daa": a[p & ~kept].sum(), "videreført_daa": a[f & kept].sum(),
                     "forslag_reserve_daa": a[p].sum()})
    return pd.DataFrame(rows)


def _qualities(rel: pd.DataFrame, settings) -> list[tuple[str, str, np.ndarray]]:
    """(id, name, m² per piece) for each land quality of the nedbygging table."""
    at = rel["arealtype"].to_numpy()
    a = rel["areal_m2"].to_numpy()
    q = [(str(c), codes.AR5_AREALTYPE[c], np.where(at == c, a, 0.0)) for c in (21, 22, 23)]
    q.append(("jordbruk", "Jordbruksareal i alt (21-23)", np.where(np.isin(at, [21, 22, 23]), a, 0.0)))
    q.append(("30", "Skog", np.where(at == 30, a, 0.0)))
    if settings.split_forest_by_bonitet:
        bon = rel["bonitet"].to_numpy()
        for b in (14, 15):
            q.append((f"30_{b}", f"Skog, {codes.AR5_BONITET[b].lower()} bonitet",
                      np.where((at == 30) & (bon == b), a, 0.0)))
    q += [("60", "Myr", np.where(at == 60, a, 0.0)), ("50", "Åpen fastmark", np.where(at == 50, a, 0.0)),
          ("organisk", "Organisk jord (AR5 grunnforhold 43)", np.where(rel["organisk"].to_numpy(), a, 0.0))]
    q += [(n, ZONE_LAYERS[n], rel[f"{n}_m2"].to_numpy()) for n in zone_columns(rel)]
    return q


def nedbygging(rel: pd.DataFrame, settings) -> pd.DataFrame:
    """Daa of each land quality zoned for building: in force, proposed, added, taken out."""
    f = rel["f_reserve"].to_numpy()
    p = rel["p_reserve"].to_numpy()
    rows = []
    for qid, name, m2 in _qualities(rel, settings):
        d = m2 / M2_PER_DAA
        rows.append({"kvalitet_id": qid, "kvalitet": name, "gjeldende_daa": d[f].sum(),
                     "tatt_ut_daa": d[f & ~p].sum(), "lagt_til_daa": d[p & ~f].sum(),
                     "forslag_daa": d[p].sum(), "endring_daa": d[p].sum() - d[f].sum()})
    return pd.DataFrame(rows)


def _factors(rel: pd.DataFrame, settings) -> tuple[np.ndarray, list[str]]:
    """Per piece (mid, low, high) t CO2e per daa and the factor's group name."""
    at = rel["arealtype"].to_numpy()
    bon = rel["bonitet"].to_numpy()
    org = rel["organisk"].to_numpy()
    f = np.zeros((len(rel), 3))
    group = np.full(len(rel), "", dtype=object)
    g = settings.ghg
    for mask, key in ((at == 60, "myr"), (np.isin(at, [21, 22, 23]), "jordbruk"),
                      (at == 50, "apen_fastmark")):
        f[mask] = g[key]
        group[mask] = key
    forest = at == 30
    f[forest] = g["skog"]
    group[forest] = "skog"
    for b, tri in settings.ghg_bonitet.items():
        f[forest & (bon == b)] = tri
    extra = org & np.isin(at, [21, 22, 23, 30, 50])
    f[extra] += np.asarray(g["organisk_jord"])
    return f, list(group)


GHG_GROUPS = {"myr": "Myr", "skog": "Skog", "jordbruk": "Jordbruksareal", "apen_fastmark": "Åpen fastmark"}


def greenhouse_gas(rel: pd.DataFrame, settings) -> pd.DataFrame:
    """Estimated emissions (t CO2e over ``ghg_years``) from building over the reserve.

    Per land group: daa and t CO2e (mid, low, high) for the reserve in force, the
    proposal, and the change (added − taken out). The organic-soil surcharge is
    included in the group of the land type it lies under.
    """
    fac, group = _factors(rel, settings)
    d = rel["areal_m2"].to_numpy() / M2_PER_DAA
    f = rel["f_reserve"].to_numpy()
    p = rel["p_reserve"].to_numpy()
    grp = np.asarray(group, dtype=object)
    rows = []
    for key, name in GHG_GROUPS.items():
        m = grp == key
        row: dict[str, Any] = {"gruppe_id": key, "gruppe": name}
        for tag, sel in (("gjeldende", f), ("forslag", p), ("lagt_til", p & ~f), ("tatt_ut", f & ~p)):
            s = m & sel
            row[f"{tag}_daa"] = d[s].sum()
            for k, lab in enumerate(("midt", "lav", "hoy")):
                row[f"{tag}_tco2e_{lab}"] = (d[s] * fac[s, k]).sum()
        for lab in ("midt", "lav", "hoy"):
            row[f"endring_tco2e_{lab}"] = row[f"lagt_til_tco2e_{lab}"] - row[f"tatt_ut_tco2e_{lab}"]
        rows.append(row)
    return pd.DataFrame(rows)
