"""Every `source` in reserves.toml and schools.toml names a document a user has.

A source names the document by its title (or a law, a regulation, a code list, or says
it is a municipal/technical choice), never a developer file; every «l. N» line reference
lies within the document named; and where the source documents are at hand
(``GEOPLAN_SEEDS``, default ``/work/shared/seeds``), every «quotation» in a source is
found in the text of the lines it cites.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path

import pytest

DEFAULTS = Path(__file__).resolve().parents[1] / "geoplan" / "config" / "defaults"
FILES = ("reserves.toml", "schools.toml")

#: documents by the title a source uses: (text file, number of lines of its text)
DOCUMENTS = {
    "Boligplan 2015–2020": ("004_974c5e6e4f5c28ee.txt", 21097),
    "Agenda Kaupang 2023": ("002_ce68589e88cda0a8.txt", 1411),
}
#: sources that name no line: a law, regulation, code list or a stated choice
OTHER_AUTHORITIES = ("Kommunalt valg", "Teknisk valg", "SOSI kodeliste", "TEK17",
                     "plan- og bygningsloven", "Regional plan for bærekraftig arealpolitikk")
FORBIDDEN = re.compile(r"DOMAIN|seed|\.md\b|\.py\b|issue|geoplan/", re.IGNORECASE)
LINES = re.compile(r"\bl\.\s*(\d+)(?:\s*[–-]\s*(\d+))?((?:\s*(?:,|og)\s*\d+(?:\s*[–-]\s*\d+)?)*)")
SEEDS = Path(os.environ.get("GEOPLAN_SEEDS", "/work/shared/seeds"))


def _sources(node, where=""):
    """Every (dotted key, source) in a parsed TOML tree, arrays of tables included."""
    if isinstance(node, dict):
        if "source" in node:
            yield where, str(node["source"])
        for k, v in node.items():
            yield from _sources(v, f"{where}.{k}" if where else k)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _sources(v, f"{where}[{i}]")


def _all():
    for f in FILES:
        data = tomllib.loads((DEFAULTS / f).read_text(encoding="utf-8"))
        yield from ((f"{f}:{k}", s) for k, s in _sources(data))


def _ranges(src: str) -> list[tuple[int, int]]:
    out = []
    for m in LINES.finditer(src):
        a = int(m.group(1))
        out.append((a, int(m.group(2) or a)))
        for extra in re.findall(r"(\d+)(?:\s*[–-]\s*(\d+))?", m.group(3) or ""):
            out.append((int(extra[0]), int(extra[1] or extra[0])))
    return out


def _norm(t: str) -> str:
    return re.sub(r"[\s\-–­]", "", t).casefold()


ALL = list(_all())


def test_there_are_sources_to_check():
    assert len(ALL) > 30


@pytest.mark.parametrize("key,src", ALL, ids=[k for k, _ in ALL])
def test_source_names_a_document_a_user_has(key, src):
    assert src.strip(), key
    assert not FORBIDDEN.search(src), f"{key}: {src}"
    docs = [d for d in DOCUMENTS if d in src]
    ranges = _ranges(src)
    if ranges:
        assert docs, f"{key}: line numbers without a document title: {src}"
        longest = max(DOCUMENTS[d][1] for d in docs)
        for a, b in ranges:
            assert 1 <= a <= b <= longest, f"{key}: l. {a}–{b} outside the document ({longest})"
    else:
        assert docs or any(o in src for o in OTHER_AUTHORITIES), f"{key}: {src}"


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the source texts are not on this machine")
@pytest.mark.parametrize("key,src", ALL, ids=[k for k, _ in ALL])
def test_quotations_are_in_the_cited_lines(key, src):
    quotes = re.findall(r"«([^»]+)»", src)
    docs = [d for d in DOCUMENTS if d in src]
    if not quotes or not docs:
        return
    window = ""
    for d in docs:
        # numbered by newline, as the line numbers are counted (not str.splitlines)
        raw = (SEEDS / DOCUMENTS[d][0]).read_bytes().decode("utf-8")
        text = raw.split("\n")
        n = raw.count("\n") + (0 if raw.endswith("\n") else 1)
        assert n == DOCUMENTS[d][1], f"{d}: the text has {n} lines"
        for a, b in _ranges(src):
            window += "\n".join(text[max(a - 3, 0):b + 2])
    for q in quotes:
        for part in re.split(r"\.\.\.|…", q):
            assert _norm(part) in _norm(window), f"{key}: «{part}» not at the cited lines"


def test_every_shipped_school_and_reserve_choice_says_so():
    """A parameter whose source calls it a choice is flagged as an assumption."""
    for f in FILES:
        data = tomllib.loads((DEFAULTS / f).read_text(encoding="utf-8"))
        for key, src in _sources(data):
            node = data
            for part in re.split(r"\.", key.split("[")[0]):
                node = node[part] if isinstance(node, dict) else node
            if isinstance(node, dict) and "value" in node and \
                    src.startswith(("Kommunalt valg", "Teknisk valg")):
                assert node.get("assumption") is True, f"{f}:{key}"
