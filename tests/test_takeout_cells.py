"""The take-out cells (:func:`geoplan.analysis.takeout.cells`, :func:`worst_part`) against a
plain geopandas overlay of the same square grid with the reserve, on hand-made shapes."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from geoplan.analysis.takeout import cells, worst_part

CRS = "EPSG:25832"
X0, Y0 = 560_000.0, 6_550_000.0


def _shapes():
    concave = shapely.Polygon([(X0, Y0), (X0 + 130, Y0), (X0 + 130, Y0 + 90), (X0 + 70, Y0 + 35),
                               (X0 + 10, Y0 + 95)])
    holed = shapely.box(X0, Y0, X0 + 103, Y0 + 77).difference(
        shapely.box(X0 + 30, Y0 + 20, X0 + 61, Y0 + 45))
    two = shapely.MultiPolygon([shapely.box(X0 + 5, Y0 + 5, X0 + 47, Y0 + 33),
                                shapely.box(X0 + 200, Y0 + 3, X0 + 260, Y0 + 61)])
    return [concave, holed, two]


def _overlay_pieces(geom, size):
    """The grid cells clipped to ``geom`` by geopandas.overlay, keyed by the cell's corner."""
    x0, y0, x1, y1 = geom.bounds
    xs = np.arange(np.floor(x0 / size) * size, x1, size)
    ys = np.arange(np.floor(y0 / size) * size, y1, size)
    grid = gpd.GeoDataFrame({"cx": np.repeat(xs, len(ys)), "cy": np.tile(ys, len(xs))},
                            geometry=[shapely.box(x, y, x + size, y + size)
                                      for x in xs for y in ys], crs=CRS)
    out = gpd.overlay(grid, gpd.GeoDataFrame(geometry=[geom], crs=CRS), how="intersection",
                      keep_geom_type=True)
    out = out[out.area > 0]
    return {(round(r.cx, 6), round(r.cy, 6)): r.geometry for r in out.itertuples()}


@pytest.mark.parametrize("shape", range(3))
@pytest.mark.parametrize("size", [20.0, 7.5])
def test_cells_are_the_overlay_of_grid_and_reserve(shape, size):
    geom = _shapes()[shape]
    got = cells(geom, size)
    want = _overlay_pieces(geom, size)
    assert len(got) == len(want)
    keyed = {}
    for g in got:
        c = shapely.centroid(g)
        keyed[(round(np.floor(c.x / size) * size, 6), round(np.floor(c.y / size) * size, 6))] = g
    assert set(keyed) == set(want)
    for k, g in keyed.items():
        assert shapely.area(g) == pytest.approx(want[k].area, rel=1e-12, abs=1e-9)
        assert shapely.area(shapely.symmetric_difference(g, want[k])) < 1e-6
    assert sum(shapely.area(got)) == pytest.approx(geom.area, rel=1e-12)


def test_worst_part_takes_the_farthest_overlay_cells_that_fit():
    geom = _shapes()[1]
    size, room = 20.0, 2.5   # daa
    # west of the reserve, off its axis (no two cells equally far): the east goes first
    centre = shapely.Point(X0 - 500, Y0 + 41.37)
    part, daa = worst_part(geom, room, centre=centre, terrain=None, max_slope_pct=20.0,
                           size_m=size)
    pieces = gpd.GeoDataFrame(geometry=list(_overlay_pieces(geom, size).values()), crs=CRS)
    pieces["d"] = pieces.distance(centre)
    pieces = pieces.sort_values("d", ascending=False, kind="stable")
    take = pieces[(pieces.area / 1000).cumsum() <= room + 1e-9]
    assert daa == pytest.approx(take.area.sum() / 1000, rel=1e-12)
    assert 0 < daa <= room
    assert shapely.area(shapely.symmetric_difference(part, take.union_all())) < 1e-6


@pytest.mark.parametrize("size", [7.0, 20.0])
def test_the_worst_part_is_the_plain_union_of_its_cells(size):
    """The part is joined by GEOS's coverage union (the cells meet along grid lines); it
    must be the general union of the same cells, on shapes whose cells are cut by curved,
    slanted and inner boundaries."""
    from geoplan.analysis.takeout import ranked_cells

    circle = shapely.Point(X0 + 60, Y0 + 60).buffer(57.3, quad_segs=32)
    for geom in [*_shapes(), circle, circle.difference(shapely.Point(X0 + 70, Y0 + 50).buffer(13))]:
        centre = shapely.Point(X0 - 40, Y0 - 25)
        pieces, area = ranked_cells(geom, centre=centre, terrain=None, max_slope_pct=20.0,
                                    size_m=size)
        for n in sorted({1, 2, len(pieces) // 3, len(pieces) // 2, len(pieces) - 1, len(pieces)}):
            if n < 1:
                continue
            room = float(area[:n].sum())
            part, daa = worst_part(geom, room, centre=centre, terrain=None, max_slope_pct=20.0,
                                   size_m=size)
            plain = shapely.union_all(pieces[:n])
            assert daa == pytest.approx(room)
            assert shapely.is_valid(part)
            assert shapely.area(shapely.symmetric_difference(part, plain)) < 1e-6
