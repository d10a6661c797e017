"""Walking distance from homes to the nearest service of each kind, and the steepest stretch on the way.

One network (:mod:`geoplan.analysis.network`) with every service inserted as a
node; per kind one multi-source Dijkstra (:func:`scipy.sparse.csgraph.dijkstra`
with ``min_only``), so the cost is one search per kind, not per service or per
home. Homes (buildings with dwellings) are snapped to the network and read
their distance from the two ends of their edge
(:func:`~geoplan.analysis.network.target_distances`).

The steepest stretch on the way is the largest gradient ``|Δz| / length`` of
the edges on the shortest path from the home's edge to the nearest service,
with the elevation sampled from ``terreng.tif`` at the network's nodes (the
vertices of the ``gangnett`` lines): a stretch between two vertices counts with
its mean gradient, so a short steep bit inside a long edge is not seen. It is
computed for all nodes at once along the shortest-path tree by pointer jumping
(``log2(depth)`` numpy passes).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd
from scipy.sparse import csgraph

from geoplan.analysis.network import Network, add_points, target_distances


@dataclass
class AccessResult:
    """Per home and kind: distance (m; NaN not connected, inf unreachable) and steepest gradient."""

    distance_m: dict[str, np.ndarray]
    steepest: dict[str, np.ndarray]
    snapped: np.ndarray                       # bool per home
    n_services: dict[str, int]
    notes: list[str] = field(default_factory=list)


def snap_exact(net: Network, points, *, max_distance_m: float) -> pd.DataFrame:
    """:func:`~geoplan.analysis.network.snap_points` for many points, by growing search boxes.

    Candidates are the network edges whose bounding box meets a square of
    half-side r around the point (an envelope query, no GEOS distance per pair);
    the exact point-segment distances are computed in numpy. A point whose
    nearest candidate lies within r is final (every edge closer than r meets the
    square); the others are searched again with a larger r, up to
    ``max_distance_m``. Same columns as ``snap_points``; for equally near edges
    the first is taken.
    """
    import shapely

    geoms = np.asarray(getattr(points, "geometry", points), dtype=object)
    n = geoms.size
    out = pd.DataFrame({"edge": np.full(n, -1, dtype=np.int64), "t": np.nan, "x": np.nan, "y": np.nan,
                        "snap_x": np.nan, "snap_y": np.nan, "tilknytning_m": np.nan})
    if n == 0:
        return out
    ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    pts = geoms.copy()
    notpt = ok & (shapely.get_type_id(pts) != shapely.GeometryType.POINT)
    if notpt.any():
        pts[notpt] = shapely.point_on_surface(pts[notpt])
    xy = np.full((n, 2), np.nan)
    xy[ok] = shapely.get_coordinates(pts[ok])[:, :2]
    out["x"], out["y"] = xy[:, 0], xy[:, 1]
    ne = net._network_edges
    if ne.size == 0:
        return out
    tree = net.tree
    A, B = net.xy[net.u[ne]], net.xy[net.v[ne]]
    todo = np.flatnonzero(ok)
    r = min(25.0, max_distance_m)
    while todo.size:
        c = xy[todo]
        boxes = shapely.box(c[:, 0] - r, c[:, 1] - r, c[:, 0] + r, c[:, 1] + r)
        qi, si = tree.query(boxes)
        p, a, b = c[qi], A[si], B[si]
        ab = b - a
        den = (ab * ab).sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            t = np.clip(np.where(den > 0, ((p - a) * ab).sum(axis=1) / den, 0.0), 0.0, 1.0)
        sp = a + ab * t[:, None]
        d = np.hypot(*(p - sp).T)
        order = np.lexsort((d, qi))
        first = order[np.r_[True, qi[order][1:] != qi[order][:-1]]] if order.size else order
        fin = d[first] <= r
        k = first[fin]
        rows = todo[qi[k]]
        out.loc[rows, "edge"] = ne[si[k]]
        out.loc[rows, "t"] = t[k]
        out.loc[rows, "snap_x"], out.loc[rows, "snap_y"] = sp[k, 0], sp[k, 1]
        out.loc[rows, "tilknytning_m"] = d[k]
        done = np.zeros(todo.size, dtype=bool)
        done[qi[k]] = True
        if r >= max_distance_m:
            break
        todo = todo[~done]
        r = min(r * 3.0, max_distance_m)
    return out


def path_max(pred: np.ndarray, edge_value: np.ndarray) -> np.ndarray:
    """Largest ``edge_value`` on the path from every node to its tree root.

    ``pred[v]`` is v's predecessor (-9999/negative for roots and unreached
    nodes), ``edge_value[v]`` the value of the edge (pred[v], v) (0 at roots).
    """
    n = pred.size
    P = np.where(pred >= 0, pred, np.arange(n))
    M = np.where(pred >= 0, edge_value, 0.0).astype(float)
    while True:
        M = np.maximum(M, M[P])
        P2 = P[P]
        if np.array_equal(P2, P):
            return M
        P = P2


def _edge_lengths(net: Network, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Length of the edge (a[i], b[i]) from the network's CSR matrix."""
    m = net.matrix
    out = np.asarray(m[a, b]).ravel()
    return out


