"""What the app's pages share: the sidebar, error handling, the map component, tables."""

from __future__ import annotations

import logging
from typing import Iterable, Sequence

import pandas as pd
import streamlit as st

from geoplan.errors import GeoplanError
from geoplan.present import text
from geoplan.present.app import appdata, wording

log = logging.getLogger("geoplan.app")

BASEMAP_CHOICES = {"kartverket": "Kartverket topografisk", "osm": "OpenStreetMap",
                   "ingen": "Ingen bakgrunnskart"}


def sidebar() -> None:
    """Data source, basemap choice, small-number suppression and a short help text."""
    from geoplan.present.app import locale
    from geoplan.present.app.login import current_user

    locale.inject()
    with st.sidebar:
        if current_user().can("concentration_unsuppressed"):
            # the starting value goes into the session state, not the widget's ``value``:
            # state.keep() writes the kept choices back every run, and a widget given both a
            # default and a value set through the Session State API logs Streamlit's warning
            seed(appdata.PUBLIC_KEY, True)
            st.toggle("Skjul små tall (prikking)", key=appdata.PUBLIC_KEY,
                      help="På: tall under minstegrensen for offentlige tall skjules i kart, tabeller "
                           "og nedlastinger, og kommunale boliger vises bare samlet per grunnkrets. "
                           "Av: enkeltboliger vises for roller som har tilgang til dem.")
        st.selectbox("Bakgrunnskart", list(BASEMAP_CHOICES), format_func=BASEMAP_CHOICES.__getitem__,
                     key="basemap",
                     help="Bakgrunnskartene hentes fra internett. Uten nett vises kartlagene "
                          "likevel, på hvit bakgrunn.")
        st.caption(f"**Data:** {wording.for_users(appdata.source_label(None))}")
        if appdata.overrides():
            st.caption(f"**Parametere:** {len(appdata.overrides())} endret for denne økten "
                       "(se Data).")


def seed(key: str, value) -> None:
    """Give the widget ``key`` its starting ``value`` through the session state (once).

    For a widget whose choice lasts (:data:`state.PERSISTED`): :func:`state.keep` sets
    it through the Session State API on every run, and Streamlit logs a warning (with
    a stack) for a widget created with a default *and* such a value. The widget is then
    created without a default.
    """
    if key not in st.session_state:
        st.session_state[key] = value


def session_box() -> None:
    """«Lagre økt» and «Åpne økt» in the sidebar: the whole session as one file.

    Drawn before the page (a page may stop its run while it waits for input); a page
    that changes what is saved from a button reruns, so the file is never a step behind.
    """
    from geoplan.present.app import state

    with st.sidebar, st.expander("Lagre eller åpne økten"):
        st.caption("Valgene på sidene, endrede innstillinger, tomta og en opplastet fil, i én fil. "
                   "Adressen i nettleseren tar også vare på valgene, så en lenke viser det samme.")
        import functools

        st.download_button("Lagre økt", data=functools.partial(state.session_file, state.snapshot()),
                           file_name="geoplan-okt.json",
                           mime="application/json", key="okt_save", on_click="ignore")
        f = st.file_uploader("Åpne økt", type=["json"], key="okt_file",
                             help="En fil lagret med «Lagre økt».")
        if f is not None and st.button("Åpne den lagrede økten", key="okt_open"):
            try:
                done = state.open_session_file(f.getvalue())
            except GeoplanError as e:
                st.error(wording.for_users(e.message))
            else:
                st.session_state["_okt_opened"] = done
                st.rerun()
        if st.session_state.get("_okt_opened"):
            st.success("Åpnet: " + ", ".join(st.session_state.pop("_okt_opened")) + ".")


def run_page(nav) -> None:
    """Run the selected page; user errors become a Norwegian message, never a traceback."""
    try:
        nav.run()
    except GeoplanError as e:
        st.error(wording.for_users(e.message), icon=":material/warning:")
    except Exception:  # the last line of defence: the details go to the server log only
        log.exception("Uventet feil i appen")
        st.error(
            "Noe gikk galt på denne siden, og den kunne ikke vises ferdig. Kontroller dataene på "
            "siden Data; om feilen står seg, meld den til GIS-ansvarlig (detaljene står i "
            "serverens logg).", icon=":material/warning:")


