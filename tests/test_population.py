"""Population by age, suppressed cells, housing need and walking access (issue 18).

Every expected figure is computed by hand here or by another library (networkx).
"""

from __future__ import annotations

import json

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely

from geoplan.analysis.network import add_points, build_network, snap_points, target_distances
from geoplan.analysis.population.access import nearest_service, path_max
from geoplan.analysis.population.ages import grunnkrets_ages, regroup, split_matrix
from geoplan.analysis.population.distribute import distribute
from geoplan.analysis.population.need import housing_need, persons_per_horizon
from geoplan.config.population import PopulationSettings
from geoplan.errors import DataProblem, UnreadableInput
from geoplan.io.ssb import age_columns, read_projection
from geoplan.privacy import suppress_place_counts

NAN = float("nan")


def _jsonstat(values, *, framskriv: bool = False) -> dict:
    """Region 1 × Kjonn 2 × Alder 3 (79, 80, 105+) × variants 2 × Tid 2, as 14288 lays it out."""
    dims = {
        "Region": {"label": "region", "category": {"index": {"3909": 0}, "label": {"3909": "Larvik"}}},
        "Kjonn": {"label": "kjønn", "category": {"index": {"1": 0, "2": 1},
                                                 "label": {"1": "Menn", "2": "Kvinner"}}},
        "Alder": {"label": "alder", "category": {"index": {"079": 0, "080": 1, "105": 2},
                                                 "label": {"079": "79 år", "080": "80 år",
                                                           "105": "105 år eller eldre"}}},
        "ContentsCode": {"label": "statistikkvariabel", "category": {
            "index": {"Personer": 0, "Personer1": 1},
            "label": {"Personer": "Hovedalternativet (MMMM)", "Personer1": "Lav nasjonal vekst (LLML)"}}},
        "Tid": {"label": "år", "category": {"index": {"2024": 0, "2030": 1}}},
    }
    ids = ["Region", "Kjonn", "Alder", "ContentsCode", "Tid"]
    if framskriv:
        dims["Framskriv"] = dims.pop("ContentsCode")
        dims["Framskriv"]["label"] = "alternativ"
        dims["ContentsCode"] = {"label": "statistikkvariabel",
                                "category": {"index": {"Folkemengde": 0}, "label": {"Folkemengde": "Personer"}}}
        ids = ["Region", "Kjonn", "Alder", "Framskriv", "ContentsCode", "Tid"]
    return {"version": "2.0", "class": "dataset", "label": "14288: Framskrevet folkemengde",
            "id": ids, "size": [1, 2, 3, 2, *([1] if framskriv else []), 2],
            "dimension": dims, "value": values}


def test_jsonstat2_projection_hand_sums(tmp_path):
    vals = list(range(1, 25))              # sex, age, variant, year in row-major order
    # flat index = sex*12 + age*4 + variant*2 + year; (men, 80, LLML, 2030) = 7 has no figure
    vals[7] = None
    p = tmp_path / "14288.json"
    p.write_text(json.dumps(_jsonstat(vals)), encoding="utf-8")
    proj = read_projection(p)
    assert proj.variants == {"MMMM": "Hovedalternativet (MMMM)", "LLML": "Lav nasjonal vekst (LLML)"}
    assert proj.years == [2024, 2030] and proj.regions == ["3909"]
    t = proj.by_age()
    # MMMM 2024 age 79: men value index 0 (=1) + women index 12 (=13)
    row = t[(t.variant == "MMMM") & (t.aar == 2024) & (t.alder_fra == 79)]
    assert float(row.personer.iloc[0]) == 1 + 13
    # LLML 2030 age 80: men missing, women at index 12 + 7 = 19 -> value 20
    row = t[(t.variant == "LLML") & (t.aar == 2030) & (t.alder_fra == 80)]
    assert float(row.personer.iloc[0]) == 20
    top = t[t.alder_fra == 105]
    assert top.alder_til.isna().all()
    assert any("ingen verdi" in n for n in proj.notes)


def test_jsonstat2_with_separate_framskriv_dimension(tmp_path):
    p = tmp_path / "08825.json"
    p.write_text(json.dumps(_jsonstat(list(range(1, 25)), framskriv=True)), encoding="utf-8")
    proj = read_projection(p)
    assert set(proj.table.variant) == {"MMMM", "LLML"}


