"""No widget is given both a default and a value through the Session State API.

:func:`geoplan.present.app.state.keep` writes the lasting choices back on every run (so
they survive a visit to another page); a widget that is also created with a default then
makes Streamlit log «The widget with key … was created with a default value but also had
its value set via the Session State API» with a stack, the first time per process (the
sidebar's «prikking» switch did, on the second run of every fresh server). The check
runs every page twice in one session and records that warning.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
import geoplan_app_fixture as fx  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
VIEWS = ["oversikt", "arealbehov", "skolesirkler", "konsentrasjon", "vurder_tomt", "befolkning",
         "arealregnskap", "data"]


@pytest.fixture(scope="module")
def gpkg(tmp_path_factory):
    return fx.write_gpkg(tmp_path_factory.mktemp("widgets") / "testvik.gpkg")


def test_no_widget_default_and_session_value(gpkg, monkeypatch):
    from streamlit.elements.lib import policies
    from streamlit.testing.v1 import AppTest

    warned: list[str] = []

    class Spy:
        def warning(self, msg, *args, **kw):
            warned.append(msg % args)

        def __getattr__(self, name):
            return getattr(orig, name)
    orig = policies._LOGGER
    monkeypatch.setattr(policies, "_LOGGER", Spy())
    monkeypatch.setattr(policies, "_shown_default_value_warning", False)
    monkeypatch.setenv("GEOPLAN_APP_DATA", str(gpkg))
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    for view in VIEWS:
        at.switch_page(f"geoplan/present/app/views/{view}.py")
        at.run()
        at.run()        # keep() has now set every choice the first run drew
        assert not at.exception, (view, [e.value for e in at.exception])
        assert not warned, (view, warned)
        monkeypatch.setattr(policies, "_shown_default_value_warning", False)
