"""Whole maps: the empty base map, the standard map of a municipality, display geometries.

:func:`to_display` simplifies geometries in the projected CRS (tolerance in
metres), reprojects to WGS84 and rounds coordinates, which keeps the map
payload small. Tile layers (Kartverket topo, OpenStreetMap) need internet;
every data layer is embedded and shows without them.
"""

from __future__ import annotations

import html
import json
from typing import Iterable, Mapping, Sequence

import folium
import folium.plugins
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoplan.errors import DataProblem
from geoplan.io.crs import require_projected
from geoplan.present import text
from geoplan.present.app.maps.assets import UNUSED_JS
from geoplan.present.app.maps.elements import (
    _CanvasRenderer,
    _DrawNorwegian,
    _FitOnLoad,
    _icon_options,
    _Legend,
    _MeasureNorwegian,
    _MetricScale,
    _PointGroup,
    _safe_js,
    legend_html,
    legend_rows,
)
from geoplan.present.app.maps.layers import (
    DWELLING_TOTAL_COLOR,
    DWELLING_TOTALS,
    DWELLING_TOTALS_NAME,
    add_circles,
    add_dwelling_totals,
    add_dwellings,
    add_geojson,
    add_points,
    add_zoning,
    geojson_layer,
)
from geoplan.present.app.maps.styles import (
    BASEMAPS,
    CATEGORY_COLORS,
    CATEGORY_LABELS,
    CATEGORY_OTHER,
    LAYER_FIELDS,
    LAYER_STYLES,
    POINT_STYLES,
)

#: A legend entry: ``(kind, colour, label)`` or ``(kind, colour, label, layer name)``, kind in
#: fill/line/dash/point/ramp; with a layer name the row follows that layer on and off.
LegendItem = tuple


# ---------------------------------------------------------------------------
# Display geometries
# ---------------------------------------------------------------------------

def _require_display_crs(gdf: gpd.GeoDataFrame, what: str) -> None:
    """A map layer needs a CRS, and a projected one (the simplification tolerance is metres)."""
    if gdf.crs is None:
        raise DataProblem(f"Laget «{what}» mangler koordinatsystem og kan ikke vises på kartet.")
    require_projected(gdf, what)


def _default_tolerance_m() -> float:
    """``app.simplify_m`` of the shipped configuration."""
    from geoplan.config.app import AppSettings

    return AppSettings.from_config().simplify_m


def to_display(gdf: gpd.GeoDataFrame, *, tolerance_m: float | None = None, decimals: int = 5,
               name: str = "laget") -> gpd.GeoDataFrame:
    """Simplified WGS84 copy of a projected layer, for the map.

    Parameters
    ----------
    gdf
        Layer in a projected CRS (metres).
    tolerance_m
        Douglas-Peucker tolerance in metres (topology preserving); 0 keeps
        every vertex; ``None``: ``app.simplify_m`` of the shipped configuration.
    decimals
        Decimal places kept in the WGS84 coordinates (5 ≈ 1 m; more than the
        simplification removes anyway).
    name
        Layer name for error messages.

    Returns
    -------
    GeoDataFrame
        EPSG:4326, same rows and attribute columns, no empty geometries.

    Raises
    ------
    geoplan.errors.DataProblem
        The layer has no CRS, or a geographic one.
    """
    _require_display_crs(gdf, name)
    if tolerance_m is None:
        tolerance_m = _default_tolerance_m()
    out = gdf[~(gdf.geometry.isna() | gdf.geometry.is_empty)].copy()
    if tolerance_m and tolerance_m > 0:
        arr = np.asarray(out.geometry.values)
        lines_polys = np.isin(shapely.get_type_id(arr), [1, 2, 3, 5, 6])
        if lines_polys.any():
            arr = arr.copy()
            arr[lines_polys] = shapely.simplify(arr[lines_polys], tolerance_m, preserve_topology=True)
            out = out.set_geometry(gpd.GeoSeries(arr, index=out.index, crs=gdf.crs))
    out = out.to_crs(4326)
    arr = shapely.transform(np.asarray(out.geometry.values), lambda c: np.round(c, decimals))
    out = out.set_geometry(gpd.GeoSeries(arr, index=out.index, crs=4326))
    return out


