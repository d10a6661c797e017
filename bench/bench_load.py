"""Benchmark: loading and validating the Oslo-scale data.

    python bench/bench_load.py [--data bench/data/oslo.gpkg] [--repeat 3]

Times ``geoplan.io.load(DATA)`` (reading + schema check + CRS check +
geometry validation and repair report; target ≤ 10 s) beside the baseline,
plain ``geopandas.read_file`` of each layer of the same file (pyogrio
engine), in one run, and prints both and their ratio. The data are made by
``bench/make_oslo.py`` if missing.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

TARGET_S = 10.0


def ensure_data(path: Path) -> Path:
    if not path.exists():
        print(f"{path} mangler; kjører make_oslo.py ...", flush=True)
        subprocess.run([sys.executable, str(HERE / "make_oslo.py"), "--out", str(path)], check=True, cwd=ROOT)
    return path


def time_baseline(path: Path) -> tuple[float, dict[str, int]]:
    import geopandas as gpd
    import pyogrio

    t = time.perf_counter()
    counts = {}
    for name, gtype in pyogrio.list_layers(path):
        if gtype is None:  # the non-spatial metadata table
            continue
        counts[str(name)] = len(gpd.read_file(path, layer=name, engine="pyogrio"))
    return time.perf_counter() - t, counts


def time_load(path: Path):
    from geoplan.io import load
    t = time.perf_counter()
    ds = load(str(path))
    return time.perf_counter() - t, ds


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(HERE / "data" / "oslo.gpkg"))
    ap.add_argument("--repeat", type=int, default=3, help="runs of each (median reported)")
    a = ap.parse_args(argv)
    path = ensure_data(Path(a.data))

    # warm the OS file cache once so neither side pays for the first disk read
    time_baseline(path)
    base, load_t = [], []
    counts: dict[str, int] = {}
    ds = None
    for _ in range(a.repeat):  # alternate, so drift on a shared machine hits both alike
        tb, counts = time_baseline(path)
        base.append(tb)
        tl, ds = time_load(path)
        load_t.append(tl)
    mb, ml = statistics.median(base), statistics.median(load_t)

    print(f"Data: {path} ({path.stat().st_size / 1e6:.0f} MB), {sum(counts.values()):,} objekter i "
          f"{len(counts)} lag".replace(",", " "))
    print(f"{'lag':<18}{'lest':>10}{'beholdt':>10}")
    for name, n in counts.items():
        kept = len(ds.layers[name]) if ds is not None and name in ds.layers else 0
        print(f"{name:<18}{n:>10}{kept:>10}")
    print()
    print(f"geopandas.read_file, alle lag (grunnlinje): {mb:6.2f} s  (median av {a.repeat}: "
          + ", ".join(f"{x:.2f}" for x in base) + ")")
    print(f"geoplan.io.load (lesing + validering):  {ml:6.2f} s  (median av {a.repeat}: "
          + ", ".join(f"{x:.2f}" for x in load_t) + ")")
    print(f"forhold load / read_file: {ml / mb:.2f}x")
    ok = ml <= TARGET_S
    print(f"mål ≤ {TARGET_S:.0f} s: {'OK' if ok else 'IKKE NÅDD'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
