"""Municipal points joined to grunnkretser and buildings, and the sums per area.

A point belongs to the first grunnkrets it intersects. It belongs to the building
with its ``bygg_id``, else the building it lies in, else the nearest building
within the match distance. Unmatched points, unknown ``bygg_id``, repeated
``bygg_id`` and buildings with more municipal units than dwellings are reported
in ``datafeil`` (by ``bygg_id``: internal; :mod:`geoplan.privacy` publishes the count).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely

from geoplan.analysis.concentration._arrays import PointIndex, _first_match
from geoplan.analysis.concentration.prepare import Buildings, Dwellings, Grunnkretser, _labels
from geoplan.numbers import short_number


@dataclass
class Joined:
    """The join of points to areas, and units summed per area."""

    pts: np.ndarray          #: shapely points of the municipal dwellings
    gk_of: np.ndarray        #: grunnkrets position per point (-1: outside)
    b_of: np.ndarray         #: building position per point (-1: none)
    b_how: np.ndarray        #: how the building was found (bygg_id / innenfor / nærmeste / None)
    g_units: np.ndarray      #: units per grunnkrets
    g_units_k: np.ndarray    #: units per grunnkrets × kategori
    b_units: np.ndarray      #: units per building
    b_units_k: np.ndarray    #: units per building × kategori
    u_xy: np.ndarray         #: unique point places
    u_inv: np.ndarray        #: place of each point in ``u_xy``
    u_units: np.ndarray      #: units per place
    u_hf: np.ndarray         #: Housing First units per place
    d_kdtree: PointIndex     #: index of the places (radius sums)


def locate_building(bd: Buildings, pts: np.ndarray,
                    match_distance_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Building position for points by location: inside a polygon, else nearest ≤ match distance (m)."""
    n = len(pts)
    pos = np.full(n, -1, dtype=np.int64)
    how = np.full(n, None, dtype=object)
    if bd.tree is None or n == 0:
        return pos, how
    inside = _first_match(bd.tree.query(pts, predicate="intersects"), n)
    pos[inside >= 0] = inside[inside >= 0]
    how[inside >= 0] = "innenfor"
    rest = np.flatnonzero(pos < 0)
    if len(rest):
        pairs = bd.tree.query_nearest(pts[rest], max_distance=match_distance_m, all_matches=False)
        near = _first_match(pairs, len(rest))
        hit = near >= 0
        pos[rest[hit]] = near[hit]
        how[rest[hit]] = "nærmeste"
    return pos, how


def _match_by_id(dw: Dwellings, bd: Buildings) -> tuple[np.ndarray, list[dict]]:
    """Building position per point by ``bygg_id`` (-1: no id or unknown id)."""
    assert dw.ids is not None and bd.ids is not None
    problems: list[dict] = []
    idx = pd.Index(bd.ids)
    if not idx.is_unique:
        dup = pd.Series(bd.ids).duplicated(keep=False).to_numpy() & pd.notna(bd.ids)
        if dup.any():
            problems.append({
                "type": "duplikat_bygg_id", "antall": int(dup.sum()),
                "objekter": sorted({str(v) for v in bd.ids[dup]})[:50],
                "melding": (f"{int(dup.sum())} bygninger deler bygg_id med en annen; "
                            "den første er brukt ved kobling på bygg_id."),
            })
        first = ~pd.Series(bd.ids).duplicated(keep="first").to_numpy()
        lookup = pd.Series(np.flatnonzero(first), index=pd.Index(bd.ids[first]))
    else:
        lookup = pd.Series(np.arange(len(idx)), index=idx)
    has = pd.notna(dw.ids)
    found = np.full(dw.n, -1, dtype=np.int64)
    if has.any():
        got = lookup.reindex(dw.ids[has]).to_numpy(dtype=float, na_value=np.nan)
        found[has] = np.where(np.isnan(got), -1, got).astype(np.int64)
    unknown = has & (found < 0)
    if unknown.any():
        problems.append({
            "type": "ukjent_bygg_id", "antall": int(unknown.sum()),
            "objekter": [int(p) + 1 for p in np.flatnonzero(unknown)],
            "melding": (
                f"{int(unknown.sum())} kommunale boligpunkter har en bygg_id som ikke finnes "
                f"i laget «bygning» ({_labels(np.flatnonzero(unknown), dw.ids)}); "
                "de er knyttet til bygning etter beliggenhet."),
        })
    return found, problems


