"""Array helpers of the concentration analysis: identifiers, shares, flags, radius sums.

Private to the package; every function is vectorised (no loop over points). The
radius sums use :class:`PointIndex` (numpy on a grid of cells), not scipy's
``cKDTree``: importing ``scipy.spatial`` costs ~0.4 s, more than the analysis itself on
a municipality, and the index finds the same points (the same ``dx² + dy² ≤ r²`` test).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import shapely

HOT = "varm flekk"
COLD = "kald flekk"
NOT_SIGNIFICANT = "ikke signifikant"
UNSPECIFIED = "uspesifisert"
_CHUNK_PAIRS = 2_000_000  # bound on KD-tree pairs / permutation cells held at once


def _as_str_ids(s: pd.Series) -> np.ndarray:
    """Identifiers as object strings (None for missing or blank), integers without ``.0``."""
    if pd.api.types.infer_dtype(s, skipna=True) in ("string", "empty"):  # the usual case: vectorised
        st = s.astype("string").str.strip()
        out = st.to_numpy(dtype=object, na_value=None)
        out[(st == "").fillna(False).to_numpy(dtype=bool)] = None
        return out
    vals = s.to_numpy(dtype=object)
    out = np.empty(len(vals), dtype=object)
    for i, v in enumerate(vals):  # mixed or numeric identifiers: O(n) conversion, not a spatial loop
        if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
            out[i] = None
        elif isinstance(v, (float, np.floating)) and float(v).is_integer():
            out[i] = str(int(v))
        else:
            t = str(v).strip()
            out[i] = t if t else None
    return out


def _points_xy(geoms: np.ndarray) -> np.ndarray:
    """(n, 2) coordinates of points (centroid for Multi*/polygons)."""
    return shapely.get_coordinates(shapely.centroid(geoms)).reshape(-1, 2)


def _first_match(pairs: np.ndarray, n: int) -> np.ndarray:
    """For (2, k) [input, tree] pairs: the lowest tree index per input, -1 if none."""
    out = np.full(n, -1, dtype=np.int64)
    if pairs.size == 0:
        return out
    inp, tree = pairs
    order = np.lexsort((tree, inp))
    inp, tree = inp[order], tree[order]
    u, first = np.unique(inp, return_index=True)
    out[u] = tree[first]
    return out


class PointIndex:
    """Points for "sum of weights within ``r`` of each centre", in numpy (no scipy).

    A centre and a point are within ``r`` when ``dx*dx + dy*dy <= r*r`` in floating point,
    the test scipy's ``cKDTree`` makes (``query_ball_point``, ``sparse_distance_matrix``
    with ``p=2``: squared distances against the squared radius), so both find the same
    points. The points are sorted by square cells of about ``r / 4`` (one grid per radius
    asked, kept): the cells a centre's circle can reach are a few runs of a column each,
    consecutive in the sorted order; the cells wholly inside the circle (with a margin far
    above rounding) are summed from prefix sums, and only the points of the cells on the
    circle's edge are tested one by one. Prefix sums are used for whole-number weights only
    (their differences are then exact, as any order of summing them is); other weights are
    summed point by point. Non-finite points and centres find nothing.
    """

    #: cells per radius (a column of the circle holds about ``2 * SUB + 1`` cells)
    SUB = 4

    def __init__(self, xy) -> None:
        self.data = np.ascontiguousarray(np.asarray(xy, dtype=float).reshape(-1, 2))
        self.n = len(self.data)
        self._grids: dict[float, tuple] = {}

    def _grid(self, r: float) -> tuple:
        """(origin x, origin y, cell size, rows, columns, sorted cell keys, point order)."""
        g = self._grids.get(r)
        if g is not None:
            return g
        ok = np.flatnonzero(np.isfinite(self.data).all(axis=1))
        pts = self.data[ok]
        if len(pts):
            x0, y0 = (float(v) for v in pts.min(axis=0))
            span = float(max(np.ptp(pts[:, 0]), np.ptp(pts[:, 1]), 1.0))
        else:
            x0 = y0 = 0.0
            span = 1.0
        # SUB cells cover r with a margin far above the rounding of the cell numbers; at most
        # 2**20 cells a side (keys far inside int64)
        reach = r * (1.0 + 1e-9) + 1e-9 * (1.0 + abs(x0) + abs(y0) + span)
        cell = max(reach / self.SUB, span / 2.0**20)
        rows = int(span // cell) + 2
        ix = np.floor((pts[:, 0] - x0) / cell).astype(np.int64)
        iy = np.floor((pts[:, 1] - y0) / cell).astype(np.int64)
        key = ix * rows + iy
        order = np.argsort(key, kind="stable")
        g = (x0, y0, cell, rows, key[order], ok[order])
        self._grids[r] = g
        return g

    def sums(self, centres, r: float, weights) -> np.ndarray:
        """Per centre the sum of ``weights`` (one column per weight set) over the points within ``r``."""
        weights = np.asarray(weights, dtype=float)
        if weights.ndim == 1:
            weights = weights[:, None]
        centres = np.asarray(centres, dtype=float).reshape(-1, 2)
        n, nw = len(centres), weights.shape[1]
        out = np.zeros((n, nw))
        if n == 0 or self.n == 0 or nw == 0:
            return out
        r = float(r)
        if n <= 4:   # a site or a few: the same runs and test, without the arrays' overhead
            for i in range(n):
                out[i] = self._sums_one(float(centres[i, 0]), float(centres[i, 1]), r, weights)
            return out
        x0, y0, cell, rows, keys, order = self._grid(r)
        fin = np.isfinite(centres).all(axis=1)
        cx = np.where(fin, centres[:, 0], x0)
        cy = np.where(fin, centres[:, 1], y0)
        k = int(math.ceil(r / cell)) + 1
        dcol = np.arange(-k, k + 1)
        col = np.floor((cx - x0) / cell).astype(np.int64)[:, None] + dcol   # (n, 2k+1)
        left = x0 + col * cell - cx[:, None]          # column edges relative to the centre
        right = left + cell
        near = np.where(left > 0, left, np.where(right < 0, -right, 0.0))
        far = np.maximum(np.abs(left), np.abs(right))
        pad = 1e-7 * (1.0 + r) + 1e-9 * (abs(x0) + abs(y0))
        reach = r + pad
        h = np.sqrt(np.maximum(reach * reach - near * near, 0.0))
        live = fin[:, None] & (near <= reach)
        oy = cy[:, None] - y0
        lo_row = np.clip(np.floor((oy - h) / cell).astype(np.int64) - 1, 0, rows - 1)
        hi_row = np.clip(np.floor((oy + h) / cell).astype(np.int64) + 1, 0, rows - 1)
        base = col * rows
        lo = np.searchsorted(keys, base + lo_row, side="left")
        hi = np.searchsorted(keys, base + hi_row, side="right")
        hi = np.where(live, hi, lo)
        # prefix sums cost a pass over all points: worth it when the centres' runs hold more
        w = None
        if int((hi - lo).sum()) > 2 * self.n:
            w = weights[order]
            if not (np.isfinite(w).all() and (w == np.rint(w)).all() and np.abs(w).sum() < 2.0**53):
                w = None
        if w is not None:   # the cells wholly inside: rows whose y-span lies within +- hin
            inner = max(r - pad, 0.0)
            hin2 = inner * inner - far * far
            hin = np.sqrt(np.maximum(hin2, 0.0))
            a = np.ceil((oy - hin) / cell).astype(np.int64) + 1
            b = np.floor((oy + hin) / cell).astype(np.int64) - 2
            ok_in = live & (hin2 > 0) & (a <= b) & (a >= 0) & (b <= rows - 1)
            ilo = np.searchsorted(keys, base + a, side="left")
            ihi = np.searchsorted(keys, base + b, side="right")
            ilo = np.where(ok_in, ilo, hi)
            ihi = np.where(ok_in, ihi, hi)
            prefix = np.vstack([np.zeros((1, nw)), np.cumsum(w, axis=0)])
            out += (prefix[ihi] - prefix[ilo]).sum(axis=1)
            # the edge runs still to test: [lo, ilo) and [ihi, hi)
            starts = np.concatenate([lo, ihi], axis=1)
            lens = np.concatenate([np.where(ok_in, ilo - lo, hi - lo),
                                   np.where(ok_in, hi - ihi, 0)], axis=1)
        else:
            starts, lens = lo, hi - lo
        self._edge_sums(centres, r, weights, order, starts, lens, out)
        return out

    def _sums_one(self, cx: float, cy: float, r: float, weights: np.ndarray) -> np.ndarray:
        """:meth:`sums` of one centre: its columns' runs, every point in them tested."""
        if not (math.isfinite(cx) and math.isfinite(cy)):
            return np.zeros(weights.shape[1])
        x0, y0, cell, rows, keys, order = self._grid(r)
        pad = 1e-7 * (1.0 + r) + 1e-9 * (abs(x0) + abs(y0))
        reach = r + pad
        k = int(math.ceil(r / cell)) + 1
        c0 = math.floor((cx - x0) / cell)
        bounds: list[int] = []
        for col in range(c0 - k, c0 + k + 1):
            left = x0 + col * cell - cx
            right = left + cell
            near = left if left > 0 else (-right if right < 0 else 0.0)
            if near > reach:
                continue
            h = math.sqrt(max(reach * reach - near * near, 0.0))
            lo_row = min(max(math.floor((cy - y0 - h) / cell) - 1, 0), rows - 1)
            hi_row = min(max(math.floor((cy - y0 + h) / cell) + 1, 0), rows - 1)
            bounds += (col * rows + lo_row, col * rows + hi_row)
        if not bounds:
            return np.zeros(weights.shape[1])
        b = np.asarray(bounds, dtype=np.int64)
        lo = np.searchsorted(keys, b[0::2], side="left")
        hi = np.searchsorted(keys, b[1::2], side="right")
        pj = np.concatenate([order[a:e] for a, e in zip(lo.tolist(), hi.tolist()) if e > a]
                            or [np.zeros(0, dtype=np.int64)])
        dx = cx - self.data[pj, 0]
        dy = cy - self.data[pj, 1]
        return weights[pj[dx * dx + dy * dy <= r * r]].sum(axis=0)

    def _edge_sums(self, centres, r, w, order, starts, lens, out) -> None:
        """Add to ``out`` the weights (``w``, in the points' own order) of the points of the
        runs ``[starts, starts + lens)`` (per centre, positions in the sorted order) that are
        within ``r``, in chunks of centres."""
        n, m = lens.shape
        per = lens.sum(axis=1)
        ends = np.cumsum(per)
        rr = r * r
        s = 0
        while s < n:
            done = ends[s - 1] if s else 0
            e = min(n, max(int(np.searchsorted(ends, done + _CHUNK_PAIRS, side="right")), s + 1))
            ln = lens[s:e].reshape(-1)
            total = int(ln.sum())
            if total:
                st = starts[s:e].reshape(-1)
                offs = np.repeat(st - (np.cumsum(ln) - ln), ln) + np.arange(total)
                ci = np.repeat(np.repeat(np.arange(e - s), m), ln)
                pj = order[offs]
                dx = centres[s + ci, 0] - self.data[pj, 0]
                dy = centres[s + ci, 1] - self.data[pj, 1]
                keep = dx * dx + dy * dy <= rr
                ci, wk = ci[keep], w[pj[keep]]
                for c in range(w.shape[1]):
                    out[s:e, c] += np.bincount(ci, weights=wk[:, c], minlength=e - s)
            s = e


