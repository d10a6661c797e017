"""Concentration of municipal dwellings: every expected number is worked out here
from the formulas on small hand-made geometries (five 1 km squares in a row)."""

from __future__ import annotations

import json
import math

import geopandas as gpd
import numpy as np
import pytest
import shapely

from geoplan.analysis import concentration as C
from geoplan.errors import ConfigError, DataProblem

CRS = 25832
# five grunnkretser, 1 km squares in a row: A B C D E
T = {"01": 100, "02": 200, "03": 50, "04": 400, "05": 250}
GK_IDS = list(T)


def make_gk(dw=None):
    dw = dw or T
    return gpd.GeoDataFrame(
        {"grunnkretsnummer": GK_IDS, "antall_boliger": [dw[g] for g in GK_IDS],
         "grunnkretsnavn": [f"Krets {g}" for g in GK_IDS]},
        geometry=[shapely.box(i * 1000, 0, (i + 1) * 1000, 1000) for i in range(5)], crs=CRS)


# (x, y, units, kategori, bygg_id)
POINTS = [
    (200, 500, 6, "utleie", "b1"),
    (300, 500, 4, "housing_first", "b1"),
    (1500, 500, 30, "utleie", "b2"),
    (2500, 500, 20, "flyktning", None),     # matched to b3 by location (inside the polygon)
    (3500, 500, 8, "utleie", "b4"),
    (4500, 500, 9, "omsorgsbolig", "b5"),
    (4800, 900, 3, "housing_first", "b6"),
]
# municipal units per grunnkrets, by hand from POINTS
M = {"01": 10, "02": 30, "03": 20, "04": 8, "05": 12}


def make_dwellings(points=POINTS):
    return gpd.GeoDataFrame(
        {"antall_enheter": [p[2] for p in points], "kategori": [p[3] for p in points],
         "bygg_id": [p[4] for p in points], "adresse": [f"Hemmelig vei {i}" for i in range(len(points))]},
        geometry=shapely.points([(p[0], p[1]) for p in points]), crs=CRS)


def make_buildings():
    return gpd.GeoDataFrame(
        {"bygg_id": ["b1", "b2", "b3", "b4", "b5", "b6", "b7"],
         "antall_boliger": [40, 60, 30, 20, 100, 10, 500],
         "borettslag": ["Brl A", "Brl A", None, None, None, None, None]},
        geometry=[shapely.box(150, 450, 350, 550), shapely.Point(1500, 500),
                  shapely.box(2450, 450, 2550, 550), shapely.Point(3500, 500),
                  shapely.Point(4500, 500), shapely.Point(4800, 900), shapely.Point(200, 800)],
        crs=CRS)


@pytest.fixture(scope="module")
def model():
    return C.ConcentrationModel(make_dwellings(), make_gk(), make_buildings(), radius_m=500)


@pytest.fixture(scope="module")
def result(model):
    return model.result(permutations=99, seed=1)


def by_gk(df, col):
    return dict(zip(df["grunnkretsnummer"], df[col]))


# ---------------------------------------------------------------------------
# shares, quotients, indices worked out from the formulas
# ---------------------------------------------------------------------------

def test_grunnkrets_counts_shares_and_location_quotients(result):
    g = result.grunnkretser
    Mt, Tt = sum(M.values()), sum(T.values())
    for gid in GK_IDS:
        row = g[g.grunnkretsnummer == gid].iloc[0]
        assert row.kommunale_enheter == M[gid]
        assert row.antall_boliger == T[gid]
        assert row.andel_pct == pytest.approx(100 * M[gid] / T[gid])
        assert row.lokaliseringskvotient == pytest.approx((M[gid] / T[gid]) / (Mt / Tt))
    over = by_gk(g, "over_terskel")
    # 10 % / LQ 2 / HF 20 %: 02 is 15 % (> 10), 03 is 40 %; 01 is exactly 10 % (not over)
    assert over["02"] and over["03"]
    assert not over["01"] and not over["04"] and not over["05"]
    assert result.indekser["kommunal_andel_pct"] == pytest.approx(100 * Mt / Tt)