def context(only: tuple | None = None):
    """``(dataset, config)`` of this session; raises GeoplanError with a Norwegian message."""
    cfg = appdata.config()
    ds = appdata.dataset(cfg, only=only)
    _kommune_banner(ds, cfg, complete=only is None or "kommune" in only)
    return ds, cfg


def _kommune_banner(ds, cfg, *, complete: bool) -> None:
    """At the top of the page: the data are another municipality's than the parameters
    (or do not say whose they are, when the page loaded the layers that would say)."""
    from geoplan.config.kommune import identify_kommune
    ident = identify_kommune(ds.layers, cfg)
    if ident.banner() and (ident.known or complete):
        st.warning(ident.banner(), icon=":material/info:")


def basemap() -> str:
    return st.session_state.get("basemap", "kartverket")


def show_map(m, *, key: str, height: int = 580, returned: Sequence[str] = ()) -> dict:
    """Render a folium map with streamlit-folium; returns only ``returned`` objects.

    ``returned_objects`` is limited so that panning and zooming do not rerun the page.
    """
    from streamlit_folium import st_folium

    from geoplan.present.app.maps.elements import _FitOnLoad
    fits = [c for c in m._children.values() if isinstance(c, _FitOnLoad)]
    for f in fits:  # the browser keeps this map's centre and zoom across reruns
        f.view_key = key
    return st_folium(m, key=key, height=height, use_container_width=True,
                     returned_objects=list(returned)) or {}


# -- maps rendered once, sent as they are ------------------------------------------------------
#
# A page run used to build its folium map, render it to HTML/JavaScript and hash the script
# (streamlit-folium) on every rerun, also when nothing on the map had changed: 0,3-0,5 s of
# CPU for the overview map, per session and per click. The rendered component arguments are
# kept in a process-wide cache keyed by everything the map is drawn from (:func:`map_key`),
# so an unchanged map costs a dictionary lookup, and the browser, given the same arguments
# (the same component key), keeps the map it has instead of loading it again.

def map_key(ds, cfg, layers: dict, **params) -> str:
    """The cache key of a page's map: data, session parameters, role, layers and ``params``.

    ``layers`` are the display layers the map is drawn from, after
    :func:`appdata.restrict_layers`; their names and columns are part of the key, so
    a map with single dwellings (or addresses) is never served to a session whose role
    or suppression switch gets the published totals instead. ``params``: everything
    else the page draws from (controls, analysis parameters, the selected site).
    """
    import json

    from geoplan.present.app.login import current_user

    user = current_user()
    sig = sorted((str(k), len(v), tuple(map(str, getattr(v, "columns", ())))) for k, v in layers.items()
                 if v is not None)
    return json.dumps({"data": appdata.dataset_key(ds), "overrides": appdata.overrides(),
                       "role": user.role, "points": appdata.dwelling_points_allowed(),
                       "address": bool(user.can("addresses") and appdata.app_settings(cfg).show_address),
                       "basemap": basemap(), "layers": sig, "params": params},
                      sort_keys=True, default=str)


def _component_args(m, key: str) -> dict:
    """What ``st_folium(m, key=key)`` passes to its component, computed once (streamlit-folium
    0.27: the same steps as :func:`streamlit_folium.st_folium`, without sending)."""
    import folium.elements
    import streamlit_folium as sf

    from geoplan.present.app.maps.assets import bundle_js
    from geoplan.present.app.maps.elements import FastGeoJson, _FitOnLoad
    for c in m._children.values():
        if isinstance(c, _FitOnLoad):   # the browser keeps this map's centre and zoom across reruns
            c.view_key = key
    m.get_root().render()
    m.render()
    html = sf._get_html(m)
    header = sf._get_header(m)
    leaflet = sf._get_map_string(m)
    try:
        b = m.get_bounds()
    except AttributeError:
        b = [[None, None], [None, None]]
    css: list[str] = []
    js: list[str] = []

    def walk(el):
        if isinstance(el, folium.elements.JSCSSMixin):
            yield el
        for child in getattr(el, "_children", {}).values():
            yield from walk(child)
    for el in walk(m):
        css += [h for _, h in getattr(el, "default_css", [])]
        js += [s for _, s in getattr(el, "default_js", [])]
    # the JavaScript names of the layer control and the zoning, for overlays drawn later
    # into this map (maps.overlays_script)
    control = next((c.get_name() for c in m._children.values() if isinstance(c, folium.LayerControl)), None)
    zoning = next((c.get_name() for c in m._children.values()
                   if isinstance(c, FastGeoJson) and c.layer_name == "Arealformål"), None)
    return {"control": control, "zoning": zoning,
            "script": leaflet, "header": header, "html": html, "id": sf.get_full_id(m),
            "hash": sf.generate_js_hash(leaflet, key, False),
            "bounds": {"_southWest": {"lat": b[0][0], "lng": b[0][1]},
                       "_northEast": {"lat": b[1][0], "lng": b[1][1]}},
            "zoom": m.options.get("zoom"),
            "css_links": list(dict.fromkeys(css)), "js_links": bundle_js(list(dict.fromkeys(js)))}