def test_statbank_csv_wide_cp1252_with_missing(tmp_path):
    text = ('"14288: Framskrevet folkemengde 1. januar, etter region, kjønn, alder, år og statistikkvariabel"\n\n'
            '"region";"kjønn";"alder";"Hovedalternativet (MMMM) 2024";"Hovedalternativet (MMMM) 2030";'
            '"Høy nasjonal vekst (HHMH) 2030"\n'
            '"3909 Larvik";"Menn";"80 år";"1 200";"1 300";"1 350"\n'
            '"3909 Larvik";"Kvinner";"80 år";"1 400";"..";"1 500"\n'
            '"3909 Larvik";"Menn";"105 år eller eldre";"2";"3";"4"\n')
    p = tmp_path / "14288.csv"
    p.write_bytes(text.encode("cp1252"))
    proj = read_projection(p)
    t = proj.by_age()
    assert set(t.variant) == {"MMMM", "HHMH"}
    m30 = t[(t.variant == "MMMM") & (t.aar == 2030) & (t.alder_fra == 80)]
    assert float(m30.personer.iloc[0]) == 1300      # «..» is unknown, not 0 and not dropped silently
    h30 = t[(t.variant == "HHMH") & (t.aar == 2030) & (t.alder_fra == 80)]
    assert float(h30.personer.iloc[0]) == 2850
    assert proj.notes


def test_statbank_csv_long_layout(tmp_path):
    text = ("region,kjønn,alder,år,statistikkvariabel,value\n"
            "3909 Larvik,Menn,67 år,2024,Hovedalternativet (MMMM),100\n"
            "3909 Larvik,Kvinner,67 år,2024,Hovedalternativet (MMMM),110\n"
            "3909 Larvik,Menn,67 år,2024,Lav nasjonal vekst (LLML),90\n")
    p = tmp_path / "long.csv"
    p.write_text(text, encoding="utf-8")
    t = read_projection(p).by_age()
    assert float(t[t.variant == "MMMM"].personer.sum()) == 210
    assert float(t[t.variant == "LLML"].personer.sum()) == 90


def test_projection_errors_are_norwegian(tmp_path):
    p = tmp_path / "x.csv"
    p.write_text("a;b\n1;2\n", encoding="utf-8")
    with pytest.raises(UnreadableInput, match="kolonneoverskriftene"):
        read_projection(p)
    with pytest.raises(UnreadableInput, match="Fant ikke"):
        read_projection(tmp_path / "mangler.json")


def test_regroup_single_years_and_split_by_profile():
    by_age = pd.DataFrame({"variant": "MMMM", "aar": 2024, "alder_fra": [65, 66, 67, 68, 80, 90],
                           "alder_til": [65, 66, 67, 68, 80, NAN], "personer": [10, 20, 30, 40, 5, 7.0]})
    g = regroup(by_age, [(0, 66.0), (67, 79.0), (80, NAN)])
    assert g.personer.tolist() == [30, 70, 12]
    # a five-year bin 65-69 split into 0-66 / 67-79 by a profile 1,1,2,2,2 -> 2/8 and 6/8
    prof = pd.Series([1, 1, 2, 2, 2], index=[65, 66, 67, 68, 69], dtype=float)
    W = split_matrix([(65, 69.0)], [(0, 66.0), (67, 79.0)], prof)
    assert np.allclose(W, [[0.25, 0.75]])
    W = split_matrix([(65, 69.0)], [(0, 66.0), (67, 79.0)])
    assert np.allclose(W, [[0.4, 0.6]])


def test_suppressed_cells_hidden_and_bounded():
    frame = pd.DataFrame({"grunnkretsnummer": ["39090101", "39090102"],
                          "totalBefolkning": ["20", "9"],
                          "befolkning0Til04År": ["5", ""], "befolkning05Til09År": ["7", "9"],
                          "befolkning80Til84År": ["", ""], "befolkning85ÅrOgOver": ["", "0"]})
    assert list(age_columns(frame.columns).values())[-1][0] == 85
    a = grunnkrets_ages(frame, cell_max=4)
    assert a.hidden.tolist() == [8.0, 0.0]             # 20 − (5 + 7); 9 − 9
    assert a.summary()["prikkede_celler"] == 4 and a.summary()["skjulte_personer"] == 8
    # the row's 8 hidden persons are spread over its two empty cells (by the visible profile: 0 + 0 -> even)
    assert np.isclose(a.estimate[0].sum(), 20) and np.isclose(a.estimate[1].sum(), 9)
    b = a.group_bounds([(0, 79.0), (80, NAN)]).set_index("alder_fra")
    assert b.loc[80, "nedre"] == 0 and b.loc[80, "ovre"] == 8      # two cells ≤ 4 each, row hides 8
    assert b.loc[0, "nedre"] == 21 and b.loc[0, "ovre"] == 21      # 5 + 7 + 9, nothing hidden there


