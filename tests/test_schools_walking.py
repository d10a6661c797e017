"""School walking coverage on Oslo-like density (the fast corridor and the threads) against
an independent computation: networkx distances and the plain shapely union of the
reachable pieces' buffers."""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
import shapely
from shapely.geometry import Point, box
from street_grids import grid_segments

from geoplan.analysis import corridor
from geoplan.analysis.network import add_points, build_network, snap_points
from geoplan.analysis.schools.circles import circle_polygon_radius
from geoplan.analysis.schools.walking import walking_coverage

CRS = 25832
R, WIDTH, Q = 600.0, 100.0, 4


def _grid(n: int, step: float, rng) -> np.ndarray:
    """An n x n grid of ``step`` m blocks with 12 % of the streets missing."""
    return grid_segments(n, step, 500_000.0, 6_600_000.0, keep=lambda k: rng.random(k) >= 0.12)


def _reference(net, schools_xy, sets, geoms):
    """Per geometry: networkx walking distance from its point on surface to its nearest
    school, and the area (m²) of geometry ∩ circles ∩ plain union of buffers of the
    pieces within R on foot (pieces from the networkx node distances, by hand)."""
    pts = [Point(p) for p in schools_xy] + list(shapely.point_on_surface(geoms))
    both, ids = add_points(net, snap_points(net, pts, max_distance_m=250.0))
    g = nx.Graph()
    g.add_weighted_edges_from(zip(both.u.tolist(), both.v.tolist(), both.length_m.tolist()))
    ns = len(schools_xy)
    dist_out, area_out = [], []
    for k, geom in enumerate(geoms):
        src = {int(ids[i]) for i in sets[k]}
        d = nx.multi_source_dijkstra_path_length(g, src)
        dist_out.append(d.get(int(ids[ns + k]), np.inf))
        du = np.array([d.get(i, np.inf) for i in both.u.tolist()])
        dv = np.array([d.get(i, np.inf) for i in both.v.tolist()])
        pieces = []
        for a, b, da, db, L in zip(both.xy[both.u], both.xy[both.v], du, dv, both.length_m):
            ra, rb = min(max(R - da, 0.0), L), min(max(R - db, 0.0), L)
            if ra + rb >= L and L > 0:
                pieces.append(shapely.LineString([a, b]))
            else:
                if ra > 0:
                    pieces.append(shapely.LineString([a, a + (b - a) * ra / L]))
                if rb > 0:
                    pieces.append(shapely.LineString([b, b + (a - b) * rb / L]))
        plain = shapely.union_all(shapely.buffer(np.array(pieces, dtype=object), WIDTH / 2, quad_segs=Q))
        circles = shapely.union_all(shapely.buffer(shapely.points(schools_xy[list(sets[k])]),
                                                   circle_polygon_radius(R, Q), quad_segs=Q))
        area_out.append(shapely.intersection(shapely.intersection(geom, circles), plain).area)
    return np.array(dist_out), np.array(area_out)


@pytest.mark.parametrize("workers", [1, 2])
def test_walking_coverage_equals_networkx_and_the_plain_union(monkeypatch, workers):
    rng = np.random.default_rng(42)
    net = build_network(gpd.GeoSeries(_grid(40, 40.0, rng), crs=CRS))
    x0, y0 = 500_000.0, 6_600_000.0
    sxy = np.array([[x0 + 505, y0 + 610], [x0 + 1130, y0 + 980], [x0 + 820, y0 + 300]])
    schools = gpd.GeoDataFrame({"navn": ["A", "B", "C"]}, geometry=shapely.points(sxy), crs=CRS)
    geoms = np.array([box(x0 + 100, y0 + 100, x0 + 1500, y0 + 1500),      # big: the raster core
                      box(x0 + 400, y0 + 500, x0 + 700, y0 + 760),
                      box(x0 + 1000, y0 + 900, x0 + 1100, y0 + 1300),
                      box(x0 + 1400, y0 + 1400, x0 + 1550, y0 + 1550)], dtype=object)
    sets = [(0, 1, 2), (0,), (1, 2), (1,)]
    core_calls = []
    real = corridor._core
    monkeypatch.setattr(corridor, "_core", lambda *a, **k: core_calls.append(1) or real(*a, **k))
    wr = walking_coverage(geoms, schools, sets, net, radius_m=R, corridor_width_m=WIDTH,
                          max_snap_m=250.0, quad_segs=Q, crs=CRS, workers=workers)
    assert core_calls, "the raster core was not used"
    d_ref, a_ref = _reference(net, sxy, sets, geoms)
    got = wr.table
    assert got["gangavstand_m"].to_numpy() == pytest.approx(d_ref, abs=1e-6)
    # areas in daa, as users read them: equal to the plain union within 1e-9 daa
    assert got["innenfor_gang_daa"].to_numpy() == pytest.approx(a_ref / 1000.0, abs=1e-9)
    assert (a_ref[:3] > 0).all() and a_ref[3] == 0     # the last parcel: not within R on foot


@pytest.mark.parametrize("r,strict", [(0.7, False), (3.24, False), (8.03, True), (5.0, True),
                                      (5.0, False), (2.0, True)])
def test_disc_dilation_equals_the_distance_transform(r, strict):
    from scipy import ndimage
    mask = np.random.default_rng(int(r * 100)).random((97, 131)) < 0.03
    d = ndimage.distance_transform_edt(~mask)
    expect = (d < r) if strict else (d <= r)
    assert (corridor._dilate(mask, r, strict=strict) == expect).all()


def test_segment_union_equals_the_plain_union_of_the_segment_buffers():
    # a dense grid with gaps and jittered nodes (bends at degree-2 nodes, where a merged
    # polyline's buffer differs from its segments' buffers) and a sparse part
    rng = np.random.default_rng(5)
    segs = np.concatenate([_grid(30, 35.0, rng), shapely.affinity.translate(
        shapely.GeometryCollection(list(_grid(8, 150.0, rng))), 1200.0, 0.0).geoms])
    xy = shapely.get_coordinates(segs).reshape(-1, 2, 2)
    nodes, inv = np.unique(xy.reshape(-1, 2), axis=0, return_inverse=True)
    nodes = nodes + rng.uniform(-6.0, 6.0, nodes.shape)          # the same node moves once
    xy = nodes[inv.ravel()].reshape(-1, 2, 2)
    segs = shapely.linestrings(xy)
    got = corridor.segment_union(xy[:, 0], xy[:, 1], 50.0, quad_segs=Q)
    ref = shapely.union_all(shapely.buffer(segs, 50.0, quad_segs=Q))
    assert shapely.symmetric_difference(got, ref).area < 1e-3
    assert got.area / 1000.0 == pytest.approx(ref.area / 1000.0, abs=1e-9)
    holes = [int(shapely.get_num_interior_rings(shapely.get_parts(x)).sum()) for x in (got, ref)]
    assert holes[0] == holes[1] > 0
    # merging into polylines first (the earlier way) is measurably off on such a network
    merged = shapely.get_parts(shapely.line_merge(shapely.multilinestrings(segs)))
    assert merged.size < segs.size
    off = shapely.union_all(shapely.buffer(merged, 50.0, quad_segs=Q))
    assert abs(off.area - ref.area) > 1.0
