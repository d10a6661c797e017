"""Oslo-scale synthetic municipality for the benchmarks.

    python bench/make_oslo.py [--out bench/data/oslo.gpkg] [--force] [--seed N]

Writes ``bench/data/oslo.gpkg`` (+ ``terreng.tif`` and ``stoy.tif`` beside it),
EPSG:25832, on Oslo's real outline (0301, © Kartverket CC BY 4.0): about
700,000 inhabitants, 370,000 dwellings, 600 grunnkretser, 15,000 municipal
units, 150,000 buildings, 40,000 zoning polygons, 150 schools and a walking
network of about 100,000 edges, plus ~20 places with utviklingsgrenser,
~300 innspill, kollektivakser with stops, quarries, centres and health
services. Everything but the outline is synthetic. Reproducible (fixed seed);
skipped if the file exists unless ``--force``.

The building blocks are those of the demo municipality (:mod:`geoplan.demo`).
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path
from typing import Any, NamedTuple

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

import geopandas as gpd  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import shapely  # noqa: E402
from pyproj import Transformer  # noqa: E402
from shapely.geometry import LineString, Point  # noqa: E402

from geoplan import demo as D  # noqa: E402

SEED = 301_2024
DEFAULT_OUT = HERE / "data" / "oslo.gpkg"

TARGET = dict(population=700_000, dwellings=370_000, grunnkrets=600, municipal_units=15_000,
              buildings=150_000, zoning=40_000, schools=150, edges=100_000, innspill=300)

# (name, lon, lat, weight, spread m, level): approximate positions of Oslo's centres
PLACES = [
    ("Sentrum", 10.752, 59.913, 3.0, 1500, "regionsenter"),
    ("Majorstuen", 10.715, 59.929, 1.4, 900, "områdesenter"),
    ("Grünerløkka", 10.760, 59.923, 1.4, 800, "områdesenter"),
    ("Tøyen", 10.774, 59.915, 1.0, 700, "lokalsenter"),
    ("Storo", 10.776, 59.946, 1.0, 800, "områdesenter"),
    ("Nydalen", 10.765, 59.950, 0.8, 700, "lokalsenter"),
    ("Økern", 10.805, 59.929, 1.0, 800, "områdesenter"),
    ("Bryn", 10.817, 59.909, 0.8, 700, "lokalsenter"),
    ("Manglerud", 10.810, 59.898, 0.9, 800, "lokalsenter"),
    ("Lambertseter", 10.810, 59.875, 0.9, 800, "lokalsenter"),
    ("Bøler", 10.845, 59.884, 0.7, 700, "lokalsenter"),
    ("Holmlia", 10.797, 59.836, 0.8, 800, "lokalsenter"),
    ("Mortensrud", 10.830, 59.850, 0.7, 700, "lokalsenter"),
    ("Furuset", 10.890, 59.940, 0.9, 800, "områdesenter"),
    ("Grorud", 10.880, 59.961, 0.8, 800, "lokalsenter"),
    ("Stovner", 10.922, 59.962, 0.9, 800, "områdesenter"),
    ("Vinderen", 10.703, 59.943, 0.7, 800, "lokalsenter"),
    ("Røa", 10.620, 59.946, 0.8, 900, "lokalsenter"),
    ("Skøyen", 10.680, 59.921, 0.9, 800, "lokalsenter"),
    ("Ullevål", 10.735, 59.940, 0.8, 700, "lokalsenter"),
]
SEA_BOXES = [(588000, 6620000, 604000, 6642300)]


class _Frame(NamedTuple):
    """Outline, places and sea: what every step builds on (no random draws).

    (A NamedTuple, not a dataclass: the tests load this file without a module entry.)
    """

    outline: Any
    navn: str
    pnames: list[str]
    pxy: np.ndarray
    pweight: np.ndarray
    pscale: np.ndarray
    plevel: list[str]
    big: np.ndarray
    inner: Any
    sea: Any

    @property
    def land(self):
        return self.outline

    def pts(self, rng: np.random.Generator, n: int, scale: float = 1.0, uniform: float = 0.05) -> np.ndarray:
        """``n`` points around the places (spread ``scale`` times theirs)."""
        return D.sample_mixture(rng, n, self.pxy, self.pscale * scale, self.pweight, self.land,
                                uniform_share=uniform)


def _frame() -> _Frame:
    outline, navn = D.municipality_outline("0301")
    shapely.prepare(outline)
    tf = Transformer.from_crs(4326, D.EPSG, always_xy=True)
    plevel = [p[5] for p in PLACES]
    inner = outline.buffer(-10)
    shapely.prepare(inner)
    return _Frame(
        outline=outline, navn=navn, pnames=[p[0] for p in PLACES],
        pxy=np.array([D.inside_point(outline, tf.transform(p[1], p[2]), 300.0) for p in PLACES]),
        pweight=np.array([p[3] for p in PLACES]), pscale=np.array([p[4] for p in PLACES], float),
        plevel=plevel, big=np.array([lv in ("regionsenter", "områdesenter") for lv in plevel]),
        inner=inner,
        sea=shapely.difference(shapely.union_all([shapely.box(*b) for b in SEA_BOXES]), outline))


def _places(f: _Frame, rng: np.random.Generator) -> dict[str, gpd.GeoDataFrame]:
    """kommune, sentrum and one utviklingsgrense per place."""
    kommune = gpd.GeoDataFrame({"kommunenummer": ["0301"], "kommunenavn": [f.navn]},
                               geometry=[f.outline], crs=D.CRS)
    sentrum = gpd.GeoDataFrame({"navn": f.pnames, "senterniva": f.plevel},
                               geometry=shapely.points(f.pxy), crs=D.CRS)
    urows = []
    for k, nm in enumerate(f.pnames):
        poly = shapely.intersection(D.blob(f.pxy[k], 1400.0, rng, n=72, roughness=0.25), f.land)
        urows.append({"navn": nm, "senterniva": f.plevel[k], "boenheter_per_daa": 4 if f.big[k] else 3,
                      "geometry": poly})
    return {"kommune": kommune, "sentrum": sentrum, "utviklingsgrense": gpd.GeoDataFrame(urows, crs=D.CRS)}


def _innspill_and_quarries(f: _Frame, rng: np.random.Generator, target: dict) -> dict[str, gpd.GeoDataFrame]:
    """innspill (kept apart from each other) and three quarries / loading areas."""
    placed: list = []
    irows = []
    per = D.allocate_counts(f.pweight, target["innspill"], rng)
    for k, n in enumerate(per):
        for j in range(int(n)):
            daa = float(rng.uniform(3, 60))
            try:
                poly = D.place_blob(rng, f.pxy[k], (300, 2500), daa * 1000.0, container=f.inner,
                                    avoid=placed[-60:], tries=200)
            except RuntimeError:
                continue
            placed.append(poly)
            irows.append({"navn": f"Innspill {f.pnames[k]} {j + 1}", "sted": f.pnames[k],
                          "formal": "bolig" if rng.random() < 0.85 else "næring",
                          "rpba_avklart": bool(rng.random() < 0.4), "geometry": poly})
    innspill = gpd.GeoDataFrame(irows, crs=D.CRS)
    qrows = []
    for k, nm in ((13, "Grorud pukkverk"), (12, "Mortensrud steinbrudd"), (0, "Sjursøya lastingsområde")):
        poly = D.place_blob(rng, f.pxy[k], (900, 2500), 40_000.0, container=f.inner, avoid=placed, gap=100.0)
        placed.append(poly)
        qrows.append({"navn": nm, "type": "lastingsområde" if "lasting" in nm else "steinbrudd",
                      "geometry": poly})
    return {"innspill": innspill, "steinbrudd": gpd.GeoDataFrame(qrows, crs=D.CRS)}


def _zoning(f: _Frame, rng: np.random.Generator, target: dict) -> gpd.GeoDataFrame:
    """Voronoi cells of density-weighted seeds; a share of housing cells are reserves."""
    zxy = D.sample_mixture(rng, target["zoning"], f.pxy, f.pscale * 2.0, f.pweight, f.land, uniform_share=0.2)
    cells = D.polygonal(D.voronoi_cells(zxy, f.land))
    code, status = D.classify_zoning(rng, zxy, f.pxy, f.pscale * 1.6, f.pweight, f.big, f.sea)
    res = (code == 1110) & (rng.random(len(code)) < 0.03)
    status[res] = 2
    keep = ~shapely.is_empty(cells)
    res_names = np.char.add("Boligreserve ", np.arange(len(code)).astype(str)).astype(object)
    res_names[~res] = None
    return gpd.GeoDataFrame({
        "arealformal": code[keep].astype("int64"),
        "arealbruksstatus": status[keep].astype("int64"),
        "utbygd": (np.isin(code, D.BUILT_CODES) & (status == 1))[keep],
        "planid": np.where(res, "KPA-2015-R", "KPA-2015")[keep],
        "navn": res_names[keep],
    }, geometry=cells[keep], crs=D.CRS)


def _services(f: _Frame, rng: np.random.Generator, target: dict) -> dict[str, gpd.GeoDataFrame]:
    """Health services and schools near the places."""
    hxy = f.pts(rng, 200)
    htype = np.array(["sykehjem"] * 40 + ["hjemmetjeneste"] * 30 + ["legekontor"] * 130)
    hk, _ = D.nearest_index(hxy, f.pxy)
    helsetjeneste = gpd.GeoDataFrame({
        "navn": [f"{f.pnames[k]} {t} {i + 1}" for i, (k, t) in enumerate(zip(hk, htype))],
        "type": htype}, geometry=shapely.points(hxy), crs=D.CRS)
    sxy = f.pts(rng, target["schools"], 1.5, 0.1)
    sk, _ = D.nearest_index(sxy, f.pxy)
    stype = rng.choice(["barneskole", "ungdomsskole", "kombinert"], len(sxy), p=[0.65, 0.25, 0.1])
    skole = gpd.GeoDataFrame({"navn": [f"{f.pnames[k]} skole {i + 1}" for i, k in enumerate(sk)],
                              "skoletype": stype, "sted": [f.pnames[k] for k in sk]},
                             geometry=shapely.points(sxy), crs=D.CRS)
    return {"helsetjeneste": helsetjeneste, "skole": skole}


def _buildings(f: _Frame, rng: np.random.Generator, target: dict, innspill, steinbrudd) -> gpd.GeoDataFrame:
    """Exactly N buildings holding exactly the target dwellings."""
    unbuilt = shapely.union_all(list(innspill.geometry) + list(steinbrudd.geometry))
    buildable = shapely.difference(f.land, unbuilt)
    nb = target["buildings"]
    bxy = D.sample_mixture(rng, nb, f.pxy, f.pscale * 1.3, f.pweight, buildable, uniform_share=0.08)
    u = D.urbanity(bxy, f.pxy, f.pscale * 1.3, np.minimum(f.pweight, 1.0))
    multi = rng.random(nb) < 0.15 + 0.45 * u
    w = np.where(multi, rng.lognormal(1.2 + 1.5 * u, 0.8), 0.0)
    sizes = 1 + D.allocate_counts(w, target["dwellings"] - nb, rng)
    bygning = gpd.GeoDataFrame({"bygg_id": [f"O{i + 1:07d}" for i in range(nb)],
                                "antall_boliger": sizes.astype("int64"), "borettslag": ""},
                               geometry=shapely.points(bxy), crs=D.CRS)
    brl = np.flatnonzero(sizes >= 20)
    bygning.loc[brl, "borettslag"] = [f"Borettslag {i + 1}" for i in range(len(brl))]
    return bygning


def _municipal_dwellings(f: _Frame, rng: np.random.Generator, target: dict,
                         bygning: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Municipal dwellings, denser in the east and south (Groruddalen, Søndre Nordstrand)."""
    bxy = shapely.get_coordinates(bygning.geometry.values)
    sizes = bygning["antall_boliger"].to_numpy()
    east = np.isin(np.arange(len(f.pnames)), [3, 6, 11, 12, 13, 14, 15])
    kk, dk = D.nearest_index(bxy, f.pxy)
    wm = np.where(east[kk], 4.0, 1.0) * np.where(sizes >= 3, 3.0, 0.5) * np.exp(-dk / 2500.0)
    order = D.pick_weighted(rng, wm, 6000)
    units = D.fill_units(rng, sizes, order, target["municipal_units"], max_per=8)
    ch = np.flatnonzero(units > 0)
    kat = rng.choice(["utleie", "omsorgsbolig", "housing_first", "flyktning"], len(ch),
                     p=[0.62, 0.25, 0.04, 0.09])
    malg = {"utleie": "vanskeligstilte", "omsorgsbolig": "eldre", "housing_first": "rus og psykisk helse",
            "flyktning": "flyktninger"}
    return gpd.GeoDataFrame({
        "antall_enheter": units[ch].astype("int64"), "kategori": kat,
        "bygg_id": bygning["bygg_id"].to_numpy()[ch], "malgruppe": [malg[k] for k in kat],
        "adresse": D.fake_addresses(rng, len(ch))}, geometry=shapely.points(bxy[ch]), crs=D.CRS)


