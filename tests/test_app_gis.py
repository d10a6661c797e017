"""The app's web-GIS pieces without a browser: palette, coordinates, wording, the map's
privacy rule, legend, locale, lasting state, the report scenario (issue 16)."""

from __future__ import annotations

import numpy as np
import pytest

from geoplan.errors import UnreadableInput

# -- palette ----------------------------------------------------------------------------------

def test_palette_stays_apart_for_colour_blind_readers():
    from geoplan.present.app.maps.palette import MIN_DELTA_E, PALETTE, min_distance

    d, a, b, vision = min_distance(PALETTE)
    assert d >= MIN_DELTA_E, f"{a} and {b} are only ΔE {d:.1f} apart ({vision})"


def test_palette_check_catches_the_old_reds_and_red_green():
    from geoplan.present.app.maps.palette import MIN_DELTA_E, delta_e, min_distance

    # the five reds of the issue (transit axes, stops, hot spot, candidate, Housing First)
    old = {"akse": "#c62828", "flekk": "#b71c1c", "hf": "#d62728", "kandidat": "#e53935"}
    assert min_distance(old)[0] < MIN_DELTA_E
    # red and green: far apart in normal vision, close for a deuteranope (the simulation works)
    assert delta_e("#d62728", "#2ca02c") > 60
    assert delta_e("#d62728", "#2ca02c", "deuteranopi") < 0.5 * delta_e("#d62728", "#2ca02c")


def test_map_uses_the_palette():
    from geoplan.present.app.maps import CATEGORY_COLORS, LAYER_STYLES, PALETTE, POINT_STYLES

    assert set(CATEGORY_COLORS.values()) <= set(PALETTE.values())
    assert LAYER_STYLES["kollektivakse"][2]["color"] == PALETTE["kollektiv"]
    assert POINT_STYLES["helsetjeneste"][1] == PALETTE["helsetjeneste"]


# -- coordinates ------------------------------------------------------------------------------

@pytest.mark.parametrize("typed,x,y,north_first", [
    ("566000, 6550000", 566000, 6550000, False),
    ("6546572, 558041", 558041, 6546572, True),            # Norgeskart: north first
    ("558041,5 6546572,2", 558041.5, 6546572.2, False),    # Norwegian decimals
    ("6 546 572, 558 041", 558041, 6546572, True),         # thousands spaces
    ("N 6546572 Ø 558041", 558041, 6546572, True),
    ("Øst 558041; Nord 6546572", 558041, 6546572, False),
    ("566000;6550000", 566000, 6550000, False),
])
def test_metres_in_any_order(typed, x, y, north_first):
    from geoplan.io.coords import parse_point

    p = parse_point(typed, 25832)
    assert (p.x, p.y, p.north_first, p.degrees) == (pytest.approx(x), pytest.approx(y), north_first, False)


@pytest.mark.parametrize("typed", ["59.05, 10.03", "59,05 10,03", "59,05, 10,03", "10.03, 59.05",
                                   "Nord: 59,05 Øst: 10,03", "59.05°, 10.03°"])
def test_degrees_in_any_order(typed):
    from pyproj import Transformer

    from geoplan.io.coords import parse_point

    p = parse_point(typed, 25832)
    lon, lat = Transformer.from_crs(25832, 4326, always_xy=True).transform(p.x, p.y)
    assert (lat, lon) == (pytest.approx(59.05, abs=1e-7), pytest.approx(10.03, abs=1e-7))
    assert p.degrees
    # UTM zone 32 at 10.03° E, 59.05° N: about 559 km east (9° E is 500 km), 6 546 km north
    assert 558_000 < p.x < 560_000 and 6_545_000 < p.y < 6_547_000


@pytest.mark.parametrize("typed", ["", "abc", "1 2 3", "1000, 2000", "59,05,10,03", "95, 200"])
def test_not_coordinates_are_refused_in_norwegian(typed):
    from geoplan.io.coords import parse_point

    with pytest.raises(UnreadableInput, match="ble ikke forstått som koordinater"):
        parse_point(typed, 25832)


def test_understood_says_back_in_norwegian():
    from geoplan.io.coords import parse_point
    from geoplan.present.app.wording import understood

    assert understood(parse_point("6546572, 558041", 25832)) == (
        "Forstått som øst 558\u00a0041 m, nord 6\u00a0546\u00a0572 m (EPSG:25832). Tallene ble lest "
        "med nord først, som i Norgeskart.")
    s = understood(parse_point("10.03, 59.05", 25832))
    assert s.startswith("Forstått som 59,05° nord, 10,03° øst") and "snudd" in s


# -- wording ----------------------------------------------------------------------------------

