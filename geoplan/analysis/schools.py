"""School circles and walking distance to school.

Larvik's first criterion for the long-term development boundaries: *the
utviklingsgrense of a place shall lie inside the circle of 1.5 km from the
place's school* (Boligplan 2015-2020, seed 004, l. 2467-2475). This module
measures, for each boundary and for each reserve and innspill parcel, how much
lies inside the circle (or the union of its schools' circles), the farthest
point from the nearest school, and -- with a walking network -- how much is
really within the radius on foot.

All functions are pure: GeoDataFrames and numbers in, (Geo)DataFrames out.
Distances in metres, areas in daa (1 daa = 1,000 m²). Inputs must be in a
projected CRS.

Which schools belong to a feature (column ``regel``):

* boundaries: ``sted`` -- schools whose ``sted`` equals the boundary's ``navn``
  (case and surrounding spaces ignored); else ``innenfor`` -- the schools
  inside the boundary; else ``naermeste`` -- the nearest school.
* parcels: ``sted`` -- schools whose ``sted`` equals the parcel's ``sted``;
  else ``utviklingsgrense`` -- the schools of the boundary the parcel lies in
  (its point on surface); else ``naermeste``.

Circles are polygons with ``4 * quad_segs`` vertices whose radius is enlarged
so that the polygon has exactly the area of the true circle (πr²); a boundary
whose every point is within the radius (checked exactly, see
:func:`max_distance`) counts as wholly inside.
"""

from __future__ import annotations

import math
import weakref
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoplan.analysis.network import build_network  # noqa: F401  (re-exported: build once, pass to the walkers)
from geoplan.errors import DataProblem

RULE_STED = "sted"
RULE_INSIDE = "innenfor"
RULE_BOUNDARY = "utviklingsgrense"
RULE_NEAREST = "naermeste"

#: relative tolerance when testing "within the radius" (float noise only)
_RTOL = 1e-9


# --------------------------------------------------------------------------- helpers
def _check_crs(gdf, what: str) -> None:
    crs = getattr(gdf, "crs", None)
    if crs is not None and crs.is_geographic:
        raise DataProblem(
            f"{what} har et geografisk koordinatsystem ({crs.to_string()}); skoleavstander "
            "i meter krever et projisert system. Bruk EUREF89 UTM (f.eks. EPSG:25832) eller --crs."
        )


def _key(s: pd.Series) -> pd.Series:
    return s.astype("string").str.strip().str.casefold()


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
    _check_crs(schools, "Laget «skole»")
    g = schools.geometry
    ok = ~(g.isna() | g.is_empty)
    schools = schools[ok.to_numpy()]
    if len(schools) == 0:
        raise DataProblem(
            "Laget «skole» har ingen skoler med gyldig punkt, så skolesirklene kan ikke tegnes. "
            "Legg til skolene som punkter med kolonnen «navn»."
        )
    return schools.reset_index(drop=True)


def circle_polygon_radius(radius_m: float, quad_segs: int) -> float:
    """Radius (m) of a regular ``4*quad_segs``-gon with the area of a circle of ``radius_m``.

    A regular n-gon inscribed in a circle of radius r has area
    ``n/2 * r² * sin(2π/n)``; scaling r by ``sqrt(2π / (n sin(2π/n)))`` makes
    it πr². Its edges then lie within ``r * (π/n)² / 3`` (≈ 0.04 m for
    r = 1,500 m, quad_segs = 64) of the true circle.
    """
    n = 4 * int(quad_segs)
    return float(radius_m) * math.sqrt(2.0 * math.pi / (n * math.sin(2.0 * math.pi / n)))


def school_circles(schools: gpd.GeoDataFrame, radius_m: float = 1500.0, *,
                   quad_segs: int = 64) -> gpd.GeoDataFrame:
    """One circle polygon per school, with the area of the true circle.

    Parameters
    ----------
    schools : GeoDataFrame of Points (``navn``)
    radius_m : float
        Circle radius, metres.
    quad_segs : int
        Segments per quarter circle.

    Returns
    -------
    GeoDataFrame with ``skole``, ``radius_m``, ``areal_daa`` and the circle.
    """
    schools = _usable_schools(schools)
    xy = _school_xy(schools)
    r = circle_polygon_radius(radius_m, quad_segs)
    circ = shapely.buffer(shapely.points(xy), r, quad_segs=quad_segs)
    return gpd.GeoDataFrame({
        "skole": _school_names(schools),
        "radius_m": float(radius_m),
        "areal_daa": shapely.area(circ) / 1000.0,
    }, geometry=circ, crs=schools.crs)


