"""The union of many line buffers (a walking corridor), fast and with the same result.

``shapely.union_all(shapely.buffer(lines, half))`` over thousands of short,
densely overlapping lines (a city's reachable paths with a 50 m corridor on
each side) spends almost all its time overlaying buffers that lie deep inside
the result. :func:`buffer_union` gives the same polygon (the same point set;
its boundary is made of the same buffer edges) but replaces those inner buffers
by one *core* polygon drawn from a raster:

1. Points are sampled along the lines at most ``cell / 2`` apart and burnt into a
   grid of ``cell`` metres; every cell within a distance of a sampled cell is
   found by a disc dilation (a row-by-row running sum: the same cells as a
   Euclidean distance transform thresholded at that distance, several times faster).
2. Cells whose every point is provably within the buffer (distance <= the
   radius of the circle inscribed in the polygonal round caps, minus the
   rasterisation error and a margin) form the core; it is polygonised and
   simplified by ``simplify_m`` (the margin covers the simplification).
3. A line whose buffer lies wholly inside the core (every sample at least
   ``half + 2·cell·√2 + simplify_m`` from a non-core cell) is left out; the core
   and the remaining buffers are unioned.

The core lies strictly inside the union of the buffers (by the margin), and
every buffer left out lies inside the core, so the union is unchanged: only
floating-point noise of the overlay differs (tests compare with the plain union,
symmetric difference < 1e-3 m²). Small inputs go straight to the plain union.

:func:`segment_union` does the same for two-point segments given as coordinate
arrays (the reachable pieces of a walking network): it decides per segment which
buffers the core holds, first by the raster, then exactly for the segments the
raster keeps (inside a core polygon and no nearer than ``half`` to its boundary: a
third fewer buffers on a city network), and unions the core with the buffers of the
remaining segments, one buffer per segment (not merged into polylines: see there).
"""

from __future__ import annotations

import numpy as np
import shapely

#: below this many lines the plain union is as fast
MIN_LINES = 400


