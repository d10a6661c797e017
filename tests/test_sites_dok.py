"""Site criteria from national datasets (DOK), the data's coverage, and SOSI code names.

Hand-built layers on a 4 x 4 km test municipality; every expected status and
distance is worked out from the geometry by hand.
"""

from __future__ import annotations

import json
import math

import geopandas as gpd
import pytest
from shapely.geometry import Point, box

from geoplan.analysis.sites import SiteAssessor, criteria_from_config
from geoplan.codes import arealformal_lookup, arealformal_name
from geoplan.config import default_config
from geoplan.errors import ConfigError

CRS = "EPSG:25832"
X0, Y0 = 500_000.0, 6_550_000.0


def gdf(geoms, **cols):
    return gpd.GeoDataFrame(cols, geometry=list(geoms), crs=CRS)


@pytest.fixture()
def layers():
    """Testby: municipality 0–4 km, zoning on the west half, a flood zone along a river in
    the south (y 0–200 m), AR5 farmland in the north-east, a quick-clay map surveyed only
    west of x = 2 km."""
    return {
        "kommune": gdf([box(X0, Y0, X0 + 4000, Y0 + 4000)], kommunenummer=["9999"],
                       kommunenavn=["Testby"]),
        "arealformal": gdf([box(X0, Y0, X0 + 2000, Y0 + 4000)], arealformal=[1110],
                           arealbruksstatus=[1]),
        "flomsone": gdf([box(X0, Y0, X0 + 4000, Y0 + 200)], gjentaksintervall=[200]),
        "flomsone_dekning": gdf([box(X0, Y0, X0 + 4000, Y0 + 4000)], dekningsstatus=["Kartlagt"]),
        "ar5": gdf([box(X0 + 3000, Y0 + 3000, X0 + 4000, Y0 + 4000),
                    box(X0 + 2000, Y0 + 3000, X0 + 3000, Y0 + 4000)], arealtype=[21, 30]),
        "kvikkleire": gdf([box(X0 + 500, Y0 + 3500, X0 + 700, Y0 + 3700)], faregrad=["Høy"]),
        "kvikkleire_dekning": gdf([box(X0, Y0, X0 + 2000, Y0 + 4000),
                                   box(X0 + 2000, Y0, X0 + 4000, Y0 + 4000)],
                                  dekningsstatus=["Kartlagt", "Ikke kartlagt"]),
    }


def assessor(layers):
    return SiteAssessor.from_layers(layers, default_config())


def by_id(result: dict) -> dict:
    return {k["id"]: k for k in result["kriterier"]}


def test_site_on_a_flood_zone_is_red_with_its_share(layers):
    site = box(X0 + 1000, Y0 + 100, X0 + 1100, Y0 + 300)      # lower half in the zone
    k = by_id(assessor(layers).assess(site))["dok_flomsone"]
    assert k["status"] == "rod"
    assert k["detaljer"]["dok_status"] == "treff"
    assert k["detaljer"]["andel_pct"] == pytest.approx(50.0)
    assert "gjentaksintervall 200" in k["begrunnelse"]
    assert "TEK17 § 7-2" in k["begrunnelse"]                  # the guidance comes with a hit


def test_site_beside_a_flood_zone_is_green_with_the_distance(layers):
    k = by_id(assessor(layers).assess(Point(X0 + 1000, Y0 + 550)))["dok_flomsone"]
    assert k["status"] == "gronn"
    assert k["verdi"] == pytest.approx(350.0)                  # 550 − 200 m
    assert k["detaljer"]["dok_status"] == "ingen_treff"
    assert "350 m" in k["begrunnelse"]