# --------------------------------------------------------------------------- distances
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
    _check_crs(geoms, "Geometriene")
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


def walking_distance_to_nearest(points, network, schools: gpd.GeoDataFrame, *,
                                max_snap_m: float = 250.0, limit_m: float = np.inf) -> pd.DataFrame:
    """Walking distance (m) along the network from each point to its nearest school.

    Build the network once with :func:`geoplan.analysis.network.build_network` and pass
    it to every call. The schools are inserted into (a copy of) the graph as
    nodes; one multi-source Dijkstra (scipy) gives every node its distance to
    the nearest school; each point is snapped to its nearest edge.

    Distance = point's access leg (straight line to the network) + path
    along the network + the school's access leg. Polygons are represented by
    their point on surface.

    Parameters
    ----------
    points : GeoDataFrame, GeoSeries or array of geometries
    network : geoplan.analysis.network.Network
    schools : GeoDataFrame of Points with ``navn``
    max_snap_m : float
        Points and schools farther than this (m) from the network are not
        connected (NaN distance).
    limit_m : float
        Stop the search at this distance (m); farther points get ``inf``.

    Returns
    -------
    DataFrame indexed like ``points`` with

    * ``gangavstand_m`` -- walking distance (m); ``inf`` when the network does
      not connect the point with any school (or it is beyond ``limit_m``),
      NaN when the point is more than ``max_snap_m`` from the network;
    * ``skole`` -- name of the nearest school on foot (None if unreachable);
    * ``tilknytning_m`` -- the point's access leg (m);
    * ``naadd`` -- bool, a finite walking distance was found.
    """
    from geoplan.analysis.network import snap_points, target_distances
    _check_crs(points, "Punktene")
    schools = _usable_schools(schools)
    names = _school_names(schools)
    net, ok, dist, near = _prepared_walk(network, schools, max_snap_m, limit_m)
    tsnap = snap_points(net, points, max_distance_m=max_snap_m)
    d, who = target_distances(net, dist, tsnap, near)
    school_pos = np.flatnonzero(ok)
    skole = np.array([None] * len(tsnap), dtype=object)
    hit = who >= 0
    skole[hit] = names[school_pos[who[hit]]]
    index = points.index if hasattr(points, "index") else pd.RangeIndex(len(tsnap))
    return pd.DataFrame({
        "gangavstand_m": d,
        "skole": skole,
        "tilknytning_m": tsnap["tilknytning_m"].to_numpy(),
        "naadd": np.isfinite(d),
    }, index=index)


_WALK_CACHE: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _prepared_walk(network, schools: gpd.GeoDataFrame, max_snap_m: float, limit_m: float):
    """Schools inserted into the graph and one multi-source search, cached per network.

    Repeated calls with the same network and schools (a site assessment asking
    for one site at a time) reuse the graph, the STRtree and the distances.
    """
    from geoplan.analysis.network import add_points, distances_from, snap_points
    xy = _school_xy(schools)
    key = (xy.tobytes(), float(max_snap_m), float(limit_m))
    per_net = _WALK_CACHE.setdefault(network, {})
    if key not in per_net:
        ssnap = snap_points(network, schools.geometry, max_distance_m=max_snap_m)
        net, nodes = add_points(network, ssnap)
        ok = nodes >= 0
        dist, near = distances_from(net, nodes[ok], limit_m=limit_m)
        if len(per_net) >= 8:
            per_net.pop(next(iter(per_net)))
        per_net[key] = (net, ok, dist, near)
    return per_net[key]


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


# --------------------------------------------------------------------------- choice
def _pairs_frame(f, s, rule_rank) -> pd.DataFrame:
    return pd.DataFrame({"f": np.asarray(f, dtype=np.int64), "s": np.asarray(s, dtype=np.int64),
                         "rang": rule_rank})


def _resolve(pairs: list[pd.DataFrame], rules: list[str], n: int,
             nearest: tuple[np.ndarray, np.ndarray]) -> pd.DataFrame:
    """Per feature, keep the pairs of its highest-priority rule; nearest as fallback."""
    allp = pd.concat(pairs + [_pairs_frame(nearest[0], nearest[1], len(rules))],
                     ignore_index=True)
    best = allp.groupby("f")["rang"].transform("min")
    allp = allp[allp["rang"] == best].drop_duplicates(["f", "s"]).sort_values(["f", "s"])
    return allp


