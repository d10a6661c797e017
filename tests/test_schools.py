"""School circles: areas and distances against closed forms worked out by hand."""

from __future__ import annotations

import json
import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import LineString, Point, box

from geoplan.analysis.reserves import reserve_by_place
from geoplan.analysis.schools import analyse_schools as _analyse_schools
from geoplan.analysis.schools import (
    circle_coverage,
    collect_parcels,
    max_distance,
    nearest_school_distance,
    reserve_parcels,
    school_circles,
)
from geoplan.errors import DataProblem

CRS = 25832
R = 1500.0


def analyse_schools(*args, **kw):
    """The analysis with the criterion applied to every place (the geometry tests use
    made-up place names; which places it applies to is tested on its own below)."""
    kw.setdefault("applies_to", ())
    return _analyse_schools(*args, **kw)
# somewhere near Larvik, so the loader's coordinate checks pass in the CLI tests
X0, Y0 = 560_000.0, 6_550_000.0


def lens_area(r: float, d: float) -> float:
    """Area of the intersection of two circles of radius r whose centres are d apart."""
    return 2 * r * r * math.acos(d / (2 * r)) - (d / 2) * math.sqrt(4 * r * r - d * d)


def schools(*pts, names=None, steder=None):
    names = names or [f"Skole {i + 1}" for i in range(len(pts))]
    data = {"navn": names}
    if steder is not None:
        data["sted"] = steder
    return gpd.GeoDataFrame(data, geometry=[Point(p) for p in pts], crs=CRS)


def boundaries(*geoms, names=None):
    names = names or [f"Sted {i + 1}" for i in range(len(geoms))]
    return gpd.GeoDataFrame({"navn": names}, geometry=list(geoms), crs=CRS)


def test_square_centred_on_school_holds_the_whole_circle():
    res = analyse_schools(boundaries(box(-2000, -2000, 2000, 2000)), schools((0, 0)), radius_m=R)
    row = res.utviklingsgrenser.iloc[0]
    circle_daa = math.pi * R * R / 1000.0
    assert row["areal_daa"] == pytest.approx(16_000.0)
    assert row["innenfor_daa"] == pytest.approx(circle_daa, rel=1e-3)
    assert row["utenfor_daa"] == pytest.approx(16_000.0 - circle_daa, rel=1e-3)
    assert row["andel_innenfor_pct"] == pytest.approx(100 * circle_daa / 16_000.0, rel=1e-3)
    assert not row["oppfylt"]
    assert row["maks_avstand_m"] == pytest.approx(math.hypot(2000, 2000))
    assert row["regel"] == "innenfor" and row["skoler"] == ["Skole 1"]


def test_circle_polygon_has_the_area_of_the_circle():
    c = school_circles(schools((0, 0)), 1500.0, quad_segs=16)
    assert c.geometry.iloc[0].area == pytest.approx(math.pi * 1500.0 ** 2, rel=1e-9)


def test_boundary_wholly_inside_and_its_farthest_corner():
    # 1000 x 600 box, off centre; farthest corner from the school at the origin
    b = box(-300, -200, 700, 400)
    res = analyse_schools(boundaries(b), schools((0, 0)), radius_m=R)
    row = res.utviklingsgrenser.iloc[0]
    assert row["oppfylt"]
    assert row["innenfor_daa"] == pytest.approx(600.0)
    assert row["utenfor_daa"] == 0.0
    assert row["andel_innenfor_pct"] == pytest.approx(100.0)
    assert row["maks_avstand_m"] == pytest.approx(math.hypot(700, 400))


def test_boundary_centred_half_diagonal():
    res = analyse_schools(boundaries(box(-500, -500, 500, 500)), schools((0, 0)), radius_m=R)
    assert res.utviklingsgrenser["maks_avstand_m"].iloc[0] == pytest.approx(500 * math.sqrt(2))


