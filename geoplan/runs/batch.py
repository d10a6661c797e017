"""Many municipalities in one run (``geoplan batch``): load each once, run the analyses.

:func:`run_municipality` is one task: load one DATA (only the layers the chosen
analyses use), identify the municipality from the data, and build the result tables
with :data:`geoplan.runs.publish.BUILDERS` -- the tables ``geoplan db publish``
writes, concentration always the public version through :mod:`geoplan.privacy`.
It never raises: a failure is returned with its Norwegian reason, so one bad
municipality does not stop the others.

The tasks run in warm worker processes (:func:`run_pool`: a process pool whose
workers start from a forkserver that has already imported geoplan, and keep the
configuration and the analysis modules between municipalities), in this process
(one worker), or on a ``dask.distributed`` cluster (:func:`run_dask`, the same task
function; dask is imported only there). :func:`combine` stacks the tables of the
municipalities that succeeded, each row tagged with its municipality.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Sequence

from geoplan.errors import GeoplanError, UnreadableInput

#: the layers each analysis reads (``kommune`` is always read: it names the municipality)
LAYERS = {
    "reserves": ("arealformal", "utviklingsgrense", "innspill", "steinbrudd", "sentrum",
                 "gangnett", "holdeplass", "kollektivakse", "skole", "bygning"),
    "schools": ("utviklingsgrense", "skole", "arealformal", "innspill", "gangnett"),
    "concentration": ("kommunal_bolig", "grunnkrets", "bygning"),
}
#: the columns put first in every result row
TAG_COLUMNS = ("kommunenummer", "kommunenavn", "datakilde")
#: the CRS of the output when the municipalities are in different UTM zones (EUREF89 UTM 33,
#: the zone national data sets use)
NATIONAL_EPSG = 25833


@dataclass(frozen=True)
class Job:
    """One municipality's task: its DATA and how the run is configured (all picklable)."""

    data: str
    analyses: tuple[str, ...]
    config_dir: str | None = None
    set_options: tuple[str, ...] = ()
    crs: str | None = None


@dataclass
class Outcome:
    """What one task returned: the tables, or the reason it failed."""

    data: str
    ok: bool
    kommunenummer: str | None = None
    kommunenavn: str | None = None
    tables: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    epsg: int | None = None
    wall_s: float = 0.0
    cpu_s: float = 0.0
    worker: int = 0


_CONFIGS: dict[tuple, Any] = {}


def _config(config_dir: str | None, set_options: tuple[str, ...]):
    """The configuration, loaded once per worker process and reused for every municipality."""
    key = (config_dir, set_options)
    if key not in _CONFIGS:
        from geoplan.config import load_config, parse_set_options
        _CONFIGS[key] = load_config(config_dir, parse_set_options(list(set_options)))
    return _CONFIGS[key]


def run_municipality(job: Job) -> Outcome:
    """Load ``job.data`` once and run ``job.analyses`` on it; never raises (see module doc)."""
    t, c = time.perf_counter(), time.process_time()
    out = Outcome(data=job.data, ok=False, worker=os.getpid())
    try:
        from geoplan.config.kommune import identify_kommune
        from geoplan.io import load
        from geoplan.runs.publish import BUILDERS
        cfg = _config(job.config_dir, job.set_options)
        only = sorted({n for a in job.analyses for n in LAYERS[a]} | {"kommune"})
        ds = load(job.data, crs=job.crs, config=cfg, only=only)
        ident = identify_kommune(ds.layers, cfg)
        out.kommunenummer, out.kommunenavn, out.epsg = ident.nummer, ident.navn, ds.epsg
        tables: dict[str, Any] = {}
        for name in job.analyses:
            try:
                tables.update(BUILDERS[name](ds, cfg))
            except GeoplanError as e:
                raise GeoplanError(f"{_ANALYSIS_NO[name]}: {e.message}") from None
        out.tables = {k: tag(v, ident.nummer, ident.navn, job.data) for k, v in tables.items()}
        out.ok = True
    except GeoplanError as e:
        out.error = e.message
    except MemoryError:
        out.error = "ikke nok minne til denne kommunen."
    except Exception as e:  # one municipality's unexpected error must not stop the others
        out.error = (f"en uventet feil oppsto ({type(e).__name__}). Kontroller dataene med "
                     "«geoplan check»; sett GEOPLAN_DEBUG=1 for tekniske detaljer.")
        if os.environ.get("GEOPLAN_DEBUG"):
            import traceback
            traceback.print_exc()
    out.wall_s, out.cpu_s = time.perf_counter() - t, time.process_time() - c
    return out


_ANALYSIS_NO = {"reserves": "boligreserve (reserves)", "schools": "skolesirkler (schools)",
                "concentration": "konsentrasjon (concentration)"}


