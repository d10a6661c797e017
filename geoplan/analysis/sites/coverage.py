"""Where the data say anything: a site outside the data's coverage is ``ukjent`` in every
criterion, with the reason, never red or green on data that do not reach it.

The coverage is the ``kommune`` layer: the municipality the data are for. A site
outside it has no zoning, no schools and no stops in the data that are not simply
missing there, so every distance and share would be measured against the wrong
municipality. A site counts as outside when a point on it
(:func:`shapely.point_on_surface`) is outside the coverage. Without a ``kommune``
layer no site is treated as outside; the zoning criterion is still ``ukjent`` for a
site no zoning polygon covers (:func:`geoplan.analysis.sites.evaluators`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import geopandas as gpd
import numpy as np
import shapely


@dataclass(frozen=True)
class Coverage:
    """The area the data cover, and how a sentence names it."""

    area: Any                   # prepared shapely geometry
    what: str                   # «kommunen i dataene (Larvik, 3909)»

    def outside(self, geoms: np.ndarray) -> np.ndarray:
        """True for each site whose point on surface is outside the coverage."""
        pts = shapely.point_on_surface(geoms)
        return ~shapely.intersects(self.area, pts)

    def reason(self) -> str:
        """Why a criterion is ``ukjent`` for a site outside the coverage."""
        return (f"Tomta ligger utenfor {self.what}, så dataene sier ikke noe om den her. "
                "Bruk data for kommunen tomta ligger i.")


def _kommune_label(gdf: gpd.GeoDataFrame) -> str:
    def values(col: str) -> str:
        if col not in gdf.columns:
            return ""
        return " / ".join(str(v) for v in gdf[col].dropna().unique() if str(v).strip())
    navn, nr = values("kommunenavn"), values("kommunenummer")
    inner = ", ".join(x for x in (navn, f"kommunenummer {nr}" if nr else "") if x)
    return f"kommunen i dataene ({inner})" if inner else "kommunegrensen i dataene"


def data_coverage(layers: Mapping[str, gpd.GeoDataFrame]) -> Coverage | None:
    """The coverage of ``layers`` (the ``kommune`` layer), or ``None`` when the data
    have none (then no site is treated as outside)."""
    kommune = layers.get("kommune")
    if kommune is None or not len(kommune):
        return None
    area = shapely.union_all(kommune.geometry.to_numpy())
    what = _kommune_label(kommune)
    if area is None or area.is_empty:
        return None
    shapely.prepare(area)
    return Coverage(area, what)
