"""One report's analyses and maps on several processes, with the same results as in turn.

A KPA report runs five independent analyses (reserves, schools, concentration,
population, arealregnskap) and draws a dozen maps; each takes 0,3-2 s of CPU and
none reads another's result. On a machine with more than one usable core they
run side by side in forked worker processes:

* :func:`prefetch` builds groups of sections in workers, each on its own
  :class:`~geoplan.present.report.context.ReportContext`, and sends back every
  value the workers' ``ctx.once`` computed, pickled *when it was computed* (before
  any section read it). The report is then built in this process, in report
  order, from those values: each analysis runs once per report, in one worker,
  and the sections are the ones a serial run builds.
* :func:`draw_all` draws the figures in workers and hands back the PNG bytes.

A worker inherits the data by ``fork`` (nothing is pickled on the way out; the
rasters are in memory, not open files). Whatever goes wrong in a worker -- an
analysis that raises, a value that cannot be pickled, a worker that dies -- only
means this process computes that part itself, as a serial run does, so the
errors and the sentences that leave a section out are the same.

Processes: ``GEOPLAN_RAPPORT_PROSESSER`` (1: everything in turn), else the cores
this process may use that other processes leave idle (:func:`busy_elsewhere`), at
most :data:`MAX_WORKERS` (a busy machine: in turn). Without ``fork`` (not Linux), or in a process with more
than one thread (the app's server), everything runs in turn.
"""

from __future__ import annotations

import os
import pickle
import threading
from typing import Any, Callable, Sequence

from geoplan._cores import usable_cores

ENV_WORKERS = "GEOPLAN_RAPPORT_PROSESSER"
#: more processes than this gain nothing on a report (five analyses, about a dozen maps)
MAX_WORKERS = 4

#: the section groups :func:`prefetch` runs, heaviest first (demo, CPU s, 2026-12-03:
#: 1.9, 1.06, 1.01, 0.90, 0.54, 0.07), so two workers finish close together: sections
#: in one group share an analysis (``ctx.once`` key), so no two workers compute the same one
GROUPS: tuple[tuple[str, ...], ...] = (
    ("befolkning",), ("arealregnskap",), ("skoler",), ("konsentrasjon",),
    ("balanse", "parseller", "kollektiv"), ("arealbehov",))
#: the same groups when the workers draw the sections' figures too (a report in HTML or
#: PDF), heaviest first with their maps (demo, CPU s, 2026-12-03: skoler 1.0 + five maps
#: 2.3, befolkning 1.9 + 1.2, konsentrasjon 0.9 + 0.6, arealregnskap 1.1 + 1.2, the
#: balance's three sections 0.5 + 1.5)
GROUPS_DRAWN: tuple[tuple[str, ...], ...] = (
    ("skoler",), ("befolkning",), ("konsentrasjon",), ("arealregnskap",),
    ("balanse", "parseller", "kollektiv"), ("arealbehov",))

#: the tasks of the running :func:`fork_map` (a forked worker finds them here by index)
_TASKS: list[Callable[[], Any]] = []


def workers(n_tasks: int | None = None) -> int:
    """How many processes a report uses (1: everything in this process, in turn)."""
    import multiprocessing as mp

    if "fork" not in mp.get_all_start_methods():
        return 1
    given = os.environ.get(ENV_WORKERS, "").strip()
    if given:
        try:
            n = int(given)
        except ValueError:
            n = 1
    elif threading.active_count() > 1:
        # a forked child gets only the calling thread, and a lock another thread held
        # (logging, an allocator, a library's pool) stays held in it for ever: the app's
        # server threads build reports too, so only a single-threaded process forks
        return 1
    else:
        cores = usable_cores()
        # only the cores others leave idle: on a busy machine the workers' own imports
        # and pickling cost more than they gain (demo PDF at load 8-12 on 2 cores:
        # 42 s CPU with workers against 34 s in turn)
        n = min(cores, MAX_WORKERS, max(1, int(cores - busy_elsewhere() + 0.5)))
    if n_tasks is not None:
        n = min(n, n_tasks)
    return max(1, n)


def busy_elsewhere(samples: int = 5) -> float:
    """Cores other processes keep busy now.

    Linux: the processes running or ready to run (``/proc/loadavg``'s fourth field,
    this one left out), the median of a few readings 2 ms apart. The one-minute load
    average lags by a minute and counts this process and the runs just finished: a
    report started right after another saw a load of 1 on an idle 2-core machine and
    ran in turn. Elsewhere the load average.
    """
    import statistics
    import time

    seen = []
    for k in range(samples):
        try:
            with open("/proc/loadavg", encoding="ascii") as f:
                running = int(f.read().split()[3].split("/")[0])
        except (OSError, ValueError, IndexError):
            break
        seen.append(max(0, running - 1))
        if k + 1 < samples:
            time.sleep(0.002)
    if seen:
        return float(statistics.median(seen))
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0


