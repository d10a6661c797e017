"""The app's maps are built and rendered once and served from a process-wide cache
(:func:`geoplan.present.app.views.ui.cached_map`): what the browser gets must be what
streamlit-folium itself would send for the same map, a control that changes the map
must change what is sent, and a map with single municipal dwellings must never reach a
session that may only see the published totals, even though every session shares the cache.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from pyproj import Transformer

sys.path.insert(0, str(Path(__file__).parent))
import geoplan_app_fixture as fx  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
KONS = "geoplan/present/app/views/konsentrasjon.py"
OVERSIKT = "geoplan/present/app/views/oversikt.py"
SKOLE = "geoplan/present/app/views/skolesirkler.py"


@pytest.fixture(scope="module")
def gpkg(tmp_path_factory):
    return fx.write_gpkg(tmp_path_factory.mktemp("mapcache") / "testvik.gpkg")


@pytest.fixture()
def sent(monkeypatch):
    """Every map the component is given in this process (its keyword arguments)."""
    import streamlit_folium

    got: list[dict] = []
    orig = streamlit_folium._component_func

    def spy(**kw):
        got.append(kw)
        return orig(**kw)
    monkeypatch.setattr(streamlit_folium, "_component_func", spy)
    return got


def _session(gpkg, monkeypatch, page: str):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("GEOPLAN_APP_DATA", str(gpkg))
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page(page)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _dwelling_coords(n: int = 5) -> list[str]:
    """The first municipal dwellings' WGS84 coordinates as the map writes them (5 decimals)."""
    kb = fx.layers()["kommunal_bolig"]
    tr = Transformer.from_crs(kb.crs, 4326, always_xy=True)
    lon, lat = tr.transform(kb.geometry.x.to_numpy()[:n], kb.geometry.y.to_numpy()[:n])
    return [f"{round(float(y), 5)}" for y in lat] + [f"{round(float(x), 5)}" for x in lon]


def test_cached_map_sends_what_st_folium_sends(gpkg):
    """Same map, built twice: the cache's arguments equal streamlit-folium's own."""
    import streamlit_folium as sf

    from geoplan.io.layers import load
    from geoplan.present.app import maps
    from geoplan.present.app.views import ui

    maps.localize_assets()
    ds = load(gpkg)
    disp = {k: maps.to_display(v, name=k) for k, v in ds.layers.items() if k not in ("bygning", "kommunal_bolig")}

    def build():
        return maps.municipality_map(disp, radius_m=1500, measure=True)
    ours = ui._component_args(build(), "kart")
    got = {}

    def spy(**kw):
        got.update(kw)
        return {}
    orig = sf._component_func
    sf._component_func = spy
    try:
        ui.show_map(build(), key="kart")
    finally:
        sf._component_func = orig
    for k in ("script", "header", "html", "css_links"):
        assert ours[k] == got[k], k
    # the scripts streamlit-folium would load one by one, joined into one local file in order
    from geoplan.present.app.maps.assets import STATIC_DIR, STREAMLIT_ASSET_BASE, VENDOR_DIR
    assert len(got["js_links"]) >= 2 and len(ours["js_links"]) == 1
    bundle = ours["js_links"][0]
    assert bundle.startswith(STREAMLIT_ASSET_BASE.rsplit("/vendor", 1)[0] + "/bundles/")
    joined = (STATIC_DIR / "bundles" / bundle.rsplit("/", 1)[1]).read_text(encoding="utf-8")
    pos = [joined.index((VENDOR_DIR / u[len(STREAMLIT_ASSET_BASE) + 1:]).read_text(encoding="utf-8"))
           for u in got["js_links"]]
    assert pos == sorted(pos)
    assert ours["bounds"] == got["default"].get("bounds", ours["bounds"])


def test_a_changed_control_sends_another_map_and_back_the_same(gpkg, monkeypatch, sent):
    """A control the whole map depends on (walking: the paths are shown) sends another map."""
    at = _session(gpkg, monkeypatch, SKOLE)
    first, first_key = sent[-1]["script"], sent[-1]["key"]
    at.toggle(key="sk_walking").set_value(True).run()
    assert not at.exception
    assert sent[-1]["script"] != first and sent[-1]["key"] != first_key
    at.toggle(key="sk_walking").set_value(False).run()
    assert sent[-1]["script"] == first and sent[-1]["key"] == first_key


