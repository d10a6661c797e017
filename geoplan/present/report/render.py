"""One list of sections, three documents: HTML (Jinja2), PDF (WeasyPrint), XLSX (XlsxWriter).

HTML is self-contained (images inline, the print CSS embedded); the PDF is that
HTML on A4 with page numbers «Side n av m»; the spreadsheet has one sheet per
table with the raw (unrounded) values, and suppressed counts as ``:``.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any, Mapping, Sequence

from geoplan import __version__
from geoplan.config.kommune import identify_kommune
from geoplan.errors import UnreadableInput
from geoplan.present import text
from geoplan.present.report.model import STATUS_TEXT, SUPPRESSED, Column, Section, Table
from geoplan.privacy import safe_cell

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"

FORMATS = ("html", "pdf", "xlsx")

REPORT_TITLE = "Boligreserve, arealbehov og lokalisering"
REPORT_SUBTITLE = ("Vedlegg til kommuneplanens arealdel: arealbehov til horisontåret, "
                   "boligreserve og innspill per sted, skolekriteriet, kollektivnærhet og "
                   "spredning av kommunale boliger.")


def _jinja_env():
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR)),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        trim_blocks=True, lstrip_blocks=True,
    )


def _kommune(dataset, config):
    """The data's municipality against the configuration's (:func:`identify_kommune`)."""
    return identify_kommune(getattr(dataset, "layers", None) or {}, config)


def report_meta(dataset, config, title: str, subtitle: str) -> dict:
    """Title page and footer fields: municipality, date, data source, CRS, version, CSS."""
    return {
        "title": title,
        "subtitle": subtitle,
        "kommune": (ident := _kommune(dataset, config)).label,
        "kommune_merknad": ident.banner(),
        "created": text.datetime_text(),
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


#: address scheme of figures handed to WeasyPrint by :func:`html_to_pdf`'s fetcher
FIGURE_SCHEME = "geoplan-figur"


def _fetcher(images: Mapping[str, tuple[bytes, str]]):
    """WeasyPrint's URL fetcher, answering the figure addresses from ``images``."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class FigureFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if url in images:
                body, mime = images[url]
                return URLFetcherResponse(url, body, {"Content-Type": mime})
            return super().fetch(url, headers)

    return FigureFetcher()


def html_to_pdf(html: str, images: Mapping[str, tuple[bytes, str]] | None = None) -> bytes:
    """The HTML as an A4 PDF (WeasyPrint), page numbers from the print CSS.

    ``images``: address -> (bytes, mime) for images the HTML refers to by address
    (see :func:`render`); others are inline ``data:`` URIs or files.
    """
    return _pdf_document(html, images).write_pdf()


def _pdf_document(html: str, images: Mapping[str, tuple[bytes, str]] | None = None):
    """WeasyPrint's document for ``html`` (figures fetched from ``images``), unrendered."""
    import logging

    from geoplan.present.report.htmltree import weasy_html

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    # the tree of geoplan's own HTML from the standard library's parser (htmltree.py:
    # tinyhtml5 took 1,4 s of the demo PDF), WeasyPrint's own parse for anything else
    return weasy_html(html, str(TEMPLATE_DIR), _fetcher(images) if images else None)


#: templates whose chapters each start a page: their PDF may be laid out in parts
PART_TEMPLATES = ("report.html.j2",)


_BAD_SHEET_CHARS = str.maketrans({c: " " for c in "[]:*?/\\"})


def _sheet_name(name: str, used: set[str]) -> str:
    """A valid, unique Excel sheet name (31 characters, no ``[]:*?/\\``)."""
    # Excel also refuses an apostrophe at either end, and keeps «History» for itself
    base = name.translate(_BAD_SHEET_CHARS).strip()[:31].strip(" '") or "Tabell"
    cand, i = base, 2
    used.add("history")
    while cand.lower() in used:
        suffix = f" ({i})"
        cand = base[: 31 - len(suffix)] + suffix
        i += 1
    used.add(cand.lower())
    return cand


def xlsx_value(v: Any, col: Column):
    """A cell's raw value for the spreadsheet (text for booleans, statuses and lists)."""
    if text.is_missing(v):
        return None
    if col.kind == "bool":
        return text.yes_no(v)
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


