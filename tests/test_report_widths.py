"""The PDF's table column widths (report/widths.py): CSS's sharing rule by hand, and
what a reader sees -- every column on the page, no word broken inside a cell."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from geoplan.config import load_config
from geoplan.present import report as rp
from geoplan.present.report import widths


def test_share_out_follows_css_automatic_layout_by_hand():
    # all widest lines fit in 100: each its widest, the 40 left shared 1:2
    assert widths.share_out([5, 10], [20, 40], 100) == pytest.approx([100 / 3, 200 / 3])
    # they do not: narrowest lines (5 + 10) plus the 45 left shared as (20-5):(70-10) = 1:4
    assert widths.share_out([5, 10], [20, 70], 60) == pytest.approx([5 + 9, 10 + 36])
    # not even the narrowest fit: those, scaled to the width
    assert widths.share_out([30, 90], [40, 100], 60) == pytest.approx([15, 45])


def test_text_width_is_the_fonts_advance_width():
    # DejaVu Sans: every digit advances 0.636 em (1303 of 2048 units); at 10 pt, 6.36 pt each
    assert widths.text_width("0123456789", 10.0) == pytest.approx(63.62, abs=0.05)
    assert widths.text_width("", 10.0) == 0.0


def _table(n_cols: int, word: str = "Nevlunghavn") -> rp.Table:
    cols = [rp.Column("sted", "Sted")] + [rp.Column(f"k{j}", f"Kolonne {j} daa", "num")
                                         for j in range(1, n_cols)]
    rows = [{"sted": word, **{f"k{j}": 1000.0 * j + i + 0.25 for j in range(1, n_cols)}}
            for i in range(4)]
    return rp.Table(id="brei", title="Brei", columns=cols, rows=rows)


def test_a_narrow_table_keeps_the_css_font_and_gets_its_widest_lines():
    t = _table(3)
    lay = widths.column_layout(t)
    pct, font = lay.widths, lay.font_pt
    assert font is None and not lay.landscape and sum(pct) == pytest.approx(100, abs=0.05)
    # the place name column is at least as wide as the name, padding included
    assert pct[0] / 100 * widths.TABLE_WIDTH_PT >= widths.text_width("Nevlunghavn", widths.FONT_PT)


@pytest.mark.parametrize("n_cols, landscape, smaller", [
    (12, False, True), (15, True, False), (19, True, True)])
def test_a_table_too_wide_for_the_page_is_set_smaller_until_it_fits(n_cols, landscape, smaller):
    """Portrait at a smaller font down to 7 pt; then landscape, at the CSS's font while
    it fits, smaller after that."""
    t = _table(n_cols)
    lay = widths.column_layout(t)
    assert lay.landscape is landscape and (lay.font_pt is not None) is smaller
    font = lay.font_pt or widths.FONT_PT
    pct = lay.widths
    assert widths.MIN_FONT_PT <= font <= widths.FONT_PT
    if not landscape:
        assert font >= widths.PORTRAIT_MIN_FONT_PT
    width = widths.LANDSCAPE_WIDTH_PT if landscape else widths.TABLE_WIDTH_PT
    # each number, at that font, fits its column
    for j, c in enumerate(t.columns[1:], start=1):
        w = widths.text_width(c.format(t.rows[-1][c.key]), font)
        assert w + widths.PADDING_PT <= pct[j] / 100 * width


def test_tables_with_widths_of_their_own_are_left_to_the_css():
    t = _table(3)
    t.id = "parametere"
    assert widths.column_layout(t) is None


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils")
def test_every_column_of_a_wide_table_is_on_the_pdf_page(tmp_path):
    """Under automatic layout a 13-column table ran past the page's right edge and its
    last columns were cut; with the computed widths every value is on the page."""
    t = _table(15)
    sec = rp.Section(id="s", title="S", items=[t], number=1)
    meta = rp.report_meta(None, load_config(), "T", "U")
    from geoplan.present.report.render import render

    pdf = render([sec], meta, "pdf")
    out = tmp_path / "brei.pdf"
    out.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True,
                          text=True, check=True).stdout
    words = set(re.findall(r"\S+", text.replace("\u00a0", " ")))
    for j in range(1, 15):
        shown = t.columns[j].format(t.rows[3][f"k{j}"])
        assert set(shown.replace("\u00a0", " ").split()) <= words, (j, shown)
    assert "Nevlunghavn" in words          # the name is not broken inside its cell
    # nothing was left on the table: the layout attributes are cleared after the PDF
    assert t.layout is None
    # on a landscape page of its own (the page's width in points, pdfinfo)
    info = subprocess.run(["pdfinfo", "-f", "1", "-l", "9", str(out)], capture_output=True,
                          text=True, check=True).stdout
    sizes = re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)", info)
    assert any(float(w) > float(h) for w, h in sizes), sizes
