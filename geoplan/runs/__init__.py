"""From a Dataset and a Config to one analysis call: the single place for that plumbing.

The command line, the app and the reports all run the analyses with the
parameters in ``config/`` (possibly overridden for the run). Which config key
feeds which argument is decided here, once, so a number shown in the app, the
CLI's ``--json`` and a report cannot drift apart. The functions do no file I/O
beyond what :class:`~geoplan.io.Dataset` already holds (rasters are read
by path through :mod:`geoplan.io.raster`), and print nothing.

One module per analysis; their functions are re-exported here, so callers write
``runs.reserves(ds, cfg, year=2040)``. They are imported on first use: ``geoplan
reserves`` does not pay for PySAL (concentration) or scipy (the walking network).
"""

from __future__ import annotations

import sys
import types
from typing import TYPE_CHECKING, Any

from geoplan._lazy import lazy_attribute

#: public name -> the module under geoplan.runs that defines it
_EXPORTS = {
    "arealregnskap": "arealregnskap",
    "cluster_kwargs": "concentration", "concentration": "concentration",
    "concentration_model": "concentration", "concentration_settings": "concentration",
    "area_need": "reserves", "growth_parameters": "reserves", "plain_places": "reserves",
    "prepare_reserves": "reserves", "reserves": "reserves",
    "schools": "schools",
    "assess": "sites", "assessor": "sites",
}
_MODULES = {name: f"geoplan.runs.{module}" for name, module in _EXPORTS.items()}

if TYPE_CHECKING:  # pragma: no cover
    from geoplan.runs.arealregnskap import arealregnskap  # noqa: F401
    from geoplan.runs.concentration import (  # noqa: F401
        cluster_kwargs,
        concentration,
        concentration_model,
        concentration_settings,
    )
    from geoplan.runs.reserves import (  # noqa: F401
        area_need,
        growth_parameters,
        plain_places,
        prepare_reserves,
        reserves,
    )
    from geoplan.runs.schools import schools  # noqa: F401
    from geoplan.runs.sites import assess, assessor  # noqa: F401


def __getattr__(name: str) -> Any:
    """A re-exported function on first use; ``RESERVE_OPTIONAL_LAYERS`` loads the reserve analysis."""
    if name == "RESERVE_OPTIONAL_LAYERS":
        from geoplan.analysis.reserves import OPTIONAL_LAYERS
        return OPTIONAL_LAYERS
    # a submodule and its function share a name (runs.reserves): this takes the function
    return lazy_attribute(globals(), __name__, _MODULES, name)


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})


class _Runs(types.ModuleType):
    """The package, whose function attributes a first import of their submodule cannot replace.

    ``import geoplan.runs.reserves`` binds the submodule as the package's attribute
    ``reserves``; here that name keeps meaning the function ``runs.reserves``.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, types.ModuleType) and _EXPORTS.get(name) == name:
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Runs
