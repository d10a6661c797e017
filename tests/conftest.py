"""Suite-wide settings.

The load cache (:mod:`geoplan.io.cache`) writes to a folder of this test session, not to
the user's ``~/.cache/geoplan``; the command lines the tests start inherit it.
"""

from __future__ import annotations

import os
import tempfile


def pytest_configure(config):
    if not os.environ.get("GEOPLAN_TEST_CACHE_DIR"):
        os.environ["GEOPLAN_TEST_CACHE_DIR"] = tempfile.mkdtemp(prefix="geoplan-test-cache-")
    os.environ["GEOPLAN_CACHE_DIR"] = os.environ["GEOPLAN_TEST_CACHE_DIR"]


_DATA = __import__("pathlib").Path(__file__).resolve().parent / "data"


def pytest_sessionstart(session):
    session.config._gfs_before = set(_DATA.rglob("*.gfs"))


def pytest_sessionfinish(session, exitstatus):
    """Nothing may write beside the inputs: GDAL's GML driver leaves a .gfs schema beside a
    GML it opens without WRITE_GFS=NO (the importer did, into a download folder). A .gfs
    that appeared under tests/data during the run fails the run, whoever wrote it."""
    new = sorted(set(_DATA.rglob("*.gfs")) - getattr(session.config, "_gfs_before", set()))
    if new:
        for p in new:
            p.unlink(missing_ok=True)
        print("\nGDAL skrev .gfs-filer ved siden av testdataene: "
              + ", ".join(str(p.relative_to(_DATA)) for p in new))
        if session.exitstatus == 0:
            session.exitstatus = 1