def test_site_outside_a_hazard_maps_coverage_is_not_mapped_never_green(layers):
    a = assessor(layers)
    east = by_id(a.assess(Point(X0 + 3000, Y0 + 2000)))["dok_kvikkleire"]
    assert east["status"] == "ukjent"
    assert east["detaljer"]["dok_status"] == "ikke_kartlagt"
    assert east["begrunnelse"].startswith("Ikke kartlagt")
    west = by_id(a.assess(Point(X0 + 1000, Y0 + 2000)))["dok_kvikkleire"]
    assert west["status"] == "gronn"                           # surveyed, no zone
    assert west["verdi"] == round(math.hypot(300, 1500))      # to the zone's corner (700, 3500)
    on = by_id(a.assess(Point(X0 + 600, Y0 + 3600)))["dok_kvikkleire"]
    assert on["status"] == "rod"


def test_polygon_site_half_in_the_unsurveyed_part_is_not_mapped(layers):
    site = box(X0 + 1900, Y0 + 1000, X0 + 2100, Y0 + 1100)
    k = by_id(assessor(layers).assess(site))["dok_kvikkleire"]
    assert k["status"] == "ukjent" and k["detaljer"]["dok_status"] == "ikke_kartlagt"


def test_missing_coverage_map_makes_no_hit_unknown(layers):
    del layers["flomsone_dekning"]
    k = by_id(assessor(layers).assess(Point(X0 + 1000, Y0 + 550)))["dok_flomsone"]
    assert k["status"] == "ukjent"
    assert "flomsone_dekning" in k["begrunnelse"]


def test_site_on_farmland_is_red_and_on_forest_green(layers):
    a = assessor(layers)
    farm = by_id(a.assess(Point(X0 + 3500, Y0 + 3500)))["dok_jordbruk"]
    assert farm["status"] == "rod" and "arealtype 21" in farm["begrunnelse"]
    forest = by_id(a.assess(Point(X0 + 2500, Y0 + 3500)))["dok_jordbruk"]
    assert forest["status"] == "gronn"
    assert forest["verdi"] == pytest.approx(500.0)             # 2 500 m to the farmland at 3 000 m


def test_missing_dok_layer_is_unknown_and_says_where_to_get_it(layers):
    k = by_id(assessor(layers).assess(Point(X0 + 1000, Y0 + 2000)))["dok_naturvern"]
    assert k["status"] == "ukjent"
    assert "naturvern" in k["begrunnelse"] and "Geonorge" in k["begrunnelse"]


def test_buffer_counts_a_near_object_as_a_hit(layers):
    sec = default_config().section("sites")
    entry = {"id": "flom_50", "kind": "dok", "layer": "flomsone", "hit_status": "gul",
             "buffer_m": 50, "label": "Flom innen 50 m", "source": "test"}
    crits, profiles = criteria_from_config({**sec, "criteria": [entry], "profiles": []})
    a = SiteAssessor(layers, criteria=crits, profiles=profiles)
    near = by_id(a.assess(Point(X0 + 1000, Y0 + 240)))["flom_50"]
    far = by_id(a.assess(Point(X0 + 1000, Y0 + 260)))["flom_50"]
    assert (near["status"], far["status"]) == ("gul", "gronn")
    assert near["terskel_tekst"] == "gult ved treff innenfor 50 m"


def test_dok_entry_needs_a_hit_status():
    with pytest.raises(ConfigError, match="hit_status"):
        criteria_from_config({"criteria": [{"id": "x", "kind": "dok", "layer": "flomsone"}]})


# --------------------------------------------------------------------- coverage

def test_site_in_another_municipality_is_unknown_in_every_criterion(layers):
    res = assessor(layers).assess(box(X0 + 9000, Y0, X0 + 9100, Y0 + 100))
    assert {k["status"] for k in res["kriterier"]} == {"ukjent"}
    assert all("utenfor kommunen i dataene (Testby, kommunenummer 9999)" in k["begrunnelse"]
               for k in res["kriterier"])
    assert res["samlet"] == "ukjent"                           # not green on no data
    assert "Rødt" not in json.dumps(res, ensure_ascii=False)


