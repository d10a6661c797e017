"""The smaller places outside the named ones, and spredt boligbebyggelse.

Larvik kommune's Boligplan 2015–2020 gives 70 % of the growth to Larvik by and
30 % to Stavern, Helgeroa, Tjøllingvollen and Kvelde, and adds: «I tillegg skal
de andre mindre tettstedene ha en vekst som opprettholder dagens
tettstedsstruktur» (l. 2347–2350). :func:`village_need` gives each such place
(a ``sentrum`` point outside every utviklingsgrense) a growth of its own, **in
addition** to the named places' shares, which stay as the source's table: by
default its share of today's dwellings (``reserves.villages``, a municipal
choice). The growth itself is :func:`geoplan.analysis.growth.area_need`, the
same function as for the named places, so whatever replaces the flat rate
there (a population projection) replaces it here too.

The whole reserve is to be reviewed, «Dette gjelder også områdene som er avsatt
som spredt boligbebyggelse» (l. 2460–2465): :func:`spredt_review` lists the
zoning of ``reserves.spredt_codes`` (5200, 5210) by place, with the hard
criteria that hit it, on its own line: it is not dense housing reserve.
"""

from __future__ import annotations

from typing import Callable, Iterable

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoplan.analysis.places import M2_PER_DAA, place_key, present
from geoplan.config.reserves import VillageSettings

VILLAGE_COLUMNS = ["sted", "boliger_i_dag", "andel", "andel_kilde", "boenheter_per_daa",
                   "reserve_daa"]


def _points(layer: gpd.GeoDataFrame) -> np.ndarray:
    g = layer.geometry.to_numpy()
    pts = g.copy()
    poly = present(g) & (shapely.get_type_id(np.where(present(g), g, shapely.Point())) != 0)
    if poly.any():
        pts[poly] = shapely.point_on_surface(g[poly])
    return pts


def villages(sentrum: gpd.GeoDataFrame | None, boundaries: gpd.GeoDataFrame,
             bygning: gpd.GeoDataFrame | None, settings: VillageSettings,
             reserve: gpd.GeoDataFrame | None = None) -> tuple[pd.DataFrame, list[str]]:
    """The smaller places and their share of the growth.

    Parameters
    ----------
    sentrum : centre points with ``navn``; those outside every boundary and not
        named like a boundary are the villages.
    boundaries : the utviklingsgrenser (``navn``).
    bygning : buildings with ``antall_boliger`` (today's dwellings), or None.
    settings : ``reserves.villages``.
    reserve : boligreserve polygons (for the reserve near each village), or None.

    Returns
    -------
    (DataFrame :data:`VILLAGE_COLUMNS`, notes). ``boliger_i_dag``: dwellings within
    ``settings.radius_m`` of the village's point and outside every boundary;
    ``andel``: those over all dwellings in ``bygning`` (rule ``dagens_boliger``),
    or the share set in ``settings.shares``; ``reserve_daa``: boligreserve within
    the radius and outside every boundary.
    """
    notes: list[str] = []
    empty = pd.DataFrame(columns=VILLAGE_COLUMNS)
    if sentrum is None or len(sentrum) == 0 or "navn" not in sentrum.columns:
        return empty, notes
    bu = shapely.union_all(boundaries.geometry.to_numpy()[present(boundaries.geometry.to_numpy())])
    named = {place_key(n) for n in boundaries.get("navn", [])}
    pts = _points(sentrum)
    keep = present(pts) & ~shapely.intersects(pts, bu) & \
        ~sentrum["navn"].map(place_key).isin(named).to_numpy()
    if not keep.any():
        return empty, notes
    names = sentrum["navn"].to_numpy(dtype=object)[keep]
    circles = shapely.difference(shapely.buffer(pts[keep], settings.radius_m, quad_segs=32), bu)
    dw = np.full(len(names), np.nan)
    total = np.nan
    if bygning is not None and len(bygning) and "antall_boliger" in bygning.columns:
        bp = _points(bygning)
        n_dw = pd.to_numeric(bygning["antall_boliger"], errors="coerce").fillna(0).to_numpy()
        total = float(n_dw.sum())
        ok = present(bp)
        tree = shapely.STRtree(bp[ok])
        ci, bi = tree.query(circles, predicate="contains")
        dw = np.bincount(ci, weights=n_dw[ok][bi], minlength=len(names)).astype(float)
    elif settings.share_rule == "dagens_boliger":
        notes.append("Laget «bygning» (antall_boliger) finnes ikke: de mindre tettstedenes andel "
                     "av dagens boliger kan ikke regnes, og de får ingen egen vekst her.")
    res = np.zeros(len(names))
    if reserve is not None and len(reserve):
        rg = shapely.union_all(reserve.geometry.to_numpy()[present(reserve.geometry.to_numpy())])
        res = shapely.area(shapely.intersection(circles, rg)) / M2_PER_DAA
    given = {place_key(k): float(v) for k, v in settings.shares.items()}
    share, src = [], []
    for n, d in zip(names, dw):
        if place_key(n) in given:
            share.append(given[place_key(n)])
            src.append("konfigurasjon")
        elif settings.share_rule == "dagens_boliger" and total and total > 0 and d == d:
            share.append(d / total)
            src.append("andel av dagens boliger")
        else:
            share.append(0.0)
            src.append("ingen")
    out = pd.DataFrame({"sted": names, "boliger_i_dag": dw, "andel": share, "andel_kilde": src,
                        "boenheter_per_daa": float(settings.dwellings_per_daa),
                        "reserve_daa": res})
    return out, notes