@pytest.mark.parametrize("raw,want", [
    ("Seed 004, l. 6384", "Larvik kommune, Boligplan 2015–2020"),
    ("Larvik kommune, Boligplan 2015-2020: «43 200» (seed 004, l. 2368)", "Larvik kommune, Boligplan 2015-2020: «43 200»"),
    ("Kommunalt valg (DOMAIN.md §2, prikking)", "Kommunalt valg"),
    ("se DOMAIN.md §3", "se geoplans dokumentasjon"),
    ("Fila /tmp/geoplan-okt-x1y2/tomt_a.gpkg er tom", "Fila tomt_a.gpkg er tom"),
    ("Høyst 20 % (seed 003)", "Høyst 20 % (Bærum kommune, velferdsboliger og planprosess)"),
])
def test_no_internal_references(raw, want):
    from geoplan.present.app.wording import for_users

    assert for_users(raw) == want


# -- privacy of the map -----------------------------------------------------------------------

@pytest.fixture(scope="module")
def demo():
    from geoplan.config import load_config
    from geoplan.io.layers import load

    cfg = load_config()
    return load(None, config=cfg), cfg


def test_dwelling_totals_are_the_published_table(demo):
    """The map's totals hide exactly what the public concentration table hides."""
    from geoplan import runs
    from geoplan.present.app.maps.dwellings import dwelling_totals

    ds, cfg = demo
    st_ = runs.concentration_settings(cfg)
    pub, _, _ = runs.concentration(ds, cfg, public=True)
    t = dwelling_totals(ds["kommunal_bolig"], ds["grunnkrets"], st_.min_count, suppress_zero=st_.suppress_zero)
    table = dict(zip(pub.grunnkretser["grunnkretsnummer"].astype(str), pub.grunnkretser["kommunale_enheter"]))
    for nr, v in zip(t["grunnkretsnummer"], t["kommunale_enheter"]):
        assert (None if v is None or v is np.nan or str(v) == "<NA>" else int(v)) == \
            (None if str(table[nr]) in ("<NA>", "nan", "None") else int(table[nr])), nr
    shown = t["kommunale_enheter"].dropna()
    assert len(shown) and ((shown >= st_.min_count) | (shown == 0)).all()
    assert t["kommunale_enheter"].isna().any()          # the demo has small counts: some hidden


def test_dwelling_totals_are_never_at_a_home(demo):
    from geoplan.present.app.maps.dwellings import dwelling_totals

    ds, cfg = demo
    kb = ds["kommunal_bolig"]
    t = dwelling_totals(kb, ds["grunnkrets"], 5).to_crs(kb.crs)
    nearest = kb.geometry.sindex.nearest(t.geometry, return_distance=True)[1]
    assert (nearest > 1.0).all()
    # one point per grunnkrets with units, inside it
    gk = ds["grunnkrets"].set_index(ds["grunnkrets"]["grunnkretsnummer"].astype(str))
    for nr, g in zip(t["grunnkretsnummer"], t.geometry):
        assert gk.loc[nr].geometry.contains(g)


def test_dwelling_totals_hand_case():
    """Two grunnkretser, units 7 and 2: the 2 is hidden, so the 7 is too (total 9 is public)."""
    import geopandas as gpd
    from shapely.geometry import Point, box

    from geoplan.present.app.maps.dwellings import dwelling_totals

    gk = gpd.GeoDataFrame({"grunnkretsnummer": ["1", "2", "3"], "grunnkretsnavn": ["A", "B", "C"],
                           "antall_boliger": [100, 100, 100]},
                          geometry=[box(0, 0, 100, 100), box(100, 0, 200, 100), box(200, 0, 300, 100)],
                          crs=25832)
    kb = gpd.GeoDataFrame({"kategori": ["utleie"] * 4, "antall_enheter": [4, 3, 2, 20]},
                          geometry=[Point(10, 10), Point(20, 20), Point(150, 50), Point(250, 50)], crs=25832)
    t = dwelling_totals(kb, gk, 5)
    v = dict(zip(t["grunnkretsnummer"], t["kommunale_enheter"]))
    assert str(v["2"]) == "<NA>"                      # 2 < 5: primary suppression
    assert str(v["1"]) == "<NA>"                      # 7 next smallest: else 29 − 20 − 7 = 2
    assert int(v["3"]) == 20


# -- map elements -----------------------------------------------------------------------------

def test_features_have_tooltips_and_no_popups_that_swallow_clicks():
    import geopandas as gpd
    from shapely.geometry import box

    from geoplan.present.app import maps

    g = gpd.GeoDataFrame({"navn": ["A"]}, geometry=[box(10, 59, 10.1, 59.1)], crs=4326)
    m = maps.base_map((10, 59, 10.1, 59.1), basemap="ingen")
    maps.add_geojson(m, g, "Test", fields=["navn"])
    html = maps.map_html(m)
    assert "bindTooltip" in html and "bindPopup" not in html


