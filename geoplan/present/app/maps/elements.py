"""The branca/folium elements geoplan's maps are made of.

Each element renders its Jinja macros once (:class:`_RenderOnce`) and carries its
data as ready JSON, so a map with thousands of features renders in tenths of a
second: the legend, the metric scale bar, the fit-to-bounds on load, the
bokmål texts of the drawing tools, :class:`FastGeoJson` (polygons and lines
with precomputed styles and tooltips), :class:`_PointGroup` (pins or metric
circles at many points) and :class:`_DwellingCluster` (clustered dwellings).
"""

from __future__ import annotations

import html
import json
from typing import Mapping, Sequence

import branca.element
import folium
import folium.plugins
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from folium.template import Template as FoliumTemplate
from jinja2 import Template

from geoplan.present import text
from geoplan.present.app.maps.styles import FIELD_LABELS


def _jsonable(df: pd.DataFrame) -> pd.DataFrame:
    """Attribute columns as JSON-friendly values (no numpy scalars, NaN as None, dates as text)."""
    df = df.copy()
    geom = df.geometry.name if isinstance(df, gpd.GeoDataFrame) else None
    for col in df.columns:
        if col == geom:
            continue
        s = df[col]
        if pd.api.types.is_datetime64_any_dtype(s):
            df[col] = s.astype(str)
        elif pd.api.types.is_bool_dtype(s):
            df[col] = s.astype(object).map(text.yes_no).where(s.notna(), None)
        elif pd.api.types.is_float_dtype(s):
            df[col] = s.round(2).astype(object).where(s.notna(), None)
        elif pd.api.types.is_integer_dtype(s):
            df[col] = s.astype(object).where(s.notna(), None)
        else:
            df[col] = s.astype(object).where(s.notna(), None)
    return df


def _fields(gdf: pd.DataFrame, wanted: Sequence[str]) -> tuple[list[str], list[str]]:
    cols = [c for c in wanted if c in gdf.columns]
    return cols, [FIELD_LABELS.get(c, c) for c in cols]


def _tooltip_table(gdf: pd.DataFrame, fields: Sequence[str]) -> tuple[list[dict], list]:
    """Tooltip labels and per-row values of ``fields`` for :class:`FastGeoJson`.

    Text columns are dictionary-encoded (``d``: the distinct values, escaped once;
    the rows carry indices into it). Rows without ``fields`` are ``None``.
    """
    cols, aliases = _fields(gdf, fields)
    if not cols:
        return [], [None] * len(gdf)
    data = _jsonable(pd.DataFrame(gdf[cols]))
    meta: list[dict] = []
    columns: list[list] = []
    for c, a in zip(cols, aliases):
        values = data[c].tolist()
        if any(isinstance(v, str) for v in values):
            # dictionary-encoded as text; html.escape runs once per distinct value
            codes, uniq = pd.factorize(pd.Series([None if v is None else str(v) for v in values],
                                                 dtype=object), use_na_sentinel=True)
            meta.append({"l": html.escape(a), "d": [html.escape(u) for u in uniq]})
            columns.append([None if k < 0 else k for k in codes.tolist()])
        else:
            meta.append({"l": html.escape(a)})
            columns.append(values)
    return meta, list(zip(*columns))


def _feature_collection(gdf: gpd.GeoDataFrame, style_index: Sequence[int] | np.ndarray,
                        rows: Sequence) -> str:
    """GeoJSON text of ``gdf``: each feature's properties are ``_s`` (style) and ``_v`` (values)."""
    geoms = shapely.to_geojson(np.asarray(gdf.geometry.values))
    feats = []
    for g, si, row in zip(geoms, style_index, rows):
        props: dict = {"_s": int(si)}
        if row is not None and any(v is not None for v in row):
            props["_v"] = list(row)
        feats.append('{"type":"Feature","properties":' + json.dumps(props, ensure_ascii=False,
                                                                     separators=(",", ":"))
                     + ',"geometry":' + g + "}")
    return '{"type":"FeatureCollection","features":[' + ",".join(feats) + "]}"


