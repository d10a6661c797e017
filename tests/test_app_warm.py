"""The pages' first views are computed before anyone opens them (``geoplan app``).

The check: with the caches emptied, :func:`compute.warm_pages` fills them; then
every analysis entry point is made to fail, and each page still opens with its
default controls: so it took the warmed result (its cache key matched) and did
not compute again.
"""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
PAGES = {
    "arealbehov": "geoplan/present/app/views/arealbehov.py",
    "skolesirkler": "geoplan/present/app/views/skolesirkler.py",
    "konsentrasjon": "geoplan/present/app/views/konsentrasjon.py",
    "vurder_tomt": "geoplan/present/app/views/vurder_tomt.py",
    "befolkning": "geoplan/present/app/views/befolkning.py",
}


def test_warmed_pages_open_without_computing(monkeypatch):
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from geoplan import runs
    from geoplan.present.app.views import compute

    monkeypatch.delenv("GEOPLAN_APP_DATA", raising=False)
    st.cache_data.clear()
    st.cache_resource.clear()
    times = compute.warm_pages()
    assert {"data_s", "arealbehov_s", "skolesirkler_s", "konsentrasjon_s", "vurder_tomt_s",
            "befolkning_s", "kartlag_s"} <= set(times)

    def refuse(*a, **k):
        raise AssertionError("computed again: the warmed cache entry was not used")
    for name in ("reserves", "schools", "concentration_model", "concentration", "assessor"):
        monkeypatch.setattr(runs, name, refuse)
    import geoplan.present.report.sections.population as pop_section
    import geoplan.runs.population as pop
    monkeypatch.setattr(pop, "population", refuse)
    monkeypatch.setattr(pop, "housing", refuse)
    monkeypatch.setattr(pop_section, "pyramid_figure", refuse)
    # the maps' shared inputs too: display copies of every layer, dwelling totals, density
    import geoplan.analysis.concentration as cm
    import geoplan.present.app.maps as maps_pkg
    import geoplan.present.app.maps.dwellings as dw
    monkeypatch.setattr(maps_pkg, "collapse", refuse)      # only the display copies use it
    monkeypatch.setattr(dw, "dwelling_totals", refuse)
    monkeypatch.setattr(cm, "density_surface", refuse)
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    for page, path in PAGES.items():
        at.switch_page(path).run()
        assert not at.exception, (page, [e.value for e in at.exception])
        assert not at.error, (page, [e.value for e in at.error])   # the page reports a failure so
        assert not [c for c in at.caption if "kunne ikke lages" in c.value], page   # density


def test_warming_is_skipped_without_the_layers(monkeypatch, tmp_path):
    """Data without the layers a page needs: nothing warmed for it, no error."""
    import geopandas as gpd
    import streamlit as st
    from shapely.geometry import box

    from geoplan.present.app.views import compute

    path = tmp_path / "bare.gpkg"
    gpd.GeoDataFrame({"kommunenummer": ["3805"], "kommunenavn": ["Larvik"]},
                     geometry=[box(560000, 6540000, 570000, 6550000)], crs=25832) \
        .to_file(path, layer="kommune", driver="GPKG")
    monkeypatch.setenv("GEOPLAN_APP_DATA", str(path))
    st.cache_data.clear()
    st.cache_resource.clear()
    times = compute.warm_pages()
    assert "arealbehov_s" not in times and "konsentrasjon_s" not in times


if __name__ == "__main__":
    pytest.main([__file__])
