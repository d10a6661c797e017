"""Site assessment (issue 6): hand-built layers, verdicts worked out by hand."""

from __future__ import annotations

import json
import math
import tomllib

import geopandas as gpd
import numpy as np
import pytest
from affine import Affine
from shapely.geometry import LineString, Point, box

from geoplan.analysis.sites import (
    SiteAssessor,
    classify,
    criteria_from_config,
    overall_status,
    select_criteria,
)
from geoplan.config import DEFAULT_CONFIG_DIR, Config
from geoplan.errors import ConfigError, DataProblem

CRS = "EPSG:25832"
X0, Y0 = 500_000.0, 6_550_000.0


def sites_section() -> dict:
    with open(DEFAULT_CONFIG_DIR / "sites.toml", "rb") as fh:
        return tomllib.load(fh)


def cfg_only_sites(extra_criteria: list[dict] | None = None) -> Config:
    """The repository's sites.toml alone (references to other files fall back to its numbers)."""
    sec = sites_section()
    if extra_criteria:
        sec["criteria"] = sec["criteria"] + extra_criteria
    return Config({"sites": sec}, origin="test")


def gdf(geoms, **cols):
    return gpd.GeoDataFrame(cols, geometry=list(geoms), crs=CRS)


@pytest.fixture()
def layers():
    """A 4 x 4 km municipality: boundary, zoning, a school, stops, a quarry, a centre."""
    return {
        "utviklingsgrense": gdf([box(X0, Y0, X0 + 2000, Y0 + 2000)], navn=["Testby"]),
        "arealformal": gdf([box(X0, Y0, X0 + 1000, Y0 + 2000), box(X0 + 1000, Y0, X0 + 4000, Y0 + 2000)],
                           arealformal=[1110, 5100], arealbruksstatus=[1, 1]),
        "skole": gdf([Point(X0, Y0)], navn=["Testby skole"]),
        "holdeplass": gdf([Point(X0 + 450, Y0 + 1000)], navn=["Torget"]),
        "sentrum": gdf([Point(X0 + 500, Y0 + 1000)], navn=["Testby"]),
        "steinbrudd": gdf([Point(X0 + 3000, Y0 + 3000)], navn=["Bruddet"]),
    }


def by_id(result: dict) -> dict:
    return {k["id"]: k for k in result["kriterier"]}


# --------------------------------------------------------------------------- rules

def test_classify_directions_and_boundaries():
    assert classify(1500.0, 1500, 3000, "max") == "gronn"     # at the threshold: good side
    assert classify(1500.1, 1500, 3000, "max") == "gul"
    assert classify(3000.1, 1500, 3000, "max") == "rod"
    assert classify(499.9, 1000, 500, "min") == "rod"
    assert classify(999.9, 1000, 500, "min") == "gul"
    assert classify(1000.0, 1000, 500, "min") == "gronn"
    assert classify(55.0, 55, 65, "max", at_threshold="worse") == "gul"   # T-1442 zone limit
    assert classify(54.9, 55, 65, "max", at_threshold="worse") == "gronn"
    assert classify(65.0, 55, 65, "max", at_threshold="worse") == "rod"
    assert classify(None, 1, 2) == "ukjent"
    assert classify(float("nan"), 1, 2) == "ukjent"
    assert overall_status(["gronn", "ukjent", "gul"]) == "gul"
    assert overall_status(["gul", "rod"]) == "rod"
    assert overall_status(["gronn", "ukjent"]) == "gronn"


def test_config_has_the_required_ids_with_sources():
    crits, profiles = criteria_from_config(cfg_only_sites())
    ids = {c.id for c in crits}
    required = {"utviklingsgrense", "arealformal", "skole_avstand", "skole_gangavstand",
                "kollektiv_avstand", "kollektivakse_avstand", "sentrum_avstand",
                "steinbrudd_avstand", "stoy", "terreng", "konsentrasjon_grunnkrets",
                "konsentrasjon_radius", "konsentrasjon_bygning"}
    assert required <= ids
    for c in crits:
        assert c.source and c.label and c.unit, c.id
    assert profiles


def test_invalid_criterion_gives_norwegian_config_error():
    bad = {"id": "x", "kind": "teleport", "layer": "skole", "yellow": 1, "red": 2}
    with pytest.raises(ConfigError, match="ukjent type"):
        criteria_from_config(cfg_only_sites([bad]))
    swapped = {"id": "y", "kind": "distance", "layer": "skole", "yellow": 3000, "red": 1500}
    with pytest.raises(ConfigError, match="feil rekkefølge"):
        criteria_from_config(cfg_only_sites([swapped]))


def test_references_to_other_config_files_are_resolved():
    sec = sites_section()
    cfg = Config({"sites": sec, "schools": {"radius_m": {"value": 1200, "unit": "m"}}})
    crits, _ = criteria_from_config(cfg)
    c = {c.id: c for c in crits}
    assert c["skole_avstand"].yellow == 1200
    assert c["skole_avstand"].red == 3000


# --------------------------------------------------------------------------- verdicts