def test_per_kategori_shares_and_quotients(result):
    k = result.kategorier
    Tt = sum(T.values())
    hf = k[k.kategori == "housing_first"].set_index("grunnkretsnummer")
    M_hf = 4 + 3
    assert hf.loc["01", "kommunale_enheter"] == 4
    assert hf.loc["05", "kommunale_enheter"] == 3
    assert hf.loc["01", "andel_pct"] == pytest.approx(100 * 4 / 100)
    assert hf.loc["05", "lokaliseringskvotient"] == pytest.approx((3 / 250) / (M_hf / Tt))
    assert hf.loc["02", "kommunale_enheter"] == 0
    # the categories add up to the grunnkrets total
    tot = k.groupby("grunnkretsnummer")["kommunale_enheter"].sum()
    assert {g: int(tot[g]) for g in GK_IDS} == M


def _hand_indices():
    m = np.array([M[g] for g in GK_IDS], float)
    t = np.array([T[g] for g in GK_IDS], float)
    o = t - m
    D = 0.5 * sum(abs(m[i] / m.sum() - o[i] / o.sum()) for i in range(5))
    xPx = sum((m[i] / m.sum()) * (m[i] / t[i]) for i in range(5))
    p = m / t
    # Queen on squares in a row: i ~ i±1; both directions
    pairs = [(i, i + 1) for i in range(4)] + [(i + 1, i) for i in range(4)]
    SD = D - sum(abs(p[i] - p[j]) for i, j in pairs) / len(pairs)
    return D, xPx, SD


def test_dissimilarity_isolation_and_spatial_index_by_hand(result, model):
    D, xPx, SD = _hand_indices()
    idx = result.indekser
    assert idx["dissimilaritet"] == pytest.approx(D)
    assert idx["isolasjon"] == pytest.approx(xPx)
    assert idx["romlig_dissimilaritet"] == pytest.approx(SD)
    fast = model.fast_indices()  # the numpy twins used by the what-if
    assert fast["dissimilaritet"] == pytest.approx(D)
    assert fast["isolasjon"] == pytest.approx(xPx)
    assert fast["romlig_dissimilaritet"] == pytest.approx(SD)


def test_numpy_indices_edge_cases():
    assert math.isnan(C.dissimilarity([0, 0], [10, 10]))          # no municipal units
    assert C.dissimilarity([10, 0], [10, 10]) == pytest.approx(1.0)  # complete separation
    assert C.dissimilarity([1, 2], [10, 20]) == pytest.approx(0.0)   # even
    assert C.isolation([5, 0], [5, 0]) == pytest.approx(1.0)


# ---------------------------------------------------------------------------
# buildings and radius
# ---------------------------------------------------------------------------

def test_buildings_matched_by_id_and_location_and_flagged(result):
    b = result.bygninger.set_index("bygg_id")
    assert b.loc["b1", "kommunale_enheter"] == 10 and b.loc["b1", "kobling"] == "bygg_id"
    assert b.loc["b1", "andel_pct"] == pytest.approx(100 * 10 / 40)
    assert b.loc["b1", "housing_first_andel_pct"] == pytest.approx(100 * 4 / 40)
    assert not b.loc["b1", "over_hf_terskel"]
    assert b.loc["b3", "kobling"] == "innenfor" and b.loc["b3", "kommunale_enheter"] == 20
    # b6: 3 Housing First units of 10 dwellings = 30 % > 20 %
    assert b.loc["b6", "housing_first_andel_pct"] == pytest.approx(30.0)
    assert b.loc["b6", "over_hf_terskel"]
    # count rule: more than 10 units
    assert b.loc["b2", "over_antall_terskel"] and not b.loc["b1", "over_antall_terskel"]
    # mixed-project rule 15 %: b5 9/100 = 9 % is under
    assert not b.loc["b5", "over_andel_terskel"] and b.loc["b4", "over_andel_terskel"]
    assert "b7" not in b.index  # no municipal units
    brl = result.borettslag.set_index("borettslag")
    assert brl.loc["Brl A", "kommunale_enheter"] == 40 and brl.loc["Brl A", "antall_boliger"] == 100