def _seg_samples(a: np.ndarray, b: np.ndarray, owner: np.ndarray,
                 step: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Points along the segments ``a -> b`` at most ``step`` apart (both ends included),
    as ``x`` and ``y`` arrays, and the ``owner`` of the segment each belongs to.

    Worked on 1-D coordinate arrays: numpy is several times slower on the columns of an
    (n, 2) array (12 ms against 1.6 ms for 40,000 points)."""
    ax, ay = a[:, 0], a[:, 1]
    dx, dy = b[:, 0] - ax, b[:, 1] - ay
    n = np.ceil(np.hypot(dx, dy) / step).astype(np.int64) + 1   # >= 2 per segment
    start = np.cumsum(n) - n
    f = (np.arange(int(n.sum()), dtype=np.float64) - np.repeat(start, n)) \
        / np.repeat(np.maximum(n - 1, 1).astype(np.float64), n)
    return (np.repeat(ax, n) + np.repeat(dx, n) * f, np.repeat(ay, n) + np.repeat(dy, n) * f,
            np.repeat(owner, n))


def _samples(lines: np.ndarray, step: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Points along ``lines`` at most ``step`` apart (every vertex included), as ``x``
    and ``y``, and the line each belongs to."""
    coords, part = shapely.get_coordinates(lines, return_index=True)
    same = part[1:] == part[:-1]
    return _seg_samples(coords[:-1][same], coords[1:][same], part[:-1][same], step)


def _dilate(mask: np.ndarray, r: float, *, strict: bool = False) -> np.ndarray:
    """Cells with a ``mask`` cell within ``r`` cells (centre to centre; ``< r`` if
    ``strict``): ``distance_transform_edt(~mask) <= r`` without the transform. The disc
    is taken row by row: per row offset a horizontal run, counted by a running sum."""
    k = int(np.floor(r))
    ny, nx = mask.shape
    out = np.zeros_like(mask)
    if k < 0:
        return out
    c = np.zeros((ny, nx + 2 * k + 1), dtype=np.int32)   # c[:, j]: mask cells left of j - k
    np.cumsum(mask, axis=1, out=c[:, k + 1:k + 1 + nx])
    c[:, k + 1 + nx:] = c[:, k + nx:k + 1 + nx]
    runs: dict[int, np.ndarray] = {}
    for dy in range(-k, k + 1):
        w2 = r * r - dy * dy
        if w2 < 0 or (strict and w2 == 0):
            continue
        w = int(np.floor(np.sqrt(w2)))
        if strict and w * w == w2:
            w -= 1
        if w not in runs:     # a mask cell within w columns
            runs[w] = (c[:, k + 1 + w:k + 1 + w + nx] - c[:, k - w:k - w + nx]) > 0
        h = runs[w]
        if dy >= 0:
            out[:ny - dy] |= h[dy:]
        else:
            out[-dy:] |= h[:ny + dy]
    return out


def _core(inner: np.ndarray, x0: float, y0: float, cell: float, simplify_m: float) -> np.ndarray:
    """Polygons of the ``inner`` cells (row 0 at ``y0``), simplified by ``simplify_m``."""
    from affine import Affine
    from rasterio import features
    _quiet_mask_warning()
    tr = Affine(cell, 0.0, x0, 0.0, cell, y0)
    shapes = features.shapes(inner.astype(np.uint8), mask=inner, transform=tr)
    rings = [(k, np.asarray(r, dtype=float)) for k, (g, _v) in enumerate(shapes)
             for r in g["coordinates"]]
    if not rings:
        return np.empty(0, dtype=object)
    coords = np.concatenate([r for _k, r in rings])
    ring_of = np.repeat(np.arange(len(rings)), [r.shape[0] for _k, r in rings])
    polys = shapely.polygons(shapely.linearrings(coords, indices=ring_of),
                             indices=np.array([k for k, _r in rings]))
    return shapely.simplify(polys, simplify_m, preserve_topology=True)


def _quiet_mask_warning() -> None:
    """Silence rasterio's ``NotGeoreferencedWarning`` about the in-memory mask of
    ``features.shapes``. When two school sets polygonise at once on threads, rasterio
    now and then (about one call in 200) reads no transform back from the mask's
    in-memory dataset and warns that it uses the identity matrix; the shapes are the
    same (compared under the race), since they use the ``transform`` given. Users
    saw that English warning under the walking analysis. A filter (not
    ``catch_warnings``, which is not thread-safe) for this one message; adding it
    again replaces it."""
    import warnings

    from rasterio.errors import NotGeoreferencedWarning
    warnings.filterwarnings("ignore", message="Dataset has no geotransform",
                            category=NotGeoreferencedWarning)


def _core_and_drop(x: np.ndarray, y: np.ndarray, owner: np.ndarray, n: int, half: float,
                   quad_segs: int, cell: float, simplify_m: float):
    """The core polygons of the samples ``(x, y)`` and, per owner ``0..n-1``, whether its
    buffer lies inside them; None where no buffer can be left out."""
    from scipy import ndimage
    pad = half + 3.0 * cell                     # the grid border is never core
    x0, y0 = float(x.min()) - pad, float(y.min()) - pad
    nx = int(np.ceil((float(x.max()) + pad - x0) / cell))
    ny = int(np.ceil((float(y.max()) + pad - y0) / cell))
    ix = ((x - x0) // cell).astype(np.int64)
    iy = ((y - y0) // cell).astype(np.int64)
    sampled = np.zeros((ny, nx), dtype=bool)
    sampled[iy, ix] = True
    # a point of a core cell is within (cell-centre distance) + cell·√2 of a line; the
    # polygonal round ends hold the circle of radius half·cos(π / (4·quad_segs))
    inner_r = half * np.cos(np.pi / (4 * quad_segs)) - cell * np.sqrt(2) - 0.5 - simplify_m
    if inner_r < 0:
        return None
    inner = _dilate(sampled, inner_r / cell)
    need = half + 2.0 * cell * np.sqrt(2) + simplify_m
    near_edge = _dilate(~inner, need / cell, strict=True)     # a non-core cell nearer than need
    bad = near_edge[iy, ix]
    drop = np.bincount(owner[bad], minlength=n) == 0
    if not drop.any():
        return None
    # only core pieces that hold a left-out buffer are needed: they hold a disc of
    # radius need - cell√2 (4-connected pieces, as rasterio draws them)
    label, _n = ndimage.label(inner)
    big = np.bincount(label.ravel()) * cell * cell >= np.pi * (need - cell * np.sqrt(2)) ** 2
    big[0] = False
    return _core(big[label], float(x0), float(y0), cell, simplify_m), drop


def buffer_union(lines, half: float, *, quad_segs: int = 4, cell: float = 10.0,
                 simplify_m: float = 2.0):
    """``union_all(buffer(lines, half, quad_segs=quad_segs))``, same polygon, faster.

    Parameters
    ----------
    lines : array of LineString
    half : float
        Buffer distance (m).
    quad_segs : int
        Segments per quarter circle of the round ends and joins.
    cell : float
        Raster cell (m) of the core; it decides only the speed, not the result.
    simplify_m : float
        Simplification (m) of the core outline (only the speed).

    Returns
    -------
    shapely Polygon or MultiPolygon (empty for no lines or ``half <= 0``)
    """
    lines = np.asarray(lines, dtype=object)
    if lines.size == 0 or half <= 0:
        return shapely.Polygon()
    if lines.size >= MIN_LINES:
        x, y, owner = _samples(lines, cell / 2.0)
        cd = _core_and_drop(x, y, owner, lines.size, half, quad_segs, cell, simplify_m)
        if cd is not None:
            core, drop = cd
            keep = shapely.buffer(lines[~drop], half, quad_segs=quad_segs)
            return shapely.union_all(np.concatenate([core, keep]))
    return shapely.union_all(shapely.buffer(lines, half, quad_segs=quad_segs))


def _inside_core(core: np.ndarray, start: np.ndarray, lines: np.ndarray, half: float) -> np.ndarray:
    """Per line (starting at ``start[i]``), whether its buffer of ``half`` lies inside one
    of the ``core`` polygons, tested exactly: its start is inside the polygon and the line
    comes no nearer than ``half`` to the polygon's boundary, so the whole round buffer
    (which holds the polygonal one) is inside. Per polygon: the simplified pieces of the
    core may overlap each other."""
    inside = np.zeros(start.shape[0], dtype=bool)
    for poly in core:
        if shapely.is_empty(poly):
            continue
        shapely.prepare(poly)
        cand = np.flatnonzero(~inside & shapely.contains_xy(poly, start[:, 0], start[:, 1]))
        if cand.size == 0:
            continue
        ring = shapely.boundary(poly)
        shapely.prepare(ring)
        # a margin of 1 µm: a line exactly half from the boundary stays in the union
        inside[cand[~shapely.dwithin(ring, lines[cand], half + 1e-6)]] = True
    return inside


def segment_union(a: np.ndarray, b: np.ndarray, half: float, *, quad_segs: int = 4,
                  cell: float = 10.0, simplify_m: float = 2.0):
    """The union of the buffers of the segments ``a[i] -> b[i]`` (coordinate arrays of
    shape (n, 2)): ``union_all(buffer(segments, half, quad_segs=quad_segs))``, the same
    polygon. Segments whose buffer the core holds are left out: by the raster, then
    exactly (:func:`_inside_core`); the others are buffered one by one.

    The segments are not merged into polylines: GEOS buffers a polyline with its joins
    and a simplification of the line (1 % of the distance), so the buffer of a merged
    polyline is not the union of its segments' buffers (on a city network 0.5-1 daa
    less per school set), and the union of the two-point buffers is faster."""
    a = np.asarray(a, dtype=float).reshape(-1, 2)
    b = np.asarray(b, dtype=float).reshape(-1, 2)
    if a.shape[0] == 0 or half <= 0:
        return shapely.Polygon()
    if a.shape[0] >= MIN_LINES:
        x, y, owner = _seg_samples(a, b, np.arange(a.shape[0]), cell / 2.0)
        cd = _core_and_drop(x, y, owner, a.shape[0], half, quad_segs, cell, simplify_m)
        if cd is not None:
            core, drop = cd
            rest = np.flatnonzero(~drop)
            segs = shapely.linestrings(np.stack([a[rest], b[rest]], axis=1))
            segs = segs[~_inside_core(core, a[rest], segs, half)]
            return shapely.union_all(np.concatenate([core, shapely.buffer(segs, half,
                                                                          quad_segs=quad_segs)]))
    segs = shapely.linestrings(np.stack([a, b], axis=1))
    return shapely.union_all(shapely.buffer(segs, half, quad_segs=quad_segs))
