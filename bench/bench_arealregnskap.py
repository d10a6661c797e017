"""Benchmark: the whole arealregnskap (kap. 4 and 5) on Oslo-scale data with a synthetic AR5.

Data: ``bench/data/oslo.gpkg`` from ``bench/make_oslo.py`` (generated if missing). A
synthetic AR5 of at least 200,000 Voronoi polygons over the municipality and a proposal
(the innspill zoned for housing, a quarter of the reserve taken out) are made here (not
timed). Timed in one run: :func:`geoplan.analysis.arealregnskap.analyse_arealregnskap`
against a ``geopandas.overlay`` chain doing the same unions (plan × proposal, × places,
× AR5); the figures of both are compared. Target: ≤ 10 s for geoplan.

    PYTHONPATH=. python bench/bench_arealregnskap.py [--n-ar5 200000]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

TARGET_S = 10.0


def _data(path: Path) -> dict[str, gpd.GeoDataFrame]:
    if not path.exists():
        subprocess.run([sys.executable, str(HERE / "make_oslo.py")], check=True, cwd=ROOT)
    import pyogrio
    return {n: pyogrio.read_dataframe(path, layer=n) for n in
            ("kommune", "arealformal", "utviklingsgrense", "innspill")}


def synthetic_ar5(outline, n: int, seed: int = 17) -> gpd.GeoDataFrame:
    from geoplan.demo.geometry import polygonal, voronoi_cells
    rng = np.random.default_rng(seed)
    minx, miny, maxx, maxy = outline.bounds
    xy = np.empty((0, 2))
    while len(xy) < n:
        c = rng.uniform([minx, miny], [maxx, maxy], size=(n, 2))
        xy = np.vstack([xy, c[shapely.contains_xy(outline, c[:, 0], c[:, 1])]])
    xy = xy[:n]
    cells = polygonal(voronoi_cells(xy, outline))
    at = rng.choice([11, 12, 21, 23, 30, 50, 60], size=n, p=[0.2, 0.08, 0.1, 0.04, 0.43, 0.08, 0.07])
    bon = np.where(at == 30, rng.choice([12, 13, 14], size=n), 98)
    return gpd.GeoDataFrame({"arealtype": at, "skogbonitet": bon,
                             "grunnforhold": np.where(at == 60, 43, 44)}, geometry=cells,
                            crs=25832)


def proposal(af: gpd.GeoDataFrame, innspill: gpd.GeoDataFrame, seed: int = 5) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    cut = shapely.union_all(innspill.geometry.to_numpy())
    g = af.geometry.to_numpy().copy()
    hit = af.sindex.query(cut, predicate="intersects")
    g[hit] = shapely.difference(g[hit], cut)
    p = af.set_geometry(gpd.GeoSeries(g, crs=af.crs)).copy()
    res = np.where((p["arealbruksstatus"] == 2).to_numpy())[0]
    out = rng.choice(res, size=len(res) // 4, replace=False)
    p.iloc[out, p.columns.get_loc("arealformal")] = 5100
    p.iloc[out, p.columns.get_loc("arealbruksstatus")] = 1
    n = len(innspill)
    new = gpd.GeoDataFrame({"arealformal": np.full(n, 1110), "arealbruksstatus": np.full(n, 2),
                            "utbygd": np.zeros(n, bool)}, geometry=innspill.geometry.to_numpy(),
                           crs=af.crs)
    p = pd.concat([p, new], ignore_index=True)
    return gpd.GeoDataFrame(p[~p.geometry.is_empty], crs=af.crs)


def baseline(af, prop, ug, ar5, codes) -> pd.DataFrame:
    """The same unions with geopandas.overlay: reserve daa by (in force, proposed, arealtype)."""
    def attrs(df, pre):
        res = df["arealformal"].isin(codes) & (df["arealbruksstatus"] == 2) & \
            ~df.get("utbygd", pd.Series(False, index=df.index)).fillna(False).astype(bool)
        return gpd.GeoDataFrame({f"{pre}_res": res.to_numpy()}, geometry=df.geometry.values, crs=df.crs)
    u = gpd.overlay(attrs(af, "f"), attrs(prop, "p"), how="union", keep_geom_type=True)
    u[["f_res", "p_res"]] = u[["f_res", "p_res"]].fillna(False).astype(bool)
    rel = u[u["f_res"] | u["p_res"]]
    rel = gpd.overlay(rel, ug[["navn", "geometry"]], how="identity", keep_geom_type=True)
    rel = gpd.overlay(rel, ar5[["arealtype", "geometry"]], how="identity", keep_geom_type=True)
    rel["a"] = rel.area / 1000
    return rel.groupby(["f_res", "p_res", rel["arealtype"].fillna(0).astype(int)])["a"].sum()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=str(HERE / "data" / "oslo.gpkg"))
    ap.add_argument("--n-ar5", type=int, default=200_000)
    a = ap.parse_args()
    from geoplan.analysis.arealregnskap import analyse_arealregnskap
    from geoplan.config.arealregnskap import ArealregnskapSettings
    d = _data(Path(a.data))
    t = time.perf_counter()
    ar5 = synthetic_ar5(d["kommune"].geometry.union_all(), a.n_ar5)
    prop = proposal(d["arealformal"], d["innspill"])
    print(f"oppsett: {len(ar5)} AR5-flater, {len(d['arealformal'])} / {len(prop)} arealformål "
          f"({time.perf_counter() - t:.1f} s)", flush=True)
    s = ArealregnskapSettings.from_config()
    layers = {"arealformal": d["arealformal"], "utviklingsgrense": d["utviklingsgrense"], "ar5": ar5}
    t = time.perf_counter()
    res = analyse_arealregnskap(layers, proposal=prop, settings=s)
    t_geo = time.perf_counter() - t
    print(f"geoplan arealregnskap: {t_geo:.2f} s", flush=True)
    t = time.perf_counter()
    base = baseline(d["arealformal"], prop, d["utviklingsgrense"], ar5, list(s.building_codes))
    t_base = time.perf_counter() - t
    print(f"geopandas.overlay-kjede: {t_base:.2f} s; forhold {t_base / t_geo:.1f}×", flush=True)
    ned = res.tables["nedbygging"].set_index("kvalitet_id")
    for key, code in (("30", 30), ("60", 60), ("21", 21)):
        bf = base.xs(code, level=2)
        b_f = float(bf[bf.index.get_level_values(0)].sum())
        b_p = float(bf[bf.index.get_level_values(1)].sum())
        print(f"arealtype {code}: gjeldende {ned.loc[key, 'gjeldende_daa']:.4f} vs {b_f:.4f} daa; "
              f"forslag {ned.loc[key, 'forslag_daa']:.4f} vs {b_p:.4f} daa")
    print("kontroll:", res.kontroll)
    ok = t_geo <= TARGET_S
    print("OK" if ok else f"FOR TREGT (mål ≤ {TARGET_S} s)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
