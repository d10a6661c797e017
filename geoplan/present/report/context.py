"""What the section builders share: the data, the config, the growth options, a cache.

Sections register themselves with :func:`section`; :func:`build_sections`
runs them in report order and turns a failing analysis into a section left
out with a Norwegian sentence saying why.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping

from geoplan.errors import ConfigError, DataProblem, GeoplanError, MissingLayer
from geoplan.present.report.model import Omit, Section, min_count


def _as_tuple(v: Any) -> tuple | None:
    """A flag that may be given once or many times, as a tuple (None when not given)."""
    if v is None:
        return None
    if isinstance(v, (list, tuple)):
        return tuple(v) or None
    return (v,)


@dataclass(frozen=True)
class GrowthOptions:
    """The growth flags of ``geoplan arealbehov`` / ``geoplan reserves`` (None: from config).

    Attributes
    ----------
    years, rates : tuple, optional
        Horizon years and annual growth rates (fractions). The scenario table
        uses all of them; the balance uses them only when exactly one is given.
    places : tuple of str, optional
        ``--sted``: the places (names, or ``navn=andel``) of the land need.
    share : float, optional
        The share of the growth for a single place.
    base_population, base_year, persons_per_dwelling, dwellings_per_daa : optional
        Overrides of the growth parameters in ``config/reserves.toml``.
    """

    base_population: float | None = None
    base_year: int | None = None
    years: tuple | None = None
    rates: tuple | None = None
    share: float | None = None
    places: tuple | None = None
    persons_per_dwelling: float | None = None
    dwellings_per_daa: float | None = None

    @classmethod
    def from_mapping(cls, growth: Mapping[str, Any] | None) -> "GrowthOptions":
        """From the CLI's growth flags (keys ``year``, ``rate``, ``sted``, ...)."""
        g = dict(growth or {})
        return cls(base_population=g.get("base_population"), base_year=g.get("base_year"),
                   years=_as_tuple(g.get("year")), rates=_as_tuple(g.get("rate")),
                   share=g.get("share"), places=_as_tuple(g.get("sted")),
                   persons_per_dwelling=g.get("persons_per_dwelling"),
                   dwellings_per_daa=g.get("dwellings_per_daa"))

    @property
    def year(self) -> int | None:
        """The balance's horizon year: the one given, else None (``reserves.default_year``)."""
        return self.years[0] if self.years and len(self.years) == 1 else None

    @property
    def rate(self) -> float | None:
        """The balance's growth rate: the one given, else None (``reserves.default_rate``)."""
        return self.rates[0] if self.rates and len(self.rates) == 1 else None


@dataclass
class ReportContext:
    """The data, config and options one report is built from, with a per-report cache."""

    dataset: Any
    config: Any
    public: bool = True
    cache: dict = field(default_factory=dict)
    growth: GrowthOptions = field(default_factory=GrowthOptions)
    #: set in a worker of :func:`geoplan.present.report.parallel.prefetch`: each value
    #: ``once`` computes, pickled the moment it is computed (before a section reads it)
    snapshots: dict | None = None
    #: figures drawn on a worker of :func:`~geoplan.present.report.parallel.prefetch`:
    #: (section id, k) -> (title, caption, PNG)
    drawn: dict = field(default_factory=dict)

    @property
    def min_count(self) -> int:
        return min_count(self.config)

    @property
    def crs_label(self) -> str:
        epsg = getattr(self.dataset, "epsg", None)
        return f"EPSG:{epsg}" if epsg else str(getattr(self.dataset, "crs", ""))

    def layer(self, name: str):
        return self.dataset.get(name)

    def has(self, *names: str) -> bool:
        return all(self.dataset.has(n) for n in names)

    def need(self, *names: str) -> None:
        """Omit the section unless the layers are present (the sentence names them)."""
        from geoplan.io.layers import SCHEMAS
        missing = [n for n in names if not self.dataset.has(n)]
        if missing:
            labels = ", ".join(
                f"«{n}» ({SCHEMAS[n].label})" if n in SCHEMAS and SCHEMAS[n].label else f"«{n}»"
                for n in missing)
            word = "laget" if len(missing) == 1 else "lagene"
            raise Omit(f"Denne delen er utelatt fordi {word} {labels} mangler i "
                       f"datagrunnlaget ({self.dataset.source}). Legg til laget og lag "
                       "rapporten på nytt for å få den med.")

    def once(self, key: str, fn: Callable[[], Any]) -> Any:
        """``fn()`` the first time ``key`` is asked for, the cached value after."""
        if key not in self.cache:
            self.cache[key] = fn()
            if self.snapshots is not None:
                import pickle
                try:
                    self.snapshots[key] = pickle.dumps(self.cache[key],
                                                       protocol=pickle.HIGHEST_PROTOCOL)
                except Exception:  # noqa: BLE001 - not picklable: the parent computes it
                    pass
        return self.cache[key]


Builder = Callable[[ReportContext, Section], None]

#: id -> (title, builder, config sections whose parameters it uses)
BUILDERS: dict[str, tuple[str, Builder, tuple[str, ...]]] = {}


def section(id: str, title: str, config_sections: tuple[str, ...] = ()):
    """Register a section builder under ``id`` (decorator)."""
    def deco(fn: Builder) -> Builder:
        BUILDERS[id] = (title, fn, config_sections)
        return fn
    return deco


#: Analysis sections in report order (``--sections`` chooses among these).
SECTION_IDS = ("arealbehov", "balanse", "parseller", "skoler", "kollektiv", "konsentrasjon",
               "befolkning", "arealregnskap")
#: Always added at the end: parameters with sources, data provenance.
APPENDIX_IDS = ("parametere", "datagrunnlag")