def match_buildings(dw: Dwellings, bd: Buildings, pts: np.ndarray,
                    match_distance_m: float) -> tuple[np.ndarray, np.ndarray, list[dict]]:
    """Building position and match method per point, by ``bygg_id`` first, then by location."""
    b_of = np.full(dw.n, -1, dtype=np.int64)
    how = np.full(dw.n, None, dtype=object)
    problems: list[dict] = []
    if bd.ids is None:
        return b_of, how, problems
    if dw.ids is not None:
        found, problems = _match_by_id(dw, bd)
        b_of[found >= 0] = found[found >= 0]
        how[found >= 0] = "bygg_id"
    rest = np.flatnonzero(b_of < 0)
    if len(rest):
        p, h = locate_building(bd, pts[rest], match_distance_m)
        b_of[rest] = p
        how[rest] = h
    none = b_of < 0
    if none.any():
        problems.append({
            "type": "uten_bygning", "antall": int(none.sum()),
            "objekter": [int(p) + 1 for p in np.flatnonzero(none)],
            "melding": (
                f"{int(none.sum())} kommunale boligpunkter kunne ikke knyttes til en bygning "
                f"(ingen bygg_id-treff og ingen bygning innenfor {short_number(match_distance_m)} m): "
                f"{_labels(np.flatnonzero(none), dw.ids)}."),
        })
    return b_of, how, problems


def building_unit_problems(bd: Buildings, b_units: np.ndarray) -> list[dict]:
    """Buildings with more municipal units than dwellings (a data error), named by ``bygg_id``.

    Their share is undefined (:func:`.buildings.building_table` leaves it out and marks
    the row); a building without ``antall_boliger`` is not counted here.
    """
    if bd.ids is None or len(b_units) == 0:
        return []
    over = np.flatnonzero(np.isfinite(bd.dw) & (b_units > bd.dw))
    if not len(over):
        return []
    det = ", ".join(f"{_labels(np.array([p]), bd.ids)}: {int(round(b_units[p]))} enheter mot "
                    f"{int(bd.dw[p])} boliger" for p in over[:5])
    more = f" og {len(over) - 5} til" if len(over) > 5 else ""
    return [{
        "type": "flere_enheter_enn_boliger_bygning", "antall": int(len(over)),
        "objekter": [str(bd.ids[p]) if pd.notna(bd.ids[p]) else f"objekt nr. {int(p) + 1}"
                     for p in over],
        "melding": (f"{len(over)} bygning(er) har flere kommunale enheter enn boliger ({det}{more}). "
                    "Andelen er ikke beregnet for dem. Kontroller antall_boliger i laget «bygning» "
                    "og antall_enheter og bygg_id i laget «kommunal_bolig»."),
    }]


def join(dw: Dwellings, gk: Grunnkretser, bd: Buildings, *, match_distance_m: float,
         hf_code: int) -> tuple[Joined, list[dict]]:
    """Join the points to grunnkretser and buildings and sum their units per area and place.

    ``hf_code`` is the position of the Housing First kategori in ``dw.kat_names``
    (-1: none in the data).
    """
    n = dw.n
    pts = shapely.points(dw.xy)
    gk_of = _first_match(gk.tree.query(pts, predicate="intersects"), n)
    b_of, how, problems = match_buildings(dw, bd, pts, match_distance_m)
    ng, nk = len(gk.ids), len(dw.kat_names)
    inside = gk_of >= 0
    g_units = np.bincount(gk_of[inside], weights=dw.units[inside], minlength=ng)
    g_units_k = np.bincount(gk_of[inside] * nk + dw.kat_code[inside],
                            weights=dw.units[inside], minlength=ng * nk).reshape(ng, nk)
    nb = 0 if bd.ids is None else len(bd.ids)
    inb = b_of >= 0
    b_units = np.bincount(b_of[inb], weights=dw.units[inb], minlength=nb)
    b_units_k = np.bincount(b_of[inb] * nk + dw.kat_code[inb],
                            weights=dw.units[inb], minlength=nb * nk).reshape(nb, nk)
    problems += building_unit_problems(bd, b_units)
    # index of municipal points (unique places, summed weights)
    uxy, inv = np.unique(dw.xy, axis=0, return_inverse=True)
    inv = inv.reshape(-1)
    hfw = dw.units * (dw.kat_code == hf_code) if hf_code >= 0 else np.zeros(n)
    return Joined(pts=pts, gk_of=gk_of, b_of=b_of, b_how=how, g_units=g_units, g_units_k=g_units_k,
                  b_units=b_units, b_units_k=b_units_k, u_xy=uxy, u_inv=inv,
                  u_units=np.bincount(inv, weights=dw.units, minlength=len(uxy)),
                  u_hf=np.bincount(inv, weights=hfw, minlength=len(uxy)),
                  d_kdtree=PointIndex(uxy)), problems
