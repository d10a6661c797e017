"""Benchmark the school circles and walking distances (issue 4) on the Oslo-scale data.

    python bench/bench_schools.py [--data bench/data/oslo.gpkg] [--schools 150]
                                  [--n-baseline 5] [--synthetic]

Targets (issue 4):

* the circle analysis (every utviklingsgrense, boligreserve and innspill parcel
  against its schools' 1.5 km circles) in at most 2 s;
* walking distances from 150 schools in at most 30 s, against a baseline of one
  pure-Python (heapq) Dijkstra per school, both in one run.

"Walking distances from 150 schools" is measured as the full distance field of
each school (its distance to every node of the network, no cut-off): scipy's
``csgraph.dijkstra`` over the sparse graph, in chunks of schools. The baseline
runs the textbook heapq Dijkstra in pure Python on the same graph (adjacency
lists built from the same CSR arrays, not timed), by default for every school;
``--n-baseline N`` times it on N schools and extrapolates linearly (every search
covers the same connected network, so the cost per school is about the same),
and the output says which was done. The two results are compared node by node.
For the benchmark every school is connected to the network whatever its
distance (the analysis itself leaves schools beyond ``schools.snap_max_m`` out).

The data are written by ``bench/make_oslo.py`` (``bench/data/oslo.gpkg``); if the
file is missing this script runs the generator first. ``--synthetic`` uses an
in-memory 50 m street grid of 20 x 20 km instead (for when the generator is not
there).
"""

from __future__ import annotations

import argparse
import heapq
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

CIRCLE_TARGET_S = 2.0
WALK_TARGET_S = 30.0


def ensure_data(path: Path) -> Path:
    if path.exists():
        return path
    gen = HERE / "make_oslo.py"
    if not gen.exists():
        sys.exit(f"{path} finnes ikke, og bench/make_oslo.py finnes ikke ennå "
                 "(bruk --synthetic for et syntetisk gatenett).")
    print(f"{path} mangler; kjører {gen.name} ...", flush=True)
    subprocess.run([sys.executable, str(gen)], check=True, cwd=ROOT)
    return path


def synthetic(seed: int = 4):
    """A 20 x 20 km, 50 m street grid with gaps, 150 schools, 60 boundaries, 3,000 parcels."""
    import geopandas as gpd
    import shapely

    rng = np.random.default_rng(seed)
    x0, y0, size, step = 590_000.0, 6_630_000.0, 20_000.0, 50.0
    k = int(size / step) + 1
    ticks = np.arange(k) * step
    # horizontal and vertical segments between grid nodes, 10 % removed
    xs, ys = np.meshgrid(ticks, ticks)
    h = np.stack([np.c_[xs[:, :-1].ravel(), ys[:, :-1].ravel()],
                  np.c_[xs[:, 1:].ravel(), ys[:, 1:].ravel()]], axis=1)
    v = np.stack([np.c_[xs[:-1, :].ravel(), ys[:-1, :].ravel()],
                  np.c_[xs[1:, :].ravel(), ys[1:, :].ravel()]], axis=1)
    segs = np.concatenate([h, v]) + [x0, y0]
    segs = segs[rng.random(segs.shape[0]) > 0.1]
    crs = 25832
    gangnett = gpd.GeoDataFrame(geometry=shapely.linestrings(segs), crs=crs)
    sxy = rng.uniform(500, size - 500, (150, 2)) + [x0, y0]
    skole = gpd.GeoDataFrame({"navn": [f"Skole {i}" for i in range(150)]},
                             geometry=shapely.points(sxy), crs=crs)
    c = rng.uniform(1500, size - 1500, (60, 2)) + [x0, y0]
    half = rng.uniform(500, 1500, (60, 2))
    ug = gpd.GeoDataFrame({"navn": [f"Sted {i}" for i in range(60)]},
                          geometry=shapely.box(*(c - half).T, *(c + half).T), crs=crs)
    p = rng.uniform(0, size, (3000, 2)) + [x0, y0]
    ph = rng.uniform(20, 150, (3000, 1))
    parcels = gpd.GeoDataFrame({"type": "innspill", "navn": [f"P{i}" for i in range(3000)]},
                               geometry=shapely.box(*(p - ph).T, *(p + ph).T), crs=crs)
    return {"gangnett": gangnett, "skole": skole, "utviklingsgrense": ug}, parcels