SECTION_HELP = {
    "arealbehov": "scenariotabell: arealbehov per sted, 2 horisontår × 2 vekstrater",
    "balanse": "boligreserve, innspill og balanse per sted",
    "parseller": "reserver og innspill med rangering",
    "skoler": "skolesirkler (1,5 km) med kart per sted",
    "kollektiv": "nærhet til kollektivtilbud for reserver og innspill",
    "konsentrasjon": "konsentrasjon av kommunale boliger (alltid aggregert og prikket)",
    "befolkning": "befolkning etter alder, boligbehov per målgruppe, gangavstand for eldre",
    "arealregnskap": "arealregnskap: reserven etter arealtype, forslaget mot gjeldende plan, klimagass",
}


def parse_sections(value: str | Iterable[str] | None) -> list[str]:
    """``"arealbehov,skoler"`` or a list -> validated section ids (all when empty)."""
    if value is None:
        return list(SECTION_IDS)
    items: list[str] = []
    for v in ([value] if isinstance(value, str) else value):
        items.extend(x.strip().lower() for x in str(v).split(",") if x.strip())
    if not items or items == ["alle"]:
        return list(SECTION_IDS)
    unknown = [x for x in items if x not in SECTION_IDS and x not in APPENDIX_IDS]
    if unknown:
        raise ConfigError(
            f"Ukjent rapportdel {', '.join('«' + u + '»' for u in unknown)}. "
            f"Gyldige deler: {', '.join(SECTION_IDS)}.")
    return [s for s in SECTION_IDS if s in items]


def build_sections(dataset, config, sections: Iterable[str] | str | None = None,
                   public: bool = True, growth: Mapping[str, Any] | None = None,
                   workers: int | None = None, figures: bool = False) -> list[Section]:
    """Run the analyses and build the report's sections (pure: no files written).

    Parameters
    ----------
    dataset : geoplan.io.layers.Dataset
        Validated layers in a projected CRS.
    config : geoplan.config.Config
        Parameters (with any per-run overrides already applied).
    sections : iterable of str or str, optional
        Section ids from :data:`SECTION_IDS` (default: all). The parameter and
        data-provenance appendices are always included.
    public : bool
        Suppress small counts everywhere (the concentration section suppresses
        them regardless).
    growth : mapping, optional
        The growth flags of ``geoplan arealbehov`` / ``reserves`` (keys
        ``base_population``, ``base_year``, ``year`` (list), ``rate`` (list),
        ``share``, ``sted`` (list), ``persons_per_dwelling``,
        ``dwellings_per_daa``); missing keys come from ``config/reserves.toml``.
        The scenario table uses every year and rate; the balance uses the one
        year/rate given, else ``reserves.default_year`` / ``default_rate``.
    workers : int, optional
        Processes the analyses run on (:func:`geoplan.present.report.parallel.prefetch`;
        default :func:`~geoplan.present.report.parallel.workers`, 1: in turn). The
        sections are the same either way.
    figures : bool
        Draw the sections' figures on those processes too, each where its analysis
        ran (a report in HTML or PDF; a spreadsheet draws none). The images are the
        ones drawn here; a figure a worker did not draw is drawn when it is rendered.

    Returns
    -------
    list of Section
        Numbered in order; a section that cannot be built has ``omitted`` set
        to a Norwegian sentence saying why.
    """
    ids = parse_sections(sections)
    ctx = ReportContext(dataset=dataset, config=config, public=public,
                        growth=GrowthOptions.from_mapping(growth))
    from geoplan.present.report.parallel import apply_drawn, prefetch
    prefetch(ctx, ids, workers, figures=figures)
    out = [run_builder(ctx, sid) for sid in ids]
    for s in out:
        apply_drawn(ctx, s)
    used = sorted({cs for s in out if not s.omitted for cs in s.config_sections})
    ctx.cache["used_config_sections"] = ["kommune"] + [u for u in used if u != "kommune"]
    out += [run_builder(ctx, sid) for sid in APPENDIX_IDS]
    for i, s in enumerate(out, start=1):
        s.number = i
    return out


def _omission(e: Exception) -> str:
    """The sentence saying why a section is left out after ``e`` (re-raises what must stop)."""
    if isinstance(e, Omit):
        return e.reason
    if isinstance(e, MissingLayer):
        return "Denne delen er utelatt fordi data mangler: " + e.message
    if isinstance(e, DataProblem):
        return "Denne delen er utelatt fordi dataene ikke holder for analysen: " + e.message
    if isinstance(e, ConfigError):
        raise e  # a wrong parameter is the user's to fix: stop with the message
    if isinstance(e, GeoplanError):
        return "Denne delen er utelatt: " + e.message
    if os.environ.get("GEOPLAN_DEBUG"):
        raise e
    # the exception's own words are English (and may name internals): they go to the log
    import logging
    logging.getLogger("geoplan.report").error("En rapportdel stoppet uventet", exc_info=e)
    return ("Denne delen er utelatt fordi analysen stoppet uventet; detaljene er skrevet til "
            "loggen. Kontroller dataene med «geoplan check», og meld feilen til "
            "GIS-ansvarlig om den står seg.")


def run_builder(ctx: ReportContext, sid: str) -> Section:
    """Build section ``sid``; a failure leaves it out with the reason instead."""
    import geoplan.present.report.sections  # noqa: F401 - registers the builders

    title, fn, cfg_sections = BUILDERS[sid]
    sec = Section(id=sid, title=title, config_sections=cfg_sections)
    try:
        fn(ctx, sec)
    except Exception as e:  # noqa: BLE001 - one failing analysis must not sink the report
        sec.omitted = _omission(e)
        sec.items, sec.text = [], []
    return sec
