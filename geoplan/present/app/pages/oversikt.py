"""Oversikt: the municipality at a glance: key figures and the map of every layer."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from geoplan.config.kommune import identify_kommune
from geoplan.config.reserves import ReserveSettings
from geoplan.config.schools import SchoolSettings
from geoplan.present import text
from geoplan.present.app import appdata, audit, maps
from geoplan.present.app.pages import ui

ds, cfg = ui.context(only=appdata.OVERVIEW_LAYERS)
kommune = ds.get("kommune")
ident = identify_kommune(ds.layers, cfg)
navn = ident.navn or ident.label

st.title(f"{navn}: oversikt")
st.caption(appdata.source_label(ds))

# -- key figures --------------------------------------------------------------
def _sum(layer: str, col: str):
    g = ds.get(layer)
    if g is None or col not in g.columns:
        return None
    return float(pd.to_numeric(g[col], errors="coerce").sum())


def _count(layer: str):
    g = ds.get(layer)
    return None if g is None else len(g)


areal_km2 = float(kommune.geometry.area.sum()) / 1e6 if kommune is not None and len(kommune) else None
figures = [
    ("Areal", text.with_unit(areal_km2, "km²", 0)),
    ("Utviklingsgrenser",
     text.integer(ds["utviklingsgrense"]["navn"].nunique() if ds.has("utviklingsgrense") else None)),
    ("Skoler", text.integer(_count("skole") if ds.has("skole") else None)),
    ("Grunnkretser", text.integer(_count("grunnkrets") if ds.has("grunnkrets") else None)),
    ("Boliger i alt", text.integer(_sum("grunnkrets", "antall_boliger") if ds.has("grunnkrets") else None)),
    ("Kommunale boenheter",
     text.integer(_sum("kommunal_bolig", "antall_enheter") if ds.has("kommunal_bolig") else None)),
]
cols = st.columns(len(figures))
for c, (label, value) in zip(cols, figures):
    c.metric(label, value)

missing = [n for n, r in ds.reports.items() if r.status == "mangler" and "." not in n]
if missing:
    st.caption(f"Lag som mangler i dataene: {ui.layer_list(missing)} (se siden Data).")

# -- the map ------------------------------------------------------------------
radius = SchoolSettings.from_config(cfg).radius_m
buffer_m = ReserveSettings.from_config(cfg).quarry_buffer_m
layers = appdata.display_layers(ds, cfg)
qbuf = None
if ds.has("steinbrudd") and buffer_m > 0:
    qbuf = maps.to_display(ds["steinbrudd"].assign(geometry=ds["steinbrudd"].buffer(buffer_m)),
                           tolerance_m=10, name="steinbrudd")[["navn", "geometry"]]
# the walking network (thousands of segments) is shown on Skolesirkler, not here
m = maps.municipality_map({k: v for k, v in layers.items() if k != "gangnett"},
                          basemap=ui.basemap(), radius_m=radius, quarry_buffer=qbuf,
                          show_address=appdata.app_settings(cfg).show_address)
st.subheader("Kart")
st.caption(f"Skru lag av og på oppe til høyre. Sirklene har radius {text.metres(radius)} rundt "
           f"skolene; steinbruddene har en sone på {text.metres(buffer_m)}. Punktene for kommunale "
           "boliger er gruppert; tallet er antall enheter.")
ui.show_map(m, key="oversikt_kart", height=620)

# -- report --------------------------------------------------------------------
st.subheader("Rapport til kommuneplanens arealdel")
st.caption("«Boligreserve, arealbehov og lokalisering»: scenarioer, balanse, rangering, "
           "skolesirkler, kollektivnærhet og konsentrasjon (alltid prikket), med parametere og "
           "kilder. Bygges med parameterne i denne økten.")
c1, c2 = st.columns([1, 2])
fmt = c1.radio("Format", ["pdf", "html", "xlsx"], horizontal=True, key="ov_fmt",
               format_func=lambda f: {"pdf": "PDF", "html": "HTML", "xlsx": "Excel"}[f])
if c1.button("Lag rapport", key="ov_make"):
    from geoplan.present import report
    with st.spinner("Lager rapporten (kart og tabeller) …"):
        data = report.build_report(appdata.dataset(cfg), cfg, fmt=fmt, public=True)
    st.session_state["_geoplan_kpa_report"] = (fmt, data)
rep = st.session_state.get("_geoplan_kpa_report")
if rep:
    f, data = rep
    mime = {"pdf": "application/pdf", "html": "text/html",
            "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}[f]
    c2.download_button(f"Last ned rapporten ({f.upper()}, {text.number(len(data) / 1e6, 1)} MB)", data=data,
                       file_name=f"boligreserve_arealbehov_lokalisering.{f}", mime=mime,
                       key="ov_download", on_click=audit.log_download, args=("KPA-rapport", f))
