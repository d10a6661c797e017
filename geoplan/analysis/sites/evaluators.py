"""The kinds of criteria geoplan ships: one evaluator per kind, vectorised over the sites.

Each evaluator takes the assessor (for its prepared indexes, walker, rasters and
concentration model), the criterion and the sites of the call, and returns one
:class:`~geoplan.analysis.sites.kinds.Measure` per site: the value in the
criterion's unit, the Norwegian measurement sentence, or the reason it is unknown.
A missing layer or raster gives ``ukjent``, never an exception.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import shapely

from geoplan.analysis.sites import scalar as sc
from geoplan.analysis.sites.criteria import Criterion, as_list
from geoplan.analysis.sites.kinds import (
    Measure,
    Sites,
    int_or_none,
    register_kind,
    unknown_all,
)
from geoplan.analysis.sites.raster_cells import polygon_cells
from geoplan.analysis.sites.wording import LAYER_NOUN, fmt_num, missing_layer_reason
from geoplan.codes import arealformal_name
from geoplan.errors import ConfigError

if TYPE_CHECKING:
    from geoplan.analysis.sites.assessor import SiteAssessor


def _layer_or_unknown(a: SiteAssessor, c: Criterion, s: Sites) -> Any:
    """The criterion's (filtered) layer index ``(gdf, tree, geoms)``, or, when the layer
    is missing or its filter leaves nothing, the list of ``ukjent`` measures to return."""
    prep = a._filtered_index(c.layer_name, c.opt("filter"))
    if prep is None:
        return unknown_all(s.n, missing_layer_reason(c.layer))
    if isinstance(prep, str):
        return unknown_all(s.n, prep)
    return prep


def _noun(c: Criterion) -> str:
    return c.opt("noun") or LAYER_NOUN.get(c.layer_name, c.layer_name)


@register_kind("inside", needs_layer=True)
def _eval_inside(a: SiteAssessor, c: Criterion, s: Sites) -> list[Measure]:
    prep = a._union(c.layer_name)
    if prep is None:
        return unknown_all(s.n, missing_layer_reason(c.layer))
    union, gdf, tree = prep
    if s.n == 1:
        return [_inside_one(a, c, s, union, gdf, tree)]
    areal = s.is_areal
    hit = shapely.intersects(s.geoms, union)
    share = np.where(hit, 100.0, 0.0)
    cut = areal & hit                   # the others share nothing with the union
    if cut.any():                       # a site within the union is all inside it
        cut[cut] = ~shapely.contains(union, s.geoms[cut])
    if cut.any():
        share[cut] = shapely.area(shapely.intersection(s.geoms[cut], union)) / shapely.area(s.geoms[cut]) * 100.0
    share = np.clip(share, 0.0, 100.0)
    dist = np.zeros(s.n)                # a site that touches the union is 0 m from it
    if (~hit).any():
        dist[~hit] = shapely.distance(s.geoms[~hit], union)
    noun = LAYER_NOUN.get(c.layer_name, c.layer_name)
    all_names = a.index.names(gdf)
    si, fi = tree.query(s.geoms, predicate="intersects")
    has = np.zeros(s.n, dtype=bool)
    has[si] = True
    near_s, near_f = _nearest_off(tree, s.geoms, np.flatnonzero(~has), dist)
    by_site = _group(si, fi, s.n)
    near_of = _group(near_s, near_f, s.n)
    share_l, dist_l = share.tolist(), dist.tolist()
    out = []
    for i in range(s.n):
        names = sorted({n for n in all_names[by_site[i]] if n}) if len(by_site[i]) else []
        names_near = ([] if names or not len(near_of[i]) else
                      [n for n in all_names[near_of[i]] if n])
        out.append(_inside_measure(noun, share_l[i], dist_l[i], names, names_near))
    return out


def _inside_measure(noun: str, v: float, dist: float, names: list, names_near: list) -> Measure:
    if v >= 100.0 - 1e-9:
        txt = f"Hele tomta ligger innenfor {noun}n" + (f" ({', '.join(names)})." if names else ".")
    elif v <= 0.0:
        txt = (f"Tomta ligger utenfor {noun}n, {fmt_num(dist, 0)} m fra nærmeste"
               + (f" ({', '.join(names_near)})." if names_near else "."))
    else:
        txt = (f"{fmt_num(v, 1)} % av tomta ligger innenfor {noun}n"
               + (f" ({', '.join(names)})." if names else "."))
    return Measure(value=v, text=txt, details={
        "navn": names or names_near, "avstand_m": round(dist, 1)})


def _inside_one(a: SiteAssessor, c: Criterion, s: Sites, union: Any, gdf: Any,
                tree: shapely.STRtree) -> Measure:
    """:func:`_eval_inside` of one site with scalar predicates (the same operations on
    the same operands, so the same numbers)."""
    g = s.geoms[0]
    hit = sc.intersects(g, union)
    share = 100.0 if hit else 0.0
    if hit and bool(s.is_areal[0]) and not sc.contains(union, g):
        share = sc.area(sc.intersection(g, union)) / sc.area(g) * 100.0
    share = min(max(share, 0.0), 100.0)
    dist = 0.0 if hit else sc.distance(g, union)
    all_names = a.index.names(gdf)
    # a site that misses the union misses every feature: no query for the ones it is in
    fi = tree.query(g, predicate="intersects") if hit else np.zeros(0, dtype=np.int64)
    names = sorted({n for n in all_names[fi] if n}) if len(fi) else []
    names_near: list = []
    if not len(fi):
        names_near = [n for n in all_names[_nearest_one(tree, g, dist)] if n]
    return _inside_measure(LAYER_NOUN.get(c.layer_name, c.layer_name), share, dist, names,
                           names_near)


def _nearest_one(tree: shapely.STRtree, g: Any, dist: float) -> np.ndarray:
    """``tree.query_nearest(g, all_matches=False)`` for one site whose distance ``dist`` to
    the union of the tree's features is known, as :func:`_nearest_off` finds it: the
    features within that distance hold the nearest, and only a tie (or none found)
    asks ``query_nearest``. A nearest search over a few large polygons (development
    boundaries) costs three times the distance query."""
    if math.isfinite(dist):
        cand = tree.query(g, predicate="dwithin", distance=dist * (1.0 + 1e-9) + 1e-3)
        if len(cand) == 1:
            return cand
        if len(cand) > 1:
            cand = np.sort(cand)
            d = np.array([sc.distance(g, f) for f in tree.geometries[cand].tolist()])
            at_best = np.flatnonzero(d == d.min())
            if len(at_best) == 1:
                return cand[at_best]
    return tree.query_nearest(g, all_matches=False)


def _nearest_off(tree: shapely.STRtree, geoms: np.ndarray, off: np.ndarray,
                 dist: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``tree.query_nearest(geoms[off], all_matches=False)`` as (site, feature) pairs, for
    sites whose distance ``dist`` to the union of the tree's features is known: the
    features within that distance (one ``dwithin`` query) hold the nearest, and only a
    site whose nearest is tied (or not found in them) asks ``query_nearest``, so a tie
    is broken exactly as it breaks it. A nearest search over complex polygons costs
    far more than the distances to the few candidates."""
    if not len(off):
        return np.array([], dtype=np.int64), np.array([], dtype=np.int64)
    if len(off) < 32:                 # a few sites: the candidates' bookkeeping costs more
        qs, qf = tree.query_nearest(geoms[off], all_matches=False)
        return off[qs], qf
    g = geoms[off]
    d = dist[off]
    ci, cf = tree.query(g, predicate="dwithin", distance=d * (1.0 + 1e-9) + 1e-3)
    order = np.lexsort((cf, ci))
    ci, cf = ci[order], cf[order]
    cd = shapely.distance(g[ci], tree.geometries[cf])
    best = np.full(len(off), np.inf)
    np.minimum.at(best, ci, cd)
    at_best = cd == best[ci]
    n_best = np.bincount(ci[at_best], minlength=len(off))
    pick = np.full(len(off), -1, dtype=np.int64)
    pick[ci[at_best]] = cf[at_best]
    redo = np.flatnonzero(n_best != 1)       # a tie, or no candidate: ask the tree
    if len(redo):
        rs, rf = tree.query_nearest(g[redo], all_matches=False)
        pick[redo] = -1
        pick[redo[rs]] = rf
    keep = pick >= 0
    return off[keep], pick[keep]