def test_radius_counts_include_points_exactly_at_the_radius():
    # centre, one at 3-4-5 distance exactly 500 m, one just beyond
    pts = [(2000, 2000, 2, "utleie", None), (2300, 2400, 3, "utleie", None),
           (2000, 2500.5, 7, "housing_first", None)]
    gk = gpd.GeoDataFrame({"grunnkretsnummer": ["1"], "antall_boliger": [1000]},
                          geometry=[shapely.box(0, 0, 5000, 5000)], crs=CRS)
    bygg = gpd.GeoDataFrame({"bygg_id": ["x", "y"], "antall_boliger": [40, 60]},
                            geometry=[shapely.Point(2000, 2100), shapely.Point(2000, 2600)], crs=CRS)
    m = C.ConcentrationModel(make_dwellings(pts), gk, bygg, radius_m=500)
    r = m.radius_table()
    assert math.hypot(300, 400) == 500
    # centre: itself + the point at exactly 500 m (not the one at 500.5 m); 2nd: all three
    # (316 m to the 3rd); 3rd: itself + the 2nd
    assert math.hypot(300, 100.5) < 500
    assert list(r["enheter_innen_radius"]) == [2 + 3, 2 + 3 + 7, 3 + 7]
    # dwellings whose building lies within 500 m: centre sees x (100 m) only; the 2nd sees x (424 m)
    # and y (361 m); the 3rd sees x (400.5 m) and y (99.5 m)
    assert list(r["boliger_innen_radius"]) == [40, 40 + 60, 40 + 60]
    assert r["andel_innen_radius_pct"].iloc[0] == pytest.approx(100 * 5 / 40)
    assert r["housing_first_andel_innen_radius_pct"].iloc[2] == pytest.approx(100 * 7 / 100)


# ---------------------------------------------------------------------------
# data errors: reported, never divided by
# ---------------------------------------------------------------------------

def test_data_errors_reported_not_divided_by():
    dw = dict(T, **{"03": 0, "04": 5})  # 03: no dwellings but 20 units; 04: 8 units > 5 dwellings
    pts = POINTS + [(9000, 500, 2, "utleie", None), (3500, 500, 8, "utleie", "b4")]  # outside; duplicate
    m = C.ConcentrationModel(make_dwellings(pts), make_gk(dw), make_buildings())
    res = m.result(permutations=0)
    g = res.grunnkretser.set_index("grunnkretsnummer")
    assert math.isnan(g.loc["03", "andel_pct"]) and math.isnan(g.loc["04", "andel_pct"])
    assert g.loc["03", "over_terskel"] is pd_NA() and g.loc["04", "merknad"]
    kinds = {p["type"]: p for p in res.datafeil}
    assert {"flere_enheter_enn_boliger", "duplikat", "utenfor_grunnkrets"} <= set(kinds)
    assert kinds["duplikat"]["antall"] == 2
    assert kinds["utenfor_grunnkrets"]["enheter"] == 2
    assert list(res.utenfor["antall_enheter"]) == [2]
    # indices use only the valid grunnkretser (04 had 8 + 8 duplicate units > 5 dwellings)
    assert set(res.indekser["utelatte_grunnkretser"]) == {"03", "04"}
    valid = ["01", "02", "05"]
    mm = np.array([M[v] for v in valid], float)
    tt = np.array([T[v] for v in valid], float)
    D = 0.5 * np.abs(mm / mm.sum() - (tt - mm) / (tt - mm).sum()).sum()
    assert res.indekser["dissimilaritet"] == pytest.approx(D)
    # municipal share for LQ is over the valid grunnkretser
    assert g.loc["02", "lokaliseringskvotient"] == pytest.approx((30 / 200) / (mm.sum() / tt.sum()))
    # no dwellings and no units
    dw0 = dict(T, **{"03": 0})
    pts0 = [p for p in POINTS if p[3] != "flyktning"]
    r0 = C.ConcentrationModel(make_dwellings(pts0), make_gk(dw0)).result(permutations=0)
    assert "ingen_boliger" in {p["type"] for p in r0.datafeil}


