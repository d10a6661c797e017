"""Innspill per place and the land balance (the Larvik method).

Larvik kommune's Boligplan 2015–2020 (l. 2396–2456) sets each place's area need
against the boligreserve and the *innspill* (proposed areas) named for the place:

* need for new land = max(area need − reserve, 0)
* balance           = reserve + innspill − area need   (+ surplus, − deficit)

Pure functions; areas in daa. Re-exported by :mod:`geoplan.analysis.reserves`.
"""

from __future__ import annotations

from typing import Iterable, Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoplan.analysis.places import (
    M2_PER_DAA,
    dissolve_places,
    overlap_area_each,
    place_key,
    present,
    union_area_by_group,
)
from geoplan.config.reserves import ReserveSettings
from geoplan.io.crs import require_projected


def _codes(housing_codes: Iterable[int] | None) -> list[int]:
    """The housing codes given, else ``reserves.housing_codes`` of the shipped config."""
    if housing_codes is None:
        housing_codes = ReserveSettings.from_config().housing_codes
    return [int(c) for c in housing_codes]



def _label(df: pd.DataFrame, prefix: str) -> np.ndarray:
    """A display name per row: ``navn`` if present, else ``<prefix> <index label>``."""
    idx = np.asarray([f"{prefix} {i}" for i in df.index], dtype=object)
    if "navn" in df.columns:
        nm = df["navn"].astype(object).to_numpy()
        has = pd.notna(nm) & (pd.Series(nm).astype(str).str.strip() != "").to_numpy()
        return np.where(has, nm, idx)
    return idx




# ---------------------------------------------------------------------------
# Innspill and balance
# ---------------------------------------------------------------------------

def housing_formal(formal: pd.Series, housing_words: Iterable[str] | None = None,
                   housing_codes: Iterable[int] | None = None) -> np.ndarray:
    """Whether each innspill's ``formal`` is housing.

    Empty ``formal`` counts as housing (the contract makes the column optional);
    otherwise a word in ``housing_words`` (case-insensitive, e.g. "bolig"), a word
    starting with "bolig", or a SOSI code in ``housing_codes``. ``None``: the
    configured ``reserves.innspill_housing_formal`` / ``reserves.housing_codes``.
    """
    if housing_words is None:
        housing_words = ReserveSettings.from_config().innspill_housing_words
    txt = formal.astype(object).where(formal.notna(), None).map(
        lambda v: "" if v is None else " ".join(str(v).split()).casefold())
    words = {str(w).casefold() for w in housing_words}
    codes = {str(c) for c in _codes(housing_codes)}
    num = pd.to_numeric(txt, errors="coerce")
    as_code = num.map(lambda v: "" if v != v else str(int(v)))
    return ((txt == "") | txt.isin(words) | txt.str.startswith("bolig")
            | as_code.isin(codes)).to_numpy(dtype=bool)


def _empty_innspill(innspill, utviklingsgrense):
    cols = ["navn", "sted", "type", "areal_daa", "areal_innenfor_daa", "andel_innenfor_pct",
            "overlapp_daa"]
    crs = innspill.crs if innspill is not None else (
        utviklingsgrense.crs if utviklingsgrense is not None else None)
    return (pd.DataFrame({"sted": pd.Series(dtype=object), "innspill_daa": pd.Series(dtype=float),
                          "antall_innspill": pd.Series(dtype=int)}),
            gpd.GeoDataFrame({c: [] for c in cols}, geometry=[], crs=crs))


def _inside_own_place(geoms, areas, keys, sted, utviklingsgrense):
    """Area (m²) of each innspill inside its own place's boundary, and the place
    names as the boundaries spell them."""
    inside = np.zeros(len(geoms))
    if utviklingsgrense is not None and len(utviklingsgrense):
        places = dissolve_places(utviklingsgrense)
        lookup = dict(zip(places["_key"], places.geometry.to_numpy()))
        own = np.array([lookup.get(k) for k in keys], dtype=object)
        has = np.array([g is not None for g in own])
        if has.any():
            inside[has] = np.nan_to_num(shapely.area(shapely.intersection(geoms[has], own[has])))
        names = dict(zip(places["_key"], places["sted"]))
        sted = np.array([names.get(k, s) for k, s in zip(keys, sted)], dtype=object)
    return np.minimum(inside, areas), sted