def collapse(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """All geometries of a layer as one multi-part feature, without attributes (display only)."""
    if len(gdf) == 0:
        return gdf
    parts = shapely.get_parts(np.asarray(gdf.geometry.values))
    types = set(shapely.get_type_id(parts).tolist())
    if types <= {1, 2}:
        geom = shapely.multilinestrings(parts)
    elif types == {3}:
        geom = shapely.multipolygons(parts)
    elif types == {0}:
        geom = shapely.multipoints(parts)
    else:
        geom = shapely.geometrycollections(parts)
    return gpd.GeoDataFrame(geometry=[geom], crs=gdf.crs)


# ---------------------------------------------------------------------------
# The base map
# ---------------------------------------------------------------------------

def _add_basemaps(m: folium.Map, shown: str) -> None:
    """Every basemap of :data:`BASEMAPS` in the layer control; ``shown`` switched on."""
    for key, spec in BASEMAPS.items():
        if spec["url"]:
            folium.TileLayer(spec["url"], name=spec["label"], attr=spec["attribution"],
                             overlay=False, control=True, show=(key == shown),
                             max_zoom=19).add_to(m)
        else:
            folium.FeatureGroup(name=spec["label"], overlay=False, control=True,
                                show=(key == shown)).add_to(m)


def _add_draw_tools(m: folium.Map) -> None:
    """Leaflet.draw (polygon, rectangle, point), with bokmål texts."""
    _DrawNorwegian().add_to(m)
    folium.plugins.Draw(
        export=False, position="topleft",
        draw_options={"polyline": False, "circle": False, "circlemarker": False,
                      "polygon": {"allowIntersection": False, "showArea": True},
                      "rectangle": True, "marker": True},
        edit_options={"edit": False},
    ).add_to(m)


def _add_measure_tools(m: folium.Map) -> None:
    """A measuring tool (distance and area, bokmål) with Leaflet.draw's line and polygon."""
    _MeasureNorwegian().add_to(m)    # before the control: it reads its texts when it is made
    folium.plugins.Draw(
        export=False, position="topleft",
        draw_options={"polyline": {"metric": True, "feet": False, "showLength": True},
                      "polygon": {"allowIntersection": False, "showArea": True, "metric": True},
                      "rectangle": False, "circle": False, "circlemarker": False, "marker": False},
        edit_options={"edit": False},
    ).add_to(m)


def _fit(m: folium.Map, bounds: Sequence[float]) -> None:
    """Centre on ``bounds`` (degrees) and fit to them, padded, once the map has its size."""
    minx, miny, maxx, maxy = (float(v) for v in bounds)
    # pad, so that a single point or a tiny site does not zoom the map in to the maximum
    px = max(0.004, 0.03 * (maxx - minx))
    py = max(0.002, 0.03 * (maxy - miny))
    minx, miny, maxx, maxy = minx - px, miny - py, maxx + px, maxy + py
    m.location = [(miny + maxy) / 2, (minx + maxx) / 2]
    _FitOnLoad([[miny, minx], [maxy, maxx]]).add_to(m)


def base_map(bounds: Sequence[float] | None = None, *, basemap: str = "kartverket",
             height: str | int = "100%", draw: bool = False, fullscreen: bool = True,
             measure: bool = False) -> folium.Map:
    """An empty map with basemaps, metric scale bar and fullscreen button.

    Parameters
    ----------
    bounds
        ``(minx, miny, maxx, maxy)`` in WGS84 degrees; the map is fitted to it.
    basemap
        ``"kartverket"``, ``"osm"`` or ``"ingen"``: the one shown first. All
        three are offered in the layer control.
    height
        CSS height of the map (``"100%"`` fills streamlit-folium's frame).
    draw
        Add the Leaflet.draw tools (polygon, rectangle, point) in bokmål.
    measure
        Add the measuring tool (distance and area, in bokmål) instead.
    fullscreen
        Add the fullscreen button.
    """
    if basemap not in BASEMAPS:
        basemap = "kartverket"
    # max_zoom on the map itself: with «Ingen bakgrunnskart» no tile layer gives one, and
    # Leaflet.markercluster then throws «Map has no maxZoom specified», which stopped the
    # rest of the map script (legend and layer control were missing)
    m = folium.Map(tiles=None, control_scale=False, prefer_canvas=False, zoom_start=10,
                   location=[59.05, 10.0], height=height, zoom_snap=0.25, zoom_delta=0.5)
    m.options["max_zoom"] = 19          # (folium's max_zoom argument only reaches its tiles)
    _CanvasRenderer().add_to(m)         # before any layer: big layers are drawn on it, under the SVG ones
    # folium loads jQuery and Bootstrap's JavaScript with every map, but nothing on these maps
    # uses them; streamlit-folium loads the scripts one after another, so each is a round trip
    # before the map is drawn. (Bootstrap's CSS stays: it styles the controls and tooltips.)
    m.default_js = [(n, u) for n, u in m.default_js if n not in UNUSED_JS]
    _add_basemaps(m, basemap)
    _MetricScale().add_to(m)
    if fullscreen:
        folium.plugins.Fullscreen(position="topleft", title="Fullskjerm",
                                  title_cancel="Avslutt fullskjerm", force_separate_button=True).add_to(m)
    if draw:
        _add_draw_tools(m)
    elif measure:
        _add_measure_tools(m)
    if bounds is not None and all(np.isfinite(bounds)):
        _fit(m, bounds)
    return m


# ---------------------------------------------------------------------------
# The standard map of a municipality
# ---------------------------------------------------------------------------

def _contract_layers(m: folium.Map, layers: Mapping[str, gpd.GeoDataFrame],
                     quarry_buffer: gpd.GeoDataFrame | None, hidden: set[str]) -> list[LegendItem]:
    """The line and polygon layers of :data:`LAYER_STYLES` (zoning apart), in that order."""
    legend: list[LegendItem] = []
    for key, (label, kind, style) in LAYER_STYLES.items():
        if key == "arealformal":
            continue
        g = quarry_buffer if key == "steinbrudd_buffer" else layers.get(key)
        if g is None or len(g) == 0:
            continue
        add_geojson(m, g, label, style=style, fields=LAYER_FIELDS.get(key, ()),
                    show=key not in hidden, highlight=kind == "fill")
        legend.append((kind, (style or {}).get("fillColor", (style or {}).get("color", "#333")), label,
                       label))
    return legend


def _schools(m: folium.Map, skole: gpd.GeoDataFrame | None,
             radius_m: float | None) -> list[LegendItem]:
    """School pins, and the school circles of ``radius_m`` metres when it is given."""
    if skole is None or len(skole) == 0:
        return []
    legend: list[LegendItem] = []
    if radius_m:
        km = text.compact(radius_m / 1000)
        add_circles(m, skole, radius_m, name=f"Skolesirkler {km} km")
        legend.append(("dash", "#1f5fa8", f"Skolesirkel {km} km", f"Skolesirkler {km} km"))
    add_points(m, skole, "Skoler", color="blue", icon="school", fields=LAYER_FIELDS["skole"])
    legend.append(("point", "#38aadd", "Skole", "Skoler"))
    return legend


def _point_layers(m: folium.Map, layers: Mapping[str, gpd.GeoDataFrame],
                  hidden: set[str]) -> list[LegendItem]:
    """The point layers of :data:`POINT_STYLES` as circle markers."""
    legend: list[LegendItem] = []
    for key, (label, color, radius) in POINT_STYLES.items():
        g = layers.get(key)
        if g is not None and len(g):
            add_points(m, g, label, color=color, radius=radius, fields=LAYER_FIELDS.get(key, ()),
                       show=key not in hidden)
            legend.append(("point", color, label, label))
    return legend


def _dwellings(m: folium.Map, kb: gpd.GeoDataFrame | None, *, show_address: bool,
               show: bool) -> list[LegendItem]:
    """Municipal dwellings, clustered, with one legend entry per category."""
    if kb is None or len(kb) == 0:
        return []
    add_dwellings(m, kb, show_address=show_address, show=show)
    return [("point", CATEGORY_COLORS.get(cat, CATEGORY_OTHER),
             f"Kommunal bolig: {CATEGORY_LABELS.get(cat, cat)}", "Kommunale boliger")
            for cat in sorted(pd.unique(kb["kategori"].astype(str)))]


def _dwelling_totals(m: folium.Map, totals: gpd.GeoDataFrame | None, *, show: bool) -> list[LegendItem]:
    """Municipal units per grunnkrets as published (small counts hidden), not single homes."""
    if totals is None or len(totals) == 0:
        return []
    add_dwelling_totals(m, totals, show=show)
    k = totals.attrs.get("min_count")
    hidden = f" (under {text.integer(k)} skjult)" if k else ""
    return [("point", DWELLING_TOTAL_COLOR, f"Kommunale enheter per grunnkrets{hidden}",
             DWELLING_TOTALS_NAME)]


def _markers(m: folium.Map, markers: Sequence[tuple[float, float, str]]) -> list[LegendItem]:
    """Red pins at ``(lat, lon, label)`` (e.g. the site being assessed)."""
    if not markers:
        return []
    _PointGroup([[lat, lon, html.escape(label)] for lat, lon, label in markers], "marker",
                _icon_options("red", "house"), name="Valgt sted", show=True).add_to(m)
    return [("point", "#d63e2a", "Valgt sted", "Valgt sted")]


def _default_bounds(layers: Mapping[str, gpd.GeoDataFrame]) -> Sequence[float] | None:
    """The extent of the municipality (else the development boundaries, zoning, any layer)."""
    for key in ("kommune", "utviklingsgrense", "arealformal", *layers):
        g = layers.get(key)
        if g is not None and len(g):
            return g.total_bounds
    return None


def _overlays(m: folium.Map, overlays: Sequence[Mapping]) -> list[LegendItem]:
    """Analysis layers (dicts, see :func:`municipality_map`) and their legend items."""
    legend: list[LegendItem] = []
    for ov in overlays:
        add_geojson(m, ov["gdf"], ov["name"], style=ov.get("style"), fields=ov.get("fields", ()),
                    style_column=ov.get("style_column"), style_map=ov.get("style_map"),
                    show=ov.get("show", True))
        legend += [tuple(it) if len(it) > 3 else (*it, ov["name"]) for it in ov.get("legend", ())]
    return legend


def municipality_map(layers: Mapping[str, gpd.GeoDataFrame], *, basemap: str = "kartverket",
                     radius_m: float | None = None, quarry_buffer: gpd.GeoDataFrame | None = None,
                     show_address: bool = False, draw: bool = False, measure: bool = False,
                     hidden: Iterable[str] = ("grunnkrets", "gangnett"),
                     include: Iterable[str] | None = None,
                     overlays: Sequence[Mapping] = (),
                     extra_legend: Sequence[LegendItem] = (),
                     bounds: Sequence[float] | None = None,
                     markers: Sequence[tuple[float, float, str]] = (),
                     legend_hidden: Iterable[str] = (),
                     overlay_slot: bool = False) -> folium.Map:
    """The standard map: every layer toggleable and styled by meaning, with a legend.

    Parameters
    ----------
    layers
        Display layers in WGS84 (from :func:`to_display`), keyed by contract name.
    basemap
        The basemap shown first (see :func:`base_map`).
    radius_m
        Radius of the school circles in metres (``schools.radius_m``); ``None``
        for none.
    quarry_buffer
        WGS84 polygons of the quarry buffer zone (drawn under the quarries).
    show_address
        Include ``adresse`` of municipal dwellings in tooltips.
    draw
        Add drawing tools (for the site page).
    hidden
        Layers added but switched off at start.
    include
        Only these contract layers (default: all).
    overlays
        Analysis layers drawn above the zoning: dicts with ``gdf`` (WGS84), ``name``
        and optionally ``style``, ``fields``, ``style_column``, ``style_map``,
        ``show``, ``legend`` (list of legend items).
    extra_legend
        More legend items, listed last.
    bounds
        ``(minx, miny, maxx, maxy)`` in degrees to zoom to (default: the municipality).
    markers
        ``(lat, lon, label)`` of highlighted places (e.g. the site being assessed),
        drawn as red pins on top.
    legend_hidden
        Names of layers the caller adds switched off (their legend rows start hidden).
    overlay_slot
        The analysis layers come later, into the map the browser has
        (:func:`overlays_script`): their place in the legend is kept, where
        ``overlays`` would have put their rows.
    """
    hidden = set(hidden)
    if include is not None:
        keep = set(include)
        layers = {k: v for k, v in layers.items() if k in keep}
    m = base_map(_default_bounds(layers) if bounds is None else bounds, basemap=basemap, draw=draw,
                 measure=measure)
    legend: list[LegendItem] = []
    if layers.get("arealformal") is not None:
        zl = add_zoning(m, layers["arealformal"], show="arealformal" not in hidden)
        legend += [(*it, "Arealformål") for it in zl]
    legend += _overlays(m, overlays)
    if overlay_slot:
        legend.append(("slot", "", ""))
    legend += _contract_layers(m, layers, quarry_buffer, hidden)
    legend += _schools(m, layers.get("skole"), radius_m)
    legend += _point_layers(m, layers, hidden)
    legend += _dwellings(m, layers.get("kommunal_bolig"), show_address=show_address,
                         show="kommunal_bolig" not in hidden)
    legend += _dwelling_totals(m, layers.get(DWELLING_TOTALS), show="kommunal_bolig" not in hidden)
    legend += _markers(m, markers)
    legend += list(extra_legend)
    off = {LAYER_STYLES[k][0] for k in hidden if k in LAYER_STYLES} | \
        {POINT_STYLES[k][0] for k in hidden if k in POINT_STYLES} | \
        {ov["name"] for ov in overlays if not ov.get("show", True)} | set(legend_hidden)
    if "kommunal_bolig" in hidden:
        off |= {"Kommunale boliger", DWELLING_TOTALS_NAME}
    _Legend(legend_html("Tegnforklaring", legend, hidden=sorted(off))).add_to(m)
    folium.LayerControl(position="topright", collapsed=True).add_to(m)
    return m


def overlays_script(overlays: Sequence[Mapping], *, control: str, zoning: str | None = None) -> str:
    """JavaScript that draws ``overlays`` (as :func:`municipality_map` takes them) into the map
    the browser already has, in place of those it drew before.

    For a map made with ``overlay_slot=True``: a control that changes only the analysis
    layers (a radius, a growth rate) sends these layers, not the whole map again, and the
    browser keeps its map, basemap tiles and view. The layers are listed in the layer
    control ``control`` (its JavaScript name) where :func:`municipality_map` lists its
    overlays (after the zoning, ``zoning``'s name), drawn under the map's other layers
    and over the zoning as there, and their rows fill the legend's slot.
    """
    parts, names, shown, items = [], [], [], []
    for ov in overlays:
        layer = geojson_layer(ov["gdf"], ov["name"], style=ov.get("style"), fields=ov.get("fields", ()),
                              style_column=ov.get("style_column"), style_map=ov.get("style_map"),
                              show=ov.get("show", True))
        items += [tuple(it) if len(it) > 3 else (*it, ov["name"]) for it in ov.get("legend", ())]
        if layer is None:
            continue
        parts.append(layer.script_js())
        names.append((layer.get_name(), ov["name"]))
        shown.append(bool(ov.get("show", True)))
    off = [ov["name"] for ov in overlays if not ov.get("show", True)]
    rows = "".join(legend_rows(items, hidden=off))
    lst = "[" + ",".join(f"[{n}, {json.dumps(label)}, {str(on).lower()}]"
                         for (n, label), on in zip(names, shown)) + "]"
    return _safe_js(
        "(function () {\n"
        "var m = window.map, ctl = typeof " + control + " !== 'undefined' ? " + control + " : null;\n"
        "var zoning = " + (f"typeof {zoning} !== 'undefined' ? {zoning} : null" if zoning else "null") + ";\n"
        "if (!m) { return; }\n"
        "(window.geoplanOverlays || []).forEach(function (l) { if (ctl) { ctl.removeLayer(l); } m.removeLayer(l); });\n"
        + "\n".join(parts) + "\n"
        "var made = " + lst + ", layers = made.map(function (x) { return x[0]; });\n"
        "made.forEach(function (x) { if (x[2]) { m.addLayer(x[0]); } if (ctl) { ctl.addOverlay(x[0], x[1]); } });\n"
        "if (ctl && ctl._layers) {\n"
        "  var mine = ctl._layers.filter(function (e) { return layers.indexOf(e.layer) >= 0; });\n"
        "  var rest = ctl._layers.filter(function (e) { return layers.indexOf(e.layer) < 0; });\n"
        "  var at = rest.findIndex(function (e) { return e.overlay && e.layer !== zoning; });\n"
        "  if (at < 0) { at = rest.length; }\n"
        "  ctl._layers = rest.slice(0, at).concat(mine, rest.slice(at));\n"
        "  ctl._update();\n"
        "}\n"
        "function back(l) {\n"
        "  if (l.getLayers) { var c = l.getLayers(); for (var i = c.length - 1; i >= 0; i--) { back(c[i]); } }\n"
        "  else if (l._map && l.bringToBack) { l.bringToBack(); }\n"
        "}\n"
        "for (var i = layers.length - 1; i >= 0; i--) { back(layers[i]); }\n"
        "if (zoning && zoning._map) { back(zoning); }\n"
        "var slot = document.querySelector('.geoplan-legend-dyn');\n"
        "if (slot) { slot.innerHTML = " + json.dumps(rows) + "; }\n"
        "window.geoplanOverlays = layers;\n"
        "})();\n")


def map_html(m: folium.Map) -> str:
    """The full standalone HTML of a map (for tests and payload measurements)."""
    return m.get_root().render()
