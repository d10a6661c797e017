"""The reserve rules as the source states them (Larvik kommune, Boligplan 2015–2020,
l. 2453–2497): what excludes and what only orders, the three-step order, the take-out
down to the need, spredt boligbebyggelse, the villages' growth «i tillegg».

Expected numbers are worked out here from closed forms (rectangles, the growth
formula), never copied from the functions' output.
"""

from __future__ import annotations

import dataclasses
import math

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from shapely.geometry import Point, box

from geoplan.analysis import reserves as R
from geoplan.analysis.ranking import rank_parcels, step_values
from geoplan.analysis.takeout import cells
from geoplan.config.reserves import ReserveSettings, VillageSettings

CRS = "EPSG:25832"
X0, Y0 = 560_000.0, 6_540_000.0


def sq(x0, y0, x1, y1):
    return box(X0 + x0, Y0 + y0, X0 + x1, Y0 + y1)


def gdf(rows, geoms):
    return gpd.GeoDataFrame(pd.DataFrame(rows), geometry=list(geoms), crs=CRS)


def zoning(rows):
    """rows: (code, status, navn, geometry)."""
    df = pd.DataFrame([r[:3] for r in rows], columns=["arealformal", "arealbruksstatus", "navn"])
    return gpd.GeoDataFrame(df, geometry=[r[3] for r in rows], crs=CRS)


def growth(share, year=2040, rate=0.015):
    return 43200 * ((1 + rate) ** (year - 2014) - 1) * share


def settings(**kw):
    s = dataclasses.replace(ReserveSettings.from_config(), base_population=43200, base_year=2014,
                            persons_per_dwelling=2.0, places={}, default_dwellings_per_daa=3.0)
    return dataclasses.replace(s, **kw)


def analyse(layers, s=None, **kw):
    return R.analyse_reserves(layers, None, s or settings(), year=2040, rate=0.015, **kw)


def share_for_need(daa):
    """The share of growth whose area need is exactly ``daa`` (2 persons, 3 per daa)."""
    return daa * 3 * 2 / growth(1.0)


# ------------------------------------------------------------------ three-step order
def test_sequence_order_with_a_tolerance_band():
    """A 100 m and B 200 m from the centre (same 250 m band), C 300 m (next band); B next
    to the walking network, A 600 m from it: step 1 ties A and B, step 2 puts B first."""
    centre = gdf({"sted": ["P"], "_key": ["p"]}, [Point(X0, Y0)])
    parcels = gdf({"navn": ["A", "B", "C"], "sted": ["P"] * 3, "type": ["innspill"] * 3,
                   "areal_daa": [1.0, 1.0, 1.0]},
                  [sq(100, -10, 110, 10), sq(-210, -10, -200, 10), sq(300, -10, 310, 10)])
    walk = gdf({"navn": ["g"]}, [shapely.LineString([(X0 - 205, Y0 - 500), (X0 - 205, Y0 + 500)])])
    stops = gdf({"navn": ["h"]}, [Point(X0 - 205, Y0)])
    out = rank_parcels(parcels, centre, gangnett=walk, holdeplass=stops, method="rekkefolge",
                       band_step1_m=250.0, band_step2_m=250.0).set_index("navn")
    assert [out.at[n, "rang"] for n in "BAC"] == [1, 2, 3]
    assert out.at["A", "trinn1_m"] == pytest.approx(100.0)
    # step 2 = the larger of walking network and transit: A is 305 m from both
    assert out.at["A", "trinn2_m"] == pytest.approx(305.0)
    exact = rank_parcels(parcels, centre, gangnett=walk, holdeplass=stops, method="rekkefolge",
                         band_step1_m=0.0, band_step2_m=0.0).set_index("navn")
    assert [exact.at[n, "rang"] for n in "ABC"] == [1, 2, 3]      # no band: distance decides
    weighted = rank_parcels(parcels, centre, gangnett=walk, holdeplass=stops, method="vektet")
    by_score = weighted.sort_values("skaar")["navn"].tolist()
    assert weighted.set_index("navn").loc[by_score, "rang"].tolist() == [1, 2, 3]


def test_step_two_uses_the_nearer_transit_and_the_larger_of_walk_and_transit():
    df = pd.DataFrame({"avstand_sentrum_m": [1.0], "avstand_gangnett_m": [50.0],
                       "avstand_holdeplass_m": [400.0], "avstand_kollektivakse_m": [120.0],
                       "rpba_ikke_avklart": [0.0]})
    st = step_values(df)
    assert st.at[0, "trinn2_m"] == 120.0 and st.at[0, "trinn1_m"] == 1.0


