"""What each command imports (issue 20, «fast starts»): a fresh interpreter runs the
command and reports the top-level packages it loaded. ``--help`` loads no numpy,
pandas or geopandas; no command loads PySAL (libpysal, esda, segregation: the
concentration analysis computes the same numbers in numpy, and the tests compare them
with PySAL), and the light commands none of the renderers or the app's libraries.
A test of the import graph, not of time: it fails the day a module imports a heavy
library at the top again."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

PYSAL = {"libpysal", "esda", "segregation", "mapclassify", "numba", "sklearn"}
RENDER_AND_APP = {"weasyprint", "matplotlib", "openpyxl", "streamlit", "folium", "branca",
                  "networkx", "jinja2", "docx", "reportlab"}
DATA = {"numpy", "pandas", "geopandas", "shapely", "pyproj", "pyogrio", "pyarrow", "rasterio", "scipy"}

_PROBE = """
import contextlib, io, json, sys
from geoplan.present.cli.main import main
buf = io.StringIO()
with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(buf):
    try:
        code = main(sys.argv[1:])
    except SystemExit as e:
        code = e.code
print(json.dumps({"code": code, "modules": sorted({m.split(".")[0] for m in sys.modules})}))
"""


def _loaded(*argv: str) -> tuple[int, set[str]]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    p = subprocess.run([sys.executable, "-c", _PROBE, *argv], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout.strip().splitlines()[-1])
    return out["code"], set(out["modules"])


@pytest.mark.parametrize("argv", [["--help"], ["concentration", "--help"], ["report", "--help"],
                                  ["assess", "--help"], ["app", "--help"]])
def test_help_loads_no_data_library(argv):
    code, mods = _loaded(*argv)
    assert code == 0
    assert not mods & (DATA | PYSAL | RENDER_AND_APP), sorted(mods & (DATA | PYSAL | RENDER_AND_APP))


@pytest.mark.parametrize("argv", [["arealbehov"], ["concentration"]])
def test_light_commands_load_neither_pysal_nor_renderers(argv):
    code, mods = _loaded(*argv)
    assert code == 0
    assert "numpy" in mods  # the probe sees the imports the work itself needs
    assert not mods & (PYSAL | RENDER_AND_APP), sorted(mods & (PYSAL | RENDER_AND_APP))


@pytest.mark.slow
def test_assess_loads_no_pysal():
    code, mods = _loaded("assess", "--site", "562300,6547800")
    assert code == 0
    assert not mods & (PYSAL | RENDER_AND_APP), sorted(mods & (PYSAL | RENDER_AND_APP))


def test_concentration_loads_no_scipy():
    # the radius sums run on geoplan's numpy point index: scipy.spatial alone is ~0.4 s
    code, mods = _loaded("concentration")
    assert code == 0
    assert "scipy" not in mods


def test_arealbehov_loads_no_geodata_library():
    # growth scenarios -> dwellings -> dekar are numbers from the configuration: the
    # command needs the place key, not geopandas or pyogrio (0.13 s of a 1.1 s run)
    code, mods = _loaded("arealbehov")
    assert code == 0
    assert "pandas" in mods
    assert not mods & {"geopandas", "pyogrio", "rasterio", "scipy"}, \
        sorted(mods & {"geopandas", "pyogrio", "rasterio", "scipy"})