class _Rendered(branca.element.Element):
    """Text that is already rendered; it is emitted as it is.

    branca's ``MacroElement.render`` wraps each rendered part in a new
    ``Element(text)``, which compiles the text as a Jinja template once more
    (and streamlit-folium renders a map twice). For a layer whose script embeds
    a megabyte of GeoJSON that lexing alone took a few tenths of a second per
    page run; it would also read ``{{`` in an attribute value as template code.
    """

    def __init__(self, text: str):
        super().__init__()
        self._text = text

    def render(self, **kwargs) -> str:
        return self._text


class _RenderOnce(branca.element.MacroElement):
    """A MacroElement whose header/html/script macros are rendered once, not recompiled.

    Used as the last base before ``MacroElement`` in the MRO of geoplan's data
    elements, so folium's ``Layer.render`` (add to map when ``show``) and
    ``JSCSSMixin.render`` (asset links) still run first.
    """

    def render(self, **kwargs):
        figure = self.get_root()
        assert isinstance(figure, branca.element.Figure), "render a map inside a Figure"
        module = self._template.module.__dict__
        for part, target in (("header", figure.header), ("html", figure.html),
                             ("script", figure.script)):
            macro = module.get(part)
            if macro is not None:
                target.add_child(_Rendered(macro(self, kwargs)), name=self.get_name())
        for child in self._children.values():
            child.render(**kwargs)


class _Legend(_RenderOnce):
    """A legend as a Leaflet control (works inside streamlit-folium's iframe)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function(){
            var legend = L.control({position: {{ this.position|tojson }}});
            var map = {{ this._parent.get_name() }};
            legend.onAdd = function (map) {
                var div = L.DomUtil.create('div', 'geoplan-legend');
                div.innerHTML = {{ this.html|tojson }};
                L.DomEvent.disableScrollPropagation(div);
                L.DomEvent.disableClickPropagation(div);
                return div;
            };
            legend.addTo(map);
            // rows of a layer follow the layer control: a hidden layer is not explained
            function follow(e, on) {
                var rows = legend.getContainer().querySelectorAll('[data-layer]');
                for (var i = 0; i < rows.length; i++) {
                    if (rows[i].getAttribute('data-layer') === e.name) {
                        rows[i].style.display = on ? '' : 'none';
                    }
                }
            }
            map.on('overlayadd', function (e) { follow(e, true); });
            map.on('overlayremove', function (e) { follow(e, false); });
        })();
        {% endmacro %}
    """)

    def __init__(self, html_text: str, position: str = "bottomright"):
        super().__init__()
        self._name = "Legend"
        self.html = html_text
        self.position = position


class _MetricScale(_RenderOnce):
    """Metric-only scale bar."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        L.control.scale({metric: true, imperial: false, position: 'bottomleft'})
            .addTo({{ this._parent.get_name() }});
        {% endmacro %}
    """)

    def __init__(self):
        super().__init__()
        self._name = "MetricScale"


class _FitOnLoad(_RenderOnce):
    """Fit the map to ``bounds`` once its container has its final size.

    streamlit-folium sizes its iframe after the map is created, so a plain
    ``fitBounds`` at creation time zooms to the wrong extent.
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function (m) {
            var b = L.latLngBounds({{ this.bounds|tojson }});
            var key = {{ this.view_key|tojson }}, bkey = {{ this.bounds|tojson }}.join(',');
            var saved = null;
            try { saved = key && JSON.parse(window.sessionStorage.getItem('geoplan-kart:' + key)); }
            catch (e) { saved = null; }
            // the view the planner left is kept across reruns (a changed rate, basemap or
            // drawn site), unless the page asks for another extent (e.g. a new site)
            var keep = saved && saved.b === bkey;
            function show() {
                if (keep) { m.setView([saved.lat, saved.lng], saved.z, {animate: false}); }
                else { m.fitBounds(b); }
            }
            show();
            var tries = 0, settled = false;
            function refit() {
                m.invalidateSize(false);
                show();
                if (++tries < 3) { setTimeout(refit, 400); } else { settled = true; }
            }
            setTimeout(refit, 150);
            if (key) {
                m.on('moveend', function () {
                    if (!settled) { return; }
                    var c = m.getCenter();
                    try {
                        window.sessionStorage.setItem('geoplan-kart:' + key, JSON.stringify(
                            {b: bkey, lat: c.lat, lng: c.lng, z: m.getZoom()}));
                    } catch (e) { /* private mode: the view is not kept */ }
                });
            }
        })({{ this._parent.get_name() }});
        {% endmacro %}
    """)

    def __init__(self, bounds, view_key: str | None = None):
        super().__init__()
        self._name = "FitOnLoad"
        self.bounds = bounds
        #: the key under which the browser keeps this map's view (``None``: always fit)
        self.view_key = view_key


