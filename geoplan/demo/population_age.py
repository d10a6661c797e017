"""Synthetic age structure for the demo: a projection in SSB's format, BefolkningPåGrunnkrets, services.

Runs **after** every step of :func:`geoplan.demo.build.build_demo`, on its own
``numpy.random.default_rng(AGE_SEED)``, and reads the finished layers without
changing them, so no existing demo layer changes.

Everything here is **synthetic**, calibrated to the figures the sources give:

* 43,200 inhabitants in Larvik on 1.1.2014 (Boligplan 2015-2020, seed 004 l. 2368);
* the population aged 60+ is 20 % of the total today and grows 55 % to 2030 in
  SSB's middle alternative (seed 004 l. 1720-1723), which the MMMM alternative
  here reproduces exactly (ages 60+ scaled);
* the grunnkretser's totals are the demo layer's ``befolkning``.

Files: ``framskriving_14288.json`` (JSON-stat2 as Statistikkbanken's table 14288
is laid out: Region × Kjonn × Alder × ContentsCode × Tid, alternatives MMMM,
LLML and HHMH as ``Personer``, ``Personer1``, ``Personer2``),
``befolkning_grunnkrets.csv`` (BefolkningPåGrunnkrets' columns, cells 1-4
suppressed as empty) and the layer ``tjeneste`` (shops, pharmacies, meeting
places, care homes with ``plasser``).
"""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoplan.demo import spec
from geoplan.demo.geometry import CRS, inside_point, sort_layer

#: the generator's own seed (the main builder's draw order is untouched)
AGE_SEED = 18_2014
BASE_YEAR = 2014
LAST_YEAR = 2040
MAX_AGE = 105
#: (ContentsCode, label, fertility ×, mortality ×, migration ×)
VARIANTS = [("Personer", "Hovedalternativet (MMMM)", 1.0, 1.0, 1.0),
            ("Personer1", "Lav nasjonal vekst (LLML)", 0.85, 1.15, 0.5),
            ("Personer2", "Høy nasjonal vekst (HHMH)", 1.15, 0.85, 1.5)]
PROJECTION_FILE = "framskriving_14288.json"
GRUNNKRETS_FILE = "befolkning_grunnkrets.csv"
SUPPRESS_BELOW = 5
GROUPS_5 = [(a, a + 4) for a in range(0, 90, 5)] + [(90, None)]


def _base_profile() -> np.ndarray:
    """Persons by sex (2) and age 0..105 on 1.1.2014: 43,200 in all, 20 % aged 60+."""
    a = np.arange(MAX_AGE + 1, dtype=float)
    young = 1.0 + 0.15 * np.exp(-((a - 50) / 14.0) ** 2)
    surv = np.exp(-np.exp((a - 88.0) / 7.5))
    prof = young * surv
    ramp = 1.0 / (1.0 + np.exp(-(a - 57.0) / 4.0))      # a smooth tilt, no step at 60
    lo, hi = -0.99, 5.0
    for _ in range(60):                                    # the tilt that makes 60+ exactly 20 %
        c = (lo + hi) / 2.0
        q = prof * (1.0 + c * ramp)
        lo, hi = (c, hi) if q[60:].sum() / q.sum() < 0.20 else (lo, c)
    prof = prof * (1.0 + c * ramp)
    prof /= prof.sum()
    men = prof * np.where(a < 70, 0.505, 0.505 - (a - 70) * 0.006).clip(0.3, 0.51)
    women = prof - men
    both = np.vstack([men, women]) * spec.POPULATION
    return both


def _project(base: np.ndarray, fert: float, mort: float, mig: float) -> np.ndarray:
    """Cohort-component projection 2014..2040: (years, 2, ages)."""
    a = np.arange(MAX_AGE + 1, dtype=float)
    q = np.clip(0.0002 + np.exp((a - 105.0) / 10.0) * 0.5, 0, 0.6)     # annual death probability
    qs = [np.clip(q * mort * 1.1, 0, 0.9), np.clip(q * mort * 0.9, 0, 0.9)]
    migp = np.exp(-((a - 27) / 8.0) ** 2) + 0.15 * np.exp(-((a - 5) / 5.0) ** 2)
    migp *= 260.0 * mig / migp.sum()
    out = [base.copy()]
    for _ in range(BASE_YEAR, LAST_YEAR):
        p = out[-1]
        nxt = np.zeros_like(p)
        women_fertile = p[1, 20:45].sum()
        births = 0.058 * fert * women_fertile
        for s in range(2):
            surv = p[s] * (1 - qs[s])
            nxt[s, 1:] = surv[:-1]
            nxt[s, -1] += surv[-1]
            nxt[s, 0] = births * (0.513 if s == 0 else 0.487)
            nxt[s] += migp / 2.0
        out.append(nxt)
    return np.array(out)


