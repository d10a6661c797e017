"""Concentration of municipal rental dwellings: shares, indices, clusters, what-if.

The segregation analysis of DOMAIN.md §2. The sources give rules, not one cap
per area: Housing First at most 20 % of a block or neighbourhood (seed 004,
l. 13355-13359), 10-15 % municipal units in one mixed project (004, l. 9843),
"sell where the share is too high, buy elsewhere" (004, l. 3714-3728), and
the Skytterdalen warning case (003, l. 177-202). Every threshold is a number
passed in (:class:`Thresholds`); :class:`~geoplan.config.concentration.ConcentrationSettings`
reads them from ``config/concentration.toml``, and a call without them uses the
shipped values.

Everything here is a pure function of GeoDataFrames and numbers (no file I/O,
no printing). Shares are computed against *all* dwellings. The package, one
concern per module:

* :mod:`.prepare` — data checks, the layers as arrays; :mod:`.join` — points to
  grunnkretser and buildings;
* :mod:`.grunnkrets` — per grunnkrets: ``kommunale_enheter``, ``antall_boliger``,
  ``andel_pct``, ``lokaliseringskvotient`` and the same by ``kategori``;
* :mod:`.buildings` — per building (``bygg_id``, else by location) and borettslag;
* :mod:`.radius` — within a radius of every municipal dwelling (KD-tree);
* :mod:`.density` — a kernel-density surface of units (array + affine transform);
* :mod:`.weights_hotspots` — Queen/KNN weights and Getis-Ord Gi* on the grunnkrets
  shares (libpysal's and esda's definitions in numpy and shapely, a vectorised
  conditional permutation for the p-values);
* :mod:`.indices` — global indices (dissimilarity, isolation, spatial dissimilarity)
  in numpy, and :func:`global_indices` from PySAL ``segregation``, the reference the
  tests compare them with (PySAL is imported by no command: it costs 2-4 s);
* :mod:`.model` — :class:`ConcentrationModel` (joined once, queried many times)
  and :class:`ConcentrationResult`;
* :mod:`.whatif` — buying ``N`` units at a point: :meth:`ConcentrationModel.purchase_effect`
  (a few hundred microseconds per call) and the full recomputation (:func:`what_if`);
* :mod:`.whatif_batch` — the same purchase effect for many points at once on arrays
  (the site assessment's ``assess_many``; ``purchase_effect`` is it on one point);
* :mod:`.export` — :func:`as_dict`, the JSON shape.

Public outputs pass through :mod:`geoplan.privacy` (small counts suppressed);
:func:`suppress`, :func:`suppress_what_if` and :func:`validate_min_count` are
re-exported here for existing callers.

Data errors are reported in ``datafeil`` and never divided by: a grunnkrets
with no dwellings (share undefined), more municipal units than dwellings,
duplicate points, points outside every grunnkrets.
"""

from __future__ import annotations

from typing import Any

from geoplan.analysis.concentration._arrays import COLD, HOT, NOT_SIGNIFICANT, UNSPECIFIED
from geoplan.analysis.concentration.density import DensitySurface, density_surface
from geoplan.analysis.concentration.export import (
    BUILDING_COLUMNS,
    GK_COLUMNS,
    RADIUS_COLUMNS,
    as_dict,
)
from geoplan.analysis.concentration.indices import (
    _binary_copy,
    dissimilarity,
    global_indices,
    isolation,
    spatial_dissimilarity,
)
from geoplan.analysis.concentration.model import (
    ConcentrationModel,
    ConcentrationResult,
    Thresholds,
    analyse,
)
from geoplan.analysis.concentration.weights_hotspots import gi_star, grunnkrets_weights
from geoplan.analysis.concentration.whatif import purchase_effect, what_if
from geoplan.config.concentration import ConcentrationSettings
from geoplan.privacy import suppress, suppress_what_if, validate_min_count

#: the public verb (``geoplan.analyse_concentration``)
analyse_concentration = analyse

__all__ = [
    "Thresholds", "ConcentrationModel", "ConcentrationResult", "DensitySurface",
    "analyse", "purchase_effect", "what_if", "density_surface", "suppress", "suppress_what_if",
    "as_dict",
    "dissimilarity", "isolation", "spatial_dissimilarity", "global_indices",
    "gi_star", "grunnkrets_weights", "validate_min_count", "settings_from_config",
    "HOT", "COLD", "NOT_SIGNIFICANT", "UNSPECIFIED",
    "GK_COLUMNS", "BUILDING_COLUMNS", "RADIUS_COLUMNS", "_binary_copy",
]


def settings_from_config(cfg: Any = None) -> dict:
    """The settings as the old keyword dict (kept for existing callers).

    A thin wrapper: ``ConcentrationSettings.from_config(cfg).as_dict()``, with
    ``thresholds``, ``radius_m``, ``match_distance_m``, ``permutations``, ``alpha``,
    ``seed``, ``neighbours``, ``knn_k``, ``cell_size_m``, ``bandwidth_m``,
    ``new_dwellings``, ``suppress_zero`` and ``min_count``. New code should use
    :class:`~geoplan.config.concentration.ConcentrationSettings` itself.
    """
    return ConcentrationSettings.from_config(cfg).as_dict()