def pd_NA():
    import pandas as pd
    return pd.NA


def test_geographic_crs_and_bad_units_are_refused():
    d = make_dwellings().to_crs(4326)
    with pytest.raises(DataProblem, match="geografisk"):
        C.ConcentrationModel(d, make_gk().to_crs(4326))
    bad = make_dwellings()
    bad.loc[2, "antall_enheter"] = 0
    with pytest.raises(DataProblem, match="antall_enheter"):
        C.ConcentrationModel(bad, make_gk())
    with pytest.raises(DataProblem, match="koordinatsystem"):
        C.ConcentrationModel(make_dwellings(), make_gk().to_crs(25833))


# ---------------------------------------------------------------------------
# suppression
# ---------------------------------------------------------------------------

def test_public_suppresses_small_counts_and_what_depends_on_them(result):
    pub = C.suppress(result, 5)
    g = pub.grunnkretser.set_index("grunnkretsnummer")
    assert g.loc["02", "kommunale_enheter"] == 30          # shown
    assert g.loc["02", "andel_pct"] == pytest.approx(15.0)
    k = pub.kategorier.set_index(["grunnkretsnummer", "kategori"])
    # 01: utleie 6, HF 4 → HF hidden (4 < 5), and utleie too (else 10 − 6 = 4 gives it away)
    assert k.loc[("01", "housing_first"), "kommunale_enheter"] is pd_NA()
    assert math.isnan(k.loc[("01", "housing_first"), "andel_pct"])
    assert k.loc[("01", "utleie"), "kommunale_enheter"] is pd_NA()
    assert k.loc[("02", "utleie"), "kommunale_enheter"] == 30
    assert k.loc[("02", "flyktning"), "kommunale_enheter"] == 0  # zero reveals nobody
    # buildings only as totals: no building id or borettslag name in public output
    assert len(pub.bygninger) == 1
    assert "bygg_id" not in pub.bygninger.columns and "borettslag" not in pub.bygninger.columns
    assert pub.bygninger.iloc[0]["bygninger_med_kommunale_enheter"] == len(result.bygninger)
    # no total of units over buildings: it would be one more margin of the hidden cells
    assert "kommunale_enheter" not in pub.bygninger.columns
    assert "borettslag" not in pub.borettslag.columns
    assert pub.prikking["minste_antall"] == 5 and "prikket" in pub.prikking["merknad"]
    d = C.as_dict(pub)
    text = json.dumps(d, ensure_ascii=False, default=str)
    assert "Hemmelig vei" not in text and "adresse" not in text
    assert "punkt_nr" not in text  # no per-point lists in public output
    assert d["grunnkretser"][0]["kategorier"]["housing_first"]["kommunale_enheter"] is None
    # zero suppressed too when asked
    z = C.suppress(result, 5, suppress_zero=True).kategorier.set_index(["grunnkretsnummer", "kategori"])
    assert z.loc[("02", "flyktning"), "kommunale_enheter"] is pd_NA()


@pytest.mark.parametrize("bad", [0, -1, 0.5, None, "fem"])
def test_min_count_below_one_is_an_error(result, bad):
    with pytest.raises(ConfigError):
        C.suppress(result, bad)


def test_suppression_lives_in_the_privacy_module():
    """The concentration package re-exports the one disclosure-control module."""
    from geoplan import privacy
    assert C.suppress is privacy.suppress
    assert C.suppress_what_if is privacy.suppress_what_if
    assert C.validate_min_count is privacy.validate_min_count


