"""``pip install .`` (not editable) gives a package that works from any folder.

The wheel is built from the checkout and installed into a folder of its own
(``--target``); the commands then run from an empty folder with only that
folder on the path for geoplan, so the packaged demo, the shipped defaults, the
report templates and the app's static assets must all come from the install.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    # pip builds in the source tree (build/, *.egg-info): build from a copy, never the checkout
    src = tmp_path_factory.mktemp("src") / "geoplan-src"
    shutil.copytree(ROOT, src, symlinks=True, ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "*.egg-info", "__pycache__", "bench", "tests", "test-artifacts"))
    target = tmp_path_factory.mktemp("site")
    r = subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps",
         "--target", str(target), str(src)],
        capture_output=True, text=True, timeout=600,
        env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"})
    assert r.returncode == 0, r.stderr[-3000:]
    assert (target / "geoplan" / "data" / "demo" / "demo.gpkg").is_file()
    assert not (target / "geoplan" / "__init__.py").is_symlink()
    work = tmp_path_factory.mktemp("empty")
    env = {k: v for k, v in os.environ.items() if k not in ("GEOPLAN_CONFIG_DIR", "GEOPLAN_APP_DATA")}
    env["PYTHONPATH"] = str(target)
    return target, work, env


def _geoplan(installed, *args, timeout=300):
    target, work, env = installed
    return subprocess.run([sys.executable, "-m", "geoplan", *args], cwd=work, env=env,
                          capture_output=True, text=True, timeout=timeout)


def test_installed_package_is_the_one_imported(installed):
    target, work, env = installed
    r = subprocess.run([sys.executable, "-c", "import geoplan; print(geoplan.__file__)"],
                       cwd=work, env=env, capture_output=True, text=True, timeout=60)
    assert Path(r.stdout.strip()).is_relative_to(target), r.stdout + r.stderr


def test_reserves_json_on_the_packaged_demo(installed):
    r = _geoplan(installed, "reserves", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert {p["sted"] for p in out["steder"]} >= {"Helgeroa", "Kvelde"}


def test_report_html_from_an_empty_folder(installed):
    target, work, env = installed
    r = _geoplan(installed, "report", "--out", "r.html")
    assert r.returncode == 0, r.stderr
    html = (work / "r.html").read_text(encoding="utf-8")
    assert "Boligreserve, arealbehov og lokalisering" in html


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_app_serves_its_page_and_vendored_assets(installed):
    target, work, env = installed
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "geoplan", "app", "--headless", "--port", str(port),
                             "--address", "127.0.0.1"], cwd=work, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                pass
            assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
            assert time.monotonic() < deadline, "the app did not start in 120 s"
            time.sleep(0.5)
        with urllib.request.urlopen(f"{base}/app/static/vendor/leaflet/leaflet.js", timeout=10) as resp:
            assert resp.status == 200 and b"Leaflet" in resp.read(2000)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
