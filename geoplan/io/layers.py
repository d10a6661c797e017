"""Transitional: the names ``geoplan.io.layers`` held before it was split.

Loading and validation now live in one module per concern (see
:mod:`geoplan.io`); import them from :mod:`geoplan.io` (``from geoplan.io
import load, Dataset``). This module only re-exports them, so that imports not
yet switched keep working; it is deleted once nothing imports it any more.
"""

from __future__ import annotations

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
from geoplan.io.crs import NORWAY_LONLAT, NORWEGIAN_UTM, parse_crs, utm_for_lon
from geoplan.io.dataset import Dataset
from geoplan.io.loader import DEFAULT_DATA, load
from geoplan.io.readers import RASTER_NAMES, SOSI_FEATURE_TYPES, VECTOR_SUFFIXES
from geoplan.io.validate import validate_layer

__all__ = [
    "CODE_WIDTH", "COLUMN_ALIASES", "DEFAULT_DATA", "LAYER_ALIASES", "NORWAY_LONLAT",
    "NORWEGIAN_UTM", "RASTER_NAMES", "SCHEMAS", "SOSI_FEATURE_TYPES", "VECTOR_SUFFIXES",
    "Dataset", "LayerReport", "LayerSchema", "check_zip", "layer_key", "load", "parse_crs",
    "safe_extract_zip", "utm_for_lon", "validate_layer",
]
