"""Dataset + Config -> population by age, housing need by target group (issue 18).

:func:`population` reads the projection (``--projection``; the demo's when the
data are the demo) and the grunnkrets age structure (the ``grunnkrets`` layer's
BefolkningPåGrunnkrets columns, or ``--grunnkrets-befolkning``), and
distributes the projection to grunnkretser and places. :func:`housing` turns it
into need per target group against today's stock. :func:`persons_per_horizon`
is the hook ``arealbehov`` and ``reserves`` use with ``--projection``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from geoplan.config.population import PopulationSettings
from geoplan.errors import ConfigError, DataProblem
from geoplan.numbers import fixed

DEMO_DIR = Path(__file__).resolve().parent.parent / "data" / "demo"
DEMO_PROJECTION = DEMO_DIR / "framskriving_14288.json"
DEMO_GRUNNKRETS = DEMO_DIR / "befolkning_grunnkrets.csv"
#: the groups the need and access analyses read (0-66, 67-79, 80+)
NEED_GROUPS = [(0, 66.0), (67, 79.0), (80, float("nan"))]


@dataclass
class PopulationResult:
    """Population by age group for the municipality, its places and grunnkretser.

    ``kommune``: ``variant``, ``aar``, ``gruppe``, ``alder_fra``, ``personer``;
    ``grunnkretser`` and ``steder``: the distribution (``sted``, ``grunnkretsnummer``);
    ``pyramide``: ``variant``, ``aar``, ``kjonn``, ``gruppe``, ``alder_fra``, ``personer``
    (five-year groups by sex); ``skjult``: what BefolkningPåGrunnkrets hides
    (:meth:`GrunnkretsAges.summary`) and ``skjult_grupper`` its bounds per group.
    """

    kommune: pd.DataFrame
    grunnkretser: pd.DataFrame
    steder: pd.DataFrame
    pyramide: pd.DataFrame
    skjult: dict
    skjult_grupper: pd.DataFrame
    groups: list[str]
    variants: dict[str, str]
    base_year: int
    years: list[int]
    method: str
    source: str
    kommunenummer: str
    notes: list[str] = field(default_factory=list)
    grunnkrets_base: pd.DataFrame | None = None

    def as_dict(self) -> dict:
        return {"kilde": self.source, "kommunenummer": self.kommunenummer,
                "basisaar": self.base_year, "aar": self.years, "metode": self.method,
                "alternativer": self.variants, "aldersgrupper": self.groups,
                "skjult": self.skjult, "merknader": self.notes}


def is_demo(ds) -> bool:
    from geoplan.io.loader import DEFAULT_DATA

    return str(getattr(ds, "source", "")) in (str(DEFAULT_DATA), str(DEFAULT_DATA.parent))


def load_projection(path=None, ds=None):
    """The projection at ``path``; without one, the demo's (only when ``ds`` is the demo)."""
    from geoplan.io.ssb import read_projection

    if path is None:
        if ds is not None and not is_demo(ds):
            raise ConfigError("Oppgi befolkningsframskrivingen med --projection FIL (SSBs tabell "
                              "14288 lastet ned som JSON-stat2 eller CSV fra Statistikkbanken).")
        path = DEMO_PROJECTION
    return read_projection(path)


def _region(proj, ds, kommune: str | None) -> str:
    regions = proj.regions
    if kommune:
        if kommune not in regions:
            raise ConfigError(f"Kommunenummer {kommune} finnes ikke i {proj.source} "
                              f"(har {', '.join(regions[:8])}).")
        return kommune
    k = ds.get("kommune") if ds is not None else None
    if k is not None and len(k) and str(k["kommunenummer"].iloc[0]) in regions:
        return str(k["kommunenummer"].iloc[0])
    if len(regions) == 1:
        return regions[0]
    raise ConfigError(f"{proj.source} har flere regioner ({', '.join(regions[:8])}); velg "
                      "kommunen med --kommune KOMMUNENUMMER.")


