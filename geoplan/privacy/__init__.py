"""Disclosure control: the one module every public output passes through.

Counts of municipal dwellings point at the homes of vulnerable people. Before a
number leaves geoplan in a *public* output (``geoplan concentration --public``,
the KPA report, the app's public mode, ``geoplan assess --public`` and the site
report, every .xlsx), it goes through a function here. The model, as SSB's
practice for tables (primary and secondary suppression):

* **primary suppression**: a count of municipal units from 1 to the minimum − 1
  (``kommune.min_count_public``; 0 as well with ``prikk_nuller``) is hidden;
* **complementary suppression over every published margin**: the cells
  grunnkrets × kategori, the grunnkrets totals, the totals per kategori, the
  municipal total and the units outside every grunnkrets are one system of
  sums; further cells are hidden until an integer-programming attacker who knows
  every published number and every public bound cannot pin any hidden small
  count to one value (:mod:`geoplan.privacy.audit`);
* **no derived statistic for a hidden cell**: shares, location quotients, flags
  and reasons go with their count; quotients also where their denominator total
  is hidden; Getis-Ord z-scores and p-values are never published; global
  indices are rounded and dropped where one unit moved between hidden cells
  would show in them (:mod:`geoplan.privacy.concentration`);
* **what-if**: before and after are shown together or not at all, never for a
  grunnkrets the public table hides (:mod:`geoplan.privacy.whatif`);
* **no lists**: addresses, points, buildings and borettslag only as totals;
  data problems without point or building ids;
* **spreadsheets**: text that a spreadsheet would run as a formula is
  neutralised (:func:`safe_cell`).

What is suppressed is decided here and nowhere else.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from geoplan._lazy import lazy_attribute

if TYPE_CHECKING:  # pragma: no cover
    from geoplan.privacy.concentration import protect_grunnkretser, public_problem, suppress
    from geoplan.privacy.core import suppress_density_cells
    from geoplan.privacy.minimum import validate_min_count
    from geoplan.privacy.places import suppress_place_counts
    from geoplan.privacy.spreadsheet import safe_cell
    from geoplan.privacy.whatif import pair_hidden, suppress_what_if

#: public name -> its module, imported on first use (the minimum's check is needed at every
#: start; the suppression code loads numpy, pandas and the audit's solver)
_MODULES = {
    "protect_grunnkretser": "geoplan.privacy.concentration",
    "public_problem": "geoplan.privacy.concentration",
    "suppress": "geoplan.privacy.concentration",
    "suppress_density_cells": "geoplan.privacy.core",
    "validate_min_count": "geoplan.privacy.minimum",
    "suppress_place_counts": "geoplan.privacy.places",
    "safe_cell": "geoplan.privacy.spreadsheet",
    "pair_hidden": "geoplan.privacy.whatif",
    "suppress_what_if": "geoplan.privacy.whatif",
}


def __getattr__(name: str) -> Any:
    return lazy_attribute(globals(), __name__, _MODULES, name)


__all__ = ["validate_min_count", "suppress", "suppress_what_if", "suppress_density_cells",
           "protect_grunnkretser", "public_problem", "pair_hidden", "safe_cell"]
__all__ += ["suppress_place_counts"]