def heapq_dijkstra(indptr, indices, weights, source):
    """Textbook Dijkstra with a binary heap, pure Python (the baseline)."""
    n = len(indptr) - 1
    dist = [float("inf")] * n
    dist[source] = 0.0
    heap = [(0.0, source)]
    done = [False] * n
    while heap:
        d, u = heapq.heappop(heap)
        if done[u]:
            continue
        done[u] = True
        for j in range(indptr[u], indptr[u + 1]):
            v = indices[j]
            nd = d + weights[j]
            if nd < dist[v]:
                dist[v] = nd
                heapq.heappush(heap, (nd, v))
    return dist


def _load(args, cfg):
    """The layers and parcels to time: the Oslo-scale file, or the synthetic grid."""
    from geoplan.analysis.schools import collect_parcels
    from geoplan.config.reserves import ReserveSettings
    if args.synthetic:
        layers, parcels = synthetic()
        return layers, parcels, "syntetisk 50 m gatenett, 20 x 20 km"
    from geoplan.io import load
    path = ensure_data(Path(args.data))
    ds = load(path, config=cfg)
    parcels = collect_parcels(ds.get("arealformal"), ds.get("innspill"),
                              ReserveSettings.from_config(cfg).housing_codes)
    return ds.layers, parcels, str(path)


def _time_search(net, skole, args, settings):
    """Full distance fields from every school (scipy): (matrix, source nodes, seconds)."""
    from scipy.sparse import csgraph

    from geoplan.analysis.network import add_points, snap_points
    radius = settings.radius_m
    t0 = time.perf_counter()
    # every school is connected for the benchmark (no snapping limit), so the search
    # really starts from all of them; the analysis itself uses schools.snap_max_m
    snap = snap_points(net, skole.iloc[: args.schools].geometry)
    net2, nodes = add_points(net, snap)
    far = int((snap["tilknytning_m"] > settings.snap_max_m).sum())
    src = nodes[nodes >= 0]
    m = net2.matrix
    t_snap = time.perf_counter() - t0
    t0 = time.perf_counter()
    reach = np.empty(src.size, dtype=np.int64)
    for i in range(0, src.size, args.chunk):
        d = csgraph.dijkstra(m, directed=True, indices=src[i:i + args.chunk])
        reach[i:i + args.chunk] = (d <= radius).sum(axis=1)
    t_walk = time.perf_counter() - t0
    t_vec = t_snap + t_walk
    print(f"\nGangavstand fra {src.size} skoler (fullt avstandsfelt per skole, scipy): "
          f"{t_vec:.2f} s (kobling {t_snap:.2f} s + søk {t_walk:.2f} s; mål ≤ {WALK_TARGET_S:.0f} s)")
    print(f"  noder innenfor {radius:.0f} m til fots per skole: median {int(np.median(reach))}; "
          f"{far} skoler ligger lenger enn schools.snap_max_m fra nettet (koblet likevel her)")
    t0 = time.perf_counter()
    dmin = csgraph.dijkstra(m, directed=True, indices=src, min_only=True)
    t_min = time.perf_counter() - t0
    print(f"  nærmeste skole for hver node (ett søk med {src.size} kilder): {t_min:.2f} s; "
          f"{np.isfinite(dmin).mean() * 100:.1f} % av nodene nås")
    return m, src, t_vec