def projection_cube() -> dict[str, np.ndarray]:
    """ContentsCode -> persons (years, sex, age), MMMM's 60+ calibrated to +55 % by 2030."""
    base = _base_profile()
    cubes = {}
    for code, _lab, f, m, g in VARIANTS:
        cubes[code] = _project(base, f, m, g)
    mm = cubes["Personer"]
    i30 = 2030 - BASE_YEAR
    ratio = mm[i30, :, 60:].sum() / mm[0, :, 60:].sum()
    for code in cubes:
        c = cubes[code]
        for i in range(c.shape[0]):
            c[i, :, 60:] *= (1.55 / ratio) ** (i / i30)
    return cubes


def projection_jsonstat(cubes: dict[str, np.ndarray]) -> dict:
    """The cubes as a JSON-stat2 dataset laid out like Statistikkbanken's table 14288."""
    years = [str(y) for y in range(BASE_YEAR, LAST_YEAR + 1)]
    ages = [f"{a:03d}" for a in range(MAX_AGE + 1)]
    age_lab = {c: (f"{int(c)} år" if int(c) < MAX_AGE else f"{MAX_AGE} år eller eldre") for c in ages}
    codes = [v[0] for v in VARIANTS]
    arr = np.stack([cubes[c] for c in codes])          # (variant, year, sex, age)
    arr = np.transpose(arr, (2, 3, 0, 1))              # sex, age, variant, year
    values = [int(round(x)) for x in arr.ravel()]
    return {
        "version": "2.0", "class": "dataset",
        "label": "14288: Framskrevet folkemengde 1. januar, etter region, kjønn, alder, år og "
                 "statistikkvariabel (SYNTETISK demo for geoplan, ikke SSBs tall)",
        "source": "Syntetisk (geoplan.demo.population_age), i Statistisk sentralbyrås tabellformat",
        "id": ["Region", "Kjonn", "Alder", "ContentsCode", "Tid"],
        "size": [1, 2, len(ages), len(codes), len(years)],
        "dimension": {
            "Region": {"label": "region", "category": {"index": {"3909": 0}, "label": {"3909": "Larvik"}}},
            "Kjonn": {"label": "kjønn", "category": {"index": {"1": 0, "2": 1},
                                                     "label": {"1": "Menn", "2": "Kvinner"}}},
            "Alder": {"label": "alder", "category": {"index": {c: i for i, c in enumerate(ages)},
                                                     "label": age_lab}},
            "ContentsCode": {"label": "statistikkvariabel", "category": {
                "index": {c: i for i, c in enumerate(codes)},
                "label": {v[0]: v[1] for v in VARIANTS},
                "unit": {v[0]: {"base": "personer", "decimals": 0} for v in VARIANTS}}},
            "Tid": {"label": "år", "category": {"index": {y: i for i, y in enumerate(years)},
                                                "label": {y: y for y in years}}},
        },
        "role": {"time": ["Tid"], "metric": ["ContentsCode"], "geo": ["Region"]},
        "value": values,
    }


def _group_col(lo: int, hi: int | None) -> str:
    if hi is None:
        return f"befolkning{lo}ÅrOgOver"
    return f"befolkning{'0' if lo == 0 else f'{lo:02d}'}Til{hi:02d}År"