def test_shipped_ranking_is_the_sequence_and_weighted_is_a_marked_choice():
    from geoplan.config import default_config
    cfg = default_config()
    assert ReserveSettings.from_config().ranking_method == "rekkefolge"
    for k in ("weight_centre", "weight_quarry", "half_distance_m"):
        assert cfg.param(f"reserves.ranking.{k}").assumption
    assert not cfg.param("reserves.ranking.method").assumption


# ------------------------------------------------------------------ school circle
def test_outside_the_school_circle_is_not_aktuell_only_for_the_named_places():
    """Kvelde (named) and Larvik by (not), each a school at its centre, radius 1.5 km.
    An innspill straddling the circle at x 1450..1550 (10 m high): 50 × 10 m outside, to
    within the circle's curvature (1500 − √(1500² − 5²) ≈ 0.008 m)."""
    ug = gdf({"navn": ["Kvelde", "Larvik by"]},
             [sq(-3000, -3000, 3000, 3000), sq(10_000, -3000, 16_000, 3000)])
    af = zoning([(1110, 1, "bygd", sq(-10, -10, 10, 10))])
    skole = gdf({"navn": ["K skole", "L skole"], "sted": ["Kvelde", "Larvik by"]},
                [Point(X0, Y0), Point(X0 + 13_000, Y0)])
    inn = gdf({"navn": ["kant", "langt", "by"], "sted": ["Kvelde", "Kvelde", "Larvik by"]},
              [sq(1450, -5, 1550, 5), sq(2000, 0, 2100, 100), sq(15_000, 0, 15_100, 100)])
    r = analyse({"arealformal": af, "utviklingsgrense": ug, "innspill": inn, "skole": skole})
    p = r.parseller.set_index("navn")
    assert p.at["kant", "utelatt_daa"] == pytest.approx(0.5, abs=0.01)
    assert not p.at["kant", "ikke_aktuell"] and p.at["kant", "rang"] == 1
    assert bool(p.at["langt", "ikke_aktuell"]) and p.at["langt", "utelatt_daa"] == pytest.approx(10)
    assert p.at["langt", "grunn_ikke_aktuell"] == "utenfor skolesirkelen"
    # Larvik by: 2 km from its school, but the criterion does not apply there
    assert p.at["by", "utelatt_daa"] == 0 and p.at["by", "rang"] == 1
    st = r.steder.set_index("sted")
    assert bool(st.at["Kvelde", "skolekriterium_gjelder"])
    assert not bool(st.at["Larvik by", "skolekriterium_gjelder"])
    assert st.at["Kvelde", "innspill_daa"] == pytest.approx(11.0)             # the source's count
    assert st.at["Kvelde", "innspill_aktuelt_daa"] == pytest.approx(0.5, abs=0.01)


# ------------------------------------------------------------------ take-out
def test_takeout_reaches_the_surplus_with_the_worst_part_of_a_large_reserve():
    """Need 15 daa. Reserves: «stor» 100 × 400 m (40 daa) from 100 m to 500 m north of the
    centre, «liten» 50 × 100 m (5 daa) 2 km away. Surplus 30 daa: «liten» goes whole
    (worst placed), then 25 daa of «stor», its cells farthest from the centre: 20 m cells of
    0.4 daa, 62 of them = 24.8 daa (the 63rd would take the reserve under the need)."""
    ug = gdf({"navn": ["K"]}, [sq(-3000, -3000, 3000, 3000)])
    af = zoning([(1110, 2, "stor", sq(0, 100, 100, 500)),
                 (1110, 2, "liten", sq(2000, 0, 2050, 100))])
    sentrum = gdf({"navn": ["K"]}, [Point(X0 + 50, Y0)])
    r = analyse({"arealformal": af, "utviklingsgrense": ug, "sentrum": sentrum},
                share=share_for_need(15.0))
    st = r.steder.iloc[0]
    assert st.arealbehov_daa == pytest.approx(15.0)
    assert st.overskudd_reserve_daa == pytest.approx(30.0)
    t = r.uttak.set_index("navn")
    assert t.at["liten", "hva"] == "hele reserven" and t.at["liten", "uttak_daa"] == pytest.approx(5)
    assert t.at["stor", "hva"] == "del av reserven"
    assert t.at["stor", "uttak_daa"] == pytest.approx(62 * 0.4)
    assert st.uttak_daa == pytest.approx(5 + 24.8)
    assert st.gjenstaar_daa == pytest.approx(30 - 29.8)
    assert 45 - st.uttak_daa >= 15.0                       # never under the need
    # the part is the far end: 12 full rows of 5 cells (240 m) and 2 cells of the next row
    part = t.at["stor", "geometry"]
    assert shapely.bounds(part)[1] == pytest.approx(Y0 + 500 - 260)
    p = r.parseller.set_index("navn")
    assert bool(p.at["liten", "kandidat_uttak"]) and not bool(p.at["stor", "kandidat_uttak"])


