"""Walking corridor (fast union of line buffers) and snapping through the parent network:
by hand, against the plain union and against networkx."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import LineString, Point, box
from street_grids import grid_segments

from geoplan.analysis import corridor
from geoplan.analysis.corridor import MIN_LINES, buffer_union
from geoplan.analysis.network import (
    _edges_near,
    add_points,
    build_network,
    distances_from,
    reachable_segments,
    snap_points,
    walking_area,
)

CRS = 25832


@pytest.fixture
def core_calls(monkeypatch):
    """Counts the calls of the raster core (so a test knows the fast path ran)."""
    calls = []
    real = corridor._core

    def spy(*a, **k):
        out = real(*a, **k)
        calls.append(len(out))
        return out
    monkeypatch.setattr(corridor, "_core", spy)
    return calls


def test_dense_grid_gives_the_rounded_square_by_hand(core_calls):
    # a 1,200 m square of 40 m blocks, 50 m each side: no holes (40 < 2 x 50), so the
    # union is the square grown by 50 m with polygonal quarter circles at the corners
    side, step, half, q = 1200.0, 40.0, 50.0, 4
    segs = grid_segments(int(side / step), step, 500_000.0, 6_600_000.0)
    assert segs.size >= MIN_LINES
    got = buffer_union(segs, half, quad_segs=q)
    corner = q * 0.5 * half * half * math.sin(math.pi / (2 * q))   # a quarter polygon
    expect = side * side + 4 * side * half + 4 * corner
    assert core_calls, "the raster core was not used"
    assert got.area == pytest.approx(expect, abs=1e-3)
    assert shapely.get_num_interior_rings(got) == 0
    x0, y0, x1, y1 = got.bounds
    assert (x1 - x0, y1 - y0) == pytest.approx((side + 2 * half, side + 2 * half))


def test_the_core_prints_no_rasterio_warning(core_calls):
    # when two school sets polygonise their cores at once on threads, rasterio now and
    # then warns «Dataset has no geotransform» about the mask array of
    # features.shapes (a race in its in-memory datasets; the shapes are the same), and
    # a user's terminal showed that English warning. The race is rare, so the test
    # checks the filter the core installs: the warning rasterio raises is not shown.
    import warnings

    from rasterio.errors import NotGeoreferencedWarning
    segs = grid_segments(30, 40.0, 500_000.0, 6_600_000.0)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        got = buffer_union(segs, 50.0, quad_segs=4)
        warnings.warn(NotGeoreferencedWarning(
            "Dataset has no geotransform, gcps, or rpcs. The identity matrix will be returned."),
            stacklevel=1)
        warnings.warn("another warning is still shown", UserWarning, stacklevel=1)
    assert core_calls, "the raster core was not used"
    assert got.area > 0
    assert [str(w.message) for w in seen] == ["another warning is still shown"]


@pytest.mark.parametrize("step,gap", [(30.0, 0.1), (40.0, 0.25), (55.0, 0.0)])
def test_grid_with_holes_and_gaps_equals_the_plain_union(core_calls, step, gap):
    # a dense centre (where the core replaces buffers) overlapping a sparse grid of
    # 150 m blocks with holes, both with streets missing at random
    rng = np.random.default_rng(20)
    x0, y0 = 590_000.0, 6_640_000.0
    segs = np.concatenate([
        grid_segments(int(900 / step), step, x0 + 600, y0 + 450, keep=lambda n: rng.random(n) >= gap),
        grid_segments(14, 150.0, x0, y0, keep=lambda n: rng.random(n) >= 0.15),
    ])
    got = buffer_union(segs, 50.0, quad_segs=4)
    ref = shapely.union_all(shapely.buffer(segs, 50.0, quad_segs=4))
    assert core_calls
    assert shapely.symmetric_difference(got, ref).area < 1e-3
    assert got.area == pytest.approx(ref.area, abs=1e-3)
    assert shapely.get_num_interior_rings(ref) > 50     # the sparse part has holes
    assert shapely.get_num_interior_rings(got) == shapely.get_num_interior_rings(ref)


def test_sparse_lines_fall_back_to_the_plain_union(core_calls):
    # 500 short lines 300 m apart: no cell is deep inside, the plain union answers
    xy = np.stack(np.meshgrid(np.arange(25) * 300.0, np.arange(20) * 300.0), -1).reshape(-1, 2)
    segs = shapely.linestrings(np.stack([xy, xy + [30.0, 0.0]], axis=1))
    got = buffer_union(segs, 50.0)
    assert not core_calls
    assert len(shapely.get_parts(got)) == 500
    ref = shapely.union_all(shapely.buffer(segs, 50.0, quad_segs=4))
    assert shapely.symmetric_difference(got, ref).area < 1e-6


def test_no_lines_or_no_width_is_empty():
    assert buffer_union(np.empty(0, dtype=object), 50.0).is_empty
    assert buffer_union([LineString([(0, 0), (10, 0)])], 0.0).is_empty


def test_polylines_and_quad_segs_match_the_plain_union(core_calls):
    # long bent polylines (joins, not only caps) at quad_segs 8
    rng = np.random.default_rng(7)
    base = np.c_[np.arange(30) * 40.0, np.zeros(30)]
    lines = [shapely.linestrings(base + [0.0, 35.0 * i] + rng.uniform(-8, 8, base.shape))
             for i in range(30)]
    lines += [shapely.linestrings(base[:, ::-1] + [35.0 * i, 0.0]) for i in range(30)]
    segs = np.concatenate([shapely.get_parts(shapely.node(shapely.multilinestrings(lines)))])
    assert segs.size >= MIN_LINES
    got = buffer_union(segs, 50.0, quad_segs=8)
    ref = shapely.union_all(shapely.buffer(segs, 50.0, quad_segs=8))
    assert core_calls
    assert shapely.symmetric_difference(got, ref).area < 1e-3


def test_edges_near_holds_every_edge_within_the_distance():
    segs = grid_segments(30, 60.0)
    net = build_network(gpd.GeoSeries(segs, crs=CRS))
    region = shapely.Polygon([(300, 300), (900, 420), (700, 1100), (350, 800)])
    got = _edges_near(net, region, 50.0)
    brute = np.flatnonzero(shapely.dwithin(region, net.segments(), 50.0))
    assert np.isin(brute, got).all()
    assert np.all(np.diff(got) > 0)
    assert got.size < net.n_edges          # it does filter


def test_reachable_segments_on_a_subset_are_the_full_pieces_on_it():
    net = build_network(gpd.GeoSeries(grid_segments(20, 50.0), crs=CRS))
    net2, nodes = add_points(net, snap_points(net, [Point(310, 505), Point(720, 130)]))
    dist, _ = distances_from(net2, nodes, limit_m=2000)
    full = reachable_segments(net2, dist, 400.0)
    sub = np.arange(0, net2.n_edges, 3)
    part = reachable_segments(net2, dist, 400.0, sub)
    # the pieces on every third edge, in the same order
    keep = np.isin(np.arange(net2.n_edges), sub)
    u, v = net2.xy[net2.u], net2.xy[net2.v]
    on = shapely.linestrings(np.stack([u, v], axis=1))
    mine = [s for s in full if keep[shapely.STRtree(on).query(s, predicate="covered_by")].any()]
    assert len(part) == len(mine)
    assert shapely.equals(np.array(mine, dtype=object), part).all()


def test_walking_area_near_a_region_equals_the_plain_corridor(core_calls):
    # 40 m blocks, a school in the middle, 600 m on foot, 50 m each side, near a parcel
    net = build_network(gpd.GeoSeries(grid_segments(40, 40.0), crs=CRS))
    net2, nodes = add_points(net, snap_points(net, [Point(805, 790)]))
    dist, _ = distances_from(net2, nodes)
    region = box(600, 500, 1200, 1100)
    got = walking_area(net2, dist, 600.0, 100.0, within=region)
    pieces = reachable_segments(net2, dist, 600.0)
    pieces = pieces[shapely.dwithin(region, pieces, 50.0)]
    ref = shapely.union_all(shapely.buffer(pieces, 50.0, quad_segs=4))
    assert shapely.symmetric_difference(got, ref).area < 1e-3
    assert core_calls
    whole = walking_area(net2, dist, 600.0, 100.0)
    assert whole.area > got.area


def _brute_nearest(net, p):
    """Distance from point ``p`` to the nearest non-access edge of ``net``, by brute force."""
    segs = net.segments(np.flatnonzero(~net.access))
    return float(shapely.distance(segs, Point(p)).min())


def test_snapping_on_a_network_with_points_reuses_the_parent_and_is_exact():
    # schools split edges once, twice, twice at the same spot and at an end node
    rng = np.random.default_rng(3)
    net = build_network(gpd.GeoSeries(grid_segments(10, 100.0), crs=CRS))
    schools = [Point(130, 0), Point(160, 0), Point(160, 0), Point(405, 300), Point(500, 500),
               Point(720, 890)]
    net2, nodes = add_points(net, snap_points(net, schools))
    assert net2.parent is net and (nodes >= 0).all()
    assert "tree" not in net2.__dict__            # nothing built yet on the child
    targets = [Point(x, y) for x, y in rng.uniform(-30, 1030, (300, 2))]
    targets += [Point(150, 3), Point(160, -2), Point(130, 0), Point(410, 300)]
    snap = snap_points(net2, targets)
    assert "tree" not in net2.__dict__            # ... and none needed for snapping
    e = snap["edge"].to_numpy()
    assert (e >= 0).all() and not net2.access[e].any()
    a, b = net2.xy[net2.u[e]], net2.xy[net2.v[e]]
    pos = a + (b - a) * snap["t"].to_numpy()[:, None]
    assert pos == pytest.approx(snap[["snap_x", "snap_y"]].to_numpy(), abs=1e-6)
    brute = [_brute_nearest(net2, (p.x, p.y)) for p in targets]
    assert snap["tilknytning_m"].to_numpy() == pytest.approx(brute, abs=1e-6)


def test_walking_distances_through_the_parent_snapping_match_networkx():
    import networkx as nx

    from geoplan.analysis.network import target_distances
    rng = np.random.default_rng(11)
    segs = grid_segments(12, 80.0, keep=lambda n: rng.random(n) >= 0.2)
    net = build_network(gpd.GeoSeries(segs, crs=CRS))
    schools = [Point(xy) for xy in rng.uniform(0, 960, (4, 2))]
    targets = [Point(xy) for xy in rng.uniform(0, 960, (120, 2))]
    s_snap = snap_points(net, schools)
    net2, nodes = add_points(net, s_snap)
    dist, _ = distances_from(net2, nodes[nodes >= 0])
    got, _ = target_distances(net2, dist, snap_points(net2, targets))
    # reference: schools and targets all inserted as nodes, networkx from the schools
    both, ids = add_points(net, snap_points(net, schools + targets))
    g = nx.Graph()
    g.add_weighted_edges_from(zip(both.u.tolist(), both.v.tolist(), both.length_m.tolist()))
    ref = nx.multi_source_dijkstra_path_length(g, set(ids[:4].tolist()))
    expect = np.array([ref.get(int(i), np.inf) for i in ids[4:]])
    assert (np.isinf(got) == np.isinf(expect)).all()
    fin = np.isfinite(expect)
    assert got[fin] == pytest.approx(expect[fin], abs=1e-6)
