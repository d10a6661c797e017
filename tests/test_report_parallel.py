"""The report on worker processes (issue 20) equals the report built in turn.

* :func:`geoplan.present.report.parallel.fork_map` returns each task's own value, in
  order, and hands a failing task back to the caller instead of raising;
* the analyses prefetched on workers are each computed once (counted across the
  processes through a file), and the sections built from them give the same
  spreadsheet cells and the same HTML, byte for byte (images included), as a serial
  build with ``workers=1``;
* maps drawn on workers are the same PNG bytes as maps drawn here.
"""

from __future__ import annotations

import io
import os
import re

import pytest

from geoplan.config import load_config
from geoplan.io.layers import load
from geoplan.io.loader import DEFAULT_DATA
from geoplan.present.report import parallel

_WHEN = re.compile(r"\d{1,2}\.\s*\d{1,2}\.\s*\d{4}(\s*kl\.\s*\d{1,2}[:.]\d{2})?")



@pytest.fixture
def one_thread(monkeypatch):
    """As in the command line's process of one thread, where workers are forked (a test
    session may have threads left by earlier tests; with them the workers would come
    from the fork server: that has its own test)."""
    monkeypatch.setattr(parallel.threading, "active_count", lambda: 1)


def test_fork_map_keeps_order_and_hands_back_failures(one_thread):
    def boom():
        raise RuntimeError("x")

    tasks = [lambda i=i: i * i for i in range(5)] + [boom, lambda: (lambda: 1)]
    out = parallel.fork_map(tasks, 2)
    assert out[:5] == [(True, i * i) for i in range(5)]
    assert out[5] == (False, None)          # raised in the worker
    assert out[6] == (False, None)          # a lambda cannot be pickled back
    assert parallel.fork_map(tasks[:3], 1) == [(False, None)] * 3   # in turn: nothing here


def test_workers_follow_the_environment(monkeypatch):
    monkeypatch.setenv(parallel.ENV_WORKERS, "1")
    assert parallel.workers(10) == 1
    monkeypatch.setenv(parallel.ENV_WORKERS, "3")
    assert parallel.workers(10) == 3 and parallel.workers(2) == 2
    monkeypatch.setenv(parallel.ENV_WORKERS, "tull")
    assert parallel.workers(10) == 1


def test_workers_take_the_cores_others_leave_idle(monkeypatch):
    # as in a process of one thread (pytest's may have others; that rule has its own test)
    monkeypatch.setattr(parallel.threading, "active_count", lambda: 1)
    monkeypatch.delenv(parallel.ENV_WORKERS, raising=False)
    monkeypatch.setattr(parallel.os, "sched_getaffinity", lambda _pid: {0, 1})
    for busy, want in ((0.0, 2), (0.4, 2), (1.0, 1), (1.6, 1), (7.0, 1)):
        monkeypatch.setattr(parallel, "busy_elsewhere", lambda b=busy: b)
        assert parallel.workers(10) == want, busy
    monkeypatch.setattr(parallel, "busy_elsewhere", lambda: 0.0)
    assert parallel.workers(1) == 1          # never more processes than tasks


@pytest.mark.skipif(not os.path.exists("/proc/loadavg"), reason="Linux only")
def test_busy_elsewhere_counts_a_spinning_process():
    """A process spinning on the CPU is always runnable: at least one core is busy."""
    import subprocess
    import sys
    import time

    spin = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.3)
        assert parallel.busy_elsewhere() >= 1.0
    finally:
        spin.kill()
        spin.wait()


