"""Login through a real OpenID Connect provider, and what each role gets, in Chromium.

A node-oidc-provider (``tests/oidc/provider.mjs``, installed by ``npm ci`` in
``tests/oidc``; ``.ci/run`` does it) signs users in; ``geoplan app`` runs with
``auth.mode = "oidc"`` and Streamlit's built-in login. For each role the test
signs in through the provider's login page, opens the pages, and searches the
HTML of the page and of every frame (the map's GeoJSON lives in
streamlit-folium's iframe) for what the role must not receive: municipal
dwellings as points, their categories and their addresses.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import geopandas as gpd
import pytest
from playwright import sync_api

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(600)]

ROOT = Path(__file__).resolve().parent.parent
OIDC = ROOT / "tests" / "oidc"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
DEMO = ROOT / "geoplan" / "data" / "demo" / "demo.gpkg"
ADDRESSES = gpd.read_file(DEMO, layer="kommunal_bolig")["adresse"].dropna().astype(str).tolist()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_http(url: str, proc: subprocess.Popen, log: Path, seconds: float = 90) -> None:
    end = time.time() + seconds
    while time.time() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"{url}: the process stopped: {log.read_text()[-3000:]}")
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.4)
    raise RuntimeError(f"{url} did not answer in {seconds} s: {log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def oidc_app(tmp_path_factory):
    if not (OIDC / "node_modules" / "oidc-provider").exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=OIDC, check=True,
                       capture_output=True)
    tmp = tmp_path_factory.mktemp("oidc")
    app_port, idp_port = _free_port(), _free_port()
    app_url = f"http://127.0.0.1:{app_port}"
    cfg = tmp / "config"
    shutil.copytree(ROOT / "geoplan" / "config" / "defaults", cfg)
    auth = (cfg / "auth.toml").read_text()
    auth = re.sub(r'(\[mode\]\nvalue = )"ingen"', r'\1"oidc"', auth)
    auth = re.sub(r'(\[audit_file\]\nvalue = )""', rf'\1"{tmp / "logg.jsonl"}"', auth)
    (cfg / "auth.toml").write_text(auth)
    app_toml = (cfg / "app.toml").read_text()
    (cfg / "app.toml").write_text(re.sub(r"(\[show_address\]\nvalue = )false", r"\1true", app_toml))
    secrets = tmp / "secrets.toml"
    secrets.write_text(
        "[auth]\n"
        f'redirect_uri = "{app_url}/oauth2callback"\n'
        'cookie_secret = "geoplan-test-cookie-secret-0123456789abcdef"\n'
        'client_id = "geoplan"\nclient_secret = "geoplan-test-secret"\n'
        f'server_metadata_url = "http://127.0.0.1:{idp_port}/.well-known/openid-configuration"\n'
        'client_kwargs = { prompt = "login" }\n')
    idp_log, app_log = tmp / "idp.log", tmp / "app.log"
    idp = subprocess.Popen(["node", str(OIDC / "provider.mjs"), str(idp_port), f"{app_url}/oauth2callback"],
                           stdout=open(idp_log, "wb"), stderr=subprocess.STDOUT)
    env = dict(os.environ, GEOPLAN_CONFIG_DIR=str(cfg), PYTHONPATH=str(ROOT),
               STREAMLIT_BROWSER_GATHER_USAGE_STATS="false")
    app = subprocess.Popen([sys.executable, "-m", "geoplan", "app", "--headless", "--no-warm",
                            "--port", str(app_port), "--secrets", str(secrets)],
                           env=env, cwd=tmp, stdout=open(app_log, "wb"), stderr=subprocess.STDOUT)
    try:
        _wait_http(f"http://127.0.0.1:{idp_port}/.well-known/openid-configuration", idp, idp_log)
        _wait_http(f"{app_url}/_stcore/health", app, app_log)
        yield {"url": app_url, "audit": tmp / "logg.jsonl", "app_log": app_log}
    finally:
        for p in (app, idp):
            p.terminate()
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()


def _wait_app(pg, timeout: float = 90_000) -> None:
    pg.wait_for_selector('[data-testid="stApp"]', timeout=timeout)
    time.sleep(0.3)
    pg.wait_for_function(
        "() => { const a = document.querySelector('[data-testid=\"stApp\"]');"
        " const s = a && a.getAttribute('data-test-script-state');"
        " return s && !['initial', 'running', 'rerunRequested'].includes(s); }", timeout=timeout)


def _sign_in(browser, url: str, login: str):
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="nb-NO")
    pg = ctx.new_page()
    pg.goto(url)
    _wait_app(pg)
    assert "Logg inn med kommunens brukerkonto" in pg.inner_text("body")
    pg.get_by_role("button", name="Logg inn").click()
    pg.wait_for_selector('input[name="login"]', timeout=60_000)  # the provider's own page
    pg.fill('input[name="login"]', login)
    pg.fill('input[name="password"]', "hva-som-helst")
    pg.click('button[type="submit"]')
    pg.wait_for_url(re.compile(re.escape(url) + r"/?(\?.*)?$|" + re.escape(url) + "/oversikt"), timeout=60_000)
    _wait_app(pg)
    return ctx, pg


def _everything(pg) -> str:
    """The page's HTML and every frame's (the map data is in the component iframe)."""
    time.sleep(1.0)
    parts = []
    for fr in pg.frames:
        try:
            parts.append(fr.content())
        except sync_api.Error:
            pass
    return "\n".join(parts)


def _open(pg, url: str, path: str) -> str:
    pg.goto(f"{url}/{path}")
    _wait_app(pg)
    if path in ("", "oversikt", "konsentrasjon", "vurder-tomt"):
        pg.frame_locator('iframe[title="streamlit_folium.st_folium"]').first.locator(
            ".leaflet-container").first.wait_for(state="attached", timeout=60_000)
    return _everything(pg)


def _suppression_off(pg, url: str, path: str, expect: str | None = None) -> str:
    """Switch «Skjul små tall» off in the sidebar (roles that may) and return the page's HTML.

    ``expect``: text the page must come to hold (the rerun and the new map arrive in
    turn, slowly on a loaded machine): waited for up to two minutes.
    """
    pg.get_by_text("Skjul små tall (prikking)").first.click()
    _wait_app(pg)
    if path in ("", "oversikt", "konsentrasjon", "vurder-tomt"):
        pg.frame_locator('iframe[title="streamlit_folium.st_folium"]').first.locator(
            ".leaflet-container").first.wait_for(state="attached", timeout=60_000)
    html = _everything(pg)
    end = time.time() + 120
    while expect is not None and expect not in html and time.time() < end:
        time.sleep(1.0)
        html = _everything(pg)
    return html


@pytest.mark.parametrize("role", ["innsyn", "plan"])
def test_planning_roles_never_receive_single_dwellings(oidc_app, browser, role):
    ctx, pg = _sign_in(browser, oidc_app["url"], role)
    try:
        body = pg.inner_text("body")
        assert f"{role}@kommune.test" in body and f"rolle {role}" in body
        assert "Vurder tomt" not in body
        for path in ("oversikt", "konsentrasjon"):
            html = _open(pg, oidc_app["url"], path)
            assert "Kommunal bolig:" not in html, path       # no dwelling layer in the map
            assert not [a for a in ADDRESSES if a in html], path
            assert "Bygninger over terskel" not in html
        assert "forbeholdt boligkontoret" in pg.inner_text("body")  # no what-if
        if role == "innsyn":
            assert "Skjul små tall" not in pg.inner_text("body")     # suppression cannot be switched off
        else:  # plan may see unsuppressed aggregates, never single dwellings
            html = _suppression_off(pg, oidc_app["url"], "konsentrasjon",
                                    expect="Prikkingen er slått av")   # the rerun is there
            assert "Kommunal bolig:" not in html and not [a for a in ADDRESSES if a in html]
    finally:
        ctx.close()


def test_housing_office_gets_points_but_not_addresses(oidc_app, browser):
    ctx, pg = _sign_in(browser, oidc_app["url"], "bolig")
    try:
        html = _open(pg, oidc_app["url"], "oversikt")
        assert "Kommunal bolig:" not in html          # suppression on (the default): totals only
        html = _suppression_off(pg, oidc_app["url"], "oversikt", expect="Kommunal bolig:")
        assert "Kommunal bolig:" in html
        assert not [a for a in ADDRESSES if a in html]
        assert "Vurder tomt" in pg.inner_text("body")
    finally:
        ctx.close()


def test_admin_gets_addresses_when_the_config_allows_them(oidc_app, browser):
    ctx, pg = _sign_in(browser, oidc_app["url"], "admin")
    try:
        _open(pg, oidc_app["url"], "oversikt")
        html = _suppression_off(pg, oidc_app["url"], "oversikt", expect="Kommunal bolig:")
        assert "Kommunal bolig:" in html and [a for a in ADDRESSES if a in html]
    finally:
        ctx.close()


def test_a_user_without_a_mapped_group_gets_nothing(oidc_app, browser):
    ctx, pg = _sign_in(browser, oidc_app["url"], "ukjent")
    try:
        body = pg.inner_text("body")
        assert "har ingen rolle i geoplan" in body
        html = _everything(pg)
        assert "Kommunal bolig" not in html and "leaflet" not in html.lower()
    finally:
        ctx.close()
    log = [json.loads(line) for line in oidc_app["audit"].read_text().splitlines()]
    assert {e["bruker"] for e in log if e["handling"] == "innlogging"} >= {"admin@kommune.test"}


def test_without_login_nothing_but_the_login_page(oidc_app, browser):
    ctx = browser.new_context()
    pg = ctx.new_page()
    try:
        pg.goto(oidc_app["url"] + "/konsentrasjon")
        _wait_app(pg)
        html = _everything(pg)
        assert "Logg inn" in pg.inner_text("body")
        assert "grunnkrets" not in html.lower() and "leaflet" not in html.lower()
    finally:
        ctx.close()


@pytest.mark.parametrize("path", ["data", "konsentrasjon", "vurder-tomt"])
def test_a_deep_link_without_a_login_gets_the_login_page(oidc_app, browser, path):
    """A first request straight to a page's address must not run that page's script.

    Streamlit serves ``/data`` by running ``pages/data.py`` on its own when a folder
    named ``pages`` lies beside the main script -- without the navigation, and so
    without the login; the app's page scripts live in ``views/`` for that reason.
    """
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="nb-NO")
    pg = ctx.new_page()
    try:
        pg.goto(f"{oidc_app['url']}/{path}")
        _wait_app(pg)
        html = _everything(pg)
        assert "Logg inn med kommunens brukerkonto" in pg.inner_text("body")
        assert "Kommunal bolig:" not in html and not [a for a in ADDRESSES if a in html]
        assert "Last inn og kontroller" not in html and "Bygninger over terskel" not in html
    finally:
        ctx.close()
