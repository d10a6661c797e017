"""The report model: sections holding text, tables and figures, rendered three ways.

A report is a list of :class:`Section`; each holds text, :class:`Table` and
:class:`Figure` items, or the Norwegian sentence saying why it was left out.
Cells are formatted with :mod:`geoplan.present.text`, the one Norwegian
formatter; the spreadsheet gets the raw values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from geoplan.present import text

#: Longest table printed in HTML/PDF; longer ones are cut with a note (the .xlsx has all rows).
MAX_HTML_ROWS = 400

#: Layers never drawn or itemised in a report: dwellings for vulnerable groups.
SENSITIVE_LAYERS = ("kommunal_bolig",)

#: Marker shown instead of a suppressed count (SSB: ":" = "vises ikke av
#: konfidensialitetshensyn").
SUPPRESSED = ":"

#: traffic-light status -> Norwegian
STATUS_TEXT = {"gronn": "Grønn", "gul": "Gul", "rod": "Rød", "ukjent": "Ukjent"}
STATUS_ORDER = ("rod", "gul", "ukjent", "gronn")

#: kept for callers of the report's former formatter: it is :func:`geoplan.present.text.number`
fmt_number = text.number


def parse_number(value: str) -> float | None:
    """Inverse of :func:`geoplan.present.text.number` (for tests and spreadsheets).

    ``"1 234,5"`` -> 1234.5; ``"–"``, ``":"`` and ``""`` -> None.
    """
    t = value.strip().replace("\u00a0", "").replace(" ", "").replace("\u2212", "-")
    if t in ("", text.MISSING, "-", SUPPRESSED):
        return None
    t = t.rstrip("%").replace(",", ".")
    return float(t)


@dataclass
class Column:
    """One table column.

    ``kind``: ``text``, ``num`` (``decimals`` digits), ``int``, ``bool``
    (ja/nei), ``count`` (an integer count of municipal units, suppressed below
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
        """The cell text for value ``v``."""
        if self.kind == "num":
            return text.number(v, self.decimals)
        if self.kind in ("int", "count"):
            return text.integer(v)
        if self.kind == "bool":
            return text.yes_no(v)
        if self.kind == "status":
            return STATUS_TEXT.get(str(v), str(v))
        if text.is_missing(v):
            return text.MISSING
        if isinstance(v, (list, tuple)):
            return ", ".join(str(x) for x in v)
        if isinstance(v, float):
            return text.number(v, self.decimals)
        return str(v)


@dataclass
class Table:
    """A table of records; ``sum_rows`` holds the indices of total rows (bold).

    ``suppressed_cells``: (row, column key) pairs shown as :data:`SUPPRESSED`
    (set by :func:`suppress_small`).
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
    #: set while the PDF is rendered: the columns' widths, laid out fixed, a smaller
    #: font, landscape pages (:class:`geoplan.present.report.widths.Layout`)
    layout: Any = field(default=None, repr=False, compare=False)

    @property
    def html_rows_shown(self) -> int:
        """Rows rendered in HTML/PDF (all of them go to the spreadsheet)."""
        return min(len(self.rows), MAX_HTML_ROWS)

    @property
    def truncated_note(self) -> str:
        if len(self.rows) <= MAX_HTML_ROWS:
            return ""
        return (f"Tabellen viser de første {text.integer(MAX_HTML_ROWS)} av "
                f"{text.integer(len(self.rows))} radene; alle står i regnearket (.xlsx).")

    def _cell(self, i: int, c: Column, row: dict) -> dict:
        if (i, c.key) in self.suppressed_cells:
            return {"key": c.key, "text": SUPPRESSED,
                    "css": ("num " if c.numeric else "") + "prikket"}
        v = row.get(c.key)
        css = f"status-{v}" if c.kind == "status" else ("num" if c.numeric else "")
        return {"key": c.key, "text": c.format(v), "css": css}

    @property
    def cells(self) -> list[dict]:
        """The HTML rows: the first :data:`MAX_HTML_ROWS`, and the total rows always."""
        keep = list(range(min(len(self.rows), MAX_HTML_ROWS)))
        keep += sorted(i for i in self.sum_rows if i >= MAX_HTML_ROWS)
        return [{"cells": [self._cell(i, c, self.rows[i]) for c in self.columns],
                 "css": "sum" if i in self.sum_rows else ""} for i in keep]


class Figure:
    """An image (PNG bytes) with title and caption.

    ``image`` is the PNG, or a function drawing it: a drawn figure is drawn the
    first time its image is asked for (HTML and PDF), never for the spreadsheet,
    which has no figures, and only once however often it is asked for.
    """

    kind = "figure"

    def __init__(self, title: str, image: "bytes | Callable[[], bytes]", caption: str = "",
                 mime: str = "image/png"):
        self.title = title
        self.caption = caption
        self.mime = mime
        self._image: bytes | None = None if callable(image) else image
        self._draw: Callable[[], bytes] | None = image if callable(image) else None
        #: set while the PDF is rendered: the image is fetched by this short address
        #: instead of being inlined as base64 (which WeasyPrint's parser reads slowly)
        self.ref: str | None = None

    @property
    def image(self) -> bytes:
        if self._image is None:
            assert self._draw is not None
            self._image, self._draw = self._draw(), None
        return self._image

    def set_image(self, png: bytes) -> None:
        """The drawn image (from :func:`geoplan.present.report.parallel.draw_all`, which
        called this figure's drawing in a worker process)."""
        self._image, self._draw = png, None

    @property
    def drawn(self) -> bool:
        """Whether the PNG exists already (False until a lazy figure is first shown)."""
        return self._image is not None

    @property
    def uri(self) -> str:
        if self.ref is not None:
            return self.ref
        from geoplan.present.report.staticmaps import data_uri
        return data_uri(self.image, self.mime)

    def __repr__(self) -> str:
        return f"Figure({self.title!r}, drawn={self.drawn})"


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


class Omit(Exception):
    """Raised by a section builder to leave its section out with a Norwegian reason."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def min_count(config) -> int:
    """The public suppression limit ``kommune.min_count_public`` (:class:`KommuneSettings`).

    A value below 1 (0 would publish everything) or not a whole number is a
    :class:`~geoplan.errors.ConfigError`, as everywhere else.
    """
    from geoplan.config.kommune import KommuneSettings
    return KommuneSettings.from_config(config).min_count_public


def suppress_small(table: Table, count_keys: Sequence[str], limit: int,
                   dependent: Sequence[str] = ()) -> int:
    """Mark counts below ``limit`` (0 included) as suppressed, with the values derived from them.

    Parameters
    ----------
    table : Table
        Modified in place (``suppressed_cells``).
    count_keys : sequence of str
        Count columns (municipal units) checked against ``limit``.
    limit : int
        Smallest count shown.
    dependent : sequence of str
        Columns suppressed in a row whenever one of its counts is (shares,
        location quotients: they would give the count back).

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
            if v is None or text.is_missing(v):
                continue
            if float(v) < limit:
                table.suppressed_cells.add((i, k))
                hit = True
        if hit:
            n += 1
            for k in dependent:
                table.suppressed_cells.add((i, k))
    return n


__all__ = ["Column", "Figure", "Heading", "MAX_HTML_ROWS", "Omit",
           "SENSITIVE_LAYERS", "STATUS_ORDER", "STATUS_TEXT", "SUPPRESSED", "Section", "Table",
           "Text", "fmt_number", "min_count", "parse_number", "suppress_small"]