def test_a_new_radius_sends_only_the_circles_into_the_map_the_browser_has(gpkg, monkeypatch, sent):
    """The radius changes the analysis layers only: the same map (component key and script),
    and the circles of the new radius, with their legend row, as the JavaScript
    streamlit-folium evaluates in that map; back to the first radius gives the first again."""
    from geoplan.present import text

    at = _session(gpkg, monkeypatch, SKOLE)
    first = sent[-1]
    r0 = at.slider(key="sk_radius").value
    assert f"Skolesirkler {text.compact(r0 / 1000)} km" in first["feature_group"]
    assert "Skolesirkler" not in first["script"]      # the circles are not part of the map itself
    at.slider(key="sk_radius").set_value(r0 + 500).run()
    assert not at.exception
    after = sent[-1]
    assert after["key"] == first["key"] and after["script"] == first["script"]
    label = f"Skolesirkel {text.compact((r0 + 500) / 1000)} km"
    assert label in after["feature_group"] and label not in first["feature_group"]
    # the circles' centres are the schools' and the radius is the new one, in metres
    import json
    import re
    circles = [json.loads(m) for m in re.findall(r'"type":"Polygon","coordinates":(\[\[\[.*?\]\]\])',
                                                 after["feature_group"])]
    assert circles, "no circle polygons in what is sent"
    import numpy as np
    skole = fx.layers()["skole"]
    tr = Transformer.from_crs(4326, skole.crs, always_xy=True)
    sx, sy = skole.geometry.x.to_numpy(), skole.geometry.y.to_numpy()
    for ring in (c[0] for c in circles):
        x, y = tr.transform(*np.asarray(ring, dtype=float).T)
        d = np.hypot(x[None, :] - sx[:, None], y[None, :] - sy[:, None])   # school x vertex
        own = d[np.argmin(np.abs(np.median(d, axis=1) - (r0 + 500)))]      # its school
        assert abs(np.median(own) - (r0 + 500)) < 5.0 and own.max() < r0 + 505   # the new radius
    at.slider(key="sk_radius").set_value(r0).run()
    assert sent[-1]["feature_group"] == first["feature_group"] and sent[-1]["script"] == first["script"]


def test_another_basemap_is_switched_in_the_map_the_browser_has(gpkg, monkeypatch, sent):
    """Same component key and map (the browser keeps the map it has), and the JavaScript that
    shows the chosen basemap (streamlit-folium evaluates it in the map whenever it changes)."""
    from geoplan.present.app.maps.styles import BASEMAPS

    at = _session(gpkg, monkeypatch, SKOLE)
    before = sent[-1]
    at.selectbox(key="basemap").set_value("osm").run()
    assert not at.exception
    after = sent[-1]
    assert after["key"] == before["key"]
    assert BASEMAPS["osm"]["label"] in after["feature_group"]
    assert BASEMAPS["kartverket"]["label"] in before["feature_group"]
    assert after["script"] == before["script"]
    assert BASEMAPS["kartverket"]["label"] not in after["feature_group"]


@pytest.mark.parametrize("page", [KONS, OVERSIKT])
def test_single_dwellings_never_reach_a_session_that_may_not_see_them(gpkg, monkeypatch, sent, page):
    """Suppression on (the default): the published totals, no dwelling; off (a role that may):
    the dwellings; then a new session, suppression on, from the same shared cache: none."""
    from geoplan.present.app.maps.layers import DWELLING_TOTALS_NAME

    coords = _dwelling_coords()
    at = _session(gpkg, monkeypatch, page)
    pub = sent[-1]["script"]
    assert DWELLING_TOTALS_NAME in pub and "Kommunale boliger" not in pub
    assert not any(c in pub for c in coords)
    switch = [t for t in at.toggle if "prikking" in t.label.lower()]
    assert switch, "the local role may switch suppression off"
    switch[0].set_value(False).run()
    assert not at.exception
    private = sent[-1]["script"]
    assert "Kommunale boliger" in private and sum(c in private for c in coords) >= len(coords) // 2
    n = len(sent)
    _session(gpkg, monkeypatch, page)          # another browser session: suppression on again
    assert len(sent) > n
    again = sent[-1]["script"]
    assert again == pub
    assert "Kommunale boliger" not in again and not any(c in again for c in coords)


