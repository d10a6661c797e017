"""Reading a point a person typed: any usual order and notation, said back as understood.

People copy coordinates from Norgeskart (north first: «6546572, 558041»), from
a phone (degrees: «59.05, 10.03»), or write them the Norwegian way (decimal
comma: «558041,5 6546572,2»). :func:`parse_point` accepts

* two numbers separated by a semicolon, a comma followed by a space, spaces, or
  a comma (decimal comma or point in each number; spaces as thousands
  separators inside a number when the numbers are separated by a comma or
  semicolon);
* optional axis labels, before or after each number: ``N``/``Nord``,
  ``Ø``/``Øst``/``E``/``Ø:``, and ``°`` on degrees;
* metres in a projected CRS (EUREF89 UTM: the northing is the number between
  6 and 8 million, so swapped axes are recognised), or decimal degrees (the
  latitude is the one between 55 and 72 for Norway; north first when both could
  be, as Norgeskart and most phones show them).

The result carries the point in the data's CRS and how the text was read
(degrees or metres, order turned round or not), so that the caller can say back
how it understood it (the app: :func:`geoplan.present.app.wording.understood`).
Shared by the app (and meant for the CLI's ``--site X,Y``).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from geoplan.errors import UnreadableInput

#: plausible EUREF89 UTM northings in Norway (m) and eastings (m, zones 32-35 and 5972-family)
NORTHING = (6_000_000.0, 8_000_000.0)
EASTING = (-200_000.0, 1_200_000.0)
#: plausible degrees for Norway (mainland and Svalbard)
LATITUDE = (55.0, 82.0)
LONGITUDE = (-12.0, 35.0)

_NORTH = r"(?:nord|north|n)"
_EAST = r"(?:øst|ost|east|ø|o|e)"
_LABEL = re.compile(rf"(?i)(?<![a-zæøå])({_NORTH}|{_EAST})(?![a-zæøå])\s*:?")
_NUM = re.compile(r"^[+-]?\d+(?:[.,]\d+)?$")


@dataclass(frozen=True)
class ParsedPoint:
    """A typed point: ``x``, ``y`` in the data's CRS (``epsg``) and how it was read."""

    x: float
    y: float
    epsg: int
    degrees: bool          # typed as latitude/longitude
    north_first: bool      # typed north (or latitude) first
    lat: float | None = None
    lon: float | None = None


def _number(part: str) -> float | None:
    p = part.strip().replace("\u00a0", " ").rstrip("°").strip()
    p = re.sub(r"(?<=\d) (?=\d{3}(?!\d))", "", p)     # thousands: «6 546 572»
    if not _NUM.match(p):
        return None
    v = float(p.replace(",", "."))
    return v if math.isfinite(v) else None


def _split(s: str) -> tuple[float, float] | None:
    """Two numbers out of ``s`` (labels already removed), or ``None``."""
    for pattern in (r"\s*;\s*", r",\s+", r"\s+", r","):
        parts = [p for p in re.split(pattern, s.strip()) if p.strip()]
        if len(parts) == 2:
            a, b = _number(parts[0]), _number(parts[1])
            if a is not None and b is not None:
                return a, b
    return None


def _labels(s: str) -> tuple[str, list[str]]:
    """``s`` without axis labels, and the labels in order (``"n"`` or ``"e"``)."""
    found = []
    for m in _LABEL.finditer(s):
        found.append("n" if re.fullmatch(_NORTH, m.group(1), re.I) else "e")
    return _LABEL.sub(" ", s), found


def _in(v: float, rng: tuple[float, float]) -> bool:
    return rng[0] <= v <= rng[1]


def _error(raw: str, why: str) -> UnreadableInput:
    return UnreadableInput(
        f"«{raw}» ble ikke forstått som koordinater: {why} Skriv øst og nord i meter "
        "(f.eks. 566000, 6550000, eller nord først som i Norgeskart: 6550000, 566000), eller "
        "bredde- og lengdegrad (f.eks. 59,05 10,03). Desimalkomma og desimalpunktum går begge.")


def _order(a: float, b: float, labels: list[str], *, degrees: bool) -> bool:
    """Whether ``(a, b)`` is north first (to be swapped to east, north)."""
    if len(labels) == 2 and labels[0] != labels[1]:
        return labels[0] == "n"
    if degrees:
        a_lat, b_lat = _in(a, LATITUDE), _in(b, LATITUDE)
        return a_lat or not b_lat     # north first unless only the second is a latitude
    return _in(a, NORTHING) and not _in(b, NORTHING)


def parse_point(raw: str, epsg: int) -> ParsedPoint:
    """Read a typed point into the data's CRS ``epsg`` (see the module docstring).

    Raises
    ------
    geoplan.errors.UnreadableInput
        Not two numbers, or numbers that are neither metres in Norway nor degrees.
    """
    s = str(raw or "").strip()
    if not s:
        raise _error(raw, "feltet er tomt.")
    rest, labels = _labels(s)
    pair = _split(rest)
    if pair is None:
        raise _error(raw, "det må være nøyaktig to tall.")
    a, b = pair
    if abs(a) <= 180 and abs(b) <= 180:
        north_first = _order(a, b, labels, degrees=True)
        lat, lon = (a, b) if north_first else (b, a)
        if not (_in(lat, LATITUDE) and _in(lon, LONGITUDE)):
            raise _error(raw, "som bredde- og lengdegrad ligger punktet ikke i Norge.")
        from pyproj import Transformer
        x, y = Transformer.from_crs(4326, epsg, always_xy=True).transform(lon, lat)
        return ParsedPoint(float(x), float(y), int(epsg), True, north_first, lat, lon)
    north_first = _order(a, b, labels, degrees=False)
    x, y = (b, a) if north_first else (a, b)
    if not (_in(y, NORTHING) and _in(x, EASTING)):
        raise _error(raw, f"tallene ligger ikke i Norge i EPSG:{epsg} (nord er mellom 6 og 8 "
                          "millioner meter, øst under 1,2 millioner).")
    return ParsedPoint(float(x), float(y), int(epsg), False, north_first)
