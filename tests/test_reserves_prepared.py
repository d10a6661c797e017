"""The reserve analysis in two steps (:func:`geoplan.analysis.reserves.prepare_reserves`,
then ``analyse_reserves(..., prepared=...)``): the app prepares once per data and reruns
only the growth steps when a planner moves a growth control. Each result must equal the
one-step analysis of the same arguments (nothing the growth step does may change the
preparation), a preparation must refuse settings it was not made for, and the app must
prepare once for many growth rates.
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely

from geoplan.analysis import reserves as R
from geoplan.analysis.exclusions import net_areas, net_balance
from geoplan.analysis.takeout import ranked_cells, worst_part

sys.path.insert(0, str(Path(__file__).parent))
import geoplan_app_fixture as fx  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def demo():
    from geoplan.config import load_config
    from geoplan.io import load
    from geoplan.io.raster import open_raster

    cfg = load_config()
    ds = load(None, config=cfg)
    layers = {n: ds.get(n) for n in R.REQUIRED_LAYERS + R.OPTIONAL_LAYERS}
    path = ds.raster("terreng")
    return layers, (open_raster(path) if path is not None else None), \
        R.ReserveSettings.from_config(cfg)


def _plain(frame) -> pd.DataFrame:
    return pd.DataFrame(frame.drop(columns="geometry")) if "geometry" in frame.columns else frame


def _same(a: R.ReserveResult, b: R.ReserveResult) -> None:
    pd.testing.assert_frame_equal(a.steder, b.steder)
    pd.testing.assert_frame_equal(_plain(a.parseller), _plain(b.parseller))
    assert a.parseller.geometry.geom_equals_exact(b.parseller.geometry, 0).all()
    pd.testing.assert_frame_equal(_plain(a.uttak), _plain(b.uttak))
    assert a.uttak.geometry.geom_equals_exact(b.uttak.geometry, 0).all()
    pd.testing.assert_frame_equal(a.utelatt, b.utelatt)
    pd.testing.assert_frame_equal(_plain(a.spredt), _plain(b.spredt))
    if b.tettsteder is None:
        assert a.tettsteder is None
    else:
        pd.testing.assert_frame_equal(a.tettsteder, b.tettsteder)
    assert a.merknader == b.merknader
    assert a.forutsetninger == b.forutsetninger
    assert a.utenfor_daa == b.utenfor_daa


GROWTH_CASES = [
    {"year": 2030, "rate": 0.0}, {"year": 2040, "rate": 0.005}, {"year": 2030, "rate": 0.01},
    {"year": 2040, "rate": 0.04}, {"share": 0.3}, {"dwellings_per_daa": 1.0, "rate": 0.03},
    {"year": 2040, "rate": 0.005},            # again: the take-out cells come from the cache
]


def test_prepared_runs_equal_the_one_step_analysis_for_every_growth_case(demo):
    layers, terrain, s = demo
    prep = R.prepare_reserves(layers, terrain, s)
    takeouts, partial = set(), False
    for case in GROWTH_CASES:
        got = R.analyse_reserves(layers, terrain, s, prepared=prep, **case)
        want = R.analyse_reserves(layers, terrain, s, **case)
        _same(got, want)
        takeouts.add(round(float(got.uttak["uttak_daa"].sum()), 6))
        partial |= bool((got.uttak["hva"] == "del av reserven").any())
    # the cases are not all alike: the need moves the take-out proposal
    assert len(takeouts) >= 3
    # the reserves cut into cells kept their cells for the next run
    assert partial and len(prep.cell_cache) >= 1


def test_a_preparation_serves_other_growth_settings_and_refuses_the_rest(demo):
    layers, terrain, s = demo
    prep = R.prepare_reserves(layers, terrain, s)
    grown = s.with_growth(base_population=s.base_population * 1.5, persons_per_dwelling=1.9)
    _same(R.analyse_reserves(layers, terrain, grown, prepared=prep),
          R.analyse_reserves(layers, terrain, grown))
    assert prep.serves(dataclasses.replace(s, default_rate=0.02, places={}), None, None)
    for other in (dataclasses.replace(s, quarry_buffer_m=s.quarry_buffer_m + 50.0),
                  dataclasses.replace(s, max_slope_pct=s.max_slope_pct + 5.0),
                  dataclasses.replace(s, housing_codes=(1110,))):
        with pytest.raises(ValueError):
            R.analyse_reserves(layers, terrain, other, prepared=prep)
    with pytest.raises(ValueError):
        R.analyse_reserves(layers, terrain, s, prepared=prep, school_radius_m=900.0)
    first = str(layers["utviklingsgrense"]["navn"].iloc[0])
    with pytest.raises(ValueError):
        R.analyse_reserves(layers, terrain, s, prepared=prep, places=[first])


def test_the_net_areas_are_the_hand_computed_reserve_and_innspill_minus_the_zones():
    """Two places 100 m × 100 m; a reserve over half of A; one innspill in B, a zone over
    a quarter of it: A 5 daa reserve, B 0 reserve and 10 − 2,5 daa innspill."""
    import geopandas as gpd

    from geoplan.analysis.exclusions import Zones

    a, b = shapely.box(0, 0, 100, 100), shapely.box(200, 0, 300, 100)
    places = gpd.GeoDataFrame({"sted": ["A", "B"], "_key": ["a", "b"]}, geometry=[a, b], crs=25833)
    reserve = gpd.GeoDataFrame({"x": [1]}, geometry=[shapely.box(0, 0, 50, 100)], crs=25833)
    inn = gpd.GeoDataFrame({"sted": ["B"]}, geometry=[b], crs=25833)
    zone = shapely.box(250, 50, 300, 100)
    zones = Zones(by_place={"b": [(None, zone)]}, everywhere=[], notes=[])
    areas = net_areas(places, reserve, inn, zones)
    assert areas == pytest.approx({"a": (5.0, 0.0), "b": (0.0, 7.5)})
    bal = pd.DataFrame({"sted": ["B", "A"], "arealbehov_daa": [3.0, 8.0],
                        "boligreserve_daa": [0.0, 5.0], "innspill_daa": [10.0, 0.0]})
    with_areas = net_balance(bal, places, reserve, inn, zones, areas=areas)
    pd.testing.assert_frame_equal(with_areas, net_balance(bal, places, reserve, inn, zones))
    assert with_areas["balanse_netto_daa"].tolist() == pytest.approx([7.5 - 3.0, 5.0 - 8.0])
    # a place the given areas lack is computed, not taken as 0
    partial = net_balance(bal, places, reserve, inn, zones, areas={"a": areas["a"]})
    pd.testing.assert_frame_equal(partial, with_areas)


def test_the_ranked_cells_give_the_worst_part_for_every_room():
    """A 100 m × 40 m reserve in 20 m cells with the centre at its west end: the cells
    farthest east go first, and the part for a room of r daa is the first cells that fit."""
    geom, centre = shapely.box(0, 0, 100, 40), shapely.Point(-10, 20)
    pieces, area = ranked_cells(geom, centre=centre, terrain=None, max_slope_pct=20.0, size_m=20.0)
    assert len(pieces) == 10 and area == pytest.approx(np.full(10, 0.4))
    xs = shapely.get_x(shapely.centroid(pieces))
    assert list(xs) == sorted(xs, reverse=True)
    for room in (0.0, 0.39, 0.4, 1.0, 2.5, 4.0, 9.0):
        part, daa = worst_part(geom, room, centre=centre, terrain=None, max_slope_pct=20.0,
                               size_m=20.0)
        n = int(np.floor(room / 0.4 + 1e-9))
        assert daa == pytest.approx(min(n, 10) * 0.4)
        if n:
            n = min(n, 10)
            assert shapely.area(part) == pytest.approx(daa * 1000.0)
            # the eastmost columns of cells (two per column, 20 m wide)
            assert shapely.bounds(part)[0] == pytest.approx(100 - 20 * int(np.ceil(n / 2)))
            if n % 2 == 0:
                assert shapely.equals(part, shapely.box(100 - 10 * n, 0, 100, 40))
        else:
            assert part is None


def test_the_app_prepares_once_for_many_growth_rates(tmp_path, monkeypatch):
    """Arealbehov: moving the growth rate reruns the balance, not the preparation."""
    import importlib

    from streamlit.testing.v1 import AppTest

    runs_reserves = importlib.import_module("geoplan.runs.reserves")
    calls = {"prepare": 0, "reserves": 0}
    orig_prepare, orig_reserves = runs_reserves.prepare_reserves, runs_reserves.reserves

    def prepare(*a, **k):
        calls["prepare"] += 1
        return orig_prepare(*a, **k)

    def reserves(*a, **k):
        calls["reserves"] += 1
        assert k.get("prepared") is not None
        return orig_reserves(*a, **k)
    runs = importlib.import_module("geoplan.runs")
    monkeypatch.setattr(runs, "prepare_reserves", prepare, raising=False)
    monkeypatch.setattr(runs, "reserves", reserves, raising=False)
    gpkg = fx.write_gpkg(tmp_path / "vekstvik.gpkg")
    monkeypatch.setenv("GEOPLAN_APP_DATA", str(gpkg))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    at.switch_page("geoplan/present/app/views/arealbehov.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    box = at.selectbox(key="ab_rate")
    for rate in [o for o in box.options if o != box.value][:3]:
        at.selectbox(key="ab_rate").set_value(rate).run()
        assert not at.exception, [e.value for e in at.exception]
    assert calls["prepare"] == 1
    assert calls["reserves"] == 4
