"""Arealregnskap in the KPA report (HTML/PDF) and the app page «Arealregnskap».

Hand-made squares whose every overlap is known (100 m × 100 m = 10 daa): the plan in force has
a housing reserve on x 0-100 and LNFR on x 100-200; the proposal takes the reserve's south half
back to LNFR and zones x 100-150 for housing. AR5: forest (bonitet 13) on x 0-60, myr on
x 60-200. The place boundary covers x < 50. So, by hand: reserve in force 10 daa (forest 6: 5
inside the place, 1 outside; myr 4 outside), taken out 5 daa (forest 3, myr 2), added 5 daa
(myr), and with the shipped factors (myr 40, forest of bonitet 13 18 t CO2e/daa) the proposal
emits 7 × 40 + 3 × 18 = 334 t, the plan in force 4 × 40 + 6 × 18 = 268 t: a change of 66 t.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from geoplan.config import load_config
from geoplan.io.layers import load
from geoplan.present import report as rp
from geoplan.present.report.model import Figure, parse_number

CRS = 25832
X0, Y0 = 560_000.0, 6_540_000.0
ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
PAGE = "geoplan/present/app/views/arealregnskap.py"


def _box(x0, y0, x1, y1):
    return shapely.box(X0 + x0, Y0 + y0, X0 + x1, Y0 + y1)


def _gdf(rows):
    return gpd.GeoDataFrame([{k: v for k, v in r.items() if k != "g"} for r in rows],
                            geometry=[r["g"] for r in rows], crs=CRS)


def squares(with_proposal: bool = True, with_ar5: bool = True) -> dict[str, gpd.GeoDataFrame]:
    g = {"kommune": _gdf([{"kommunenummer": "3909", "kommunenavn": "Testvik", "g": _box(-50, -50, 250, 150)}]),
         "arealformal": _gdf([{"arealformal": 1110, "arealbruksstatus": 2, "g": _box(0, 0, 100, 100)},
                              {"arealformal": 5100, "arealbruksstatus": 1, "g": _box(100, 0, 200, 100)}]),
         "utviklingsgrense": _gdf([{"navn": "Sted", "g": _box(-10, -10, 50, 110)}])}
    if with_proposal:
        g["arealformal_forslag"] = _gdf([
            {"arealformal": 1110, "arealbruksstatus": 2, "g": _box(0, 50, 100, 100)},
            {"arealformal": 5100, "arealbruksstatus": 1, "g": _box(0, 0, 100, 50)},
            {"arealformal": 1110, "arealbruksstatus": 2, "g": _box(100, 0, 150, 100)},
            {"arealformal": 5100, "arealbruksstatus": 1, "g": _box(150, 0, 200, 100)}])
    if with_ar5:
        g["ar5"] = _gdf([{"arealtype": 30, "skogbonitet": 13, "grunnforhold": 44, "g": _box(0, 0, 60, 100)},
                         {"arealtype": 60, "skogbonitet": 98, "grunnforhold": 43, "g": _box(60, 0, 200, 100)}])
    return g


def _write(path: Path, layers: dict) -> Path:
    for name, gdf in layers.items():
        gdf.to_file(path, layer=name, driver="GPKG")
    return path


@pytest.fixture(scope="module")
def gpkg(tmp_path_factory):
    return _write(tmp_path_factory.mktemp("ar") / "ruter.gpkg", squares())


def _section(ds):
    secs = rp.build_sections(ds, load_config(), ["arealregnskap"])
    return next(s for s in secs if s.id == "arealregnskap")


def _rows(table, key_col: str) -> dict[str, dict]:
    return {r[key_col]: r for r in table.rows}


def test_report_section_tables_equal_the_hand_computation(gpkg):
    sec = _section(load(str(gpkg)))
    assert sec.omitted is None
    t = {x.id: x for x in sec.tables}
    res = _rows(t["ar_reserve"], "arealtype")
    assert res["Skog, middels bonitet"]["innenfor_daa"] == pytest.approx(5.0)
    assert res["Skog, middels bonitet"]["utenfor_daa"] == pytest.approx(1.0)
    assert res["Myr"]["sum_daa"] == pytest.approx(4.0)
    assert res["I alt"]["sum_daa"] == pytest.approx(10.0)
    out = _rows(t["ar_tatt_ut"], "arealtype")
    assert out["Skog, middels bonitet"]["sum_daa"] == pytest.approx(3.0)
    assert out["Myr"]["sum_daa"] == pytest.approx(2.0)
    add = _rows(t["ar_lagt_til"], "arealtype")
    assert add["Myr"]["utenfor_daa"] == pytest.approx(5.0) and add["I alt"]["sum_daa"] == pytest.approx(5.0)
    tr = {(r["gjeldende_navn"], r["forslag_navn"]): r["areal_daa"] for r in t["ar_overgang"].rows}
    assert tr == pytest.approx({("Boligbebyggelse", "LNFR-areal for nødvendige tiltak for landbruk og "
                                 "reindrift og gårdstilknyttet næringsvirksomhet"): 5.0,
                                ("LNFR-areal for nødvendige tiltak for landbruk og reindrift og "
                                 "gårdstilknyttet næringsvirksomhet", "Boligbebyggelse"): 5.0})
    ghg = _rows(t["ar_klimagass"], "gruppe")
    assert ghg["I alt"]["forslag_tco2e_midt"] == pytest.approx(334.0)
    assert ghg["I alt"]["endring_tco2e_midt"] == pytest.approx(66.0)
    assert ghg["Myr"]["forslag_daa"] == pytest.approx(7.0)
    # two maps: added and taken out
    assert [f.title for f in sec.figures] == ["Lagt til utbyggingsformål", "Tatt ut av utbyggingsformål"]
    assert all(isinstance(f, Figure) and f.image[:4] == b"\x89PNG" for f in sec.figures)
    words = " ".join(x.text for x in sec.items if getattr(x, "kind", "") == "text")
    assert "ikke over 2 000 t" in words.replace("\u00a0", " ")


def test_report_section_says_what_is_missing(tmp_path):
    p = _write(tmp_path / "uten.gpkg", squares(with_proposal=False, with_ar5=False))
    sec = _section(load(str(p)))
    assert sec.omitted is None
    said = " ".join(sec.text)
    assert "«arealformal_forslag»" in said and "bare gjeldende plan (kap. 4)" in said
    assert "«ar5»" in said and "Ikke dekket av AR5" in said
    assert not sec.figures and "ar_overgang" not in {t.id for t in sec.tables}
    res = _rows(next(t for t in sec.tables if t.id == "ar_reserve"), "arealtype")
    assert res["Ikke dekket av AR5"]["sum_daa"] == pytest.approx(10.0)


def test_report_section_without_the_plan_is_left_out_with_a_reason(tmp_path):
    layers = squares()
    del layers["arealformal"]
    sec = _section(load(str(_write(tmp_path / "ingen.gpkg", layers))))
    assert sec.omitted and "«arealformal»" in sec.omitted


def test_html_and_pdf_render_the_section(gpkg, tmp_path):
    ds = load(str(gpkg))
    html = rp.build_report(ds, load_config(), fmt="html", sections=["arealregnskap"]).decode("utf-8")
    assert "Arealregnskap for arealdelen" in html and "Arealkvaliteter som planlegges bygget ned" in html
    assert html.count("data:image/png;base64") >= 2
    # the numbers are Norwegian (comma decimals) and read back to the hand values
    cell = re.search(r"Reserve i forslaget \(daa\).*?<td[^>]*>Bolig</td>(.*?)</tr>", html, re.S)
    assert cell is not None
    nums = [parse_number(re.sub(r"<[^>]+>", "", c)) for c in re.findall(r"<td[^>]*>.*?</td>", cell.group(1))]
    assert nums == pytest.approx([10.0, 5.0, 5.0, 5.0, 10.0])
    assert shutil.which("pdftotext"), "poppler-utils (pdftotext) is needed"
    out = tmp_path / "ar.pdf"
    out.write_bytes(rp.build_report(ds, load_config(), fmt="pdf", sections=["arealregnskap"]))
    txt = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout
    assert "Samlet utbyggingspotensial" in txt and "Tatt ut av utbyggingsformål" in txt
    assert "Klimagass, t CO₂-ekv." in txt or "Klimagass, t CO2-ekv." in txt


# -- the app page --------------------------------------------------------------------

def _app(monkeypatch, path):
    from streamlit.testing.v1 import AppTest
    monkeypatch.setenv("GEOPLAN_APP_DATA", str(path))
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    at.switch_page(PAGE)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def _num(s: str) -> float:
    return float(re.sub(r"[^\d,\-−]", "", s.replace("\u00a0", "")).replace("−", "-").replace(",", "."))


def test_app_page_shows_the_hand_computed_figures(gpkg, monkeypatch):
    at = _app(monkeypatch, gpkg)
    m = {x.label: x.value for x in at.metric}
    assert _num(m["Reserve i gjeldende plan"]) == 10 and _num(m["Reserve i forslaget"]) == 10
    assert _num(m["Lagt til"]) == 5 and _num(m["Tatt ut"]) == 5
    tables = [d.value for d in at.dataframe]
    ned = next(t for t in tables if "Arealkvalitet" in t.columns)
    row = ned.set_index("Arealkvalitet").loc["Myr"]
    assert row["Forslaget (daa)"] == pytest.approx(7.0) and row["Lagt til (daa)"] == pytest.approx(5.0)
    ghg = next(t for t in tables if "Forslaget (t CO₂-ekv.)" in t.columns).set_index("Arealtype")
    assert ghg.loc["I alt", "Forslaget (t CO₂-ekv.)"] == pytest.approx(334.0)
    # shown with comma decimals (geoplan.present.text), not Streamlit's «7.0»
    styled = next(d for d in at.dataframe if "Arealkvalitet" in d.value.columns)
    assert "7,0" in str(styled.proto.arrow_data.styler.display_values) or \
        "7,0" in styled.proto.SerializeToString().decode("utf-8", "ignore")
    assert any(b.label.startswith("Last ned arbeidsboken") for b in at.get("download_button"))


def test_app_page_without_proposal_says_so(tmp_path, monkeypatch):
    p = _write(tmp_path / "uten.gpkg", squares(with_proposal=False))
    at = _app(monkeypatch, p)
    assert any("«arealformal_forslag»" in i.value for i in at.info)
    assert _num({x.label: x.value for x in at.metric}["Reserve i gjeldende plan"]) == 10
