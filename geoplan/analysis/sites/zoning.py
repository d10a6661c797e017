"""Zoning (arealformål) under the sites: shares per code, and the share zoned for housing.

Areas come from the intersection of each site with the zoning polygons it
touches; a point site takes the codes of the polygons it lies in, each with an
equal share.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import shapely

from geoplan.analysis.sites import scalar as sc
from geoplan.analysis.sites.indexes import LayerIndexes
from geoplan.analysis.sites.kinds import Sites, int_or_none
from geoplan.codes import arealformal_name


def zoning_codes(idx: LayerIndexes, layer: str, column: str) -> tuple[np.ndarray, list, list]:
    """The zoning column factorised once: (code position per feature, unique codes,
    the name of each unique code)."""
    def build() -> tuple[np.ndarray, list, list]:
        base = idx.layer(layer)
        assert base is not None  # callers check the layer first
        vals = [(int_or_none(v) if int_or_none(v) is not None else v)
                for v in base[0][column].tolist()]
        codes, uniques = pd.factorize(pd.Series(vals, dtype=object), use_na_sentinel=True)
        names = [None if int_or_none(u) is None else arealformal_name(int_or_none(u))
                 for u in uniques]
        return codes, list(uniques), names
    return idx.memo(("zoning_codes", layer, column), build)


def _pieces(idx: LayerIndexes, layer: str, s: Sites) -> tuple[np.ndarray, ...] | None:
    """The site/zoning-polygon pairs of the call, sorted by site, and the area of each
    pair's intersection (0 for a point site): ``(si, fi, pieces, area)``; the pieces
    (None for point sites) are computed once for the shares and the covers. Cached
    on the call; None without the layer."""
    key = ("zoning_pieces", layer)
    if key in s.cache:
        return s.cache[key]
    base = idx.layer(layer)
    out = None
    if base is not None:
        _gdf, tree, geoms = base
        if s.n == 1:      # one site: already in order, no arrays of masks
            fi = tree.query(s.geoms[0], predicate="intersects")
            si = np.zeros(len(fi), dtype=fi.dtype)
            if s.is_areal[0] and len(fi):
                g = s.geoms[0]
                pieces = np.empty(len(fi), dtype=object)
                pieces[:] = [sc.intersection(g, f) for f in geoms[fi].tolist()]
                area = np.array([sc.area(p) for p in pieces.tolist()])
            else:
                pieces, area = np.full(len(fi), None, dtype=object), np.zeros(len(fi))
            s.cache[key] = (si, fi, pieces, area)
            return s.cache[key]
        si, fi = tree.query(s.geoms, predicate="intersects")
        order = np.argsort(si, kind="stable")
        si, fi = si[order], fi[order]
        pieces = np.full(len(si), None, dtype=object)
        area = np.zeros(len(si))
        a_mask = s.is_areal[si]
        if a_mask.any():
            pieces[a_mask] = shapely.intersection(s.geoms[si[a_mask]], geoms[fi[a_mask]])
            area[a_mask] = np.nan_to_num(shapely.area(pieces[a_mask]))
        out = (si, fi, pieces, area)
    s.cache[key] = out
    return out


def zoning_overlap(idx: LayerIndexes, layer: str, column: str, s: Sites) -> list[list[dict]]:
    """Per site: ``[{"kode", "navn", "areal_daa", "andel_pct"}]`` sorted by share
    (cached on the call)."""
    key = ("zoning", layer, column)
    if key not in s.cache:
        s.cache[key] = _zoning_overlap(idx, layer, column, s)
    return s.cache[key]


def _zoning_overlap(idx: LayerIndexes, layer: str, column: str, s: Sites) -> list[list[dict]]:
    out: list[list[dict]] = [[] for _ in range(s.n)]
    got = _pieces(idx, layer, s)
    if got is None or not len(got[0]):
        return out
    si, fi, _pieces_arr, inter_area = got
    feat_codes, uniques, names = zoning_codes(idx, layer, column)
    if s.n == 1:
        return [_overlap_one(feat_codes[fi].tolist(), inter_area.tolist(), uniques, names,
                             bool(s.is_areal[0]), float(shapely.area(s.geoms[0])))]
    k = len(uniques) + 1                      # last slot: missing code
    code = feat_codes[fi]
    code = np.where(code < 0, k - 1, code)
    areal = s.is_areal
    key = si * k + code
    ukey, first = np.unique(key, return_index=True)   # the (site, code) pairs, by site
    area_sum = np.bincount(np.searchsorted(ukey, key), weights=inter_area, minlength=len(ukey))
    hits = np.bincount(np.searchsorted(ukey, key), minlength=len(ukey))
    us, uc = ukey // k, ukey % k
    n_hits = np.bincount(si, minlength=s.n)
    site_area = shapely.area(s.geoms)
    uniques_x = [*uniques, None]
    names_x = [*names, None]
    for i, c, a, nh in zip(us.tolist(), uc.tolist(), area_sum.tolist(), hits.tolist()):
        if areal[i]:
            if a <= 0:
                continue
            pct = a / float(site_area[i]) * 100.0
        else:
            a, pct = 0.0, 100.0 * nh / int(n_hits[i])
        out[i].append({"kode": uniques_x[c], "navn": names_x[c],
                       "areal_daa": round(a / 1000.0, 3), "andel_pct": round(pct, 2)})
    for i in np.unique(us).tolist():
        if len(out[i]) > 1:
            out[i].sort(key=lambda r: -r["andel_pct"])
    return out


def _overlap_one(codes: list[int], areas: list[float], uniques: list, names: list,
                 areal: bool, site_area: float) -> list[dict]:
    """:func:`_zoning_overlap` of one site in plain Python: the same sums in the same
    order (``bincount`` adds each pair's area to 0.0 in pair order), the codes in the
    order ``np.unique`` gives them (by position, the missing code last)."""
    k = len(uniques)
    acc: dict[int, float] = {}
    hits: dict[int, int] = {}
    for cd, ar in zip(codes, areas):
        cd = k if cd < 0 else cd
        acc[cd] = acc.get(cd, 0.0) + ar
        hits[cd] = hits.get(cd, 0) + 1
    n_hits = len(codes)
    rows: list[dict[str, Any]] = []
    for cd in sorted(acc):
        a = acc[cd]
        if areal:
            if a <= 0:
                continue
            pct = a / site_area * 100.0
        else:
            a, pct = 0.0, 100.0 * hits[cd] / n_hits
        rows.append({"kode": uniques[cd] if cd < k else None,
                     "navn": names[cd] if cd < k else None,
                     "areal_daa": round(a / 1000.0, 3), "andel_pct": round(pct, 2)})
    if len(rows) > 1:
        rows.sort(key=lambda r: -r["andel_pct"])
    return rows


def zoning_cover(idx: LayerIndexes, layer: str, column: str, codes: set[int],
                 s: Sites) -> tuple[np.ndarray, np.ndarray]:
    """Per site: % of its area zoned with one of ``codes``, and % zoned at all.

    Each is the area of a union, so zoning polygons that overlap (a KPA and a
    reguleringsplan loaded together, or a digitising error) are counted once;
    summing the per-polygon shares would count the overlap twice. Only sites
    touching two or more polygons whose pieces share interior need the union. NaN
    for points. Cached on the call.
    """
    key = ("zoning_cover", layer, column, tuple(sorted(codes)))
    if key in s.cache:
        return s.cache[key]
    if s.n == 1:
        s.cache[key] = _cover_one(idx, layer, column, codes, s)
        return s.cache[key]
    ok_pct = np.full(s.n, np.nan)
    any_pct = np.full(s.n, np.nan)
    areal = s.is_areal
    ok_pct[areal] = 0.0
    any_pct[areal] = 0.0
    got = _pieces(idx, layer, s) if areal.any() else None
    if got is not None:
        si, fi, pieces, pa = got
        keep = areal[si]
        if keep.any():
            ok_a, any_a = _covered_areas(idx, layer, column, codes, s, si[keep], fi[keep],
                                         pieces[keep], pa[keep])
            site_area = shapely.area(s.geoms)
            ok_pct[areal] = np.minimum(ok_a[areal] / site_area[areal] * 100.0, 100.0)
            any_pct[areal] = np.minimum(any_a[areal] / site_area[areal] * 100.0, 100.0)
    s.cache[key] = (ok_pct, any_pct)
    return ok_pct, any_pct


def _cover_one(idx: LayerIndexes, layer: str, column: str, codes: set[int],
               s: Sites) -> tuple[np.ndarray, np.ndarray]:
    """:func:`zoning_cover` of one site (the same divisions on scalars)."""
    if not s.is_areal[0]:
        return np.array([np.nan]), np.array([np.nan])
    got = _pieces(idx, layer, s)
    if got is None or not len(got[0]):
        return np.array([0.0]), np.array([0.0])
    si, fi, pieces, pa = got
    ok_a, any_a = _covered_areas(idx, layer, column, codes, s, si, fi, pieces, pa)
    site_area = float(shapely.area(s.geoms[0]))
    return (np.array([min(float(ok_a[0]) / site_area * 100.0, 100.0)]),
            np.array([min(float(any_a[0]) / site_area * 100.0, 100.0)]))


def _shared_interior(si: np.ndarray, pieces: np.ndarray) -> np.ndarray:
    """Per pair position: whether its piece shares interior with another piece of the
    same site (``si`` sorted). Pieces of a planar zoning share only edges, so their
    union's area is the sum of their areas; only the others need a union."""
    out = np.zeros(len(si), dtype=bool)
    starts = np.flatnonzero(np.r_[True, si[1:] != si[:-1]])
    sizes = np.diff(np.r_[starts, len(si)])
    multi = sizes > 1
    if not multi.any():
        return out
    a_list, b_list = [], []
    for b, k in zip(starts[multi].tolist(), sizes[multi].tolist()):
        ia, ib = np.triu_indices(k, 1)
        a_list.append(ia + b)
        b_list.append(ib + b)
    pa, pb = np.concatenate(a_list), np.concatenate(b_list)
    hit = shapely.relate_pattern(pieces[pa], pieces[pb], "T********")
    out[pa[hit]] = True
    out[pb[hit]] = True
    return out


def _covered_areas(idx: LayerIndexes, layer: str, column: str, codes: set[int], s: Sites,
                   si: np.ndarray, fi: np.ndarray, pieces: np.ndarray,
                   pa: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Area (m²) per site zoned with ``codes`` and zoned at all, from the site/feature
    pairs ``(si, fi)`` (sorted by site) and their intersections; overlaps within one
    site counted once."""
    feat_codes, uniques, _names = zoning_codes(idx, layer, column)
    allowed = idx.memo(("zoning_allowed", layer, column, tuple(sorted(codes))), lambda: np.array(
        [int_or_none(u) in codes for u in uniques] + [False]))
    code = feat_codes[fi]
    ok_f = allowed[np.where(code < 0, len(uniques), code)]
    if s.n == 1:
        return _covered_one(pieces, pa.tolist(), ok_f)
    ok_a = np.bincount(si, weights=pa * ok_f, minlength=s.n)
    any_a = np.bincount(si, weights=pa, minlength=s.n)
    shared = _shared_interior(si, pieces)
    if shared.any():
        starts = np.flatnonzero(np.r_[True, si[1:] != si[:-1]])
        ends = np.r_[starts[1:], len(si)]
        for b, e in zip(starts.tolist(), ends.tolist()):   # the few sites with overlaps
            if not shared[b:e].any():
                continue
            i = si[b]
            any_a[i] = shapely.area(shapely.union_all(pieces[b:e]))
            if ok_f[b:e].sum() > 1:
                ok_a[i] = shapely.area(shapely.union_all(pieces[b:e][ok_f[b:e]]))
    return ok_a, any_a


def _covered_one(pieces: np.ndarray, pa: list[float], ok_f: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_covered_areas` of one site: the sums in pair order, and the unions only
    when two of its pieces share interior (as :func:`_shared_interior` decides)."""
    ok_l = ok_f.tolist()
    ok_a = any_a = 0.0
    for p, ok in zip(pa, ok_l):
        ok_a += p * float(ok)
        any_a += p
    k = len(pa)
    if k > 1:
        ia, ib = np.triu_indices(k, 1)
        if any(sc.relate_pattern(pieces[i], pieces[j], "T********")
               for i, j in zip(ia.tolist(), ib.tolist())):
            any_a = float(shapely.area(shapely.union_all(pieces)))
            if sum(ok_l) > 1:
                ok_a = float(shapely.area(shapely.union_all(pieces[ok_f])))
    return np.array([ok_a]), np.array([any_a])
