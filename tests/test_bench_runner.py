"""bench/run_all.py: the one benchmark runner writes rows whose two sides agree.

A correctness test, not a timed one: it runs the school walking-distance bench on the
demo data (geoplan against a shapely 2 + scipy implementation written separately in
bench/bench_schools.py) and checks the JSON record, not any time.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RUNNER = ROOT / "bench" / "run_all.py"


def _runner_module():
    spec = importlib.util.spec_from_file_location("bench_run_all", RUNNER)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_quick_run_writes_rows_with_the_same_answer(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, str(RUNNER), "--quick", "--only", "schools",
                           "--results", str(tmp_path)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    files = list(tmp_path.glob("*.json"))
    assert len(files) == 1
    rec = json.loads(files[0].read_text())
    assert rec["quick"] is True
    assert rec["machine"]["cores"] >= 1
    assert len(rec["loadavg_before"]) == 3 and len(rec["loadavg_after"]) == 3
    (bench,) = rec["benches"]
    assert bench["bench"] == "schools" and "error" not in bench
    rows = bench["rows"]
    assert {"figure", "value", "baseline", "ratio", "target", "same_answer"} <= set(rows[0])
    compared = [r for r in rows if r["same_answer"] is not None]
    assert compared, "no row compared the two sides' answers"
    assert all(r["same_answer"] is True for r in compared), compared
    walk = next(r for r in rows if r["figure"].startswith("schools: walking distance"))
    assert walk["baseline"] > 0 and walk["ratio"] == pytest.approx(walk["value"] / walk["baseline"])
    assert "same answer?" in proc.stdout and "schools: walking distance" in proc.stdout


def test_unknown_bench_is_refused(capsys):
    with pytest.raises(SystemExit) as e:
        _runner_module().main(["--only", "finnesikke"])
    assert e.value.code == 2
    assert "finnesikke" in capsys.readouterr().err


def test_table_shows_a_failed_bench_and_a_differing_answer(capsys):
    mod = _runner_module()
    mod.print_table([
        {"bench": "a", "error": "RuntimeError: brukket", "rows": []},
        {"bench": "b", "rows": [{"figure": "b: x", "value": 2.0, "baseline": 1.0, "ratio": 2.0,
                                 "unit": "s", "target": "≤ 3 s", "met": True, "same_answer": False}]},
    ])
    out = capsys.readouterr().out
    assert "a: FEILET (RuntimeError: brukket)" in out
    line = next(ln for ln in out.splitlines() if ln.startswith("b: x"))
    assert "2.00×" in line and line.rstrip().endswith("NEI")
