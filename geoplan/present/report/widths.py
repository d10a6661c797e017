"""Column widths for the PDF's tables, computed once here instead of by WeasyPrint.

A table with ``table-layout: auto`` makes WeasyPrint measure every cell twice more
(its narrowest and widest line) before laying it out: on the Oslo-scale report
that was 12 s of the PDF's 71 s in WeasyPrint. Here the same two widths come from
the font's advance widths (DejaVu Sans, the report's font, as matplotlib ships
it; Pillow measures), the columns are shared out as CSS 2.1's automatic layout
does (§17.5.2.2: each column its widest line when all fit, else its narrowest
plus a share of what is left in proportion to the difference), and the PDF gets
them as ``<col>`` percentages with ``table-layout: fixed``. HTML keeps the
browser's automatic layout.
"""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass
from typing import Sequence

#: the table's width in points: A4 (210 mm) less the page margins (2 x 16 mm)
TABLE_WIDTH_PT = (210.0 - 32.0) / 25.4 * 72.0
#: the same on a landscape A4 page (report.css ``@page landskap``): 297 mm less 32 mm
LANDSCAPE_WIDTH_PT = (297.0 - 32.0) / 25.4 * 72.0
#: report.css: ``table.data`` font size, and the smaller source column
FONT_PT = 8.3
SMALL_FONT_PT = {"kilde": 7.5}
#: report.css: cell padding 1.5 mm left and right
PADDING_PT = 2 * 1.5 / 25.4 * 72.0
#: room for the collapsed borders and rounding: a word measured to fill its column
#: exactly wrapped its last letter
SLACK_PT = 2.5
#: a header breaks long words with hyphens (``hyphens: auto``): its narrowest line is
#: taken as this many characters of its longest word
HEADER_MIN_CHARS = 5
#: tables with widths of their own in report.css
OWN_WIDTHS = ("parametere",)

_WORD = re.compile(r"\S+")


def _font_file(bold: bool) -> str | None:
    try:
        import matplotlib
    except ImportError:   # pragma: no cover - matplotlib is a dependency
        return None
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    path = os.path.join(os.path.dirname(matplotlib.__file__), "mpl-data", "fonts", "ttf", name)
    return path if os.path.exists(path) else None


@functools.lru_cache(maxsize=4)
def _font(bold: bool):
    """Pillow's font at 100 units per em (None when the font file is missing)."""
    path = _font_file(bold)
    if path is None:
        return None
    try:
        from PIL import ImageFont
        return ImageFont.truetype(path, 100)
    except (ImportError, OSError):
        return None


def text_width(s: str, size_pt: float, bold: bool = False) -> float | None:
    """Advance width of ``s`` in points at ``size_pt`` (None without the font)."""
    f = _font(bold)
    if f is None:
        return None
    return f.getlength(s) * size_pt / 100.0


def _widths(s: str, size: float, bold: bool, nowrap: bool, header: bool) -> tuple[float, float]:
    """(narrowest, widest) line of a cell's text, in points, padding included."""
    pad = PADDING_PT + SLACK_PT
    whole = text_width(s, size, bold) or 0.0
    if nowrap or not s:
        return whole + pad, whole + pad
    words = _WORD.findall(s)
    longest = max(words, key=len) if words else ""
    if header and len(longest) > HEADER_MIN_CHARS:
        longest = longest[:HEADER_MIN_CHARS]
    narrow = max((text_width(w, size, bold) or 0.0) for w in words) if not header \
        else (text_width(longest, size, bold) or 0.0)
    return narrow + pad, whole + pad


def share_out(mins: Sequence[float], maxs: Sequence[float], width: float) -> list[float]:
    """Column widths filling ``width`` from each column's narrowest and widest line.

    CSS 2.1 §17.5.2.2 for a table of given width: all widest lines fit -> each
    column its widest line, the rest shared in proportion to it; else each column
    its narrowest line plus the room left in proportion to (widest - narrowest);
    not even the narrowest fit -> the narrowest, scaled down to ``width``.
    """
    mins = [max(0.0, m) for m in mins]
    maxs = [max(a, b) for a, b in zip(mins, maxs)]
    smin, smax = sum(mins), sum(maxs)
    if smax <= width:
        if smax <= 0:
            return [width / len(maxs)] * len(maxs) if maxs else []
        return [m * width / smax for m in maxs]
    if smin >= width:
        return [m * width / smin for m in mins] if smin > 0 else [width / len(mins)] * len(mins)
    room, span = width - smin, smax - smin
    return [a + (b - a) * room / span for a, b in zip(mins, maxs)]


