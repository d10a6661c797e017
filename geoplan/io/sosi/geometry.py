"""Geometry from SOSI objects: arcs (``.BUEP``), rings from ``..REF``, and shapely arrays.

A ``.FLATE`` is bounded by the curves its ``..REF`` lists (``:12`` forwards,
``:-12`` backwards), islands in parentheses; the curves may be anywhere in the
file. Rings are chained in the order given; a curve written the wrong way round
is turned, and only when the order itself is broken does :func:`rings_from_refs`
fall back to polygonising the curves.
"""

from __future__ import annotations

import math

import numpy as np
import shapely

#: coordinate tolerance for «the same point» when chaining curves (metres)
TOL = 1e-6


def arc_points(p: np.ndarray, max_step_deg: float = 2.0) -> np.ndarray:
    """The points of a circular arc through three points ``p`` (x, y), densified.

    Collinear or repeated points give the straight polyline back.
    """
    if len(p) != 3:
        return p
    (x1, y1), (x2, y2), (x3, y3) = p
    d = 2 * (x1 * (y2 - y3) + x2 * (y3 - y1) + x3 * (y1 - y2))
    if abs(d) < 1e-12:
        return p
    s1, s2, s3 = x1 * x1 + y1 * y1, x2 * x2 + y2 * y2, x3 * x3 + y3 * y3
    cx = (s1 * (y2 - y3) + s2 * (y3 - y1) + s3 * (y1 - y2)) / d
    cy = (s1 * (x3 - x2) + s2 * (x1 - x3) + s3 * (x2 - x1)) / d
    r = math.hypot(x1 - cx, y1 - cy)
    a1, a2, a3 = (math.atan2(y - cy, x - cx) for x, y in p)
    ccw = d > 0   # the turn 1 -> 2 -> 3 is counter-clockwise

    def sweep(a, b):
        s = (b - a) % (2 * math.pi)
        return s if ccw else s - 2 * math.pi

    total = sweep(a1, a3)
    n = max(2, int(math.ceil(abs(math.degrees(total)) / max_step_deg)))
    ang = a1 + np.linspace(0.0, total, n + 1)
    out = np.column_stack([cx + r * np.cos(ang), cy + r * np.sin(ang)])
    out[0], out[-1] = p[0], p[2]
    del a2
    return out


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return abs(a[0] - b[0]) <= TOL and abs(a[1] - b[1]) <= TOL


def _chain(parts: list[np.ndarray]) -> list[np.ndarray] | None:
    """Chain curves into closed rings in the order given; None when they do not join."""
    rings: list[np.ndarray] = []
    cur: list[np.ndarray] = []
    for c in parts:
        if not cur:
            cur = [c]
        else:
            end = cur[-1][-1]
            if _same(c[0], end):
                cur.append(c[1:])
            elif _same(c[-1], end):
                cur.append(c[::-1][1:])
            elif len(cur) == 1 and (_same(c[0], cur[0][0]) or _same(c[-1], cur[0][0])):
                cur[0] = cur[0][::-1]   # the first curve was the one turned
                cur.append(c[1:] if _same(c[0], cur[0][-1]) else c[::-1][1:])
            else:
                return None
        first, last = cur[0][0], cur[-1][-1]
        if _same(first, last) and sum(len(x) for x in cur) >= 4:
            rings.append(np.concatenate(cur))
            cur = []
    if cur:
        return None
    return rings


def rings_from_refs(group: list[int], curves: dict[int, np.ndarray],
                    shells: dict[int, np.ndarray]) -> tuple[list[np.ndarray], int | None]:
    """Closed rings of one ``..REF`` group; ``(rings, missing id or None)``.

    ``shells``: the outer rings of other ``.FLATE`` objects, for islands given as a
    reference to a surface. An empty list with no missing id means the curves do
    not close.
    """
    parts = []
    for r in group:
        c = curves.get(abs(r))
        if c is None:
            shell = shells.get(abs(r))
            if shell is None:
                return [], abs(r)
            parts.append(shell)
            continue
        parts.append(c[::-1] if r < 0 else c)
    parts = [c for c in parts if len(c) >= 2]   # a one-point curve bounds nothing (fuzzer)
    if not parts:
        return [], None
    rings = _chain(parts)
    if rings is not None:
        return rings, None
    lines = build_lines(parts)   # one call for curves of different lengths (fuzzer)
    polys = shapely.get_parts(shapely.polygonize(lines))
    return [np.asarray(shapely.get_coordinates(p.exterior)) for p in polys], None


def ring_area(r: np.ndarray) -> float:
    x, y = r[:, 0], r[:, 1]
    return 0.5 * abs(float(np.dot(x[:-1], y[1:]) - np.dot(x[1:], y[:-1])))


def build_lines(coords: list[np.ndarray]) -> np.ndarray:
    """Linestrings from coordinate arrays, in one shapely call."""
    if not coords:
        return np.empty(0, dtype=object)
    lens = np.fromiter((len(c) for c in coords), dtype=np.int64, count=len(coords))
    return shapely.linestrings(np.concatenate(coords), indices=np.repeat(np.arange(len(coords)), lens))


def build_polygons(polys: list[list[np.ndarray]]) -> np.ndarray:
    """Polygons from ``[shell, hole, hole ...]`` ring lists, in two shapely calls."""
    if not polys:
        return np.empty(0, dtype=object)
    rings = [r for p in polys for r in p]
    ring_lens = np.fromiter((len(r) for r in rings), dtype=np.int64, count=len(rings))
    lr = shapely.linearrings(np.concatenate(rings),
                             indices=np.repeat(np.arange(len(rings)), ring_lens))
    owner = np.repeat(np.arange(len(polys)), [len(p) for p in polys])
    return shapely.polygons(lr, indices=owner)
