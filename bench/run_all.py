"""Run every benchmark and print one table; write the results as JSON.

    python bench/run_all.py [--quick] [--only NAME[,NAME...]] [--results DIR]

Each benchmark runs in its own Python process (so one's imports, caches and memory
do not flatter or burden the next) through its ``bench_rows(data, quick)``; the rows
come back as JSON. The table shows per figure: geoplan's value, the baseline's, the
ratio geoplan / baseline (below 1: geoplan is faster; wall clock, and in CPU time
where the bench measured it), the target, whether it is met,
and whether both sides computed the same answer (each bench checks within a
tolerance it states). ``/proc/loadavg`` is recorded before and after every bench and
the whole run, beside the machine's core count: absolute times count only when the
load is low; ratios are measured side by side in the same process.

``--quick`` runs on the demo data with small sizes (a smoke test); otherwise the
Oslo-scale data (``bench/make_oslo.py``, built when missing). Results go to
``bench/results/<UTC timestamp>.json`` (git-ignored). Exit status 1 when a bench
failed or a pair of answers differed (a missed target is reported, not an error).
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

#: name -> module in bench/ (each has ``bench_rows(data: Path, quick: bool)``), in run order
BENCHES = {
    "load": "bench_load",
    "reserves": "bench_reserves",
    "schools": "bench_schools",
    "sites": "bench_sites",
    "concentration": "bench_concentration",
    "population": "bench_population",
    "arealregnskap": "bench_arealregnskap",
    "sosi": "bench_sosi",
    "batch": "bench_batch",
    "report": "bench_report",
    "cli_start": "bench_cli_start",
}
#: not run here: bench_app and bench_app_sessions need the app server and a browser


def loadavg() -> list[float]:
    try:
        return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]
    except OSError:   # not Linux
        return [float(x) for x in os.getloadavg()]


def _child(name: str, quick: bool, out: Path) -> int:
    """Run one bench in this process and write its rows (or its error) to ``out``."""
    from benchlib import DEMO, ensure_oslo
    rec: dict = {"bench": name, "loadavg_before": loadavg()}
    t, c = time.perf_counter(), time.process_time()
    try:
        data = DEMO if quick else ensure_oslo()
        rec["data"] = str(data)
        rec["rows"] = importlib.import_module(BENCHES[name]).bench_rows(data, quick)
    except Exception as e:  # reported in the table, the other benches still run
        traceback.print_exc()
        rec["error"] = f"{type(e).__name__}: {e}"
        rec["rows"] = []
    rec["wall_s"] = time.perf_counter() - t
    rec["cpu_s"] = time.process_time() - c
    rec["loadavg_after"] = loadavg()
    out.write_text(json.dumps(rec, default=_json_default, ensure_ascii=False))
    return 0


def _json_default(o):
    try:
        return o.item()      # numpy scalars
    except AttributeError:
        return str(o)


def _fmt(v, unit: str = "") -> str:
    if v is None:
        return "–"
    if isinstance(v, bool):
        return "ja" if v else "NEI"
    if isinstance(v, (int, float)):
        return f"{v:.3g}" if abs(v) < 10 else f"{v:.1f}"
    return str(v)


def print_table(benches: list[dict]) -> None:
    head = ("figure", "geoplan", "baseline", "ratio", "CPU ratio", "target", "met?", "same answer?")
    lines = []
    for b in benches:
        if b.get("error"):
            lines.append((f"{b['bench']}: FEILET ({b['error'][:60]})", "", "", "", "", "", "", ""))
        for r in b["rows"]:
            u = r.get("unit", "s")
            lines.append((r["figure"], f"{_fmt(r['value'])} {u}",
                          f"{_fmt(r['baseline'])} {u}" if r["baseline"] is not None else "–",
                          f"{r['ratio']:.2f}×" if r["ratio"] is not None else "–",
                          (f"{r['cpu'] / r['baseline_cpu']:.2f}×" if r.get("cpu") and r.get("baseline_cpu")
                           else "–"),
                          r["target"], _fmt(r["met"]), _fmt(r["same_answer"])))
    w = [max(len(str(x[i])) for x in [head, *lines]) for i in range(len(head))]
    print("  ".join(h.ljust(w[i]) for i, h in enumerate(head)))
    print("  ".join("-" * n for n in w))
    for ln in lines:
        print("  ".join(str(x).ljust(w[i]) for i, x in enumerate(ln)))


def _git_commit() -> str | None:
    try:
        return subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True,
                              text=True, check=True).stdout.strip()
    except Exception:
        return None


def run(names: list[str], quick: bool, results: Path) -> tuple[dict, Path]:
    """Run ``names`` one process each; return the record and the JSON file written."""
    started = dt.datetime.now(dt.timezone.utc)
    rec = {"started_utc": started.isoformat(timespec="seconds"), "quick": quick,
           "machine": {"cores": os.cpu_count(), "platform": platform.platform(),
                       "python": platform.python_version()},
           "commit": _git_commit(), "loadavg_before": loadavg(), "benches": []}
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.pop("PYTHONDONTWRITEBYTECODE", None)   # as installed: bytecode cached
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            print(f"\n=== {name} {'(quick, demo)' if quick else '(Oslo-skala)'} ===", flush=True)
            out = Path(tmp) / f"{name}.json"
            cmd = [sys.executable, str(Path(__file__).resolve()), "--child", name]
            proc = subprocess.run(cmd + (["--quick"] if quick else []) + ["--child-out", str(out)],
                                  cwd=ROOT, env=env)
            if out.exists():
                b = json.loads(out.read_text())
            else:
                b = {"bench": name, "rows": [], "error": f"prosessen endte med kode {proc.returncode}"}
            rec["benches"].append(b)
    rec["loadavg_after"] = loadavg()
    rec["wall_s"] = (dt.datetime.now(dt.timezone.utc) - started).total_seconds()
    results.mkdir(parents=True, exist_ok=True)
    path = results / f"{started.strftime('%Y%m%dT%H%M%SZ')}{'-quick' if quick else ''}.json"
    tmp_path = path.with_suffix(".json.tmp")
    tmp_path.write_text(json.dumps(rec, indent=1, ensure_ascii=False, default=_json_default))
    os.replace(tmp_path, path)
    return rec, path


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="demo data, small sizes (smoke test)")
    ap.add_argument("--only", default=None, help=f"comma-separated, of: {', '.join(BENCHES)}")
    ap.add_argument("--results", default=str(HERE / "results"), help="folder for the JSON")
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--child-out", default=None, help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.child:
        return _child(a.child, a.quick, Path(a.child_out))
    names = list(BENCHES) if not a.only else [n.strip() for n in a.only.split(",") if n.strip()]
    unknown = [n for n in names if n not in BENCHES]
    if unknown:
        ap.error(f"ukjent benchmark {', '.join(unknown)}; velg blant {', '.join(BENCHES)}")
    rec, path = run(names, a.quick, Path(a.results))
    m = rec["machine"]
    print(f"\n=== Resultater ({'demo, --quick' if a.quick else 'Oslo-skala'}) ===")
    print(f"maskin: {m['cores']} kjerner; load average før {rec['loadavg_before']}, etter "
          f"{rec['loadavg_after']}; {rec['wall_s']:.0f} s i alt")
    for b in rec["benches"]:
        print(f"  {b['bench']}: load før {b.get('loadavg_before')}, etter {b.get('loadavg_after')}, "
              f"{b.get('wall_s', 0):.1f} s vegg, {b.get('cpu_s', 0):.1f} s CPU")
    print()
    print_table(rec["benches"])
    print(f"\nskrevet: {path}")
    bad = any(b.get("error") for b in rec["benches"]) or any(
        r["same_answer"] is False for b in rec["benches"] for r in b["rows"])
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
