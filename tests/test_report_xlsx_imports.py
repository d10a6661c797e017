"""The spreadsheet report is tables only (issue 20): it draws no map and renders no HTML.

Checked in a fresh interpreter that builds the demo's KPA report as .xlsx and then
lists the modules it imported: no matplotlib, WeasyPrint or Jinja2 may be among them,
and every figure of the sections must still be undrawn. The same sections rendered
as HTML then draw every figure, so the check is not vacuous.

The concentration section is left out here: its global indices come from PySAL
``segregation``, whose package ``__init__`` imports ``matplotlib.pyplot`` itself
(``segregation/util/plot.py``); that import is PySAL's, not a map being drawn, and
belongs to issue 20's «PySAL where it is needed only».
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = r"""
import json, sys
from geoplan.config import load_config
from geoplan.io.loader import DEFAULT_DATA
from geoplan.io.layers import load
from geoplan.present import report as rp

cfg = load_config()
ds = load(DEFAULT_DATA)
secs = rp.build_sections(ds, cfg, [s for s in rp.SECTION_IDS if s != "konsentrasjon"])
data = rp.render_report(secs, ds, cfg, "xlsx")
figs = [f for s in secs for f in s.figures]
after_xlsx = {
    "xlsx": data[:2] == b"PK",
    "figures": len(figs),
    "drawn": sum(f.drawn for f in figs),
    "heavy": sorted(m for m in sys.modules
                    if m.split(".")[0] in ("matplotlib", "weasyprint", "jinja2")),
}
html = rp.render_report(secs, ds, cfg, "html")
after_xlsx["drawn_after_html"] = sum(f.drawn for f in figs)
after_xlsx["matplotlib_after_html"] = "matplotlib" in sys.modules
print(json.dumps(after_xlsx))
"""


@pytest.mark.slow
def test_xlsx_report_imports_no_map_renderer_nor_weasyprint():
    # in turn: maps drawn in worker processes would leave matplotlib out of this one
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg",
           "GEOPLAN_RAPPORT_PROSESSER": "1"}
    out = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    res = json.loads(out.stdout.strip().splitlines()[-1])
    assert res["xlsx"]
    assert res["figures"] >= 3          # school maps, overview, transit map, pyramid ...
    assert res["drawn"] == 0
    assert res["heavy"] == []
    assert res["drawn_after_html"] == res["figures"]
    assert res["matplotlib_after_html"]