def test_a_new_growth_rate_sends_only_the_reserves_into_the_map_the_browser_has(gpkg, monkeypatch, sent):
    """Arealbehov: another growth rate changes the balance (which reserves are candidates to
    take out), not the map under it: the same map, and the reserves as the page's overlays,
    every reserve and submission of the data among them."""
    at = _session(gpkg, monkeypatch, "geoplan/present/app/views/arealbehov.py")
    first = sent[-1]
    assert "Boligreserve" in first["feature_group"] and "Boligreserve" not in first["script"]
    assert "geoplan-legend-dyn" in first["script"]       # the legend keeps their place
    box = at.selectbox(key="ab_rate")
    other = next(o for o in box.options if o != box.value)
    box.set_value(other).run()
    assert not at.exception
    after = sent[-1]
    assert after["key"] == first["key"] and after["script"] == first["script"]
    # every submission of the data is drawn (one feature each), beside the reserves
    n_innspill = len(fx.layers()["innspill"])
    assert after["feature_group"].count('"type":"Feature"') > n_innspill > 0
    assert after["feature_group"] != first["feature_group"] or other == box.value


def test_konsentrasjon_radius_and_what_if_point_go_into_the_map_the_browser_has(gpkg, monkeypatch, sent):
    """Konsentrasjon: the shares per grunnkrets, the hot spots and the what-if point are the
    page's overlays; a new radius or a clicked point sends them, not the map again (same
    component key and script), and the point is drawn where it was clicked."""
    at = _session(gpkg, monkeypatch, KONS)
    first = sent[-1]
    assert "Andel kommunale boenheter" in first["feature_group"]
    assert "Andel kommunale boenheter" not in first["script"]
    assert "geoplan-legend-dyn" in first["script"]
    r0 = at.slider(key="ko_radius").value
    at.slider(key="ko_radius").set_value(r0 + 100).run()
    assert not at.exception
    after = sent[-1]
    assert after["key"] == first["key"] and after["script"] == first["script"]
    assert "Andel kommunale boenheter" in after["feature_group"]
    x, y = fx.X0 + 9000.0, fx.Y0 + 7000.0
    at.session_state["_ko_point"] = (x, y)          # as a click on the map sets it
    at.run()
    assert not at.exception
    clicked = sent[-1]
    assert clicked["key"] == first["key"] and clicked["script"] == first["script"]
    lon, lat = Transformer.from_crs(fx.layers()["grunnkrets"].crs, 4326, always_xy=True).transform(x, y)
    assert f"[{round(lon, 5)},{round(lat, 5)}]" in clicked["feature_group"].replace(" ", "")
    assert "Punktet for hva-om-kjøpet" in clicked["feature_group"]


def test_a_site_goes_into_the_map_the_browser_has(gpkg, monkeypatch, sent):
    """Vurder tomt: a typed site is drawn into the map the browser has (same component key
    and script, the site and its pin as overlays) and the view is fitted to 2 km around it."""
    at = _session(gpkg, monkeypatch, "geoplan/present/app/views/vurder_tomt.py")
    first = sent[-1]
    assert "Tomta" not in first["script"] and "fitBounds" not in (first["feature_group"] or "")
    x, y = fx.X0 + 2700.0, fx.Y0 + 4000.0
    at.text_input(key="vt_xy").set_value(f"{x:.0f}, {y:.0f}").run()
    at.button(key="vt_use_xy").click().run()
    assert not at.exception
    after = sent[-1]
    assert after["key"] == first["key"] and after["script"] == first["script"]
    assert "Tomta" in after["feature_group"] and "Valgt sted" in after["feature_group"]
    import re
    tr = Transformer.from_crs(fx.layers()["grunnkrets"].crs, 4326, always_xy=True)
    (lon0, lon1), (lat0, lat1) = tr.transform([x - 2000, x + 2000], [y - 2000, y + 2000])
    fit = re.search(r"fitBounds\(\[\[([-\d.]+), ([-\d.]+)\], \[([-\d.]+), ([-\d.]+)\]\]\)", after["feature_group"])
    assert fit, "the view is not moved to the site"
    s_lat0, s_lon0, s_lat1, s_lon1 = (float(v) for v in fit.groups())
    assert abs(s_lat0 - lat0) < 2e-3 and abs(s_lat1 - lat1) < 2e-3       # the 2 km box (within
    assert abs(s_lon0 - lon0) < 4e-3 and abs(s_lon1 - lon1) < 4e-3       # its WGS84 envelope)
