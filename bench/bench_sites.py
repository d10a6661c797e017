"""Benchmark the site assessment (issue 6) on the Oslo-scale data.

    python bench/bench_sites.py [--n-single 200] [--n-many 1000] [--data bench/data/oslo.gpkg]

Targets (issue 6): one site with layers and indexes loaded once, median <= 50 ms and
95th percentile <= 100 ms; 1,000 candidate sites in one call <= 20 s.

Baseline, measured in the same run: the same assessment with nothing prepared, i.e.
the indexes, the walking graph, the raster arrays and the concentration model rebuilt
for every site (what a one-off script per site would do). It is timed on a few sites
and reported as a ratio to the prepared median.

The data are written by ``bench/make_oslo.py`` (``bench/data/oslo.gpkg``); if the file
is missing this script runs the generator first.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))


def ensure_data(path: Path) -> Path:
    if path.exists():
        return path
    gen = HERE / "make_oslo.py"
    if not gen.exists():
        sys.exit(f"{path} finnes ikke, og bench/make_oslo.py finnes ikke ennå.")
    print(f"{path} mangler; kjører {gen.name} ...", flush=True)
    subprocess.run([sys.executable, str(gen)], check=True, cwd=ROOT)
    return path


def candidate_sites(ds, n: int, seed: int = 6):
    """n sites inside the municipality: half points, half squares of 1-10 daa."""
    import geopandas as gpd
    import shapely

    area = (ds.get("kommune") if ds.has("kommune") else None)
    if area is not None:
        poly = shapely.union_all(area.geometry.to_numpy())
    else:
        b = np.array([g.total_bounds for g in ds.layers.values()])
        poly = shapely.box(b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max())
    rng = np.random.default_rng(seed)
    minx, miny, maxx, maxy = poly.bounds
    found: list = []
    shapely.prepare(poly)
    while len(found) < n:
        xs = rng.uniform(minx, maxx, 4 * n)
        ys = rng.uniform(miny, maxy, 4 * n)
        cand = shapely.points(xs, ys)
        found.extend(cand[shapely.contains(poly, cand)].tolist())
    pts = np.array(found[:n], dtype=object)
    half = np.sqrt(rng.uniform(1000, 10000, n)) / 2
    sq = shapely.box(shapely.get_x(pts) - half, shapely.get_y(pts) - half,
                     shapely.get_x(pts) + half, shapely.get_y(pts) + half)
    geoms = np.where(np.arange(n) % 2 == 0, pts, sq)
    return gpd.GeoSeries(geoms, crs=ds.crs)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(HERE / "data" / "oslo.gpkg"))
    ap.add_argument("--n-single", type=int, default=200)
    ap.add_argument("--n-many", type=int, default=1000)
    ap.add_argument("--n-baseline", type=int, default=3)
    args = ap.parse_args()

    from geoplan import runs
    from geoplan.config import load_config
    from geoplan.io.layers import load
    data = ensure_data(Path(args.data))
    t0 = time.perf_counter()
    cfg = load_config()
    ds = load(data, config=cfg)
    t_load = time.perf_counter() - t0
    sizes = ", ".join(f"{k} {len(v)}" for k, v in sorted(ds.layers.items()))
    print(f"data: {data} ({sizes}; raster: {', '.join(sorted(ds.rasters)) or 'ingen'})")
    print(f"load + validate: {t_load:.2f} s")

    t0 = time.perf_counter()
    assessor = runs.assessor(ds, cfg)
    t_build = time.perf_counter() - t0
    print(f"SiteAssessor built once (indexes, walking graph, rasters, concentration): {t_build:.2f} s")

    sites = candidate_sites(ds, max(args.n_single, args.n_many))
    units = 2
    # warm-up (first call pays lazy imports)
    assessor.assess(sites.iloc[0], units=units)

    times = []
    statuses = {"gronn": 0, "gul": 0, "rod": 0, "ukjent": 0}
    for g in sites.iloc[: args.n_single]:
        t = time.perf_counter()
        r = assessor.assess(g, units=units, kategori="utleie")
        times.append(time.perf_counter() - t)
        for k in r["kriterier"]:
            statuses[k["status"]] += 1
    ms = np.array(times) * 1000
    med, p95 = float(np.median(ms)), float(np.percentile(ms, 95))
    print(f"one site, {args.n_single} sites one at a time: median {med:.1f} ms "
          f"(target <= 50), p95 {p95:.1f} ms (target <= 100), max {ms.max():.1f} ms")
    print(f"  criterion verdicts over these sites: {statuses}")

    t = time.perf_counter()
    many = assessor.assess_many(sites.iloc[: args.n_many], units=units, kategori="utleie")
    t_many = time.perf_counter() - t
    print(f"{args.n_many} sites in one call: {t_many:.2f} s (target <= 20 s), "
          f"{t_many / args.n_many * 1000:.1f} ms per site; best: {many['tomter'][0]['navn']} "
          f"({many['tomter'][0]['samlet']})")

    # baseline: nothing prepared -> build everything for each site
    bt = []
    for g in sites.iloc[: args.n_baseline]:
        t = time.perf_counter()
        runs.assessor(ds, cfg).assess(g, units=units, kategori="utleie")
        bt.append(time.perf_counter() - t)
    b_med = statistics.median(bt) * 1000
    print(f"baseline (indexes/graph/rasters rebuilt per site), {args.n_baseline} sites: "
          f"median {b_med:.0f} ms per site")
    print(f"ratio baseline / prepared median: {b_med / med:.0f}x; "
          f"1,000 sites baseline (extrapolated) {b_med * args.n_many / 1000:.0f} s vs "
          f"{t_many:.1f} s in one call ({b_med * args.n_many / 1000 / t_many:.0f}x)")
    ok = med <= 50 and p95 <= 100 and t_many <= 20
    print("targets met" if ok else "TARGETS NOT MET")


if __name__ == "__main__":
    main()