def nearest_service(net: Network, services: pd.DataFrame, homes, *, snap_max_m: float,
                    elevation: Callable[[np.ndarray], np.ndarray] | None = None,
                    limit_m: float = np.inf, kinds=None) -> AccessResult:
    """Walking distance from each home to the nearest service of each kind.

    Parameters
    ----------
    net : the walking network (:func:`~geoplan.analysis.network.build_network`).
    services : GeoDataFrame with ``tjenestetype`` and point geometry.
    homes : points (or polygons: their representative point) of the homes.
    snap_max_m : homes and services farther from the network are not connected.
    elevation : xy (n, 2) -> height (m), e.g. ``terreng.tif`` sampled; None: no gradients.
    limit_m : stop each search beyond this distance (m); farther homes get ``inf``.
    kinds : the kinds to compute (default: those in ``services``).

    Returns
    -------
    AccessResult
    """
    kinds = list(dict.fromkeys(kinds if kinds is not None else services["tjenestetype"]))
    snap_s = snap_exact(net, services.geometry, max_distance_m=snap_max_m)
    net2, nodes = add_points(net, snap_s)
    snap_h = snap_exact(net2, homes, max_distance_m=snap_max_m)
    kind_of = services["tjenestetype"].to_numpy()
    z = elevation(net2.xy) if elevation is not None else None
    dist_out, steep_out, count = {}, {}, {}
    notes = []
    not_snapped = int(((nodes < 0)).sum())
    if not_snapped:
        notes.append(f"{not_snapped} tjeneste(r) ligger mer enn {snap_max_m:.0f} m fra gangnettet "
                     "og er ikke med.")
    for k in kinds:
        src = nodes[(kind_of == k) & (nodes >= 0)]
        count[k] = int(src.size)
        n_h = len(snap_h)
        if src.size == 0:
            dist_out[k] = np.full(n_h, np.inf)
            steep_out[k] = np.full(n_h, np.nan)
            continue
        d, pred, _nearest = csgraph.dijkstra(net2.matrix, directed=True, indices=src,
                                             limit=limit_m, min_only=True,
                                             return_predecessors=True)
        dist_out[k], _ = target_distances(net2, d, snap_h)
        if z is None:
            steep_out[k] = np.full(n_h, np.nan)
            continue
        has = pred >= 0
        v = np.flatnonzero(has)
        g = np.zeros(net2.n_nodes)
        L = _edge_lengths(net2, pred[v], v)
        with np.errstate(invalid="ignore", divide="ignore"):
            g[v] = np.where(L > 0, np.abs(z[v] - z[pred[v]]) / L, 0.0)
        g = np.nan_to_num(g)
        M = path_max(pred, g)
        steep_out[k] = _home_steepest(net2, snap_h, d, M, z)
    return AccessResult(dist_out, steep_out, snap_h["edge"].to_numpy() >= 0, count, notes)


