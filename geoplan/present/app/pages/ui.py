"""What the app's pages share: the sidebar, error handling, the map component, tables."""

from __future__ import annotations

import logging
from typing import Iterable, Sequence

import pandas as pd
import streamlit as st

from geoplan.errors import GeoplanError
from geoplan.present import text
from geoplan.present.app import appdata

log = logging.getLogger("geoplan.app")

BASEMAP_CHOICES = {"kartverket": "Kartverket topografisk", "osm": "OpenStreetMap",
                   "ingen": "Ingen bakgrunnskart"}


def sidebar() -> None:
    """Data source, basemap choice and a short help text in the sidebar."""
    with st.sidebar:
        st.selectbox("Bakgrunnskart", list(BASEMAP_CHOICES), format_func=BASEMAP_CHOICES.__getitem__,
                     key="basemap",
                     help="Bakgrunnskartene hentes fra internett. Uten nett vises kartlagene "
                          "likevel, på hvit bakgrunn.")
        st.caption(f"**Data:** {appdata.source_label(None)}")
        if appdata.overrides():
            st.caption(f"**Parametere:** {len(appdata.overrides())} endret for denne økten "
                       "(se Data).")


def run_page(nav) -> None:
    """Run the selected page; user errors become a Norwegian message, never a traceback."""
    try:
        nav.run()
    except GeoplanError as e:
        st.error(e.message, icon=":material/warning:")
    except Exception as e:  # the last line of defence
        log.exception("Uventet feil i appen")
        st.error(
            "En uventet feil oppsto på denne siden "
            f"({type(e).__name__}: {e}). Kontroller dataene på siden Data; om feilen står seg, "
            "meld den til GIS-ansvarlig.", icon=":material/warning:")


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

    return st_folium(m, key=key, height=height, use_container_width=True,
                     returned_objects=list(returned)) or {}




def table(df: pd.DataFrame, labels: dict[str, str], *, decimals: dict[str, int] | None = None,
          height: int | None = None, key: str | None = None) -> None:
    """Show ``df``'s ``labels`` columns with Norwegian headers and formatted numbers."""
    cols = [c for c in labels if c in df.columns]
    view = pd.DataFrame(df[cols]).copy()
    if "geometry" in view.columns:
        view = view.drop(columns="geometry")
    config = {}
    for c in cols:
        if view[c].dtype == object:
            num = pd.to_numeric(view[c], errors="coerce")
            if num.notna().sum() == view[c].notna().sum() and view[c].notna().any() \
                    and not view[c].map(lambda v: isinstance(v, bool)).any():
                view[c] = num
        if pd.api.types.is_bool_dtype(view[c]):
            view[c] = view[c].map(text.yes_no)
            config[c] = st.column_config.TextColumn(labels[c])
        elif pd.api.types.is_numeric_dtype(view[c]):
            d = (decimals or {}).get(c, 1)
            if view[c].isna().any():   # Streamlit would print "None": show blanks instead
                view[c] = [("" if text.is_missing(v) else text.number(v, d)) for v in view[c]]
                config[c] = st.column_config.TextColumn(labels[c])
            else:
                config[c] = st.column_config.NumberColumn(labels[c], format=f"%.{d}f")
        else:
            view[c] = view[c].astype(object).where(view[c].notna(), "")
            config[c] = st.column_config.TextColumn(labels[c])
    st.dataframe(view, column_config=config, hide_index=True, use_container_width=True,
                 key=key, height=height or "auto")


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
