"""PostgreSQL/PostGIS as a DATA source and as the shared store (``geoplan db``).

:func:`read_source` is what :func:`geoplan.io.load` calls for a database DATA: the
schema's tables become raw layers that are validated exactly as files are.
:mod:`~geoplan.io.postgis.store` creates, loads and describes a schema;
:mod:`~geoplan.io.postgis.publish` writes result tables beside (never over) the
input tables.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from geoplan.io.postgis.connect import DEFAULT_SCHEMA, Address, is_database, parse

if TYPE_CHECKING:  # pragma: no cover
    from geoplan.io.contract import RawLayer

# the data contract (geopandas) is imported by read_source: ``is_database`` is asked by
# code that must stay light (geoplan.io.cachekey)

__all__ = ["DEFAULT_SCHEMA", "Address", "is_database", "parse", "read_source"]

_RASTER_DIRS: list[Path] = []


def _cleanup() -> None:
    for d in _RASTER_DIRS:
        shutil.rmtree(d, ignore_errors=True)


atexit.register(_cleanup)


def read_source(data: str, wanted: Iterable[str] | None = None,
                schema: str | None = None) -> tuple[list[RawLayer], dict[str, Path], str]:
    """Raw layers, raster files and a printable label for a database DATA.

    Tables that are not contract layers are ignored (they are reported nowhere:
    a municipality's schema may hold other tables of its own). Rasters stored by
    ``geoplan db load`` are written to a private temporary folder removed when
    the process ends.
    """
    from geoplan.io.contract import SCHEMAS, RawLayer, layer_key
    from geoplan.io.postgis import store

    address = parse(data, schema)
    layers, rasters, _meta = store.read(address, wanted)
    label = address.label
    raws = [RawLayer(layer_key(name), gdf, f"{label}: {name}") for name, gdf in layers.items()
            if layer_key(name) in SCHEMAS]
    paths: dict[str, Path] = {}
    if rasters:
        folder = Path(tempfile.mkdtemp(prefix="geoplan-db-raster-"))
        _RASTER_DIRS.append(folder)
        for name, (filename, blob) in rasters.items():
            p = folder / f"{name}{Path(filename).suffix or '.tif'}"
            p.write_bytes(blob)
            paths[name] = p
    return raws, paths, label
