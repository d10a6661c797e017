"""The KPA report built in the background, one chapter at a time, with the scenario on screen.

:func:`scenario` reads the growth scenario the planner chose on «Arealbehov og
reserve» (kept across pages by :mod:`.state`): the table's years and rates and
the balance's year and rate. :class:`ReportJob` builds the report in a thread
as :func:`~geoplan.present.report.context.build_sections` does: the analyses and
maps first, side by side on worker processes where the machine has idle cores
(:func:`geoplan.present.report.parallel.prefetch`; in the server's threads the
workers come from the fork server), then
:func:`~geoplan.present.report.context.run_builder` chapter by chapter, so the
page can show which step is being made and the planner can keep working meanwhile.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from geoplan.config.schema import UNIT_RANGES
from geoplan.numbers import read_number
from geoplan.present import text

#: the bounds of the typed growth fields of «Arealbehov og reserve» (the page checks the
#: same): persons in the base year, persons per dwelling, dwellings per daa
GROWTH_LIMITS: dict[str, tuple[float, float]] = {
    "ab_base_pop": (1.0, UNIT_RANGES["personer"][1]),
    "ab_ppd": (0.5, 10.0),
    "ab_dens": (0.1, UNIT_RANGES["boenheter per daa"][1]),
}
#: the fields that take whole numbers only (the page shows them without decimals)
WHOLE = frozenset({"ab_base_pop"})


@dataclass
class Scenario:
    """The growth scenario of the session: ``growth`` flags and config ``overrides``."""

    growth: dict[str, Any]
    overrides: dict[str, str]
    year: int | None
    rate: float | None

    def describe(self) -> str:
        """Bokmål: which year and rate the balance is for, and what the table shows."""
        parts = []
        if self.year is not None and self.rate is not None:
            parts.append(f"balansen for {self.year} med {text.rate(self.rate)} årlig vekst")
        years, rates = self.growth.get("year"), self.growth.get("rate")
        if years and rates:
            parts.append("scenariotabellen for " + text.names([str(y) for y in years], quote=False)
                         + " med " + text.names([text.rate(r) for r in rates], quote=False))
        return "; ".join(parts)

    def file_tag(self) -> str:
        if self.year is None or self.rate is None:
            return ""
        return f"_{self.year}_vekst-{text.rate(self.rate).replace(' %', '').replace(',', '-')}pst"


def typed(session: Any, key: str, configured: float) -> float:
    """The number the page uses for the typed field ``key``: its text read the Norwegian
    way («2,2», «43 200») when it is within :data:`GROWTH_LIMITS`; else the last value
    the page accepted (``_<key>_ok``, see :func:`.views.ui.decimal_input`); else the
    configured one. The fields hold text, never a number the report could take as is."""
    lo, hi = GROWTH_LIMITS[key]
    v = read_number(session.get(key))
    if v is not None and lo <= v <= hi and (key not in WHOLE or v.is_integer()):
        return v
    good = read_number(session.get(f"_{key}_ok"))
    return good if good is not None else float(configured)


def scenario(session: Any, reserve_settings: Any) -> Scenario:
    """The scenario on screen (the «Arealbehov og reserve» controls), else the configured one."""
    rs = reserve_settings
    year = session.get("ab_year", rs.default_year)
    rate = session.get("ab_rate", rs.default_rate)
    growth: dict[str, Any] = {
        "year": list(session.get("ab_years") or rs.horizon_years),
        "rate": list(session.get("ab_rates") or rs.growth_rates),
        "base_population": typed(session, "ab_base_pop", rs.base_population),
        "base_year": session.get("ab_base_year", rs.base_year),
        "persons_per_dwelling": typed(session, "ab_ppd", rs.persons_per_dwelling),
    }
    if session.get("ab_dens_on") and session.get("ab_dens"):
        growth["dwellings_per_daa"] = typed(session, "ab_dens", rs.default_dwellings_per_daa)
    overrides = {"reserves.default_year": str(int(year)), "reserves.default_rate": repr(float(rate))}
    return Scenario(growth=growth, overrides=overrides, year=int(year), rate=float(rate))


#: how many finished reports the server keeps per user, and for how long (seconds): a
#: reload or another browser tab starts a new Streamlit session, and the report made a
#: minute ago should still be there to download
KEEP_PER_USER = 4
KEEP_SECONDS = 2 * 3600

_STORE: dict[tuple[Any, str], "ReportJob"] = {}
_STORE_LOCK = threading.Lock()


def owner_of(user: Any) -> tuple[str, str, str]:
    """Whose reports these are: the signed-in user's name, role and way of signing in
    (a report is only offered again to the same user in the same role)."""
    return (str(getattr(user, "how", "")), str(getattr(user, "name", "")),
            str(getattr(user, "role", "")))


def remember(owner: tuple[str, str, str], job: "ReportJob") -> "ReportJob":
    """Keep ``job`` for ``owner`` beyond this session (replacing one with the same
    choices); the oldest beyond :data:`KEEP_PER_USER` and any older than
    :data:`KEEP_SECONDS` are dropped."""
    now = time.monotonic()
    with _STORE_LOCK:
        _STORE[(owner, job.key)] = job
        for k in [k for k, j in _STORE.items() if j.done and now - j.started > KEEP_SECONDS]:
            del _STORE[k]
        mine = sorted((k for k in _STORE if k[0] == owner), key=lambda k: _STORE[k].started)
        for k in mine[:-KEEP_PER_USER]:
            del _STORE[k]
    return job


def recall(owner: tuple[str, str, str], key: str) -> "ReportJob | None":
    """The report ``owner`` made (or is making) with the choices ``key``, if kept."""
    with _STORE_LOCK:
        job = _STORE.get((owner, key))
    if job is not None and job.done and time.monotonic() - job.started > KEEP_SECONDS:
        return None
    return job


@dataclass
class ReportJob:
    """One report being built in a thread; poll :attr:`step`, :attr:`done`, :attr:`data`."""

    fmt: str
    key: str
    steps: int = 1
    step: int = 0
    label: str = "Starter …"
    data: bytes | None = None
    error: str | None = None
    started: float = field(default_factory=time.monotonic)
    thread: threading.Thread | None = None
    #: the processes the report is built on (1: in turn, in the job's thread)
    workers: int = 1

    @property
    def done(self) -> bool:
        return self.data is not None or self.error is not None

    def start(self, dataset, config, growth: dict, public: bool = True) -> "ReportJob":
        self.thread = threading.Thread(target=self._run, args=(dataset, config, growth, public),
                                       name="geoplan-kpa-rapport", daemon=True)
        self.thread.start()
        return self

    def _run(self, dataset, config, growth, public) -> None:
        from geoplan.errors import GeoplanError
        from geoplan.present.report.context import (
            APPENDIX_IDS,
            GrowthOptions,
            ReportContext,
            parse_sections,
            run_builder,
        )
        from geoplan.present.report.parallel import (
            apply_drawn,
            groups_of,
            prefetch,
            start_method,
            workers,
        )
        from geoplan.present.report.render import render_report

        try:
            ids = parse_sections(None)
            figures = self.fmt != "xlsx"
            groups = groups_of(ids, figures)
            # a spreadsheet draws no maps: on fork-server workers (this is a server thread)
            # pickling the data costs more than its analyses gain (demo: 2,68 s against
            # 2,52 s in turn); a forked worker costs nothing of the kind
            n = workers(len(groups)) if figures or start_method() == "fork" else 1
            self.workers = n
            ahead = len(groups) if n > 1 else 0
            self.steps = ahead + len(ids) + len(APPENDIX_IDS) + 1
            ctx = ReportContext(dataset=dataset, config=config, public=public,
                                growth=GrowthOptions.from_mapping(growth))
            if ahead:
                # the analyses (and the maps) side by side on n processes, as the command
                # line does; the chapters below are then put together from their results
                what = "analysene og kartene" if figures else "analysene"
                self.label = f"Regner ut {what} på {text.integer(n)} prosesser"

                def done(k: int, total: int) -> None:
                    self.step = k
                    self.label = (f"Regner ut {what} på {text.integer(n)} prosesser: "
                                  f"{text.integer(k)} av {text.integer(total)} ferdige")

                prefetch(ctx, ids, n, figures=figures, progress=done)
                self.step = ahead
            out: list = []
            for sid in ids:
                self.label = f"Kapittel {len(out) + 1} av {len(ids)}"
                out.append(run_builder(ctx, sid))
                apply_drawn(ctx, out[-1])
                self.step += 1
                self.label = f"Ferdig: {out[-1].title}"
            used = sorted({cs for s in out if not s.omitted for cs in s.config_sections})
            ctx.cache["used_config_sections"] = ["kommune"] + [u for u in used if u != "kommune"]
            self.label = "Vedlegg: parametere og datagrunnlag"
            out += [run_builder(ctx, sid) for sid in APPENDIX_IDS]
            self.step += len(APPENDIX_IDS)
            for i, s in enumerate(out, start=1):
                s.number = i
            self.label = {"pdf": "Setter sammen PDF-en (kart og tabeller)",
                          "html": "Setter sammen HTML-filen", "xlsx": "Skriver regnearket"}[self.fmt]
            self.data = render_report(out, dataset, config, self.fmt)
            self.step = self.steps
        except GeoplanError as e:
            self.error = e.message
        except Exception:  # reported on the page in Norwegian; the details go to the log
            import logging
            logging.getLogger("geoplan.app").exception("KPA-rapporten kunne ikke lages")
            self.error = "Rapporten kunne ikke lages. Detaljene står i serverens logg."