def test_a_process_with_other_threads_takes_its_workers_from_the_fork_server(monkeypatch):
    """The app's server threads build reports: a fork there could inherit a held lock,
    so such a process never forks itself; its workers come from the fork server, and a
    task is pickled to them (one that cannot be is handed back, like a failing one)."""
    import functools
    import threading

    monkeypatch.delenv(parallel.ENV_WORKERS, raising=False)
    monkeypatch.setattr(parallel, "busy_elsewhere", lambda: 0.0)
    monkeypatch.setattr(parallel.os, "sched_getaffinity", lambda _pid: {0, 1, 2, 3})
    if threading.active_count() == 1:
        assert parallel.start_method() == "fork"
        assert parallel.workers(10) == 4      # idle cores, one thread: workers
    stop = threading.Event()
    t = threading.Thread(target=stop.wait, daemon=True)
    t.start()
    try:
        assert parallel.start_method() == "forkserver"
        assert parallel.workers(10) == 4
        tasks = [functools.partial(pow, i, 2) for i in range(4)] + [lambda: 1]
        seen: list[tuple[int, int]] = []
        out = parallel.fork_map(tasks, 2, progress=lambda k, n: seen.append((k, n)))
        assert out[:4] == [(True, i * i) for i in range(4)]
        assert out[4] == (False, None)          # a lambda cannot be sent to a worker
        assert seen == [(k, 5) for k in range(1, 6)]
        # the report's data go once per call and are unpickled once per worker
        shared = parallel._Shared({"rader": list(range(1000))})
        got = parallel.fork_map([functools.partial(len, shared)] * 3, 2)
        assert got == [(True, 1)] * 3
    finally:
        stop.set()
        t.join()


def _xlsx_cells(data: bytes) -> dict:
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    return {ws.title: [list(r) for r in ws.iter_rows(values_only=True)
                       if not (ws.title == "Om rapporten" and r and r[0] == "Laget")]
            for ws in wb.worksheets}


@pytest.mark.slow
def test_parallel_report_equals_serial_and_each_analysis_runs_once(tmp_path, monkeypatch,
                                                                   one_thread):
    from geoplan import runs
    from geoplan.present import report as rp
    from geoplan.runs import population as rpop

    log = tmp_path / "calls.txt"

    def counted(name, fn):
        def wrapper(*a, **k):
            with open(log, "a", encoding="utf-8") as fh:      # one line per call, any process
                fh.write(f"{name} {os.getpid()}\n")
            return fn(*a, **k)
        return wrapper

    for name in ("reserves", "schools", "concentration_model", "arealregnskap"):
        monkeypatch.setattr(runs, name, counted(name, getattr(runs, name)))
    monkeypatch.setattr(rpop, "need_population", counted("need_population", rpop.need_population))

    cfg = load_config()
    ds = load(DEFAULT_DATA)
    par = rp.build_sections(ds, cfg, workers=2)
    calls = log.read_text(encoding="utf-8").splitlines()
    names = [c.split()[0] for c in calls]
    for name in ("reserves", "schools", "concentration_model", "arealregnskap",
                 "need_population"):
        assert names.count(name) == 1, (name, calls)
    assert {c.split()[1] for c in calls} - {str(os.getpid())}, "nothing ran on a worker"

    log.unlink()
    ser = rp.build_sections(ds, cfg, workers=1)
    names = [c.split()[0] for c in log.read_text(encoding="utf-8").splitlines()]
    assert sorted(names) == sorted(["reserves", "schools", "concentration_model",
                                    "arealregnskap", "need_population"])

    assert [(s.id, s.title, s.omitted) for s in par] == [(s.id, s.title, s.omitted) for s in ser]
    assert _xlsx_cells(rp.render_report(par, ds, cfg, "xlsx")) == \
        _xlsx_cells(rp.render_report(ser, ds, cfg, "xlsx"))

    from geoplan.present.report import render
    render.draw_figures(par, workers=2)      # maps on workers ...
    render.draw_figures(ser, workers=1)      # ... and here
    figs_p = [f.image for s in par for f in s.figures]
    figs_s = [f.image for s in ser for f in s.figures]
    assert len(figs_p) >= 5 and figs_p == figs_s
    # the maps drawn on the workers, each where its analysis ran: the same images
    drawn = rp.build_sections(ds, cfg, workers=2, figures=True)
    figs_d = [f for s in drawn for f in s.figures]
    assert figs_d and all(f.drawn for f in figs_d), "a map was left to this process"
    assert [f.image for f in figs_d] == figs_s
    html_p = rp.render_report(par, ds, cfg, "html").decode("utf-8")
    html_s = rp.render_report(ser, ds, cfg, "html").decode("utf-8")
    assert _WHEN.sub("", html_p) == _WHEN.sub("", html_s)