def _choice_table(pairs: pd.DataFrame, n: int, names: np.ndarray,
                  rules: list[str]) -> pd.DataFrame:
    g = pairs.groupby("f")
    skole_idx = g["s"].agg(tuple).reindex(range(n))
    rang = g["rang"].first().reindex(range(n))
    all_rules = rules + [RULE_NEAREST]
    tab = pd.DataFrame({
        "skole_idx": skole_idx.to_numpy(),
        "regel": [all_rules[int(r)] if r == r else None for r in rang.to_numpy()],
    })
    tab["skoler"] = [list(names[list(t)]) if isinstance(t, tuple) else [] for t in tab["skole_idx"]]
    return tab


def choose_boundary_schools(boundaries: gpd.GeoDataFrame, schools: gpd.GeoDataFrame) -> pd.DataFrame:
    """The schools of each utviklingsgrense and the rule that chose them.

    Rules in order: ``sted`` (school ``sted`` == boundary ``navn``),
    ``innenfor`` (schools inside or on the boundary), ``naermeste``.

    Returns
    -------
    DataFrame with one row per boundary (positional, same order):
    ``skole_idx`` (tuple of row positions in ``schools`` after dropping empty
    geometries), ``skoler`` (list of names), ``regel``.
    """
    schools = _usable_schools(schools)
    names = _school_names(schools)
    n = len(boundaries)
    pairs = []
    if "sted" in schools.columns and "navn" in boundaries.columns:
        b = pd.DataFrame({"f": np.arange(n), "k": _key(boundaries["navn"]).to_numpy()})
        s = pd.DataFrame({"s": np.arange(len(schools)), "k": _key(schools["sted"]).to_numpy()})
        m = b.dropna().merge(s.dropna(), on="k")
        m = m[m["k"] != ""]
        pairs.append(_pairs_frame(m["f"], m["s"], 0))
    else:
        pairs.append(_pairs_frame([], [], 0))
    bi, si = schools.sindex.query(boundaries.geometry.values, predicate="intersects")
    pairs.append(_pairs_frame(bi, si, 1))
    nq, ns = schools.sindex.nearest(boundaries.geometry.values, return_all=False)
    tab = _choice_table(_resolve(pairs, [RULE_STED, RULE_INSIDE], n, (nq, ns)), n, names,
                        [RULE_STED, RULE_INSIDE])
    tab.index = boundaries.index
    return tab


def choose_parcel_schools(parcels: gpd.GeoDataFrame, schools: gpd.GeoDataFrame,
                          boundaries: gpd.GeoDataFrame | None = None,
                          boundary_choice: pd.DataFrame | None = None) -> pd.DataFrame:
    """The schools of each reserve/innspill parcel and the rule that chose them.

    Rules in order: ``sted`` (school ``sted`` == parcel ``sted``),
    ``utviklingsgrense`` (the schools chosen for the boundary that contains
    the parcel's point on surface), ``naermeste``.

    Returns
    -------
    DataFrame like :func:`choose_boundary_schools`, one row per parcel.
    """
    schools = _usable_schools(schools)
    names = _school_names(schools)
    n = len(parcels)
    pairs = []
    if "sted" in schools.columns and "sted" in parcels.columns:
        p = pd.DataFrame({"f": np.arange(n), "k": _key(parcels["sted"]).to_numpy()})
        s = pd.DataFrame({"s": np.arange(len(schools)), "k": _key(schools["sted"]).to_numpy()})
        m = p.dropna().merge(s.dropna(), on="k")
        m = m[m["k"] != ""]
        pairs.append(_pairs_frame(m["f"], m["s"], 0))
    else:
        pairs.append(_pairs_frame([], [], 0))
    if boundaries is not None and len(boundaries) and n:
        if boundary_choice is None:
            boundary_choice = choose_boundary_schools(boundaries, schools)
        reps = shapely.point_on_surface(np.asarray(parcels.geometry.values, dtype=object))
        tree = shapely.STRtree(np.asarray(boundaries.geometry.values, dtype=object))
        pi, bi = tree.query(reps, predicate="within")
        first = pd.DataFrame({"f": pi, "b": bi}).drop_duplicates("f")
        bs = pd.DataFrame({"b": np.arange(len(boundaries)),
                           "s": boundary_choice["skole_idx"].to_numpy()}).explode("s").dropna()
        m = first.merge(bs, on="b")
        pairs.append(_pairs_frame(m["f"], m["s"].astype(np.int64), 1))
    else:
        pairs.append(_pairs_frame([], [], 1))
    if n:
        nq, ns = schools.sindex.nearest(parcels.geometry.values, return_all=False)
    else:
        nq = ns = np.empty(0, dtype=np.int64)
    tab = _choice_table(_resolve(pairs, [RULE_STED, RULE_BOUNDARY], n, (nq, ns)), n, names,
                        [RULE_STED, RULE_BOUNDARY])
    tab.index = parcels.index
    return tab