def test_site_outside_the_boundary_is_red(layers):
    a = SiteAssessor.from_layers(layers, cfg_only_sites())
    out = by_id(a.assess(Point(X0 + 2500, Y0 + 1000)))
    assert out["utviklingsgrense"]["status"] == "rod"
    assert out["utviklingsgrense"]["verdi"] == 0
    assert "500 m" in out["utviklingsgrense"]["begrunnelse"]   # distance to the boundary
    inside = by_id(a.assess(Point(X0 + 500, Y0 + 500)))
    assert inside["utviklingsgrense"]["status"] == "gronn"


def test_polygon_partly_inside_the_boundary_is_yellow(layers):
    a = SiteAssessor.from_layers(layers, cfg_only_sites())
    # 100 x 100 m, 70 m of its width inside the boundary (x < X0+2000): 70 %
    site = box(X0 + 1930, Y0 + 500, X0 + 2030, Y0 + 600)
    out = by_id(a.assess(site))
    assert out["utviklingsgrense"]["verdi"] == pytest.approx(70.0)
    assert out["utviklingsgrense"]["status"] == "gul"


def test_school_distance_1499_green_1501_not_green(layers):
    a = SiteAssessor.from_layers(layers, cfg_only_sites())
    # on a 45° line from the school: the distance is exactly r
    d = 1499 / math.sqrt(2)
    near = by_id(a.assess(Point(X0 + d, Y0 + d)))["skole_avstand"]
    d = 1501 / math.sqrt(2)
    far = by_id(a.assess(Point(X0 + d, Y0 + d)))["skole_avstand"]
    assert near["verdi"] == pytest.approx(1499.0, abs=0.05)
    assert near["status"] == "gronn"
    assert far["verdi"] == pytest.approx(1501.0, abs=0.05)
    assert far["status"] == "gul"
    assert "Testby skole" in far["begrunnelse"] and "1\u00a0501,0 m" in far["begrunnelse"]
    assert far["terskel"] == {"gul": 1500.0, "rod": 3000.0}
    assert far["enhet"] == "m" and "2473" in far["kilde"]


def test_polygon_site_distance_is_from_its_nearest_edge(layers):
    a = SiteAssessor.from_layers(layers, cfg_only_sites())
    site = box(X0 + 1000, Y0 - 50, X0 + 1200, Y0 + 50)  # nearest edge 1000 m east of the school
    assert by_id(a.assess(site))["skole_avstand"]["verdi"] == pytest.approx(1000.0)


def test_site_inside_a_quarry_buffer_is_red(layers):
    a = SiteAssessor.from_layers(layers, cfg_only_sites())
    q = np.array([X0 + 3000, Y0 + 3000])
    for dist, status in ((300, "rod"), (700, "gul"), (1200, "gronn")):
        p = Point(*(q - np.array([dist, 0.0])))
        k = by_id(a.assess(p))["steinbrudd_avstand"]
        assert k["verdi"] == pytest.approx(dist)
        assert k["status"] == status, dist


def test_quarry_polygon_buffer_measured_from_its_edge(layers):
    layers = dict(layers)
    layers["steinbrudd"] = gdf([box(X0 + 3000, Y0 + 3000, X0 + 3400, Y0 + 3400)], navn=["Flate"])
    a = SiteAssessor.from_layers(layers, cfg_only_sites())
    k = by_id(a.assess(Point(X0 + 3200, Y0 + 2600)))["steinbrudd_avstand"]
    assert k["verdi"] == pytest.approx(400.0)
    assert k["status"] == "rod"


def test_zoning_share_half_housing_is_yellow(layers):
    a = SiteAssessor.from_layers(layers, cfg_only_sites())
    site = box(X0 + 950, Y0 + 100, X0 + 1050, Y0 + 200)  # 10 daa, half on 1110, half on 5100
    res = a.assess(site)
    k = by_id(res)["arealformal"]
    assert k["verdi"] == pytest.approx(50.0)
    assert k["status"] == "gul"
    assert "planendring" in k["begrunnelse"]
    tomt = res["tomt"]
    assert tomt["areal_daa"] == pytest.approx(10.0)
    zon = {r["kode"]: r for r in tomt["arealformal"]}
    assert zon[1110]["areal_daa"] == pytest.approx(5.0)
    assert zon[5100]["andel_pct"] == pytest.approx(50.0)
    assert tomt["x"] == pytest.approx(X0 + 1000) and tomt["y"] == pytest.approx(Y0 + 150)


def test_missing_noise_raster_and_missing_layer_are_unknown(layers):
    layers = dict(layers)
    del layers["holdeplass"]
    a = SiteAssessor.from_layers(layers, cfg_only_sites())
    res = a.assess(Point(X0 + 500, Y0 + 500))
    k = by_id(res)
    assert k["stoy"]["status"] == "ukjent"
    assert "stoy.tif" in k["stoy"]["begrunnelse"] and k["stoy"]["verdi"] is None
    assert k["kollektiv_avstand"]["status"] == "ukjent"
    assert "holdeplass" in k["kollektiv_avstand"]["begrunnelse"]
    assert k["kollektivakse_avstand"]["status"] == "ukjent"
    assert res["oppsummering"]["ukjent"] >= 3
    assert "kunne ikke vurderes" in res["oppsummering"]["tekst"]
    assert res["samlet"] in ("gronn", "gul", "rod")