def test_legend_rows_follow_their_layers():
    from geoplan.present.app.maps import legend_html

    html = legend_html("T", [("fill", "#000", "Synlig", "Lag A"), ("line", "#111", "Skjult", "Lag B"),
                             ("point", "#222", "Fast")], hidden=["Lag B"])
    assert "data-layer='Lag A' style='white-space:nowrap'" in html
    assert "data-layer='Lag B' style='white-space:nowrap;display:none'" in html
    assert html.count("data-layer") == 2


def test_map_view_is_kept_under_the_map_key():
    from geoplan.present.app import maps
    from geoplan.present.app.maps.elements import _FitOnLoad

    m = maps.base_map((10, 59, 10.1, 59.1), basemap="ingen")
    fit = [c for c in m._children.values() if isinstance(c, _FitOnLoad)][0]
    fit.view_key = "oversikt_kart"
    html = maps.map_html(m)
    assert '"oversikt_kart"' in html and "sessionStorage" in html and "moveend" in html


# -- locale, state, report scenario -----------------------------------------------------------

@pytest.mark.parametrize("en,nb", [
    ("Limit 200MB per file • GEOJSON, JSON", "Største fil 200 MB • GEOJSON, JSON"),
    ("Drag and drop file here", "Dra og slipp filen her"),
    ("Choose options", "Velg ett eller flere"),
    ("Download as CSV", "Last ned som CSV"),
    ("Help for Bakgrunnskart", "Hjelp: Bakgrunnskart"),
    ("0.8 MB", "0,8 MB"),
])
def test_streamlit_texts_in_bokmal(en, nb):
    from geoplan.present.app.locale import script, translate

    assert translate(en) == nb
    assert "MutationObserver" in script()


def test_lasting_choices_survive_an_address():
    from geoplan.present.app.state import PERSISTED, _url_value

    values = {"ab_years": [2026, 2030], "ab_rates": [0.006, 0.015], "ab_year": 2030, "ab_rate": 0.006,
              "sk_walking": True, "prikking": False, "vt_trinn": 3, "basemap": "osm"}
    for k, v in values.items():
        assert PERSISTED[k](_url_value(v)) == v


def test_report_uses_the_scenario_on_screen():
    from geoplan.config.reserves import ReserveSettings
    from geoplan.present.app.report_job import scenario

    rs = ReserveSettings.from_config()
    s = scenario({"ab_year": 2030, "ab_rate": 0.006, "ab_years": [2026, 2030]}, rs)
    assert s.overrides == {"reserves.default_year": "2030", "reserves.default_rate": "0.006"}
    assert s.growth["year"] == [2026, 2030] and s.year == 2030
    assert "balansen for 2030 med 0,6 % årlig vekst" in s.describe()
    from geoplan.config import load_config
    assert ReserveSettings.from_config(load_config(overrides=s.overrides)).default_year == 2030


def test_report_reads_the_typed_growth_fields_as_the_page_does():
    """The growth fields of «Arealbehov og reserve» hold text («2,20», «43 200»): the
    report reads them the Norwegian way, takes the last accepted value for text the
    page refused, and builds every section from them (it once passed «2,20» on, and
    four chapters were left out with an English ValueError)."""
    from geoplan.config import load_config
    from geoplan.config.reserves import ReserveSettings
    from geoplan.io import load
    from geoplan.io.loader import DEFAULT_DATA
    from geoplan.present.app.report_job import ReportJob, scenario

    rs = ReserveSettings.from_config()
    s = scenario({"ab_ppd": "2,50", "ab_base_pop": "44 000", "ab_dens_on": True,
                  "ab_dens": "fire", "_ab_dens_ok": 3.5}, rs)
    assert s.growth["persons_per_dwelling"] == 2.5 and s.growth["base_population"] == 44000.0
    assert s.growth["dwellings_per_daa"] == 3.5        # «fire» refused on the page: 3,5 used
    assert scenario({"ab_base_pop": "44 000,5", "_ab_base_pop_ok": 44000.0},
                    rs).growth["base_population"] == 44000.0      # whole persons, as the page
    refused = scenario({"ab_ppd": "99", "ab_base_pop": "ukjent"}, rs).growth
    assert refused["persons_per_dwelling"] == rs.persons_per_dwelling
    assert refused["base_population"] == rs.base_population
    cfg = load_config()
    ds = load(DEFAULT_DATA, config=cfg)
    job = ReportJob(fmt="html", key="t")
    job._run(ds, cfg.with_overrides(s.overrides), s.growth, True)
    assert job.error is None
    html = job.data.decode()
    assert "utelatt fordi analysen" not in html and "Error" not in html
    assert "2,5 personer per" in html