def _radius_sums(centres: np.ndarray, tree: PointIndex, radius: float,
                 weights: np.ndarray) -> np.ndarray:
    """Sum of ``weights`` (one column per weight set) of tree points within ``radius`` of each centre.

    Vectorised on the index's pairs in chunks (memory bounded); distance ≤ radius.
    """
    return tree.sums(centres, radius, weights)


def _pct(num, den) -> np.ndarray:
    num = np.asarray(num, dtype=float)
    den = np.asarray(den, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where((den > 0) & np.isfinite(den) & (num <= den), 100.0 * num / den, np.nan)
    return out


def _gt(a, limit) -> np.ndarray:
    a = np.asarray(a, dtype=float)
    with np.errstate(invalid="ignore"):
        return np.where(np.isnan(a), False, a > limit)


def _int_na(values) -> pd.arrays.IntegerArray:
    v = np.asarray(values, dtype=float)
    ok = np.isfinite(v)
    return pd.arrays.IntegerArray(np.rint(np.where(ok, v, 0)).astype(np.int64), ~ok)


def _bool_na(values, known) -> pd.arrays.BooleanArray:
    return pd.arrays.BooleanArray(np.asarray(values, dtype=bool), ~np.asarray(known, dtype=bool))


def _kat_key(v) -> str:
    """A kategori compared without case, spaces, hyphens or underscores."""
    return "".join(ch for ch in str(v).casefold() if ch not in " _-")


def _f(v) -> float | None:
    v = float(v)
    return None if math.isnan(v) or math.isinf(v) else v


def _diff(a, b):
    return None if a is None or b is None else a - b


