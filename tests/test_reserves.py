"""Land need and land reserves (issue 3): hand-computed areas and formulas.

Every expected number is worked out here from a closed form (square sides,
πr², the growth formula) or with another library (geopandas.overlay), never
copied from the function's own output or from the source's printed tables.
"""

from __future__ import annotations

import dataclasses
import json
import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import MultiPolygon, Point, box

from geoplan.analysis import reserves as R
from geoplan.config import load_config
from geoplan.config.reserves import ReserveSettings
from geoplan.errors import ConfigError, DataProblem, GeoplanError, MissingLayer
from geoplan.io.raster import open_raster
from geoplan.present.cli.main import main

CRS = "EPSG:25832"
# somewhere in Vestfold, so the loader's plausibility check accepts the coordinates
X0, Y0 = 560_000.0, 6_540_000.0


def sq(x0, y0, x1, y1):
    return box(X0 + x0, Y0 + y0, X0 + x1, Y0 + y1)


def gdf(rows, geoms):
    return gpd.GeoDataFrame(pd.DataFrame(rows), geometry=list(geoms), crs=CRS)


def zoning(rows):
    """rows: (code, status, utbygd or None, navn, geometry)."""
    df = pd.DataFrame([r[:4] for r in rows], columns=["arealformal", "arealbruksstatus",
                                                      "utbygd", "navn"])
    df["utbygd"] = df["utbygd"].astype("boolean")
    return gpd.GeoDataFrame(df, geometry=[r[4] for r in rows], crs=CRS)


def growth(base, base_year, year, rate, share):
    return base * ((1 + rate) ** (year - base_year) - 1) * share


# ---------------------------------------------------------------------------
# Area need
# ---------------------------------------------------------------------------

def test_growth_formula_against_closed_form():
    base, y0 = 43200, 2014
    got = R.growth_persons(base, y0, 2040, 0.015, 1 / 15)
    compound = 1.0
    for _ in range(2040 - y0):  # compound year by year, independently of the ** operator
        compound *= 1.015
    assert got == pytest.approx(base * (compound - 1) / 15, rel=1e-12)
    # the table's "Helgeroa 2040 1.5 %" cell, rounded as the source rounds
    assert round(got) == round(base * (compound - 1) / 15)


def test_four_scenario_table_from_config_parameters():
    cfg = load_config()
    base = cfg.get("reserves.base_population")
    y0 = cfg.get("reserves.base_year")
    ppd = cfg.get("reserves.persons_per_dwelling")
    years = cfg.get("reserves.horizon_years")
    rates = cfg.get("reserves.growth_rates")
    steder = cfg.get("reserves.steder")
    conf = {k: {"navn": v["navn"], "andel": v["andel"]["value"],
                "boenheter_per_daa": v["boenheter_per_daa"]["value"]} for k, v in steder.items()}
    # DOMAIN.md §1: 70 % inside Larvik by, the rest over Stavern and three places of 1/15
    assert sum(c["andel"] for c in conf.values()) == pytest.approx(1.0)
    for key in ("helgeroa", "tjollingvollen", "kvelde"):
        assert conf[key]["andel"] == pytest.approx(1 / 15)
        assert conf[key]["boenheter_per_daa"] == 3
    assert conf["larvik_by"]["boenheter_per_daa"] == 4

    places, notes = R.place_parameters(None, conf, default_dwellings_per_daa=3.0)
    assert notes == []
    tab = R.area_need(places, base_population=base, base_year=y0, years=years, rates=rates,
                      persons_per_dwelling=ppd)
    assert list(tab.columns[:6]) == R.NEED_COLUMNS
    assert len(tab) == len(conf) * 4
    for row in tab.itertuples():
        c = next(v for v in conf.values() if v["navn"] == row.sted)
        persons = growth(43200, 2014, row.aar, row.vekstrate, c["andel"])
        assert row.vekst_personer == pytest.approx(persons, rel=1e-12)
        assert row.boenheter == pytest.approx(persons / 2, rel=1e-12)
        assert row.arealbehov_daa == pytest.approx(persons / 2 / c["boenheter_per_daa"], rel=1e-12)
    # the three avklaringsområder are equal in every scenario
    h = tab[tab.sted == "Helgeroa"].arealbehov_daa.to_numpy()
    k = tab[tab.sted == "Kvelde"].arealbehov_daa.to_numpy()
    assert np.allclose(h, k)
    # the whole municipality: shares sum to 1, so persons sum to the municipal growth
    tot = tab.groupby(["aar", "vekstrate"]).vekst_personer.sum()
    for (y, r), v in tot.items():
        assert v == pytest.approx(growth(43200, 2014, y, r, 1.0), rel=1e-9)


