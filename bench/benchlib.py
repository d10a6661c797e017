"""What the benchmarks share: the data paths, result rows and answer checks.

Every ``bench_*.py`` that ``bench/run_all.py`` runs exposes
``bench_rows(data: Path, quick: bool) -> list[dict]``, each row made by :func:`row`.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# the benches time reading and computing: the load cache (geoplan.io.cache) would turn every
# load after the first into a file copy (bench_cli_start measures it on and off explicitly)
os.environ.setdefault("GEOPLAN_HURTIGLAGER", "0")
OSLO = HERE / "data" / "oslo.gpkg"
DEMO = ROOT / "geoplan" / "data" / "demo" / "demo.gpkg"


def ensure_oslo(path: Path = OSLO) -> Path:
    """The Oslo-scale file, written by ``bench/make_oslo.py`` when missing."""
    if not path.exists():
        print(f"{path} mangler; kjører make_oslo.py ...", flush=True)
        subprocess.run([sys.executable, str(HERE / "make_oslo.py"), "--out", str(path)],
                       check=True, cwd=ROOT)
    return path


def row(figure: str, value: float, baseline: float | None, target: str, met: bool | None,
        same_answer: bool | None, unit: str = "s", note: str = "", ratio: float | None = None,
        **extra: Any) -> dict:
    """One result row: ``ratio`` is value / baseline unless given (how many times
    slower geoplan is than the baseline; below 1 it is faster)."""
    if ratio is None and baseline:
        ratio = value / baseline
    return {"figure": figure, "value": value, "baseline": baseline, "ratio": ratio,
            "unit": unit, "target": target, "met": met, "same_answer": same_answer,
            "note": note, **extra}


def timed(fn: Callable[[], Any]) -> tuple[float, float, Any]:
    """``(wall s, CPU s, result)`` of one call."""
    t, c = time.perf_counter(), time.process_time()
    out = fn()
    return time.perf_counter() - t, time.process_time() - c, out


def close(a: Any, b: Any, rel: float = 1e-6, abs_: float = 1e-6) -> bool:
    """Numbers equal within ``rel``/``abs_`` (NaN equals NaN, inf equals inf)."""
    try:
        fa, fb = float(a), float(b)
    except (TypeError, ValueError):
        return a == b
    if math.isnan(fa) or math.isnan(fb):
        return math.isnan(fa) and math.isnan(fb)
    if math.isinf(fa) or math.isinf(fb):
        return fa == fb
    return math.isclose(fa, fb, rel_tol=rel, abs_tol=abs_)


def yes_no(ok: bool | None) -> str:
    return "–" if ok is None else ("ja" if ok else "NEI")


def print_same(ok: bool, what: str) -> None:
    """The line every bench prints: «same answer: yes/no» (and what was compared)."""
    print(f"same answer: {'yes' if ok else 'NO'} ({what})")
