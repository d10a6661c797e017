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

How a worker is made (:func:`start_method`): in a process of one thread (the
command line) it is forked and inherits the data (nothing is pickled on the
way out; the rasters are in memory, not open files). A process with other threads
(the app's server, where the KPA report is built in a thread) never forks itself:
a forked child gets only the calling thread, and a lock another thread held stays
held in it for ever. Its workers come from a *fork server* instead, a
single-threaded process started once that has imported the report's modules
(:data:`PRELOAD`); each task is pickled to it, the report's data once per call and
unpickled once per worker (:class:`_Shared`). Whatever goes wrong in a worker --
an analysis that raises, a value or a task that cannot be pickled, a worker that
dies, a fork server that cannot start -- only means this process computes that
part itself, as a serial run does, so the errors and the sentences that leave a
section out are the same.

Processes: ``GEOPLAN_RAPPORT_PROSESSER`` (1: everything in turn), else the cores
this process may use that other processes leave idle (:func:`busy_elsewhere`), at
most :data:`MAX_WORKERS` (a busy machine: in turn). Without ``fork`` (not Linux)
everything runs in turn.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import threading
from typing import Any, Callable, Iterator, Sequence

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

#: the modules a worker of the fork server has imported before its first task (the
#: report's sections, maps and PDF writer: a worker starts warm, as a forked one does)
PRELOAD = ("geoplan.present.report.parallel", "geoplan.present.report.context",
           "geoplan.present.report.sections", "geoplan.present.report.render",
           "geoplan.present.report.pdfparts", "geoplan.present.report.maps",
           "geoplan.present.report.staticmaps", "geoplan.present.report.widths",
           "geoplan.runs.reserves", "geoplan.runs.schools", "geoplan.runs.concentration",
           "geoplan.runs.population", "geoplan.runs.population_access",
           "geoplan.runs.arealregnskap", "geoplan.io.raster", "scipy.sparse.csgraph",
           "rasterio", "matplotlib.pyplot", "weasyprint", "pypdf")

#: the tasks of the running :func:`fork_map` (a forked worker finds them here by index)
_TASKS: list[Callable[[], Any]] = []
_SERVER_LOCK = threading.Lock()
_SERVER_READY = False


def start_method() -> str | None:
    """How this process makes workers now: ``"fork"`` with one thread, ``"forkserver"``
    with others (see the module's notes), None where neither is to be had."""
    import multiprocessing as mp

    methods = mp.get_all_start_methods()
    if "fork" not in methods:
        return None
    if threading.active_count() == 1:
        return "fork"
    return "forkserver" if "forkserver" in methods else None


def start_server() -> bool:
    """Start the fork server (once per process; its workers import :data:`PRELOAD`
    first). ``geoplan app`` calls it when it starts, so the first report's workers do
    not wait for it. False when it cannot be had (the report then runs in turn)."""
    global _SERVER_READY
    import multiprocessing as mp

    if "forkserver" not in mp.get_all_start_methods():
        return False
    with _SERVER_LOCK:
        if not _SERVER_READY:
            from multiprocessing import forkserver

            try:
                forkserver.set_forkserver_preload(list(PRELOAD))
                forkserver.ensure_running()
            except Exception:  # noqa: BLE001 - no processes to be had: in turn
                return False
            _SERVER_READY = True
    return True


_PREP_LOCK = threading.Lock()


@contextlib.contextmanager
def no_main_script() -> Iterator[None]:
    """While processes are started from the fork server: do not let them run the main
    script. ``multiprocessing`` has each new process import ``sys.modules["__main__"]``
    first, and in the app's server that is whatever page script Streamlit runs at that
    moment (it puts its page module there): every worker ran the whole app in bare mode,
    with Streamlit's English warnings on the server's console. geoplan's tasks are
    functions of its own modules (:data:`PRELOAD`), so no worker needs the main script."""
    from multiprocessing import spawn

    with _PREP_LOCK:
        real = spawn.get_preparation_data

        def without_main(name: str) -> dict:
            data = real(name)
            data.pop("init_main_from_path", None)
            data.pop("init_main_from_name", None)
            return data

        spawn.get_preparation_data = without_main
        try:
            yield
        finally:
            spawn.get_preparation_data = real


def workers(n_tasks: int | None = None) -> int:
    """How many processes a report uses (1: everything in this process, in turn)."""
    if start_method() is None:
        return 1
    given = os.environ.get(ENV_WORKERS, "").strip()
    if given:
        try:
            n = int(given)
        except ValueError:
            n = 1
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


def _call(task: Callable[[], Any]):
    """In a worker: ``task()``, pickled here (None when it raises or cannot be)."""
    try:
        return pickle.dumps(task(), protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # noqa: BLE001 - the parent computes it itself, and raises there
        return None


def _run(i: int):
    """In a forked worker: task ``i`` of the running :func:`fork_map`, pickled."""
    return _call(_TASKS[i])


class _Shared:
    """A task argument for fork-server workers that is pickled once per call however
    many tasks carry it, and unpickled once per worker (the report's data: 4 MB for
    the demo, 19 MB at Oslo scale, in every one of six tasks)."""

    def __init__(self, value: Any):
        import uuid

        self.value = value
        self.token = uuid.uuid4().hex
        self._blob: bytes | None = None

    def __reduce__(self):
        if self._blob is None:
            self._blob = pickle.dumps(self.value, protocol=pickle.HIGHEST_PROTOCOL)
        return (_shared_value, (self.token, self._blob))


#: in a fork-server worker: the :class:`_Shared` value it has unpickled (token, value)
_SEEN: dict[str, Any] = {}


def _shared_value(token: str, blob: bytes) -> Any:
    if token not in _SEEN:
        _SEEN.clear()
        _SEEN[token] = pickle.loads(blob)
    return _SEEN[token]


def fork_map(tasks: Sequence[Callable[[], Any]], n: int,
             progress: Callable[[int, int], None] | None = None) -> list[tuple[bool, Any]]:
    """``(True, task())`` per task, computed on ``n`` worker processes; ``(False, None)``
    for a task whose worker failed (the caller runs it itself). ``n`` <= 1: nothing runs
    here, every task is ``(False, None)``. With workers from the fork server
    (:func:`start_method`) each task is pickled to its worker: one that cannot be is
    ``(False, None)`` too. ``progress(done, total)`` is called as tasks finish."""
    global _TASKS
    out: list[tuple[bool, Any]] = [(False, None)] * len(tasks)
    method = start_method()
    if n <= 1 or not tasks or method is None:
        return out
    if method == "forkserver" and not start_server():
        return out
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor, as_completed

    _TASKS = list(tasks)
    try:
        with ProcessPoolExecutor(max_workers=n, mp_context=mp.get_context(method)) as ex:
            if method == "fork":
                futs = {ex.submit(_run, i): i for i in range(len(tasks))}
            else:
                with no_main_script():      # the workers start on the first submits
                    futs = {ex.submit(_call, t): i for i, t in enumerate(tasks)}
            for done, f in enumerate(as_completed(futs), start=1):
                i = futs[f]
                try:
                    blob = f.result()
                except Exception:  # noqa: BLE001 - a worker that died: computed here
                    blob = None
                if blob is not None:
                    out[i] = (True, pickle.loads(blob))
                if progress is not None:
                    progress(done, len(tasks))
    except (OSError, RuntimeError, EOFError):   # no processes to be had: computed here
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


def groups_of(ids: Sequence[str], figures: bool = False) -> list[tuple[str, ...]]:
    """The section groups :func:`prefetch` runs for sections ``ids`` (one task each)."""
    order = GROUPS_DRAWN if figures else GROUPS
    return [g for g in (tuple(s for s in grp if s in ids) for grp in order) if g]


def prefetch(ctx, ids: Sequence[str], n: int | None = None, figures: bool = False,
             progress: Callable[[int, int], None] | None = None) -> int:
    """Compute the analyses of sections ``ids`` on worker processes into ``ctx.cache``,
    and with ``figures`` draw the sections' figures there too, into ``ctx.drawn``
    (:func:`apply_drawn` hands them to the sections built here). ``progress(done,
    total)``: as each group of sections is done (:func:`groups_of`).

    Returns the number of values and figures fetched (0 when the report runs in turn).
    """
    groups = groups_of(ids, figures)
    n = workers(len(groups)) if n is None else n
    if n <= 1 or len(groups) <= 1:
        return 0
    got = 0
    import functools

    arg = ctx if start_method() == "fork" else _Shared(ctx)
    tasks: list[Callable[[], Any]] = [functools.partial(_build_group, arg, g, figures)
                                      for g in groups]
    for ok, res in fork_map(tasks, n, progress):
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
    if n <= 1 or len(todo) <= 1 or start_method() != "fork":
        # a figure draws itself with what its section left it (closures): only a forked
        # worker has those; the fork server's draw theirs in :func:`prefetch`
        return 0
    got = 0
    tasks: list[Callable[[], Any]] = [functools.partial(_image, f) for f in todo]
    for f, (ok, png) in zip(todo, fork_map(tasks, n)):
        if ok and isinstance(png, bytes):
            f.set_image(png)
            got += 1
    return got
