"""Kernel-density surface of municipal units (array + affine transform)."""

from __future__ import annotations

import math
from typing import Any, NamedTuple, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd

from geoplan.analysis.concentration._arrays import _points_xy
from geoplan.analysis.concentration.prepare import _check_layer
from geoplan.errors import DataProblem
from geoplan.privacy import suppress_density_cells

__all__ = ["DensitySurface", "density_surface"]


class DensitySurface(NamedTuple):
    """A kernel density of municipal units.

    ``array`` (float32, rows north to south) in units per km², ``transform``
    (affine, cell size in m), ``crs`` of the data, ``cell_size_m``, ``bandwidth_m``.
    """

    array: np.ndarray
    transform: Any
    crs: Any
    cell_size_m: float
    bandwidth_m: float


def density_surface(dwellings: gpd.GeoDataFrame, *, cell_size_m: float | None = None,
                    bandwidth_m: float | None = None, bounds: Sequence[float] | None = None,
                    weight_column: str = "antall_enheter",
                    min_count: int | None = None) -> DensitySurface:
    """Kernel density (quartic kernel of radius ``bandwidth_m``) of municipal units.

    Units are binned to cells of ``cell_size_m`` and convolved (FFT) with the
    quartic kernel K(d) = 3/(π h²)·(1 − d²/h²)², normalised on the grid so that
    Σ cells × cell area = the number of units (mass is kept exactly).

    Parameters
    ----------
    dwellings : GeoDataFrame
        ``kommunal_bolig`` points in a projected CRS.
    cell_size_m, bandwidth_m : float, optional
        Cell size and kernel radius (m); by default ``concentration.tetthet_cellestorrelse_m``
        and ``concentration.tetthet_baandbredde_m`` of the shipped config.
    bounds : (minx, miny, maxx, maxy), optional
        Extent to cover (e.g. the municipality); default the points' extent.
        Padded by the bandwidth either way.
    weight_column : str
        Column with the weight per point (units).
    min_count : int, optional
        For public outputs: cells with fewer than ``min_count`` units within the
        bandwidth are set to 0 (:func:`geoplan.privacy.suppress_density_cells`).

    Returns
    -------
    DensitySurface
        ``array`` in units per km² and its affine ``transform``.
    """
    from affine import Affine
    from scipy.signal import fftconvolve

    _check_layer(dwellings, "kommunal_bolig", [weight_column])
    if cell_size_m is None or bandwidth_m is None:
        from geoplan.config.concentration import ConcentrationSettings

        st = ConcentrationSettings.from_config()
        cell_size_m = st.cell_size_m if cell_size_m is None else cell_size_m
        bandwidth_m = st.bandwidth_m if bandwidth_m is None else bandwidth_m
    if cell_size_m <= 0 or bandwidth_m <= 0:
        raise DataProblem("Cellestørrelse og båndbredde for tetthetsflaten må være større enn 0 m.")
    xy = _points_xy(dwellings.geometry.values)
    wts = pd.to_numeric(dwellings[weight_column], errors="coerce").to_numpy(float)
    ok = np.isfinite(wts) & np.isfinite(xy).all(axis=1)
    xy, wts = xy[ok], wts[ok]
    if bounds is None:
        if len(xy) == 0:
            raise DataProblem("Ingen kommunale boliger å lage tetthetsflate av.")
        bounds = (*xy.min(axis=0), *xy.max(axis=0))
    c = float(cell_size_m)
    h = float(bandwidth_m)
    minx = math.floor((bounds[0] - h) / c) * c
    miny = math.floor((bounds[1] - h) / c) * c
    maxx = math.ceil((bounds[2] + h) / c) * c
    maxy = math.ceil((bounds[3] + h) / c) * c
    ncol = max(1, int(round((maxx - minx) / c)))
    nrow = max(1, int(round((maxy - miny) / c)))
    if nrow * ncol > 50_000_000:
        raise DataProblem(
            f"Tetthetsflaten ville fått {nrow}×{ncol} celler; øk cellestørrelsen "
            "(concentration.tetthet_cellestorrelse_m).")
    col = np.clip(((xy[:, 0] - minx) // c).astype(np.int64), 0, ncol - 1)
    row = np.clip(((maxy - xy[:, 1]) // c).astype(np.int64), 0, nrow - 1)
    grid = np.zeros((nrow, ncol))
    np.add.at(grid, (row, col), wts)
    r = int(math.ceil(h / c))
    off = np.arange(-r, r + 1) * c
    dx, dy = np.meshgrid(off, off)
    d2 = (dx ** 2 + dy ** 2) / h ** 2
    kern = np.where(d2 < 1.0, (1.0 - d2) ** 2, 0.0)
    kern /= kern.sum() * (c * c) / 1e6  # per km², discrete mass 1
    dens = fftconvolve(grid, kern, mode="same") if grid.any() else grid
    dens[dens < 1e-9 * max(1.0, float(dens.max()))] = 0.0
    if min_count is not None and grid.any():
        near = fftconvolve(grid, (d2 <= 1.0).astype(float), mode="same")
        dens = suppress_density_cells(dens, near, min_count)
    return DensitySurface(dens.astype(np.float32), Affine(c, 0.0, minx, 0.0, -c, maxy),
                          dwellings.crs, c, h)


