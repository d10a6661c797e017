"""The boligreserve: the one definition of «zoned for housing, not built», per place.

:func:`housing_reserve` selects the rows of ``arealformal`` that are boligreserve
(``reserves.housing_codes``, not built); :func:`reserve_by_place` splits them over the
places' ``utviklingsgrense`` (inside, outside, overlaps); :func:`housing_reserve_parcels`
names the parcels as ``geoplan reserves`` prints them. Other analyses (schools,
arealregnskap) use these rather than a rule of their own. Re-exported by
:mod:`geoplan.analysis.reserves`. Areas in daa.
"""

from __future__ import annotations

from typing import Iterable

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoplan.analysis.innspill import _codes, _label
from geoplan.analysis.places import (
    M2_PER_DAA,
    dissolve_places,
    overlap_area_each,
    present,
    union_area_by_group,
)
from geoplan.io.crs import require_projected


def housing_reserve(arealformal: gpd.GeoDataFrame,
                    housing_codes: Iterable[int] | None = None) -> gpd.GeoDataFrame:
    """The rows of ``arealformal`` that are boligreserve: the one definition.

    Reserve = zoned for housing (``arealformal`` in ``housing_codes``) and not
    built. Where the optional column ``utbygd`` has a value it decides (built:
    not reserve, even if ``arealbruksstatus`` is 2); where it is missing or
    empty, ``arealbruksstatus`` 2 (framtidig) counts as not built. Rows
    without a geometry are not reserve.

    Parameters
    ----------
    arealformal : zoning polygons (projected CRS).
    housing_codes : SOSI arealformål codes that count as housing; ``None``:
        ``reserves.housing_codes`` of the shipped configuration (1110-1113).

    Returns
    -------
    GeoDataFrame, a subset of ``arealformal`` (same index and columns).
    """
    require_projected(arealformal, "arealformal")
    code = pd.to_numeric(arealformal["arealformal"], errors="coerce")
    housing = code.isin(_codes(housing_codes)).to_numpy()
    status = pd.to_numeric(arealformal.get("arealbruksstatus"), errors="coerce") \
        if "arealbruksstatus" in arealformal else pd.Series(np.nan, index=arealformal.index)
    not_built = (status == 2).to_numpy()
    if "utbygd" in arealformal.columns:
        ub = arealformal["utbygd"].astype("boolean")
        known = ub.notna().to_numpy()
        not_built = np.where(known, ~ub.fillna(True).to_numpy(dtype=bool), not_built)
    keep = housing & not_built & present(arealformal.geometry.to_numpy())
    return arealformal.loc[keep]


def _settled(arealformal: gpd.GeoDataFrame, housing_codes: Iterable[int]) -> np.ndarray:
    """Geometries of built housing zones (existing settlement)."""
    code = pd.to_numeric(arealformal["arealformal"], errors="coerce")
    housing = code.isin(_codes(housing_codes)).to_numpy()
    res_idx = housing_reserve(arealformal, housing_codes).index
    built = housing & ~arealformal.index.isin(res_idx)
    g = arealformal.geometry.to_numpy()[built]
    return g[present(g)]


