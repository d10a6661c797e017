"""The fast paths of the site assessment (issue 20) against the slow ones they replace.

* ``assess_many`` on many random sites gives, site by site, what ``assess`` gives for
  that site alone (the demo data, the shipped criteria: every kind of criterion);
* a polygon's raster cells by shapely predicates equal rasterio's ``geometry_mask``
  (another library) on random and grid-aligned polygons;
* the walking distance without a DataFrame equals
  :func:`geoplan.analysis.network.snap_points` + :func:`~geoplan.analysis.network.target_distances`;
* the inside-share with the distance only for sites off the union, by hand.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from affine import Affine
from pyproj import CRS
from rasterio import features
from shapely.geometry import Point, box

from geoplan.analysis.sites import SiteAssessor

DEMO = Path(__file__).resolve().parent.parent / "geoplan" / "data" / "demo" / "demo.gpkg"


@pytest.fixture(scope="module")
def demo_assessor():
    from geoplan import runs
    from geoplan.config import load_config
    from geoplan.io.layers import load
    cfg = load_config()
    ds = load(DEMO, config=cfg)
    return ds, runs.assessor(ds, cfg)


def _random_sites(ds, n: int, seed: int) -> np.ndarray:
    area = shapely.union_all(ds.get("kommune").geometry.to_numpy())
    rng = np.random.default_rng(seed)
    minx, miny, maxx, maxy = area.bounds
    xs, ys = rng.uniform(minx, maxx, n), rng.uniform(miny, maxy, n)
    half = np.sqrt(rng.uniform(500, 12000, n)) / 2
    pts = shapely.points(xs, ys)
    sq = shapely.box(xs - half, ys - half, xs + half, ys + half)
    return np.where(np.arange(n) % 2 == 0, pts, sq)   # some fall outside the kommune


@pytest.mark.parametrize("kategori,units", [("utleie", 2), ("housing_first", 1), (None, 0)])
def test_assess_many_equals_one_site_at_a_time(demo_assessor, kategori, units):
    ds, a = demo_assessor
    geoms = _random_sites(ds, 60, seed=20 + units)
    many = a.assess_many(gpd.GeoSeries(geoms, crs=ds.crs), units=units, kategori=kategori)
    assert many["antall_tomter"] == len(geoms)
    by_nr = {r["tomt_nr"]: r for r in many["tomter"]}
    for i, g in enumerate(geoms):
        one = a.assess(g, units=units, kategori=kategori)
        r = by_nr[i + 1]
        assert r["samlet"] == one["samlet"], i
        assert r["oppsummering"] == one["oppsummering"], i
        assert r["tomt"] == one["tomt"], i
        assert r["kriterier"] == one["kriterier"], i


def test_sites_in_one_grunnkrets_share_sentences_not_details(demo_assessor):
    # two sites in one grunnkrets with the same units get the same sentence, a third
    # with other units another; each row equals the site's own assessment and has
    # details of its own (a change to one does not show in the other)
    ds, a = demo_assessor
    gk = ds.get("grunnkrets").geometry.to_numpy()
    p = shapely.point_on_surface(gk[int(np.argmax(shapely.area(gk)))])
    q = shapely.Point(p.x + 1.0, p.y)
    many = a.assess_many([p, q, p], units=[2, 2, 3], kategori="utleie")
    by_nr = {r["tomt_nr"]: r for r in many["tomter"]}
    rows = {nr: {k["id"]: k for k in r["kriterier"] if k["type"] == "concentration"
                 and k["id"].endswith("grunnkrets")} for nr, r in by_nr.items()}
    assert rows[1], "no grunnkrets criterion"
    for cid, r1 in rows[1].items():
        r2, r3 = rows[2][cid], rows[3][cid]
        assert r1["detaljer"] is not r2["detaljer"]
        assert r1["begrunnelse"] == r2["begrunnelse"]
        assert r1["begrunnelse"] != r3["begrunnelse"]       # 3 units, not 2
        r1["detaljer"]["offentlig_tekst"] = "endret"
        assert r2["detaljer"]["offentlig_tekst"] != "endret"
    for nr, g, u in ((2, q, 2), (3, p, 3)):
        one = a.assess(g, units=u, kategori="utleie")
        assert by_nr[nr]["kriterier"] == one["kriterier"], nr


def _rasterio_cells(data, tr, g):
    """What Raster.cells_in gave before the fast path: rasterio on a window round the polygon."""
    from rasterio import windows
    h, w = data.shape
    win = windows.from_bounds(*g.bounds, tr)
    c0 = max(int(np.floor(win.col_off)) - 1, 0)
    r0 = max(int(np.floor(win.row_off)) - 1, 0)
    c1 = min(int(np.ceil(win.col_off + win.width)) + 1, w)
    r1 = min(int(np.ceil(win.row_off + win.height)) + 1, h)
    if c0 >= c1 or r0 >= r1:
        return np.array([])
    sub = data[r0:r1, c0:c1]
    t2 = tr @ tr.translation(c0, r0)
    m = features.geometry_mask([g], out_shape=sub.shape, transform=t2, invert=True)
    if not m.any():
        m = features.geometry_mask([g], out_shape=sub.shape, transform=t2, invert=True,
                                   all_touched=True)
    return sub[m]


def test_polygon_cells_equal_rasterio():
    from geoplan.io.raster import Raster, _polygon_mask
    rng = np.random.default_rng(7)
    data = rng.normal(size=(80, 120))
    tr = Affine(25, 0, 500000, 0, -25, 6600000)
    r = Raster(Path("t.tif"), data, tr, CRS.from_epsg(25832))
    fallbacks = 0
    for i in range(800):
        cx, cy = 500000 + rng.uniform(-50, 3050), 6600000 - rng.uniform(-50, 2050)
        k = i % 4
        if k == 0:
            h = rng.uniform(3, 70)
            g = box(cx - h, cy - h, cx + h, cy + h)
        elif k == 1:
            g = Point(cx, cy).buffer(rng.uniform(2, 90))
        elif k == 2:
            g = shapely.Polygon(np.c_[cx + rng.uniform(-70, 70, 4), cy + rng.uniform(-70, 70, 4)]
                                ).buffer(0)
        else:   # on the grid lines and through the cell centres: GDAL's own rule decides
            x0, y0 = 500000 + 25 * rng.integers(0, 110), 6600000 - 25 * rng.integers(1, 75)
            g = box(x0 + rng.choice([0, 12.5, 5]), y0, x0 + 25 * rng.integers(1, 4),
                    y0 + 25 * rng.integers(1, 4))
        if g.is_empty:
            continue
        np.testing.assert_array_equal(r.cells_in(g), _rasterio_cells(data, tr, g), err_msg=g.wkt)
        fallbacks += _polygon_mask(g, tr, 0, 80, 0, 120) is None
    assert 0 < fallbacks < 400      # the tie cases were met, and most took the fast path


def test_polygon_mask_by_hand():
    from geoplan.io.raster import _polygon_mask
    tr = Affine(10, 0, 0, 0, -10, 100)     # centres at 5, 15, ... (x) and 95, 85, ... (y)
    m = _polygon_mask(box(1, 71, 29, 99), tr, 0, 10, 0, 10)
    assert m is not None and m.sum() == 9 and m[0:3, 0:3].all()       # centres 5..25 × 95..75
    small = _polygon_mask(box(11, 81, 14, 84), tr, 0, 10, 0, 10)        # no centre inside
    assert small is not None and small.sum() == 1 and small[1, 1]
    assert _polygon_mask(box(5, 71, 29, 99), tr, 0, 10, 0, 10) is None  # centres on the edge


def _two_school_network():
    """A T of streets and a detached street; two schools snapped onto them, walked from."""
    from geoplan.analysis import network as nw
    lines = gpd.GeoSeries([shapely.LineString([(0, 0), (1000, 0)]),
                           shapely.LineString([(500, 0), (500, 800)]),
                           shapely.LineString([(2000, 2000), (2500, 2000)])], crs=25832)
    net = nw.build_network(gpd.GeoDataFrame(geometry=lines))
    tsnap = nw.snap_points(net, gpd.GeoSeries([Point(900, 10), Point(480, 790)]), max_distance_m=50)
    net2, nodes = nw.add_points(net, tsnap)
    dist, nearest = nw.distances_from(net2, nodes[nodes >= 0])
    return net2, dist, nearest


def test_walking_without_dataframe_equals_network_functions():
    from geoplan.analysis import network as nw
    from geoplan.analysis.sites.walking import snap_and_walk
    net2, dist, nearest = _two_school_network()
    rng = np.random.default_rng(3)
    pts = np.concatenate([shapely.points(rng.uniform(-100, 2600, 300), rng.uniform(-100, 2100, 300)),
                          [box(100, 5, 140, 40)]])
    d, snap_m, who = snap_and_walk(net2, dist, nearest, pts, 120.0)
    snap = nw.snap_points(net2, pts, max_distance_m=120.0)
    ref, ref_who = nw.target_distances(net2, dist, snap, nearest)
    # the same arithmetic in another order (the network's snapping reuses its parent's
    # tree since the walking speed-up): equal to the last bits, and unreached alike
    np.testing.assert_allclose(d, np.where(np.isfinite(ref), ref, np.nan), rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(snap_m, snap["tilknytning_m"].to_numpy(), rtol=1e-12, atol=1e-9)
    np.testing.assert_array_equal(who, ref_who)
    # by hand: (100, 50) snaps 50 m to (100, 0); 800 m along to the node at 900 (10 m leg)
    d1, s1, _w = snap_and_walk(net2, dist, nearest, np.array([Point(100, 50)]), 120.0)
    assert s1[0] == pytest.approx(50.0) and d1[0] == pytest.approx(50 + 800 + 10)
    assert np.isnan(snap_and_walk(net2, dist, nearest, np.array([Point(2200, 2500)]), 120.0)[0][0])


def test_inside_share_and_distance_by_hand():
    grense = gpd.GeoDataFrame({"navn": ["A"]}, geometry=[box(0, 0, 100, 100)], crs=25832)
    section = {"criteria": [{"id": "inne", "kind": "inside", "layer": "utviklingsgrense",
                             "label": "Innenfor", "unit": "%", "direction": "min",
                             "yellow": 100, "red": 50, "source": "test"}], "profiles": []}
    a = SiteAssessor.from_layers({"utviklingsgrense": grense}, section)
    res = a.assess_many([box(50, 0, 150, 100), box(200, 0, 210, 10), Point(10, 10), Point(130, 100)])
    rows = {r["tomt_nr"]: r["kriterier"][0] for r in res["tomter"]}
    assert rows[1]["verdi"] == 50.0 and rows[1]["detaljer"] == {"navn": ["A"], "avstand_m": 0.0}
    assert rows[2]["verdi"] == 0.0 and rows[2]["detaljer"] == {"navn": ["A"], "avstand_m": 100.0}
    assert rows[3]["verdi"] == 100.0 and rows[4]["verdi"] == 0.0
    assert rows[4]["detaljer"]["avstand_m"] == 30.0


def test_one_site_walk_equals_network_functions():
    # the scalar walk of assess() against geoplan.analysis.network's DataFrame functions
    from geoplan.analysis import network as nw
    from geoplan.analysis.sites.walking import walk_one
    net2, dist, nearest = _two_school_network()
    rng = np.random.default_rng(4)
    pts = np.concatenate([shapely.points(rng.uniform(-100, 2600, 200), rng.uniform(-100, 2100, 200)),
                          [box(100, 5, 140, 40), Point(500, 400)]])
    snap = nw.snap_points(net2, pts, max_distance_m=120.0)
    ref, ref_who = nw.target_distances(net2, dist, snap, nearest)
    got = [walk_one(net2, dist, nearest, g, 120.0) for g in pts]
    d = np.array([x[0] for x in got])
    np.testing.assert_allclose(d, np.where(np.isfinite(ref), ref, np.nan), rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose([x[1] for x in got], snap["tilknytning_m"].to_numpy(), rtol=1e-12,
                               atol=1e-9)
    assert [x[2] for x in got] == list(ref_who)
    # by hand: (100, 50) snaps 50 m to (100, 0), then 800 m along and the 10 m leg
    d1, s1, w1 = walk_one(net2, dist, nearest, Point(100, 50), 120.0)
    assert s1 == pytest.approx(50.0) and d1 == pytest.approx(50 + 800 + 10) and w1 == 0
    assert np.isnan(walk_one(net2, dist, nearest, Point(2200, 2500), 120.0)[0])   # not snapped
    d2, s2, w2 = walk_one(net2, dist, nearest, Point(2200, 2010), 120.0)          # no way there
    assert np.isnan(d2) and s2 == pytest.approx(10.0) and w2 == -1


def test_one_site_raster_equals_rasterio():
    # one site's raster value (assess) against rasterio's own index and mask
    from rasterio.transform import rowcol

    from geoplan.analysis.sites.evaluators import _raster_one
    from geoplan.io.raster import Raster
    rng = np.random.default_rng(7)
    data = rng.uniform(30, 80, (40, 50))
    data[5:8, 5:8] = np.nan
    tr = Affine(10.0, 0, 1000.0, 0, -10.0, 2000.0)
    r = Raster(Path("t.tif"), data, tr, CRS.from_epsg(25832))
    xs, ys = rng.uniform(980, 1520, 300), rng.uniform(1580, 2020, 300)
    for x, y in zip(xs.tolist(), ys.tolist()):
        v, n = _raster_one(r, Point(x, y), "max")
        row, col = rowcol(tr, x, y)
        inside = 0 <= row < 40 and 0 <= col < 50
        want = data[row, col] if inside else np.nan
        if np.isfinite(want):
            assert (v, n) == (want, 1)
        else:
            assert np.isnan(v) and n == 0
    for _k in range(100):
        x, y = rng.uniform(990, 1490), rng.uniform(1610, 1990)
        g = box(x, y, x + rng.uniform(3, 60), y + rng.uniform(3, 60))
        cells = _rasterio_cells(data, tr, g)
        cells = cells[np.isfinite(cells)]
        for stat, fn in (("max", np.max), ("mean", np.mean), ("p90", lambda c: np.percentile(c, 90))):
            v, n = _raster_one(r, g, stat)
            assert n == cells.size
            if cells.size:
                assert v == pytest.approx(float(fn(cells)), rel=1e-12)
            else:
                assert np.isnan(v)


def test_one_site_zoning_inside_and_distance_by_hand():
    # assess() (the one-site paths) on small layers worked out by hand
    zon = gpd.GeoDataFrame({"arealformal": [1110, 1110, 2010]},
                           geometry=[box(0, 0, 60, 100), box(50, 0, 100, 100),
                                     box(100, 0, 200, 100)], crs=25832)
    grense = gpd.GeoDataFrame({"navn": ["A"]}, geometry=[box(0, 0, 100, 100)], crs=25832)
    skole = gpd.GeoDataFrame({"navn": ["S1", "S2"]}, geometry=[Point(0, 300), Point(400, 0)],
                             crs=25832)
    section = {"criteria": [
        {"id": "formal", "kind": "zoning_share", "layer": "arealformal", "label": "Formål",
         "unit": "%", "direction": "min", "codes": [1110], "yellow": 100, "red": 50,
         "source": "test"},
        {"id": "inne", "kind": "inside", "layer": "utviklingsgrense", "label": "Innenfor",
         "unit": "%", "direction": "min", "yellow": 100, "red": 50, "source": "test"},
        {"id": "skole", "kind": "distance", "layer": "skole", "label": "Skole", "unit": "m",
         "yellow": 500, "red": 1000, "source": "test"}], "profiles": []}
    a = SiteAssessor.from_layers({"arealformal": zon, "utviklingsgrense": grense,
                                  "skole": skole}, section)

    def rows(g):
        return {k["id"]: k for k in a.assess(g)["kriterier"]}
    r = rows(box(0, 0, 100, 100))
    assert r["formal"]["verdi"] == 100.0          # the 10 × 100 m overlap counted once
    assert r["inne"]["verdi"] == 100.0 and r["inne"]["detaljer"]["navn"] == ["A"]
    assert r["skole"]["verdi"] == 200.0 and r["skole"]["detaljer"]["navn"] == "S1"
    r = rows(box(80, 0, 120, 100))
    assert r["formal"]["verdi"] == 50.0           # 20 × 100 of 1110 in 40 × 100
    assert r["inne"]["verdi"] == 50.0
    r = rows(Point(150, 50))
    assert r["formal"]["verdi"] == 0.0            # a point in 2010 only
    assert r["inne"]["verdi"] == 0.0 and r["inne"]["detaljer"]["avstand_m"] == 50.0
    assert r["skole"]["verdi"] == pytest.approx(float(np.hypot(250, 50)), abs=0.05)
    r = rows(Point(55, 50))                       # a point in both 1110 polygons
    assert r["formal"]["verdi"] == 100.0
    assert r["formal"]["detaljer"]["arealformal"][0]["andel_pct"] == 100.0
    assert rows(Point(500, 500))["formal"]["status"] == "ukjent"   # no zoning under it


def test_scalar_shapely_equals_the_ufuncs():
    """:mod:`geoplan.analysis.sites.scalar` (shapely's scalar entry points) gives what
    the ufuncs give, bit for bit, on points, lines, polygons with holes, multipolygons,
    touching and disjoint pairs, and an empty polygon."""
    from geoplan.analysis.sites import scalar as sc
    rng = np.random.default_rng(3)
    donut = box(0, 0, 100, 100).difference(box(30, 30, 70, 70))
    geoms = [Point(50, 50), Point(150.5, -3.25), shapely.LineString([(-10, 5), (120, 60)]),
             box(0, 0, 100, 100), donut, box(100, 0, 200, 50),
             shapely.MultiPolygon([box(300, 300, 310, 310), box(320, 300, 330, 305)]),
             shapely.Polygon(rng.uniform(0, 120, (3, 2))).convex_hull, shapely.Polygon()]
    for a in geoms:
        if a.is_empty:
            assert sc.area(a) == shapely.area(a) == 0.0
            continue
        assert sc.area(a) == shapely.area(a)
        assert sc.type_id(a) == shapely.get_type_id(a)
        assert sc.centroid(a).equals_exact(shapely.centroid(a), 0.0)
        assert sc.point_on_surface(a).equals_exact(shapely.point_on_surface(a), 0.0)
        for b in geoms:
            if b.is_empty:
                continue
            assert sc.intersects(a, b) is bool(shapely.intersects(a, b))
            assert sc.contains(a, b) is bool(shapely.contains(a, b))
            assert sc.distance(a, b) == shapely.distance(a, b)
            assert sc.relate_pattern(a, b, "T********") is bool(
                shapely.relate_pattern(a, b, "T********"))
            assert shapely.equals_exact(sc.intersection(a, b), shapely.intersection(a, b), 0.0)
    # a shapely without a scalar entry point: the ufunc is used, with Python results
    fb = sc._scalar("no_such_function", lambda a, b: bool(shapely.intersects(a, b)))
    assert fb(geoms[0], geoms[3]) is True