@st.cache_resource(max_entries=48, ttl=6 * 3600, show_spinner=False)
def _component_args_cached(cache_key: str, key: str, _build) -> dict:
    return _component_args(_build(), key)


@st.cache_resource(max_entries=96, ttl=6 * 3600, show_spinner=False)
def _overlays_js_cached(cache_key: str, control: str, zoning: str | None, _build) -> str:
    from geoplan.present.app.maps import overlays_script
    return overlays_script(_build(), control=control, zoning=zoning)


def _basemap_js(label: str) -> str:
    """JavaScript that shows the basemap ``label`` (of the map's layer control) and no other.

    streamlit-folium evaluates it in the map the browser has whenever it changes (its
    «feature group» argument), without drawing the map again.
    """
    import json
    return ("(function () { var want = " + json.dumps(label) + ", m = window.map;"
            " for (var k in window) { if (k.indexOf('layer_control_') !== 0 || !/_layers$/.test(k)) continue;"
            " var b = window[k] && window[k].base_layers; if (!b || !b[want]) continue;"
            " for (var n in b) { if (n !== want && m.hasLayer(b[n])) { m.removeLayer(b[n]); } }"
            " if (!m.hasLayer(b[want])) { m.addLayer(b[want]); } } })();")


def cached_map(build, *, key: str, cache_key: str, height: int = 580,
               returned: Sequence[str] = (), overlays=None, overlays_key: str = "",
               fit_to: Sequence[float] | None = None) -> dict:
    """Show the map ``build()`` makes, built and rendered once per ``cache_key`` (see
    :func:`map_key`); returns only ``returned`` objects (as :func:`show_map`).

    ``build`` is called only when no session has drawn this map yet: the page's overlays
    (simplified analysis layers) are made inside it, not before.

    ``overlays``: a function returning the analysis layers (as ``municipality_map``'s
    ``overlays``) of a map ``build`` makes with ``overlay_slot=True``; they are drawn
    into the map the browser has, so a control that changes only them (``overlays_key``:
    what they are made from beyond ``cache_key``) sends them and not the whole map.
    ``fit_to``: ``(minx, miny, maxx, maxy)`` in degrees the map the browser has is fitted
    to with the overlays (the site of Vurder tomt), instead of a new map with that extent.
    """
    import json

    import numpy as np
    import streamlit_folium as sf

    from geoplan.present.app.maps.styles import BASEMAPS

    # The basemap is switched in the map the browser already has (the «feature group»
    # script below), so it is no part of the map: one cache entry serves every basemap,
    # and another basemap does not send and draw the map again. The component's key is
    # the content of the map (streamlit-folium's hash of its script), so a control that
    # leaves the map as it was does not send it again either.
    ident = json.loads(cache_key)
    shown = BASEMAPS.get(str(ident.pop("basemap", "")), {}).get("label")
    a = _component_args_cached(json.dumps(ident, sort_keys=True), key, build)
    hash_key = a["hash"]
    defaults = {"last_clicked": None, "last_object_clicked": None, "last_object_clicked_count": None,
                "last_object_clicked_tooltip": None, "last_object_clicked_popup": None,
                "all_drawings": None, "last_active_drawing": None, "bounds": a["bounds"],
                "zoom": a["zoom"], "last_circle_radius": None, "last_circle_polygon": None,
                "selected_layers": None, "selected_tags": None, "last_geocoder_result": None}

    def _on_change():
        st.session_state[key] = st.session_state.get(hash_key, {})

    script = _basemap_js(shown) if shown else ""
    if overlays is not None and a.get("control"):
        # keyed by the whole map (data, role, controls; not the basemap): the map's key and the overlays' own
        script = _overlays_js_cached(json.dumps([ident, overlays_key], sort_keys=True, default=str),
                                     a["control"], a.get("zoning"), overlays) + script
    if fit_to is not None and all(np.isfinite(fit_to)):
        x0, y0, x1, y1 = (round(float(v), 5) for v in fit_to)
        script += (f"(function () {{ if (window.map) {{ window.map.fitBounds([[{y0}, {x0}], [{y1}, {x1}]]); }} }})();")

    return sf._component_func(
        script=a["script"], header=a["header"], html=a["html"], id=a["id"], key=hash_key,
        height=height, width=None, returned_objects=list(returned),
        default={k: v for k, v in defaults.items() if k in returned}, zoom=None, center=None,
        feature_group=script or None, return_on_hover=False,
        layer_control=None, pixelated=False,
        css_links=a["css_links"], js_links=a["js_links"], on_change=_on_change,
        wrap_longitude=False) or {}




