"""Numbers as Norwegians write them, read in one place.

Every reader of typed or tabular numbers (the app's decimal fields and place table,
``--set`` values, SSB's tables, grunnkrets counts, attribute columns of a layer)
goes through :func:`read_number`, so «12,5», «1 234» and «1 234,5» mean the same
everywhere, and what one reader refuses no other one quietly accepts. A leaf module:
no imports from the rest of geoplan.

The grammar: an optional sign (``-``, ``+`` or the typographic minus «−»), ASCII
digits with a decimal comma or point, an optional exponent; spaces, no-break spaces
and narrow no-break spaces anywhere are thousands separators and dropped. Not
numbers: an empty text, a text with both a comma and a point («1.234,5» or
«1,234.5»: which one is the decimal cannot be known), Python's ``1_000``, ``nan``,
``inf``, digits of other scripts, and ``True``/``False``.
"""

from __future__ import annotations

import math
import re
from typing import Any

#: SSB's symbols for a cell without a number (SSB, «Standardtegn i tabeller»: «..»
#: not available, «.» cannot occur, «:» suppressed, «-» nothing, «…» not yet known,
#: and «x» as some tables write the suppressed cell), and how an export writes an
#: empty cell.
MISSING_MARKERS = frozenset(["", "..", ".", ":", "-", "…", "x", "<NA>", "nan", "NaN", "None"])

_SPACES = str.maketrans("", "", " \u00a0\u202f\u2009\t")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?", re.ASCII)


def read_number(value: Any) -> float | None:
    """``value`` as a finite float, or ``None`` when it is not a number by the module's
    grammar. An ``int`` or ``float`` passes as itself (``None`` when not finite); a
    bool is not a number.

    >>> read_number("1 234,5"), read_number("12.5"), read_number("−3")
    (1234.5, 12.5, -3.0)
    >>> read_number("1.234,5") is None and read_number("1_000") is None
    True
    """
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        f = float(value)
        return f if math.isfinite(f) else None
    if hasattr(value, "dtype") and getattr(value, "shape", None) == ():   # numpy scalar
        kind = value.dtype.kind
        if kind == "b":
            return None
        if kind in "iuf":
            f = float(value)
            return f if math.isfinite(f) else None
    t = str(value).translate(_SPACES).replace("\u2212", "-")
    if not _NUMBER.fullmatch(t) or ("," in t and "." in t):
        return None
    f = float(t.replace(",", "."))
    return f if math.isfinite(f) else None


def read_count(value: Any) -> float:
    """A cell of a statistics table: :func:`read_number`, NaN for SSB's markers of a
    cell without a number (:data:`MISSING_MARKERS`) and for anything unreadable."""
    if isinstance(value, str) and value.strip() in MISSING_MARKERS:
        return math.nan
    v = read_number(value)
    return math.nan if v is None else v


def short_number(v: float) -> str:
    """A parameter as short as it reads, with a decimal comma: ``0.15`` -> ``"0,15"``,
    ``3.0`` -> ``"3"``, ``7.5`` -> ``"7,5"``, ``43200`` -> ``"43 200"``
    (:func:`geoplan.present.text.compact` for any value; this is its core, for the
    layers below ``present/``).

    Twelve significant digits, so float noise goes (``0.1 + 0.2`` -> ``"0,3"``) and a
    number under a trillion never turns into an exponent. Five digits and more before
    the comma are grouped with no-break spaces; four are not (Språkrådet allows both),
    so a year or «1500 m» reads as written in the sources.

    >>> short_number(0.1 + 0.2), short_number(1234567.5), short_number(2014)
    ('0,3', '1\xa0234\xa0567,5', '2014')
    """
    s = f"{float(v):.12g}"
    if s in ("-0", "0"):
        return "0"
    if "e" in s or not s[-1:].isdigit():     # an exponent, nan, inf
        return s.replace(".", ",")
    sign, s = ("-", s[1:]) if s.startswith("-") else ("", s)
    whole, _, frac = s.partition(".")
    if len(whole) > 4:
        whole = f"{int(whole):,}".replace(",", THOUSANDS)
    return sign + whole + ("," + frac if frac else "")


#: the thousands separator of every number geoplan writes (a no-break space, so a
#: number never wraps inside itself)
THOUSANDS = "\u00a0"


def fixed(v: float, decimals: int = 1) -> str:
    """A finite number with ``decimals`` digits after a decimal comma and no-break spaces
    between thousands: ``1499.04`` -> ``"1 499,0"``, never ``"-0,0"``
    (:func:`geoplan.present.text.number` for any value; this is its core, for the layers
    below ``present/``, so no message there formats a number by hand).

    >>> fixed(1499.04), fixed(-0.01), fixed(12345, 0)
    ('1\\xa0499,0', '0,0', '12\\xa0345')
    """
    s = f"{float(v):,.{max(0, int(decimals))}f}"
    if s.startswith("-") and not any(ch in "123456789" for ch in s):
        s = s[1:]
    return s.replace(",", THOUSANDS).replace(".", ",")
