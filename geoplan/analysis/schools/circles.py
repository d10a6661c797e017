"""School circles: the circle polygons, straight-line distances and circle coverage.

Circles are polygons with ``4 * quad_segs`` vertices whose radius is enlarged
so that the polygon has exactly the area of the true circle (πr²); a geometry
whose every point is within the radius (checked exactly, see
:func:`max_distance`) counts as wholly inside. Distances in metres, areas in daa.
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoplan.analysis.schools.threads import map_sets
from geoplan.config.schools import SchoolSettings
from geoplan.errors import DataProblem
from geoplan.io.crs import require_projected

#: relative tolerance when testing "within the radius" (float noise only)
_RTOL = 1e-9


def _school_xy(schools: gpd.GeoDataFrame) -> np.ndarray:
    pts = np.asarray(schools.geometry.values, dtype=object)
    not_pt = shapely.get_type_id(pts) != shapely.GeometryType.POINT
    if not_pt.any():
        pts = pts.copy()
        pts[not_pt] = shapely.point_on_surface(pts[not_pt])
    return shapely.get_coordinates(pts)[:, :2]


def _school_names(schools: gpd.GeoDataFrame) -> np.ndarray:
    if "navn" in schools.columns:
        names = schools["navn"].astype("string").fillna("").to_numpy(dtype=object)
    else:
        names = np.array([""] * len(schools), dtype=object)
    blank = names == ""
    names[blank] = [f"skole {i + 1}" for i in np.flatnonzero(blank)]
    return names


def _usable_schools(schools: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    require_projected(schools, "skole")
    g = schools.geometry
    ok = ~(g.isna() | g.is_empty)
    schools = schools[ok.to_numpy()]
    if len(schools) == 0:
        raise DataProblem(
            "Laget «skole» har ingen skoler med gyldig punkt, så skolesirklene kan ikke tegnes. "
            "Legg til skolene som punkter med kolonnen «navn»."
        )
    return schools.reset_index(drop=True)


def circle_parameters(radius_m: float | None, quad_segs: int | None) -> tuple[float, int]:
    """``radius_m`` (m) and ``quad_segs``, each from the shipped settings when ``None``."""
    s = SchoolSettings.resolve(radius_m=radius_m, circle_quad_segs=quad_segs)
    return float(s.radius_m), int(s.circle_quad_segs)


def circle_polygon_radius(radius_m: float, quad_segs: int) -> float:
    """Radius (m) of a regular ``4*quad_segs``-gon with the area of a circle of ``radius_m``.

    A regular n-gon inscribed in a circle of radius r has area
    ``n/2 * r² * sin(2π/n)``; scaling r by ``sqrt(2π / (n sin(2π/n)))`` makes
    it πr². Its edges then lie within ``r * (π/n)² / 3`` (≈ 0.04 m for
    r = 1,500 m, quad_segs = 64) of the true circle.
    """
    n = 4 * int(quad_segs)
    return float(radius_m) * math.sqrt(2.0 * math.pi / (n * math.sin(2.0 * math.pi / n)))


def school_circles(schools: gpd.GeoDataFrame, radius_m: float | None = None, *,
                   quad_segs: int | None = None) -> gpd.GeoDataFrame:
    """One circle polygon per school, with the area of the true circle.

    Parameters
    ----------
    schools : GeoDataFrame of Points (``navn``)
    radius_m : float, optional
        Circle radius, metres (default: ``schools.radius_m``).
    quad_segs : int, optional
        Segments per quarter circle (default: ``schools.circle_quad_segs``).

    Returns
    -------
    GeoDataFrame with ``skole``, ``radius_m``, ``areal_daa`` and the circle.
    """
    radius_m, quad_segs = circle_parameters(radius_m, quad_segs)
    schools = _usable_schools(schools)
    xy = _school_xy(schools)
    r = circle_polygon_radius(radius_m, quad_segs)
    circ = shapely.buffer(shapely.points(xy), r, quad_segs=quad_segs)
    return gpd.GeoDataFrame({
        "skole": _school_names(schools),
        "radius_m": float(radius_m),
        "areal_daa": shapely.area(circ) / 1000.0,
    }, geometry=circ, crs=schools.crs)


def nearest_school_distance(geoms, schools: gpd.GeoDataFrame) -> pd.DataFrame:
    """Straight-line distance (m) from each geometry to its nearest school.

    Parameters
    ----------
    geoms : GeoDataFrame, GeoSeries or array of geometries
        Points (sites, dwellings) or polygons (parcels). For a polygon the
        distance is from its nearest point (0 when a school lies inside it).
    schools : GeoDataFrame of Points with ``navn``
        In the same projected CRS as ``geoms``.

    Returns
    -------
    DataFrame indexed like ``geoms`` with ``avstand_m`` (float, m; NaN for an
    empty geometry) and ``skole`` (name of the nearest school; ties: the first).

    Examples
    --------
    >>> d = nearest_school_distance(sites, ds["skole"])   # doctest: +SKIP
    >>> d["avstand_m"] <= 1500                             # doctest: +SKIP
    """
    require_projected(geoms, "geometrier")
    schools = _usable_schools(schools)
    index = geoms.index if hasattr(geoms, "index") else pd.RangeIndex(len(geoms))
    g = np.asarray(getattr(geoms, "geometry", geoms), dtype=object)
    out = pd.DataFrame({"avstand_m": np.full(g.size, np.nan),
                        "skole": pd.Series([None] * g.size, dtype=object).to_numpy()},
                       index=index)
    ok = ~(shapely.is_missing(g) | shapely.is_empty(g)) if g.size else np.zeros(0, bool)
    if not ok.any():
        return out
    (qi, ti), dist = schools.sindex.nearest(g[ok], return_all=False, return_distance=True)
    pos = np.flatnonzero(ok)[qi]
    names = _school_names(schools)
    out.iloc[pos, 0] = dist
    out.iloc[pos, 1] = names[ti]
    return out


def max_distance(geoms, school_xy: np.ndarray) -> np.ndarray:
    """Farthest distance (m) from any point of each geometry to the nearest of some schools.

    Exact: within the Voronoi cell of a school the distance to the nearest
    school is the (convex) distance to that school, so its maximum over
    ``geometry ∩ cell`` lies at a vertex of that intersection -- a vertex of
    the geometry, a crossing of its boundary with a Voronoi edge, or a Voronoi
    vertex inside it. With one school this reduces to the farthest vertex.

    Parameters
    ----------
    geoms : array of geometries (all measured against the same schools)
    school_xy : ndarray, shape (k, 2)
        Coordinates of the schools (duplicates allowed).

    Returns
    -------
    ndarray of float, one per geometry (NaN for empty geometries).
    """
    g = np.asarray(geoms, dtype=object)
    out = np.full(g.size, np.nan)
    if g.size == 0:
        return out
    pts = np.unique(np.asarray(school_xy, dtype=float).reshape(-1, 2), axis=0)
    if pts.shape[0] == 1:
        coords, idx = shapely.get_coordinates(g, return_index=True)
        d = np.hypot(coords[:, 0] - pts[0, 0], coords[:, 1] - pts[0, 1])
        return _group_max(d, idx, g.size)
    mp = shapely.multipoints(pts)
    env = shapely.box(*shapely.total_bounds(np.append(g, mp)))
    pad = max(1.0, float(shapely.length(env)))
    cells = shapely.get_parts(shapely.voronoi_polygons(
        mp, extend_to=shapely.buffer(env, pad), ordered=True))
    inter = shapely.intersection(g[:, None], cells[None, :])          # (m, k)
    coords, idx = shapely.get_coordinates(inter.ravel(), return_index=True)
    feat = idx // cells.size
    cell = idx % cells.size
    d = np.hypot(coords[:, 0] - pts[cell, 0], coords[:, 1] - pts[cell, 1])
    return _group_max(d, feat, g.size)


def polygonal(geoms) -> np.ndarray:
    """Keep only the polygon parts of each geometry, as MultiPolygons.

    Overlays can return GeometryCollections with stray lines or points where
    shapes touch; a GeoPackage layer needs one geometry type.
    """
    g = np.asarray(geoms, dtype=object)
    out = np.full(g.size, shapely.MultiPolygon(), dtype=object)
    if g.size == 0:
        return out
    ok = ~shapely.is_missing(g)
    parts, idx = shapely.get_parts(g[ok], return_index=True)
    keep = shapely.get_type_id(parts) == shapely.GeometryType.POLYGON
    keep &= ~shapely.is_empty(parts)
    sub = np.full(int(ok.sum()), shapely.MultiPolygon(), dtype=object)
    if keep.any():
        sub = shapely.multipolygons(parts[keep], indices=idx[keep], out=sub)
    out[ok] = sub
    return out


def _group_max(values: np.ndarray, groups: np.ndarray, n: int) -> np.ndarray:
    out = np.full(n, -np.inf)
    np.maximum.at(out, groups, values)
    out[np.isneginf(out)] = np.nan
    return out


def circle_coverage(geoms, school_xy: np.ndarray, school_sets, radius_m: float | None = None, *,
                    quad_segs: int | None = None, workers: int | None = None) -> pd.DataFrame:
    """Share of each geometry inside the union of its schools' circles.

    Parameters
    ----------
    geoms : array of (Multi)Polygons
    school_xy : ndarray (k, 2)
        School coordinates, m.
    school_sets : sequence of tuples of int
        Per geometry, the row positions in ``school_xy`` of its schools.
    radius_m : float, optional
        Circle radius, m (default: ``schools.radius_m``).
    quad_segs : int, optional
        Circle resolution, segments per quarter (default: ``schools.circle_quad_segs``).
    workers : int, optional
        Threads the school sets run on, as in
        :func:`geoplan.analysis.schools.threads.map_sets` (the answers are the same).

    Returns
    -------
    DataFrame (positional) with ``areal_daa``, ``innenfor_daa``,
    ``utenfor_daa``, ``andel_innenfor_pct``, ``oppfylt`` (every point within
    ``radius_m`` of one of its schools, tested exactly), ``maks_avstand_m``,
    and geometry columns ``geom_innenfor`` and ``geom_utenfor``.
    """
    radius_m, quad_segs = circle_parameters(radius_m, quad_segs)
    g = np.asarray(geoms, dtype=object)
    n = g.size
    r_poly = circle_polygon_radius(radius_m, quad_segs)
    circles = shapely.buffer(shapely.points(np.asarray(school_xy, dtype=float).reshape(-1, 2)),
                             r_poly, quad_segs=quad_segs)
    inside = np.empty(n, dtype=object)
    outside = np.empty(n, dtype=object)
    maks = np.full(n, np.nan)
    xy = np.asarray(school_xy)

    def one(item):
        key, pos = item
        idx = np.fromiter(key, dtype=np.int64)
        union = shapely.union_all(circles[idx]) if idx.size else shapely.Polygon()
        gg = g[pos]
        return (max_distance(gg, xy[idx]) if idx.size else np.nan,
                shapely.intersection(gg, union), shapely.difference(gg, union))
    groups = list(_groups(school_sets).items())
    results = map_sets(one, groups, workers, cost=[pos.size for _key, pos in groups])
    for (_key, pos), (m, i_, o_) in zip(groups, results):
        maks[pos], inside[pos], outside[pos] = m, i_, o_
    areal = shapely.area(g) / 1000.0
    oppfylt = maks <= radius_m * (1.0 + _RTOL)
    # exact test says every point is within the radius: the whole geometry is inside
    inside[oppfylt] = g[oppfylt]
    outside[oppfylt] = shapely.Polygon()
    innenfor = np.minimum(shapely.area(inside) / 1000.0, areal)
    utenfor = np.maximum(areal - innenfor, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        andel = np.where(areal > 0, 100.0 * innenfor / areal, np.nan)
    return pd.DataFrame({
        "areal_daa": areal, "innenfor_daa": innenfor, "utenfor_daa": utenfor,
        "andel_innenfor_pct": andel, "oppfylt": oppfylt, "maks_avstand_m": maks,
        "geom_innenfor": inside, "geom_utenfor": outside,
    })


def _groups(school_sets) -> dict[tuple, np.ndarray]:
    keys = pd.Series([tuple(sorted(set(t))) if isinstance(t, (tuple, list)) else ()
                      for t in school_sets], dtype=object)
    return {k: np.asarray(v, dtype=np.int64) for k, v in keys.groupby(keys).indices.items()}
