"""Shapely on one geometry at a time, for the one-site path of the checklist.

A shapely function called on a scalar goes through the numpy ufunc machinery: 3–5 µs
before GEOS is asked anything, and ``shapely.intersection`` of two small polygons
takes 37 µs where GEOS needs 23. One site's checklist makes some thirty such calls.
Shapely's C module has scalar entry points for them (``shapely.lib.<name>_scalar``,
the same GEOS calls the ufuncs make: the geometry properties ``g.area`` and
``g.centroid`` use them); this module takes them when the installed shapely has
them and falls back to the ufuncs otherwise, so the answers are the same either way
(``tests/test_sites_speed.py`` holds each equal to its ufunc).

Each function takes shapely geometries (never None) and returns a Python value.
"""

from __future__ import annotations

from typing import Any, Callable

import shapely

__all__ = ["area", "intersects", "contains", "intersection", "distance", "relate_pattern",
           "centroid", "point_on_surface", "type_id"]


def _scalar(name: str, fallback: Callable[..., Any]) -> Callable[..., Any]:
    return getattr(shapely.lib, f"{name}_scalar", None) or fallback


area: Callable[[Any], float] = _scalar("area", lambda g: float(shapely.area(g)))
intersects: Callable[[Any, Any], bool] = _scalar(
    "intersects", lambda a, b: bool(shapely.intersects(a, b)))
contains: Callable[[Any, Any], bool] = _scalar(
    "contains", lambda a, b: bool(shapely.contains(a, b)))
intersection: Callable[[Any, Any], Any] = _scalar("intersection", shapely.intersection)
distance: Callable[[Any, Any], float] = _scalar(
    "distance", lambda a, b: float(shapely.distance(a, b)))
relate_pattern: Callable[[Any, Any, str], bool] = _scalar(
    "relate_pattern", lambda a, b, p: bool(shapely.relate_pattern(a, b, p)))
centroid: Callable[[Any], Any] = _scalar("centroid", shapely.centroid)
point_on_surface: Callable[[Any], Any] = _scalar("point_on_surface", shapely.point_on_surface)
type_id: Callable[[Any], int] = _scalar("get_type_id", lambda g: int(shapely.get_type_id(g)))
