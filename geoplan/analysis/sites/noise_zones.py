"""Kind ``stoysone``: the T-1442 noise zones of the plan on the site.

A kommuneplan or reguleringsplan marks road, rail and industry noise as
hensynssoner støy (Kp/RpStøySone), read by :mod:`geoplan.io.plans` into the layer
``stoysone`` with ``sone`` «rød» or «gul» (T-1442/2021's red and yellow zones;
other codes are «annen» and do not count). Where there is no measured noise map
(``stoy.tif``, the ``raster`` criterion), these zones are the noise information a
municipality has; where there is one, both are shown (the plan's zones are what
the plan decides, the raster is what is measured).

The value is the worst zone the site lies in: 0 outside every red and yellow zone,
1 in a yellow zone, 2 in a red zone (a polygon site counts as in a zone when more
than ``min_share_pct`` of its area is, default 0: any overlap). The status follows
the criterion's thresholds (``yellow = 1``, ``red = 2``, ``at_threshold = "worse"``
in the shipped ``sites.toml``: yellow zone -> gul, red zone -> rød), so a
municipality that wants red already in a yellow zone sets ``red = 1``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from geoplan.analysis.sites.kinds import Measure, Sites, feature_names, register_kind, unknown_all
from geoplan.analysis.sites.wording import fmt_num, missing_layer_reason

if TYPE_CHECKING:
    from geoplan.analysis.sites.assessor import SiteAssessor
    from geoplan.analysis.sites.criteria import Criterion

#: T-1442 zone names as the plan layer spells them (and common spellings) -> rank
ZONE_RANK = {"rød": 2, "rod": 2, "red": 2, "gul": 1, "yellow": 1}
ZONE_WORD = {2: "rød", 1: "gul"}


def _zones(a: SiteAssessor, layer: str, column: str) -> Any:
    """``{rank: (prepared union, features, positions)}`` of the red and yellow zones, or a
    sentence when the layer has no such column; None when the layer is missing."""
    def build() -> Any:
        base = a._layer_index(layer)
        if base is None:
            return None
        gdf, _tree, geoms = base
        if column not in gdf.columns:
            return (f"Laget «{layer}» mangler kolonnen «{column}» (rød eller gul sone etter "
                    "T-1442), så støysonene kan ikke vurderes.")
        rank = gdf[column].astype("string").str.strip().str.lower().map(ZONE_RANK)
        rank = rank.fillna(0).to_numpy(dtype=int)
        out = {}
        for r in (2, 1):
            pos = np.flatnonzero(rank == r)
            if len(pos):
                union = shapely.union_all(geoms[pos])
                shapely.prepare(union)
                out[r] = (union, gdf, pos)
        return out
    return a.index.memo(("stoysone", layer, column), build)


def _share(geoms: np.ndarray, union: Any, areal: np.ndarray) -> np.ndarray:
    """Per site: % of its area in ``union`` (a point: 100 inside, 0 outside)."""
    inter = shapely.area(shapely.intersection(geoms, union))
    whole = np.where(areal, shapely.area(geoms), 1.0)
    return np.where(areal, np.clip(inter / whole * 100.0, 0.0, 100.0),
                    np.where(shapely.intersects(geoms, union), 100.0, 0.0))


def _names(union_gdf, pos: np.ndarray, geom: Any) -> list[str]:
    hit = [p for p in pos if shapely.intersects(union_gdf.geometry.iloc[p], geom)]
    return sorted({n for n in feature_names(union_gdf, np.asarray(hit, dtype=int)) if n})


def _sentence(rank: int, shares: dict[int, float], names: list[str], areal: bool,
              dist: float | None) -> str:
    if rank == 0:
        if dist is None:
            return "Planens støysoner har ingen rød eller gul sone (T-1442)."
        return (f"Tomta ligger utenfor planens røde og gule støysoner (T-1442), "
                f"{fmt_num(dist, 0)} m fra nærmeste.")
    where = f" ({', '.join(names)})" if names else ""
    if not areal:
        return f"Tomta ligger i {ZONE_WORD[rank]} støysone (T-1442) i planen{where}."
    parts = [f"{fmt_num(shares[r], 1)} % i {ZONE_WORD[r]} sone" for r in (2, 1) if shares.get(r, 0) > 0]
    return f"Tomta ligger i {ZONE_WORD[rank]} støysone (T-1442) i planen{where}: {' og '.join(parts)}."


@register_kind("stoysone", needs_layer=True)
def _eval_noise_zones(a: SiteAssessor, c: Criterion, s: Sites) -> list[Measure]:
    layer, column = c.layer_name, str(c.opt("column", "sone"))
    zones = _zones(a, layer, column)
    if zones is None:
        why = missing_layer_reason(c.layer)
        measured = c.opt("measured_raster")
        if measured and a.rasters.get(measured) is not None:
            why += f" Støyen er vurdert fra {measured}.tif i kriteriet for målt støy."
        return unknown_all(s.n, why)
    if isinstance(zones, str):
        return unknown_all(s.n, zones)
    min_share = float(c.opt("min_share_pct", 0.0))
    areal = s.is_areal
    shares = {r: _share(s.geoms, z[0], areal) for r, z in zones.items()}
    dist = (np.min([shapely.distance(s.geoms, z[0]) for z in zones.values()], axis=0)
            if zones else None)
    out = []
    for i in range(s.n):
        sh = {r: float(v[i]) for r, v in shares.items()}
        rank = next((r for r in (2, 1) if sh.get(r, 0.0) > min_share), 0)
        names = _names(zones[rank][1], zones[rank][2], s.geoms[i]) if rank else []
        out.append(Measure(value=float(rank), text=_sentence(
            rank, sh, names, bool(areal[i]), None if dist is None else float(dist[i])),
            details={"sone": ZONE_WORD.get(rank), "andel_rod_pct": round(sh.get(2, 0.0), 1),
                     "andel_gul_pct": round(sh.get(1, 0.0), 1), "navn": names}))
    return out
