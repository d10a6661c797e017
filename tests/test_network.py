"""Walking network: graph building, snapping, distances (vs networkx and by hand), areas."""

from __future__ import annotations

import math

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
import shapely
from shapely.geometry import LineString, MultiLineString, Point, box

from geoplan.analysis.network import (
    add_points,
    build_network,
    distances_from,
    reachable_segments,
    snap_points,
)
from geoplan.analysis.schools import analyse_schools, walking_distance_to_nearest
from geoplan.errors import DataProblem

CRS = 25832


def lines(*ls):
    return gpd.GeoSeries([LineString(c) if not isinstance(c, MultiLineString) else c for c in ls],
                         crs=CRS)


def pts(*ps, **cols):
    return gpd.GeoDataFrame(cols or {"navn": [f"P{i}" for i in range(len(ps))]},
                            geometry=[Point(p) for p in ps], crs=CRS)


def strip_disk_area(r: float, h: float) -> float:
    """Area of {|y| <= h} inside a disk of radius r centred on the line y = 0."""
    return 2 * (h * math.sqrt(r * r - h * h) + r * r * math.asin(h / r))


def test_crossing_lines_are_noded_or_not():
    g = lines([(0, 0), (100, 0)], [(50, -50), (50, 50)])
    net = build_network(g)
    assert net.n_nodes == 5 and net.summary()["delnett"] == 1
    assert net.length_m.sum() == pytest.approx(200.0)
    net2 = build_network(g, node_crossings=False)
    assert net2.n_nodes == 4 and net2.summary()["delnett"] == 2


def test_duplicate_and_multiline_input_and_nearby_vertices():
    ml = MultiLineString([[(0, 0), (10, 0)], [(10, 0.0004), (20, 0)]])
    g = gpd.GeoSeries([ml, LineString([(0, 0), (10, 0)])], crs=CRS)
    net = build_network(g, node_crossings=False, tolerance_m=0.001)
    assert net.n_nodes == 3           # (10, 0) and (10, 0.0004) are one node
    assert net.n_edges == 2           # the duplicate edge is dropped


def test_empty_or_geographic_network_is_refused():
    with pytest.raises(DataProblem, match="gangnett"):
        build_network(gpd.GeoSeries([Point(0, 0)], crs=CRS))
    with pytest.raises(DataProblem, match="geografisk"):
        build_network(gpd.GeoSeries([LineString([(10, 59), (10.1, 59)])], crs=4326))


def test_multi_source_distances_match_networkx_on_a_random_grid():
    rng = np.random.default_rng(4)
    # a jittered 12 x 12 grid with some edges removed
    n = 12
    xy = np.array([(i * 100 + rng.uniform(-20, 20), j * 100 + rng.uniform(-20, 20))
                   for i in range(n) for j in range(n)])
    edges = [(i * n + j, (i + 1) * n + j) for i in range(n - 1) for j in range(n)]
    edges += [(i * n + j, i * n + j + 1) for i in range(n) for j in range(n - 1)]
    keep = rng.random(len(edges)) > 0.25
    edges = [e for e, k in zip(edges, keep) if k]
    g = gpd.GeoSeries([LineString([xy[a], xy[b]]) for a, b in edges], crs=CRS)
    net = build_network(g, node_crossings=False)
    G = nx.Graph()
    for a, b in edges:
        G.add_edge(tuple(xy[a]), tuple(xy[b]), weight=float(np.hypot(*(xy[a] - xy[b]))))
    node_of = {tuple(p): i for i, p in enumerate(net.xy)}
    sources = [tuple(xy[0]), tuple(xy[77]), tuple(xy[143])]
    sources = [s for s in sources if s in G]
    ref = nx.multi_source_dijkstra_path_length(G, sources, weight="weight")
    dist, near = distances_from(net, [node_of[s] for s in sources])
    for p, d in ref.items():
        assert dist[node_of[p]] == pytest.approx(d)
    unreached = [i for i, p in enumerate(map(tuple, net.xy)) if p not in ref]
    assert all(np.isinf(dist[unreached]))
    # per-source rows agree with single-source networkx
    rows = distances_from(net, [node_of[s] for s in sources], min_only=False)
    one = nx.single_source_dijkstra_path_length(G, sources[1], weight="weight")
    for p, d in one.items():
        assert rows[1, node_of[p]] == pytest.approx(d)


