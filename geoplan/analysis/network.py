"""Walking network: a noded graph from ``gangnett`` lines and shortest paths on it.

The network is held as plain arrays: node coordinates and straight two-point
edges (every vertex of the input lines is a node), with a symmetric sparse
matrix of edge lengths for :func:`scipy.sparse.csgraph.dijkstra`. Nothing here
loops over features in Python; the only per-feature work is done by GEOS
(noding, the STRtree used for snapping) and by numpy.

Typical use::

    net = build_network(ds["gangnett"])                # once
    snap = snap_points(net, schools.geometry, max_distance_m=250)
    net2, nodes = add_points(net, snap)                # schools become nodes
    dist, src = distances_from(net2, nodes[nodes >= 0], limit_m=1500)
    pieces = reachable_segments(net2, dist, 1500)      # LineStrings within 1500 m

Distances are metres along the network. A point off the network reaches it by
a straight *access leg* to its nearest point on the nearest edge (its snapping
distance), which counts as walked.

Conventions
-----------
* Lines that cross without a shared vertex are joined at the crossing when
  ``node_crossings`` is true (a hand-drawn layer seldom has vertices at every
  crossing); set it false for a network where a crossing without a vertex is a
  bridge or an underpass.
* Coordinates closer than ``tolerance_m`` (``schools.node_tolerance_m``, 1 mm) are one node.
* A network must be in a projected CRS (metres).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import shapely

from geoplan.config.schools import SchoolSettings
from geoplan.errors import DataProblem
from geoplan.io.crs import require_projected

if TYPE_CHECKING:  # pragma: no cover
    from scipy import sparse

#: weight used instead of 0 (scipy's sparse graphs treat an explicit 0 as "no edge")
_EPS = 1e-9


@dataclass(frozen=True, eq=False)
class Network:
    """A walking network as arrays.

    Attributes
    ----------
    xy : ndarray, shape (n, 2)
        Node coordinates, metres (projected CRS).
    u, v : ndarray of int, shape (m,)
        Edge end nodes (``u < v`` is not guaranteed).
    length_m : ndarray of float, shape (m,)
        Edge lengths, metres (the straight distance between the end nodes).
    access : ndarray of bool, shape (m,)
        True for access legs added by :func:`add_points` (point -> network);
        points are never snapped onto these.
    crs : pyproj.CRS or None
        CRS of the coordinates.
    """

    xy: np.ndarray
    u: np.ndarray
    v: np.ndarray
    length_m: np.ndarray
    access: np.ndarray
    crs: Any = None
    n_input_lines: int = field(default=0)
    #: for a network from :func:`add_points`: the network it was made from and, per
    #: edge, the parent edge it lies on (-1 for access legs) and the stretch of it
    #: (``parent_t``, shape (m, 2), fractions 0..1 from the parent edge's ``u``)
    parent: Network | None = None
    parent_edge: np.ndarray | None = None
    parent_t: np.ndarray | None = None

    #: what a Network works out from its arrays when first asked (dropped when pickled:
    #: the sparse matrix would make unpickling import scipy, the tree is rebuilt anyway)
    _DERIVED = ("matrix", "_network_edges", "tree", "components")

    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k not in self._DERIVED}

    @property
    def n_nodes(self) -> int:
        return int(self.xy.shape[0])

    @property
    def n_edges(self) -> int:
        return int(self.u.shape[0])

    @cached_property
    def matrix(self) -> sparse.csr_matrix:
        """Symmetric CSR matrix of edge lengths (m); zero lengths stored as 1e-9."""
        from scipy import sparse  # scipy on first use: snapping alone does not need it
        w = np.maximum(self.length_m, _EPS)
        n = self.n_nodes
        rows = np.concatenate([self.u, self.v])
        cols = np.concatenate([self.v, self.u])
        return sparse.csr_matrix((np.concatenate([w, w]), (rows, cols)), shape=(n, n))

    @cached_property
    def _network_edges(self) -> np.ndarray:
        return np.flatnonzero(~self.access)

    @cached_property
    def tree(self) -> shapely.STRtree:
        """STRtree over the network edges (access legs excluded)."""
        return shapely.STRtree(self.segments(self._network_edges))

    def segments(self, edges: np.ndarray | None = None) -> np.ndarray:
        """Edges as an array of two-point LineStrings (all edges, or ``edges``)."""
        e = np.arange(self.n_edges) if edges is None else np.asarray(edges)
        if e.size == 0:
            return np.empty(0, dtype=object)
        coords = np.stack([self.xy[self.u[e]], self.xy[self.v[e]]], axis=1)
        return shapely.linestrings(coords)

    @cached_property
    def components(self) -> np.ndarray:
        """Connected-component label of each node."""
        from scipy.sparse import csgraph
        return csgraph.connected_components(self.matrix, directed=False)[1]

    def summary(self) -> dict:
        """Node, edge and component counts and total length (km), for reports."""
        comp = self.components
        return {
            "noder": self.n_nodes,
            "kanter": int((~self.access).sum()),
            "lengde_km": float(self.length_m[~self.access].sum() / 1000.0),
            "delnett": int(comp.max() + 1) if comp.size else 0,
        }


def _dedupe_edges(u: np.ndarray, v: np.ndarray, w: np.ndarray):
    """Drop self-loops and keep the shortest of parallel edges (undirected)."""
    keep = u != v
    u, v, w = u[keep], v[keep], w[keep]
    a = np.minimum(u, v)
    b = np.maximum(u, v)
    order = np.lexsort((w, b, a))
    a, b, w = a[order], b[order], w[order]
    first = np.ones(a.size, dtype=bool)
    first[1:] = (a[1:] != a[:-1]) | (b[1:] != b[:-1])
    return a[first], b[first], w[first]


def _grid_nodes(coords: np.ndarray, tolerance_m: float):
    """Merge coordinates on a ``tolerance_m`` grid: (first index, inverse) like np.unique."""
    keys = np.round(coords / tolerance_m).astype(np.int64)
    keys -= keys.min(axis=0)
    span = int(keys[:, 1].max()) + 1
    if keys[:, 0].max() < (np.iinfo(np.int64).max // span) - 1:
        flat = keys[:, 0] * span + keys[:, 1]          # one int64 per node: fast 1-D unique
        _, first, inverse = np.unique(flat, return_index=True, return_inverse=True)
    else:  # pragma: no cover - extents beyond thousands of km at 1 mm
        _, first, inverse = np.unique(keys, axis=0, return_index=True, return_inverse=True)
    return first, inverse.ravel()


def build_network(gangnett, *, node_crossings: bool | None = None,
                  tolerance_m: float | None = None) -> Network:
    """Build a noded walking graph from line geometries.

    Parameters
    ----------
    gangnett : GeoDataFrame, GeoSeries or array of (Multi)LineString
        The walking network (the ``gangnett`` layer). Other geometry types
        are ignored.
    node_crossings : bool, optional
        Join lines where they cross or touch without a shared vertex
        (GEOS noding). False: lines connect only at shared vertices.
        Default: ``schools.node_crossings`` of the shipped configuration.
    tolerance_m : float, optional
        Coordinates closer than this (m, on a grid) become one node.
        Default: ``schools.node_tolerance_m`` of the shipped configuration.

    Returns
    -------
    Network

    Raises
    ------
    DataProblem
        If the CRS is geographic or there are no lines.
    """
    crs = getattr(gangnett, "crs", None)
    require_projected(crs, "gangnett")
    if node_crossings is None or tolerance_m is None:
        shipped = SchoolSettings.from_config()
        node_crossings = shipped.node_crossings if node_crossings is None else node_crossings
        tolerance_m = shipped.node_tolerance_m if tolerance_m is None else tolerance_m
    geoms = np.asarray(getattr(gangnett, "geometry", gangnett), dtype=object)
    geoms = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
    types = shapely.get_type_id(geoms)
    multi = types >= shapely.GeometryType.MULTIPOINT
    lines = np.concatenate([geoms[~multi], shapely.get_parts(geoms[multi])]) if multi.any() else geoms
    lines = lines[shapely.get_type_id(lines) == shapely.GeometryType.LINESTRING]
    lines = lines[~shapely.is_empty(lines)]
    if lines.size == 0:
        raise DataProblem(
            "Laget «gangnett» har ingen linjer, så gangavstand kan ikke beregnes. "
            "Legg til gang- og veilinjer (LineString) eller kjør uten --walking."
        )
    n_in = int(lines.size)
    if node_crossings:
        noded = shapely.node(shapely.multilinestrings(lines))
        _typ, coords, offsets = shapely.to_ragged_array(np.array([noded], dtype=object))
        starts = offsets[0]
    else:
        _typ, coords, offsets = shapely.to_ragged_array(lines)
        starts = offsets[0]
    coords = coords[:, :2]
    idx = np.repeat(np.arange(starts.size - 1), np.diff(starts))
    first, inverse = _grid_nodes(coords, tolerance_m)
    xy = coords[first]
    same = idx[1:] == idx[:-1]
    u = inverse[:-1][same]
    v = inverse[1:][same]
    w = np.hypot(*(xy[u] - xy[v]).T)
    u, v, w = _dedupe_edges(u, v, w)
    return Network(xy=xy, u=u.astype(np.int64), v=v.astype(np.int64), length_m=w,
                   access=np.zeros(u.size, dtype=bool), crs=crs, n_input_lines=n_in)


def project_to_edges(network: Network, pts: np.ndarray, vi: np.ndarray, max_distance_m: float):
    """Each point ``pts[vi]`` projected on its nearest edge (within ``max_distance_m``).

    Returns ``(qi, e, t, s, d)``: the points' positions in ``pts``, their edge, the
    position along it (0 at ``u``, 1 at ``v``), the projected point and the distance
    to it (m). Points farther than ``max_distance_m`` from every edge are left out.
    """
    ne = network._network_edges
    md = None if not np.isfinite(max_distance_m) else float(max_distance_m)
    (qi, ti) = network.tree.query_nearest(pts[vi], max_distance=md, all_matches=False)
    p = shapely.get_coordinates(pts[vi])[:, :2][qi]
    qi = vi[qi]
    e = ne[ti]
    a = network.xy[network.u[e]]
    b = network.xy[network.v[e]]
    ab = b - a
    den = (ab * ab).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.where(den > 0, ((p - a) * ab).sum(axis=1) / den, 0.0)
    t = np.clip(t, 0.0, 1.0)
    s = a + ab * t[:, None]
    d = np.hypot(*(p - s).T)
    if md is not None:
        ok = d <= md + 1e-9
        qi, e, t, s, d = qi[ok], e[ok], t[ok], s[ok], d[ok]
    return qi, e, t, s, d


def snap_points(network: Network, points, *, max_distance_m: float = np.inf) -> pd.DataFrame:
    """Snap points to their nearest point on the nearest network edge.

    Parameters
    ----------
    network : Network
    points : GeoSeries, GeoDataFrame or array of Point (other geometries:
        their representative point)
    max_distance_m : float
        Points farther than this (m) from every edge are not snapped.

    Returns
    -------
    DataFrame, one row per input point in input order, with ``edge`` (edge id,
    -1 if not snapped), ``t`` (position along the edge from ``u``, 0..1),
    ``x``, ``y`` (the point), ``snap_x``, ``snap_y`` (its snapped position)
    and ``tilknytning_m`` (snapping distance, m; NaN if not snapped).
    """
    if network.parent is not None:       # same edges as the parent: reuse its STRtree
        return _snap_to_child(network, snap_points(network.parent, points,
                                                   max_distance_m=max_distance_m))
    geoms = np.asarray(getattr(points, "geometry", points), dtype=object)
    n = geoms.size
    pts = geoms.copy()
    if n:
        not_pt = shapely.get_type_id(pts) != shapely.GeometryType.POINT
        ok = ~(shapely.is_missing(pts) | shapely.is_empty(pts))
        conv = not_pt & ok
        if conv.any():
            pts[conv] = shapely.point_on_surface(pts[conv])
    out = pd.DataFrame({
        "edge": np.full(n, -1, dtype=np.int64), "t": np.nan, "x": np.nan, "y": np.nan,
        "snap_x": np.nan, "snap_y": np.nan, "tilknytning_m": np.nan,
    })
    if n == 0:
        return out
    valid = ~(shapely.is_missing(pts) | shapely.is_empty(pts))
    xy = np.full((n, 2), np.nan)
    if valid.any():
        xy[valid] = shapely.get_coordinates(pts[valid])[:, :2]
    out["x"], out["y"] = xy[:, 0], xy[:, 1]
    ne = network._network_edges
    if ne.size == 0 or not valid.any():
        return out
    qi, e, t, s, d = project_to_edges(network, pts, np.flatnonzero(valid), max_distance_m)
    out.loc[qi, "edge"] = e
    out.loc[qi, "t"] = t
    out.loc[qi, "snap_x"] = s[:, 0]
    out.loc[qi, "snap_y"] = s[:, 1]
    out.loc[qi, "tilknytning_m"] = d
    return out


def _snap_to_child(net: Network, snap: pd.DataFrame) -> pd.DataFrame:
    """A snapping on ``net.parent`` moved to ``net``: the edge of ``net`` holding each
    snapped position and the position along it (the point and distance are the same)."""
    assert net.parent_edge is not None and net.parent_t is not None
    e = snap["edge"].to_numpy()
    ok = np.flatnonzero(e >= 0)
    if ok.size == 0:
        return snap
    pe = net.parent_edge
    t0, t1 = net.parent_t[:, 0], net.parent_t[:, 1]
    cand = np.flatnonzero(pe >= 0)
    order = cand[np.lexsort((t0[cand], pe[cand]))]
    pe_s = pe[order]
    key = pe_s + 0.5 * t0[order]           # children of an edge e in [e, e + 0.5], by start
    ep, tp = e[ok], snap["t"].to_numpy()[ok]
    lo = np.searchsorted(pe_s, ep, "left")
    hi = np.searchsorted(pe_s, ep, "right") - 1
    child = order[np.clip(np.searchsorted(key, ep + 0.5 * tp, "right") - 1, lo, hi)]
    span = t1[child] - t0[child]
    with np.errstate(invalid="ignore", divide="ignore"):
        tc = np.where(span > 0, (tp - t0[child]) / span, 0.0)
    out = snap.copy()
    out.loc[ok, "edge"] = child
    out.loc[ok, "t"] = np.clip(tc, 0.0, 1.0)
    return out


def add_points(network: Network, snap: pd.DataFrame) -> tuple[Network, np.ndarray]:
    """Insert snapped points into the graph as nodes.

    Each snapped edge is split at the snapped positions, and each point is
    joined to its snapped position by an access leg (length = snapping
    distance). Use this for the *sources* of a search (schools), so that
    distances along a source's own edge are exact.

    Parameters
    ----------
    network : Network
    snap : DataFrame
        From :func:`snap_points` on the same network.

    Returns
    -------
    (Network, ndarray of int)
        The new network and, per row of ``snap``, the node id of the point
        itself (-1 where the point was not snapped).
    """
    snap = snap.reset_index(drop=True)
    ok = np.flatnonzero(snap["edge"].to_numpy() >= 0)
    node_of = np.full(len(snap), -1, dtype=np.int64)
    if ok.size == 0:
        return network, node_of
    k = ok.size
    n0 = network.n_nodes
    e = snap["edge"].to_numpy()[ok]
    t = snap["t"].to_numpy()[ok]
    on_ids = n0 + np.arange(k)          # snapped position, on the edge
    pt_ids = n0 + k + np.arange(k)      # the point itself
    on_xy = snap[["snap_x", "snap_y"]].to_numpy()[ok]
    pt_xy = snap[["x", "y"]].to_numpy()[ok]
    xy = np.vstack([network.xy, on_xy, pt_xy])

    order = np.lexsort((t, e))
    es, ts, ids = e[order], t[order], on_ids[order]
    first = np.ones(k, dtype=bool)
    first[1:] = es[1:] != es[:-1]
    last = np.ones(k, dtype=bool)
    last[:-1] = es[1:] != es[:-1]
    L = network.length_m[es]
    same = ~first[1:]                   # consecutive points on the same edge
    # chain u -> p1 -> p2 ... -> v along every split edge
    cu = np.concatenate([network.u[es[first]], ids[:-1][same], ids[last]])
    cv = np.concatenate([ids[first], ids[1:][same], network.v[es[last]]])
    cw = np.concatenate([
        ts[first] * L[first],
        (ts[1:] - ts[:-1])[same] * L[1:][same],
        (1.0 - ts[last]) * L[last],
    ])
    keep = np.ones(network.n_edges, dtype=bool)
    keep[np.unique(es)] = False
    acc_w = snap["tilknytning_m"].to_numpy()[ok]
    u = np.concatenate([network.u[keep], cu, pt_ids])
    v = np.concatenate([network.v[keep], cv, on_ids])
    w = np.concatenate([network.length_m[keep], cw, acc_w])
    access = np.concatenate([network.access[keep], np.zeros(cu.size, bool), np.ones(k, bool)])
    node_of[ok] = pt_ids
    net = Network(xy=xy, u=u, v=v, length_m=w, access=access, crs=network.crs,
                  n_input_lines=network.n_input_lines,
                  **_lineage(network, keep, es[first], es[1:][same], es[last], ts, first, same, last))
    return net, node_of


def _lineage(network: Network, keep, e_first, e_mid, e_last, ts, first, same, last) -> dict:
    """``parent``, ``parent_edge`` and ``parent_t`` of the network :func:`add_points` builds
    (edge order: kept edges, the split pieces as ``add_points`` chains them, access legs)."""
    if network.parent is not None:        # points added twice: the lineage would not compose
        return {}
    kept = np.flatnonzero(keep)
    k = ts.size
    pe = np.concatenate([kept, e_first, e_mid, e_last, np.full(k, -1)])
    t0 = np.concatenate([np.zeros(kept.size), np.zeros(e_first.size), ts[:-1][same],
                         ts[last], np.zeros(k)])
    t1 = np.concatenate([np.ones(kept.size), ts[first], ts[1:][same], np.ones(e_last.size),
                         np.zeros(k)])
    return {"parent": network, "parent_edge": pe, "parent_t": np.c_[t0, t1]}


def distances_from(network: Network, sources, *, limit_m: float = np.inf,
                   min_only: bool = True):
    """Shortest network distances (m) from source nodes.

    Parameters
    ----------
    network : Network
    sources : array of int
        Node ids (e.g. from :func:`add_points`).
    limit_m : float
        Stop searching beyond this distance (m); farther nodes get ``inf``.
    min_only : bool, default True
        True: one multi-source search; returns ``(dist, nearest_source)`` with
        ``dist`` shape (n,) the distance to the nearest source and
        ``nearest_source`` the position in ``sources`` of that source (-1 if
        none). False: returns ``dist`` of shape (len(sources), n), one row per
        source (memory: 8 bytes x sources x nodes).
    """
    from scipy.sparse import csgraph
    src = np.asarray(sources, dtype=np.int64)
    n = network.n_nodes
    if src.size == 0:
        if min_only:
            return np.full(n, np.inf), np.full(n, -1, dtype=np.int64)
        return np.full((0, n), np.inf)
    if not min_only:
        return csgraph.dijkstra(network.matrix, directed=True, indices=src, limit=limit_m)
    dist, _pred, nearest = csgraph.dijkstra(network.matrix, directed=True, indices=src,
                                            limit=limit_m, min_only=True,
                                            return_predecessors=True)
    first = np.full(n, -1, dtype=np.int64)     # node -> its first position in sources
    uniq, at = np.unique(src, return_index=True)
    first[uniq] = at
    pos = np.full(n, -1, dtype=np.int64)
    reached = nearest >= 0
    pos[reached] = first[nearest[reached]]
    return dist, pos


def target_distances(network: Network, dist: np.ndarray, snap: pd.DataFrame,
                     nearest_source: np.ndarray | None = None):
    """Distances (m) from the sources to snapped target points.

    ``distance = snapping distance + min(d[u] + t*L, d[v] + (1-t)*L)``. Exact
    when no source lies inside the target's edge, which holds when the sources
    were inserted with :func:`add_points` and ``snap`` was made on that
    network.

    Returns
    -------
    (ndarray, ndarray)
        Distance per target (m; ``inf`` if not connected, NaN if not snapped)
        and the nearest source's position per target (-1 if none).
    """
    e = snap["edge"].to_numpy()
    ok = e >= 0
    out = np.full(len(snap), np.nan)
    who = np.full(len(snap), -1, dtype=np.int64)
    if not ok.any():
        return out, who
    eo = e[ok]
    t = snap["t"].to_numpy()[ok]
    L = network.length_m[eo]
    du = dist[network.u[eo]] + t * L
    dv = dist[network.v[eo]] + (1.0 - t) * L
    out[ok] = np.minimum(du, dv) + snap["tilknytning_m"].to_numpy()[ok]
    if nearest_source is not None:
        w = np.where(du <= dv, nearest_source[network.u[eo]], nearest_source[network.v[eo]])
        w = np.where(np.isfinite(out[ok]), w, -1)
        who[ok] = w
    return out, who


def _reachable_pieces(network: Network, dist: np.ndarray, radius_m: float,
                      edges: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Start and end coordinates (shape (k, 2) each) of the pieces of
    :func:`reachable_segments`, in its order (zero-length pieces dropped)."""
    du = dist[network.u]
    dv = dist[network.v]
    reach = (du < radius_m) | (dv < radius_m)
    e = np.flatnonzero(reach) if edges is None else edges[reach[edges]]
    if e.size == 0:
        return np.empty((0, 2)), np.empty((0, 2))
    L = network.length_m[e]
    ra = np.clip(radius_m - du[e], 0.0, L)
    rb = np.clip(radius_m - dv[e], 0.0, L)
    ra = np.where(np.isfinite(ra), ra, 0.0)
    rb = np.where(np.isfinite(rb), rb, 0.0)
    a = network.xy[network.u[e]]
    b = network.xy[network.v[e]]
    whole = ra + rb >= L
    with np.errstate(invalid="ignore", divide="ignore"):
        fa = np.where(L > 0, ra / L, 0.0)
        fb = np.where(L > 0, rb / L, 0.0)
    pa = ~whole & (ra > 0)
    pb = ~whole & (rb > 0)
    starts = np.concatenate([a[whole], a[pa], b[pb]])
    ends = np.concatenate([
        b[whole],
        a[pa] + (b[pa] - a[pa]) * fa[pa, None],
        b[pb] + (a[pb] - b[pb]) * fb[pb, None],
    ])
    d = ends - starts
    pos = (d[:, 0] != 0) | (d[:, 1] != 0)       # the pieces of length > 0
    return starts[pos], ends[pos]


