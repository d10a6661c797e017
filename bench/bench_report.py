"""Benchmark the KPA report (``geoplan report``, issue 20 «Reports in seconds») on the demo.

    python bench/bench_report.py [--runs 3] [--formats xlsx,html,pdf] [--baseline /work/main]
                                 [--data bench/data/oslo.gpkg] [--profile pdf] [--app]

Targets on the demo (issue 20): PDF <= 5 s, HTML <= 2 s, xlsx <= 1 s; on the
Oslo-scale data (``--data``, ``bench/make_oslo.py``) PDF <= 15 s. In
``bench/run_all.py``: the demo's three formats, and without ``--quick`` the Oslo PDF.

Each format is written by the command line, as a user runs it, in a fresh process:
this tree (``PYTHONPATH`` = the repository) against the baseline tree (``--baseline``,
default ``/work/main``: the code before the change), alternating in the same run, so
the ratio is measured under the same load. Wall and CPU time (user + system of the
child) are medians of ``--runs`` runs. The answers are compared: the two spreadsheets
must hold the same sheets with the same cell values (the «Laget» timestamp aside), the
two HTML files the same table cells, the two PDFs the same page count and text (poppler's
``pdftotext``, when installed). Results go to ``bench/results/report-<time>.json`` with the load
average.

``--app``: the report as the app builds it (a job in a thread of the server process),
on fork-server workers against the same job in turn, the app's way before
(``bench/results/report_app-<time>.json``).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BASELINE = Path(os.environ.get("GEOPLAN_BASELINE", "/work/main"))
TARGETS = {"pdf": 5.0, "html": 2.0, "xlsx": 1.0}
#: on the Oslo-scale data (issue 20): the PDF only
OSLO_TARGETS = {"pdf": 15.0}


def loadavg() -> str:
    try:
        return Path("/proc/loadavg").read_text().strip()
    except OSError:
        return ""


def run_once(tree: Path, fmt: str, out_dir: Path, tag: str,
             data: Path | None = None) -> tuple[float, float, Path]:
    """One ``geoplan report --out report.<fmt>`` with ``tree`` first on the path: (wall, cpu, file)."""
    out = out_dir / f"{tag}.{fmt}"
    out.unlink(missing_ok=True)
    env = {**os.environ, "PYTHONPATH": str(tree), "MPLBACKEND": "Agg"}
    # as installed: bytecode cached after the first run, not compiled on every start
    # (a shell with PYTHONDONTWRITEBYTECODE=1 compiled ~100 modules per report: 0.36 s)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "geoplan", "report", *([str(data)] if data else []),
                    "--out", str(out)], cwd=tree,
                   env=env, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, out


def _untree(v, tree: Path | None):
    """The tree's path in a text (each tree reads its own copy of the demo) as ``<tre>``."""
    return v.replace(str(tree), "<tre>") if tree is not None and isinstance(v, str) else v


def xlsx_cells(path: Path, tree: Path | None = None) -> dict:
    """Sheet name -> rows of cell values (the creation time left out; ``tree``'s path as
    ``<tre>``, since each tree's report names its own copy of the demo)."""
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True)
    return {ws.title: [[_untree(v, tree) for v in r] for r in ws.iter_rows(values_only=True)
                       if not (ws.title == "Om rapporten" and r and r[0] == "Laget")]
            for ws in wb.worksheets}


#: the creation time («1.12.2026 kl. 18:07»), which differs between any two runs
_WHEN = re.compile(r"\d{1,2}\.\s*\d{1,2}\.\s*\d{4}(\s*kl\.\s*\d{1,2}[:.]\d{2})?")
_PAGE = re.compile(r"Side\s+\d+\s+av\s+\d+")
_CELL = re.compile(r"<t[dh][^>]*>(.*?)</t[dh]>", re.S)


def html_cells(path: Path, tree: Path | None = None) -> list[str]:
    """Every table cell's text in document order (``tree``'s path as ``<tre>``)."""
    return [_untree(_WHEN.sub("", re.sub(r"\s+", " ", c)).strip(), tree)
            for c in _CELL.findall(path.read_text(encoding="utf-8"))]


def pdf_text(path: Path, tree: Path | None = None):
    """The distinct numbers of the text (words with a digit), sorted, without the creation
    time and the page footers (poppler's ``pdftotext``; None without it)."""
    import shutil

    exe = shutil.which("pdftotext")
    if exe is None:
        return None
    txt = subprocess.run([exe, str(path), "-"], capture_output=True, text=True,
                         check=True).stdout
    txt = re.sub(r"([–-])\s*\n\s*", r"\1", txt)     # a range broken over two lines
    txt = re.sub(r"\u2010\s*", "", txt)                # a word hyphenated by the layout
    # the numbers, in any order, without the page footers: a change of layout (the path's
    # length wrapping, a page break moving, a word hyphenated) is not a change of answer
    txt = _PAGE.sub("", _untree(_WHEN.sub("", txt), tree))
    # as a set: table headers and page headers repeat on every page a layout gives
    # a word broken at its own hyphen on one side only ("CO₂-" / "ekv.)"): hyphens out
    return sorted({w.replace("-", "").replace("\u2010", "") for w in txt.split()
                   if any(ch.isdigit() for ch in w)})


