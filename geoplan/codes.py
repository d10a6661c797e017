"""SOSI arealformål codes and their names: the one table every output takes names from.

The table is package data, ``geoplan/data/sosi_arealformal.csv``, transcribed from
the SOSI Plan code lists on Geonorge's objektkatalog: ``KpArealformål`` (the
kommuneplan's arealdel, pbl. § 11-7) and ``RpArealformål`` (reguleringsplan,
pbl. § 12-5); the file names its source and licence. The CLI, the app's map
legend, the site assessment and the reports all call :func:`arealformal_name`,
so a code has one name everywhere.

A code the table does not hold is named after its group, the nearest code
above it in the hierarchy (``2011`` -> ``2010`` Veg, ``5111`` -> ``5100``),
and :func:`arealformal_lookup` says that it did so.

Examples
--------
>>> arealformal_name(1500)
'Andre typer bebyggelse og anlegg'
>>> arealformal_name(1600)
'Uteoppholdsareal'
>>> arealformal_name(1113)
'Boligbebyggelse – blokkbebyggelse'
"""

from __future__ import annotations

import csv
import io
from functools import lru_cache
from importlib import resources
from typing import Any

__all__ = ["KODELISTER", "arealformal_name", "arealformal_lookup", "code_table",
           "kommune_name", "SOURCE"]

#: The code lists in the table: kp (kommuneplan), rp (reguleringsplan).
KODELISTER = ("kp", "rp")

#: Where the names come from, as outputs cite it.
SOURCE = ("SOSI Plan, kodelistene KpArealformål (pbl. § 11-7) og RpArealformål "
          "(pbl. § 12-5), Geonorge objektkatalog (Kartverket)")


@lru_cache(maxsize=1)
def code_table() -> dict[str, dict[int, str]]:
    """``{"kp": {code: name}, "rp": {code: name}}`` read once from the package data."""
    text = resources.files("geoplan").joinpath("data/sosi_arealformal.csv").read_text("utf-8")
    rows = [ln for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
    out: dict[str, dict[int, str]] = {k: {} for k in KODELISTER}
    for r in csv.DictReader(io.StringIO("\n".join(rows)), delimiter=";"):
        out[r["kodeliste"].strip()][int(r["kode"])] = r["navn"].strip()
    return out


def _as_code(code: Any) -> int | None:
    try:
        f = float(code)
    except (TypeError, ValueError):
        return None
    if f != f or not f.is_integer():
        return None
    return int(f)


def _groups(code: int) -> list[int]:
    """The codes above ``code`` in the SOSI hierarchy, nearest first."""
    out = []
    for step in (10, 100, 1000):
        g = code // step * step
        if g != code:
            out.append(g)
            if step == 1000:
                out.append(g + 1)          # the main groups are 1001, 2001, ... in SOSI 4.5
    return out


def arealformal_lookup(code: Any, kodeliste: str | None = None) -> tuple[str | None, int | None]:
    """``(name, code named)`` for an arealformål code.

    ``code named`` is ``code`` itself when the table holds it, else the group
    whose name is returned, else ``None`` (and the name is ``None``).
    ``kodeliste`` (``"kp"`` or ``"rp"``) chooses the list; ``None`` tries the
    kommuneplan list first, then the reguleringsplan list.
    """
    c = _as_code(code)
    if c is None:
        return None, None
    table = code_table()
    lists = [kodeliste] if kodeliste in KODELISTER else ["kp", "rp"]
    if kodeliste in KODELISTER:
        lists.append("rp" if kodeliste == "kp" else "kp")
    for cand in [c, *_groups(c)]:
        for k in lists:
            if cand in table[k]:
                return table[k][cand], cand
    return None, None


def arealformal_name(code: Any, kodeliste: str | None = None) -> str | None:
    """The Norwegian name of arealformål ``code``; a code the table lacks gets its
    group's name with «(kode NNNN)» after it; ``None`` for no code or an unknown group."""
    name, named = arealformal_lookup(code, kodeliste)
    if name is None:
        return None
    c = _as_code(code)
    return name if named == c else f"{name} (kode {c})"


@lru_cache(maxsize=1)
def _kommune_names() -> dict[str, str]:
    import json
    text = resources.files("geoplan").joinpath("data/kommuner.geojson").read_text("utf-8")
    feats = json.loads(text).get("features", [])
    return {str(f["properties"].get("kommunenummer")).zfill(4): str(f["properties"].get("kommunenavn"))
            for f in feats if f.get("properties", {}).get("kommunenummer")}


def kommune_name(kommunenummer: Any) -> str | None:
    """The name of municipality ``kommunenummer`` (2024 numbering) from Kartverket's
    municipality outlines shipped in ``geoplan/data/kommuner.geojson``; ``None`` if unknown."""
    if kommunenummer is None:
        return None
    nr = str(kommunenummer).strip()
    if nr.endswith(".0"):
        nr = nr[:-2]
    return _kommune_names().get(nr.zfill(4)) if nr.isdigit() else None