def test_noise_max_and_slope_from_rasters(layers, tmp_path):
    from geoplan.io.raster import write_geotiff
    cell = 10.0
    n = 400
    tr = Affine(cell, 0, X0, 0, -cell, Y0 + n * cell)
    xs = X0 + (np.arange(n) + 0.5) * cell
    terrain = np.tile(0.10 * (xs - X0), (n, 1))           # a plane rising 10 m per 100 m east
    noise = np.full((n, n), 50.0)
    noise[150:160, 40:50] = 67.0                          # a loud 100 x 100 m patch
    noise[300:310, 300:310] = 55.0                        # exactly at T-1442's yellow limit
    write_geotiff(tmp_path / "terreng.tif", terrain.astype("float32"), tr, CRS)
    write_geotiff(tmp_path / "stoy.tif", noise.astype("float32"), tr, CRS)
    a = SiteAssessor.from_layers(layers, cfg_only_sites(), rasters={
        "terreng": tmp_path / "terreng.tif", "stoy": tmp_path / "stoy.tif"})
    # the patch: rows 150-159 -> y from Y0+4000-1600 to Y0+4000-1500, cols 40-49 -> x 400..500
    site = box(X0 + 380, Y0 + 2420, X0 + 520, Y0 + 2560)
    k = by_id(a.assess(site))
    assert k["stoy"]["verdi"] == pytest.approx(67.0)
    assert k["stoy"]["status"] == "rod"
    assert k["terreng"]["verdi"] == pytest.approx(10.0, abs=0.05)   # slope of the plane, %
    assert k["terreng"]["status"] == "gul"
    quiet = by_id(a.assess(Point(X0 + 2005, Y0 + 1005)))
    assert quiet["stoy"]["verdi"] == pytest.approx(50.0) and quiet["stoy"]["status"] == "gronn"
    at55 = by_id(a.assess(Point(X0 + 3050, Y0 + 950)))    # row 305, col 305
    assert at55["stoy"]["verdi"] == 55.0 and at55["stoy"]["status"] == "gul"
    outside = by_id(a.assess(Point(X0 - 5000, Y0)))
    assert outside["stoy"]["status"] == "ukjent"


def test_walking_distance_follows_the_network(layers):
    """School at the corner of a U-shaped path: 1,010 m crow-fly, 3,010 m on foot."""
    layers = dict(layers)
    layers["gangnett"] = gdf([LineString([(X0, Y0), (X0 + 1000, Y0)]),
                              LineString([(X0 + 1000, Y0), (X0 + 1000, Y0 + 1000)]),
                              LineString([(X0 + 1000, Y0 + 1000), (X0, Y0 + 1000)])])
    a = SiteAssessor.from_layers(layers, cfg_only_sites())
    k = by_id(a.assess(Point(X0, Y0 + 1010)))
    assert k["skole_avstand"]["verdi"] == pytest.approx(1010.0)
    assert k["skole_avstand"]["status"] == "gronn"
    assert k["skole_gangavstand"]["verdi"] == pytest.approx(3010.0)
    assert k["skole_gangavstand"]["status"] == "rod"
    k2 = by_id(a.assess(Point(X0 + 1000, Y0 + 500)))
    assert k2["skole_gangavstand"]["verdi"] == pytest.approx(1500.0)
    assert k2["skole_gangavstand"]["status"] == "gronn"


def test_walking_uses_the_municipality_s_node_tolerance(layers):
    """The U-shaped path with a 0.3 m gap at its first corner: with the shipped 1 mm
    node tolerance the school is cut off from the site (unknown), with the
    municipality's ``schools.node_tolerance_m = 1`` the ends are one node and the walk
    is 3,010 m again, as the school analysis would measure it."""
    from geoplan.config import load_config
    layers = dict(layers)
    layers["gangnett"] = gdf([LineString([(X0, Y0), (X0 + 1000, Y0)]),
                              LineString([(X0 + 1000.3, Y0), (X0 + 1000.3, Y0 + 1000)]),
                              LineString([(X0 + 1000.3, Y0 + 1000), (X0, Y0 + 1000)])])
    site = Point(X0, Y0 + 1010)
    cfg = load_config()
    shipped = by_id(SiteAssessor.from_layers(layers, cfg).assess(site))["skole_gangavstand"]
    assert shipped["status"] == "ukjent"
    joined = SiteAssessor.from_layers(layers, cfg.with_overrides({"schools.node_tolerance_m": 1.0}))
    k = by_id(joined.assess(site))["skole_gangavstand"]
    assert k["verdi"] == pytest.approx(3010.0, abs=1.0)


def test_walking_distance_without_network_is_unknown(layers):
    a = SiteAssessor.from_layers(layers, cfg_only_sites())
    k = by_id(a.assess(Point(X0 + 10, Y0 + 10)))["skole_gangavstand"]
    assert k["status"] == "ukjent" and "gangnett" in k["begrunnelse"]


