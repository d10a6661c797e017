"""The app's first visit: the launcher that warms the caches, and the cheap map elements.

``geoplan app`` fills the caches the Oversikt page needs before Streamlit
accepts connections (``appdata.warm_up``); the map's data elements render
their script once (no second Jinja pass over the GeoJSON) and school pins and
circles are one element each. Expected values are worked out from the input
here (coordinates reprojected with pyproj, counts of the points put in).
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import geopandas as gpd
import pytest
from pyproj import Transformer
from shapely.geometry import Point, box

sys.path.insert(0, str(Path(__file__).parent))
import geoplan_app_fixture as fx  # noqa: E402

from geoplan.present.app import maps  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="module")
def fixture_gpkg(tmp_path_factory):
    return fx.write_gpkg(tmp_path_factory.mktemp("launch") / "testvik.gpkg")


@pytest.fixture(autouse=True, scope="module")
def _local_assets():
    """The maps link the vendored assets, as in the app (which does this when it starts)."""
    maps.localize_assets()


def _rows(html: str, marker: str) -> list[list]:
    """The ``rows`` array of the point group whose options contain ``marker``."""
    for m in re.finditer(r"var rows = (\[.*?\]);\s*var opts = (\{.*?\});", html, re.S):
        if marker in m.group(2):
            return json.loads(m.group(1).replace("<\\/", "</"))
    raise AssertionError(f"no point group with {marker}")


# ---------------------------------------------------------------------------
# Map elements
# ---------------------------------------------------------------------------

def test_layer_text_is_emitted_as_is_not_as_template_code():
    # branca used to compile a rendered layer as a Jinja template again: «{{ 6 * 7 }}» in a
    # name became «42» on the map
    g = gpd.GeoDataFrame({"navn": ["Felt {{ 6 * 7 }}", "Felt {% if 1 %}x{% endif %}"]},
                         geometry=[box(565_000, 6_545_000, 565_100, 6_545_100),
                                   box(565_200, 6_545_000, 565_300, 6_545_100)], crs=25832)
    disp = maps.to_display(g)
    m = maps.base_map(disp.total_bounds, basemap="ingen")
    maps.add_geojson(m, disp, "Innspill", fields=["navn"])
    html = maps.map_html(m)
    assert "Felt {{ 6 * 7 }}" in html
    assert "Felt {% if 1 %}x{% endif %}" in html


def test_legend_text_from_the_data_is_not_template_code():
    # a kategori from an uploaded file goes into the legend; Jinja code in it must not run
    kb = gpd.GeoDataFrame({"antall_enheter": [2], "kategori": ["{{ 6 * 7 }}"]},
                          geometry=[Point(565_000, 6_545_000)], crs=25832)
    html = maps.map_html(maps.municipality_map({"kommunal_bolig": maps.to_display(kb)}, basemap="ingen"))
    assert "Kommunal bolig: {{ 6 * 7 }}" in html
    assert "Kommunal bolig: 42" not in html


def test_school_pins_and_circles_are_one_layer_each():
    xy = [(565_000.0, 6_545_000.0), (567_500.0, 6_546_000.0), (570_000.0, 6_548_000.0)]
    names = ["Nord skole", "Sør <skole> & co", "Øst skole"]
    skole = gpd.GeoDataFrame({"navn": names}, geometry=[Point(p) for p in xy], crs=25832)
    disp = {"skole": maps.to_display(skole)}
    html = maps.map_html(maps.municipality_map(disp, radius_m=1500, basemap="ingen"))

    to_wgs = Transformer.from_crs(25832, 4326, always_xy=True)
    expected = [(round(lat, 5), round(lon, 5)) for lon, lat in (to_wgs.transform(x, y) for x, y in xy)]
    pins = _rows(html, '"icon": "school"')
    assert [(r[0], r[1]) for r in pins] == pytest.approx(expected, abs=1e-9)
    assert "Sør &lt;skole&gt; &amp; co" in pins[1][2] and "<skole>" not in pins[1][2]
    circles = _rows(html, '"radius": 1500.0')
    assert [(r[0], r[1]) for r in circles] == pytest.approx(expected, abs=1e-9)
    assert circles[0][2] == "Nord skole: 1,5 km"
    # one icon definition for all pins, and both layers are in the layer control
    assert html.count("L.AwesomeMarkers.icon(opts)") == 1
    assert '"Skoler"' in html and '"Skolesirkler 1,5 km"' in html


def test_site_pin_is_red_and_labelled():
    disp = {"kommune": maps.to_display(gpd.GeoDataFrame(
        {"kommunenavn": ["Testvik"]}, geometry=[box(560_000, 6_540_000, 570_000, 6_548_000)], crs=25832))}
    html = maps.map_html(maps.municipality_map(disp, basemap="ingen",
                                               markers=[(59.05, 10.03, "Tomt <A>")]))
    pin = _rows(html, '"markerColor": "red"')
    assert pin == [[59.05, 10.03, "Tomt &lt;A&gt;"]]


def test_map_loads_only_the_scripts_it_uses():
    disp = {"skole": maps.to_display(gpd.GeoDataFrame(
        {"navn": ["A"]}, geometry=[Point(565_000, 6_545_000)], crs=25832))}
    html = maps.map_html(maps.municipality_map(disp, basemap="ingen", draw=True))
    scripts = re.findall(r'<script src="([^"]+)"', html)
    names = [s.rsplit("/", 1)[-1] for s in scripts]
    assert "leaflet.js" in names and "leaflet.awesome-markers.min.js" in names
    assert "leaflet.draw.js" in names
    assert not any("jquery" in n or "bootstrap" in n for n in names), names
    # the stylesheets stay (they style the controls, tooltips and icons)
    assert any("bootstrap.min.css" in u for u in re.findall(r'href="([^"]+)"', html))


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.timeout(120)
def test_map_without_basemap_has_legend_and_layer_control(tmp_path):
    """«Ingen bakgrunnskart»: no tile layer gives the map a maxZoom; the dwelling cluster
    needs one, and without it the script stopped before the legend and layer control."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed at /usr/bin/chromium")
    kb = gpd.GeoDataFrame({"antall_enheter": [2, 5], "kategori": ["utleie", "omsorgsbolig"]},
                          geometry=[Point(565_000, 6_545_000), Point(565_400, 6_545_300)], crs=25832)
    skole = gpd.GeoDataFrame({"navn": ["A skole"]}, geometry=[Point(565_200, 6_545_100)], crs=25832)
    disp = {"kommunal_bolig": maps.to_display(kb), "skole": maps.to_display(skole)}
    html = maps.map_html(maps.municipality_map(disp, basemap="ingen"))
    html = html.replace(maps.STREAMLIT_ASSET_BASE, maps.VENDOR_DIR.as_uri())
    page = tmp_path / "kart.html"
    page.write_text(html, encoding="utf-8")
    errors = []
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                               args=["--no-sandbox", "--disable-gpu", "--allow-file-access-from-files"])
        pg = b.new_page()
        pg.on("pageerror", lambda e: errors.append(str(e)))
        pg.goto(page.as_uri())
        pg.locator(".leaflet-control-layers").first.wait_for(state="attached", timeout=30_000)
        assert pg.locator(".geoplan-legend").count() == 1
        assert pg.locator(".awesome-marker-icon-blue").count() == 1   # the school pin
        b.close()
    assert errors == []