def _group(si: np.ndarray, fi: np.ndarray, n: int) -> list[np.ndarray]:
    """The pairs ``(si, fi)`` of a bulk tree query as, per site 0..n-1, its ``fi``
    (in the query's order), without a pass over all pairs per site."""
    order = np.argsort(si, kind="stable")
    f = fi[order]
    bounds = np.searchsorted(si[order], np.arange(n + 1)).tolist()
    return [f[a:b] for a, b in zip(bounds[:-1], bounds[1:])]


@register_kind("zoning_share", needs_layer=True)
def _eval_zoning(a: SiteAssessor, c: Criterion, s: Sites) -> list[Measure]:
    prep = a._layer_index(c.layer_name)
    if prep is None:
        return unknown_all(s.n, missing_layer_reason(c.layer))
    gdf = prep[0]
    column = c.opt("column", "arealformal")
    if column not in gdf.columns:
        return unknown_all(s.n, f"Laget «{c.layer}» mangler kolonnen «{column}».")
    codes = {int(x) for x in as_list(c.opt("codes"))}
    overlap = a._zoning_overlap(c.layer_name, column, s)
    ok_cover, any_cover = a._zoning_cover(c.layer_name, column, codes, s)
    out = []
    for i in range(s.n):
        rows = overlap[i]
        if math.isfinite(ok_cover[i]):       # a polygon: union areas, overlaps counted once
            ok, none_pct = ok_cover[i], max(0.0, 100.0 - any_cover[i])
        else:
            ok = sum(r["andel_pct"] for r in rows if int_or_none(r["kode"]) in codes)
            none_pct = max(0.0, 100.0 - sum(r["andel_pct"] for r in rows))
        ok = min(ok, 100.0)
        if none_pct >= 100.0 - 0.05:       # no zoning under the site: unknown, not «not housing»
            out.append(Measure(reason=(
                f"Tomta har ikke arealformål i laget «{c.layer}»: den ligger utenfor planene "
                "i dataene, så det er ukjent hva den er avsatt til."),
                details={"arealformal": rows}))
            continue
        out.append(Measure(value=ok, text=_zoning_sentence(rows, codes, ok, none_pct),
                           details={"arealformal": rows}))
    return out