@pytest.mark.parametrize("bad", [dict(rates=[1.5]), dict(years=[2000]),
                                 dict(persons_per_dwelling=0)])
def test_area_need_rejects_bad_parameters(bad):
    kw = dict(base_population=1000, base_year=2014, years=[2040], rates=[0.01],
              persons_per_dwelling=2.0)
    kw.update(bad)
    with pytest.raises(GeoplanError):
        R.area_need({"A": 0.5}, dwellings_per_daa=3, **kw)


def test_unconfigured_places_share_the_rest():
    conf = {"a": {"navn": "A", "andel": 0.6, "boenheter_per_daa": 4.0}}
    tab, notes = R.place_parameters(["a ", "B", "C"], conf, default_dwellings_per_daa=3.0,
                                    data_dwellings_per_daa={"C": 5.0})
    assert tab.andel.tolist() == pytest.approx([0.6, 0.2, 0.2])
    assert tab.boenheter_per_daa.tolist() == [4.0, 3.0, 5.0]
    assert notes and "«B»" in notes[0]


# ---------------------------------------------------------------------------
# Boligreserve: hand-computed squares
# ---------------------------------------------------------------------------

@pytest.fixture
def town():
    """Two places. A: 1000 m square. B: two parts (multipart boundary, two rows).

    Reserve (housing, framtidig) in A: r1 = 100×100, r2 = 100×100 overlapping r1 by
    50×100, a multipart polygon of two 50×50 squares, and p = 200×100 half outside A.
    Not reserve: built housing, business zoning, utbygd=True although framtidig.
    Reserve by utbygd=False although nåværende: u = 30×100 in B's second part.
    Outside every boundary: o = 100×100.
    """
    ug = gdf({"navn": ["A", "B", "b"]},
             [sq(0, 0, 1000, 1000), sq(2000, 0, 2500, 500), sq(3000, 0, 3500, 500)])
    multi = MultiPolygon([sq(300, 300, 350, 350), sq(400, 300, 450, 350)])
    af = zoning([
        (1110, 2, None, "r1", sq(0, 0, 100, 100)),
        (1111, 2, None, "r2", sq(50, 0, 150, 100)),
        (1112, 2, None, "multi", multi),
        (1113, 2, None, "p", sq(900, 500, 1100, 600)),
        (1110, 1, None, "bygd", sq(500, 500, 600, 600)),
        (1300, 2, None, "naering", sq(200, 200, 300, 300)),
        (1110, 2, True, "ferdig", sq(600, 0, 700, 100)),
        (1110, 1, False, "u", sq(3000, 0, 3030, 100)),
        (1110, 2, None, "o", sq(5000, 0, 5100, 100)),
    ])
    return af, ug


def test_housing_reserve_selection(town):
    af, _ = town
    res = R.housing_reserve(af)
    assert sorted(res["navn"]) == ["multi", "o", "p", "r1", "r2", "u"]


def test_reserve_by_place_hand_computed(town):
    af, ug = town
    places, parcels, outside = R.reserve_by_place(af, ug)
    got = dict(zip(places.sted, places.boligreserve_daa))
    # A: r1 ∪ r2 = 150×100, multi = 2 × 50×50, p inside = 100×100
    assert got["A"] == pytest.approx((150 * 100 + 2 * 50 * 50 + 100 * 100) / 1000)
    # B (rows "B" and "b" are one place): u = 30×100
    assert set(got) == {"A", "B"}
    assert got["B"] == pytest.approx(30 * 100 / 1000)
    # outside: o = 100×100 and the outer half of p = 100×100
    assert outside == pytest.approx((100 * 100 + 100 * 100) / 1000)
    p = parcels.set_index("navn")
    assert p.at["p", "areal_daa"] == pytest.approx(20.0)
    assert p.at["p", "areal_innenfor_daa"] == pytest.approx(10.0)
    assert p.at["p", "andel_innenfor_pct"] == pytest.approx(50.0)
    assert pd.isna(p.at["o", "sted"])
    assert p.at["o", "andel_innenfor_pct"] == 0
    # r1 and r2 share 50×100 = 5 daa, reported on both, counted once in A
    assert p.at["r1", "overlapp_daa"] == pytest.approx(5.0)
    assert p.at["r2", "overlapp_daa"] == pytest.approx(5.0)
    assert p.at["multi", "overlapp_daa"] == 0