def test_snapping_and_distance_on_an_l_shaped_path():
    net = build_network(lines([(0, 0), (1000, 0), (1000, 1000)]))
    school = pts((200, 30))
    snap = snap_points(net, school.geometry, max_distance_m=100)
    assert snap["tilknytning_m"].iloc[0] == pytest.approx(30.0)
    assert (snap["snap_x"].iloc[0], snap["snap_y"].iloc[0]) == pytest.approx((200.0, 0.0))
    out = walking_distance_to_nearest(pts((1020, 600), (100, -10), (5000, 5000)), net, school,
                                      max_snap_m=100)
    # 30 (school leg) + 800 + 600 + 20 (point leg)
    assert out["gangavstand_m"].iloc[0] == pytest.approx(30 + 800 + 600 + 20)
    # on the school's own edge, behind it: 30 + 100 + 10
    assert out["gangavstand_m"].iloc[1] == pytest.approx(140.0)
    assert out["skole"].iloc[0] == "P0"
    assert np.isnan(out["gangavstand_m"].iloc[2]) and not out["naadd"].iloc[2]


def test_two_schools_on_one_edge_split_it_correctly():
    net = build_network(lines([(0, 0), (1000, 0)]))
    s = pts((300, 0), (700, 0), navn=["V", "Ø"])
    out = walking_distance_to_nearest(pts((450, 0), (550, 5), (0, 0)), net, s)
    assert out["gangavstand_m"].tolist() == pytest.approx([150.0, 155.0, 300.0])
    assert out["skole"].tolist() == ["V", "Ø", "V"]


def test_unreachable_component_gives_inf():
    net = build_network(lines([(0, 0), (1000, 0)], [(0, 500), (1000, 500)]))
    out = walking_distance_to_nearest(pts((500, 510)), net, pts((0, 0)))
    assert np.isinf(out["gangavstand_m"].iloc[0]) and not out["naadd"].iloc[0]
    assert out["tilknytning_m"].iloc[0] == pytest.approx(10.0)
    assert out["skole"].iloc[0] is None


def test_reachable_length_on_a_line():
    net = build_network(lines([(-5000, 0), (5000, 0)], [(0, 0), (0, 400)]))
    snap = snap_points(net, [Point(0, 0)])
    net2, nodes = add_points(net, snap)
    dist, _ = distances_from(net2, nodes)
    segs = reachable_segments(net2, dist, 1500)
    # 1500 each way along the line + the whole 400 m spur
    assert shapely.length(segs).sum() == pytest.approx(3000 + 400)
    # overlapping reaches from both ends keep the whole edge, once
    net3 = build_network(lines([(0, 0), (1000, 0), (1000, 100), (0, 100), (0, 0)]))
    snap = snap_points(net3, [Point(0, 0)])
    n3, nd = add_points(net3, snap)
    d3, _ = distances_from(n3, nd)
    assert shapely.length(reachable_segments(n3, d3, 1100)).sum() == pytest.approx(2200.0)


def test_walking_area_of_a_straight_path_is_the_strip_in_the_disk():
    r, w = 1500.0, 100.0
    g = gpd.GeoDataFrame({"navn": ["Sted"]}, geometry=[box(-4000, -4000, 4000, 4000)], crs=CRS)
    s = pts((0, 0), navn=["Skole"])
    net = build_network(lines([(-4000, 0), (4000, 0)]))
    res = analyse_schools(g, s, network=net, radius_m=r, corridor_width_m=w)
    row = res.utviklingsgrenser.iloc[0]
    assert row["innenfor_gang_daa"] * 1000 == pytest.approx(strip_disk_area(r, w / 2), rel=1e-3)
    assert row["innenfor_ikke_gang_daa"] * 1000 == pytest.approx(
        math.pi * r * r - strip_disk_area(r, w / 2), rel=1e-3)