def test_settings_come_from_the_shipped_toml_with_overrides():
    from geoplan.config import Config, default_config
    from geoplan.config.concentration import ConcentrationSettings
    shipped = ConcentrationSettings.from_config()
    cfg = default_config()
    assert shipped.radius_m == cfg.get("concentration.radius_m")
    assert shipped.thresholds.grunnkrets_andel_pct == cfg.get("concentration.grunnkrets_andel_pct")
    assert shipped.min_count == cfg.get("kommune.min_count_public")
    assert shipped.permutations == cfg.get("concentration.klynge_permutasjoner")
    # a folder with only what it changes: the rest from the shipped defaults
    part = ConcentrationSettings.from_config(Config({"concentration": {"radius_m": {"value": 250.0}}}))
    assert part.radius_m == 250.0 and part.thresholds == shipped.thresholds
    assert part.min_count == shipped.min_count
    # the old dict, for callers not yet moved
    old = C.settings_from_config(cfg)
    assert set(old) == {"thresholds", "radius_m", "match_distance_m", "permutations", "alpha", "seed",
                        "neighbours", "knn_k", "cell_size_m", "bandwidth_m", "new_dwellings",
                        "suppress_zero", "min_count", "project_dwellings"}
    assert old["radius_m"] == shipped.radius_m and old["thresholds"] == shipped.thresholds
    assert shipped.with_radius(300).radius_m == 300.0
    with pytest.raises(ConfigError):
        shipped.with_radius(0)


@pytest.mark.parametrize("key, value", [
    ("concentration.radius_m", 0.0), ("concentration.klynge_signifikans", 1.5),
    ("concentration.klynge_permutasjoner", -1), ("concentration.grunnkrets_andel_pct", -2.0),
    ("concentration.tetthet_cellestorrelse_m", 0.0), ("kommune.min_count_public", 0),
])
def test_invalid_settings_are_config_errors(key, value):
    from geoplan.config import default_config
    from geoplan.config.concentration import ConcentrationSettings
    with pytest.raises(ConfigError):
        ConcentrationSettings.from_config(default_config().with_overrides({key: value}))


def test_a_model_without_parameters_uses_the_shipped_settings():
    from geoplan.config.concentration import ConcentrationSettings
    st = ConcentrationSettings.from_config()
    m = C.ConcentrationModel(make_dwellings(), make_gk(), make_buildings())
    assert m.radius_m == st.radius_m and m.thresholds == st.thresholds
    assert m.match_distance_m == st.match_distance_m
    res = m.result(permutations=0)
    assert res.parametere["klynge_seed"] == st.seed and res.parametere["klynge_naboer"] == st.neighbours


def test_internal_output_never_has_addresses(result):
    text = json.dumps(C.as_dict(result), ensure_ascii=False, default=str)
    assert "Hemmelig vei" not in text


# ---------------------------------------------------------------------------
# what-if
# ---------------------------------------------------------------------------

def test_purchase_effect_delta_by_hand(model, result):
    N = 5
    eff = model.purchase_effect((1600, 500), N, "housing_first")
    g = eff["grunnkrets"]
    Mt, Tt = sum(M.values()), sum(T.values())
    assert g["grunnkretsnummer"] == "02"
    assert g["for"]["andel_pct"] == pytest.approx(100 * 30 / 200)
    assert g["etter"]["andel_pct"] == pytest.approx(100 * (30 + N) / 200)
    assert g["etter"]["lokaliseringskvotient"] == pytest.approx(((30 + N) / 200) / ((Mt + N) / Tt))
    assert g["endring_prosentpoeng"] == pytest.approx(100 * N / 200)
    assert g["etter"]["housing_first_andel_pct"] == pytest.approx(100 * N / 200)
    # indices after, from the formula
    m = np.array([M[x] for x in GK_IDS], float)
    m[1] += N
    t = np.array([T[x] for x in GK_IDS], float)
    D = 0.5 * np.abs(m / m.sum() - (t - m) / (t - m).sum()).sum()
    assert eff["indekser"]["etter"]["dissimilaritet"] == pytest.approx(D)
    assert eff["indekser"]["etter"]["isolasjon"] == pytest.approx(((m / m.sum()) * (m / t)).sum())
    # radius: only the 30 units at (1500, 500) lie within 500 m of (1600, 500)
    assert eff["radius"]["for"]["enheter_innen_radius"] == 30
    assert eff["radius"]["etter"]["enheter_innen_radius"] == 30 + N
    assert eff["bygning"] is None  # b2 is a point 100 m away (> 5 m)
    # a purchase in building b1 (polygon)
    e1 = model.purchase_effect((250, 480), 2)
    assert e1["bygning"]["bygg_id"] == "b1"
    assert e1["bygning"]["etter"]["andel_pct"] == pytest.approx(100 * 12 / 40)
    # new dwellings: the denominator grows too
    e2 = model.purchase_effect((250, 480), 2, new_dwellings=True)
    assert e2["grunnkrets"]["etter"]["andel_pct"] == pytest.approx(100 * 12 / 102)
    assert e2["bygning"]["etter"]["andel_pct"] == pytest.approx(100 * 12 / 42)