def innspill_by_place(innspill: gpd.GeoDataFrame | None,
                      utviklingsgrense: gpd.GeoDataFrame | None = None, *,
                      housing_words: Iterable[str] | None = None,
                      housing_codes: Iterable[int] | None = None):
    """Innspill area per place (``innspill.sted``), wherever the parcels lie.

    Only innspill for housing count (see :func:`housing_formal`); the others are
    listed with ``boligformal`` False and left out of the totals.

    Parameters
    ----------
    innspill : proposed areas with ``navn`` and ``sted``; ``None`` or empty for none.
    utviklingsgrense : boundaries; used for each parcel's share inside its own
        place's boundary.
    housing_words, housing_codes : what counts as a housing ``formal``
        (``None``: the configured ones).

    Returns
    -------
    (per_place, parcels)
        per_place : DataFrame ``sted``, ``innspill_daa`` (union per place,
            overlaps counted once), ``antall_innspill``; one row per ``sted``
            value in the innspill.
        parcels : GeoDataFrame ``navn``, ``sted``, ``type`` ("innspill"),
            ``areal_daa``, ``areal_innenfor_daa``, ``andel_innenfor_pct``,
            ``overlapp_daa``, ``boligformal``, plus ``formal`` and
            ``rpba_avklart`` when present.
    """
    if innspill is None or len(innspill) == 0:
        return _empty_innspill(innspill, utviklingsgrense)
    require_projected(innspill, "innspill")
    geoms = innspill.geometry.to_numpy()
    ok = present(geoms)
    inn = innspill.loc[ok]
    geoms = geoms[ok]
    areas = shapely.area(geoms)
    has_sted = "sted" in inn
    keys = inn["sted"].map(place_key).to_numpy(dtype=object) if has_sted else \
        np.full(len(inn), "", dtype=object)
    codes, uniq = pd.factorize(keys, sort=False)
    sted = inn["sted"].to_numpy(dtype=object) if has_sted else np.full(len(inn), None)
    display = pd.Series(sted).groupby(codes).first().to_numpy(dtype=object)
    display = np.where(np.asarray(uniq, dtype=object) == "", None, display)
    is_housing = housing_formal(inn["formal"], housing_words, housing_codes) \
        if "formal" in inn.columns else np.ones(len(inn), dtype=bool)
    per = union_area_by_group(geoms[is_housing], codes[is_housing], len(uniq), areas[is_housing])
    per_place = pd.DataFrame({"sted": display, "innspill_daa": per / M2_PER_DAA,
                              "antall_innspill": np.bincount(codes[is_housing],
                                                             minlength=len(uniq))})
    inside, sted = _inside_own_place(geoms, areas, keys, sted, utviklingsgrense)
    parcels = gpd.GeoDataFrame({
        "navn": _label(inn, "Innspill"),
        "sted": sted,
        "type": "innspill",
        "areal_daa": areas / M2_PER_DAA,
        "areal_innenfor_daa": inside / M2_PER_DAA,
        "andel_innenfor_pct": np.divide(inside * 100.0, areas, out=np.zeros(len(inn)),
                                        where=areas > 0),
        "overlapp_daa": overlap_area_each(geoms) / M2_PER_DAA,
    }, geometry=geoms, crs=innspill.crs, index=inn.index)
    parcels["boligformal"] = is_housing
    for c in ("formal", "rpba_avklart"):
        if c in inn.columns:
            parcels[c] = inn[c].to_numpy()
    return per_place, parcels


def balance(need: pd.DataFrame | Mapping[str, float], reserve: pd.DataFrame,
            innspill: pd.DataFrame | None = None) -> pd.DataFrame:
    """The land balance per place.

    Parameters
    ----------
    need : DataFrame ``sted``, ``arealbehov_daa`` (one row per place), or a
        mapping ``{sted: arealbehov_daa}``.
    reserve : DataFrame ``sted``, ``boligreserve_daa`` (from :func:`reserve_by_place`);
        defines the places (rows) of the result.
    innspill : DataFrame ``sted``, ``innspill_daa`` (from :func:`innspill_by_place`);
        matched by :func:`place_key`.

    Returns
    -------
    DataFrame ``sted``, ``arealbehov_daa``, ``boligreserve_daa``, ``behov_nye_daa``
    (= max(need − reserve, 0)), ``innspill_daa``, ``balanse_daa``
    (= reserve + innspill − need; + surplus, − deficit),
    ``overskudd_reserve_daa`` (= max(reserve − need, 0)).
    """
    if not isinstance(need, pd.DataFrame):
        need = pd.DataFrame({"sted": list(need.keys()), "arealbehov_daa": list(need.values())})
    nmap = dict(zip(need["sted"].map(place_key), need["arealbehov_daa"].astype(float)))
    imap = {}
    if innspill is not None and len(innspill):
        imap = dict(zip(innspill["sted"].map(place_key), innspill["innspill_daa"].astype(float)))
    keys = reserve["sted"].map(place_key)
    out = pd.DataFrame({"sted": reserve["sted"].to_numpy(dtype=object)})
    out["arealbehov_daa"] = keys.map(nmap).astype(float).to_numpy()
    out["boligreserve_daa"] = reserve["boligreserve_daa"].astype(float).to_numpy()
    out["behov_nye_daa"] = np.maximum(out["arealbehov_daa"] - out["boligreserve_daa"], 0.0)
    out["innspill_daa"] = keys.map(imap).fillna(0.0).astype(float).to_numpy()
    out["balanse_daa"] = out["boligreserve_daa"] + out["innspill_daa"] - out["arealbehov_daa"]
    out["overskudd_reserve_daa"] = np.maximum(out["boligreserve_daa"] - out["arealbehov_daa"], 0.0)
    return out
