"""Oversikt: the municipality at a glance: key figures and the map of every layer."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from geoplan.config.kommune import identify_kommune
from geoplan.config.reserves import ReserveSettings
from geoplan.config.schools import SchoolSettings
from geoplan.present import text
from geoplan.present.app import appdata, audit, maps
from geoplan.present.app.views import ui

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
# -- search, attribute table selection, then the map --------------------------------
from geoplan.present.app import gis  # noqa: E402

shown = {k: v for k, v in layers.items() if k != "gangnett"}  # the walking network: on Skolesirkler
st.subheader("Kart")
q = st.text_input("Søk etter sted, adresse, gnr/bnr eller koordinater", key="ov_sok",
                  placeholder="f.eks. Stavern, Larvik by 4, 12/34, 6546572, 558041 eller 59,05 10,03")
focus, pins, overlays = None, [], []
if q:
    hits = gis.search(q, shown, ds.epsg)
    if not hits:
        st.caption(f"Ingen treff for «{q}» i dataene (navn, adresser, gnr/bnr, koordinater).")
    else:
        i = st.selectbox(f"Treff ({text.integer(len(hits))})", range(len(hits)), key="ov_treff",
                         format_func=lambda i: f"{hits[i].label} · {gis.LAYER_LABELS.get(hits[i].layer, hits[i].layer)}")
        h = hits[min(int(i or 0), len(hits) - 1)]
        focus, pins = h.bounds, [(h.lat, h.lon, h.label)]
tables = gis.table_layers(shown)
tab_layer = str(st.session_state.get("ov_tabell_lag") or next(iter(tables), ""))
selected_rows = []
sel_state = st.session_state.get("ov_tabell")
if sel_state is not None and tab_layer in shown:
    selected_rows = list(getattr(getattr(sel_state, "selection", None), "rows", []) or [])
if selected_rows and tab_layer in shown:
    sel = shown[tab_layer].reset_index(drop=True).iloc[[r for r in selected_rows if r < len(shown[tab_layer])]]
    if len(sel):
        overlays.append({"gdf": sel, "name": "Valgt i tabellen", "fields": maps.LAYER_FIELDS.get(tab_layer, ()),
                         "style": {"color": "#000000", "weight": 4, "fillColor": maps.PALETTE["innspill"],
                                   "fillOpacity": 0.6, "radius": 9},
                         "legend": [("fill", maps.PALETTE["innspill"], "Valgt i tabellen")]})
        if focus is None:
            focus = tuple(sel.total_bounds)
if focus is not None:   # pad a point or a small feature to a readable extent
    dx, dy = max(0.01, focus[2] - focus[0]), max(0.005, focus[3] - focus[1])
    focus = (focus[0] - dx * 0.3, focus[1] - dy * 0.3, focus[2] + dx * 0.3, focus[3] + dy * 0.3)


def _map():
    """The overview map (built once per data, role, search hit and table selection)."""
    qbuf = None
    if ds.has("steinbrudd") and buffer_m > 0:
        qbuf = maps.to_display(ds["steinbrudd"].assign(geometry=ds["steinbrudd"].buffer(buffer_m)),
                               tolerance_m=10, name="steinbrudd")[["navn", "geometry"]]
    return maps.municipality_map(shown, basemap=ui.basemap(), radius_m=radius, quarry_buffer=qbuf,
                                 show_address=appdata.app_settings(cfg).show_address, measure=True,
                                 overlays=overlays, bounds=focus, markers=pins)


dwellings_note = ("Punktene for kommunale boliger er gruppert; tallet er antall enheter."
                  if appdata.dwelling_points_allowed() else
                  "Kommunale boliger vises bare som antall enheter per grunnkrets (små tall skjult), "
                  "aldri som enkeltboliger.")
st.caption(f"Skru lag av og på oppe til høyre; mål avstander og arealer med verktøyene til venstre. "
           f"Sirklene har radius {text.metres(radius)} rundt skolene; steinbruddene har en sone på "
           f"{text.metres(buffer_m)}. {dwellings_note}")
ui.cached_map(_map, key="oversikt_kart", height=620,
              cache_key=ui.map_key(ds, cfg, shown, radius=radius, buffer=buffer_m, focus=focus, pins=pins,
                                   selected=[tab_layer, selected_rows] if overlays else None))

# -- map export ----------------------------------------------------------------------
c1, c2, c3 = st.columns([1, 1, 2])
map_fmt = c1.radio("Kart som fil", ["png", "pdf"], horizontal=True, key="ov_kartfmt",
                   format_func=str.upper)
if c2.button("Lag kartet som fil", key="ov_kart_lag",
             help="Med tittel, tegnforklaring, målestokk og nordpil; utsnittet er søketreffet, det "
                  "valgte i tabellen eller hele kommunen."):
    title = f"{navn}: {pins[0][2]}" if pins else f"{navn}: oversikt"
    with st.spinner("Tegner kartet …"):
        st.session_state["_ov_kart"] = (map_fmt, gis.export_map(shown, ds.crs, title=title, fmt=map_fmt,
                                                                focus=focus))
if st.session_state.get("_ov_kart"):
    kf, kdata = st.session_state["_ov_kart"]
    c3.download_button(f"Last ned kartet som {kf.upper()}", data=kdata, file_name=f"kart_{navn.lower()}.{kf}",
                       mime="application/pdf" if kf == "pdf" else "image/png", key="ov_kart_ned",
                       on_click=audit.log_download, args=("kart", kf))

# -- attribute table -------------------------------------------------------------------
if tables:
    st.subheader("Tabell over kartlaget")
    lag = st.selectbox("Kartlag", list(tables), format_func=tables.__getitem__, key="ov_tabell_lag")
    frame, heads = gis.attribute_frame(shown[lag])
    view = frame.copy()
    for c in view.columns:
        view[c] = view[c].map(ui.cell_text)
    st.dataframe(view, hide_index=True, width="stretch", height=280, key="ov_tabell",
                 on_select="rerun", selection_mode="multi-row",
                 column_config={c: st.column_config.TextColumn(h) for c, h in heads.items()})
    st.caption("Velg rader for å vise dem uthevet på kartet.")

# -- report --------------------------------------------------------------------
from geoplan.present.app import report_job  # noqa: E402

st.subheader("Rapport til kommuneplanens arealdel")
scen = report_job.scenario(st.session_state, ReserveSettings.from_config(cfg))
st.caption("«Boligreserve, arealbehov og lokalisering»: scenarioer, balanse, rangering, "
           "skolesirkler, kollektivnærhet og konsentrasjon (alltid prikket), med parametere og "
           f"kilder. Bygges med parameterne i denne økten: {scen.describe()} (velges på siden "
           "«Arealbehov og reserve»).")
FORMATS = {"pdf": "PDF", "html": "HTML", "xlsx": "Excel"}
MIME = {"pdf": "application/pdf", "html": "text/html",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
c1, c2 = st.columns([1, 2])
fmt = c1.radio("Format", list(FORMATS), horizontal=True, key="ov_fmt", format_func=FORMATS.__getitem__)
job_key = f"{fmt}|{scen.describe()}|{appdata.dataset_key(ds)}|{sorted(appdata.overrides().items())}"
JOB = "_geoplan_kpa_job"
from geoplan.present.app import login  # noqa: E402

owner = report_job.owner_of(login.current_user())
if c1.button("Lag rapport", key="ov_make"):
    from geoplan.config import load_config

    rcfg = load_config(overrides=appdata.overrides() | scen.overrides)
    st.session_state[JOB] = report_job.remember(owner, report_job.ReportJob(fmt=fmt, key=job_key).start(
        appdata.dataset(rcfg), rcfg, scen.growth, public=True))


@st.fragment(run_every=1.0)
def _report_status() -> None:
    """Progress of the report in steps, then its download (only for what is chosen now):
    the one made with these choices, in this session or, kept on the server
    (:func:`report_job.remember`), before a reload or in another tab."""
    job = report_job.recall(owner, job_key) or st.session_state.get(JOB)
    if job is None:
        return
    if not job.done:
        st.progress(job.step / max(job.steps, 1),
                    text=f"Lager rapporten ({FORMATS[job.fmt]}): {job.label} · steg "
                         f"{text.integer(job.step + 1)} av {text.integer(job.steps)}. Du kan bruke "
                         "de andre sidene imens.")
        return
    if job.error:
        st.error(f"Rapporten ble ikke laget: {job.error}")
        return
    if job.key != job_key:
        st.caption(f"Den siste rapporten ({FORMATS[job.fmt]}) ble laget med andre valg. Trykk "
                   "«Lag rapport» for å lage den på nytt.")
        return
    data = job.data
    if data is None:      # done without an error: the data are there (for the type checker)
        return
    mb = len(data) / 1e6
    st.download_button(f"Last ned rapporten som {FORMATS[job.fmt]} ({text.number(mb, 1)} MB)",
                       data=data, file_name=f"boligreserve_arealbehov_lokalisering{scen.file_tag()}.{job.fmt}",
                       mime=MIME[job.fmt], key="ov_download", on_click=audit.log_download,
                       args=("KPA-rapport", job.fmt))


with c2:
    _report_status()
