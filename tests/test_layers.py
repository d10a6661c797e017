"""Loading and validation: the bad inputs planners actually receive.

Every case checks the exit code of ``geoplan check`` and that the message is
Norwegian, names the file/layer/feature, and that no traceback is printed.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import LineString, Point, Polygon, box

from geoplan.errors import DataProblem, MissingLayer, UnreadableInput
from geoplan.io import Dataset, load, parse_xy, read_sites
from geoplan.present.cli.main import main

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).resolve().parent.parent

# A small place near Helgeroa, in EPSG:25832 (metres)
X0, Y0 = 555000.0, 6535000.0


def _boundary(**cols):
    base = {"navn": ["Helgeroa"]}
    base.update(cols)
    return gpd.GeoDataFrame(base, geometry=[box(X0, Y0, X0 + 1000, Y0 + 1000)], crs=25832)


def _school():
    return gpd.GeoDataFrame({"navn": ["Helgeroa skole"], "sted": ["Helgeroa"]},
                            geometry=[Point(X0 + 500, Y0 + 500)], crs=25832)


def _check(args, capsys):
    code = main(["check", *map(str, args), "--json"])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, (json.loads(out) if out.strip() else None), err


def _layer(report, name):
    return next(lag for lag in report["lag"] if lag["navn"] == name)


def test_clean_geopackage_without_optional_layers_is_ok(tmp_path, capsys):
    p = tmp_path / "kommune.gpkg"
    _boundary().to_file(p, layer="utviklingsgrense")
    _school().to_file(p, layer="skole")
    code, rep, _ = _check([p], capsys)
    assert code == 0
    assert rep["status"] == "ok"
    assert _layer(rep, "skole")["antall_beholdt"] == 1
    assert _layer(rep, "gangnett")["status"] == "mangler"   # optional, reported, not fatal


def test_missing_required_column_exit_1_names_layer_and_column(tmp_path, capsys):
    p = tmp_path / "k.gpkg"
    gpd.GeoDataFrame({"skolenavn": ["X"]}, geometry=[Point(X0, Y0)], crs=25832).to_file(p, layer="skole")
    code, rep, _ = _check([p], capsys)
    assert code == 1
    lag = _layer(rep, "skole")
    assert lag["status"] == "problem"
    assert any("«navn»" in m and "«skole»" in m for m in lag["meldinger"])


def test_wrong_geometry_type_exit_1(tmp_path, capsys):
    p = tmp_path / "k.gpkg"
    gpd.GeoDataFrame({"navn": ["Helgeroa"]}, geometry=[Point(X0, Y0)], crs=25832).to_file(
        p, layer="utviklingsgrense")
    code, rep, _ = _check([p], capsys)
    assert code == 1
    assert any("flater (Polygon)" in m for m in _layer(rep, "utviklingsgrense")["meldinger"])


def test_self_intersection_and_hole_outside_shell_are_repaired(tmp_path, capsys):
    bowtie = Polygon([(X0, Y0), (X0 + 100, Y0 + 100), (X0 + 100, Y0), (X0, Y0 + 100)])
    shell = [(X0, Y0), (X0 + 100, Y0), (X0 + 100, Y0 + 100), (X0, Y0 + 100)]
    hole_out = [(X0 + 200, Y0 + 200), (X0 + 250, Y0 + 200), (X0 + 250, Y0 + 250), (X0 + 200, Y0 + 250)]
    bad_hole = Polygon(shell, [hole_out])
    g = gpd.GeoDataFrame({"navn": ["Sløyfa", "Hullet"]}, geometry=[bowtie, bad_hole], crs=25832)
    p = tmp_path / "k.gpkg"
    g.to_file(p, layer="utviklingsgrense")
    code, rep, _ = _check([p], capsys)
    assert code == 0
    lag = _layer(rep, "utviklingsgrense")
    assert lag["antall_lest"] == 2 and lag["antall_reparert"] == 2
    assert lag["antall_lest"] == lag["antall_beholdt"] + lag["antall_avvist"]
    text = " ".join(lag["meldinger"])
    assert "Sløyfa" in text and "Hullet" in text and "selvkrysning" in text
    ds = load(p)
    areas = ds["utviklingsgrense"].set_index("navn").area
    # bow-tie: two triangles of 100 x 50 / 2 each -> 2 * 2500 m²
    assert areas["Sløyfa"] == pytest.approx(5000.0)
    # the hole outside the shell is not subtracted: the 100 x 100 shell stays (polygonal parts kept)
    assert areas["Hullet"] >= 10000.0 - 1e-6


def test_null_and_empty_geometries_are_dropped_and_counted(tmp_path, capsys):
    g = gpd.GeoDataFrame({"navn": ["a", "b", "c"]},
                         geometry=[Point(X0, Y0), None, Point()], crs=25832)
    p = tmp_path / "k.gpkg"
    g.to_file(p, layer="skole")
    code, rep, _ = _check([p], capsys)
    assert code == 0
    lag = _layer(rep, "skole")
    assert (lag["antall_lest"], lag["antall_beholdt"], lag["antall_avvist"]) == (3, 1, 2)


def test_empty_layer_is_reported_not_fatal(tmp_path, capsys):
    g = gpd.GeoDataFrame({"navn": []}, geometry=gpd.GeoSeries([], crs=25832), crs=25832)
    p = tmp_path / "k.gpkg"
    g.to_file(p, layer="skole")
    _boundary().to_file(p, layer="utviklingsgrense")
    code, rep, _ = _check([p], capsys)
    assert code == 0
    assert any("tomt" in m for m in _layer(rep, "skole")["meldinger"])


def test_no_crs_refused_unless_given(tmp_path, capsys):
    p = tmp_path / "skole.geojson"
    _school().set_crs(None, allow_override=True).to_file(p)
    # GeoJSON without crs member is WGS84 by spec; use a Shapefile without .prj instead
    shp = tmp_path / "skole.shp"
    _school().to_file(shp)
    shp.with_suffix(".prj").unlink()
    code, rep, _ = _check([shp], capsys)
    assert code == 1
    assert any("koordinatsystem" in m for m in _layer(rep, "skole")["meldinger"])
    code, rep, _ = _check([shp, "--crs", "25832"], capsys)
    assert code == 0


def test_geojson_in_degrees_is_reprojected(tmp_path, capsys):
    p = tmp_path / "skole.geojson"
    _school().to_crs(4326).to_file(p)
    code, rep, _ = _check([p], capsys)
    assert code == 0
    assert rep["crs"] == "EPSG:25832"
    ds = load(p)
    pt = ds["skole"].geometry.iloc[0]
    assert pt.x == pytest.approx(X0 + 500, abs=0.01) and pt.y == pytest.approx(Y0 + 500, abs=0.01)


def test_utm_label_holding_degrees_is_refused(tmp_path, capsys):
    g = gpd.GeoDataFrame({"navn": ["Helgeroa skole"]}, geometry=[Point(9.85, 58.99)], crs=25832)
    p = tmp_path / "skole.geojson"
    g.to_file(p)
    code, rep, _ = _check([p], capsys)
    assert code == 1
    assert any("grader" in m for m in _layer(rep, "skole")["meldinger"])


def test_swapped_axes_are_refused(tmp_path, capsys):
    g = gpd.GeoDataFrame({"navn": ["Helgeroa skole"]}, geometry=[Point(Y0 + 500, X0 + 500)], crs=25832)
    p = tmp_path / "skole.geojson"
    g.to_file(p)
    code, rep, _ = _check([p], capsys)
    assert code == 1
    assert any("byttet om" in m for m in _layer(rep, "skole")["meldinger"])


def _truncated_gpkg(folder) -> tuple:
    """«avkortet.gpkg» in ``folder``: a GeoPackage of 3 000 schools cut in half; and its size."""
    p = folder / "k.gpkg"
    big = gpd.GeoDataFrame({"navn": [f"skole {i}" for i in range(3000)]},
                           geometry=[Point(X0 + i, Y0 + i) for i in range(3000)], crs=25832)
    big.to_file(p, layer="skole")
    data = p.read_bytes()
    cut = folder / "avkortet.gpkg"
    cut.write_bytes(data[: len(data) // 2])
    return cut, len(data) // 2


def test_truncated_geopackage_exit_2(tmp_path, capsys):
    cut, _size = _truncated_gpkg(tmp_path)
    code, rep, err = _check([cut], capsys)
    assert code == 2
    assert rep["status"] == "ubrukelig"
    assert "avkortet" in rep["melding"] and "avkortet.gpkg" in rep["melding"]


def test_truncated_geopackage_names_a_path_with_commas_as_it_is(tmp_path, capsys):
    """The byte counts are formatted alone: the folder «Larvik, 2026» keeps its comma."""
    folder = tmp_path / "Larvik, 2026"
    folder.mkdir()
    cut, size = _truncated_gpkg(folder)
    code, rep, _err = _check([cut], capsys)
    assert code == 2
    assert "Larvik, 2026" in rep["melding"], rep["melding"]
    assert f"{size:,}".replace(",", "\u00a0") + "." in rep["melding"]


def test_text_file_named_gpkg_exit_2(tmp_path, capsys):
    p = tmp_path / "plan.gpkg"
    p.write_text("Dette er et notat, ikke geodata.\n", encoding="utf-8")
    code, rep, _ = _check([p], capsys)
    assert code == 2 and "ikke en GeoPackage" in rep["melding"]


def test_empty_file_exit_2(tmp_path, capsys):
    p = tmp_path / "skole.geojson"
    p.write_bytes(b"")
    code, rep, _ = _check([p], capsys)
    assert code == 2 and "tom" in rep["melding"]


def test_corrupt_gml_exit_2(tmp_path, capsys):
    text = (DATA / "kpa_sosi.gml").read_text(encoding="utf-8")
    p = tmp_path / "plan.gml"
    p.write_text(text[: int(len(text) * 0.6)], encoding="utf-8")  # cut mid-feature
    code, rep, _ = _check([p], capsys)
    assert code == 2
    assert "plan.gml" in rep["melding"] and ("skadet" in rep["melding"] or "avkortet" in rep["melding"])
    assert not list(tmp_path.glob("*.gfs"))


def test_broken_gml_is_named_in_norwegian_with_its_position(tmp_path, capsys):
    """A cut file gives the line and column where the XML stops, and a word that is no
    coordinate is quoted: never the parser's or numpy's English («no element found»,
    «could not convert string to float»)."""
    import re

    text = (DATA / "kpa_sosi.gml").read_text(encoding="utf-8")
    cut = tmp_path / "avkortet.gml"
    cut.write_text(text[: int(len(text) * 0.6)], encoding="utf-8")
    code, rep, _ = _check([cut], capsys)
    assert code == 2 and re.search(r"XML-feil ved linje \d+, kolonne \d+", rep["melding"])
    bad = tmp_path / "feil.gml"
    m = re.search(r"(<gml:posList[^>]*>)([^<]+)", text)
    assert m is not None
    words = m.group(2).split()
    words[3] = "12o3.5"                               # a letter o for a zero
    bad.write_text(text[:m.start(2)] + " ".join(words) + text[m.end(2):], encoding="utf-8")
    code, rep, _ = _check([bad], capsys)
    assert code == 2 and "«12o3.5», som ikke er et tall" in rep["melding"], rep["melding"]
    for english in ("no element found", "mismatched", "could not convert", "float"):
        assert english not in rep["melding"]


def test_sosi_gml_loads_as_arealformal_without_gfs_sidecar(tmp_path):
    p = tmp_path / "plan.gml"
    shutil.copy(DATA / "kpa_sosi.gml", p)
    ds = load(p)
    af = ds["arealformal"]
    assert sorted(af["arealformal"].tolist()) == [1110, 5100]
    assert set(af["arealbruksstatus"]) == {1, 2}
    assert "Nevlungen Øvre" in set(af["navn"])
    # 200 x 100 m and 300 x 100 m
    assert sorted(af.area.round(3)) == [20000.0, 30000.0]
    assert not list(tmp_path.glob("*.gfs"))


def test_norwegian_letters_survive_everywhere(tmp_path):
    g = gpd.GeoDataFrame({"navn": ["Tjøllingvollen"], "særmerke": ["Åsen ved fjæra"]},
                         geometry=[box(X0, Y0, X0 + 10, Y0 + 10)], crs=25832)
    p = tmp_path / "ærø.gpkg"
    g.to_file(p, layer="utviklingsgrense")
    ds = load(p)
    row = ds["utviklingsgrense"].iloc[0]
    assert row["navn"] == "Tjøllingvollen" and row["særmerke"] == "Åsen ved fjæra"


def test_single_file_needs_layer_name(tmp_path, capsys):
    p = tmp_path / "mine_skoler.geojson"
    _school().to_file(p)
    code, rep, _ = _check([p], capsys)
    assert code == 2 and "--layer" in rep["melding"]
    code, rep, _ = _check([p, "--layer", "skole"], capsys)
    assert code == 0


def test_folder_of_layer_files(tmp_path):
    _boundary().to_file(tmp_path / "utviklingsgrense.geojson")
    _school().to_file(tmp_path / "skole.shp")
    _school().to_parquet(tmp_path / "sentrum.parquet")
    ds = load(tmp_path)
    assert {"utviklingsgrense", "skole", "sentrum"} <= set(ds.layers)


def test_invalid_values_rejected_per_feature(tmp_path):
    g = gpd.GeoDataFrame({"antall_enheter": [2, 0, None], "kategori": ["utleie"] * 3,
                          "navn": ["a", "b", "c"]},
                         geometry=[Point(X0, Y0), Point(X0 + 1, Y0), Point(X0 + 2, Y0)], crs=25832)
    p = tmp_path / "k.gpkg"
    g.to_file(p, layer="kommunal_bolig")
    ds = load(p)
    rep = ds.reports["kommunal_bolig"]
    assert (rep.n_read, rep.n_kept, rep.n_rejected) == (3, 1, 2)
    assert "«b»" in " ".join(rep.messages)


def test_require_reports_missing_layer(tmp_path):
    p = tmp_path / "k.gpkg"
    _school().to_file(p, layer="skole")
    ds = load(p)
    with pytest.raises(MissingLayer) as e:
        ds.require("skole", "utviklingsgrense")
    assert "utviklingsgrense" in e.value.message and e.value.exit_code == 1


def test_zip_with_path_traversal_is_refused(tmp_path):
    import zipfile

    z = tmp_path / "farlig.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("../utenfor.txt", "x")
    with pytest.raises(UnreadableInput) as e:
        load(z)
    assert "ulovlig sti" in e.value.message


def test_zipped_shapefile_loads(tmp_path):
    import zipfile

    d = tmp_path / "shp"
    d.mkdir()
    _school().to_file(d / "skole.shp")
    z = tmp_path / "skoler.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for f in d.iterdir():
            zf.write(f, f.name)
    ds = load(z)
    assert len(ds["skole"]) == 1


def test_cli_never_shows_a_traceback(tmp_path):
    p = tmp_path / "tull.gpkg"
    p.write_bytes(b"\x00\x01garbage" * 10)
    r = subprocess.run([sys.executable, "-m", "geoplan", "check", str(p)], cwd=ROOT,
                       capture_output=True, text=True)
    assert r.returncode == 2
    assert "Traceback" not in r.stderr + r.stdout
    assert "tull.gpkg" in r.stderr


def test_only_reads_the_named_layers(tmp_path):
    p = tmp_path / "k.gpkg"
    _boundary().to_file(p, layer="utviklingsgrense")
    _school().to_file(p, layer="skole")
    ds = load(p, only=["skole"])
    assert set(ds.layers) == {"skole"}
    assert "utviklingsgrense" not in ds.reports   # not read, not reported as missing


def test_reguleringsplan_gml_without_arealbruksstatus_loads_as_planned(tmp_path):
    text = (DATA / "kpa_sosi.gml").read_text(encoding="utf-8")
    text = text.replace("KpArealformålOmråde", "RpArealformålOmråde")
    import re

    text = re.sub(r"<app:arealbruksstatus>\d</app:arealbruksstatus>", "", text)
    p = tmp_path / "regulering.gml"
    p.write_text(text, encoding="utf-8")
    ds = load(p)
    af = ds["arealformal"]
    assert list(af["arealbruksstatus"]) == [2, 2]
    assert set(af["plannivaa"]) == {"reguleringsplan"}
    assert any("utbygd" in m for m in ds.reports["arealformal"].messages)


def test_table_without_geometry_is_refused_by_name(tmp_path, capsys):
    import pandas as pd
    import pyogrio

    p = tmp_path / "tabell.gpkg"
    pyogrio.write_dataframe(pd.DataFrame({"navn": ["A"]}), p, layer="skole", driver="GPKG")
    code, rep, _ = _check([p], capsys)
    assert code == 2 and "ingen geometri" in rep["melding"] and "«skole»" in rep["melding"]
    # beside a usable layer, only that layer is unusable (exit 1)
    _boundary().to_file(p, layer="utviklingsgrense")
    code, rep, _ = _check([p], capsys)
    assert code == 1 and _layer(rep, "skole")["status"] == "ubrukelig"
    assert _layer(rep, "utviklingsgrense")["status"] == "ok"


def test_empty_feature_collection_is_an_empty_layer_not_a_schema_problem(tmp_path, capsys):
    import json as _json

    (tmp_path / "skole.geojson").write_text(_json.dumps({"type": "FeatureCollection", "features": []}))
    _boundary().to_file(tmp_path / "utviklingsgrense.geojson")
    code, rep, _ = _check([tmp_path], capsys)
    assert code == 0
    assert any("tomt" in m for m in _layer(rep, "skole")["meldinger"])


def test_shapefile_without_shx_names_the_missing_parts(tmp_path, capsys):
    _school().to_file(tmp_path / "skole.shp")
    (tmp_path / "skole.shx").unlink()
    _boundary().to_file(tmp_path / "utviklingsgrense.geojson")
    code, rep, _ = _check([tmp_path], capsys)
    assert code == 1
    assert any(".shx" in m and "ta med alle" in m for m in _layer(rep, "skole")["meldinger"])


# ---------------------------------------------------------------------------
# Dataset.from_frames: hand-built frames validated as files are
# ---------------------------------------------------------------------------

def _bow_tie(side: float = 100.0) -> Polygon:
    """A square's corners joined crosswise: two triangles of side²/4 each, meeting in the centre."""
    return Polygon([(X0, Y0), (X0 + side, Y0 + side), (X0 + side, Y0), (X0, Y0 + side)])