# --------------------------------------------------------------------------- coverage
def circle_coverage(geoms, school_xy: np.ndarray, school_sets, radius_m: float = 1500.0, *,
                    quad_segs: int = 64) -> pd.DataFrame:
    """Share of each geometry inside the union of its schools' circles.

    Parameters
    ----------
    geoms : array of (Multi)Polygons
    school_xy : ndarray (k, 2)
        School coordinates, m.
    school_sets : sequence of tuples of int
        Per geometry, the row positions in ``school_xy`` of its schools.
    radius_m : float
        Circle radius, m.
    quad_segs : int
        Circle resolution (segments per quarter).

    Returns
    -------
    DataFrame (positional) with ``areal_daa``, ``innenfor_daa``,
    ``utenfor_daa``, ``andel_innenfor_pct``, ``oppfylt`` (every point within
    ``radius_m`` of one of its schools, tested exactly), ``maks_avstand_m``,
    and geometry columns ``geom_innenfor`` and ``geom_utenfor``.
    """
    g = np.asarray(geoms, dtype=object)
    n = g.size
    r_poly = circle_polygon_radius(radius_m, quad_segs)
    circles = shapely.buffer(shapely.points(np.asarray(school_xy, dtype=float).reshape(-1, 2)),
                             r_poly, quad_segs=quad_segs)
    inside = np.empty(n, dtype=object)
    outside = np.empty(n, dtype=object)
    maks = np.full(n, np.nan)
    for key, pos in _groups(school_sets).items():
        idx = np.fromiter(key, dtype=np.int64)
        union = shapely.union_all(circles[idx]) if idx.size else shapely.Polygon()
        gg = g[pos]
        maks[pos] = max_distance(gg, np.asarray(school_xy)[idx]) if idx.size else np.nan
        inside[pos] = shapely.intersection(gg, union)
        outside[pos] = shapely.difference(gg, union)
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


@dataclass
class WalkingResult:
    """Per-geometry walking coverage (positional) and the walking areas per school set."""

    table: pd.DataFrame
    areas: gpd.GeoDataFrame
    unsnapped_schools: pd.DataFrame
    network: object = None
    school_snap: pd.DataFrame | None = None


