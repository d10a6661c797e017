"""Reports for kommuneplanens arealdel (KPA) and for site purchases: HTML, PDF, Excel.

The report layer only *presents*: every number comes from the analysis
functions (:mod:`geoplan.analysis.reserves`, :mod:`geoplan.analysis.schools`,
:mod:`geoplan.analysis.concentration`, :mod:`geoplan.analysis.sites`) called with the same
parameters the command line uses, so a figure in a report equals the one in
``geoplan COMMAND --json`` for the same data and parameters.

A report is a list of :class:`Section`; each holds text, :class:`Table` and
:class:`Figure` items, or the Norwegian sentence saying why it was left out
(a missing layer, an analysis module not available). One list renders three
ways:

* HTML -- Jinja2 templates in ``geoplan/templates`` with the print CSS;
* PDF  -- the same HTML through WeasyPrint (A4, page numbers "Side n av m");
* XLSX -- openpyxl, one sheet per table, raw (unrounded) values.

Public entry points
-------------------
build_report(dataset, config, fmt="pdf", sections=None, public=True) -> bytes
write_report(dataset, config, out_path, sections=None, public=True) -> Path
site_report_bytes(result, dataset, config, fmt="pdf") -> bytes
write_site_report(result, dataset, out_path, config) -> Path

Privacy: the concentration section is *always* aggregated to grunnkrets and
counts of municipal units below ``kommune.min_count_public`` (never below 1)
are suppressed ("prikket"), whatever ``public`` says, because the KPA report
goes on public hearing. ``public`` additionally suppresses small counts in the
site report.
"""

from __future__ import annotations

import datetime as _dt
import importlib
import io
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

from geoplan import __version__
from geoplan.errors import ConfigError, DataProblem, GeoplanError, MissingLayer, UnreadableInput

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"

FORMATS = ("html", "pdf", "xlsx")

#: Longest table printed in HTML/PDF; longer ones are cut with a note (the .xlsx has all rows).
MAX_HTML_ROWS = 400

#: Layers never drawn or itemised in a report: dwellings for vulnerable groups.
SENSITIVE_LAYERS = ("kommunal_bolig",)

#: Marker shown instead of a suppressed count (SSB: ":" = "vises ikke av
#: konfidensialitetshensyn").
SUPPRESSED = ":"

REPORT_TITLE = "Boligreserve, arealbehov og lokalisering"
SITE_TITLE = "Vurdering av tomt før kjøp"


# ---------------------------------------------------------------------------
# Number formatting (Norwegian: decimal comma, space as thousands separator)
# ---------------------------------------------------------------------------

def _isnan(v: Any) -> bool:
    try:
        return v is None or (isinstance(v, float) and math.isnan(v)) or (
            hasattr(v, "__float__") and not isinstance(v, (bool, str)) and math.isnan(float(v)))
    except (TypeError, ValueError):
        return False


def fmt_number(v: Any, decimals: int = 1) -> str:
    """A number in Norwegian notation: ``1 234,5``; ``–`` for missing values.

    Parameters
    ----------
    v : number or None
    decimals : int
        Digits after the decimal comma (rounded half away from zero as Python's
        format does for the binary value).
    """
    if _isnan(v):
        return "–"
    if isinstance(v, bool):
        return "Ja" if v else "Nei"
    try:
        f = float(v)
    except (TypeError, ValueError):
        return str(v)
    if math.isinf(f):
        return "–"
    s = f"{f:,.{decimals}f}"
    if s.startswith("-") and float(s.replace(",", "")) == 0:
        s = s[1:]  # no "-0,0"
    return s.replace(",", "\u00a0").replace(".", ",")


def parse_number(text: str) -> float | None:
    """Inverse of :func:`fmt_number` (for tests and spreadsheets): ``"1 234,5"`` -> 1234.5."""
    t = text.strip().replace("\u00a0", "").replace(" ", "").replace("\u2212", "-")
    if t in ("", "–", "-", SUPPRESSED):
        return None
    t = t.rstrip("%").replace(",", ".")
    return float(t)


# ---------------------------------------------------------------------------
# Report model
# ---------------------------------------------------------------------------

@dataclass
class Column:
    """One table column.

    ``kind``: ``text``, ``num`` (``decimals`` digits), ``int``, ``bool``
    (Ja/Nei), ``count`` (an integer count of municipal units, suppressed below
    the minimum when the table is sensitive), ``status`` (traffic light).
    """

    key: str
    label: str
    kind: str = "text"
    decimals: int = 1

    @property
    def numeric(self) -> bool:
        return self.kind in ("num", "int", "count")

    def format(self, v: Any) -> str:
        if self.kind in ("num",):
            return fmt_number(v, self.decimals)
        if self.kind in ("int", "count"):
            return fmt_number(v, 0)
        if self.kind == "bool":
            if _isnan(v):
                return "–"
            return "Ja" if bool(v) else "Nei"
        if self.kind == "status":
            return STATUS_TEXT.get(str(v), str(v))
        if _isnan(v):
            return "–"
        if isinstance(v, (list, tuple)):
            return ", ".join(str(x) for x in v)
        if isinstance(v, float):
            return fmt_number(v, self.decimals)
        return str(v)


@dataclass
class Table:
    """A table of records; ``sum_rows`` holds the indices of total rows (bold).

    ``suppress``: column keys whose values are suppressed together when the row's
    count in ``suppress_by`` is below the minimum (set by :func:`suppress_small`).
    """

    id: str
    title: str
    columns: list[Column]
    rows: list[dict]
    note: str = ""
    sheet: str | None = None
    sum_rows: set[int] = field(default_factory=set)
    empty_text: str = "Ingen rader."
    suppressed_cells: set[tuple[int, str]] = field(default_factory=set)
    kind: str = "table"
    in_html: bool = True
    in_xlsx: bool = True

    @property
    def html_rows_shown(self) -> int:
        """Rows rendered in HTML/PDF (all of them go to the spreadsheet)."""
        return min(len(self.rows), MAX_HTML_ROWS)

    @property
    def truncated_note(self) -> str:
        if len(self.rows) <= MAX_HTML_ROWS:
            return ""
        return (f"Tabellen viser de første {fmt_number(MAX_HTML_ROWS, 0)} av "
                f"{fmt_number(len(self.rows), 0)} radene; alle står i regnearket (.xlsx).")

    @property
    def cells(self) -> list[dict]:
        out = []
        keep = list(range(min(len(self.rows), MAX_HTML_ROWS)))
        keep += sorted(i for i in self.sum_rows if i >= MAX_HTML_ROWS)  # totals always show
        for i in keep:
            row = self.rows[i]
            cells = []
            for c in self.columns:
                if (i, c.key) in self.suppressed_cells:
                    cells.append({"key": c.key, "text": SUPPRESSED,
                                  "css": ("num " if c.numeric else "") + "prikket"})
                    continue
                v = row.get(c.key)
                css = "num" if c.numeric else ""
                if c.kind == "status":
                    css = f"status-{v}"
                cells.append({"key": c.key, "text": c.format(v), "css": css})
            out.append({"cells": cells, "css": "sum" if i in self.sum_rows else ""})
        return out


@dataclass
class Figure:
    title: str
    image: bytes
    caption: str = ""
    mime: str = "image/png"
    kind: str = "figure"

    @property
    def uri(self) -> str:
        from geoplan.present.report.staticmaps import data_uri
        return data_uri(self.image, self.mime)


@dataclass
class Text:
    text: str
    kind: str = "text"


@dataclass
class Heading:
    text: str
    kind: str = "heading"


@dataclass
class Section:
    """A report section: text and items, or ``omitted`` with the reason (Norwegian)."""

    id: str
    title: str
    text: list[str] = field(default_factory=list)
    items: list[Any] = field(default_factory=list)
    omitted: str | None = None
    privacy: str = ""
    page_break: bool = False
    number: int = 0
    config_sections: tuple[str, ...] = ()

    @property
    def tables(self) -> list[Table]:
        return [i for i in self.items if isinstance(i, Table)]

    @property
    def figures(self) -> list[Figure]:
        return [i for i in self.items if isinstance(i, Figure)]


def min_count(config) -> int:
    """The public suppression limit from config, never below 1 (0 would publish everything)."""
    try:
        v = int(config.get("kommune.min_count_public", 5))
    except (TypeError, ValueError, GeoplanError):
        v = 5
    return max(v, 1)


def suppress_small(table: Table, count_keys: Sequence[str], limit: int,
                   dependent: Sequence[str] = ()) -> int:
    """Mark counts below ``limit`` (0 included) as suppressed, with the values derived from them.

    Parameters
    ----------
    table : Table
        Modified in place (``suppressed_cells``).
    count_keys : sequence of str
        Count columns (municipal units) checked against ``limit``.
    dependent : sequence of str
        Columns suppressed in a row whenever one of its counts is (shares,
        location quotients: they would give the count back).
    limit : int
        Smallest count shown.

    Returns
    -------
    int
        Number of rows with at least one suppressed cell.
    """
    n = 0
    for i, row in enumerate(table.rows):
        hit = False
        for k in count_keys:
            v = row.get(k)
            if v is None or _isnan(v):
                continue
            if float(v) < limit:
                table.suppressed_cells.add((i, k))
                hit = True
        if hit:
            n += 1
            for k in dependent:
                table.suppressed_cells.add((i, k))
    return n


# ---------------------------------------------------------------------------
# Context shared by the section builders
# ---------------------------------------------------------------------------

class Omit(Exception):
    """Raised by a section builder to leave its section out with a Norwegian reason."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass
class ReportContext:
    dataset: Any
    config: Any
    public: bool = True
    cache: dict = field(default_factory=dict)
    options: dict = field(default_factory=dict)

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
        """Omit the section unless the layers are present (sentence names them)."""
        from geoplan.io.layers import SCHEMAS
        missing = [n for n in names if not self.dataset.has(n)]
        if missing:
            labels = ", ".join(
                f"«{n}» ({SCHEMAS[n].label})" if n in SCHEMAS and SCHEMAS[n].label else f"«{n}»"
                for n in missing)
            word = "Laget" if len(missing) == 1 else "Lagene"
            verb = "mangler" if len(missing) == 1 else "mangler"
            raise Omit(f"Denne delen er utelatt fordi {word.lower()} {labels} {verb} i "
                       f"datagrunnlaget ({self.dataset.source}). Legg til laget og lag "
                       "rapporten på nytt for å få den med.")

    def module(self, name: str, label: str):
        """The analysis module ``geoplan.analysis.<name>`` (``label`` names it in messages)."""
        return importlib.import_module(f"geoplan.analysis.{name}")

    def once(self, key: str, fn: Callable[[], Any]) -> Any:
        if key not in self.cache:
            self.cache[key] = fn()
        return self.cache[key]


# ---------------------------------------------------------------------------
# Sections: registry
# ---------------------------------------------------------------------------

#: id -> (title, builder, config sections whose parameters it uses)
_BUILDERS: dict[str, tuple[str, Callable[[ReportContext, Section], None], tuple[str, ...]]] = {}


def _section(id: str, title: str, config_sections: tuple[str, ...] = ()):
    def deco(fn):
        _BUILDERS[id] = (title, fn, config_sections)
        return fn
    return deco


#: Analysis sections in report order (``--sections`` chooses among these).
SECTION_IDS = ("arealbehov", "balanse", "parseller", "skoler", "kollektiv", "konsentrasjon")
#: Always added at the end: parameters with sources, data provenance.
APPENDIX_IDS = ("parametere", "datagrunnlag")

SECTION_HELP = {
    "arealbehov": "scenariotabell: arealbehov per sted, 2 horisontår × 2 vekstrater",
    "balanse": "boligreserve, innspill og balanse per sted",
    "parseller": "reserver og innspill med rangering",
    "skoler": "skolesirkler (1,5 km) med kart per sted",
    "kollektiv": "nærhet til kollektivtilbud for reserver og innspill",
    "konsentrasjon": "konsentrasjon av kommunale boliger (alltid aggregert og prikket)",
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
                   public: bool = True, growth: Mapping[str, Any] | None = None) -> list[Section]:
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

    Returns
    -------
    list of Section
        Numbered in order; a section that cannot be built has ``omitted`` set
        to a Norwegian sentence saying why.
    """
    ids = parse_sections(sections)
    ctx = ReportContext(dataset=dataset, config=config, public=public,
                        options=dict(growth or {}))
    out: list[Section] = []
    for sid in ids:
        out.append(_run_builder(ctx, sid))
    used = sorted({cs for s in out if not s.omitted for cs in s.config_sections})
    ctx.cache["used_config_sections"] = ["kommune"] + [u for u in used if u != "kommune"]
    for sid in APPENDIX_IDS:
        out.append(_run_builder(ctx, sid))
    for i, s in enumerate(out, start=1):
        s.number = i
    return out


