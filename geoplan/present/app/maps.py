"""Interactive folium maps, styled by meaning, that work without internet.

This module builds the Leaflet maps of the app (and of anything else that
wants an interactive map). It has no Streamlit in it: functions take
GeoDataFrames and plain options and return :class:`folium.Map` objects.

Offline assets
--------------
folium and its plugins load Leaflet, jQuery, Bootstrap, Font Awesome,
awesome-markers and the plugins from public CDNs. In a municipal network
without internet access the map would be blank, so on import this module
rewrites every ``default_js``/``default_css`` URL of every
``JSCSSMixin`` subclass it knows a local copy for to the files vendored in
``geoplan/static/vendor/`` (see ``tools/vendor_assets.sh``). Streamlit serves
them at ``/app/static/vendor/...``; streamlit-folium renders the map inside a
component iframe at ``/component/streamlit_folium.st_folium/index.html``, so
the default base URL is the relative ``../../app/static/vendor`` (it also
works under a ``server.baseUrlPath``).

Display geometry
----------------
:func:`to_display` simplifies geometries in the projected CRS (tolerance in
metres), reprojects to WGS84 and rounds coordinates, which keeps the map
payload small. Tile layers (Kartverket topo, OpenStreetMap) need internet;
every data layer is embedded and shows without them.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import branca.element
import folium
import folium.elements
import folium.plugins
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from folium.template import Template as FoliumTemplate
from jinja2 import Template

from geoplan.errors import DataProblem

STATIC_DIR = Path(__file__).resolve().parent / "static"
VENDOR_DIR = STATIC_DIR / "vendor"

#: Base URL of the vendored assets as seen from streamlit-folium's component iframe.
STREAMLIT_ASSET_BASE = "../../app/static/vendor"

#: CDN file name (last URL segment) -> path under ``geoplan/static/vendor``.
VENDORED = {
    "leaflet.js": "leaflet/leaflet.js",
    "leaflet.css": "leaflet/leaflet.css",
    "jquery-3.7.1.min.js": "jquery/jquery.min.js",
    "jquery.min.js": "jquery/jquery.min.js",
    "bootstrap.bundle.min.js": "bootstrap/bootstrap.bundle.min.js",
    "bootstrap.min.css": "bootstrap/bootstrap.min.css",
    "bootstrap-glyphicons.css": "glyphicons/css/bootstrap-glyphicons.css",
    "all.min.css": "fontawesome/css/all.min.css",
    "leaflet.awesome-markers.js": "awesome-markers/leaflet.awesome-markers.min.js",
    "leaflet.awesome-markers.css": "awesome-markers/leaflet.awesome-markers.css",
    "leaflet.awesome.rotate.min.css": "awesome-markers/leaflet.awesome.rotate.min.css",
    "leaflet.markercluster.js": "markercluster/leaflet.markercluster.js",
    "MarkerCluster.css": "markercluster/MarkerCluster.css",
    "MarkerCluster.Default.css": "markercluster/MarkerCluster.Default.css",
    "leaflet.draw.js": "leaflet-draw/leaflet.draw.js",
    "leaflet.draw.css": "leaflet-draw/leaflet.draw.css",
    "Control.FullScreen.min.js": "leaflet.fullscreen/Control.FullScreen.js",
    "Control.FullScreen.css": "leaflet.fullscreen/Control.FullScreen.css",
    "leaflet_heat.min.js": "leaflet.heat/leaflet-heat.js",
}

#: Scripts of folium's map defaults that geoplan's maps leave out (see :func:`base_map`).
UNUSED_JS = ("jquery", "bootstrap")

#: The folium elements the app uses; :func:`unmapped_assets` checks these.
USED_ELEMENTS = (
    folium.Map, folium.plugins.MarkerCluster, folium.plugins.FastMarkerCluster,
    folium.plugins.Draw, folium.plugins.Fullscreen, folium.plugins.HeatMap,
)


def _subclasses(cls: type) -> Iterable[type]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def _local(url: str, base: str) -> str | None:
    if not url.startswith(("http://", "https://", "//")):
        return None
    name = url.rstrip("/").rsplit("/", 1)[-1]
    rel = VENDORED.get(name)
    return f"{base.rstrip('/')}/{rel}" if rel else None


def localize_assets(base: str = STREAMLIT_ASSET_BASE) -> list[str]:
    """Point every known folium/plugin asset URL at the vendored copies.

    Walks all subclasses of ``folium.elements.JSCSSMixin`` (after the plugin
    modules are imported) and rewrites their class-level ``default_js`` and
    ``default_css``. Idempotent; calling again with another ``base`` moves
    the already-rewritten URLs too.

    Parameters
    ----------
    base
        URL prefix of ``geoplan/static/vendor`` as the browser sees it.

    Returns
    -------
    list of str
        The CDN URLs that have no local copy (plugins geoplan does not use).
    """
    missing: list[str] = []
    for cls in [folium.elements.JSCSSMixin, *_subclasses(folium.elements.JSCSSMixin)]:
        for attr in ("default_js", "default_css"):
            items = cls.__dict__.get(attr)
            if not items:
                continue
            new = []
            for name, url in items:
                orig = _ORIGINAL_URLS.setdefault((cls, attr, name), url)
                local = _local(orig, base)
                if local is None and orig.startswith(("http://", "https://", "//")):
                    missing.append(orig)
                new.append((name, local or orig))
            setattr(cls, attr, new)
    return sorted(set(missing))


_ORIGINAL_URLS: dict[tuple, str] = {}


def unmapped_assets(elements: Sequence[type] = USED_ELEMENTS) -> list[str]:
    """Asset URLs of ``elements`` (and their bases) that still point at the internet."""
    out = []
    for cls in elements:
        for klass in cls.__mro__:
            for attr in ("default_js", "default_css"):
                for _, url in getattr(klass, attr, []) or []:
                    if url.startswith(("http://", "https://", "//")):
                        out.append(url)
    return sorted(set(out))



# ---------------------------------------------------------------------------
# Styles by meaning
# ---------------------------------------------------------------------------

#: Plan-map colours for arealformål (after the SOSI/NPAD plan conventions),
#: keyed by exact code, then by the hundred group, then by the thousand group.
ZONING_COLORS: dict[int, tuple[str, str]] = {
    # code: (colour, Norwegian label)
    1110: ("#f5e04a", "Boligbebyggelse"),
    1120: ("#f2b84b", "Fritidsbebyggelse"),
    1130: ("#d9884a", "Sentrumsformål"),
    1140: ("#c9795a", "Kjøpesenter"),
    1150: ("#7f9fd6", "Forretninger"),
    1160: ("#ef8f8f", "Offentlig eller privat tjenesteyting"),
    1170: ("#f0c27b", "Fritids- og turistformål"),
    1200: ("#a98b7a", "Råstoffutvinning"),
    1300: ("#c39bd3", "Næringsvirksomhet"),
    1400: ("#9ccc65", "Idrettsanlegg"),
    1500: ("#d7c9a7", "Andre typer bebyggelse og anlegg"),
    1600: ("#c5e1a5", "Uteoppholdsareal"),
    1700: ("#a1887f", "Grav- og urnelund"),
    1800: ("#e0b36e", "Kombinert bebyggelse og anleggsformål"),
    2000: ("#bdbdbd", "Samferdselsanlegg og teknisk infrastruktur"),
    3000: ("#66bb6a", "Grønnstruktur"),
    4000: ("#9e9d72", "Forsvaret"),
    5000: ("#e6eec9", "Landbruks-, natur- og friluftsformål (LNFR)"),
    6000: ("#9fd3f0", "Bruk og vern av sjø og vassdrag"),
}
ZONING_OTHER = ("#e0e0e0", "Annet arealformål")

STATUS_LABELS = {1: "nåværende", 2: "framtidig", 3: "videreutvikling av nåværende"}

#: Colours of municipal dwelling categories (demo categories first).
CATEGORY_COLORS = {
    "utleie": "#1f77b4",
    "omsorgsbolig": "#2ca02c",
    "housing_first": "#d62728",
    "flyktning": "#9467bd",
}
CATEGORY_OTHER = "#7f7f7f"

CATEGORY_LABELS = {
    "utleie": "Utleiebolig",
    "omsorgsbolig": "Omsorgsbolig",
    "housing_first": "Housing First",
    "flyktning": "Bolig for flyktninger",
}

#: Column name -> Norwegian label for tooltips and popups.
FIELD_LABELS = {
    "navn": "Navn", "sted": "Sted", "arealformal": "Arealformål (kode)",
    "arealformal_navn": "Arealformål", "arealbruksstatus": "Status", "utbygd": "Utbygd",
    "planid": "Plan-ID", "senterniva": "Senternivå", "boenheter_per_daa": "Boenheter per daa",
    "skoletype": "Skoletype", "antall_enheter": "Enheter", "kategori": "Kategori",
    "bygg_id": "Bygg-ID", "malgruppe": "Målgruppe", "adresse": "Adresse",
    "grunnkretsnummer": "Grunnkrets", "grunnkretsnavn": "Grunnkretsnavn",
    "antall_boliger": "Boliger", "befolkning": "Befolkning", "borettslag": "Borettslag",
    "avganger_per_time": "Avganger per time", "formal": "Formål", "rpba_avklart": "Avklart i RPBA",
    "type": "Type", "kommunenavn": "Kommune", "kommunenummer": "Kommunenummer",
    "areal_daa": "Areal (daa)", "andel_pct": "Andel (%)", "kommunale_enheter": "Kommunale enheter",
    "lokaliseringskvotient": "Lokaliseringskvotient", "status": "Status",
}

BASEMAPS = {
    "kartverket": {
        "label": "Kartverket topografisk",
        "url": "https://cache.kartverket.no/v1/wmts/1.0.0/topo/default/webmercator/{z}/{y}/{x}.png",
        "attribution": "© <a href='https://www.kartverket.no/'>Kartverket</a>",
    },
    "osm": {
        "label": "OpenStreetMap",
        "url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        "attribution": "© <a href='https://www.openstreetmap.org/copyright'>OpenStreetMap</a>-bidragsytere",
    },
    "ingen": {"label": "Ingen bakgrunnskart", "url": None, "attribution": ""},
}


def zoning_style(code) -> tuple[str, str]:
    """Colour and Norwegian label of a SOSI arealformål code (plan-map conventions)."""
    try:
        c = int(code)
    except (TypeError, ValueError):
        return ZONING_OTHER
    for key in (c, c // 10 * 10, c // 100 * 100, c // 1000 * 1000):
        if key in ZONING_COLORS:
            return ZONING_COLORS[key]
    return ZONING_OTHER


# ---------------------------------------------------------------------------
# Display geometries
# ---------------------------------------------------------------------------

def _check_projected(gdf: gpd.GeoDataFrame, what: str) -> None:
    if gdf.crs is None:
        raise DataProblem(f"Laget «{what}» mangler koordinatsystem og kan ikke vises på kartet.")
    if not gdf.crs.is_projected:
        raise DataProblem(
            f"Laget «{what}» er i et geografisk koordinatsystem ({gdf.crs.to_string()}); "
            "kartet forventer lag i EUREF89 UTM. Last dataene med geoplan.io.layers.load."
        )


def to_display(gdf: gpd.GeoDataFrame, *, tolerance_m: float = 5.0, decimals: int = 5,
               name: str = "laget") -> gpd.GeoDataFrame:
    """Simplified WGS84 copy of a projected layer, for the map.

    Parameters
    ----------
    gdf
        Layer in a projected CRS (metres).
    tolerance_m
        Douglas-Peucker tolerance in metres (topology preserving); 0 keeps
        every vertex.
    decimals
        Decimal places kept in the WGS84 coordinates (5 ≈ 1 m; more than the
        simplification removes anyway).
    name
        Layer name for error messages.

    Returns
    -------
    GeoDataFrame
        EPSG:4326, same rows and attribute columns, no empty geometries.
    """
    _check_projected(gdf, name)
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
            df[col] = s.astype(object).map({True: "ja", False: "nei"}).where(s.notna(), None)
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


# ---------------------------------------------------------------------------
# Map building blocks
# ---------------------------------------------------------------------------

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
            legend.onAdd = function (map) {
                var div = L.DomUtil.create('div', 'geoplan-legend');
                div.innerHTML = {{ this.html|tojson }};
                L.DomEvent.disableScrollPropagation(div);
                L.DomEvent.disableClickPropagation(div);
                return div;
            };
            legend.addTo({{ this._parent.get_name() }});
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
            m.fitBounds(b);
            var tries = 0;
            function refit() {
                m.invalidateSize(false);
                m.fitBounds(b);
                if (++tries < 3) { setTimeout(refit, 400); }
            }
            setTimeout(refit, 150);
        })({{ this._parent.get_name() }});
        {% endmacro %}
    """)

    def __init__(self, bounds):
        super().__init__()
        self._name = "FitOnLoad"
        self.bounds = bounds


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


