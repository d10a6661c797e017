"""File names pyogrio would misread, and site files through the readers DATA goes through.

Issue 13 item 11 («a ; in a file name opens another file», site files with an
inf point or a .csv) and issue 14's last bullet (a GeoJSON site file with UTM
numbers and no ``crs`` member gave every site ``POINT (Infinity Infinity)``).
"""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely
from pyproj import CRS, Transformer

from geoplan.errors import DataProblem, UnreadableInput
from geoplan.io import load, writers
from geoplan.io.gdalpath import gdal_path
from geoplan.io.sites import read_sites
from geoplan.present.cli.main import main

X0, Y0 = 500_000.0, 6_550_000.0
UTM32 = CRS.from_epsg(25832)


@pytest.fixture(autouse=True)
def _fresh_inputs():
    writers.forget_inputs()
    yield
    writers.forget_inputs()


def _geojson(path, coords, names=None, crs_member=None):
    feats = [{"type": "Feature", "properties": {"navn": (names or [f"T{i}" for i in range(len(coords))])[i]},
              "geometry": {"type": "Point", "coordinates": list(c)}} for i, c in enumerate(coords)]
    doc = {"type": "FeatureCollection", "features": feats}
    if crs_member:
        doc["crs"] = {"type": "name", "properties": {"name": crs_member}}
    text = json.dumps(doc).replace('"INF"', "Infinity")
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture()
def kommune(tmp_path):
    """A 4 x 4 km municipality with a school in its corner."""
    p = tmp_path / "kommune.gpkg"
    for name, geom in [("kommune", shapely.box(X0, Y0, X0 + 4000, Y0 + 4000)),
                       ("utviklingsgrense", shapely.box(X0, Y0, X0 + 2000, Y0 + 2000)),
                       ("skole", shapely.Point(X0, Y0))]:
        g = gpd.GeoDataFrame({"navn": [name]}, geometry=[geom], crs=25832)
        pyogrio.write_dataframe(g, p, layer=name, driver="GPKG")
    return p


# -- ; and ! in names -----------------------------------------------------------------

def test_a_semicolon_in_a_file_name_reads_that_file_not_the_part_before_it(tmp_path):
    _geojson(tmp_path / "skole;2024.geojson", [(X0 + 10, Y0 + 10), (X0 + 20, Y0 + 20)], ["A", "B"],
             "urn:ogc:def:crs:EPSG::25832")
    _geojson(tmp_path / "skole", [(X0 + 99, Y0 + 99)], ["Lokkemat"], "urn:ogc:def:crs:EPSG::25832")
    ds = load(tmp_path / "skole;2024.geojson", layer="skole")
    assert sorted(ds["skole"]["navn"]) == ["A", "B"]
    # and in a folder name too, and a GeoPackage (list_layers + read_info + read)
    (tmp_path / "mappe;1").mkdir()
    g = gpd.GeoDataFrame({"navn": ["C"]}, geometry=[shapely.Point(X0, Y0)], crs=25832)
    writers.write_gpkg_layers(tmp_path / "mappe;1" / "d;x.gpkg", [("skole", g)], owned=["skole"])
    assert (tmp_path / "mappe;1" / "d;x.gpkg").exists() and not (tmp_path / "mappe;1" / "d").exists()
    assert list(load(tmp_path / "mappe;1" / "d;x.gpkg")["skole"]["navn"]) == ["C"]


def test_plain_pyogrio_really_misreads_a_semicolon(tmp_path):
    """The cause, so the guard above cannot pass by accident: urlparse's URI parameters."""
    _geojson(tmp_path / "a;b.geojson", [(X0, Y0)], crs_member="urn:ogc:def:crs:EPSG::25832")
    with pytest.raises(Exception, match=r"a: No such file"):
        pyogrio.read_dataframe(str(tmp_path / "a;b.geojson"))
    assert gdal_path(tmp_path / "a;b.geojson") == "file://" + str(tmp_path / "a;b.geojson")
    assert gdal_path("rel.gpkg").startswith("/")          # «s3:x.gpkg» is no URI scheme either