def walking_coverage(geoms, schools: gpd.GeoDataFrame, school_sets, network, *,
                     radius_m: float = 1500.0, corridor_width_m: float = 100.0,
                     max_snap_m: float = 250.0, quad_segs: int = 64,
                     crs=None) -> WalkingResult:
    """Part of each geometry within ``radius_m`` on foot from its schools.

    The walking-distance area of a set of schools is a **corridor** along the
    network: the parts of the edges whose network distance from the nearest
    of the schools (including the schools' access legs) is at most
    ``radius_m``, buffered by ``corridor_width_m / 2`` on each side, clipped to
    the union of the schools' circles (anything reachable within the radius
    on foot is within it as the crow flies). The corridor width is a municipal
    choice (the land beside a path that counts as "on the path").

    Parameters
    ----------
    geoms : array of (Multi)Polygons
    schools : GeoDataFrame of school points (positions as in ``school_sets``)
    school_sets : sequence of tuples of int
    network : geoplan.analysis.network.Network (from ``build_network``)
    radius_m, corridor_width_m, max_snap_m : float, metres
    quad_segs : int
        Circle resolution, as in :func:`circle_coverage`.

    Returns
    -------
    WalkingResult
        ``table`` (positional): ``innenfor_gang_daa``,
        ``andel_innenfor_gang_pct``, ``innenfor_ikke_gang_daa`` (inside the
        circle but more than the radius away on foot), ``gangavstand_m``
        (from the geometry's point on surface to the nearest of its schools,
        m; inf = not connected, NaN = too far from the network),
        ``tilknytning_m``, ``geom_gang``, ``geom_ikke_gang``; ``areas``: one
        walking-distance area per school set; ``unsnapped_schools``: schools
        farther than ``max_snap_m`` from the network.
    """
    from geoplan.analysis.network import (
        add_points,
        distances_from,
        snap_points,
        target_distances,
        walking_area,
    )
    g = np.asarray(geoms, dtype=object)
    n = g.size
    schools = _usable_schools(schools)
    names = _school_names(schools)
    xy = _school_xy(schools)
    ssnap = snap_points(network, schools.geometry, max_distance_m=max_snap_m)
    net, nodes = add_points(network, ssnap)
    tsnap = snap_points(net, g, max_distance_m=max_snap_m)
    r_poly = circle_polygon_radius(radius_m, quad_segs)
    circles = shapely.buffer(shapely.points(xy), r_poly, quad_segs=quad_segs)

    walk = np.empty(n, dtype=object)
    not_walk = np.empty(n, dtype=object)
    gdist = np.full(n, np.nan)
    area_rows = []
    comp = net.components
    tedge = tsnap["edge"].to_numpy()
    tcomp = np.where(tedge >= 0, comp[net.u[np.maximum(tedge, 0)]], -1)
    for key, pos in _groups(school_sets).items():
        idx = np.fromiter(key, dtype=np.int64)
        gg = g[pos]
        union = shapely.union_all(circles[idx]) if idx.size else shapely.Polygon()
        src = nodes[idx] if idx.size else np.empty(0, dtype=np.int64)
        src = src[src >= 0]
        # a search to 3 x the radius serves the area (edges beyond the radius drop
        # out) and most walking distances; a full search only when a target in the
        # same sub-network as a school was not reached within that limit
        dist, _near = distances_from(net, src, limit_m=3.0 * radius_m)
        region = shapely.intersection(shapely.union_all(gg), union)
        area = walking_area(net, dist, radius_m, corridor_width_m, within=region)
        area = polygonal([shapely.intersection(area, union)])[0]
        area_rows.append({"skoler": ", ".join(names[idx]), "radius_m": float(radius_m),
                          "korridor_m": float(corridor_width_m),
                          "areal_daa": shapely.area(area) / 1000.0, "geometry": area})
        walk[pos] = shapely.intersection(gg, area)
        not_walk[pos] = shapely.difference(shapely.intersection(gg, union), area)
        sub = tsnap.iloc[pos].reset_index(drop=True)
        d, _ = target_distances(net, dist, sub)
        again = np.isinf(d) & np.isin(tcomp[pos], comp[src])
        if again.any():
            dist_all, _ = distances_from(net, src)
            d, _ = target_distances(net, dist_all, sub)
        gdist[pos] = d
    areal = shapely.area(g) / 1000.0
    inne = np.minimum(shapely.area(walk) / 1000.0, areal)
    with np.errstate(invalid="ignore", divide="ignore"):
        andel = np.where(areal > 0, 100.0 * inne / areal, np.nan)
    table = pd.DataFrame({
        "innenfor_gang_daa": inne,
        "andel_innenfor_gang_pct": andel,
        "innenfor_ikke_gang_daa": shapely.area(not_walk) / 1000.0,
        "gangavstand_m": gdist,
        "tilknytning_m": tsnap["tilknytning_m"].to_numpy(),
        "geom_gang": walk, "geom_ikke_gang": not_walk,
    })
    areas = gpd.GeoDataFrame(pd.DataFrame(area_rows), geometry="geometry",
                             crs=crs if crs is not None else schools.crs) if area_rows else \
        gpd.GeoDataFrame({"skoler": [], "geometry": []}, geometry="geometry", crs=schools.crs)
    miss = ssnap["edge"].to_numpy() < 0
    uns = pd.DataFrame({"skole": names[miss]})
    school_snap = pd.DataFrame({"skole": names, "tilknytning_m": ssnap["tilknytning_m"].to_numpy()})
    return WalkingResult(table=table, areas=areas, unsnapped_schools=uns, network=net,
                         school_snap=school_snap)