def test_boundary_wholly_outside_uses_the_nearest_school():
    b = box(5000, 0, 6000, 1000)
    s = schools((0, 0), (3000, 0), names=["Fjern", "Nær"])
    res = analyse_schools(boundaries(b), s, radius_m=R)
    row = res.utviklingsgrenser.iloc[0]
    assert row["regel"] == "naermeste" and row["skoler"] == ["Nær"]
    assert row["innenfor_daa"] == 0.0
    assert row["utenfor_daa"] == pytest.approx(1000.0)
    assert not row["oppfylt"]
    assert row["maks_avstand_m"] == pytest.approx(math.hypot(3000, 1000))


def test_two_schools_union_of_circles_by_the_lens_formula():
    d = 2000.0
    s = schools((-d / 2, 0), (d / 2, 0))
    res = analyse_schools(boundaries(box(-5000, -5000, 5000, 5000)), s, radius_m=R)
    row = res.utviklingsgrenser.iloc[0]
    union = 2 * math.pi * R * R - lens_area(R, d)
    assert sorted(row["skoler"]) == ["Skole 1", "Skole 2"]
    assert row["innenfor_daa"] * 1000 == pytest.approx(union, rel=1e-3)
    assert row["utenfor_daa"] * 1000 == pytest.approx(100e6 - union, rel=1e-3)


def test_farthest_point_with_two_schools_lies_on_the_voronoi_edge():
    # schools at x = -1000 and 1000; the farthest point of the box from the nearest
    # school is where the bisector x = 0 meets the edge: (0, 500), not a corner
    s = np.array([[-1000.0, 0.0], [1000.0, 0.0]])
    b = box(-1500, -500, 1500, 500)
    assert max_distance([b], s)[0] == pytest.approx(math.hypot(1000, 500))
    # and a corner-only answer would have been smaller
    corners = shapely.get_coordinates(b)
    by_vertex = np.min(np.hypot(corners[:, None, 0] - s[None, :, 0],
                                corners[:, None, 1] - s[None, :, 1]), axis=1).max()
    assert by_vertex < math.hypot(1000, 500) - 100


def test_farthest_point_three_schools_interior_voronoi_vertex():
    # equilateral triangle of schools, circumradius 1000 round the origin; a small box
    # round the origin: the farthest point is the Voronoi vertex (the circumcentre)
    ang = np.deg2rad([90, 210, 330])
    s = np.c_[1000 * np.cos(ang), 1000 * np.sin(ang)]
    assert max_distance([box(-10, -10, 10, 10)], s)[0] == pytest.approx(1000.0, abs=1e-6)
    # duplicates of a school change nothing
    assert max_distance([box(-10, -10, 10, 10)], np.vstack([s, s[:1]]))[0] == pytest.approx(1000.0)


def test_sted_rule_wins_over_inside_and_nearest():
    b = boundaries(box(-1000, -1000, 1000, 1000), names=["Helgeroa"])
    s = schools((0, 0), (5000, 0), names=["Inni", "Helgeroa skole"], steder=["Annet", " helgeroa "])
    res = analyse_schools(b, s, radius_m=R)
    row = res.utviklingsgrenser.iloc[0]
    assert row["regel"] == "sted" and row["skoler"] == ["Helgeroa skole"]
    assert row["innenfor_daa"] == 0.0      # 5 km away: no overlap
    assert row["maks_avstand_m"] == pytest.approx(math.hypot(6000, 1000))


def test_circle_coverage_direct_half_plane():
    # a boundary covering exactly the right half of the circle's bounding box
    cov = circle_coverage([box(0, -3000, 3000, 3000)], np.array([[0.0, 0.0]]), [(0,)], R)
    assert cov["innenfor_daa"].iloc[0] * 1000 == pytest.approx(math.pi * R * R / 2, rel=1e-3)


def test_geographic_crs_is_refused():
    b = boundaries(box(10, 59, 10.1, 59.1)).set_crs(4326, allow_override=True)
    s = schools((10.05, 59.05)).set_crs(4326, allow_override=True)
    with pytest.raises(DataProblem, match="geografisk"):
        analyse_schools(b, s)
    with pytest.raises(DataProblem):
        nearest_school_distance(b, s)


def test_no_schools_is_a_data_problem():
    s = schools((0, 0)).iloc[:0]
    with pytest.raises(DataProblem, match="skole"):
        analyse_schools(boundaries(box(0, 0, 10, 10)), s)


