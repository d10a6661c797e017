"""The app's Data page: the housing office's list geocoded, unmatched rows corrected, used in the session."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
import geoplan_app_fixture as fx  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).parent / "data" / "products"
REGISTER = DATA / "adresser" / "Basisdata_0000_Norge_25833_MatrikkelenAdresse_CSV.zip"
LIST = DATA / "boligkontoret" / "kommunale_boliger.xlsx"


@pytest.fixture()
def page(tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("GEOPLAN_APP_DATA", str(fx.write_gpkg(tmp_path / "testvik.gpkg")))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    at.switch_page("geoplan/present/app/views/data.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _submit(at, label: str):
    button = next(b for b in at.get("form_submit_button") if b.label == label)
    button.click().run()
    assert not at.exception, [e.value for e in at.exception]


def test_geocode_upload_shows_unmatched_rows_for_correction(page):
    at = page
    at.file_uploader(key="geo_list").set_value((LIST.name, LIST.read_bytes(), "application/octet-stream"))
    at.file_uploader(key="geo_reg").set_value((REGISTER.name, REGISTER.read_bytes(), "application/zip"))
    _submit(at, "Finn boligene i adresseregisteret")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Funnet som skrevet"] == "8" and metrics["Ikke funnet"] == "3"
    editor = next(e for e in at.data_editor if "kandidater" in e.value.columns)
    assert list(editor.value["rad"]) == [13, 14, 15, 16]
    # correct row 13 to one of the register's addresses and match again
    at.session_state["geo_editor"] = {"edited_rows": {0: {"rettet": "Vardåsveien 144"}},
                                      "added_rows": [], "deleted_rows": []}
    next(b for b in at.button if b.label == "Prøv igjen med rettelsene").click().run()
    assert not at.exception, [e.value for e in at.exception]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Funnet som skrevet"] == "9" and metrics["Ikke funnet"] == "2"
    next(b for b in at.button if b.label == "Bruk de plasserte boligene i denne økten").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("kommunal_bolig" in s.value and "11 adresser" in s.value for s in at.success)
    # the correction does not carry over to the rows that are still unmatched
    editor = next(e for e in at.data_editor if "kandidater" in e.value.columns)
    assert list(editor.value["rad"]) == [14, 15, 16] and set(editor.value["rettet"]) == {""}
