"""Which reserves to take out where a place's reserve exceeds its need.

Larvik kommune's Boligplan 2015–2020: where the reserve is larger than the
need, «må boligreserven justeres i forhold til arealbehovet, dvs. at det kan bli
snakk om å ta ut områder» (l. 2453–2456), and «områder som ikke er aktuelle og
som har en dårlig plassering tas ut» (l. 2460–2463). The proposal here, per place:

1. the parts of reserves a hard criterion excludes («ikke aktuell»,
   :mod:`geoplan.analysis.exclusions`) go first: they are not aktuelle;
2. then whole reserves, worst placed first (highest ``rang``), while what
   remains of the aktuelle reserve still covers the need;
3. the first reserve larger than what may still go gives its worst-placed part:
   the aktuelle part is cut into square cells (``reserves.takeout_cell_m``),
   steep cells first (more than half of the cell steeper than
   ``reserves.max_slope_pct``), then the cells farthest from the place's
   centre, until the next cell would take the reserve under the need.

The total comes as close to the surplus (reserve − need) as the cells allow,
never under the need; what is left of the surplus is ``gjenstaar_daa``.
Pure functions; areas in daa.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoplan.analysis.places import M2_PER_DAA, place_key

if TYPE_CHECKING:
    from geoplan.io.raster import Raster

TAKEOUT_COLUMNS = ["sted", "navn", "hva", "grunn", "uttak_daa"]
SUMMARY_COLUMNS = ["sted", "overskudd_reserve_daa", "uttak_daa", "uttak_ikke_aktuelt_daa",
                   "gjenstaar_daa"]
#: ``hva`` values of the take-out list
EXCLUDED, WHOLE, PART = "ikke aktuell del", "hele reserven", "del av reserven"


def cells(geom, size_m: float) -> np.ndarray:
    """``geom`` cut by a square grid of ``size_m`` (m): the non-empty pieces."""
    if geom is None or shapely.is_empty(geom):
        return np.empty(0, dtype=object)
    x0, y0, x1, y1 = shapely.bounds(geom)
    xs = np.arange(np.floor(x0 / size_m) * size_m, x1, size_m)
    ys = np.arange(np.floor(y0 / size_m) * size_m, y1, size_m)
    gx, gy = np.meshgrid(xs, ys)
    boxes = shapely.box(gx.ravel(), gy.ravel(), gx.ravel() + size_m, gy.ravel() + size_m)
    shapely.prepare(geom)
    boxes = boxes[shapely.intersects(geom, boxes)]
    # a box wholly inside is its own piece: only the boxes on the boundary are cut
    inside = shapely.contains_properly(geom, boxes)
    pieces = boxes.copy()
    pieces[~inside] = shapely.intersection(boxes[~inside], geom)
    # a box edge along the reserve's boundary comes back as a polygon + a line: only the
    # area is a piece (the line would count in the piece's distance from the centre)
    for i in np.flatnonzero(shapely.get_type_id(pieces) == 7):
        parts = shapely.get_parts(pieces[i])
        parts = parts[np.isin(shapely.get_type_id(parts), (3, 6))]
        pieces[i] = shapely.union_all(parts) if len(parts) else shapely.Polygon()
    return pieces[~shapely.is_empty(pieces) & (shapely.area(pieces) > 0)]


def ranked_cells(geom, *, centre, terrain: "Raster | None", max_slope_pct: float,
                 size_m: float, crs=None) -> tuple[np.ndarray, np.ndarray]:
    """``geom``'s cells (:func:`cells`) worst placed first: steep cells first, then the
    farthest from ``centre``. Returns (cells, their daa), in that order. Depends on no
    growth parameter: :func:`propose_takeout` keeps it per parcel in ``cell_cache``."""
    pieces = cells(geom, size_m)
    if not len(pieces):
        return pieces, np.zeros(0)
    area = shapely.area(pieces) / M2_PER_DAA
    steep = np.zeros(len(pieces))
    if terrain is not None:
        from geoplan.analysis.ranking import zonal_share_above_fast

        share = zonal_share_above_fast(pieces, terrain, float(max_slope_pct), crs=crs,
                                       derive="slope")
        steep = (np.nan_to_num(np.asarray(share, dtype=float)) > 0.5).astype(float)
    dist = shapely.distance(pieces, centre) if centre is not None else np.zeros(len(pieces))
    order = np.lexsort((-dist, -steep))           # steep first, then farthest
    return pieces[order], area[order]


def _take_worst(ranked: tuple[np.ndarray, np.ndarray], room_daa: float) -> tuple[object, float]:
    """The first of the ``ranked`` cells whose daa sum to at most ``room_daa``, as one geometry."""
    pieces, area = ranked
    if not len(pieces) or room_daa <= 0:
        return None, 0.0
    n = int(np.count_nonzero(np.cumsum(area) <= room_daa + 1e-9))
    if not n:
        return None, 0.0
    return _union_of_cells(pieces[:n], float(area[:n].sum() * M2_PER_DAA)), float(area[:n].sum())


def _union_of_cells(pieces: np.ndarray, area_m2: float):
    """The union of grid cells of one polygon. They form a polygon coverage (they meet
    along grid lines and never overlap), so GEOS's coverage union (15× faster than a
    general union on a 1,400-cell reserve) gives it; where it does not come back valid
    with the cells' total area, the general union does."""
    u = shapely.coverage_union_all(pieces)
    if shapely.is_valid(u) and abs(shapely.area(u) - area_m2) <= 1e-6 * max(area_m2, 1.0):
        return u
    return shapely.union_all(pieces)