def _grunnkrets_frame(ds, path) -> tuple[pd.DataFrame, object]:
    """(attribute frame with the age columns, grunnkrets geometry frame or None)."""
    from geoplan.io.ssb import age_columns, read_grunnkrets_population

    gk = ds.get("grunnkrets") if ds is not None else None
    if path is None and gk is not None and age_columns(gk.columns):
        return pd.DataFrame(gk.drop(columns=gk.geometry.name)), gk
    if path is None:
        if ds is not None and not is_demo(ds):
            raise DataProblem(
                "Grunnkretslaget har ingen aldersgrupper. Oppgi SSBs BefolkningPåGrunnkrets "
                "(Geonorge) med --grunnkrets-befolkning FIL, eller legg kolonnene "
                "befolkning0Til04År … befolkning90ÅrOgOver til laget «grunnkrets».")
        path = DEMO_GRUNNKRETS
    return read_grunnkrets_population(path), gk


def _base_year(frame: pd.DataFrame, years: list[int]) -> tuple[int, list[str]]:
    low = {str(c).lower(): c for c in frame.columns}
    col = low.get("statistikkår") or low.get("statistikkaar")
    if col is not None:
        y = pd.to_numeric(frame[col], errors="coerce").dropna()
        if len(y):
            y0 = int(y.mode().iloc[0])
            if y0 in years:
                return y0, []
            later = [y for y in years if y >= y0]
            if later:
                return later[0], [f"Grunnkretstallene er fra {y0}; de er brukt som "
                                  f"aldersstrukturen i framskrivingens første år {later[0]}."]
    return years[0], []


def population(ds, cfg, *, projection=None, grunnkrets_file=None, variants: Sequence[str] | None = None,
               years: Sequence[int] | None = None, method: str = "aldersstruktur",
               kommune: str | None = None, groups=None) -> PopulationResult:
    """Population by age group and horizon year, per variant, distributed to places and grunnkretser.

    ``projection`` / ``grunnkrets_file``: paths (None: the demo's files for the
    demo data). ``variants``: codes to keep (None: all in the file). ``years``:
    horizon years (None: ``population.horizon_years`` in the file). ``method``:
    ``aldersstruktur`` or ``vekstandeler`` (``reserves.steder`` shares).
    """
    from geoplan.analysis.population.ages import grunnkrets_ages, profile_of, regroup, split_matrix
    from geoplan.analysis.population.distribute import by_place, distribute
    from geoplan.runs.reserves import plain_places

    s = PopulationSettings.from_config(cfg)
    proj = load_projection(projection, ds)
    region = _region(proj, ds, kommune)
    by_age = proj.by_age(region=region)
    by_age = _keep_variants(by_age, variants, proj.source)
    groups = list(groups) if groups is not None else list(s.age_groups)
    frame, gk = _grunnkrets_frame(ds, grunnkrets_file)
    base_year, notes = _base_year(frame, proj.years)
    prof = profile_of(by_age[(by_age["aar"] == base_year) &
                             (by_age["variant"] == by_age["variant"].iloc[0])])
    kom = regroup(by_age, groups, profile=prof)
    ages = grunnkrets_ages(frame, cell_max=s.suppressed_cell_max, profile=prof)
    base = ages.estimate @ split_matrix(ages.bins, groups, prof)
    places = _places_of(ages.grunnkretsnummer, gk, ds)
    labels = list(dict.fromkeys(kom["gruppe"]))
    horizon = _years(years or s.horizon_years, proj.years, base_year)
    kom = kom[kom["aar"].isin(horizon)].reset_index(drop=True)
    shares = {v.get("navn", k): v["andel"] for k, v in plain_places(cfg).items() if "andel" in v}
    dist, n2 = distribute(kom, base, ages.grunnkretsnummer, places, groups=labels,
                          base_year=base_year, method=method, shares=shares)
    notes = [*proj.notes, *notes, *n2, *_hidden_notes(ages.summary())]
    pyr = _pyramid(proj, region, by_age["variant"].unique(), horizon)
    basetab = pd.DataFrame(base, columns=labels)
    basetab.insert(0, "sted", places)
    basetab.insert(0, "grunnkretsnummer", ages.grunnkretsnummer)
    return PopulationResult(
        kommune=kom, grunnkretser=dist, steder=by_place(dist), pyramide=pyr, skjult=ages.summary(),
        skjult_grupper=ages.group_bounds(groups, prof), groups=labels,
        variants={k: v for k, v in proj.variants.items() if k in set(by_age["variant"])},
        base_year=base_year, years=horizon, method=method, source=proj.source,
        kommunenummer=region, notes=notes, grunnkrets_base=basetab)


