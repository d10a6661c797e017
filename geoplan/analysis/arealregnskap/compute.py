"""The union behind every table: plan in force × proposal × places × AR5, plus zone areas.

:func:`build_pieces` returns the piece table the guideline's technical manual makes
with a GIS «union» and exports to a spreadsheet (vedlegg 2), computed exactly
(:mod:`~geoplan.analysis.arealregnskap.overlay`): one row per piece of land with the
arealformål in force (``f_*``) and proposed (``p_*``), the place, the AR5 land type
and, per nature/hazard layer, the m² of the piece inside it.
"""

from __future__ import annotations

from typing import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoplan.analysis.arealregnskap import codes
from geoplan.analysis.arealregnskap.overlay import Cover, cover_rest, inside_area, pieces_of, split
from geoplan.analysis.places import dissolve_places
from geoplan.analysis.reserves import housing_reserve
from geoplan.config.arealregnskap import ArealregnskapSettings

#: the place of land outside every utviklingsgrense
OUTSIDE = "Utenfor utviklingsgrensene"
#: the nature and hazard layers, in table order, with their names in the tables
ZONE_LAYERS = {"naturtype": "Naturtyper", "verneomrade": "Verneområder", "flomsone": "Flomsoner",
               "skredfare": "Skredfaresoner", "strandsone": "100-metersbeltet langs sjøen"}


def plan_attrs(plan: gpd.GeoDataFrame, settings: ArealregnskapSettings, prefix: str) -> pd.DataFrame:
    """Per plan polygon: code, building category, reserve (zoned, not built), fortetting."""
    code = pd.to_numeric(plan["arealformal"], errors="coerce").fillna(-2).astype("int64")
    cat_of = settings.category_of()
    cat = code.map(cat_of).fillna("").astype(str).to_numpy()
    # the one «zoned for building, not built» rule (reserves.housing_reserve), per category's codes
    reserve = plan.index.isin(housing_reserve(plan, settings.building_codes).index)
    status = pd.to_numeric(plan.get("arealbruksstatus"), errors="coerce") \
        if "arealbruksstatus" in plan else pd.Series(np.nan, index=plan.index)
    fort = (cat != "") & ~reserve & status.isin(settings.fortetting_status).to_numpy()
    return pd.DataFrame({f"{prefix}_code": code.to_numpy(), f"{prefix}_cat": cat,
                         f"{prefix}_reserve": reserve, f"{prefix}_fortetting": fort})


def _blank(prefix: str, code: int) -> dict:
    return {f"{prefix}_code": code, f"{prefix}_cat": "", f"{prefix}_reserve": False,
            f"{prefix}_fortetting": False}