def cell_text(v) -> str:
    """A table cell as a user reads it: bokmål yes/no, Norwegian numbers, no internal references."""
    import numpy as np

    if isinstance(v, (bool, np.bool_)):
        return text.yes_no(bool(v))
    if isinstance(v, (int, np.integer)):
        return text.integer(v)
    if isinstance(v, (float, np.floating)):
        f = float(v)
        return "" if text.is_missing(f) else text.number(f, 3 if abs(f) < 1 else 1)
    return wording.for_users(str(v)) if v is not None else ""


#: columns that hold years: written as years (no thousands space)
YEAR_COLUMNS = frozenset({"aar", "år", "basisaar", "horisontaar", "fra_aar", "til_aar"})


def table(df: pd.DataFrame, labels: dict[str, str], *, decimals: dict[str, int] | None = None,
          height: int | None = None, key: str | None = None) -> None:
    """Show ``df``'s ``labels`` columns with Norwegian headers and formatted numbers.

    Each column is formatted from its values once and the view built in one go (a
    column set on a copied frame at a time cost 10 ms a table on every rerun)."""
    cols = [c for c in labels if c in df.columns and c != "geometry"]
    out: dict[str, list[str]] = {}
    for c in cols:
        col = df[c]
        if col.dtype == object:
            num = pd.to_numeric(col, errors="coerce")
            if num.notna().sum() == col.notna().sum() and col.notna().any() \
                    and not any(isinstance(v, bool) for v in col):
                col = num
        if pd.api.types.is_bool_dtype(col):
            out[c] = [text.yes_no(v) for v in col]
        elif c in YEAR_COLUMNS and pd.api.types.is_numeric_dtype(col):
            out[c] = [("" if text.is_missing(v) else str(int(v))) for v in col]  # 2026, not 2 026
        elif pd.api.types.is_numeric_dtype(col):
            # Norwegian numbers (comma decimals, no-break space thousands) as text: the
            # grid's own number format follows the browser's language, not bokmål
            d = (decimals or {}).get(c, 0 if pd.api.types.is_integer_dtype(col) else 1)
            out[c] = [("" if text.is_missing(v) else text.number(v, d)) for v in col]
        else:
            out[c] = [cell_text(v) for v in col.astype(object).where(col.notna(), "")]
    view = pd.DataFrame(out, columns=cols)
    config = {c: st.column_config.TextColumn(labels[c]) for c in cols}
    st.dataframe(view, column_config=config, hide_index=True, width="stretch",
                 key=key, height=height or "auto")


def parse_decimal(raw) -> float | None:
    """A number typed the Norwegian way («2,2», «1 234,5», also «2.2»), None when it is none
    (empty, text, not finite): :func:`geoplan.numbers.read_number`."""
    from geoplan.numbers import read_number

    return read_number(raw)