def test_reserve_against_geopandas_overlay(town):
    """Independent computation: overlay each boundary with the dissolved reserve."""
    af, ug = town
    res = R.housing_reserve(af)
    union = gpd.GeoDataFrame(geometry=[res.union_all()], crs=CRS)
    places, _, outside = R.reserve_by_place(af, ug)
    ugd = ug.assign(key=ug.navn.str.casefold()).dissolve("key")
    ov = gpd.overlay(ugd.reset_index(), union, how="intersection")
    expect = ov.assign(a=ov.area / 1000).groupby("key").a.sum()
    got = dict(zip(places.sted.str.casefold(), places.boligreserve_daa))
    for k, v in expect.items():
        assert got[k] == pytest.approx(v, rel=1e-9)
    out = gpd.overlay(union, gpd.GeoDataFrame(geometry=[ugd.union_all()], crs=CRS),
                      how="difference")
    assert outside == pytest.approx(out.area.sum() / 1000, rel=1e-9)


def test_circle_reserve_cut_by_boundary():
    """A disc of radius 200 m centred on the boundary edge: half of πr² inside."""
    r = 200.0
    disc = Point(X0 + 1000, Y0 + 500).buffer(r, quad_segs=256)
    af = zoning([(1110, 2, None, "disc", disc)])
    ug = gdf({"navn": ["A"]}, [sq(0, 0, 1000, 1000)])
    places, parcels, outside = R.reserve_by_place(af, ug)
    assert places.boligreserve_daa.iloc[0] == pytest.approx(math.pi * r * r / 2 / 1000, rel=1e-4)
    assert outside == pytest.approx(math.pi * r * r / 2 / 1000, rel=1e-4)
    assert parcels.andel_innenfor_pct.iloc[0] == pytest.approx(50.0, rel=1e-6)


def test_place_with_no_reserve(town):
    af, ug = town
    ug2 = pd.concat([ug, gdf({"navn": ["Tom"]}, [sq(8000, 0, 8500, 500)])], ignore_index=True)
    places, _, _ = R.reserve_by_place(af, ug2)
    row = places[places.sted == "Tom"].iloc[0]
    assert row.boligreserve_daa == 0
    assert row.antall_reserver == 0


def test_geographic_crs_is_refused(town):
    af, ug = town
    with pytest.raises(DataProblem, match="geografisk"):
        R.reserve_by_place(af.to_crs(4326), ug.to_crs(4326))


# ---------------------------------------------------------------------------
# Innspill, balance, ranking, conflicts
# ---------------------------------------------------------------------------

def test_innspill_counted_wherever_they_lie():
    ug = gdf({"navn": ["A"]}, [sq(0, 0, 1000, 1000)])
    inn = gdf({"navn": ["i1", "i2", "i3"], "sted": ["a", "A", "A"]},
              [sq(900, 0, 1100, 100),          # half outside: 20 daa, 10 inside
               sq(5000, 0, 5100, 100),         # far outside: 10 daa, none inside
               sq(5050, 0, 5150, 100)])        # overlaps i2 by 5 daa
    per, parcels = R.innspill_by_place(inn, ug)
    assert per.innspill_daa.iloc[0] == pytest.approx(20 + 10 + 10 - 5)
    p = parcels.set_index("navn")
    assert p.at["i1", "areal_innenfor_daa"] == pytest.approx(10.0)
    assert p.at["i2", "areal_innenfor_daa"] == 0
    assert (parcels.sted == "A").all()  # the boundary's spelling


def test_balance_formula():
    need = {"A": 227.0, "B": 227.0, "C": 227.0}
    reserve = pd.DataFrame({"sted": ["A", "B", "C"], "boligreserve_daa": [81.0, 0.0, 632.0]})
    inn = pd.DataFrame({"sted": ["a", "B", "C"], "innspill_daa": [429.0, 84.0, 154.0]})
    b = R.balance(need, reserve, inn).set_index("sted")
    for s, res_, i in (("A", 81, 429), ("B", 0, 84), ("C", 632, 154)):
        assert b.at[s, "behov_nye_daa"] == pytest.approx(max(227 - res_, 0))
        assert b.at[s, "balanse_daa"] == pytest.approx(res_ + i - 227)
        assert b.at[s, "overskudd_reserve_daa"] == pytest.approx(max(res_ - 227, 0))