def worst_part(geom, room_daa: float, *, centre, terrain: "Raster | None", max_slope_pct: float,
               size_m: float, crs=None) -> tuple[object, float]:
    """The worst-placed part of ``geom`` of at most ``room_daa``: steep cells first, then
    the farthest from ``centre``. Returns (geometry or None, its daa)."""
    if room_daa <= 0:
        return None, 0.0
    return _take_worst(ranked_cells(geom, centre=centre, terrain=terrain,
                                    max_slope_pct=max_slope_pct, size_m=size_m, crs=crs), room_daa)


def propose_takeout(parcels: gpd.GeoDataFrame, places: pd.DataFrame, aktuell: np.ndarray,
                    excluded_geoms: np.ndarray, centres: gpd.GeoDataFrame, *,
                    terrain: "Raster | None", max_slope_pct: float, cell_m: float,
                    cell_cache: dict | None = None
                    ) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, pd.DataFrame]:
    """The take-out proposal of every place (see the module docstring).

    Parameters
    ----------
    parcels : ranked parcels (``sted``, ``type``, ``navn``, ``rang``, ``aktuelt_daa``,
        ``grunn_ikke_aktuell``), positional with ``aktuell`` and ``excluded_geoms``.
    places : the balance with ``sted``, ``arealbehov_daa``, ``boligreserve_daa``,
        ``boligreserve_aktuell_daa``.
    aktuell, excluded_geoms : per parcel the aktuelt part and the excluded part.
    centres : :func:`geoplan.analysis.ranking.place_centres`.
    terrain, max_slope_pct, cell_m : for the worst part of a reserve too large to go whole.
    cell_cache : parcel position -> :func:`ranked_cells` of its aktuelle part, filled as
        used; a caller that proposes for the same parcels under other growth parameters
        passes the same dict (the cells do not depend on the need).

    Returns
    -------
    (parcels, takeout, summary)
        parcels : a copy with ``kandidat_uttak`` (the whole aktuelle part proposed
            out) and ``uttak_daa`` (all proposed out of the parcel, excluded part included).
        takeout : GeoDataFrame :data:`TAKEOUT_COLUMNS` + geometry, one row per piece.
        summary : DataFrame :data:`SUMMARY_COLUMNS`, one row per place.
    """
    out = parcels.copy().reset_index(drop=True)
    out["kandidat_uttak"] = False
    out["uttak_daa"] = 0.0
    cmap = dict(zip(centres["_key"], centres.geometry.to_numpy()))
    rows, summary = [], []
    keys = out["sted"].map(place_key)
    is_res = (out["type"] == "reserve").to_numpy()
    for pl in places.itertuples(index=False):
        k = place_key(pl.sted)
        mine = np.flatnonzero(is_res & (keys == k).to_numpy() & out["sted"].notna().to_numpy())
        surplus = max(float(pl.boligreserve_daa) - float(pl.arealbehov_daa), 0.0)
        excl = 0.0
        for i in mine:
            a = float(out.at[i, "utelatt_daa"]) if "utelatt_daa" in out else 0.0
            if a > 1e-6:
                rows.append({"sted": pl.sted, "navn": out.at[i, "navn"], "hva": EXCLUDED,
                             "grunn": out.at[i, "grunn_ikke_aktuell"], "uttak_daa": a,
                             "geometry": excluded_geoms[i]})
                out.at[i, "uttak_daa"] += a
                excl += a
        room = float(getattr(pl, "boligreserve_aktuell_daa", pl.boligreserve_daa)) \
            - float(pl.arealbehov_daa)
        ranked = [i for i in mine if pd.notna(out.at[i, "rang"])]
        for i in sorted(ranked, key=lambda j: -int(out.at[j, "rang"])):   # worst placed first
            if room <= 1e-9:
                break
            a = float(out.at[i, "aktuelt_daa"])
            if a <= room + 1e-9:
                rows.append({"sted": pl.sted, "navn": out.at[i, "navn"], "hva": WHOLE,
                             "grunn": "dårligst plassert", "uttak_daa": a, "geometry": aktuell[i]})
                out.at[i, "kandidat_uttak"] = True
                out.at[i, "uttak_daa"] += a
                room -= a
                continue
            ranked_i = cell_cache.get(int(i)) if cell_cache is not None else None
            if ranked_i is None:
                ranked_i = ranked_cells(aktuell[i], centre=cmap.get(k), terrain=terrain,
                                        max_slope_pct=max_slope_pct, size_m=cell_m, crs=out.crs)
                if cell_cache is not None:
                    cell_cache[int(i)] = ranked_i
            part, a = _take_worst(ranked_i, room)
            if part is not None:
                rows.append({"sted": pl.sted, "navn": out.at[i, "navn"], "hva": PART,
                             "grunn": "bratteste og fjerneste del fra sentrum", "uttak_daa": a,
                             "geometry": part})
                out.at[i, "uttak_daa"] += a
                room -= a
            break
        total = float(out.loc[mine, "uttak_daa"].sum()) if len(mine) else 0.0
        summary.append({"sted": pl.sted, "overskudd_reserve_daa": surplus, "uttak_daa": total,
                        "uttak_ikke_aktuelt_daa": excl,
                        "gjenstaar_daa": max(surplus - total, 0.0)})
    take = gpd.GeoDataFrame(rows, columns=TAKEOUT_COLUMNS + ["geometry"], geometry="geometry",
                            crs=parcels.crs)
    return out, take, pd.DataFrame(summary, columns=SUMMARY_COLUMNS)
