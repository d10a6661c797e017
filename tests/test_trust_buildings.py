"""A building with more municipal units than dwellings is a data error (issue 13, item 11).

Reported by ``bygg_id`` in the concentration result's ``datafeil`` (internal), by
count only in the public version, and by ``geoplan check`` where ``bygg_id`` links
the layers; never shown per building in a public report.
"""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely

from geoplan import privacy
from geoplan.analysis import concentration as C
from geoplan.io import load
from geoplan.io.consistency import buildings_over_capacity
from geoplan.present.cli.main import main

X0, Y0 = 500_000.0, 6_550_000.0
CRS = 25832


def frames():
    """One grunnkrets of 100 dwellings; buildings B1 (2 dwellings), B2 (10), B3 (unknown), B4 (50).

    B1 gets 3 units by bygg_id (3 > 2); B2 gets 7 by bygg_id and 4 by location (11 > 10; by
    bygg_id alone 7 ≤ 10); B3 has 5 units and no count; B4 has 50 of 50 (equal is no error).
    """
    gk = gpd.GeoDataFrame({"grunnkretsnummer": ["01"], "antall_boliger": [100]},
                          geometry=[shapely.box(X0, Y0, X0 + 1000, Y0 + 1000)], crs=CRS)
    bd = gpd.GeoDataFrame({"bygg_id": ["B1", "B2", "B3", "B4"], "antall_boliger": [2, 10, np.nan, 50]},
                          geometry=[shapely.Point(X0 + 100, Y0 + 100), shapely.box(X0 + 490, Y0 + 490, X0 + 510, Y0 + 510),
                                    shapely.Point(X0 + 900, Y0 + 900), shapely.Point(X0 + 300, Y0 + 700)], crs=CRS)
    dw = gpd.GeoDataFrame({"antall_enheter": [3, 7, 4, 5, 50],
                           "kategori": ["utleie"] * 5,
                           "bygg_id": ["B1", "B2", None, "B3", "B4"]},
                          geometry=[shapely.Point(X0 + 100, Y0 + 100), shapely.Point(X0 + 500, Y0 + 500),
                                    shapely.Point(X0 + 505, Y0 + 505), shapely.Point(X0 + 900, Y0 + 900),
                                    shapely.Point(X0 + 300, Y0 + 700)], crs=CRS)
    return dw, gk, bd


@pytest.fixture(scope="module")
def result():
    dw, gk, bd = frames()
    return C.ConcentrationModel(dw, gk, bd, radius_m=500).result(permutations=0, seed=1)


def test_concentration_names_the_buildings_in_datafeil(result):
    errs = [p for p in result.datafeil if p["type"] == "flere_enheter_enn_boliger_bygning"]
    assert len(errs) == 1
    e = errs[0]
    assert e["antall"] == 2 and e["objekter"] == ["B1", "B2"]
    assert "«B1»): 3 enheter mot 2 boliger" in e["melding"]
    assert "«B2»): 11 enheter mot 10 boliger" in e["melding"]       # the point joined by location counts
    assert "B3" not in e["melding"] and "B4" not in e["melding"]
    b = result.bygninger.set_index("bygg_id")
    assert b.loc["B1", "merknad"].startswith("flere kommunale enheter enn boliger")
    assert not isinstance(b.loc["B4", "merknad"], str)          # 50 of 50 is no error


def test_the_public_version_counts_them_without_ids(result):
    pub = privacy.suppress(result, 1)
    errs = [p for p in pub.datafeil if p["type"] == "flere_enheter_enn_boliger_bygning"]
    assert errs == [{"type": "flere_enheter_enn_boliger_bygning", "antall": 2,
                     "melding": "2 bygning(er) har flere kommunale enheter enn boliger "
                                "(datafeil; andelen er ikke beregnet for dem)."}]
    text = json.dumps(pub.datafeil, ensure_ascii=False)
    assert "B1" not in text and "B2" not in text and "enheter mot" not in text


def test_check_reports_them_where_bygg_id_links_the_layers(tmp_path, capsys):
    dw, gk, bd = frames()
    p = tmp_path / "kommune.gpkg"
    for name, g in [("grunnkrets", gk), ("bygning", bd), ("kommunal_bolig", dw)]:
        pyogrio.write_dataframe(g, p, layer=name, driver="GPKG")
    assert main(["check", str(p), "--json"]) == 0
    rep = {r["navn"]: r for r in json.loads(capsys.readouterr().out)["lag"]}
    msgs = [m for m in rep["kommunal_bolig"]["meldinger"] if "flere kommunale enheter" in m]
    assert rep["kommunal_bolig"]["status"] == "advarsel" and len(msgs) == 1
    # by bygg_id alone only B1 is over (B2's fourth unit is joined by location in the analysis)
    assert "1 bygning(er)" in msgs[0] and "bygg_id «B1»: 3 enheter mot 2 boliger" in msgs[0]
    assert "B2" not in msgs[0] and "B3" not in msgs[0]
    assert not any("flere kommunale enheter" in m for m in rep["bygning"]["meldinger"])
    # the public report's appendix keeps the kommunal_bolig messages out
    from geoplan.present.report.sections.appendix import _layer_rows
    rows = {r["lag"]: r for r in _layer_rows(load(p))}
    assert "B1" not in rows["kommunal_bolig"]["merknad"] and "B1" not in json.dumps(rows, default=str)


def test_over_capacity_by_hand_with_blank_repeated_and_numeric_ids():
    dw = gpd.GeoDataFrame({"antall_enheter": [2, 2, 1, 9], "bygg_id": ["7", " 7 ", "", None]},
                          geometry=shapely.points([(0, 0)] * 4), crs=CRS)
    bd = gpd.GeoDataFrame({"bygg_id": ["7", "7", "8"], "antall_boliger": [3, 99, 0]},
                          geometry=shapely.points([(0, 0)] * 3), crs=CRS)
    over = buildings_over_capacity(dw, bd)
    assert over.to_dict("records") == [{"bygg_id": "7", "kommunale_enheter": 4.0, "antall_boliger": 3.0}]
