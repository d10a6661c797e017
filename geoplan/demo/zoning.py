"""Zoning of the synthetic municipalities: SOSI arealformål per Voronoi cell.

Generic (any places); shared with ``bench/make_oslo.py``.
"""

from __future__ import annotations

import numpy as np
import shapely

from geoplan.demo.geometry import nearest_index, urbanity

#: SOSI arealformål codes counted as built when nåværende (arealbruksstatus 1)
BUILT_CODES = [1110, 1130, 1300, 1500, 1600, 2010]


def classify_zoning(rng: np.random.Generator, zxy: np.ndarray, pxy: np.ndarray, pscale: np.ndarray,
                    pweight: np.ndarray, big: np.ndarray, sea=None,
                    core_m: float = 450.0) -> tuple[np.ndarray, np.ndarray]:
    """SOSI arealformål code and arealbruksstatus for zoning cells seeded at ``zxy``.

    Cells in towns (urbanity > 0.2) are mostly housing (1110) with næring (1300),
    tjenesteyting (1500), grønnstruktur (3001) and fritid (1600); cells within
    ``core_m`` of a big centre (``big``) are sentrumsformål (1130); the rest is
    LNFR (5100) with fritidsbebyggelse near the sea and scattered næring and
    housing. A few næring cells are framtidig (status 2).
    """
    u = urbanity(zxy, pxy, pscale * 1.8, np.minimum(pweight, 1.0))
    k_near, d_near = nearest_index(zxy, pxy)
    r = rng.random(len(zxy))
    code = np.full(len(zxy), 5100)
    town = u > 0.2
    code[town] = np.select([r[town] < 0.70, r[town] < 0.78, r[town] < 0.85, r[town] < 0.97],
                           [1110, 1300, 1500, 3001], 1600)
    if sea is not None and not sea.is_empty:
        coastal = shapely.dwithin(shapely.points(zxy), sea, 1500)
    else:
        coastal = np.zeros(len(zxy), bool)
    rural = ~town
    code[rural & coastal & (r < 0.18)] = 1600
    code[rural & ~coastal & (r < 0.03)] = 1300
    code[rural & (r > 0.985)] = 1110  # scattered housing
    code[big[k_near] & (d_near < core_m)] = 1130
    status = np.ones(len(zxy), int)
    status[(code == 1300) & (r > 0.93)] = 2
    return code, status