def _zoning(geoms):
    return gpd.GeoDataFrame({"arealformal": [1110] * len(geoms), "arealbruksstatus": [2] * len(geoms),
                             "navn": [f"felt {i + 1}" for i in range(len(geoms))]},
                            geometry=geoms, crs=25832)


def test_from_frames_repairs_a_bow_tie_polygon():
    ds = Dataset.from_frames({"arealformal": _zoning([_bow_tie(), box(X0, Y0, X0 + 10, Y0 + 10)])})
    rep = ds.reports["arealformal"]
    assert (rep.n_read, rep.n_kept, rep.n_repaired, rep.n_rejected) == (2, 2, 1, 0)
    assert rep.status == "advarsel"
    assert "selvkrysning" in " ".join(rep.messages) and "«felt 1»" in " ".join(rep.messages)
    # the crossing is where GEOS found it, written as a Norwegian reads coordinates
    from geoplan.numbers import fixed
    assert f"ved øst {fixed(X0 + 50, 1)}, nord {fixed(Y0 + 50, 1)}" in " ".join(rep.messages)
    assert "[" not in " ".join(rep.messages) and "make_valid" not in " ".join(rep.messages)
    g = ds["arealformal"].geometry
    assert g.is_valid.all()
    assert g.iloc[0].area == pytest.approx(2 * 100.0 * 50.0 / 2)   # two triangles, 2 500 m² each
    assert ds.epsg == 25832 and ds.status == "ok"