def village_need(table: pd.DataFrame, need: Callable[..., pd.DataFrame], **growth) -> pd.DataFrame:
    """The area need of the villages «i tillegg»: ``need`` (e.g.
    :func:`geoplan.analysis.growth.area_need`) called with the villages' table
    (``sted``, ``andel``, ``boenheter_per_daa``) and the same growth keywords as
    for the named places; the result gets ``i_tillegg = True``."""
    if not len(table):
        return pd.DataFrame()
    out = need(table[["sted", "andel", "boenheter_per_daa"]], **growth)
    out["i_tillegg"] = True
    return out


def spredt_review(arealformal: gpd.GeoDataFrame, places: gpd.GeoDataFrame,
                  codes: Iterable[int], zones=None) -> gpd.GeoDataFrame:
    """The zoning for spredt boligbebyggelse, each area with its place and the hard
    criteria that hit it.

    Parameters
    ----------
    arealformal : zoning polygons.
    places : dissolved boundaries (``sted``, ``_key``, geometry).
    codes : ``reserves.spredt_codes``.
    zones : :class:`geoplan.analysis.exclusions.Zones`, or None.

    Returns
    -------
    GeoDataFrame ``navn``, ``sted`` (the boundary holding most of it; None
    outside every boundary), ``arealformal``, ``arealbruksstatus``,
    ``areal_daa``, ``utelatt_daa`` (hit by a hard criterion), ``grunn``, geometry.
    """
    code = pd.to_numeric(arealformal["arealformal"], errors="coerce")
    sel = arealformal[code.isin([int(c) for c in codes]).to_numpy()
                      & present(arealformal.geometry.to_numpy())]
    g = sel.geometry.to_numpy()
    sted = np.full(len(sel), None, dtype=object)
    pg = places.geometry.to_numpy()
    if len(sel) and len(pg):
        inter = shapely.area(shapely.intersection(g[:, None], pg[None, :]))
        best = inter.argmax(axis=1)
        has = inter.max(axis=1) > 0
        sted[has] = places["sted"].to_numpy(dtype=object)[best[has]]
    nm = sel["navn"].astype(object).where(sel["navn"].notna(), None).to_numpy() \
        if "navn" in sel.columns else np.full(len(sel), None, dtype=object)
    navn = [n if n else f"Spredt {i}" for n, i in zip(nm, sel.index)]
    utelatt = np.zeros(len(sel))
    grunn = [""] * len(sel)
    for i in range(len(sel)):
        if zones is None:
            break
        hit = [(c.reason, z) for c, z in zones.of(sted[i]) if z is not None
               and shapely.area(shapely.intersection(g[i], z)) > 0]
        if hit:
            utelatt[i] = shapely.area(shapely.intersection(
                g[i], shapely.union_all([z for _r, z in hit]))) / M2_PER_DAA
            grunn[i] = "; ".join(r for r, _z in hit)
    status = pd.to_numeric(sel["arealbruksstatus"], errors="coerce").astype("Int64").to_numpy() \
        if "arealbruksstatus" in sel.columns else pd.NA
    return gpd.GeoDataFrame({
        "navn": navn, "sted": sted,
        "arealformal": pd.to_numeric(sel["arealformal"], errors="coerce").astype("Int64").to_numpy(),
        "arealbruksstatus": status, "areal_daa": shapely.area(g) / M2_PER_DAA,
        "utelatt_daa": utelatt, "grunn": grunn}, geometry=g, crs=arealformal.crs)