def test_new_criterion_by_config_only(layers):
    """A kindergarten rule of the known kind `distance`, on a layer the code never heard of."""
    layers = dict(layers)
    layers["barnehage"] = gdf([Point(X0, Y0 + 2000)], navn=["Solsikken"])
    extra = {"id": "barnehage_avstand", "kind": "distance", "layer": "barnehage",
             "label": "Avstand til barnehage", "unit": "m", "direction": "max",
             "yellow": 800, "red": 1600, "source": "kommunalt valg"}
    a = SiteAssessor.from_layers(layers, cfg_only_sites([extra]))
    k = by_id(a.assess(Point(X0, Y0 + 1000)))["barnehage_avstand"]
    assert k["verdi"] == pytest.approx(1000.0)
    assert k["status"] == "gul"
    assert "Solsikken" in k["begrunnelse"]


def test_a_criterion_that_breaks_is_unknown_in_norwegian(layers, monkeypatch, caplog):
    """An evaluator that stops with a plain Python error leaves its row «ukjent» with a
    Norwegian reason; the error's English words go to the log, not to the checklist."""
    from geoplan.analysis.sites import kinds

    def broken(a, c, s):
        raise ValueError("could not convert string to float: 'x'")
    monkeypatch.setitem(kinds.KINDS, "distance", broken)
    a = SiteAssessor.from_layers(layers, cfg_only_sites())
    with caplog.at_level("ERROR", logger="geoplan.sites"):
        k = by_id(a.assess(Point(X0 + 10, Y0 + 10)))["skole_avstand"]
    assert k["status"] == "ukjent"
    assert k["begrunnelse"] == ("Ukjent: Kriteriet kunne ikke beregnes (en intern feil; "
                                "detaljene er i loggen).")
    assert "could not convert" in caplog.text and "skole_avstand" in caplog.text


def test_profiles_and_applies_to(layers):
    layers = dict(layers)
    layers["helsetjeneste"] = gdf([Point(X0 + 450, Y0 + 1700), Point(X0 + 450, Y0 + 1100)],
                                  navn=["Legen", "Sykehjemmet"], type=["legekontor", "sykehjem"])
    a = SiteAssessor.from_layers(layers, cfg_only_sites())
    p = Point(X0 + 450, Y0 + 1450)          # 450 m from the stop, 350 m from the nursing home
    plain = by_id(a.assess(p))
    assert plain["kollektiv_avstand"]["status"] == "gronn"       # default yellow 500 m
    assert "helsetjeneste_avstand" not in plain
    step3 = by_id(a.assess(p, trinn=3))
    assert step3["kollektiv_avstand"]["status"] == "gul"         # trinn 3-5: yellow 400 m
    assert "naboer_skjermet" in step3 and "naboer_ordinart" not in step3
    care = by_id(a.assess(p, kategori="Omsorgsbolig"))
    # the nearest *care base* (sykehjem), not the nearer legekontor
    assert care["helsetjeneste_avstand"]["verdi"] == pytest.approx(350.0)
    assert "Sykehjemmet" in care["helsetjeneste_avstand"]["begrunnelse"]
    crits, profiles = criteria_from_config(cfg_only_sites())
    used, matched = select_criteria(crits, profiles, "housing first", None)
    # Housing First has its own criteria (building, neighbourhood, co-location), not a profile
    assert matched == []
    assert {"housing_first_bygning", "housing_first_radius", "housing_first_grunnkrets",
            "housing_first_sammen_med"} <= {c.id for c in used}


def test_neighbours_within_radius(layers):
    layers = dict(layers)
    layers["bygning"] = gdf([Point(X0 + 500, Y0 + 550), Point(X0 + 500, Y0 + 690),
                             Point(X0 + 500, Y0 + 900)],
                            bygg_id=["a", "b", "c"], antall_boliger=[12, 30, 100])
    a = SiteAssessor.from_layers(layers, cfg_only_sites())
    res = by_id(a.assess(Point(X0 + 500, Y0 + 500), trinn=1))
    assert res["naboer_ordinart"]["verdi"] == 42          # within 200 m: 12 + 30
    assert res["naboer_ordinart"]["status"] == "gronn"
    res4 = by_id(a.assess(Point(X0 + 500, Y0 + 500), trinn=4))
    assert res4["naboer_skjermet"]["verdi"] == 12         # within 100 m
    assert res4["naboer_skjermet"]["status"] == "gronn"


def test_many_sites_ranked(layers):
    a = SiteAssessor.from_layers(layers, cfg_only_sites())
    sites = gdf([Point(X0 + 3900, Y0 + 3900), Point(X0 + 480, Y0 + 1000)], navn=["Langt ute", "Torget"])
    res = a.assess_many(sites, units=[2, 3])
    assert res["antall_tomter"] == 2
    first, second = res["tomter"]
    assert first["navn"] == "Torget" and first["rang"] == 1 and first["tomt_nr"] == 2
    assert first["kjop"]["enheter"] == 3
    assert second["samlet"] == "rod"
    assert by_id(second)["utviklingsgrense"]["status"] == "rod"
    assert [k["id"] for k in first["kriterier"]] == [k["id"] for k in second["kriterier"]]


def test_geographic_crs_is_refused(layers):
    geo = {k: v.to_crs(4326) for k, v in layers.items()}
    with pytest.raises(DataProblem, match="projisert"):
        SiteAssessor.from_layers(geo, cfg_only_sites())


