"""Ranking of reserve and innspill parcels, and their conflicts (quarries, steep terrain).

The order of development inside a place's boundary (Larvik kommune's
Boligplan, seed 004, l. 2486-2497): nearest the existing settlement and the
centre, near walking paths and public transport, cleared in the regional plan
(RPBA); areas near quarries and steep terrain count against a parcel. Where a
place's reserve exceeds its need, the worst placed reserves are marked as
candidates to take out.

Pure functions: parcels, layers and a terrain :class:`~geoplan.io.raster.Raster`
in, columns out; distances in metres, shares in per cent. The weights,
half distance, quarry buffer and slope limit come from
:class:`geoplan.config.reserves.ReserveSettings` (``config/reserves.toml``).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoplan.analysis.places import (
    M2_PER_DAA,
    dissolve_places,
    overlapping_pairs,
    place_key,
    present,
)
from geoplan.errors import ConfigError, GeoplanError
from geoplan.io.crs import require_projected

if TYPE_CHECKING:
    from geoplan.io.raster import Raster

#: ranking criteria: column, weight key (``reserves.ranking``), Norwegian label
CRITERIA = [
    ("avstand_sentrum_m", "weight_centre", "avstand til sentrum"),
    ("avstand_bebyggelse_m", "weight_settlement", "avstand til eksisterende boligbebyggelse"),
    ("avstand_gangnett_m", "weight_walking", "avstand til gangnett"),
    ("avstand_holdeplass_m", "weight_stop", "avstand til holdeplass"),
    ("avstand_kollektivakse_m", "weight_axis", "avstand til kollektivakse"),
    ("rpba_ikke_avklart", "weight_rpba", "ikke avklart i RPBA"),
    ("andel_steinbrudd_pct", "weight_quarry", "andel nær steinbrudd"),
    ("andel_bratt_pct", "weight_slope", "andel brattere enn grensen"),
]
#: criteria scored by their value (a share), not by distance: the value that scores 1
ABSOLUTE = {"rpba_ikke_avklart": 1.0, "andel_steinbrudd_pct": 100.0, "andel_bratt_pct": 100.0}


def _nearest_distance(geoms: np.ndarray, targets) -> np.ndarray:
    """Distance (m) from each geometry to the nearest target (NaN without targets).

    ``targets``: a GeoDataFrame/GeoSeries (its cached spatial index is reused, so
    a layer loaded once is indexed once) or an array of geometries.
    """
    if targets is None or len(targets) == 0 or len(geoms) == 0:
        return np.full(len(geoms), np.nan)
    if hasattr(targets, "sindex"):
        tg = targets.geometry if hasattr(targets, "geometry") else targets
        if bool((tg.is_empty | tg.isna()).any()):
            tg = tg[~(tg.is_empty | tg.isna())]
        if len(tg) == 0:
            return np.full(len(geoms), np.nan)
        idx, dist = tg.sindex.nearest(geoms, return_all=False, return_distance=True)
    else:
        targets = np.asarray(targets, dtype=object)
        targets = targets[present(targets)]
        if len(targets) == 0:
            return np.full(len(geoms), np.nan)
        idx, dist = shapely.STRtree(targets).query_nearest(geoms, return_distance=True,
                                                           all_matches=False)
    out = np.full(len(geoms), np.nan)
    out[idx[0]] = dist
    return out


def place_centres(utviklingsgrense: gpd.GeoDataFrame,
                  sentrum: gpd.GeoDataFrame | None = None) -> gpd.GeoDataFrame:
    """The centre of each place: its ``sentrum`` point, else the boundary's centroid.

    A ``sentrum`` point whose ``navn`` equals the place's name wins; else the
    first ``sentrum`` point inside the boundary; else the boundary's centroid
    (the point on its surface if the centroid falls outside).

    Returns
    -------
    GeoDataFrame ``sted``, ``_key``, ``senter_kilde`` ("sentrum", "sentrum i
    grensen", "grensens midtpunkt"), geometry (Point).
    """
    places = dissolve_places(utviklingsgrense)
    pg = places.geometry.to_numpy()
    cent = shapely.centroid(pg)
    outside = ~shapely.within(cent, pg)
    if outside.any():
        cent[outside] = shapely.point_on_surface(pg[outside])
    src = np.full(len(pg), "grensens midtpunkt", dtype=object)
    if sentrum is not None and len(sentrum):
        sg = shapely.centroid(sentrum.geometry.to_numpy())
        skeys = sentrum["navn"].map(place_key).to_numpy() if "navn" in sentrum else \
            np.full(len(sentrum), "", dtype=object)
        # within boundary
        b_idx, s_idx = shapely.STRtree(sg).query(pg, predicate="contains")
        if len(b_idx):
            order = np.lexsort((s_idx, b_idx))
            first = np.r_[True, b_idx[order][1:] != b_idx[order][:-1]]
            cent[b_idx[order][first]] = sg[s_idx[order][first]]
            src[b_idx[order][first]] = "sentrum i grensen"
        # by name (wins)
        first_by_key: dict[str, int] = {}
        for i, kk in enumerate(skeys):
            first_by_key.setdefault(kk, i)
        for j, kk in enumerate(places["_key"]):
            if kk in first_by_key:
                cent[j] = sg[first_by_key[kk]]
                src[j] = "sentrum"
    return gpd.GeoDataFrame({"sted": places["sted"].to_numpy(dtype=object), "_key": places["_key"],
                             "senter_kilde": src}, geometry=cent, crs=utviklingsgrense.crs)


def _weights(weights: Mapping[str, float] | None) -> dict[str, float]:
    """The configured weights, with the ones given for this call replacing them."""
    from geoplan.config.reserves import ReserveSettings

    w = {k: float(v) for k, v in ReserveSettings.from_config().weights.items()}
    if weights:
        w.update({k: float(v) for k, v in weights.items() if k in w})
    return w


def _distance_columns(out: gpd.GeoDataFrame, centres: gpd.GeoDataFrame, settlement,
                      gangnett, holdeplass, kollektivakse) -> tuple[np.ndarray, np.ndarray]:
    """Add the distance and rpba columns; return (has a place centre, distance to it)."""
    geoms = out.geometry.to_numpy()
    keys = out["sted"].map(place_key).to_numpy(dtype=object)
    cmap = dict(zip(centres["_key"], centres.geometry.to_numpy()))
    cgeom = np.array([cmap.get(k) for k in keys], dtype=object)
    d = np.full(len(out), np.nan)
    has = np.array([g is not None for g in cgeom], dtype=bool)
    if "boligformal" in out.columns:
        has &= out["boligformal"].fillna(True).to_numpy(dtype=bool)
    if has.any():
        d[has] = shapely.distance(geoms[has], cgeom[has])
    out["avstand_sentrum_m"] = d
    out["avstand_bebyggelse_m"] = _nearest_distance(geoms, settlement)
    out["avstand_gangnett_m"] = _nearest_distance(geoms, gangnett)
    out["avstand_holdeplass_m"] = _nearest_distance(geoms, holdeplass)
    out["avstand_kollektivakse_m"] = _nearest_distance(geoms, kollektivakse)
    if "rpba_avklart" in out.columns:
        av = out["rpba_avklart"].astype("boolean")
        rp = np.where(av.fillna(False).to_numpy(dtype=bool), 0.0, 1.0)
        out["rpba_ikke_avklart"] = np.where(out["type"].to_numpy() == "innspill", rp, np.nan)
    else:
        out["rpba_ikke_avklart"] = np.nan
    return has, d


def _score(out: pd.DataFrame, has: np.ndarray, w: Mapping[str, float],
           half_distance_m: float) -> np.ndarray:
    """Weighted mean of the part scores over the criteria available (NaN without a place)."""
    num = np.zeros(len(out))
    den = np.zeros(len(out))
    for col, wkey, _label in CRITERIA:
        v = out[col] if col in out.columns else pd.Series(np.nan, index=out.index)
        if col not in out.columns or v.isna().all() or w.get(wkey, 0) <= 0:
            continue
        v = v.where(has)
        if col in ABSOLUTE:
            part = np.clip(v.to_numpy(dtype=float) / ABSOLUTE[col], 0.0, 1.0)
        else:
            d_ = v.to_numpy(dtype=float)
            part = d_ / (d_ + float(half_distance_m))
        ok = np.isfinite(part)
        num[ok] += w[wkey] * part[ok]
        den[ok] += w[wkey]
    skaar = np.divide(num, den, out=np.zeros(len(out)), where=den > 0)
    skaar[~has] = np.nan
    return skaar


#: the steps of the source's order of development: column, Norwegian label
STEPS = [("trinn1_m", "trinn 1: avstand til stedets sentrum (skole, butikk, arbeidsplasser)"),
         ("trinn2_m", "trinn 2: avstand til gangnett og kollektivtilbud (den største)"),
         ("trinn3_ikke_avklart", "trinn 3: ikke avklart i regional plan (RPBA)")]


def step_values(out: pd.DataFrame) -> pd.DataFrame:
    """The three steps of the order of development (Boligplan 2015–2020, l. 2485–2497).

    * ``trinn1_m``: distance to the place's centre (m), where school, shop and
      jobs are (l. 2488–2491);
    * ``trinn2_m``: the larger of the distance to the walking network and to public
      transport (the nearer of stop and axis), i.e. near both (l. 2493–2494);
      the available one alone when a layer is missing, NaN with neither;
    * ``trinn3_ikke_avklart``: 1 not cleared (or unknown) in the RPBA, 0 cleared
      (innspill); NaN for reserves (already in the plan) (l. 2496–2497).
    """
    def col(c):
        return out[c].to_numpy(dtype=float) if c in out.columns else np.full(len(out), np.nan)

    with np.errstate(invalid="ignore"):
        transit = np.fmin(col("avstand_holdeplass_m"), col("avstand_kollektivakse_m"))
        step2 = np.fmax(col("avstand_gangnett_m"), transit)
    return pd.DataFrame({"trinn1_m": col("avstand_sentrum_m"), "trinn2_m": step2,
                         "trinn3_ikke_avklart": col("rpba_ikke_avklart")}, index=out.index)


def _band(v: np.ndarray, band: float) -> np.ndarray:
    """The band of each value (values in one band count as equal); NaN last."""
    v = np.asarray(v, dtype=float)
    b = np.floor(v / band) if band and band > 0 else v.copy()
    return np.where(np.isfinite(b), b, np.inf)


def _sequence_keys(out: pd.DataFrame, band_step1_m: float, band_step2_m: float) -> list:
    """Sort keys of the source's order: step 1 band, step 2 band, step 3, then the exact
    step-1 distance and the larger area."""
    st = step_values(out)
    s3 = st["trinn3_ikke_avklart"].to_numpy(dtype=float)
    return [_band(st["trinn1_m"].to_numpy(), band_step1_m),
            _band(st["trinn2_m"].to_numpy(), band_step2_m),
            np.where(np.isfinite(s3), s3, 1.0),
            _band(st["trinn1_m"].to_numpy(), 0.0)]


def rank_parcels(parcels: gpd.GeoDataFrame, centres: gpd.GeoDataFrame, *,
                 settlement: np.ndarray | None = None,
                 gangnett: gpd.GeoDataFrame | None = None,
                 holdeplass: gpd.GeoDataFrame | None = None,
                 kollektivakse: gpd.GeoDataFrame | None = None,
                 weights: Mapping[str, float] | None = None,
                 half_distance_m: float | None = None,
                 method: str = "rekkefolge", band_step1_m: float = 0.0,
                 band_step2_m: float = 0.0) -> gpd.GeoDataFrame:
    """Rank parcels per place and type by the Larvik order of development.

    ``method="rekkefolge"`` (the default, the source's order, l. 2485–2497):
    the three steps of :func:`step_values` in turn; values of a step in the
    same band (``band_step1_m``, ``band_step2_m``; 0 = exact) count as equal
    and the next step decides; then the exact step-1 distance, then the larger
    area. ``method="vektet"``: the weighted score ``skaar`` (a municipal
    choice), described below; ``skaar`` is computed with either method.
    Parcels marked ``ikke_aktuell`` (a hard criterion excludes them wholly,
    :mod:`geoplan.analysis.exclusions`) get no rank.

    Criteria (seed 004, l. 2486-2497), each a distance in metres from the parcel
    (0 where it touches): to the place's centre (``avstand_sentrum_m``), to the
    existing housing (``avstand_bebyggelse_m``), to the walking network
    (``avstand_gangnett_m``), to the nearest stop (``avstand_holdeplass_m``)
    and public-transport axis (``avstand_kollektivakse_m``); and whether the
    area is cleared in the regional plan (``rpba_avklart``, innspill only).
    In the weighted score conflicts count as well when the columns are there:
    ``andel_steinbrudd_pct`` and ``andel_bratt_pct``.
    Every distance d becomes a part score d / (d + ``half_distance_m``) in
    [0, 1) (0 touching, 0.5 at the half distance), so small differences in
    distance weigh little; rpba scores 0 cleared, 1 not or unknown; the
    conflict shares score their share (0-1). ``skaar`` is the weighted mean
    over the criteria available, ``rang`` 1 = best within (place, type).
    Criteria whose layer is missing are left out and the weights rescaled.

    Parameters
    ----------
    parcels : GeoDataFrame with ``sted`` and ``type`` (as from
        :func:`~geoplan.analysis.reserves.reserve_by_place` /
        :func:`~geoplan.analysis.reserves.innspill_by_place`).
    centres : from :func:`place_centres`.
    settlement : geometries of existing housing (built housing zones).
    gangnett, holdeplass, kollektivakse : optional layers.
    weights : ``{"weight_centre": ..., ...}``; the ones given replace the
        configured ``reserves.ranking`` weights (shipped defaults).
    half_distance_m : distance (m) that scores 0.5; ``None``: the configured
        ``reserves.ranking.half_distance_m``.

    Returns
    -------
    A copy of ``parcels`` with the distance columns, the step columns
    (``trinn1_m``, ``trinn2_m``, ``trinn3_ikke_avklart``), ``skaar`` and ``rang``.
    Parcels without a place get no rank (NaN).
    """
    if half_distance_m is None:
        from geoplan.config.reserves import ReserveSettings

        half_distance_m = ReserveSettings.from_config().half_distance_m
    out = parcels.copy()
    has, d = _distance_columns(out, centres, settlement, gangnett, holdeplass, kollektivakse)
    if method not in ("rekkefolge", "vektet"):
        raise ConfigError(f"reserves.ranking.method må være «rekkefolge» eller «vektet» "
                          f"(fikk «{method}»).")
    skaar = _score(out, has, _weights(weights), half_distance_m)
    out["skaar"] = skaar
    for c, v in step_values(out).items():
        out[c] = v.to_numpy()
    if "ikke_aktuell" in out.columns:
        has = has & ~out["ikke_aktuell"].fillna(False).to_numpy(dtype=bool)
    key = out["sted"].map(place_key).where(has, "\uffff")
    area_col = "aktuelt_daa" if "aktuelt_daa" in out.columns else "areal_daa"
    tmp = pd.DataFrame({"k": key.to_numpy(), "t": out["type"].to_numpy(),
                        "a": -out[area_col].to_numpy(dtype=float)}, index=np.arange(len(out)))
    if method == "vektet":
        order = ["s", "d"]
        tmp["s"], tmp["d"] = skaar, d
    else:
        order = ["b1", "b2", "r3", "d1"]
        for name, v in zip(order, _sequence_keys(out, band_step1_m, band_step2_m)):
            tmp[name] = v
    tmp = tmp.sort_values(["k", "t", *order, "a"], kind="stable")
    tmp["rang"] = tmp.groupby(["k", "t"]).cumcount() + 1
    rang = tmp["rang"].sort_index().to_numpy(dtype=float)
    rang[~has] = np.nan
    out["rang"] = pd.array(np.where(np.isfinite(rang), rang, np.nan), dtype="Float64").astype("Int64")
    return out


def mark_cover(parcels: pd.DataFrame, places: pd.DataFrame) -> pd.DataFrame:
    """Which innspill cover the need for new land, best ranked first.

    Parameters
    ----------
    parcels : ranked parcels (:func:`rank_parcels`).
    places : the balance per place (``sted``, ``behov_nye_daa``; with the net
        balance, ``behov_nye_netto_daa`` counts: the need the aktuell reserve leaves).

    Returns
    -------
    A copy of ``parcels`` with ``kumulativt_areal_daa`` (the aktuelt innspill
    area, ``aktuelt_daa`` when present, summed by rank; innspill that are
    «ikke aktuell» have no rank and are not summed) and ``dekker_behov`` (the
    innspill needed to cover the need, best first). The reserves to take out are
    :func:`geoplan.analysis.takeout.propose_takeout`.
    """
    out = parcels.copy()
    out["kumulativt_areal_daa"] = np.nan
    out["dekker_behov"] = False
    need_col = "behov_nye_netto_daa" if "behov_nye_netto_daa" in places.columns else "behov_nye_daa"
    area_col = "aktuelt_daa" if "aktuelt_daa" in out.columns else "areal_daa"
    pk = dict(zip(places["sted"].map(place_key), places[need_col]))
    keys = out["sted"].map(place_key)
    inn = (out["type"] == "innspill") & out["rang"].notna()
    if inn.any():
        sub = out.loc[inn].assign(_k=keys[inn]).sort_values(["_k", "rang"])
        cum = sub.groupby("_k")[area_col].cumsum()
        need = sub["_k"].map(pk).fillna(0.0)
        out.loc[cum.index, "kumulativt_areal_daa"] = cum
        out.loc[cum.index, "dekker_behov"] = ((cum - sub[area_col]) < need - 1e-9) & (need > 0)
    return out


# ---------------------------------------------------------------------------
# Conflicts
# ---------------------------------------------------------------------------

def quarry_conflict(parcels: gpd.GeoDataFrame, steinbrudd: gpd.GeoDataFrame | None,
                    buffer_m: float) -> pd.DataFrame:
    """Area of each parcel within ``buffer_m`` of a quarry or loading area.

    Parameters
    ----------
    parcels : polygons (projected CRS).
    steinbrudd : quarries (points or polygons); ``None`` for none.
    buffer_m : distance, metres.

    Returns
    -------
    DataFrame (index of ``parcels``) ``areal_steinbrudd_daa`` and
    ``andel_steinbrudd_pct``; NaN when ``steinbrudd`` is None.
    """
    n = len(parcels)
    if steinbrudd is None:
        return pd.DataFrame({"areal_steinbrudd_daa": np.full(n, np.nan),
                             "andel_steinbrudd_pct": np.full(n, np.nan)}, index=parcels.index)
    if buffer_m < 0:
        raise ConfigError(f"Avstanden til steinbrudd må være 0 eller mer (fikk {buffer_m} m).")
    require_projected(steinbrudd, "steinbrudd")
    geoms = parcels.geometry.to_numpy()
    area = np.zeros(n)
    sg = steinbrudd.geometry.to_numpy()
    sg = sg[present(sg)]
    if len(sg) and n:
        zone = shapely.union_all(shapely.buffer(sg, float(buffer_m), quad_segs=16))
        shapely.prepare(zone)
        hit = shapely.intersects(geoms, zone)
        if hit.any():
            area[hit] = shapely.area(shapely.intersection(geoms[hit], zone))
    total = shapely.area(geoms)
    return pd.DataFrame({
        "areal_steinbrudd_daa": area / M2_PER_DAA,
        "andel_steinbrudd_pct": np.divide(area * 100.0, total, out=np.zeros(n), where=total > 0),
    }, index=parcels.index)


def slope_conflict(parcels: gpd.GeoDataFrame, terrain: "Raster | None",
                   max_slope_pct: float) -> pd.Series:
    """Share (%) of each parcel steeper than ``max_slope_pct``.

    Parameters
    ----------
    parcels : polygons.
    terrain : the elevation raster (metres) as opened by
        :func:`geoplan.io.raster.open_raster`, or None.
    max_slope_pct : slope threshold, percent (rise/run × 100).

    Returns
    -------
    Series ``andel_bratt_pct`` (index of ``parcels``), NaN without a raster or
    where a parcel lies outside it.
    """
    if terrain is None or len(parcels) == 0:
        return pd.Series(np.full(len(parcels), np.nan), index=parcels.index, name="andel_bratt_pct")
    share = zonal_share_above_fast(parcels.geometry.to_numpy(), terrain, float(max_slope_pct),
                                   crs=parcels.crs, derive="slope")
    return pd.Series(np.asarray(share, dtype=float) * 100.0, index=parcels.index,
                     name="andel_bratt_pct")


def _overlap_colours(geoms: np.ndarray, ok: np.ndarray) -> np.ndarray:
    """A pass number per polygon such that no two overlapping polygons share one
    (greedy colouring of the overlap graph); −1 for missing geometries."""
    colour = np.where(ok, 0, -1)
    left, right = overlapping_pairs(np.where(ok, geoms, np.full(len(geoms), None)))
    if len(left):
        nbrs: dict[int, list[int]] = {}
        for a, b in zip(left.tolist(), right.tolist()):
            nbrs.setdefault(a, []).append(b)
            nbrs.setdefault(b, []).append(a)
        for i in sorted(nbrs):  # only the overlapping polygons, not every feature
            used = {colour[j] for j in nbrs[i] if j < i}
            c = 0
            while c in used:
                c += 1
            colour[i] = c
    return colour


def _burn_counts(geoms: np.ndarray, colour: np.ndarray, r: "Raster",
                 threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """Cells (with a value) whose centre lies in each polygon, and how many are above
    ``threshold``: one rasterisation per colour over the polygons' joint window. Kept in
    the load cache by the polygons, the grid and the threshold (a second ``geoplan
    reserves`` on the same data burns nothing and imports no rasterio)."""
    import sys

    from geoplan.io import cache

    return cache.computed(
        "helning-celler",
        lambda: [cache.geometry_bytes(geoms),
                 np.ascontiguousarray(colour, dtype=np.int64).tobytes(),
                 np.ascontiguousarray(r.data).tobytes(), repr(r.data.shape).encode()],
        {"transform": tuple(r.transform)[:6], "threshold": float(threshold)},
        [sys.modules[__name__]],
        lambda: _burn_counts_now(geoms, colour, r, threshold),
        accept=lambda v: isinstance(v, tuple) and len(v) == 2 and len(v[0]) == len(geoms))


def _burn_counts_now(geoms: np.ndarray, colour: np.ndarray, r: "Raster",
                     threshold: float) -> tuple[np.ndarray, np.ndarray]:
    from rasterio import features, windows

    n = len(geoms)
    counts = np.zeros(n + 1)
    above = np.zeros(n + 1)
    idx_all = np.flatnonzero(colour >= 0)
    if not len(idx_all):
        return counts[1:], above[1:]
    h, w = r.data.shape
    minx, miny, maxx, maxy = shapely.total_bounds(geoms[idx_all])
    win = windows.from_bounds(minx, miny, maxx, maxy, r.transform)
    c0 = max(int(np.floor(win.col_off)) - 1, 0)
    r0 = max(int(np.floor(win.row_off)) - 1, 0)
    c1 = min(int(np.ceil(win.col_off + win.width)) + 1, w)
    r1 = min(int(np.ceil(win.row_off + win.height)) + 1, h)
    if c0 >= c1 or r0 >= r1:
        return counts[1:], above[1:]
    sub = r.data[r0:r1, c0:c1]
    tr = r.transform @ r.transform.translation(c0, r0)
    finite = np.isfinite(sub)
    steep = (sub > threshold) & finite
    for c in range(int(colour.max()) + 1):
        idx = np.flatnonzero(colour == c)
        if not len(idx):
            continue
        # GeoJSON mappings written by GEOS (full precision) in one call: twice as fast as
        # rasterio asking each shapely geometry for its __geo_interface__
        shapes = json.loads("[" + ",".join(shapely.to_geojson(geoms[idx])) + "]")
        labels = features.rasterize(zip(shapes, idx + 1), out_shape=sub.shape,
                                    transform=tr, fill=0, dtype="int32", all_touched=False)
        valid = finite & (labels > 0)
        lab = labels[valid]
        counts += np.bincount(lab, minlength=n + 1)
        above += np.bincount(lab, weights=steep[valid].astype(float), minlength=n + 1)
    return counts[1:], above[1:]


def _touched_cells_share(geoms: np.ndarray, rest: np.ndarray, r: "Raster", threshold: float,
                         out: np.ndarray) -> np.ndarray:
    """Share above ``threshold`` of the cells each small polygon touches (≤ 400 cells, on
    a north-up raster), written into ``out``; returns the polygons still without a share."""
    t = r.transform
    if not (len(rest) and t.b == 0 and t.d == 0 and t.a > 0 and t.e < 0):
        return rest
    h, w = r.data.shape
    b = shapely.bounds(geoms[rest])
    c0 = np.clip(np.floor((b[:, 0] - t.c) / t.a).astype(np.int64), 0, w - 1)
    c1 = np.clip(np.floor((b[:, 2] - t.c) / t.a).astype(np.int64), 0, w - 1)
    r0 = np.clip(np.floor((b[:, 3] - t.f) / t.e).astype(np.int64), 0, h - 1)
    r1 = np.clip(np.floor((b[:, 1] - t.f) / t.e).astype(np.int64), 0, h - 1)
    nc, nr = c1 - c0 + 1, r1 - r0 + 1
    inside_raster = (b[:, 2] >= t.c) & (b[:, 0] <= t.c + w * t.a) & \
        (b[:, 1] <= t.f) & (b[:, 3] >= t.f + h * t.e)
    small = inside_raster & (nc * nr <= 400)
    sel = rest[small]
    if len(sel):
        tot = (nc * nr)[small]
        rep = np.repeat(np.arange(len(sel)), tot)
        k = np.arange(tot.sum()) - np.repeat(np.cumsum(tot) - tot, tot)
        rr = r0[small][rep] + k // nc[small][rep]
        cc = c0[small][rep] + k % nc[small][rep]
        x = t.c + cc * t.a
        y = t.f + rr * t.e
        cells = shapely.box(x, y + t.e, x + t.a, y)
        hit = shapely.intersects(cells, geoms[sel][rep])
        vals = r.data[rr, cc]
        valid = hit & np.isfinite(vals)
        cnt = np.bincount(rep[valid], minlength=len(sel))
        abv = np.bincount(rep[valid], weights=(vals[valid] > threshold).astype(float),
                          minlength=len(sel))
        has = cnt > 0
        out[sel[has]] = abv[has] / cnt[has]
    return rest[~small & inside_raster]


def zonal_share_above_fast(geoms: np.ndarray, raster: "Raster", threshold: float, *, crs=None,
                           derive: str | None = "slope") -> np.ndarray:
    """Share (0-1) of each polygon's cells above ``threshold``, in one rasterisation.

    Same cells as :func:`geoplan.io.raster.zonal_share_above` (cells whose centre
    lies in the polygon; polygons with no such cell fall back to the cells they
    touch), but the polygons that overlap no other are burnt into one label grid
    at once and counted with ``numpy.bincount``; only overlapping or tiny
    polygons go through the per-polygon path.

    Parameters
    ----------
    geoms : polygons, in ``crs``.
    raster : a :class:`geoplan.io.raster.Raster` (``open_raster(path)``).
    threshold : cells above this value count (percent for ``derive="slope"``).
    crs : the polygons' CRS; when it is not the raster's, the per-polygon path
        reprojects them.
    derive : ``"slope"`` for the raster's slope in percent, ``None`` for its values.

    Returns
    -------
    ndarray of shares (0-1), NaN where a polygon has no cells.
    """
    from geoplan.io.crs import same_crs
    from geoplan.io.raster import Raster

    if not isinstance(raster, Raster):
        raise GeoplanError(
            f"Terrengmodellen må være et åpnet raster (geoplan.io.raster.open_raster), "
            f"ikke {type(raster).__name__}.")
    r = raster
    if derive == "slope":
        r = r.slope_pct
    elif derive is not None:
        raise ValueError(f"unknown derive {derive!r}")
    geoms = np.asarray(geoms, dtype=object)
    if crs is not None and not same_crs(crs, r.crs):
        return r.zonal(geoms, crs=crs, threshold=threshold)["andel_over"]
    out = np.full(len(geoms), np.nan)
    if len(geoms) == 0:
        return out
    ok = present(geoms)
    counts, above = _burn_counts(geoms, _overlap_colours(geoms, ok), r, threshold)
    done = ok & (counts > 0)
    out[done] = above[done] / counts[done]
    # polygons without a cell centre (smaller than a cell): the cells they touch
    rest = _touched_cells_share(geoms, np.flatnonzero(ok & ~done), r, threshold, out)
    for i in rest:
        vals = r.cells_in(geoms[i])
        vals = vals[np.isfinite(vals)]
        if vals.size:
            out[i] = float((vals > threshold).mean())
    return out