def _analyse(af, ug, *, quarry_buffer_m=None, **kw):
    """analyse_reserves with the Larvik growth parameters and no configured places."""
    layers = {"arealformal": af, "utviklingsgrense": ug}
    for name in R.OPTIONAL_LAYERS:
        if name in kw:
            layers[name] = kw.pop(name)
    s = dataclasses.replace(ReserveSettings.from_config(), base_population=43200, base_year=2014,
                            persons_per_dwelling=2.0, places={}, default_dwellings_per_daa=3.0)
    if quarry_buffer_m is not None:
        s = dataclasses.replace(s, quarry_buffer_m=float(quarry_buffer_m), exclusions=tuple(
            dataclasses.replace(e, buffer_m=float(quarry_buffer_m)) if e.id == "steinbrudd" else e
            for e in s.exclusions))
    return R.analyse_reserves(layers, None, s, year=2040, rate=0.015, **kw)


def test_missing_innspill_layer(town):
    af, ug = town
    r = _analyse(af, ug, innspill=None)
    assert (r.steder.innspill_daa == 0).all()
    assert any("innspill" in m for m in r.merknader)
    assert set(r.parseller["type"]) == {"reserve"}
    assert list(r.steder.columns[:6]) == R.PLACE_COLUMNS


def test_ranking_cover_and_need():
    """Need 15 daa new land; three 10 daa innspill at 100, 500, 1000 m from the centre."""
    ug = gdf({"navn": ["A"]}, [sq(-2000, -2000, 2000, 2000)])
    af = zoning([(1110, 1, None, "bygd", sq(-50, -50, 50, 50))])
    sentrum = gdf({"navn": ["A"]}, [Point(X0, Y0)])
    inn = gdf({"navn": ["far", "near", "mid"], "sted": ["A", "A", "A"]},
              [sq(1000, -50, 1100, 50), sq(100, -50, 200, 50), sq(500, -50, 600, 50)])
    # share chosen so that the need is exactly 15 daa: persons = 15 × 3 × 2
    share = 90 / growth(43200, 2014, 2040, 0.015, 1.0)
    r = _analyse(af, ug, innspill=inn, sentrum=sentrum, share=share)
    assert r.steder.arealbehov_daa.iloc[0] == pytest.approx(15.0)
    p = r.parseller[r.parseller["type"] == "innspill"].set_index("navn")
    assert p.at["near", "avstand_sentrum_m"] == pytest.approx(100.0)
    assert p.at["far", "avstand_sentrum_m"] == pytest.approx(1000.0)
    assert [p.at[n, "rang"] for n in ("near", "mid", "far")] == [1, 2, 3]
    assert [p.at[n, "kumulativt_areal_daa"] for n in ("near", "mid", "far")] == \
        pytest.approx([10, 20, 30])
    assert [bool(p.at[n, "dekker_behov"]) for n in ("near", "mid", "far")] == [True, True, False]
    assert any("gangnett" in m for m in r.merknader)


def test_surplus_place_lists_worst_reserves_to_take_out():
    """Need 15 daa; reserves 10 + 10 + 10 daa: 15 daa surplus, the worst one can go."""
    ug = gdf({"navn": ["K"]}, [sq(-3000, -3000, 3000, 3000)])
    af = zoning([(1110, 2, None, "near", sq(100, 0, 200, 100)),
                 (1110, 2, None, "mid", sq(500, 0, 600, 100)),
                 (1110, 2, None, "far", sq(2000, 0, 2100, 100))])
    sentrum = gdf({"navn": ["K"]}, [Point(X0, Y0 + 50)])
    share = 90 / growth(43200, 2014, 2040, 0.015, 1.0)
    r = _analyse(af, ug, sentrum=sentrum, share=share)
    st = r.steder.iloc[0]
    assert st.boligreserve_daa == pytest.approx(30.0)
    assert st.behov_nye_daa == 0
    assert st.balanse_daa == pytest.approx(15.0)
    p = r.parseller.set_index("navn")
    assert bool(p.at["far", "kandidat_uttak"]) is True
    assert bool(p.at["mid", "kandidat_uttak"]) is False   # 10 + 10 > 15
    assert bool(p.at["near", "kandidat_uttak"]) is False


def test_quarry_conflict_hand_computed():
    quarry = gdf({"navn": ["Q"]}, [sq(0, 0, 100, 100)])
    parcels = gdf({"navn": ["a", "b"]}, [sq(120, 0, 220, 100), sq(1000, 0, 1100, 100)])
    q = R.quarry_conflict(parcels, quarry, 50.0)
    # the buffer's straight edge reaches x = 150: 30 × 100 m of parcel a
    assert q.areal_steinbrudd_daa.tolist() == pytest.approx([3.0, 0.0])
    assert q.andel_steinbrudd_pct.tolist() == pytest.approx([30.0, 0.0])
    assert R.quarry_conflict(parcels, None, 50.0).areal_steinbrudd_daa.isna().all()