def test_from_frames_reprojects_degrees_to_the_data_zone():
    # on the central meridian of UTM zone 32 (9° E) the easting is 500 000 m by definition
    school = gpd.GeoDataFrame({"navn": ["Midtskolen"]}, geometry=[Point(9.0, 59.0)], crs=4326)
    ds = Dataset.from_frames({"skole": school, "utviklingsgrense": _boundary()})
    assert ds.epsg == 25832
    p = ds["skole"].geometry.iloc[0]
    assert p.x == pytest.approx(500000.0, abs=0.01)
    assert 6.50e6 < p.y < 6.60e6
    assert "Transformert fra EPSG:4326 til EPSG:25832." in ds.reports["skole"].messages
    assert school.crs.to_epsg() == 4326 and school.geometry.iloc[0].x == 9.0   # the input is untouched


def test_from_frames_in_degrees_only_chooses_the_zone_of_the_longitude():
    east = gpd.GeoDataFrame({"navn": ["Bodø skole"]}, geometry=[Point(14.4, 67.3)], crs=4326)
    assert Dataset.from_frames({"skole": east}).epsg == 25833
    finnmark = gpd.GeoDataFrame({"navn": ["Vadsø skole"]}, geometry=[Point(29.7, 70.1)], crs=4326)
    assert Dataset.from_frames({"skole": finnmark}).epsg == 25835