def test_an_exclamation_mark_is_refused_in_norwegian_for_reading_and_writing(tmp_path, capsys):
    p = _geojson(tmp_path / "skole!.geojson", [(X0, Y0)], crs_member="urn:ogc:def:crs:EPSG::25832")
    assert main(["check", str(p), "--layer", "skole"]) == 2
    err = capsys.readouterr().err
    assert "«skole!.geojson» inneholder «!»" in err and "nytt navn" not in err and "navn uten «!»" in err
    # an output named with «!» is written as itself (a temporary name without it, renamed) ...
    g = gpd.GeoDataFrame(geometry=[shapely.Point(X0, Y0)], crs=25832)
    writers.write_gpkg_layers(tmp_path / "ut!.gpkg", [("skole", g)], owned=["skole"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["skole!.geojson", "ut!.gpkg"]
    # ... but not into a folder with «!», which pyogrio would write elsewhere
    (tmp_path / "mappe!").mkdir()
    with pytest.raises(UnreadableInput, match="Mappen .*mappe! har «!»"):
        writers.write_gpkg_layers(tmp_path / "mappe!" / "ut.gpkg", [("skole", g)], owned=["skole"])
    assert not list((tmp_path / "mappe!").iterdir()) and not list(tmp_path.glob("ut.gpkg"))


def test_convert_writes_a_semicolon_name_as_itself(tmp_path, capsys):
    from pathlib import Path
    src = Path(__file__).parent / "data" / "real" / "flate_oy.sos"
    out = tmp_path / "ut;1.gpkg"
    assert main(["convert", str(src), str(out)]) == 0, capsys.readouterr().err
    assert out.exists() and not (tmp_path / "ut").exists()
    assert len(pyogrio.list_layers(gdal_path(out))) >= 1


def test_gdal_english_never_reaches_the_message(tmp_path, capsys):
    (tmp_path / "skole.geojson").write_text('{"type": "FeatureCollection", "feat', encoding="utf-8")
    assert main(["check", str(tmp_path / "skole.geojson")]) == 2
    err = capsys.readouterr().err
    assert "skole.geojson" in err and "skadet" in err
    assert not any(w in err for w in ("recogni", "DRIVER", "Failed", "GeoJSON data", "error"))


# -- site files -------------------------------------------------------------------------

def test_geojson_site_in_utm_without_crs_is_refused_with_the_zone_hint(tmp_path):
    p = _geojson(tmp_path / "tomt.geojson", [(X0 + 500, Y0 + 500)])
    with pytest.raises(UnreadableInput) as e:
        read_sites(str(p), UTM32)
    assert "ser ut som EUREF89 UTM" in e.value.message and "--crs 25832" in e.value.message
    assert "Infinity" not in e.value.message


def test_geojson_site_in_utm_without_crs_is_placed_by_crs(tmp_path):
    p = _geojson(tmp_path / "tomt.geojson", [(X0 + 500, Y0 + 500)])
    s = read_sites(str(p), UTM32, crs="25832")
    assert (s.geometry.iloc[0].x, s.geometry.iloc[0].y) == (X0 + 500, Y0 + 500)
    # zone 33 numbers into zone 32 data: reprojected, checked against pyproj directly
    s33 = read_sites(str(p), UTM32, crs=25833)
    ex, ey = Transformer.from_crs(25833, 25832, always_xy=True).transform(X0 + 500, Y0 + 500)
    assert s33.geometry.iloc[0].x == pytest.approx(ex, abs=1e-6)
    assert s33.geometry.iloc[0].y == pytest.approx(ey, abs=1e-6)


def test_assess_with_a_crs_less_site_file_and_crs(kommune, tmp_path, capsys):
    p = _geojson(tmp_path / "tomt.geojson", [(X0 + 300, Y0 + 400)], ["Hagen"])
    assert main(["assess", str(kommune), "--site", str(p), "--json"]) == 2
    err = capsys.readouterr().err
    assert "--crs" in err and "Infinity" not in err and "Traceback" not in err
    assert main(["assess", str(kommune), "--site", str(p), "--crs", "25832", "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert "POINT (500300 6550400)" in json.dumps(res) or res["tomt"]["navn"] == "Hagen"
    assert "Infinity" not in json.dumps(res)


def test_site_declared_in_degrees_but_in_metres_is_named(tmp_path):
    p = _geojson(tmp_path / "tomt.geojson", [(X0, Y0)], ["Feil"], crs_member="urn:ogc:def:crs:OGC:1.3:CRS84")
    with pytest.raises(UnreadableInput) as e:
        read_sites(str(p), UTM32)
    assert "tomt.geojson" in e.value.message and "Infinity" not in e.value.message


def test_an_inf_point_is_refused_by_name(tmp_path):
    p = _geojson(tmp_path / "tomter.geojson", [(X0, Y0), ("INF", Y0)], ["Grei", "Uendelig"],
                 crs_member="urn:ogc:def:crs:EPSG::25832")
    with pytest.raises(UnreadableInput) as e:
        read_sites(str(p), UTM32)
    assert "«Uendelig» (objekt nr. 2)" in e.value.message and "Grei" not in e.value.message


def test_csv_sites_with_x_y_semicolons_and_decimal_commas(tmp_path):
    p = tmp_path / "tomter.csv"
    p.write_text("navn;X;Y;antall_enheter\nSkogen;500100,5;6550200;2\nBakken;500300;6550400,25;4\n",
                 encoding="cp1252")
    s = read_sites(str(p), UTM32)
    assert list(s["navn"]) == ["Skogen", "Bakken"] and list(s["antall_enheter"]) == [2.0, 4.0]
    assert [(g.x, g.y) for g in s.geometry] == [(500100.5, 6550200.0), (500300.0, 6550400.25)]


def test_csv_sites_in_lon_lat_are_reprojected(tmp_path):
    p = tmp_path / "tomter.csv"
    p.write_text("navn,lon,lat\nØst,9.0,59.0\n", encoding="utf-8")
    s = read_sites(str(p), UTM32)
    assert s["navn"].iloc[0] == "Øst"
    assert s.geometry.iloc[0].x == pytest.approx(500000.0, abs=0.01)   # 9° E is zone 32's centre


def test_csv_sites_x_y_in_another_zone_with_crs(tmp_path):
    p = tmp_path / "tomter.csv"
    p.write_text("x,y\n200000,7000000\n", encoding="utf-8")
    s = read_sites(str(p), CRS.from_epsg(25833), crs="25833")
    assert (s.geometry.iloc[0].x, s.geometry.iloc[0].y) == (200000.0, 7000000.0)


@pytest.mark.parametrize("body, says", [
    ("navn,x,y\nA,500000,6550000\nB,inf,6550000\n", "«B» (rad 3)"),
    ("navn,x,y\nA,500000,6550000\nB,,6550000\n", "«B» (rad 3)"),
    ("x,y\n500000,6550000\nabc,6550000\n", "rad 3"),
    ("navn,øst,nord\nA,10.1,59.0\n", "grader"),
    ("navn,adresse\nA,Storgata 1\n", "kolonnene X og Y"),
    ("", "tom"),
])
def test_bad_csv_sites_are_refused_in_norwegian(tmp_path, body, says):
    p = tmp_path / "tomter.csv"
    p.write_text(body, encoding="utf-8")
    with pytest.raises(UnreadableInput) as e:
        read_sites(str(p), UTM32)
    assert says in e.value.message and "tomter.csv" in e.value.message


def test_assess_reads_a_csv_site_file(kommune, tmp_path, capsys):
    p = tmp_path / "tomter.csv"
    p.write_text("navn,X,Y\nInne,500500,6550500\nOgså inne,501500,6551500\n", encoding="utf-8")
    assert main(["assess", str(kommune), "--site", str(p), "--json"]) == 0, capsys.readouterr().err
    res = json.loads(capsys.readouterr().out)
    assert sorted(t["navn"] for t in res["tomter"]) == ["Inne", "Også inne"]


def test_unknown_site_format_and_lines_are_refused(tmp_path):
    p = tmp_path / "tomt.txt"
    p.write_text("500000 6550000", encoding="utf-8")
    with pytest.raises(UnreadableInput, match="tomt.txt.*CSV"):
        read_sites(str(p), UTM32)
    line = tmp_path / "linje.geojson"
    gpd.GeoDataFrame(geometry=[shapely.LineString([(X0, Y0), (X0 + 1, Y0)])], crs=25832).to_file(line)
    with pytest.raises(DataProblem, match="LineString"):
        read_sites(str(line), UTM32)


def test_site_file_with_a_semicolon_name(tmp_path):
    p = _geojson(tmp_path / "tomt;1.geojson", [(X0 + 5, Y0 + 5)], ["Rett"], "urn:ogc:def:crs:EPSG::25832")
    _geojson(tmp_path / "tomt", [(X0 + 9, Y0 + 9)], ["Feil"], "urn:ogc:def:crs:EPSG::25832")
    s = read_sites(str(p), UTM32)
    assert list(s["navn"]) == ["Rett"] and np.isfinite(s.total_bounds).all()



def test_reading_a_gml_file_writes_no_gfs_file_beside_it(tmp_path):
    """GDAL's GML driver writes a .gfs schema beside a GML it opens unless told not to;
    geoplan's one reader of vector files (geoplan.io.readers.read_file) tells it."""
    from geoplan.io.readers import read_file

    src = tmp_path / "nedlasting"
    src.mkdir()
    gml = src / "omrade.gml"
    gdf = gpd.GeoDataFrame({"navn": ["A"]}, geometry=[shapely.box(560_000, 6_546_000,
                                                                  560_030, 6_546_020)], crs=25832)
    pyogrio.write_dataframe(gdf, gml, driver="GML")
    for p in [*src.glob("*.gfs"), *src.glob("*.xsd")]:   # a download without its schema
        p.unlink()
    before = sorted(p.name for p in src.iterdir())
    back = read_file(gml)
    assert len(back) == 1 and back.geometry.iloc[0].area == pytest.approx(600.0)
    assert sorted(p.name for p in src.iterdir()) == before