def _run_builder(ctx: ReportContext, sid: str) -> Section:
    title, fn, cfg_sections = _BUILDERS[sid]
    sec = Section(id=sid, title=title, config_sections=cfg_sections)
    try:
        fn(ctx, sec)
    except Omit as o:
        sec.omitted = o.reason
        sec.items = []
        sec.text = []
    except MissingLayer as e:
        sec.omitted = ("Denne delen er utelatt fordi data mangler: " + e.message)
        sec.items, sec.text = [], []
    except DataProblem as e:
        sec.omitted = ("Denne delen er utelatt fordi dataene ikke holder for analysen: "
                       + e.message)
        sec.items, sec.text = [], []
    except ConfigError:
        raise  # a wrong parameter is the user's to fix: stop with the message
    except GeoplanError as e:
        sec.omitted = "Denne delen er utelatt: " + e.message
        sec.items, sec.text = [], []
    except Exception as e:  # noqa: BLE001 - one failing analysis must not sink the report
        if os.environ.get("GEOPLAN_DEBUG"):
            raise
        sec.omitted = (f"Denne delen er utelatt fordi analysen feilet ({type(e).__name__}: {e}). "
                       "Kontroller dataene med «geoplan check»; meld feilen til GIS-ansvarlig "
                       "om den står seg.")
        sec.items, sec.text = [], []
    return sec


# ---------------------------------------------------------------------------
# Analysis sections: land need, balance, parcels, schools, transit, concentration
# ---------------------------------------------------------------------------

_GROWTH_KEYS = ("base_population", "base_year", "year", "rate", "share", "sted",
                "persons_per_dwelling", "dwellings_per_daa")


def _growth_args(ctx: ReportContext, *, many: bool):
    """The growth options as the ``arealbehov`` (many) / ``reserves`` (one) commands see them."""
    import argparse

    o = {k: ctx.options.get(k) for k in _GROWTH_KEYS}
    for k in ("year", "rate", "sted"):
        v = o[k]
        if v is not None and not isinstance(v, (list, tuple)):
            o[k] = [v]
        elif v is not None:
            o[k] = list(v) or None
    if not many:
        # the balance takes one year and one rate: the one given, else the config default
        o["year"] = o["year"][0] if o["year"] and len(o["year"]) == 1 else None
        o["rate"] = o["rate"][0] if o["rate"] and len(o["rate"]) == 1 else None
    return argparse.Namespace(**o)


def _pct_text(rate: float) -> str:
    return f"{rate * 100:.2f}".rstrip("0").rstrip(".").replace(".", ",") + " %"


def _scenario_need(ctx: ReportContext):
    """The scenario table: every horizon year × growth rate for each place.

    The places are the data's utviklingsgrenser (as ``geoplan reserves`` sees
    them: shares and densities from config, then the data's
    ``boenheter_per_daa``, places not in config sharing the rest of the growth),
    so the column for ``reserves.default_year`` / ``default_rate`` equals the
    balance. Without utviklingsgrenser, with ``--sted``, or with ``--share``
    alone, it is exactly ``geoplan arealbehov`` for the same flags (places from
    config). When the data's places are the configured ones (the demo), both agree.
    """
    from geoplan import runs

    def run():
        args = _growth_args(ctx, many=True)
        ug = ctx.layer("utviklingsgrense")
        from_data = ug is not None and len(ug) and not args.sted and args.share is None
        need, gp, notes = runs.area_need(
            ctx.config, years=args.year, rates=args.rate, places=args.sted, share=args.share,
            dwellings_per_daa=args.dwellings_per_daa, base_population=args.base_population,
            base_year=args.base_year, persons_per_dwelling=args.persons_per_dwelling,
            boundaries=ug if from_data else None)
        return need, gp, args, "data" if from_data else "config", notes
    return ctx.once("arealbehov", run)


def _reserve_result(ctx: ReportContext):
    """``geoplan reserves`` for the same data and flags (:func:`reserves.analyse_reserves`)."""
    def run():
        ctx.module("reserves", "boligreserve og balanse")
        ctx.need("arealformal", "utviklingsgrense")
        return _reserve_analysis(ctx, _growth_args(ctx, many=False))
    return ctx.once("reserves", run)


def _reserve_analysis(ctx: ReportContext, args):
    """``geoplan reserves`` for the report's data and flags (:func:`geoplan.runs.reserves`)."""
    from geoplan import runs as pipeline
    return pipeline.reserves(
        ctx.dataset, ctx.config, year=args.year, rate=args.rate,
        base_population=getattr(args, "base_population", None),
        base_year=getattr(args, "base_year", None),
        persons_per_dwelling=getattr(args, "persons_per_dwelling", None),
        share=args.share, dwellings_per_daa=args.dwellings_per_daa, places=args.sted)


def _overview_layers(ctx: ReportContext, parcels=None, *, with_transit: bool = False):
    from geoplan.present.report.staticmaps import COLORS, MapLayer
    ds = ctx.dataset
    layers = []
    kom = ds.get("kommune")
    if kom is not None and len(kom):
        layers.append(MapLayer(kom, "Kommunegrense", color=COLORS["kommune"], fill=False,
                               linewidth=0.8, linestyle="--", zorder=1))
    ug = ds.get("utviklingsgrense")
    if ug is not None:
        layers.append(MapLayer(ug, "Utviklingsgrense", color=COLORS["utviklingsgrense"],
                               alpha=0.08, linewidth=1.2, annotate="navn", zorder=2))
    if with_transit:
        if ds.get("kollektivakse") is not None:
            layers.append(MapLayer(ds.get("kollektivakse"), "Kollektivakse",
                                   color=COLORS["kollektivakse"], linewidth=2.0, zorder=4))
        if ds.get("holdeplass") is not None:
            layers.append(MapLayer(ds.get("holdeplass"), "Holdeplass", color=COLORS["holdeplass"],
                                   markersize=3.5, marker="s", zorder=6))
    if parcels is not None and len(parcels):
        res = parcels[parcels["type"] == "reserve"]
        inn = parcels[parcels["type"] == "innspill"]
        layers.append(MapLayer(res, "Boligreserve", color=COLORS["reserve"], alpha=0.75,
                               edgecolor="#9a6b00", linewidth=0.4, zorder=3))
        layers.append(MapLayer(inn, "Innspill", color=COLORS["innspill"], alpha=0.75,
                               edgecolor="#3d6b1a", linewidth=0.4, zorder=3))
    return layers


def _places_focus(ctx: ReportContext, parcels=None):
    """Extent of the utviklingsgrenser and parcels (the overview maps zoom to the places)."""
    import numpy as np

    boxes = []
    ug = ctx.layer("utviklingsgrense")
    if ug is not None and len(ug):
        boxes.append(ug.total_bounds)
    if parcels is not None and len(parcels):
        boxes.append(parcels.total_bounds)
    boxes = [b for b in boxes if np.all(np.isfinite(b))]
    if not boxes:
        return None
    bb = np.vstack(boxes)
    return (bb[:, 0].min(), bb[:, 1].min(), bb[:, 2].max(), bb[:, 3].max())


def _map_figure(ctx: ReportContext, layers, title: str, caption: str, focus=None,
                height_cm: float = 12.0) -> Figure:
    from geoplan.present.report.staticmaps import render_map
    png = render_map(layers, title=title, focus=focus, crs_label=ctx.crs_label,
                     height_cm=height_cm)
    return Figure(title, png, caption=caption)


@_section("arealbehov", "Arealbehov: scenarier per sted", ("reserves",))
def _sec_need(ctx: ReportContext, sec: Section) -> None:
    ctx.module("reserves", "arealbehov")
    need, gp, args, origin, notes = _scenario_need(ctx)
    scen = need[["aar", "vekstrate"]].drop_duplicates().sort_values(["aar", "vekstrate"])
    cols = [(int(a), float(r)) for a, r in scen.itertuples(index=False)]
    names = list(dict.fromkeys(need["sted"].where(need["sted"].notna(), "(sted uten navn)")))
    tab = need.assign(_sted=need["sted"].where(need["sted"].notna(), "(sted uten navn)"))
    first = tab.drop_duplicates("_sted").set_index("_sted")
    pop = fmt_number(gp["base_population"], 0)
    sec.text.append(
        f"Befolkningsveksten er regnet fra {pop} innbyggere 1.1.{gp['base_year']} med "
        f"{fmt_number(gp['persons_per_dwelling'], 1)} personer per boenhet, for "
        f"{len(cols)} scenarier ({', '.join(f'{a} med {_pct_text(r)} årlig vekst' for a, r in cols)}). "
        "Vekst = folketall × ((1 + vekstrate)^(år − basisår) − 1) × stedets andel; boenheter = "
        "vekst / personer per boenhet; arealbehov = boenheter / boenheter per daa "
        "(Larvik kommune, Boligplan 2015–2020). Tallene er regnet fra parameterne, ikke "
        "skrevet av fra kildens tabeller, som har regnefeil.")

    def wide(col: str, decimals: int, tid: str, title: str, sheet: str) -> Table:
        piv = tab.pivot_table(index="_sted", columns=["aar", "vekstrate"], values=col,
                              aggfunc="sum", sort=False)
        columns = [Column("sted", "Sted"), Column("andel_pct", "Andel av veksten %", "num", 1),
                   Column("boenheter_per_daa", "Boenh. per daa", "num", 1)]
        keys = []
        for a, r in cols:
            k = f"s_{a}_{r:g}"
            keys.append((k, a, r))
            columns.append(Column(k, f"{a}, {_pct_text(r)}", "num", decimals))
        rows = []
        for n in names:
            row = {"sted": n, "andel_pct": float(first.at[n, "andel"]) * 100.0,
                   "boenheter_per_daa": float(first.at[n, "boenheter_per_daa"])}
            for k, a, r in keys:
                row[k] = float(piv.loc[n].get((a, r), float("nan")))
            rows.append(row)
        t = Table(id=tid, title=title, columns=columns, rows=rows, sheet=sheet)
        if len(names) > 1:
            tot = {"sted": "Sum", "andel_pct": sum(r["andel_pct"] for r in rows),
                   "boenheter_per_daa": None}
            for k, _a, _r in keys:
                tot[k] = float(sum(r[k] for r in rows))
            t.rows.append(tot)
            t.sum_rows.add(len(t.rows) - 1)
        return t

    sec.items.append(wide("arealbehov_daa", 1, "arealbehov", "Arealbehov (daa)",
                          "Arealbehov daa"))
    sec.items.append(wide("vekst_personer", 0, "vekst_personer", "Befolkningsvekst (personer)",
                          "Vekst personer"))
    sec.items.append(wide("boenheter", 0, "boenheter", "Nye boenheter", "Boenheter"))
    long = Table(id="arealbehov_alle", title="Alle scenarier (uavrundet)", sheet="Scenarier",
                 columns=[Column("sted", "Sted"), Column("aar", "År", "text"),
                          Column("vekstrate", "Vekstrate (andel per år)", "num", 4),
                          Column("vekst_personer", "Vekst (personer)", "num", 3),
                          Column("boenheter", "Boenheter", "num", 3),
                          Column("arealbehov_daa", "Arealbehov (daa)", "num", 3)],
                 rows=need[["sted", "aar", "vekstrate", "vekst_personer", "boenheter",
                            "arealbehov_daa"]].to_dict("records"), in_html=False)
    sec.items.append(long)
    sec.items[0].note = ("Hver celle er avrundet for seg; summene er regnet før avrunding. "
                         "Uavrundede tall står i regnearket (arket «Scenarier») og i "
                         "«geoplan arealbehov --json».")
    if origin == "data":
        sec.text.append(
            "Stedene er utviklingsgrensene i dataene. Andel av veksten og tetthet kommer fra "
            "config/reserves.toml (ellers fra kolonnen boenheter_per_daa i dataene); kolonnen "
            "for horisontåret og vekstraten i balansen er den samme som arealbehovet der.")
        for n in notes:
            sec.text.append(n)
    else:
        sec.text.append("Stedene, andelene og tetthetene er de i config/reserves.toml, som i "
                        "«geoplan arealbehov».")