class _DrawNorwegian(_RenderOnce):
    """Bokmål texts for Leaflet.draw (must be added before the Draw control)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        if (window.L && L.drawLocal) {
            var t = L.drawLocal.draw.toolbar, h = L.drawLocal.draw.handlers;
            t.actions.title = 'Avbryt tegning'; t.actions.text = 'Avbryt';
            t.finish.title = 'Fullfør tegning'; t.finish.text = 'Fullfør';
            t.undo.title = 'Slett siste punkt'; t.undo.text = 'Slett siste punkt';
            t.buttons.polygon = 'Tegn en tomt (polygon)';
            t.buttons.marker = 'Sett en tomt som punkt';
            t.buttons.rectangle = 'Tegn et rektangel';
            h.polygon.tooltip.start = 'Klikk for å begynne å tegne tomten.';
            h.polygon.tooltip.cont = 'Klikk for å fortsette.';
            h.polygon.tooltip.end = 'Klikk på første punkt for å lukke tomten.';
            h.marker.tooltip.start = 'Klikk på kartet for å plassere tomten.';
            h.rectangle.tooltip.start = 'Klikk og dra for å tegne et rektangel.';
            h.simpleshape.tooltip.end = 'Slipp musen for å fullføre.';
            var e = L.drawLocal.edit;
            e.toolbar.actions.save.title = 'Lagre endringer'; e.toolbar.actions.save.text = 'Lagre';
            e.toolbar.actions.cancel.title = 'Avbryt redigering'; e.toolbar.actions.cancel.text = 'Avbryt';
            e.toolbar.actions.clearAll.title = 'Fjern alt'; e.toolbar.actions.clearAll.text = 'Fjern alt';
            e.toolbar.buttons.edit = 'Rediger'; e.toolbar.buttons.editDisabled = 'Ingenting å redigere';
            e.toolbar.buttons.remove = 'Slett'; e.toolbar.buttons.removeDisabled = 'Ingenting å slette';
            e.handlers.edit.tooltip.text = 'Dra i punktene for å endre tomten.';
            e.handlers.remove.tooltip.text = 'Klikk på en figur for å slette den.';
        }
        {% endmacro %}
    """)

    def __init__(self):
        super().__init__()
        self._name = "DrawNorwegian"