def test_slope_share_from_geotiff(tmp_path):
    import rasterio
    from rasterio.transform import from_origin

    cell = 10.0
    nx, ny = 60, 30
    x = np.arange(nx) * cell
    # west half rises 10 % (10 m per 100 m), east half 30 %: continuous at the seam
    z = np.where(x < 300, 0.10 * x, 30 + 0.30 * (x - 300))
    elev = np.tile(z, (ny, 1)).astype("float32")
    path = tmp_path / "terreng.tif"
    with rasterio.open(path, "w", driver="GTiff", height=ny, width=nx, count=1, dtype="float32",
                       crs=CRS, transform=from_origin(X0, Y0 + ny * cell, cell, cell)) as dst:
        dst.write(elev, 1)
    parcels = gdf({"navn": ["flat", "steep"]}, [sq(50, 50, 200, 250), sq(400, 50, 550, 250)])
    s = R.slope_conflict(parcels, open_raster(path), 20.0)
    assert s.tolist() == pytest.approx([0.0, 100.0])


# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------

def test_cli_arealbehov_json(capsys):
    code = main(["arealbehov", "--json", "--sted", "Helgeroa", "--year", "2026", "--year", "2040",
                 "--rate", "0.006", "--rate", "1,5%"])
    assert code == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 4
    for row in rows:
        assert set(row) == {"sted", "aar", "vekstrate", "vekst_personer", "boenheter",
                            "arealbehov_daa"}
        persons = growth(43200, 2014, row["aar"], row["vekstrate"], 1 / 15)
        assert row["sted"] == "Helgeroa"
        assert row["vekst_personer"] == pytest.approx(persons, rel=1e-9)
        assert row["arealbehov_daa"] == pytest.approx(persons / 2 / 3, rel=1e-9)


def test_cli_arealbehov_share_without_place(capsys):
    code = main(["arealbehov", "--json", "--share", "0.25", "--year", "2030", "--rate", "0.01",
                 "--base-population", "10000", "--base-year", "2020",
                 "--persons-per-dwelling", "2.5", "--dwellings-per-daa", "5"])
    assert code == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 1 and rows[0]["sted"] is None
    persons = 10000 * (1.01 ** 10 - 1) * 0.25
    assert rows[0]["arealbehov_daa"] == pytest.approx(persons / 2.5 / 5, rel=1e-12)


def test_cli_arealbehov_table_has_totals(capsys):
    assert main(["arealbehov"]) == 0
    out = capsys.readouterr().out
    assert "Totalt" in out and "Arealbehov (daa)" in out and "2040 1,5 %" in out


def test_cli_arealbehov_rate_in_percent_is_refused(capsys):
    assert main(["arealbehov", "--rate", "1.5"]) == 2
    assert "f.eks. 0,015" in capsys.readouterr().err


@pytest.fixture
def gpkg(tmp_path, town):
    af, ug = town
    ug = ug.copy()
    ug["navn"] = ["Helgeroa", "Kvelde", "kvelde"]
    path = tmp_path / "kommune.gpkg"
    ug.to_file(path, layer="utviklingsgrense")
    af.to_file(path, layer="arealformal")
    return path


def test_cli_reserves_json_without_innspill(gpkg, capsys):
    code = main(["reserves", str(gpkg), "--json"])
    assert code == 0
    doc = json.loads(capsys.readouterr().out)
    assert {"steder", "parseller"} <= set(doc)
    st = {s["sted"]: s for s in doc["steder"]}
    for s in doc["steder"]:
        assert set(s) == {"sted", "arealbehov_daa", "boligreserve_daa", "behov_nye_daa",
                          "innspill_daa", "balanse_daa"}
    need = growth(43200, 2014, 2040, 0.015, 1 / 15) / 2 / 3
    h = st["Helgeroa"]
    assert h["arealbehov_daa"] == pytest.approx(need)
    assert h["boligreserve_daa"] == pytest.approx(15 + 5 + 10)
    assert h["innspill_daa"] == 0
    assert h["behov_nye_daa"] == pytest.approx(need - 30)
    assert h["balanse_daa"] == pytest.approx(30 - need)
    assert st["Kvelde"]["boligreserve_daa"] == pytest.approx(3.0)
    assert doc["utenfor_utviklingsgrense_daa"] == pytest.approx(20.0)
    types = {p["type"] for p in doc["parseller"]}
    assert types == {"reserve"}
    for p in doc["parseller"]:
        assert {"navn", "sted", "type", "areal_daa"} <= set(p)
    assert any("innspill" in m for m in doc["merknader"])