def test_site_in_another_crs_is_reprojected(layers):
    a = SiteAssessor.from_layers(layers, cfg_only_sites())
    p = gpd.GeoSeries([Point(X0 + 700, Y0 + 700)], crs=CRS).to_crs(4326)
    k = by_id(a.assess(p))["skole_avstand"]
    assert k["verdi"] == pytest.approx(math.hypot(700, 700), abs=0.1)


# --------------------------------------------------------------------------- CLI

def write_gpkg(layers: dict, path):
    for name, g in layers.items():
        g.to_file(path, layer=name, driver="GPKG")
    return path


def run_cli(capsys, *argv):
    from geoplan.present.cli.main import main
    code = main(list(argv))
    cap = capsys.readouterr()
    return code, cap.out, cap.err


def test_cli_json_one_site(layers, tmp_path, capsys):
    data = write_gpkg(layers, tmp_path / "kommune.gpkg")
    d = 1501 / math.sqrt(2)
    code, out, err = run_cli(capsys, "assess", str(data), "--site", f"{X0 + d},{Y0 + d}",
                             "--units", "3", "--json")
    assert code == 0, err
    res = json.loads(out)
    assert set(res) >= {"kriterier", "samlet", "tomt", "oppsummering"}
    k = by_id(res)
    assert k["skole_avstand"]["status"] == "gul"
    assert k["skole_avstand"]["verdi"] == pytest.approx(1501.0, abs=0.05)
    assert k["stoy"]["status"] == "ukjent"                     # no stoy.tif beside the file
    for row in res["kriterier"]:
        assert set(row) >= {"id", "kriterium", "status", "verdi", "terskel", "enhet",
                            "begrunnelse", "kilde"}
        assert row["status"] in ("gronn", "gul", "rod", "ukjent")
    assert k["arealformal"]["status"] == "rod"                 # x > X0+1000 is LNFR (5100)
    assert res["samlet"] == "rod"
    assert res["kjop"]["enheter"] == 3


def test_cli_site_file_in_wgs84_with_many_sites(layers, tmp_path, capsys):
    data = write_gpkg(layers, tmp_path / "kommune.gpkg")
    sites = gdf([Point(X0 + 3900, Y0 + 3900), Point(X0 + 480, Y0 + 1000),
                 box(X0 + 100, Y0 + 100, X0 + 200, Y0 + 200)],
                navn=["Ute", "Torget", "Feltet"], antall_enheter=[1, 4, 2]).to_crs(4326)
    sites.to_file(tmp_path / "tomter.geojson", driver="GeoJSON")
    code, out, err = run_cli(capsys, "assess", str(data), "--site",
                             str(tmp_path / "tomter.geojson"), "--json")
    assert code == 0, err
    res = json.loads(out)
    assert res["antall_tomter"] == 3
    assert [t["rang"] for t in res["tomter"]] == [1, 2, 3]
    assert res["tomter"][-1]["navn"] == "Ute" and res["tomter"][-1]["samlet"] == "rod"
    felt = next(t for t in res["tomter"] if t["navn"] == "Feltet")
    assert felt["tomt"]["areal_daa"] == pytest.approx(10.0, rel=1e-3)   # reprojected back
    assert felt["kjop"]["enheter"] == 2                        # from the file's antall_enheter
    code, out, err = run_cli(capsys, "assess", str(data), "--site", str(tmp_path / "tomter.geojson"))
    assert code == 0 and "rangert" in out and "Torget" in out


def test_cli_text_output_is_norwegian(layers, tmp_path, capsys):
    data = write_gpkg(layers, tmp_path / "kommune.gpkg")
    code, out, err = run_cli(capsys, "assess", str(data), "--site", f"{X0 + 500},{Y0 + 500}")
    assert code == 0, err
    assert "Samlet:" in out and "Begrunnelser:" in out and "Kilde:" in out
    code, out, err = run_cli(capsys, "assess", str(data), "--site", f"{X0 + 500} {Y0 + 500}",
                             "--public", "--json")
    assert code == 0, err
    assert json.loads(out)["offentlig"] is True


def test_cli_bad_inputs_give_clear_errors(layers, tmp_path, capsys):
    data = write_gpkg(layers, tmp_path / "kommune.gpkg")
    code, out, err = run_cli(capsys, "assess", str(data), "--site", str(tmp_path / "nei.geojson"))
    assert code == 2 and "Fant ikke tomtefilen" in err and "Traceback" not in err
    junk = tmp_path / "tomt.geojson"
    junk.write_text("dette er ikke geojson")
    code, out, err = run_cli(capsys, "assess", str(data), "--site", str(junk))
    assert code == 2 and "kan ikke leses" in err
    line = tmp_path / "linje.geojson"
    gdf([LineString([(X0, Y0), (X0 + 10, Y0)])]).to_file(line, driver="GeoJSON")
    code, out, err = run_cli(capsys, "assess", str(data), "--site", str(line))
    assert code == 1 and "punkt eller en flate" in err
    code, out, err = run_cli(capsys, "assess", str(data), "--site", f"{X0},{Y0}",
                             "--out", str(tmp_path / "rapport.docx"))
    assert code == 2 and ".html" in err
    code, out, err = run_cli(capsys, "assess", str(data), "--site", f"{X0},{Y0}",
                             "--out", str(tmp_path / "finnes_ikke" / "r.html"))
    assert code == 2 and "finnes ikke" in err
    assert not (tmp_path / "rapport.docx").exists()
    with pytest.raises(SystemExit) as e:
        run_cli(capsys, "assess", str(data), "--site", f"{X0},{Y0}", "--trinn", "7")
    assert e.value.code == 2 and "trinn i boligtrappen" in capsys.readouterr().err


