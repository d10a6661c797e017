"""The one Norwegian formatter: every number, share, area, distance and date a user reads.

The app, the command line's text output and the reports all format through
these functions, so the same value reads the same everywhere:

* decimal comma and a non-breaking space between thousands (``1 234,5``; the
  space never breaks a number over two lines in a report, and reads as a plain
  space in a terminal);
* missing values (``None``, NaN, ``pd.NA``) and infinities as an en dash ``–``;
* booleans as ``ja`` / ``nei``;
* no negative zero (``-0,0`` reads ``0,0``);
* rounding as Python's ``format`` does for the binary value.

The JSON output of the command line is *not* formatted: it carries the
unrounded numbers.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Any

from geoplan.numbers import THOUSANDS as _THOUSANDS
from geoplan.numbers import fixed as _fixed
from geoplan.numbers import short_number

#: what a missing or non-finite value reads as
MISSING = "–"
#: the thousands separator (no-break space)
THOUSANDS = _THOUSANDS


def is_missing(v: Any) -> bool:
    """Whether ``v`` is None, NaN, ``pd.NA``/``NaT`` or infinite."""
    if v is None:
        return True
    if isinstance(v, (bool, str)):
        return False
    try:
        f = float(v)
    except (TypeError, ValueError):
        # pd.NA raises TypeError on float(); NaT is a datetime-like
        return type(v).__name__ in ("NAType", "NaTType")
    return not math.isfinite(f)


def number(v: Any, decimals: int = 1) -> str:
    """``1499.04`` -> ``"1 499,0"``; ``None``/NaN/inf -> ``"–"``; ``True`` -> ``"ja"``.

    Parameters
    ----------
    v : number, bool, None or anything else
        A value that is not a number is returned as ``str(v)``.
    decimals : int
        Digits after the decimal comma.
    """
    if isinstance(v, bool):
        return yes_no(v)
    if is_missing(v):
        return MISSING
    try:
        f = float(v)
    except (TypeError, ValueError):
        return str(v)
    return _fixed(f, decimals)


def integer(v: Any) -> str:
    """A whole number: ``1031`` -> ``"1 031"`` (rounded if it is not whole)."""
    return number(v, 0)


def with_unit(v: Any, unit: str = "", decimals: int = 1) -> str:
    """``number(v, decimals)`` followed by the unit (``"1 500 m"``); ``–`` has no unit."""
    text = number(v, decimals)
    return f"{text} {unit}".strip() if unit and text != MISSING else text


def percent(v: Any, decimals: int = 1) -> str:
    """A value already in per cent: ``19.05`` -> ``"19,0 %"``."""
    return with_unit(v, "%", decimals)


def share(v: Any, decimals: int = 1) -> str:
    """A fraction as per cent: ``0.015`` -> ``"1,5 %"``."""
    return percent(None if is_missing(v) else float(v) * 100.0, decimals)


def rate(v: Any) -> str:
    """A growth rate (a fraction) with as many decimals as it needs: ``0.006`` -> ``"0,6 %"``."""
    if is_missing(v):
        return MISSING
    text = f"{float(v) * 100:.2f}".rstrip("0").rstrip(".")
    return f"{text.replace('.', ',')} %"


def daa(v: Any, decimals: int = 1) -> str:
    """An area in dekar: ``"12,5 daa"``."""
    return with_unit(v, "daa", decimals)


def metres(v: Any, decimals: int = 0) -> str:
    """A distance: ``"1 500 m"``; from 10 km on, in km (``"12,3 km"``)."""
    if not is_missing(v) and abs(float(v)) >= 10_000:
        return with_unit(float(v) / 1000.0, "km", 1)
    return with_unit(v, "m", decimals)


def compact(v: Any) -> str:
    """A parameter value as short as it reads: ``3.0`` -> ``"3"``, ``0.15`` -> ``"0,15"``."""
    if isinstance(v, bool):
        return yes_no(v)
    if is_missing(v):
        return MISSING
    try:
        return short_number(v)
    except (TypeError, ValueError):
        return str(v)


def param_value(v: Any, *, grouped: bool = True) -> str:
    """A configuration value as a planner reads and types it: ``ja``/``nei``, numbers by
    :func:`compact` to six significant digits (decimal comma, «43 200», a year as
    «2014», 1/15 as «0,0666667»), list items and table entries apart with «;» (the comma
    is the decimal sign): ``[0.006, 0.015]`` -> ``"0,006; 0,015"``,
    ``{"11": [4.0, 2.0], "12": [3.5]}`` -> ``"11: 4; 2 · 12: 3,5"``.

    ``grouped=False`` for a number that is an identifier rather than an amount (a
    parameter without a unit, such as a random seed): its digits are not grouped."""
    if isinstance(v, bool):
        return yes_no(v)
    if isinstance(v, (int, float)):
        if is_missing(v):
            return MISSING
        if isinstance(v, int) and not grouped:
            return str(v)
        return compact(float(f"{float(v):.6g}") if isinstance(v, float) else v)
    if isinstance(v, (list, tuple)):
        return "; ".join(param_value(x, grouped=grouped) for x in v)
    if isinstance(v, dict):
        return " · ".join(f"{k}: {param_value(x, grouped=grouped)}" for k, x in v.items())
    return str(v)


def typed_value(raw: Any) -> str:
    """A value a user typed or an override holds (``"0.33299999999999996"``), shown as
    :func:`param_value` shows a number when it is one, else as it was typed."""
    from geoplan.numbers import read_number

    n = read_number(raw)
    return compact(n) if n is not None else str(raw)


#: geometry type names (as a result stores them, the Simple Features names) in Norwegian
GEOMETRY_KINDS = {
    "Point": "punkt", "MultiPoint": "flere punkter", "LineString": "linje",
    "MultiLineString": "flere linjer", "LinearRing": "ring", "Polygon": "flate",
    "MultiPolygon": "flere flater", "GeometryCollection": "samling av geometrier",
    "Geometry": "geometri",
}


def geometry_kind(name: Any) -> str:
    """``"Polygon"`` -> ``"flate"``: a geometry type as a user reads it (an unknown name
    is returned as it is)."""
    return GEOMETRY_KINDS.get(str(name), str(name))


def yes_no(v: Any) -> str:
    """``True`` -> ``"ja"``, ``False`` -> ``"nei"``, missing -> ``"–"``."""
    if is_missing(v):
        return MISSING
    return "ja" if bool(v) else "nei"


def date_text(d: date | datetime | None = None) -> str:
    """``1.12.2026`` (today when ``d`` is None)."""
    d = d or date.today()
    return f"{d.day}.{d.month}.{d.year}"


def datetime_text(d: datetime | None = None) -> str:
    """``1.12.2026 kl. 10:25`` (now when ``d`` is None)."""
    d = d or datetime.now()
    return f"{date_text(d)} kl. {d:%H:%M}"


def names(values, quote: bool = True) -> str:
    """``["A", "B", "C"]`` -> ``"«A», «B» og «C»"``."""
    items = [f"«{v}»" if quote else str(v) for v in values]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " og " + items[-1]
