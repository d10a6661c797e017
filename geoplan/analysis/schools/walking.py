"""Walking distance to school along the ``gangnett`` network.

Build the network once with :func:`geoplan.analysis.network.build_network`; the
functions here insert the schools into (a copy of) it, search from them with
scipy's Dijkstra and measure, per geometry, the walking distance and the part
within the radius on foot. Distances in metres, areas in daa.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoplan.analysis.network import (
    add_points,
    distances_from,
    snap_points,
    target_distances,
    walking_area,
)
from geoplan.analysis.schools.circles import (
    _groups,
    _school_names,
    _school_xy,
    _usable_schools,
    circle_polygon_radius,
    polygonal,
)
from geoplan.analysis.schools.threads import map_sets
from geoplan.config.schools import SchoolSettings
from geoplan.io.crs import require_projected


def walking_distance_to_nearest(points, network, schools: gpd.GeoDataFrame, *,
                                max_snap_m: float | None = None,
                                limit_m: float = np.inf) -> pd.DataFrame:
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
    max_snap_m : float, optional
        Points and schools farther than this (m) from the network are not
        connected (NaN distance). Default: ``schools.snap_max_m``.
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
    max_snap_m = SchoolSettings.resolve(snap_max_m=max_snap_m).snap_max_m
    require_projected(points, "punkter")
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


_WALK_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _prepared_walk(network, schools: gpd.GeoDataFrame, max_snap_m: float, limit_m: float):
    """Schools inserted into the graph and one multi-source search, cached per network.

    Repeated calls with the same network and schools (a site assessment asking
    for one site at a time) reuse the graph, the STRtree and the distances.
    """
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


@dataclass
class WalkingResult:
    """Per-geometry walking coverage (positional) and the walking areas per school set."""

    table: pd.DataFrame
    areas: gpd.GeoDataFrame
    unsnapped_schools: pd.DataFrame
    network: object = None
    school_snap: pd.DataFrame | None = None


def walking_coverage(geoms, schools: gpd.GeoDataFrame, school_sets, network, *,
                     radius_m: float | None = None, corridor_width_m: float | None = None,
                     max_snap_m: float | None = None, quad_segs: int | None = None,
                     crs=None, workers: int | None = None, inside=None) -> WalkingResult:
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
    radius_m, corridor_width_m, max_snap_m : float, metres, optional
        Default: ``schools.radius_m``, ``schools.walk_corridor_width_m``,
        ``schools.snap_max_m``.
    quad_segs : int, optional
        Circle resolution, as in :func:`circle_coverage`.
    workers : int, optional
        Threads the school sets run on (default:
        :data:`geoplan.analysis.schools.threads.WORKERS`, else the usable cores, at
        most 4; 1: in turn), the sets with most geometries first. The answers are
        the same.
    inside : array of geometries, optional
        Per geometry, its part inside its schools' circles when the caller has it
        (``circle_coverage``'s ``geom_innenfor``): not computed again.

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
    s = SchoolSettings.resolve(radius_m=radius_m, walk_corridor_width_m=corridor_width_m,
                               snap_max_m=max_snap_m, circle_quad_segs=quad_segs)
    g = np.asarray(geoms, dtype=object)
    n = g.size
    if inside is not None:
        inside = np.asarray(inside, dtype=object)
    schools = _usable_schools(schools)
    names = _school_names(schools)
    ssnap = snap_points(network, schools.geometry, max_distance_m=s.snap_max_m)
    net, nodes = add_points(network, ssnap)
    tsnap = snap_points(net, g, max_distance_m=s.snap_max_m)
    circles = shapely.buffer(shapely.points(_school_xy(schools)),
                             circle_polygon_radius(s.radius_m, s.circle_quad_segs),
                             quad_segs=s.circle_quad_segs)
    walk = np.empty(n, dtype=object)
    not_walk = np.empty(n, dtype=object)
    gdist = np.full(n, np.nan)
    tedge = tsnap["edge"].to_numpy()
    snapped = (tedge, tsnap["t"].to_numpy(), tsnap["tilknytning_m"].to_numpy())
    _warm(net)
    groups = list(_groups(school_sets).items())

    def one(item):
        key, pos = item
        idx = np.fromiter(key, dtype=np.int64)
        src = nodes[idx] if idx.size else np.empty(0, dtype=np.int64)
        return _walk_school_set(net, src[src >= 0], g[pos], circles[idx],
                                tuple(a[pos] for a in snapped), s,
                                None if inside is None else inside[pos])
    area_rows = []
    results = map_sets(one, groups, workers, cost=[pos.size for _key, pos in groups])
    for (key, pos), (area, d, w, nw) in zip(groups, results):
        gdist[pos], walk[pos], not_walk[pos] = d, w, nw
        area_rows.append({"skoler": ", ".join(names[np.fromiter(key, dtype=np.int64)]),
                          "radius_m": float(s.radius_m),
                          "korridor_m": float(s.walk_corridor_width_m),
                          "areal_daa": shapely.area(area) / 1000.0, "geometry": area})
    return WalkingResult(
        table=_walking_table(g, walk, not_walk, gdist, tsnap),
        areas=_areas_frame(area_rows, crs if crs is not None else schools.crs, schools.crs),
        unsnapped_schools=pd.DataFrame({"skole": names[ssnap["edge"].to_numpy() < 0]}),
        network=net,
        school_snap=pd.DataFrame({"skole": names,
                                  "tilknytning_m": ssnap["tilknytning_m"].to_numpy()}))


def _warm(net) -> None:
    """Build what the school sets share (the matrix, components, the STRtree) before the
    sets run side by side. A network with a parent snaps and selects edges with the
    parent's STRtree (``snap_points``, ``_edges_near``): its own is never built."""
    _ = net.matrix, net.components
    base = net.parent if net.parent is not None else net
    _ = base._network_edges, base.tree


