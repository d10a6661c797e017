"""Places and the area arithmetic on them: the one place key, dissolved boundaries, overlaps.

A *place* (sted) is every ``utviklingsgrense`` row with the same ``navn``,
matched by :func:`place_key`: stripped, inner whitespace collapsed and
case-folded, so ``"Larvik  by "`` and ``"larvik by"`` are one place. Every
analysis that matches places by name (reserves, innspill, schools, the
configuration's ``[steder]``) uses this key.

Areas are in m² here; :data:`M2_PER_DAA` converts to dekar.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable

import numpy as np
import pandas as pd
import shapely

if TYPE_CHECKING:
    # geopandas is imported where a frame is built: `geoplan arealbehov` needs the
    # place key only, and importing geopandas was a tenth of its run (0.13 s)
    import geopandas as gpd

#: square metres per dekar
M2_PER_DAA = 1000.0
#: overlaps smaller than this (m²) are treated as digitising noise in the overlap report
_OVERLAP_TOL_M2 = 0.01


def place_key(name: Any) -> str:
    """The key places are matched by.

    Parameters
    ----------
    name : a place name (any value).

    Returns
    -------
    str
        The name stripped, inner whitespace collapsed to one space and
        case-folded; ``""`` for a missing name (None, NaN, ``pd.NA``).
    """
    if name is None or (isinstance(name, float) and np.isnan(name)) or name is pd.NA:
        return ""
    return " ".join(str(name).split()).casefold()


def quoted(values: Iterable) -> str:
    """``«A», «B»`` for messages (``(uten navn)`` for a missing name)."""
    vals = ["(uten navn)" if v is None else str(v) for v in values]
    return ", ".join(f"«{v}»" for v in vals)


def dissolve_places(utviklingsgrense: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """One (multi)polygon per place (``navn``), in first-seen order.

    Parameters
    ----------
    utviklingsgrense : boundaries with ``navn``; rows with the same
        :func:`place_key` are one place (multipart boundaries). Rows without a
        name are left out.

    Returns
    -------
    GeoDataFrame ``sted`` (the first spelling seen), ``_key`` (its
    :func:`place_key`), geometry, and ``boenheter_per_daa`` (the first value
    per place) when the input has that column. Idempotent: a frame that
    already has ``sted`` and ``_key`` is returned as it is.
    """
    if "_key" in utviklingsgrense.columns and "sted" in utviklingsgrense.columns:
        return utviklingsgrense
    ug = utviklingsgrense
    keys = ug["navn"].map(place_key)
    ok = keys != ""
    ug = ug.loc[ok.to_numpy()]
    keys = keys[ok]
    first = pd.Series(ug["navn"].to_numpy(), index=keys.to_numpy())
    first = first[~first.index.duplicated()]
    codes, uniq = pd.factorize(keys, sort=False)
    geoms = ug.geometry.to_numpy()
    import geopandas as gpd  # noqa: F811 (see the import at the top)
    merged = [shapely.union_all(geoms[codes == i]) if (codes == i).sum() > 1
              else geoms[codes == i][0] for i in range(len(uniq))]
    out = gpd.GeoDataFrame({"sted": [first[k] for k in uniq], "_key": list(uniq)},
                           geometry=merged, crs=utviklingsgrense.crs)
    if "boenheter_per_daa" in ug.columns:
        dens = pd.to_numeric(ug["boenheter_per_daa"], errors="coerce").groupby(codes).first()
        out["boenheter_per_daa"] = dens.reindex(range(len(uniq))).to_numpy()
    return out


def union_area_by_group(geoms: np.ndarray, groups: np.ndarray, n_groups: int,
                        areas: np.ndarray | None = None) -> np.ndarray:
    """Area (m²) of the union of the geometries in each group.

    Overlaps inside a group are counted once. Only the geometries that overlap
    another one of their group are unioned; the rest are summed directly, so
    clean data (no overlaps) costs one spatial-index query.

    Parameters
    ----------
    geoms : polygons.
    groups : group number (0 … ``n_groups`` − 1) of each geometry.
    n_groups : number of groups.
    areas : the geometries' areas (m²), if already known.

    Returns
    -------
    ndarray of ``n_groups`` areas, m².
    """
    geoms = np.asarray(geoms, dtype=object)
    groups = np.asarray(groups, dtype="int64")
    if areas is None:
        areas = shapely.area(geoms)
    areas = np.nan_to_num(np.asarray(areas, dtype="float64"))
    out = np.bincount(groups, weights=areas, minlength=n_groups).astype("float64")
    if len(geoms) < 2:
        return out
    left, right = overlapping_pairs(geoms, groups)
    if len(left) == 0:
        return out
    involved = np.unique(np.concatenate([left, right]))
    # few groups with overlaps: one union per affected group
    g_inv = groups[involved]
    for g in np.unique(g_inv):
        idx = involved[g_inv == g]
        out[g] += shapely.area(shapely.union_all(geoms[idx])) - areas[idx].sum()
    return out


def overlapping_pairs(geoms: np.ndarray, groups: np.ndarray | None = None
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs (i < j, same group) whose interiors intersect (a real overlap).

    Neighbours that only share an edge or a corner are not pairs.
    """
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    m = left < right
    if groups is not None:
        m &= groups[left] == groups[right]
    left, right = left[m], right[m]
    if len(left):
        # neighbours that only share an edge have bounding boxes that meet in a line:
        # drop them with arithmetic before the exact DE-9IM test
        b = shapely.bounds(geoms)
        w = np.minimum(b[left, 2], b[right, 2]) - np.maximum(b[left, 0], b[right, 0])
        h = np.minimum(b[left, 3], b[right, 3]) - np.maximum(b[left, 1], b[right, 1])
        keep = (w > 0) & (h > 0)
        left, right = left[keep], right[keep]
    if len(left):
        inter = shapely.relate_pattern(geoms[left], geoms[right], "T********")
        left, right = left[inter], right[inter]
    return left, right


def overlap_area_each(geoms: np.ndarray) -> np.ndarray:
    """Area (m²) of each geometry that it shares with the others (0 below 0.01 m²)."""
    geoms = np.asarray(geoms, dtype=object)
    out = np.zeros(len(geoms))
    if len(geoms) < 2:
        return out
    left, right = overlapping_pairs(geoms)
    if len(left) == 0:
        return out
    ii = np.concatenate([left, right])
    jj = np.concatenate([right, left])
    order = np.argsort(ii, kind="stable")
    ii, jj = ii[order], jj[order]
    starts = np.flatnonzero(np.r_[True, ii[1:] != ii[:-1]])
    ends = np.r_[starts[1:], len(ii)]
    for s, e in zip(starts, ends):  # only geometries that overlap another one
        i = ii[s]
        others = shapely.union_all(geoms[jj[s:e]])
        out[i] = shapely.area(shapely.intersection(geoms[i], others))
    out[out < _OVERLAP_TOL_M2] = 0.0
    return out


def present(geoms: np.ndarray) -> np.ndarray:
    """Boolean mask of the geometries that are neither missing nor empty."""
    return ~(shapely.is_empty(geoms) | shapely.is_missing(geoms))