class _MeasureNorwegian(_RenderOnce):
    """A measuring tool in bokmål: Leaflet.draw's line and polygon, lengths and areas kept on the map.

    Leaflet.draw's own readouts (``readableDistance``/``readableArea``) are replaced by
    Norwegian ones (comma decimals, m/km, m²/daa); a finished line or polygon keeps
    a label with its length or area.
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function (m) {
            function num(v, d) {
                var s = v.toFixed(d).split('.');
                s[0] = s[0].replace(/\\B(?=(\\d{3})+(?!\\d))/g, '\\u00a0');
                return s.join(',');
            }
            function dist(d) { return d < 1000 ? num(d, 0) + ' m' : num(d / 1000, d < 10000 ? 2 : 1) + ' km'; }
            function area(a) { return a < 10000 ? num(a, 0) + ' m²' : num(a / 1000, 1) + ' daa'; }
            if (L.GeometryUtil) {
                L.GeometryUtil.readableDistance = function (d) { return dist(d); };
                L.GeometryUtil.readableArea = function (a) { return area(a); };
            }
            if (L.drawLocal) {
                var t = L.drawLocal.draw.toolbar, h = L.drawLocal.draw.handlers;
                t.buttons.polyline = 'Mål en avstand';
                t.buttons.polygon = 'Mål et areal';
                t.actions.title = 'Avbryt måling'; t.actions.text = 'Avbryt';
                t.finish.title = 'Avslutt målingen'; t.finish.text = 'Fullfør';
                t.undo.title = 'Slett siste punkt'; t.undo.text = 'Slett siste punkt';
                h.polyline.tooltip.start = 'Klikk for å begynne å måle.';
                h.polyline.tooltip.cont = 'Klikk for å fortsette.';
                h.polyline.tooltip.end = 'Klikk på siste punkt for å avslutte.';
                h.polyline.error = '<strong>Feil:</strong> linjen kan ikke krysse seg selv.';
                h.polygon.tooltip.start = 'Klikk for å begynne å måle arealet.';
                h.polygon.tooltip.cont = 'Klikk for å fortsette.';
                h.polygon.tooltip.end = 'Klikk på første punkt for å lukke flaten.';
                var e = L.drawLocal.edit;
                e.toolbar.buttons.remove = 'Slett målinger'; e.toolbar.buttons.removeDisabled = 'Ingen målinger å slette';
                e.toolbar.actions.save.title = 'Lagre'; e.toolbar.actions.save.text = 'Lagre';
                e.toolbar.actions.cancel.title = 'Avbryt'; e.toolbar.actions.cancel.text = 'Avbryt';
                e.toolbar.actions.clearAll.title = 'Slett alle målinger'; e.toolbar.actions.clearAll.text = 'Slett alle';
                e.handlers.remove.tooltip.text = 'Klikk på en måling for å slette den.';
            }
            m.on('draw:created', function (ev) {
                var l = ev.layer, txt = null;
                if (ev.layerType === 'polyline') {
                    var ll = l.getLatLngs(), d = 0;
                    for (var i = 1; i < ll.length; i++) { d += ll[i - 1].distanceTo(ll[i]); }
                    txt = 'Avstand: ' + dist(d);
                } else if (ev.layerType === 'polygon' && L.GeometryUtil) {
                    txt = 'Areal: ' + area(L.GeometryUtil.geodesicArea(l.getLatLngs()[0]));
                }
                if (txt) { l.bindTooltip(txt, {permanent: true, direction: 'center', className: 'geoplan-maal'}); }
            });
        })({{ this._parent.get_name() }});
        {% endmacro %}
    """)

    def __init__(self):
        super().__init__()
        self._name = "MeasureNorwegian"


def legend_rows(items: Sequence[tuple], hidden: Sequence[str] = ()) -> list[str]:
    """The rows of a legend (see :func:`legend_html`), one HTML ``div`` per item.

    kind ``slot`` is the empty place where the analysis layers a page draws into the map
    the browser has (:func:`geoplan.present.app.maps.overlays_script`) put their rows.
    """
    rows = []
    for item in items:
        kind, color, label = item[:3]
        if kind == "slot":
            rows.append("<div class='geoplan-legend-dyn'></div>")
            continue
        layer = item[3] if len(item) > 3 else None
        c = html.escape(color)
        if kind == "fill":
            sym = (f"<span style='display:inline-block;width:14px;height:10px;background:{c};"
                   "border:1px solid #555;opacity:.85'></span>")
        elif kind == "line":
            sym = f"<span style='display:inline-block;width:16px;height:0;border-top:3px solid {c}'></span>"
        elif kind == "dash":
            sym = f"<span style='display:inline-block;width:16px;height:0;border-top:3px dashed {c}'></span>"
        elif kind == "ramp":
            sym = (f"<span style='display:inline-block;width:60px;height:10px;background:{c};"
                   "border:1px solid #555'></span>")
        else:
            sym = (f"<span style='display:inline-block;width:10px;height:10px;border-radius:50%;"
                   f"background:{c};border:1px solid #333'></span>")
        attrs = f" data-layer='{html.escape(layer, quote=True)}'" if layer else ""
        style = "white-space:nowrap" + (";display:none" if layer and layer in hidden else "")
        rows.append(f"<div{attrs} style='{style}'>{sym}&nbsp;{html.escape(label)}</div>")
    return rows


