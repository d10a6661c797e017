"""What-if outputs (a purchase's before and after) in public: both or neither.

A purchase of ``n`` units is known to the reader, so the *after* count gives the
*before* count back (after − n), and two shares of the same area give its number
of dwellings and then its count (``n / (after − before)`` dwellings). So a public
what-if shows an area's before and after only together, only when both counts are
at least the minimum, and — for a grunnkrets — only when the public concentration
table shows that grunnkrets' count too (else the what-if would undo its
complementary suppression). A single building is never shown with numbers (public
tables never list buildings); the global indices before and after only when the
grunnkrets of the purchase is shown, rounded as in the public table.
"""

from __future__ import annotations

import copy
from typing import Any

from geoplan.privacy.core import validate_min_count

__all__ = ["suppress_what_if", "pair_hidden", "public_pair"]

_COUNTS = {"grunnkrets": ("kommunale_enheter", "housing_first_enheter"),
           "bygning": ("kommunale_enheter", "housing_first_enheter"),
           "radius": ("enheter_innen_radius", "housing_first_innen_radius")}


def _small(v: Any, k: int, suppress_zero: bool) -> bool:
    return v is not None and v < k and (suppress_zero or v != 0)


def pair_hidden(scope: str, before: dict | None, after: dict | None, k: int, *,
                suppress_zero: bool = False, shown_grunnkretser: set[str] | None = None,
                grunnkretsnummer: Any = None) -> bool:
    """Whether the before/after pair of ``scope`` must be hidden in a public output."""
    if scope == "bygning":
        return True
    if (scope == "grunnkrets" and shown_grunnkretser is not None
            and str(grunnkretsnummer) not in shown_grunnkretser):
        return True
    for st in (before, after):
        for key in _COUNTS.get(scope, ()):
            if st and key in st and _small(st.get(key), k, suppress_zero):
                return True
    return False


def public_pair(before: dict | None, after: dict | None) -> tuple[dict | None, dict | None]:
    """The pair with every number removed (for a hidden pair): only the flags' keys stay, as None."""
    def strip(st: dict | None) -> dict | None:
        return None if st is None else {kk: None for kk in st}
    return strip(before), strip(after)


def suppress_what_if(hv: dict, min_count: int, *, suppress_zero: bool = False,
                     base: Any = None) -> dict:
    """The ``hva_hvis`` dict for public outputs (see the module docstring).

    Parameters
    ----------
    hv : dict
        From :func:`geoplan.analysis.concentration.what_if` or ``purchase_effect``.
    min_count : int
        The minimum count (validated).
    suppress_zero : bool
        Hide 0 as well.
    base : ConcentrationResult, optional
        The *public* concentration result published beside the what-if; its
        hidden grunnkretser stay hidden here. Without it every grunnkrets pair is
        judged on its own counts only.
    """
    k = validate_min_count(min_count)
    hv = copy.deepcopy(hv)
    shown = None
    if base is not None:
        g = base.grunnkretser
        shown = set(g.loc[g["kommunale_enheter"].notna(), "grunnkretsnummer"].astype(str))
    gk_hidden = True
    for scope in ("grunnkrets", "bygning", "radius"):
        p = hv.get(scope)
        if not p:
            continue
        if pair_hidden(scope, p.get("for"), p.get("etter"), k, suppress_zero=suppress_zero,
                       shown_grunnkretser=shown, grunnkretsnummer=p.get("grunnkretsnummer")):
            p["for"], p["etter"] = public_pair(p.get("for"), p.get("etter"))
            if "endring_prosentpoeng" in p:
                p["endring_prosentpoeng"] = None
        elif scope == "grunnkrets":
            gk_hidden = False
        p.pop("bygg_id", None)
    if "indekser" in hv:
        ix = hv["indekser"]
        for when in ("for", "etter"):
            st = ix.get(when) or {}
            for key, v in list(st.items()):
                st[key] = None if gk_hidden or v is None else round(float(v), 2)
    if "klynger" in hv and shown is not None:
        hv["klynger"] = {kk: sorted(x for x in v if str(x) in shown) for kk, v in hv["klynger"].items()}
    if "nye_over_terskel" in hv:
        nye = hv["nye_over_terskel"]
        nye.pop("bygninger", None)
        if "grunnkretser" in nye:
            nye["grunnkretser"] = [g for g in nye["grunnkretser"]
                                   if shown is None or str(g) in shown] if not gk_hidden else []
    return hv
