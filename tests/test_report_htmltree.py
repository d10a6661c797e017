"""The reports' HTML parsed by the standard library (report/htmltree.py) is the tree
WeasyPrint's own parser (tinyhtml5) builds, element by element; HTML outside the
plain case is left to tinyhtml5; and the PDF written from either tree is the same."""

from __future__ import annotations

import pytest
import tinyhtml5

from geoplan.config import load_config
from geoplan.io.layers import load
from geoplan.io.loader import DEFAULT_DATA
from geoplan.present import report as rp
from geoplan.present.report.htmltree import parse, weasy_html
from geoplan.present.report.render import (
    FIGURE_SCHEME,
    REPORT_SUBTITLE,
    REPORT_TITLE,
    TEMPLATE_DIR,
    render_html,
)
from geoplan.present.report.widths import column_layout


def _diff(a, b, path="html") -> str | None:
    """Where trees ``a`` (tinyhtml5) and ``b`` first differ (None: the same)."""
    here = (a.tag, dict(a.attrib), a.text, a.tail, len(a))
    there = (b.tag, dict(b.attrib), b.text, b.tail, len(b))
    if here != there:
        return f"{path}: {here!r} != {there!r}"
    for i, (x, y) in enumerate(zip(a, b)):
        d = _diff(x, y, f"{path}/{x.tag}[{i}]")
        if d:
            return d
    return None


def _same_as_tinyhtml5(html: str) -> None:
    mine = parse(html)
    assert mine is not None, "the plain case was refused"
    ref = tinyhtml5.parse(html, namespace_html_elements=False)
    assert _diff(ref, mine) is None


def _doc(body: str, head: str = "<title>t</title>") -> str:
    return f"<!DOCTYPE html>\n<html lang=\"nb\">\n<head>\n{head}\n</head>\n<body>\n{body}\n</body>\n</html>\n"


@pytest.fixture(scope="module")
def demo_sections():
    cfg = load_config()
    ds = load(DEFAULT_DATA, config=cfg)
    secs = rp.build_sections(ds, cfg, None, public=True, workers=1)
    meta = rp.report_meta(ds, cfg, REPORT_TITLE, REPORT_SUBTITLE)
    for i, f in enumerate(f for s in secs if not s.omitted for f in s.figures):
        f.ref = f"{FIGURE_SCHEME}:{i}"     # as the PDF refers to them: no drawing needed
    for s in secs:
        for t in s.tables:
            if not s.omitted and t.in_html:
                t.layout = column_layout(t)
    return secs, meta


def test_the_demo_report_is_the_tree_tinyhtml5_builds(demo_sections):
    secs, meta = demo_sections
    html = render_html(secs, meta)
    assert len(html) > 100_000 and "<table" in html
    _same_as_tinyhtml5(html)
    # a later part of a PDF in parts (pdfparts.py): the hidden running strings
    _same_as_tinyhtml5(render_html(secs[3:5], meta, part_first=False, toc_sections=secs))


@pytest.mark.parametrize("body", [
    "<p>Tall: 1&nbsp;234 &amp; 5 &lt; 6 &#x2212;7 &#8211; «sitat» æøå</p>",
    '<table class="meta">\n  <tr><td>Kommune</td><td>Larvik</td></tr>\n  <tr><td>A</td></tr>\n</table>',
    '<table><thead><tr><th>a</th></tr></thead>\n<tbody>\n<tr class=""><td class="num">1</td></tr>\n</tbody></table>',
    '<table><colgroup><col style="width: 50%"><col style="width: 50%"></colgroup><tbody><tr><td>x</td></tr></tbody></table>',
    '<figure>\n  <img src="geoplan-figur:0" alt="Kart">\n  <figcaption>Figur</figcaption>\n</figure>',
    '<ol class="toc"><li><a href="#a">A</a> (utelatt)</li><li><a href="#b">B</a></li></ol>',
    '<p>før<br>etter<br/>igjen</p><p data-x="a &quot;b&quot; &amp; c" hidden>tom verdi</p>',
    '<DIV CLASS="Stor">store bokstaver</DIV>',
    '<section id="s"><h2>1. Tittel</h2><p class="utelatt">Utelatt.</p></section>',
    "<p>navn fra et regneark:\r\nlinje to\rlinje tre</p>\r\n<p>&#x80; &#0; &#xD800;</p>",
])
def test_plain_html_is_the_tree_tinyhtml5_builds(body):
    _same_as_tinyhtml5(_doc(body))


