"""How fast ``geoplan`` answers: ``--help`` and the main commands on the demo.

Each command runs as a fresh ``python -m geoplan ...`` process (what a user or a
script pays), ``--repeat`` times, interleaved with the baselines so that the
machine's load hits all sides alike; the table gives the median wall and CPU
time (user + system of the child) and the ratios:

* against ``python -c "import geopandas"``: the floor every geopandas tool pays;
* against the same command run from another checkout (``--before DIR``, e.g. the
  main branch before the change), when given.

Bytecode is cached as in an installed package (``PYTHONDONTWRITEBYTECODE`` is dropped
for the children and one warm-up run per side writes it). The issue's target: ``geoplan COMMAND`` on the demo ≤ 1 s. Results go to
``bench/results/cli_start-<time>.json`` with the load average.

    PYTHONPATH=$PWD python bench/bench_cli_start.py [--repeat 5] [--before /work/main]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
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


def _run(argv: list[str], pythonpath: Path | None) -> tuple[float, float, int]:
    """(wall s, CPU s of the child, exit code) of one fresh process."""
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    # as installed: bytecode cached (a warm-up run writes it), not compiled on every start
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    p = subprocess.run([sys.executable, *argv], env=env, cwd="/tmp", stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, p.returncode


def _median(xs: list[float]) -> float:
    return statistics.median(xs) if xs else float("nan")


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
    base = ["-c", "import geopandas"]
    rows = []
    load0 = os.getloadavg()
    for label, args in cmds:
        s: dict[str, list[tuple[float, float]]] = {"now": [], "floor": [], "before": []}
        codes = set()
        _run(["-m", "geoplan", *args], ROOT)  # warm-up: bytecode and the OS file cache
        if a.before:
            _run(["-m", "geoplan", *args], a.before)
        for _ in range(a.repeat):
            w, c, rc = _run(["-m", "geoplan", *args], ROOT)
            s["now"].append((w, c))
            codes.add(rc)
            w, c, _ = _run(base, None)
            s["floor"].append((w, c))
            if a.before:
                w, c, _ = _run(["-m", "geoplan", *args], a.before)
                s["before"].append((w, c))
        row = {"command": label, "exit_codes": sorted(codes)}
        for side, vals in s.items():
            row[f"{side}_wall_s"] = _median([v[0] for v in vals])
            row[f"{side}_cpu_s"] = _median([v[1] for v in vals])
        row["cpu_vs_floor"] = row["now_cpu_s"] / row["floor_cpu_s"]
        row["cpu_vs_before"] = (row["now_cpu_s"] / row["before_cpu_s"]) if a.before else None
        row["meets_target"] = row["now_wall_s"] <= TARGET_S
        rows.append(row)
        print(f"  {label}: {row['now_wall_s']:.2f} s wall, {row['now_cpu_s']:.2f} s CPU", flush=True)
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
    head = f"{'command':32} {'wall s':>7} {'CPU s':>6} {'floor CPU':>9} {'×floor':>7}"
    if before:
        head += f" {'before CPU':>10} {'×before':>8}"
    head += f" {'≤ 1 s':>6}"
    print(head)
    print("-" * len(head))
    for r in rows:
        line = (f"{r['command']:32} {r['now_wall_s']:7.2f} {r['now_cpu_s']:6.2f} "
                f"{r['floor_cpu_s']:9.2f} {r['cpu_vs_floor']:7.2f}")
        if before:
            line += f" {r['before_cpu_s']:10.2f} {r['cpu_vs_before']:8.2f}"
        line += f" {'ja' if r['meets_target'] else 'nei':>6}"
        print(line)
    print(f"floor = python -c 'import geopandas'; medians; load average {load0[0]:.2f} -> {load1[0]:.2f}")


if __name__ == "__main__":
    sys.exit(main())