class _Xlsx:
    """The report's workbook, written by XlsxWriter (one pass, cells straight to XML).

    openpyxl built every cell as an object and styled it afterwards: 0,6-0,7 s for
    the demo's 40 sheets (8 125 cells), against 0,2 s here. Texts are written as
    texts, never as formulas or links (after :func:`geoplan.privacy.safe_cell`), numbers
    as numbers; a missing value is an empty cell.
    """

    def __init__(self, buf: io.BytesIO):
        import xlsxwriter

        self.wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False,
                                            "strings_to_urls": False,
                                            "strings_to_numbers": False})
        add = self.wb.add_format
        self.title = add({"bold": True, "font_size": 14})
        self.bold = add({"bold": True})
        self.alert = add({"bold": True, "font_color": "#B00000"})
        self.header = add({"bold": True, "font_color": "#FFFFFF", "bg_color": "#1F4E79",
                           "pattern": 1, "text_wrap": True, "valign": "bottom"})
        self._num: dict[tuple[int, bool], Any] = {}

    def num(self, decimals: int, bold: bool):
        """The number format ``#,##0.00`` (``decimals`` places), bold in total rows."""
        key = (decimals, bold)
        if key not in self._num:
            spec: dict[str, Any] = {"num_format": "#,##0" + ("." + "0" * decimals
                                                             if decimals > 0 else "")}
            if bold:
                spec["bold"] = True
            self._num[key] = self.wb.add_format(spec)
        return self._num[key]

    @staticmethod
    def put(ws, r: int, c: int, v: Any, fmt=None) -> None:
        if v is None or v == "":       # an empty text is an empty cell, as openpyxl wrote it
            if fmt is not None:
                ws.write_blank(r, c, None, fmt)
        elif isinstance(v, str):
            ws.write_string(r, c, v, fmt)
        elif isinstance(v, bool):
            ws.write_string(r, c, text.yes_no(v), fmt)
        elif isinstance(v, (int, float)):
            ws.write_number(r, c, v, fmt)
        else:
            ws.write_string(r, c, str(v), fmt)


def _write_table(x: _Xlsx, sheet: str, t: Table) -> None:
    """One table as one sheet: bold white-on-blue header, totals bold, number formats."""
    ws = x.wb.add_worksheet(sheet)
    cols = t.columns
    for j, c in enumerate(cols):
        x.put(ws, 0, j, safe_cell(c.label), x.header)
    # the column widths from the header and the first 200 rows, as the cells are written
    widths = [len(str(c.label)) for c in cols]
    nums = [x.num(c.decimals, False) if c.kind == "num" else None for c in cols]
    bold_nums = [x.num(c.decimals, True) if c.kind == "num" else x.bold for c in cols]
    hidden, sums = t.suppressed_cells, t.sum_rows
    for i, row in enumerate(t.rows):
        fmts = bold_nums if i in sums else nums
        for j, c in enumerate(cols):
            v = SUPPRESSED if (i, c.key) in hidden else safe_cell(xlsx_value(row.get(c.key), c))
            x.put(ws, i + 1, j, v, fmts[j])
            if i < 199 and v:
                widths[j] = max(widths[j], len(str(v)))
    for j, w in enumerate(widths):
        ws.set_column(j, j, min(max(w + 2, 8), 60))
    ws.freeze_panes(1, 0)
    if t.note:
        x.put(ws, len(t.rows) + 2, 0, safe_cell(t.note))


def sections_to_xlsx(sections: Sequence[Section], meta: dict) -> bytes:
    """One sheet per table (raw values; suppressed counts as ``:``), plus an about sheet."""
    buf = io.BytesIO()
    x = _Xlsx(buf)
    about = x.wb.add_worksheet("Om rapporten")
    used = {"om rapporten"}
    r = 0

    def line(*cells, fmt=None) -> None:
        nonlocal r
        for j, v in enumerate(cells):
            x.put(about, r, j, safe_cell(v), fmt if j == 0 else None)
        r += 1

    line(meta["title"], fmt=x.title)
    if meta.get("kommune_merknad"):
        line(meta["kommune_merknad"], fmt=x.alert)
    for k, label in (("kommune", "Kommune"), ("created", "Laget"), ("source", "Datagrunnlag"),
                     ("crs", "Koordinatsystem"), ("version", "geoplan-versjon")):
        line(label, meta.get(k, ""))
    r += 1
    line("Innhold", fmt=x.bold)
    for s in sections:
        if s.omitted:
            line(f"{s.number}. {s.title}", s.omitted)
            continue
        if s.privacy:
            line(f"{s.number}. {s.title}", s.privacy)
        for t in s.tables:
            if not t.in_xlsx:
                continue
            sheet = _sheet_name(t.sheet or t.title or s.title, used)
            line(f"{s.number}. {s.title}", f"Ark «{sheet}»: {t.title or s.title}")
            _write_table(x, sheet, t)
    about.set_column(0, 0, 40)
    about.set_column(1, 1, 100)
    x.wb.close()
    return buf.getvalue()


def fmt_from_path(out_path) -> str:
    """The report format from the file suffix (.html/.htm, .pdf, .xlsx); refuses others."""
    suffix = Path(out_path).suffix.lower().lstrip(".")
    if suffix == "htm":
        suffix = "html"
    if suffix not in FORMATS:
        raise UnreadableInput(
            f"Kan ikke lage rapport som «{Path(out_path).name}»: bruk filendelsen .html, "
            ".pdf eller .xlsx.")
    return suffix


