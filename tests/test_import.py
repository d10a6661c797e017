"""geoplan import: national products recognised by content and assembled into the contract.

The inputs are the files in tests/data/products/kommune_3909 (see the README there);
expected values are computed by hand from how those files were built.
"""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from geoplan.config import DEFAULT_CONFIG_DIR, load_config
from geoplan.errors import UnreadableInput
from geoplan.io.importer import import_data, write_import
from geoplan.present.cli.main import main

FOLDER = Path(__file__).parent / "data" / "products" / "kommune_3909"


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    out = tmp_path_factory.mktemp("imp") / "kommune.gpkg"
    res = import_data([FOLDER], kommune="3909")
    write_import(res, out, inputs=[FOLDER])
    return res, out


def _layer(out: Path, name: str) -> gpd.GeoDataFrame:
    return gpd.read_file(out, layer=name)


def test_cli_import_then_check_passes(tmp_path, capsys):
    out = tmp_path / "kommune.gpkg"
    assert main(["import", str(FOLDER), "--kommune", "3909", "--out", str(out), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    status = {x["navn"]: x for x in report["lag"]}
    assert status["kommunal_bolig"]["status"] == "mangler" and "geoplan geocode" in status["kommunal_bolig"]["kilde"]
    # written and usable (befolkning needs no antall_boliger), with where to get the column
    assert status["grunnkrets"]["status"] == "advarsel"
    assert "SSB" in status["grunnkrets"]["mangler"][0]["kilde"]
    assert main(["check", str(out), "--json"]) == 0
    check = json.loads(capsys.readouterr().out)
    written = {x["navn"]: x for x in check["lag"] if x["status"] != "mangler"}
    assert set(written) == {"kommune", "arealformal", "skole", "holdeplass", "gangnett", "ar5", "stoysone",
                            "grunnkrets"}
    assert all(x["status"] == "ok" and x["antall_avvist"] == 0 for x in written.values())


def test_departures_per_hour_from_gtfs(imported):
    _res, out = imported
    stops = _layer(out, "holdeplass").set_index("navn")
    # the terminal: 96 weekday departures 06:00-21:50 over the 16 h window 06-22
    assert stops.at["Larvik bussterminal", "avganger_per_time"] == pytest.approx(96 / 16)
    # Tjølling: twice a day (the 50 weekend departures do not count on a weekday)
    assert stops.at["Tjølling kirke", "avganger_per_time"] == pytest.approx(2 / 16)
    assert "Sandefjord bussterminal" not in stops.index          # outside Larvik: clipped


def test_schools_recognised_by_feature_type_not_file_name(imported):
    res, out = imported
    skole = _layer(out, "skole")
    assert sorted(skole["navn"]) == ["Mesterfjellet skole", "Torstrand skole"]   # vgs and Sandar left out
    assert skole.crs.to_epsg() == 25832                     # from EPSG:25833 as downloaded
    assert any("VideregåendeSkole" in f and "Ikke brukt" in w for f, w in res.files)


def test_a_renamed_column_is_a_config_change(tmp_path):
    cfg_dir = tmp_path / "config"
    shutil.copytree(DEFAULT_CONFIG_DIR, cfg_dir)
    toml = (cfg_dir / "products.toml").read_text(encoding="utf-8")
    (cfg_dir / "products.toml").write_text(toml.replace('navn = ["skolenavn"]', 'navn = ["skolenavn", "skole_navn"]')
                                           .replace('recognise = [["skolenavn"]', 'recognise = [["skolenavn", "skole_navn"]'),
                                           encoding="utf-8")
    gj = tmp_path / "data.geojson"
    gpd.GeoDataFrame({"skole_navn": ["Torstrand skole"], "nsrId": ["1"]},
                     geometry=[shapely.Point(566000, 6548600)], crs=25832).to_file(gj)
    res = import_data([gj], kommune="3909")
    assert "skole" not in res.layers                            # not recognised with the shipped config
    res = import_data([gj], kommune="3909", config=load_config(cfg_dir))
    assert list(res.layers["skole"]["navn"]) == ["Torstrand skole"]


def test_ar5_keeps_arealtype_and_marks_farmland(imported):
    _res, out = imported
    ar5 = _layer(out, "ar5").sort_values("arealtype")
    assert list(ar5["arealtype"]) == [21, 23, 30]               # the 11 outside Larvik is clipped
    assert list(ar5["jordbruksareal"]) == [True, True, False]
    assert list(ar5["treslag"]) == [98, 98, 31]


def test_walking_network_leaves_out_motorway_and_ferry(imported):
    res, out = imported
    net = _layer(out, "gangnett")
    assert len(net) == 2 and net["kilde"].str.contains("N50").all()
    assert any("motorvegtype" in d for d in [res.descriptions["gangnett"]])


def test_3d_buildings_become_footprints_and_lack_dwellings(imported):
    res, out = imported
    byg = _layer(out, "bygning_ufullstendig").set_index("bygg_id")
    assert not byg.geometry.has_z.any()
    # three 12 m × 9 m roofs in 3D; two gml:Solid buildings (10 × 8 and 20 × 15, walls drop out)
    assert byg.geometry.area.round(6).to_dict() == {"300100001": 108.0, "300100002": 108.0,
                                                    "300100003": 108.0, "300100005": 80.0,
                                                    "300100006": 300.0}
    assert res.incomplete["bygning"][0][0] == "antall_boliger"
    assert "matrikkelen" in res.incomplete["bygning"][0][1]


def test_population_is_joined_and_dwellings_counted_from_buildings(tmp_path):
    byg = tmp_path / "matrikkel_bygg.geojson"
    gpd.GeoDataFrame({"bygningsnummer": ["1", "2", "3"], "bygningstype": [111, 142, 111],
                      "antall_boliger": [1, 24, 1]},
                     geometry=[shapely.Point(565100, 6548100), shapely.Point(565300, 6548150),
                               shapely.Point(566200, 6548300)], crs=25832).to_file(byg)
    res = import_data([FOLDER / "nedlasting_b.gml", FOLDER / "nedlasting_c.gml", byg], kommune="3909")
    krets = res.layers["grunnkrets"].set_index("grunnkretsnummer")
    assert krets.at["39090101", "befolkning"] == 812 and krets.at["39090103", "befolkning"] == 96
    # buildings 1 and 2 lie in 39090101 (565000-566000), building 3 in 39090102
    assert krets.at["39090101", "antall_boliger"] == 25 and krets.at["39090102", "antall_boliger"] == 1
    assert krets.at["39090103", "antall_boliger"] == 0
    assert "ESTIMERT" in res.descriptions["grunnkrets"]


def test_zip_input_and_unknown_files_are_reported(tmp_path):
    z = tmp_path / "nedlasting.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.write(FOLDER / "ar5.gml", "sub/x1.gml")
        zf.writestr("les_meg.pdf", b"%PDF-1.4")
    res = import_data([z], kommune="3909")
    assert len(res.layers["ar5"]) == 3
    assert any(f.endswith("les_meg.pdf") and "ikke brukt" in w for f, w in res.files)


def test_unusable_inputs_leave_an_existing_output_alone(tmp_path, capsys):
    junk = tmp_path / "tabell.csv"
    junk.write_text("a;b\n1;2\n", encoding="utf-8")
    out = tmp_path / "kommune.gpkg"
    out.write_bytes(b"old")
    assert main(["import", str(junk), "--out", str(out)]) == 2
    assert "Ingen av filene" in capsys.readouterr().err
    assert out.read_bytes() == b"old"
    with pytest.raises(UnreadableInput, match="finnes ikke"):
        import_data([FOLDER], kommune="9999")


def test_plan_files_go_through_geoplan_io_load(tmp_path, monkeypatch):
    """SOSI text and SOSI-GML plans are read by the package's one loader (whatever formats it knows)."""
    import geoplan.io.loader as loader

    sos = tmp_path / "plan.sos"
    sos.write_text(".HODE\n..TEGNSETT UTF-8\n.SLUTT\n", encoding="utf-8")
    calls = []
    real = loader.load

    def spy(path, **kw):
        calls.append(Path(path).name)
        return real(FOLDER / "plan_3909.gml", **kw) if Path(path).suffix == ".sos" else real(path, **kw)

    monkeypatch.setattr(loader, "load", spy)
    res = import_data([sos, FOLDER / "plan_3909.gml"], kommune="3909")
    assert calls == ["plan.sos", "plan_3909.gml"]
    assert len(res.layers["arealformal"]) == 4 and set(res.layers["arealformal"]["arealformal"]) == {1110, 5100}


def test_kommune_layer_from_the_files_is_used_for_clipping(tmp_path):
    k = tmp_path / "kommuner.geojson"
    gpd.GeoDataFrame({"kommunenummer": ["3909", "3907"], "kommunenavn": ["Larvik", "Sandefjord"]},
                     geometry=[shapely.box(564000, 6547000, 567000, 6550000),
                               shapely.box(567000, 6547000, 590000, 6560000)], crs=25832).to_file(k)
    res = import_data([k, FOLDER / "ar5.gml", FOLDER / "nedlasting_a.gml"], kommune="3909")
    assert list(res.layers["kommune"]["kommunenavn"]) == ["Larvik"]
    # the AR5 test areas lie west of the box: nothing is left, and the report says so
    assert "ar5" not in res.layers and "Ingen objekter" in " ".join(res.reports["ar5"].messages)
    assert sorted(res.layers["skole"]["navn"]) == ["Mesterfjellet skole", "Torstrand skole"]


def test_layer_descriptions_in_the_geopackage(tmp_path):
    import sqlite3

    byg = tmp_path / "bygg.geojson"
    gpd.GeoDataFrame({"bygningsnummer": ["1"], "bygningstype": [111], "antall_boliger": [3]},
                     geometry=[shapely.Point(565100, 6548100)], crs=25832).to_file(byg)
    res = import_data([FOLDER / "nedlasting_b.gml", byg], kommune="3909")
    out = write_import(res, tmp_path / "k.gpkg")
    with sqlite3.connect(out) as con:
        desc = dict(con.execute("select table_name, description from gpkg_contents").fetchall())
    assert "ESTIMERT" in desc["grunnkrets"] and "nedlasting_b.gml" in desc["grunnkrets"]
    assert "bygg.geojson" in desc["bygning"]


def test_progress_bar_only_on_a_terminal():
    import io

    from geoplan.present.cli.progress import Progress

    class Tty(io.StringIO):
        def isatty(self):
            return True

    tty, pipe = Tty(), io.StringIO()
    for stream in (tty, pipe):
        with Progress("Leser", 4, stream=stream) as bar:
            for i in range(4):
                bar.update(i)
    assert "4/4" in tty.getvalue() and tty.getvalue().endswith("\n")
    assert pipe.getvalue() == ""


def test_a_truncated_download_is_named_and_the_rest_is_read(tmp_path):
    text = (FOLDER / "nedlasting_a.gml").read_text(encoding="utf-8")
    broken = tmp_path / "skoler.gml"
    broken.write_text(text[: len(text) // 2], encoding="utf-8")
    res = import_data([broken, FOLDER / "ar5.gml"], kommune="3909")
    assert any(f == "skoler.gml" and "skadet" in w for f, w in res.files)
    assert "skole" not in res.layers and len(res.layers["ar5"]) == 3


def _gtfs_folder(tmp_path) -> Path:
    import zipfile

    out = tmp_path / "gtfs"
    with zipfile.ZipFile(FOLDER / "rutedata.zip") as z:
        z.extractall(out)
    return out


def test_a_window_of_half_hours_is_named_with_a_decimal_comma(tmp_path):
    from geoplan.io.importer.transit import read_gtfs

    stops, notes = read_gtfs(_gtfs_folder(tmp_path), "gtfs", (6.0, 7.5))
    assert len(stops)
    assert any("mellom 06:00 og 07:30 delt på 1,5 timer" in n for n in notes), notes


def test_a_broken_gtfs_table_is_refused_in_norwegian_with_its_line(tmp_path):
    from geoplan.errors import UnreadableInput
    from geoplan.io.importer.transit import read_gtfs

    folder = _gtfs_folder(tmp_path)
    times = folder / "stop_times.txt"
    lines = times.read_text(encoding="utf-8").splitlines()
    lines.insert(3, lines[3] + ",ekstra,felt,for,mange")       # a row with too many fields
    times.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(UnreadableInput) as e:
        read_gtfs(folder, "rutedata", (6.0, 22.0))
    msg = e.value.message
    assert "stop_times.txt" in msg and "ved linje 4" in msg and "kommaseparert" in msg, msg
    for english in ("Error tokenizing", "C error", "Expected", "fields in line"):
        assert english not in msg, msg
    times.write_bytes("stop_id\nBr\xf8nn".encode("latin-1"))       # not UTF-8
    with pytest.raises(UnreadableInput, match="ikke UTF-8"):
        read_gtfs(folder, "rutedata", (6.0, 22.0))


def test_importing_gml_writes_nothing_beside_the_input(tmp_path):
    """GDAL's GML driver writes a .gfs schema file beside a GML it opens unless told not
    to; listing a file's layers told it nothing, so an import left eight .gfs files in
    the municipality's download folder."""
    src = tmp_path / "nedlastinger"
    shutil.copytree(FOLDER, src)
    before = sorted(p.name for p in src.iterdir())
    res = import_data([src], kommune="3909")
    assert res.layers                                   # it read them
    assert sorted(p.name for p in src.iterdir()) == before


def test_a_products_filter_rule_is_said_in_words():
    """«lavestetrinn høyst 10», not the TOML keys «max 10»."""
    from geoplan.io.importer.mapping import _rule_text
    assert _rule_text({"column": "lavestetrinn", "max": 10}) == "høyst 10"
    assert _rule_text({"column": "x", "min": 2.5, "max": 10}) == "minst 2,5 og høyst 10"
    assert _rule_text({"column": "x", "in": [1, 2], "not_in": ["9"]}) == "er en av 1, 2 og er ikke 9"
