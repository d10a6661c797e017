"""Reports (issue 8): numbers equal the CLI's --json, the PDF renders, small counts
never show, sections whose layers are missing are left out with a reason.

The data are a small municipality built here with square parcels whose areas are
known in closed form (a 200 m × 200 m reserve is 40 daa).
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import LineString, Point, box

from geoplan.config import load_config
from geoplan.io.layers import load
from geoplan.present import report as rp
from geoplan.present.cli import main as cli

X0, Y0 = 560_000.0, 6_550_000.0
CRS = 25832


# --------------------------------------------------------------------------- data

def _gdf(data, geoms):
    return gpd.GeoDataFrame(data, geometry=geoms, crs=CRS)


def _write_small(path: Path, *, transit: bool = True, schools: bool = True,
                 dwellings: bool = True) -> Path:
    """Two places (configured names Helgeroa and Kvelde) with square parcels."""
    _gdf({"kommunenummer": ["3909"], "kommunenavn": ["Testvik"]},
         [box(X0 - 3000, Y0 - 3000, X0 + 9000, Y0 + 4000)]).to_file(path, layer="kommune")
    _gdf({"navn": ["Helgeroa", "Kvelde"]},
         [box(X0, Y0, X0 + 1000, Y0 + 1000), box(X0 + 5000, Y0, X0 + 6000, Y0 + 3000)]
         ).to_file(path, layer="utviklingsgrense")
    # reserves: 200 m × 200 m = 40 daa (Helgeroa), 100 m × 100 m = 10 daa (Kvelde);
    # one built housing area and one non-housing area that must not count
    _gdf({"arealformal": [1110, 1110, 1110, 2010], "arealbruksstatus": [2, 1, 2, 2],
          "navn": ["Reserve nord", "Bygd", "Reserve sør", "Vei"]},
         [box(X0 + 100, Y0 + 100, X0 + 300, Y0 + 300), box(X0 + 400, Y0 + 400, X0 + 600, Y0 + 600),
          box(X0 + 5100, Y0 + 100, X0 + 5200, Y0 + 200), box(X0 + 700, Y0 + 700, X0 + 800, Y0 + 800)]
         ).to_file(path, layer="arealformal")
    _gdf({"navn": ["Innspill A", "Innspill B", "Innspill C"],
          "sted": ["Helgeroa", "Kvelde", "Helgeroa"]},
         [box(X0 + 1000, Y0, X0 + 1300, Y0 + 100), box(X0 + 6000, Y0, X0 + 6100, Y0 + 100),
          box(X0 - 400, Y0 + 200, X0 - 200, Y0 + 400)]).to_file(path, layer="innspill")
    if schools:
        _gdf({"navn": ["Helgeroa skole", "Kvelde skole"], "sted": ["Helgeroa", "Kvelde"]},
             [Point(X0 + 500, Y0 + 500), Point(X0 + 5500, Y0 + 400)]).to_file(path, layer="skole")
    _gdf({"grunnkretsnummer": ["39090101", "39090102", "39090103"],
          "antall_boliger": [400, 300, 200]},
         [box(X0 - 1000, Y0 - 1000, X0 + 2000, Y0 + 2000),
          box(X0 + 2000, Y0 - 1000, X0 + 4000, Y0 + 2000),
          box(X0 + 4000, Y0 - 1000, X0 + 7000, Y0 + 4000)]).to_file(path, layer="grunnkrets")
    if dwellings:
        # 10 units in the first grunnkrets, 3 + 1 (< 5) in the second, 6 in the third
        _gdf({"antall_enheter": [10, 3, 1, 6],
              "kategori": ["utleie", "utleie", "flyktning", "omsorgsbolig"]},
             [Point(X0 + 200, Y0 + 250), Point(X0 + 2500, Y0 + 100), Point(X0 + 2600, Y0 + 300),
              Point(X0 + 5500, Y0 + 500)]).to_file(path, layer="kommunal_bolig")
    if transit:
        _gdf({"navn": ["H1", "H2"]}, [Point(X0 + 600, Y0 + 300), Point(X0 + 5300, Y0 + 300)]
             ).to_file(path, layer="holdeplass")
        _gdf({"navn": ["Akse"]}, [LineString([(X0, Y0 + 500), (X0 + 6000, Y0 + 500)])]
             ).to_file(path, layer="kollektivakse")
    return path


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Path:
    return _write_small(tmp_path_factory.mktemp("report") / "small.gpkg")


def _cli_json(capsys, argv):
    capsys.readouterr()
    assert cli.main(argv) == 0
    return json.loads(capsys.readouterr().out)


@pytest.fixture(scope="module")
def small_html(small, tmp_path_factory) -> str:
    out = tmp_path_factory.mktemp("html") / "rapport.html"
    assert cli.main(["report", str(small), "--out", str(out)]) == 0
    return out.read_text(encoding="utf-8")


# --------------------------------------------------------------------------- HTML parsing

class _Tables(HTMLParser):
    """Rows of every <table data-tabell=...> as dicts keyed by data-kolonne."""

    def __init__(self):
        super().__init__()
        self.tables: dict[str, list[dict]] = {}
        self.omitted: dict[str, str] = {}
        self._table = None
        self._row = None
        self._col = None
        self._text = []
        self._omit = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table" and "data-tabell" in a:
            self._table = a["data-tabell"]
            self.tables[self._table] = []
        elif tag == "tr" and self._table is not None:
            self._row = {}
        elif tag == "td" and self._row is not None:
            self._col, self._text = a.get("data-kolonne"), []
        elif tag == "p" and "data-utelatt" in a:
            self._omit, self._text = a["data-utelatt"], []

    def handle_endtag(self, tag):
        if tag == "td" and self._col is not None:
            self._row[self._col] = "".join(self._text).strip()
            self._col = None
        elif tag == "tr" and self._row is not None:
            if self._row:
                self.tables[self._table].append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None
        elif tag == "p" and self._omit is not None:
            self.omitted[self._omit] = "".join(self._text).strip()
            self._omit = None

    def handle_data(self, data):
        if self._col is not None or self._omit is not None:
            self._text.append(data)


def _parse(html: str) -> _Tables:
    p = _Tables()
    p.feed(html)
    return p


def _shown(value: float, decimals: int) -> float:
    """What the report shows for ``value`` at ``decimals`` (Python's rounding of the float)."""
    return float(f"{value:.{decimals}f}")


# --------------------------------------------------------------------------- unit pieces

def test_norwegian_number_format_round_trips():
    assert rp.fmt_number(1234.56, 1) == "1\u00a0234,6"
    assert rp.fmt_number(-0.04, 1) == "0,0"          # no "-0,0"
    assert rp.fmt_number(float("nan")) == "–"
    assert rp.parse_number("1\u00a0234,6") == 1234.6
    assert rp.parse_number(rp.SUPPRESSED) is None


def test_scale_bar_length_is_a_round_quarter_of_the_width():
    from geoplan.present.report.staticmaps import format_distance, nice_scale_length
    assert nice_scale_length(3600) == 500       # 900 m target -> 500
    assert nice_scale_length(8000) == 2000      # 2000 m target
    assert nice_scale_length(45_000) == 10_000  # 11,250 m -> 10 km
    assert format_distance(1500) == "1,5 km" and format_distance(500) == "500 m"


def test_static_map_is_drawn_with_legend_scale_and_arrow():
    import io

    from PIL import Image

    from geoplan.present.report.staticmaps import MapLayer, render_map
    sq = _gdf({"navn": ["A"]}, [box(0, 0, 1000, 1000)])
    png = render_map([MapLayer(sq, "Utviklingsgrense", color="#1f4e79")], title="T",
                     width_cm=8, height_cm=6, dpi=80)
    im = np.asarray(Image.open(io.BytesIO(png)).convert("L"))
    assert im.shape[0] > 100 and (im < 128).mean() > 0.005  # something dark was drawn


def test_min_count_is_never_below_one():
    # one rule with the analyses (geoplan.config.kommune): 0 would publish everything, so refuse it
    from geoplan.errors import ConfigError
    cfg = load_config().with_overrides({"kommune.min_count_public": "0"})
    with pytest.raises(ConfigError, match="min_count_public"):
        rp.min_count(cfg)
    assert rp.min_count(load_config()) == 5


def test_suppression_hides_counts_and_what_gives_them_back():
    t = rp.Table(id="t", title="", columns=[rp.Column("n", "N", "count"),
                                            rp.Column("andel", "Andel", "num")],
                 rows=[{"n": 0, "andel": 0.0}, {"n": 4, "andel": 1.0}, {"n": 5, "andel": 2.0}])
    assert rp.suppress_small(t, ["n"], 5, dependent=["andel"]) == 2
    texts = [[c["text"] for c in r["cells"]] for r in t.cells]
    assert texts == [[":", ":"], [":", ":"], ["5", "2,0"]]


def test_wrong_suffix_is_a_norwegian_error_and_writes_nothing(small, tmp_path, capsys):
    out = tmp_path / "rapport.docx"
    assert cli.main(["report", str(small), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert ".html, .pdf eller .xlsx" in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_unknown_section_is_refused(small, tmp_path, capsys):
    assert cli.main(["report", str(small), "--out", str(tmp_path / "r.html"),
                     "--sections", "arealbehov,tull"]) == 2
    assert "Ukjent rapportdel «tull»" in capsys.readouterr().err


# --------------------------------------------------------------------------- numbers = --json

def test_scenario_table_equals_arealbehov_json(small, small_html, capsys):
    # the data's places (Helgeroa, Kvelde) with their configured shares and densities
    rows = _cli_json(capsys, ["arealbehov", "--sted", "Helgeroa", "--sted", "Kvelde", "--json"])
    table = {r["sted"]: r for r in _parse(small_html).tables["arealbehov"]}
    assert len(rows) == 2 * 4  # two places × 2 years × 2 rates
    assert set(table) == {"Helgeroa", "Kvelde", "Sum"}
    for r in rows:
        shown = table[r["sted"]][f"s_{r['aar']}_{r['vekstrate']:g}"]
        assert rp.parse_number(shown) == _shown(r["arealbehov_daa"], 1)
    # the total row is the sum before rounding
    for key in ("s_2040_0.015", "s_2026_0.006"):
        a, rate = key[2:].split("_")
        tot = sum(r["arealbehov_daa"] for r in rows
                  if r["aar"] == int(a) and math.isclose(r["vekstrate"], float(rate)))
        assert rp.parse_number(table["Sum"][key]) == _shown(tot, 1)
    # closed form (DOMAIN.md): Helgeroa 2040 at 1.5 %: 43,200 × (1.015^26 − 1) / 15 / 2 / 3 daa
    expect = 43_200 * (1.015 ** 26 - 1) / 15 / 2 / 3
    assert rp.parse_number(table["Helgeroa"]["s_2040_0.015"]) == _shown(expect, 1)
    # the balance year/rate column equals `reserves --json`
    res = _cli_json(capsys, ["reserves", str(small), "--json"])
    for st in res["steder"]:
        assert rp.parse_number(table[st["sted"]]["s_2040_0.015"]) == _shown(st["arealbehov_daa"], 1)


def test_without_boundaries_the_scenario_table_is_arealbehov(tmp_path, capsys):
    path = tmp_path / "kommune.gpkg"
    _gdf({"kommunenummer": ["3909"], "kommunenavn": ["Testvik"]},
         [box(X0, Y0, X0 + 1000, Y0 + 1000)]).to_file(path, layer="kommune")
    rows = _cli_json(capsys, ["arealbehov", "--json"])
    html = rp.build_report(load(str(path)), load_config(), fmt="html",
                           sections=["arealbehov"]).decode("utf-8")
    table = {r["sted"]: r for r in _parse(html).tables["arealbehov"]}
    assert len(rows) == 5 * 4  # the five configured places
    for r in rows:
        shown = table[r["sted"]][f"s_{r['aar']}_{r['vekstrate']:g}"]
        assert rp.parse_number(shown) == _shown(r["arealbehov_daa"], 1)


def test_growth_flags_reach_the_report_as_they_reach_arealbehov(small, tmp_path, capsys):
    flags = ["--year", "2030", "--rate", "0.01", "--persons-per-dwelling", "2.5"]
    rows = _cli_json(capsys, ["arealbehov", "--json", "--sted", "Helgeroa", "--sted", "Kvelde"]
                     + flags)
    out = tmp_path / "r.html"
    assert cli.main(["report", str(small), "--out", str(out), "--sections",
                     "arealbehov,balanse"] + flags) == 0
    tabs = _parse(out.read_text(encoding="utf-8")).tables
    table = {r["sted"]: r for r in tabs["arealbehov"]}
    for r in rows:
        assert rp.parse_number(table[r["sted"]]["s_2030_0.01"]) == _shown(r["arealbehov_daa"], 1)
    # one year and one rate: the balance uses them, exactly as `reserves --year --rate`
    res = _cli_json(capsys, ["reserves", str(small), "--json"] + flags)
    bal = {r["sted"]: r for r in tabs["balanse"]}
    for s in res["steder"]:
        assert rp.parse_number(bal[s["sted"]]["arealbehov_daa"]) == _shown(s["arealbehov_daa"], 1)


def test_balance_and_parcels_equal_reserves_json(small, small_html, capsys):
    res = _cli_json(capsys, ["reserves", str(small), "--json"])
    tabs = _parse(small_html).tables
    bal = {r["sted"]: r for r in tabs["balanse"]}
    keys = ["arealbehov_daa", "boligreserve_daa", "behov_nye_daa", "innspill_daa", "balanse_daa"]
    for s in res["steder"]:
        for k in keys:
            assert rp.parse_number(bal[s["sted"]][k]) == _shown(s[k], 1), (s["sted"], k)
    # closed form: the 200 m × 200 m reserve is Helgeroa's reserve, 40 daa
    assert rp.parse_number(bal["Helgeroa"]["boligreserve_daa"]) == 40.0
    assert rp.parse_number(bal["Kvelde"]["boligreserve_daa"]) == 10.0
    # innspill A (300 × 100) + C (200 × 200) = 70 daa for Helgeroa
    assert rp.parse_number(bal["Helgeroa"]["innspill_daa"]) == 70.0
    parcels = {(r["navn"], r["type"]): r for r in tabs["parseller"]}
    for p in res["parseller"]:
        row = parcels[(p["navn"], p["type"])]
        assert rp.parse_number(row["areal_daa"]) == _shown(p["areal_daa"], 1)
        if p["rang"] is not None:
            assert int(row["rang"]) == p["rang"]


def test_school_table_equals_schools_json(small, small_html, capsys):
    sj = _cli_json(capsys, ["schools", str(small), "--json"])
    tab = {r["navn"]: r for r in _parse(small_html).tables["skoler"]}
    for b in sj["utviklingsgrenser"]:
        row = tab[b["navn"]]
        for k, d in (("areal_daa", 1), ("innenfor_daa", 1), ("utenfor_daa", 1),
                     ("andel_innenfor_pct", 1), ("maks_avstand_m", 0)):
            assert rp.parse_number(row[k]) == _shown(b[k], d), (b["navn"], k)
        assert row["vurdering"] == b["vurdering"]
    # closed form: Helgeroa's 1000 m square centred on its school lies inside 1.5 km;
    # its farthest corner is 500·√2 m away
    assert tab["Helgeroa"]["vurdering"] == "oppfylt"
    assert rp.parse_number(tab["Helgeroa"]["maks_avstand_m"]) == round(500 * math.sqrt(2))


def test_xlsx_has_one_sheet_per_table_with_unrounded_values(small, capsys):
    import io

    from openpyxl import load_workbook

    ds = load(str(small))
    data = rp.build_report(ds, load_config(), fmt="xlsx", sections=["arealbehov", "balanse"])
    wb = load_workbook(io.BytesIO(data))
    assert {"Om rapporten", "Arealbehov daa", "Scenarier", "Balanse", "Parametere",
            "Datagrunnlag"} <= set(wb.sheetnames)
    ws = wb["Balanse"]
    head = [c.value for c in ws[1]]
    rows = {r[0]: dict(zip(head, r)) for r in ws.iter_rows(min_row=2, values_only=True) if r[0]}
    res = _cli_json(capsys, ["reserves", str(small), "--json"])
    for s in res["steder"]:
        assert rows[s["sted"]]["Boligreserve"] == pytest.approx(s["boligreserve_daa"], rel=1e-12)
        assert rows[s["sted"]]["Balanse (+ overskudd / − underskudd)"] == \
            pytest.approx(s["balanse_daa"], rel=1e-12)
    sc = wb["Scenarier"]
    need = _cli_json(capsys, ["arealbehov", "--sted", "Helgeroa", "--sted", "Kvelde", "--json"])
    got = [r for r in sc.iter_rows(min_row=2, values_only=True) if r[0]]
    assert len(got) == len(need)
    for g, n in zip(got, need):
        assert g[0] == n["sted"] and g[5] == pytest.approx(n["arealbehov_daa"], rel=1e-12)


# --------------------------------------------------------------------------- omitted sections

def test_missing_optional_layers_leave_sections_out_with_a_reason(tmp_path):
    path = _write_small(tmp_path / "thin.gpkg", transit=False, schools=False)
    out = tmp_path / "thin.html"
    assert cli.main(["report", str(path), "--out", str(out)]) == 0
    parsed = _parse(out.read_text(encoding="utf-8"))
    assert "skoler" in parsed.omitted and "«skole»" in parsed.omitted["skoler"]
    assert "mangler" in parsed.omitted["skoler"]
    assert "kollektiv" in parsed.omitted and "«holdeplass»" in parsed.omitted["kollektiv"]
    # the sections whose layers are present are still there
    assert "balanse" in parsed.tables and "arealbehov" in parsed.tables


def test_report_without_analysis_layers_still_has_parameters_and_provenance(tmp_path):
    path = tmp_path / "kommune.gpkg"
    _gdf({"kommunenummer": ["3909"], "kommunenavn": ["Testvik"]},
         [box(X0, Y0, X0 + 1000, Y0 + 1000)]).to_file(path, layer="kommune")
    ds = load(str(path))
    html = rp.build_report(ds, load_config(), fmt="html").decode("utf-8")
    parsed = _parse(html)
    for sid in ("balanse", "parseller", "skoler", "kollektiv", "konsentrasjon"):
        assert sid in parsed.omitted, sid
    assert "«utviklingsgrense»" in parsed.omitted["balanse"]
    assert parsed.tables["parametere"] and parsed.tables["datagrunnlag"]


# --------------------------------------------------------------------------- privacy

def _count_cells(parsed: _Tables, table_prefix: str, keys) -> list[str]:
    cells = []
    for tid, rows in parsed.tables.items():
        if tid.startswith(table_prefix):
            for r in rows:
                cells += [r[k] for k in keys if k in r]
    return cells


def test_public_report_never_shows_a_count_below_the_minimum(small, small_html, capsys):
    parsed = _parse(small_html)
    assert "konsentrasjon" not in parsed.omitted
    counts = _count_cells(parsed, "konsentrasjon", ["kommunale_enheter"])
    assert counts, "the concentration tables show counts"
    for c in counts:
        v = rp.parse_number(c)
        assert v is None or v >= 5, c
    gk = {r["grunnkretsnummer"]: r for r in parsed.tables["konsentrasjon_grunnkrets"]}
    # 3 + 1 units in 39090102: hidden with the share and quotient that would give them back
    assert gk["39090102"]["kommunale_enheter"] == rp.SUPPRESSED
    assert gk["39090102"]["andel_pct"] == rp.SUPPRESSED
    assert gk["39090102"]["lokaliseringskvotient"] == rp.SUPPRESSED
    # shown counts and shares equal `geoplan concentration --json` (10 units of 400 = 2.5 %)
    full = {g["grunnkretsnummer"]: g for g in _cli_json(
        capsys, ["concentration", str(small), "--json"])["grunnkretser"]}
    assert rp.parse_number(gk["39090101"]["kommunale_enheter"]) == 10
    assert rp.parse_number(gk["39090101"]["andel_pct"]) == _shown(10 / 400 * 100, 1)
    for nr, row in gk.items():
        for k, d in (("kommunale_enheter", 0), ("andel_pct", 1), ("lokaliseringskvotient", 2)):
            v = rp.parse_number(row[k])
            if v is not None:
                assert v == _shown(full[nr][k], d), (nr, k)
    # and the hidden cells are exactly those of the public JSON with zeros suppressed
    pub = {g["grunnkretsnummer"]: g for g in _cli_json(
        capsys, ["concentration", str(small), "--public", "--set",
                 "concentration.prikk_nuller=true", "--json"])["grunnkretser"]}
    for nr, row in gk.items():
        assert (row["kommunale_enheter"] == rp.SUPPRESSED) == (pub[nr]["kommunale_enheter"] is None)
    # the spreadsheet follows the same rule
    import io

    from openpyxl import load_workbook

    data = rp.build_report(load(str(small)), load_config(), fmt="xlsx",
                           sections=["konsentrasjon"], public=False)
    ws = load_workbook(io.BytesIO(data))["Konsentrasjon grunnkrets"]
    head = [c.value for c in ws[1]]
    col = head.index("Kommunale enheter")
    for r in ws.iter_rows(min_row=2, values_only=True):
        if r[0] and isinstance(r[col], (int, float)):
            assert r[col] >= 5


def test_site_report_suppresses_small_counts_and_renders(small, tmp_path):
    ds = load(str(small))
    cfg = load_config()
    result = {
        "samlet": "gul",
        "kriterier": [
            {"id": "skole_avstand", "kriterium": "Avstand til skole", "status": "gul",
             "verdi": 1620.4, "terskel": {"gul": 1500, "rod": 3000}, "retning": "hoyere_er_verre",
             "enhet": "m", "begrunnelse": "Over 1,5 km.", "kilde": "Seed 004, l. 2473",
             "lag": "skole"},
            {"id": "konsentrasjon_radius", "kriterium": "Kommunale boenheter innenfor radius",
             "status": "gronn", "verdi": 3, "terskel": {"gul": 30, "rod": 60},
             "enhet": "enheter", "begrunnelse": "3 enheter innenfor 500 m etter kjøpet.",
             "kilde": "x"},
            {"id": "konsentrasjon_grunnkrets", "kriterium": "Andel i grunnkretsen etter kjøpet",
             "status": "rod", "verdi": 30.8, "terskel": {"gul": 8, "rod": 10}, "enhet": "%",
             "type": "concentration",
             "begrunnelse": "0,0 % før, 30,8 % etter (4 kommunale enheter av 13 boliger).",
             "kilde": "x", "detaljer": {"for_detaljer": {"kommunale_enheter": 0},
                                        "etter_detaljer": {"kommunale_enheter": 4}}},
            {"id": "konsentrasjon_bygning", "kriterium": "Andel i bygningen etter kjøpet",
             "status": "gronn", "verdi": 12.5, "terskel": {"gul": 15, "rod": 20}, "enhet": "%",
             "type": "concentration", "begrunnelse": "12,5 % etter kjøpet.", "kilde": "x",
             "detaljer": {"for_detaljer": {"kommunale_enheter": 5},
                          "etter_detaljer": {"kommunale_enheter": 10}}},
        ],
        "tomt": {"areal_daa": 1.0, "x": X0 + 900, "y": Y0 + 900,
                 "geometri_wkt": box(X0 + 850, Y0 + 850, X0 + 950, Y0 + 950).wkt},
    }
    html = rp.site_report_bytes(result, ds, cfg, "html").decode("utf-8")
    rows = {r["kriterium"]: r for r in _parse(html).tables["sjekkliste"]}
    assert rows["Kommunale boenheter innenfor radius"]["verdi"] == rp.SUPPRESSED
    assert "3 enheter" not in html
    # a share whose counts are small is hidden with its sentence; one on 5 and 10 units is shown
    assert rows["Andel i grunnkretsen etter kjøpet"]["verdi"] == rp.SUPPRESSED
    assert "30,8" not in html and "4 kommunale enheter" not in html
    assert rows["Andel i bygningen etter kjøpet"]["verdi"] == "12,5 %"
    # an internal version (public=False) shows them
    internal = rp.site_report_bytes(result, ds, cfg, "html", public=False).decode("utf-8")
    assert "30,8 %" in internal
    assert rp.parse_number(rows["Avstand til skole"]["verdi"].replace("m", "")) == 1620.4
    assert "gul over 1\u00a0500 m" in rows["Avstand til skole"]["terskel"]
    out = tmp_path / "tomt.pdf"
    rp.write_site_report(result, ds, out, cfg)
    pages = _pdf_pages(out, tmp_path)
    assert len(pages) >= 2


# --------------------------------------------------------------------------- PDF

def _pdf_pages(pdf: Path, tmp: Path) -> list[np.ndarray]:
    from PIL import Image

    assert shutil.which("pdftoppm"), "poppler-utils (pdftoppm) is needed"
    prefix = tmp / pdf.stem
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(pdf), str(prefix)], check=True)
    files = sorted(tmp.glob(f"{pdf.stem}-*.png"))
    return [np.asarray(Image.open(f).convert("L")) for f in files]


def test_pdf_renders_a4_pages_with_numbers_and_maps(small, tmp_path):
    out = tmp_path / "rapport.pdf"
    ds = load(str(small))
    rp.write_report(ds, load_config(), out)
    assert out.read_bytes()[:5] == b"%PDF-"
    pages = _pdf_pages(out, tmp_path)
    assert len(pages) >= 3
    for im in pages:
        # not blank: some dark ink on every page (text at least)
        assert (im < 160).mean() > 0.002
    # A4 at 40 dpi: 331 × 468 px (210 × 297 mm)
    h, w = pages[0].shape
    assert abs(w - 210 / 25.4 * 40) <= 2 and abs(h - 297 / 25.4 * 40) <= 2
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert f"Side 1 av {len(pages)}" in text and f"Side {len(pages)} av {len(pages)}" in text
    assert "Boligreserve, arealbehov og lokalisering" in text
    imgs = subprocess.run(["pdfimages", "-list", str(out)], capture_output=True, text=True,
                          check=True).stdout.strip().splitlines()[2:]
    assert len(imgs) >= 3  # overview, one map per place, transit map


@pytest.mark.slow
def test_demo_report_pdf_and_walking_numbers(tmp_path, capsys):
    from geoplan.io.layers import DEFAULT_DATA
    if not DEFAULT_DATA.exists():
        pytest.skip("demo data not built")
    ds = load(None)
    cfg = load_config()
    secs = rp.build_sections(ds, cfg)
    assert not [s.omitted for s in secs if s.omitted]  # the demo has every layer
    html = rp.render_report(secs, ds, cfg, "html").decode("utf-8")
    tabs = _parse(html).tables
    sj = _cli_json(capsys, ["schools", "--walking", "--json"])
    rows = {r["navn"]: r for r in tabs["skoler"]}
    for b in sj["utviklingsgrenser"]:
        assert rp.parse_number(rows[b["navn"]]["andel_innenfor_gang_pct"]) == \
            _shown(b["andel_innenfor_gang_pct"], 1), b["navn"]
    res = _cli_json(capsys, ["reserves", "--json"])
    bal = {r["sted"]: r for r in tabs["balanse"]}
    for st in res["steder"]:
        assert rp.parse_number(bal[st["sted"]]["balanse_daa"]) == _shown(st["balanse_daa"], 1)
    out = tmp_path / "demo.pdf"
    out.write_bytes(rp.render_report(secs, ds, cfg, "pdf"))
    pages = _pdf_pages(out, tmp_path)
    assert len(pages) >= 5
    assert all((im < 160).mean() > 0.002 for im in pages)


def test_parameters_are_listed_with_sources_and_overrides_marked(small, tmp_path):
    out = tmp_path / "p.html"
    assert cli.main(["report", str(small), "--out", str(out), "--sections", "arealbehov,kollektiv",
                     "--set", "reserves.persons_per_dwelling=2.5"]) == 0
    html = out.read_text(encoding="utf-8")
    params = {r["noekkel"]: r for r in _parse(html).tables["parametere"]}
    ppd = params["reserves.persons_per_dwelling"]
    assert ppd["verdi"] == "2,5" and "overstyrt for denne kjøringen" in ppd["kilde"]
    assert "boligplan 2015–2020, l. 2368" in params["reserves.base_population"]["kilde"].lower()
    assert params["kommune.min_count_public"]["kommunalt_valg"] == "ja"
    # the transit thresholds borrowed from the site criteria are listed too
    assert params["sites.criteria.kollektiv_avstand.yellow"]["verdi"] == "500"
    # provenance: source, CRS and tool version
    from geoplan import __version__
    assert str(small) in html and "EPSG:25832" in html and f"geoplan versjon {__version__}" in html


def test_many_sites_report_ranks_as_the_assessment(small):
    from geoplan.analysis.sites import SiteAssessor
    ds = load(str(small))
    cfg = load_config()
    sites = _gdf({"navn": ["Nær skolen", "Langt ute"]},
                 [Point(X0 + 450, Y0 + 450), Point(X0 + 8500, Y0 + 3500)])
    result = SiteAssessor.from_dataset(ds, cfg).assess_many(sites, units=1)
    html = rp.site_report_bytes(result, ds, cfg, "html").decode("utf-8")
    parsed = _parse(html)
    ranks = {r["navn"]: int(r["rang"]) for r in parsed.tables["rangering"]}
    assert ranks == {t["navn"]: t["rang"] for t in result["tomter"]}
    # one checklist per site, each with every criterion of the assessment
    for j, t in enumerate(result["tomter"], start=1):
        assert len(parsed.tables[f"sjekkliste-{j}"]) == len(t["kriterier"])
    assert html.count("data:image/png;base64,") >= 3  # overview + one map per site


def test_long_tables_are_cut_in_html_with_a_note_but_not_in_xlsx(monkeypatch):
    import io

    from openpyxl import load_workbook

    monkeypatch.setattr(rp.model, "MAX_HTML_ROWS", 3)  # the constant lives in report.model
    t = rp.Table(id="lang", title="Lang", columns=[rp.Column("n", "N", "int")],
                 rows=[{"n": i} for i in range(10)] + [{"n": 45}], sum_rows={10})
    sec = rp.Section(id="s", title="S", items=[t], number=1)
    meta = rp.report_meta(None, load_config(), "T", "U")
    parsed = _parse(rp.render_html([sec], meta))
    assert [r["n"] for r in parsed.tables["lang"]] == ["0", "1", "2", "45"]  # total kept
    wb = load_workbook(io.BytesIO(rp.sections_to_xlsx([sec], meta)))
    assert wb["Lang"].max_row == 12  # header + 11 rows


def test_provenance_does_not_name_municipal_dwellings(tmp_path):
    from shapely.geometry import Point as Pt

    path = _write_small(tmp_path / "sens.gpkg")
    # a rejected dwelling (0 units): the loader's message names its bygg_id
    _gdf({"antall_enheter": [10, 0], "kategori": ["utleie", "utleie"],
          "bygg_id": ["A", "HEMMELIG-1"]},
         [Pt(X0 + 200, Y0 + 250), Pt(X0 + 300, Y0 + 250)]).to_file(path, layer="kommunal_bolig")
    ds = load(str(path))
    assert "HEMMELIG-1" in " ".join(ds.reports["kommunal_bolig"].messages)
    html = rp.build_report(ds, load_config(), fmt="html", sections=["arealbehov"]).decode("utf-8")
    assert "HEMMELIG-1" not in html
    rows = {r["lag"]: r for r in _parse(html).tables["datagrunnlag"]}
    assert "personvernhensyn" in rows["kommunal_bolig"]["merknad"]


def test_a_section_that_breaks_is_left_out_in_norwegian(monkeypatch, caplog):
    """A chapter whose analysis stops with a plain Python error is left out with a
    Norwegian sentence; the exception's English words are logged, not printed."""
    import geoplan.present.report.sections  # noqa: F401 - registers the builders
    from geoplan.present.report import context as C

    def broken(ctx, sec):
        raise ValueError("could not convert string to float: '2,20'")
    title, _fn, cfg_sections = C.BUILDERS["arealbehov"]
    monkeypatch.setitem(C.BUILDERS, "arealbehov", (title, broken, cfg_sections))
    ctx = C.ReportContext(dataset=None, config=load_config())
    with caplog.at_level("ERROR", logger="geoplan.report"):
        sec = C.run_builder(ctx, "arealbehov")
    assert sec.omitted.startswith("Denne delen er utelatt fordi analysen stoppet uventet")
    assert "could not" not in sec.omitted and "ValueError" not in sec.omitted
    assert "could not convert" in caplog.text


def test_the_spreadsheet_keeps_its_styles_values_and_layout():
    """Read back with openpyxl: header, number formats, totals, frozen header, widths,
    the note under a blank row, texts as texts and empty cells for missing values."""
    import io

    from openpyxl import load_workbook

    cols = [rp.Column("sted", "Sted"), rp.Column("daa", "Areal (daa)", "num", decimals=1),
            rp.Column("n", "Antall", "int"), rp.Column("ok", "Innenfor", "bool")]
    rows = [{"sted": "Kvelde", "daa": 1234.56, "n": 3, "ok": True},
            {"sted": "=1+1", "daa": None, "n": 7, "ok": False},
            {"sted": "", "daa": 0.0, "n": 0, "ok": True},
            {"sted": "Sum", "daa": 1234.56, "n": 10, "ok": None}]
    t = rp.Table(id="t", title="Reserve per sted", columns=cols, rows=rows, sum_rows={3},
                 suppressed_cells={(1, "n")}, note="Kilde: demo.")
    sec = rp.Section(id="s", title="S", items=[t], number=1)
    meta = {**rp.report_meta(None, load_config(), "Tittel", "U"), "kommune_merknad": "Merk!"}
    wb = load_workbook(io.BytesIO(rp.sections_to_xlsx([sec], meta)))
    assert wb.sheetnames == ["Om rapporten", "Reserve per sted"]
    about = wb["Om rapporten"]
    assert about["A1"].value == "Tittel" and about["A1"].font.b and about["A1"].font.sz == 14
    assert about["A2"].value == "Merk!" and about["A2"].font.color.rgb.endswith("B00000")
    assert [about.cell(row=r, column=1).value for r in range(3, 8)] == [
        "Kommune", "Laget", "Datagrunnlag", "Koordinatsystem", "geoplan-versjon"]
    assert about["A8"].value is None and about["A9"].value == "Innhold" and about["A9"].font.b
    assert about["B10"].value == "Ark «Reserve per sted»: Reserve per sted"
    assert about.column_dimensions["A"].width == pytest.approx(40, abs=1)

    ws = wb["Reserve per sted"]
    head = [ws.cell(row=1, column=j) for j in range(1, 5)]
    assert [c.value for c in head] == ["Sted", "Areal (daa)", "Antall", "Innenfor"]
    assert all(c.font.b and c.font.color.rgb.endswith("FFFFFF") for c in head)
    assert all(c.fill.fgColor.rgb.endswith("1F4E79") and c.alignment.wrap_text for c in head)
    assert [[ws.cell(row=r, column=j).value for j in range(1, 5)] for r in range(2, 6)] == [
        ["Kvelde", 1234.56, 3, "ja"], ["'=1+1", None, rp.SUPPRESSED, "nei"],
        [None, 0, 0, "ja"], ["Sum", 1234.56, 10, None]]     # an empty text: an empty cell
    assert ws["A3"].data_type == "s" and ws["B2"].data_type == "n"
    assert ws["B2"].number_format == "#,##0.0" and ws["B3"].number_format == "#,##0.0"
    assert not ws["A2"].font.b and all(ws.cell(row=5, column=j).font.b for j in range(1, 5))
    assert ws["B5"].number_format == "#,##0.0"               # a total keeps its format
    assert ws.freeze_panes == "A2"
    assert ws["A6"].value is None and ws["A7"].value == "Kilde: demo."
    assert ws.column_dimensions["B"].width == pytest.approx(len("Areal (daa)") + 2, abs=1)
    assert ws.column_dimensions["D"].width == pytest.approx(10, abs=1)   # «Innenfor» + 2


def test_sheet_names_excel_refuses_are_mended():
    from geoplan.present.report.render import _sheet_name

    used: set[str] = set()
    assert _sheet_name("'Sitat'", used) == "Sitat"
    assert _sheet_name("y" * 30 + "'" + "z" * 5, used) == "y" * 30       # cut at the apostrophe
    assert _sheet_name(" ' ", used) == "Tabell"
    assert _sheet_name("History", used) == "History (2)"
    assert _sheet_name("a[b]:c*d?e/f\\g", used) == "a b  c d e f g"
    assert _sheet_name("x" * 40, used) == "x" * 31
    assert _sheet_name("x" * 40, used) == "x" * 27 + " (2)"
