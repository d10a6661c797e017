"""Walking distance from a site to the nearest target (geoplan.analysis.network does the graph work)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

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
                max_snap_m: float, node_crossings: bool = True) -> Walker | str:
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

    This is :func:`geoplan.analysis.schools.walking_distance_to_nearest` split in two: the
    graph and the search are prepared once, so that one site costs a snap and a
    lookup instead of a Dijkstra over the whole network.

    Returns
    -------
    callable ``points -> (distance_m, snap_m, target name)`` (arrays; distance NaN
    where not connected), or a Norwegian sentence when no target reaches the network.
    """
    from geoplan.analysis import network as nw
    net = nw.build_network(network_lines, node_crossings=bool(node_crossings))
    tsnap = nw.snap_points(net, targets.geometry, max_distance_m=max_snap_m)
    net2, nodes = nw.add_points(net, tsnap)
    ok = nodes >= 0
    if not ok.any():
        return ("Ingen av målene ligger nærmere gangnettet enn "
                f"{fmt_num(max_snap_m, 0)} m, så gangavstand kan ikke beregnes.")
    dist, nearest = nw.distances_from(net2, nodes[ok])
    names = np.array(feature_names(targets.reset_index(drop=True), np.flatnonzero(ok)),
                     dtype=object)

    def walk(points: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        d, snap_m, who = snap_and_walk(net2, dist, nearest, points, max_snap_m)
        nm = np.array([None] * len(d), dtype=object)
        hit = who >= 0
        nm[hit] = names[who[hit]]
        return d, snap_m, nm

    return walk


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
