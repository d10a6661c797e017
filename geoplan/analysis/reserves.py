"""Land need and land reserves: the Larvik method.

Larvik kommune's Boligplan 2015-2020 (seed 004, lines 2330-2497) sizes the
housing land each place needs to a horizon year and sets it against the
*boligreserve* already zoned and the *innspill* (proposed areas):

* growth (persons)  = base × ((1 + rate) ** (year − base_year) − 1) × share
* dwellings         = persons / persons_per_dwelling
* area need (daa)   = dwellings / dwellings_per_daa
* need for new land = max(area need − reserve, 0)
* balance           = reserve + innspill − area need   (+ surplus, − deficit)

Everything here is a pure function: GeoDataFrames and plain numbers in, tidy
(Geo)DataFrames out, areas in daa (1 daa = 1,000 m²), distances in metres.
The command layer (``geoplan arealbehov``, ``geoplan reserves``) and the app
read ``config/reserves.toml`` and pass the numbers in.

Public functions
----------------
growth_persons, area_need, place_parameters, housing_reserve, reserve_by_place,
innspill_by_place, balance, rank_parcels, quarry_conflict, slope_conflict,
analyse_reserves (all of the above in one call, returns :class:`ReserveResult`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoplan.errors import ConfigError, DataProblem  #: square metres per dekar

M2_PER_DAA = 1000.0
#: default housing codes (SOSI arealformål 111x: boligbebyggelse and its sub-purposes)
HOUSING_CODES = (1110, 1111, 1112, 1113)
#: innspill ``formal`` values that mean housing (besides words starting with "bolig")
HOUSING_WORDS = ("bolig", "boliger", "boligbebyggelse", "boligformål")
#: overlaps smaller than this (m²) are treated as digitising noise in the overlap report
_OVERLAP_TOL_M2 = 0.01

NEED_COLUMNS = ["sted", "aar", "vekstrate", "vekst_personer", "boenheter", "arealbehov_daa"]
PLACE_COLUMNS = ["sted", "arealbehov_daa", "boligreserve_daa", "behov_nye_daa",
                 "innspill_daa", "balanse_daa"]

#: ranking criteria: column, config weight key, Norwegian label
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
#: criteria scored by their value (a share), not by percentile rank
ABSOLUTE = {"rpba_ikke_avklart": 1.0, "andel_steinbrudd_pct": 100.0, "andel_bratt_pct": 100.0}
DEFAULT_WEIGHTS = {"weight_centre": 0.30, "weight_settlement": 0.15, "weight_walking": 0.10,
                   "weight_stop": 0.10, "weight_axis": 0.05, "weight_rpba": 0.10,
                   "weight_quarry": 0.15, "weight_slope": 0.05}


def place_key(name: Any) -> str:
    """The key places are matched by: stripped, case-folded text."""
    return "" if name is None or (isinstance(name, float) and np.isnan(name)) else \
        " ".join(str(name).split()).casefold()


# ---------------------------------------------------------------------------
# Growth and area need
# ---------------------------------------------------------------------------

def _check_growth_params(base_population, base_year, years, rates, persons_per_dwelling) -> None:
    if not np.isfinite(base_population) or base_population <= 0:
        raise ConfigError(f"Folketallet i basisåret må være et positivt tall (fikk {base_population}).")
    for y in years:
        if int(y) != y or y < base_year:
            raise ConfigError(
                f"Horisontåret {y} må være et helt år og ikke før basisåret {base_year}.")
    for r in rates:
        if not np.isfinite(r) or r <= -1:
            raise ConfigError(f"Vekstraten {r} er ugyldig: oppgi en andel per år, f.eks. 0.015.")
        if r >= 0.5:
            raise ConfigError(
                f"Vekstraten {r} er en andel per år ({r * 100:g} %), som er urimelig høyt. "
                "Oppgi raten som andel, f.eks. 0.015 for 1,5 % per år.")
    if not np.isfinite(persons_per_dwelling) or persons_per_dwelling <= 0:
        raise ConfigError(
            f"Personer per boenhet må være større enn 0 (fikk {persons_per_dwelling}).")


def growth_persons(base_population: float, base_year: int, year, rate, share=1.0):
    """Population growth from the base year to ``year`` for a place's share.

    Parameters
    ----------
    base_population : persons in the whole municipality on 1 January of ``base_year``.
    base_year : year of the base population.
    year, rate, share : horizon year, annual growth rate (fraction, 0.015 = 1.5 %),
        the place's fraction of the municipality's growth; scalars or arrays
        (broadcast).

    Returns
    -------
    float or ndarray, persons: ``base × ((1 + rate) ** (year − base_year) − 1) × share``.
    """
    n = np.asarray(year, dtype="float64") - float(base_year)
    out = float(base_population) * ((1.0 + np.asarray(rate, dtype="float64")) ** n - 1.0) \
        * np.asarray(share, dtype="float64")
    return out if np.ndim(out) else float(out)


def area_need(places: pd.DataFrame | Mapping[str | None, float], *, base_population: float,
              base_year: int, years: Sequence[int], rates: Sequence[float],
              persons_per_dwelling: float,
              dwellings_per_daa: float | Mapping[str | None, float] | None = None) -> pd.DataFrame:
    """Area need per place, year and growth rate.

    Parameters
    ----------
    places : a DataFrame with columns ``sted``, ``andel`` (share of the
        municipality's growth, 0-1) and ``boenheter_per_daa`` (dwellings per daa),
        as :func:`place_parameters` returns; or a mapping ``{sted: share}``
        (``sted`` may be ``None`` for an unnamed place), then ``dwellings_per_daa``
        gives the density (one number, or a mapping by place).
    base_population : persons in the municipality in the base year.
    base_year : the base year.
    years : horizon years.
    rates : annual growth rates as fractions (0.015 = 1.5 % per year).
    persons_per_dwelling : persons per dwelling (2 in Larvik).
    dwellings_per_daa : density, dwellings per daa; overrides the DataFrame's column
        for every place when given as one number.

    Returns
    -------
    DataFrame with one row per place, year and rate (in that order) and the
    columns ``sted``, ``aar``, ``vekstrate``, ``vekst_personer``, ``boenheter``,
    ``arealbehov_daa`` (unrounded), plus ``andel`` and ``boenheter_per_daa``.
    """
    if isinstance(places, pd.DataFrame):
        tab = places[["sted", "andel"] + (["boenheter_per_daa"] if "boenheter_per_daa" in places
                                           else [])].copy()
    else:
        tab = pd.DataFrame({"sted": list(places.keys()), "andel": list(places.values())})
    if dwellings_per_daa is not None:
        if isinstance(dwellings_per_daa, Mapping):
            tab["boenheter_per_daa"] = [dwellings_per_daa.get(s) for s in tab["sted"]]
        else:
            tab["boenheter_per_daa"] = float(dwellings_per_daa)
    if "boenheter_per_daa" not in tab:
        raise ConfigError("Tettheten (boenheter per daa) mangler for stedene.")
    years = [int(y) for y in years]
    rates = [float(r) for r in rates]
    if not years or not rates:
        raise ConfigError("Oppgi minst ett horisontår og én vekstrate.")
    _check_growth_params(float(base_population), int(base_year), years, rates,
                         float(persons_per_dwelling))
    share = pd.to_numeric(tab["andel"], errors="coerce").to_numpy(dtype="float64")
    dens = pd.to_numeric(tab["boenheter_per_daa"], errors="coerce").to_numpy(dtype="float64")
    bad = ~np.isfinite(share) | (share < 0) | (share > 1)
    if bad.any():
        raise ConfigError(
            f"Andelen av veksten må være mellom 0 og 1 for {_names(tab['sted'][bad])} "
            f"(fikk {', '.join(f'{v:g}' for v in share[bad])}).")
    bad = ~np.isfinite(dens) | (dens <= 0)
    if bad.any():
        raise ConfigError(
            f"Tettheten (boenheter per daa) må være større enn 0 for {_names(tab['sted'][bad])}.")
    # broadcast place × year × rate without a Python loop over the rows
    p_idx, y_idx, r_idx = (a.ravel() for a in np.meshgrid(
        np.arange(len(tab)), np.arange(len(years)), np.arange(len(rates)), indexing="ij"))
    yr = np.asarray(years, dtype="int64")[y_idx]
    rt = np.asarray(rates, dtype="float64")[r_idx]
    persons = growth_persons(base_population, base_year, yr, rt, share[p_idx])
    persons = np.atleast_1d(persons)
    dwellings = persons / float(persons_per_dwelling)
    out = pd.DataFrame({
        "sted": tab["sted"].to_numpy(dtype=object)[p_idx],
        "aar": yr,
        "vekstrate": rt,
        "vekst_personer": persons,
        "boenheter": dwellings,
        "arealbehov_daa": dwellings / dens[p_idx],
        "andel": share[p_idx],
        "boenheter_per_daa": dens[p_idx],
    })
    return out


def _names(values: Iterable) -> str:
    vals = ["(uten navn)" if v is None else str(v) for v in values]
    return ", ".join(f"«{v}»" for v in vals)


def place_parameters(names: Sequence[str] | None, configured: Mapping[str, Mapping] | None, *,
                     default_dwellings_per_daa: float,
                     data_dwellings_per_daa: Mapping[str, float] | None = None
                     ) -> tuple[pd.DataFrame, list[str]]:
    """Share of growth and density for each place.

    Parameters
    ----------
    names : the places to resolve (e.g. ``utviklingsgrense.navn``); ``None`` for
        every configured place, in configuration order.
    configured : ``{key: {"navn": str, "andel": float, "boenheter_per_daa": float}}``,
        plain values (the ``steder`` table of ``config/reserves.toml`` with the
        parameter tables reduced to their values).
    default_dwellings_per_daa : density for places neither configured nor given one
        in the data.
    data_dwellings_per_daa : density per place from the data
        (``utviklingsgrense.boenheter_per_daa``); used where the configuration
        has none.

    Returns
    -------
    (DataFrame ``sted``, ``andel``, ``boenheter_per_daa``, ``andel_kilde``,
    ``tetthet_kilde``; list of Norwegian notes). A place in ``names`` that is not
    configured gets the share the configured places in ``names`` leave over,
    split equally (a note says so).
    """
    configured = configured or {}
    conf = {}
    order = []
    for key, entry in configured.items():
        if not isinstance(entry, Mapping):
            continue
        display = entry.get("navn", key)
        conf[place_key(display)] = (display, entry.get("andel"), entry.get("boenheter_per_daa"))
        order.append(display)
    data_dens = {place_key(k): v for k, v in (data_dwellings_per_daa or {}).items()
                 if v is not None and np.isfinite(v)}
    notes: list[str] = []
    if names is None:
        names = order
    names = list(dict.fromkeys(names))
    rows = []
    for n in names:
        k = place_key(n)
        display, share, dens = conf.get(k, (n, None, None))
        rows.append({"sted": n, "andel": share, "boenheter_per_daa": dens,
                     "andel_kilde": "konfigurasjon" if share is not None else None,
                     "tetthet_kilde": "konfigurasjon" if dens is not None else None})
    tab = pd.DataFrame(rows, columns=["sted", "andel", "boenheter_per_daa", "andel_kilde",
                                      "tetthet_kilde"])
    if len(tab):
        missing = tab["andel"].isna()
        if missing.any():
            used = float(pd.to_numeric(tab.loc[~missing, "andel"]).sum()) if (~missing).any() else 0.0
            rest = max(1.0 - used, 0.0)
            each = rest / int(missing.sum())
            tab.loc[missing, "andel"] = each
            tab.loc[missing, "andel_kilde"] = "fordelt rest"
            notes.append(
                f"{_names(tab.loc[missing, 'sted'])} har ingen andel av veksten i "
                f"konfigurasjonen (reserves.steder); de får det som er igjen "
                f"({f'{rest * 100:.1f}'.replace('.', ',')} %) delt likt, "
                f"{f'{each * 100:.2f}'.replace('.', ',')} % hver.")
        miss_d = tab["boenheter_per_daa"].isna()
        for i in np.flatnonzero(miss_d.to_numpy()):
            k = place_key(tab.at[i, "sted"])
            if k in data_dens:
                tab.at[i, "boenheter_per_daa"] = float(data_dens[k])
                tab.at[i, "tetthet_kilde"] = "utviklingsgrense.boenheter_per_daa"
            else:
                tab.at[i, "boenheter_per_daa"] = float(default_dwellings_per_daa)
                tab.at[i, "tetthet_kilde"] = "standard"
        tab["andel"] = tab["andel"].astype(float)
        tab["boenheter_per_daa"] = tab["boenheter_per_daa"].astype(float)
    return tab, notes


# ---------------------------------------------------------------------------
# Geometry helpers
# ---------------------------------------------------------------------------

def _check_crs(gdf: gpd.GeoDataFrame | None, layer: str) -> None:
    if gdf is not None and gdf.crs is not None and gdf.crs.is_geographic:
        raise DataProblem(
            f"Laget «{layer}» er i et geografisk koordinatsystem ({gdf.crs.name}); arealer og "
            "avstander krever et projisert system i meter. Transformer dataene til EUREF89 UTM "
            "(f.eks. EPSG:25832) eller bruk --crs.")


def _union_area_by_group(geoms: np.ndarray, groups: np.ndarray, n_groups: int,
                         areas: np.ndarray | None = None) -> np.ndarray:
    """Area (m²) of the union of the geometries in each group.

    Overlaps inside a group are counted once. Only the geometries that overlap
    another one of their group are unioned; the rest are summed directly, so
    clean data (no overlaps) costs one spatial-index query.
    """
    geoms = np.asarray(geoms, dtype=object)
    groups = np.asarray(groups, dtype="int64")
    if areas is None:
        areas = shapely.area(geoms)
    areas = np.nan_to_num(np.asarray(areas, dtype="float64"))
    out = np.bincount(groups, weights=areas, minlength=n_groups).astype("float64")
    if len(geoms) < 2:
        return out
    l, r = _overlapping_pairs(geoms, groups)
    if len(l) == 0:
        return out
    involved = np.unique(np.concatenate([l, r]))
    # few groups with overlaps: one union per affected group
    g_inv = groups[involved]
    for g in np.unique(g_inv):
        idx = involved[g_inv == g]
        out[g] += shapely.area(shapely.union_all(geoms[idx])) - areas[idx].sum()
    return out


def _overlapping_pairs(geoms: np.ndarray, groups: np.ndarray | None = None):
    """Index pairs (i < j, same group) whose interiors intersect (a real overlap)."""
    tree = shapely.STRtree(geoms)
    l, r = tree.query(geoms, predicate="intersects")
    m = l < r
    if groups is not None:
        m &= groups[l] == groups[r]
    l, r = l[m], r[m]
    if len(l):
        # neighbours that only share an edge have bounding boxes that meet in a line:
        # drop them with arithmetic before the exact DE-9IM test
        b = shapely.bounds(geoms)
        w = np.minimum(b[l, 2], b[r, 2]) - np.maximum(b[l, 0], b[r, 0])
        h = np.minimum(b[l, 3], b[r, 3]) - np.maximum(b[l, 1], b[r, 1])
        keep = (w > 0) & (h > 0)
        l, r = l[keep], r[keep]
    if len(l):
        inter = shapely.relate_pattern(geoms[l], geoms[r], "T********")
        l, r = l[inter], r[inter]
    return l, r


def _overlap_area_each(geoms: np.ndarray) -> np.ndarray:
    """Area (m²) of each geometry that it shares with the others."""
    geoms = np.asarray(geoms, dtype=object)
    out = np.zeros(len(geoms))
    if len(geoms) < 2:
        return out
    l, r = _overlapping_pairs(geoms)
    if len(l) == 0:
        return out
    ii = np.concatenate([l, r])
    jj = np.concatenate([r, l])
    order = np.argsort(ii, kind="stable")
    ii, jj = ii[order], jj[order]
    starts = np.flatnonzero(np.r_[True, ii[1:] != ii[:-1]])
    ends = np.r_[starts[1:], len(ii)]
    for s, e in zip(starts, ends):  # only geometries that overlap another one
        i = ii[s]
        others = shapely.union_all(geoms[jj[s:e]])
        out[i] = shapely.area(shapely.intersection(geoms[i], others))
    out[out < _OVERLAP_TOL_M2] = 0.0
    return out


def _dissolve_places(utviklingsgrense: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """One (multi)polygon per place (``navn``), in first-seen order (idempotent)."""
    if "_key" in utviklingsgrense.columns and "sted" in utviklingsgrense.columns:
        return utviklingsgrense
    ug = utviklingsgrense
    keys = ug["navn"].map(place_key)
    ok = keys != ""
    ug = ug.loc[ok.to_numpy()]
    keys = keys[ok]
    first = pd.Series(ug["navn"].to_numpy(), index=keys.to_numpy())
    first = first[~first.index.duplicated()]
    codes, uniq = pd.factorize(keys, sort=False)
    geoms = ug.geometry.to_numpy()
    merged = [shapely.union_all(geoms[codes == i]) if (codes == i).sum() > 1
              else geoms[codes == i][0] for i in range(len(uniq))]
    out = gpd.GeoDataFrame({"sted": [first[k] for k in uniq], "_key": list(uniq)},
                           geometry=merged, crs=utviklingsgrense.crs)
    if "boenheter_per_daa" in ug.columns:
        dens = pd.to_numeric(ug["boenheter_per_daa"], errors="coerce").groupby(codes).first()
        out["boenheter_per_daa"] = dens.reindex(range(len(uniq))).to_numpy()
    return out


# ---------------------------------------------------------------------------
# Reserve and innspill
# ---------------------------------------------------------------------------

def housing_reserve(arealformal: gpd.GeoDataFrame,
                    housing_codes: Iterable[int] = HOUSING_CODES) -> gpd.GeoDataFrame:
    """The rows of ``arealformal`` that are boligreserve.

    Reserve = zoned for housing (``arealformal`` in ``housing_codes``) and not
    built. Where the optional column ``utbygd`` has a value it decides (built:
    not reserve, even if ``arealbruksstatus`` is 2); where it is missing or
    empty, ``arealbruksstatus`` 2 (framtidig) counts as not built.

    Returns
    -------
    GeoDataFrame, a subset of ``arealformal`` (same index and columns).
    """
    _check_crs(arealformal, "arealformal")
    code = pd.to_numeric(arealformal["arealformal"], errors="coerce")
    housing = code.isin([int(c) for c in housing_codes]).to_numpy()
    status = pd.to_numeric(arealformal.get("arealbruksstatus"), errors="coerce") \
        if "arealbruksstatus" in arealformal else pd.Series(np.nan, index=arealformal.index)
    not_built = (status == 2).to_numpy()
    if "utbygd" in arealformal.columns:
        ub = arealformal["utbygd"].astype("boolean")
        known = ub.notna().to_numpy()
        not_built = np.where(known, ~ub.fillna(True).to_numpy(dtype=bool), not_built)
    keep = housing & not_built
    geoms = arealformal.geometry.to_numpy()
    keep &= ~(shapely.is_empty(geoms) | shapely.is_missing(geoms))
    return arealformal.loc[keep]


def _settled(arealformal: gpd.GeoDataFrame, housing_codes: Iterable[int]) -> np.ndarray:
    """Geometries of built housing zones (existing settlement)."""
    code = pd.to_numeric(arealformal["arealformal"], errors="coerce")
    housing = code.isin([int(c) for c in housing_codes]).to_numpy()
    res_idx = housing_reserve(arealformal, housing_codes).index
    built = housing & ~arealformal.index.isin(res_idx)
    g = arealformal.geometry.to_numpy()[built]
    return g[~(shapely.is_empty(g) | shapely.is_missing(g))]


def _label(df: pd.DataFrame, prefix: str) -> np.ndarray:
    """A display name per row: ``navn`` if present, else ``<prefix> <index>``."""
    idx = np.asarray([f"{prefix} {i}" for i in df.index], dtype=object)
    if "navn" in df.columns:
        nm = df["navn"].astype(object).to_numpy()
        has = pd.notna(nm) & (pd.Series(nm).astype(str).str.strip() != "").to_numpy()
        return np.where(has, nm, idx)
    return idx


def reserve_by_place(arealformal: gpd.GeoDataFrame, utviklingsgrense: gpd.GeoDataFrame,
                     housing_codes: Iterable[int] = HOUSING_CODES):
    """Boligreserve inside each place's utviklingsgrense.

    Overlapping zoning polygons are never counted twice: each place's area is
    the area of the union of the reserve inside its boundary.

    Parameters
    ----------
    arealformal : zoning polygons (projected CRS, metres).
    utviklingsgrense : boundaries with ``navn``; several rows with one name are
        one place (multipart boundaries).
    housing_codes : SOSI codes that count as housing.

    Returns
    -------
    (places, parcels, outside_daa)
        places : DataFrame ``sted``, ``boligreserve_daa``, ``antall_reserver``.
        parcels : GeoDataFrame, one row per reserve polygon: ``navn``, ``sted``
            (the place holding most of it; None outside every boundary), ``type``
            ("reserve"), ``arealformal``, ``arealbruksstatus``, ``areal_daa`` (whole
            polygon), ``areal_innenfor_daa`` (inside any boundary),
            ``andel_innenfor_pct``, ``overlapp_daa`` (shared with other reserve
            polygons), geometry.
        outside_daa : reserve area (union) outside every boundary, daa.
    """
    _check_crs(utviklingsgrense, "utviklingsgrense")
    res = housing_reserve(arealformal, housing_codes)
    places = _dissolve_places(utviklingsgrense)
    pg = places.geometry.to_numpy()
    geoms = res.geometry.to_numpy()
    n, k = len(geoms), len(pg)
    areas = shapely.area(geoms) if n else np.zeros(0)

    inside_area = np.zeros(n)
    best_place = np.full(n, -1, dtype="int64")
    place_area = np.zeros(k)
    if n and k:
        tree = shapely.STRtree(geoms)
        b_idx, p_idx = tree.query(pg, predicate="intersects")
        pieces = np.empty(len(b_idx), dtype=object)
        if len(b_idx):
            contained = shapely.contains_properly(pg[b_idx], geoms[p_idx]) \
                if hasattr(shapely, "contains_properly") else shapely.contains(pg[b_idx], geoms[p_idx])
            pieces[contained] = geoms[p_idx][contained]
            cut = ~contained
            if cut.any():
                pieces[cut] = shapely.intersection(geoms[p_idx][cut], pg[b_idx][cut])
        piece_area = np.nan_to_num(shapely.area(pieces)) if len(pieces) else np.zeros(0)
        # the place total: union of its pieces (overlapping zoning counted once)
        place_area = _union_area_by_group(pieces, b_idx, k, piece_area) if len(pieces) else place_area
        if len(p_idx):
            order = np.lexsort((-piece_area, p_idx))
            first = np.r_[True, p_idx[order][1:] != p_idx[order][:-1]]
            sel = order[first]
            has = piece_area[sel] > 0
            best_place[p_idx[sel][has]] = b_idx[sel][has]
    # inside any boundary / outside every boundary, against the union of the boundaries
    # (places whose boundaries overlap must not make a parcel more than 100 % inside)
    outside_daa = 0.0
    if n:
        if k:
            boundary_union = shapely.union_all(pg)
            shapely.prepare(boundary_union)
            within = shapely.within(geoms, boundary_union)
            touching = shapely.intersects(geoms, boundary_union)
            inside_area = np.where(within, areas, 0.0)
            cut = touching & ~within
            if cut.any():
                inside_area[cut] = shapely.area(shapely.intersection(geoms[cut], boundary_union))
            part_out = ~within
            outs = np.where(touching[part_out],
                            shapely.difference(geoms[part_out], boundary_union), geoms[part_out]) \
                if part_out.any() else geoms[:0]
        else:
            inside_area = np.zeros(n)
            outs = geoms
        if len(outs):
            outside_daa = float(_union_area_by_group(outs, np.zeros(len(outs), dtype="int64"), 1)[0]) \
                / M2_PER_DAA
        inside_area = np.minimum(inside_area, areas)

    overlap = _overlap_area_each(geoms) if n else np.zeros(0)
    sted = np.where(best_place >= 0, places["sted"].to_numpy(dtype=object)[np.maximum(best_place, 0)], None) \
        if n else np.zeros(0, dtype=object)
    parcels = gpd.GeoDataFrame({
        "navn": _label(res, "Reserve"),
        "sted": sted,
        "type": "reserve",
        "arealformal": pd.to_numeric(res["arealformal"], errors="coerce").astype("Int64").to_numpy(),
        "arealbruksstatus": pd.to_numeric(res["arealbruksstatus"], errors="coerce").astype("Int64")
        .to_numpy() if "arealbruksstatus" in res else pd.NA,
        "areal_daa": areas / M2_PER_DAA,
        "areal_innenfor_daa": inside_area / M2_PER_DAA,
        "andel_innenfor_pct": np.divide(inside_area * 100.0, areas, out=np.zeros(n),
                                        where=areas > 0),
        "overlapp_daa": overlap / M2_PER_DAA,
    }, geometry=geoms, crs=arealformal.crs, index=res.index)
    counts = np.bincount(best_place[best_place >= 0], minlength=k) if n else np.zeros(k, dtype=int)
    out = pd.DataFrame({"sted": places["sted"].to_numpy(dtype=object),
                        "boligreserve_daa": place_area / M2_PER_DAA,
                        "antall_reserver": counts})
    return out, parcels, outside_daa


def housing_formal(formal: pd.Series, housing_words: Iterable[str] = HOUSING_WORDS,
                   housing_codes: Iterable[int] = HOUSING_CODES) -> np.ndarray:
    """Whether each innspill's ``formal`` is housing.

    Empty ``formal`` counts as housing (the contract makes the column optional);
    otherwise a word in ``housing_words`` (case-insensitive, e.g. "bolig"), a word
    starting with "bolig", or a SOSI code in ``housing_codes``.
    """
    txt = formal.astype(object).where(formal.notna(), None).map(
        lambda v: "" if v is None else " ".join(str(v).split()).casefold())
    words = {str(w).casefold() for w in housing_words}
    codes = {str(int(c)) for c in housing_codes}
    num = pd.to_numeric(txt, errors="coerce")
    as_code = num.map(lambda v: "" if v != v else str(int(v)))
    return ((txt == "") | txt.isin(words) | txt.str.startswith("bolig")
            | as_code.isin(codes)).to_numpy(dtype=bool)


def innspill_by_place(innspill: gpd.GeoDataFrame | None,
                      utviklingsgrense: gpd.GeoDataFrame | None = None, *,
                      housing_words: Iterable[str] = HOUSING_WORDS,
                      housing_codes: Iterable[int] = HOUSING_CODES):
    """Innspill area per place (``innspill.sted``), wherever the parcels lie.

    Only innspill for housing count (see :func:`housing_formal`); the others are
    listed with ``boligformal`` False and left out of the totals.

    Parameters
    ----------
    innspill : proposed areas with ``navn`` and ``sted``; ``None`` or empty for none.
    utviklingsgrense : boundaries; used for each parcel's share inside its own
        place's boundary.
    housing_words, housing_codes : what counts as a housing ``formal``.

    Returns
    -------
    (per_place, parcels)
        per_place : DataFrame ``sted``, ``innspill_daa`` (union per place,
            overlaps counted once), ``antall_innspill``; one row per ``sted``
            value in the innspill.
        parcels : GeoDataFrame ``navn``, ``sted``, ``type`` ("innspill"),
            ``areal_daa``, ``areal_innenfor_daa``, ``andel_innenfor_pct``,
            ``overlapp_daa``, plus ``formal`` and ``rpba_avklart`` when present.
    """
    cols = ["navn", "sted", "type", "areal_daa", "areal_innenfor_daa", "andel_innenfor_pct",
            "overlapp_daa"]
    if innspill is None or len(innspill) == 0:
        crs = innspill.crs if innspill is not None else (
            utviklingsgrense.crs if utviklingsgrense is not None else None)
        return (pd.DataFrame({"sted": pd.Series(dtype=object), "innspill_daa": pd.Series(dtype=float),
                              "antall_innspill": pd.Series(dtype=int)}),
                gpd.GeoDataFrame({c: [] for c in cols}, geometry=[], crs=crs))
    _check_crs(innspill, "innspill")
    geoms = innspill.geometry.to_numpy()
    ok = ~(shapely.is_empty(geoms) | shapely.is_missing(geoms))
    inn = innspill.loc[ok]
    geoms = geoms[ok]
    areas = shapely.area(geoms)
    keys = inn["sted"].map(place_key).to_numpy(dtype=object) if "sted" in inn else \
        np.full(len(inn), "", dtype=object)
    codes, uniq = pd.factorize(keys, sort=False)
    display = pd.Series(inn["sted"].to_numpy(dtype=object) if "sted" in inn else [None] * len(inn)
                        ).groupby(codes).first().to_numpy(dtype=object)
    display = np.where(np.asarray(uniq, dtype=object) == "", None, display)
    is_housing = housing_formal(inn["formal"], housing_words, housing_codes) \
        if "formal" in inn.columns else np.ones(len(inn), dtype=bool)
    per = _union_area_by_group(geoms[is_housing], codes[is_housing], len(uniq), areas[is_housing])
    per_place = pd.DataFrame({"sted": display, "innspill_daa": per / M2_PER_DAA,
                              "antall_innspill": np.bincount(codes[is_housing],
                                                             minlength=len(uniq))})

    inside = np.zeros(len(inn))
    if utviklingsgrense is not None and len(utviklingsgrense):
        places = _dissolve_places(utviklingsgrense)
        lookup = dict(zip(places["_key"], places.geometry.to_numpy()))
        own = np.array([lookup.get(k) for k in keys], dtype=object)
        has = np.array([g is not None for g in own])
        if has.any():
            inside[has] = np.nan_to_num(shapely.area(shapely.intersection(geoms[has], own[has])))
    inside = np.minimum(inside, areas)
    sted = inn["sted"].to_numpy(dtype=object) if "sted" in inn else np.full(len(inn), None)
    if utviklingsgrense is not None and len(utviklingsgrense):
        names = dict(zip(places["_key"], places["sted"]))
        sted = np.array([names.get(k, s) for k, s in zip(keys, sted)], dtype=object)
    parcels = gpd.GeoDataFrame({
        "navn": _label(inn, "Innspill"),
        "sted": sted,
        "type": "innspill",
        "areal_daa": areas / M2_PER_DAA,
        "areal_innenfor_daa": inside / M2_PER_DAA,
        "andel_innenfor_pct": np.divide(inside * 100.0, areas, out=np.zeros(len(inn)),
                                        where=areas > 0),
        "overlapp_daa": _overlap_area_each(geoms) / M2_PER_DAA,
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
        matched by place name, case-insensitively.

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


# ---------------------------------------------------------------------------
# Ranking
# ---------------------------------------------------------------------------

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
        targets = targets[~(shapely.is_empty(targets) | shapely.is_missing(targets))]
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
    GeoDataFrame ``sted``, ``senter_kilde`` ("sentrum", "sentrum i grensen",
    "grensens midtpunkt"), geometry (Point).
    """
    places = _dissolve_places(utviklingsgrense)
    pg = places.geometry.to_numpy()
    cent = shapely.centroid(pg)
    outside = ~shapely.within(cent, pg)
    if outside.any():
        cent[outside] = shapely.point_on_surface(pg[outside])
    src = np.full(len(pg), "grensens midtpunkt", dtype=object)
    if sentrum is not None and len(sentrum):
        sg = sentrum.geometry.to_numpy()
        sg = shapely.centroid(sg)
        skeys = sentrum["navn"].map(place_key).to_numpy() if "navn" in sentrum else \
            np.full(len(sentrum), "", dtype=object)
        # within boundary
        tree = shapely.STRtree(sg)
        b_idx, s_idx = tree.query(pg, predicate="contains")
        if len(b_idx):
            order = np.lexsort((s_idx, b_idx))
            first = np.r_[True, b_idx[order][1:] != b_idx[order][:-1]]
            cent[b_idx[order][first]] = sg[s_idx[order][first]]
            src[b_idx[order][first]] = "sentrum i grensen"
        # by name (wins)
        first_by_key = {}
        for i, kk in enumerate(skeys):
            first_by_key.setdefault(kk, i)
        for j, kk in enumerate(places["_key"]):
            if kk in first_by_key:
                cent[j] = sg[first_by_key[kk]]
                src[j] = "sentrum"
    return gpd.GeoDataFrame({"sted": places["sted"].to_numpy(dtype=object), "_key": places["_key"],
                             "senter_kilde": src}, geometry=cent, crs=utviklingsgrense.crs)


def rank_parcels(parcels: gpd.GeoDataFrame, centres: gpd.GeoDataFrame, *,
                 settlement: np.ndarray | None = None,
                 gangnett: gpd.GeoDataFrame | None = None,
                 holdeplass: gpd.GeoDataFrame | None = None,
                 kollektivakse: gpd.GeoDataFrame | None = None,
                 weights: Mapping[str, float] | None = None,
                 half_distance_m: float = 1000.0) -> gpd.GeoDataFrame:
    """Rank parcels per place and type by the Larvik order of development.

    Criteria (seed 004, l. 2486-2497), each a distance in metres from the parcel
    (0 where it touches): to the place's centre (``avstand_sentrum_m``), to the
    existing housing (``avstand_bebyggelse_m``), to the walking network
    (``avstand_gangnett_m``), to the nearest stop (``avstand_holdeplass_m``)
    and public-transport axis (``avstand_kollektivakse_m``); and whether the
    area is cleared in the regional plan (``rpba_avklart``, innspill only).
    Conflicts count as well when the columns are there (DOMAIN.md: areas near
    quarries are left out): ``andel_steinbrudd_pct`` and ``andel_bratt_pct``.
    Every distance d becomes a part score d / (d + ``half_distance_m``) in
    [0, 1) (0 touching, 0.5 at the half distance), so small differences in
    distance weigh little; rpba scores 0 cleared, 1 not or unknown; the
    conflict shares score their share (0-1). ``skaar`` is the weighted mean
    over the criteria available, ``rang`` 1 = best within (place, type).
    Criteria whose layer is missing are left out and the weights rescaled.

    Parameters
    ----------
    parcels : GeoDataFrame with ``sted`` and ``type`` (as from
        :func:`reserve_by_place` / :func:`innspill_by_place`).
    centres : from :func:`place_centres`.
    settlement : geometries of existing housing (built housing zones).
    gangnett, holdeplass, kollektivakse : optional layers.
    weights : ``{"weight_centre": ..., ...}`` (config ``reserves.ranking``).
    half_distance_m : distance (m) that scores 0.5 (config
        ``reserves.ranking.half_distance_m``).

    Returns
    -------
    A copy of ``parcels`` with the distance columns, ``skaar`` and ``rang``.
    Parcels without a place get no rank (NaN).
    """
    w = dict(DEFAULT_WEIGHTS)
    if weights:
        w.update({k: float(v) for k, v in weights.items() if k in w})
    out = parcels.copy()
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
        rp = np.where(out["type"].to_numpy() == "innspill", rp, np.nan)
        out["rpba_ikke_avklart"] = rp
    else:
        out["rpba_ikke_avklart"] = np.nan

    grp = [out["sted"].map(place_key).where(has, "\uffff"), out["type"]]
    num = np.zeros(len(out))
    den = np.zeros(len(out))
    for col, wkey, _label_ in CRITERIA:
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
    out["skaar"] = skaar
    tmp = pd.DataFrame({"k": grp[0].to_numpy(), "t": grp[1].to_numpy(), "s": skaar,
                        "d": d, "a": -out["areal_daa"].to_numpy(dtype=float)},
                       index=np.arange(len(out)))
    tmp = tmp.sort_values(["k", "t", "s", "d", "a"], kind="stable")
    tmp["rang"] = tmp.groupby(["k", "t"]).cumcount() + 1
    rang = tmp["rang"].sort_index().to_numpy(dtype=float)
    rang[~has] = np.nan
    out["rang"] = pd.array(np.where(np.isfinite(rang), rang, np.nan), dtype="Float64").astype("Int64")
    return out


def _mark_cover_and_removal(parcels: pd.DataFrame, places: pd.DataFrame) -> pd.DataFrame:
    """Cumulative innspill area by rank, which innspill cover the need, and which
    reserves are candidates to take out where the reserve exceeds the need."""
    out = parcels.copy()
    out["kumulativt_areal_daa"] = np.nan
    out["dekker_behov"] = False
    out["kandidat_uttak"] = False
    pk = dict(zip(places["sted"].map(place_key), places["behov_nye_daa"]))
    sk = dict(zip(places["sted"].map(place_key), places["overskudd_reserve_daa"]))
    keys = out["sted"].map(place_key)
    inn = (out["type"] == "innspill") & out["rang"].notna()
    if inn.any():
        sub = out.loc[inn].assign(_k=keys[inn]).sort_values(["_k", "rang"])
        cum = sub.groupby("_k")["areal_daa"].cumsum()
        need = sub["_k"].map(pk).fillna(0.0)
        out.loc[cum.index, "kumulativt_areal_daa"] = cum
        out.loc[cum.index, "dekker_behov"] = ((cum - sub["areal_daa"]) < need - 1e-9) & (need > 0)
    res = (out["type"] == "reserve") & out["rang"].notna()
    if res.any():
        sub = out.loc[res].assign(_k=keys[res]).sort_values(["_k", "rang"], ascending=[True, False])
        cand = pd.Series(False, index=sub.index)
        # worst placed first; take each reserve out while what remains still covers the need
        for k, g in sub.groupby("_k", sort=False):
            room = float(sk.get(k, 0.0) or 0.0)
            if room <= 0:
                continue
            for idx, a in zip(g.index, g["areal_innenfor_daa"].to_numpy(dtype=float)):
                if a <= room + 1e-9:
                    cand[idx] = True
                    room -= a
        out.loc[cand.index, "kandidat_uttak"] = cand
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
    _check_crs(steinbrudd, "steinbrudd")
    geoms = parcels.geometry.to_numpy()
    area = np.zeros(n)
    sg = steinbrudd.geometry.to_numpy()
    sg = sg[~(shapely.is_empty(sg) | shapely.is_missing(sg))]
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


def slope_conflict(parcels: gpd.GeoDataFrame, terreng, max_slope_pct: float) -> pd.Series:
    """Share (%) of each parcel steeper than ``max_slope_pct``, from an elevation GeoTIFF.

    Parameters
    ----------
    parcels : polygons.
    terreng : path to the elevation GeoTIFF (metres), or None.
    max_slope_pct : slope threshold, percent (rise/run × 100).

    Returns
    -------
    Series ``andel_bratt_pct`` (index of ``parcels``), NaN without a raster or
    where a parcel lies outside it.
    """
    if terreng is None or len(parcels) == 0:
        return pd.Series(np.full(len(parcels), np.nan), index=parcels.index, name="andel_bratt_pct")
    share = zonal_share_above_fast(parcels.geometry.to_numpy(), terreng, float(max_slope_pct),
                                   crs=parcels.crs, derive="slope")
    return pd.Series(np.asarray(share, dtype=float) * 100.0, index=parcels.index,
                     name="andel_bratt_pct")


def zonal_share_above_fast(geoms: np.ndarray, raster_path, threshold: float, *, crs=None,
                           derive: str | None = "slope") -> np.ndarray:
    """Share (0-1) of each polygon's cells above ``threshold``, in one rasterisation.

    Same cells as :func:`geoplan.io.raster.zonal_share_above` (cells whose centre
    lies in the polygon; polygons with no such cell fall back to the cells they
    touch), but the polygons that overlap no other are burnt into one label grid
    at once and counted with ``numpy.bincount``; only overlapping or tiny
    polygons go through the per-polygon path. NaN where a polygon has no cells.
    """
    from pyproj import CRS as _CRS
    from rasterio import features, windows

    from geoplan.io import raster as _raster
    r = _raster.open_raster(raster_path)
    if derive == "slope":
        r = r.slope_pct
    elif derive is not None:
        raise ValueError(f"unknown derive {derive!r}")
    geoms = np.asarray(geoms, dtype=object)
    n = len(geoms)
    if crs is not None and not _CRS.from_user_input(crs).equals(r.crs):
        return _raster.zonal_share_above(geoms, raster_path, threshold, crs=crs, derive=derive)
    out = np.full(n, np.nan)
    if n == 0:
        return out
    ok = ~(shapely.is_empty(geoms) | shapely.is_missing(geoms))
    # overlapping polygons go to different passes (greedy colouring of the overlap graph)
    colour = np.where(ok, 0, -1)
    l, rr = _overlapping_pairs(np.where(ok, geoms, None))
    if len(l):
        nbrs: dict[int, list[int]] = {}
        for a, b in zip(l.tolist(), rr.tolist()):
            nbrs.setdefault(a, []).append(b)
            nbrs.setdefault(b, []).append(a)
        for i in sorted(nbrs):  # only the overlapping polygons, not every feature
            used = {colour[j] for j in nbrs[i] if j < i}
            c = 0
            while c in used:
                c += 1
            colour[i] = c
    h, w = r.data.shape
    counts = np.zeros(n + 1)
    above = np.zeros(n + 1)
    idx_all = np.flatnonzero(ok)
    if len(idx_all):
        minx, miny, maxx, maxy = shapely.total_bounds(geoms[idx_all])
        win = windows.from_bounds(minx, miny, maxx, maxy, r.transform)
        c0 = max(int(np.floor(win.col_off)) - 1, 0)
        r0 = max(int(np.floor(win.row_off)) - 1, 0)
        c1 = min(int(np.ceil(win.col_off + win.width)) + 1, w)
        r1 = min(int(np.ceil(win.row_off + win.height)) + 1, h)
        if c0 < c1 and r0 < r1:
            sub = r.data[r0:r1, c0:c1]
            tr = r.transform @ r.transform.translation(c0, r0)
            finite = np.isfinite(sub)
            steep = (sub > threshold) & finite
            for c in range(int(colour.max()) + 1):
                idx = np.flatnonzero(colour == c)
                if not len(idx):
                    continue
                labels = features.rasterize(zip(geoms[idx], idx + 1), out_shape=sub.shape,
                                            transform=tr, fill=0, dtype="int32",
                                            all_touched=False)
                valid = finite & (labels > 0)
                lab = labels[valid]
                counts += np.bincount(lab, minlength=n + 1)
                above += np.bincount(lab, weights=steep[valid].astype(float), minlength=n + 1)
    c = counts[1:]
    done = ok & (c > 0)
    out[done] = above[1:][done] / c[done]
    # polygons without a cell centre (smaller than a cell): the cells they touch
    rest = np.flatnonzero(ok & ~done)
    t = r.transform
    if len(rest) and t.b == 0 and t.d == 0 and t.a > 0 and t.e < 0:
        b = shapely.bounds(geoms[rest])
        c0 = np.floor((b[:, 0] - t.c) / t.a).astype(np.int64)
        c1 = np.floor((b[:, 2] - t.c) / t.a).astype(np.int64)
        r0 = np.floor((b[:, 3] - t.f) / t.e).astype(np.int64)
        r1 = np.floor((b[:, 1] - t.f) / t.e).astype(np.int64)
        c0, c1 = np.clip(c0, 0, w - 1), np.clip(c1, 0, w - 1)
        r0, r1 = np.clip(r0, 0, h - 1), np.clip(r1, 0, h - 1)
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
        rest = np.concatenate([rest[~small & inside_raster]])
    for i in rest:
        vals = r.cells_in(geoms[i])
        vals = vals[np.isfinite(vals)]
        if vals.size:
            out[i] = float((vals > threshold).mean())
    return out


# ---------------------------------------------------------------------------
# All in one
# ---------------------------------------------------------------------------

@dataclass
class ReserveResult:
    """The result of :func:`analyse_reserves`.

    Attributes
    ----------
    steder : DataFrame, one row per place: ``sted``, ``arealbehov_daa``,
        ``boligreserve_daa``, ``behov_nye_daa``, ``innspill_daa``, ``balanse_daa``,
        and ``overskudd_reserve_daa``, ``vekst_personer``, ``boenheter``, ``andel``,
        ``boenheter_per_daa``, ``antall_reserver``, ``antall_innspill``.
    parseller : GeoDataFrame, one row per reserve and innspill parcel (see
        :func:`reserve_by_place`, :func:`innspill_by_place`, :func:`rank_parcels`,
        conflicts ``areal_steinbrudd_daa``, ``andel_steinbrudd_pct``,
        ``andel_bratt_pct``).
    utenfor_daa : reserve outside every utviklingsgrense, daa.
    merknader : Norwegian notes on what was left out and why.
    forutsetninger : the parameters used.
    """

    steder: pd.DataFrame
    parseller: gpd.GeoDataFrame
    utenfor_daa: float
    merknader: list[str] = field(default_factory=list)
    forutsetninger: dict = field(default_factory=dict)

    def utenfor_reserver(self) -> gpd.GeoDataFrame:
        """Reserve parcels lying (partly) outside every boundary."""
        p = self.parseller
        return p[(p["type"] == "reserve") & (p["andel_innenfor_pct"] < 100.0 - 1e-9)]


def analyse_reserves(arealformal: gpd.GeoDataFrame, utviklingsgrense: gpd.GeoDataFrame, *,
                     base_population: float, base_year: int, year: int, rate: float,
                     persons_per_dwelling: float,
                     places_config: Mapping[str, Mapping] | None = None,
                     default_dwellings_per_daa: float = 3.0,
                     share: float | None = None, dwellings_per_daa: float | None = None,
                     housing_codes: Iterable[int] = HOUSING_CODES,
                     innspill: gpd.GeoDataFrame | None = None,
                     steinbrudd: gpd.GeoDataFrame | None = None,
                     sentrum: gpd.GeoDataFrame | None = None,
                     gangnett: gpd.GeoDataFrame | None = None,
                     holdeplass: gpd.GeoDataFrame | None = None,
                     kollektivakse: gpd.GeoDataFrame | None = None,
                     terreng=None, quarry_buffer_m: float = 500.0,
                     max_slope_pct: float = 20.0,
                     weights: Mapping[str, float] | None = None,
                     places: Sequence[str] | None = None,
                     half_distance_m: float | None = None,
                     innspill_housing_words: Iterable[str] = HOUSING_WORDS) -> ReserveResult:
    """Land need, boligreserve, innspill, balance, ranking and conflicts per place.

    Parameters
    ----------
    arealformal, utviklingsgrense : required layers (projected CRS).
    base_population, base_year, year, rate, persons_per_dwelling : growth
        parameters (``rate`` a fraction per year).
    places_config : the ``steder`` table of ``config/reserves.toml`` as plain
        values ``{key: {"navn", "andel", "boenheter_per_daa"}}``.
    default_dwellings_per_daa : density for places without one.
    share, dwellings_per_daa : when given, used for every place analysed
        (overrides configuration and data).
    housing_codes : SOSI codes counted as housing.
    innspill, steinbrudd, sentrum, gangnett, holdeplass, kollektivakse : optional layers.
    terreng : path to the elevation GeoTIFF (metres) or None.
    quarry_buffer_m : distance to quarries counted as conflict, metres.
    max_slope_pct : slope threshold, percent.
    weights : ranking weights (``reserves.ranking``).
    half_distance_m : distance scoring 0.5 in the ranking, metres; ``None``:
        ``weights["half_distance_m"]`` if there (the whole ``reserves.ranking``
        table may be passed as ``weights``), else 1000.
    places : restrict the result to these places (names as in ``utviklingsgrense``).
    innspill_housing_words : ``innspill.formal`` values that mean housing.

    Places come in configuration order, then the others in data order.

    Returns
    -------
    :class:`ReserveResult`.
    """
    notes: list[str] = []
    if half_distance_m is None:
        half_distance_m = float((weights or {}).get("half_distance_m", 1000.0))
    if half_distance_m <= 0:
        raise ConfigError(f"reserves.ranking.half_distance_m må være større enn 0 "
                          f"(fikk {half_distance_m}).")
    _check_crs(arealformal, "arealformal")
    _check_crs(utviklingsgrense, "utviklingsgrense")
    for lyr, nm in ((innspill, "innspill"), (steinbrudd, "steinbrudd"), (sentrum, "sentrum"),
                    (gangnett, "gangnett"), (holdeplass, "holdeplass"),
                    (kollektivakse, "kollektivakse")):
        _check_crs(lyr, nm)
    if len(utviklingsgrense) == 0:
        raise DataProblem("Laget «utviklingsgrense» har ingen flater; uten utviklingsgrenser kan "
                          "boligreserven ikke fordeles på steder. Legg til grensene med kolonnen navn.")
    ug = utviklingsgrense
    if places:
        want = {place_key(p) for p in places}
        ug = ug[ug["navn"].map(place_key).isin(want)]
        have_keys = set(utviklingsgrense["navn"].map(place_key))
        unknown = [p_ for p_ in places if place_key(p_) not in have_keys]
        if unknown:
            have = ", ".join(_dissolve_places(utviklingsgrense)["sted"].astype(str))
            raise DataProblem(
                f"Fant ikke stedet {_names(unknown)} i laget «utviklingsgrense». "
                f"Stedene i dataene er: {have}.")

    # places and their parameters
    dissolved = _dissolve_places(ug)
    data_dens = None
    if "boenheter_per_daa" in dissolved.columns:
        data_dens = dict(zip(dissolved["sted"], dissolved["boenheter_per_daa"]))
    all_places = _dissolve_places(utviklingsgrense)
    all_names = list(all_places["sted"])
    params, pnotes = place_parameters(all_names, places_config,
                                      default_dwellings_per_daa=default_dwellings_per_daa,
                                      data_dwellings_per_daa=data_dens)
    params = params[params["sted"].map(place_key).isin(set(dissolved["_key"]))].reset_index(drop=True)
    if share is None:  # with --share the leftover split is not used, so do not describe it
        notes += pnotes
    if share is not None:
        params["andel"] = float(share)
        params["andel_kilde"] = "valg for denne kjøringen"
        if len(params) > 1:
            notes.append(f"Andelen av veksten ({float(share) * 100:.1f} %) er brukt for hvert av de "
                         f"{len(params)} stedene; velg ett sted med --sted for å endre bare det."
                         .replace(".", ",", 1))
    if dwellings_per_daa is not None:
        params["boenheter_per_daa"] = float(dwellings_per_daa)
        params["tetthet_kilde"] = "valg for denne kjøringen"
    if places_config:
        conf_keys = {place_key(v.get("navn", k)): v.get("navn", k)
                     for k, v in places_config.items() if isinstance(v, Mapping)}
        absent = [v for k, v in conf_keys.items() if k not in set(all_places["_key"])]
        if absent and not places:
            notes.append(f"{_names(absent)} er satt opp i konfigurasjonen, men har ingen "
                         "utviklingsgrense i dataene, og er ikke med i balansen.")
    need = area_need(params, base_population=base_population, base_year=base_year, years=[year],
                     rates=[rate], persons_per_dwelling=persons_per_dwelling)

    res_places, res_parcels, outside = reserve_by_place(arealformal, dissolved, housing_codes)
    bl, br = _overlapping_pairs(dissolved.geometry.to_numpy())
    if len(bl):
        pairs = ", ".join(f"«{dissolved['sted'].iat[a]}»/«{dissolved['sted'].iat[b]}»"
                          for a, b in zip(bl[:5], br[:5]))
        notes.append(f"Utviklingsgrensene overlapper ({pairs}): boligreserve i overlappen "
                     "regnes med for hvert av stedene.")
    if places:
        # reserve outside the selected places' boundaries is not "outside every boundary"
        _, _, outside = reserve_by_place(arealformal, all_places, housing_codes)
        res_parcels = res_parcels[res_parcels["sted"].notna()]
    if innspill is None:
        notes.append("Laget «innspill» finnes ikke i dataene: innspill_daa er 0 for alle steder, "
                     "og ingen innspill er rangert.")
    inn_places, inn_parcels = innspill_by_place(innspill, dissolved, housing_words=innspill_housing_words,
                                                housing_codes=housing_codes)
    if len(inn_parcels) and not inn_parcels["boligformal"].all():
        other = inn_parcels[~inn_parcels["boligformal"]]
        notes.append(f"{len(other)} innspill gjelder ikke bolig (formål "
                     f"{_names(sorted(set(other['formal'].astype(str))))}) og er ikke regnet med i "
                     f"innspill_daa eller rangert: {_names(other['navn'])}.")
    if len(inn_parcels):
        known = set(dissolved["_key"])
        pk = inn_parcels["sted"].map(place_key)
        if not places:
            stray = inn_parcels.loc[~pk.isin(known), "sted"]
            if len(stray):
                notes.append(f"{len(stray)} innspill har et sted uten utviklingsgrense "
                             f"({_names(sorted(set(stray.astype(str))))}); de er listet, men ikke med i "
                             "balansen.")
        else:
            inn_parcels = inn_parcels[pk.isin(known)]
    bal = balance(need[["sted", "arealbehov_daa"]], res_places, inn_places)
    nk = need.assign(_k=need["sted"].map(place_key)).set_index("_k")
    bk = bal["sted"].map(place_key)
    for c in ("vekst_personer", "boenheter", "andel", "boenheter_per_daa"):
        bal[c] = bk.map(nk[c]).astype(float).to_numpy()
    bal["antall_reserver"] = res_places["antall_reserver"].to_numpy()
    ic = dict(zip(inn_places["sted"].map(place_key), inn_places["antall_innspill"]))
    bal["antall_innspill"] = bal["sted"].map(place_key).map(ic).fillna(0).astype(int).to_numpy()
    kilde = dict(zip(params["sted"].map(place_key), zip(params["andel_kilde"], params["tetthet_kilde"])))
    bal["andel_kilde"] = [kilde.get(place_key(s), (None, None))[0] for s in bal["sted"]]
    bal["tetthet_kilde"] = [kilde.get(place_key(s), (None, None))[1] for s in bal["sted"]]
    # configuration order first, then the data's order
    conf_order = [place_key(v.get("navn", k)) for k, v in (places_config or {}).items()
                  if isinstance(v, Mapping)]
    rank_of = {k: i for i, k in enumerate(conf_order)}
    pos = np.array([rank_of.get(place_key(s_), len(rank_of) + i)
                    for i, s_ in enumerate(bal["sted"])])
    bal = bal.iloc[np.argsort(pos, kind="stable")].reset_index(drop=True)
    if outside > 0:
        notes.append(f"{outside:.1f}".replace(".", ",") + " daa boligreserve ligger utenfor alle utviklingsgrenser og er "
                     "ikke regnet med i noe steds reserve (se parsellene uten sted).")

    # parcels: reserve + innspill, ranked, with conflicts
    frames = [f for f in (res_parcels, inn_parcels) if len(f)]
    if frames:
        parcels = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry",
                                   crs=arealformal.crs)
    else:
        parcels = gpd.GeoDataFrame({"navn": [], "sted": [], "type": [], "areal_daa": [],
                                    "areal_innenfor_daa": [], "andel_innenfor_pct": [],
                                    "overlapp_daa": []}, geometry=[], crs=arealformal.crs)
    centres = place_centres(dissolved, sentrum)
    settle = _settled(arealformal, housing_codes)
    if sentrum is None:
        notes.append("Laget «sentrum» finnes ikke: avstand til sentrum måles fra midtpunktet i "
                     "stedets utviklingsgrense.")
    for lyr, nm, what in ((gangnett, "gangnett", "avstand til gangnett"),
                          (holdeplass, "holdeplass", "avstand til holdeplass"),
                          (kollektivakse, "kollektivakse", "avstand til kollektivakse")):
        if lyr is None:
            notes.append(f"Laget «{nm}» finnes ikke: {what} er ikke med i rangeringen.")
    if innspill is not None and "rpba_avklart" not in innspill.columns:
        notes.append("Innspillene har ikke kolonnen «rpba_avklart»: avklaring i regional plan er "
                     "ikke med i rangeringen.")
    q = quarry_conflict(parcels, steinbrudd, quarry_buffer_m)
    parcels["areal_steinbrudd_daa"] = q["areal_steinbrudd_daa"].to_numpy()
    parcels["andel_steinbrudd_pct"] = q["andel_steinbrudd_pct"].to_numpy()
    if steinbrudd is None:
        notes.append("Laget «steinbrudd» finnes ikke: konflikt med steinbrudd er ikke vurdert.")
    parcels["andel_bratt_pct"] = slope_conflict(parcels, terreng, max_slope_pct).to_numpy()
    if terreng is None:
        notes.append("Terrengmodellen «terreng.tif» finnes ikke: bratthet er ikke vurdert.")
    parcels = rank_parcels(parcels, centres, settlement=settle, gangnett=gangnett,
                           holdeplass=holdeplass, kollektivakse=kollektivakse, weights=weights,
                           half_distance_m=half_distance_m)
    parcels = _mark_cover_and_removal(parcels, bal)
    prank = {place_key(s_): i for i, s_ in enumerate(bal["sted"])}
    order = pd.DataFrame({"k": parcels["sted"].map(place_key).map(prank).fillna(len(prank)),
                          "t": parcels["type"], "r": parcels["rang"]})
    parcels = parcels.iloc[np.lexsort((order["r"].astype("Float64").to_numpy(dtype=float, na_value=np.nan), order["t"].to_numpy(),
                                       order["k"].to_numpy()))].reset_index(drop=True)
    # keep the places' order in the balance table
    front = ["navn", "sted", "type", "areal_daa", "areal_innenfor_daa", "andel_innenfor_pct",
             "overlapp_daa", "rang", "skaar", "kumulativt_areal_daa", "dekker_behov",
             "kandidat_uttak"]
    rest = [c for c in parcels.columns if c not in front and c != "geometry"]
    parcels = parcels[front + rest + ["geometry"]]
    for c in ("rang", "arealformal", "arealbruksstatus"):
        if c in parcels.columns:
            parcels[c] = pd.to_numeric(parcels[c], errors="coerce").astype("Int64")

    forutsetninger = {
        "basis_folketall": float(base_population), "basisaar": int(base_year),
        "aar": int(year), "vekstrate": float(rate),
        "personer_per_boenhet": float(persons_per_dwelling),
        "boligkoder": [int(c) for c in housing_codes],
        "steinbrudd_avstand_m": float(quarry_buffer_m), "maks_helning_pct": float(max_slope_pct),
    }
    return ReserveResult(steder=bal.reset_index(drop=True), parseller=parcels,
                         utenfor_daa=float(outside), merknader=notes,
                         forutsetninger=forutsetninger)
