"""The contract between the assessor and the kinds of criteria.

An evaluator ``f(assessor, criterion, sites) -> list[Measure]`` measures one
criterion for every site of a call (vectorised over the sites); it is registered
under its kind name with :func:`register_kind`. The kinds geoplan ships are in
:mod:`geoplan.analysis.sites.evaluators`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

import geopandas as gpd
import numpy as np
import shapely

from geoplan.analysis.sites import scalar

if TYPE_CHECKING:
    from geoplan.analysis.sites.assessor import SiteAssessor
    from geoplan.analysis.sites.criteria import Criterion


@dataclass
class Measure:
    """What a kind's evaluator returns for one site."""

    value: float | None = None
    text: str = ""                    # measurement sentence (Norwegian)
    reason: str | None = None         # why the value is unknown
    details: dict = field(default_factory=dict)
    status: str | None = None         # a status the evaluator decides itself (no value to classify)


@dataclass
class Sites:
    """The sites of one call, in the data CRS."""

    geoms: np.ndarray            # shapely geometries
    units: np.ndarray            # int units per site
    kategori: str | None
    trinn: int | None
    cache: dict = field(default_factory=dict)   # per-call results shared by criteria

    @property
    def n(self) -> int:
        return len(self.geoms)

    @property
    def is_areal(self) -> np.ndarray:
        """Whether each site has an area (a polygon); worked out once per call."""
        v = self.cache.get("_is_areal")
        if v is None:
            v = self.cache["_is_areal"] = (
                np.array([scalar.area(self.geoms[0]) > 0]) if len(self.geoms) == 1
                else shapely.area(self.geoms) > 0)
        return v


Evaluator = Callable[["SiteAssessor", "Criterion", Sites], list[Measure]]

#: kind name -> evaluator; extend with :func:`register_kind`.
KINDS: dict[str, Evaluator] = {}
#: kinds whose criteria must name a ``layer``
KIND_NEEDS_LAYER = {"inside", "zoning_share", "distance", "walking_distance", "sum_within"}


def register_kind(name: str, *, needs_layer: bool = False) -> Callable[[Evaluator], Evaluator]:
    """Decorator: register an evaluator ``f(assessor, criterion, sites) -> list[Measure]``."""
    def deco(fn: Evaluator) -> Evaluator:
        KINDS[name] = fn
        if needs_layer:
            KIND_NEEDS_LAYER.add(name)
        return fn
    return deco


def unknown_all(n: int, reason: str) -> list[Measure]:
    """``n`` measures that are ``ukjent`` for ``reason``."""
    return [Measure(reason=reason) for _ in range(n)]


def feature_names(gdf: gpd.GeoDataFrame, idx: np.ndarray, column: str = "navn") -> list[str | None]:
    """The ``column`` (names) of the features at positions ``idx``; None where missing."""
    if column not in gdf.columns:
        return [None] * len(idx)
    vals = gdf[column].to_numpy()[idx]
    return [None if (v is None or (isinstance(v, float) and math.isnan(v))) else str(v) for v in vals]


def int_or_none(v: Any) -> int | None:
    """``int(v)``, or None when ``v`` is not a whole number."""
    try:
        return int(v)
    except (TypeError, ValueError):
        return None