def _home_steepest(net: Network, snap: pd.DataFrame, d: np.ndarray, M: np.ndarray,
                   z: np.ndarray) -> np.ndarray:
    """Steepest gradient for each home: its own edge, then the path from the end it leaves by."""
    e = snap["edge"].to_numpy()
    out = np.full(len(snap), np.nan)
    ok = e >= 0
    if not ok.any():
        return out
    eo = e[ok]
    u, v = net.u[eo], net.v[eo]
    t = snap["t"].to_numpy()[ok]
    L = net.length_m[eo]
    via_u = d[u] + t * L <= d[v] + (1 - t) * L
    end = np.where(via_u, u, v)
    with np.errstate(invalid="ignore", divide="ignore"):
        own = np.where(L > 0, np.abs(z[u] - z[v]) / L, 0.0)
    reach = np.isfinite(d[end])
    out[ok] = np.where(reach, np.maximum(np.nan_to_num(own), M[end]), np.nan)
    return out


def summarise(homes: pd.DataFrame, res: AccessResult, *, radii, group_cols=("p67", "p80"),
              by: str = "grunnkretsnummer") -> pd.DataFrame:
    """Share of persons within each radius of each kind, per area (``by``).

    ``homes`` has ``by`` and the person columns ``group_cols`` (e.g. persons 67+
    and 80+ placed on the building). Homes not connected count as not within.
    Returns per area and kind: ``andel_<col>_<r>m`` and the person-weighted
    median of the steepest gradient (``stigning_median``) for the first column.
    Areas in sorted order, homes without an area left out, missing persons as 0
    (as ``groupby(by).sum()`` has it); the sums are ``numpy.bincount`` over the
    area codes, once per kind, radius and column.
    """
    keys = homes[by]
    index = pd.Index(keys.dropna().unique(), name=by).sort_values()
    codes = index.get_indexer(keys)
    ok = codes >= 0
    c_ok, n = codes[ok], len(index)
    persons = {c: np.nan_to_num(homes[c].to_numpy(dtype=float))[ok] for c in group_cols}
    totals = {c: np.bincount(c_ok, weights=persons[c], minlength=n) for c in group_cols}
    rows = []
    for k, dist in res.distance_m.items():
        d = np.where(np.isnan(dist), np.inf, dist)[ok]
        cols: dict[str, object] = {by: index, "tjenestetype": k}
        for r in radii:
            near = d <= r
            for c in group_cols:
                inside = np.bincount(c_ok, weights=np.where(near, persons[c], 0.0), minlength=n)
                with np.errstate(invalid="ignore", divide="ignore"):
                    cols[f"andel_{c}_{int(r)}m"] = inside / totals[c]
        cols["stigning_median"] = grouped_wmedian(keys, res.steepest[k],
                                                  homes[group_cols[0]].to_numpy(), index)
        for c in group_cols:
            cols[c] = totals[c]
        rows.append(pd.DataFrame(cols))
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()


def grouped_wmedian(keys: pd.Series, v, w, index: pd.Index) -> np.ndarray:
    """:func:`_wmedian` of each group of ``keys``, in the order of ``index``, in one pass.

    Per group: the values that are not NaN with positive weight, sorted; the first
    whose running weight reaches half the group's total (as :func:`_wmedian`, with
    the running weight summed group by group, so the same sums). A group without
    such a value gets NaN. One sort for all groups instead of a Python call per
    group (917 grunnkretser: 0.3 s of the demo report's population section).
    """
    v = np.asarray(v, dtype=float)
    w = np.asarray(w, dtype=float)
    codes = pd.Index(index).get_indexer(keys)
    ok = ~np.isnan(v) & (w > 0) & (codes >= 0)
    out = np.full(len(index), np.nan)
    if not ok.any():
        return out
    c, vv, ww = codes[ok], v[ok], w[ok]
    o = np.lexsort((vv, c))
    c, vv, ww = c[o], vv[o], ww[o]
    cw = pd.Series(ww).groupby(c).cumsum().to_numpy()
    last = np.r_[c[1:] != c[:-1], True]                  # each group's last row: its total
    total = np.zeros(len(index))
    total[c[last]] = cw[last]
    hit = np.flatnonzero(cw >= total[c] / 2.0)
    first_code, at = np.unique(c[hit], return_index=True)
    out[first_code] = vv[hit[at]]
    return out


def _wmedian(v: np.ndarray, w: np.ndarray) -> float:
    ok = ~np.isnan(v) & (w > 0)
    if not ok.any():
        return np.nan
    o = np.argsort(v[ok])
    cw = np.cumsum(w[ok][o])
    return float(v[ok][o][np.searchsorted(cw, cw[-1] / 2.0)])