def test_from_frames_refuses_a_missing_required_column_naming_layer_and_column():
    bad = gpd.GeoDataFrame({"skolenavn": ["X"]}, geometry=[Point(X0, Y0)], crs=25832)
    ds = Dataset.from_frames({"skole": bad, "utviklingsgrense": _boundary()})
    assert not ds.has("skole") and ds.has("utviklingsgrense")
    rep = ds.reports["skole"]
    assert rep.status == "problem" and rep.n_rejected == 1
    assert any("«skole»" in m and "«navn»" in m for m in rep.messages)
    with pytest.raises(DataProblem) as e:
        ds["skole"]
    assert "«skole»" in e.value.message and "«navn»" in e.value.message
    assert ds.status == "problemer"


def test_from_frames_checks_values_crs_and_names():
    dwellings = gpd.GeoDataFrame(
        {"antall_enheter": [2, 0], "kategori": ["utleie", "utleie"], "navn": ["a", "b"]},
        geometry=[Point(X0, Y0), Point(X0 + 1, Y0)], crs=None)
    # no CRS on the frame: refused, unless given
    assert not Dataset.from_frames({"kommunal_bolig": dwellings}).has("kommunal_bolig")
    ds = Dataset.from_frames({"Kommunale boliger": dwellings}, crs=25833)   # the planners' name
    rep = ds.reports["kommunal_bolig"]
    assert ds.epsg == 25833 and (rep.n_kept, rep.n_rejected) == (1, 1)
    assert "«b»" in " ".join(rep.messages)
    assert ds.reports["grunnkrets"].status == "mangler"
    with pytest.raises(MissingLayer):
        ds.require("grunnkrets")
    with pytest.raises(UnreadableInput, match="«skoler»"):
        Dataset.from_frames({"skoler": _school()})
    with pytest.raises(UnreadableInput, match="ikke en GeoDataFrame"):
        Dataset.from_frames({"skole": _school().drop(columns="geometry")})
    with pytest.raises(UnreadableInput):
        Dataset.from_frames({})