def draw_figures(sections: Sequence[Section], workers: int | None = None) -> None:
    """Draw every section's figures; a section whose figure fails is left out with the reason.

    Figures are drawn lazily (see :class:`~geoplan.present.report.model.Figure`),
    so a drawing error surfaces here rather than in the section builder. ``workers``:
    processes the maps are drawn on (:func:`~geoplan.present.report.parallel.draw_all`;
    default as there); a figure a worker could not draw is drawn (or fails) here.
    """
    from geoplan.present.report.context import _omission
    from geoplan.present.report.parallel import draw_all

    draw_all([f for s in sections if not s.omitted for f in s.figures], workers)

    for s in sections:
        if s.omitted:
            continue
        try:
            for f in s.figures:
                f.image  # noqa: B018 - draws the figure once
        except Exception as e:  # noqa: BLE001 - one failing map must not sink the report
            s.omitted = _omission(e)
            s.items, s.text = [], []


def render(sections: Sequence[Section], meta: dict, fmt: str,
           template: str = "report.html.j2", **extra) -> bytes:
    """The sections as a document in ``fmt`` (html, pdf or xlsx)."""
    fmt = fmt.lower()
    if fmt not in FORMATS:
        raise UnreadableInput(f"Ukjent rapportformat «{fmt}»: bruk html, pdf eller xlsx.")
    if fmt == "xlsx":
        return sections_to_xlsx(sections, meta)   # tables only: no figure is drawn
    draw_figures(sections)
    if fmt == "html":
        return render_html(sections, meta, template, **extra).encode("utf-8")
    # PDF: figures by address, fetched from memory (the same bytes as the HTML's inline ones)
    # and tables with the column widths computed here (widths.py), laid out fixed
    from geoplan.present.report.widths import column_layout

    figs = [f for s in sections if not s.omitted for f in s.figures]
    tables = [t for s in sections if not s.omitted for t in s.tables if t.in_html]
    images = {}
    try:
        for i, f in enumerate(figs):
            f.ref = f"{FIGURE_SCHEME}:{i}"
            images[f.ref] = (f.image, f.mime)
        for t in tables:
            t.layout = column_layout(t)
        pdf = _pdf_in_parts(sections, meta, template, images, **extra)
        if pdf is not None:
            return pdf
        html = render_html(sections, meta, template, **extra)
    finally:
        for f in figs:
            f.ref = None
        for t in tables:
            t.layout = None
    return html_to_pdf(html, images)


def _pdf_in_parts(sections: Sequence[Section], meta: dict, template: str, images,
                  **extra) -> bytes | None:
    """The PDF laid out in parts on worker processes (:mod:`pdfparts`), or None: one
    process (a busy machine, a threaded server, a short document, a part that failed)."""
    if template not in PART_TEMPLATES:
        return None
    from geoplan.present.report.parallel import workers
    from geoplan.present.report.pdfparts import plan_parts, render_parts

    plan = plan_parts(sections, workers(len(sections)))
    if len(plan) < 2:
        return None
    htmls = [render_html([sections[i] for i in part], meta, template, part_first=k == 0,
                         toc_sections=sections, **extra) for k, part in enumerate(plan)]
    return render_parts(htmls, images)


# ------------------------------------------------------------------ the KPA report

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
        Section ids (:data:`~geoplan.present.report.context.SECTION_IDS`); default all.
    public : bool
        Suppress small counts everywhere (the concentration section always does).
    growth : mapping, optional
        Growth flags as in ``geoplan arealbehov``
        (see :func:`~geoplan.present.report.context.build_sections`).

    Returns
    -------
    bytes
        The document (HTML is UTF-8).
    """
    from geoplan.present.report.context import build_sections
    secs = build_sections(dataset, config, sections, public=public, growth=growth,
                          figures=fmt.lower() != "xlsx")
    return render_report(secs, dataset, config, fmt)


def render_report(sections: Sequence[Section], dataset, config, fmt: str = "pdf") -> bytes:
    """Render sections from :func:`build_sections` as the KPA report (html, pdf or xlsx)."""
    return render(sections, report_meta(dataset, config, REPORT_TITLE, REPORT_SUBTITLE), fmt)


def write_report(dataset, config, out_path, sections=None, public: bool = True,
                 growth: Mapping[str, Any] | None = None) -> Path:
    """Write the KPA report; the format follows the suffix (.html, .pdf, .xlsx). Atomic."""
    from geoplan.io.writers import write_bytes_atomic
    fmt = fmt_from_path(out_path)
    data = build_report(dataset, config, fmt=fmt, sections=sections, public=public,
                        growth=growth)
    return write_bytes_atomic(out_path, data)
