"""The parcels the school criterion measures: boligreserve and innspill.

The reserve is the one housing-reserve rule of :mod:`geoplan.analysis.reserves`
(:func:`~geoplan.analysis.reserves.housing_reserve`: the configured housing codes
``reserves.housing_codes``, not built), and every parcel is named as ``geoplan
reserves`` names it («Reserve 10» for row 10 of ``arealformal`` without a name,
«Innspill 3» for row 3 of ``innspill``), so the same parcel reads the same in both
analyses.
"""

from __future__ import annotations

from typing import Iterable

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoplan.analysis.reserves import (
    housing_reserve,
    housing_reserve_parcels,
    innspill_by_place,
)

PARCEL_TYPE_RESERVE = "boligreserve"
PARCEL_TYPE_INNSPILL = "innspill"


def reserve_parcels(arealformal: gpd.GeoDataFrame,
                    housing_codes: Iterable[int] | None = None) -> gpd.GeoDataFrame:
    """Boligreserve: housing-zoned ``arealformal`` areas not yet built.

    The rows :func:`geoplan.analysis.reserves.housing_reserve` selects, named as
    ``geoplan reserves`` names them
    (:func:`~geoplan.analysis.reserves.housing_reserve_parcels`).

    Parameters
    ----------
    arealformal : GeoDataFrame
        Zoning polygons (``arealformal``, ``arealbruksstatus``, optional ``utbygd``
        and ``navn``), projected CRS.
    housing_codes : iterable of int, optional
        SOSI codes that count as housing; default: ``reserves.housing_codes`` of
        the shipped configuration.

    Returns
    -------
    GeoDataFrame with ``type`` = "boligreserve", ``navn``, ``sted`` (if
    ``arealformal`` has one) and the geometry.
    """
    rows = housing_reserve(arealformal, housing_codes)
    named = housing_reserve_parcels(arealformal, housing_codes=housing_codes)
    return _parcel_frame(rows, PARCEL_TYPE_RESERVE, named["navn"].to_numpy())


def innspill_parcels(innspill: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Every innspill with a geometry, named as ``geoplan reserves`` names it.

    Returns
    -------
    GeoDataFrame with ``type`` = "innspill", ``navn``, ``sted`` and the geometry.
    """
    g = np.asarray(innspill.geometry.values, dtype=object)
    rows = innspill[~(shapely.is_missing(g) | shapely.is_empty(g))]
    _, named = innspill_by_place(innspill)      # the same rows, in the same order
    return _parcel_frame(rows, PARCEL_TYPE_INNSPILL, named["navn"].to_numpy())


def _parcel_frame(df: gpd.GeoDataFrame, kind: str, names: np.ndarray) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({
        "type": kind,
        "navn": np.array([str(v) for v in names], dtype=object),
        "sted": df["sted"].to_numpy() if "sted" in df.columns else None,
    }, geometry=df.geometry.values, crs=df.crs)


def collect_parcels(arealformal: gpd.GeoDataFrame | None = None,
                    innspill: gpd.GeoDataFrame | None = None,
                    housing_codes: Iterable[int] | None = None) -> gpd.GeoDataFrame | None:
    """Reserve parcels and innspill in one frame (``type``, ``navn``, ``sted``, geometry).

    See :func:`reserve_parcels` and :func:`innspill_parcels`. Returns None when
    there are no parcels.
    """
    parts = []
    if arealformal is not None and len(arealformal):
        parts.append(reserve_parcels(arealformal, housing_codes))
    if innspill is not None and len(innspill):
        parts.append(innspill_parcels(innspill))
    parts = [p for p in parts if len(p)]
    if not parts:
        return None
    crs = parts[0].crs
    return gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry="geometry", crs=crs)


def _fill_parcel_places(parcels: gpd.GeoDataFrame, boundaries: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Give parcels without ``sted`` (reserves) the name of the boundary holding their
    point on surface, so every parcel row says which place it belongs to."""
    parcels = parcels.copy()
    if "sted" not in parcels.columns:
        parcels["sted"] = None
    missing = parcels["sted"].isna().to_numpy() | (parcels["sted"].astype(str).str.strip() == "").to_numpy()
    if not missing.any() or boundaries is None or not len(boundaries) or "navn" not in boundaries:
        return parcels
    reps = shapely.point_on_surface(np.asarray(parcels.geometry.values[missing], dtype=object))
    tree = shapely.STRtree(np.asarray(boundaries.geometry.values, dtype=object))
    pi, bi = tree.query(reps, predicate="within")
    names = np.full(int(missing.sum()), None, dtype=object)
    names[pi] = boundaries["navn"].astype(str).to_numpy()[bi]
    col = np.array(parcels["sted"].astype(object).to_numpy(), dtype=object)  # writable copy
    col[np.flatnonzero(missing)] = names
    parcels["sted"] = col
    return parcels