def test_river_without_a_bridge_nearby_shrinks_the_walking_area():
    """A river along x = 0 splits the grid; the only bridge is 1,200 m north.

    West of the river, within the 1,500 m circle, everything near a path is reachable.
    East of it, a point at (x, 0) is 1,200 + 1,200 + x (+ school leg) away on foot,
    so nothing east of the river is within 1,500 m except near the bridge.
    """
    r, w = 1500.0, 40.0
    west = [[(-x, -3000), (-x, 3000)] for x in (20, 300, 600, 900, 1200, 1500)]
    east = [[(x, -3000), (x, 3000)] for x in (20, 300, 600, 900, 1200, 1500)]
    rows_w = [[(-1500, y), (-20, y)] for y in range(-1500, 1501, 300)]
    rows_e = [[(20, y), (1500, y)] for y in range(-1500, 1501, 300)]
    bridge = [[(-20, 1200), (20, 1200)]]
    net = build_network(lines(*(west + east + rows_w + rows_e + bridge)))
    school = pts((-20, 0), navn=["Vestsiden skole"])
    b = gpd.GeoDataFrame({"navn": ["Vest", "Øst"]},
                         geometry=[box(-1500, -1500, -10, 1500), box(10, -1500, 1500, 1500)], crs=CRS)
    res = analyse_schools(b, school, network=net, radius_m=r, corridor_width_m=w)
    v, o = res.utviklingsgrenser.iloc[0], res.utviklingsgrenser.iloc[1]
    assert v["innenfor_gang_daa"] > 0
    assert o["innenfor_gang_daa"] < v["innenfor_gang_daa"] / 5
    assert o["innenfor_gang_daa"] < o["innenfor_daa"]
    assert o["innenfor_ikke_gang_daa"] > 0.8 * o["innenfor_daa"]
    # a point just east of the river at (20, 0) walks 1,200 north, over and back
    out = walking_distance_to_nearest(pts((25, 0)), net, school)
    assert out["gangavstand_m"].iloc[0] == pytest.approx(1200 + 40 + 1200 + 5)
    # and the same without the bridge: not connected at all
    net2 = build_network(lines(*(west + east + rows_w + rows_e)))
    res2 = analyse_schools(b, school, network=net2, radius_m=r, corridor_width_m=w)
    assert res2.utviklingsgrenser["innenfor_gang_daa"].iloc[1] == 0.0
    assert np.isinf(walking_distance_to_nearest(pts((25, 0)), net2, school)["gangavstand_m"].iloc[0])


def test_parcels_not_reached_are_reported():
    g = gpd.GeoDataFrame({"navn": ["Sted"]}, geometry=[box(-2000, -2000, 2000, 2000)], crs=CRS)
    s = pts((0, 0), navn=["Skole"])
    net = build_network(lines([(-2000, 0), (2000, 0)], [(-2000, 1000), (2000, 1000)]))
    parcels = gpd.GeoDataFrame({"type": ["innspill", "innspill"], "navn": ["Langt unna", "Annet nett"]},
                               geometry=[box(0, -1900, 100, -1800), box(0, 1000, 100, 1100)], crs=CRS)
    res = analyse_schools(g, s, parcels=parcels, network=net, radius_m=1500, max_snap_m=250)
    why = dict(zip(res.ikke_naadd["navn"], res.ikke_naadd["grunn"]))
    assert "fra gangnettet" in why["Langt unna"]
    assert "forbinder ikke" in why["Annet nett"]
    assert np.isnan(res.parseller["gangavstand_m"].iloc[0])
    assert np.isinf(res.parseller["gangavstand_m"].iloc[1])


def test_reusing_one_network_for_different_schools():
    net = build_network(lines([(0, 0), (1000, 0)]))
    a = walking_distance_to_nearest(pts((100, 0)), net, pts((0, 0)))
    b = walking_distance_to_nearest(pts((100, 0)), net, pts((1000, 0)))
    again = walking_distance_to_nearest(pts((100, 0)), net, pts((0, 0)))
    assert a["gangavstand_m"].iloc[0] == pytest.approx(100.0)
    assert b["gangavstand_m"].iloc[0] == pytest.approx(900.0)
    assert again["gangavstand_m"].iloc[0] == pytest.approx(100.0)
