"""Exact overlays for the arealregnskap: every m² of a piece goes somewhere.

A *piece table* is a :class:`pandas.DataFrame` with a ``geometry`` column (shapely
polygons, or ``None`` for an area without a surface: the rounding residual), an
``areal_m2`` column and attribute columns. :func:`split` cuts every piece by a cover
layer (AR5, the places, the proposal) with one spatial-index query and vectorised
shapely 2 intersections; what no cover polygon covers becomes a piece of its own
(the ``outside`` attributes), and what is left after that (overlapping cover
polygons, floating point) a residual row without geometry. So the pieces of a piece
always sum to its area, and the residual is a number that can be reported.
:func:`inside_area` measures the part of each piece inside the union of a layer
(nature and hazard zones, which may overlap each other) without splitting.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np
import pandas as pd
import shapely

from geoplan.analysis.places import union_area_by_group


@dataclass(frozen=True)
class Cover:
    """A cover layer: polygons, their attributes (one row each), and its spatial index."""

    geoms: np.ndarray
    attrs: pd.DataFrame
    tree: shapely.STRtree

    @classmethod
    def of(cls, geoms, attrs: pd.DataFrame) -> "Cover":
        g = np.asarray(geoms, dtype=object)
        return cls(g, attrs.reset_index(drop=True), shapely.STRtree(g))


def pieces_of(geoms, attrs: pd.DataFrame) -> pd.DataFrame:
    """A piece table from polygons and their attributes."""
    g = np.asarray(geoms, dtype=object)
    out = attrs.reset_index(drop=True).copy()
    out["geometry"] = g
    out["areal_m2"] = shapely.area(g)
    return out


def _polygonal(g: np.ndarray) -> np.ndarray:
    """Keep only the polygonal parts (an intersection can add lines and points)."""
    t = shapely.get_type_id(g)
    mixed = t == 7  # GeometryCollection
    if mixed.any():
        g = g.copy()
        for i in np.where(mixed)[0]:
            parts = [p for p in shapely.get_parts(g[i]) if shapely.get_type_id(p) in (3, 6)]
            g[i] = shapely.union_all(parts) if parts else shapely.Polygon()
    return g


def _pairs(g: np.ndarray, cover: Cover) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Piece index, cover index, intersection and its area for every overlapping pair."""
    has = np.array([x is not None for x in g]) if len(g) else np.zeros(0, bool)
    idx = np.where(has)[0]
    ip, ic = cover.tree.query(g[idx], predicate="intersects")
    ip = idx[ip]
    inter = _polygonal(shapely.intersection(g[ip], cover.geoms[ic]))
    a = shapely.area(inter)
    keep = a > 0
    return ip[keep], ic[keep], inter[keep], a[keep]


def _rest(g: np.ndarray, ip: np.ndarray, inter: np.ndarray, todo: np.ndarray) -> np.ndarray:
    """The part of each piece in ``todo`` outside its intersections (one union per piece)."""
    order = np.argsort(ip, kind="stable")
    ip_s, inter_s = ip[order], inter[order]
    starts = np.searchsorted(ip_s, todo, side="left")
    ends = np.searchsorted(ip_s, todo, side="right")
    out = np.empty(len(todo), dtype=object)
    for k, (i, s, e) in enumerate(zip(todo, starts, ends)):
        out[k] = g[i] if s == e else shapely.difference(g[i], shapely.union_all(inter_s[s:e]))
    return _polygonal(out)


