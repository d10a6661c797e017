"""What the map may show of municipal dwellings: single homes, or the published totals.

Single dwellings (points, with category and units) are personal data of
vulnerable groups. The app draws them only for a role that may see them *and*
with small-number suppression switched off (:func:`geoplan.present.app.appdata.restrict_layers`);
everyone else gets :func:`dwelling_totals`: the units per grunnkrets, suppressed by
the same disclosure control as the public concentration table
(:func:`geoplan.privacy.protect_grunnkretser`: below ``kommune.min_count_public``
hidden, and further cells until none can be recovered from the sums), drawn at a
point inside the grunnkrets, never at a home.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd


def _units_per_grunnkrets(kb: gpd.GeoDataFrame, gk: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    """``(parts, outside)``: units per grunnkrets × kategori and per kategori outside every grunnkrets."""
    kb = kb.to_crs(gk.crs) if kb.crs != gk.crs else kb
    units = pd.to_numeric(kb.get("antall_enheter", 1), errors="coerce").fillna(1)
    pts = gpd.GeoDataFrame({"kategori": kb["kategori"].astype(str).to_numpy(), "enheter": units.to_numpy()},
                           geometry=kb.geometry.to_numpy(), crs=kb.crs)
    j = gpd.sjoin(pts, gpd.GeoDataFrame({"_gk": np.arange(len(gk))}, geometry=gk.geometry.to_numpy(),
                                        crs=gk.crs), how="left", predicate="within")
    j = j[~j.index.duplicated(keep="first")]
    names = sorted(pts["kategori"].unique())
    col = {n: i for i, n in enumerate(names)}
    parts = np.zeros((len(gk), len(names)))
    outside = np.zeros(len(names))
    for g, k, u in zip(j["_gk"].to_numpy(), j["kategori"].to_numpy(), j["enheter"].to_numpy()):
        if pd.isna(g):
            outside[col[k]] += u
        else:
            parts[int(g), col[k]] += u
    return parts, outside


def dwelling_totals(kb: gpd.GeoDataFrame, gk: gpd.GeoDataFrame, min_count: int, *,
                    suppress_zero: bool = False) -> gpd.GeoDataFrame:
    """Published municipal units per grunnkrets, as WGS84 points inside each grunnkrets.

    Parameters
    ----------
    kb, gk
        ``kommunal_bolig`` and ``grunnkrets`` in the dataset's projected CRS.
    min_count
        ``kommune.min_count_public``; ``suppress_zero`` hides 0 as well.

    Returns
    -------
    GeoDataFrame
        One row per grunnkrets with units (or a hidden count): ``grunnkretsnummer``,
        ``grunnkretsnavn``, ``kommunale_enheter`` (``Int64``, missing where hidden),
        geometry a point inside the grunnkrets (EPSG:4326); ``attrs["min_count"]``.
    """
    from geoplan.privacy import protect_grunnkretser, validate_min_count

    k = validate_min_count(min_count)
    parts, outside = _units_per_grunnkrets(kb, gk)
    tot = parts.sum(axis=1)
    dw = pd.to_numeric(gk.get("antall_boliger"), errors="coerce") if "antall_boliger" in gk.columns \
        else pd.Series(np.nan, index=gk.index)
    table = pd.DataFrame({"kommunale_enheter": tot, "antall_boliger": dw.to_numpy()})
    t = table["antall_boliger"].to_numpy(dtype=float)
    valid = np.isfinite(t) & (t > 0) & (tot <= t)
    prot = protect_grunnkretser(table, parts, outside, valid, k, suppress_zero)
    published = pd.array([None if h else int(round(v)) for h, v in zip(prot.row, tot)], dtype="Int64")
    keep = (tot > 0) | prot.row
    out = gpd.GeoDataFrame({
        "grunnkretsnummer": gk["grunnkretsnummer"].astype(str).to_numpy()[keep]
        if "grunnkretsnummer" in gk.columns else np.arange(len(gk))[keep].astype(str),
        "grunnkretsnavn": gk["grunnkretsnavn"].astype(str).to_numpy()[keep]
        if "grunnkretsnavn" in gk.columns else None,
        "kommunale_enheter": published[keep],
    }, geometry=gk.geometry.representative_point().to_numpy()[keep], crs=gk.crs).to_crs(4326)
    out.attrs["min_count"] = k
    return out
