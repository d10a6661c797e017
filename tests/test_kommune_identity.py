"""The municipality comes from the data; outputs say so when the parameters are another's."""

from __future__ import annotations

import geopandas as gpd
from shapely.geometry import Point, box

from geoplan.config import default_config
from geoplan.config.kommune import identify_kommune

CRS = "EPSG:25832"
X0, Y0 = 440_000.0, 6_445_000.0


def gdf(geoms, **cols):
    return gpd.GeoDataFrame(cols, geometry=list(geoms), crs=CRS)


def kristiansand():
    return {
        "kommune": gdf([box(X0, Y0, X0 + 4000, Y0 + 4000)], kommunenummer=["4204"],
                       kommunenavn=["Kristiansand"]),
        "arealformal": gdf([box(X0, Y0, X0 + 2000, Y0 + 4000)], arealformal=[1110],
                           arealbruksstatus=[1]),
        "skole": gdf([Point(X0 + 500, Y0 + 500)], navn=["Lunds skole"]),
    }


def test_data_of_another_municipality_than_the_config_are_named_and_flagged():
    ident = identify_kommune(kristiansand(), default_config())
    assert (ident.nummer, ident.navn, ident.config_nummer) == ("4204", "Kristiansand", "3909")
    assert ident.foreign_config
    banner = ident.banner()
    assert "Kristiansand (4204)" in banner and "Larvik kommune (3909)" in banner


def test_the_number_may_come_from_the_grunnkretser_and_its_name_from_kartverkets_list():
    layers = {"grunnkrets": gdf([box(0, 0, 1, 1)], grunnkretsnummer=["03010101"],
                                antall_boliger=[10])}
    ident = identify_kommune(layers, default_config())
    assert (ident.nummer, ident.navn) == ("0301", "Oslo")
    assert "grunnkretsnumrene" in ident.kilde and ident.foreign_config


def test_matching_data_give_no_banner_and_silent_data_say_so():
    layers = {"kommune": gdf([box(0, 0, 1, 1)], kommunenummer=["3909"], kommunenavn=["Larvik"])}
    assert identify_kommune(layers, default_config()).banner() is None
    silent = identify_kommune({"skole": gdf([Point(0, 0)], navn=["A"])}, default_config())
    assert not silent.known
    assert "oppgir ikke" in silent.banner()
    assert silent.label.startswith("Larvik (etter konfigurasjonen")


def test_report_header_on_kristiansand_data_is_kristiansand_with_the_banner_first():
    from geoplan.io.dataset import Dataset
    from geoplan.present.report.render import render_html, report_meta
    ds = Dataset.from_frames(kristiansand())
    html = render_html([], report_meta(ds, default_config(), "Rapport", "Test"))
    assert "Kristiansand (4204)" in html
    assert ">Larvik<" not in html
    assert html.index("kommune-merknad") < html.index("<h1>")


def test_cli_assess_names_the_municipality_and_warns_first(tmp_path, capsys):
    from geoplan.present.cli.main import main
    path = tmp_path / "kristiansand.gpkg"
    for name, g in kristiansand().items():
        g.to_file(path, layer=name, driver="GPKG")
    assert main(["assess", str(path), "--site", f"{X0 + 1000},{Y0 + 1000}"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Merk: dataene gjelder Kristiansand (4204)")
    assert "Kommune: Kristiansand (4204)" in out
    assert "Kommune Larvik" not in out and "Kommune: Larvik" not in out
