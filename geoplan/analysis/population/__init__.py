"""Population by age, housing need by target group, and walking access for the elderly.

Pure functions; the readers of SSB's files are in :mod:`geoplan.io.ssb`, the
parameters in ``config/population.toml`` (:class:`geoplan.config.population.PopulationSettings`).

* :mod:`.ages` — age groups, regrouping of age bins, the grunnkrets age
  structure with its suppressed cells (what is hidden, bounded);
* :mod:`.distribute` — the projection by age group distributed to grunnkretser
  and places (today's age structure, or the land-need method's growth shares);
* :mod:`.need` — housing need per target group and year against today's stock,
  and the persons/dwellings per horizon for ``arealbehov`` and ``reserves``;
* :mod:`.access` — walking distance from homes to the nearest service of each
  kind and the steepest stretch on the way.
"""

from geoplan.analysis.population.ages import GrunnkretsAges, group_label, grunnkrets_ages, regroup
from geoplan.analysis.population.distribute import by_place, distribute
from geoplan.analysis.population.need import housing_need, need_by_place, persons_per_horizon

__all__ = ["GrunnkretsAges", "by_place", "distribute", "group_label", "grunnkrets_ages",
           "housing_need", "need_by_place", "persons_per_horizon", "regroup"]
