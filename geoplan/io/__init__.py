"""Data in and out: the data contract, readers, CRS, validation, rasters, site files, writers.

Other code imports from here (``from geoplan.io import load, Dataset``); the
modules behind it, one concern each:

* :mod:`~geoplan.io.contract` -- the layers geoplan knows (``SCHEMAS``), their aliases,
  :class:`LayerReport`
* :mod:`~geoplan.io.readers` -- sniffing, GML integrity, GeoPackage/GML/folder/file readers
* :mod:`~geoplan.io.archive` -- zip archives checked and extracted safely
* :mod:`~geoplan.io.crs` -- parsing CRSs, coordinate plausibility, the working CRS,
  :func:`require_projected`
* :mod:`~geoplan.io.validate` -- one layer (and all of a source) against the contract
* :mod:`~geoplan.io.dataset` -- :class:`Dataset`, also from hand-built frames
  (:meth:`Dataset.from_frames`)
* :mod:`~geoplan.io.loader` -- :func:`load` (DATA on disk -> Dataset); not ``load.py``, which
  would shadow the function ``load`` as an attribute of the package
* :mod:`~geoplan.io.sites` -- site files and typed coordinates (:func:`read_sites`,
  :func:`parse_xy`)
* :mod:`~geoplan.io.raster` -- GeoTIFFs; :mod:`~geoplan.io.writers` -- atomic output

Names are imported lazily, so ``import geoplan.io.writers`` does not load GDAL.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from geoplan._lazy import lazy_attribute

#: public name -> the module that defines it
_EXPORTS = {
    "load": "loader", "DEFAULT_DATA": "loader",
    "Dataset": "dataset",
    "SCHEMAS": "contract", "LayerSchema": "contract", "LayerReport": "contract",
    "layer_key": "contract", "LAYER_ALIASES": "contract", "COLUMN_ALIASES": "contract",
    "CODE_WIDTH": "contract",
    "check_zip": "archive", "safe_extract_zip": "archive",
    "parse_crs": "crs", "utm_for_lon": "crs", "require_projected": "crs", "working_crs": "crs",
    "NORWEGIAN_UTM": "crs", "NORWAY_LONLAT": "crs",
    "validate_layer": "validate",
    "VECTOR_SUFFIXES": "readers", "RASTER_NAMES": "readers", "SOSI_FEATURE_TYPES": "readers",
    "read_sites": "sites", "parse_xy": "sites",
    "atomic_path": "writers", "write_text_atomic": "writers", "write_bytes_atomic": "writers",
}

__all__ = [
    "CODE_WIDTH", "COLUMN_ALIASES", "DEFAULT_DATA", "Dataset", "LAYER_ALIASES", "LayerReport",
    "LayerSchema", "NORWAY_LONLAT", "NORWEGIAN_UTM", "RASTER_NAMES", "SCHEMAS",
    "SOSI_FEATURE_TYPES", "VECTOR_SUFFIXES", "atomic_path", "check_zip", "layer_key", "load",
    "parse_crs", "parse_xy", "read_sites", "require_projected", "safe_extract_zip", "utm_for_lon",
    "validate_layer", "working_crs", "write_bytes_atomic", "write_text_atomic",
]

if TYPE_CHECKING:  # pragma: no cover
    from geoplan.io.archive import check_zip, safe_extract_zip
    from geoplan.io.contract import (
        CODE_WIDTH,
        COLUMN_ALIASES,
        LAYER_ALIASES,
        SCHEMAS,
        LayerReport,
        LayerSchema,
        layer_key,
    )
    from geoplan.io.crs import (
        NORWAY_LONLAT,
        NORWEGIAN_UTM,
        parse_crs,
        require_projected,
        utm_for_lon,
        working_crs,
    )
    from geoplan.io.dataset import Dataset
    from geoplan.io.loader import DEFAULT_DATA, load
    from geoplan.io.readers import RASTER_NAMES, SOSI_FEATURE_TYPES, VECTOR_SUFFIXES
    from geoplan.io.sites import parse_xy, read_sites
    from geoplan.io.validate import validate_layer
    from geoplan.io.writers import atomic_path, write_bytes_atomic, write_text_atomic


_MODULES = {name: f"geoplan.io.{module}" for name, module in _EXPORTS.items()}


def __getattr__(name: str) -> Any:
    return lazy_attribute(globals(), __name__, _MODULES, name)


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