def _walk_school_set(net, src: np.ndarray, gg: np.ndarray, circles: np.ndarray, snapped: tuple,
                     s: SchoolSettings, inside: np.ndarray | None = None):
    """One set of schools (source nodes ``src``, circles ``circles``): its walking area,
    and per geometry ``gg`` (snapped as ``snapped``: edge, t, access leg) the walking
    distance (m), the part within walking distance and the part inside the circles but
    not within walking distance."""
    from scipy.sparse import csgraph
    union = shapely.union_all(circles) if circles.size else shapely.Polygon()
    # a search to 2 x the radius serves the area (edges beyond the radius drop
    # out) and most walking distances; a full search only when a target in the
    # same sub-network as a school was not reached within that limit
    def search(limit):
        if src.size == 0:
            return np.full(net.n_nodes, np.inf)
        return csgraph.dijkstra(net.matrix, directed=True, indices=src, limit=limit,
                                min_only=True)
    dist = search(2.0 * s.radius_m)
    region = shapely.intersection(shapely.union_all(gg), union)
    area = walking_area(net, dist, s.radius_m, s.walk_corridor_width_m, within=region)
    area = polygonal([shapely.intersection(area, union)])[0]
    d = _target_distances(net, dist, *snapped)
    comp = np.where(snapped[0] >= 0, net.components[net.u[np.maximum(snapped[0], 0)]], -1)
    if (np.isinf(d) & np.isin(comp, net.components[src])).any():
        d = _target_distances(net, search(np.inf), *snapped)
    walk = shapely.intersection(gg, area)
    if inside is None:
        inside = shapely.intersection(gg, union)
    not_walk = shapely.difference(inside, area)
    return area, d, walk, not_walk


def _target_distances(net, dist: np.ndarray, edge: np.ndarray, t: np.ndarray,
                      access: np.ndarray) -> np.ndarray:
    """:func:`geoplan.analysis.network.target_distances` on arrays."""
    out = np.full(edge.size, np.nan)
    ok = edge >= 0
    e, tt = edge[ok], t[ok]
    L = net.length_m[e]
    out[ok] = np.minimum(dist[net.u[e]] + tt * L, dist[net.v[e]] + (1.0 - tt) * L) + access[ok]
    return out


def _walking_table(g: np.ndarray, walk: np.ndarray, not_walk: np.ndarray, gdist: np.ndarray,
                   tsnap: pd.DataFrame) -> pd.DataFrame:
    """Per geometry: area and share within walking distance, and the walking distance."""
    areal = shapely.area(g) / 1000.0
    inne = np.minimum(shapely.area(walk) / 1000.0, areal)
    with np.errstate(invalid="ignore", divide="ignore"):
        andel = np.where(areal > 0, 100.0 * inne / areal, np.nan)
    return pd.DataFrame({
        "innenfor_gang_daa": inne,
        "andel_innenfor_gang_pct": andel,
        "innenfor_ikke_gang_daa": shapely.area(not_walk) / 1000.0,
        "gangavstand_m": gdist,
        "tilknytning_m": tsnap["tilknytning_m"].to_numpy(),
        "geom_gang": walk, "geom_ikke_gang": not_walk,
    })


def _areas_frame(area_rows: list[dict], crs, empty_crs) -> gpd.GeoDataFrame:
    """One walking-distance area per school set (an empty frame without sets)."""
    if area_rows:
        return gpd.GeoDataFrame(pd.DataFrame(area_rows), geometry="geometry", crs=crs)
    return gpd.GeoDataFrame({"skoler": [], "geometry": []}, geometry="geometry", crs=empty_crs)