def legend_html(title: str, items: Sequence[tuple[str, str, str]]) -> str:
    """HTML of a legend: ``items`` are ``(kind, colour, label)``, kind in fill/line/dash/point."""
    rows = []
    for kind, color, label in items:
        c = html.escape(color)
        if kind == "fill":
            sym = (f"<span style='display:inline-block;width:14px;height:10px;background:{c};"
                   "border:1px solid #555;opacity:.85'></span>")
        elif kind == "line":
            sym = f"<span style='display:inline-block;width:16px;height:0;border-top:3px solid {c}'></span>"
        elif kind == "dash":
            sym = f"<span style='display:inline-block;width:16px;height:0;border-top:3px dashed {c}'></span>"
        else:
            sym = (f"<span style='display:inline-block;width:10px;height:10px;border-radius:50%;"
                   f"background:{c};border:1px solid #333'></span>")
        rows.append(f"<div style='white-space:nowrap'>{sym}&nbsp;{html.escape(label)}</div>")
    return ("<details open style='background:rgba(255,255,255,.92);padding:5px 8px;border-radius:4px;"
            "box-shadow:0 1px 4px rgba(0,0,0,.35);font:11.5px/1.4 sans-serif;max-height:230px;"
            "overflow-y:auto'>"
            f"<summary style='cursor:pointer'><b>{html.escape(title)}</b></summary>"
            + "".join(rows) + "</details>")