def test_cli_out_writes_the_site_report(layers, tmp_path, capsys):
    import geoplan.present.report  # noqa: F401
    data = write_gpkg(layers, tmp_path / "kommune.gpkg")
    target = tmp_path / "tomt.html"
    code, out, err = run_cli(capsys, "assess", str(data), "--site", f"{X0 + 500},{Y0 + 500}",
                             "--out", str(target))
    assert code == 0, err
    html = target.read_text(encoding="utf-8")
    assert "Sjekkliste" in html and "Innenfor utviklingsgrensen" in html
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".tomt")]  # no temp file left


# --------------------------------------------------------------------------- concentration

@pytest.fixture()
def conc_layers(layers):
    """Two grunnkretser of 100 dwellings; 8 municipal units in the west one (8 %);
    a block of 20 flats with 2 municipal units (10 %) at (X0+500, Y0+500)."""
    layers = dict(layers)
    layers["grunnkrets"] = gdf([box(X0, Y0, X0 + 1000, Y0 + 2000), box(X0 + 1000, Y0, X0 + 2000, Y0 + 2000)],
                               grunnkretsnummer=["03010101", "03010102"], antall_boliger=[100, 100])
    layers["bygning"] = gdf([box(X0 + 490, Y0 + 490, X0 + 510, Y0 + 510), Point(X0 + 1500, Y0 + 500)],
                            bygg_id=["blokk", "hus"], antall_boliger=[20, 80])
    layers["kommunal_bolig"] = gdf([Point(X0 + 500, Y0 + 500), Point(X0 + 200, Y0 + 1500)],
                                   antall_enheter=[2, 6], kategori=["utleie", "flyktning"],
                                   bygg_id=["blokk", None])
    return layers


def test_purchase_lifts_grunnkrets_over_its_threshold(conc_layers):
    a = SiteAssessor.from_layers(conc_layers, cfg_only_sites())
    site = Point(X0 + 500, Y0 + 500)
    one = by_id(a.assess(site, units=0))["konsentrasjon_grunnkrets"]
    assert one["verdi"] == pytest.approx(8.0)              # 8 of 100 before, nothing bought
    assert one["status"] == "gronn"                          # at the yellow limit (8 %)
    k = by_id(a.assess(site, units=3))["konsentrasjon_grunnkrets"]
    assert k["verdi"] == pytest.approx(11.0)               # (8 + 3) / 100
    assert k["status"] == "rod"                              # over 10 % (concentration default)
    assert k["detaljer"]["for"] == pytest.approx(8.0)
    assert "03010101" in k["begrunnelse"] and "8,0 % før" in k["begrunnelse"]
    east = by_id(a.assess(Point(X0 + 1500, Y0 + 1500), units=3))["konsentrasjon_grunnkrets"]
    assert east["verdi"] == pytest.approx(3.0) and east["status"] == "gronn"


def test_purchase_in_a_building_and_within_radius(conc_layers):
    a = SiteAssessor.from_layers(conc_layers, cfg_only_sites())
    site = Point(X0 + 500, Y0 + 500)
    res = by_id(a.assess(site, units=2))
    assert res["konsentrasjon_bygning"]["verdi"] == 4.0    # the count rule: 2 + 2 units
    b = res["konsentrasjon_bygning_andel"]                   # a 20-flat block: the share applies
    assert b["verdi"] == pytest.approx(20.0)               # (2 + 2) / 20
    assert b["status"] == "rod"                              # over 15 % (a municipal choice)
    assert by_id(a.assess(site, units=1))["konsentrasjon_bygning_andel"]["status"] == "gul"  # 15 %
    r = res["konsentrasjon_radius"]
    # within 500 m: the block's 20 flats with 2 municipal units (the 6 units are 1,044 m
    # away, the 80 flats 1,000 m away); buying 2 existing flats: 4 / 20
    assert r["detaljer"]["for"] == pytest.approx(10.0)
    assert r["verdi"] == pytest.approx(20.0) and r["status"] == "rod"
    assert r["detaljer"]["etter_detaljer"]["enheter_innen_radius"] == 4
    # a site with no building at it: unknown, with the reason
    nob = by_id(a.assess(Point(X0 + 800, Y0 + 800), units=1))["konsentrasjon_bygning"]
    assert nob["status"] == "ukjent" and "bygning" in nob["begrunnelse"]


def test_housing_first_profile_measures_the_housing_first_share(conc_layers):
    a = SiteAssessor.from_layers(conc_layers, cfg_only_sites())
    site = Point(X0 + 500, Y0 + 500)
    k = by_id(a.assess(site, units=4, kategori="housing_first"))["housing_first_bygning"]
    assert k["verdi"] == pytest.approx(20.0)               # 4 HF units of 20 flats
    assert k["status"] == "gronn"                            # at most 20 % (Boligplan l. 13358)
    k5 = by_id(a.assess(site, units=5, kategori="Housing First"))["housing_first_bygning"]
    assert k5["verdi"] == pytest.approx(25.0) and k5["status"] == "rod"