def _run(i: int):
    """In a worker: task ``i``'s value, pickled here (None when it raises or cannot be)."""
    try:
        return pickle.dumps(_TASKS[i](), protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # noqa: BLE001 - the parent computes it itself, and raises there
        return None


def fork_map(tasks: Sequence[Callable[[], Any]], n: int) -> list[tuple[bool, Any]]:
    """``(True, task())`` per task, computed on ``n`` forked processes; ``(False, None)``
    for a task whose worker failed (the caller runs it itself). ``n`` <= 1: nothing runs
    here, every task is ``(False, None)``."""
    global _TASKS
    out: list[tuple[bool, Any]] = [(False, None)] * len(tasks)
    if n <= 1 or not tasks:
        return out
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    _TASKS = list(tasks)
    try:
        with ProcessPoolExecutor(max_workers=n, mp_context=mp.get_context("fork")) as ex:
            futs = [ex.submit(_run, i) for i in range(len(tasks))]
            for i, f in enumerate(futs):
                try:
                    blob = f.result()
                except Exception:  # noqa: BLE001 - a worker that died: computed here
                    continue
                if blob is not None:
                    out[i] = (True, pickle.loads(blob))
    except OSError:      # no processes to be had (limits): computed here
        pass
    finally:
        _TASKS = []
    return out


def _build_group(ctx, ids: Sequence[str], figures: bool = False) -> dict[str, dict]:
    """In a worker: build sections ``ids`` on a fresh context. Returns ``{"values": the
    values its ``ctx.once`` computed, each pickled the moment it was computed,
    "figures": {(section id, k): (title, caption, PNG)}}``, the figures drawn only with
    ``figures`` (a report in HTML or PDF: the maps are drawn where their data are)."""
    from geoplan.present.report.context import ReportContext, run_builder

    mine = ReportContext(dataset=ctx.dataset, config=ctx.config, public=ctx.public,
                         growth=ctx.growth)
    mine.snapshots = {}
    drawn: dict = {}
    for sid in ids:
        sec = run_builder(mine, sid)
        if not figures or sec.omitted:
            continue
        for k, f in enumerate(sec.figures):
            try:
                drawn[(sid, k)] = (f.title, f.caption, f.image)
            except Exception:  # noqa: BLE001 - drawn (and left out with its reason) in the parent
                pass
    return {"values": mine.snapshots, "figures": drawn}


def prefetch(ctx, ids: Sequence[str], n: int | None = None, figures: bool = False) -> int:
    """Compute the analyses of sections ``ids`` on worker processes into ``ctx.cache``,
    and with ``figures`` draw the sections' figures there too, into ``ctx.drawn``
    (:func:`apply_drawn` hands them to the sections built here).

    Returns the number of values and figures fetched (0 when the report runs in turn).
    """
    order = GROUPS_DRAWN if figures else GROUPS
    groups = [g for g in (tuple(s for s in grp if s in ids) for grp in order) if g]
    n = workers(len(groups)) if n is None else n
    if n <= 1 or len(groups) <= 1:
        return 0
    got = 0
    import functools

    tasks: list[Callable[[], Any]] = [functools.partial(_build_group, ctx, g, figures)
                                      for g in groups]
    for ok, res in fork_map(tasks, n):
        if not ok:
            continue
        for key, blob in res["values"].items():
            if key in ctx.cache:
                continue
            try:
                ctx.cache[key] = pickle.loads(blob)
                got += 1
            except Exception:  # noqa: BLE001 - computed again here when asked for
                pass
        ctx.drawn.update(res["figures"])
        got += len(res["figures"])
    return got


def apply_drawn(ctx, sec) -> None:
    """Give section ``sec`` (built here) the figures a worker drew for it: the worker's
    ``k``-th figure of the section, when its title and caption are this one's."""
    if sec.omitted or not ctx.drawn:
        return
    for k, f in enumerate(sec.figures):
        got = ctx.drawn.get((sec.id, k))
        if got is not None and not f.drawn and got[0] == f.title and got[1] == f.caption:
            f.set_image(got[2])


def _image(f) -> bytes:
    return f.image


def draw_all(figures: Sequence, n: int | None = None) -> int:
    """Draw the undrawn figures on worker processes (the PNG bytes come back); returns
    how many were drawn there. A figure whose drawing fails in a worker is left undrawn,
    to be drawn (and to fail, with its reason) in this process."""
    import functools

    todo = [f for f in figures if not f.drawn]
    n = workers(len(todo)) if n is None else n
    if n <= 1 or len(todo) <= 1:
        return 0
    got = 0
    tasks: list[Callable[[], Any]] = [functools.partial(_image, f) for f in todo]
    for f, (ok, png) in zip(todo, fork_map(tasks, n)):
        if ok and isinstance(png, bytes):
            f.set_image(png)
            got += 1
    return got
