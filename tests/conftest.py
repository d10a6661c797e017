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
