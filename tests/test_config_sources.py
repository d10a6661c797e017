"""Every ``source`` in the shipped config cites a document a user has, at lines that exist.

The source documents are the five seed texts; a user has them as the documents
named in each seed's title (Larvik's Boligplan, Bærum's slides, ...), so a
citation gives that title and the line. Developer files (DOMAIN.md, DESIGN.md,
a module path) are never cited. Line counts below are the seeds' own lengths
(``wc -l``), so a line number past the end of its seed fails.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

DEFAULTS = Path(__file__).resolve().parents[1] / "geoplan" / "config" / "defaults"

#: seed number -> (lines in the seed text, words one of which names the document)
SEEDS = {
    "000": (401, ("Lørenskog", "Løkenåsveien")),
    "001": (3334, ("NOVA", "Lørenskog")),
    "002": (1411, ("Agenda Kaupang", "Aldersvennlige")),
    "003": (486, ("Bærum",)),
    "004": (21096, ("Larvik",)),
}

#: files whose citations must also carry the document's title beside the seed number.
#: Extend with the other defaults when their citations have titles.
TITLED_FILES = sorted(p.name for p in DEFAULTS.glob("*.toml"))

#: document titles as citations write them -> the seed they are (a line number after a
#: title belongs to that document, as after «seed NNN»)
TITLES = {"Boligplan 2015": "004", "Larvik kommune": "004", "Bærum kommune": "003",
          "Agenda Kaupang": "002", "Aldersvennlige boliger": "002", "NOVA notat": "001",
          "Løkenåsveien": "000"}
TITLE_REF = re.compile("|".join(re.escape(t) for t in TITLES))

DEVELOPER_FILES = re.compile(r"DOMAIN|DESIGN|README|\.md\b|\.py\b|geoplan/", re.IGNORECASE)
SEED_REF = re.compile(r"seed\s+(\d{3})", re.IGNORECASE)
LINES = re.compile(r"\bl\.\s*((?:\d+(?:\s*[–-]\s*\d+)?(?:\s*(?:,|og)\s*(?=\d))?)+)")


def _sources(node, where: str):
    """``(where, source string)`` for every ``source`` key in a parsed TOML tree."""
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "source" and isinstance(v, str):
                yield where, v
            else:
                yield from _sources(v, f"{where}.{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            label = v.get("id", i) if isinstance(v, dict) else i
            yield from _sources(v, f"{where}[{label}]")


def _all_sources():
    out = []
    for path in sorted(DEFAULTS.glob("*.toml")):
        tree = tomllib.loads(path.read_text("utf-8"))
        out += [(path.name, where, src) for where, src in _sources(tree, path.stem)]
    return out


ALL = _all_sources()


def cited_lines(source: str) -> list[tuple[str, int]]:
    """``(seed, line)`` for every line number cited in ``source``; a number cited after
    «l.» belongs to the last seed named before it."""
    out: list[tuple[str, int]] = []
    seed = None
    events = sorted([(m.start(), "seed", m) for m in SEED_REF.finditer(source)]
                    + [(m.start(), "title", m) for m in TITLE_REF.finditer(source)]
                    + [(m.start(), "lines", m) for m in LINES.finditer(source)],
                    key=lambda e: e[0])
    for _pos, kind, m in events:
        if kind == "seed":
            seed = m.group(1)
        elif kind == "title":
            seed = TITLES[m.group(0)]
        elif seed is not None:
            for a, b in re.findall(r"(\d+)(?:\s*[–-]\s*(\d+))?", m.group(1)):
                out.append((seed, int(a)))
                if b:
                    out.append((seed, int(b)))
    return out


def test_the_parser_reads_the_citation_forms_in_use():
    s = "Larvik (seed 004, l. 6384 og 6901: x; l. 11741–11742: y); Bærum (seed 003, l. 177-202)"
    assert cited_lines(s) == [("004", 6384), ("004", 6901), ("004", 11741), ("004", 11742),
                              ("003", 177), ("003", 202)]
    t = "Larvik kommune, Boligplan 2015–2020, l. 13358–13359; Bærum kommune, velferdsboliger, l. 177"
    assert cited_lines(t) == [("004", 13358), ("004", 13359), ("003", 177)]


def test_every_defaults_file_is_checked():
    assert {f for f, _w, _s in ALL} >= {"sites.toml", "kommune.toml", "app.toml",
                                        "reserves.toml", "schools.toml", "concentration.toml"}


@pytest.mark.parametrize("fname,where,source", ALL, ids=[w for _f, w, _s in ALL])
def test_source_cites_no_developer_file(fname, where, source):
    assert not DEVELOPER_FILES.search(source), f"{where}: {source}"


@pytest.mark.parametrize("fname,where,source", ALL, ids=[w for _f, w, _s in ALL])
def test_cited_lines_exist_in_the_named_seed(fname, where, source):
    for seed, line in cited_lines(source):
        assert seed in SEEDS, f"{where}: seed {seed} finnes ikke"
        assert 1 <= line <= SEEDS[seed][0], f"{where}: seed {seed} har ikke linje {line}"
    if SEED_REF.search(source) is None and TITLE_REF.search(source) is None:
        assert not LINES.search(source), f"{where}: linjenummer uten dokument: {source}"


@pytest.mark.parametrize("fname,where,source", [a for a in ALL if a[0] in TITLED_FILES],
                         ids=[w for f, w, _s in ALL if f in TITLED_FILES])
def test_seed_citations_name_the_document(fname, where, source):
    for m in SEED_REF.finditer(source):
        words = SEEDS[m.group(1)][1]
        assert any(w in source for w in words), (
            f"{where}: seed {m.group(1)} sitert uten dokumentets tittel ({' / '.join(words)})")


def test_seed_line_counts_match_the_seeds_when_present():
    seeds = Path("/work/shared/seeds")
    if not seeds.is_dir():          # the counts above are then the reference
        return
    for f in seeds.glob("*.txt"):
        n = f.name[:3]
        assert SEEDS[n][0] == f.read_bytes().count(b"\n"), f.name          # as wc -l counts