# --------------------------------------------------------------------------- parcels
def reserve_parcels(arealformal: gpd.GeoDataFrame, housing_codes=range(1110, 1120)) -> gpd.GeoDataFrame:
    """Boligreserve: housing-zoned ``arealformal`` areas not yet built.

    A row is reserve when its ``arealformal`` code is in ``housing_codes`` and
    it is not built: ``utbygd`` is false, or (without a known ``utbygd``)
    ``arealbruksstatus`` is 2 (framtidig).

    Returns
    -------
    GeoDataFrame with ``type`` = "boligreserve", ``navn``, ``sted`` (if any),
    and the geometry.
    """
    af = arealformal
    codes = pd.to_numeric(af["arealformal"], errors="coerce")
    housing = codes.isin(list(housing_codes))
    status = pd.to_numeric(af.get("arealbruksstatus", pd.Series(np.nan, index=af.index)),
                           errors="coerce")
    if "utbygd" in af.columns:
        ub = af["utbygd"]
        known = ub.notna()
        not_built = (known & ~ub.fillna(False).astype(bool)) | (~known & (status == 2))
    else:
        not_built = status == 2
    res = af[(housing & not_built).to_numpy()]
    return _parcel_frame(res, "boligreserve", default_prefix="Boligreserve")


def _parcel_frame(df: gpd.GeoDataFrame, kind: str, default_prefix: str) -> gpd.GeoDataFrame:
    n = len(df)
    navn = pd.Series([None] * n, index=df.index, dtype=object)
    for col in ("navn", "planid"):
        if col in df.columns:
            navn = navn.where(navn.notna() & (navn.astype(str).str.strip() != ""),
                              df[col].astype("string").where(df[col].notna(), None))
    navn = navn.where(navn.notna(), [f"{default_prefix} {i + 1}" for i in range(n)])
    out = gpd.GeoDataFrame({
        "type": kind,
        "navn": navn.astype(str).to_numpy(),
        "sted": df["sted"].to_numpy() if "sted" in df.columns else None,
    }, geometry=df.geometry.values, crs=df.crs)
    return out


def collect_parcels(arealformal: gpd.GeoDataFrame | None = None,
                    innspill: gpd.GeoDataFrame | None = None,
                    housing_codes=range(1110, 1120)) -> gpd.GeoDataFrame | None:
    """Reserve parcels and innspill in one frame (``type``, ``navn``, ``sted``, geometry)."""
    parts = []
    if arealformal is not None and len(arealformal):
        parts.append(reserve_parcels(arealformal, housing_codes))
    if innspill is not None and len(innspill):
        parts.append(_parcel_frame(innspill, "innspill", default_prefix="Innspill"))
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


# --------------------------------------------------------------------------- whole analysis
BOUNDARY_COLUMNS = ["navn", "skoler", "regel", "areal_daa", "innenfor_daa", "utenfor_daa",
                    "andel_innenfor_pct", "oppfylt", "maks_avstand_m"]
WALK_COLUMNS = ["innenfor_gang_daa", "andel_innenfor_gang_pct", "innenfor_ikke_gang_daa"]
PARCEL_COLUMNS = ["type", "navn", "sted"] + BOUNDARY_COLUMNS[1:]


@dataclass
class SchoolAnalysis:
    """Result of :func:`analyse_schools` (all GeoDataFrames in the input CRS).

    Attributes
    ----------
    utviklingsgrenser : GeoDataFrame
        One row per boundary: ``navn``, ``skoler`` (list), ``regel``,
        ``areal_daa``, ``innenfor_daa``, ``utenfor_daa``,
        ``andel_innenfor_pct``, ``oppfylt``, ``maks_avstand_m`` (+ walking
        columns); geometry = the boundary.
    parseller : GeoDataFrame or None
        The same per reserve and innspill parcel, with ``type`` and ``sted``.
    sirkler : GeoDataFrame
        The circles of the schools in use.
    innenfor, utenfor : GeoDataFrame
        Boundaries and parcels clipped to / outside the circles (``lag``,
        ``navn``).
    gangareal : GeoDataFrame or None
        Walking-distance areas, one per school set.
    ikke_gang : GeoDataFrame or None
        Inside the circle but more than the radius away on foot.
    ikke_naadd : DataFrame
        Schools and parcels the network does not reach (``hva``, ``navn``,
        ``grunn``, ``tilknytning_m``).
    nettverk : dict or None
        Network summary (nodes, edges, km, sub-networks).
    skole_tilknytning : DataFrame or None
        Per school in use: ``skole``, ``tilknytning_m`` (distance to the
        network, m; NaN = farther than the snapping limit).
    """

    utviklingsgrenser: gpd.GeoDataFrame
    parseller: gpd.GeoDataFrame | None
    sirkler: gpd.GeoDataFrame
    innenfor: gpd.GeoDataFrame
    utenfor: gpd.GeoDataFrame
    radius_m: float
    gangareal: gpd.GeoDataFrame | None = None
    ikke_gang: gpd.GeoDataFrame | None = None
    ikke_naadd: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=["hva", "navn", "grunn", "tilknytning_m"]))
    nettverk: dict | None = None
    skole_tilknytning: pd.DataFrame | None = None