def test_grunnkrets_cells_read_as_ssb_and_spreadsheets_write_them():
    """Counts with a space or no-break space as thousands separator and a decimal comma are
    read; SSB's suppression markers and empty cells are NaN (suppressed), as is text."""
    from geoplan.analysis.population.ages import _cells

    raw = ["12", "1 234", "1\u00a0234", " 7 ", "12,0", "..", ".", ":", "-", "x", "", None,
           NAN, "abc", "0"]
    want = [12, 1234, 1234, 7, 12, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, 0]
    for col in (pd.Series(raw, dtype=object), pd.Series(raw, dtype="string")):
        assert np.array_equal(_cells(col), np.array(want, dtype=float), equal_nan=True)
    assert np.array_equal(_cells(pd.Series([3, None], dtype="Int64")), [3.0, NAN], equal_nan=True)
    assert np.array_equal(_cells(pd.Series([True, False])), [NAN, NAN], equal_nan=True)


def test_split_matrix_by_profile_with_an_open_bin_and_a_bin_the_profile_leaves_empty():
    """Five-year bins 60-64, 65-69, 90+ into 0-66, 67-89, 90+; the profile has no one aged
    60-64 (so that bin splits evenly by year: all of it is ≤ 66) and 1,1,2,2,2 for 65-69."""
    prof = pd.Series([0, 0, 0, 0, 0, 1, 1, 2, 2, 2], index=range(60, 70), dtype=float)
    W = split_matrix([(60, 64.0), (65, 69.0), (90, NAN)], [(0, 66.0), (67, 89.0), (90, NAN)], prof)
    assert np.allclose(W, [[1, 0, 0], [0.25, 0.75, 0], [0, 0, 1]])


def test_visible_cells_above_total_is_a_data_problem():
    frame = pd.DataFrame({"grunnkretsnummer": ["1"], "totalBefolkning": [5], "befolkning0Til04År": [9]})
    with pytest.raises(DataProblem, match="mer enn totalen"):
        grunnkrets_ages(frame, cell_max=4)


def test_distribute_by_age_structure_and_by_growth_shares():
    proj = pd.DataFrame({"variant": "MMMM", "aar": [2024, 2024, 2030, 2030], "gruppe": ["a", "b"] * 2,
                         "personer": [100.0, 50.0, 160.0, 50.0]})
    base = np.array([[30.0, 10.0], [70.0, 40.0]])
    gk, places = np.array(["1", "2"]), np.array(["X", "Y"])
    d, _ = distribute(proj, base, gk, places, groups=["a", "b"], base_year=2024)
    a30 = d[(d.aar == 2030) & (d.gruppe == "a")].personer.to_numpy()
    assert np.allclose(a30, [48, 112])                   # 30 % and 70 % of 160
    d, _ = distribute(proj, base, gk, places, groups=["a", "b"], base_year=2024, method="vekstandeler",
                      shares={"x": 0.5})
    a30 = d[(d.aar == 2030) & (d.gruppe == "a")].personer.to_numpy()
    assert np.allclose(a30, [30 + 0.5 * 60, 70 + 0.5 * 60])   # X configured 50 %, Y takes the rest


def test_housing_need_hand_computed():
    s = PopulationSettings.from_config().replace(
        omsorg_andel_80=0.2, tilrettelagt_andel_67_79=0.05, tilrettelagt_andel_80=0.1,
        utleie_per_1000_referanse=22.5, flyktninger_per_aar=30, flyktning_botid_aar=2,
        personer_per_flyktningbolig=3.0)
    pop = pd.DataFrame({"aar": [2030], "p67_79": [1000.0], "p80": [500.0], "total": [10000.0]})
    stock = pd.DataFrame({"malgruppe": ["omsorg", "utleie", "flyktning"], "i_dag": [100.0, 130.0, 25.0]})
    n = housing_need(pop, stock, s).set_index("malgruppe")
    assert np.isclose(n.loc["omsorg", "behov"], 0.2 * 500 + 0.05 * 1000 + 0.1 * 500)   # 200
    assert np.isclose(n.loc["omsorg", "gap"], 100)
    assert np.isclose(n.loc["utleie", "behov"], 225) and np.isclose(n.loc["utleie", "per_1000_i_dag"], 13)
    assert np.isclose(n.loc["flyktning", "behov"], 20) and np.isclose(n.loc["flyktning", "gap"], -5)


