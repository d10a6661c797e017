"""How fast ``geoplan`` answers: ``--help`` and the main commands on the demo.

Each command runs as a fresh ``python -m geoplan ...`` process (what a user or a
script pays), ``--repeat`` times, interleaved with the baselines so that the
machine's load hits all sides alike; the table gives the median wall and CPU
time (user + system of the child) and the ratios:

* ``now``: as a user's second run, the layers from the load cache (``geoplan.io.cache``,
  in a temporary folder of this bench that the warm-up run fills);
* ``no cache``: the same with ``GEOPLAN_HURTIGLAGER=0`` (every run reads and validates
  DATA); its output must equal the cached run's, byte for byte (``same answer``);
* against ``python -c "import geopandas"``: the floor every geopandas tool pays;
* against the same command run from another checkout (``--before DIR``, e.g. the
  main branch before the change), when given, with a load cache of its own, warmed as
  this tree's is.

Bytecode is cached as in an installed package (``PYTHONDONTWRITEBYTECODE`` is dropped
for the children and one warm-up run per side writes it). The issue's target: ``geoplan COMMAND`` on the demo ≤ 1 s. Results go to
``bench/results/cli_start-<time>.json`` with the load average.

    PYTHONPATH=$PWD python bench/bench_cli_start.py [--repeat 5] [--before /work/main]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

COMMANDS: list[tuple[str, list[str]]] = [
    ("geoplan --help", ["--help"]),
    ("geoplan concentration --help", ["concentration", "--help"]),
    ("geoplan arealbehov", ["arealbehov"]),
    ("geoplan check", ["check"]),
    ("geoplan reserves", ["reserves"]),
    ("geoplan schools", ["schools"]),
    ("geoplan concentration", ["concentration"]),
    ("geoplan assess --site X,Y", ["assess", "--site", "562300,6547800"]),
    ("geoplan befolkning", ["befolkning"]),
]
TARGET_S = 1.0


#: the load cache of the bench's runs (a folder of its own, filled by the warm-up run)
CACHE_DIR = Path(tempfile.gettempdir()) / f"geoplan-bench-cli-cache-{os.getuid() if hasattr(os, 'getuid') else 0}"


def _run(argv: list[str], pythonpath: Path | None, cache: bool = True,
         cache_dir: Path = CACHE_DIR) -> tuple[float, float, int, str]:
    """(wall s, CPU s of the child, exit code, hash of its stdout) of one fresh process."""
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    # as installed: bytecode cached (a warm-up run writes it), not compiled on every start
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["GEOPLAN_CACHE_DIR"] = str(cache_dir)
    env["GEOPLAN_HURTIGLAGER"] = "1" if cache else "0"
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    p = subprocess.run([sys.executable, *argv], env=env, cwd="/tmp", stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, p.returncode, hashlib.sha256(p.stdout).hexdigest()


def _median(xs: list[float]) -> float:
    return statistics.median(xs) if xs else float("nan")


def measure(cmds, repeat: int, before: Path | None = None) -> list[dict]:
    """One row per command: medians of every side, interleaved run by run."""
    base = ["-c", "import geopandas"]
    rows = []
    for label, args in cmds:
        s: dict[str, list[tuple[float, float]]] = {"now": [], "nocache": [], "floor": [],
                                                   "before": []}
        codes, outs_now, outs_cold = set(), set(), set()
        _run(["-m", "geoplan", *args], ROOT)  # warm-up: bytecode, the OS file cache, the load cache
        if before:   # its own load cache (both trees' entries share a slot name), warmed
            _run(["-m", "geoplan", *args], before, cache_dir=CACHE_DIR / "before")
        for _ in range(repeat):
            w, c, rc, h = _run(["-m", "geoplan", *args], ROOT)
            s["now"].append((w, c))
            codes.add(rc)
            outs_now.add(h)
            w, c, rc, h = _run(["-m", "geoplan", *args], ROOT, cache=False)
            s["nocache"].append((w, c))
            codes.add(rc)
            outs_cold.add(h)
            w, c, _, _ = _run(base, None)
            s["floor"].append((w, c))
            if before:
                w, c, _, _ = _run(["-m", "geoplan", *args], before,
                                  cache_dir=CACHE_DIR / "before")
                s["before"].append((w, c))
        row = {"command": label, "exit_codes": sorted(codes),
               "same_answer": len(outs_now) == 1 and outs_now == outs_cold}
        for side, vals in s.items():
            row[f"{side}_wall_s"] = _median([v[0] for v in vals])
            row[f"{side}_cpu_s"] = _median([v[1] for v in vals])
        row["cpu_vs_floor"] = row["now_cpu_s"] / row["floor_cpu_s"]
        row["cpu_vs_before"] = (row["now_cpu_s"] / row["before_cpu_s"]) if before else None
        row["meets_target"] = row["now_wall_s"] <= TARGET_S
        rows.append(row)
        print(f"  {label}: {row['now_wall_s']:.2f} s wall, {row['now_cpu_s']:.2f} s CPU "
              f"(uten hurtiglager {row['nocache_wall_s']:.2f} s / {row['nocache_cpu_s']:.2f} s CPU)",
              flush=True)
    return rows


def bench_rows(data: Path, quick: bool) -> list[dict]:
    """For ``bench/run_all.py``: each command on the demo (``data`` is not used: the
    commands run on the embedded demo), against the ``import geopandas`` floor."""
    from benchlib import row

    cmds = [c for c in COMMANDS if not quick or c[0] in ("geoplan --help", "geoplan reserves")]
    out = []
    for r in measure(cmds, 1 if quick else 3):
        out.append(row(f"CLI {r['command'][len('geoplan '):]} (demo, vegg)", r["now_wall_s"],
                       r["floor_wall_s"], f"≤ {TARGET_S:g} s", r["meets_target"],
                       r["same_answer"] and r["exit_codes"] == [0],
                       note=f"uten hurtiglager {r['nocache_wall_s']:.2f} s; grunnlinje = import geopandas",
                       cpu=r["now_cpu_s"], baseline_cpu=r["floor_cpu_s"]))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--before", type=Path, help="another checkout to compare with (PYTHONPATH)")
    ap.add_argument("--only", help="comma-separated labels (substring match)")
    a = ap.parse_args()
    cmds = COMMANDS
    if a.only:
        keys = [k.strip() for k in a.only.split(",")]
        cmds = [c for c in COMMANDS if any(k in c[0] for k in keys)]
    load0 = os.getloadavg()
    rows = measure(cmds, a.repeat, a.before)
    load1 = os.getloadavg()
    _print(rows, bool(a.before), load0, load1)
    out = ROOT / "bench" / "results" / f"cli_start-{time.strftime('%Y%m%dT%H%M%S')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"bench": "cli_start", "repeat": a.repeat, "before": str(a.before or ""),
                               "loadavg_start": load0, "loadavg_end": load1, "target_s": TARGET_S,
                               "rows": rows}, indent=2), encoding="utf-8")
    print(f"written {out}")
    return 0


def _print(rows: list[dict], before: bool, load0, load1) -> None:
    head = (f"{'command':32} {'wall s':>7} {'CPU s':>6} {'no-cache wall':>13} {'CPU':>5} "
            f"{'floor CPU':>9} {'×floor':>7}")
    if before:
        head += f" {'before wall':>11} {'CPU':>5} {'×before CPU':>11}"
    head += f" {'≤ 1 s':>6} {'same':>5}"
    print(head)
    print("-" * len(head))
    for r in rows:
        line = (f"{r['command']:32} {r['now_wall_s']:7.2f} {r['now_cpu_s']:6.2f} "
                f"{r['nocache_wall_s']:13.2f} {r['nocache_cpu_s']:5.2f} "
                f"{r['floor_cpu_s']:9.2f} {r['cpu_vs_floor']:7.2f}")
        if before:
            line += f" {r['before_wall_s']:11.2f} {r['before_cpu_s']:5.2f} {r['cpu_vs_before']:11.2f}"
        line += f" {'ja' if r['meets_target'] else 'nei':>6} {'ja' if r['same_answer'] else 'NEI':>5}"
        print(line)
    print("now = second run (layers from the load cache); no-cache = GEOPLAN_HURTIGLAGER=0; "
          "floor = python -c 'import geopandas'; before = --before checkout; medians; "
          f"load average {load0[0]:.2f} -> {load1[0]:.2f}")


if __name__ == "__main__":
    sys.exit(main())