def test_cli_reserves_with_innspill_and_year(gpkg, tmp_path, capsys):
    inn = gdf({"navn": ["Søndersrød"], "sted": ["Helgeroa"]}, [sq(2000, 2000, 2100, 2100)])
    inn.to_file(gpkg, layer="innspill")
    code = main(["reserves", str(gpkg), "--json", "--year", "2026", "--rate", "0.006",
                 "--sted", "helgeroa"])
    assert code == 0
    doc = json.loads(capsys.readouterr().out)
    assert [s["sted"] for s in doc["steder"]] == ["Helgeroa"]
    h = doc["steder"][0]
    need = growth(43200, 2014, 2026, 0.006, 1 / 15) / 2 / 3
    assert h["arealbehov_daa"] == pytest.approx(need)
    assert h["innspill_daa"] == pytest.approx(10.0)
    inn_rows = [p for p in doc["parseller"] if p["type"] == "innspill"]
    assert inn_rows[0]["navn"] == "Søndersrød" and inn_rows[0]["rang"] == 1
    assert main(["reserves", str(gpkg)]) == 0
    out = capsys.readouterr().out
    assert "Helgeroa" in out and "Balanse" in out


def test_cli_reserves_missing_boundary_layer(tmp_path, town, capsys):
    af, _ = town
    path = tmp_path / "bare.gpkg"
    af.to_file(path, layer="arealformal")
    assert main(["reserves", str(path)]) == 1
    err = capsys.readouterr().err
    assert "utviklingsgrense" in err and "Traceback" not in err


def test_non_housing_innspill_not_counted():
    ug = gdf({"navn": ["A"]}, [sq(0, 0, 1000, 1000)])
    af = zoning([(1110, 1, None, "bygd", sq(0, 0, 50, 50))])
    inn = gdf({"navn": ["bolig", "naering", "ukjent", "kode"], "sted": ["A"] * 4,
               "formal": ["Bolig", "næring", None, "1112"]},
              [sq(100, 100, 200, 200), sq(300, 300, 400, 400), sq(500, 500, 600, 550),
               sq(700, 700, 720, 800)])
    r = _analyse(af, ug, innspill=inn)
    # bolig 10 daa + empty formal 5 daa + code 1112 2 daa; næring left out
    assert r.steder.innspill_daa.iloc[0] == pytest.approx(10 + 5 + 2)
    p = r.parseller.set_index("navn")
    assert bool(p.at["naering", "boligformal"]) is False
    assert pd.isna(p.at["naering", "rang"])
    assert any("næring" in m for m in r.merknader)


def test_fast_zonal_share_matches_per_polygon_raster_module(tmp_path):
    """One-pass rasterisation agrees with geoplan.io.raster's per-polygon masks,
    including overlapping polygons and one smaller than a cell."""
    import rasterio
    from rasterio.transform import from_origin

    from geoplan.io import raster
    rng = np.random.default_rng(3)
    cell, nx, ny = 10.0, 80, 60
    elev = np.cumsum(rng.normal(0, 3, (ny, nx)), axis=1).astype("float32")
    path = tmp_path / "t.tif"
    with rasterio.open(path, "w", driver="GTiff", height=ny, width=nx, count=1, dtype="float32",
                       crs=CRS, transform=from_origin(X0, Y0 + ny * cell, cell, cell)) as dst:
        dst.write(elev, 1)
    polys = [sq(20, 20, 200, 150), sq(100, 100, 300, 250),      # overlap each other
             sq(400, 300, 600, 500), sq(703, 403, 707, 407),    # the last is < 1 cell
             Point(X0 + 500, Y0 + 150).buffer(60)]
    fast = R.zonal_share_above_fast(np.array(polys, dtype=object), open_raster(path), 40.0, crs=CRS)
    slow = raster.zonal_share_above(polys, path, 40.0, crs=CRS, derive="slope")
    assert np.all(np.isfinite(fast))
    assert fast == pytest.approx(np.asarray(slow), abs=1e-12)


