"""Walking distance from a site to the nearest target (geoplan.analysis.network does the graph work)."""

from __future__ import annotations

from typing import Callable

import geopandas as gpd
import numpy as np

from geoplan.analysis.sites.kinds import feature_names
from geoplan.analysis.sites.wording import fmt_num

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
        snap = nw.snap_points(net2, points, max_distance_m=max_snap_m)
        d, who = nw.target_distances(net2, dist, snap, nearest)
        d = np.where(np.isfinite(d), d, np.nan)
        nm = np.array([None] * len(d), dtype=object)
        hit = who >= 0
        nm[hit] = names[who[hit]]
        return d, snap["tilknytning_m"].to_numpy(), nm

    return walk
