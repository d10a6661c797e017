"""geoplan.io.raster against closed forms: a tilted plane has one known slope."""

from __future__ import annotations

import numpy as np
import pytest
import rasterio
from affine import Affine
from shapely.geometry import LineString, Point, box

from geoplan.io.raster import open_raster, sample, slope_degrees, slope_percent, write_geotiff, zonal_stats

X0, Y0, CELL = 500000.0, 6600000.0, 10.0


@pytest.fixture
def plane(tmp_path):
    """z = 0.1·x + 0.05·y over 100 × 100 cells of 10 m: slope = √(0.1² + 0.05²) = 11.18 %."""
    cx = X0 + CELL * (np.arange(100) + 0.5)
    cy = Y0 - CELL * (np.arange(100) + 0.5)
    xx, yy = np.meshgrid(cx - X0, cy - Y0)
    z = 0.1 * xx + 0.05 * yy
    tr = Affine(CELL, 0, X0, 0, -CELL, Y0)
    return write_geotiff(tmp_path / "terreng.tif", z.astype("float64"), tr, 25832), z


def test_slope_of_a_plane():
    z = np.add.outer(np.arange(5) * 2.0, np.arange(6) * 1.0)  # dz/dy = 2/10, dz/dx = 1/10 per 10 m
    s = slope_percent(z, 10.0)
    assert np.allclose(s, 100 * np.hypot(0.1, 0.2))
    assert np.allclose(slope_degrees(z, 10.0), np.degrees(np.arctan(np.hypot(0.1, 0.2))))


def test_zonal_counts_cells_by_centre_and_slope(plane):
    path, _ = plane
    expected = 100 * np.hypot(0.1, 0.05)
    st = zonal_stats([box(X0 + 100, Y0 - 300, X0 + 300, Y0 - 100)], path, crs=25832,
                     derive="slope", threshold=expected - 1)
    assert st["celler"][0] == 20 * 20           # 200 m × 200 m of 10 m cells
    assert st["mean"][0] == pytest.approx(expected)
    assert st["andel_over"][0] == 1.0
    st = zonal_stats([box(X0 + 100, Y0 - 300, X0 + 300, Y0 - 100)], path, crs=25832,
                     derive="slope", threshold=expected + 1)
    assert st["andel_over"][0] == 0.0


def test_values_mean_over_a_square_and_sample_at_a_point(plane):
    path, z = plane
    st = zonal_stats([box(X0, Y0 - 100, X0 + 100, Y0)], path, crs=25832)
    assert st["mean"][0] == pytest.approx(z[:10, :10].mean())
    v = sample([Point(X0 + 55, Y0 - 25)], path, crs=25832)[0]
    assert v == pytest.approx(0.1 * 55 + 0.05 * (-25))
    assert np.isnan(sample([Point(X0 - 50, Y0 + 50)], path, crs=25832)[0])   # outside


def test_tiny_polygon_and_line_still_get_cells(plane):
    path, _ = plane
    st = zonal_stats([box(X0 + 101, Y0 - 104, X0 + 103, Y0 - 102),
                      LineString([(X0 + 5, Y0 - 5), (X0 + 95, Y0 - 5)])], path, crs=25832)
    assert st["celler"][0] == 1 and st["celler"][1] >= 9


def test_geometries_in_another_crs_are_reprojected(plane):
    import geopandas as gpd

    path, z = plane
    pt = gpd.GeoSeries([Point(X0 + 55, Y0 - 25)], crs=25832).to_crs(4326)
    assert sample(pt, path)[0] == pytest.approx(0.1 * 55 + 0.05 * (-25), abs=1e-6)


def test_write_geotiff_is_compressed_and_georeferenced(plane):
    path, z = plane
    with rasterio.open(path) as src:
        assert src.crs.to_epsg() == 25832
        assert src.compression is not None
        assert np.allclose(src.read(1), z)
    assert open_raster(path).cellsize == (CELL, CELL)