def decimal_input(where, label: str, value: float, *, min_value: float, max_value: float,
                  key: str, decimals: int = 1, help: str | None = None,
                  disabled: bool = False) -> float:
    """A decimal number typed the Norwegian way («2,2»).

    Streamlit's number box always shows a decimal point («2.20»); this is a text box
    that reads a comma or a point and spaces as thousands. A value it cannot read or
    outside ``[min_value, max_value]`` (with ``decimals=0``: not a whole number) gets a
    message naming the field, and the last good value (else ``value``) is used.
    """

    if key not in st.session_state:
        st.session_state[key] = text.number(value, decimals).replace("\u00a0", " ")
    raw = where.text_input(label, key=key, help=help, disabled=disabled)
    good = f"_{key}_ok"
    v = parse_decimal(raw)
    if v is not None and min_value <= v <= max_value and (decimals or v.is_integer()):
        st.session_state[good] = v
        return v
    used = float(st.session_state.get(good, value))
    what = "et helt tall" if decimals == 0 else "et tall"
    how = "" if decimals == 0 else ", med desimalkomma"
    where.error(f"«{label}» må være {what} fra {text.number(min_value, decimals)} til "
                f"{text.number(max_value, decimals)}{how} (f.eks. "
                f"{text.number(value, decimals)}). «{raw}» er ikke brukt; regnet med "
                f"{text.number(used, decimals)}.", icon=":material/edit:")
    return used


#: Vega's number locale for bokmål: comma decimals, no-break space thousands
NB_LOCALE = {"number": {"decimal": ",", "thousands": "\u00a0", "grouping": [3],
                        "currency": ["", "\u00a0kr"]}}


def bar_chart(df: pd.DataFrame, *, x_label: str, y_label: str, colors: dict[str, str],
              height: int = 300, decimals: int = 0) -> None:
    """Bars of ``df``'s columns (series, side by side) per index value, numbers in bokmål.

    Streamlit's own ``st.bar_chart`` formats the axis as the browser's language
    does (``1,500``); this chart carries Vega's locale, so axis and tooltips read
    ``1 500``. ``colors`` maps each column to its colour, in legend order.
    """
    # the Vega-Lite spec written out (what altair would make of it): altair's schema
    # validation of the chart took 20 ms of every rerun of a page with two charts
    long = df.reset_index(names="_x").melt(id_vars="_x", var_name="serie", value_name="verdi")
    long["_x"] = long["_x"].astype(str)
    fmt = f",.{decimals}f"
    series = list(colors)
    color: dict = {"field": "serie", "type": "nominal", "title": None, "sort": series,
                   "scale": {"domain": series, "range": list(colors.values())}}
    color["legend"] = {"orient": "bottom"} if len(colors) > 1 else None
    enc: dict = {
        "x": {"field": "_x", "type": "nominal", "title": x_label, "sort": [str(i) for i in df.index],
              "axis": {"labelAngle": 0 if len(df) <= 6 else -30}},
        "y": {"field": "verdi", "type": "quantitative", "title": y_label, "axis": {"format": fmt}},
        "color": color,
        "tooltip": [{"field": "_x", "type": "nominal", "title": x_label},
                    {"field": "serie", "type": "nominal", "title": "Serie"},
                    {"field": "verdi", "type": "quantitative", "title": y_label, "format": fmt}]}
    if len(colors) > 1:
        enc["xOffset"] = {"field": "serie", "type": "nominal", "sort": series}
    spec = {"mark": {"type": "bar"}, "encoding": enc, "height": height,
            "config": {"locale": NB_LOCALE}}
    st.vega_lite_chart(long, spec, width="stretch")


STATUS_TEXT = {"gronn": "Grønn", "gul": "Gul", "rod": "Rød", "ukjent": "Ukjent"}
STATUS_COLOR = {"gronn": "#c8e6c9", "gul": "#fff3c4", "rod": "#ffcdd2", "ukjent": "#eeeeee"}
STATUS_MD = {"gronn": "green", "gul": "orange", "rod": "red", "ukjent": "gray"}


def status_badge(status: str) -> str:
    """Plain Norwegian status word (colours come from the table/markdown styling)."""
    return STATUS_TEXT.get(status, status)


def status_markdown(status: str) -> str:
    """Markdown with a coloured background for a traffic-light status."""
    return f":{STATUS_MD.get(status, 'gray')}-background[**{STATUS_TEXT.get(status, status)}**]"


def layer_list(names: Iterable[str]) -> str:
    """``«a», «b», «c»`` (the layer names, quoted)."""
    return ", ".join(f"«{n}»" for n in names)