def _time_baseline(m, src, n_baseline: int):
    """Pure-Python Dijkstra per school: (seconds for all schools, schools measured)."""
    from scipy.sparse import csgraph
    indptr = m.indptr.tolist()
    indices = m.indices.tolist()
    weights = m.data.tolist()
    nb = src.size if n_baseline <= 0 else min(n_baseline, src.size)
    sample = src[np.linspace(0, src.size - 1, nb).astype(int)]
    t_base_sample = 0.0
    ok = True
    for v in sample:
        t0 = time.perf_counter()
        base = heapq_dijkstra(indptr, indices, weights, int(v))
        t_base_sample += time.perf_counter() - t0
        # compare with scipy outside the timing, one school at a time (memory)
        ok &= bool(np.allclose(np.asarray(base), csgraph.dijkstra(m, directed=True, indices=int(v))))
    per = t_base_sample / max(nb, 1)
    t_base = per * src.size
    how = ("målt på alle" if nb == src.size else
           f"målt på {nb} skoler og framskrevet lineært til {src.size}")
    print(f"\nGrunnlinje: ren Python-Dijkstra (heapq), én per skole: {per:.2f} s per skole, "
          f"{how}: {t_base:.1f} s")
    print(f"  samme avstander som scipy: {'ja' if ok else 'NEI'}")
    return t_base, nb


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(HERE / "data" / "oslo.gpkg"))
    ap.add_argument("--schools", type=int, default=150)
    ap.add_argument("--n-baseline", type=int, default=0,
                    help="time the baseline on this many schools and extrapolate (0: all)")
    ap.add_argument("--chunk", type=int, default=16)
    ap.add_argument("--synthetic", action="store_true")
    args = ap.parse_args()

    from geoplan.analysis.network import build_network
    from geoplan.analysis.schools import analyse_schools
    from geoplan.config import load_config
    from geoplan.config.schools import SchoolSettings
    cfg = load_config()
    settings = SchoolSettings.from_config(cfg)
    t0 = time.perf_counter()
    layers, parcels, source = _load(args, cfg)
    t_load = time.perf_counter() - t0
    ug, skole, gangnett = layers["utviklingsgrense"], layers["skole"], layers["gangnett"]
    print(f"Data: {source} (lest på {t_load:.1f} s)")
    print(f"  {len(ug)} utviklingsgrenser, {len(skole)} skoler, "
          f"{0 if parcels is None else len(parcels)} parseller, {len(gangnett)} gangnettlinjer")

    # ---------------------------------------------------------------- circles
    t0 = time.perf_counter()
    res = analyse_schools(ug, skole, parcels=parcels, settings=settings)
    t_circ = time.perf_counter() - t0
    n_feat = len(res.utviklingsgrenser) + (0 if res.parseller is None else len(res.parseller))
    print(f"\nSirkelanalyse ({n_feat} flater): {t_circ:.2f} s "
          f"(mål ≤ {CIRCLE_TARGET_S:.0f} s; {t_circ / CIRCLE_TARGET_S:.2f} av målet)")

    # ---------------------------------------------------------------- network
    t0 = time.perf_counter()
    net = build_network(gangnett, node_crossings=settings.node_crossings,
                        tolerance_m=settings.node_tolerance_m)
    t_build = time.perf_counter() - t0
    s = net.summary()
    print(f"\nGangnett bygget på {t_build:.2f} s: {s['noder']} noder, {s['kanter']} kanter, "
          f"{s['lengde_km']:.0f} km, {s['delnett']} delnett")
    m, src, t_vec = _time_search(net, skole, args, settings)
    t_base, nb = _time_baseline(m, src, args.n_baseline)
    print(f"  forhold grunnlinje / scipy: {t_base / t_vec:.1f}x")

    # ---------------------------------------------------------------- the walking analysis
    t0 = time.perf_counter()
    resw = analyse_schools(ug, skole, parcels=parcels, network=net, settings=settings)
    t_wa = time.perf_counter() - t0
    n_sets = 0 if resw.gangareal is None else len(resw.gangareal)
    print(f"\nHele gangavstandsanalysen (areal og avstand for alle flater, "
          f"{n_sets} skolesett): {t_wa:.2f} s")

    print("\nOppsummering")
    print(f"  sirkelanalyse      {t_circ:8.2f} s   mål {CIRCLE_TARGET_S:5.1f} s   "
          f"{'OK' if t_circ <= CIRCLE_TARGET_S else 'OVER'}")
    print(f"  gangavstand 150    {t_vec:8.2f} s   mål {WALK_TARGET_S:5.1f} s   "
          f"{'OK' if t_vec <= WALK_TARGET_S else 'OVER'}   grunnlinje {t_base:.1f} s "
          f"({'alle skoler' if nb == src.size else f'framskrevet fra {nb}'}), "
          f"{t_base / t_vec:.1f}x")


if __name__ == "__main__":
    main()
