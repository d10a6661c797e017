"""Synthetic rasters of the demo municipalities and their GeoTIFF writer.

Terrain (elevation, m, float32) with the sea at 0 and smooth hills inland,
road and quarry noise (Lden, dB, uint8), both on the north-up grid of
:func:`geoplan.demo.geometry.grid`, and a deterministic single-band GeoTIFF
writer (EPSG:25832, deflate, tiled, atomic).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from geoplan.demo.geometry import CRS, grid
from geoplan.io.writers import atomic_path


def _dist_to(geoms, tr, w, h, cell) -> np.ndarray:
    """Distance (m) from each cell centre to the nearest of ``geoms`` (rasterised)."""
    from rasterio.features import rasterize
    from scipy.ndimage import distance_transform_edt

    geoms = [g for g in geoms if g is not None and not g.is_empty]
    if not geoms:
        return np.full((h, w), 1e9, dtype=np.float32)
    m = rasterize([(g, 1) for g in geoms], out_shape=(h, w), transform=tr, fill=0,
                  all_touched=True, dtype="uint8")
    return (distance_transform_edt(m == 0) * cell).astype(np.float32)


def terrain_raster(outline, sea, bounds, cell: float, rng: np.random.Generator, *,
                   hills: int = 60, relief: float = 120.0, trend: tuple[float, float] = (0.0, 0.006),
                   valleys: Iterable = (), steep: Iterable[tuple[float, float, float, float]] = ()):
    """Synthetic elevation (m, float32): 0 at sea, rising inland, smooth hills.

    Parameters
    ----------
    sea : polygon(s) of sea (elevation 0)
    trend : metres of rise per metre in x and y (e.g. higher to the north)
    valleys : lines (rivers) along which the terrain is lowered
    steep : ``(x, y, amplitude_m, sigma_m)`` sharp hills that give steep slopes

    Returns
    -------
    (array (h, w) float32, rasterio transform)
    """
    from rasterio.features import geometry_mask

    tr, w, h, xc, yc = grid(bounds, cell)
    X, Y = np.meshgrid(xc, yc)
    seamask = ~geometry_mask([sea], out_shape=(h, w), transform=tr) if sea is not None and not sea.is_empty \
        else np.zeros((h, w), bool)
    from scipy.ndimage import distance_transform_edt
    dsea = distance_transform_edt(~seamask) * cell if seamask.any() else np.full((h, w), 1e5)
    z = np.zeros((h, w))
    z += trend[0] * (X - X.min()) + trend[1] * (Y - Y.min())
    cx = rng.uniform(X.min(), X.max(), hills)
    cy = rng.uniform(Y.min(), Y.max(), hills)
    sg = rng.uniform(700, 3000, hills)
    amp = rng.uniform(0.2, 1.0, hills) * relief
    for k in range(hills):  # a fixed, small number of smooth bumps over the grid
        z += amp[k] * np.exp(-0.5 * ((X - cx[k]) ** 2 + (Y - cy[k]) ** 2) / sg[k] ** 2)
    for (x0, y0, a, s) in steep:
        z += a * np.exp(-0.5 * ((X - x0) ** 2 + (Y - y0) ** 2) / s ** 2)
    vl = [v for v in valleys]
    if vl:
        dv = _dist_to(vl, tr, w, h, cell)
        z *= 1.0 - 0.75 * np.exp(-0.5 * (dv / 700.0) ** 2)
    coast = 1.0 - np.exp(-dsea / 900.0)
    z = np.maximum(z * coast + 2.0 * coast, 0.0)
    z[seamask] = 0.0
    return z.astype(np.float32), tr


def noise_raster(bounds, cell: float, sources: Sequence[tuple[object, float]], *,
                 background: float = 35.0, mask=None, nodata: int = 255):
    """Synthetic Lden (dB, uint8) from line/area sources.

    Each source is ``(geometry, level_dB_at_10m)``; the level falls
    ``12 * log10(1 + d/10)`` dB with distance d (m) and sources add
    energetically over a background. Cells outside ``mask`` are ``nodata``.
    """
    from rasterio.features import geometry_mask

    tr, w, h, _, _ = grid(bounds, cell)
    energy = np.full((h, w), 10 ** (background / 10), dtype=np.float64)
    for geom, l10 in sources:
        d = _dist_to([geom], tr, w, h, cell)
        energy += 10 ** ((l10 - 12.0 * np.log10(1.0 + d / 10.0)) / 10.0)
    lden = np.clip(np.round(10 * np.log10(energy)), 0, 254).astype(np.uint8)
    if mask is not None:
        outside = geometry_mask([mask], out_shape=(h, w), transform=tr)
        lden[outside] = nodata
    return lden, tr



def write_geotiff(arr: np.ndarray, transform, path: str | os.PathLike, *, nodata=None,
                  description: str = "", units: str = "") -> Path:
    """A single-band, deflate-compressed, tiled GeoTIFF in EPSG:25832, written atomically."""
    import rasterio

    pred = 3 if arr.dtype.kind == "f" else 2
    profile = dict(driver="GTiff", width=arr.shape[1], height=arr.shape[0], count=1,
                   dtype=arr.dtype.name, crs=CRS, transform=transform, nodata=nodata,
                   compress="deflate", predictor=pred, zlevel=9, tiled=True,
                   blockxsize=256, blockysize=256)
    with atomic_path(path) as tmp:
        with rasterio.open(tmp, "w", **profile) as dst:
            dst.write(arr, 1)
            if description:
                dst.set_band_description(1, description)
            if units:
                dst.set_band_unit(1, units)
    return Path(path)