def test_purchase_effect_agrees_with_full_recomputation(model, result):
    hv, after = C.what_if(model, result, (250, 480), 7, "housing_first", permutations=0)
    g = after.grunnkretser.set_index("grunnkretsnummer")
    assert hv["grunnkrets"]["etter"]["andel_pct"] == pytest.approx(g.loc["01", "andel_pct"])
    assert hv["grunnkrets"]["etter"]["lokaliseringskvotient"] == pytest.approx(g.loc["01", "lokaliseringskvotient"])
    b = after.bygninger.set_index("bygg_id")
    assert hv["bygning"]["etter"]["kommunale_enheter"] == b.loc["b1", "kommunale_enheter"] == 17
    # 4 + 7 Housing First of 40 dwellings = 27.5 % > 20 %: b1 newly over a threshold
    assert b.loc["b1", "over_hf_terskel"]
    assert "b1" in hv["nye_over_terskel"]["bygninger"]
    r = after.radius
    new_row = r.iloc[-1]
    assert new_row["enheter_innen_radius"] == hv["radius"]["etter"]["enheter_innen_radius"] == 6 + 4 + 7
    fast = model.purchase_effect((250, 480), 7, "housing_first")["indekser"]["etter"]
    for k in ("dissimilaritet", "isolasjon", "romlig_dissimilaritet"):
        assert fast[k] == pytest.approx(hv["indekser"]["etter"][k])


def test_purchase_outside_and_invalid_units(model):
    e = model.purchase_effect((9000, 500), 3)
    assert e["grunnkrets"] is None and e["advarsler"]
    with pytest.raises(DataProblem):
        model.purchase_effect((1000, 500), 0)


def test_purchase_effect_is_fast_with_a_prepared_model(model):
    import time

    model.purchase_effect((1600, 500), 1)
    t0 = time.perf_counter()
    for i in range(50):
        model.purchase_effect((100 + 90 * i, 500), 2)
    per_call = (time.perf_counter() - t0) / 50
    assert per_call < 0.02  # a few ms at most, even on a busy machine


def test_suppress_what_if():
    hv = {"grunnkrets": {"for": {"kommunale_enheter": 3, "andel_pct": 1.5, "over_terskel": False},
                         "etter": {"kommunale_enheter": 8, "andel_pct": 4.0, "over_terskel": False},
                         "endring_prosentpoeng": 2.5}}
    s = C.suppress_what_if(hv, 5)
    assert s["grunnkrets"]["for"]["kommunale_enheter"] is None and s["grunnkrets"]["for"]["andel_pct"] is None
    # after − 5 bought = before: the after count goes with the hidden before count
    assert s["grunnkrets"]["etter"]["kommunale_enheter"] is None
    assert s["grunnkrets"]["etter"]["andel_pct"] is None
    assert s["grunnkrets"]["endring_prosentpoeng"] is None
    both = {"grunnkrets": {"for": {"kommunale_enheter": 6, "andel_pct": 3.0},
                           "etter": {"kommunale_enheter": 8, "andel_pct": 4.0}}}
    assert C.suppress_what_if(both, 5)["grunnkrets"]["etter"]["kommunale_enheter"] == 8


# ---------------------------------------------------------------------------
# clusters and density
# ---------------------------------------------------------------------------

def _grid(n=7):
    return gpd.GeoDataFrame(geometry=[shapely.box(c * 100, r * 100, c * 100 + 100, r * 100 + 100)
                                      for r in range(n) for c in range(n)], crs=CRS)


