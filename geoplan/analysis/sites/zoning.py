"""Zoning (arealformål) under the sites: shares per code, and the share zoned for housing.

Areas come from the intersection of each site with the zoning polygons it
touches; a point site takes the codes of the polygons it lies in, each with an
equal share.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from geoplan.analysis.sites.indexes import LayerIndexes
from geoplan.analysis.sites.kinds import Sites, int_or_none
from geoplan.codes import arealformal_name


def zoning_codes(idx: LayerIndexes, layer: str, column: str) -> tuple[np.ndarray, list]:
    """The zoning column factorised once: (code position per feature, unique codes)."""
    def build() -> tuple[np.ndarray, list]:
        base = idx.layer(layer)
        assert base is not None  # callers check the layer first
        vals = [(int_or_none(v) if int_or_none(v) is not None else v)
                for v in base[0][column].tolist()]
        codes, uniques = pd.factorize(pd.Series(vals, dtype=object), use_na_sentinel=True)
        return codes, list(uniques)
    return idx.memo(("zoning_codes", layer, column), build)


def zoning_overlap(idx: LayerIndexes, layer: str, column: str, s: Sites) -> list[list[dict]]:
    """Per site: ``[{"kode", "navn", "areal_daa", "andel_pct"}]`` sorted by share
    (cached on the call)."""
    key = ("zoning", layer, column)
    if key not in s.cache:
        s.cache[key] = _zoning_overlap(idx, layer, column, s)
    return s.cache[key]


def _zoning_overlap(idx: LayerIndexes, layer: str, column: str, s: Sites) -> list[list[dict]]:
    base = idx.layer(layer)
    out: list[list[dict]] = [[] for _ in range(s.n)]
    if base is None:
        return out
    _gdf, tree, geoms = base
    si, fi = tree.query(s.geoms, predicate="intersects")
    if not len(si):
        return out
    feat_codes, uniques = zoning_codes(idx, layer, column)
    k = len(uniques) + 1                      # last slot: missing code
    code = feat_codes[fi]
    code = np.where(code < 0, k - 1, code)
    areal = s.is_areal
    site_area = shapely.area(s.geoms)
    inter_area = np.zeros(len(si))
    a_mask = areal[si]
    if a_mask.any():
        inter_area[a_mask] = shapely.area(
            shapely.intersection(s.geoms[si[a_mask]], geoms[fi[a_mask]]))
    key = si * k + code
    area_sum = np.bincount(key, weights=inter_area, minlength=s.n * k).reshape(s.n, k)
    hits = np.bincount(key, minlength=s.n * k).reshape(s.n, k)
    n_hits = hits.sum(axis=1)
    for i in np.unique(si):
        for c in np.flatnonzero(hits[i]):
            kode = uniques[c] if c < k - 1 else None
            if areal[i]:
                a = float(area_sum[i, c])
                if a <= 0:
                    continue
                pct = a / site_area[i] * 100.0
            else:
                a, pct = 0.0, 100.0 * hits[i, c] / n_hits[i]
            num = int_or_none(kode)
            out[i].append({"kode": kode, "navn": None if num is None else arealformal_name(num),
                           "areal_daa": round(a / 1000.0, 3), "andel_pct": round(pct, 2)})
        out[i].sort(key=lambda r: -r["andel_pct"])
    return out


def zoning_cover(idx: LayerIndexes, layer: str, column: str, codes: set[int],
                 s: Sites) -> tuple[np.ndarray, np.ndarray]:
    """Per site: % of its area zoned with one of ``codes``, and % zoned at all.

    Each is the area of a union, so zoning polygons that overlap (a KPA and a
    reguleringsplan loaded together, or a digitising error) are counted once;
    summing the per-polygon shares would count the overlap twice. Only sites
    touching two or more polygons need the union. NaN for points. Cached on the call.
    """
    key = ("zoning_cover", layer, column, tuple(sorted(codes)))
    if key in s.cache:
        return s.cache[key]
    ok_pct = np.full(s.n, np.nan)
    any_pct = np.full(s.n, np.nan)
    areal = s.is_areal
    ok_pct[areal] = 0.0
    any_pct[areal] = 0.0
    base = idx.layer(layer)
    if base is not None and areal.any():
        _gdf, tree, geoms = base
        si, fi = tree.query(s.geoms, predicate="intersects")
        keep = areal[si]
        si, fi = si[keep], fi[keep]
        if len(si):
            ok_a, any_a = _covered_areas(idx, layer, column, codes, s, si, fi, geoms)
            site_area = shapely.area(s.geoms)
            ok_pct[areal] = np.minimum(ok_a[areal] / site_area[areal] * 100.0, 100.0)
            any_pct[areal] = np.minimum(any_a[areal] / site_area[areal] * 100.0, 100.0)
    s.cache[key] = (ok_pct, any_pct)
    return ok_pct, any_pct


def _covered_areas(idx: LayerIndexes, layer: str, column: str, codes: set[int], s: Sites,
                   si: np.ndarray, fi: np.ndarray,
                   geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Area (m²) per site zoned with ``codes`` and zoned at all, from the site/feature
    pairs ``(si, fi)``; overlaps within one site counted once."""
    order = np.argsort(si, kind="stable")
    si, fi = si[order], fi[order]
    feat_codes, uniques = zoning_codes(idx, layer, column)
    allowed = np.array([int_or_none(u) in codes for u in uniques] + [False])
    code = feat_codes[fi]
    ok_f = allowed[np.where(code < 0, len(uniques), code)]
    pieces = shapely.intersection(s.geoms[si], geoms[fi])
    pa = np.nan_to_num(shapely.area(pieces))
    ok_a = np.bincount(si, weights=pa * ok_f, minlength=s.n)
    any_a = np.bincount(si, weights=pa, minlength=s.n)
    n_ok = np.bincount(si, weights=ok_f.astype(float), minlength=s.n)
    starts = np.flatnonzero(np.r_[True, si[1:] != si[:-1]])
    ends = np.r_[starts[1:], len(si)]
    for b, e in zip(starts, ends):   # sites, not layer features
        if e - b < 2:
            continue
        i = si[b]
        any_a[i] = shapely.area(shapely.union_all(pieces[b:e]))
        if n_ok[i] > 1:
            ok_a[i] = shapely.area(shapely.union_all(pieces[b:e][ok_f[b:e]]))
    return ok_a, any_a