def test_point_site_without_zoning_is_unknown_not_red(layers):
    layers["kommune"] = gdf([box(X0, Y0, X0 + 8000, Y0 + 4000)], kommunenummer=["9999"],
                            kommunenavn=["Testby"])
    k = by_id(assessor(layers).assess(Point(X0 + 6000, Y0 + 1000)))["arealformal"]
    assert k["status"] == "ukjent"
    assert "ikke arealformål" in k["begrunnelse"]


# --------------------------------------------------------------------- code names

#: names as the SOSI Plan code lists on Geonorge's objektkatalog give them
SOSI_KP = {1110: "Boligbebyggelse", 1120: "Fritidsbebyggelse",
           1160: "Offentlig eller privat tjenesteyting",
           1500: "Andre typer bebyggelse og anlegg", 1600: "Uteoppholdsareal",
           1700: "Grav- og urnelund", 5210: "Spredt boligbebyggelse"}


@pytest.mark.parametrize("code,name", sorted(SOSI_KP.items()))
def test_code_names_follow_the_sosi_code_list(code, name):
    assert arealformal_name(code) == name


def test_a_code_outside_the_table_is_named_by_its_group_and_says_so():
    assert arealformal_lookup(2011) == ("Veg", 2010)
    assert arealformal_name(2011) == "Veg (kode 2011)"
    assert arealformal_name(None) is None


def test_housing_codes_are_codes_of_the_list_and_exclude_garages():
    codes = next(c for c in criteria_from_config(None)[0] if c.id == "arealformal").opt("codes")
    assert all(arealformal_lookup(c)[1] == c for c in codes)  # every code is in the list
    assert 1119 not in codes and not set(range(1114, 1119)) & set(codes)


def test_site_on_a_garage_area_is_not_zoned_for_housing(layers):
    layers["arealformal"] = gdf([box(X0, Y0, X0 + 2000, Y0 + 4000)], arealformal=[1119],
                                arealbruksstatus=[1])
    k = by_id(assessor(layers).assess(box(X0 + 100, Y0 + 1000, X0 + 200, Y0 + 1100)))["arealformal"]
    assert k["verdi"] == 0.0 and k["status"] == "rod"
    assert "Garasjeanlegg for bolig-/fritidsbebyggelse" in k["begrunnelse"]


def test_dok_layers_come_through_the_data_contract(layers, tmp_path, capsys):
    from geoplan.present.cli.main import main
    path = tmp_path / "testby.gpkg"
    for name, g in layers.items():
        g.to_file(path, layer=name, driver="GPKG")
    code = main(["assess", str(path), "--site", f"{X0 + 1000},{Y0 + 100}", "--json"])
    out = capsys.readouterr().out
    assert code == 0
    k = by_id(json.loads(out))
    assert k["dok_flomsone"]["status"] == "rod"
    assert k["dok_kvikkleire"]["status"] == "gronn"
    assert k["dok_jordbruk"]["status"] == "gronn"


def test_noise_zones_from_the_plan_give_red_and_yellow(layers):
    layers["stoysone"] = gdf([box(X0, Y0 + 1000, X0 + 100, Y0 + 1100),
                              box(X0 + 100, Y0 + 1000, X0 + 300, Y0 + 1100)], sone=["rød", "gul"])
    a = assessor(layers)
    red = by_id(a.assess(Point(X0 + 50, Y0 + 1050)))
    yellow = by_id(a.assess(Point(X0 + 200, Y0 + 1050)))
    assert (red["dok_stoysone_rod"]["status"], red["dok_stoysone_gul"]["status"]) == ("rod", "gronn")
    assert red["dok_stoysone_gul"]["verdi"] == pytest.approx(50.0)   # 50 m to the yellow zone
    assert (yellow["dok_stoysone_rod"]["status"], yellow["dok_stoysone_gul"]["status"]) == (
        "gronn", "gul")