def legend_html(title: str, items: Sequence[tuple], hidden: Sequence[str] = ()) -> str:
    """HTML of a legend: ``items`` are ``(kind, colour, label)`` or ``(kind, colour, label, layer)``.

    kind is fill/line/dash/point/ramp (``ramp``: colour is a CSS gradient) or ``slot``
    (see :func:`legend_rows`). Rows with a ``layer`` (its name in the layer control)
    follow that layer on and off; those of a layer in ``hidden`` start hidden.
    """
    return ("<details open style='background:rgba(255,255,255,.92);padding:5px 8px;border-radius:4px;"
            "box-shadow:0 1px 4px rgba(0,0,0,.35);font:11.5px/1.4 sans-serif;max-height:230px;"
            "overflow-y:auto'>"
            f"<summary style='cursor:pointer'><b>{html.escape(title)}</b></summary>"
            + "".join(legend_rows(items, hidden)) + "</details>")



#: A layer with at least this many features is drawn on a canvas: as SVG, each feature is an
#: element the browser styles and lays out (the zoning's ~3 800 polygons made ~4 000 nodes
#: and a third of the map's main-thread time); a few features stay SVG elements.
CANVAS_MIN_FEATURES = 300


class _CanvasRenderer(_RenderOnce):
    """The map's canvas for big layers (``window.geoplanCanvas``), added before any layer.

    Made first, so its canvas lies under every SVG layer of the overlay pane, as the
    zoning (the first layer, and the big one) did when it was SVG.
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        window.geoplanCanvas = L.canvas({padding: 0.3}).addTo({{ this._parent.get_name() }});
        {% endmacro %}
    """)

    def __init__(self):
        super().__init__()
        self._name = "CanvasRenderer"


class FastGeoJson(folium.map.Layer, _RenderOnce):
    """A GeoJSON overlay with styles and tooltip values precomputed in Python.

    folium's ``GeoJson`` calls a Python style function per feature and embeds
    a style mapper and full property tables; for thousands of zoning polygons
    that costs seconds and megabytes. Here each feature carries ``_s`` (index
    into a list of distinct Leaflet path styles) and ``_v`` (its tooltip values;
    text columns are dictionary-encoded once per layer), the tooltip HTML is
    built in the browser on hover, and the GeoJSON text is assembled once with
    ``shapely.to_geojson``. It is a folium ``Layer``: it shows in the layer
    control and honours ``show``.
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = (function () {
            var styles = {{ this.styles_json }};
            var fields = {{ this.fields_json }};
            var hl = {{ this.highlight_json }};
            function tip(p) {
                var v = p._v, out = [];
                if (!v) { return null; }
                for (var i = 0; i < fields.length; i++) {
                    var x = v[i];
                    if (x === null || x === undefined) { continue; }
                    if (fields[i].d) { x = fields[i].d[x]; }
                    if (x === null || x === '') { continue; }
                    out.push('<b>' + fields[i].l + '</b>: ' + x);
                }
                return out.length ? out.join('<br>') : null;
            }
            var layer = L.geoJSON({{ this.data_json }}, {
                {%- if this.canvas %}
                // many features: drawn on the map's one canvas (see _CanvasRenderer), not as
                // thousands of SVG elements the browser has to style and lay out
                renderer: window.geoplanCanvas,
                {%- endif %}
                style: function (f) { return styles[f.properties._s] || {}; },
                pointToLayer: function (f, latlng) {
                    return L.circleMarker(latlng, styles[f.properties._s] || {});
                },
                onEachFeature: function (f, l) {
                    if (f.properties._v) {
                        // tooltips only: a bound popup stops the click event, and the map's
                        // click (the what-if point, the clicked place) would never be heard
                        l.bindTooltip(function () { return tip(f.properties); }, {sticky: true});
                    }
                    if (hl) {
                        l.on('mouseover', function () { l.setStyle(hl); });
                        l.on('mouseout', function () { layer.resetStyle(l); });
                    }
                }
            });
            return layer;
        })();
        {% endmacro %}
    """)

    def __init__(self, gdf: gpd.GeoDataFrame, styles: Sequence[Mapping],
                 style_index: Sequence[int] | np.ndarray,
                 fields: Sequence[str] = (), *, name: str, show: bool = True,
                 highlight: Mapping | None = None):
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "FastGeoJson"
        self.n_features = len(gdf)
        meta, rows = _tooltip_table(gdf, fields)
        self.data_json = _safe_js(_feature_collection(gdf, style_index, rows))
        self.styles_json = _safe_js(json.dumps(list(styles), ensure_ascii=False))
        self.fields_json = _safe_js(json.dumps(meta, ensure_ascii=False))
        self.highlight_json = json.dumps(dict(highlight)) if highlight else "null"
        #: drawn on the map's canvas (:class:`_CanvasRenderer`) rather than as SVG elements
        self.canvas = self.n_features >= CANVAS_MIN_FEATURES

    def script_js(self) -> str:
        """The JavaScript that makes this layer (``var <name> = ...;``), without adding it to a map."""
        return self._template.module.script(self, {})


