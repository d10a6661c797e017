"""Outputs never touch inputs; values are checked where they enter (issue 13, items 7-12)."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import rasterio
import shapely
from rasterio.transform import from_origin

from geoplan.config import load_config, parse_set_options
from geoplan.errors import ConfigError, DataProblem, UnreadableInput
from geoplan.io import archive, writers
from geoplan.io.dataset import Dataset
from geoplan.io.raster import open_raster
from geoplan.io.sites import require_inside
from geoplan.io.validate import validate_layer
from geoplan.present.cli.main import main


def _gpkg(path, layers=("skole",)):
    for name in layers:
        g = gpd.GeoDataFrame({"navn": [name]}, geometry=[shapely.Point(566000, 6550000)], crs=25832)
        pyogrio.write_dataframe(g, path, layer=name, driver="GPKG")
    return path


@pytest.fixture(autouse=True)
def _fresh_inputs():
    writers.forget_inputs()
    yield
    writers.forget_inputs()


def test_output_equal_to_an_input_is_refused_by_any_name(tmp_path):
    data = _gpkg(tmp_path / "d.gpkg")
    writers.register_inputs([data])
    (tmp_path / "lenke.gpkg").symlink_to(data)
    os.link(data, tmp_path / "hard.gpkg")
    before = data.read_bytes()
    for target in (data, tmp_path / "lenke.gpkg", tmp_path / "hard.gpkg",
                   tmp_path / "sub" / ".." / "d.gpkg", tmp_path / "terreng.tif"):
        with pytest.raises(UnreadableInput, match="overskrevet"):
            writers.write_bytes_atomic(target, b"x", option="--out")
    assert data.read_bytes() == before
    writers.write_bytes_atomic(tmp_path / "resultat.gpkg", b"x")   # another name is fine


def test_nothing_is_written_into_a_data_folder(tmp_path):
    (tmp_path / "data").mkdir()
    writers.register_inputs([], folders=[tmp_path / "data"])
    with pytest.raises(UnreadableInput, match="datamappen"):
        writers.write_text_atomic(tmp_path / "data" / "rapport.html", "x", option="--out")


def test_cli_schools_out_equal_to_data_exits_2_and_keeps_the_data(tmp_path, capsys):
    import shutil

    from geoplan.io import DEFAULT_DATA
    data = tmp_path / "d.gpkg"
    shutil.copyfile(DEFAULT_DATA, data)
    before = data.read_bytes()
    assert main(["schools", str(data), "--out", str(data)]) == 2
    assert "selve inndatafilen" in capsys.readouterr().err
    assert data.read_bytes() == before


def test_existing_geopackage_keeps_the_layers_the_command_does_not_own(tmp_path):
    target = _gpkg(tmp_path / "ut.gpkg", ("mine", "skoler"))
    g = gpd.GeoDataFrame({"a": [1, 2]}, geometry=[shapely.Point(0, 0)] * 2, crs=25832)
    replaced, kept = writers.write_gpkg_layers(target, [("skoler", g), ("parseller", g)],
                                               owned=["skoler", "parseller"])
    assert (replaced, kept) == (["skoler"], ["mine"])
    names = sorted(str(n) for n, _ in pyogrio.list_layers(target))
    assert names == ["mine", "parseller", "skoler"]
    assert len(pyogrio.read_dataframe(target, layer="skoler")) == 2


def test_a_killed_write_leaves_a_recognisable_file_the_next_write_removes(tmp_path):
    code = ("import os, sys; from geoplan.io.writers import atomic_path\n"
            "with atomic_path(sys.argv[1]) as t:\n"
            "    open(t, 'w').write('halv'); os._exit(9)\n")
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    subprocess.run([sys.executable, "-c", code, str(tmp_path / "r.html")], env=env, check=False)
    left = [p.name for p in tmp_path.iterdir()]
    assert len(left) == 1 and writers.TMP_TAG in left[0]          # the killed write's leftover
    writers.write_text_atomic(tmp_path / "annen.html", "ny")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["annen.html"]


def test_unwritable_folder_is_named_not_the_hidden_temporary_file(tmp_path):
    ro = tmp_path / "les"
    ro.mkdir()
    os.chmod(ro, 0o500)
    try:
        if os.access(ro, os.W_OK):
            pytest.skip("root can write anywhere")
        with pytest.raises(UnreadableInput) as e:
            writers.write_text_atomic(ro / "r.html", "x")
        assert str(ro) in e.value.message and writers.TMP_TAG not in e.value.message
    finally:
        os.chmod(ro, 0o700)


def test_zip_extraction_lives_as_long_as_the_dataset_and_no_longer(tmp_path):
    arr = np.zeros((5, 5), dtype="float32")
    with rasterio.open(tmp_path / "terreng.tif", "w", driver="GTiff", width=5, height=5, count=1,
                       dtype="float32", crs="EPSG:25832",
                       transform=from_origin(566000, 6550000, 10, 10)) as dst:
        dst.write(arr, 1)
    _gpkg(tmp_path / "d.gpkg", ("skole", "kommune"))
    with zipfile.ZipFile(tmp_path / "d.zip", "w") as z:
        z.write(tmp_path / "d.gpkg", "d.gpkg")
        z.write(tmp_path / "terreng.tif", "terreng.tif")
    from geoplan.io import load
    ds = load(tmp_path / "d.zip")
    folder = ds.raster("terreng").parent
    assert folder.is_dir() and folder in archive.live_extractions()
    del ds
    import gc
    gc.collect()
    assert not folder.exists()


def test_extraction_folders_of_dead_processes_are_swept(tmp_path):
    stale = tmp_path / f"{archive.EXTRACT_PREFIX}999999999-abc"
    stale.mkdir()
    (stale / "adresser.tif").write_bytes(b"x")
    assert archive.sweep_extractions(tmp_path) == [stale]
    assert not stale.exists()


def test_zip_with_a_bad_crc_is_named(tmp_path):
    p = tmp_path / "x.zip"
    with zipfile.ZipFile(p, "w", zipfile.ZIP_STORED) as z:
        z.writestr("skole.geojson", "0123456789" * 10)
    raw = bytearray(p.read_bytes())
    raw[raw.find(b"0123")] = ord("9")
    p.write_bytes(bytes(raw))
    with pytest.raises(UnreadableInput, match="skadet.*skole.geojson"):
        archive.safe_extract_zip(p, tmp_path / "ut")


@pytest.mark.parametrize("item, words", [
    ("concentration.radius_m=nan", "endelig"),
    ("concentration.radius_m=inf", "endelig"),
    ("schools.walk_corridor_width_m=-10", "over 0"),
    ("kommune.min_count_public=-1", "fra og med 0"),
    ("concentration.radius_andel_pct=99999", "høyst 100"),
    ("concentration.bygning_maks_enheter=9223372036854775807", "høyst"),
    ("reserves.steder=[1,2]", "tabell"),
    ("sites.criteria=1", "liste av tabeller"),
])
def test_set_values_are_refused_by_name(item, words):
    with pytest.raises(ConfigError) as e:
        load_config(None, parse_set_options([item]))
    assert item.split("=")[0].split(".")[-1] in e.value.message or "steder" in e.value.message
    assert words in e.value.message


def _config_copy(tmp_path):
    from geoplan.config import DEFAULT_CONFIG_DIR
    for f in DEFAULT_CONFIG_DIR.glob("*.toml"):
        (tmp_path / f.name).write_bytes(f.read_bytes())
    return tmp_path


def test_config_file_with_wrong_type_unknown_key_or_latin1_names_file_and_line(tmp_path):
    d = _config_copy(tmp_path)
    text = (d / "schools.toml").read_text(encoding="utf-8")
    lines = text.splitlines()
    line_no = next(i for i, s in enumerate(lines, 1) if s.strip() == "[radius_m]") + 1
    assert lines[line_no - 1].startswith("value")
    lines[line_no - 1] = 'value = "langt"'
    (d / "schools.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=f"schools.toml, linje {line_no}: «schools.radius_m»"):
        load_config(d)
    (d / "schools.toml").write_text(text + "\n[radius_mm]\nvalue = 3\n", encoding="utf-8")
    n = len(text.splitlines()) + 2
    with pytest.raises(ConfigError, match=f"linje {n}: «schools.radius_mm» er en ukjent nøkkel"):
        load_config(d)
    (d / "schools.toml").write_bytes(text.encode() + "\n# Kjøring\n".encode("latin-1"))
    with pytest.raises(ConfigError, match="ikke lagret som UTF-8"):
        load_config(d)


def test_every_shipped_default_satisfies_the_schema_derived_from_it():
    from geoplan.config import DEFAULT_CONFIG_DIR
    assert load_config(DEFAULT_CONFIG_DIR).get("schools.radius_m") > 0


def _tif(path, crs, res, size=(50, 50), x0=10.0, y0=59.1):
    z = np.add.outer(np.arange(size[0]), np.arange(size[1])).astype("float32")
    with rasterio.open(path, "w", driver="GTiff", width=size[1], height=size[0], count=1,
                       dtype="float32", crs=crs, transform=from_origin(x0, y0, res, res)) as d:
        d.write(z, 1)
    return path


def test_terrain_in_degrees_is_reprojected_not_read_as_metres(tmp_path):
    # a plane rising 1 m per cell; cells of 0.0001° are about 11 m north-south, 5.7 m east-west
    r = open_raster(_tif(tmp_path / "t.tif", "EPSG:4326", 0.0001))
    assert r.crs.to_epsg() == 25832 and r.cellsize[0] > 1
    slope = np.nanmedian(r.slope_pct.data)
    assert 5 < slope < 40            # read as metres it would be about 1 400 000 %


def test_huge_raster_is_refused_from_its_header(tmp_path):
    p = tmp_path / "stor.tif"
    with rasterio.open(p, "w", driver="GTiff", width=20000, height=20000, count=1, dtype="uint8",
                       crs="EPSG:25832", transform=from_origin(500000, 6600000, 1, 1),
                       compress="deflate", tiled=True):
        pass
    assert p.stat().st_size < 2_000_000
    with pytest.raises(DataProblem, match="20\u00a0000 × 20\u00a0000"):
        open_raster(p)


def test_unreadable_raster_says_it_cannot_be_read_not_that_it_is_missing(tmp_path):
    p = tmp_path / "terreng.tif"
    p.write_bytes(b"II*\x00 not a tiff")
    with pytest.raises(UnreadableInput, match="kan ikke leses") as e:
        open_raster(p)
    assert str(tmp_path) not in e.value.message


def test_bad_counts_are_rejected_by_feature_and_the_rest_kept():
    g = gpd.GeoDataFrame({"antall_enheter": [1, np.inf, 1e300, "tre", 3],
                          "kategori": ["utleie"] * 5},
                         geometry=[shapely.Point(566000 + i, 6550000) for i in range(5)], crs=25832)
    out, rep = validate_layer(g, "kommunal_bolig")
    assert out["antall_enheter"].tolist() == [1, 3]
    assert "objekt nr. 2" in rep.messages[0] and "objekt nr. 4" in rep.messages[0]


def test_a_school_at_infinity_is_rejected_by_name():
    g = gpd.GeoDataFrame({"navn": ["Uendelig", "Kvelde skole"]},
                         geometry=[shapely.Point(np.inf, 6550000), shapely.Point(566000, 6550000)],
                         crs=25832)
    out, rep = validate_layer(g, "skole")
    assert out["navn"].tolist() == ["Kvelde skole"] and "Uendelig" in rep.messages[0]


def _municipality():
    kom = gpd.GeoDataFrame({"kommunenummer": ["3909"], "kommunenavn": ["K"]},
                           geometry=[shapely.box(560000, 6540000, 580000, 6560000)],
                           crs=25832)
    ds = Dataset.from_frames({"kommune": kom})
    assert ds.has("kommune"), ds.reports["kommune"].messages
    return ds


def test_sites_outside_the_municipality_are_refused_and_swapped_axes_recognised():
    ds = _municipality()
    require_inside([shapely.Point(566000, 6550000)], ds)
    with pytest.raises(UnreadableInput, match="byttet om"):
        require_inside([shapely.Point(6550000, 566000)], ds, "--add")
    with pytest.raises(UnreadableInput, match="utenfor kommunen"):
        require_inside([shapely.Point(1e8, 1e8)], ds, "--site")


@pytest.mark.parametrize("argv, words", [
    (["app", "--port", "-1"], "gyldig port"),
    (["assess", "--site", "566000,6550000", "--units", "9223372036854775807"], "fra 0 til"),
    (["concentration", "--add", "566000,6550000,9223372036854775807"], "566000,6550000"),
])
def test_option_ranges_are_usage_errors_with_the_value_kept(argv, words, capsys):
    with pytest.raises(SystemExit) as e:
        main(argv)
    assert e.value.code == 2
    assert words in capsys.readouterr().err


def test_a_geopackage_no_layer_of_which_can_be_read_says_why_once(tmp_path, monkeypatch):
    """Every layer failing the same way (GDAL cannot read the pages) is one sentence and
    the layers' names, not the sentence once per layer."""
    import shutil

    from geoplan.io import load
    from geoplan.io.loader import DEFAULT_DATA

    monkeypatch.setenv("GEOPLAN_HURTIGLAGER", "0")
    src = tmp_path / "kommune.gpkg"
    shutil.copy(DEFAULT_DATA, src)

    def broken(*_a, **_k):
        raise pyogrio.errors.DataSourceError("database disk image is malformed")

    monkeypatch.setattr(pyogrio, "read_dataframe", broken)
    with pytest.raises(UnreadableInput) as e:
        load(src)
    msg = e.value.message
    assert msg.count("Kan ikke lese laget") == 1, msg
    assert "Det samme gjelder" in msg and "«grunnkrets»" in msg and "«skole»" in msg, msg
    assert len(msg) < 1200, len(msg)
    assert "malformed" not in msg