def test_white_space_around_the_document_lands_where_html5_puts_it():
    _same_as_tinyhtml5("<!DOCTYPE html><html><head></head><body><p>x</p></body>\n\n</html>\n\n")
    _same_as_tinyhtml5("\n<!DOCTYPE html>\n<html>\n<head><style>p { color: red; }\n</style></head>"
                       "\n<body>x</body></html>")


@pytest.mark.parametrize("html", [
    _doc("<p>a<!-- en kommentar -->b</p>"),                  # comments
    _doc("<p>avsnitt <div>blokk</div></p>"),                   # a <p> HTML5 closes itself
    _doc("<p>åpent avsnitt<p>neste</p>"),                      # unclosed
    _doc("<ul><li>en<li>to</ul>"),                             # implied end tags
    _doc("<b><i>feil</b></i>"),                                # misnested
    _doc("<pre>\nkode</pre>"),                                 # first newline dropped
    _doc("<table>tekst i tabellen<tr><td>1</td></tr></table>"),  # foster parenting
    _doc("<table><tr><td>1</td></tr><p>ut</p></table>"),
    _doc('<p class="a" class="b">to klasser</p>'),             # repeated attribute
    _doc("<div/>etter"),                                       # «/>» on a normal element
    _doc("<script>var a = '<p>';</script>"),
    _doc("<svg><circle r='1'/></svg>"),
    _doc("x", head='<base href="http://example.org/">'),
    _doc("<p>nul\x00tegn</p>"),
    "<p>uten html-element</p>",
    "tekst<html><head></head><body></body></html>",
    "<!DOCTYPE html><html><body>uten head</body></html>",
    "<!DOCTYPE html><html><head></head><body>x</body></html><p>etter</p>",
    "<!DOCTYPE html><html><head></head><body><p>uavsluttet</body></html>",
])
def test_html_outside_the_plain_case_is_left_to_tinyhtml5(html):
    assert parse(html) is None


def test_the_pdf_from_either_tree_is_the_same():
    import weasyprint

    html = _doc('<h1>Rapport</h1><p class="ingress">Tall: 1&nbsp;234,5 &amp; «æøå»</p>'
                '<table class="data"><thead><tr><th class="num">a</th><th>b</th></tr></thead>'
                '<tbody>' + "".join(f'<tr><td class="num">{i}</td><td>rad {i}</td></tr>'
                                    for i in range(60)) + '</tbody></table>',
                head='<meta charset="utf-8"><title>Rapport</title><style>@page { size: A4; '
                     '@bottom-center { content: "Side " counter(page) " av " counter(pages); } }'
                     ' tr:nth-child(even) td { background: #eee; }</style>')
    assert parse(html) is not None
    own = weasyprint.HTML(string=html, base_url=str(TEMPLATE_DIR)).write_pdf()
    ours = weasy_html(html, str(TEMPLATE_DIR)).write_pdf()
    assert own == ours


def test_html_outside_the_plain_case_still_becomes_a_pdf():
    html = _doc("<p>a<!-- kommentar -->b<p>uavsluttet")
    assert parse(html) is None
    pdf = weasy_html(html, str(TEMPLATE_DIR)).write_pdf()
    assert pdf.startswith(b"%PDF")


def test_the_site_report_is_the_tree_tinyhtml5_builds(tmp_path):
    from geoplan.present.cli import main as cli

    g = load(DEFAULT_DATA).layers["kommunal_bolig"].geometry.iloc[3]
    out = tmp_path / "tomt.html"
    assert cli.main(["assess", "--site", f"{g.x:.0f},{g.y:.0f}", "--out", str(out)]) == 0
    _same_as_tinyhtml5(out.read_text(encoding="utf-8"))
