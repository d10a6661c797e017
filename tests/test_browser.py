"""End-to-end tests of the app in Debian's Chromium (Playwright), as a planner uses it.

A real ``streamlit run app.py`` server is started on a free port (module
fixture, killed at teardown). Each page is opened and the map's Leaflet
container must hold rendered layers (``.leaflet-interactive`` paths inside
streamlit-folium's iframe), with every Leaflet asset served locally. A site is
drawn on the map and the checklist appears; a broken file is uploaded and the
message appears. Screenshots go to ``test-artifacts/`` (git-ignored).

The app runs on the embedded demo (``layers/demo.gpkg``), or on the small test
municipality when the demo has not been built.
"""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(300)]

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
MAP_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'

PAGES = [("", "oversikt"), ("arealbehov", "Arealbehov"), ("skolesirkler", "Skolesirkler"),
         ("konsentrasjon", "Konsentrasjon"), ("vurder-tomt", "Vurder tomt"), ("data", "Data")]

sync_api = pytest.importorskip("playwright.sync_api")
if not Path(CHROMIUM).exists():  # pragma: no cover
    pytest.skip("Chromium is not installed at /usr/bin/chromium", allow_module_level=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    env = dict(os.environ, STREAMLIT_BROWSER_GATHER_USAGE_STATS="false")
    if not (ROOT / "layers" / "demo.gpkg").exists():
        sys.path.insert(0, str(Path(__file__).parent))
        import geoplan_app_fixture as fx

        env["GEOPLAN_APP_DATA"] = str(fx.write_gpkg(tmp_path_factory.mktemp("data") / "fx.gpkg"))
    port = _free_port()
    log = tmp_path_factory.mktemp("log") / "streamlit.log"
    fh = open(log, "wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1"],
        cwd=ROOT, env=env, stdout=fh, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            if proc.poll() is not None:
                raise RuntimeError(f"streamlit stopped: {log.read_text()[-2000:]}")
            try:
                urllib.request.urlopen(url + "/_stcore/health", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        else:
            raise RuntimeError("streamlit did not start in 60 s")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        fh.close()


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture()
def page(browser):
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="nb-NO")
    pg = ctx.new_page()
    pg.requests_external = []  # type: ignore[attr-defined]
    pg.requests_failed_local = []  # type: ignore[attr-defined]

    def _on_request(req):
        u = req.url
        if u.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:", "about:")):
            return
        pg.requests_external.append(u)  # type: ignore[attr-defined]

    def _on_failed(req):
        if req.url.startswith("http://127.0.0.1"):
            pg.requests_failed_local.append(req.url)  # type: ignore[attr-defined]

    pg.on("request", _on_request)
    pg.on("requestfailed", _on_failed)
    yield pg
    ctx.close()


def _shot(pg, name: str) -> None:
    """Screenshot of the whole page (Streamlit scrolls inside its main container)."""
    ARTIFACTS.mkdir(exist_ok=True)
    vp = pg.viewport_size
    h = pg.evaluate("() => { const m = document.querySelector('[data-testid=\"stMain\"]');"
                    " return m ? m.scrollHeight : document.body.scrollHeight; }")
    pg.set_viewport_size({"width": vp["width"], "height": int(min(max(h + 40, vp["height"]), 7000))})
    time.sleep(0.6)
    pg.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    pg.set_viewport_size(vp)


def _wait_app(pg, timeout: float = 60_000) -> None:
    """Wait until Streamlit has finished running the page script."""
    pg.wait_for_selector('[data-testid="stApp"]', timeout=timeout)
    time.sleep(0.3)
    pg.wait_for_function(
        "() => { const a = document.querySelector('[data-testid=\"stApp\"]');"
        " const s = a && a.getAttribute('data-test-script-state');"
        " return s && !['initial', 'running', 'rerunRequested'].includes(s); }",
        timeout=timeout)


def _map_paths(pg, timeout: float = 60_000) -> int:
    frame = pg.frame_locator(MAP_IFRAME).first
    frame.locator(".leaflet-interactive").first.wait_for(state="attached", timeout=timeout)
    return frame.locator(".leaflet-interactive").count()


@pytest.mark.parametrize("path,title", PAGES)
def test_page_renders_with_offline_map(server, page, path, title):
    t0 = time.perf_counter()
    page.goto(f"{server}/{path}")
    _wait_app(page)
    page.get_by_role("heading", name=title).first.wait_for(timeout=60_000)
    assert page.locator('[data-testid="stException"]').count() == 0
    if path == "data":
        page.get_by_text("Kontrollrapport").first.wait_for()
        page.get_by_text("Parametere").first.wait_for()
    else:
        n = _map_paths(page)
        assert n > 0, "the map shows no vector layers"
        # layer control, scale bar and fullscreen button are there
        frame = page.frame_locator(MAP_IFRAME).first
        assert frame.locator(".leaflet-control-layers").count() == 1
        assert frame.locator(".leaflet-control-scale").count() == 1
        assert frame.locator(".leaflet-control-zoom-fullscreen, .fullscreen-icon").count() >= 1
        assert frame.locator(".geoplan-legend").count() == 1
    elapsed = time.perf_counter() - t0
    time.sleep(0.8)  # let tiles fail and clusters settle before the screenshot
    _shot(page, f"side-{path or 'oversikt'}")
    # Leaflet and its plugins came from our server, never from a CDN (tiles aside)
    external = [u for u in page.requests_external
                if "kartverket.no" not in u and "openstreetmap.org" not in u]
    assert external == [], f"assets fetched from the internet: {external[:5]}"
    assert page.requests_failed_local == [], page.requests_failed_local
    assert elapsed < 60


def test_draw_site_shows_checklist(server, page):
    page.goto(f"{server}/vurder-tomt")
    _wait_app(page)
    _map_paths(page)
    frame = page.frame_locator(MAP_IFRAME).first
    frame.locator(".leaflet-draw-draw-marker").click()
    box = page.locator(MAP_IFRAME).first.bounding_box()
    # the map is fitted to the municipality; its centre is inside it
    page.mouse.click(box["x"] + box["width"] * 0.45, box["y"] + box["height"] * 0.55)
    page.get_by_text("Sjekkliste for").first.wait_for(timeout=60_000)
    _wait_app(page)
    assert page.get_by_text("Samlet vurdering").count() >= 1
    assert page.locator('[data-testid="stException"]').count() == 0
    grid = page.locator('[data-testid="stDataFrame"]').first
    grid.wait_for()
    time.sleep(0.8)
    _shot(page, "vurder-tomt-sjekkliste")


def _upload(page, server, name: str, data: bytes) -> None:
    page.goto(f"{server}/data")
    _wait_app(page)
    page.locator('[data-testid="stMain"] input[type="file"]').first.set_input_files(
        {"name": name, "mimeType": "application/octet-stream", "buffer": data})
    page.get_by_role("button", name="Last inn og kontroller").click()


def test_broken_upload_shows_message(server, page):
    _upload(page, server, "ødelagt.gpkg", b"dette er ikke en GeoPackage\n" * 20)
    msg = page.get_by_text("Filen ble ikke tatt i bruk").first
    msg.wait_for(timeout=60_000)
    assert page.locator('[data-testid="stException"]').count() == 0
    text = page.locator('[data-testid="stAlert"]').all_inner_texts()
    assert any("ødelagt.gpkg" in t for t in text), text
    _shot(page, "data-odelagt-fil")


def test_zip_with_parent_path_is_refused(server, page):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("../../utenfor.shp", b"x" * 100)
    _upload(page, server, "farlig.zip", buf.getvalue())
    page.get_by_text("ulovlig sti").first.wait_for(timeout=60_000)
    assert page.locator('[data-testid="stException"]').count() == 0


def test_upload_site_file_shows_checklist(server, page, tmp_path):
    import json

    import geopandas as gpd
    from shapely.geometry import box

    from geoplan.io.layers import (
        load,  # a 60 m × 60 m site at the first school of whatever data the server shows
    )
    data = os.environ.get("GEOPLAN_APP_DATA") or None
    ds = load(data, only=["skole"])
    s = ds["skole"].geometry.iloc[0]
    site = gpd.GeoDataFrame({"navn": ["Testtomta"]}, geometry=[box(s.x + 100, s.y + 100, s.x + 160, s.y + 160)],
                            crs=ds.crs).to_crs(4326)
    payload = json.dumps(json.loads(site.to_json())).encode()
    page.goto(f"{server}/vurder-tomt")
    _wait_app(page)
    page.get_by_text("Last opp tomt eller skriv koordinater").click()
    page.locator('[data-testid="stMain"] input[type="file"]').first.set_input_files(
        {"name": "tomt.geojson", "mimeType": "application/geo+json", "buffer": payload})
    _wait_app(page)
    page.get_by_role("button", name="Bruk filen").click()
    page.get_by_text("Sjekkliste for Testtomta").first.wait_for(timeout=60_000)
    _wait_app(page)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.get_by_text("Samlet vurdering").count() >= 1
    page.locator('[data-testid="stDataFrame"]').first.wait_for()
    # the site and its point are drawn into the map the browser has (overlays, listed in the
    # layer control), not as a pin on a new map
    frame = page.frame_locator(MAP_IFRAME).first
    for name in ("Tomta", "Valgt sted"):
        frame.locator(".leaflet-control-layers-overlays label", has_text=name) \
            .first.wait_for(state="attached", timeout=60_000)
    _shot(page, "vurder-tomt-opplastet")
