"""Benchmark ``geoplan batch`` (issue 20) against one CLI call per municipality and analysis.

    python bench/bench_batch.py [--n 16] [--keep DIR]

Data: ``--n`` synthetic municipalities on Norway's real outlines, spread over the area
ranking of the 357 (``bench/make_municipalities.py``; ``--n 357`` for all of them).

Compared, in the same run:

* **separate calls**: ``geoplan reserves DATA --json``, ``geoplan schools DATA --json`` and
  ``geoplan concentration DATA --public --json`` for every municipality (what a script
  looping over the files does: each call starts Python and loads the data again);
* ``geoplan batch FOLDER --workers 1`` (in-process) and ``--workers 2`` (a pool).

Printed: wall clock and CPU time of each, the ratios batch / separate calls, and whether
the batch's rows equal the separate calls' outputs (parcel areas and ranks, the school
criterion per development boundary, the public concentration counts per grunnkrets;
relative tolerance 1e-9). CPU time: ``getrusage(RUSAGE_CHILDREN)`` of the command's
process; for ``--workers 2`` the workers are the forkserver's children, so their CPU time
is the sum the batch reports per municipality (measured inside each task), added to it.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from benchlib import close, print_same, row  # noqa: E402
from make_municipalities import outlines, pick, write  # noqa: E402

CALLS = (("reserves", []), ("schools", []), ("concentration", ["--public"]))


def _geoplan(args: list[str]) -> tuple[float, float, subprocess.CompletedProcess]:
    """Run ``geoplan ARGS`` as a fresh process: (wall s, CPU s of it and its waited children, result)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)   # as installed: bytecode cached
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    res = subprocess.run([sys.executable, "-m", "geoplan", *args], cwd=ROOT, env=env,
                         capture_output=True, text=True)
    wall = time.perf_counter() - t
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime), res


def separate_calls(paths: list[Path]) -> tuple[float, float, dict]:
    """Every analysis of every municipality as its own CLI call; (wall, CPU, outputs)."""
    wall = cpu = 0.0
    outputs: dict = {}
    for p in paths:
        for cmd, extra in CALLS:
            w, c, res = _geoplan([cmd, str(p), *extra, "--json"])
            if res.returncode != 0:
                raise RuntimeError(f"geoplan {cmd} {p.name}: {res.stderr.strip()[-400:]}")
            wall, cpu = wall + w, cpu + c
            outputs[(str(p), cmd)] = json.loads(res.stdout)
    return wall, cpu, outputs


def batch(folder: Path, out: Path, workers: int) -> tuple[float, float, dict]:
    w, c, res = _geoplan(["batch", str(folder), "--out", str(out), "--workers", str(workers), "--json"])
    if res.returncode != 0:
        raise RuntimeError(f"geoplan batch: {res.stderr.strip()[-400:]}")
    summary = json.loads(res.stdout)
    if workers > 1:
        c += summary["cpu_kommuner_s"]
    return w, c, summary


def same_answer(outputs: dict, gpkg: Path) -> tuple[bool, int]:
    """The batch's rows against the separate calls' JSON; (equal, values compared)."""
    import pyogrio

    def layer(name):
        return pyogrio.read_dataframe(gpkg, layer=name, read_geometry=False)

    parc, ub, gk = layer("reserve_parseller"), layer("skole_utviklingsgrenser"), layer("konsentrasjon_grunnkrets")
    ok, n = True, 0
    checks = (("reserves", "parseller", parc, ("navn", "type"), ("areal_daa", "aktuelt_daa", "rang")),
              ("schools", "utviklingsgrenser", ub, ("navn",), ("andel_innenfor_pct", "innenfor_daa")),
              ("concentration", "grunnkretser", gk, ("grunnkretsnummer",),
               ("kommunale_enheter", "andel_pct")))
    for (fname, cmd), js in outputs.items():
        for c_cmd, key, frame, idx, cols in checks:
            if c_cmd != cmd:
                continue
            mine = frame[frame["datakilde"] == fname]   # the DATA path as batch listed it
            recs = js[key]
            ok &= len(mine) == len(recs)
            by = {tuple(str(r[k]) for k in idx): r for r in recs}
            for r in mine.to_dict("records"):
                other = by.get(tuple(str(r[k]) for k in idx))
                if other is None:
                    ok = False
                    continue
                for col in cols:
                    a, b = r.get(col), other.get(col)
                    a = None if a is None or (isinstance(a, float) and a != a) else a
                    ok &= (a is None and b is None) or (a is not None and b is not None
                                                        and close(a, b, rel=1e-9, abs_=1e-9))
                    n += 1
    return bool(ok), n


def run(n: int, keep: Path | None = None) -> list[dict]:
    with tempfile.TemporaryDirectory(prefix="geoplan-batch-bench-") as tmp:
        base = keep or Path(tmp)
        folder, outdir = base / "kommuner", base / "ut"
        outdir.mkdir(parents=True, exist_ok=True)
        t = time.perf_counter()
        paths = write(pick(outlines(), n), folder)
        print(f"{len(paths)} syntetiske kommuner skrevet på {time.perf_counter() - t:.1f} s", flush=True)
        load0 = os.getloadavg()
        sw, sc, outputs = separate_calls(paths)
        print(f"separate calls: {sw:.1f} s wall, {sc:.1f} s CPU ({3 * len(paths)} calls)", flush=True)
        rows = []
        for workers in (1, 2):
            out = outdir / f"batch{workers}.gpkg"
            bw, bc, summ = batch(folder, out, workers)
            same, compared = same_answer(outputs, out)
            print(f"batch --workers {workers}: {bw:.1f} s wall, {bc:.1f} s CPU; "
                  f"ratio wall {bw / sw:.2f}, CPU {bc / sc:.2f}; {summ['ok']}/{summ['lest']} ok", flush=True)
            print_same(same, f"{compared} values: parcels, school criterion, public grunnkrets counts")
            rows.append(row(f"batch, {len(paths)} kommuner, {workers} arbeider(e) vs separate kall",
                            bw, sw, "< separate kall", bw < sw, same,
                            cpu_s=bc, baseline_cpu_s=sc, cpu_ratio=bc / sc if sc else None,
                            note=f"loadavg {load0[0]:.1f} → {os.getloadavg()[0]:.1f}, "
                                 f"{os.cpu_count()} kjerner"))
        return rows


def bench_rows(data: Path, quick: bool) -> list[dict]:
    """For ``bench/run_all.py``: ``data`` is not used (the bench makes its own municipalities)."""
    return run(4 if quick else 16)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=16, help="number of municipalities (357: all)")
    ap.add_argument("--keep", type=Path, help="write the data and outputs here instead of a temp folder")
    a = ap.parse_args()
    for r in run(a.n, a.keep):
        print(json.dumps(r, ensure_ascii=False))


if __name__ == "__main__":
    main()
