"""What people expect of a web map: search, an attribute table with selection, map export.

All of it works on the *display layers* of the session
(:func:`geoplan.present.app.appdata.display_layers`), which have already passed
the privacy rule (:func:`~geoplan.present.app.appdata.restrict_layers`): what a
role may not receive can neither be found, listed nor exported. Municipal
dwellings are never searchable.

* :func:`search` -- offline, against the data's own names (schools, centres,
  stops, development boundaries, grunnkretser, proposals, ...), an address layer
  (``adresse``/``adresser``) and a property layer with ``gnr``/``bnr`` when the
  data have them, and coordinates in any order (:func:`geoplan.io.coords.parse_point`);
* :func:`table_layers` / :func:`attribute_frame` -- the attribute table of a layer
  with Norwegian headers;
* :func:`export_map` -- the map as PNG or PDF with title, legend, scale bar and
  north arrow, drawn by the report's renderer (:mod:`geoplan.present.report.staticmaps`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping, Sequence

import geopandas as gpd
import pandas as pd

from geoplan.present.app.maps.layers import DWELLING_TOTALS, DWELLING_TOTALS_NAME
from geoplan.present.app.maps.styles import FIELD_LABELS, LAYER_STYLES, POINT_STYLES

#: layers never offered in search or the attribute table (personal data; or too many parts)
NOT_LISTED = {"kommunal_bolig", "gangnett", "bygning"}
#: columns searched, by layer kind
NAME_COLUMNS = ("navn", "grunnkretsnavn", "sted", "adressetekst", "adresse", "planid", "grunnkretsnummer")
LAYER_LABELS = {**{k: v[0] for k, v in LAYER_STYLES.items()}, **{k: v[0] for k, v in POINT_STYLES.items()},
                "skole": "Skoler", "arealformal": "Arealformål", "adresse": "Adresser",
                "adresser": "Adresser", "eiendom": "Eiendommer", DWELLING_TOTALS: DWELLING_TOTALS_NAME}


@dataclass(frozen=True)
class Hit:
    """One search result: what was found, in which layer, and where (WGS84 bounds)."""

    label: str
    layer: str
    bounds: tuple[float, float, float, float]
    lat: float
    lon: float


def _norm(s: str) -> str:
    return re.sub(r"\s+", " ", str(s).strip().lower())


def _hit(label: str, layer: str, geom) -> Hit:
    minx, miny, maxx, maxy = geom.bounds
    p = geom.representative_point()
    return Hit(label, layer, (minx, miny, maxx, maxy), float(p.y), float(p.x))


def _gnr_bnr(query: str) -> tuple[int, int] | None:
    m = re.fullmatch(r"(?:gnr\.?\s*)?(\d{1,4})\s*(?:/|\s+bnr\.?\s*|\s+)(\d{1,4})", query.strip(), re.I)
    return (int(m.group(1)), int(m.group(2))) if m else None


def search(query: str, layers: Mapping[str, gpd.GeoDataFrame], epsg: int, *, limit: int = 12) -> list[Hit]:
    """Places matching ``query`` in the display layers (WGS84), best first.

    A query that reads as coordinates gives one hit at that point; ``12/34`` or
    ``gnr 12 bnr 34`` looks up gnr/bnr in a layer that has them; otherwise names
    that start with the query come before names that contain it.
    """
    q = _norm(query)
    if len(q) < 2:
        return []
    hits: list[Hit] = []
    from geoplan.errors import GeoplanError
    from geoplan.io.coords import parse_point
    try:
        p = parse_point(query, epsg)
    except GeoplanError:
        p = None
    if p is not None:
        from pyproj import Transformer
        lon, lat = Transformer.from_crs(epsg, 4326, always_xy=True).transform(p.x, p.y)
        from geoplan.present import text
        return [Hit(f"Koordinater: øst {text.integer(p.x)}, nord {text.integer(p.y)}", "koordinater",
                    (lon, lat, lon, lat), lat, lon)]
    gb = _gnr_bnr(query)
    scored: list[tuple[int, Hit]] = []
    for name, gdf in layers.items():
        if name in NOT_LISTED or gdf is None or len(gdf) == 0:
            continue
        if gb and {"gnr", "bnr"} <= set(gdf.columns):
            m = (pd.to_numeric(gdf["gnr"], errors="coerce") == gb[0]) & \
                (pd.to_numeric(gdf["bnr"], errors="coerce") == gb[1])
            for geom in gdf.geometry[m]:
                scored.append((0, _hit(f"Gnr. {gb[0]} bnr. {gb[1]}", name, geom)))
        for col in NAME_COLUMNS:
            if col not in gdf.columns:
                continue
            values = gdf[col].astype(str).map(_norm)
            for v, raw, geom in zip(values, gdf[col], gdf.geometry):
                if q in v and geom is not None and not geom.is_empty:
                    scored.append((1 if v.startswith(q) else 2, _hit(str(raw), name, geom)))
    seen: set[tuple[str, str]] = set()
    for _, h in sorted(scored, key=lambda t: (t[0], t[1].label)):
        if (h.label, h.layer) not in seen:
            seen.add((h.label, h.layer))
            hits.append(h)
    return hits[:limit]


def table_layers(layers: Mapping[str, gpd.GeoDataFrame]) -> dict[str, str]:
    """``{layer: Norwegian label}`` of the layers that have an attribute table."""
    return {k: LAYER_LABELS.get(k, k.replace("_", " ").capitalize()) for k, g in layers.items()
            if k not in NOT_LISTED and g is not None and len(g) and len(g.columns) > 1}


def attribute_frame(gdf: gpd.GeoDataFrame) -> tuple[pd.DataFrame, dict[str, str]]:
    """The attribute columns of ``gdf`` (no geometry) and their Norwegian headers."""
    cols = [c for c in gdf.columns if c != gdf.geometry.name and not str(c).startswith("_")]
    return pd.DataFrame(gdf[cols]).reset_index(drop=True), {c: FIELD_LABELS.get(c, c) for c in cols}


def export_map(layers: Mapping[str, gpd.GeoDataFrame], crs, *, title: str, fmt: str = "png",
               focus: Sequence[float] | None = None, order: Sequence[str] = ()) -> bytes:
    """The map as PNG or PDF: title, legend, scale bar, north arrow (the report's renderer).

    ``layers`` are display layers (WGS84, already restricted for the role);
    they are drawn in ``crs`` (metres). ``focus`` is ``(minx, miny, maxx, maxy)``
    in degrees.
    """
    from geoplan.present.report.staticmaps import MapLayer, render_map

    spec = []
    keys = list(order) or [k for k in ("arealformal", "grunnkrets", "innspill", "steinbrudd",
                                       "utviklingsgrense", "kommune", "kollektivakse", "holdeplass",
                                       "skole", "sentrum", "helsetjeneste", DWELLING_TOTALS)]
    for k in keys:
        g = layers.get(k)
        if g is None or len(g) == 0 or k in ("kommunal_bolig", "gangnett"):
            continue
        g = g.to_crs(crs)
        label = LAYER_LABELS.get(k, k)
        if k in POINT_STYLES:
            spec.append(MapLayer(g, label=label, color=POINT_STYLES[k][1], markersize=4, zorder=5))
        elif k == "skole":
            spec.append(MapLayer(g, label=label, color="#56B4E9", marker="s", markersize=6, zorder=6))
        elif k == DWELLING_TOTALS:
            spec.append(MapLayer(g[g["kommunale_enheter"].notna()], label=label, color="#0072B2",
                                 markersize=7, zorder=6))
        elif k == "arealformal":
            spec.append(MapLayer(g, label="Arealformål", color="#e6eec9", edgecolor="#9e9e9e",
                                 alpha=0.5, linewidth=0.2, zorder=1))
        else:
            st = LAYER_STYLES.get(k, ("", "fill", {}))[2] or {}
            spec.append(MapLayer(g, label=label, color=st.get("fillColor", st.get("color", "#555")),
                                 edgecolor=st.get("color"), alpha=float(st.get("fillOpacity", 0.3)),
                                 linewidth=float(st.get("weight", 1.0)),
                                 linestyle="--" if st.get("dashArray") else "-",
                                 fill=st.get("fill", True) is not False, zorder=3))
    extent = None
    if focus is not None:
        extent = tuple(gpd.GeoSeries.from_xy([focus[0], focus[2]], [focus[1], focus[3]], crs=4326)
                       .to_crs(crs).total_bounds)
    epsg = crs.to_epsg() if hasattr(crs, "to_epsg") else crs
    return render_map(spec, title=title, focus=extent, crs_label=f"EPSG:{epsg}", fmt=fmt,
                      width_cm=24, height_cm=17)