#: the smallest font a table too wide for the page is shrunk to (report.css: 8.3 pt)
MIN_FONT_PT = 6.0
#: a table that would need a smaller font than this on a portrait page gets a page of
#: its own in landscape instead
PORTRAIT_MIN_FONT_PT = 7.0


def _measure(table, rows, scale: float) -> tuple[list[float], list[float]]:
    """Each column's (narrowest, widest) line in points with the fonts scaled by ``scale``."""
    mins, maxs = [], []
    for j, c in enumerate(table.columns):
        size = SMALL_FONT_PT.get(c.key, FONT_PT) * scale
        lo, hi = _widths(str(c.label), FONT_PT * scale, True, False, True)
        # numbers, statuses and a checklist's values never wrap (report.css)
        nowrap = c.numeric or c.kind == "status" or c.key == "status" or (
            c.key == "verdi" and str(table.id).startswith("sjekkliste"))
        seen: set[tuple[str, bool, bool]] = set()
        for r in rows:
            cell = r["cells"][j]
            key = (cell["text"], "sum" in r["css"], nowrap or "num" in cell["css"])
            if key in seen:
                continue
            seen.add(key)
            a, b = _widths(key[0], size, key[1], key[2], False)
            lo, hi = max(lo, a), max(hi, b)
        mins.append(lo)
        maxs.append(hi)
    return mins, maxs


def _fit(table, rows, width: float) -> tuple[list[float], float | None]:
    """(column widths in points filling ``width``, the font if smaller than the CSS's)."""
    mins, maxs = _measure(table, rows, 1.0)
    font = None
    pads = len(mins) * (PADDING_PT + SLACK_PT)
    if sum(mins) > width and sum(mins) > pads:
        scale = min(1.0, (width - pads) / (sum(mins) - pads))
        # a tenth of a point down, so the rounded size never exceeds what fits
        font = max(MIN_FONT_PT, int(FONT_PT * scale * 10) / 10)
        mins, maxs = _measure(table, rows, font / FONT_PT)
    return share_out(mins, maxs, width), font


@dataclass
class Layout:
    """A table's PDF layout: column widths in percent of the table's width, the font
    size in points when smaller than report.css's (None: as the CSS says), and whether
    the table has landscape pages of its own."""

    widths: list[float]
    font_pt: float | None = None
    landscape: bool = False


def column_layout(table, rows: Sequence[dict] | None = None) -> Layout | None:
    """The PDF layout of ``table`` (a :class:`~geoplan.present.report.model.Table`);
    None where WeasyPrint should lay it out itself (a table with widths of its own, no
    rows, or no font to measure with).

    A table whose narrowest lines do not fit beside each other ran off the page's
    right edge under automatic layout, its last columns cut. Here its font shrinks
    until they fit, down to :data:`PORTRAIT_MIN_FONT_PT`; one that needs less gets
    landscape pages (a third wider), its font shrunk there if need be, down to
    :data:`MIN_FONT_PT`.

    ``rows``: the table's :attr:`~geoplan.present.report.model.Table.cells` when the
    caller has them already.
    """
    if table.id in OWN_WIDTHS or not table.rows or not table.columns or _font(False) is None:
        return None
    rows = table.cells if rows is None else rows
    cols, font = _fit(table, rows, TABLE_WIDTH_PT)
    landscape = False
    if font is not None and font < PORTRAIT_MIN_FONT_PT:
        cols, font = _fit(table, rows, LANDSCAPE_WIDTH_PT)
        landscape = True
    total = sum(cols) or 1.0
    return Layout([round(100.0 * w / total, 2) for w in cols], font, landscape)


__all__ = ["LANDSCAPE_WIDTH_PT", "Layout", "MIN_FONT_PT", "PORTRAIT_MIN_FONT_PT", "TABLE_WIDTH_PT",
           "column_layout", "share_out", "text_width"]
