"""Benchmark: geoplan's SOSI reader on a synthetic ~100 MB file, against GDAL reading the same data as GML.

Builds (in a temporary folder) a SOSI 4.5 file shaped like an AR5/KPA export -- a grid
of .FLATE objects bounded by shared .KURVE objects with ~40 points each, attributes,
a quoted name -- reads it with :func:`geoplan.io.sosi.read_sosi`, writes the areas
to GML with GDAL, reads that GML back with GDAL (pyogrio) and prints both times and
their ratio. ``python bench/bench_sosi.py [MB]`` (default 100).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def build(path: Path, target_mb: float) -> int:
    """Write the synthetic SOSI file; returns the number of .FLATE objects."""
    rng = np.random.default_rng(20240614)
    cell, pts = 100.0, 40          # cell size (m) and points per curve
    n = 1
    while (n * n * 2 * pts * 22) < target_mb * 1e6:   # ~22 bytes per coordinate line
        n += 1
    e0, n0 = 560000.0, 6540000.0
    ident = 0
    hid: dict[tuple[int, int], int] = {}
    vid: dict[tuple[int, int], int] = {}
    with open(path, "w", encoding="iso8859_10", newline="\n") as fh:
        fh.write(".HODE\n..TEGNSETT ISO8859-10\n..TRANSPAR\n...KOORDSYS 22\n...ORIGO-NØ 0 0\n"
                 "...ENHET 0.01\n..SOSI-VERSJON 4.5\n..SOSI-NIVÅ 4\n")

        def curve(a, b):
            nonlocal ident
            ident += 1
            t = np.linspace(0, 1, pts)[:, None]
            xy = a + (b - a) * t
            xy[1:-1] += rng.normal(0, 0.5, (pts - 2, 2))
            cm = np.round(xy * 100).astype(np.int64)
            body = "\n".join(f"{nn} {ee}" for ee, nn in cm)
            fh.write(f".KURVE {ident}:\n..OBJTYPE ArealressursGrense\n..NØ\n{body}\n")
            return ident

        for i in range(n + 1):
            for j in range(n + 1):
                p = np.array([e0 + i * cell, n0 + j * cell])
                if i < n:
                    hid[i, j] = curve(p, p + [cell, 0])
                if j < n:
                    vid[i, j] = curve(p, p + [0, cell])
        for i in range(n):
            for j in range(n):
                ident += 1
                refs = f":{hid[i, j]} :{vid[i + 1, j]} :-{hid[i, j + 1]} :-{vid[i, j]}"
                c = (e0 + (i + .5) * cell, n0 + (j + .5) * cell)
                fh.write(f".FLATE {ident}:\n..OBJTYPE ArealressursFlate\n..ARTYPE {rng.integers(11, 99)}\n"
                         f"..ARSKOGBON 1{rng.integers(1, 9)}\n..KARTSTD \"AR5 Grønn ås\"\n"
                         f"..REF {refs}\n..NØ\n{int(c[1] * 100)} {int(c[0] * 100)}\n")
        fh.write(".SLUTT\n")
    return n * n


def bench_rows(data: Path | None = None, quick: bool = False, mb: float = 100.0) -> list[dict]:
    """The SOSI file is built here (``data`` is not used); ``quick``: 5 MB."""
    import pyogrio

    from geoplan.io.sosi import read_sosi

    if quick:
        mb = 5.0
    with tempfile.TemporaryDirectory(prefix="geoplan-bench-") as d:
        sos = Path(d) / "syntetisk.sos"
        n_flate = build(sos, mb)
        size = sos.stat().st_size / 1e6
        t0, c0 = time.perf_counter(), time.process_time()
        data = read_sosi(sos)
        t_sosi, c_sosi = time.perf_counter() - t0, time.process_time() - c0
        flater = data.layers["ArealressursFlate"]
        curves = data.layers["ArealressursGrense"]
        gml = Path(d) / "syntetisk.gml"
        pyogrio.write_dataframe(flater, gml, driver="GML")
        pyogrio.write_dataframe(curves, Path(d) / "grense.gml", driver="GML")
        t0, c0 = time.perf_counter(), time.process_time()
        g1 = pyogrio.read_dataframe(gml)
        g2 = pyogrio.read_dataframe(Path(d) / "grense.gml")
        t_gml, c_gml = time.perf_counter() - t0, time.process_time() - c0
        gml_mb = (gml.stat().st_size + (Path(d) / "grense.gml").stat().st_size) / 1e6
        area_diff = abs(float(g1.area.sum()) - float(flater.area.sum()))
        same = (len(g1) == len(flater) == n_flate and len(g2) == len(curves)
                and area_diff <= 1e-6 * max(float(flater.area.sum()), 1.0))
        print(f"SOSI-fil: {size:.1f} MB, {data.n_objects} objekter ({n_flate} flater, {len(curves)} kurver)")
        print(f"geoplan read_sosi:      {t_sosi:6.1f} s veggtid, {c_sosi:6.1f} s CPU "
              f"({size / c_sosi:.1f} MB/s CPU)")
        print(f"GDAL GML (samme data):  {t_gml:6.1f} s veggtid, {c_gml:6.1f} s CPU ({gml_mb:.1f} MB GML)")
        print(f"forhold SOSI/GML:       {t_sosi / t_gml:6.2f} (veggtid), {c_sosi / c_gml:.2f} (CPU)")
        print(f"arealavvik SOSI vs GML: {area_diff:.3f} m²")
        print("krav: 100 MB under 30 s (CPU-tid; veggtid avhenger av andre prosesser) -> "
              + ("OK" if c_sosi * 100 / size < 30 else "FOR TREGT"))
        print(f"same answer: {'yes' if same else 'NO'} (antall flater og kurver, sum areal "
              "rel. 1e-6, mot GDAL GML)")
    return [{"figure": f"sosi: read_sosi {size:.0f} MB (CPU)", "value": c_sosi, "baseline": c_gml,
             "ratio": c_sosi / c_gml, "unit": "s", "target": "100 MB ≤ 30 s CPU",
             "met": c_sosi * 100 / size < 30, "same_answer": same, "cpu": c_sosi,
             "baseline_cpu": c_gml, "note": f"baseline: GDAL reading the same data as GML; wall "
                                            f"{t_sosi:.1f} / {t_gml:.1f} s"}]


def main(mb: float = 100.0) -> None:
    bench_rows(None, False, mb)


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 100.0)
