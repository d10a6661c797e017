"""Walking distance from a site to the nearest target (geoplan.analysis.network does the graph work)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Callable

import geopandas as gpd
import numpy as np
import shapely

from geoplan.analysis.sites.kinds import feature_names
from geoplan.analysis.sites.wording import fmt_num

if TYPE_CHECKING:
    from geoplan.analysis import network as nw

#: ``points -> (distance_m, snap_m, target name)``
Walker = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray, np.ndarray]]


def make_walker(network_lines: gpd.GeoDataFrame, targets: gpd.GeoDataFrame, *,
                max_snap_m: float, node_crossings: bool = True,
                node_tolerance_m: float | None = None) -> Walker | str:
    """Prepare walking distances to the nearest of ``targets`` along ``network_lines``.

    The graph is built once (:func:`geoplan.analysis.network.build_network`), the targets
    become nodes (:func:`~geoplan.analysis.network.add_points`) and one multi-source search
    (:func:`~geoplan.analysis.network.distances_from`) gives every node its distance to the
    nearest target. A site then costs one snap and one lookup
    (:func:`~geoplan.analysis.network.target_distances`).

    Parameters
    ----------
    network_lines : GeoDataFrame of LineStrings (``gangnett``), projected CRS
    targets : GeoDataFrame (e.g. ``skole``), same CRS
    max_snap_m : targets and sites farther than this (m) from the network are not
        connected (their distance is unknown); the criteria take it from
        ``schools.snap_max_m``
    node_crossings : join lines where they cross without a shared vertex
        (:func:`geoplan.analysis.network.build_network`)
    node_tolerance_m : snap line ends this close together into one node (``None``: the
        shipped ``schools.node_tolerance_m``; the criteria pass the municipality's)

    This is :func:`geoplan.analysis.schools.walking_distance_to_nearest` split in two: the
    graph and the search are prepared once, so that one site costs a snap and a
    lookup instead of a Dijkstra over the whole network.

    Returns
    -------
    callable ``points -> (distance_m, snap_m, target name)`` (arrays; distance NaN
    where not connected), or a Norwegian sentence when no target reaches the network.
    """
    prepared = _prepared(network_lines, targets, float(max_snap_m), bool(node_crossings),
                         node_tolerance_m)
    if isinstance(prepared, str):
        return prepared
    net2, dist, nearest, names = prepared

    def walk(points: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if len(points) == 1:
            d1, s1, w1 = walk_one(net2, dist, nearest, points[0], max_snap_m)
            return (np.array([d1]), np.array([s1]),
                    np.array([names[w1] if w1 >= 0 else None], dtype=object))
        d, snap_m, who = snap_and_walk(net2, dist, nearest, points, max_snap_m)
        nm = np.array([None] * len(d), dtype=object)
        hit = who >= 0
        nm[hit] = names[who[hit]]
        return d, snap_m, nm

    return walk


def _prepared(network_lines: gpd.GeoDataFrame, targets: gpd.GeoDataFrame, max_snap_m: float,
              node_crossings: bool, node_tolerance_m: float | None
              ) -> tuple[Any, np.ndarray, np.ndarray, np.ndarray] | str:
    """The network with the targets on it, every node's distance to the nearest target,
    which target that is and the targets' names (or why there are none); kept in the load
    cache (:func:`geoplan.io.cache.content_key`) by the lines', the targets' geometry and
    names and the parameters, so that a later ``geoplan assess`` on the same data needs
    neither the graph nor the search (nor scipy): 0,2-0,3 s of a one-site command."""
    from geoplan.io import cache

    if node_tolerance_m is None:
        from geoplan.config import default_config
        from geoplan.config.schools import SchoolSettings
        node_tolerance_m = SchoolSettings.from_config(default_config()).node_tolerance_m
    import sys

    import geoplan.analysis.network as nw  # its file is part of the key (imports no scipy)

    def parts() -> list[bytes]:
        names = targets["navn"].astype(str).tolist() if "navn" in targets.columns else []
        return [cache.geometry_bytes(network_lines.geometry),
                cache.geometry_bytes(targets.geometry), "\x1f".join(names).encode("utf-8")]

    def compute() -> tuple[Any, np.ndarray, np.ndarray, np.ndarray] | str:
        net = nw.build_network(network_lines, node_crossings=node_crossings,
                               tolerance_m=node_tolerance_m)
        tsnap = nw.snap_points(net, targets.geometry, max_distance_m=max_snap_m)
        net2, nodes = nw.add_points(net, tsnap)
        ok = nodes >= 0
        if not ok.any():
            return ("Ingen av målene ligger nærmere gangnettet enn "
                    f"{fmt_num(max_snap_m, 0)} m, så gangavstand kan ikke beregnes.")
        dist, nearest = nw.distances_from(net2, nodes[ok])
        names = np.array(feature_names(targets.reset_index(drop=True), np.flatnonzero(ok)),
                         dtype=object)
        return (net2, dist, nearest, names)

    return cache.computed(
        "gangavstand", parts,
        {"max_snap_m": max_snap_m, "node_crossings": node_crossings,
         "node_tolerance_m": float(node_tolerance_m), "navn": "navn" in targets.columns},
        [sys.modules[__name__], nw], compute,
        accept=lambda v: isinstance(v, (str, tuple)))


def snap_and_walk(net: "nw.Network", dist: np.ndarray, nearest: np.ndarray, points: np.ndarray,
                  max_snap_m: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`geoplan.analysis.network.snap_points` followed by
    :func:`~geoplan.analysis.network.target_distances`, the same arithmetic on plain
    arrays (no DataFrame per call: a site is one tree query and a few array reads).

    Returns (distance m, NaN where not connected; snapping distance m, NaN where not
    snapped; the nearest target's position, -1 if none).
    """
    pts = np.array(points, dtype=object).reshape(-1)
    n = pts.size
    d_out = np.full(n, np.nan)
    snap_m = np.full(n, np.nan)
    who = np.full(n, -1, dtype=np.int64)
    if n == 0:
        return d_out, snap_m, who
    ok = ~(shapely.is_missing(pts) | shapely.is_empty(pts))
    conv = (shapely.get_type_id(pts) != shapely.GeometryType.POINT) & ok
    if conv.any():
        pts[conv] = shapely.point_on_surface(pts[conv])
    valid = ~(shapely.is_missing(pts) | shapely.is_empty(pts))
    ne = net._network_edges
    if ne.size == 0 or not valid.any():
        return d_out, snap_m, who
    from geoplan.analysis.network import project_to_edges

    qi, e, t, _s, d = project_to_edges(net, pts, np.flatnonzero(valid), max_snap_m)
    snap_m[qi] = d
    L = net.length_m[e]
    du = dist[net.u[e]] + t * L
    dv = dist[net.v[e]] + (1.0 - t) * L
    tot = np.minimum(du, dv) + d
    w = np.where(du <= dv, nearest[net.u[e]], nearest[net.v[e]])
    who[qi] = np.where(np.isfinite(tot), w, -1)
    d_out[qi] = np.where(np.isfinite(tot), tot, np.nan)
    return d_out, snap_m, who


def walk_one(net: "nw.Network", dist: np.ndarray, nearest: np.ndarray, g: Any,
             max_snap_m: float) -> tuple[float, float, int]:
    """:func:`snap_and_walk` of one geometry with scalars: the same arithmetic as
    :func:`geoplan.analysis.network.project_to_edges` on one point (IEEE operations in
    the same order, ``np.hypot`` for the distance), without arrays of one."""
    nan = math.nan
    if g is None or g.is_empty:
        return nan, nan, -1
    p = g if shapely.get_type_id(g) == shapely.GeometryType.POINT else shapely.point_on_surface(g)
    if p is None or p.is_empty or net._network_edges.size == 0:
        return nan, nan, -1
    md = None if not np.isfinite(max_snap_m) else float(max_snap_m)
    ti = net.tree.query_nearest(p, max_distance=md, all_matches=False)
    if not len(ti):
        return nan, nan, -1
    e = int(net._network_edges[ti[0]])
    ui, vi = int(net.u[e]), int(net.v[e])
    (ax, ay), (bx, by) = net.xy[ui].tolist(), net.xy[vi].tolist()
    px, py = shapely.get_coordinates(p)[0, :2].tolist()
    abx, aby = bx - ax, by - ay
    den = abx * abx + aby * aby
    t = ((px - ax) * abx + (py - ay) * aby) / den if den > 0 else 0.0
    t = min(max(t, 0.0), 1.0)
    sx, sy = ax + abx * t, ay + aby * t
    d = float(np.hypot(px - sx, py - sy))
    if md is not None and not d <= md + 1e-9:
        return nan, nan, -1
    L = float(net.length_m[e])
    du = float(dist[ui]) + t * L
    dv = float(dist[vi]) + (1.0 - t) * L
    if du != du or dv != dv:
        return nan, d, -1
    tot = (du if du <= dv else dv) + d
    if not math.isfinite(tot):
        return nan, d, -1
    return tot, d, int(nearest[ui] if du <= dv else nearest[vi])
