"""The Streamlit app (Streamlit's AppTest) and its map and upload building blocks.

The app runs on a small municipality built in code (``geoplan_app_fixture``,
``$GEOPLAN_APP_DATA``), so the expected figures are known by hand: 10 km × 8 km
= 80 km², 20 grunnkretser × 100 dwellings, 60 municipal units.
"""

from __future__ import annotations

import io
import json
import math
import re
import sys
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import Point, box

sys.path.insert(0, str(Path(__file__).parent))
import geoplan_app_fixture as fx  # noqa: E402

from geoplan.present import text  # noqa: E402
from geoplan.present.app import maps  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")

PAGES = {
    "oversikt": "geoplan/present/app/views/oversikt.py",
    "arealbehov": "geoplan/present/app/views/arealbehov.py",
    "skolesirkler": "geoplan/present/app/views/skolesirkler.py",
    "konsentrasjon": "geoplan/present/app/views/konsentrasjon.py",
    "vurder_tomt": "geoplan/present/app/views/vurder_tomt.py",
    "data": "geoplan/present/app/views/data.py",
}


@pytest.fixture(scope="module")
def fixture_gpkg(tmp_path_factory):
    return fx.write_gpkg(tmp_path_factory.mktemp("app") / "testvik.gpkg")


@pytest.fixture()
def app(fixture_gpkg, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("GEOPLAN_APP_DATA", str(fixture_gpkg))
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _open(at, page: str):
    at.switch_page(PAGES[page])
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def _metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _num(text: str) -> float:
    t = re.sub(r"[^\d,\-−]", "", text.replace("\u00a0", "")).replace("−", "-").replace(",", ".")
    return float(t)


# ---------------------------------------------------------------------------
# Pages
# ---------------------------------------------------------------------------

def test_oversikt_key_figures(app):
    at = app  # the default page
    assert at.title[0].value == "Testvik: oversikt"
    m = _metrics(at)
    assert _num(m["Areal"]) == pytest.approx(fx.W * fx.H / 1e6)                  # 80 km²
    assert _num(m["Grunnkretser"]) == 20
    assert _num(m["Boliger i alt"]) == 20 * 100
    assert _num(m["Kommunale boenheter"]) == sum(fx.UNITS.values())               # 60
    assert _num(m["Skoler"]) == 2
    assert _num(m["Utviklingsgrenser"]) == 2


def test_arealbehov_page_matches_cli_function(app):
    from geoplan.analysis.reserves import growth_persons
    from geoplan.config import load_config
    at = _open(app, "arealbehov")
    m = _metrics(at)
    cfg = load_config()
    # both places share the growth equally (no shares configured for them): need per place =
    # base × ((1+r)^(y−y0) − 1) × 0.5 / persons per dwelling / density
    base, y0 = cfg.get("reserves.base_population"), cfg.get("reserves.base_year")
    y, r = cfg.get("reserves.default_year"), cfg.get("reserves.default_rate")
    ppd, dens = cfg.get("reserves.persons_per_dwelling"), cfg.get("reserves.default_dwellings_per_daa")
    expected = 2 * base * ((1 + r) ** (y - y0) - 1) * 0.5 / ppd / dens
    assert growth_persons(base, y0, y, r) == pytest.approx(base * ((1 + r) ** (y - y0) - 1))
    assert _num(m["Arealbehov i alt"]) == pytest.approx(expected, abs=0.6)
    # innspill: 400 m × 250 m + 300 m × 300 m = 100 + 90 daa
    assert _num(m["Innspill i alt"]) == pytest.approx(190, abs=0.6)
    assert any("Sted" in str(df.value.index.name or "") or "sted" in df.value.columns
               for df in at.dataframe)


def test_skolesirkler_page(app):
    # Testvik's own places: the shipped list is Larvik's avklaringsområder
    app.session_state["_geoplan_overrides"] = {"schools.applies_to": "Byen,Øvre Bø"}
    at = _open(app, "skolesirkler")
    m = _metrics(at)
    assert _num(m["Utviklingsgrenser"]) == 2
    # each boundary is a 2.4 km square centred on its school: corner at 1.2·√2 km > 1.5 km
    assert _num(m["Lengste avstand til skole"]) == pytest.approx(1200 * math.sqrt(2), abs=1)
    assert m["Helt innenfor sirkelen"].startswith("0 av 2")
    # outside = square − (square ∩ circle), in daa; the same for both boundaries
    sq = box(-1200, -1200, 1200, 1200)
    outside = (sq.area - sq.intersection(Point(0, 0).buffer(1500, quad_segs=256)).area) / 1000
    assert _num(m["Areal utenfor sirklene"]) == pytest.approx(2 * outside, rel=0.005)


def test_skolesirkler_says_gjelder_ikke_outside_the_configured_places(app):
    at = _open(app, "skolesirkler")          # Larvik's list: neither Byen nor Øvre Bø
    assert _metrics(at)["Helt innenfor sirkelen"].startswith("0 av 0")
    tab = next(df.value for df in at.dataframe if "vurdering" in df.value.columns)
    assert set(tab["vurdering"]) == {"gjelder ikke"}


def test_skolesirkler_radius_control(app):
    app.session_state["_geoplan_overrides"] = {"schools.applies_to": "Byen,Øvre Bø"}
    at = _open(app, "skolesirkler")
    at.slider(key="sk_radius").set_value(1700).run()
    assert not at.exception
    m = _metrics(at)
    assert m["Helt innenfor sirkelen"].startswith("2 av 2")   # 1697 m < 1700 m
    assert _num(m["Areal utenfor sirklene"]) == 0


def test_konsentrasjon_page_and_what_if(app):
    at = _open(app, "konsentrasjon")
    m = _metrics(at)
    assert _num(m["Kommunal andel av alle boliger"]) == pytest.approx(100 * 60 / 2000, abs=0.05)
    assert "Dissimilaritetsindeks" in m and "Isolasjonsindeks" in m
    assert any("Klikk på kartet" in i.value for i in at.info)
    # a purchase at a point (as a map click would give): before/after table appears
    at.session_state["_ko_point"] = (fx.X0 + 9000.0, fx.Y0 + 7000.0)   # quiet corner grunnkrets
    at.number_input(key="ko_n").set_value(6)
    at.run()
    assert not at.exception
    tab = at.dataframe[0].value
    row = tab[(tab["omrade"] == "Grunnkrets") & (tab["mal"] == "Kommunale enheter")].iloc[0]
    assert row["etter"] == "6"          # 0 before (suppressed as –), 6 after
    andel = tab[(tab["omrade"] == "Grunnkrets") & (tab["mal"] == "Andel (%)")].iloc[0]
    assert _num(andel["etter"]) == pytest.approx(6.0)   # 6 of 100 dwellings


def test_vurder_tomt_checklist(app):
    at = _open(app, "vurder_tomt")
    assert any("Ingen tomt" in i.value for i in at.info)
    # a site given by coordinates: 200 m from Byen skole, inside its boundary
    at.text_input(key="vt_xy").set_value(f"{fx.X0 + 2500 + 200:.0f}, {fx.Y0 + 4000:.0f}").run()
    at.button(key="vt_use_xy").click().run()
    assert not at.exception
    assert any("Sjekkliste for" in s.value for s in at.subheader)
    tab = at.dataframe[0].value.data if hasattr(at.dataframe[0].value, "data") else at.dataframe[0].value
    row = tab[tab["kriterium"].str.contains("luftlinje til nærmeste skole")].iloc[0]
    assert _num(row["verdi"]) == pytest.approx(200.0, abs=0.1)
    assert row["status"] == "Grønn"
    inside = tab[tab["kriterium"].str.contains("utviklingsgrensen")].iloc[0]
    assert inside["status"] == "Grønn"
    # the site report (HTML) can be made and downloaded
    at.button(key="vt_make").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.get("download_button"), "no download button for the site report"


def test_kpa_report_download(app):
    at = app
    at.radio(key="ov_fmt").set_value("html").run()
    at.button(key="ov_make").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert at.get("download_button")


def test_data_page_report_and_parameters(app):
    at = _open(app, "data")
    rep = at.dataframe[0].value
    row = rep[rep["lag"] == "kommunal_bolig"].iloc[0]
    # Norwegian text (the grid's own number format follows the browser's language)
    assert row["lest"] == text.integer(len(fx.layers()["kommunal_bolig"])) == row["beholdt"]
    params = at.data_editor[0].value
    assert "schools.radius_m" in set(params["nokkel"])
    src = params.set_index("nokkel").loc["schools.radius_m", "kilde"]
    assert "Boligplan 2015–2020, l. 2473" in src
    assert bool(params.set_index("nokkel").loc["app.show_address", "kommunalt_valg"])


def test_data_page_upload_form(app, fixture_gpkg):
    at = _open(app, "data")
    at.file_uploader(key="upload_file").upload("ødelagt.gpkg", b"ikke geodata\n" * 50)
    at.get("form_submit_button")[0].click().run()
    assert not at.exception
    assert any("Filen ble ikke tatt i bruk" in e.value and "ødelagt.gpkg" in e.value
               for e in at.error)
    # a good file becomes this session's data
    at.file_uploader(key="upload_file").set_value(
        ("egen.gpkg", Path(fixture_gpkg).read_bytes(), "application/octet-stream"))
    at.get("form_submit_button")[0].click().run()
    assert not at.exception
    assert any("egen.gpkg" in s.value for s in at.success)


def test_parameter_override_applies_to_session(app):
    from geoplan.present.app import appdata  # noqa: F401

    app.session_state["_geoplan_overrides"] = {"schools.radius_m": "1700"}
    at = _open(app, "skolesirkler")
    assert at.slider(key="sk_radius").value == 1700


def test_address_never_on_the_map_unless_allowed(fixture_gpkg):
    from geoplan.io.layers import load
    ds = load(fixture_gpkg)
    disp = {k: maps.to_display(v, name=k) for k, v in ds.layers.items() if k != "bygning"}
    html = maps.map_html(maps.municipality_map(disp, show_address=False))
    assert "Hemmeligveien" not in html
    html = maps.map_html(maps.municipality_map(disp, show_address=True))
    assert "Hemmeligveien" in html


# ---------------------------------------------------------------------------
# Offline assets
# ---------------------------------------------------------------------------

ASSET_RE = re.compile(r"""<(?:script|link)\b[^>]*\b(?:src|href)=["']([^"']+)["']""", re.I)


@pytest.fixture(autouse=True, scope="module")
def _local_assets():
    """The maps link the vendored assets, as in the app (which does this when it starts)."""
    maps.localize_assets()


def test_importing_the_maps_leaves_folium_on_its_cdn():
    """Only the app's start localises folium's assets: a notebook that imports geoplan's
    maps still gets working ``GeoDataFrame.explore()`` maps from the CDNs."""
    import subprocess

    code = (
        "import json, folium\n"
        "import geoplan.present.app.maps\n"
        "before = [u for _, u in folium.Map.default_js]\n"
        "from geoplan.present.app import appdata\n"
        "appdata.prepare_maps()\n"
        "after = [u for _, u in folium.Map.default_js]\n"
        "print(json.dumps([before, after]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=ROOT)
    before, after = json.loads(out.stdout.strip().splitlines()[-1])
    leaflet_before = [u for u in before if u.endswith("/leaflet.js")]
    leaflet_after = [u for u in after if u.endswith("/leaflet.js")]
    assert leaflet_before and all(u.startswith("https://") for u in leaflet_before), before
    assert leaflet_after == [f"{maps.STREAMLIT_ASSET_BASE}/leaflet/leaflet.js"], after
    assert not any(u.startswith(("http://", "https://", "//")) for u in after), after


def test_no_internet_asset_urls_in_rendered_map(fixture_gpkg):
    from geoplan.io.layers import load
    ds = load(fixture_gpkg)
    disp = {k: maps.to_display(v, name=k) for k, v in ds.layers.items() if k != "bygning"}
    m = maps.municipality_map(disp, draw=True)
    html = maps.map_html(m)
    assets = ASSET_RE.findall(html)
    assert assets, "no asset links at all?"
    remote = [u for u in assets if re.match(r"^(https?:)?//", u)]
    assert remote == []
    # every referenced asset exists in geoplan/static/vendor
    for u in assets:
        rel = u.split("/vendor/", 1)[1]
        assert (maps.VENDOR_DIR / rel).is_file(), u
    # any http(s) URL left in the page is a tile template or an attribution link
    for u in re.findall(r"https?://[^\s\"'<>)]+", html):
        assert ("{z}" in u or "kartverket.no" in u or "openstreetmap.org" in u), u


def test_streamlit_folium_gets_only_local_links(fixture_gpkg):
    """The links streamlit-folium loads in its iframe (css_links/js_links) are local."""
    import branca
    import folium.elements

    from geoplan.io.layers import load
    ds = load(fixture_gpkg)
    disp = {k: maps.to_display(v, name=k) for k, v in ds.layers.items() if k != "bygning"}
    m = maps.municipality_map(disp, draw=True)

    def walk(el):
        if isinstance(el, branca.colormap.ColorMap):
            raise AssertionError("a branca colormap makes streamlit-folium load d3 from a CDN")
        if isinstance(el, folium.elements.JSCSSMixin):
            yield el
        for ch in getattr(el, "_children", {}).values():
            yield from walk(ch)

    links = [u for el in walk(m) for _, u in [*el.default_js, *el.default_css]]
    assert links and all(u.startswith(maps.STREAMLIT_ASSET_BASE) for u in links), links
    assert maps.unmapped_assets() == []


def test_every_vendored_package_has_a_licence():
    pkgs = [p for p in maps.VENDOR_DIR.iterdir() if p.is_dir()]
    assert len(pkgs) >= 9
    for p in pkgs:
        assert any("licen" in f.name.lower() for f in p.iterdir()), p.name


# ---------------------------------------------------------------------------
# Map building blocks
# ---------------------------------------------------------------------------

def test_to_display_keeps_area_and_simplifies():
    # a circle of radius 1 km with 4096 vertices near Larvik, in UTM 32
    c = Point(565_000, 6_545_000).buffer(1000, quad_segs=1024)
    gdf = gpd.GeoDataFrame({"navn": ["sirkel"]}, geometry=[c], crs=25832)
    disp = maps.to_display(gdf, tolerance_m=5.0)
    assert disp.crs.to_epsg() == 4326
    n_in = shapely.get_num_coordinates(c)
    n_out = shapely.get_num_coordinates(disp.geometry.iloc[0])
    assert n_out < n_in / 10
    back = disp.to_crs(25832).geometry.iloc[0]
    # Douglas-Peucker with 5 m moves the boundary inwards by at most 5 m: area within
    # the ring between r − 5 and r (plus rounding to 1e-5 degrees ≈ 1 m)
    assert math.pi * 994 ** 2 < back.area <= math.pi * 1001 ** 2


def test_to_display_refuses_geographic_crs():
    from geoplan.errors import DataProblem
    gdf = gpd.GeoDataFrame(geometry=[Point(10, 59)], crs=4326)
    with pytest.raises(DataProblem, match="geografisk"):
        maps.to_display(gdf, name="skole")


def test_zoning_colours_by_code_group():
    assert maps.zoning_style(1110)[1] == "Boligbebyggelse"
    assert maps.zoning_style(1111) == maps.zoning_style(1110)      # sub-purpose: same group
    assert maps.zoning_style(5100)[1].startswith("Landbruks")
    assert maps.zoning_style(3040)[1] == "Grønnstruktur"
    assert maps.zoning_style(9999) == maps.ZONING_OTHER
    assert maps.zoning_style(None) == maps.ZONING_OTHER


def test_collapse_makes_one_feature():
    lines = gpd.GeoDataFrame(geometry=[shapely.LineString([(0, i), (10, i)]) for i in range(50)],
                             crs=25832)
    one = maps.collapse(lines)
    assert len(one) == 1
    assert one.geometry.iloc[0].length == pytest.approx(50 * 10)


# ---------------------------------------------------------------------------
# Uploads (through a tiny app so st.session_state is real)
# ---------------------------------------------------------------------------

def _upload_app(name: str, data: bytes):
    from streamlit.testing.v1 import AppTest

    def script():
        import streamlit as st

        from geoplan.errors import GeoplanError
        from geoplan.present.app import appdata
        cfg = appdata.config()
        try:
            ds = appdata.load_upload(st.session_state["name"], st.session_state["data"], cfg)
            st.success(f"ok {len(ds.layers)}")
        except GeoplanError as e:
            st.error(e.message)
        st.caption(appdata.source_label(appdata.dataset(cfg)) if appdata.has_upload() else "demo")

    at = AppTest.from_function(script, default_timeout=60)
    at.session_state["name"] = name
    at.session_state["data"] = data
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_upload_of_non_geodata_is_refused():
    at = _upload_app("notat.gpkg", b"Dette er et notat, ikke geodata.\n" * 10)
    assert at.error and "notat.gpkg" in at.error[0].value
    at = _upload_app("bilde.png", b"\x89PNG....")
    assert at.error and "ikke en geodatafil" in at.error[0].value


def test_zip_with_parent_or_absolute_path_is_refused():
    for bad in ("../utenfor.shp", "/etc/passwd", "a/../../b.shp"):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            zf.writestr(bad, b"x" * 10)
        at = _upload_app("data.zip", buf.getvalue())
        assert at.error and "ulovlig sti" in at.error[0].value, bad


def test_zip_bomb_is_refused():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("stor.shp", b"\0" * (30 * 2**20))       # 30 MB of zeros, ~30 KB packed
    assert len(buf.getvalue()) < 200_000
    at = _upload_app("bombe.zip", buf.getvalue())
    assert at.error and "zip-bombe" in at.error[0].value


def test_upload_used_by_this_session_only(fixture_gpkg):
    from streamlit.testing.v1 import AppTest

    at = _upload_app("min_kommune.gpkg", Path(fixture_gpkg).read_bytes())
    assert at.success and at.success[0].value.startswith("ok")
    assert "min_kommune.gpkg" in at.caption[0].value

    def other():
        import streamlit as st

        from geoplan.present.app import appdata
        st.caption("opplasting" if appdata.has_upload() else "ingen opplasting")

    at2 = AppTest.from_function(other)
    at2.run()
    assert at2.caption[0].value == "ingen opplasting"


def test_shapefile_zip_upload_works(tmp_path):
    gdf = fx.layers()["skole"]
    d = tmp_path / "shp"
    d.mkdir()
    gdf.to_file(d / "skole.shp")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for f in d.iterdir():
            zf.write(f, f"skole/{f.name}")
    at = _upload_app("skoler.zip", buf.getvalue())
    assert not at.error, [e.value for e in at.error]
    assert at.success[0].value == "ok 1"


def test_hidden_layers_are_not_added_at_start(fixture_gpkg):
    from geoplan.io.layers import load
    ds = load(fixture_gpkg)
    disp = {k: maps.to_display(v, name=k) for k, v in ds.layers.items() if k != "bygning"}
    for hidden in ([], ["kommunal_bolig"]):
        m = maps.municipality_map(disp, hidden=hidden)
        html = maps.map_html(m)
        cluster = next(ch for ch in m._children.values() if isinstance(ch, maps._DwellingCluster))
        added = f"{cluster.get_name()}.addTo(" in html
        assert added == (not hidden)
        assert "markerClusterGroup" in html


def test_address_setting_cannot_be_changed_from_the_browser():
    from geoplan.errors import ConfigError
    from geoplan.present.app import appdata
    with pytest.raises(ConfigError, match="config/app.toml"):
        appdata.set_overrides({"app.show_address": "true"})
    with pytest.raises(ConfigError, match="config/app.toml"):
        appdata.set_overrides({"app.max_upload_mb": "100000"})


def test_session_folder_is_removed_with_its_session():
    import gc

    from geoplan.present.app import appdata
    folder = appdata._SessionFolder()
    path = Path(folder.path)
    (path / "opplasting.gpkg").write_bytes(b"x")
    assert path.is_dir() and oct(path.stat().st_mode)[-3:] == "700"
    del folder
    gc.collect()
    assert not path.exists()


@pytest.fixture(scope="module")
def minimal_gpkg(tmp_path_factory):
    """Only four layers, in UTM zone 33 (as national products often come)."""
    path = tmp_path_factory.mktemp("min") / "minimal.gpkg"
    for name in ("kommune", "arealformal", "utviklingsgrense", "skole"):
        fx.layers()[name].to_crs(25833).to_file(path, layer=name, driver="GPKG")
    return path


def test_pages_on_data_lacking_optional_layers(minimal_gpkg, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("GEOPLAN_APP_DATA", str(minimal_gpkg))
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception and not at.error
    assert _num(_metrics(at)["Areal"]) == pytest.approx(80, rel=1e-3)    # reprojected, same area
    for page in ("arealbehov", "skolesirkler", "vurder_tomt", "data"):
        at.switch_page(PAGES[page]).run()
        assert not at.exception, (page, [e.value for e in at.exception])
        assert not at.error, (page, [e.value for e in at.error])
    at.switch_page(PAGES["konsentrasjon"]).run()
    assert not at.exception
    msg = " ".join(e.value for e in at.error)
    assert "kommunal_bolig" in msg and "mangler" in msg


def test_share_of_growth_editable_for_the_session(app):
    at = _open(app, "arealbehov")

    def scenario_table():
        t = next(d.value for d in at.dataframe
                 if "sted" in d.value.columns and any(" · " in str(c) for c in d.value.columns))
        return t.set_index("sted").map(_num)     # Norwegian numbers, as shown

    before = float(scenario_table().loc["Larvik by"].iloc[0])
    df = at.data_editor(key="ab_places").value
    row = int(np.flatnonzero((df["sted"] == "Larvik by").to_numpy())[0])
    shown = str(df["andel_pct"].iloc[row])
    assert "," in shown and "." not in shown               # «70,00»: the Norwegian way
    share0 = _num(shown)
    half = f"{share0 / 2:.2f}".replace(".", ",")
    at.session_state["ab_places"] = {"edited_rows": {row: {"andel_pct": half}},
                                     "added_rows": [], "deleted_rows": []}
    at.run()
    assert any("summerer" in w.value for w in at.warning)   # shares no longer add up to 100 %
    assert at.button(key="ab_apply_places").disabled       # ... so a yes is needed first
    at.checkbox(key="ab_rest_ok").check().run()
    at.button(key="ab_apply_places").click().run()
    assert not at.exception, [e.value for e in at.exception]
    after = float(scenario_table().loc["Larvik by"].iloc[0])
    assert after == pytest.approx(before / 2, rel=0.01)     # need ∝ share (rounded table)
    # only the edited cell became an override: the others keep their configured values
    ov = at.session_state["_geoplan_overrides"]
    placed = [k for k in ov if k.startswith("reserves.steder.")]
    assert len(placed) == 1 and placed[0].endswith(".andel")
    assert float(ov[placed[0]]) == pytest.approx(_num(half) / 100.0)


def test_place_table_refuses_a_share_it_cannot_read_in_norwegian(app):
    """A share typed as text, or a density past the plausible bound, is refused with a
    Norwegian message naming the place and the column; nothing is applied."""
    at = _open(app, "arealbehov")
    df = at.data_editor(key="ab_places").value
    row = int(np.flatnonzero((df["sted"] == "Stavern").to_numpy())[0])
    at.session_state["ab_places"] = {"edited_rows": {row: {"andel_pct": "ti", "boenheter_per_daa": "9000"}},
                                     "added_rows": [], "deleted_rows": []}
    at.run()
    assert not at.exception
    msg = " ".join(e.value for e in at.error)
    assert "«Stavern» er «ti»" in msg and "«9000»" in msg and "desimalkomma" in msg
    assert at.button(key="ab_apply_places").disabled


def _cli_json(args, capsys):
    import json

    from geoplan.present.cli.main import main
    capsys.readouterr()
    code = main(args)
    out = capsys.readouterr().out
    assert code == 0, out
    return json.loads(out)


def test_app_figures_equal_the_cli_json(app, fixture_gpkg, capsys):
    """One function computes each number: the app shows what ``--json`` prints."""
    res = _cli_json(["reserves", str(fixture_gpkg), "--json"], capsys)
    at = _open(app, "arealbehov")
    m = _metrics(at)
    tot = {k: sum(s[k] for s in res["steder"]) for k in ("arealbehov_daa", "boligreserve_daa",
                                                           "innspill_daa", "balanse_daa")}
    assert _num(m["Arealbehov i alt"]) == pytest.approx(round(tot["arealbehov_daa"]), abs=0.5)
    assert _num(m["Boligreserve i alt"]) == pytest.approx(round(tot["boligreserve_daa"]), abs=0.5)
    assert _num(m["Innspill i alt"]) == pytest.approx(round(tot["innspill_daa"]), abs=0.5)
    assert _num(m["Balanse i alt"]) == pytest.approx(round(tot["balanse_daa"]), abs=0.5)

    sch = _cli_json(["schools", str(fixture_gpkg), "--json"], capsys)
    at = _open(app, "skolesirkler")
    m = _metrics(at)
    ut = sum(u["utenfor_daa"] for u in sch["utviklingsgrenser"])
    assert _num(m["Areal utenfor sirklene"]) == pytest.approx(round(ut), abs=0.5)
    assert _num(m["Lengste avstand til skole"]) == pytest.approx(
        round(max(u["maks_avstand_m"] for u in sch["utviklingsgrenser"])), abs=0.5)


def test_sosi_gml_upload_merged_with_default_data(app):
    gml = Path(__file__).parent / "data" / "kpa_sosi.gml"
    if not gml.exists():
        pytest.skip("tests/data/kpa_sosi.gml is not in this checkout")
    at = _open(app, "data")
    at.file_uploader(key="upload_file").upload("kommuneplan.gml", gml.read_bytes())
    at.checkbox[0].check()
    at.get("form_submit_button")[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert any("kommuneplan.gml" in s.value for s in at.success)
    # the plan's zoning replaced the default data's; the other layers are kept
    at.switch_page(PAGES["oversikt"]).run()
    assert not at.exception
    assert "kommuneplan.gml" in at.caption[0].value and "demodataene" in at.caption[0].value
    assert _num(_metrics(at)["Grunnkretser"]) == 20


def test_skolesirkler_walking_changes_the_key_figures(app):
    """With walking on, the page's figures say what the paths give, beside the circle's.

    Fixture: a 500 m street grid through the school; along a grid the walking
    reach of 1 500 m is the diamond |dx| + |dy| <= 1 500 m (4 500 daa), inside the
    circle (7 069 daa), so the walkable area is smaller than the circle's and
    part of the circle is too far to walk.
    """
    app.session_state["_geoplan_overrides"] = {"schools.applies_to": "Byen,Øvre Bø"}
    at = _open(app, "skolesirkler")
    circle = _metrics(at)
    assert "Innenfor gangavstand" not in circle
    at.toggle(key="sk_walking").set_value(True).run()
    assert not at.exception and not at.error
    m = _metrics(at)
    inside_circle = 2 * (2400 * 2400 / 1000 - _num(circle["Areal utenfor sirklene"]) / 2)
    walk = _num(m["Innenfor gangavstand"])
    assert 0 < walk < 2 * 4500 + 1
    assert walk < inside_circle
    assert _num(m["I sirkelen, men for langt å gå"]) == pytest.approx(inside_circle - walk, rel=0.02)
    assert _num(m["Andel innenfor gangavstand"]) < 100 * inside_circle / (2 * 2400 * 2400 / 1000)
    tables = [df.value for df in at.dataframe]
    assert any("innenfor_ikke_gang_daa" in t.columns for t in tables)


def test_arealbehov_shares_short_of_100_percent_need_a_yes_before_they_apply(app):
    # Stavern's 10 % set to 0: 90 % in all, 10 % of the growth would go nowhere
    app.session_state["_geoplan_overrides"] = {"reserves.steder.stavern.andel": "0"}
    at = _open(app, "arealbehov")
    warn = [w.value for w in at.warning if "summerer til 90,00 %" in w.value]
    assert warn and "10,00 % av veksten fordeles ikke" in warn[0]
    assert at.button(key="ab_apply_places").disabled
    at.checkbox(key="ab_rest_ok").check().run()
    assert not at.button(key="ab_apply_places").disabled


def test_arealbehov_without_table_years_keeps_the_balance(app):
    at = _open(app, "arealbehov")
    at.multiselect(key="ab_years").set_value([]).run()
    assert not at.exception
    assert any("scenariotabellen" in w.value for w in at.warning)
    assert "Balanse i alt" in _metrics(at)
    assert any(s.value.startswith("Balanse per sted til") for s in at.subheader)


def test_density_beyond_what_is_built_is_refused_with_the_parameter_named():
    from geoplan.config import load_config
    from geoplan.errors import ConfigError

    with pytest.raises(ConfigError, match="reserves.steder.kvelde.boenheter_per_daa"):
        load_config(overrides={"reserves.steder.kvelde.boenheter_per_daa": "1200"})
    load_config(overrides={"reserves.steder.kvelde.boenheter_per_daa": "12,5"})


def test_shares_are_edited_on_one_page_only(app):
    at = _open(app, "data")
    keys = set(at.data_editor[0].value["nokkel"])
    assert "schools.radius_m" in keys
    assert not [k for k in keys if k.startswith("reserves.steder.")]
    vals = at.data_editor[0].value.set_index("nokkel")["verdi"]
    assert not [v for v in vals if v in ("True", "False")]          # «ja» / «nei»
    assert not [v for v in vals if re.fullmatch(r"-?\d+\.\d+", str(v))]  # comma decimals


def test_decimal_inputs_read_norwegian_commas_and_name_a_bad_value(app):
    at = _open(app, "arealbehov")
    assert "," in at.text_input(key="ab_ppd").value and "." not in at.text_input(key="ab_ppd").value
    need0 = _num(_metrics(at)["Arealbehov i alt"])
    ppd0 = float(at.text_input(key="ab_ppd").value.replace(",", "."))
    at.text_input(key="ab_ppd").set_value("4,4").run()        # twice the persons per dwelling
    assert not at.error
    need1 = _num(_metrics(at)["Arealbehov i alt"])
    assert need1 == pytest.approx(need0 * ppd0 / 4.4, rel=0.01)   # half the dwellings, half the land
    at.text_input(key="ab_ppd").set_value("fire").run()
    msg = [e.value for e in at.error]
    assert msg and "«Personer per boenhet»" in msg[0] and "«fire» er ikke brukt" in msg[0]
    assert _num(_metrics(at)["Arealbehov i alt"]) == pytest.approx(need1, rel=1e-6)  # last good value


def test_base_population_shows_thousands_and_takes_them(app):
    """«Folketall i basisåret» reads «43 200» (Streamlit's number box showed «43200») and
    takes a number typed with a space; the land need grows with it."""
    at = _open(app, "arealbehov")
    assert at.text_input(key="ab_base_pop").value == "43 200"
    need0 = _num(_metrics(at)["Arealbehov i alt"])
    at.text_input(key="ab_base_pop").set_value("86 400").run()       # twice the people
    assert not at.error
    assert _num(_metrics(at)["Arealbehov i alt"]) == pytest.approx(2 * need0, rel=0.01)
    at.text_input(key="ab_base_pop").set_value("86 400,5").run()     # no half persons
    msg = [e.value for e in at.error]
    assert msg and "må være et helt tall fra 1 til" in msg[0] and "desimalkomma" not in msg[0]
    assert _num(_metrics(at)["Arealbehov i alt"]) == pytest.approx(2 * need0, rel=0.01)


def test_parse_decimal_reads_numbers_the_norwegian_way():
    from geoplan.present.app.views.ui import parse_decimal

    for raw, want in [("2,2", 2.2), ("1 234,5", 1234.5), ("1\u00a0234", 1234.0), (" 7 ", 7.0),
                      ("2.5", 2.5), ("-0,5", -0.5), (3, 3.0), (4.25, 4.25)]:
        assert parse_decimal(raw) == pytest.approx(want)
    for raw in ["", "  ", None, "ti", "1.234,5", "1_000", "nan", "inf", float("nan"), True]:
        assert parse_decimal(raw) is None


def test_finished_reports_are_kept_per_user_and_choices(monkeypatch):
    """A report outlives its Streamlit session for its own user only, by its choices;
    the oldest beyond KEEP_PER_USER and any older than KEEP_SECONDS are dropped."""
    from geoplan.present.app import report_job as rj
    from geoplan.present.app.auth import User

    monkeypatch.setattr(rj, "_STORE", {})
    ada = rj.owner_of(User(name="Ada", role="planlegger", how="OpenID Connect"))
    ada_other_role = rj.owner_of(User(name="Ada", role="innsyn", how="OpenID Connect"))
    bo = rj.owner_of(User(name="Bo", role="planlegger", how="OpenID Connect"))
    jobs = []
    for i in range(rj.KEEP_PER_USER + 1):
        j = rj.ReportJob(fmt="html", key=f"html|valg {i}", data=b"<html>")
        j.started -= 100 * (rj.KEEP_PER_USER + 1 - i)      # made one after another
        jobs.append(rj.remember(ada, j))
    assert rj.recall(ada, "html|valg 0") is None              # the oldest made room
    assert rj.recall(ada, f"html|valg {rj.KEEP_PER_USER}") is jobs[-1]
    assert rj.recall(bo, f"html|valg {rj.KEEP_PER_USER}") is None
    assert rj.recall(ada_other_role, f"html|valg {rj.KEEP_PER_USER}") is None
    old = rj.ReportJob(fmt="pdf", key="pdf|gammel", data=b"%PDF")
    old.started -= rj.KEEP_SECONDS + 1
    rj.remember(bo, old)
    assert rj.recall(bo, "pdf|gammel") is None                # too old to offer
    running = rj.remember(bo, rj.ReportJob(fmt="pdf", key="pdf|nå"))
    assert rj.recall(bo, "pdf|nå") is running and not running.done


def test_years_read_as_years_and_parameters_without_python_syntax(app):
    """Tables write «2026», not «2 026»; the parameter table shows a table-valued
    parameter as «11: …», never a Python dict."""
    at = _open(app, "arealbehov")
    years = [df.value for df in at.dataframe if "aar" in df.value.columns]
    assert years, "no table with a year column"
    vals = set(years[0]["aar"])
    assert vals and all(v.isdigit() and len(v) == 4 for v in vals), vals
    at = _open(app, "data")
    params = at.data_editor[0].value
    shown = " ".join(params["verdi"].astype(str))
    assert "{" not in shown and "[" not in shown, shown[:500]