def test_persons_per_horizon_follow_household_size_by_age():
    s = PopulationSettings.from_config().replace(
        household_age_groups=((0, 19.0), (20, 66.0), (67, NAN)), dwellings_per_person=(0.0, 0.5, 0.75))
    by_age = pd.DataFrame({"variant": "MMMM", "aar": [2024] * 3 + [2030] * 3,
                           "alder_fra": [10, 40, 80] * 2, "alder_til": [10.0, 40.0, 80.0] * 2,
                           "personer": [100, 200, 40, 100, 200, 80.0]})
    t = persons_per_horizon(by_age, s, variant="MMMM", base_year=2024, years=[2030])
    assert t.vekst_personer.iloc[0] == 40 and t.vekst_boliger.iloc[0] == 30     # 40 × 0.75
    assert np.isclose(t.personer_per_ny_bolig.iloc[0], 40 / 30)


def test_public_place_counts_primary_and_secondary():
    t = pd.DataFrame({"aar": 2030, "malgruppe": "utleie", "sted": ["A", "B", "C"],
                      "behov": [10.0, 20, 30], "i_dag": [3.0, 10, 12], "gap": [7.0, 10, 18]})
    out = suppress_place_counts(t, 5, count="i_dag", derived=["gap"], by=["aar", "malgruppe"])
    assert out.i_dag.isna().tolist() == [True, True, False]    # 3 primary, 10 secondary
    assert out.gap.isna().tolist() == [True, True, False]      # need − gap would give the count
    assert out.behov.notna().all()


def _lattice(n=6, step=100.0):
    lines = [shapely.LineString([(0, i * step), ((n - 1) * step, i * step)]) for i in range(n)]
    lines += [shapely.LineString([(i * step, 0), (i * step, (n - 1) * step)]) for i in range(n)]
    return gpd.GeoSeries(lines, crs=25832)


def test_walking_distances_equal_networkx_per_kind():
    rng = np.random.default_rng(7)
    net = build_network(_lattice(), node_crossings=True, tolerance_m=0.001)
    sv = gpd.GeoDataFrame({"tjenestetype": ["butikk", "butikk", "apotek"]},
                          geometry=shapely.points([(12, 30), (480, 410), (250, 190)]), crs=25832)
    homes = shapely.points(rng.uniform(0, 500, (40, 2)))
    z = lambda xy: xy[:, 0] * 0.05 + np.sin(xy[:, 1] / 50.0)  # noqa: E731
    res = nearest_service(net, sv, homes, snap_max_m=60, elevation=z)
    snap_s = snap_points(net, sv.geometry, max_distance_m=60)
    net2, nodes = add_points(net, snap_s)
    snap_h = snap_points(net2, homes, max_distance_m=60)
    G = nx.Graph()
    for a, b, w in zip(net2.u, net2.v, net2.length_m):
        G.add_edge(int(a), int(b), weight=max(float(w), 1e-9))
    for kind in ("butikk", "apotek"):
        src = [int(x) for x in nodes[(sv.tjenestetype == kind).to_numpy()]]
        dd = nx.multi_source_dijkstra_path_length(G, src)
        d = np.array([dd.get(i, np.inf) for i in range(net2.n_nodes)])
        ref, _ = target_distances(net2, d, snap_h)
        assert np.allclose(res.distance_m[kind], ref, equal_nan=True)
    # the steepest stretch of a few homes against the networkx path itself
    zz = z(net2.xy)
    src = [int(x) for x in nodes[(sv.tjenestetype == "apotek").to_numpy()]]
    for h in range(5):
        e = int(snap_h.edge[h])
        u, v = int(net2.u[e]), int(net2.v[e])
        best = None
        for end, extra in ((u, snap_h.t[h] * net2.length_m[e]), (v, (1 - snap_h.t[h]) * net2.length_m[e])):
            ln, path = nx.multi_source_dijkstra(G, src, target=end)
            if best is None or ln + extra < best[0]:
                best = (ln + extra, path)
        path = best[1]
        g = [abs(zz[a] - zz[b]) / G[a][b]["weight"] for a, b in zip(path, path[1:])]
        own = abs(zz[u] - zz[v]) / net2.length_m[e]
        assert np.isclose(res.steepest["apotek"][h], max([own, *g]))


def test_path_max_pointer_jumping():
    pred = np.array([-9999, 0, 1, 2, 1])
    val = np.array([0.0, 0.5, 0.1, 0.2, 0.9])
    assert path_max(pred, val).tolist() == [0.0, 0.5, 0.5, 0.5, 0.9]