def tag(frame, nummer: str | None, navn: str | None, data: str):
    """``frame`` with the municipality's number, name and DATA (as listed) as its first columns."""
    frame = frame.drop(columns=[c for c in TAG_COLUMNS if c in frame.columns])
    for i, (col, val) in enumerate(zip(TAG_COLUMNS, (nummer, navn, data))):
        frame.insert(i, col, val)
    return frame


# ---------------------------------------------------------------------------
# Where the tasks run
# ---------------------------------------------------------------------------

#: modules the forkserver imports once before it forks the workers (so none pays for them)
PRELOAD = ["geopandas", "pyogrio", "geoplan.io.loader", "geoplan.runs.publish",
           "geoplan.runs.batch", "geoplan.analysis.reserves", "geoplan.analysis.schools",
           "geoplan.analysis.concentration", "libpysal.weights"]


def run_serial(jobs: Sequence[Job], on_done: Callable[[Outcome], None]) -> list[Outcome]:
    """The tasks one after another in this process."""
    out = []
    for job in jobs:
        res = run_municipality(job)
        on_done(res)
        out.append(res)
    return out


def run_pool(jobs: Sequence[Job], workers: int, on_done: Callable[[Outcome], None]) -> list[Outcome]:
    """The tasks in a pool of ``workers`` warm processes (one municipality per task)."""
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from concurrent.futures.process import BrokenProcessPool

    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(PRELOAD)
    out: list[Outcome] = []
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        futures = {pool.submit(run_municipality, job): job for job in jobs}
        for fut in as_completed(futures):
            try:
                res = fut.result()
            except BrokenProcessPool:
                res = Outcome(data=futures[fut].data, ok=False,
                              error="arbeidsprosessen stoppet (for lite minne?) før kommunen var ferdig.")
            on_done(res)
            out.append(res)
    return out


def run_dask(jobs: Sequence[Job], address: str, on_done: Callable[[Outcome], None]) -> list[Outcome]:
    """The tasks on the ``dask.distributed`` cluster whose scheduler is at ``address``.

    The workers must see the DATA paths (a shared file system) and have geoplan installed.
    """
    try:
        import distributed
    except ImportError:
        raise UnreadableInput(
            "--scheduler krever pakkene «dask» og «distributed», som ikke er installert. Installer "
            "dem med «pip install 'geoplan[cluster]'» (eller pip install -r requirements.txt), "
            "eller kjør uten --scheduler for å bruke prosessene på denne maskinen.") from None
    try:
        client = distributed.Client(address, timeout="15s")
    except (OSError, TimeoutError, ValueError):
        raise UnreadableInput(
            f"Får ikke kontakt med dask-planleggeren «{address}». Kontroller adressen "
            "(f.eks. tcp://10.0.0.5:8786) og at planleggeren kjører.") from None
    out: list[Outcome] = []
    try:
        futures = {client.submit(run_municipality, job, pure=False): job for job in jobs}
        for fut in distributed.as_completed(list(futures)):
            try:
                res = fut.result()
            except Exception:
                res = Outcome(data=futures[fut].data, ok=False,
                              error="dask-arbeideren stoppet før kommunen var ferdig.")
            on_done(res)
            out.append(res)
    finally:
        client.close()
    return out


# ---------------------------------------------------------------------------
# The combined output
# ---------------------------------------------------------------------------

def output_epsg(outcomes: Iterable[Outcome]) -> int:
    """The municipalities' common EPSG, or :data:`NATIONAL_EPSG` when they differ."""
    codes = {o.epsg for o in outcomes if o.ok and o.epsg}
    return codes.pop() if len(codes) == 1 else NATIONAL_EPSG


def combine(outcomes: Sequence[Outcome], order: Sequence[str], epsg: int) -> dict[str, Any]:
    """Table name -> the rows of every successful municipality, in the input ``order``.

    Geometries are transformed to ``epsg`` (areas and distances were measured before,
    in each municipality's own UTM zone).
    """
    import geopandas as gpd
    import pandas as pd

    rank = {d: i for i, d in enumerate(order)}
    ok = sorted((o for o in outcomes if o.ok), key=lambda o: rank.get(o.data, len(rank)))
    names: list[str] = []
    for o in ok:
        names += [n for n in o.tables if n not in names]
    out: dict[str, Any] = {}
    for name in names:
        parts = [o.tables[name] for o in ok if name in o.tables and o.tables[name] is not None]
        geo = [p for p in parts if isinstance(p, gpd.GeoDataFrame)]
        if geo and len(geo) == len(parts):
            parts = [p.to_crs(epsg) if p.crs is not None else p for p in geo]
            frame = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs=f"EPSG:{epsg}",
                                     geometry=parts[0].geometry.name)
        else:
            frame = pd.concat([pd.DataFrame(p) for p in parts], ignore_index=True)
        out[name] = frame
    return out
