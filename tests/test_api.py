"""The public API on hand-built GeoDataFrames, without a config folder."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

import geoplan


def test_public_names_resolve():
    for name in ["load", "Dataset", "load_config", "area_need", "analyse_reserves", "analyse_schools",
                 "analyse_concentration", "SiteAssessor", "GeoplanError", "DataProblem"]:
        assert getattr(geoplan, name) is not None
    assert issubclass(geoplan.GeoplanError, ValueError)


def test_schools_on_hand_built_frames_use_the_shipped_radius():
    # Kvelde: an avklaringsområde, one of the places the shipped criterion applies to
    ug = gpd.GeoDataFrame({"navn": ["Kvelde"]}, geometry=[shapely.box(0, 0, 1000, 1000)], crs=25832)
    sk = gpd.GeoDataFrame({"navn": ["Kvelde skole"]}, geometry=[shapely.Point(500, 500)], crs=25832)
    res = geoplan.analyse_schools(ug, sk)
    row = res.utviklingsgrenser.iloc[0]
    assert res.radius_m == 1500.0 and bool(row["oppfylt"])
    # farthest point of the 1 km square from its centre: sqrt(500² + 500²) = 707.1 m < 1 500 m
    assert row["maks_avstand_m"] == pytest.approx(707.1, abs=0.1)


def test_area_need_names_the_place_without_density():
    with pytest.raises(ValueError, match="Stavern"):
        geoplan.area_need({"Stavern": 0.2}, base_population=43_200, base_year=2014,
                          years=[2040], rates=[0.015])