def test_from_frames_working_epsg_from_config_and_rasters(tmp_path):
    import numpy as np
    from affine import Affine

    from geoplan.config import default_config
    from geoplan.io.raster import write_geotiff

    tif = write_geotiff(tmp_path / "terreng.tif", np.zeros((10, 10)),
                        Affine(10, 0, X0, 0, -10, Y0 + 100), 25832)
    cfg = default_config().with_overrides({"kommune.working_epsg": 25833})
    ds = Dataset.from_frames({"skole": _school()}, rasters={"terreng": tif}, config=cfg)
    assert ds.epsg == 25833 and ds.raster("terreng") == tif
    assert ds.reports["terreng.tif"].status == "ok"
    with pytest.raises(UnreadableInput, match="«hoyde»"):
        Dataset.from_frames({"skole": _school()}, rasters={"hoyde": tif})


def test_from_frames_agrees_with_loading_the_same_layers_from_a_file(tmp_path):
    frames = {"arealformal": _zoning([_bow_tie(), box(X0, Y0, X0 + 10, Y0 + 10)]),
              "skole": _school(), "utviklingsgrense": _boundary()}
    p = tmp_path / "k.gpkg"
    for name, gdf in frames.items():
        gdf.to_file(p, layer=name)
    from_file, from_frames = load(p), Dataset.from_frames(frames)
    assert from_file.epsg == from_frames.epsg
    for name in frames:
        a, b = from_file.reports[name].as_dict(), from_frames.reports[name].as_dict()
        a.pop("kilde"), b.pop("kilde")
        assert a == b
        assert from_file[name].geometry.geom_equals(from_frames[name].geometry).all()