def _keep_variants(by_age: pd.DataFrame, variants, source: str) -> pd.DataFrame:
    if not variants:
        return by_age
    have = set(by_age["variant"])
    miss = [v for v in variants if v not in have]
    if miss:
        raise ConfigError(f"Alternativ {', '.join(miss)} finnes ikke i {source} "
                          f"(har {', '.join(sorted(have))}).")
    return by_age[by_age["variant"].isin(list(variants))]


def _years(wanted, have: list[int], base_year: int) -> list[int]:
    ys = sorted({base_year, *[int(y) for y in wanted if int(y) in have]})
    missing = [int(y) for y in wanted if int(y) not in have]
    if missing and len(ys) == 1:
        raise ConfigError(f"Framskrivingen har ikke årene {', '.join(map(str, missing))} "
                          f"(har {have[0]}–{have[-1]}).")
    return ys


def _hidden_notes(sm: dict) -> list[str]:
    from geoplan.present import text

    if not sm["prikkede_celler"]:
        return []
    return [f"BefolkningPåGrunnkrets: {text.integer(sm['prikkede_celler'])} av "
            f"{text.integer(sm['celler'])} celler er prikket (tomme) i "
            f"{text.integer(sm['grunnkretser_med_prikking'])} grunnkretser; de skjuler til sammen "
            f"{text.integer(sm['skjulte_personer'])} personer ({text.share(sm['skjult_andel'], 1)} "
            "av befolkningen), regnet ut som total minus synlige celler per grunnkrets. De er fordelt "
            "på de tomme cellene etter kommunens aldersprofil; grensene per aldersgruppe står i tabellen."]


def _places_of(gk_numbers: np.ndarray, gk, ds) -> np.ndarray:
    """Place of each grunnkrets: the utviklingsgrense holding its inner point, else the nearest centre."""
    from geoplan.analysis.population.places import places_for_points

    if gk is None or not len(gk):
        return np.array(["Hele kommunen"] * len(gk_numbers), dtype=object)
    g = gk.drop_duplicates("grunnkretsnummer").set_index(gk["grunnkretsnummer"].astype(str)
                                                          .drop_duplicates().to_numpy())
    pts = g.geometry.representative_point()
    by = dict(zip(g.index, places_for_points(pts.to_numpy(), ds.get("utviklingsgrense"),
                                             ds.get("sentrum"))))
    return np.array([by.get(str(n), "Utenfor grunnkretslaget") for n in gk_numbers], dtype=object)


def _pyramid(proj, region: str, variants, years: list[int]) -> pd.DataFrame:
    """Five-year groups by sex (for the pyramid), sexes kept apart."""
    from geoplan.analysis.population.ages import regroup

    t = proj.table[(proj.table["kommunenummer"] == region) & proj.table["variant"].isin(list(variants))
                   & proj.table["aar"].isin(years) & (proj.table["kjonn"] != "0")]
    if t.empty:
        return pd.DataFrame(columns=["variant", "aar", "kjonn", "gruppe", "alder_fra", "personer"])
    groups = [(a, float(a + 4)) for a in range(0, 90, 5)] + [(90, float("nan"))]
    return regroup(t, groups, keys=("variant", "aar", "kjonn"))


def persons_per_horizon(cfg, projection, *, variant: str | None = None, years=None,
                        base_year: int | None = None, kommune: str | None = None) -> pd.DataFrame:
    """Growth in persons and dwellings per horizon year from a projection (``--projection``).

    The hook of ``arealbehov`` and ``reserves``: dwellings follow the age
    structure (``population.dwellings_per_person``). Returns the table of
    :func:`geoplan.analysis.population.need.persons_per_horizon` plus ``variant``.
    """
    from geoplan.analysis.population.need import persons_per_horizon as _pph
    from geoplan.io.ssb import read_projection

    s = PopulationSettings.from_config(cfg)
    proj = read_projection(projection)
    region = _region(proj, None, kommune)
    by_age = proj.by_age(region=region)
    v = variant or s.default_variant
    by_age = _keep_variants(by_age, [v], proj.source)
    y0 = base_year if base_year in proj.years else proj.years[0]
    out = _pph(by_age, s, variant=v, base_year=y0, years=years or proj.years)
    out.insert(0, "variant", v)
    out.attrs["base_year"] = y0
    out.attrs["source"] = proj.source
    return out


