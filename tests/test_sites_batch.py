"""The batched paths of the site assessment (issue 20), each against an independent result.

* the purchase effect of many points at once (:func:`whatif_batch.purchase_effects`)
  by hand on two grunnkretser, equal to one point at a time, and its «after» equal to
  the «before» of the model rebuilt with the purchase added (:func:`with_purchase`,
  the full join done again);
* ``assess_many`` equal to ``assess`` site by site on the demo for the edge cases:
  sites outside the municipality, on grunnkrets boundaries, units per site 0–4,
  kategori set and unset;
* the raster cells of many polygons equal :meth:`Raster.cells_in` one at a time
  (which ``test_sites_speed`` holds equal to rasterio);
* the fast number formatter equals :func:`geoplan.present.text.number`, the row's
  status equals :func:`classify`, and zoning with overlapping polygons counts the
  overlap once (by hand).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from affine import Affine
from pyproj import CRS
from shapely.geometry import Point, box

from geoplan.analysis import concentration as C
from geoplan.analysis.concentration.whatif_batch import purchase_effects
from geoplan.analysis.sites import SiteAssessor

DEMO = Path(__file__).resolve().parent.parent / "geoplan" / "data" / "demo" / "demo.gpkg"
EPSG = 25832


def _small_model() -> C.ConcentrationModel:
    """Two grunnkretser side by side (A: 100 dwellings, B: 200), two buildings."""
    gk = gpd.GeoDataFrame({"grunnkretsnummer": ["A", "B"], "antall_boliger": [100, 200],
                           "grunnkretsnavn": ["Krets A", "Krets B"]},
                          geometry=[box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000)], crs=EPSG)
    dw = gpd.GeoDataFrame({"antall_enheter": [6, 30, 2], "kategori": ["utleie", "utleie",
                                                                       "housing_first"],
                           "bygg_id": ["b1", "b2", None]},
                          geometry=[Point(200, 500), Point(1500, 500), Point(1700, 900)], crs=EPSG)
    bd = gpd.GeoDataFrame({"bygg_id": ["b1", "b2"], "antall_boliger": [40, 60]},
                          geometry=[box(150, 450, 350, 550), Point(1500, 500)], crs=EPSG)
    return C.ConcentrationModel(dw, gk, bd, radius_m=500, match_distance_m=5)


def test_purchase_effects_by_hand():
    m = _small_model()
    xy = np.array([[250, 480], [1000, 500], [5000, 500], [1502, 500]], float)
    effs, gk = purchase_effects(m, xy, np.array([2, 1, 3, 4]), "utleie")
    assert gk.tolist() == [0, 0, -1, 1]        # on the A|B boundary: the first, A
    a = effs[0]
    g = a["grunnkrets"]
    assert g["grunnkretsnummer"] == "A"
    assert g["for"]["andel_pct"] == pytest.approx(6.0) and g["etter"]["andel_pct"] == pytest.approx(8.0)
    # municipal share after: (6 + 30 + 2 + 2) / 300
    assert g["etter"]["lokaliseringskvotient"] == pytest.approx(0.08 / (40 / 300))
    assert g["for"]["lokaliseringskvotient"] == pytest.approx(0.06 / (38 / 300))
    assert g["endring_prosentpoeng"] == pytest.approx(2.0)
    assert a["bygning"]["bygg_id"] == "b1" and a["bygning"]["kobling"] == "innenfor"
    assert a["bygning"]["for"]["kommunale_enheter"] == 6
    assert a["bygning"]["etter"]["andel_pct"] == pytest.approx(100 * 8 / 40)
    assert a["radius"]["for"]["enheter_innen_radius"] == 6       # (1500, 500) is 1 250 m off
    assert a["radius"]["etter"]["enheter_innen_radius"] == 8
    assert a["advarsler"] == []
    out = effs[2]
    assert out["grunnkrets"] is None and out["bygning"] is None
    assert len(out["advarsler"]) == 2         # outside every grunnkrets; no building there
    b = effs[3]
    assert b["grunnkrets"]["etter"]["kommunale_enheter"] == 36           # 30 + 2 HF + 4
    assert b["bygning"]["bygg_id"] == "b2" and b["bygning"]["kobling"] == "nærmeste"
    assert b["radius"]["for"]["enheter_innen_radius"] == 32     # 30 + the HF 2 (446 m off)
    assert b["radius"]["for"]["housing_first_innen_radius"] == 2
    # new dwellings: the grunnkrets and the building grow, a new building where none is
    new, _ = purchase_effects(m, xy, np.array([2, 1, 3, 4]), "housing_first", new_dwellings=True)
    assert new[0]["grunnkrets"]["etter"]["andel_pct"] == pytest.approx(100 * 8 / 102)
    assert new[0]["grunnkrets"]["etter"]["housing_first_andel_pct"] == pytest.approx(100 * 2 / 102)
    assert new[2]["bygning"]["kobling"] == "ny bygning"
    assert new[2]["bygning"]["etter"]["andel_pct"] == pytest.approx(100.0)


def _random_points(m: C.ConcentrationModel, n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    b = m.grunnkretser.total_bounds
    xy = np.c_[rng.uniform(b[0] - 300, b[2] + 300, n), rng.uniform(b[1] - 300, b[3] + 300, n)]
    # some on the grunnkrets boundaries and on the dwellings themselves
    edges = shapely.boundary(m.grunnkretser.geometry.to_numpy())
    on = shapely.line_interpolate_point(edges[rng.integers(0, len(edges), n // 5)],
                                        rng.uniform(0, 1, n // 5), normalized=True)
    xy[: n // 5] = shapely.get_coordinates(on)
    dws = shapely.get_coordinates(m.dwellings.geometry.to_numpy())
    xy[n // 5: n // 5 + min(len(dws), n // 10)] = dws[: n // 10]
    return xy


@pytest.fixture(scope="module")
def demo():
    from geoplan import runs
    from geoplan.config import load_config
    from geoplan.io.layers import load
    cfg = load_config()
    ds = load(DEMO, config=cfg)
    return ds, runs.assessor(ds, cfg)


@pytest.mark.parametrize("kategori,new", [("utleie", False), ("housing_first", True),
                                          (None, False), ("omsorgsbolig", True)])
def test_batch_equals_one_at_a_time_and_the_rebuilt_model(demo, kategori, new):
    model = demo[1]._concentration(None).model
    xy = _random_points(model, 120, seed=len(kategori or "") + new)
    units = np.random.default_rng(5).integers(1, 9, len(xy))
    kat = model.kategori_name(kategori)
    effs, _gk = purchase_effects(model, xy, units, kat, new_dwellings=new)
    for i in range(len(xy)):
        one = model.purchase_effect(tuple(xy[i]), int(units[i]), kategori, new_dwellings=new,
                                    indices=False)
        assert effs[i] == one, i
    for i in range(0, len(xy), 12):          # the full join again, with the purchase in it
        after = model.with_purchase(tuple(xy[i]), int(units[i]), kategori, new_dwellings=new)
        (again,), _ = purchase_effects(after, xy[i:i + 1], np.array([1]), kat,
                                       new_dwellings=new)
        for scope in ("grunnkrets", "bygning", "radius"):
            mine, theirs = effs[i][scope], again[scope]
            if mine is None or mine["for"] is None:
                continue
            assert theirs is not None, (i, scope)
            for k, v in mine["etter"].items():
                w = theirs["for"][k]
                if isinstance(v, float):
                    assert w == pytest.approx(v, rel=1e-12), (i, scope, k)
                else:
                    assert w == v, (i, scope, k)


def _edge_sites(ds, n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    kommune = shapely.union_all(ds.get("kommune").geometry.to_numpy())
    minx, miny, maxx, maxy = kommune.bounds
    pad = 0.1 * (maxx - minx)
    xs = rng.uniform(minx - pad, maxx + pad, n)          # some outside the municipality
    ys = rng.uniform(miny - pad, maxy + pad, n)
    gk = ds.get("grunnkrets").geometry.to_numpy()
    on = shapely.line_interpolate_point(shapely.boundary(gk[rng.integers(0, len(gk), n // 3)]),
                                        rng.uniform(0, 1, n // 3), normalized=True)
    xs[: n // 3], ys[: n // 3] = shapely.get_x(on), shapely.get_y(on)   # on a boundary
    half = np.sqrt(rng.uniform(300, 15000, n)) / 2
    sq = shapely.box(xs - half, ys - half, xs + half, ys + half)
    return np.where(rng.uniform(size=n) < 0.5, shapely.points(xs, ys), sq)


@pytest.mark.parametrize("kategori", [None, "utleie", "omsorgsbolig", "Housing First"])
def test_assess_many_equals_assess_on_edge_cases(demo, kategori):
    ds, a = demo
    geoms = _edge_sites(ds, 48, seed=len(kategori or ""))
    units = np.random.default_rng(2).integers(0, 5, len(geoms))
    many = a.assess_many(gpd.GeoSeries(geoms, crs=ds.crs), units=units, kategori=kategori)
    by_nr = {r["tomt_nr"]: r for r in many["tomter"]}
    outside = 0
    for i, g in enumerate(geoms):
        one = a.assess(g, units=int(units[i]), kategori=kategori)
        r = by_nr[i + 1]
        assert r["kriterier"] == one["kriterier"], i
        assert (r["samlet"], r["oppsummering"], r["tomt"], r["kjop"]) == (
            one["samlet"], one["oppsummering"], one["tomt"], one["kjop"]), i
        outside += all(k["detaljer"].get("utenfor_dataene") for k in one["kriterier"])
    assert 0 < outside < len(geoms)           # the edge cases were met


def test_polygon_cells_equal_cells_in_one_at_a_time():
    from geoplan.analysis.sites.raster_cells import polygon_cells
    from geoplan.io.raster import Raster
    rng = np.random.default_rng(11)
    data = rng.normal(size=(60, 90))
    data[5:9, 5:30] = np.nan
    tr = Affine(25, 0, 500000, 0, -25, 6600000)
    r = Raster(Path("t.tif"), data, tr, CRS.from_epsg(EPSG))
    gs = []
    for i in range(600):
        cx, cy = 500000 + rng.uniform(-80, 2330), 6600000 - rng.uniform(-80, 1580)
        k = i % 5
        if k == 0:
            h = rng.uniform(2, 70)
            gs.append(box(cx - h, cy - h, cx + h, cy + h))
        elif k == 1:
            gs.append(Point(cx, cy).buffer(rng.uniform(2, 90)))
        elif k == 2:       # on grid lines and cell centres: left to the rasteriser
            x0, y0 = 500000 + 25 * rng.integers(0, 80), 6600000 - 25 * rng.integers(1, 55)
            gs.append(box(x0 + rng.choice([0, 12.5, 5]), y0, x0 + 25 * rng.integers(1, 4),
                          y0 + 25 * rng.integers(1, 4)))
        elif k == 3:
            gs.append(shapely.MultiPolygon([box(cx, cy, cx + 7, cy + 9),
                                            box(cx + 40, cy, cx + 90, cy + 60)]))
        else:              # smaller than a cell: the cells it touches
            gs.append(box(cx, cy, cx + rng.uniform(1, 9), cy + rng.uniform(1, 9)))
    arr = np.array(gs, dtype=object)
    many = polygon_cells(r, arr)
    for g, cells in zip(arr, many):
        np.testing.assert_array_equal(cells, r.cells_in(g), err_msg=g.wkt)


def test_fast_number_equals_the_formatter_and_status_equals_classify():
    from geoplan.analysis.sites.criteria import Criterion, classify
    from geoplan.analysis.sites.results import RowStatic
    from geoplan.analysis.sites.wording import fmt_num
    from geoplan.present.text import number
    rng = np.random.default_rng(3)
    vals = [0.0, -0.0, -0.04, -0.05, 0.05, 999.95, -999.95, 1e15, 2.5, -1234567.891,
            *rng.normal(0, 1e4, 2000).tolist(), *rng.normal(0, 1, 500).tolist()]
    for v in vals:
        for d in (0, 1, 2, 3):
            assert fmt_num(v, d) == number(v, d), (v, d)
    for direction, at in (("max", "better"), ("max", "worse"), ("min", "better"), ("min", "worse")):
        for yellow, red in ((10.0, 20.0), (None, 20.0), (10.0, None)):
            if direction == "min" and yellow is not None and red is not None:
                yellow, red = red, yellow
            c = Criterion(id="k", kind="distance", label="k", layer="skole", direction=direction,
                          yellow=yellow, red=red, options={"at_threshold": at})
            st = RowStatic(c)
            for v in [0.0, 9.9, 10.0, 10.1, 15.0, 19.99, 20.0, 20.01, 35.0, -3.0]:
                assert st.status(v) == classify(v, yellow, red, direction, at), (c, v)


def test_overlapping_zoning_counted_once_by_hand():
    # two zoning polygons that overlap on 10 × 100 m (a KPA and a plan loaded together),
    # and a third beside them sharing only an edge
    zon = gpd.GeoDataFrame({"arealformal": [1110, 1110, 2010]},
                           geometry=[box(0, 0, 60, 100), box(50, 0, 100, 100),
                                     box(100, 0, 200, 100)], crs=EPSG)
    section = {"criteria": [{"id": "formal", "kind": "zoning_share", "layer": "arealformal",
                             "label": "Formål", "unit": "%", "direction": "min", "codes": [1110],
                             "yellow": 100, "red": 50, "source": "test"}], "profiles": []}
    a = SiteAssessor.from_layers({"arealformal": zon}, section)
    res = a.assess_many([box(0, 0, 100, 100), box(80, 0, 120, 100), box(0, 0, 200, 100)])
    v = {r["tomt_nr"]: r["kriterier"][0]["verdi"] for r in res["tomter"]}
    assert v[1] == 100.0                 # 10 000 m² of 1110, not 11 000
    assert v[2] == 50.0                  # edge only: 20 × 100 of 1110 of 40 × 100
    assert v[3] == 50.0
    one = a.assess(box(0, 0, 100, 100))
    assert one["kriterier"][0]["verdi"] == 100.0


def test_rows_per_criterion_equal_criterion_row_and_nearest_off_equals_query_nearest():
    from geoplan.analysis.sites.criteria import Criterion
    from geoplan.analysis.sites.evaluators import _nearest_off
    from geoplan.analysis.sites.kinds import Measure
    from geoplan.analysis.sites.results import RowStatic, criterion_row, criterion_rows
    c = Criterion(id="k", kind="distance", label="K", layer="skole", yellow=10.0, red=20.0,
                  unit="m", decimals=1)
    ms = [Measure(value=v, text="t") for v in (0.0, 10.0, 10.04, 10.06, 20.0, 25.0, float("nan"))]
    ms += [Measure(reason="borte"), Measure(reason="Ukjent: x"), Measure(),
           Measure(value=3.0, text="s", status="gul"), Measure(value=5.0, text="o",
                                                               details={"offentlig_tekst": "p"})]
    st = RowStatic(c)
    one = [criterion_row(c, Measure(m.value, m.text, m.reason, dict(m.details), m.status), st)
           for m in ms]
    assert criterion_rows(c, ms, st) == one
    assert [r["status"] for r in one[:7]] == ["gronn", "gronn", "gronn", "gul", "gul", "rod", "ukjent"]
    # nearest feature of sites off the union: by hand against query_nearest, ties included
    feats = np.array([box(0, 0, 10, 10), box(20, 0, 30, 10), box(0, 20, 10, 30)], dtype=object)
    tree = shapely.STRtree(feats)
    union = shapely.union_all(feats)
    sites = np.array([Point(15, 5), Point(40, 5), Point(5, 40), Point(15, 15), Point(-3, -4),
                      box(12, 2, 14, 4)], dtype=object)     # (15, 5): a tie between 0 and 1
    sites = np.tile(sites, 8)        # enough sites for the candidate path (≥ 32)
    dist = shapely.distance(sites, union)
    s_i, f_i = _nearest_off(tree, sites, np.arange(len(sites)), dist)
    q_s, q_f = tree.query_nearest(sites, all_matches=False)
    assert s_i.tolist() == q_s.tolist() and f_i.tolist() == q_f.tolist()
    assert f_i[1] == 1 and f_i[2] == 2 and f_i[4] == 0 and f_i[5] == 0
