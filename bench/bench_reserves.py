"""Benchmark ``reserves`` (issue 3) on the Oslo-scale data.

    python bench/bench_reserves.py [--data bench/data/oslo.gpkg] [--repeat 3] [--sample N]

Target (issue 3): the reserves analysis on the Oslo-scale data in at most 5 s, and at
least 5x faster than a baseline written the obvious way, both timed in this run.

* geoplan: :func:`geoplan.analysis.reserves.analyse_reserves` with every layer the data have
  (boligreserve per place, innspill, balance, ranking, quarry and slope conflicts),
  layers loaded once; median of ``--repeat`` runs. The whole command
  (``python -m geoplan reserves DATA --json``, loading included) is timed as well.
* baseline: the same figures the obvious way: ``geopandas.overlay`` of the reserve
  with each place's boundary and a dissolve per place, ``overlay(how="difference")``
  for the reserve outside, and a Python loop over parcels for the inside share,
  quarry area, nearest distances (through the spatial index, one parcel at a time)
  and the slope share (``geoplan.io.raster.zonal_share_above`` per parcel). With
  ``--sample N`` the per-parcel loop runs on N random parcels and is scaled to all
  parcels (printed as such); by default it runs on all of them.

The data are written by ``bench/make_oslo.py`` (``bench/data/oslo.gpkg``); if the file
is missing this script runs the generator first. If the generator is not there,
``--synthetic`` builds a stand-in of the same scale (printed as such).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

TARGET_S = 5.0
TARGET_RATIO = 5.0


def ensure_data(path: Path, synthetic: bool) -> Path:
    if path.exists():
        return path
    gen = HERE / "make_oslo.py"
    if gen.exists() and not synthetic:
        print(f"{path} mangler; kjører {gen.name} ...", flush=True)
        subprocess.run([sys.executable, str(gen)], check=True, cwd=ROOT)
        return path
    if not synthetic:
        sys.exit(f"{path} finnes ikke, og bench/make_oslo.py finnes ikke ennå. "
                 "Bruk --synthetic for et stand-in datasett i samme skala.")
    return make_synthetic(path)


def make_synthetic(path: Path) -> Path:
    """A stand-in at Oslo scale: 63,000 zoning polygons on a 20 km grid (25 % framtidig,
    500 overlapping extra reserve polygons), 15 places, 2,000 innspill, 100,000 path
    segments, 3,000 stops, 20 quarries and a 1000 x 1000 terrain grid."""
    import geopandas as gpd
    import pandas as pd
    import rasterio
    import shapely
    from rasterio.transform import from_origin

    print(f"Lager syntetisk datasett i Oslo-skala: {path}", flush=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(1)
    x0, y0, crs = 590_000.0, 6_640_000.0, 25832
    n, c = 250, 80.0
    ix, iy = (a.ravel() for a in np.meshgrid(np.arange(n), np.arange(n)))
    g = shapely.box(x0 + ix * c, y0 + iy * c, x0 + (ix + 1) * c, y0 + (iy + 1) * c)
    code = rng.choice([1110, 1111, 1112, 1113, 1300, 1600, 5100, 2010], size=len(g),
                      p=[.3, .1, .05, .05, .1, .1, .25, .05])
    status = np.where(rng.random(len(g)) < 0.25, 2, 1)
    af = gpd.GeoDataFrame({"arealformal": code, "arealbruksstatus": status,
                           "navn": [f"F{i}" for i in range(len(g))]}, geometry=g, crs=crs)
    k = rng.choice(len(g), 500, replace=False)
    ov = gpd.GeoDataFrame({"arealformal": 1110, "arealbruksstatus": 2,
                           "navn": [f"O{i}" for i in range(500)]},
                          geometry=shapely.transform(g[k], lambda xy: xy + 40), crs=crs)
    af = pd.concat([af, ov], ignore_index=True)
    cx, cy = x0 + rng.uniform(2000, 18000, 15), y0 + rng.uniform(2000, 18000, 15)
    ug = gpd.GeoDataFrame({"navn": [f"Sted {i}" for i in range(15)]},
                          geometry=shapely.buffer(shapely.points(cx, cy),
                                                  rng.uniform(1500, 3000, 15)), crs=crs)
    ni = 2000
    ipts = shapely.points(x0 + rng.uniform(0, 20000, ni), y0 + rng.uniform(0, 20000, ni))
    inn = gpd.GeoDataFrame({"navn": [f"I{i}" for i in range(ni)], "sted": rng.choice(ug.navn, ni),
                            "formal": "bolig", "rpba_avklart": rng.random(ni) < .4},
                           geometry=shapely.buffer(ipts, rng.uniform(30, 120, ni)), crs=crs)
    m = 100_000
    a = np.column_stack([x0 + rng.uniform(0, 20000, m), y0 + rng.uniform(0, 20000, m)])
    gn = gpd.GeoDataFrame(geometry=shapely.linestrings(np.stack([a, a + rng.normal(0, 60, (m, 2))], 1)),
                          crs=crs)
    hp = gpd.GeoDataFrame({"navn": [f"H{i}" for i in range(3000)]},
                          geometry=shapely.points(x0 + rng.uniform(0, 20000, 3000),
                                                  y0 + rng.uniform(0, 20000, 3000)), crs=crs)
    ka = gpd.GeoDataFrame({"navn": ["a", "b"]}, geometry=[
        shapely.LineString([(x0, y0), (x0 + 20000, y0 + 20000)]),
        shapely.LineString([(x0, y0 + 20000), (x0 + 20000, y0)])], crs=crs)
    sb = gpd.GeoDataFrame({"navn": [f"Q{i}" for i in range(20)]}, geometry=shapely.buffer(
        shapely.points(x0 + rng.uniform(0, 20000, 20), y0 + rng.uniform(0, 20000, 20)), 100), crs=crs)
    se = gpd.GeoDataFrame({"navn": list(ug.navn)}, geometry=shapely.points(cx, cy), crs=crs)
    if path.exists():
        path.unlink()
    for name, lyr in dict(arealformal=af, utviklingsgrense=ug, innspill=inn, gangnett=gn,
                          holdeplass=hp, kollektivakse=ka, steinbrudd=sb, sentrum=se).items():
        lyr.to_file(path, layer=name)
    cs, nn = 20.0, 1000
    xx, yy = np.meshgrid(np.arange(nn), np.arange(nn))
    z = (50 * np.sin(xx / 40) + 30 * np.cos(yy / 25) + (xx + yy) * 0.5).astype("float32")
    with rasterio.open(path.parent / "terreng.tif", "w", driver="GTiff", height=nn, width=nn,
                       count=1, dtype="float32", crs=f"EPSG:{crs}",
                       transform=from_origin(x0, y0 + nn * cs, cs, cs)) as dst:
        dst.write(z, 1)
    return path


def params(cfg):
    """The reserve settings of ``cfg`` (:class:`geoplan.config.reserves.ReserveSettings`)."""
    from geoplan.config.reserves import ReserveSettings
    return ReserveSettings.from_config(cfg)


def run_geoplan(ds, p, terrain):
    from geoplan.analysis.reserves import OPTIONAL_LAYERS, REQUIRED_LAYERS, analyse_reserves
    layers = {name: ds.get(name) for name in REQUIRED_LAYERS + OPTIONAL_LAYERS}
    return analyse_reserves(layers, terrain, p)


def run_baseline(ds, p, sample: int | None, seed: int = 3):
    """The obvious way: overlay per place, loops over parcels. Returns (seconds, table,
    loop note)."""
    import geopandas as gpd
    import pandas as pd

    from geoplan.analysis.reserves import growth_persons
    from geoplan.io.raster import zonal_share_above
    t0 = time.perf_counter()
    af = ds["arealformal"]
    ug = ds["utviklingsgrense"]
    inn = ds.get("innspill")
    ub = af["utbygd"].astype("boolean") if "utbygd" in af else None
    not_built = (af["arealbruksstatus"] == 2)
    if ub is not None:
        not_built = pd.Series(np.where(ub.notna(), ~ub.fillna(True), not_built), index=af.index)
    res = af[af["arealformal"].isin(list(p.housing_codes)) & not_built.astype(bool)]
    places = ug.dissolve("navn").reset_index()
    rows = []
    for _, place in places.iterrows():
        one = places[places["navn"] == place["navn"]][["navn", "geometry"]]
        clip = gpd.overlay(res[["geometry"]], one, how="intersection")
        reserve = clip.dissolve().area.sum() / 1000.0 if len(clip) else 0.0
        innspill = 0.0
        if inn is not None:
            mine = inn[inn["sted"] == place["navn"]]
            if "formal" in mine:
                mine = mine[mine["formal"].fillna("bolig").str.lower().str.startswith("bolig")]
            innspill = mine.dissolve().area.sum() / 1000.0 if len(mine) else 0.0
        share = 1.0 / len(places)
        need = growth_persons(p.base_population, p.base_year, p.default_year, p.default_rate,
                              share) / p.persons_per_dwelling / p.default_dwellings_per_daa
        rows.append({"sted": place["navn"], "boligreserve_daa": reserve, "innspill_daa": innspill,
                     "arealbehov_daa": need, "behov_nye_daa": max(need - reserve, 0.0),
                     "balanse_daa": reserve + innspill - need})
    outside = gpd.overlay(res[["geometry"]], places[["geometry"]], how="difference")
    outside_daa = outside.dissolve().area.sum() / 1000.0 if len(outside) else 0.0
    t_places = time.perf_counter() - t0

    # the per-parcel loop
    parcels = [res[["geometry"]]]
    if inn is not None:
        parcels.append(inn[["geometry"]])
    parcels = pd.concat(parcels, ignore_index=True)
    n_all = len(parcels)
    idx = np.arange(n_all)
    if sample and sample < n_all:
        idx = np.sort(np.random.default_rng(seed).choice(n_all, sample, replace=False))
    quarry = ds.get("steinbrudd")
    zone = quarry.buffer(p.quarry_buffer_m).union_all() if quarry is not None else None
    targets = [ds.get(n) for n in ("gangnett", "holdeplass", "kollektivakse", "sentrum")]
    targets = [t for t in targets if t is not None]
    terreng = ds.raster("terreng")
    t1 = time.perf_counter()
    out = []
    for i in idx:
        geom = parcels.geometry.iloc[i]
        area = geom.area
        inside = sum(geom.intersection(b).area for b in places.geometry)
        q = geom.intersection(zone).area if zone is not None else np.nan
        d = []
        for t in targets:
            j = t.sindex.nearest(geom, return_all=False)[1][0]
            d.append(geom.distance(t.geometry.iloc[j]))
        slope = zonal_share_above([geom], terreng, p.max_slope_pct, crs=ds.crs,
                                  derive="slope")[0] if terreng is not None else np.nan
        out.append((area, inside, q, *d, slope))
    t_loop = time.perf_counter() - t1
    scale = n_all / max(len(idx), 1)
    total = t_places + (t1 - t0 - t_places) + t_loop * scale
    note = (f"løkke over {len(idx)} av {n_all} parseller, skalert ×{scale:.1f}" if scale > 1
            else f"løkke over alle {n_all} parseller")
    return total, pd.DataFrame(rows), outside_daa, note


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default=str(HERE / "data" / "oslo.gpkg"))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--sample", type=int, default=None,
                    help="baseline: run the per-parcel loop on N parcels and scale")
    ap.add_argument("--synthetic", action="store_true",
                    help="use/build a synthetic stand-in (bench/data/reserves_synthetic.gpkg)")
    args = ap.parse_args()
    path = Path(args.data)
    if args.synthetic and args.data == str(HERE / "data" / "oslo.gpkg"):
        path = HERE / "data" / "reserves_synthetic" / "data.gpkg"
    path = ensure_data(path, args.synthetic)

    from geoplan.config import load_config
    from geoplan.io import load
    cfg = load_config()
    p = params(cfg)
    t = time.perf_counter()
    ds = load(str(path), config=cfg)
    from geoplan.io.raster import open_raster
    tif = ds.raster("terreng")
    terrain = open_raster(tif) if tif is not None else None
    t_load = time.perf_counter() - t
    ds.require("arealformal", "utviklingsgrense")
    n_af = len(ds["arealformal"])
    print(f"Data: {path} ({ds.epsg}); arealformal {n_af}, utviklingsgrense "
          f"{len(ds['utviklingsgrense'])}, innspill {len(ds['innspill']) if ds.has('innspill') else 0}, "
          f"gangnett {len(ds['gangnett']) if ds.has('gangnett') else 0}, "
          f"terreng {'ja' if ds.raster('terreng') else 'nei'}; lasting {t_load:.2f} s")

    times, cpus = [], []
    for _ in range(max(args.repeat, 1)):
        t, c = time.perf_counter(), time.process_time()
        result = run_geoplan(ds, p, terrain)
        times.append(time.perf_counter() - t)
        cpus.append(time.process_time() - c)
    med = statistics.median(times)
    n_par = len(result.parseller)
    print(f"geoplan analyse_reserves: median {med:.2f} s over {len(times)} kjøringer "
          f"(min {min(times):.2f}, maks {max(times):.2f}; CPU-tid median "
          f"{statistics.median(cpus):.2f} s); {len(result.steder)} steder, {n_par} parseller")

    env = dict(os.environ, PYTHONPATH=str(ROOT))
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "geoplan", "reserves", str(path), "--json"],
                          cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    t_cli = time.perf_counter() - t
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_cli = (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime)
    print(f"geoplan reserves DATA --json (hele kommandoen, med oppstart og lasting): {t_cli:.2f} s"
          f" (CPU-tid {cpu_cli:.2f} s; exit {proc.returncode})")

    c = time.process_time()
    tb, btab, bout, note = run_baseline(ds, p, args.sample)
    cb = time.process_time() - c
    print(f"baseline (overlay per sted + løkke over parseller; {note}): {tb:.2f} s"
          f" (CPU-tid {cb:.2f} s{' før skalering' if args.sample else ''})")

    # the two agree on the reserve per place
    got = dict(zip(result.steder["sted"], result.steder["boligreserve_daa"]))
    diff = max(abs(got[s] - v) for s, v in zip(btab["sted"], btab["boligreserve_daa"]))
    print(f"kontroll: største avvik i boligreserve per sted mot baseline {diff:.6f} daa; "
          f"utenfor grensene {result.utenfor_daa:.3f} mot {bout:.3f} daa")

    ratio = tb / med
    if not args.sample:
        print(f"forhold målt i CPU-tid (upåvirket av andre prosesser på maskinen): "
              f"{cb / statistics.median(cpus):.1f}×")
    ok_t = med <= TARGET_S
    ok_r = ratio >= TARGET_RATIO
    print(f"RESULTAT: {med:.2f} s (mål ≤ {TARGET_S:.0f} s: {'OK' if ok_t else 'IKKE NÅDD'}); "
          f"{ratio:.1f}× raskere enn baseline (mål ≥ {TARGET_RATIO:.0f}×: "
          f"{'OK' if ok_r else 'IKKE NÅDD'})")
    return 0 if (ok_t and ok_r) else 1


if __name__ == "__main__":
    sys.exit(main())