def _same_value(x, y, rel: float = 1e-9) -> bool:
    """Equal cells; floats to ``rel`` (a sum taken in another order differs in the last
    digits: bincount sums in turn where pandas' groupby compensates)."""
    if isinstance(x, float) and isinstance(y, float):
        return x == y or abs(x - y) <= rel * max(abs(x), abs(y)) or (x != x and y != y)
    return x == y


def _same_cells(a: dict, b: dict) -> bool:
    """Two :func:`xlsx_cells`: the same sheets, rows and cell values (see :func:`_same_value`)."""
    return a.keys() == b.keys() and all(
        len(a[k]) == len(b[k]) and all(
            len(ra) == len(rb) and all(_same_value(x, y) for x, y in zip(ra, rb))
            for ra, rb in zip(a[k], b[k]))
        for k in a)


def same_answer(fmt: str, a: Path, b: Path, tree_a: Path | None = None,
                tree_b: Path | None = None):
    if fmt == "xlsx":
        return _same_cells(xlsx_cells(a, tree_a), xlsx_cells(b, tree_b))
    if fmt == "html":
        return html_cells(a, tree_a) == html_cells(b, tree_b)
    ta, tb = pdf_text(a, tree_a), pdf_text(b, tree_b)
    if ta is None or ta == tb:
        return None if ta is None else True
    # the PDF laid out with computed column widths (widths.py) shows the columns a
    # too-wide table lost past the page's edge under automatic layout: every number
    # the baseline shows is there, and those columns' numbers besides
    extra = sorted(set(ta) - set(tb))
    return f"superset (+{len(extra)})" if set(tb) <= set(ta) else False


def bench_format(fmt: str, runs: int, baseline: Path, out_dir: Path,
                 data: Path | None = None) -> dict:
    new_w, new_c, base_w, base_c = [], [], [], []
    new_f = base_f = None
    for _ in range(runs):          # alternate, so both sides see the same load
        w, c, base_f = run_once(baseline, fmt, out_dir, "baseline", data)
        base_w.append(w)
        base_c.append(c)
        w, c, new_f = run_once(ROOT, fmt, out_dir, "new", data)
        new_w.append(w)
        new_c.append(c)
    assert new_f is not None and base_f is not None
    value, base = statistics.median(new_w), statistics.median(base_w)
    cpu, base_cpu = statistics.median(new_c), statistics.median(base_c)
    where, target = ("the demo", TARGETS[fmt]) if data is None else (
        Path(data).stem, OSLO_TARGETS.get(fmt, TARGETS[fmt]))
    return {"figure": f"report {fmt} on {where} (s, median of {runs})",
            "value": round(value, 3), "baseline": round(base, 3),
            # geoplan / baseline, as every row of bench/run_all.py (below 1: faster now)
            "ratio": round(value / base, 2) if base else None,
            "cpu": round(cpu, 3), "baseline_cpu": round(base_cpu, 3),
            "cpu_ratio": round(cpu / base_cpu, 2) if base_cpu else None,
            "target": f"<= {target:g} s", "meets_target": value <= target, "met": value <= target,
            "same_answer": same_answer(fmt, new_f, base_f, ROOT, baseline), "runs": runs,
            "walls": [round(x, 3) for x in new_w], "baseline_walls": [round(x, 3) for x in base_w]}


#: ``--app``: the app's report job (:class:`geoplan.present.app.report_job.ReportJob`) in a
#: fresh process with a second thread, as in the Streamlit server. The fork server is
#: started and warmed first, as ``geoplan app`` does when it starts (its start-up time is
#: printed beside); then the job is timed from «Lag rapport» until its bytes are there.
APP_CHILD = r"""
import json, os, sys, threading, time
def main():
    fmt, data, out = sys.argv[1], sys.argv[2] or None, sys.argv[3]
    from geoplan.config import load_config
    from geoplan.io import load
    from geoplan.present.app.report_job import ReportJob
    from geoplan.present.report import parallel
    cfg = load_config()
    ds = load(data, config=cfg)
    stop = threading.Event()
    threading.Thread(target=stop.wait, daemon=True).start()    # the server's other threads
    t = time.perf_counter()
    if parallel.workers(6) > 1:
        parallel.start_server()
        parallel.fork_map([abs, abs], 2)     # the fork server has imported its modules
    server_s = time.perf_counter() - t
    t0, c0 = time.perf_counter(), time.process_time()
    job = ReportJob(fmt=fmt, key="bench").start(ds, cfg, {}, public=True)
    while not job.done:
        time.sleep(0.01)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    if job.error:
        raise SystemExit(job.error)
    with open(out, "wb") as fh:
        fh.write(job.data)
    print("RESULT " + json.dumps({"wall": wall, "cpu_this_process": cpu,
                                  "workers": job.workers, "server_s": server_s}))
if __name__ == "__main__":
    main()
"""


