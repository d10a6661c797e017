"""Benchmark the concentration analysis (issue 5) on the Oslo-scale data.

    python bench/bench_concentration.py [--data bench/data/oslo.gpkg] [--permutations 999]

Target (issue 5): everything -- joins, per grunnkrets / kategori / building / radius
tables, PySAL indices, Gi* with 999 permutations, the density surface -- in at most
10 s on 15,000 municipal units, 600 grunnkretser and 150,000 buildings.

Baseline, measured in the same run: a naive per-grunnkrets loop (for each grunnkrets,
test every municipal point for being inside it and sum the units, in total and per
kategori), the way a one-off script would do it. It is compared with the vectorised
join + aggregation that gives the same numbers (checked), and with the whole analysis.

Also: the what-if query (:meth:`ConcentrationModel.purchase_effect`) per call.

The data are written by ``bench/make_oslo.py``; if the file is missing this script
runs the generator first.
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
    subprocess.run([sys.executable, str(gen), "--out", str(path)], check=True, cwd=ROOT)
    return path


def naive_per_grunnkrets(dwellings, grunnkretser):
    """The baseline: one pass over all points per grunnkrets (Python loop over grunnkretser)."""
    kat = dwellings["kategori"].astype(str).to_numpy()
    cats = sorted(set(kat))
    units = dwellings["antall_enheter"].to_numpy(dtype=float)
    pts = dwellings.geometry
    taken = np.zeros(len(dwellings), dtype=bool)
    tot = np.zeros(len(grunnkretser))
    per = np.zeros((len(grunnkretser), len(cats)))
    for i, poly in enumerate(grunnkretser.geometry):
        inside = pts.intersects(poly).to_numpy() & ~taken  # first grunnkrets wins, like the model
        taken |= inside
        tot[i] = units[inside].sum()
        for j, c in enumerate(cats):
            per[i, j] = units[inside & (kat == c)].sum()
    t = grunnkretser["antall_boliger"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(t > 0, 100 * tot / t, np.nan)
    return tot, per, share


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default=str(HERE / "data" / "oslo.gpkg"))
    ap.add_argument("--permutations", type=int, default=999)
    ap.add_argument("--what-if-calls", type=int, default=300)
    args = ap.parse_args()
    path = ensure_data(Path(args.data))

    t0 = time.perf_counter()
    import esda  # noqa: F401
    import geopandas as gpd
    import libpysal  # noqa: F401
    import segregation.singlegroup  # noqa: F401

    from geoplan.analysis import concentration as C
    from geoplan.config import load_config
    from geoplan.config.concentration import ConcentrationSettings
    t_import = time.perf_counter() - t0

    t0 = time.perf_counter()
    d = gpd.read_file(path, layer="kommunal_bolig")
    g = gpd.read_file(path, layer="grunnkrets")
    b = gpd.read_file(path, layer="bygning")
    kom = gpd.read_file(path, layer="kommune")
    t_read = time.perf_counter() - t0
    print(f"Data: {path}")
    sp = lambda v: f"{v:,}".replace(",", " ")  # noqa: E731
    print(f"  {sp(len(d))} kommunale boligpunkter ({sp(int(d.antall_enheter.sum()))} enheter), "
          f"{sp(len(g))} grunnkretser, {sp(len(b))} bygninger")
    print(f"  import {t_import:.2f} s, lesing av fire lag {t_read:.2f} s (ikke med i analysetiden)")

    st = ConcentrationSettings.from_config(load_config())
    # -- everything ------------------------------------------------------------
    T = {}
    t_all = time.perf_counter()
    t0 = time.perf_counter()
    model = C.ConcentrationModel(d, g, b, **st.model_kwargs())
    T["koblinger og summer (modell)"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    gk_tab, kat_tab = model.grunnkrets_table()
    T["grunnkrets- og kategoritabell"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    model.building_table()
    T["bygninger og borettslag"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    model.radius_table()
    T[f"radius {st.radius_m:g} m rundt hvert punkt"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    idx = model.indices()
    T["indekser (PySAL segregation, Queen)"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    model.clusters(permutations=args.permutations, seed=st.seed, alpha=st.alpha)
    T[f"Gi* med {args.permutations} permutasjoner"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    surf = C.density_surface(d, cell_size_m=st.cell_size_m, bandwidth_m=st.bandwidth_m,
                             bounds=kom.total_bounds)
    T[f"tetthetsflate {surf.array.shape[0]}x{surf.array.shape[1]}"] = time.perf_counter() - t0
    t_total = time.perf_counter() - t_all
    # the same thing through the one entry point the CLI uses (tables + clusters + indices)
    t0 = time.perf_counter()
    res = model.result(permutations=args.permutations, seed=st.seed, alpha=st.alpha)
    t_result = time.perf_counter() - t0

    print("\nAnalysen, steg for steg:")
    for k, v in T.items():
        print(f"  {k:<42} {v:7.3f} s")
    print(f"  {'SUM (alt, mål ≤ 10 s)':<42} {t_total:7.3f} s   "
          f"{'OK' if t_total <= 10 else 'OVER MÅLET'}")
    print(f"  (model.result() på ferdig modell: {t_result:.3f} s; varme flekker: {len(res.klynger)}; "
          f"D = {idx['dissimilaritet']:.3f}, xPx = {idx['isolasjon']:.3f}, "
          f"romlig D = {idx['romlig_dissimilaritet']:.3f})")

    # -- baseline ----------------------------------------------------------------
    t0 = time.perf_counter()
    nt, nper, nshare = naive_per_grunnkrets(d, g)
    t_naive = time.perf_counter() - t0
    t0 = time.perf_counter()
    m2 = C.ConcentrationModel(d, g, None, radius_m=st.radius_m, thresholds=st.thresholds)
    vt, vper = m2.g_units, m2.g_units_k
    with np.errstate(divide="ignore", invalid="ignore"):
        vshare = np.where(m2.g_dw > 0, 100 * vt / m2.g_dw, np.nan)
    t_vec = time.perf_counter() - t0
    assert np.allclose(nt, vt) and np.allclose(nper, vper), "grunnlinjen og modellen er uenige"
    assert np.allclose(nshare, vshare, equal_nan=True)
    print("\nGrunnlinje (samme run): naiv løkke per grunnkrets (punkt-i-flate for alle punkter, "
          "per kategori)")
    print(f"  naiv løkke                                 {t_naive:7.3f} s")
    print(f"  vektorisert (STRtree + bincount, inkl. KD-tre-bygging) {t_vec:7.3f} s   "
          f"forhold {t_naive / t_vec:6.1f}x raskere")
    print(f"  hele analysen over                         {t_total:7.3f} s   "
          f"forhold naiv-bare-grunnkretssummer / alt = {t_naive / t_total:5.2f}")

    # -- what-if ---------------------------------------------------------------------
    rng = np.random.default_rng(5)
    minx, miny, maxx, maxy = g.total_bounds
    xs = rng.uniform(minx, maxx, args.what_if_calls)
    ys = rng.uniform(miny, maxy, args.what_if_calls)
    model.purchase_effect((xs[0], ys[0]), 3)
    times = []
    for x, y in zip(xs, ys):
        t0 = time.perf_counter()
        model.purchase_effect((x, y), 3, "housing_first")
        times.append(time.perf_counter() - t0)
    times.sort()
    med = statistics.median(times)
    p95 = times[int(0.95 * (len(times) - 1))]
    t0 = time.perf_counter()
    C.purchase_effect(d, g, b, (xs[0], ys[0]), 3, radius_m=st.radius_m, thresholds=st.thresholds)
    t_cold = time.perf_counter() - t0
    print(f"\nHva-hvis (purchase_effect) på ferdig modell, {len(times)} punkter: median "
          f"{med * 1000:.2f} ms, 95-persentil {p95 * 1000:.2f} ms")
    print(f"  grunnlinje: uten ferdig modell (bygges for hvert kall) {t_cold:.3f} s   "
          f"forhold {t_cold / med:,.0f}x".replace(",", " "))
    return 0 if t_total <= 10 else 1


if __name__ == "__main__":
    sys.exit(main())
