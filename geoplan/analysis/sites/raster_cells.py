"""The raster cells of many polygon sites at once (issue 20).

:func:`polygon_cells` gives, for every polygon, exactly the cells
:meth:`geoplan.io.raster.Raster.cells_in` gives for it alone, in the same
(row-major) order: the cells whose centre lies inside, else the cells the polygon
touches. It does what :func:`geoplan.io.raster._polygon_mask` does for one polygon
on all of them together: the windows' cell centres of all sites in one array, one
vectorised ``contains_xy`` (and the nudged centres that find GDAL's ties), one
``intersects`` on the cell boxes of the sites that hold no centre. A site whose
boundary runs through a centre (or just touches a cell box) is left to
``cells_in`` itself, which rasterises it as GDAL does.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely


def _windows(bounds: np.ndarray, tr: Any, h: int, w: int) -> tuple[np.ndarray, ...]:
    """``(r0, r1, c0, c1)`` per site: :meth:`Raster._cells_fast`'s window one cell
    wider than the bounds, clipped to the raster."""
    minx, miny, maxx, maxy = bounds.T
    ca, cb = (minx - tr.c) / tr.a, (maxx - tr.c) / tr.a
    ra, rb = (miny - tr.f) / tr.e, (maxy - tr.f) / tr.e
    c0 = np.maximum(np.floor(np.minimum(ca, cb)).astype(np.int64) - 1, 0)
    c1 = np.minimum(np.ceil(np.maximum(ca, cb)).astype(np.int64) + 1, w)
    r0 = np.maximum(np.floor(np.minimum(ra, rb)).astype(np.int64) - 1, 0)
    r1 = np.minimum(np.ceil(np.maximum(ra, rb)).astype(np.int64) + 1, h)
    return r0, r1, c0, c1


def _cells_of(r0: np.ndarray, r1: np.ndarray, c0: np.ndarray,
              c1: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every window cell of every site, row-major within a site:
    (site position, row, column)."""
    nr, nc = np.maximum(r1 - r0, 0), np.maximum(c1 - c0, 0)
    size = nr * nc
    site = np.repeat(np.arange(len(size)), size)
    start = np.repeat(np.cumsum(size) - size, size)
    k = np.arange(int(size.sum())) - start             # position in the site's window
    ncs = nc[site]
    return site, r0[site] + k // ncs, c0[site] + k % ncs


def _group_all(flag: np.ndarray, site: np.ndarray, n: int) -> np.ndarray:
    """Per site: whether ``flag`` holds on all its cells."""
    bad = np.bincount(site, weights=~flag, minlength=n)
    return bad == 0


def polygon_cells(raster: Any, geoms: np.ndarray) -> list[np.ndarray]:
    """The cell values of each polygon in ``geoms`` (raster CRS), as
    :meth:`Raster.cells_in` gives them (NaN cells included)."""
    n = len(geoms)
    tr = raster.transform
    out: list[Any] = [None] * n
    poly = np.isin(shapely.get_type_id(geoms), (3, 6))   # Polygon, MultiPolygon
    bounds = shapely.bounds(geoms)
    if tr.b != 0 or tr.d != 0:
        poly[:] = False
    poly &= np.isfinite(bounds).all(axis=1)
    idx = np.flatnonzero(poly)
    if len(idx):
        _fast(raster, geoms, bounds, idx, out)
    for i in range(n):
        if out[i] is None:       # ties on a boundary, a rotated grid, not a polygon
            out[i] = raster.cells_in(geoms[i])
    return out


def _fast(raster: Any, geoms: np.ndarray, bounds: np.ndarray, idx: np.ndarray,
          out: list) -> None:
    """Fill ``out[idx]`` where the shapely predicates decide the mask (see the module)."""
    tr = raster.transform
    h, w = raster.data.shape
    r0, r1, c0, c1 = _windows(bounds[idx], tr, h, w)
    empty = (c0 >= c1) | (r0 >= r1)
    for k in np.flatnonzero(empty).tolist():
        out[int(idx[k])] = np.array([])
    site, rows, cols = _cells_of(r0, r1, c0, c1)
    m = len(idx)
    if not len(site):
        return
    g = geoms[idx]
    shapely.prepare(g)
    gs = g[site]
    cw, ch = tr.a, tr.e
    xx = tr.c + cw * (cols + 0.5)
    yy = tr.f + ch * (rows + 0.5)
    ex, ey = abs(cw) * 1e-6, abs(ch) * 1e-6
    inside = shapely.contains_xy(gs, xx, yy)
    same = np.ones(len(site), dtype=bool)
    for dx, dy in ((ex, 0.0), (-ex, 0.0), (0.0, ey), (0.0, -ey)):
        same &= shapely.contains_xy(gs, xx + dx, yy + dy) == inside
    ok = _group_all(same, site, m)
    ok &= _group_all(shapely.intersects_xy(gs, xx, yy) == inside, site, m)
    n_in = np.bincount(site, weights=inside, minlength=m)
    mask = inside.copy()
    touch_sites = ok & (n_in == 0) & ~empty
    if touch_sites.any():
        sel = touch_sites[site]
        hx, hy = abs(cw) / 2, abs(ch) / 2
        gx, x, y = gs[sel], xx[sel], yy[sel]
        touch = [shapely.intersects(gx, shapely.box(x - hx - e, y - hy - f, x + hx + e,
                                                    y + hy + f))
                 for e, f in ((0.0, 0.0), (ex, ey), (-ex, -ey))]
        agree = (touch[0] == touch[1]) & (touch[0] == touch[2])
        ok[touch_sites] &= _group_all(agree, site[sel], m)[touch_sites]
        mask[sel] = touch[0]
    data = raster.data
    vals = data[rows, cols]
    order_ok = ok & ~empty
    sizes = np.bincount(site, minlength=m)
    ends = np.cumsum(sizes)
    starts = ends - sizes
    for k in np.flatnonzero(order_ok).tolist():
        b, e = int(starts[k]), int(ends[k])
        out[int(idx[k])] = vals[b:e][mask[b:e]]