def run_app_once(fmt: str, out_dir: Path, tag: str, in_turn: bool,
                 data: Path | None = None) -> tuple[dict, Path]:
    """One app report job in a fresh process: its figures and the file it wrote."""
    out = out_dir / f"{tag}.{fmt}"
    out.unlink(missing_ok=True)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("GEOPLAN_RAPPORT_PROSESSER", None)
    if in_turn:                    # the app before the fork server: everything in turn
        env["GEOPLAN_RAPPORT_PROSESSER"] = "1"
    script = out_dir / "app_child.py"
    script.write_text(APP_CHILD, encoding="utf-8")
    p = subprocess.run([sys.executable, str(script), fmt, str(data or ""), str(out)],
                       cwd=out_dir, env=env, capture_output=True, text=True, timeout=1800)
    if p.returncode != 0:
        raise SystemExit(f"app report job ({fmt}) failed: {p.stderr[-2000:]}")
    line = next(x for x in p.stdout.splitlines() if x.startswith("RESULT "))
    return json.loads(line[len("RESULT "):]), out


def bench_app(fmt: str, runs: int, out_dir: Path, data: Path | None = None) -> dict:
    """The app's report job on fork-server workers against the same job in turn (what
    the app did before), alternating, medians of ``runs``; the answers compared."""
    new, base, servers, workers = [], [], [], set()
    new_f = base_f = None
    for _ in range(runs):
        r, base_f = run_app_once(fmt, out_dir, "app_in_turn", True, data)
        base.append(r["wall"])
        r, new_f = run_app_once(fmt, out_dir, "app_workers", False, data)
        new.append(r["wall"])
        servers.append(r["server_s"])
        workers.add(r["workers"])
    assert new_f is not None and base_f is not None
    value, b = statistics.median(new), statistics.median(base)
    where = "the demo" if data is None else Path(data).stem
    return {"figure": f"app report job {fmt} on {where} (s, median of {runs})",
            "value": round(value, 3), "baseline": round(b, 3),
            "ratio": round(value / b, 2) if b else None,
            "baseline_is": "the same job in turn (the app before the fork server)",
            "workers": sorted(workers), "fork_server_start_s": round(statistics.median(servers), 3),
            "target": "-", "met": None,
            "same_answer": same_answer(fmt, new_f, base_f), "runs": runs,
            "walls": [round(x, 3) for x in new], "baseline_walls": [round(x, 3) for x in base]}


def rows(quick: bool, formats=("xlsx", "html", "pdf"), runs: int | None = None,
         baseline: Path = BASELINE, data: Path | None = None) -> list[dict]:
    """One row per format: figure, value, baseline, ratio, target, same_answer (and CPU)."""
    n = runs or (1 if quick else 3)
    with tempfile.TemporaryDirectory(prefix="bench_report_") as tmp:
        return [bench_format(f, n, baseline, Path(tmp), data) for f in formats]


def bench_rows(data: Path, quick: bool) -> list[dict]:
    """For ``bench/run_all.py``: the demo's xlsx and HTML (``quick``), else the demo's three
    formats and the PDF of ``data`` (the Oslo-scale GeoPackage), one run per side each."""
    if not (BASELINE / "geoplan").is_dir():
        raise SystemExit(f"Baseline tree {BASELINE} has no geoplan package (GEOPLAN_BASELINE).")
    out = rows(quick, ("xlsx", "html") if quick else ("xlsx", "html", "pdf"), runs=1)
    if not quick:
        out += rows(False, ("pdf",), runs=1, data=Path(data))
    return out