def test_gi_star_statistic_by_hand_and_a_clear_hot_spot():
    g = _grid(7)
    y = np.ones(49)
    hot = [r * 7 + c for r in (2, 3, 4) for c in (2, 3, 4)]
    y[hot] = 10.0
    w = C.grunnkrets_weights(g, "queen")
    res = C.gi_star(y, w, permutations=999, seed=3)
    centre = 3 * 7 + 3
    # Gi* = sum over the 3x3 Queen block incl. itself / total
    assert res.gi[centre] == pytest.approx(90 / y.sum())
    corner = 0  # neighbours 1, 7, 8 and itself
    assert res.gi[corner] == pytest.approx(4 / y.sum())
    assert res.klynge[centre] == C.HOT
    assert res.p_verdi[centre] == pytest.approx(1 / 1000)  # no permutation beats the observed block
    assert res.gi_z[centre] > 3
    assert (res.klynge[[0, 6, 42, 48]] != C.HOT).all()
    again = C.gi_star(y, w, permutations=999, seed=3)
    assert np.array_equal(res.p_verdi, again.p_verdi)  # the seed makes it reproducible


@pytest.mark.slow
def test_gi_star_pvalues_match_esda_permutations():
    import esda

    rng = np.random.default_rng(5)
    g = _grid(10)
    y = rng.gamma(2.0, 2.0, 100)
    y[:12] += 6
    w = C.grunnkrets_weights(g, "queen")
    ours = C.gi_star(y, w, permutations=999, seed=1)
    wb = C._binary_copy(w)
    ref = esda.G_Local(y, wb, transform="B", star=True, permutations=999, seed=1, n_jobs=1)
    np.testing.assert_allclose(ours.gi, ref.Gs)
    np.testing.assert_allclose(ours.gi_z, ref.Zs)
    # different random draws: agree within Monte Carlo error
    assert np.max(np.abs(ours.p_verdi - ref.p_sim)) < 0.06


def test_islands_are_joined_to_their_nearest_grunnkrets():
    g = _grid(3)
    g = gpd.GeoDataFrame(geometry=list(g.geometry) + [shapely.box(5000, 5000, 5100, 5100)], crs=CRS)
    w = C.grunnkrets_weights(g, "queen")
    assert not w.islands and len(w.neighbors[9]) == 1