def test_nearest_school_distance_points_and_polygons():
    s = schools((0, 0), (1000, 0), names=["A", "B"])
    geoms = gpd.GeoSeries([Point(300, 400), Point(1000, 50), box(2000, -10, 2100, 10), box(-5, -5, 5, 5),
                           Point()], crs=CRS, index=[10, 11, 12, 13, 14])
    out = nearest_school_distance(geoms, s)
    assert list(out.index) == [10, 11, 12, 13, 14]
    assert out.loc[10, "avstand_m"] == pytest.approx(500.0) and out.loc[10, "skole"] == "A"
    assert out.loc[11, "avstand_m"] == pytest.approx(50.0) and out.loc[11, "skole"] == "B"
    assert out.loc[12, "avstand_m"] == pytest.approx(1000.0) and out.loc[12, "skole"] == "B"
    assert out.loc[13, "avstand_m"] == 0.0
    assert np.isnan(out.loc[14, "avstand_m"])


def test_reserve_parcels_and_parcel_rules():
    af = gpd.GeoDataFrame({
        "arealformal": [1110, 1110, 1110, 2010, 1113],
        "arealbruksstatus": [2, 1, 2, 2, 1],
        "utbygd": [None, None, True, None, False],
        "navn": ["Reserve inne", "Bygd", "Utbygd", "Vei", None],
    }, geometry=[box(100, 100, 200, 200), box(0, 0, 10, 10), box(0, 0, 10, 10),
                 box(0, 0, 10, 10), box(4000, 0, 4100, 100)], crs=CRS)
    res = reserve_parcels(af, [1110, 1111, 1112, 1113])
    # named as `geoplan reserves` names the same rows: «Reserve <row>» without a name
    assert list(res["navn"]) == ["Reserve inne", "Reserve 4"]
    _, same, _ = reserve_by_place(af, boundaries(box(-300, -300, 300, 300)), [1110, 1111, 1112, 1113])
    assert list(res["navn"]) == list(same["navn"])
    inn = gpd.GeoDataFrame({"navn": ["Innspill A"], "sted": ["Kvelde"]},
                           geometry=[box(-2000, 0, -1000, 100)], crs=CRS)
    parcels = collect_parcels(af, inn, [1110, 1111, 1112, 1113])
    b = boundaries(box(-300, -300, 300, 300), names=["Helgeroa"])
    s = schools((0, 0), (4050, 2000), (-1500, 50), names=["H", "Fjern", "K"],
                steder=["Helgeroa", "X", "Kvelde"])
    out = analyse_schools(b, s, parcels=parcels, radius_m=R).parseller
    assert list(out["regel"]) == ["utviklingsgrense", "naermeste", "sted"]
    assert [x for x in out["skoler"]] == [["H"], ["Fjern"], ["K"]]
    assert out["innenfor_daa"].iloc[0] == pytest.approx(10.0)
    # box 4000..4100 x 0..100 from (4050, 2000): every point 1900..2000 m away
    assert out["innenfor_daa"].iloc[1] == 0.0
    assert out["maks_avstand_m"].iloc[1] == pytest.approx(math.hypot(50, 2000))
    assert out["oppfylt"].iloc[2]


# ------------------------------------------------------------------------------------ CLI
def _write_gpkg(path):
    def gdf(cols, geoms):
        shifted = [shapely.affinity.translate(g, X0, Y0) for g in geoms]
        return gpd.GeoDataFrame(cols, geometry=shifted, crs=CRS)

    layers = {
        "kommune": gdf({"kommunenummer": ["3909"], "kommunenavn": ["Larvik"]},
                       [box(-10_000, -10_000, 10_000, 10_000)]),
        "utviklingsgrense": gdf({"navn": ["Kvelde", "Helgeroa"]},
                                [box(-2000, -2000, 2000, 2000), box(-500, 5000, 500, 6000)]),
        "skole": gdf({"navn": ["Kvelde skole", "Nord skole"], "sted": ["Kvelde", "Helgeroa"]},
                     [Point(0, 0), Point(0, 5500)]),
        "innspill": gdf({"navn": ["Jordet"], "sted": ["Kvelde"]}, [box(100, 100, 300, 300)]),
        "gangnett": gdf({"id": [1, 2]}, [LineString([(-3000, 0), (3000, 0)]),
                                         LineString([(0, -3000), (0, 3000)])]),
    }
    for name, g in layers.items():
        g.to_file(path, layer=name, driver="GPKG")
    return path


