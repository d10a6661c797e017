"""Benchmark the concentration analysis (issue 5) on the Oslo-scale data.

    python bench/bench_concentration.py [--data bench/data/oslo.gpkg] [--permutations 999]

Target (issue 5): everything -- joins, per grunnkrets / kategori / building / radius
tables, PySAL indices, Gi* with 999 permutations, the density surface -- in at most
10 s on 15,000 municipal units, 600 grunnkretser and 150,000 buildings.

Baselines, measured in the same run, for the join + sums per grunnkrets and kategori:
``geopandas.sjoin`` + groupby (what a GIS engineer writes; the row's ratio), and a
naive per-grunnkrets loop (printed only). Both are checked against the model's
numbers («same answer»). ``--quick``: the demo data, 99 permutations.

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
sys.path.insert(0, str(HERE))

from benchlib import DEMO, OSLO, print_same, row  # noqa: E402


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


def sjoin_per_grunnkrets(dwellings, grunnkretser):
    """The fair baseline: one ``geopandas.sjoin`` and a groupby (first grunnkrets wins
    for a point on a shared boundary, like the model)."""
    import geopandas as gpd
    cats = sorted(set(dwellings["kategori"].astype(str)))
    j = gpd.sjoin(dwellings[["antall_enheter", "kategori", "geometry"]],
                  grunnkretser[["geometry"]].reset_index(drop=True), predicate="intersects")
    j = j.sort_values("index_right", kind="stable")
    j = j[~j.index.duplicated(keep="first")]
    n = len(grunnkretser)
    tot = j.groupby("index_right")["antall_enheter"].sum().reindex(range(n), fill_value=0)
    per = (j.assign(kategori=j["kategori"].astype(str))
           .pivot_table(index="index_right", columns="kategori", values="antall_enheter",
                        aggfunc="sum", fill_value=0).reindex(index=range(n), columns=cats, fill_value=0))
    t = grunnkretser["antall_boliger"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(t > 0, 100 * tot.to_numpy(float) / t, np.nan)
    return tot.to_numpy(float), per.to_numpy(float), share


def bench_rows(path: Path, quick: bool, permutations: int = 999, what_if_calls: int = 300) -> list[dict]:
    """Long because it times every step of the analysis, both baselines and the what-if."""
    if quick:
        permutations, what_if_calls = 99, 50
    args = argparse.Namespace(permutations=permutations, what_if_calls=what_if_calls)
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

    # -- baselines ----------------------------------------------------------------
    t0 = time.perf_counter()
    nt, nper, nshare = naive_per_grunnkrets(d, g)
    t_naive = time.perf_counter() - t0
    t0 = time.perf_counter()
    st_, sper, sshare = sjoin_per_grunnkrets(d, g)
    t_sjoin = time.perf_counter() - t0
    t0 = time.perf_counter()
    m2 = C.ConcentrationModel(d, g, None, radius_m=st.radius_m, thresholds=st.thresholds)
    vt, vper = m2.j.g_units, m2.j.g_units_k
    with np.errstate(divide="ignore", invalid="ignore"):
        vshare = np.where(m2.gk.dw > 0, 100 * vt / m2.gk.dw, np.nan)
    t_vec = time.perf_counter() - t0
    same_naive = bool(np.allclose(nt, vt) and np.allclose(nper, vper)
                      and np.allclose(nshare, vshare, equal_nan=True))
    same = bool(st_.shape == vt.shape and sper.shape == vper.shape and np.allclose(st_, vt)
                and np.allclose(sper, vper) and np.allclose(sshare, vshare, equal_nan=True))
    print("\nGrunnlinje (samme run): naiv løkke per grunnkrets (punkt-i-flate for alle punkter, "
          "per kategori)")
    print(f"  naiv løkke                                 {t_naive:7.3f} s")
    print(f"  vektorisert (STRtree + bincount, inkl. KD-tre-bygging) {t_vec:7.3f} s   "
          f"forhold {t_naive / t_vec:6.1f}x raskere")
    print(f"  geopandas.sjoin + groupby (rettferdig grunnlinje) {t_sjoin:7.3f} s   "
          f"forhold modell / sjoin {t_vec / t_sjoin:5.2f}")
    print(f"  hele analysen over                         {t_total:7.3f} s")
    print_same(same, "enheter per grunnkrets og per kategori, andel av boligene (rel. 1e-5), "
                     "modellen mot sjoin")
    print_same(same_naive, "modellen mot den naive løkken")

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
    return [
        row("concentration: whole analysis", t_total, None, "≤ 10 s", t_total <= 10, None,
            note=f"{permutations} permutations"),
        row("concentration: units per grunnkrets (model join)", t_vec, t_sjoin, "–", None, same,
            note="baseline: geopandas.sjoin + groupby/pivot"),
        row("concentration: what-if per call (median)", med * 1000, None, "–", None, None, unit="ms",
            note=f"p95 {p95 * 1000:.2f} ms"),
    ]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default=None, help="GeoPackage (default: Oslo scale; demo with --quick)")
    ap.add_argument("--permutations", type=int, default=999)
    ap.add_argument("--what-if-calls", type=int, default=300)
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    path = Path(args.data) if args.data else (DEMO if args.quick else ensure_data(OSLO))
    rows = bench_rows(path, args.quick, args.permutations, args.what_if_calls)
    return 0 if rows[0]["met"] and rows[1]["same_answer"] else 1


if __name__ == "__main__":
    sys.exit(main())