def test_takeout_starts_with_the_excluded_part():
    """Need 15; one reserve 100 × 300 m (30 daa), its west 100 × 100 m inside a quarry's
    500 m buffer: those 10 daa go first («ikke aktuell»), then 5 daa more of the rest."""
    ug = gdf({"navn": ["K"]}, [sq(-3000, -3000, 3000, 3000)])
    af = zoning([(1110, 2, "felt", sq(0, 0, 300, 100))])
    quarry = gdf({"navn": ["Q"]}, [shapely.LineString([(X0 - 400, Y0 - 1000),
                                                        (X0 - 400, Y0 + 1000)])])
    r = analyse({"arealformal": af, "utviklingsgrense": ug, "steinbrudd": quarry},
                share=share_for_need(15.0))
    t = r.uttak
    assert list(t["hva"]) == ["ikke aktuell del", "del av reserven"]
    assert t["uttak_daa"].iloc[0] == pytest.approx(10.0)
    assert t["uttak_daa"].iloc[1] == pytest.approx(4.8)     # 12 cells of 0.4 daa ≤ 5 daa
    st = r.steder.iloc[0]
    assert st.boligreserve_aktuell_daa == pytest.approx(20.0)
    assert st.balanse_daa == pytest.approx(15.0) and st.balanse_netto_daa == pytest.approx(5.0)


def test_cells_cover_the_polygon_exactly():
    g = sq(3, 7, 103, 57)
    pieces = cells(g, 20.0)
    assert sum(shapely.area(pieces)) == pytest.approx(100 * 50)
    assert len(pieces) == 6 * 3     # columns from x 0 to 120, rows from y 0 to 60 (grid at 0)


# ------------------------------------------------------------------ spredt
def test_spredt_boligbebyggelse_is_reviewed_on_its_own_not_as_reserve():
    ug = gdf({"navn": ["K"]}, [sq(-1000, -1000, 1000, 1000)])
    af = zoning([(1110, 2, "felt", sq(0, 0, 100, 100)),
                 (5210, 1, "spredt", sq(200, 0, 300, 100)),
                 (5200, 1, "lnfr spredt", sq(-2000, 0, -1900, 50)),
                 (5220, 1, "hytter", sq(400, 0, 500, 100))])
    r = analyse({"arealformal": af, "utviklingsgrense": ug})
    st = r.steder.iloc[0]
    assert st.boligreserve_daa == pytest.approx(10.0)
    assert st.spredt_daa == pytest.approx(10.0)
    sp = r.spredt.set_index("navn")
    assert set(sp.index) == {"spredt", "lnfr spredt"}         # 5220 is not housing
    assert sp.at["spredt", "sted"] == "K" and pd.isna(sp.at["lnfr spredt", "sted"])
    assert sp.at["lnfr spredt", "areal_daa"] == pytest.approx(5.0)


# ------------------------------------------------------------------ villages
def test_villages_get_growth_in_addition_by_their_share_of_todays_dwellings():
    """100 dwellings: 30 in the boundary, 10 within 1.5 km of «Landsby», 60 far away.
    Landsby's growth = base × ((1 + r)^26 − 1) × 0.10, in addition to the place's own."""
    ug = gdf({"navn": ["K"]}, [sq(-1000, -1000, 1000, 1000)])
    af = zoning([(1110, 2, "felt", sq(0, 0, 100, 100)),
                 (1110, 2, "bygda", sq(10_000, 200, 10_050, 300))])
    sentrum = gdf({"navn": ["K", "Landsby"]}, [Point(X0, Y0), Point(X0 + 10_000, Y0)])
    bygning = gdf({"bygg_id": ["a", "b", "c"], "antall_boliger": [30, 10, 60]},
                  [Point(X0 + 10, Y0 + 10), Point(X0 + 10_500, Y0), Point(X0 + 30_000, Y0)])
    base = {"arealformal": af, "utviklingsgrense": ug, "sentrum": sentrum}
    share = share_for_need(15.0)
    r = analyse(base | {"bygning": bygning}, share=share)
    tv = r.tettsteder.set_index("sted")
    assert list(tv.index) == ["Landsby"]
    assert tv.at["Landsby", "boliger_i_dag"] == 10 and tv.at["Landsby", "andel"] == 0.1
    assert tv.at["Landsby", "vekst_personer"] == pytest.approx(growth(0.1))
    assert tv.at["Landsby", "arealbehov_daa"] == pytest.approx(growth(0.1) / 2 / 3)
    assert tv.at["Landsby", "reserve_daa"] == pytest.approx(5.0)
    # the named place's figures stay as they were (the villages come on top)
    assert r.steder.iloc[0].arealbehov_daa == pytest.approx(15.0)
    s = settings(villages=VillageSettings(1500.0, "ingen", 3.0, {"Landsby": 0.02}))
    tv2 = analyse(base | {"bygning": bygning}, s, share=share).tettsteder.set_index("sted")
    assert tv2.at["Landsby", "andel"] == 0.02 and tv2.at["Landsby", "andel_kilde"] == "konfigurasjon"