@_section("balanse", "Boligreserve, innspill og balanse per sted", ("reserves",))
def _sec_balance(ctx: ReportContext, sec: Section) -> None:
    res = _reserve_result(ctx)
    st = res.steder
    f = res.forutsetninger or {}
    sec.text.append(
        f"Balansen gjelder horisontåret {f.get('aar', '–')} med "
        f"{_pct_text(float(f.get('vekstrate', float('nan'))))} årlig vekst. Boligreserve er "
        "areal avsatt til boligformål som ikke er bygd ut, innenfor stedets utviklingsgrense; "
        "overlappende formålsflater er talt én gang. Behov for nytt areal = arealbehov − "
        "reserve (minst 0). Balanse = reserve + innspill − arealbehov: positivt tall er "
        "overskudd, negativt underskudd.")
    rows = st.to_dict("records")
    t = Table(id="balanse", title="Balanse per sted (daa)", sheet="Balanse",
              columns=[Column("sted", "Sted"),
                       Column("arealbehov_daa", "Arealbehov", "num", 1),
                       Column("boligreserve_daa", "Boligreserve", "num", 1),
                       Column("behov_nye_daa", "Behov for nytt areal", "num", 1),
                       Column("innspill_daa", "Innspill", "num", 1),
                       Column("balanse_daa", "Balanse (+ overskudd / − underskudd)", "num", 1),
                       Column("antall_reserver", "Antall reserver", "int"),
                       Column("antall_innspill", "Antall innspill", "int")],
              rows=rows)
    if len(rows) > 1:
        tot = {"sted": "Sum"}
        for k in ("arealbehov_daa", "boligreserve_daa", "behov_nye_daa", "innspill_daa",
                  "balanse_daa", "antall_reserver", "antall_innspill"):
            tot[k] = float(st[k].sum()) if k in st.columns else None
        t.rows.append(tot)
        t.sum_rows.add(len(t.rows) - 1)
    sec.items.append(t)
    if res.utenfor_daa and res.utenfor_daa > 0:
        sec.text.append(f"{fmt_number(res.utenfor_daa, 1)} daa boligreserve ligger utenfor alle "
                        "utviklingsgrenser og er ikke regnet med i noe steds reserve.")
    for n in res.merknader:
        sec.items.append(Text(n))
    sec.items.append(_map_figure(
        ctx, _overview_layers(ctx, res.parseller), "Utviklingsgrenser, boligreserve og innspill",
        focus=_places_focus(ctx, res.parseller), caption=(
        "Boligreserve (gul) og innspill (grønn) med utviklingsgrensene. Kilde: datagrunnlaget "
        "i denne rapporten.")))


@_section("parseller", "Reserver og innspill med rangering", ("reserves",))
def _sec_parcels(ctx: ReportContext, sec: Section) -> None:
    res = _reserve_result(ctx)
    p = res.parseller
    sec.text.append(
        "Innspill og reserver er rangert per sted etter utbyggingsrekkefølgen i boligplanen: "
        "(1) nærmest eksisterende bebyggelse og sentrum, (2) nær gang- og sykkelvegnett og "
        "kollektivtilbud, (3) avklart i regional plan (RPBA). Skår 0 er best; rang 1 er "
        "best plassert. Kumulativt areal viser hvilke innspill som dekker behovet for nytt "
        "areal. Der reserven er større enn behovet, er de dårligst plasserte reservene "
        "merket som kandidater til å tas ut.")
    cols = [Column("sted", "Sted"), Column("type", "Type"), Column("rang", "Rang", "int"),
            Column("navn", "Navn"), Column("areal_daa", "Areal daa", "num", 1),
            Column("areal_innenfor_daa", "Innenfor grensen daa", "num", 1),
            Column("skaar", "Skår", "num", 2),
            Column("kumulativt_areal_daa", "Kumulativt daa", "num", 1),
            Column("dekker_behov", "Dekker behov", "bool"),
            Column("kandidat_uttak", "Kandidat til uttak", "bool"),
            Column("andel_steinbrudd_pct", "Nær steinbrudd %", "num", 0),
            Column("andel_bratt_pct", "Bratt %", "num", 0)]
    cols = [c for c in cols if c.key in p.columns]
    rows = p.drop(columns="geometry").to_dict("records") if len(p) else []
    for r in rows:
        if r.get("sted") is None or (isinstance(r.get("sted"), float) and math.isnan(r["sted"])):
            r["sted"] = "(utenfor alle grenser)"
    sec.items.append(Table(id="parseller", title="", sheet="Parseller", columns=cols, rows=rows,
                           empty_text="Ingen reserver eller innspill i dataene."))
    detail = [c for c in ("avstand_sentrum_m", "avstand_bebyggelse_m", "avstand_gangnett_m",
                          "avstand_holdeplass_m", "avstand_kollektivakse_m") if c in p.columns]
    if detail and rows:
        labels = {"avstand_sentrum_m": "Til sentrum m", "avstand_bebyggelse_m": "Til bebyggelse m",
                  "avstand_gangnett_m": "Til gangnett m", "avstand_holdeplass_m": "Til holdeplass m",
                  "avstand_kollektivakse_m": "Til kollektivakse m"}
        sec.items.append(Table(
            id="rangering_avstander", title="Avstandene bak rangeringen (m)",
            sheet="Rangering avstander",
            columns=[Column("sted", "Sted"), Column("type", "Type"), Column("rang", "Rang", "int"),
                     Column("navn", "Navn")] + [Column(c, labels[c], "num", 0) for c in detail],
            rows=rows))


@_section("kollektiv", "Nærhet til kollektivtilbud for reserver og innspill", ("reserves",))
def _sec_transit(ctx: ReportContext, sec: Section) -> None:
    if not (ctx.has("holdeplass") or ctx.has("kollektivakse")):
        ctx.need("holdeplass", "kollektivakse")
    res = _reserve_result(ctx)
    p = res.parseller
    crit = _criteria_config(ctx.config)
    stop_lim = _threshold(ctx.config, crit.get("kollektiv_avstand"), 500.0)
    axis_lim = _threshold(ctx.config, crit.get("kollektivakse_avstand"), 1000.0)
    extra = ctx.cache.setdefault("extra_params", [])
    for cid, lim in (("kollektiv_avstand", stop_lim), ("kollektivakse_avstand", axis_lim)):
        c = crit.get(cid) or {}
        extra.append({"noekkel": f"sites.criteria.{cid}.yellow",
                      "beskrivelse": f"{c.get('label', cid)} (grense i sammendraget)",
                      "verdi": fmt_number(lim, 0), "verdi_raw": lim, "enhet": c.get("unit", "m"),
                      "kilde": c.get("source", "config/sites.toml"),
                      "kommunalt_valg": bool(c.get("assumption", True))})
    sec.text.append(
        "Boligplanens strategi 1 er boligutvikling langs kollektivaksene og i knutepunktene. "
        "Avstandene er målt i luftlinje fra nærmeste punkt på parsellen (0 når parsellen "
        "berører holdeplassen eller aksen), av samme funksjon som rangeringen bruker. "
        f"Grensene i sammendraget er de samme som i tomtevurderingen: {fmt_number(stop_lim, 0)} m "
        f"til holdeplass og {fmt_number(axis_lim, 0)} m til kollektivakse.")
    for lyr, what in (("holdeplass", "holdeplasser"), ("kollektivakse", "kollektivakser")):
        if not ctx.has(lyr):
            sec.text.append(f"Laget «{lyr}» mangler i datagrunnlaget, så avstand til {what} er "
                            "ikke med.")
    if not len(p):
        sec.text.append("Ingen reserver eller innspill i dataene.")
        return
    import pandas as pd

    d = p.drop(columns="geometry").copy()
    d["sted"] = d["sted"].where(d["sted"].notna(), "(utenfor alle grenser)")
    has_stop = "avstand_holdeplass_m" in d and d["avstand_holdeplass_m"].notna().any()
    has_axis = "avstand_kollektivakse_m" in d and d["avstand_kollektivakse_m"].notna().any()
    d["_a"] = d["areal_daa"].astype(float)
    rows = []
    for (sted, typ), g in d.groupby(["sted", "type"], sort=False):
        row = {"sted": sted, "type": typ, "antall": len(g), "areal_daa": float(g["_a"].sum())}
        if has_stop:
            near = g["avstand_holdeplass_m"] <= stop_lim
            row["areal_naer_holdeplass_daa"] = float(g.loc[near, "_a"].sum())
            row["andel_naer_holdeplass_pct"] = (row["areal_naer_holdeplass_daa"] * 100.0 /
                                                row["areal_daa"] if row["areal_daa"] > 0 else None)
        if has_axis:
            near = g["avstand_kollektivakse_m"] <= axis_lim
            row["areal_naer_akse_daa"] = float(g.loc[near, "_a"].sum())
            row["andel_naer_akse_pct"] = (row["areal_naer_akse_daa"] * 100.0 / row["areal_daa"]
                                          if row["areal_daa"] > 0 else None)
        rows.append(row)
    cols = [Column("sted", "Sted"), Column("type", "Type"), Column("antall", "Antall", "int"),
            Column("areal_daa", "Areal daa", "num", 1)]
    if has_stop:
        cols += [Column("areal_naer_holdeplass_daa",
                        f"Innen {fmt_number(stop_lim, 0)} m fra holdeplass daa", "num", 1),
                 Column("andel_naer_holdeplass_pct", "Andel %", "num", 0)]
    if has_axis:
        cols += [Column("areal_naer_akse_daa",
                        f"Innen {fmt_number(axis_lim, 0)} m fra kollektivakse daa", "num", 1),
                 Column("andel_naer_akse_pct", "Andel %", "num", 0)]
    sec.items.append(Table(id="kollektiv_sammendrag", title="Sammendrag per sted",
                           sheet="Kollektiv sammendrag", columns=cols, rows=rows))
    pcols = [Column("sted", "Sted"), Column("type", "Type"), Column("navn", "Navn"),
             Column("areal_daa", "Areal daa", "num", 1)]
    if has_stop:
        pcols.append(Column("avstand_holdeplass_m", "Til holdeplass m", "num", 0))
    if has_axis:
        pcols.append(Column("avstand_kollektivakse_m", "Til kollektivakse m", "num", 0))
    sec.items.append(Table(id="kollektiv_parseller", title="Avstand per parsell",
                           sheet="Kollektiv parseller", columns=pcols,
                           rows=d.drop(columns="_a").to_dict("records")))
    sec.items.append(_map_figure(
        ctx, _overview_layers(ctx, p, with_transit=True),
        "Reserver og innspill med kollektivtilbud", focus=_places_focus(ctx, p), caption=
        "Kollektivakser (lilla linjer) og holdeplasser (lilla firkanter) med boligreserve "
        "(gul) og innspill (grønn)."))