def _zoning_sentence(rows: list[dict], codes: set[int], ok: float, none_pct: float) -> str:
    other = [r for r in rows if int_or_none(r["kode"]) not in codes and r["kode"] is not None]
    parts = [f"{fmt_num(ok, 1)} % av tomta er avsatt til formål som tillater bolig"]
    if ok_codes := [r for r in rows if int_or_none(r["kode"]) in codes]:
        parts[0] += " (" + ", ".join(f"{r['kode']}" for r in ok_codes) + ")"
    if other:
        parts.append("resten er " + ", ".join(
            f"{r['kode']} {arealformal_name(r['kode']) or ''} "
            f"{fmt_num(r['andel_pct'], 1)} %".replace("  ", " ")
            for r in other) + ", som krever planendring for bolig")
    if none_pct > 0.05:
        parts.append(f"{fmt_num(none_pct, 1)} % har ikke arealformål i dataene")
    return "; ".join(parts) + "."


@register_kind("distance", needs_layer=True)
def _eval_distance(a: SiteAssessor, c: Criterion, s: Sites) -> list[Measure]:
    prep = _layer_or_unknown(a, c, s)
    if isinstance(prep, list):
        return prep
    gdf, tree, _geoms = prep
    noun = _noun(c)
    head = f"Nærmeste {noun}"
    dec = c.decimals
    if s.n == 1:
        f1, d1 = tree.query_nearest(s.geoms[0], all_matches=False, return_distance=True)
        if not len(f1):    # as below: no distance, the first feature's name
            return [_distance_measure(head, a.index.names(gdf)[0], math.nan, dec)]
        return [_distance_measure(head, a.index.names(gdf)[f1[0]], float(d1[0]), dec)]
    (si, fi), dist = tree.query_nearest(s.geoms, all_matches=False, return_distance=True)
    if len(si) != s.n:                  # a tree of empty geometries finds nothing for some
        d = np.full(s.n, np.nan)
        f = np.zeros(s.n, dtype=np.int64)
        d[si], f[si] = dist, fi
        dist, fi = d, f
    names = a.index.names(gdf)[fi].tolist()
    return [_distance_measure(head, nm, v, dec) for nm, v in zip(names, dist.tolist())]