def test_grouped_weighted_median_by_hand_and_against_sorting_each_group():
    from geoplan.analysis.population.access import grouped_wmedian

    keys = pd.Series(["a", "a", "a", "b", "b", "c", "d"])
    v = [0.30, 0.10, 0.20, 0.05, np.nan, np.nan, 0.40]
    w = [1.0, 1.0, 5.0, 2.0, 9.0, 3.0, 0.0]
    idx = pd.Index(["a", "b", "c", "d", "e"])
    got = grouped_wmedian(keys, v, w, idx)
    # a: sorted 0.10 (1), 0.20 (5), 0.30 (1): half of 7 is reached at 0.20
    # b: the NaN is left out -> 0.05; c: only NaN; d: no weight; e: no rows
    assert got[0] == 0.20 and got[1] == 0.05
    assert np.isnan(got[2:]).all()

    rng = np.random.default_rng(7)
    n = 3000
    keys = pd.Series(rng.integers(0, 200, n)).astype(str)
    v = np.where(rng.random(n) < 0.1, np.nan, rng.random(n).round(2))   # ties and gaps
    w = np.where(rng.random(n) < 0.1, 0.0, rng.random(n) * 10)
    idx = pd.Index(sorted(keys.unique()))
    got = grouped_wmedian(keys, v, w, idx)
    for i, k in enumerate(idx):
        m = (keys.to_numpy() == k) & ~np.isnan(v) & (w > 0)
        if not m.any():
            assert np.isnan(got[i])
            continue
        vs, ws = v[m], w[m]
        # the smallest value with at least half the weight at or below it
        cand = sorted(set(vs))
        want = next(x for x in cand if ws[vs <= x].sum() >= ws.sum() / 2.0 - 1e-9)
        assert got[i] == want, k


def test_access_summary_equals_a_pandas_groupby_on_random_homes():
    """The shares within each radius per area, against ``groupby(...).sum()`` written out:
    homes without an area are left out, missing persons count as 0, unconnected homes
    (NaN distance) are never within, and an area with no one gets NaN shares."""
    from geoplan.analysis.population.access import AccessResult, summarise

    rng = np.random.default_rng(7)
    n = 400
    area = rng.choice(["0101", "0102", "0203", "0304", None], n).astype(object)
    p67 = rng.random(n) * 3
    p67[rng.random(n) < 0.05] = np.nan
    p80 = np.where(area == "0304", 0.0, rng.random(n))
    dist = {k: np.where(rng.random(n) < 0.1, np.nan, rng.random(n) * 1500) for k in ("butikk", "lege")}
    steep = {k: rng.random(n) * 20 for k in dist}
    homes = pd.DataFrame({"grunnkretsnummer": pd.array(area, dtype="string"), "p67": p67, "p80": p80})
    res = AccessResult(distance_m=dist, steepest=steep, snapped=np.ones(n, bool), n_services={})
    got = summarise(homes, res, radii=(400, 800))
    for k in dist:
        f = homes.copy()
        d = np.where(np.isnan(dist[k]), np.inf, dist[k])
        for r in (400, 800):
            for c in ("p67", "p80"):
                f[f"inn_{c}_{r}"] = np.where(d <= r, f[c], 0.0)
        agg = f.groupby("grunnkretsnummer", sort=True).sum(numeric_only=True)
        mine = got[got["tjenestetype"] == k].set_index("grunnkretsnummer")
        assert list(mine.index) == sorted(set(area) - {None})
        for r in (400, 800):
            for c in ("p67", "p80"):
                with np.errstate(invalid="ignore", divide="ignore"):
                    want = (agg[f"inn_{c}_{r}"] / agg[c]).to_numpy()
                assert np.allclose(mine[f"andel_{c}_{r}m"].to_numpy(), want, equal_nan=True)
        assert np.allclose(mine["p67"].to_numpy(), agg["p67"].to_numpy())
        assert mine.loc["0304", ["andel_p80_400m", "andel_p80_800m"]].isna().all()


def test_shares_over_one_are_named_with_a_decimal_comma():
    from geoplan.analysis.population.distribute import place_shares

    places = np.array(["Kvelde", "Stavern", "Helgeroa"])
    shares, notes = place_shares(places, np.array([100.0, 200.0, 50.0]),
                                 {"Kvelde": 0.625, "Stavern": 0.5})
    assert any("summerer til 1,12 (> 1)" in n for n in notes), notes   # 1,125 rounded
    assert not any("1.12" in n for n in notes)
    assert shares.get("Helgeroa", 0.0) == 0.0