@dataclass
class HousingResult:
    """Need per target group and year (``kommune``), per place (``steder``), what the rates were."""

    kommune: pd.DataFrame
    steder: pd.DataFrame
    variant: str
    base_year: int
    years: list[int]
    settings: PopulationSettings
    public: bool
    notes: list[str] = field(default_factory=list)


def _need_population(res: PopulationResult, variant: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(municipal, per place) tables ``aar``, ``p67_79``, ``p80``, ``total`` for ``variant``."""
    def wide(t: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
        t = t[t["variant"] == variant]
        p = t.pivot_table(index=keys, columns="gruppe", values="personer", aggfunc="sum").reset_index()
        lab = res.groups
        p["p67_79"], p["p80"] = p[lab[1]], p[lab[2]]
        p["total"] = p[lab].sum(axis=1)
        return p[[*keys, "p67_79", "p80", "total"]]
    return wide(res.kommune, ["aar"]), wide(res.steder, ["sted", "aar"])


def care_places(ds) -> float:
    """Care-home places in the data: ``plasser`` of ``tjeneste`` (type sykehjem) and ``helsetjeneste``."""
    total = 0.0
    for name in ("tjeneste", "helsetjeneste"):
        g = ds.get(name) if ds is not None else None
        if g is not None and "plasser" in g.columns:
            m = g["type"].astype(str).str.lower().str.contains("sykehjem")
            total += float(pd.to_numeric(g.loc[m, "plasser"], errors="coerce").fillna(0).sum())
    return total


def need_population(ds, cfg, *, projection=None, grunnkrets_file=None, variant: str | None = None,
                    years: Sequence[int] | None = None, kommune: str | None = None) -> PopulationResult:
    """:func:`population` of one variant (default ``population.default_variant``) in the
    groups the need and access analyses read (:data:`NEED_GROUPS`)."""
    v = variant or PopulationSettings.from_config(cfg).default_variant
    return population(ds, cfg, projection=projection, grunnkrets_file=grunnkrets_file,
                      variants=[v], years=years, kommune=kommune, groups=NEED_GROUPS)


def housing(ds, cfg, *, projection=None, grunnkrets_file=None, variant: str | None = None,
            years: Sequence[int] | None = None, public: bool = False, kommune: str | None = None,
            overrides: dict | None = None, result: PopulationResult | None = None) -> HousingResult:
    """Housing need per target group and horizon year, against today's municipal stock.

    ``overrides``: ``PopulationSettings`` fields for this run (the app's rate
    controls). ``public``: counts of municipal dwellings per place pass
    :func:`geoplan.privacy.suppress_place_counts` (``kommune.min_count_public``).
    ``result``: :func:`need_population` for these arguments when the caller has it
    (the report computes it once for this and :func:`~geoplan.runs.population_access.access`).
    """
    from geoplan.analysis.population.need import housing_need, need_by_place, stock_by_group
    from geoplan.analysis.population.places import places_for_points

    s = PopulationSettings.from_config(cfg).replace(**(overrides or {}))
    v = variant or s.default_variant
    res = result if result is not None else need_population(
        ds, cfg, projection=projection, grunnkrets_file=grunnkrets_file, variant=v,
        years=years, kommune=kommune)
    pop_k, pop_s = _need_population(res, v)
    kb = ds.get("kommunal_bolig") if ds is not None else None
    cp = care_places(ds)
    notes = list(res.notes)
    if kb is None:
        notes.append("Laget «kommunal_bolig» finnes ikke: dagens bestand er satt til 0.")
    kom = housing_need(pop_k, stock_by_group(kb, s, care_places=cp), s)
    if kb is not None and len(kb):
        kb = kb.assign(sted=places_for_points(kb.geometry.to_numpy(), ds.get("utviklingsgrense"),
                                              ds.get("sentrum")))
        st = stock_by_group(kb, s, key="sted")
    else:
        st = pd.DataFrame(columns=["sted", "malgruppe", "i_dag"])
    steder = need_by_place(pop_s, st, s)
    if cp:
        notes.append(f"Dagens omsorgsbestand omfatter {fixed(cp, 0)} sykehjemsplasser (kolonnen «plasser»); "
                     "per sted telles bare kommunale omsorgsboliger.")
    if public:
        from geoplan.config import default_config
        from geoplan.privacy import suppress_place_counts, validate_min_count

        key = "kommune.min_count_public"
        k = validate_min_count(cfg.get(key) if cfg.has(key) else default_config().get(key))
        steder = suppress_place_counts(steder, k, count="i_dag", derived=["gap"],
                                       by=["aar", "malgruppe"])
        notes.append(f"Offentlig utgave: antall kommunale boliger per sted under {k} er skjult, "
                     "sammen med gapet (som ellers ville vist tallet).")
    return HousingResult(kom, steder, v, res.base_year, res.years, s, public, notes)


def projection_growth(cfg, projection, *, variant: str | None = None, year: int,
                      base_year: int | None = None, kommune: str | None = None) -> dict:
    """The growth parameters that make the Larvik formula give the projection's figures for ``year``.

    ``base_population`` = P(t0), ``rate`` = (P(t)/P(t0))^(1/(t−t0)) − 1 and
    ``persons_per_dwelling`` = growth in persons / growth in dwellings (household
    size by age group, :func:`persons_per_horizon`), so that
    ``vekst = base × ((1 + rate)^(t − t0) − 1)`` and ``boenheter = vekst / ppd``
    are the projection's growth and the dwellings its age structure needs.
    """
    tab = persons_per_horizon(cfg, projection, variant=variant, years=[year], base_year=base_year,
                              kommune=kommune)
    if tab.empty:
        raise ConfigError(f"Framskrivingen har ikke horisontåret {year}.")
    r = tab.iloc[0]
    y0 = int(tab.attrs["base_year"])
    if year <= y0:
        raise ConfigError(f"Horisontåret {year} må være etter framskrivingens basisår {y0}.")
    p0 = float(r["personer"] - r["vekst_personer"])
    rate = (float(r["personer"]) / p0) ** (1.0 / (year - y0)) - 1.0
    ppd = float(r["personer_per_ny_bolig"])
    if not np.isfinite(ppd) or ppd <= 0:
        ppd = float(r["personer"] / r["boliger"])   # decline: the average household at the horizon
    return {"base_population": p0, "base_year": y0, "rate": rate, "persons_per_dwelling": ppd,
            "variant": str(r["variant"]), "source": tab.attrs["source"]}


def apply_projection(args, cfg) -> None:
    """Set ``args``' growth options from ``--projection``/``--variant`` (``geoplan reserves``)."""
    from geoplan.runs.reserves import settings as reserve_settings

    year = args.year or reserve_settings(cfg).default_year
    g = projection_growth(cfg, args.projection, variant=args.variant, year=year,
                          kommune=getattr(args, "kommune", None))
    args.year, args.rate = year, g["rate"]
    args.base_population, args.base_year = g["base_population"], g["base_year"]
    args.persons_per_dwelling = g["persons_per_dwelling"]


def projection_area_need(cfg, projection, *, variant: str | None = None, years=None, **kwargs):
    """:func:`geoplan.runs.area_need` per horizon year with :func:`projection_growth`'s parameters.

    Returns ``(need, growth parameters of the last year, notes)`` like ``area_need``,
    with ``variant`` and ``personer_per_bolig`` columns added.
    """
    from geoplan.runs.reserves import area_need
    from geoplan.runs.reserves import settings as reserve_settings

    years = list(years) if years else list(reserve_settings(cfg).horizon_years)
    parts, gp, notes = [], {}, []
    for y in years:
        g = projection_growth(cfg, projection, variant=variant, year=y, kommune=kwargs.pop("kommune", None))
        need, gp, notes = area_need(cfg, years=[y], rates=[g["rate"]], base_population=g["base_population"],
                                    base_year=g["base_year"], persons_per_dwelling=g["persons_per_dwelling"],
                                    **kwargs)
        parts.append(need.assign(variant=g["variant"], personer_per_bolig=g["persons_per_dwelling"]))
    gp = {**gp, "projection": g["source"], "variant": g["variant"]}
    return pd.concat(parts, ignore_index=True), gp, notes
