"""Skolesirkler: the 1.5 km circle criterion, and how far it really is to walk."""

from __future__ import annotations

import streamlit as st

from geoplan.config.schools import SchoolSettings
from geoplan.present import text
from geoplan.present.app import appdata, maps
from geoplan.present.app.pages import compute, ui

st.title("Skolesirkler")
st.caption("Larviks kriterium (Boligplan 2015–2020, l. 2467–2474): utviklingsgrensene rundt "
           "avklaringsområdene skal ligge innenfor sirkelen på 1,5 km fra stedets skole. For "
           "steder kriteriet ikke gjelder (schools.applies_to) står det «gjelder ikke». Med "
           "gangavstand måles også avstanden langs gangnettet, som viser hvor sirkelen lover mer "
           "enn veien gir.")

ds, cfg = ui.context()
c1, c2 = st.columns([2, 1])
radius = c1.slider("Radius (m)", min_value=300, max_value=5000, step=50,
                   value=int(SchoolSettings.from_config(cfg).radius_m), key="sk_radius")
walking = c2.toggle("Gangavstand langs gangnettet", value=False, key="sk_walking",
                    disabled=not ds.has("gangnett"),
                    help=None if ds.has("gangnett") else "Laget «gangnett» finnes ikke i dataene.")

res = compute.schools(ds, cfg, float(radius), bool(walking))
ub = res.utviklingsgrenser
gj = ub["gjelder"].astype(bool)
ok = int(ub.loc[gj, "oppfylt"].astype(bool).sum())
c = st.columns(4)
c[0].metric("Utviklingsgrenser", text.integer(len(ub)),
            help="Kriteriet gjelder: " + (", ".join(ub.loc[gj, "navn"].astype(str)) or "ingen"))
c[1].metric("Helt innenfor sirkelen", f"{ok} av {int(gj.sum())} kriteriet gjelder for")
c[2].metric("Areal utenfor sirklene", text.daa(ub["utenfor_daa"].sum(), 0))
c[3].metric("Lengste avstand til skole", text.with_unit(ub["maks_avstand_m"].max(), "m", 0))

st.subheader("Utviklingsgrenser")
view = ub.assign(skoler=[", ".join(s) if isinstance(s, (list, tuple)) else str(s)
                         for s in ub["skoler"]])
labels = {"navn": "Utviklingsgrense", "skoler": "Skole(r)", "areal_daa": "Areal (daa)",
          "innenfor_daa": "Innenfor (daa)", "utenfor_daa": "Utenfor (daa)",
          "andel_innenfor_pct": "Andel innenfor (%)", "vurdering": "Vurdering",
          "maks_avstand_m": "Maks avstand (m)"}
if walking:
    labels |= {"innenfor_gang_daa": "Innenfor til fots (daa)",
               "andel_innenfor_gang_pct": "Til fots (%)",
               "innenfor_ikke_gang_daa": "I sirkelen, men for langt å gå (daa)"}
ui.table(view, labels, decimals={"maks_avstand_m": 0})

# -- map ---------------------------------------------------------------------------
km = text.compact(radius / 1000)
overlays = [{"gdf": compute.to_display_frame(res.sirkler, cfg, "sirkler", tolerance_m=2),
             "name": f"Skolesirkler {km} km", "fields": ["navn"],
             "style": {"color": "#1f5fa8", "weight": 2, "fillColor": "#1f5fa8",
                       "fillOpacity": 0.06, "dashArray": "6 4"},
             "legend": [("dash", "#1f5fa8", f"Skolesirkel {km} km")]}]
# «outside the circle» only where the criterion applies (elsewhere it is no failure)
applies_names = set(ub.loc[gj, "navn"].astype(str))
if res.parseller is not None and len(res.parseller):
    applies_names |= set(res.parseller.loc[res.parseller["gjelder"].astype(bool), "navn"].astype(str))
utenfor = res.utenfor[res.utenfor["navn"].astype(str).isin(applies_names)] \
    if res.utenfor is not None and len(res.utenfor) else res.utenfor
if utenfor is not None and len(utenfor):
    overlays.append({"gdf": compute.to_display_frame(utenfor, cfg, "utenfor"),
                     "name": "Utenfor sirkelen (der kriteriet gjelder)", "fields": ["lag", "navn"],
                     "style": {"color": "#b71c1c", "weight": 1, "fillColor": "#e53935",
                               "fillOpacity": 0.45},
                     "legend": [("fill", "#e53935", "Utenfor sirkelen")]})
if walking and res.gangareal is not None and len(res.gangareal):
    overlays.append({"gdf": compute.to_display_frame(res.gangareal, cfg, "gangareal"),
                     "name": f"Innen {text.metres(radius)} til fots", "fields": [],
                     "style": {"color": "#2e7d32", "weight": 1, "fillColor": "#66bb6a",
                               "fillOpacity": 0.35},
                     "legend": [("fill", "#66bb6a", f"Innen {text.metres(radius)} til fots")]})
if walking and res.ikke_gang is not None and len(res.ikke_gang):
    overlays.append({"gdf": compute.to_display_frame(res.ikke_gang, cfg, "ikke_gang"),
                     "name": "I sirkelen, men for langt å gå", "fields": [],
                     "style": {"color": "#f57f17", "weight": 1, "fillColor": "#fbc02d",
                               "fillOpacity": 0.5},
                     "legend": [("fill", "#fbc02d", "I sirkelen, men for langt å gå")]})
layers = appdata.display_layers(ds, cfg)
names = list(ub["navn"].astype(str))
valg = st.selectbox("Vis på kartet", ["Alle utviklingsgrenser"] + names, key="sk_zoom")
sel = ub if valg == "Alle utviklingsgrenser" else ub[ub["navn"].astype(str) == valg]
zoom = compute.to_display_frame(sel[["geometry"]].assign(geometry=sel.buffer(float(radius) * 0.6)),
                                cfg, "utviklingsgrense").total_bounds
m = maps.municipality_map(layers, basemap=ui.basemap(), radius_m=None,
                          include=["kommune", "utviklingsgrense", "skole", "gangnett", "innspill"],
                          hidden=["gangnett"] if not walking else [], overlays=overlays, bounds=zoom)
ui.show_map(m, key="skole_kart", height=560)

# -- parcels -------------------------------------------------------------------------
if res.parseller is not None and len(res.parseller):
    st.subheader("Boligreserve og innspill")
    p = res.parseller
    only_out = st.checkbox("Vis bare parseller som ikke oppfyller kriteriet (der det gjelder)",
                           value=True, key="sk_ut")
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
