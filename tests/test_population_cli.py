"""The population commands end to end on the demo, and a grunnkrets layer without antall_boliger."""

from __future__ import annotations

import json

import geopandas as gpd
import pytest
import shapely

from geoplan.errors import DataProblem
from geoplan.io import Dataset
from geoplan.present.cli.common import require_command_columns
from geoplan.present.cli.main import main


def _json(capsys, argv) -> dict:
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_befolkning_json_sums_to_the_projection(capsys):
    out = _json(capsys, ["befolkning", "--variant", "MMMM", "--json"])
    kom = {(r["aar"], r["gruppe"]): r["personer"] for r in out["kommune"]}
    places = {}
    for r in out["steder"]:
        places[(r["aar"], r["gruppe"])] = places.get((r["aar"], r["gruppe"]), 0) + r["personer"]
    assert set(kom) == set(places)
    assert all(abs(kom[k] - places[k]) < 1e-6 for k in kom)   # the places add up to the municipality
    assert out["skjult"]["prikkede_celler"] > 0 and out["skjult"]["skjulte_personer"] > 0
    assert out["basisaar"] == 2014


def test_boligbehov_public_hides_small_place_counts(capsys):
    out = _json(capsys, ["boligbehov", "--public", "--json"])
    small = [r for r in out["steder"] if r["i_dag"] is not None and 0 < r["i_dag"] < 5]
    assert not small
    assert all(r["gap"] is None for r in out["steder"] if r["i_dag"] is None)


def test_arealbehov_with_projection_is_not_the_flat_rate(capsys):
    flat = _json(capsys, ["arealbehov", "--json"])
    proj = _json(capsys, ["arealbehov", "--projection", "geoplan/data/demo/framskriving_14288.json",
                          "--variant", "MMMM", "--json"])
    assert {r["aar"] for r in proj} == {r["aar"] for r in flat}
    assert sum(r["arealbehov_daa"] for r in proj) != pytest.approx(sum(r["arealbehov_daa"] for r in flat))


def test_unknown_variant_is_a_clear_error(capsys):
    assert main(["befolkning", "--variant", "XXXX"]) == 2
    assert "XXXX finnes ikke" in capsys.readouterr().err


def test_grunnkrets_without_antall_boliger_serves_befolkning_not_concentration():
    g = gpd.GeoDataFrame({"grunnkretsnummer": ["39090101"], "totalBefolkning": [12],
                          "befolkning0Til04År": [5], "befolkning05Til09År": [None]},
                         geometry=[shapely.box(560000, 6540000, 560100, 6540100)], crs=25832)
    ds = Dataset.from_frames({"grunnkrets": g})
    assert ds.has("grunnkrets") and ds.reports["grunnkrets"].status == "ok"
    assert "befolkning" in ds["grunnkrets"].columns           # totalBefolkning -> the contract's befolkning
    assert any("antall_boliger" in m for m in ds.reports["grunnkrets"].messages)
    require_command_columns(ds, "befolkning", ["grunnkrets"])
    with pytest.raises(DataProblem, match="antall_boliger"):
        require_command_columns(ds, "concentration", ["grunnkrets"])


def test_app_page_on_the_demo(monkeypatch):
    from streamlit.testing.v1 import AppTest

    from geoplan.io.loader import DEFAULT_DATA
    from geoplan.present.app.main import PAGES_DIR

    monkeypatch.setenv("GEOPLAN_APP_DATA", str(DEFAULT_DATA))
    at = AppTest.from_file(str(PAGES_DIR.parent / "streamlit_app.py"), default_timeout=180)
    at.run()
    at.switch_page(str(PAGES_DIR / "befolkning.py"))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("Boligbehov" in h.value for h in at.subheader)
    at.toggle[1].set_value(True).run()      # walking access
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.dataframe) >= 5