def _distance_measure(head: str, nm: Any, v: float, dec: int) -> Measure:
    txt = head + (f" ({nm})" if nm else "") + f" ligger {fmt_num(v, dec)} m unna i luftlinje."
    return Measure(value=v, text=txt, details={"navn": nm})


@register_kind("walking_distance", needs_layer=True)
def _eval_walking(a: SiteAssessor, c: Criterion, s: Sites) -> list[Measure]:
    prep = _layer_or_unknown(a, c, s)
    if isinstance(prep, list):
        return prep
    params = a.walk_params(c)
    net_name, max_snap = params[0], params[3]
    walker = a._walker(*params)
    if isinstance(walker, str):
        return unknown_all(s.n, walker)
    dist, snap, target = walker(shapely.point_on_surface(s.geoms))
    noun = _noun(c)
    out = []
    for i in range(s.n):
        v = float(dist[i])
        if not math.isfinite(v):
            why = (f"tomta ligger mer enn {fmt_num(max_snap, 0)} m fra gangnettet"
                   if not math.isfinite(float(snap[i])) else
                   f"det er ingen sammenhengende vei i laget «{net_name}» fra tomta til en {noun}")
            out.append(Measure(reason=f"Gangavstanden kan ikke beregnes: {why}.",
                               details={"tilknytning_m": _r(snap[i])}))
            continue
        nm = target[i]
        txt = (f"Gangavstand til nærmeste {noun}" + (f" ({nm})" if nm else "")
               + f" er {fmt_num(v, c.decimals)} m langs gangnettet"
               + (f" (tomta er {fmt_num(float(snap[i]), 0)} m fra nettet)" if snap[i] >= 1 else "")
               + ".")
        out.append(Measure(value=v, text=txt, details={"navn": nm, "tilknytning_m": _r(snap[i])}))
    return out


def _r(v: Any, d: int = 1) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return round(f, d) if math.isfinite(f) else None


def _same_crs(a: Any, b: Any) -> bool:
    """Whether the data CRS ``a`` is the raster's ``b`` (asked once per raster, not per site)."""
    from geoplan.io.crs import same_crs
    return b is None or same_crs(a, b)


_STAT_WORD = {"max": "Høyeste", "mean": "Gjennomsnittlig", "min": "Laveste",
              "p90": "90-persentilen av"}


@register_kind("raster")
def _eval_raster(a: SiteAssessor, c: Criterion, s: Sites) -> list[Measure]:
    name = c.opt("raster")
    slope = bool(c.opt("slope", False))
    grid = a._grid(name, slope)
    if isinstance(grid, str):
        return unknown_all(s.n, grid)
    stat = str(c.opt("stat", "max"))
    same = a.index.memo(("grid_crs", name, slope), lambda: _same_crs(a.crs, grid.crs))
    values, counts = raster_site_stats(grid, s.geoms, stat, crs=None if same else a.crs)
    out = []
    for i in range(s.n):
        v = values[i]
        if not math.isfinite(v):
            out.append(Measure(reason=(
                f"Tomta ligger utenfor rasteret {name}.tif eller bare på celler uten verdi, "
                "så kriteriet kan ikke vurderes.")))
            continue
        if slope:
            txt = (f"{_STAT_WORD.get(stat, stat)} terrenghelning på tomta er "
                   f"{fmt_num(v, c.decimals)} %")
        else:
            txt = f"{c.label}: {fmt_num(v, c.decimals)} {c.unit}".strip()
        txt += f" ({name}.tif, {int(counts[i])} celle{'r' if counts[i] != 1 else ''})."
        out.append(Measure(value=float(v), text=txt, details={"celler": int(counts[i])}))
    return out