class _PointGroup(folium.map.Layer, _RenderOnce):
    """Awesome-marker pins or metric circles at many points, as one toggleable layer.

    One element with the points as data and a loop in the browser, instead of a
    folium ``Marker``/``Circle`` + ``Icon`` + ``Tooltip`` per point (each of them
    compiles its own Jinja templates on every page run). ``rows`` are
    ``[lat, lon, tooltip_html_or_None]``; ``kind`` is ``"marker"`` (``options``:
    awesome-marker icon options) or ``"circle"`` (``options``: Leaflet path
    options with ``radius`` in metres).
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = (function () {
            var rows = {{ this.rows_json }};
            var opts = {{ this.options_json }};
            var group = L.featureGroup();
            {%- if this.kind == "marker" %}
            var icon = L.AwesomeMarkers.icon(opts);
            {%- endif %}
            for (var i = 0; i < rows.length; i++) {
                {%- if this.kind == "marker" %}
                var f = L.marker([rows[i][0], rows[i][1]], {icon: icon});
                {%- else %}
                var f = L.circle([rows[i][0], rows[i][1]], opts);
                {%- endif %}
                if (rows[i][2]) { f.bindTooltip('<div>' + rows[i][2] + '</div>', {sticky: true}); }
                f.addTo(group);
            }
            return group;
        })();
        {% endmacro %}
    """)

    def __init__(self, rows: Sequence[Sequence], kind: str, options: Mapping, *, name: str,
                 show: bool = True):
        super().__init__(name=name, overlay=True, control=True, show=show)
        if kind not in ("marker", "circle"):
            raise ValueError(f"kind must be 'marker' or 'circle', not {kind!r}")
        self._name = "PointGroup"
        self.kind = kind
        self.n_points = len(rows)
        self.rows_json = _safe_js(json.dumps([[float(r[0]), float(r[1]), r[2]] for r in rows],
                                             ensure_ascii=False))
        self.options_json = _safe_js(json.dumps(dict(options), ensure_ascii=False))


def _icon_options(color: str, icon: str) -> dict:
    """folium.Icon(color=..., icon=..., prefix="fa") as Leaflet.awesome-markers options."""
    return {"markerColor": color, "iconColor": "white", "icon": icon, "prefix": "fa",
            "extraClasses": "fa-rotate-0"}


def _safe_js(js: str) -> str:
    """JSON text that is safe inside a <script> element."""
    return js.replace("</", "<\\/").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def tooltip_html(df: pd.DataFrame, fields: Sequence[str]) -> list[str | None]:
    """Per-row tooltip HTML ``<b>Label</b>: value`` for the columns in ``fields``."""
    cols, aliases = _fields(df, fields)
    if not cols:
        return [None] * len(df)
    data = _jsonable(pd.DataFrame(df[cols]))
    out = []
    for row in data.itertuples(index=False, name=None):
        parts = [f"<b>{html.escape(a)}</b>: {html.escape(str(v))}"
                 for a, v in zip(aliases, row) if v is not None and v != ""]
        out.append("<br>".join(parts) or None)
    return out


class _DwellingCluster(folium.plugins.FastMarkerCluster, _RenderOnce):
    """FastMarkerCluster that honours ``show`` (folium's template always adds itself to the map)."""

    _template = FoliumTemplate("""
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = (function(){
                {{ this.callback }}
                var data = {{ this.data|tojson }};
                var cluster = L.markerClusterGroup({{ this.options|tojavascript }});
                {%- if this.icon_create_function is not none %}
                cluster.options.iconCreateFunction = {{ this.icon_create_function.strip() }};
                {%- endif %}
                for (var i = 0; i < data.length; i++) {
                    callback(data[i]).addTo(cluster);
                }
                return cluster;
            })();
        {% endmacro %}""")