#: at most this many per-place school maps (a large municipality gets the first ones)
MAX_PLACE_MAPS = 12


def _school_analysis(ctx: ReportContext):
    """``geoplan schools`` (with ``--walking`` when there is a usable ``gangnett``)."""
    def run():
        from geoplan import runs as pipeline
        ctx.module("schools", "skolesirkler")
        ctx.need("utviklingsgrense", "skole")
        cfg, ds = ctx.config, ctx.dataset
        walk_note = None
        if ds.has("gangnett"):
            try:
                return pipeline.schools(ds, cfg, walking=True), True, None
            except GeoplanError as e:
                walk_note = f"Gangavstand er ikke med fordi gangnettet ikke kan brukes: {e.message}"
        else:
            walk_note = ("Laget «gangnett» mangler, så rapporten viser bare sirkelen (luftlinje), "
                         "ikke gangavstand.")
        return pipeline.schools(ds, cfg, walking=False), False, walk_note
    return ctx.once("schools", run)


@_section("skoler", "Skolesirkler: utviklingsgrenser innenfor 1,5 km fra skolen", ("schools",))
def _sec_schools(ctx: ReportContext, sec: Section) -> None:
    res, walking, walk_note = _school_analysis(ctx)
    r = res.radius_m
    sec.title = f"Skolesirkler: utviklingsgrenser innenfor {fmt_number(r / 1000, 1)} km fra skolen"
    ub = res.utviklingsgrenser
    ok = int(ub["oppfylt"].sum()) if len(ub) else 0
    sec.text.append(
        f"Kriterium 1 for utviklingsgrensene: grensen skal ligge innenfor sirkelen på "
        f"{fmt_number(r, 0)} m fra stedets skole (Larvik kommune, Boligplan 2015–2020). "
        "Skolene velges slik: skoler med «sted» lik grensens navn; ellers skolene innenfor "
        "grensen; ellers nærmeste skole. Maks avstand er det fjerneste punktet i grensen fra "
        f"nærmeste skole. {ok} av {len(ub)} utviklingsgrenser ligger helt innenfor.")
    if walk_note:
        sec.text.append(walk_note)
    cols = [Column("navn", "Utviklingsgrense"), Column("skoler", "Skole(r)"),
            Column("regel", "Valgt etter"), Column("areal_daa", "Areal daa", "num", 1),
            Column("innenfor_daa", "Innenfor daa", "num", 1),
            Column("utenfor_daa", "Utenfor daa", "num", 1),
            Column("andel_innenfor_pct", "Andel innenfor %", "num", 1),
            Column("oppfylt", "Oppfylt", "bool"),
            Column("maks_avstand_m", "Maks avstand m", "num", 0)]
    if walking:
        cols += [Column("innenfor_gang_daa", "Innenfor til fots daa", "num", 1),
                 Column("andel_innenfor_gang_pct", "Andel til fots %", "num", 1)]
    rule = {"sted": "sted", "innenfor": "innenfor grensen", "utviklingsgrense": "utviklingsgrensen",
            "naermeste": "nærmeste"}
    brows = ub.drop(columns="geometry").to_dict("records")
    for row in brows:
        row["regel"] = rule.get(row.get("regel"), row.get("regel"))
    sec.items.append(Table(id="skoler", title="Utviklingsgrenser", sheet="Skolesirkler",
                           columns=[c for c in cols if c.key in ub.columns], rows=brows))
    if res.parseller is not None and len(res.parseller):
        pc = [Column("sted", "Sted"), Column("type", "Type"), Column("navn", "Navn"),
              Column("skoler", "Skole(r)"), Column("areal_daa", "Areal daa", "num", 1),
              Column("innenfor_daa", "Innenfor daa", "num", 1),
              Column("andel_innenfor_pct", "Andel innenfor %", "num", 1),
              Column("maks_avstand_m", "Maks avstand m", "num", 0)]
        if walking:
            pc += [Column("andel_innenfor_gang_pct", "Andel til fots %", "num", 1),
                   Column("gangavstand_m", "Gangavstand m", "num", 0)]
        prow = res.parseller.drop(columns="geometry").to_dict("records")
        sec.items.append(Table(id="skoler_parseller", title="Reserver og innspill",
                               sheet="Skolesirkler parseller",
                               columns=[c for c in pc if c.key in res.parseller.columns],
                               rows=prow))
    # one map per place
    from geoplan.present.report.staticmaps import COLORS, MapLayer
    ds = ctx.dataset
    names = list(dict.fromkeys(ub["navn"]))
    skole = ds.get("skole")
    for n in names[:MAX_PLACE_MAPS]:
        b = ub[ub["navn"] == n]
        schools_here = sorted({s for lst in b["skoler"] for s in (lst or [])})
        circ = res.sirkler[res.sirkler["skole"].isin(schools_here)]
        outside = res.utenfor[(res.utenfor["lag"] == "utviklingsgrense") & (res.utenfor["navn"] == n)]
        layers = [MapLayer(b, f"Utviklingsgrense {n}", color=COLORS["utviklingsgrense"],
                           alpha=0.12, linewidth=1.4, zorder=2),
                  MapLayer(outside, "Utenfor sirkelen", color="#c62828", alpha=0.35,
                           hatch="///", edgecolor="#c62828", linewidth=0.4, zorder=3),
                  MapLayer(circ, f"{fmt_number(r / 1000, 1)} km fra skolen",
                           color=COLORS["sirkel"], fill=False, linestyle="--", linewidth=1.3,
                           zorder=4)]
        if res.parseller is not None and len(res.parseller):
            # every parcel; the map extent shows those near this place
            typ = res.parseller["type"].astype(str)
            layers.append(MapLayer(res.parseller[typ.str.contains("reserve")], "Boligreserve",
                                   color=COLORS["reserve"], alpha=0.7, linewidth=0.4,
                                   edgecolor="#9a6b00", zorder=3))
            layers.append(MapLayer(res.parseller[typ == "innspill"], "Innspill",
                                   color=COLORS["innspill"], alpha=0.7, linewidth=0.4,
                                   edgecolor="#3d6b1a", zorder=3))
        if skole is not None:
            layers.append(MapLayer(skole[skole["navn"].isin(schools_here)], "Skole",
                                   color=COLORS["skole"], marker="^", markersize=8, zorder=6))
        import numpy as np

        boxes = [b.total_bounds] + ([circ.total_bounds] if len(circ) else [])
        bb = np.vstack(boxes)
        focus = (bb[:, 0].min(), bb[:, 1].min(), bb[:, 2].max(), bb[:, 3].max())
        row = b.iloc[0]
        cap = (f"{n}: {fmt_number(row['andel_innenfor_pct'], 1)} % av grensen ligger innenfor "
               f"{fmt_number(r, 0)} m fra {', '.join(schools_here) or 'skolen'}; fjerneste punkt "
               f"{fmt_number(row['maks_avstand_m'], 0)} m.")
        sec.items.append(_map_figure(ctx, layers, f"Skolesirkel for {n}", cap, focus=focus,
                                     height_cm=10.5))
    if len(names) > MAX_PLACE_MAPS:
        sec.items.append(Text(f"Kart er vist for de {MAX_PLACE_MAPS} første av {len(names)} "
                              "stedene; tallene for alle står i tabellene."))


def _concentration_module(ctx: ReportContext):
    return ctx.module("concentration", "konsentrasjon av kommunale boliger")


def _threshold(config, crit: dict | None, default: float) -> float:
    if not crit:
        return default
    v = crit.get("yellow", default)
    ref = crit.get("yellow_ref")
    if ref:
        try:
            v = config.get(ref, v)
        except GeoplanError:
            pass
    try:
        return float(v)
    except (TypeError, ValueError):
        return default


# ---------------------------------------------------------------------------
# Appendix sections: parameters and provenance
# ---------------------------------------------------------------------------

@_section("parametere", "Parametere og kilder")
def _sec_parameters(ctx: ReportContext, sec: Section) -> None:
    names = ctx.cache.get("used_config_sections") or ["kommune"]
    rows = []
    for name in names:
        try:
            params = ctx.config.params(name)
        except GeoplanError:
            continue
        for p in params:
            v = p.value
            if isinstance(v, float):
                vtxt = fmt_number(v, 4).rstrip("0").rstrip(",") if v % 1 else fmt_number(v, 0)
            elif isinstance(v, list):
                vtxt = ", ".join(fmt_number(x, 4).rstrip("0").rstrip(",")
                                 if isinstance(x, float) else str(x) for x in v)
            else:
                vtxt = str(v)
            rows.append({"noekkel": p.key, "beskrivelse": p.label, "verdi": vtxt,
                         "verdi_raw": v if not isinstance(v, list) else vtxt,
                         "enhet": p.unit, "kilde": p.source,
                         "kommunalt_valg": p.assumption})
    rows += ctx.cache.get("extra_params", [])
    sec.text.append(
        "Tabellen viser parameterne analysene i denne rapporten bygger på, med kilde. "
        "«Kommunalt valg» betyr at kildene ikke gir tallet, og at kommunen selv har satt "
        "det; slike verdier bør vurderes politisk. Verdier merket «overstyrt for denne "
        "kjøringen» er endret for akkurat denne rapporten.")
    sec.items.append(Table(
        id="parametere", title="", sheet="Parametere",
        columns=[Column("noekkel", "Parameter"), Column("beskrivelse", "Beskrivelse"),
                 Column("verdi", "Verdi"), Column("enhet", "Enhet"), Column("kilde", "Kilde"),
                 Column("kommunalt_valg", "Kommunalt valg", "bool")],
        rows=rows))
    sec.page_break = True


@_section("datagrunnlag", "Datagrunnlag og versjon")
def _sec_provenance(ctx: ReportContext, sec: Section) -> None:
    ds = ctx.dataset
    src = str(getattr(ds, "source", ""))
    sec.text.append(f"Datagrunnlag: {src}.")
    p = Path(src) if src else None
    if p is not None and p.exists():
        mtime = _dt.datetime.fromtimestamp(p.stat().st_mtime).strftime("%d.%m.%Y %H:%M")
        sec.text.append(f"Dataene ble sist endret {mtime}.")
    sec.text.append(f"Koordinatsystem: {ctx.crs_label}. Arealer er regnet i dette "
                    "projiserte systemet og oppgitt i dekar (1 daa = 1 000 m²).")
    sec.text.append(
        f"Rapporten er laget {_now_text()} med geoplan versjon {__version__}. Tallene er "
        "regnet av de samme funksjonene som kommandolinjen (geoplan … --json) og appen "
        "bruker, med parameterne i forrige del.")
    rows = []
    for name, rep in (getattr(ds, "reports", {}) or {}).items():
        d = rep.as_dict() if hasattr(rep, "as_dict") else dict(rep)
        msgs = d.get("meldinger") or []
        if name in SENSITIVE_LAYERS and msgs:
            # messages name features (bygg_id, numbers): not in a public report
            msgs = [f"{len(msgs)} merknad(er) om enkeltobjekter vises ikke av "
                    "personvernhensyn; se «geoplan check»."]
        rows.append({"lag": d.get("navn", name), "status": d.get("status", ""),
                     "lest": d.get("antall_lest"), "beholdt": d.get("antall_beholdt"),
                     "reparert": d.get("antall_reparert"), "avvist": d.get("antall_avvist"),
                     "kilde": d.get("kilde", ""), "merknad": " ".join(msgs[:2])})
    if not rows:
        for name, gdf in (getattr(ds, "layers", {}) or {}).items():
            rows.append({"lag": name, "status": "ok", "lest": len(gdf), "beholdt": len(gdf)})
    sec.items.append(Table(
        id="datagrunnlag", title="Lag i datagrunnlaget", sheet="Datagrunnlag",
        columns=[Column("lag", "Lag"), Column("status", "Status"),
                 Column("lest", "Lest", "int"), Column("beholdt", "Brukt", "int"),
                 Column("reparert", "Reparert", "int"), Column("avvist", "Avvist", "int"),
                 Column("merknad", "Merknad")],
        rows=rows))
    rasters = getattr(ds, "rasters", {}) or {}
    if rasters:
        sec.text.append("Rasterdata: " + ", ".join(f"{k} ({Path(v).name})"
                                                   for k, v in rasters.items()) + ".")