@register_kind("sum_within", needs_layer=True)
def _eval_sum_within(a: SiteAssessor, c: Criterion, s: Sites) -> list[Measure]:
    prep = _layer_or_unknown(a, c, s)
    if isinstance(prep, list):
        return prep
    gdf, tree, _geoms = prep
    radius = float(c.opt("radius_m"))
    column = c.opt("column")
    if column and column not in gdf.columns:
        return unknown_all(s.n, f"Laget «{c.layer}» mangler kolonnen «{column}».")
    si, fi = tree.query(s.geoms, predicate="dwithin", distance=radius)
    w = (pd.to_numeric(gdf[column], errors="coerce").fillna(0).to_numpy(dtype=float)[fi]
         if column else np.ones(len(fi)))
    tot = np.bincount(si, weights=w, minlength=s.n)
    cnt = np.bincount(si, minlength=s.n)
    noun = c.unit or "objekter"
    return [Measure(value=float(tot[i]),
                    text=(f"{fmt_num(float(tot[i]), 0)} {noun} innenfor {fmt_num(radius, 0)} m "
                          f"fra tomta ({int(cnt[i])} objekter i laget «{c.layer}»)."),
                    details={"radius_m": radius, "antall_objekter": int(cnt[i])})
            for i in range(s.n)]


@register_kind("concentration")
def _eval_concentration(a: SiteAssessor, c: Criterion, s: Sites) -> list[Measure]:
    model = a._concentration(c)
    if isinstance(model, str):
        return unknown_all(s.n, model)
    return model.measure(c, s)


# ---------------------------------------------------------------------------
# Raster statistics over sites (geoplan.io.raster does the reading and masking)
# ---------------------------------------------------------------------------

def raster_site_stats(raster: Any, geoms: np.ndarray, stat: str,
                      crs: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """``stat`` (max, mean, min, pNN) of a :class:`geoplan.io.raster.Raster` over each site.

    Polygons use the cells whose centres they contain (the cells they touch when
    smaller than a cell, :meth:`Raster.cells_in`); points the cell under them.

    Returns
    -------
    (values, cell counts); value NaN where the site has no valid cell.
    """
    n = len(geoms)
    if n == 1 and crs is None:
        v1, c1 = _raster_one(raster, geoms[0], stat)
        return np.array([v1]), np.array([c1], dtype=int)
    vals = np.full(n, np.nan)
    counts = np.zeros(n, dtype=int)
    areal = shapely.area(geoms) > 0
    pts = ~areal
    if pts.any():
        v = raster.sample(geoms[pts], crs=crs)
        vals[pts] = v
        counts[pts] = np.isfinite(v).astype(int)
    if areal.any():
        idx = np.flatnonzero(areal)
        rg = raster._to_raster_crs(geoms[idx], crs)
        for i, cells in zip(idx.tolist(), polygon_cells(raster, rg)):  # all sites' masks at once
            cells = cells[np.isfinite(cells)]
            counts[i] = cells.size
            if cells.size:
                vals[i] = _stat(cells, stat)
    return vals, counts


def _raster_one(raster: Any, g: Any, stat: str) -> tuple[float, int]:
    """:func:`raster_site_stats` of one site in the raster's CRS, without arrays of one:
    a point reads its cell by the arithmetic of :meth:`Raster.sample`, a polygon takes
    :meth:`Raster.cells_in` (what :func:`polygon_cells` reproduces for many)."""
    if g.area > 0:
        cells = raster.cells_in(g)
        cells = cells[np.isfinite(cells)]
        return (_stat(cells, stat) if cells.size else math.nan), int(cells.size)
    p = g if g.geom_type == "Point" else g.centroid
    col, row = ~raster.transform @ (p.x, p.y)
    c, r = math.floor(col), math.floor(row)
    h, w = raster.data.shape
    if 0 <= r < h and 0 <= c < w:
        v = float(raster.data[r, c])
        return v, int(math.isfinite(v))
    return math.nan, 0


def _stat(cells: np.ndarray, stat: str) -> float:
    if stat == "max":
        return float(cells.max())
    if stat == "min":
        return float(cells.min())
    if stat == "mean":
        return float(cells.mean())
    if stat.startswith("p") and stat[1:].isdigit():
        return float(np.percentile(cells, int(stat[1:])))
    raise ConfigError(f"Ukjent statistikk «{stat}» for et rasterkriterium; bruk max, mean, min eller p90.")
