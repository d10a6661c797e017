"""The report's sections, one module per family; importing this package registers them.

need           land need per scenario, balance per place, ranked parcels
transit        proximity of reserves and proposals to public transport
schools        the school criterion (1.5 km circles) with one map per place
concentration  municipal dwellings per grunnkrets (always aggregated and suppressed)
population     population by age, housing need by target group, walking access for the elderly
arealregnskap  reserve by land type and the proposal against the plan in force (KDD 2023)
appendix       parameters with sources, data provenance
"""

from geoplan.present.report.sections import (  # noqa: F401 - registers the builders
    appendix,
    arealregnskap,
    concentration,
    need,
    population,
    schools,
    transit,
)