@pytest.fixture
def gpkg(tmp_path):
    return _write_gpkg(tmp_path / "kommune.gpkg")


def test_cli_json(gpkg, capsys):
    from geoplan.present.cli.main import main
    assert main(["schools", str(gpkg), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    ug = {d["navn"]: d for d in out["utviklingsgrenser"]}
    assert set(ug["Kvelde"]) >= {"navn", "skoler", "areal_daa", "innenfor_daa", "utenfor_daa",
                                  "andel_innenfor_pct", "oppfylt", "maks_avstand_m"}
    assert ug["Kvelde"]["skoler"] == ["Kvelde skole"]
    assert ug["Kvelde"]["innenfor_daa"] == pytest.approx(math.pi * 1.5 ** 2 * 1000, rel=1e-3)
    assert ug["Kvelde"]["oppfylt"] is False
    assert ug["Helgeroa"]["oppfylt"] is True
    assert ug["Helgeroa"]["maks_avstand_m"] == pytest.approx(math.hypot(500, 500))
    assert out["parseller"][0]["navn"] == "Jordet"
    assert out["parseller"][0]["andel_innenfor_pct"] == pytest.approx(100.0)


def test_cli_radius_walking_and_geopackage(gpkg, tmp_path, capsys):
    import pyogrio

    from geoplan.present.cli.main import main
    target = tmp_path / "skoler.gpkg"
    code = main(["schools", str(gpkg), "--radius", "1000", "--walking", "--out", str(target),
                 "--json"])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert out["radius_m"] == 1000.0
    ug = {d["navn"]: d for d in out["utviklingsgrenser"]}
    assert ug["Kvelde"]["innenfor_daa"] == pytest.approx(math.pi * 1000, rel=1e-3)
    # the corridor along the two axes is far smaller than the circle
    assert 0 < ug["Kvelde"]["innenfor_gang_daa"] < ug["Kvelde"]["innenfor_daa"] / 5
    assert ug["Kvelde"]["innenfor_ikke_gang_daa"] == pytest.approx(
        ug["Kvelde"]["innenfor_daa"] - ug["Kvelde"]["innenfor_gang_daa"], rel=1e-6)
    # the northern school is 5.5 km from the network: reported, not silently 0
    assert any(d["hva"] == "skole" and d["navn"] == "Nord skole" for d in out["gang"]["ikke_naadd"])
    tk = {d["skole"]: d["tilknytning_m"] for d in out["gang"]["skoler_tilknytning"]}
    assert tk["Kvelde skole"] == pytest.approx(0.0) and tk["Nord skole"] is None
    p = out["parseller"][0]
    # point on surface of the 200 x 200 box at (200, 200) is 200 m from the nearest axis
    assert p["gangavstand_m"] == pytest.approx(400.0)
    names = {n for n, _ in pyogrio.list_layers(target)}
    assert {"utviklingsgrenser", "skolesirkler", "innenfor_sirkel", "utenfor_sirkel",
            "gangavstand_areal"} <= names
    pts = gpd.read_file(target, layer="skoler")
    assert "skoler" in names and pts.geometry.iloc[0].distance(Point(X0, Y0)) < 1e-6
    circ = gpd.read_file(target, layer="skolesirkler")
    assert circ.geometry.area.iloc[0] == pytest.approx(math.pi * 1000.0 ** 2, rel=1e-6)
    assert not list(tmp_path.glob(".skoler.*"))   # no temporary file left behind


def test_cli_human_output_is_norwegian(gpkg, capsys):
    from geoplan.present.cli.main import main
    assert main(["schools", str(gpkg)]) == 0
    text = capsys.readouterr().out
    assert "Skolesirkler" in text and "Utviklingsgrense" in text and "Oppfylt" in text


def test_cli_walking_without_gangnett_layer(tmp_path, capsys):
    from geoplan.present.cli.main import main
    path = tmp_path / "uten.gpkg"
    _write_gpkg(path)
    import pyogrio
    # rewrite without gangnett: copy every other layer into a new file
    target = tmp_path / "uten_nett.gpkg"
    for name, _ in pyogrio.list_layers(path):
        if name != "gangnett":
            gpd.read_file(path, layer=name).to_file(target, layer=name, driver="GPKG")
    assert main(["schools", str(target), "--walking"]) == 1
    err = capsys.readouterr().err
    assert "gangnett" in err and "Traceback" not in err


def test_cli_bad_out_suffix(gpkg, capsys):
    from geoplan.present.cli.main import main
    assert main(["schools", str(gpkg), "--out", "resultat.shp"]) == 2
    assert ".gpkg" in capsys.readouterr().err
    with pytest.raises(SystemExit) as refused:       # refused by the option's reader
        main(["schools", str(gpkg), "--radius", "-5"])
    assert refused.value.code == 2
    assert "--radius: «-5» må være større enn 0" in capsys.readouterr().err


def test_cli_set_overrides_the_radius(gpkg, capsys):
    from geoplan.present.cli.main import main
    assert main(["schools", str(gpkg), "--json", "--set", "schools.radius_m=1000"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["radius_m"] == 1000.0
    assert out["utviklingsgrenser"][0]["innenfor_daa"] == pytest.approx(math.pi * 1000, rel=1e-3)


def test_farthest_point_matches_a_dense_boundary_sample():
    # independent check: sample the boundary every 0.5 m; the farthest point of a
    # polygon from a set of points lies on its boundary
    rng = np.random.default_rng(7)
    s = rng.uniform(-2000, 2000, size=(5, 2))
    poly = shapely.Polygon([(-1800, -1500), (1700, -1900), (1900, 1200), (200, 400),
                            (-300, 1800), (-1900, 900)])
    exact = max_distance([poly], s)[0]
    dense = shapely.get_coordinates(shapely.segmentize(poly.exterior, 0.5))
    sampled = np.min(np.hypot(dense[:, None, 0] - s[None, :, 0],
                              dense[:, None, 1] - s[None, :, 1]), axis=1).max()
    assert sampled <= exact + 1e-6
    assert exact - sampled < 0.5


def test_reserve_parcels_report_the_boundary_they_lie_in():
    af = gpd.GeoDataFrame({"arealformal": [1110, 1110], "arealbruksstatus": [2, 2],
                           "navn": ["Inne", "Ute"]},
                          geometry=[box(100, 100, 200, 200), box(5000, 0, 5100, 100)], crs=CRS)
    parcels = collect_parcels(af, None, [1110])
    b = boundaries(box(-300, -300, 300, 300), names=["Helgeroa"])
    s = schools((0, 0), names=["H"], steder=["Helgeroa"])
    out = analyse_schools(b, s, parcels=parcels, radius_m=R).parseller.set_index("navn")
    assert out.loc["Inne", "sted"] == "Helgeroa"
    assert pd.isna(out.loc["Ute", "sted"])         # outside every boundary: no place claimed


def test_reserve_parcels_use_the_one_housing_reserve_rule():
    # 1119 (garasjeanlegg) is not housing: the shipped reserves.housing_codes are 1110-1113
    af = gpd.GeoDataFrame({"arealformal": [1110, 1119, 1113], "arealbruksstatus": [2, 2, 2],
                           "navn": ["Bolig", "Garasjer", None]},
                          geometry=[box(0, 0, 10, 10), box(20, 0, 30, 10), box(40, 0, 50, 10)],
                          crs=CRS)
    assert list(reserve_parcels(af)["navn"]) == ["Bolig", "Reserve 2"]
    assert list(collect_parcels(af)["navn"]) == ["Bolig", "Reserve 2"]


def test_places_match_by_the_one_place_key():
    # inner spaces and case as reserves.place_key treats them
    b = boundaries(box(5000, 5000, 5100, 5100), names=["Larvik  by"])
    s = schools((0, 0), (9000, 9000), names=["Byskolen", "Fjern"], steder=[" larvik BY", "X"])
    row = analyse_schools(b, s, radius_m=R).utviklingsgrenser.iloc[0]
    assert row["regel"] == "sted" and row["skoler"] == ["Byskolen"]


def test_defaults_come_from_the_shipped_settings():
    from geoplan.config.schools import SchoolSettings
    shipped = SchoolSettings.from_config()
    res = analyse_schools(boundaries(box(-100, -100, 100, 100)), schools((0, 0)))
    assert res.radius_m == shipped.radius_m
    custom = shipped.replace(radius_m=1000.0)
    assert analyse_schools(boundaries(box(-100, -100, 100, 100)), schools((0, 0)),
                           settings=custom).radius_m == 1000.0
    # a keyword wins over the settings object
    assert analyse_schools(boundaries(box(-100, -100, 100, 100)), schools((0, 0)),
                           settings=custom, radius_m=800.0).radius_m == 800.0


def test_cli_numbers_go_through_the_one_formatter():
    from geoplan.present.cli.schools import _num
    from geoplan.present.text import number
    assert _num(1234.56) == number(1234.56) == "1\u00a0234,6"
    assert _num(float("inf"), 0) == "ikke nådd"      # walking: the network does not connect
    assert _num(np.float64(np.inf)) == "ikke nådd"
    assert _num(None) == _num(float("nan")) == "–"


# ------------------------------------------------------------- whom the criterion applies to
def test_criterion_applies_only_to_the_named_places():
    """Boligplan 2015–2020, l. 2467–2469: the criteria are for the avklaringsområder; a
    boundary of another place reads «gjelder ikke», never a failure."""
    far = box(-3000, -3000, 3000, 3000)          # far outside a 1.5 km circle
    b = boundaries(far, shapely.affinity.translate(far, 20_000, 0),
                   names=["Larvik by", "Kvelde"])
    s = schools((0, 0), (20_000, 0), names=["A", "B"], steder=["Larvik by", "Kvelde"])
    ub = _analyse_schools(b, s, radius_m=R).utviklingsgrenser.set_index("navn")
    assert ub.at["Larvik by", "vurdering"] == "gjelder ikke"
    assert not ub.at["Larvik by", "gjelder"] and pd.isna(ub.at["Larvik by", "oppfylt"])
    assert ub.at["Kvelde", "vurdering"] == "ikke oppfylt" and not ub.at["Kvelde", "oppfylt"]
    # the measurements stay for information: 6 × 6 km square minus the circle
    assert ub.at["Larvik by", "utenfor_daa"] == pytest.approx(36_000 - math.pi * 1.5 ** 2 * 1000,
                                                              rel=1e-3)
    every = _analyse_schools(b, s, radius_m=R, applies_to=[]).utviklingsgrenser
    assert list(every["vurdering"]) == ["ikke oppfylt", "ikke oppfylt"]


def test_shipped_places_are_the_avklaringsomrader():
    from geoplan.config.schools import SchoolSettings
    s = SchoolSettings.from_config()
    assert [p for p in s.applies_to] == ["Helgeroa", "Tjøllingvollen", "Kvelde"]
    assert s.applies(" kvelde ") and not s.applies("Larvik by") and not s.applies("Stavern")
    assert not s.applies(None)


def test_cli_text_says_gjelder_ikke_for_larvik_by(tmp_path, capsys):
    from geoplan.present.cli.main import main
    path = _write_gpkg(tmp_path / "k.gpkg")
    ug = gpd.read_file(path, layer="utviklingsgrense")
    ug.loc[0, "navn"] = "Larvik by"
    ug.to_file(path, layer="utviklingsgrense", driver="GPKG")
    assert main(["schools", str(path)]) == 0
    out = capsys.readouterr().out
    line = next(ln for ln in out.splitlines() if ln.startswith("Larvik by"))
    assert "gjelder ikke" in line and " nei " not in line
    assert "Kriteriet gjelder 1 av 2 utviklingsgrenser" in out
