"""The PDF laid out in parts on worker processes is the PDF of one process
(report/pdfparts.py): the same pages with the same text and size, «Side n av m»
counted over the whole document, the same outline and the same contents links."""

from __future__ import annotations

import io
import re
import shutil
import subprocess

import pytest

from geoplan.config import load_config
from geoplan.present import report as rp
from geoplan.present.report import parallel, pdfparts
from geoplan.present.report.model import Figure
from geoplan.present.report.render import render

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils")


def _png() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (300, 200), (31, 78, 121)).save(buf, "png")
    return buf.getvalue()


def _sections() -> list:
    out = []
    for k in range(1, 6):
        cols = [rp.Column("sted", "Sted")] + [rp.Column(f"k{j}", f"Kolonne {j}", "num")
                                             for j in range(1, 6)]
        rows = [{"sted": f"Sted {k}-{i}", **{f"k{j}": k * 1000 + i * 10 + j for j in range(1, 6)}}
                for i in range(30 * k)]
        items = [rp.Table(id=f"t{k}", title=f"Tabell {k}", columns=cols, rows=rows)]
        if k % 2:
            items.append(Figure(f"Kart {k}", _png(), caption=f"Figur {k}"))
        out.append(rp.Section(id=f"del{k}", title=f"Kapittel {k}", text=[f"Tekst {k}."],
                              items=items, number=k))
    return out


def _pdf(monkeypatch, n: int) -> bytes:
    monkeypatch.setenv(parallel.ENV_WORKERS, str(n))
    meta = rp.report_meta(None, load_config(), "Rapport i deler", "Undertittel")
    return render(_sections(), meta, "pdf")


def _pages(pdf: bytes, tmp_path, name: str) -> list[str]:
    p = tmp_path / f"{name}.pdf"
    p.write_bytes(pdf)
    txt = subprocess.run(["pdftotext", "-layout", str(p), "-"], capture_output=True, text=True,
                         check=True).stdout
    return [re.sub(r"kl\. \d\d:\d\d", "kl. –", t) for t in txt.split("\f")][:-1]


def _outline(reader, items=None, depth=0, out=None):
    out = [] if out is None else out
    for it in (reader.outline if items is None else items):
        if isinstance(it, list):
            _outline(reader, it, depth + 1, out)
        else:
            out.append((depth, it.title, reader.get_destination_page_number(it)))
    return out


def _links(reader) -> list:
    out = []
    for i, page in enumerate(reader.pages):
        for a in page.get("/Annots") or []:
            a = a.get_object()
            if a.get("/Subtype") != "/Link":
                continue
            dest = a.get("/Dest")
            if isinstance(dest, str) or not hasattr(dest, "__getitem__"):
                dest = reader.named_destinations[str(dest)]
                target = reader.get_destination_page_number(dest)
            else:
                target = reader.get_page_number(dest[0].get_object())
            out.append((i, tuple(round(float(v)) for v in a["/Rect"]), target))
    return sorted(out)


def test_the_parts_plan_is_consecutive_and_balanced():
    secs = _sections()
    plan = pdfparts.plan_parts(secs, 2)
    assert [i for part in plan for i in part] == list(range(len(secs)))
    assert len(plan) == 2
    costs = [sum(pdfparts.section_cost(secs[i]) for i in part) for part in plan]
    assert max(costs) / min(costs) < 3
    assert pdfparts.plan_parts(secs[:1], 4) == [[0]]      # one section: one part


def test_a_pdf_in_parts_is_the_pdf_of_one_process(monkeypatch, tmp_path):
    from pypdf import PdfReader

    made = []
    real = pdfparts.render_parts

    def spy(htmls, images):
        made.append((len(htmls), real(htmls, images)))
        return made[-1][1]

    monkeypatch.setattr(pdfparts, "render_parts", spy)
    one = _pdf(monkeypatch, 1)
    assert made == []                                # one process: no parts
    parts = _pdf(monkeypatch, 2)
    assert len(made) == 1 and made[0][0] == 2 and made[0][1] is not None   # laid out in parts
    a, b = _pages(one, tmp_path, "en"), _pages(parts, tmp_path, "deler")
    n = len(a)
    assert n >= 6 and len(b) == n
    assert a == b                                    # every page, word for word
    for i, page in enumerate(b, start=1):            # counted over the whole document
        assert f"Side {i} av {n}" in page
        if i > 1:                                    # running headers on every page but the title
            assert "Rapport i deler" in page
    ra, rb = PdfReader(io.BytesIO(one)), PdfReader(io.BytesIO(parts))
    assert [tuple(p.mediabox) for p in ra.pages] == [tuple(p.mediabox) for p in rb.pages]
    assert _outline(ra) == _outline(rb) and len(_outline(rb)) >= 6
    links = _links(rb)
    assert links == _links(ra) and len(links) == 5   # contents -> each chapter, across parts
    assert rb.metadata.get("/Title") == ra.metadata.get("/Title")


def test_a_part_that_fails_leaves_the_pdf_to_one_process(monkeypatch, tmp_path):
    def broken(*_a, **_k):
        raise RuntimeError("fails in the worker")

    monkeypatch.setattr(pdfparts, "join", broken)       # the join fails: None, one process
    assert pdfparts.render_parts(["<p>x</p>", "<p>y</p>"], None) is None
    monkeypatch.setattr("geoplan.present.report.render._pdf_document", broken)
    assert pdfparts.render_parts(["<p>x</p>", "<p>y</p>"], None) is None