def analyse_schools(boundaries: gpd.GeoDataFrame, schools: gpd.GeoDataFrame, *,
                    parcels: gpd.GeoDataFrame | None = None, network=None,
                    radius_m: float = 1500.0, quad_segs: int = 64,
                    corridor_width_m: float = 100.0, max_snap_m: float = 250.0) -> SchoolAnalysis:
    """The school-circle criterion for boundaries and parcels (and walking, with a network).

    Parameters
    ----------
    boundaries : GeoDataFrame
        ``utviklingsgrense`` polygons with ``navn``.
    schools : GeoDataFrame
        ``skole`` points with ``navn`` (optional ``sted``).
    parcels : GeoDataFrame, optional
        From :func:`collect_parcels` (``type``, ``navn``, optional ``sted``).
    network : geoplan.analysis.network.Network, optional
        With a network, walking columns and areas are added.
    radius_m : float
        Circle radius, m (Larvik: 1,500).
    quad_segs : int
        Circle resolution.
    corridor_width_m : float
        Width (m) of the walking corridor along reachable paths.
    max_snap_m : float
        Largest distance (m) from a school or parcel to the network.

    Returns
    -------
    SchoolAnalysis
    """
    _check_crs(boundaries, "Laget «utviklingsgrense»")
    if parcels is not None:
        _check_crs(parcels, "Parsellene")
        parcels = parcels[~(parcels.geometry.isna() | parcels.geometry.is_empty).to_numpy()]
        if len(parcels) == 0:
            parcels = None
    if not radius_m or radius_m <= 0:
        raise DataProblem(f"Radius for skolesirkelen må være større enn 0 (fikk {radius_m}).")
    schools = _usable_schools(schools)
    names = _school_names(schools)
    xy = _school_xy(schools)
    crs = boundaries.crs
    boundaries = boundaries[~(boundaries.geometry.isna() | boundaries.geometry.is_empty).to_numpy()]

    bchoice = choose_boundary_schools(boundaries, schools)
    bcov = circle_coverage(boundaries.geometry.values, xy, bchoice["skole_idx"].to_numpy(),
                           radius_m, quad_segs=quad_segs)
    bnames = boundaries["navn"].astype(str).to_numpy() if "navn" in boundaries.columns else \
        np.array([f"Utviklingsgrense {i + 1}" for i in range(len(boundaries))], dtype=object)
    b_out = gpd.GeoDataFrame({"navn": bnames, "skoler": bchoice["skoler"].to_numpy(),
                              "regel": bchoice["regel"].to_numpy()},
                             geometry=boundaries.geometry.values, crs=crs)
    for c in BOUNDARY_COLUMNS[3:]:
        b_out[c] = bcov[c].to_numpy()

    p_out = None
    pcov = pchoice = None
    if parcels is not None:
        pchoice = choose_parcel_schools(parcels, schools, boundaries, bchoice)
        pcov = circle_coverage(parcels.geometry.values, xy, pchoice["skole_idx"].to_numpy(),
                               radius_m, quad_segs=quad_segs)
        p_out = gpd.GeoDataFrame({
            "type": parcels["type"].to_numpy() if "type" in parcels.columns else "parsell",
            "navn": parcels["navn"].astype(str).to_numpy() if "navn" in parcels.columns
            else [f"Parsell {i + 1}" for i in range(len(parcels))],
            # reserves carry no sted: report the boundary holding them (the school
            # rule above still says how their schools were chosen)
            "sted": _fill_parcel_places(parcels, boundaries)["sted"].to_numpy(),
            "skoler": pchoice["skoler"].to_numpy(), "regel": pchoice["regel"].to_numpy(),
        }, geometry=parcels.geometry.values, crs=crs)
        for c in BOUNDARY_COLUMNS[3:]:
            p_out[c] = pcov[c].to_numpy()

    used = sorted({i for t in bchoice["skole_idx"] for i in t}
                  | ({i for t in pchoice["skole_idx"] for i in t} if pchoice is not None else set()))
    circles = school_circles(schools.iloc[used], radius_m, quad_segs=quad_segs)

    def _clip_frame(col):
        frames = [gpd.GeoDataFrame({"lag": "utviklingsgrense", "navn": bnames},
                                   geometry=bcov[col].to_numpy(), crs=crs)]
        if p_out is not None:
            frames.append(gpd.GeoDataFrame({"lag": p_out["type"].to_numpy(),
                                            "navn": p_out["navn"].to_numpy()},
                                           geometry=pcov[col].to_numpy(), crs=crs))
        f = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs=crs)
        f = f.set_geometry(polygonal(f.geometry.values), crs=crs)
        f = f[~f.geometry.is_empty]
        f["areal_daa"] = f.geometry.area / 1000.0
        return f.reset_index(drop=True)

    result = SchoolAnalysis(utviklingsgrenser=b_out, parseller=p_out, sirkler=circles,
                            innenfor=_clip_frame("geom_innenfor"),
                            utenfor=_clip_frame("geom_utenfor"), radius_m=float(radius_m))

    if network is not None:
        geoms = np.asarray(boundaries.geometry.values, dtype=object)
        sets = list(bchoice["skole_idx"].to_numpy())
        kinds = ["utviklingsgrense"] * len(geoms)
        fnames = list(bnames)
        if p_out is not None:
            geoms = np.concatenate([geoms, np.asarray(parcels.geometry.values, dtype=object)])
            sets += list(pchoice["skole_idx"].to_numpy())
            kinds += list(p_out["type"])
            fnames += list(p_out["navn"])
        wr = walking_coverage(geoms, schools, sets, network, radius_m=radius_m,
                              corridor_width_m=corridor_width_m, max_snap_m=max_snap_m,
                              quad_segs=quad_segs, crs=crs)
        t = wr.table
        nb = len(boundaries)
        for c in WALK_COLUMNS:
            b_out[c] = t[c].to_numpy()[:nb]
        if p_out is not None:
            for c in WALK_COLUMNS + ["gangavstand_m", "tilknytning_m"]:
                p_out[c] = t[c].to_numpy()[nb:]
        result.gangareal = wr.areas
        ig = gpd.GeoDataFrame({"lag": kinds, "navn": fnames},
                              geometry=t["geom_ikke_gang"].to_numpy(), crs=crs)
        ig = ig.set_geometry(polygonal(ig.geometry.values), crs=crs)
        ig = ig[~ig.geometry.is_empty].reset_index(drop=True)
        ig["areal_daa"] = ig.geometry.area / 1000.0
        result.ikke_gang = ig
        rows = [{"hva": "skole", "navn": s, "grunn": f"mer enn {max_snap_m:g} m fra gangnettet",
                 "tilknytning_m": None} for s in wr.unsnapped_schools["skole"]]
        if p_out is not None:
            gd = p_out["gangavstand_m"].to_numpy()
            tk = p_out["tilknytning_m"].to_numpy()
            for i in np.flatnonzero(np.isnan(gd)):
                rows.append({"hva": p_out["type"].iloc[i], "navn": p_out["navn"].iloc[i],
                             "grunn": f"mer enn {max_snap_m:g} m fra gangnettet",
                             "tilknytning_m": None})
            for i in np.flatnonzero(np.isinf(gd)):
                rows.append({"hva": p_out["type"].iloc[i], "navn": p_out["navn"].iloc[i],
                             "grunn": "gangnettet forbinder ikke parsellen med skolen",
                             "tilknytning_m": float(tk[i])})
        result.ikke_naadd = pd.DataFrame(rows, columns=["hva", "navn", "grunn", "tilknytning_m"])
        result.nettverk = network.summary()
        result.skole_tilknytning = wr.school_snap.iloc[used].reset_index(drop=True)
    return result