_GML_HEAD = ('<?xml version="1.0" encoding="utf-8"?>\n<wfs:FeatureCollection '
             'xmlns:wfs="http://www.opengis.net/wfs/2.0" xmlns:gml="http://www.opengis.net/gml/3.2" '
             'xmlns:app="http://skjema.geonorge.no/SOSI/produktspesifikasjon/Test">')


def _school_gml(envelope_dim: str, point_dim: str, pos: str = "562300 6547800") -> str:
    return (f'{_GML_HEAD}<gml:boundedBy><gml:Envelope srsName="urn:ogc:def:crs:EPSG::25832"'
            f'{envelope_dim}><gml:lowerCorner>0 0</gml:lowerCorner></gml:Envelope></gml:boundedBy>'
            '<wfs:member><app:Skole gml:id="s1"><app:navn>A</app:navn><app:posisjon><gml:Point '
            f'srsName="urn:ogc:def:crs:EPSG::25832"{point_dim}><gml:pos>{pos}</gml:pos></gml:Point>'
            '</app:posisjon></app:Skole></wfs:member></wfs:FeatureCollection>\n')


@pytest.mark.parametrize("envelope_dim, point_dim, pos, words", [
    (' srsDimension="x"', "", "562300 6547800", ["gml:Envelope", "«x»", "ikke 2 eller 3"]),
    ("", ' srsDimension="abc"', "562300 6547800", ["Skole «s1»", "«abc»"]),
    ("", "", "562300 seks", ["Skole «s1»", "«seks»"]),
])
def test_unreadable_gml_geometry_is_named_in_norwegian(tmp_path, capsys, envelope_dim, point_dim,
                                                       pos, words):
    """No «invalid literal for int()» from a bad srsDimension: the element and the value
    are named, and the command exits 2 without a traceback or «uventet feil»."""
    src = tmp_path / "plan.gml"
    src.write_text(_school_gml(envelope_dim, point_dim, pos), encoding="utf-8")
    assert main(["convert", str(src), str(tmp_path / "ut.gpkg")]) == 2
    err = capsys.readouterr().err
    assert "plan.gml" in err and "uventet" not in err and "invalid" not in err, err
    for w in words:
        assert w in err, err
    assert not (tmp_path / "ut.gpkg").exists()


def test_operating_system_reasons_are_norwegian(tmp_path, capsys):
    """A folder given as a file, a name longer than the file system takes: the path and
    a Norwegian reason, never the system's English words or «uventet feil»."""
    folder = tmp_path / "x.sos"
    folder.mkdir()
    assert main(["convert", str(folder), str(tmp_path / "ut.gpkg")]) == 2
    err = capsys.readouterr().err
    assert "x.sos" in err and "er en mappe" in err and "Is a directory" not in err, err
    long = tmp_path / ("a" * 300 + ".gpkg")
    assert main(["check", str(long)]) == 2
    err = capsys.readouterr().err
    assert "for langt" in err and "uventet" not in err and "File name too long" not in err, err


def test_os_reason_covers_reading_and_writing():
    import errno as _errno

    from geoplan.errors import os_reason
    e = PermissionError(_errno.EACCES, "Permission denied", "/x")
    assert os_reason(e) == "mangler tilgang (lese- eller skriverettighet)"
    assert os_reason(e, writing=True) == "ingen skrivetilgang"
    assert os_reason(OSError(_errno.ENOSPC, "No space left on device")) == "disken er full"
    assert "feilkode" in os_reason(OSError(_errno.ECHILD, "No child processes"))