def test_overlapping_boundaries_do_not_hide_reserve_outside():
    """Two places whose boundaries overlap; a reserve square straddles both and the
    outside: inside share against the union, outside counted once."""
    ug = gdf({"navn": ["A", "B"]}, [sq(0, 0, 600, 600), sq(400, 0, 1000, 600)])
    af = zoning([(1110, 2, None, "x", sq(500, 500, 700, 700))])   # 200×200, lower half inside
    places, parcels, outside = R.reserve_by_place(af, ug)
    assert outside == pytest.approx(200 * 100 / 1000)
    assert parcels.areal_innenfor_daa.iloc[0] == pytest.approx(200 * 100 / 1000)
    got = dict(zip(places.sted, places.boligreserve_daa))
    assert got["A"] == pytest.approx(100 * 100 / 1000)   # x ∩ A = [500,600]×[500,600]
    assert got["B"] == pytest.approx(200 * 100 / 1000)   # x ∩ B = [500,700]×[500,600]
    r = _analyse(af, ug)
    assert any("overlapper" in m for m in r.merknader)


def test_no_reserve_at_all_and_unknown_place(town):
    _, ug = town
    af = zoning([(1110, 1, None, "bygd", sq(0, 0, 50, 50))])
    r = _analyse(af, ug)
    assert (r.steder.boligreserve_daa == 0).all()
    assert r.utenfor_daa == 0
    assert (r.steder.behov_nye_daa == r.steder.arealbehov_daa).all()
    with pytest.raises(DataProblem, match="Nowhere"):
        _analyse(af, ug, places=["Nowhere"])


def test_quarry_buffer_excludes_rather_than_ranks():
    """Two innspill about 500 m from the centre on either side, "west" a little nearer
    (it ranks first on distances alone); a quarry 200 m from "west": inside the 500 m
    buffer it is «ikke aktuell» (Boligplan l. 2479–2483), not merely ranked lower."""
    ug = gdf({"navn": ["A"]}, [sq(-2000, -2000, 2000, 2000)])
    af = zoning([(1110, 1, None, "bygd", sq(-50, -50, 50, 50))])
    sentrum = gdf({"navn": ["A"]}, [Point(X0, Y0)])
    inn = gdf({"navn": ["east", "west"], "sted": ["A", "A"]},
              [sq(500, -50, 600, 50), sq(-590, -50, -490, 50)])
    quarry = gdf({"navn": ["Q"]}, [sq(-890, -50, -790, 50)])     # 200 m from "west"
    r0 = _analyse(af, ug, innspill=inn, sentrum=sentrum)
    p0 = r0.parseller.set_index("navn")
    assert (p0.at["west", "rang"], p0.at["east", "rang"]) == (1, 2)
    r = _analyse(af, ug, innspill=inn, sentrum=sentrum, steinbrudd=quarry, quarry_buffer_m=500)
    p = r.parseller.set_index("navn")
    assert p.at["west", "andel_steinbrudd_pct"] == pytest.approx(100.0)
    assert p.at["east", "andel_steinbrudd_pct"] == 0
    assert bool(p.at["west", "ikke_aktuell"]) and pd.isna(p.at["west", "rang"])
    assert p.at["west", "utelatt_daa"] == pytest.approx(10.0)
    assert "steinbrudd" in p.at["west", "grunn_ikke_aktuell"]
    assert p.at["east", "rang"] == 1
    # kept out of the cumulative area and of the net balance, not of the source's balance
    assert p.at["east", "kumulativt_areal_daa"] == pytest.approx(10.0)
    st = r.steder.iloc[0]
    assert st.innspill_daa == pytest.approx(20.0)
    assert st.innspill_aktuelt_daa == pytest.approx(10.0)
    assert st.balanse_netto_daa == pytest.approx(st.balanse_daa - 10.0)
    assert list(r.utelatt["navn"]) == ["west"] and list(r.utelatt["kriterium"]) == ["steinbrudd"]


def test_cli_arealbehov_refuses_shares_over_100_and_warns_under(capsys):
    assert main(["arealbehov", "--set", "reserves.steder.stavern.andel=0.12"]) == 2
    err = capsys.readouterr().err
    assert "102,0 %" in err and "høyst 100 %" in err and "uventet" not in err
    assert main(["reserves", "--set", "reserves.steder.stavern.andel=0.90"]) == 2
    assert "180,0 %" in capsys.readouterr().err
    assert main(["arealbehov", "--set", "reserves.steder.stavern.andel=0.05"]) == 0
    assert "95,0 %" in capsys.readouterr().out
    assert main(["arealbehov"]) == 0
    assert "summerer" not in capsys.readouterr().out


# ---------------------------------------------------------------------------
# One definition, settings from the shipped config, notebook use
# ---------------------------------------------------------------------------

