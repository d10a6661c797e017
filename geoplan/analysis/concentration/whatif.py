"""What-if: the effect of buying (or building) municipal units at a point.

Two ways, for two needs:

* :func:`model_purchase_effect` (``ConcentrationModel.purchase_effect``): the
  grunnkrets, building and radius before and after, and the global indices in
  numpy; a few hundred microseconds per call, for assessing many sites;
* :func:`what_if`: the full recomputation with the purchase added
  (:func:`with_purchase`), with the PySAL indices, the hot spots and what newly
  goes over a threshold.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoplan.analysis.concentration._arrays import UNSPECIFIED
from geoplan.analysis.concentration.join import locate_building
from geoplan.errors import DataProblem

if TYPE_CHECKING:
    from geoplan.analysis.concentration.model import ConcentrationModel, ConcentrationResult
    from geoplan.config.concentration import Thresholds

__all__ = ["model_purchase_effect", "with_purchase", "purchase_effect", "what_if"]


def _point(point: Any) -> np.ndarray:
    """``(x, y)`` of a shapely point or a pair of numbers, else :class:`DataProblem`."""
    if hasattr(point, "x") and hasattr(point, "y"):
        xy = np.array([float(point.x), float(point.y)])
    else:
        xy = np.asarray(point, dtype=float).reshape(-1)[:2]
    if xy.size != 2 or not np.isfinite(xy).all():
        raise DataProblem(f"Ugyldig punkt for hva-hvis: {point!r}. Oppgi X,Y i dataenes koordinatsystem.")
    return xy


def _locate_point(model: ConcentrationModel, xy: np.ndarray) -> tuple[Any, int, int, Any]:
    """The point, its grunnkrets position, its building position and how it was found."""
    pt = shapely.points(xy)
    gks = model.gk.tree.query(pt, predicate="intersects")
    gk = int(gks.min()) if len(gks) else -1
    bpos, how = locate_building(model.bd, np.array([pt], dtype=object), model.match_distance_m)
    return pt, gk, int(bpos[0]), how[0]


def _units(units: Any) -> int:
    try:
        n_add = int(units)
    except (TypeError, ValueError):
        raise DataProblem(f"Antall enheter for hva-hvis må være et heltall ≥ 1 (fikk {units!r}).") from None
    if n_add < 1 or n_add != units:
        raise DataProblem(f"Antall enheter for hva-hvis må være et heltall ≥ 1 (fikk {units!r}).")
    return n_add


def model_purchase_effect(model: ConcentrationModel, point: Any, units: int,
                          kategori: str | None = None, *, new_dwellings: bool = False,
                          indices: bool = True) -> dict:
    """Before and after values if ``units`` municipal units are bought at ``point``.

    Parameters
    ----------
    model : ConcentrationModel
        The prepared model.
    point : (x, y) or shapely Point
        In the data's CRS (m).
    units : int
        Units bought (≥ 1).
    kategori : str, optional
        Category of the units (Housing First changes the 20 % rule).
    new_dwellings : bool
        True: new dwellings are built (municipal units and all dwellings grow);
        False (default): existing dwellings are bought (only municipal units grow).
    indices : bool
        False: leave out ``indekser`` (the global indices before and after, which cost
        a pass over every grunnkrets; the site assessment does not show them).

    Returns
    -------
    dict
        ``grunnkrets``, ``bygning`` and ``radius``, each with ``for`` and ``etter``
        (counts, ``andel_pct``, flags), and ``indekser`` (``for``/``etter``:
        dissimilarity, isolation, spatial dissimilarity), plus ``advarsler``.
        Typically well under a millisecond per call once the model is built.
    """
    from geoplan.analysis.concentration.whatif_batch import purchase_effects

    xy = _point(point)
    n_add = _units(units)
    kategori = model.kategori_name(kategori)
    (eff,), gk = purchase_effects(model, xy.reshape(1, 2), np.array([n_add]), kategori,
                                  new_dwellings=new_dwellings)
    if not indices:
        return eff
    if model._fast_before is None:
        model._fast_before = model.fast_indices()
    g = int(gk[0])
    if g < 0:
        idx_after = model.fast_indices()
    else:
        mm = model.j.g_units.copy()
        mm[g] += n_add
        tt = model.gk.dw.copy()
        tt[g] += n_add if new_dwellings else 0
        idx_after = model.fast_indices(mm, tt)
    out = {k: v for k, v in eff.items() if k not in ("bygning", "radius", "advarsler")}
    out["indekser"] = {"for": dict(model._fast_before), "etter": idx_after}
    out.update(bygning=eff["bygning"], radius=eff["radius"], advarsler=eff["advarsler"])
    return out


def _geoframe(row: dict, pt: Any, crs: Any, geometry_name: str) -> gpd.GeoDataFrame:
    """One row as a GeoDataFrame whose geometry column is called ``geometry_name``."""
    new = gpd.GeoDataFrame([row], geometry=[pt], crs=crs)
    return new.rename_geometry(geometry_name) if geometry_name != "geometry" else new


def with_purchase(model: ConcentrationModel, point: Any, units: int, kategori: str | None = None, *,
                  new_dwellings: bool = False) -> ConcentrationModel:
    """A new model with the purchase added (for the full recomputation).

    The units join the building at the point; with ``new_dwellings`` the
    grunnkrets and the building also gain as many dwellings (a new building
    ``hva-hvis`` when there is none at the point).
    """
    xy = _point(point)
    pt, gk, bpos, _how = _locate_point(model, xy)
    gname = model.dwellings.geometry.name
    row: dict[str, Any] = {c: None for c in model.dwellings.columns if c != gname}
    row["antall_enheter"] = int(units)
    row["kategori"] = model.kategori_name(kategori) or UNSPECIFIED
    if "bygg_id" in model.dwellings.columns:
        row["bygg_id"] = model.bd.ids[bpos] if bpos >= 0 and model.bd.ids is not None else None
    d = pd.concat([model.dwellings, _geoframe(row, pt, model.crs, gname)], ignore_index=True)
    d = gpd.GeoDataFrame(d, geometry=gname, crs=model.crs)
    g, b = model.grunnkretser, model.buildings
    if new_dwellings:
        if gk >= 0:
            g = g.copy()
            g.loc[gk, "antall_boliger"] = float(model.gk.dw[gk]) + int(units)
        if b is not None:
            b = b.copy()
            if bpos >= 0:
                b.loc[bpos, "antall_boliger"] = float(np.nan_to_num(model.bd.dw[bpos])) + int(units)
            else:
                nb: dict[str, Any] = {c: None for c in b.columns if c != b.geometry.name}
                nb.update(bygg_id="hva-hvis", antall_boliger=int(units))
                b = gpd.GeoDataFrame(pd.concat([b, _geoframe(nb, pt, model.crs, b.geometry.name)],
                                               ignore_index=True), geometry=b.geometry.name, crs=model.crs)
                d.loc[len(d) - 1, "bygg_id"] = "hva-hvis"
    return type(model)(d, g, b, radius_m=model.radius_m, thresholds=model.thresholds,
                       match_distance_m=model.match_distance_m)


def purchase_effect(dwellings: gpd.GeoDataFrame, grunnkretser: gpd.GeoDataFrame,
                    buildings: gpd.GeoDataFrame | None, point: Any, units: int,
                    kategori: str | None = None, *, radius_m: float | None = None,
                    thresholds: Thresholds | None = None, new_dwellings: bool = False,
                    match_distance_m: float | None = None,
                    model: ConcentrationModel | None = None) -> dict:
    """Before/after of buying ``units`` at ``point`` (see :func:`model_purchase_effect`).

    Pass a prepared ``model`` to assess many sites quickly; otherwise one is built
    (parameters not given from the shipped config).
    """
    if model is None:
        from geoplan.analysis.concentration.model import ConcentrationModel

        model = ConcentrationModel(dwellings, grunnkretser, buildings, radius_m=radius_m,
                                   thresholds=thresholds, match_distance_m=match_distance_m)
    return model.purchase_effect(point, units, kategori, new_dwellings=new_dwellings)


_INDEX_KEYS = ["dissimilaritet", "isolasjon", "romlig_dissimilaritet", "kommunal_andel_pct",
               "kommunale_enheter_totalt", "antall_boliger_totalt"]


def what_if(model: ConcentrationModel, before: ConcentrationResult, point: Any, units: int,
            kategori: str | None = None, *, new_dwellings: bool = False,
            permutations: int | None = None, seed: int | None = None, alpha: float | None = None,
            neighbours: str | None = None,
            knn_k: int | None = None) -> tuple[dict, ConcentrationResult]:
    """Recompute everything with the purchase; before/after for its grunnkrets, building,
    radius, the global indices (PySAL) and the hot spots.

    The hot-spot settings not given are those of the shipped config. Returns the
    ``hva_hvis`` dict and the full result after the purchase.
    """
    eff = model.purchase_effect(point, units, kategori, new_dwellings=new_dwellings)
    after_model = model.with_purchase(point, units, kategori, new_dwellings=new_dwellings)
    after = after_model.result(permutations=permutations, seed=seed, alpha=alpha,
                               neighbours=neighbours, knn_k=knn_k)
    eff["indekser"] = {"for": {k: before.indekser.get(k) for k in _INDEX_KEYS},
                       "etter": {k: after.indekser.get(k) for k in _INDEX_KEYS}}
    hot0 = set(before.klynger["grunnkretsnummer"].astype(str))
    hot1 = set(after.klynger["grunnkretsnummer"].astype(str))
    eff["klynger"] = {"for": sorted(hot0), "etter": sorted(hot1),
                      "nye": sorted(hot1 - hot0), "borte": sorted(hot0 - hot1)}
    eff["nye_over_terskel"] = {
        "grunnkretser": _newly_over(before.grunnkretser, after.grunnkretser, "grunnkretsnummer",
                                    ["over_terskel"]),
        "bygninger": _newly_over(before.bygninger, after.bygninger, "bygg_id",
                                 ["over_hf_terskel", "over_andel_terskel", "over_antall_terskel"]),
    }
    return eff, after


def _newly_over(df0: pd.DataFrame | None, df1: pd.DataFrame | None, key: str,
                flags: list[str]) -> list[str]:
    """Keys where any rule flag went from not over (or absent) to over."""
    if df0 is None or df1 is None or len(df1) == 0:
        return []
    hit = np.zeros(len(df1), dtype=bool)
    a0 = df0.drop_duplicates(key).set_index(key)
    for f in flags:
        if f not in df1.columns:
            continue
        now = df1[f].astype("boolean").fillna(False).to_numpy(dtype=bool)
        was = (a0[f].astype("boolean").reindex(df1[key]).fillna(False).to_numpy(dtype=bool)
               if f in a0.columns else np.zeros(len(df1), dtype=bool))
        hit |= now & ~was
    return sorted({str(k) for k in df1[key].to_numpy()[hit] if k is not None})