def reachable_segments(network: Network, dist: np.ndarray, radius_m: float,
                       edges: np.ndarray | None = None) -> np.ndarray:
    """The parts of the edges within ``radius_m`` (network distance) of the sources.

    An edge (a, b) of length L is reachable from a for ``radius - d[a]`` and
    from b for ``radius - d[b]``; when the two reaches overlap the whole edge
    is kept, otherwise the two end pieces.

    Parameters
    ----------
    network : Network
    dist : ndarray (n,)
        Distance of every node from the sources (m), e.g. from
        :func:`distances_from`; ``inf`` for nodes not reached.
    radius_m : float
    edges : array of int, optional
        Only these edges (sorted ids); default all.

    Returns
    -------
    ndarray of LineString
        Two-point pieces (zero-length pieces dropped).
    """
    starts, ends = _reachable_pieces(network, dist, radius_m, edges)
    if starts.shape[0] == 0:
        return np.empty(0, dtype=object)
    return shapely.linestrings(np.stack([starts, ends], axis=1))


def walking_area(network: Network, dist: np.ndarray, radius_m: float, corridor_width_m: float,
                 *, quad_segs: int = 4, within=None):
    """Area within ``corridor_width_m / 2`` of the network reachable within ``radius_m``.

    The corridor is a planner's approximation of "reachable on foot": the
    land beside the paths that can be walked to within the radius. It is not
    clipped here; callers clip it to the school circle (a point reachable
    within the radius on foot is within the radius as the crow flies).

    Parameters
    ----------
    network, dist, radius_m
        As for :func:`reachable_segments`.
    corridor_width_m : float
        Full width of the corridor (m); each side gets half.
    quad_segs : int
        Segments per quarter circle of the round ends.
    within : shapely geometry, optional
        Only the corridor near this area is needed: pieces farther than half
        the corridor width from it are skipped (much faster for small parcels).

    Returns
    -------
    shapely Polygon/MultiPolygon (empty if nothing is reachable)
    """
    half = corridor_width_m / 2.0
    if within is None:
        a, b = _reachable_pieces(network, dist, radius_m)
    else:
        if shapely.is_empty(within):
            return shapely.Polygon()
        a, b = _reachable_pieces(network, dist, radius_m, _edges_near(network, within, half))
        near = _pieces_near(within, a, b, half)
        a, b = a[near], b[near]
    if a.shape[0] == 0 or half <= 0:
        return shapely.Polygon()
    # the union of the pieces' buffers (merged into polylines: far fewer buffers)
    from geoplan.analysis.corridor import segment_union
    return segment_union(a, b, half, quad_segs=quad_segs)


