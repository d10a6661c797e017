"""``geoplan.io.crs.same_crs`` / ``epsg_of``: the remembered CRS comparison the slope shares,
site checks and raster samples use (pyproj rebuilds its PROJ objects in every new thread,
and a Streamlit rerun is one). The answers must be pyproj's own, in any thread."""

from __future__ import annotations

import threading

from pyproj import CRS

from geoplan.io.crs import epsg_of, same_crs


def test_same_crs_answers_as_pyproj_does():
    utm32, utm33 = CRS.from_epsg(25832), CRS.from_epsg(25833)
    wkt32 = CRS.from_wkt(utm32.to_wkt())
    pairs = [(utm32, wkt32), (utm32, utm33), ("EPSG:25833", utm33), (25832, "EPSG:25832"),
             (CRS.from_epsg(5972), utm32), (CRS.from_epsg(4326), "EPSG:4258")]
    for a, b in pairs:
        want = CRS.from_user_input(a).equals(CRS.from_user_input(b))
        assert same_crs(a, b) is want
        assert same_crs(b, a) is want
    assert same_crs(utm32, wkt32) and not same_crs(utm32, utm33)
    assert same_crs(None, None) and not same_crs(None, utm32) and not same_crs(utm32, None)


def test_epsg_of_is_to_epsg_in_a_new_thread_too():
    crs = [CRS.from_epsg(25833), CRS.from_wkt(CRS.from_epsg(25835).to_wkt()), CRS.from_epsg(5972)]
    want = [c.to_epsg() for c in crs]
    got: list = []
    t = threading.Thread(target=lambda: got.extend([epsg_of(c) for c in crs]
                                                   + [same_crs(crs[0], "EPSG:25833")]))
    t.start()
    t.join()
    assert got == [*want, True]
    assert epsg_of(None) is None