def test_concentration_without_grunnkrets_is_unknown(conc_layers):
    del conc_layers["grunnkrets"]
    a = SiteAssessor.from_layers(conc_layers, cfg_only_sites())
    res = by_id(a.assess(Point(X0 + 500, Y0 + 500), units=1))
    for cid in ("konsentrasjon_grunnkrets", "konsentrasjon_radius", "konsentrasjon_bygning"):
        assert res[cid]["status"] == "ukjent" and "grunnkrets" in res[cid]["begrunnelse"]


def test_overridden_concentration_threshold_reaches_the_criterion(conc_layers):
    sec = sites_section()
    cfg = Config({"sites": sec, "concentration": {"grunnkrets_andel_pct": {"value": 6.0}}})
    a = SiteAssessor.from_layers(conc_layers, cfg)
    k = by_id(a.assess(Point(X0 + 500, Y0 + 500), units=0))["konsentrasjon_grunnkrets"]
    assert k["terskel"]["rod"] == 6.0 and k["terskel"]["gul"] == 6.0   # yellow clamped to red
    assert k["status"] == "rod"                                         # 8 % > 6 %


def test_school_distances_agree_with_the_schools_module(layers):
    """The checklist and `geoplan schools` must give the same numbers for the same site."""
    from geoplan.analysis import schools
    from geoplan.analysis.network import build_network
    layers = dict(layers)
    layers["skole"] = gdf([Point(X0, Y0), Point(X0 + 1800, Y0 + 1900)], navn=["Sør", "Nord"])
    lines = [LineString([(X0 + i * 200, Y0), (X0 + i * 200, Y0 + 2000)]) for i in range(11)]
    lines += [LineString([(X0, Y0 + j * 250), (X0 + 2000, Y0 + j * 250)]) for j in range(9)]
    layers["gangnett"] = gdf(lines)
    rng = np.random.default_rng(4)
    pts = gdf(shapely_points(X0 + rng.uniform(0, 2000, 25), Y0 + rng.uniform(0, 2000, 25)))
    a = SiteAssessor.from_layers(layers, cfg_only_sites())
    res = a.assess_many(pts)
    rows = sorted(res["tomter"], key=lambda t: t["tomt_nr"])
    crow = schools.nearest_school_distance(pts, layers["skole"])
    walk = schools.walking_distance_to_nearest(pts, build_network(layers["gangnett"]),
                                               layers["skole"], max_snap_m=250)
    for t, d, w in zip(rows, crow["avstand_m"], walk["gangavstand_m"]):
        k = by_id(t)
        assert k["skole_avstand"]["verdi"] == pytest.approx(d, abs=0.05)
        assert k["skole_gangavstand"]["verdi"] == pytest.approx(w, abs=0.05)
        assert k["skole_gangavstand"]["verdi"] >= k["skole_avstand"]["verdi"] - 0.05


def shapely_points(xs, ys):
    return [Point(x, y) for x, y in zip(xs, ys)]


def test_public_result_hides_small_counts_and_the_building(conc_layers):
    from geoplan.analysis.sites import public_result
    a = SiteAssessor.from_layers(conc_layers, cfg_only_sites())
    res = a.assess(Point(X0 + 500, Y0 + 500), units=1)
    b = by_id(res)["konsentrasjon_bygning_andel"]
    assert "blokk" in b["begrunnelse"] and "3 kommunale enheter av 20" in b["begrunnelse"]
    pub = by_id(public_result(res))["konsentrasjon_bygning_andel"]
    assert "blokk" not in pub["begrunnelse"] and "færre enn 5" in pub["begrunnelse"]
    assert " 3 " not in pub["begrunnelse"] and "av 20" not in pub["begrunnelse"]
    # a single building: its numbers never in public (shares before and after give the count)
    assert pub["status"] == b["status"] and pub["verdi"] is None
    assert pub["detaljer"]["for"] is None and pub["detaljer"]["etter"] is None
    assert "etter_detaljer" not in pub["detaljer"] and "bygg_id" not in pub["detaljer"]["omrade"]
    assert "Gult" in pub["begrunnelse"] or "Grønt" in pub["begrunnelse"] or "Rødt" in pub["begrunnelse"]


def test_unusable_network_layer_gives_unknown_not_a_crash(layers):
    layers = dict(layers)
    layers["gangnett"] = gdf([Point(X0, Y0)])          # no lines at all
    a = SiteAssessor.from_layers(layers, cfg_only_sites())
    k = by_id(a.assess(Point(X0 + 10, Y0 + 10)))["skole_gangavstand"]
    assert k["status"] == "ukjent" and "gangnett" in k["begrunnelse"]


# --------------------------------------------------------------------------- settings and runs