def _now_text() -> str:
    return _dt.datetime.now().strftime("%d.%m.%Y kl. %H:%M")


# ---------------------------------------------------------------------------
# Rendering: HTML, PDF, XLSX
# ---------------------------------------------------------------------------

def _jinja_env():
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR)),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        trim_blocks=True, lstrip_blocks=True,
    )


def _kommune_name(dataset, config) -> str:
    k = dataset.get("kommune") if dataset is not None else None
    if k is not None and len(k) and "kommunenavn" in k.columns:
        names = [str(n) for n in k["kommunenavn"].dropna().unique()]
        if names:
            return " / ".join(names[:3])
    try:
        return str(config.get("kommune.kommunenavn", ""))
    except GeoplanError:
        return ""


def _meta(dataset, config, title: str, subtitle: str) -> dict:
    return {
        "title": title,
        "subtitle": subtitle,
        "kommune": _kommune_name(dataset, config),
        "created": _now_text(),
        "source": str(getattr(dataset, "source", "")),
        "crs": (f"EPSG:{dataset.epsg}" if getattr(dataset, "epsg", None)
                else str(getattr(dataset, "crs", ""))),
        "version": __version__,
        "css": (TEMPLATE_DIR / "report.css").read_text(encoding="utf-8"),
    }


def render_html(sections: Sequence[Section], meta: dict, template: str = "report.html.j2",
                **extra) -> str:
    """Render sections to one self-contained HTML document (images inline)."""
    env = _jinja_env()
    return env.get_template(template).render(sections=sections, **meta, **extra)


def html_to_pdf(html: str) -> bytes:
    """The HTML as an A4 PDF (WeasyPrint), page numbers from the print CSS."""
    import logging

    import weasyprint

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    return weasyprint.HTML(string=html, base_url=str(TEMPLATE_DIR)).write_pdf()


_BAD_SHEET_CHARS = str.maketrans({c: " " for c in "[]:*?/\\"})


def _sheet_name(name: str, used: set[str]) -> str:
    base = name.translate(_BAD_SHEET_CHARS).strip()[:31] or "Tabell"
    cand, i = base, 2
    while cand.lower() in used:
        suffix = f" ({i})"
        cand = base[: 31 - len(suffix)] + suffix
        i += 1
    used.add(cand.lower())
    return cand


