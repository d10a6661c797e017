"""The ``dok`` kind: a site against a national dataset (DOK), as DOK-arealanalyse judges it.

Kartverket's DOK-arealanalyse checks an area against each dataset of the
Det offentlige kartgrunnlaget and gives one of four results: a hit that is red
(``HIT-RED``) or yellow (``HIT-YELLOW``), no hit, or «ikke kartlagt» where the
dataset's coverage map says the area was never surveyed. Its rules are YAML files
(github.com/kartverket/DOK.Arealanalyse.Config): per dataset the layer, a filter,
the ``result_status`` on a hit, the guidance and a ``coverage`` indicator with the
property and value (``dekningsstatus`` = «Ikke kartlagt») that mark the unsurveyed
areas. One ``[[criteria]]`` entry of ``kind = "dok"`` is one such rule, read from
the municipality's own files instead of a live service::

    [[criteria]]
    id = "dok_flomsone"
    kind = "dok"
    layer = "flomsone"                  # the dataset as a layer in the data
    dataset = "flomsone"                # the noun in sentences («ligger i flomsone»)
    hit_status = "rod"                  # rod | gul (DOK's HIT-RED / HIT-YELLOW)
    buffer_m = 0                        # a hit within this distance of the site
    filter = { gjentaksintervall = [200] }             # optional, as for «distance»
    coverage_layer = "flomsone_dekning"                # optional coverage map
    coverage_column = "dekningsstatus"                 # default
    not_mapped = ["ikke kartlagt"]                     # default
    guidance = "…"                      # what a hit means, shown with it
    product = "Flomsoner (NVE), Geonorge"              # where the layer comes from

The value is the distance (m) from the site to the nearest matching object (0 on
it), so the ordinary thresholds apply: :func:`geoplan.analysis.sites.criteria.criterion_from_dict`
sets ``red`` (or ``yellow``) to ``buffer_m`` with ``direction = "min"`` and
``at_threshold = "worse"``. «Ikke kartlagt» is ``ukjent`` with that reason, never
green; with ``coverage_layer`` named but absent from the data, no hit is ``ukjent``
too (nobody can say the area was surveyed). A polygon site counts as surveyed when
at most 1 % of it lies outside the surveyed parts of the coverage map.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from geoplan.analysis.sites.criteria import Criterion, as_list
from geoplan.analysis.sites.kinds import Measure, Sites, register_kind, unknown_all
from geoplan.analysis.sites.wording import fmt_num

if TYPE_CHECKING:
    from geoplan.analysis.sites.assessor import SiteAssessor

#: share of a polygon site that may lie outside the surveyed area and still count as surveyed
_UNSURVEYED_TOLERANCE = 0.01


def _missing(c: Criterion) -> str:
    where = c.opt("product")
    noun = c.opt("dataset", c.layer)
    named = f"Laget «{c.layer}»" + (f" ({noun})" if noun != c.layer else "")
    return (f"{named} finnes ikke i dataene, så det er "
            "ukjent om tomta berøres." + (f" Hent datasettet {where} og legg det inn som laget "
                                          f"«{c.layer}»." if where else ""))


def _surveyed(a: SiteAssessor, c: Criterion, s: Sites) -> np.ndarray | str | None:
    """Per site: True where the coverage map says the site was surveyed; a sentence when
    the coverage layer is named but missing; None when the criterion has no coverage map."""
    layer = c.opt("coverage_layer")
    if not layer:
        return None
    base = a._layer_index(layer)
    if base is None:
        return (f"laget «{layer}» som viser hvor {c.opt('dataset', c.layer)} er kartlagt, "
                "finnes ikke i dataene")
    gdf = base[0]
    column = c.opt("coverage_column", "dekningsstatus")
    bad = {str(v).strip().lower() for v in as_list(c.opt("not_mapped", ["ikke kartlagt"]))}

    def build() -> Any:
        keep = np.ones(len(gdf), dtype=bool)
        if column in gdf.columns:
            keep = ~gdf[column].astype(str).str.strip().str.lower().isin(bad).to_numpy()
        area = shapely.union_all(gdf.geometry.to_numpy()[keep]) if keep.any() else None
        if area is not None:
            shapely.prepare(area)
        return area
    mapped = a.index.memo(("dok_surveyed", layer, column, tuple(sorted(bad))), build)
    if mapped is None:
        return np.zeros(s.n, dtype=bool)
    out = np.zeros(s.n, dtype=bool)
    for i, g in enumerate(s.geoms):
        if g.area > 0:
            out[i] = shapely.area(shapely.difference(g, mapped)) <= _UNSURVEYED_TOLERANCE * g.area
        else:
            out[i] = bool(shapely.intersects(mapped, g))
    return out


def _properties(c: Criterion, gdf: Any, idx: np.ndarray) -> str:
    """«gjentaksintervall 200» for the properties the criterion lists, from the hit objects."""
    parts = []
    for col in as_list(c.opt("properties")):
        if col in gdf.columns:
            vals = sorted({str(v) for v in gdf[col].to_numpy()[idx] if v is not None
                           and not (isinstance(v, float) and math.isnan(v))})
            if vals:
                parts.append(f"{col} {', '.join(vals)}")
    return "; ".join(parts)


@register_kind("dok", needs_layer=True)
def _eval_dok(a: SiteAssessor, c: Criterion, s: Sites) -> list[Measure]:
    prep = a._filtered_index(c.layer_name, c.opt("filter"))
    if prep is None:
        return unknown_all(s.n, _missing(c))
    surveyed = _surveyed(a, c, s)
    noun = c.opt("dataset", c.layer)
    if isinstance(prep, str):           # the filter leaves nothing: no hit anywhere
        if surveyed is None:
            return [Measure(text=f"Ingen treff: {prep}", status="gronn",
                            details={"dok_status": "ingen_treff"}) for _ in range(s.n)]
        gdf, tree = None, None
    else:
        gdf, tree, _geoms = prep
    buffer_m = float(c.opt("buffer_m", 0.0))
    d = np.full(s.n, math.inf)
    near = np.full(s.n, -1)
    if tree is not None:
        (si, fi), dist = tree.query_nearest(s.geoms, all_matches=False, return_distance=True)
        d[si], near[si] = dist, fi
    hits_s, hits_f = (tree.query(s.geoms, predicate="dwithin", distance=buffer_m)
                      if tree is not None and buffer_m > 0 else
                      tree.query(s.geoms, predicate="intersects") if tree is not None
                      else (np.array([], int), np.array([], int)))
    from geoplan.analysis.sites.evaluators import _group
    hits_of = _group(np.asarray(hits_s), np.asarray(hits_f), s.n)
    out = []
    for i in range(s.n):
        f = hits_of[i]
        if len(f):
            out.append(_hit(c, s.geoms[i], gdf, f, float(d[i]), noun, a.index.names(gdf)))
            continue
        if isinstance(surveyed, str) or (surveyed is not None and not surveyed[i]):
            why = (f"Ikke kartlagt: tomta er ikke i {noun}, men {surveyed}, så det er ukjent om "
                   "området er kartlagt." if isinstance(surveyed, str) else
                   f"Ikke kartlagt: området er ikke kartlagt for {noun} (laget "
                   f"«{c.opt('coverage_layer')}»), så at tomta ikke har treff, sier ingenting.")
            out.append(Measure(reason=why, details={"dok_status": "ikke_kartlagt"}))
            continue
        nm = a.index.names(gdf)[near[i]] if gdf is not None and math.isfinite(d[i]) else None
        where = ("" if not math.isfinite(d[i]) else
                 f"; nærmeste {noun}" + (f" ({nm})" if nm else "")
                 + f" ligger {fmt_num(float(d[i]), 0)} m unna")
        out.append(Measure(value=float(d[i]), text=f"Ingen treff i {noun}{where}.",
                           status=None if math.isfinite(d[i]) else "gronn",
                           details={"dok_status": "ingen_treff",
                                    "avstand_m": None if not math.isfinite(d[i])
                                    else round(float(d[i]), 1)}))
    return out


def _hit(c: Criterion, site: Any, gdf: Any, f: np.ndarray, dist: float, noun: str,
         all_names: np.ndarray) -> Measure:
    """The measure of a site with hits ``f`` (feature positions) in the dataset
    (``all_names``: the names of every feature of ``gdf``)."""
    geoms = gdf.geometry.to_numpy()[f]
    names = sorted({n for n in all_names[f] if n})
    share = None
    if site.area > 0:
        share = float(shapely.area(shapely.intersection(site, shapely.union_all(geoms)))
                      / site.area * 100.0)
    props = _properties(c, gdf, f)
    what = (f"{fmt_num(share, 1)} % av tomta ligger i {noun}" if share is not None and share > 0
            else f"Tomta ligger i {noun}" if dist <= 0 else
            f"Tomta ligger {fmt_num(dist, 0)} m fra {noun}")
    extra = ", ".join(x for x in (", ".join(names), props) if x)
    text = f"Treff: {what}" + (f" ({extra})" if extra else "") + "."
    if c.opt("guidance"):
        text += f" {c.opt('guidance')}"
    return Measure(value=max(dist, 0.0), text=text, details={
        "dok_status": "treff", "navn": names, "andel_pct": None if share is None else round(share, 2),
        "antall_treff": int(len(f))})
