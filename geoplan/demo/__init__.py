"""The embedded demo municipality: a synthetic Larvik, built deterministically.

Everything here is **synthetic** except

* the municipal outline (Kartverket, kommuneinndeling 2024, simplified,
  © Kartverket CC BY 4.0, ``geoplan/data/kommuner.geojson``), and
* the figures taken from Larvik kommune's Boligplan 2015-2020 (seed 004):
  the named housing reserves and their sizes, the innspill totals per place,
  the population (43,200 on 01.01.2014), the centre structure, the
  kollektivakser and the number of municipal rental dwellings and
  omsorgsboliger.

:func:`build_demo` returns the layers and rasters; :func:`write_demo` writes
``demo.gpkg``, ``terreng.tif``, ``stoy.tif`` and ``README.md`` atomically.
Two builds with the same seed give identical layer contents and raster
arrays (numpy ``default_rng`` with a fixed seed, sorted rows, no time stamps).

Modules
-------
geometry
    generic building blocks: outline, blobs, point samples, Voronoi cells,
    the walking lattice, the raster grid, row sorting
rasters
    terrain and noise rasters, the GeoTIFF writer
population
    building sizes, exact count allocation, municipal units, fake addresses
zoning
    SOSI arealformål per zoning cell
spec
    the Larvik figures (places, named reserves, innspill, population ...)
    with the lines of the Boligplan they come from
build
    :func:`build_demo`, one step per layer group, in a fixed order
write
    :func:`write_demo`, the GeoPackage, the ``metadata`` table, the README,
    :func:`summary` and :func:`read_layers`

The generic modules (geometry, rasters, population, zoning) are shared with
``bench/make_oslo.py``, which uses them through this package's names.
"""

from __future__ import annotations

from geoplan.demo.build import build_demo
from geoplan.demo.geometry import (
    CRS,
    DATA_DIR,
    EPSG,
    KOMMUNER_FILE,
    blob,
    grid,
    inside_point,
    lattice_network,
    municipality_outline,
    nearest_index,
    place_blob,
    polygonal,
    polyline,
    sample_mixture,
    scaled_to_area,
    sort_layer,
    urbanity,
    voronoi_cells,
)
from geoplan.demo.population import (
    STREET_A,
    STREET_B,
    aggregate_grunnkrets,
    allocate_counts,
    building_sizes,
    fake_addresses,
    fill_units,
    pick_weighted,
    take_to_total,
)
from geoplan.demo.rasters import noise_raster, terrain_raster, write_geotiff
from geoplan.demo.spec import (
    ATTRIBUTION,
    AXES,
    DWELLINGS,
    FJORD_ARM,
    FJORD_BRIDGES_M,
    INNSPILL,
    LAYER_ORDER,
    N_GRUNNKRETS,
    N_ZONING,
    NAMED_RESERVES,
    OMSORG_UNITS,
    PLACES,
    POPULATION,
    QUARRY_NAMES,
    RAILWAY,
    RENTAL_UNITS,
    RIVER,
    RIVER_BRIDGES_M,
    ROADS,
    SEA_BOXES,
    SEED,
    SYNTH_RESERVES,
    PlaceSpec,
)
from geoplan.demo.write import (
    FIXED_TIMESTAMP,
    README_TEXT,
    metadata_table,
    read_layers,
    summary,
    write_demo,
    write_gpkg,
)
from geoplan.demo.zoning import BUILT_CODES, classify_zoning

__all__ = [
    "ATTRIBUTION", "AXES", "BUILT_CODES", "CRS", "DATA_DIR", "DWELLINGS", "EPSG", "FIXED_TIMESTAMP",
    "FJORD_ARM", "FJORD_BRIDGES_M", "INNSPILL", "KOMMUNER_FILE", "LAYER_ORDER", "NAMED_RESERVES",
    "N_GRUNNKRETS", "N_ZONING", "OMSORG_UNITS", "PLACES", "POPULATION", "QUARRY_NAMES", "RAILWAY",
    "README_TEXT", "RENTAL_UNITS", "RIVER", "RIVER_BRIDGES_M", "ROADS", "SEA_BOXES", "SEED",
    "STREET_A", "STREET_B", "SYNTH_RESERVES", "PlaceSpec",
    "aggregate_grunnkrets", "allocate_counts", "blob", "build_demo", "building_sizes",
    "classify_zoning", "fake_addresses", "fill_units", "grid", "inside_point", "lattice_network",
    "metadata_table", "municipality_outline", "nearest_index", "noise_raster", "pick_weighted",
    "place_blob", "polygonal", "polyline", "read_layers", "sample_mixture", "scaled_to_area",
    "sort_layer", "summary", "take_to_total", "terrain_raster", "urbanity", "voronoi_cells",
    "write_demo", "write_geotiff", "write_gpkg",
]
