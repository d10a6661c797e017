"""PointIndex (the concentration analysis' radius sums) finds what scipy's cKDTree finds:
the same points within r (``dx*dx + dy*dy <= r*r``), on points exactly on the circle,
grids with ties, non-finite points and centres; one centre at a time and many (the
prefix-sum path). scipy is the independent reference here only."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial import cKDTree

from geoplan.analysis.concentration._arrays import PointIndex


def _reference(pts, cen, r, w):
    ok = np.isfinite(pts).all(axis=1)
    out = np.zeros((len(cen), w.shape[1]))
    if not ok.any():
        return out
    tree, wv = cKDTree(pts[ok]), w[ok]
    for i, c in enumerate(cen):
        if np.isfinite(c).all():
            out[i] = wv[tree.query_ball_point(c, r)].sum(axis=0)
    return out


def _case(rng, kind):
    n, m = int(rng.integers(1, 800)), int(rng.integers(1, 300))
    if kind == "integer grid":
        pts = rng.integers(0, 30, (n, 2)).astype(float) + 560000
        cen = rng.integers(-3, 33, (m, 2)).astype(float) + 560000
        r = float(rng.integers(1, 12))
    elif kind == "decimetres":
        pts = rng.integers(0, 300, (n, 2)) * 0.1 + 6547000.3
        cen = rng.integers(0, 300, (m, 2)) * 0.1 + 6547000.3
        r = float(rng.integers(1, 80)) * 0.1
    elif kind == "on the circle":
        cen = rng.integers(0, 50, (m, 2)).astype(float) * 10 + [262000, 6650000]
        ang = rng.uniform(0, 2 * np.pi, n)
        r = float(rng.integers(1, 300))
        pts = cen[rng.integers(0, m, n)] + np.column_stack([np.cos(ang), np.sin(ang)]) * r
        pts[::7] = np.rint(pts[::7])
    else:
        pts = rng.uniform(0, 5000, (n, 2)) + [562000, 6547000]
        cen = rng.uniform(-500, 5500, (m, 2)) + [562000, 6547000]
        r = float(rng.uniform(1, 1500))
    pts[rng.random(n) < 0.02] = np.nan
    cen[rng.random(m) < 0.02] = np.nan
    return pts, cen, r


@pytest.mark.parametrize("kind", ["integer grid", "decimetres", "on the circle", "uniform"])
def test_same_sums_as_ckdtree(kind):
    rng = np.random.default_rng(abs(hash(kind)) % 2**32)
    for _ in range(40):
        pts, cen, r = _case(rng, kind)
        w = rng.integers(0, 50, (len(pts), 2)).astype(float)
        ref = _reference(pts, cen, r, w)
        idx = PointIndex(pts)
        assert np.array_equal(idx.sums(cen, r, w), ref)              # many centres
        assert np.array_equal(np.vstack([idx.sums(c, r, w) for c in cen[:5]]), ref[:5])  # one
        wf = rng.uniform(0, 3, (len(pts), 2))                           # no prefix sums
        np.testing.assert_allclose(idx.sums(cen, r, wf), _reference(pts, cen, r, wf),
                                   rtol=1e-12, atol=1e-9)


def test_hand_example():
    # (0,0) sees itself, (3,4) at exactly 5 and not (3,4.000001); (10,0) sees only itself
    pts = np.array([[0.0, 0.0], [3.0, 4.0], [3.0, 4.000001], [10.0, 0.0]])
    w = np.array([1.0, 10.0, 100.0, 1000.0])
    assert PointIndex(pts).sums([[0.0, 0.0], [10.0, 0.0]], 5.0, w)[:, 0].tolist() == [11.0, 1000.0]
    assert PointIndex(np.zeros((0, 2))).sums([[0.0, 0.0]], 5.0, np.zeros(0)).tolist() == [[0.0]]
