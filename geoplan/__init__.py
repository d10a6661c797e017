"""geoplan: geospatial planning and segregation analysis for Norwegian municipalities.

The public API, for a notebook or a script as much as for the command line::

    import geoplan

    ds = geoplan.load("kommune.gpkg")                      # validated layers, one UTM CRS
    need = geoplan.area_need({"Stavern": 0.2}, base_population=43_200, base_year=2014,
                             years=[2040], rates=[0.015], dwellings_per_daa=3)
    res = geoplan.analyse_reserves(ds.layers, year=2040, rate=0.015)
    sch = geoplan.analyse_schools(ds["utviklingsgrense"], ds["skole"])
    con = geoplan.analyse_concentration(ds["kommunal_bolig"], ds["grunnkrets"])
    site = geoplan.SiteAssessor(ds.layers).assess(shapely.Point(558500, 6547100))

Every analysis also runs on GeoDataFrames built by hand (in a projected CRS,
columns as in the data contract; :meth:`Dataset.from_frames` validates them as
files are validated), and uses the shipped defaults (``geoplan/config/defaults``,
each value with its source) for any parameter not given. Bad arguments and bad
data raise :class:`GeoplanError` subclasses (all :class:`ValueError`) with a
Norwegian message that names what is wrong.

The layout follows the data flow: :mod:`geoplan.io` (the only code that reads
files) → :mod:`geoplan.analysis` (pure functions) → :mod:`geoplan.present`
(command line, app, reports), with :mod:`geoplan.config` for the parameters,
:mod:`geoplan.runs` for "dataset + config → analysis call" and
:mod:`geoplan.privacy` for disclosure control. Names are imported lazily: ``import
geoplan`` is cheap, and touches neither folium nor Streamlit.
"""

from __future__ import annotations

import importlib
from typing import Any

from geoplan._lazy import lazy_attribute

__version__ = "0.1.0"

#: public name -> module that defines it
_API = {
    "load": "geoplan.io",
    "Dataset": "geoplan.io",
    "Config": "geoplan.config",
    "load_config": "geoplan.config",
    "default_config": "geoplan.config",
    "area_need": "geoplan.analysis.growth",
    "analyse_reserves": "geoplan.analysis.reserves",
    "analyse_schools": "geoplan.analysis.schools",
    "analyse_concentration": "geoplan.analysis.concentration",
    "SiteAssessor": "geoplan.analysis.sites",
    "GeoplanError": "geoplan.errors",
    "UnreadableInput": "geoplan.errors",
    "DataProblem": "geoplan.errors",
    "ConfigError": "geoplan.errors",
    "MissingLayer": "geoplan.errors",
}

#: subpackages reachable as attributes (``geoplan.errors.DataProblem``)
_MODULES = ("errors", "io", "config", "analysis", "runs", "privacy", "present")

__all__ = sorted([*_API, *_MODULES, "__version__"])


def __getattr__(name: str) -> Any:
    if name in _MODULES:
        return importlib.import_module(f"geoplan.{name}")
    return lazy_attribute(globals(), __name__, _API, name)


def __dir__() -> list[str]:
    return __all__
