"""Skolesirkler: the 1.5 km circle criterion, and how far it really is to walk."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from geoplan.config.schools import SchoolSettings
from geoplan.present import text
from geoplan.present.app import appdata, maps
from geoplan.present.app.maps.palette import PALETTE
from geoplan.present.app.views import compute, ui

st.title("Skolesirkler")
st.caption("Larviks kriterium (Boligplan 2015–2020, l. 2467–2474): utviklingsgrensene rundt "
           "avklaringsområdene skal ligge innenfor sirkelen på 1,5 km fra stedets skole. For "
           "steder kriteriet ikke gjelder (valgt i kommunens innstillinger) står det «gjelder ikke». Med "
           "gangavstand måles også avstanden langs gangnettet, som viser hvor sirkelen lover mer "
           "enn veien gir.")

ds, cfg = ui.context()
c1, c2 = st.columns([2, 1])
ui.seed("sk_radius", int(SchoolSettings.from_config(cfg).radius_m))   # state.keep() sets it every run
ui.seed("sk_ut", True)
radius = c1.slider("Radius (m)", min_value=300, max_value=5000, step=50, key="sk_radius")
walking = c2.toggle("Gangavstand langs gangnettet", key="sk_walking",
                    disabled=not ds.has("gangnett"),
                    help=None if ds.has("gangnett") else "Laget «gangnett» finnes ikke i dataene.")

res = compute.schools(ds, cfg, float(radius), bool(walking))
ub = res.utviklingsgrenser
applies = ub["gjelder"].astype(bool)
ok = int(ub.loc[applies, "oppfylt"].astype(bool).sum())
# the figures where the criterion applies (all boundaries when it applies to none of them)
gj = applies if applies.any() else pd.Series(True, index=ub.index)
c = st.columns(4)
c[0].metric("Utviklingsgrenser", text.integer(len(ub)),
            help="Kriteriet gjelder: " + (", ".join(ub.loc[applies, "navn"].astype(str)) or "ingen"))
c[1].metric("Helt innenfor sirkelen", f"{ok} av {int(applies.sum())}",
            help="Utviklingsgrensene som ligger helt innenfor sirkelen, av dem kriteriet "
                 "gjelder for.")
c[2].metric("Areal utenfor sirklene", text.daa(ub.loc[gj, "utenfor_daa"].sum(), 0),
            help="Der kriteriet gjelder.")
c[3].metric("Lengste avstand til skole", text.with_unit(ub.loc[gj, "maks_avstand_m"].max(), "m", 0),
            help="Luftlinje, der kriteriet gjelder.")
walk_cols = {"innenfor_gang_daa", "andel_innenfor_gang_pct", "innenfor_ikke_gang_daa"}
if walking and walk_cols <= set(ub.columns):
    # the walking figures beside the circle's: where the circle promises more than the paths give
    area = float(ub.loc[gj, "areal_daa"].sum())
    walk_in = float(ub.loc[gj, "innenfor_gang_daa"].sum())
    too_far = float(ub.loc[gj, "innenfor_ikke_gang_daa"].sum())
    circle_in = float(ub.loc[gj, "innenfor_daa"].sum())
    w = st.columns(4)
    w[0].metric("Innenfor gangavstand", text.daa(walk_in, 0),
                help=f"Areal innen {text.metres(radius)} langs gangnettet fra skolen, der kriteriet gjelder.")
    w[1].metric("Andel innenfor gangavstand", text.percent(100.0 * walk_in / area if area else float("nan"), 1),
                delta=f"{text.number(100.0 * (walk_in - circle_in) / area if area else 0.0, 1)} "
                      "prosentpoeng mot sirkelen", delta_color="off")
    w[2].metric("I sirkelen, men for langt å gå", text.daa(too_far, 0))
    w[3].metric("Steder helt innenfor til fots",
                f"{int((ub.loc[gj, 'andel_innenfor_gang_pct'] >= 99.95).sum())} av {int(gj.sum())}")

st.subheader("Utviklingsgrenser")
view = ub.assign(skoler=[", ".join(s) if isinstance(s, (list, tuple)) else str(s)
                         for s in ub["skoler"]])
labels = {"navn": "Utviklingsgrense", "vurdering": "Vurdering", "skoler": "Skole(r)",
          "areal_daa": "Areal (daa)", "innenfor_daa": "Innenfor (daa)", "utenfor_daa": "Utenfor (daa)",
          "andel_innenfor_pct": "Andel innenfor (%)", "maks_avstand_m": "Maks avstand (m)"}
walk_labels = {"innenfor_gang_daa": "Innenfor til fots (daa)",
               "andel_innenfor_gang_pct": "Andel til fots (%)",
               "innenfor_ikke_gang_daa": "I sirkelen, men for langt å gå (daa)"}
ui.table(view, labels, decimals={"maks_avstand_m": 0})
if walking:
    st.markdown("**Til fots langs gangnettet**")
    ui.table(view, {"navn": "Utviklingsgrense", "andel_innenfor_pct": "I sirkelen (%)", **walk_labels})

# -- map ---------------------------------------------------------------------------
layers = appdata.display_layers(ds, cfg)
names = list(ub["navn"].astype(str))
valg = st.selectbox("Vis på kartet", ["Alle utviklingsgrenser"] + names, key="sk_zoom")


def _overlays():
    """The circles, what lies outside them and (walking) what is too far on foot; made once
    per radius, walking and data, and drawn into the map the browser has."""
    km = text.compact(radius / 1000)
    overlays = [{"gdf": compute.to_display_frame(res.sirkler, cfg, "sirkler", tolerance_m=2),
                 "name": f"Skolesirkler {km} km", "fields": ["navn"],
                 "style": {"color": "#1f5fa8", "weight": 2, "fillColor": "#1f5fa8",
                           "fillOpacity": 0.06, "dashArray": "6 4"},
                 "legend": [("dash", "#1f5fa8", f"Skolesirkel {km} km")]}]
    # «outside the circle» only where the criterion applies (elsewhere it is no failure)
    applies_names = set(ub.loc[applies, "navn"].astype(str))
    if res.parseller is not None and len(res.parseller):
        applies_names |= set(res.parseller.loc[res.parseller["gjelder"].astype(bool), "navn"].astype(str))
    utenfor = res.utenfor[res.utenfor["navn"].astype(str).isin(applies_names)] \
        if res.utenfor is not None and len(res.utenfor) else res.utenfor
    if utenfor is not None and len(utenfor):
        overlays.append({"gdf": compute.to_display_frame(utenfor, cfg, "utenfor"),
                         "name": "Utenfor sirkelen (der kriteriet gjelder)", "fields": ["lag", "navn"],
                         "style": {"color": "#8e2f3c", "weight": 1, "fillColor": PALETTE["utenfor_sirkel"],
                                   "fillOpacity": 0.5},
                         "legend": [("fill", PALETTE["utenfor_sirkel"], "Utenfor sirkelen")]})
    if walking and res.gangareal is not None and len(res.gangareal):
        overlays.append({"gdf": compute.to_display_frame(res.gangareal, cfg, "gangareal"),
                         "name": f"Innen {text.metres(radius)} til fots", "fields": [],
                         "style": {"color": "#5d7a2f", "weight": 1, "fillColor": PALETTE["til_fots"],
                                   "fillOpacity": 0.6},
                         "legend": [("fill", PALETTE["til_fots"], f"Innen {text.metres(radius)} til fots")]})
    if walking and res.ikke_gang is not None and len(res.ikke_gang):
        overlays.append({"gdf": compute.to_display_frame(res.ikke_gang, cfg, "ikke_gang"),
                         "name": "I sirkelen, men for langt å gå", "fields": [],
                         "style": {"color": PALETTE["for_langt_aa_gaa"], "weight": 1,
                                   "fillColor": PALETTE["for_langt_aa_gaa"], "fillOpacity": 0.45},
                         "legend": [("fill", PALETTE["for_langt_aa_gaa"], "I sirkelen, men for langt å gå")]})
    return overlays


#: the map is fitted to the development boundaries padded by the configured radius (not the
#: slider's: a new radius draws new circles into the map as the planner has it)
fit_radius = float(SchoolSettings.from_config(cfg).radius_m)


def _map():
    """Boundaries, schools, paths and submissions; built once per zoom choice, walking and data
    (the circles come as overlays)."""
    sel = ub if valg == "Alle utviklingsgrenser" else ub[ub["navn"].astype(str) == valg]
    zoom = compute.to_display_frame(sel[["geometry"]].assign(geometry=sel.buffer(fit_radius * 0.6)),
                                    cfg, "utviklingsgrense").total_bounds
    return maps.municipality_map(layers, basemap=ui.basemap(), radius_m=None,
                                 include=["kommune", "utviklingsgrense", "skole", "gangnett", "innspill"],
                                 hidden=["gangnett"] if not walking else [], bounds=zoom, overlay_slot=True)


ui.cached_map(_map, key="skole_kart", height=560,
              cache_key=ui.map_key(ds, cfg, layers, walking=bool(walking), valg=valg, fit=fit_radius),
              overlays=_overlays, overlays_key=f"radius={float(radius)}")

# -- parcels -------------------------------------------------------------------------
if res.parseller is not None and len(res.parseller):
    st.subheader("Boligreserve og innspill")
    p = res.parseller
    only_out = st.checkbox("Vis bare parseller som ikke oppfyller kriteriet (der det gjelder)",
                           key="sk_ut")
    if only_out:
        p = p[p["vurdering"] == "ikke oppfylt"]
    p = p.assign(skoler=[", ".join(s) if isinstance(s, (list, tuple)) else str(s) for s in p["skoler"]])
    plabels = {"type": "Type", "navn": "Navn", "sted": "Sted", **{k: v for k, v in labels.items()
                                                                  if k != "navn"}}
    ui.table(p, plabels, decimals={"maks_avstand_m": 0}, height=360)

if walking and len(res.ikke_naadd):
    st.subheader("Ikke nådd av gangnettet")
    ui.table(res.ikke_naadd, {"hva": "Hva", "navn": "Navn", "grunn": "Grunn",
                              "tilknytning_m": "Avstand til nettet (m)"},
             decimals={"tilknytning_m": 0})
