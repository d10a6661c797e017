"""Arealregnskap: hand-made squares whose every overlap is known, the demo summed both ways,
the workbook read back against --json."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import openpyxl
import pytest
import shapely

from geoplan.analysis.arealregnskap import analyse_arealregnskap
from geoplan.present.cli.main import main

CRS = 25832


def _gdf(rows):
    return gpd.GeoDataFrame([{k: v for k, v in r.items() if k != "g"} for r in rows],
                            geometry=[r["g"] for r in rows], crs=CRS)


@pytest.fixture
def squares():
    """Plan in force: a 100×100 m housing reserve (10 daa) and LNFR beside it.

    AR5: the west 60 m forest (bonitet 13), the east 40 m myr. Proposal: the reserve's
    south half back to LNFR; a new 50×100 m bolig reserve on the LNFR (x 100-150).
    Naturtype 20×20 m inside the new reserve; place boundary covers x < 50.
    """
    f = _gdf([{"arealformal": 1110, "arealbruksstatus": 2, "g": shapely.box(0, 0, 100, 100)},
              {"arealformal": 5100, "arealbruksstatus": 1, "g": shapely.box(100, 0, 200, 100)}])
    p = _gdf([{"arealformal": 1110, "arealbruksstatus": 2, "g": shapely.box(0, 50, 100, 100)},
              {"arealformal": 5100, "arealbruksstatus": 1, "g": shapely.box(0, 0, 100, 50)},
              {"arealformal": 1110, "arealbruksstatus": 2, "g": shapely.box(100, 0, 150, 100)},
              {"arealformal": 5100, "arealbruksstatus": 1, "g": shapely.box(150, 0, 200, 100)}])
    ar5 = _gdf([{"arealtype": 30, "skogbonitet": 13, "grunnforhold": 44, "g": shapely.box(0, 0, 60, 100)},
                {"arealtype": 60, "skogbonitet": 98, "grunnforhold": 43, "g": shapely.box(60, 0, 200, 100)}])
    ug = _gdf([{"navn": "Sted", "g": shapely.box(-10, -10, 50, 110)}])
    nat = _gdf([{"verdi": "A", "g": shapely.box(110, 10, 130, 30)},
                {"verdi": "B", "g": shapely.box(115, 15, 135, 35)}])   # overlaps the first
    return {"arealformal": f, "ar5": ar5, "utviklingsgrense": ug, "naturtype": nat}, p


def test_squares_chapter4(squares):
    layers, _ = squares
    t = analyse_arealregnskap(layers).tables["reserve_arealtype"]
    got = {(r.sted, r.arealtype): r.areal_daa for r in t.itertuples()}
    # reserve 0-100: west of x 50 inside the place; forest 0-60, myr 60-100
    assert got == pytest.approx({("Sted", "Skog, middels bonitet"): 5.0,
                                 ("Utenfor utviklingsgrensene", "Skog, middels bonitet"): 1.0,
                                 ("Utenfor utviklingsgrensene", "Myr"): 4.0})


def test_squares_chapter5(squares):
    layers, p = squares
    res = analyse_arealregnskap(layers, proposal=p)
    pot = res.tables["potensial"].set_index("kategori_id").loc["bolig"]
    assert pot["gjeldende_reserve_daa"] == pytest.approx(10.0)
    assert pot["tatt_ut_daa"] == pytest.approx(5.0)
    assert pot["lagt_til_daa"] == pytest.approx(5.0)
    assert pot["forslag_reserve_daa"] == pytest.approx(10.0)
    ned = res.tables["nedbygging"].set_index("kvalitet_id")
    # in force: forest 6, myr 4; proposal keeps north half (forest 3, myr 2) and adds 5 daa myr
    assert ned.loc["30", "gjeldende_daa"] == pytest.approx(6.0)
    assert ned.loc["30", "forslag_daa"] == pytest.approx(3.0)
    assert ned.loc["60", "forslag_daa"] == pytest.approx(7.0)
    assert ned.loc["60", "lagt_til_daa"] == pytest.approx(5.0)
    # naturtype union: 400 + 400 − 15×15 overlap = 575 m², all in the new reserve
    assert ned.loc["naturtype", "lagt_til_daa"] == pytest.approx(0.575)
    assert ned.loc["organisk", "forslag_daa"] == pytest.approx(7.0)
    tr = res.tables["overgang"].set_index(["gjeldende_kode", "forslag_kode"])["areal_daa"]
    assert tr[(1110, 1110)] == pytest.approx(5.0)
    assert tr[(1110, 5100)] == pytest.approx(5.0)
    assert tr[(5100, 1110)] == pytest.approx(5.0)
    assert tr[(5100, 5100)] == pytest.approx(5.0)
    # greenhouse gas by hand: myr 40 t/daa + forest bonitet 13 18 t/daa (shipped factors)
    g = res.tables["klimagass"].set_index("gruppe_id")
    assert g.loc["myr", "forslag_tco2e_midt"] == pytest.approx(7.0 * 40.0)
    assert g.loc["skog", "forslag_tco2e_midt"] == pytest.approx(3.0 * 18.0)


def test_squares_outside_and_gaps(squares):
    """A proposal larger than the plan in force, and AR5 with a hole: nothing is lost."""
    layers, p = squares
    import pandas as pd
    p = gpd.GeoDataFrame(pd.concat([p, _gdf([{"arealformal": 1300, "arealbruksstatus": 2,
                                             "g": shapely.box(200, 0, 230, 100)}])],
                                   ignore_index=True), crs=CRS)
    layers = {**layers, "ar5": layers["ar5"].iloc[:1]}   # no AR5 east of x 60
    res = analyse_arealregnskap(layers, proposal=p)
    tr = res.tables["overgang"].set_index(["gjeldende_kode", "forslag_kode"])["areal_daa"]
    assert tr[(0, 1300)] == pytest.approx(3.0)
    rv = res.tables["reserve_arealtype"].groupby("arealtype")["areal_daa"].sum()
    assert rv["Ikke dekket av AR5"] == pytest.approx(4.0)
    assert rv.sum() == pytest.approx(10.0)


def _run_json(args, capsys):
    assert main(args) == 0
    return json.loads(capsys.readouterr().out)


def test_demo_sums_both_ways_and_excel(tmp_path, capsys):
    xlsx = tmp_path / "ar.xlsx"
    obj = _run_json(["arealregnskap", "--json", "--xlsx", str(xlsx)], capsys)
    k = obj["kontroll"]
    assert k["overgang_radsum_daa"] == pytest.approx(k["gjeldende_plan_daa"], rel=1e-12)
    assert k["overgang_kolonnesum_daa"] == pytest.approx(k["forslag_daa"], rel=1e-12)
    tr = obj["tabeller"]["overgang"]
    rows, cols = {}, {}
    for r in tr:
        rows[r["gjeldende_kode"]] = rows.get(r["gjeldende_kode"], 0) + r["areal_daa"]
        cols[r["forslag_kode"]] = cols.get(r["forslag_kode"], 0) + r["areal_daa"]
    af = gpd.read_file("geoplan/data/demo/demo.gpkg", layer="arealformal")
    fo = gpd.read_file("geoplan/data/demo/demo.gpkg", layer="arealformal_forslag")
    for code, a in (af.assign(a=af.area / 1000).groupby("arealformal")["a"].sum()).items():
        assert rows[code] == pytest.approx(a, rel=1e-9, abs=1e-6)
    for code, a in (fo.assign(a=fo.area / 1000).groupby("arealformal")["a"].sum()).items():
        assert cols[code] == pytest.approx(a, rel=1e-9, abs=1e-6)
    # land types of the reserve sum to the reserve (independent: geometry of the zones)
    res_area = af[(af.arealformal.isin([1110, 1111, 1112, 1113, 1300])) & (af.arealbruksstatus == 2)
                  & ~af.utbygd.astype(bool)].area.sum() / 1000
    assert sum(r["areal_daa"] for r in obj["tabeller"]["reserve_arealtype"]) == pytest.approx(res_area)
    pot = obj["tabeller"]["potensial"]
    for r in pot:
        assert r["gjeldende_reserve_daa"] - r["tatt_ut_daa"] + r["lagt_til_daa"] == \
            pytest.approx(r["forslag_reserve_daa"], abs=1e-6)
    wb = openpyxl.load_workbook(xlsx)
    for tid, recs in obj["tabeller"].items():
        ws = wb[tid[:31]]
        header = [c.value for c in ws[1]]
        data = [dict(zip(header, [c.value for c in row])) for row in ws.iter_rows(min_row=2)]
        assert len(data) == len(recs)
        for a, b in zip(data, recs):
            for key, v in b.items():
                if isinstance(v, float):
                    assert a[key] == pytest.approx(v, rel=1e-12, abs=1e-12)
                elif isinstance(v, bool):
                    assert bool(a[key]) == v
                elif v not in (None, ""):
                    assert a[key] == v


def test_formula_like_text_stays_text(tmp_path):
    from geoplan.present.arealregnskap_excel import _write_sheet
    wb = openpyxl.Workbook()
    import pandas as pd
    _write_sheet(wb.active, pd.DataFrame({"navn": ["=1+1", "@SUM(A1)", "-x", "vanlig"]}))
    wb.save(tmp_path / "f.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "f.xlsx").active
    assert [c.value for c in ws["A"]][1:] == ["=1+1", "@SUM(A1)", "-x", "vanlig"]
    assert all(c.data_type == "s" for c in ws["A"])


def test_missing_proposal_layer_message(tmp_path, capsys):
    bad = tmp_path / "plan.geojson"
    _gdf([{"navn": "x", "g": shapely.box(0, 0, 1, 1)}]).to_file(bad, driver="GeoJSON")
    rc = main(["arealregnskap", "--forslag", str(bad)])
    err = capsys.readouterr().err
    assert rc != 0 and "Traceback" not in err
    assert "plan.geojson" in err or "arealformal" in err


def test_sliver_and_residual_reported(squares):
    layers, p = squares
    # a proposal edge 1 cm off the plan's: slivers of 1 m² or less appear and are counted
    p = p.copy()
    p.loc[2, "geometry"] = shapely.box(100.01, 0, 150, 100)
    p.loc[3, "geometry"] = shapely.box(150, 0, 200, 100)
    res = analyse_arealregnskap(layers, proposal=p)
    k = res.kontroll
    assert k["overgang_radsum_daa"] == pytest.approx(k["gjeldende_plan_daa"])
    assert k["overgang_kolonnesum_daa"] == pytest.approx(k["forslag_daa"])
    tr = res.tables["overgang"].set_index(["gjeldende_kode", "forslag_kode"])["areal_daa"]
    assert tr[(5100, 0)] == pytest.approx(0.001)   # 0.01 × 100 m² outside the proposal
    assert np.isfinite(k["avvik_daa"])
