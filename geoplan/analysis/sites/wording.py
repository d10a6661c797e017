"""The Norwegian words and numbers of the checklist's sentences (``begrunnelse``).

Numbers go through :func:`fmt_num`, which is :func:`geoplan.present.text.number`:
the project has one Norwegian number formatter and the site assessment writes
sentences with numbers in them, so it uses that one rather than a copy. That is
the one import of :mod:`geoplan.present` below ``present/``; the formatter has no
dependencies and no side effects (see the note in :func:`fmt_num`).
"""

from __future__ import annotations

from geoplan.present import text as _text

STATUS_WORD = {"gronn": "Grønt", "gul": "Gult", "rod": "Rødt", "ukjent": "Ukjent"}

#: Labels of the layers, for sentences ("nærmeste skole").
LAYER_NOUN = {
    "skole": "skole",
    "holdeplass": "holdeplass",
    "kollektivakse": "kollektivakse",
    "sentrum": "sentrum",
    "steinbrudd": "steinbrudd",
    "helsetjeneste": "helsetjeneste",
    "utviklingsgrense": "utviklingsgrense",
    "arealformal": "arealformål",
    "bygning": "bygning",
    "kommunal_bolig": "kommunal bolig",
    "grunnkrets": "grunnkrets",
}

def fmt_num(v: float | None, decimals: int = 1) -> str:
    """``1499.04`` -> ``"1 499,0"`` (no-break space between thousands, decimal comma).

    This is :func:`geoplan.present.text.number`. The analysis layer should not
    depend on ``present/``, but the checklist's sentences are part of the result
    and must read like every other number geoplan prints; a second formatter is
    how twelve of them drifted apart. The formatter belongs in a leaf module both
    layers import (proposed: ``geoplan/text.py``, with ``present/text.py``
    re-exporting it); until it moves, this is the single crossing.
    """
    if type(v) is float and v - v == 0.0 and type(decimals) is int and decimals >= 0:
        # the hot path of :func:`geoplan.present.text.number` for a finite float, inlined
        # (tests/test_sites_speed.py holds the two equal)
        s = f"{v:,.{decimals}f}"
        if s[0] == "-" and not s.strip("-0.,"):
            s = s[1:]   # no "-0,0"
        return s.replace(",", _text.THOUSANDS).replace(".", ",")
    return _text.number(v, decimals)


def fmt_val(v: float, unit: str, decimals: int) -> str:
    """A number with its unit: ``"1 500 m"``."""
    return f"{fmt_num(v, decimals)} {unit}".strip()


def dec_for(v: float, d: int) -> int:
    """Decimals to show a threshold with: none for a whole number, else at least one."""
    return 0 if float(v).is_integer() else max(d, 1)


def missing_layer_reason(layer: str | None) -> str:
    """Why a criterion on a missing layer is ``ukjent``."""
    return (f"Laget «{layer}» finnes ikke i dataene (eller kunne ikke brukes), så kriteriet "
            "kan ikke vurderes. Legg til laget for å få en vurdering.")