def test_density_surface_keeps_mass_and_peaks_at_the_kernel_value():
    d = make_dwellings([(1025, 1025, 4, "utleie", None), (3025, 3025, 6, "utleie", None)])
    h, c = 300.0, 10.0
    s = C.density_surface(d, cell_size_m=c, bandwidth_m=h)
    assert s.array.sum() * (c * c) / 1e6 == pytest.approx(10, rel=1e-5)
    # the quartic kernel at the centre: 3 / (π h²) per m² per unit, in units per km²
    peak = 6 * 3 / (math.pi * h * h) * 1e6
    assert s.array.max() == pytest.approx(peak, rel=0.02)
    row, col = np.unravel_index(np.argmax(s.array), s.array.shape)
    x = s.transform.c + (col + 0.5) * c
    y = s.transform.f - (row + 0.5) * c
    assert (x, y) == pytest.approx((3025, 3025))
    # public: fewer than 5 units within the bandwidth → 0 (the lone 4-unit point vanishes)
    p = C.density_surface(d, cell_size_m=c, bandwidth_m=h, min_count=5)
    r1, c1 = int((s.transform.f - 1025) // c), int((1025 - s.transform.c) // c)
    assert s.array[r1, c1] > 0 and p.array[r1, c1] == 0
    assert p.array.max() == pytest.approx(s.array.max())


# ---------------------------------------------------------------------------
# command line
# ---------------------------------------------------------------------------

X0, Y0 = 560_000, 6_540_000  # the loader checks that coordinates lie in Norway


def _moved(gdf):
    gdf = gdf.copy()
    gdf.geometry = gdf.geometry.translate(X0, Y0)
    return gdf


@pytest.fixture()
def gpkg(tmp_path):
    path = tmp_path / "kommune.gpkg"
    _moved(make_gk()).to_file(path, layer="grunnkrets", driver="GPKG")
    _moved(make_dwellings()).to_file(path, layer="kommunal_bolig", driver="GPKG")
    _moved(make_buildings()).to_file(path, layer="bygning", driver="GPKG")
    return path


def _run(capsys, *argv):
    from geoplan.present.cli.main import main
    try:
        code = main(["concentration", *map(str, argv)])
    except SystemExit as e:  # argparse usage errors exit directly
        code = e.code
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_json_keys_and_values(gpkg, capsys):
    code, out, err = _run(capsys, gpkg, "--json", "--set", "concentration.klynge_permutasjoner=99")
    assert code == 0, err
    d = json.loads(out)
    for key in ("grunnkretser", "bygninger", "indekser", "klynger", "utenfor"):
        assert key in d
    g = {r["grunnkretsnummer"]: r for r in d["grunnkretser"]}
    for gid in GK_IDS:
        assert {"grunnkretsnummer", "kommunale_enheter", "antall_boliger", "andel_pct",
                "lokaliseringskvotient", "over_terskel"} <= set(g[gid])
        assert g[gid]["kommunale_enheter"] == M[gid]
    D, xPx, SD = _hand_indices()
    assert d["indekser"]["dissimilaritet"] == pytest.approx(D)
    assert d["indekser"]["isolasjon"] == pytest.approx(xPx)
    assert "Hemmelig vei" not in out


def test_cli_what_if_public_and_raster(gpkg, capsys, tmp_path):
    tif = tmp_path / "tetthet.tif"
    code, out, err = _run(capsys, gpkg, "--json", "--public", "--add", f"{X0 + 1600},{Y0 + 500},5",
                          "--kategori", "housing_first", "--radius", "400", "--out-raster", tif)
    assert code == 0, err
    d = json.loads(out)
    hv = d["hva_hvis"]
    assert hv["grunnkrets"]["etter"]["andel_pct"] == pytest.approx(100 * 35 / 200)
    assert hv["radius"]["radius_m"] == 400
    assert d["prikking"]["minste_antall"] == 5
    assert tif.exists()
    import rasterio

    with rasterio.open(tif) as r:
        assert r.crs.to_epsg() == CRS
    code, out, err = _run(capsys, gpkg)  # human output in Norwegian
    assert code == 0 and "Grunnkretser" in out and "dissimilaritet" in out


def test_cli_bad_options(gpkg, capsys):
    code, out, err = _run(capsys, gpkg, "--add", "1,2")
    assert code == 2 and "X,Y,N" in err
    code, out, err = _run(capsys, gpkg, "--kategori", "utleie")
    assert code == 2 and "--add" in err
    code, out, err = _run(capsys, gpkg, "--public", "--set", "kommune.min_count_public=0")
    assert code == 2 and "min_count_public" in err and "Traceback" not in err


def test_reasons_and_warnings_write_decimals_the_norwegian_way():
    """A municipality's thresholds may have decimals (12,5 %, 7,5 m): the sentences that
    name them use the decimal comma, as every other number geoplan writes."""
    import dataclasses

    from geoplan.analysis.concentration.whatif_batch import purchase_effects

    th = dataclasses.replace(C.ConcentrationSettings.from_config().thresholds,
                             grunnkrets_andel_pct=12.5, lokaliseringskvotient_maks=1.75)
    m = C.ConcentrationModel(make_dwellings(), make_gk(), make_buildings(), radius_m=500,
                             thresholds=th, match_distance_m=7.5)
    g = m.result(permutations=0).grunnkretser
    why = " ".join(str(v) for v in g["begrunnelse"] if isinstance(v, str))
    assert "andel over 12,5 %" in why and "12.5" not in why
    assert "lokaliseringskvotient over 1,75" in why
    far = np.array([[g.geometry.total_bounds[0] + 1.0, g.geometry.total_bounds[1] + 1.0]])
    effs, _gk = purchase_effects(m, far, np.array([1]))
    assert any("innenfor 7,5 m" in w for w in effs[0]["advarsler"]), effs[0]["advarsler"]
