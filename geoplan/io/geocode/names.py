"""Spelling of street names and addresses, as people write them and as the register has them.

Three levels of sameness, so that each match can say what was corrected:

* :func:`literal` -- the same name up to case and spacing («VARDÅSVEIEN» = «Vardåsveien»);
* :func:`canonical` -- the same name also with æ/ø/å written as ae/oe/aa, dots and hyphens
  dropped and the street-type word in any of its forms («Vardaasvn.» = «Vardåsveien»,
  «Kongens gt.» = «Kongens gate»);
* similar (difflib ratio) -- a misspelling, corrected only above a configured similarity.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_FOLD = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "ä": "ae", "ö": "oe", "ü": "u"})


def literal(name: str) -> str:
    """Lower case, whitespace collapsed: what counts as the name written exactly."""
    return " ".join(str(name).lower().split())


def fold(text: str) -> str:
    """Lower case; æ/ø/å as ae/oe/aa; accents, dots, hyphens and apostrophes dropped."""
    s = str(text).lower().translate(_FOLD)
    s = unicodedata.normalize("NFKD", s)
    s = "".join(ch for ch in s if not unicodedata.combining(ch))
    s = re.sub(r"[.\-'’`´,/]", " ", s)
    return " ".join(s.split())


def header_key(name: str) -> str:
    """A column header compared with the configured names: folded, without spaces or «_»."""
    return re.sub(r"[\s_]+", "", fold(name))


def canonical(name: str, street_words: dict[str, tuple[str, ...]]) -> str:
    """The name with its street-type word in one form, spaces removed.

    «Tyrihansvn.», «Tyrihansveien» and «Tyrihans vei» all become ``tyrihans#vei``.
    """
    tokens = fold(name).split()
    if not tokens:
        return ""
    last = tokens[-1]
    variants = sorted(((v, word) for word, vs in street_words.items() for v in vs),
                      key=lambda t: -len(t[0]))
    for v, word in variants:
        fv = fold(v).replace(" ", "")
        if fv and last.endswith(fv):
            last = last[: len(last) - len(fv)] + "#" + word
            break
    return "".join(tokens[:-1] + [last])


@dataclass(frozen=True)
class ParsedAddress:
    """An address as written in a list: street name, house number, letter, unit."""

    name: str
    number: int | None
    letter: str
    unit: str


_ADDRESS = re.compile(
    r"^\s*(?P<name>.*?[^\d\s])\s*(?P<nr>\d+)\s*(?P<letter>[a-zæøå])?(?![a-zæøå])"
    r"\s*(?:[-–]?\s*(?P<unit>[hukl]\d{4}))?\s*$", re.IGNORECASE)
_HOUSE = re.compile(r"^\s*(?P<nr>\d+)\s*(?P<letter>[a-zæøå])?\s*$", re.IGNORECASE)


def parse_address(text: str) -> ParsedAddress | None:
    """«Tyrihansveien 38B H0102, 4638 Kristiansand» -> name, 38, «B», «H0102»; None: no number."""
    head = str(text).split(",")[0]
    m = _ADDRESS.match(head)
    if not m:
        return None
    return ParsedAddress(name=m["name"].strip(), number=int(m["nr"]),
                         letter=(m["letter"] or "").upper(), unit=(m["unit"] or "").upper())


def parse_house_number(text: str) -> tuple[int | None, str]:
    """«12B», «12 b», «12» -> (12, «B»), (12, «B»), (12, «»); (None, «») when no number."""
    s = str(text).strip()
    if s.endswith(".0") and s[:-2].isdigit():   # a number read from Excel as 12.0
        s = s[:-2]
    m = _HOUSE.match(s)
    if not m:
        return None, ""
    return int(m["nr"]), (m["letter"] or "").upper()