def grunnkrets_ages(grunnkrets: gpd.GeoDataFrame, base: np.ndarray,
                    rng: np.random.Generator) -> pd.DataFrame:
    """BefolkningPåGrunnkrets for the demo grunnkretser: counts summing to ``befolkning``, small cells empty."""
    prof = base.sum(axis=0)
    g5 = np.array([prof[lo:(hi + 1 if hi is not None else None)].sum() for lo, hi in GROUPS_5])
    mid = np.array([lo + 2 for lo, _ in GROUPS_5], dtype=float)
    rows = []
    for r in grunnkrets.itertuples(index=False):
        tilt = rng.normal(0.0, 0.012)
        w = g5 * np.exp(tilt * (mid - 40.0))
        n = int(r.befolkning)
        counts = rng.multinomial(n, w / w.sum()) if n > 0 else np.zeros(len(g5), int)
        men = rng.binomial(counts, 0.5)
        row = {"statistikkÅr": BASE_YEAR, "kommunenummer": "3909", "kommunenavn": "Larvik",
               "grunnkretsnummer": r.grunnkretsnummer, "grunnkretsnavn": r.grunnkretsnavn,
               "totalBefolkning": n, "antallMenn": int(men.sum()), "antallKvinner": int(n - men.sum())}
        for (lo, hi), c in zip(GROUPS_5, counts):
            row[_group_col(lo, hi)] = "" if 0 < c < SUPPRESS_BELOW else str(int(c))
        rows.append(row)
    return pd.DataFrame(rows)


#: rows added to the demo's ``metadata`` table
POPULATION_METADATA = [
    ("kilde_aldersstruktur", f"SYNTETISK: framskriving ({PROJECTION_FILE}, SSBs JSON-stat2-format, "
                             f"tabell 14288-oppsett) og aldersgrupper per grunnkrets ({GRUNNKRETS_FILE}, "
                             "BefolkningPåGrunnkrets-kolonner, celler 1-4 prikket); 43 200 i 2014 (seed 004 "
                             "l. 2368), 60+ = 20 % og +55 % til 2030 i MMMM (seed 004 l. 1720-1723)"),
    ("kilde_tjeneste", "SYNTETISK: butikker, apotek, møteplasser og sykehjemsplasser (laget tjeneste)"),
    ("generator_befolkning", f"geoplan.demo.population_age.build_population_age (seed {AGE_SEED})"),
]

_SERVICES = {  # kind: {senternivå: count}
    "butikk": {"regionsenter": 8, "områdesenter": 4, "lokalsenter": 2, "nærsenter": 1},
    "apotek": {"regionsenter": 3, "områdesenter": 1, "lokalsenter": 1, "nærsenter": 0},
    "moteplass": {"regionsenter": 4, "områdesenter": 2, "lokalsenter": 1, "nærsenter": 1},
}
_NAMES = {"butikk": "Nærbutikken", "apotek": "Apotek", "moteplass": "Møteplassen"}


def services(layers: dict[str, gpd.GeoDataFrame], rng: np.random.Generator) -> gpd.GeoDataFrame:
    """The ``tjeneste`` layer: shops, pharmacies, meeting places near the centres; care homes with places."""
    outline = layers["kommune"].geometry.iloc[0]
    rows = []
    for p in spec.PLACES:
        for kind, per in _SERVICES.items():
            for i in range(per.get(p.senterniva, 0)):
                off = rng.normal(0.0, p.scale_m * 0.35, 2)
                xy = inside_point(outline, (p.xy[0] + off[0], p.xy[1] + off[1]), 60.0)
                rows.append({"navn": f"{_NAMES[kind]} {p.navn} {i + 1}", "type": kind,
                             "plasser": pd.NA, "geometry": shapely.Point(xy)})
    ht = layers["helsetjeneste"]
    for r in ht[ht["type"] == "sykehjem"].itertuples(index=False):
        rows.append({"navn": r.navn, "type": "sykehjem", "plasser": int(rng.integers(24, 96)),
                     "geometry": r.geometry})
    g = gpd.GeoDataFrame(rows, crs=CRS)
    g["plasser"] = g["plasser"].astype("Int64")
    return sort_layer(g, ["type", "navn"])


def build_population_age(layers: dict[str, gpd.GeoDataFrame]) -> dict:
    """The extra demo outputs from the finished layers: ``tjeneste``, the projection, the grunnkrets ages."""
    rng = np.random.default_rng(AGE_SEED)
    cubes = projection_cube()
    tj = services(layers, rng)
    gk = grunnkrets_ages(layers["grunnkrets"], cubes["Personer"][0], rng)
    return {"tjeneste": tj, "projection": projection_jsonstat(cubes), "grunnkrets_ages": gk}


def projection_text(obj: dict) -> str:
    """JSON text as written to the file (compact, stable)."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


__all__ = ["AGE_SEED", "GRUNNKRETS_FILE", "PROJECTION_FILE", "build_population_age",
           "projection_text"]