# ---------------------------------------------------------------------------
# Warm caches
# ---------------------------------------------------------------------------

def test_warm_up_fills_the_caches_of_the_first_page(fixture_gpkg, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from geoplan.io import layers
    from geoplan.present.app import appdata
    monkeypatch.setenv("GEOPLAN_APP_DATA", str(fixture_gpkg))
    appdata._load_cached.clear()
    appdata._display_cached.clear()
    times = appdata.warm_up()
    assert set(times) == {"config_s", "load_s", "display_s", "map_s"}

    # after warm_up, the first Oversikt run reads no data and simplifies no layer again
    loads, displayed = [], []
    real_load, real_display = layers.load, maps.to_display
    monkeypatch.setattr(layers, "load", lambda *a, **k: loads.append(a) or real_load(*a, **k))
    monkeypatch.setattr(maps, "to_display",
                        lambda g, **k: displayed.append(k.get("name")) or real_display(g, **k))
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert loads == []
    assert set(displayed) <= {"steinbrudd"}   # only the quarry buffer, drawn per run
    figures = {m.label: m.value for m in at.metric}
    assert figures["Areal"] == "80 km²"        # the fixture's 10 km × 8 km


def test_app_command_options():
    from geoplan.present.cli import app as app_cmd
    from geoplan.present.cli.main import build_parser
    args = build_parser().parse_args(["app", "kommune.gpkg", "--port", "8600", "--address",
                                      "127.0.0.1", "--headless"])
    assert args.run is app_cmd.run
    assert (args.data, args.port, args.address, args.headless) == ("kommune.gpkg", 8600, "127.0.0.1", True)


def test_app_command_refuses_missing_data(tmp_path):
    from geoplan.errors import UnreadableInput
    from geoplan.present.cli import app as app_cmd
    args = app_cmd.argparse.Namespace(data=str(tmp_path / "finnes-ikke.gpkg"), port=None,
                                      address=None, headless=True, no_warm=False)
    with pytest.raises(UnreadableInput, match="finnes-ikke.gpkg"):
        app_cmd.run(args)


# ---------------------------------------------------------------------------
# The launcher end to end
# ---------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.timeout(300)
def test_app_refuses_a_port_in_use_in_norwegian(capsys):
    """A port another program listens on is refused before the data are read, in
    Norwegian, with another port to try (Streamlit's own message is English)."""
    from geoplan.present.cli.main import main
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        assert main(["app", "--port", str(port), "--headless"]) == 2
    err = capsys.readouterr().err
    assert f"Porten {port} på 127.0.0.1 er i bruk" in err and f"--port {port + 1}" in err
    assert "Forbereder kartappen" not in err


def test_launcher_serves_the_map(fixture_gpkg, tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed at /usr/bin/chromium")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = tmp_path / "app.log"
    with open(log, "wb") as fh:
        # started from another folder: the launcher finds the project and its config itself
        proc = subprocess.Popen(
            [sys.executable, "-m", "geoplan", "app", str(fixture_gpkg), "--headless", "--port",
             str(port), "--address", "127.0.0.1"],
            cwd=tmp_path, stdout=fh, stderr=subprocess.STDOUT,
            env=dict(os.environ, STREAMLIT_BROWSER_GATHER_USAGE_STATS="false",
                     PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")))
        url = f"http://127.0.0.1:{port}"
        try:
            for _ in range(240):
                if proc.poll() is not None:
                    raise AssertionError(log.read_text()[-2000:])
                try:
                    urllib.request.urlopen(url + "/_stcore/health", timeout=2)
                    break
                except OSError:
                    time.sleep(0.25)
            time.sleep(0.5)
            text = log.read_text()
            assert "Klar etter" in text and "ScriptRunContext" not in text, text
            assert re.search(r"Klar etter \d+,\d s;", text), text     # a decimal comma
            # the address in Norwegian; none of Streamlit's English welcome or info lines
            assert f"Kartappen svarer på http://localhost:{port}" in text, text
            for english in ("You can now view", "Uvicorn server started", "URL:"):
                assert english not in text, text
            with sync_api.sync_playwright() as pw:
                b = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                       args=["--no-sandbox", "--disable-gpu"])
                pg = b.new_page(viewport={"width": 1400, "height": 1000})
                pg.goto(url + "/")
                # the streamlit-folium component is registered (it is not imported before the
                # server runs) and the vendored Leaflet assets are served
                frame = pg.frame_locator('iframe[title="streamlit_folium.st_folium"]').first
                frame.locator(".leaflet-interactive").first.wait_for(state="attached", timeout=90_000)
                assert pg.get_by_text("Testvik: oversikt").count() >= 1
                assert frame.locator(".awesome-marker").count() >= 1     # school pins
                assert pg.locator('[data-testid="stException"]').count() == 0
                b.close()
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()


def test_warm_up_thread_logs_no_streamlit_context_warnings_even_after_streamlit_resets_levels():
    """``geoplan app`` fills the pages' caches in a thread while the server starts; Streamlit
    warns in English about the missing script context there. The filter drops those records
    of that thread only, and holds after Streamlit sets its loggers' levels again (which it
    does when the server starts: the race that let the warning through)."""
    import logging
    import threading

    from streamlit import logger as st_logger

    from geoplan.present.cli import app as cli_app

    cli_app._install_warm_filter()
    st_logger.set_log_level("info")
    seen: list[str] = []

    class Grab(logging.Handler):
        def emit(self, record):
            seen.append(f"{record.threadName}: {record.getMessage()}")

    lg = logging.getLogger(cli_app._CONTEXT_LOGGERS[0])
    grab = Grab()
    lg.addHandler(grab)
    try:
        def warn():
            lg.warning("Thread %r: missing ScriptRunContext!", threading.current_thread().name)
        for name in (cli_app.WARM_THREAD, "another-thread"):
            t = threading.Thread(target=warn, name=name)
            t.start()
            t.join()
    finally:
        lg.removeHandler(grab)
    assert seen == ["another-thread: Thread 'another-thread': missing ScriptRunContext!"]