def test_area_need_without_density_names_the_place():
    with pytest.raises(ConfigError, match="«Stavern»"):
        R.area_need({"Stavern": 0.2}, base_population=43200, base_year=2014, years=[2040],
                    rates=[0.015], persons_per_dwelling=2.0)
    with pytest.raises(ConfigError, match="«Kvelde»") as e:
        R.area_need({"Stavern": 0.2, "Kvelde": 0.1}, dwellings_per_daa={"stavern": 4.0},
                    base_population=43200, base_year=2014, years=[2040], rates=[0.015],
                    persons_per_dwelling=2.0)
    assert "Stavern" not in str(e.value)


def test_housing_codes_come_from_the_shipped_config(town):
    cfg = load_config()
    s = ReserveSettings.from_config()
    assert list(s.housing_codes) == cfg.get("reserves.housing_codes")
    af, _ = town
    garage = zoning([(1119, 2, None, "garasje", sq(0, 0, 10, 10)),
                     (1113, 2, None, "blokk", sq(20, 0, 30, 10))])
    assert list(R.housing_reserve(garage)["navn"]) == ["blokk"]
    assert list(R.housing_reserve(garage, [1119])["navn"]) == ["garasje"]
    assert not hasattr(R, "HOUSING_CODES")


def test_every_setting_is_a_parameter_with_a_source():
    cfg = load_config()
    keys = ["base_population", "base_year", "persons_per_dwelling", "default_dwellings_per_daa",
            "housing_codes", "innspill_housing_formal", "quarry_buffer_m", "max_slope_pct",
            "default_year", "default_rate", "horizon_years", "growth_rates",
            "ranking.half_distance_m"] + [f"ranking.{k}" for k in ReserveSettings.from_config().weights]
    for k in keys:
        assert cfg.param(f"reserves.{k}").source, k


def test_housing_reserve_parcels_have_the_reserves_names_and_place(town):
    af, ug = town
    af = af.drop(columns="navn")
    parcels = R.housing_reserve_parcels(af, ug)
    res = R.housing_reserve(af)
    assert list(parcels.index) == list(res.index)
    assert list(parcels["navn"]) == [f"Reserve {i}" for i in res.index]
    # p (index 3) lies half in A; o (index 8) outside every boundary; u (index 7) in B's second part
    assert parcels.at[3, "sted"] == "A" and parcels.at[7, "sted"] == "B"
    assert pd.isna(parcels.at[8, "sted"])
    # the same names as the reserve analysis gives them
    r = _analyse(af, ug)
    got = r.parseller[r.parseller["type"] == "reserve"]
    assert set(got["navn"]) == set(parcels["navn"])
    without = R.housing_reserve_parcels(af)
    assert list(without["navn"]) == list(parcels["navn"]) and without["sted"].isna().all()


def test_notebook_call_with_shipped_defaults(town):
    af, ug = town
    r = R.analyse_reserves({"arealformal": af, "utviklingsgrense": ug})
    s = ReserveSettings.from_config()
    assert r.forutsetninger["aar"] == s.default_year
    assert r.forutsetninger["boligkoder"] == list(s.housing_codes)
    assert list(r.steder.columns[:6]) == R.PLACE_COLUMNS
    with pytest.raises(MissingLayer, match="utviklingsgrense"):
        R.analyse_reserves({"arealformal": af})


def test_place_key_is_the_one_key():
    from geoplan.analysis import growth, places, ranking
    assert R.place_key is places.place_key is growth.place_key is ranking.place_key
    assert R.place_key("  Larvik   By ") == "larvik by"
    assert R.place_key(None) == R.place_key(float("nan")) == R.place_key(pd.NA) == ""
    assert R._dissolve_places is R.dissolve_places


def test_area_need_from_a_notebook_uses_the_shipped_parameters():
    s = ReserveSettings.from_config()
    tab = R.area_need({"Stavern": 0.2}, dwellings_per_daa=3)
    assert len(tab) == len(s.horizon_years) * len(s.growth_rates)
    row = tab.iloc[-1]
    persons = growth(s.base_population, s.base_year, row.aar, row.vekstrate, 0.2)
    assert row.arealbehov_daa == pytest.approx(persons / s.persons_per_dwelling / 3, rel=1e-12)
    one = R.area_need({"Stavern": 0.2}, base_population=43_200, base_year=2014, years=[2040],
                      rates=[0.015], dwellings_per_daa=3)
    assert one.arealbehov_daa.iloc[0] == pytest.approx(
        growth(43200, 2014, 2040, 0.015, 0.2) / s.persons_per_dwelling / 3, rel=1e-12)