# ---------------------------------------------------------------------------
# Typed coordinates and site files (geoplan.io.sites)
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["566000,6550000", "566000, 6550000", " 566000 ;6550000 ",
                                  "566000 6550000", "566000\t6550000", "+566000,6550000",
                                  "5.66e5,6.55e6", "566000.,6550000.0"])
def test_parse_xy_accepts_comma_semicolon_or_space(text):
    assert parse_xy(text) == (566000.0, 6550000.0)


def test_parse_xy_keeps_decimals_and_signs():
    assert parse_xy("-12.5, .25") == (-12.5, 0.25)


@pytest.mark.parametrize("text", ["", "abc", "566000", "1,2,3", "1,,2", "566000,5 6550000,5",
                                  "nan,6550000", "inf,6550000", "1e400,6550000", "566 000,6550000"])
def test_parse_xy_refuses_what_is_not_two_numbers(text):
    with pytest.raises(UnreadableInput) as e:
        parse_xy(text)
    assert f"«{text}»" in e.value.message and "X, Y" in e.value.message


def test_read_sites_from_coordinates_and_files(tmp_path):
    from pyproj import CRS

    crs = CRS.from_epsg(25832)
    one = read_sites("558500, 6547100", crs)
    assert list(one["navn"]) == ["Punkt 558500, 6547100"]
    assert (one.geometry.iloc[0].x, one.geometry.iloc[0].y) == (558500.0, 6547100.0)
    with pytest.raises(UnreadableInput, match="grader"):
        read_sites("10.1,59.0", crs)
    with pytest.raises(UnreadableInput, match="Fant ikke tomtefilen «1,2,3»"):
        read_sites("1,2,3", crs)
    p = tmp_path / "tomter.geojson"
    gpd.GeoDataFrame({"navn": ["A", "B"]}, geometry=[Point(9.0, 59.0), Point(9.0, 59.001)],
                     crs=4326).to_file(p)
    sites = read_sites(str(p), crs)
    assert sites.crs.equals(crs) and list(sites["navn"]) == ["A", "B"]
    assert sites.geometry.iloc[0].x == pytest.approx(500000.0, abs=0.01)
    line = tmp_path / "linje.geojson"
    gpd.GeoDataFrame(geometry=[LineString([(X0, Y0), (X0 + 1, Y0)])], crs=25832).to_file(line)
    with pytest.raises(DataProblem, match="LineString"):
        read_sites(str(line), crs)