def _grunnkretser(f: _Frame, rng: np.random.Generator, target: dict,
                  bygning: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    gxy = D.sample_mixture(rng, target["grunnkrets"], f.pxy, f.pscale * 1.8, f.pweight, f.land,
                           uniform_share=0.2)
    gcells = D.polygonal(D.voronoi_cells(gxy, f.land))
    gk, gd = D.nearest_index(gxy, f.pxy)
    og = np.lexsort((gd, gk))
    grunnkrets = gpd.GeoDataFrame({
        "grunnkretsnummer": [f"0301{i + 1:04d}" for i in range(len(og))],
        "grunnkretsnavn": [f"{f.pnames[gk[j]]} {i + 1}" for i, j in enumerate(og)]},
        geometry=gcells[og], crs=D.CRS)
    return D.aggregate_grunnkrets(grunnkrets, bygning, target["population"], rng)


def _transport(f: _Frame, rng: np.random.Generator) -> dict[str, gpd.GeoDataFrame]:
    """Axes from the centre to outer places, stops every 400-600 m, plus local stops."""
    pxy, pnames = f.pxy, f.pnames
    arows, hrows = [], []
    for k in (4, 9, 11, 15, 17, 13):
        line = LineString([pxy[0], (pxy[0] + pxy[k]) / 2 + rng.normal(0, 300, 2), pxy[k]])
        nm = f"Sentrum–{pnames[k]}"
        arows.append({"navn": nm, "avganger_per_time": int(rng.integers(4, 13)), "geometry": line})
        d, j = 0.0, 0
        while d <= line.length:
            j += 1
            hrows.append({"navn": f"{nm} {j:02d}", "geometry": line.interpolate(d)})
            d += float(rng.uniform(400, 600))
    oxy = f.pts(rng, 300, 1.5, 0.1)
    ok_, _ = D.nearest_index(oxy, pxy)
    hrows += [{"navn": f"{pnames[k]} {i + 1}", "geometry": Point(xy)} for i, (k, xy) in enumerate(zip(ok_, oxy))]
    return {"kollektivakse": gpd.GeoDataFrame(arows, crs=D.CRS), "holdeplass": gpd.GeoDataFrame(hrows, crs=D.CRS)}


def _walking_network(f: _Frame, rng: np.random.Generator, target: dict) -> tuple[gpd.GeoDataFrame, float]:
    """A lattice over the built-up area, spacing set for the target edge count; (edges, spacing m)."""
    region = shapely.intersection(shapely.union_all([Point(xy).buffer(2600) for xy in f.pxy]), f.land)
    spacing = math.sqrt(2.0 * region.area / target["edges"])
    edges = D.lattice_network(region, spacing, rng, jitter=0.18, within=f.land)
    return gpd.GeoDataFrame(geometry=edges, crs=D.CRS), spacing


def _rasters(f: _Frame, rng: np.random.Generator, steinbrudd: gpd.GeoDataFrame) -> dict[str, tuple]:
    bounds = tuple(np.add(f.outline.bounds, (-1000, -1000, 1000, 1000)))
    terreng, ttr = D.terrain_raster(f.outline, f.sea, bounds, 50.0, rng, hills=60, relief=150.0,
                                    trend=(0.0, 0.006))
    roads = [LineString([f.pxy[0], f.pxy[k]]) for k in (4, 9, 11, 13, 15, 17, 18)]
    sources = [(g, 76.0) for g in roads] + [(g, 70.0) for g in steinbrudd.geometry]
    stoy, sstr = D.noise_raster(bounds, 25.0, sources, mask=f.outline)
    return {"terreng": (terreng, ttr, None), "stoy": (stoy, sstr, 255)}


def build(seed: int = SEED, target: dict = TARGET, log=print):
    """Build the Oslo-scale layers and rasters in memory (see :func:`geoplan.demo.build_demo`).

    The steps share one random generator: their order is part of the output.
    """
    rng = np.random.default_rng(seed)
    t0 = time.perf_counter()

    def step(msg):
        log(f"  {time.perf_counter() - t0:6.1f} s  {msg}")

    f = _frame()
    L = _places(f, rng)
    step("steder og utviklingsgrenser")
    L.update(_innspill_and_quarries(f, rng, target))
    step(f"{len(L['innspill'])} innspill")
    L["arealformal"] = _zoning(f, rng, target)
    step(f"{len(L['arealformal'])} arealformål")
    L.update(_services(f, rng, target))
    L["bygning"] = _buildings(f, rng, target, L["innspill"], L["steinbrudd"])
    step(f"{len(L['bygning'])} bygninger, {int(L['bygning']['antall_boliger'].sum())} boliger")
    L["kommunal_bolig"] = _municipal_dwellings(f, rng, target, L["bygning"])
    L["grunnkrets"] = _grunnkretser(f, rng, target, L["bygning"])
    step(f"{len(L['grunnkrets'])} grunnkretser")
    L.update(_transport(f, rng))
    L["gangnett"], spacing = _walking_network(f, rng, target)
    step(f"gangnett: {len(L['gangnett'])} lenker, {spacing:.0f} m maskevidde")
    rasters = _rasters(f, rng, L["steinbrudd"])
    step("terreng og støy")
    layers = {
        "kommune": L["kommune"],
        "sentrum": D.sort_layer(L["sentrum"], ["navn"]),
        "skole": D.sort_layer(L["skole"], ["sted", "navn"]),
        "utviklingsgrense": D.sort_layer(L["utviklingsgrense"], ["navn"]),
        "arealformal": L["arealformal"],
        "innspill": D.sort_layer(L["innspill"], ["sted", "navn"]),
        "steinbrudd": D.sort_layer(L["steinbrudd"], ["navn"]),
        "kollektivakse": D.sort_layer(L["kollektivakse"], ["navn"]),
        "holdeplass": L["holdeplass"],
        "grunnkrets": L["grunnkrets"],
        "bygning": L["bygning"],
        "kommunal_bolig": L["kommunal_bolig"],
        "helsetjeneste": D.sort_layer(L["helsetjeneste"], ["type", "navn"]),
        "gangnett": L["gangnett"],
    }
    return layers, rasters


def write(out: Path, seed: int = SEED, log=print) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    layers, rasters = build(seed, log=log)
    meta = pd.DataFrame([
        ("beskrivelse", "Syntetisk kommune i Oslo-skala for ytelsestester. Alt unntatt "
                        "kommunegrensen er oppdiktet."),
        ("attribusjon", "Kommunegrense: © Kartverket, CC BY 4.0 (kommuneinndeling 2024, forenklet)."),
        ("generator", f"bench/make_oslo.py (seed={seed})"),
    ] + [(f"antall_{k}", str(len(v))) for k, v in layers.items()], columns=["nokkel", "verdi"])
    t = time.perf_counter()
    D.write_gpkg(layers, out, meta)
    tz, ttr, _ = rasters["terreng"]
    D.write_geotiff(tz, ttr, out.parent / "terreng.tif", description="høyde", units="m")
    s, sstr, nd = rasters["stoy"]
    D.write_geotiff(s, sstr, out.parent / "stoy.tif", nodata=nd, description="Lden", units="dB")
    log(f"  skrevet på {time.perf_counter() - t:.1f} s")
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(DEFAULT_OUT), help="GeoPackage to write")
    ap.add_argument("--force", action="store_true", help="rebuild even if the file exists")
    ap.add_argument("--seed", type=int, default=SEED)
    a = ap.parse_args(argv)
    out = Path(a.out)
    if out.exists() and not a.force:
        print(f"{out} finnes allerede (bruk --force for å bygge på nytt).")
        return 0
    t = time.perf_counter()
    print(f"Bygger Oslo-skala testdata til {out} ...", flush=True)
    write(out, a.seed)
    mb = sum(p.stat().st_size for p in (out, out.parent / "terreng.tif", out.parent / "stoy.tif")) / 1e6
    print(f"Ferdig på {time.perf_counter() - t:.1f} s ({mb:.0f} MB).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