def _equal_pairs(f_geoms: np.ndarray, p_geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs of polygons that are identical in both plans (most of a revision).

    Matched on the WKB (same vertices in the same order), one to one: a duplicate in
    either plan is paired at most once and the rest is cut like any other polygon.
    """
    if not len(f_geoms) or not len(p_geoms):
        return np.zeros(0, "int64"), np.zeros(0, "int64")
    pw = pd.Index(shapely.to_wkb(p_geoms))
    first_p = ~pw.duplicated() & ~shapely.is_missing(p_geoms)
    lookup = pd.Series(np.arange(len(pw))[first_p], index=pw[first_p])
    j = lookup.reindex(shapely.to_wkb(f_geoms)).to_numpy()
    hit = ~np.isnan(j)
    fi = np.where(hit)[0]
    pj = j[hit].astype("int64")
    once = ~pd.Index(pj).duplicated()
    return fi[once], pj[once]


def _with_proposal(base: pd.DataFrame, proposal: gpd.GeoDataFrame, settings) -> pd.DataFrame:
    """Plan in force × proposal, both ways: every m² of either plan is in one row.

    Polygons identical in both plans are paired directly (no intersection); the rest
    are cut exactly. (A plan whose polygons overlap each other is reported by the
    overlap check; its double counting is not resolved here.)
    """
    p_attrs = plan_attrs(proposal, settings, "p")
    cover = Cover.of(proposal.geometry.to_numpy(), p_attrs)
    tol = settings.gap_tolerance_m2
    f_geoms = base["geometry"].to_numpy(dtype=object)
    fi, pj = _equal_pairs(f_geoms, cover.geoms)
    same = base.iloc[fi].reset_index(drop=True)
    same = pd.concat([same.drop(columns=["geometry", "areal_m2"]),
                      p_attrs.iloc[pj].reset_index(drop=True)], axis=1).assign(
        geometry=same["geometry"].to_numpy(), areal_m2=same["areal_m2"].to_numpy())
    other = np.setdiff1d(np.arange(len(base)), fi)
    out, covered = split(base.iloc[other].reset_index(drop=True), cover,
                         _blank("p", codes.OUTSIDE_PLAN), _blank("p", codes.RESIDUAL), tol)
    covered[pj] += same["areal_m2"].to_numpy()
    select = np.ones(len(cover.geoms), bool)
    select[pj] = False
    idx, rest_g, rest_a = cover_rest(cover, f_geoms, covered, tol, select)
    p_area = shapely.area(cover.geoms)
    resid = p_area - covered
    resid[idx] -= rest_a
    resid[pj] = 0.0
    rows = [same, out]
    ok = rest_a > 0
    if ok.any():
        rows.append(p_attrs.iloc[idx[ok]].reset_index(drop=True).assign(
            **_blank("f", codes.OUTSIDE_PLAN), geometry=rest_g[ok], areal_m2=rest_a[ok]))
    rm = resid != 0
    if rm.any():
        rows.append(p_attrs.iloc[np.where(rm)[0]].reset_index(drop=True).assign(
            **_blank("f", codes.RESIDUAL), geometry=None, areal_m2=resid[rm]))
    return pd.concat(rows, ignore_index=True)


def _ar5_cover(ar5: gpd.GeoDataFrame) -> Cover:
    at = pd.to_numeric(ar5["arealtype"], errors="coerce").fillna(99).astype("int64").to_numpy()
    bon = pd.to_numeric(ar5["skogbonitet"], errors="coerce").fillna(0).astype("int64").to_numpy() \
        if "skogbonitet" in ar5 else np.zeros(len(ar5), "int64")
    org = (pd.to_numeric(ar5["grunnforhold"], errors="coerce") == codes.ORGANIC_SOIL).to_numpy() \
        if "grunnforhold" in ar5 else np.zeros(len(ar5), bool)
    return Cover.of(ar5.geometry.to_numpy(), pd.DataFrame({"arealtype": at, "bonitet": bon,
                                                           "organisk": org}))


def sea_belt(ar5: gpd.GeoDataFrame | None, near, width_m: float):
    """The belt of ``width_m`` along AR5 hav (82) near the geometries ``near``; None without hav."""
    if ar5 is None or not len(near):
        return None
    at = pd.to_numeric(ar5["arealtype"], errors="coerce").to_numpy()
    sea = ar5.geometry.to_numpy()[at == 82]
    if not len(sea):
        return None
    near = np.asarray(near, dtype=object)
    near = near[np.array([x is not None for x in near], bool)]
    hit = np.unique(shapely.STRtree(sea).query(near, predicate="dwithin", distance=width_m)[1])
    if not len(hit):
        return shapely.Polygon()
    water = shapely.union_all(sea[hit])
    return shapely.difference(shapely.buffer(water, width_m), water)


def disjoint_places(ug: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, list[tuple[str, str, float]]]:
    """The places (:func:`~geoplan.analysis.places.dissolve_places`) made disjoint.

    Where utviklingsgrenser overlap, the overlap goes to the place that comes first in
    the layer, so that every m² of the reserve is in one place only. Returns the places
    and the overlaps: (first place, later place, m² moved out of the later one).
    """
    places = dissolve_places(ug)
    g = places.geometry.to_numpy().copy()
    moved: list[tuple[str, str, float]] = []
    qi, qj = shapely.STRtree(g).query(g, predicate="intersects")
    earlier = {j: sorted(qi[(qj == j) & (qi < j)]) for j in range(len(g))}
    orig = g.copy()
    for j in range(len(g)):
        for i in earlier[j]:
            a = float(shapely.area(shapely.intersection(g[j], orig[i])))
            if a > 0:
                moved.append((str(places["sted"].iat[i]), str(places["sted"].iat[j]), a))
                g[j] = shapely.difference(g[j], orig[i])
    return places.set_geometry(gpd.GeoSeries(g, crs=places.crs)), moved


def build_pieces(layers: Mapping[str, gpd.GeoDataFrame | None], proposal: gpd.GeoDataFrame | None,
                 settings: ArealregnskapSettings
                 ) -> tuple[pd.DataFrame, pd.DataFrame, list[tuple[str, str, float]]]:
    """The piece tables: (every piece of both plans by arealformål, the reserve pieces in detail,
    the overlaps of the utviklingsgrenser given to the earlier place; see :func:`disjoint_places`).

    The first (``f_*``, ``p_*``, ``areal_m2``) gives the transition table; the second
    holds only the pieces that are reserve or fortetting in either plan, split by place
    and AR5 (``sted``, ``arealtype``, ``bonitet``, ``organisk``) with ``<layer>_m2`` for
    each nature/hazard layer present.
    """
    plan = layers["arealformal"]
    assert plan is not None  # checked by analyse_arealregnskap
    tol = settings.gap_tolerance_m2
    base = pieces_of(plan.geometry.to_numpy(), plan_attrs(plan, settings, "f"))
    if proposal is not None:
        base = _with_proposal(base, proposal, settings)
    else:
        base = base.assign(**_blank("p", codes.OUTSIDE_PLAN))
    flags = base["f_reserve"] | base["f_fortetting"] | base["p_reserve"] | base["p_fortetting"]
    rel = base.loc[flags.to_numpy()].reset_index(drop=True)
    ug = layers.get("utviklingsgrense")
    moved: list[tuple[str, str, float]] = []
    if ug is not None and len(ug):
        places, moved = disjoint_places(ug)
        pc = Cover.of(places.geometry.to_numpy(), pd.DataFrame({"sted": places["sted"].astype(str)}))
        rel, _ = split(rel, pc, {"sted": OUTSIDE}, {"sted": OUTSIDE}, tol)
    else:
        rel = rel.assign(sted=OUTSIDE)
    ar5 = layers.get("ar5")
    if ar5 is not None and len(ar5):
        rel, _ = split(rel, _ar5_cover(ar5), {"arealtype": codes.NOT_COVERED, "bonitet": 0,
                                              "organisk": False},
                       {"arealtype": codes.RESIDUAL, "bonitet": 0, "organisk": False}, tol)
    else:
        rel = rel.assign(arealtype=codes.NOT_COVERED, bonitet=0, organisk=False)
    for name in ZONE_LAYERS:
        lyr = layers.get(name)
        if lyr is not None and len(lyr):
            rel[f"{name}_m2"] = inside_area(rel, lyr.geometry.to_numpy())
        elif name == "strandsone":
            belt = sea_belt(ar5, rel["geometry"].to_numpy(dtype=object), settings.strandsone_m)
            if belt is not None:
                rel[f"{name}_m2"] = inside_area(rel, [belt])
    return base, rel, moved
