"""The load cache's key for a source, and the load report a hit already holds.

This module imports neither GDAL, geopandas nor pyproj: ``geoplan check`` on a source
read before answers from the report :func:`geoplan.io.load` stored beside the layers
(:func:`geoplan.io.cache.store`), without loading the layers themselves.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable

from geoplan.config import PACKAGE_DIR, Config
from geoplan.io import cache

#: the embedded demo municipality (``layers/`` in a checkout links here)
DEFAULT_DATA = PACKAGE_DIR / "data" / "demo" / "demo.gpkg"


def default_config_or_none() -> Config | None:
    """The configuration of the current folder (``$GEOPLAN_CONFIG_DIR``), or None if unreadable."""
    from geoplan.config import load_config

    try:
        return load_config()
    except Exception:
        return None


def forced_epsg(config: Config | None) -> int:
    """``kommune.working_epsg`` (0: choose from the data)."""
    if config is None:
        return 0
    from geoplan.config.kommune import KommuneSettings

    return KommuneSettings.from_config(config).working_epsg


def cache_key(path: Path, data, *, layer, crs, objtype, wanted, config) -> dict | None:
    """The load cache's key (:mod:`geoplan.io.cache`): the files and every option that changes
    what is read; None when the cache is off or the source is not cached (a zip)."""
    if not cache.enabled():
        return None
    try:
        forced = forced_epsg(config)
    except Exception:  # noqa: BLE001 - an invalid setting is reported by the read itself
        return None
    return cache.make_key(path, {"given": str(path), "demo": data is None, "layer": layer,
                                 "crs": None if crs is None else str(crs), "objtype": objtype,
                                 "only": sorted(wanted) if wanted is not None else None,
                                 "working_epsg": forced})


def cached_report(data: Any = None, *, crs: str | int | None = None,
                  config: Config | None = None, only: Iterable[str] | None = None,
                  objtype: str | None = None) -> dict | None:
    """``load(data, ...).as_dict()`` from the load cache, or None (not read before, changed
    since, not cached, or anything :func:`geoplan.io.load` itself has to check and report).

    Only reads of every layer, or of ``only`` (the ``kommune`` layer is always read), with
    no ``layer`` option: the option's name check needs the data contract."""
    from geoplan.io.postgis.connect import is_database

    if not cache.enabled() or is_database(data):
        return None
    if config is None:
        config = default_config_or_none()
    path = Path(data) if data is not None else DEFAULT_DATA
    if not path.exists():
        return None
    wanted = None if only is None else {*only, "kommune"}
    key = cache_key(path, data, layer=None, crs=crs, objtype=objtype, wanted=wanted,
                    config=config)
    return cache.lookup_report(key)