def test_a_figure_drawn_on_a_worker_goes_only_to_its_own_place():
    from geoplan.present.report.context import ReportContext
    from geoplan.present.report.model import Figure, Section
    from geoplan.present.report.parallel import apply_drawn

    ctx = ReportContext(dataset=None, config=None)
    ctx.drawn = {("skoler", 0): ("Kart A", "Figur A", b"png-a"),
                 ("skoler", 1): ("Kart X", "Figur B", b"png-b")}

    def never():
        raise AssertionError("drawn here")

    sec = Section(id="skoler", title="Skoler", items=[
        Figure("Kart A", never, caption="Figur A"),
        Figure("Kart B", lambda: b"here", caption="Figur B"),    # another title: drawn here
        Figure("Kart C", lambda: b"here too", caption="")])       # nothing drawn for it
    apply_drawn(ctx, sec)
    a, b, c = sec.figures
    assert a.image == b"png-a"
    assert not b.drawn and b.image == b"here"
    assert not c.drawn and c.image == b"here too"
    other = Section(id="balanse", title="Balanse", items=[Figure("Kart A", lambda: b"own",
                                                                 caption="Figur A")])
    apply_drawn(ctx, other)
    assert other.figures[0].image == b"own"


@pytest.mark.slow
def test_the_apps_report_job_runs_on_workers_and_writes_the_serial_report(monkeypatch):
    """The app builds the KPA report in a server thread: the HTML's analyses and maps run
    on fork-server workers (the job says how many), a spreadsheet (no maps: the data's
    pickling would cost more than it gains) in turn; both are the ones a report built
    in turn gives."""
    import time

    from geoplan.present.app.report_job import ReportJob
    from geoplan.present.report.render import build_report

    cfg = load_config()
    ds = load(DEFAULT_DATA)
    monkeypatch.setenv(parallel.ENV_WORKERS, "1")
    serial = {fmt: build_report(ds, cfg, fmt) for fmt in ("xlsx", "html")}
    monkeypatch.setenv(parallel.ENV_WORKERS, "2")
    for fmt in ("xlsx", "html"):
        job = ReportJob(fmt=fmt, key=fmt).start(ds, cfg, {}, public=True)
        labels = set()
        t0 = time.monotonic()
        while not job.done and time.monotonic() - t0 < 300:
            labels.add(job.label)
            time.sleep(0.02)
        assert job.error is None and job.data is not None, job.error
        assert job.step == job.steps
        if fmt == "xlsx":
            assert job.workers == 1
        else:
            assert job.workers == 2
            assert any("på 2 prosesser" in lb for lb in labels), labels
        if fmt == "xlsx":
            assert _xlsx_cells(job.data) == _xlsx_cells(serial["xlsx"])
        else:
            assert _WHEN.sub("", job.data.decode("utf-8")) == \
                _WHEN.sub("", serial["html"].decode("utf-8"))


def test_fork_server_workers_never_run_the_main_script(tmp_path, monkeypatch):
    """In the app's server ``sys.modules["__main__"]`` is the page script Streamlit is
    running; a worker from the fork server must not run it (it ran the whole app in bare
    mode, once per worker)."""
    import functools
    import sys
    import threading
    import types

    marker = tmp_path / "kjort.txt"
    script = tmp_path / "side.py"
    script.write_text(f"open({str(marker)!r}, 'a').write('x')\n", encoding="utf-8")
    page = types.ModuleType("__main__")
    page.__file__ = str(script)
    monkeypatch.setitem(sys.modules, "__main__", page)
    monkeypatch.delenv(parallel.ENV_WORKERS, raising=False)
    stop = threading.Event()
    t = threading.Thread(target=stop.wait, daemon=True)
    t.start()
    try:
        assert parallel.start_method() == "forkserver"
        out = parallel.fork_map([functools.partial(pow, 2, i) for i in range(3)], 2)
    finally:
        stop.set()
        t.join()
    assert out == [(True, 1), (True, 2), (True, 4)]
    assert not marker.exists(), "a worker ran the main script"
