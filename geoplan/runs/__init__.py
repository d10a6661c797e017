"""From a Dataset and a Config to one analysis call: the single place for that plumbing.

The command line, the app and the reports all run the analyses with the
parameters in ``config/`` (possibly overridden for the run). Which config key
feeds which argument is decided here, once, so a number shown in the app, the
CLI's ``--json`` and a report cannot drift apart. The functions do no file I/O
beyond what :class:`~geoplan.io.Dataset` already holds (rasters are read
by path through :mod:`geoplan.io.raster`), and print nothing.

One module per analysis; their functions are re-exported here, so callers write
``runs.reserves(ds, cfg, year=2040)``.
"""

from typing import Any

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
    reserves,
)
from geoplan.runs.schools import schools  # noqa: F401
from geoplan.runs.sites import assess, assessor  # noqa: F401


def __getattr__(name: str) -> Any:
    """``RESERVE_OPTIONAL_LAYERS`` on first use (it loads the reserve analysis)."""
    if name == "RESERVE_OPTIONAL_LAYERS":
        from geoplan.analysis.reserves import OPTIONAL_LAYERS
        return OPTIONAL_LAYERS
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