def _pieces_near(geom, a: np.ndarray, b: np.ndarray, distance_m: float) -> np.ndarray:
    """Whether each piece ``a -> b`` is within ``distance_m`` of ``geom``
    (``dwithin``; a piece with an end inside ``geom`` is, without building it)."""
    shapely.prepare(geom)
    near = shapely.contains_xy(geom, a[:, 0], a[:, 1]) | shapely.contains_xy(geom, b[:, 0], b[:, 1])
    rest = np.flatnonzero(~near)
    if rest.size:
        segs = shapely.linestrings(np.stack([a[rest], b[rest]], axis=1))
        near[rest] = shapely.dwithin(geom, segs, distance_m)
    return near


def _edges_near(network: Network, geom, distance_m: float) -> np.ndarray:
    """Sorted ids of the edges whose bounding box is within ``distance_m`` of that of
    ``geom`` (a superset of the edges within ``distance_m``; access legs always
    included: the STRtree holds the network edges only)."""
    x0, y0, x1, y1 = shapely.bounds(geom)
    env = shapely.box(x0 - distance_m, y0 - distance_m, x1 + distance_m, y1 + distance_m)
    if network.parent is not None and network.parent_edge is not None:   # parent's STRtree
        near = network.parent._network_edges[network.parent.tree.query(env)]
        hit = np.zeros(network.parent.n_edges + 1, dtype=bool)   # the last: access legs (-1)
        hit[near] = True
        return np.flatnonzero(hit[network.parent_edge] | network.access)
    hit = network.access.copy()
    hit[network._network_edges[network.tree.query(env)]] = True
    return np.flatnonzero(hit)