def split(pieces: pd.DataFrame, cover: Cover, outside: Mapping[str, Any], residual: Mapping[str, Any],
          gap_tolerance_m2: float) -> tuple[pd.DataFrame, np.ndarray]:
    """Cut every piece by ``cover``; the pieces of a piece sum to its area exactly.

    Parameters
    ----------
    pieces : piece table (``geometry``, ``areal_m2``, attributes).
    cover : the layer to cut by; its attribute columns are added to each piece.
    outside : cover attributes of the part no cover polygon covers.
    residual : cover attributes of the residual row (area without a surface).
    gap_tolerance_m2 : a remainder at most this large (m²) is not computed as a surface.

    Returns
    -------
    (piece table, covered_m2) — ``covered_m2[j]``: area (m²) of cover polygon ``j``
    inside the pieces (for the symmetric remainder of the cover, see :func:`cover_rest`).
    """
    g = pieces["geometry"].to_numpy(dtype=object)
    area = pieces["areal_m2"].to_numpy(dtype="float64")
    ip, ic, inter, a = _pairs(g, cover)
    covered = np.bincount(ip, weights=a, minlength=len(g))
    rest = area - covered
    todo = np.where((rest > gap_tolerance_m2) & np.array([x is not None for x in g], bool))[0]
    rest_g = _rest(g, ip, inter, todo)
    rest_a = shapely.area(rest_g)
    resid = rest.copy()
    resid[todo] -= rest_a
    base = pieces.drop(columns=["geometry", "areal_m2"])
    parts = [base.iloc[ip].reset_index(drop=True).join(cover.attrs.iloc[ic].reset_index(drop=True))
             .assign(geometry=inter, areal_m2=a)]
    ok = rest_a > 0
    if ok.any():
        parts.append(base.iloc[todo[ok]].reset_index(drop=True)
                     .assign(**outside, geometry=rest_g[ok], areal_m2=rest_a[ok]))
    rmask = resid != 0
    if rmask.any():
        parts.append(base.iloc[np.where(rmask)[0]].reset_index(drop=True)
                     .assign(**residual, geometry=None, areal_m2=resid[rmask]))
    out = pd.concat(parts, ignore_index=True)
    covered_cover = np.bincount(ic, weights=a, minlength=len(cover.geoms))
    return out, covered_cover


def cover_rest(cover: Cover, pieces_geoms: np.ndarray, covered_m2: np.ndarray,
               gap_tolerance_m2: float, select: np.ndarray | None = None
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The part of each cover polygon outside all pieces: (cover index, geometry, area m²).

    Only cover polygons with more than ``gap_tolerance_m2`` uncovered (and in ``select``)
    are computed; returns also the residual per cover polygon in the third array's place
    is not needed — the caller adds ``area − covered − rest`` as residual.
    """
    area = shapely.area(cover.geoms)
    gap = area - covered_m2
    mask = gap > gap_tolerance_m2
    if select is not None:
        mask &= select
    todo = np.where(mask)[0]
    if not len(todo):
        return todo, np.empty(0, dtype=object), np.empty(0)
    tree = shapely.STRtree(pieces_geoms)
    ic, ip = tree.query(cover.geoms[todo], predicate="intersects")
    ic = todo[ic]
    inter = _polygonal(shapely.intersection(cover.geoms[ic], pieces_geoms[ip]))
    nz = shapely.area(inter) > 0
    rest_g = _rest(cover.geoms, ic[nz], inter[nz], todo)
    return todo, rest_g, shapely.area(rest_g)


def inside_area(pieces: pd.DataFrame, geoms) -> np.ndarray:
    """Area (m²) of each piece inside the union of ``geoms`` (overlaps counted once)."""
    g = pieces["geometry"].to_numpy(dtype=object)
    lg = np.asarray(geoms, dtype=object)
    lg = lg[~shapely.is_empty(lg) & ~shapely.is_missing(lg)] if len(lg) else lg
    if not len(lg) or not len(g):
        return np.zeros(len(g))
    cov = Cover.of(lg, pd.DataFrame(index=range(len(lg))))
    ip, _ic, inter, _a = _pairs(g, cov)
    return union_area_by_group(inter, ip, len(g))


def self_overlap_m2(geoms) -> float:
    """Total area (m²) where polygons of one layer overlap each other (double counted).

    A plan or an AR5 cover is normally a polygon coverage (neighbours share edges), and
    GEOS's coverage validation says so in one pass, naming the polygons whose edges are
    not matched (the only ones an overlap can involve: a polygon inside another, a
    duplicate and a partial overlap all flag at least one of the two). Only those are
    tested pairwise (DE-9IM interiors intersect, then the intersection's area); the
    neighbours that merely touch are never intersected.
    """
    g = np.asarray(geoms, dtype=object)
    g = g[~shapely.is_missing(g)] if len(g) else g
    g = g[~shapely.is_empty(g)] if len(g) else g
    if len(g) < 2:
        return 0.0
    flagged = np.where(~shapely.is_empty(shapely.coverage_invalid_edges(g)))[0]
    if not len(flagged):
        return 0.0
    ia, ib = shapely.STRtree(g).query(g[flagged], predicate="intersects")
    left, right = flagged[ia], ib
    lo, hi = np.minimum(left, right), np.maximum(left, right)
    pairs = np.unique(np.stack([lo, hi], axis=1)[lo != hi], axis=0)
    if not len(pairs):
        return 0.0
    left, right = pairs[:, 0], pairs[:, 1]
    real = shapely.relate_pattern(g[left], g[right], "T********")
    left, right = left[real], right[real]
    return float(shapely.area(shapely.intersection(g[left], g[right])).sum()) if len(left) else 0.0