def sections_to_xlsx(sections: Sequence[Section], meta: dict) -> bytes:
    """One sheet per table (raw values; suppressed counts as ``:``), plus an about sheet."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    about = wb.active
    about.title = "Om rapporten"
    used = {"om rapporten"}
    about.append([meta["title"]])
    about["A1"].font = Font(bold=True, size=14)
    for k, label in (("kommune", "Kommune"), ("created", "Laget"), ("source", "Datagrunnlag"),
                     ("crs", "Koordinatsystem"), ("version", "geoplan-versjon")):
        about.append([label, meta.get(k, "")])
    about.append([])
    about.append(["Innhold"])
    about.cell(row=about.max_row, column=1).font = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="1F4E79")
    for s in sections:
        if s.omitted:
            about.append([f"{s.number}. {s.title}", s.omitted])
            continue
        if s.privacy:
            about.append([f"{s.number}. {s.title}", s.privacy])
        for t in s.tables:
            if not t.in_xlsx:
                continue
            sheet = _sheet_name(t.sheet or t.title or s.title, used)
            about.append([f"{s.number}. {s.title}", f"Ark «{sheet}»: {t.title or s.title}"])
            ws = wb.create_sheet(sheet)
            ws.append([c.label for c in t.columns])
            for cell in ws[1]:
                cell.font = Font(bold=True, color="FFFFFF")
                cell.fill = header_fill
                cell.alignment = Alignment(wrap_text=True, vertical="bottom")
            for i, row in enumerate(t.rows):
                vals = []
                for c in t.columns:
                    if (i, c.key) in t.suppressed_cells:
                        vals.append(SUPPRESSED)
                        continue
                    v = row.get(c.key)
                    vals.append(_xlsx_value(v, c))
                ws.append(vals)
                if i in t.sum_rows:
                    for cell in ws[ws.max_row]:
                        cell.font = Font(bold=True)
            for j, c in enumerate(t.columns, start=1):
                width = max([len(str(c.label))] + [len(str(ws.cell(row=r, column=j).value or ""))
                                                   for r in range(2, min(ws.max_row, 200) + 1)])
                ws.column_dimensions[get_column_letter(j)].width = min(max(width + 2, 8), 60)
                if c.kind == "num":
                    fmt = "#,##0" + ("." + "0" * c.decimals if c.decimals > 0 else "")
                    for r in range(2, ws.max_row + 1):
                        ws.cell(row=r, column=j).number_format = fmt
            ws.freeze_panes = "A2"
            if t.note:
                ws.append([])
                ws.append([t.note])
    about.column_dimensions["A"].width = 40
    about.column_dimensions["B"].width = 100
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _xlsx_value(v: Any, col: Column):
    if _isnan(v):
        return None
    if col.kind == "bool":
        return "Ja" if bool(v) else "Nei"
    if col.kind == "status":
        return STATUS_TEXT.get(str(v), str(v))
    if isinstance(v, (list, tuple)):
        return ", ".join(str(x) for x in v)
    if isinstance(v, dict):
        return str(v)
    if hasattr(v, "item") and not isinstance(v, (str, bytes)):
        try:
            return v.item()
        except (ValueError, AttributeError):
            return str(v)
    if isinstance(v, (int, float, str, bool)):
        return v
    return str(v)


def _fmt_from_path(out_path) -> str:
    suffix = Path(out_path).suffix.lower().lstrip(".")
    if suffix == "htm":
        suffix = "html"
    if suffix not in FORMATS:
        raise UnreadableInput(
            f"Kan ikke lage rapport som «{Path(out_path).name}»: bruk filendelsen .html, "
            ".pdf eller .xlsx.")
    return suffix


def _render(sections, meta, fmt: str, template: str = "report.html.j2", **extra) -> bytes:
    fmt = fmt.lower()
    if fmt not in FORMATS:
        raise UnreadableInput(f"Ukjent rapportformat «{fmt}»: bruk html, pdf eller xlsx.")
    if fmt == "xlsx":
        return sections_to_xlsx(sections, meta)
    html = render_html(sections, meta, template, **extra)
    if fmt == "html":
        return html.encode("utf-8")
    return html_to_pdf(html)


# ---------------------------------------------------------------------------
# KPA report
# ---------------------------------------------------------------------------

def build_report(dataset, config, fmt: str = "pdf", sections=None, public: bool = True,
                 growth: Mapping[str, Any] | None = None) -> bytes:
    """The KPA attachment «Boligreserve, arealbehov og lokalisering» as bytes.

    Parameters
    ----------
    dataset : geoplan.io.layers.Dataset
    config : geoplan.config.Config
        Parameters, with per-run overrides (growth scenario etc.) applied.
    fmt : {"pdf", "html", "xlsx"}
    sections : iterable of str, optional
        Section ids (:data:`SECTION_IDS`); default all.
    public : bool
        Suppress small counts everywhere (the concentration section always does).
    growth : mapping, optional
        Growth flags as in ``geoplan arealbehov`` (see :func:`build_sections`).

    Returns
    -------
    bytes
        The document (HTML is UTF-8).
    """
    secs = build_sections(dataset, config, sections, public=public, growth=growth)
    return render_report(secs, dataset, config, fmt)


def render_report(sections: Sequence[Section], dataset, config, fmt: str = "pdf") -> bytes:
    """Render sections from :func:`build_sections` as the KPA report (html, pdf or xlsx)."""
    meta = _meta(dataset, config, REPORT_TITLE,
                 "Vedlegg til kommuneplanens arealdel: arealbehov til horisontåret, "
                 "boligreserve og innspill per sted, skolekriteriet, kollektivnærhet og "
                 "spredning av kommunale boliger.")
    return _render(sections, meta, fmt)


def write_report(dataset, config, out_path, sections=None, public: bool = True,
                 growth: Mapping[str, Any] | None = None) -> Path:
    """Write the KPA report; the format follows the suffix (.html, .pdf, .xlsx). Atomic."""
    from geoplan.io.writers import write_bytes_atomic
    fmt = _fmt_from_path(out_path)
    data = build_report(dataset, config, fmt=fmt, sections=sections, public=public,
                        growth=growth)
    return write_bytes_atomic(out_path, data)


# ---------------------------------------------------------------------------
# Site report
# ---------------------------------------------------------------------------

STATUS_TEXT = {"gronn": "Grønn", "gul": "Gul", "rod": "Rød", "ukjent": "Ukjent"}
STATUS_ORDER = ("rod", "gul", "ukjent", "gronn")

#: criterion id -> layers drawn on the site map when the criterion's config names none
_CRITERION_LAYERS = {
    "utviklingsgrense": ("utviklingsgrense",),
    "arealformal": ("arealformal",),
    "skole_avstand": ("skole",),
    "skole_gangavstand": ("skole", "gangnett"),
    "kollektiv_avstand": ("holdeplass",),
    "kollektivakse_avstand": ("kollektivakse",),
    "sentrum_avstand": ("sentrum",),
    "steinbrudd_avstand": ("steinbrudd",),
    "konsentrasjon_grunnkrets": ("grunnkrets",),
    "konsentrasjon_bygning": ("bygning",),
    "helsetjeneste_avstand": ("helsetjeneste",),
}



def _criteria_config(config) -> dict[str, dict]:
    try:
        crit = config.section("sites").get("criteria", [])
    except GeoplanError:
        return {}
    return {c.get("id"): c for c in crit if isinstance(c, dict) and c.get("id")}


def _site_layers_for(crit_id: str, cfg: dict) -> tuple[str, ...]:
    names: list[str] = []
    for key in ("layer", "network"):
        if cfg.get(key):
            names.append(str(cfg[key]))
    if cfg.get("kind") == "concentration":
        scope = cfg.get("scope")
        names.append({"grunnkrets": "grunnkrets", "bygning": "bygning"}.get(scope, ""))
    names.extend(_CRITERION_LAYERS.get(crit_id, ()))
    seen = []
    for n in names:
        if n and n not in seen and n not in SENSITIVE_LAYERS:
            seen.append(n)
    return tuple(seen)


def _site_geometry(result: dict, site=None, crs=None):
    """The site as a GeoSeries in the data's CRS, from ``site`` or the result's ``tomt``."""
    import geopandas as gpd
    import shapely
    from shapely.geometry import shape

    geom = None
    if site is not None:
        if hasattr(site, "geometry") and hasattr(site, "crs"):
            s = site.geometry if hasattr(site.geometry, "union_all") else site
            if crs is not None and s.crs is not None and s.crs != crs:
                s = s.to_crs(crs)
            return gpd.GeoSeries(list(s), crs=crs or s.crs)
        geom = site
    tomt = (result or {}).get("tomt") or {}
    if geom is None:
        for key in ("geometry", "geometri", "geom", "geometri_wkt", "wkt"):
            g = tomt.get(key) if isinstance(tomt, dict) else None
            if g is None:
                continue
            if isinstance(g, dict):
                geom = shape(g)
            elif isinstance(g, str):
                try:
                    geom = shapely.from_wkt(g)
                except Exception:  # noqa: BLE001 - not WKT; try the next key
                    geom = None
            elif hasattr(g, "geom_type"):
                geom = g
            if geom is not None:
                break
    if geom is None and isinstance(tomt, dict):
        for key in ("wkt",):
            if tomt.get(key):
                geom = shapely.from_wkt(tomt[key])
        if geom is None:
            c = tomt.get("senter") or tomt.get("sentrum") or tomt.get("punkt") or tomt.get("centre")
            x = y = None
            if isinstance(c, dict):
                x, y = c.get("x"), c.get("y")
            elif isinstance(c, (list, tuple)) and len(c) >= 2:
                x, y = c[0], c[1]
            elif "x" in tomt and "y" in tomt:
                x, y = tomt["x"], tomt["y"]
            if x is not None and y is not None:
                geom = shapely.Point(float(x), float(y))
    if geom is None:
        return None
    return gpd.GeoSeries([geom], crs=crs)


def _fmt_value(v: Any, unit: str = "", decimals: int = 1) -> str:
    if isinstance(v, dict):
        parts = []
        for k in ("for", "før", "foer", "etter"):
            if k in v:
                parts.append(f"{'før' if k != 'etter' else 'etter'} {_fmt_value(v[k], unit, decimals)}")
        return ", ".join(parts) if parts else ", ".join(f"{k}: {_fmt_value(x, unit, decimals)}"
                                                       for k, x in v.items())
    if _isnan(v):
        return "–"
    if isinstance(v, bool):
        return "Ja" if v else "Nei"
    if isinstance(v, (int, float)) or hasattr(v, "__float__") and not isinstance(v, str):
        f = float(v)
        d = 0 if (f.is_integer() and unit not in ("%",)) else decimals
        return f"{fmt_number(f, d)} {unit}".strip()
    return f"{v} {unit}".strip() if unit and str(v) else str(v)


def _is_count_unit(unit: str) -> bool:
    return unit.strip().lower() in ("enheter", "boenheter", "kommunale enheter")


def threshold_text(terskel: Any, unit: str = "") -> str:
    """``{"gul": 1500, "rod": 3000, "retning": "hoyere_er_verre"}`` -> Norwegian text."""
    if isinstance(terskel, dict):
        worse_high = str(terskel.get("retning", "hoyere_er_verre")).startswith("hoyere")
        word = "over" if worse_high else "under"
        parts = []
        if not _isnan(terskel.get("gul")):
            parts.append(f"gul {word} {_fmt_value(terskel['gul'], unit)}")
        if not _isnan(terskel.get("rod")):
            parts.append(f"rød {word} {_fmt_value(terskel['rod'], unit)}")
        return ", ".join(parts) if parts else "–"
    if isinstance(terskel, str):
        return terskel
    return _fmt_value(terskel, unit)


#: counts of municipal units in a concentration criterion's ``detaljer``
_UNIT_COUNT_KEYS = ("kommunale_enheter", "enheter_innen_radius", "housing_first_enheter",
                    "housing_first_innen_radius")


def _small_concentration(k: dict, verdi: Any, unit: str, limit: int) -> bool:
    """Whether a criterion would publish a count of municipal units below ``limit``.

    True when the value is such a count, or when the before/after details of a
    concentration criterion hold one (its share and sentence would give it back).
    """
    vals = list(verdi.values()) if isinstance(verdi, dict) else [verdi]
    if _is_count_unit(unit) and any(
            (not _isnan(x)) and isinstance(x, (int, float)) and float(x) < limit for x in vals):
        return True
    det = k.get("detaljer") or {}
    if not isinstance(det, dict):
        return False
    for part in ("for_detaljer", "etter_detaljer", "for", "etter"):
        d = det.get(part)
        if not isinstance(d, dict):
            continue
        for key in _UNIT_COUNT_KEYS:
            v = d.get(key)
            if v is not None and not _isnan(v) and float(v) < limit:
                return True
    return False


def _checklist_table(kriterier: list[dict], public: bool, limit: int, tid: str,
                     sheet: str) -> tuple[Table, int]:
    rows, suppressed = [], set()
    for i, k in enumerate(kriterier):
        unit = str(k.get("enhet") or "")
        verdi = k.get("verdi")
        row = {
            "kriterium": k.get("kriterium") or k.get("id"),
            "status": k.get("status", "ukjent"),
            "verdi": _fmt_value(verdi, unit),
            "verdi_tall": verdi if isinstance(verdi, (int, float)) else None,
            "enhet": unit,
            "terskel": k.get("terskel_tekst") or threshold_text(
                {**k["terskel"], "retning": k["terskel"].get("retning", k.get("retning",
                                                                               "hoyere_er_verre"))}
                if isinstance(k.get("terskel"), dict) else k.get("terskel"), unit),
            "begrunnelse": k.get("begrunnelse") or "",
            "kilde": k.get("kilde") or "",
            "id": k.get("id"),
        }
        if public and _small_concentration(k, verdi, unit, limit):
            suppressed.add((i, "verdi"))
            suppressed.add((i, "verdi_tall"))
            # the sentence (and a share of a known total) would give the count back
            row["begrunnelse"] = (f"Verdien bygger på færre enn {limit} kommunale enheter og "
                                  "vises ikke av personvernhensyn; statusen er regnet av de "
                                  "faktiske tallene.")
        rows.append(row)
    t = Table(id=tid, title="", sheet=sheet,
              columns=[Column("kriterium", "Kriterium"), Column("status", "Status", "status"),
                       Column("verdi", "Målt verdi"), Column("terskel", "Terskel"),
                       Column("begrunnelse", "Begrunnelse"), Column("kilde", "Kilde")],
              rows=rows, suppressed_cells=suppressed)
    return t, len({i for i, _ in suppressed})


def site_sections(result: dict, dataset, config, public: bool = True,
                  site=None) -> tuple[list[Section], str]:
    """Sections of the site report and the overall status.

    Parameters
    ----------
    result : dict
        One assessment (``SiteAssessor.assess`` / ``geoplan assess --json``):
        ``{"kriterier": [...], "samlet": ..., "tomt": {...}}``; or many,
        ``{"tomter": [{"rang", "navn", "samlet", "kriterier", "tomt"}, ...]}``.
    dataset : geoplan.io.layers.Dataset
    config : geoplan.config.Config
    public : bool
        Suppress counts of municipal units below the minimum.
    site : shapely geometry or GeoSeries, optional
        The site, when the result does not carry its geometry.

    Returns
    -------
    (list of Section, overall status of the best-ranked site)
    """
    limit = min_count(config)
    crit_cfg = _criteria_config(config)
    result = result or {}
    many = isinstance(result.get("tomter"), list)
    sites = result["tomter"] if many else [result]
    out: list[Section] = []
    if many:
        sec_rank = Section(id="rangering", title="Rangering av tomtene", config_sections=("sites",))
        sec_rank.text.append(
            f"{len(sites)} tomter er vurdert med de samme kriteriene. Rangeringen gir færrest "
            "røde, så færrest gule, så færrest ukjente kriterier først.")
        rrows = []
        for t in sites:
            o = t.get("oppsummering") or {}
            rrows.append({"rang": t.get("rang"), "navn": t.get("navn"), "samlet": t.get("samlet"),
                          "rod": o.get("rod"), "gul": o.get("gul"), "gronn": o.get("gronn"),
                          "ukjent": o.get("ukjent")})
        sec_rank.items.append(Table(
            id="rangering", title="", sheet="Rangering",
            columns=[Column("rang", "Rang", "int"), Column("navn", "Tomt"),
                     Column("samlet", "Samlet", "status"), Column("rod", "Røde", "int"),
                     Column("gul", "Gule", "int"), Column("gronn", "Grønne", "int"),
                     Column("ukjent", "Ukjente", "int")], rows=rrows))
        try:
            sec_rank.items.append(_sites_overview(sites, dataset))
        except Omit:
            pass
        out.append(sec_rank)
    any_suppressed = False
    for j, t in enumerate(sites):
        kriterier = list(t.get("kriterier") or [])
        name = t.get("navn") if many else None
        sec = Section(id=f"sjekkliste-{j + 1}" if many else "sjekkliste",
                      title=f"Sjekkliste: {name}" if name else "Sjekkliste",
                      config_sections=("sites",))
        counts = {s: sum(1 for k in kriterier if k.get("status") == s) for s in STATUS_ORDER}
        summary = (t.get("oppsummering") or {}).get("tekst")
        samlet = t.get("samlet")
        samlet = samlet.get("status") if isinstance(samlet, dict) else samlet
        if many:
            sec.text.append(f"Rang {t.get('rang')}. Samlet: "
                            f"{STATUS_TEXT.get(str(samlet), str(samlet))}.")
        sec.text.append(summary or (
            f"{len(kriterier)} kriterier: {counts['gronn']} grønne, {counts['gul']} gule, "
            f"{counts['rod']} røde og {counts['ukjent']} ukjente."))
        sec.text.append("Hvert kriterium viser målt verdi, terskel og kilde; «ukjent» betyr at "
                        "et lag eller raster mangler, og grunnen står i begrunnelsen.")
        table, nsup = _checklist_table(kriterier, public, limit, sec.id,
                                       (f"Sjekkliste {j + 1}" if many else "Sjekkliste"))
        sec.items.append(table)
        if nsup:
            any_suppressed = True
            sec.privacy = (f"Antall kommunale boenheter under {limit} er skjult («{SUPPRESSED}») "
                           "av personvernhensyn.")
        out.append(sec)

        sec_map = Section(id=f"kart-{j + 1}" if many else "kart",
                          title=("Kart over tomta og lagene som avgjorde vurderingen"
                                 + (f": {name}" if name else "")))
        try:
            _site_map(sec_map, t, dataset, config, crit_cfg, site if not many else None,
                      kriterier)
        except Omit as o:
            sec_map.omitted = o.reason
        out.append(sec_map)

        sec_site = Section(id=f"tomt-{j + 1}" if many else "tomt",
                           title="Tomta" + (f": {name}" if name else ""))
        trows = _site_facts(t.get("tomt") or {})
        if trows:
            sec_site.items.append(Table(id=sec_site.id, title="", sheet=f"Tomt {j + 1}" if many
                                        else "Tomt",
                                        columns=[Column("egenskap", "Egenskap"),
                                                 Column("verdi", "Verdi")], rows=trows))
        else:
            sec_site.omitted = "Vurderingen inneholder ingen opplysninger om selve tomta."
        out.append(sec_site)

    ctx = ReportContext(dataset=dataset, config=config, public=public)
    ctx.cache["used_config_sections"] = ["kommune", "sites"]
    out += [_run_builder(ctx, "parametere"), _run_builder(ctx, "datagrunnlag")]
    for i, s in enumerate(out, start=1):
        s.number = i
    first = sites[0] if sites else {}
    samlet = first.get("samlet")
    samlet = samlet.get("status") if isinstance(samlet, dict) else samlet
    return out, str(samlet or "ukjent")


def _sites_overview(sites: list[dict], dataset) -> Figure:
    """All assessed sites on one map, labelled by rank."""
    import geopandas as gpd

    from geoplan.present.report.staticmaps import COLORS, MapLayer, render_map
    crs = getattr(dataset, "crs", None)
    geoms, ranks = [], []
    for t in sites:
        g = _site_geometry(t, None, crs)
        if g is not None and len(g) and not g.is_empty.all():
            geoms.append(g.iloc[0])
            ranks.append(str(t.get("rang", "")))
    if not geoms:
        raise Omit("Tomtene har ingen geometri.")
    gdf = gpd.GeoDataFrame({"rang": ranks}, geometry=geoms, crs=crs)
    layers = []
    kom = dataset.get("kommune")
    if kom is not None and len(kom):
        layers.append(MapLayer(kom, "Kommunegrense", color=COLORS["kommune"], fill=False,
                               linewidth=0.8, linestyle="--", zorder=1))
    ug = dataset.get("utviklingsgrense")
    if ug is not None and len(ug):
        layers.append(MapLayer(ug, "Utviklingsgrense", color=COLORS["utviklingsgrense"],
                               alpha=0.1, linewidth=1.0, zorder=2))
    layers.append(MapLayer(gdf, "Tomt (tall = rang)", color=COLORS["tomt"], markersize=7,
                           edgecolor="black", annotate="rang", zorder=10))
    b = gdf.total_bounds
    pad = 1500.0
    png = render_map(layers, title="Tomtene etter rang", focus=(b[0] - pad, b[1] - pad,
                                                             b[2] + pad, b[3] + pad),
                     crs_label=f"EPSG:{dataset.epsg}" if getattr(dataset, "epsg", None) else None)
    return Figure("Tomtene etter rang", png,
                  caption="Tallet ved hver tomt er rangen i tabellen over.")


_FACT_LABELS = {
    "geometritype": "Geometritype", "areal_daa": "Areal", "x": "Øst (x)", "y": "Nord (y)",
    "punkt_pa_tomta": "Punkt på tomta", "epsg": "Koordinatsystem (EPSG)",
    "arealformal": "Arealformål på tomta",
}


def _site_facts(tomt: dict) -> list[dict]:
    rows = []
    for k, v in (tomt.items() if isinstance(tomt, dict) else []):
        if k in ("geometry", "geometri", "geom", "wkt", "geometri_wkt"):
            continue
        label = _FACT_LABELS.get(k, k.replace("_", " ").capitalize())
        if k in ("x", "y"):
            rows.append({"egenskap": label, "verdi": fmt_number(v, 1)})
            continue
        if k == "epsg":
            rows.append({"egenskap": label, "verdi": str(v)})
            continue
        if k == "punkt_pa_tomta" and isinstance(v, (list, tuple)) and len(v) >= 2:
            rows.append({"egenskap": label, "verdi": f"{fmt_number(v[0], 1)}, {fmt_number(v[1], 1)}"})
            continue
        if isinstance(v, list) and v and isinstance(v[0], dict):
            parts = []
            for d in v:
                nm = d.get("navn") or d.get("kode")
                kode = d.get("kode")
                share = d.get("andel_pct")
                area = d.get("areal_daa")
                txt = f"{nm}" + (f" ({kode})" if kode is not None and nm != kode else "")
                if share is not None:
                    txt += f": {fmt_number(share, 1)} %"
                if area is not None:
                    txt += f", {fmt_number(area, 2)} daa"
                parts.append(txt)
            rows.append({"egenskap": label, "verdi": "; ".join(parts)})
            continue
        if v is None:
            rows.append({"egenskap": label, "verdi": "–"})
            continue
        unit = "daa" if k.endswith("_daa") else ("m" if k.endswith("_m") else
                                                  ("%" if k.endswith("_pct") else ""))
        rows.append({"egenskap": label, "verdi": _fmt_value(v, unit, 2 if unit == "daa" else 1)})
    return rows


def _site_map(sec: Section, result, dataset, config, crit_cfg, site, kriterier) -> None:
    import geopandas as gpd

    from geoplan.present.report.staticmaps import COLORS, MapLayer, render_map
    crs = getattr(dataset, "crs", None)
    geom = _site_geometry(result, site, crs)
    if geom is None or geom.is_empty.all():
        raise Omit("Kartet er utelatt fordi vurderingen ikke oppgir tomtas geometri eller "
                   "koordinater.")
    site_gdf = gpd.GeoDataFrame({"navn": ["Tomta"]}, geometry=geom.values, crs=crs)
    deciding: dict[str, list[str]] = {}
    for k in kriterier:
        cid = k.get("id")
        cfg_k = dict(crit_cfg.get(cid, {}))
        if k.get("lag") and not str(k["lag"]).endswith(".tif"):
            cfg_k.setdefault("layer", k["lag"])
        for lyr in _site_layers_for(cid, cfg_k):
            deciding.setdefault(lyr, []).append(k.get("kriterium") or cid)
    centre = site_gdf.geometry.union_all().centroid
    radius = 1800.0
    focus = (centre.x - radius, centre.y - radius, centre.x + radius, centre.y + radius)
    from shapely.geometry import box

    window = box(*focus)
    styles = {
        "utviklingsgrense": dict(color=COLORS["utviklingsgrense"], alpha=0.12, linewidth=1.4),
        "arealformal": dict(color=COLORS["reserve"], alpha=0.25, linewidth=0.3),
        "grunnkrets": dict(color=COLORS["grunnkrets"], fill=False, linewidth=0.6,
                           linestyle=":"),
        "bygning": dict(color="#555555", markersize=2.5, alpha=0.6),
        "steinbrudd": dict(color=COLORS["steinbrudd"], alpha=0.6, markersize=7, marker="s"),
        "kollektivakse": dict(color=COLORS["kollektivakse"], linewidth=2.0),
        "gangnett": dict(color=COLORS["gangnett"], linewidth=0.6),
        "holdeplass": dict(color=COLORS["holdeplass"], markersize=5, marker="s"),
        "skole": dict(color=COLORS["skole"], markersize=8, marker="^"),
        "sentrum": dict(color=COLORS["sentrum"], markersize=7, marker="*"),
        "helsetjeneste": dict(color=COLORS["helsetjeneste"], markersize=6, marker="P"),
    }
    labels = {"utviklingsgrense": "Utviklingsgrense", "arealformal": "Arealformål",
              "grunnkrets": "Grunnkretser", "bygning": "Bygninger", "steinbrudd": "Steinbrudd",
              "kollektivakse": "Kollektivakse", "gangnett": "Gangnett",
              "holdeplass": "Holdeplass", "skole": "Skole", "sentrum": "Sentrum",
              "helsetjeneste": "Helsetjeneste"}
    order = ["grunnkrets", "arealformal", "utviklingsgrense", "gangnett", "kollektivakse",
             "steinbrudd", "bygning", "holdeplass", "sentrum", "helsetjeneste", "skole"]
    layers = []
    kom = dataset.get("kommune")
    if kom is not None and len(kom):
        layers.append(MapLayer(kom, "Kommunegrense", color=COLORS["kommune"], fill=False,
                               linewidth=1.0, linestyle="--", zorder=1))
    shown = []
    for name in order:
        if name not in deciding:
            continue
        gdf = dataset.get(name)
        if gdf is None or len(gdf) == 0:
            continue
        sub = gdf.iloc[gdf.sindex.query(window, predicate="intersects")]
        if name == "arealformal":
            codes = crit_cfg.get("arealformal", {}).get("codes") or []
            col = crit_cfg.get("arealformal", {}).get("column", "arealformal")
            if codes and col in sub.columns:
                sub = sub[sub[col].isin(codes)]
            lbl = "Arealformål som tillater bolig"
        else:
            lbl = labels.get(name, name)
        if name in ("skole",) and len(sub):
            pass
        st = styles.get(name, {})
        layers.append(MapLayer(sub, lbl, zorder=2 + order.index(name) / 10, **st))
        shown.append(name)
    # the school circle around the nearest school (the criterion's radius)
    skole = dataset.get("skole")
    if skole is not None and len(skole) and "skole" in deciding:
        try:
            r = float(config.get("schools.radius_m", crit_cfg.get("skole_avstand", {}).get("yellow", 1500)))
        except (GeoplanError, TypeError, ValueError):
            r = 1500.0
        dist = skole.distance(centre)
        near = skole.loc[[dist.idxmin()]]
        circ = gpd.GeoDataFrame(geometry=near.buffer(r, quad_segs=32), crs=crs)
        layers.append(MapLayer(circ, f"{fmt_number(r / 1000, 1)} km fra nærmeste skole",
                               color=COLORS["sirkel"], fill=False, linestyle="--",
                               linewidth=1.2, zorder=3))
    rad_cfg = crit_cfg.get("konsentrasjon_radius")
    if rad_cfg and any(k.get("id") == "konsentrasjon_radius" for k in kriterier):
        rr = rad_cfg.get("radius_m", 500)
        try:
            if rad_cfg.get("radius_ref"):
                rr = config.get(rad_cfg["radius_ref"], rr)
        except GeoplanError:
            pass
        circ = gpd.GeoDataFrame(geometry=[centre.buffer(float(rr), quad_segs=32)], crs=crs)
        layers.append(MapLayer(circ, f"Radius {fmt_number(float(rr), 0)} m for konsentrasjon",
                               color="#444444", fill=False, linestyle=":", linewidth=1.0,
                               zorder=3))
    layers.append(MapLayer(site_gdf, "Tomta", color=COLORS["tomt"], alpha=0.7, markersize=10,
                           marker="o", edgecolor="black", linewidth=1.5, zorder=10))
    png = render_map(layers, title="Tomta med lagene som avgjorde vurderingen", focus=focus,
                     crs_label=f"EPSG:{dataset.epsg}" if getattr(dataset, "epsg", None) else None,
                     height_cm=13.0)
    sec.items.append(Figure("Kart over tomta", png,
                            caption="Kartet viser tomta og lagene kriteriene bygger på "
                                    f"({', '.join(labels.get(n, n).lower() for n in shown) or 'ingen'}). "
                                    "Kommunale boliger vises ikke av personvernhensyn."))
    rows = [{"lag": labels.get(n, n), "kriterier": ", ".join(deciding[n]),
             "i_data": "Ja" if dataset.has(n) else "Nei (kriteriet blir ukjent)"}
            for n in order if n in deciding]
    if rows:
        sec.items.append(Table(id="lag_per_kriterium", title="Lagene bak hvert kriterium",
                               sheet="Lag per kriterium",
                               columns=[Column("lag", "Lag"), Column("kriterier", "Kriterier"),
                                        Column("i_data", "Finnes i dataene")], rows=rows))


def site_report_bytes(result: dict, dataset, config, fmt: str = "pdf", public: bool = True,
                      site=None) -> bytes:
    """The site report (checklist with map) as bytes.

    Parameters
    ----------
    result : dict
        ``{"kriterier": [...], "samlet": ..., "tomt": {...}}`` from the site assessment.
    dataset : geoplan.io.layers.Dataset
    config : geoplan.config.Config
    fmt : {"pdf", "html", "xlsx"}
    public : bool
        Suppress counts of municipal units below ``kommune.min_count_public``.
    site : geometry or GeoSeries, optional
        The site, if ``result["tomt"]`` carries no geometry or coordinates.
    """
    secs, samlet = site_sections(result, dataset, config, public=public, site=site)
    samlet_status = str(samlet or "ukjent")
    meta = _meta(dataset, config, SITE_TITLE,
                 "Sjekkliste for kjøp eller bygging av kommunal bolig: hvert kriterium med "
                 "målt verdi, terskel og kilde, og kart over tomta.")
    return _render(secs, meta, fmt, template="site.html.j2", samlet_status=samlet_status,
                   samlet_text=STATUS_TEXT.get(samlet_status, samlet_status))


def write_site_report(result: dict, dataset, out_path, config, public: bool = True,
                      site=None) -> Path:
    """Write the site report to ``out_path`` (.html, .pdf or .xlsx), atomically."""
    from geoplan.io.writers import write_bytes_atomic
    fmt = _fmt_from_path(out_path)
    return write_bytes_atomic(out_path, site_report_bytes(result, dataset, config, fmt,
                                                          public=public, site=site))


def _concentration_results(ctx: ReportContext):
    """``geoplan concentration`` for the same data and config, raw and public.

    The public version is :func:`concentration.suppress` with zeros suppressed
    too: the report goes on public hearing, so no count below the minimum is
    shown, whatever the flags.
    """
    def run():
        cm = _concentration_module(ctx)
        ctx.need("kommunal_bolig", "grunnkrets")
        ds = ctx.dataset
        from geoplan import runs as pipeline
        model, st = pipeline.concentration_model(ds, ctx.config)
        raw = model.result(**pipeline.cluster_kwargs(st))
        pub = cm.suppress(raw, max(st["min_count"], ctx.min_count), suppress_zero=True)
        return raw, pub, st
    return ctx.once("concentration", run)


def _mark_hidden(table: Table, raw_rows: list[dict], keys: Sequence[str]) -> None:
    """Cells the public version blanked (raw value present) are shown as suppressed."""
    for i, (row, rraw) in enumerate(zip(table.rows, raw_rows)):
        for k in keys:
            if _isnan(row.get(k)) and not _isnan(rraw.get(k)):
                table.suppressed_cells.add((i, k))


def _fewer(n: int, limit: int) -> str:
    return f"færre enn {limit}" if n < limit else fmt_number(n, 0)


@_section("konsentrasjon", "Konsentrasjon av kommunale boliger", ("concentration",))
def _sec_concentration(ctx: ReportContext, sec: Section) -> None:
    raw, pub, st = _concentration_results(ctx)
    limit = int((pub.prikking or {}).get("minste_antall", ctx.min_count))
    th = st["thresholds"]
    par = raw.parametere or {}
    sec.privacy = (f"Personvern: rapporten er offentlig. Tallene er samlet per grunnkrets, og antall "
                   f"kommunale enheter under {limit} (også 0) vises ikke («{SUPPRESSED}»), heller "
                   "ikke andeler og kvotienter som ville gitt dem tilbake. Adresser, enkeltboliger "
                   "og enkeltbygninger vises ikke.")
    idx = pub.indekser or {}
    sec.text.append(
        "Kildene sier at konsentrasjonen av kommunalt disponerte utleieboliger skal tas hensyn "
        "til når nye lokaliseres: selg der andelen er for høy, kjøp andre steder, og spre "
        "boligene forutsatt kollektivtilbud (Larvik kommune, Boligplan 2015–2020). Andelen er "
        "kommunale enheter av alle boliger i grunnkretsen; lokaliseringskvotienten er "
        "grunnkretsens andel delt på kommunens andel.")
    sec.text.append(
        f"Terskler: andel over {fmt_number(par.get('grunnkrets_andel_pct'), 0)} % eller "
        f"lokaliseringskvotient over {fmt_number(par.get('lokaliseringskvotient_maks'), 1)} i en "
        f"grunnkrets; Housing First høyst {fmt_number(par.get('housing_first_maks_andel_pct'), 0)} % "
        "(se parametere og kilder bakerst).")
    gk_raw = raw.grunnkretser.drop(columns="geometry").to_dict("records")
    gk_pub = pub.grunnkretser.drop(columns="geometry").to_dict("records")
    klynge_text = {"varm flekk": "varm flekk", "kald flekk": "kald flekk"}
    for r in gk_pub:
        r["klynge"] = klynge_text.get(r.get("klynge"), "")
        if _isnan(r.get("grunnkretsnavn")):
            r["grunnkretsnavn"] = ""
    t = Table(id="konsentrasjon_grunnkrets", title="Kommunale enheter per grunnkrets",
              sheet="Konsentrasjon grunnkrets",
              columns=[Column("grunnkretsnummer", "Grunnkrets"), Column("grunnkretsnavn", "Navn"),
                       Column("kommunale_enheter", "Kommunale enheter", "count"),
                       Column("antall_boliger", "Boliger", "int"),
                       Column("andel_pct", "Andel %", "num", 1),
                       Column("lokaliseringskvotient", "Lokaliseringskvotient", "num", 2),
                       Column("over_terskel", "Over terskel", "bool"),
                       Column("klynge", "Klynge (Gi*)")],
              rows=gk_pub)
    dependent = ["andel_pct", "lokaliseringskvotient", "over_terskel"]
    _mark_hidden(t, gk_raw, ["kommunale_enheter"] + dependent)
    suppress_small(t, ["kommunale_enheter"], limit, dependent=dependent)  # safety net
    t.note = ("«–» betyr at andelen ikke er definert (ingen boliger i grunnkretsen). "
              f"«{SUPPRESSED}» betyr skjult av personvernhensyn.")
    n_over = sum(1 for i, r in enumerate(gk_pub) if r.get("over_terskel") is True
                 and (i, "over_terskel") not in t.suppressed_cells)
    sec.text.append(f"{fmt_number(len(gk_pub), 0)} grunnkretser; {fmt_number(n_over, 0)} av dem "
                    "er over en terskel (blant dem som kan vises).")

    # global indices
    irows = []
    for key, label, d in (("dissimilaritet", "Dissimilaritetsindeks (0 = jevnt fordelt, 1 = helt atskilt)", 3),
                          ("isolasjon", "Isolasjonsindeks", 3),
                          ("romlig_dissimilaritet", "Romlig dissimilaritet", 3),
                          ("kommunal_andel_pct", "Kommunale enheter av alle boliger, %", 2)):
        irows.append({"indeks": label, "verdi": idx.get(key), "_d": d, "noekkel": key})
    tot = idx.get("kommunale_enheter_totalt")
    itab = Table(id="konsentrasjon_indekser", title="Globale indekser (PySAL segregation)",
                 sheet="Konsentrasjon indekser",
                 columns=[Column("indeks", "Indeks"), Column("verdi", "Verdi", "num", 3)],
                 rows=irows)
    itab.note = ("Kommunale enheter mot alle boliger i grunnkretsene. Ved jevn fordeling er "
                 "isolasjonsindeksen lik kommunens andel.")
    sec.items.append(Heading("Hele kommunen"))
    sec.items.append(Text(
        f"Kommunale enheter i alt: {fmt_number(tot, 0) if not _isnan(tot) and tot >= limit else SUPPRESSED} "
        f"av {fmt_number(idx.get('antall_boliger_totalt'), 0)} boliger."))
    sec.items.append(itab)

    # per kategori, whole municipality
    kat_raw = raw.kategorier
    if len(kat_raw):
        agg = kat_raw.groupby("kategori", sort=True)["kommunale_enheter"].sum()
        krows = [{"kategori": k, "kommunale_enheter": int(v)} for k, v in agg.items()]
        kt = Table(id="konsentrasjon_kategori", title="Kommunale enheter per kategori, hele kommunen",
                   sheet="Konsentrasjon kategori",
                   columns=[Column("kategori", "Kategori"),
                            Column("kommunale_enheter", "Kommunale enheter", "count")], rows=krows)
        suppress_small(kt, ["kommunale_enheter"], limit)
        sec.items.append(kt)

    sec.items.append(Heading("Per grunnkrets"))
    sec.items.append(t)

    # map: share per grunnkrets (public values), suppressed hatched
    from geoplan.present.report.staticmaps import COLORS, MapLayer
    g = pub.grunnkretser[["geometry"]].copy()
    vals = []
    for i, r in enumerate(gk_pub):
        hidden = (i, "andel_pct") in t.suppressed_cells
        vals.append(float("nan") if hidden or _isnan(r.get("andel_pct")) else float(r["andel_pct"]))
    g["andel_pct"] = vals
    layers = [MapLayer(g, "", column="andel_pct", cmap="YlOrRd", vmin=0,
                       colorbar_label="Kommunale enheter, % av boligene", zorder=1)]
    ug = ctx.layer("utviklingsgrense")
    if ug is not None:
        layers.append(MapLayer(ug, "Utviklingsgrense", color=COLORS["utviklingsgrense"],
                               fill=False, linewidth=1.0, zorder=3))
    if ctx.layer("kollektivakse") is not None:
        layers.append(MapLayer(ctx.layer("kollektivakse"), "Kollektivakse",
                               color=COLORS["kollektivakse"], linewidth=1.8, zorder=4))
    sec.items.append(_map_figure(
        ctx, layers, "Andel kommunale enheter per grunnkrets",
        f"Grunnkretser med færre enn {limit} kommunale enheter (også 0) er skravert og uten farge, "
        "av personvernhensyn. Enkeltboliger vises ikke.",
        focus=tuple(pub.grunnkretser.total_bounds), height_cm=13.0))

    # hot spots
    kl = pub.klynger
    if len(kl):
        krows = kl.to_dict("records")
        kt = Table(id="konsentrasjon_klynger",
                   title=f"Varme og kalde flekker (Getis-Ord Gi*, {par.get('klynge_permutasjoner')} "
                         f"permutasjoner, p ≤ {fmt_number(par.get('klynge_signifikans'), 2)})",
                   sheet="Konsentrasjon klynger",
                   columns=[Column("grunnkretsnummer", "Grunnkrets"), Column("klynge", "Klynge"),
                            Column("gi_z", "z", "num", 2), Column("p_verdi", "p", "num", 3),
                            Column("andel_pct", "Andel %", "num", 1)], rows=krows)
        kraw = {str(r["grunnkretsnummer"]): r for r in raw.klynger.to_dict("records")}
        _mark_hidden(kt, [kraw.get(str(r["grunnkretsnummer"]), {}) for r in krows], ["andel_pct"])
        sec.items.append(kt)
    else:
        sec.items.append(Text("Ingen grunnkretser er signifikante varme eller kalde flekker."))

    # buildings and the radius: aggregates only
    b = raw.bygninger
    if len(b):
        def cnt(col):
            return int(b[col].fillna(False).astype(bool).sum()) if col in b.columns else 0
        brow = [{"hva": "Bygninger med kommunale enheter", "antall": _fewer(len(b), limit)},
                {"hva": f"Over Housing First-grensen ({fmt_number(par.get('housing_first_maks_andel_pct'), 0)} %)",
                 "antall": _fewer(cnt("over_hf_terskel"), limit)},
                {"hva": f"Andel over {fmt_number(par.get('bygning_maks_andel_pct'), 0)} %",
                 "antall": _fewer(cnt("over_andel_terskel"), limit)},
                {"hva": f"Flere enn {fmt_number(par.get('bygning_maks_enheter'), 0)} enheter",
                 "antall": _fewer(cnt("over_antall_terskel"), limit)}]
        sec.items.append(Table(id="konsentrasjon_bygninger", title="Bygninger (bare samlet)",
                               sheet="Konsentrasjon bygninger",
                               columns=[Column("hva", "Bygninger"), Column("antall", "Antall")],
                               rows=brow,
                               note="Enkeltbygninger vises ikke i en offentlig rapport."))
    elif not ctx.has("bygning"):
        sec.items.append(Text("Laget «bygning» mangler, så konsentrasjon per bygning (Housing "
                              "First-regelen) er ikke vurdert."))
    rad = pub.radius.to_dict("records")
    if rad:
        r0 = rad[0]

        def show(v):
            return SUPPRESSED if _isnan(v) else fmt_number(v, 0)
        sec.items.append(Text(
            f"Innenfor {fmt_number(st['radius_m'], 0)} m av hver kommunal bolig: "
            f"{show(r0.get('boligpunkter_over_terskel'))} av {show(r0.get('boligpunkter'))} "
            f"boligpunkter er over terskelen; medianen er {show(r0.get('median_enheter_innen_radius'))} "
            f"og det høyeste {show(r0.get('maks_enheter_innen_radius'))} kommunale enheter innenfor "
            "radiusen."))
    for f in pub.datafeil or []:
        if f.get("melding"):
            sec.items.append(Text(f["melding"]))
    if len(pub.kategorier):
        # per grunnkrets and kategori: spreadsheet only (a long table)
        kp = pub.kategorier.to_dict("records")
        kr = raw.kategorier.to_dict("records")
        kt2 = Table(id="konsentrasjon_kategori_grunnkrets", title="Per kategori og grunnkrets",
                    sheet="Kategori per grunnkrets",
                    columns=[Column("grunnkretsnummer", "Grunnkrets"), Column("kategori", "Kategori"),
                             Column("kommunale_enheter", "Kommunale enheter", "count"),
                             Column("andel_pct", "Andel %", "num", 2),
                             Column("lokaliseringskvotient", "Lokaliseringskvotient", "num", 2)],
                    rows=kp, in_html=False)
        _mark_hidden(kt2, kr, ["kommunale_enheter", "andel_pct", "lokaliseringskvotient"])
        suppress_small(kt2, ["kommunale_enheter"], limit,
                       dependent=["andel_pct", "lokaliseringskvotient"])
        sec.items.append(kt2)