def test_concentration_add_reads_x_y_as_parse_xy_does():
    import argparse

    from geoplan.present.cli.concentration import _parse_add

    assert _parse_add("562300,6547800,4") == (562300.0, 6547800.0, 4)
    assert _parse_add("562300; 6547800; 4") == (562300.0, 6547800.0, 4)
    assert _parse_add("562300 6547800 4.0") == (562300.0, 6547800.0, 4)
    for text, says in [("abc", "skriv X,Y,N"), ("1,2", "skriv X,Y,N"), ("a,b,4", "må være tall"),
                       ("nan,6547800,4", "må være tall"), ("562300,6547800,0", "heltall ≥ 1"),
                       ("562300,6547800,nan", "heltall ≥ 1"), ("562300,6547800,inf", "heltall ≥ 1")]:
        with pytest.raises(argparse.ArgumentTypeError, match=says):
            _parse_add(text)


@pytest.mark.parametrize("reason, text", [
    ("Self-intersection[562150.062734473 6547149.93726553]",
     "selvkrysning ved øst 562\u00a0150,1, nord 6\u00a0547\u00a0149,9"),
    ("Too few points in geometry component[0 0]", "for få punkter ved øst 0,0, nord 0,0"),
    ("Too few distinct points in geometry component[1 2]",
     "for få forskjellige punkter ved øst 1,0, nord 2,0"),
    ("Invalid Coordinate[0 nan]", "ugyldig koordinat (koordinaten er ikke et tall)"),
    ("Ring Self-intersection[5 0 7]", "ring som krysser seg selv ved øst 5,0, nord 0,0"),
    ("Holes are nested[3 4]", "nøstede hull ved øst 3,0, nord 4,0"),
    ("A reason GEOS may add later[1 2]", "ugyldig geometri ved øst 1,0, nord 2,0"),
])
def test_geos_reasons_in_norwegian(reason, text):
    from geoplan.io.validate import _reason_no
    assert _reason_no(reason) == text