# ------------------------------------------------------------------ the demo against the source
@pytest.fixture(scope="module")
def demo():
    from geoplan import runs
    from geoplan.config import load_config
    from geoplan.io import load
    from geoplan.io.loader import DEFAULT_DATA
    cfg = load_config()
    ds = load(DEFAULT_DATA, config=cfg)
    return runs.reserves(ds, cfg)


def test_demo_balance_of_the_source_is_reproducible(demo):
    st = demo.steder.set_index("sted")
    # Boligplan l. 2360, 2388: 1361 persons to 2040 at 1.5 %, / 2 per dwelling / 3 per daa
    for place in ("Helgeroa", "Tjøllingvollen", "Kvelde"):
        assert st.at[place, "arealbehov_daa"] == pytest.approx(1361 / 2 / 3, abs=0.2)
    assert st.at["Kvelde", "boligreserve_daa"] == pytest.approx(605 + 15 + 3 + 9)   # l. 2444-2446
    assert st.at["Helgeroa", "boligreserve_daa"] == pytest.approx(23 + 6 + 27 + 25)  # l. 2417-2418
    assert st.at["Kvelde", "balanse_daa"] == pytest.approx(632 + 154 - 1361 / 6, abs=0.2)


def test_demo_kvelde_takeout_meets_its_surplus(demo):
    st = demo.steder.set_index("sted")
    surplus = 632 - st.at["Kvelde", "arealbehov_daa"]
    assert st.at["Kvelde", "overskudd_reserve_daa"] == pytest.approx(surplus)
    assert surplus - 0.4 <= st.at["Kvelde", "uttak_daa"] <= surplus + 1e-9   # within one cell
    t = demo.uttak[demo.uttak["sted"] == "Kvelde"]
    sb = t[t["navn"] == "Søndre Brattås"]
    assert set(sb["hva"]) == {"ikke aktuell del", "del av reserven"}
    assert "steinbrudd" in sb.loc[sb["hva"] == "ikke aktuell del", "grunn"].iat[0]
    assert demo.parseller.set_index("navn").at["Søndre Brattås", "utelatt_daa"] == \
        pytest.approx(sb.loc[sb["hva"] == "ikke aktuell del", "uttak_daa"].iat[0])


def test_demo_school_criterion_applies_to_the_avklaringsomrader(demo):
    st = demo.steder.set_index("sted")
    assert st["skolekriterium_gjelder"].to_dict() == {
        "Larvik by": False, "Stavern": False, "Helgeroa": True, "Tjøllingvollen": True,
        "Kvelde": True}
    assert not any(demo.utelatt.loc[demo.utelatt["sted"].isin(["Larvik by", "Stavern"]),
                                    "kriterium"] == "skolesirkel")
    assert math.isfinite(st.at["Helgeroa", "balanse_netto_daa"])


def test_the_review_uses_the_municipality_s_school_radius():
    """``runs.reserves`` and ``runs.prepare_reserves`` take the radius of the exclusion
    «utenfor skolesirkelen» from the municipality's ``schools.radius_m``, as the
    school analysis does. An innspill at 900..1100 m east of Kvelde's school, 10 m
    high (2 daa): inside a 1.5 km circle, half (1 daa, to the curvature's 0.05 m)
    outside a 1 km one."""
    from geoplan import runs
    from geoplan.config import load_config
    from geoplan.io.dataset import Dataset
    from geoplan.runs.reserves import school_radius

    ds = Dataset.from_frames({
        "utviklingsgrense": gdf({"navn": ["Kvelde"]}, [sq(-3000, -3000, 3000, 3000)]),
        "arealformal": zoning([(1110, 1, "bygd", sq(-10, -10, 10, 10))]),
        "skole": gdf({"navn": ["K skole"], "sted": ["Kvelde"]}, [Point(X0, Y0)]),
        "innspill": gdf({"navn": ["kant"], "sted": ["Kvelde"]}, [sq(900, -5, 1100, 5)]),
    })
    cfg = load_config()
    for radius, outside in ((1500.0, 0.0), (1000.0, 1.0)):
        c = cfg.with_overrides({"schools.radius_m": radius})
        assert school_radius(c) == radius
        for prepared in (None, runs.prepare_reserves(ds, c)):
            p = runs.reserves(ds, c, year=2040, rate=0.015, prepared=prepared).parseller
            p = p.set_index("navn")
            assert p.at["kant", "utelatt_daa"] == pytest.approx(outside, abs=0.01), radius
