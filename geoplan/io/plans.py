"""Plan files (SOSI text or SOSI-GML) -> geoplan's plan layers, and several plans -> one.

A plan file holds many object types; geoplan uses five of them:

* ``arealformal`` -- KpArealformålOmråde, RpArealformålOmråde and the pre-2009
  KpArealbrukOmråde / RbFormålOmråde,
* ``planomrade`` -- KpOmråde, RpOmråde (the plan's boundary),
* ``hensynssone`` -- every Kp/Rp…Sone except fare and støy (with ``hensynstype``),
* ``faresone`` -- KpFareSone, RpFareSone,
* ``stoysone`` -- KpStøySone, RpStøySone (``sone`` «rød»/«gul» per T-1442).

Each feature keeps ``planid``, ``plannivaa``, ``plantype``, ``planstatus``,
``vertikalniva`` and ``fil``: from its own attributes, else through its links
(GML 5.0: formål -> RpOmråde -> Arealplan), else from the file's one plan area.
:func:`combine_plans` puts several plans together with the precedence of
:class:`geoplan.config.plans.PlanSettings` and reports the overlaps with their areas.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoplan.numbers import fixed

AREALFORMAL_TYPES = ("KpArealformålOmråde", "RpArealformålOmråde")
OLD_AREALFORMAL_TYPES = ("KpArealbrukOmråde", "RbFormålOmråde")
PLANOMRADE_TYPES = ("KpOmråde", "RpOmråde")
_SONE = re.compile(r"^(Kp|Rp)(\w+?)Sone$")
_HENSYN_WORD = {"AngittHensyn": "angitt hensyn", "Sikring": "sikring", "Båndlegging": "båndlegging",
                "Infrastruktur": "infrastruktur", "Gjennomføring": "gjennomføring",
                "Detaljering": "detaljering", "Fare": "fare", "Støy": "støy"}
#: T-1442 zones in the Kp/RpStøySone code list
STOY_SONE = {210: "rød", 220: "gul", 290: "annen"}
PLAN_LAYERS = ("arealformal", "planomrade", "hensynssone", "faresone", "stoysone")

# attribute names as SOSI text (upper case) and SOSI-GML write them, lower-cased
_PLANID = ("planid", "planidentifikasjon")
_KOMM = ("komm", "kommunenummer")
_PLANTYPE = ("plantype",)
_PLANSTATUS = ("planstat", "planstatus")
_VERTNIV = ("vertniv", "vertikalnivå")
_FORMAL = ("kparealformål", "rparealformål", "arealformål")
_OLD_FORMAL = ("arealbruk", "kparealbruk", "reguleringsformål", "regform", "rbformål")
_STATUS = ("arbrukstatus", "arealbrukstatus", "arealbruksstatus", "kparealbruksstatus")
_NAME = ("feltnavn", "områdenavn", "kpområdenavn", "rpområdenavn", "hensynsonenavn",
         "hensynssonenavn", "hensynsonenavn", "plannavn")


def layer_of(ftype: str) -> str | None:
    """The plan layer an object type belongs to (None: not one geoplan uses)."""
    if ftype in AREALFORMAL_TYPES or ftype in OLD_AREALFORMAL_TYPES:
        return "arealformal"
    if ftype in PLANOMRADE_TYPES:
        return "planomrade"
    m = _SONE.match(ftype)
    if m:
        return {"Fare": "faresone", "Støy": "stoysone"}.get(m.group(2), "hensynssone")
    return None


def is_plan(types) -> bool:
    return any(layer_of(t) is not None for t in types)


def _col(gdf: pd.DataFrame, names: tuple[str, ...]) -> str | None:
    low = {str(c).lower(): c for c in gdf.columns}
    return next((low[n] for n in names if n in low), None)


def _num(s: pd.Series) -> pd.Series:
    return pd.to_numeric(s, errors="coerce").astype("Float64")


def plan_level(plantype, ftype: str) -> str:
    """«kommuneplan», «kommunedelplan» or «reguleringsplan» from SOSI plantype (20/21/22, 3x)."""
    try:
        t = int(plantype)
    except (TypeError, ValueError):
        t = 0
    if t == 21:
        return "kommunedelplan"
    if 20 <= t < 30:
        return "kommuneplan"
    if 30 <= t < 40:
        return "reguleringsplan"
    return "kommuneplan" if ftype.startswith("Kp") else "reguleringsplan"


@dataclass
class PlanLayers:
    """The plan layers of one file (frames in the file's CRS) and what the file said."""

    source: str
    frames: dict[str, gpd.GeoDataFrame] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    other_types: dict[str, int] = field(default_factory=dict)


def _plan_context(types: dict[str, gpd.GeoDataFrame]) -> tuple[dict, dict]:
    """Plan attributes by gml_id (RpOmråde/KpOmråde/Arealplan) and the file's single plan, if one."""
    by_id: dict[str, dict] = {}
    single: dict = {}
    plans = [t for t in ("Arealplan", "Kommuneplan", "Reguleringsplan") if t in types]
    areas = [t for t in PLANOMRADE_TYPES if t in types]
    for t in plans + areas:
        for rec in types[t].drop(columns="geometry").to_dict("records"):
            if rec.get("gml_id"):
                by_id[str(rec["gml_id"])] = rec
    recs = [r for t in plans + areas for r in types[t].drop(columns="geometry").to_dict("records")]
    if recs and len({str(_first(r, _PLANID)) for r in recs if _first(r, _PLANID)}) <= 1:
        for r in recs:
            for k, v in r.items():
                if v not in (None, "") and not (isinstance(v, float) and np.isnan(v)):
                    single.setdefault(k, v)
    return by_id, single


def _first(rec: dict, names: tuple[str, ...]):
    low = {str(k).lower(): v for k, v in rec.items()}
    for n in names:
        v = low.get(n)
        if v is not None and v != "" and not (isinstance(v, float) and np.isnan(v)):
            return v
    return None


def _linked(rec: dict, by_id: dict, single: dict, names: tuple[str, ...]):
    """A plan attribute: the feature's own, via its links (up to two hops), or the file's."""
    v = _first(rec, names)
    seen = 0
    cur = rec
    while v is None and seen < 3:
        href = _first(cur, ("planområde_href", "arealplan_href", "kpområde_href", "rpområde_href"))
        nxt = by_id.get(str(href)) if href else None
        if nxt is None:
            break
        v = _first(nxt, names)
        cur, seen = nxt, seen + 1
    return v if v is not None else _first(single, names)


def _normalise(gdf: gpd.GeoDataFrame, ftype: str, layer: str, by_id: dict, single: dict,
               source: str) -> gpd.GeoDataFrame:
    recs = gdf.drop(columns="geometry").to_dict("records")
    out = gpd.GeoDataFrame(geometry=gdf.geometry.reset_index(drop=True), crs=gdf.crs)
    out["objtype"] = ftype
    out["planid"] = [_linked(r, by_id, single, _PLANID) for r in recs]
    out["kommunenummer"] = [_linked(r, by_id, single, _KOMM) for r in recs]
    ptype = [_linked(r, by_id, single, _PLANTYPE) for r in recs]
    out["plantype"] = _num(pd.Series(ptype, dtype=object))
    out["plannivaa"] = [plan_level(t, ftype) for t in ptype]
    out["planstatus"] = _num(pd.Series([_linked(r, by_id, single, _PLANSTATUS) for r in recs],
                                       dtype=object))
    out["vertikalniva"] = _num(pd.Series([_linked(r, by_id, single, _VERTNIV) for r in recs],
                                         dtype=object))
    out["navn"] = [_first(r, _NAME) for r in recs]
    out["fil"] = source
    if layer == "arealformal":
        out["arealformal"] = _num(pd.Series([_first(r, _FORMAL) for r in recs], dtype=object))
        out["arealbruksstatus"] = _num(pd.Series([_first(r, _STATUS) for r in recs], dtype=object))
        if ftype in OLD_AREALFORMAL_TYPES:
            out["formal_pbl1985"] = _num(pd.Series([_first(r, _OLD_FORMAL) for r in recs],
                                                   dtype=object))
    elif layer in ("hensynssone", "faresone", "stoysone"):
        m = _SONE.match(ftype)
        word = m.group(2) if m else ""
        out["hensynstype"] = _HENSYN_WORD.get(word, word.lower())
        code_names = (f"kp{word.lower()}", f"rp{word.lower()}", word.lower(), word[0].lower() + word[1:])
        out["kode"] = _num(pd.Series([_first(r, code_names) for r in recs], dtype=object))
        if layer == "stoysone":
            out["sone"] = [STOY_SONE.get(int(k), "annen") if pd.notna(k) else None
                           for k in out["kode"]]
    return out


def plan_layers(types: dict[str, gpd.GeoDataFrame], source: str) -> PlanLayers:
    """The plan layers of one file from its frames per object type."""
    by_id, single = _plan_context(types)
    res = PlanLayers(source=source)
    for ftype, gdf in types.items():
        layer = layer_of(ftype)
        if layer is None:
            res.other_types[ftype] = len(gdf)
            continue
        frame = _normalise(gdf, ftype, layer, by_id, single, source)
        res.frames[layer] = (frame if layer not in res.frames else
                             pd.concat([res.frames[layer], frame], ignore_index=True))
    af = res.frames.get("arealformal")
    if af is not None:
        rp = (af["plannivaa"] == "reguleringsplan") & af["arealbruksstatus"].isna()
        if rp.any():
            af.loc[rp, "arealbruksstatus"] = 2
            res.notes.append(
                f"{int(rp.sum())} arealformål i reguleringsplan har ikke arealbruksstatus; satt til 2 "
                "(framtidig). Områder som allerede er bygd ut, telles da som boligreserve: legg "
                "til kolonnen «utbygd» (ja/nei) for dem.")
        old = af["objtype"].isin(OLD_AREALFORMAL_TYPES)
        if old.any():
            res.notes.append(
                f"{int(old.sum())} arealformål er fra planer etter plan- og bygningsloven 1985 "
                f"({', '.join(sorted(set(af.loc[old, 'objtype'])))}). Kodelistene gir ingen entydig "
                "overgang til dagens arealformål; den gamle koden står i «formal_pbl1985», og "
                "objektene uten dagens kode avvises med navn i rapporten.")
    return res


def _daa(m2: float) -> str:
    return fixed(m2 / 1000, 1)


def _plan_name(row) -> str:
    pid = row["planid"] if row["planid"] not in (None, "") and not pd.isna(row["planid"]) else "uten planid"
    return f"{row['plannivaa']} {pid} ({row['fil']})"


def combine_plans(frames: list[gpd.GeoDataFrame], settings) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Several plans' ``arealformal`` -> one, by precedence; notes on what was left out.

    Features are taken out when their vertikalnivå is not in ``settings.vertikalniva``
    (a missing one counts as 2) or their planstatus is excluded; where plans
    overlap, the area goes to the plan first in ``settings.precedence`` (adopted
    before proposed on the same level) and the others are cut; the overlaps are
    reported per pair of plans with their area.
    """
    frames = [f for f in frames if len(f)]
    if not frames:
        return gpd.GeoDataFrame(geometry=[]), []
    crs = next((f.crs for f in frames if f.crs is not None), None)
    frames = [f.to_crs(crs) if f.crs is not None and crs is not None and f.crs != crs else f
              for f in frames]
    gdf = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs=crs)
    notes: list[str] = []
    vn = gdf["vertikalniva"].fillna(2)
    off_level = ~vn.isin(settings.vertikalniva)
    if off_level.any():
        notes.append(f"{int(off_level.sum())} arealformål på andre vertikalnivå enn "
                     f"{', '.join(map(str, settings.vertikalniva))} (f.eks. under grunnen) er ikke tatt "
                     "med.")
    status_out = gdf["planstatus"].isin(settings.excluded_planstatus).fillna(False)
    if status_out.any():
        plans = sorted({_plan_name(r) for _, r in gdf[status_out].iterrows()})
        notes.append(f"{int(status_out.sum())} arealformål fra opphevede eller erstattede planer "
                     f"er ikke tatt med: {', '.join(plans[:5])}.")
    gdf = gdf[~(off_level | status_out).to_numpy()].reset_index(drop=True)
    keys = list(dict.fromkeys(zip(gdf["fil"], gdf["planid"].astype(str))))
    if len(keys) < 2:
        return gdf, notes
    level_rank = {lv: i for i, lv in enumerate(settings.precedence)}
    in_force = gdf["planstatus"].isin(settings.in_force_planstatus).fillna(False)
    gdf["_rank"] = gdf["plannivaa"].map(level_rank).fillna(len(level_rank)) * 2 + (~in_force) * 1
    gdf["_plan"] = list(zip(gdf["fil"], gdf["planid"].astype(str)))
    order = sorted(keys, key=lambda k: float(gdf.loc[gdf["_plan"] == k, "_rank"].min()))
    geoms = gdf.geometry.to_numpy().copy()
    done: list[int] = []
    overlaps: dict[tuple, float] = {}
    for k in order:
        idx = np.flatnonzero((gdf["_plan"] == k).to_numpy())
        if done:
            tree = shapely.STRtree(geoms[done])
            for i in idx:
                hits = tree.query(geoms[i], predicate="intersects")
                if len(hits) == 0:
                    continue
                winners = [done[h] for h in hits]
                cut = shapely.union_all(geoms[winners])
                before = geoms[i].area
                geoms[i] = shapely.difference(geoms[i], cut)
                lost = before - geoms[i].area
                if lost > 0.5:
                    w = max(winners, key=lambda j: shapely.intersection(gdf.geometry.iloc[i], geoms[j]).area)
                    pair = (_plan_name(gdf.iloc[w]), _plan_name(gdf.iloc[i]))
                    overlaps[pair] = overlaps.get(pair, 0.0) + lost
        done.extend(idx.tolist())
    gdf = gdf.set_geometry(gpd.GeoSeries(geoms, crs=crs))
    empty = shapely.is_empty(geoms)
    for (win, lose), m2 in sorted(overlaps.items(), key=lambda kv: -kv[1]):
        notes.append(f"Planene overlapper på {_daa(m2)} daa: {win} går foran {lose} "
                     "(rekkefølgen står i plans.precedence).")
    if empty.any():
        notes.append(f"{int(empty.sum())} arealformål ligger helt under en plan som går foran og "
                     "er ikke tatt med.")
    return gdf[~empty].drop(columns=["_rank", "_plan"]).reset_index(drop=True), notes