def test_site_settings_resolve_references_once():
    from geoplan.config import default_config
    from geoplan.config.sites import SiteSettings, criteria_by_id
    st = SiteSettings.from_config()
    assert st.units == default_config().get("sites.units")
    assert st.min_count_public == default_config().get("kommune.min_count_public")
    crit = criteria_by_id()
    assert list(crit)[:2] == ["utviklingsgrense", "arealformal"]
    assert not [k for e in crit.values() for k in e if k.endswith("_ref")]
    assert crit["skole_avstand"]["yellow"] == default_config().get("schools.radius_m")
    assert crit["konsentrasjon_radius"]["radius_m"] == default_config().get("concentration.radius_m")
    cfg = Config({"sites": sites_section(), "schools": {"radius_m": {"value": 1200}}})
    assert criteria_by_id(cfg)["skole_avstand"]["yellow"] == 1200
    assert criteria_by_id(cfg)["kollektiv_avstand"]["yellow"] == 500
    # a referenced yellow beyond red leaves no yellow band (the assessor agrees)
    far = Config({"sites": sites_section(), "schools": {"radius_m": {"value": 3500}}})
    assert criteria_by_id(far)["skole_avstand"]["yellow"] == 3000
    crits, _ = criteria_from_config(far)
    assert {c.id: c for c in crits}["skole_avstand"].yellow == 3000.0
    bad = Config({"sites": sites_section(), "schools": {"radius_m": {"value": "langt"}}})
    with pytest.raises(ConfigError, match="skole_avstand.*ikke et tall"):
        criteria_by_id(bad)


def test_assessor_from_a_notebook_without_a_config_folder(layers):
    from geoplan.config import default_config
    plain = SiteAssessor(layers)                      # shipped criteria, CRS of the layers
    p = Point(X0 + 500, Y0 + 500)
    assert plain.assess(p) == SiteAssessor.from_layers(layers, default_config()).assess(p)
    assert by_id(plain.assess(p))["skole_avstand"]["terskel"]["gul"] == default_config().get(
        "schools.radius_m")
    with pytest.raises(DataProblem, match="koordinatsystem"):
        SiteAssessor({"skole": gpd.GeoDataFrame(geometry=[Point(X0, Y0)])})


def test_runs_assess_builds_and_runs_as_the_cli(layers, tmp_path, capsys):
    from geoplan import runs
    from geoplan.io.layers import load
    data = write_gpkg(layers, tmp_path / "kommune.gpkg")
    ds, cfg = load(str(data)), Config({"sites": sites_section()}, origin="test")
    d = 1501 / math.sqrt(2)
    one = gdf([Point(X0 + d, Y0 + d)])
    res = runs.assess(ds, cfg, one, units=3)
    assert res["tomt"]["navn"] == "Tomta" and res["kjop"]["enheter"] == 3
    assert by_id(res)["skole_avstand"]["status"] == "gul"
    code, out, _err = run_cli(capsys, "assess", str(data), "--site", f"{X0 + d},{Y0 + d}",
                              "--units", "3", "--json")
    assert code == 0
    cli_res = json.loads(out)
    assert [(k["id"], k["status"], k["verdi"]) for k in cli_res["kriterier"]] == \
        [(k["id"], k["status"], k["verdi"]) for k in res["kriterier"]]
    a = runs.assessor(ds, cfg)
    many = gdf([Point(X0 + 3900, Y0 + 3900), Point(X0 + 480, Y0 + 1000)],
               navn=["Ute", "Torget"], antall_enheter=[2, None])
    res2 = runs.assess(ds, cfg, many, public=True, prepared=a)
    assert res2["offentlig"] is True and res2["tomter"][0]["navn"] == "Torget"
    assert {t["navn"]: t["kjop"]["enheter"] for t in res2["tomter"]} == {"Ute": 2, "Torget": 1}


def test_sum_within_needs_its_radius():
    bad = {"id": "naboer", "kind": "sum_within", "layer": "bygning", "yellow": 1, "red": 2}
    with pytest.raises(ConfigError, match="naboer.*radius_m"):
        criteria_from_config(cfg_only_sites([bad]))


def test_cli_checklist_head_reads_norwegian(capsys):
    """The text checklist names the geometry kind, area and centre as a Norwegian reads
    them: «flate», «4,0 daa», «Ø 562 300 N 6 547 800», no decimal points."""
    from geoplan.present.cli.assess import format_many, format_single
    tomt = {"navn": "Tomt A", "geometritype": "Polygon", "areal_daa": 4.0,
            "x": 562300.4, "y": 6547800.2, "epsg": 25832}
    single = {"tomt": tomt, "kjop": {"enheter": 1}, "profiler": [], "kriterier": [],
              "samlet": "gronn", "oppsummering": {"tekst": "Grønt."}}
    head = format_single(single).splitlines()[0]
    assert head == ("Tomtevurdering: Tomt A (flate, 4,0 daa, senter Ø 562\u00a0300 "
                    "N 6\u00a0547\u00a0800, EPSG:25832)"), head
    many = {"antall_tomter": 1, "tomter": [{
        "rang": 1, "navn": "Tomt A", "samlet": "gronn", "tomt": dict(tomt, areal_daa=1234.5),
        "oppsummering": {"rod": 0, "gul": 0, "gronn": 0, "ukjent": 0}, "kriterier": []}]}
    assert "1\u00a0234,5" in format_many(many)