def profile(fmt: str, data: Path | None = None, top: int = 40) -> list[tuple[float, str]]:
    """CPU profile of one ``geoplan report`` in this process (``--profile FMT``): a sampling
    profiler on the CPU-time timer (``ITIMER_PROF``, 2 ms), so a busy machine does not
    distort it and the report runs at nearly full speed (cProfile doubled the Python-heavy
    parts). Returns the ``top`` functions by inclusive CPU seconds."""
    import collections
    import signal

    incl: collections.Counter = collections.Counter()
    n = [0]

    def sample(_sig, frame):
        n[0] += 1
        seen = set()
        while frame is not None:
            c = frame.f_code
            key = f"{c.co_filename.split('site-packages/')[-1]}:{c.co_firstlineno}({c.co_name})"
            if key not in seen:
                incl[key] += 1
                seen.add(key)
            frame = frame.f_back

    from geoplan.present.cli.main import main as cli
    with tempfile.TemporaryDirectory(prefix="bench_report_") as tmp:
        old = signal.signal(signal.SIGPROF, sample)
        signal.setitimer(signal.ITIMER_PROF, 0.002, 0.002)
        t0 = time.process_time()
        try:
            cli(["report", *([str(data)] if data else []), "--out", str(Path(tmp) / f"r.{fmt}")])
        finally:
            signal.setitimer(signal.ITIMER_PROF, 0, 0)
            signal.signal(signal.SIGPROF, old)
        cpu = time.process_time() - t0
    per = cpu / max(n[0], 1)
    print(f"CPU {cpu:.2f} s, {n[0]} samples; inclusive CPU s per function:")
    out = [(v * per, k) for k, v in incl.most_common(top)]
    for secs, k in out:
        print(f"{secs:8.2f}  {k}")
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3, help="runs per side and format (median)")
    ap.add_argument("--formats", default="xlsx,html,pdf")
    ap.add_argument("--baseline", type=Path, default=BASELINE,
                    help="the tree with the code before the change (default /work/main)")
    ap.add_argument("--quick", action="store_true", help="one run per side and format")
    ap.add_argument("--data", type=Path, default=None,
                    help="the data (default the demo), e.g. bench/data/oslo.gpkg")
    ap.add_argument("--profile", metavar="FMT", default=None,
                    help="instead: profile one report in FMT (xlsx, html, pdf) in this process")
    ap.add_argument("--app", action="store_true",
                    help="instead: the app's report job (a server thread) on fork-server "
                         "workers against the same job in turn")
    a = ap.parse_args(argv)
    if a.app:
        load_before = loadavg()
        with tempfile.TemporaryDirectory(prefix="bench_report_app_") as tmp:
            res = [bench_app(f.strip(), 1 if a.quick else a.runs, Path(tmp),
                             a.data.resolve() if a.data else None)
                   for f in a.formats.split(",") if f.strip()]
        print(f"{'figure':44} {'value':>7} {'in turn':>7} {'ratio':>6} workers  server s  same")
        for r in res:
            print(f"{r['figure']:44} {r['value']:7.2f} {r['baseline']:7.2f} {r['ratio']:6.2f} "
                  f"{r['workers']!s:8} {r['fork_server_start_s']:7.2f}  {r['same_answer']}")
        return _written("report_app", load_before, res)
    if a.profile:
        os.environ.setdefault("MPLBACKEND", "Agg")
        profile(a.profile, a.data.resolve() if a.data else None)
        return 0
    if not (a.baseline / "geoplan").is_dir():
        sys.exit(f"Baseline tree {a.baseline} has no geoplan package.")
    if a.data is not None:      # each tree runs in its own folder: the same file for both
        a.data = a.data.resolve()
    load_before = loadavg()
    res = rows(a.quick, tuple(f.strip() for f in a.formats.split(",") if f.strip()),
               runs=1 if a.quick else a.runs, baseline=a.baseline, data=a.data)
    print(f"{'figure':44} {'value':>7} {'base':>7} {'ratio':>6} {'cpu':>7} {'b.cpu':>7} "
          f"{'target':>9} same")
    for r in res:
        print(f"{r['figure']:44} {r['value']:7.2f} {r['baseline']:7.2f} {r['ratio']:6.2f} "
              f"{r['cpu']:7.2f} {r['baseline_cpu']:7.2f} {r['target']:>9} {r['same_answer']}")
    return _written("report", load_before, res, baseline=str(a.baseline))


def _written(name: str, load_before: str, res: list[dict], **extra) -> int:
    """Print the load average, write ``bench/results/<name>-<time>.json``; the exit code
    (1 when a pair computed different answers)."""
    load_after = loadavg()
    print(f"load average before: {load_before}; after: {load_after}")
    out = HERE / "results" / f"{name}-{time.strftime('%Y%m%dT%H%M%S')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"bench": name, "loadavg_before": load_before,
                               "loadavg_after": load_after, **extra, "rows": res}, indent=2,
                              ensure_ascii=False), encoding="utf-8")
    print(f"written {out}")
    return 0 if all(r["same_answer"] is not False for r in res) else 1


if __name__ == "__main__":
    raise SystemExit(main())
