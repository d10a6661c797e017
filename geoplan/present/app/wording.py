"""What a user reads: no developer references, config keys or server paths.

Sources in the configuration cite the project's source documents by their file
number and line (``seed 004, l. 2368``) and the developer notes (``DOMAIN.md §2``);
error messages can carry a session's temporary path. :func:`for_users` turns such
text into what a planner can look up: the document's title, no line numbers of an
extracted text file, no developer file, the file's own name instead of a path.
"""

from __future__ import annotations

import re

#: the source documents by number (their titles, as a planner finds them)
DOCUMENTS = {
    "000": "Lørenskog kommune og Husbanken, tomten Løkenåsveien 45",
    "001": "NOVA-notat 8/2010, foranalyse for Lørenskog kommune",
    "002": "Agenda Kaupang 2023, Aldersvennlige boliger og bomiljøer i distriktskommuner",
    "003": "Bærum kommune, velferdsboliger og planprosess",
    "004": "Larvik kommune, Boligplan 2015–2020",
}

#: words that show a text already names its source document
_NAMED = ("Boligplan", "NOVA", "Bærum", "Lørenskog", "Agenda Kaupang", "Husbanken")

_LINES = r"(?:,?\s*(?:l\.|linje|linjene)\s*[\d\s–\-,og]+\d)?"
_SEED = re.compile(r"[Ss]eed\s*(\d{3})" + _LINES)
_PAREN_ONLY_REF = re.compile(r"\s*\((?:[Ss]eed\s*\d{3}" + _LINES + r"(?:[;,]\s*)?)+\)")
_DOMAIN_PAREN = re.compile(r"\s*\([^()]*DOMAIN\.md[^()]*\)")
_DOMAIN = re.compile(r"DOMAIN\.md\s*(?:§\s*\d+(?:\.\d+)*)?")
_TMP = re.compile(r"(?:/tmp|/var/tmp|/private/var/folders)/\S*?/([^/\s»«\"']+)")


def _title(m: re.Match) -> str:
    return DOCUMENTS.get(m.group(1), "kildedokumentet")


def for_users(s: str | None) -> str:
    """``s`` without internal references (see the module docstring); ``None`` -> ``""``."""
    if not s:
        return ""
    out = str(s)
    stripped = _PAREN_ONLY_REF.sub("", out)
    if stripped != out and any(w in stripped for w in _NAMED):
        out = stripped            # the text already names its source; the file reference goes
    out = _SEED.sub(_title, out)
    out = _DOMAIN_PAREN.sub("", out)
    out = _DOMAIN.sub("geoplans dokumentasjon", out)
    out = _TMP.sub(lambda m: m.group(1), out)
    return re.sub(r"\s{2,}", " ", out).strip()


def understood(p) -> str:
    """How a typed point (:class:`geoplan.io.coords.ParsedPoint`) was read, in bokmål."""
    from geoplan.present import text

    def m(v: float) -> str:
        return text.number(v, 1 if abs(v - round(v)) >= 0.05 else 0)

    where = f"øst {m(p.x)} m, nord {m(p.y)} m (EPSG:{p.epsg})"
    if p.degrees:
        where = f"øst {text.integer(p.x)} m, nord {text.integer(p.y)} m (EPSG:{p.epsg})"
        order = "" if p.north_first else " Lengdegraden sto først; rekkefølgen er snudd."
        return (f"Forstått som {text.compact(round(p.lat, 6))}° nord, {text.compact(round(p.lon, 6))}° øst, "
                f"det vil si {where}.{order}")
    order = " Tallene ble lest med nord først, som i Norgeskart." if p.north_first else ""
    return f"Forstått som {where}.{order}"