def base_map(bounds: Sequence[float] | None = None, *, basemap: str = "kartverket",
             height: str | int = "100%", draw: bool = False, fullscreen: bool = True) -> folium.Map:
    """An empty map with basemaps, metric scale bar and fullscreen button.

    Parameters
    ----------
    bounds
        ``(minx, miny, maxx, maxy)`` in WGS84 degrees; the map is fitted to it.
    basemap
        ``"kartverket"``, ``"osm"`` or ``"ingen"``: the one shown first. All
        three are offered in the layer control.
    draw
        Add the Leaflet.draw tools (polygon, rectangle, point) in bokmål.
    """
    if basemap not in BASEMAPS:
        basemap = "kartverket"
    # max_zoom on the map itself: with «Ingen bakgrunnskart» no tile layer gives one, and
    # Leaflet.markercluster then throws «Map has no maxZoom specified», which stopped the
    # rest of the map script (legend and layer control were missing)
    m = folium.Map(tiles=None, control_scale=False, prefer_canvas=False, zoom_start=10,
                   location=[59.05, 10.0], height=height, zoom_snap=0.25, zoom_delta=0.5)
    m.options["max_zoom"] = 19          # (folium's max_zoom argument only reaches its tiles)
    # folium loads jQuery and Bootstrap's JavaScript with every map, but nothing on these maps
    # uses them; streamlit-folium loads the scripts one after another, so each is a round trip
    # before the map is drawn. (Bootstrap's CSS stays: it styles the controls and tooltips.)
    m.default_js = [(n, u) for n, u in m.default_js if n not in UNUSED_JS]
    for key, spec in BASEMAPS.items():
        if spec["url"]:
            folium.TileLayer(spec["url"], name=spec["label"], attr=spec["attribution"],
                             overlay=False, control=True, show=(key == basemap),
                             max_zoom=19).add_to(m)
        else:
            folium.FeatureGroup(name=spec["label"], overlay=False, control=True,
                                show=(key == basemap)).add_to(m)
    _MetricScale().add_to(m)
    if fullscreen:
        folium.plugins.Fullscreen(position="topleft", title="Fullskjerm",
                                  title_cancel="Avslutt fullskjerm", force_separate_button=True).add_to(m)
    if draw:
        _DrawNorwegian().add_to(m)
        folium.plugins.Draw(
            export=False, position="topleft",
            draw_options={"polyline": False, "circle": False, "circlemarker": False,
                          "polygon": {"allowIntersection": False, "showArea": True},
                          "rectangle": True, "marker": True},
            edit_options={"edit": False},
        ).add_to(m)
    if bounds is not None and all(np.isfinite(bounds)):
        minx, miny, maxx, maxy = (float(v) for v in bounds)
        # pad, so that a single point or a tiny site does not zoom the map in to the maximum
        px = max(0.004, 0.03 * (maxx - minx))
        py = max(0.002, 0.03 * (maxy - miny))
        minx, miny, maxx, maxy = minx - px, miny - py, maxx + px, maxy + py
        m.location = [(miny + maxy) / 2, (minx + maxx) / 2]
        _FitOnLoad([[miny, minx], [maxy, maxx]]).add_to(m)
    return m


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
                style: function (f) { return styles[f.properties._s] || {}; },
                pointToLayer: function (f, latlng) {
                    return L.circleMarker(latlng, styles[f.properties._s] || {});
                },
                onEachFeature: function (f, l) {
                    if (f.properties._v) {
                        l.bindTooltip(function () { return tip(f.properties); }, {sticky: true});
                        l.bindPopup(function () { return tip(f.properties); });
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

    def __init__(self, gdf: gpd.GeoDataFrame, styles: Sequence[Mapping], style_index: Sequence[int],
                 fields: Sequence[str] = (), *, name: str, show: bool = True,
                 highlight: Mapping | None = None):
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "FastGeoJson"
        self.n_features = len(gdf)
        cols, aliases = _fields(gdf, fields)
        data = _jsonable(pd.DataFrame(gdf[cols])) if cols else None
        meta, columns = [], []
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
        rows = list(zip(*columns)) if columns else [None] * len(gdf)
        geoms = shapely.to_geojson(np.asarray(gdf.geometry.values))
        feats = []
        for g, si, row in zip(geoms, style_index, rows):
            props = {"_s": int(si)}
            if row is not None and any(v is not None for v in row):
                props["_v"] = list(row)
            feats.append('{"type":"Feature","properties":' + json.dumps(props, ensure_ascii=False,
                                                                         separators=(",", ":"))
                         + ',"geometry":' + g + "}")
        self.data_json = _safe_js('{"type":"FeatureCollection","features":[' + ",".join(feats) + "]}")
        self.styles_json = _safe_js(json.dumps(list(styles), ensure_ascii=False))
        self.fields_json = _safe_js(json.dumps(meta, ensure_ascii=False))
        self.highlight_json = json.dumps(dict(highlight)) if highlight else "null"


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


def _safe_js(text: str) -> str:
    """JSON text that is safe inside a <script> element."""
    return text.replace("</", "<\\/").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


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


def add_geojson(m: folium.Map, gdf: gpd.GeoDataFrame, name: str, *, style: Mapping | None = None,
                style_column: str | None = None, style_map: Mapping | None = None,
                fields: Sequence[str] = (), popup: bool = True, show: bool = True,
                highlight: bool = True) -> FastGeoJson | None:
    """Add a WGS84 layer as a toggleable overlay with tooltips (and popups).

    ``style`` is the Leaflet path style for every feature; ``style_column`` +
    ``style_map`` give per-value overrides (value -> partial style dict).
    """
    if gdf is None or len(gdf) == 0:
        return None
    base = {"weight": 1.5, "fillOpacity": 0.5, "color": "#333333"} | dict(style or {})
    styles = [base]
    index = np.zeros(len(gdf), dtype=int)
    if style_column and style_column in gdf.columns and style_map:
        values = gdf[style_column].astype(str).to_numpy()
        for k, extra in style_map.items():
            styles.append(base | dict(extra))
            index[values == str(k)] = len(styles) - 1
    hl = {"weight": base.get("weight", 1.5) + 2, "fillOpacity": min(0.8, base.get("fillOpacity", 0.5) + 0.2)} \
        if highlight else None
    layer = FastGeoJson(gdf, styles, index, fields, name=name, show=show, highlight=hl)
    layer.add_to(m)
    return layer


def add_points(m: folium.Map, gdf: gpd.GeoDataFrame, name: str, *, color: str,
               radius: float = 6, fields: Sequence[str] = (), show: bool = True,
               icon: str | None = None) -> folium.map.Layer | None:
    """Add points as circle markers (or, with ``icon``, awesome-marker pins) with tooltips."""
    if gdf is None or len(gdf) == 0:
        return None
    pts = gdf.geometry if (gdf.geom_type == "Point").all() else gdf.geometry.representative_point()
    tips = tooltip_html(gdf, fields)
    if icon:
        fg = _PointGroup([[y, x, tip] for x, y, tip in zip(pts.x, pts.y, tips)], "marker",
                         _icon_options(color, icon), name=name, show=show)
        fg.add_to(m)
        return fg
    style = {"radius": radius, "color": "#222222", "weight": 1, "fillColor": color,
             "fillOpacity": 0.9}
    layer = FastGeoJson(gpd.GeoDataFrame(gdf.drop(columns=gdf.geometry.name), geometry=pts.values,
                                         crs=gdf.crs), [style],
                        np.zeros(len(gdf), dtype=int), fields, name=name, show=show,
                        highlight={"weight": 3})
    layer.add_to(m)
    return layer


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


def add_dwellings(m: folium.Map, gdf: gpd.GeoDataFrame, *, name: str = "Kommunale boliger",
                  show: bool = True, show_address: bool = False) -> folium.plugins.FastMarkerCluster | None:
    """Municipal dwellings: clustered circle markers sized by units, coloured by category.

    The ``adresse`` column is only included when ``show_address`` is true
    (config ``app.show_address``): addresses of dwellings for vulnerable
    groups are sensitive.
    """
    if gdf is None or len(gdf) == 0:
        return None
    pts = gdf.geometry
    units = pd.to_numeric(gdf.get("antall_enheter", 1), errors="coerce").fillna(1).astype(int)
    cat = gdf.get("kategori", pd.Series("", index=gdf.index)).astype(str)
    rows = [[float(y), float(x), int(u), str(k), CATEGORY_LABELS.get(str(k), str(k))]
            for x, y, u, k in zip(pts.x, pts.y, units, cat)]
    if show_address and "adresse" in gdf.columns:
        for r, a in zip(rows, gdf["adresse"].astype(object).where(gdf["adresse"].notna(), "")):
            r.append(str(a))
    colors = json.dumps(CATEGORY_COLORS)
    callback = f"""function (row) {{
        var colors = {colors};
        var r = 4 + 2.2 * Math.sqrt(row[2]);
        var mk = L.circleMarker(new L.LatLng(row[0], row[1]), {{
            radius: r, color: '#222', weight: 1, fillColor: colors[row[3]] || '{CATEGORY_OTHER}',
            fillOpacity: 0.85, units: row[2]}});
        var t = '<b>' + row[4] + '</b><br>Enheter: ' + row[2] + (row.length > 5 && row[5] ? '<br>Adresse: ' + row[5] : '');
        mk.bindTooltip(t);
        return mk;
    }}"""
    # Cluster icons show the sum of units, not the number of points.
    icon_fn = """function (cluster) {
        var n = 0; cluster.getAllChildMarkers().forEach(function (m) { n += (m.options.units || 1); });
        var c = n < 20 ? 'small' : (n < 100 ? 'medium' : 'large');
        return L.divIcon({html: '<div><span>' + n + '</span></div>',
                          className: 'marker-cluster marker-cluster-' + c, iconSize: new L.Point(40, 40)});
    }"""
    fmc = _DwellingCluster(rows, callback=callback, name=name, show=show,
                                           icon_create_function=icon_fn,
                                           options={"maxClusterRadius": 40,
                                                    "disableClusteringAtZoom": 16})
    fmc.add_to(m)
    return fmc


def add_circles(m: folium.Map, points: gpd.GeoDataFrame, radius_m: float, *, name: str,
                color: str = "#1f5fa8", show: bool = True) -> folium.map.Layer | None:
    """Dashed circles of ``radius_m`` metres around WGS84 points (e.g. 1.5 km school circles)."""
    if points is None or len(points) == 0:
        return None
    labels = points["navn"].astype(str).tolist() if "navn" in points.columns else [""] * len(points)
    rows = [[y, x, f"{html.escape(lab)}: {radius_m / 1000:.1f} km"]
            for x, y, lab in zip(points.geometry.x, points.geometry.y, labels)]
    fg = _PointGroup(rows, "circle", {"radius": float(radius_m), "color": color, "weight": 2,
                                      "dashArray": "6 4", "fill": True, "fillColor": color,
                                      "fillOpacity": 0.05}, name=name, show=show)
    fg.add_to(m)
    return fg


# ---------------------------------------------------------------------------
# The standard map of a municipality
# ---------------------------------------------------------------------------

#: Layer order and styles on the standard map: name -> (label, kind, style)
LAYER_STYLES = {
    "arealformal": ("Arealformål", "fill", None),
    "grunnkrets": ("Grunnkretser", "line", {"color": "#8d8d8d", "weight": 0.8, "fill": False}),
    "steinbrudd_buffer": ("Buffer rundt steinbrudd", "fill",
                          {"color": "#8d6e63", "weight": 1, "fillColor": "#bcaaa4",
                           "fillOpacity": 0.25, "dashArray": "4 4"}),
    "steinbrudd": ("Steinbrudd og lastingsområder", "fill",
                   {"color": "#4e342e", "weight": 1.5, "fillColor": "#795548", "fillOpacity": 0.7}),
    "innspill": ("Innspill", "fill", {"color": "#e65100", "weight": 2, "fillColor": "#ffb74d",
                                      "fillOpacity": 0.35, "dashArray": "5 3"}),
    "utviklingsgrense": ("Utviklingsgrenser", "dash", {"color": "#6a1b9a", "weight": 3,
                                                      "fill": False, "dashArray": "8 5"}),
    "kommune": ("Kommunegrense", "line", {"color": "#212121", "weight": 2.5, "fill": False,
                                          "interactive": False}),
    "gangnett": ("Gangnett", "line", {"color": "#8d6e63", "weight": 1, "opacity": 0.6}),
    "kollektivakse": ("Kollektivakser", "line", {"color": "#c62828", "weight": 4, "opacity": 0.8}),
}

POINT_STYLES = {
    "holdeplass": ("Holdeplasser", "#c62828", 4),
    "sentrum": ("Sentre", "#000000", 6),
    "helsetjeneste": ("Helsetjenester", "#00897b", 6),
}

LAYER_FIELDS = {
    "kommune": ("kommunenavn", "kommunenummer"),
    "arealformal": ("arealformal_navn", "arealformal", "arealbruksstatus", "utbygd", "navn", "planid"),
    "utviklingsgrense": ("navn", "senterniva", "boenheter_per_daa"),
    "grunnkrets": ("grunnkretsnummer", "grunnkretsnavn", "antall_boliger"),
    "innspill": ("navn", "sted", "formal", "rpba_avklart"),
    "steinbrudd": ("navn", "type"),
    "kollektivakse": ("navn", "avganger_per_time"),
    "holdeplass": ("navn",),
    "sentrum": ("navn", "senterniva"),
    "helsetjeneste": ("navn", "type"),
    "skole": ("navn", "skoletype", "sted"),
}


def zoning_display(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Add ``arealformal_navn`` and a readable status to a zoning layer (display only)."""
    out = gdf.copy()
    out["arealformal_navn"] = [zoning_style(c)[1] for c in out["arealformal"]]
    if "arealbruksstatus" in out.columns:
        out["arealbruksstatus"] = [STATUS_LABELS.get(int(s), str(s)) if pd.notna(s) else None
                                   for s in out["arealbruksstatus"]]
    return out


def add_zoning(m: folium.Map, gdf: gpd.GeoDataFrame, *, show: bool = True) -> list[tuple[str, str, str]]:
    """Zoning coloured by arealformål; framtidig areas dashed and lighter. Returns legend items."""
    if gdf is None or len(gdf) == 0:
        return []
    disp = zoning_display(gdf)
    colors = np.array([zoning_style(c)[0] for c in gdf["arealformal"]], dtype=object)
    fut = (pd.to_numeric(gdf["arealbruksstatus"], errors="coerce") == 2).to_numpy() \
        if "arealbruksstatus" in gdf.columns else np.zeros(len(gdf), bool)
    keys = pd.Series(colors).astype(str) + np.where(fut, "|f", "|n")
    uniq, index = np.unique(keys.to_numpy(), return_inverse=True)
    styles = []
    for k in uniq:
        color, f = k.split("|")
        styles.append({"fillColor": color, "color": "#333333" if f == "f" else "#9e9e9e",
                       "weight": 1.2 if f == "f" else 0.3, "fillOpacity": 0.35 if f == "f" else 0.55,
                       "dashArray": "4 3" if f == "f" else None})
    FastGeoJson(disp, styles, index, LAYER_FIELDS["arealformal"],
                name="Arealformål", show=show, highlight={"weight": 2.5, "fillOpacity": 0.75}).add_to(m)
    seen: list[tuple[str, str, str]] = []
    for code in sorted(pd.unique(gdf["arealformal"].dropna())):
        color, label = zoning_style(code)
        if all(label != l for _, _, l in seen):
            seen.append(("fill", color, label))
    return seen + [("dash", "#333333", "Framtidig (stiplet, lysere)")]


def municipality_map(layers: Mapping[str, gpd.GeoDataFrame], *, basemap: str = "kartverket",
                     radius_m: float | None = 1500.0, quarry_buffer: gpd.GeoDataFrame | None = None,
                     show_address: bool = False, draw: bool = False,
                     hidden: Iterable[str] = ("grunnkrets", "gangnett"),
                     include: Iterable[str] | None = None,
                     overlays: Sequence[Mapping] = (),
                     extra_legend: Sequence[tuple[str, str, str]] = (),
                     bounds: Sequence[float] | None = None,
                     markers: Sequence[tuple[float, float, str]] = ()) -> folium.Map:
    """The standard map: every layer toggleable and styled by meaning, with a legend.

    Parameters
    ----------
    layers
        Display layers in WGS84 (from :func:`to_display`), keyed by contract name.
    radius_m
        Radius of the school circles in metres; ``None`` for none.
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
    bounds
        ``(minx, miny, maxx, maxy)`` in degrees to zoom to (default: the municipality).
    markers
        ``(lat, lon, label)`` of highlighted places (e.g. the site being assessed),
        drawn as red pins on top.
    """
    hidden = set(hidden)
    if include is not None:
        keep = set(include)
        layers = {k: v for k, v in layers.items() if k in keep}
    for key in ("kommune", "utviklingsgrense", "arealformal", *layers):
        g = layers.get(key)
        if bounds is None and g is not None and len(g):
            bounds = g.total_bounds
    m = base_map(bounds, basemap=basemap, draw=draw)
    legend: list[tuple[str, str, str]] = []
    if layers.get("arealformal") is not None:
        zl = add_zoning(m, layers["arealformal"], show="arealformal" not in hidden)
        if "arealformal" not in hidden:
            legend += zl
    for ov in overlays:
        add_geojson(m, ov["gdf"], ov["name"], style=ov.get("style"), fields=ov.get("fields", ()),
                    style_column=ov.get("style_column"), style_map=ov.get("style_map"),
                    show=ov.get("show", True))
        legend += list(ov.get("legend", ()))
    for key, (label, kind, style) in LAYER_STYLES.items():
        if key == "arealformal":
            continue
        g = quarry_buffer if key == "steinbrudd_buffer" else layers.get(key)
        if g is None or len(g) == 0:
            continue
        add_geojson(m, g, label, style=style, fields=LAYER_FIELDS.get(key, ()),
                    show=key not in hidden, highlight=kind == "fill")
        legend.append((kind, (style or {}).get("fillColor", (style or {}).get("color", "#333")), label))
    skole = layers.get("skole")
    if skole is not None and len(skole):
        if radius_m:
            add_circles(m, skole, radius_m, name=f"Skolesirkler {radius_m / 1000:g} km")
            legend.append(("dash", "#1f5fa8", f"Skolesirkel {radius_m / 1000:g} km"))
        add_points(m, skole, "Skoler", color="blue", icon="school", fields=LAYER_FIELDS["skole"])
        legend.append(("point", "#38aadd", "Skole"))
    for key, (label, color, radius) in POINT_STYLES.items():
        g = layers.get(key)
        if g is not None and len(g):
            add_points(m, g, label, color=color, radius=radius, fields=LAYER_FIELDS.get(key, ()),
                       show=key not in hidden)
            legend.append(("point", color, label))
    kb = layers.get("kommunal_bolig")
    if kb is not None and len(kb):
        add_dwellings(m, kb, show_address=show_address, show="kommunal_bolig" not in hidden)
        for cat in sorted(pd.unique(kb["kategori"].astype(str))):
            legend.append(("point", CATEGORY_COLORS.get(cat, CATEGORY_OTHER),
                           f"Kommunal bolig: {CATEGORY_LABELS.get(cat, cat)}"))
    if markers:
        _PointGroup([[lat, lon, html.escape(label)] for lat, lon, label in markers], "marker",
                    _icon_options("red", "house"), name="Valgt sted", show=True).add_to(m)
        legend.append(("point", "#d63e2a", "Valgt sted"))
    legend += list(extra_legend)
    _Legend(legend_html("Tegnforklaring", legend)).add_to(m)
    folium.LayerControl(position="topright", collapsed=True).add_to(m)
    return m


def map_html(m: folium.Map) -> str:
    """The full standalone HTML of a map (for tests and payload measurements)."""
    return m.get_root().render()