def _split_by_places(geoms: np.ndarray, pg: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per place, the area (m²) of the union of the reserve inside its boundary; per
    reserve polygon, the place holding most of it (−1 for none)."""
    n, k = len(geoms), len(pg)
    best_place = np.full(n, -1, dtype="int64")
    place_area = np.zeros(k)
    if not (n and k):
        return place_area, best_place
    b_idx, p_idx = shapely.STRtree(geoms).query(pg, predicate="intersects")
    if not len(b_idx):
        return place_area, best_place
    pieces = np.empty(len(b_idx), dtype=object)
    contained = shapely.contains_properly(pg[b_idx], geoms[p_idx])
    pieces[contained] = geoms[p_idx][contained]
    cut = ~contained
    if cut.any():
        pieces[cut] = shapely.intersection(geoms[p_idx][cut], pg[b_idx][cut])
    piece_area = np.nan_to_num(shapely.area(pieces))
    # the place total: union of its pieces (overlapping zoning counted once)
    place_area = union_area_by_group(pieces, b_idx, k, piece_area)
    order = np.lexsort((-piece_area, p_idx))
    first = np.r_[True, p_idx[order][1:] != p_idx[order][:-1]]
    sel = order[first]
    has = piece_area[sel] > 0
    best_place[p_idx[sel][has]] = b_idx[sel][has]
    return place_area, best_place


def _inside_and_outside(geoms: np.ndarray, areas: np.ndarray,
                        pg: np.ndarray) -> tuple[np.ndarray, float]:
    """Area (m²) of each polygon inside any boundary, and the reserve (union) outside
    every boundary in daa; against the union of the boundaries, so places whose
    boundaries overlap never make a parcel more than 100 % inside."""
    n = len(geoms)
    if not n:
        return np.zeros(0), 0.0
    if len(pg):
        boundary_union = shapely.union_all(pg)
        shapely.prepare(boundary_union)
        within = shapely.within(geoms, boundary_union)
        touching = shapely.intersects(geoms, boundary_union)
        inside_area = np.where(within, areas, 0.0)
        cut = touching & ~within
        if cut.any():
            inside_area[cut] = shapely.area(shapely.intersection(geoms[cut], boundary_union))
        part_out = ~within
        outs = np.where(touching[part_out],
                        shapely.difference(geoms[part_out], boundary_union), geoms[part_out]) \
            if part_out.any() else geoms[:0]
    else:
        inside_area = np.zeros(n)
        outs = geoms
    outside_daa = 0.0
    if len(outs):
        outside_daa = float(union_area_by_group(outs, np.zeros(len(outs), dtype="int64"), 1)[0]) \
            / M2_PER_DAA
    return np.minimum(inside_area, areas), outside_daa


def reserve_by_place(arealformal: gpd.GeoDataFrame, utviklingsgrense: gpd.GeoDataFrame,
                     housing_codes: Iterable[int] | None = None):
    """Boligreserve inside each place's utviklingsgrense.

    Overlapping zoning polygons are never counted twice: each place's area is
    the area of the union of the reserve inside its boundary.

    Parameters
    ----------
    arealformal : zoning polygons (projected CRS, metres).
    utviklingsgrense : boundaries with ``navn``; several rows with one name are
        one place (multipart boundaries).
    housing_codes : SOSI codes that count as housing (``None``: the configured ones).

    Returns
    -------
    (places, parcels, outside_daa)
        places : DataFrame ``sted``, ``boligreserve_daa``, ``antall_reserver``.
        parcels : GeoDataFrame, one row per reserve polygon: ``navn``, ``sted``
            (the place holding most of it; None outside every boundary), ``type``
            ("reserve"), ``arealformal``, ``arealbruksstatus``, ``areal_daa`` (whole
            polygon), ``areal_innenfor_daa`` (inside any boundary),
            ``andel_innenfor_pct``, ``overlapp_daa`` (shared with other reserve
            polygons), geometry.
        outside_daa : reserve area (union) outside every boundary, daa.
    """
    require_projected(utviklingsgrense, "utviklingsgrense")
    res = housing_reserve(arealformal, housing_codes)
    places = dissolve_places(utviklingsgrense)
    pg = places.geometry.to_numpy()
    geoms = res.geometry.to_numpy()
    n, k = len(geoms), len(pg)
    areas = shapely.area(geoms) if n else np.zeros(0)
    place_area, best_place = _split_by_places(geoms, pg)
    inside_area, outside_daa = _inside_and_outside(geoms, areas, pg)
    overlap = overlap_area_each(geoms) if n else np.zeros(0)
    sted = np.where(best_place >= 0,
                    places["sted"].to_numpy(dtype=object)[np.maximum(best_place, 0)], None) \
        if n and k else np.full(n, None, dtype=object)
    parcels = gpd.GeoDataFrame({
        "navn": _label(res, "Reserve"),
        "sted": sted,
        "type": "reserve",
        "arealformal": pd.to_numeric(res["arealformal"], errors="coerce").astype("Int64").to_numpy(),
        "arealbruksstatus": pd.to_numeric(res["arealbruksstatus"], errors="coerce").astype("Int64")
        .to_numpy() if "arealbruksstatus" in res else pd.NA,
        "areal_daa": areas / M2_PER_DAA,
        "areal_innenfor_daa": inside_area / M2_PER_DAA,
        "andel_innenfor_pct": np.divide(inside_area * 100.0, areas, out=np.zeros(n),
                                        where=areas > 0),
        "overlapp_daa": overlap / M2_PER_DAA,
    }, geometry=geoms, crs=arealformal.crs, index=res.index)
    counts = np.bincount(best_place[best_place >= 0], minlength=k) if n else np.zeros(k, dtype=int)
    out = pd.DataFrame({"sted": places["sted"].to_numpy(dtype=object),
                        "boligreserve_daa": place_area / M2_PER_DAA,
                        "antall_reserver": counts})
    return out, parcels, outside_daa


def housing_reserve_parcels(arealformal: gpd.GeoDataFrame,
                            utviklingsgrense: gpd.GeoDataFrame | None = None, *,
                            housing_codes: Iterable[int] | None = None) -> gpd.GeoDataFrame:
    """The housing-reserve parcels with the names ``geoplan reserves`` prints, and their place.

    The parcels are :func:`housing_reserve`'s rows (the one definition of the
    boligreserve); use this wherever another analysis lists the reserve, so a
    parcel has one name and one place everywhere.

    Parameters
    ----------
    arealformal : zoning polygons (projected CRS).
    utviklingsgrense : boundaries with ``navn``, or None (then ``sted`` is None).
    housing_codes : SOSI codes that count as housing (``None``: the configured ones).

    Returns
    -------
    GeoDataFrame (index of ``arealformal``), one row per reserve polygon:

    * ``navn`` -- the row's ``navn``, else ``"Reserve <index label>"``
      (``"Reserve 10"`` for row 10 of the layer as loaded);
    * ``sted`` -- the place (``utviklingsgrense.navn``, as spelled there)
      holding the largest part of the parcel; missing outside every boundary;
    * ``type`` ("reserve"), ``arealformal``, ``arealbruksstatus``,
      ``areal_daa``, ``areal_innenfor_daa``, ``andel_innenfor_pct``,
      ``overlapp_daa``, geometry (see :func:`reserve_by_place`).
    """
    if utviklingsgrense is None:
        utviklingsgrense = gpd.GeoDataFrame({"navn": []}, geometry=[], crs=arealformal.crs)
    return reserve_by_place(arealformal, utviklingsgrense, housing_codes)[1]
