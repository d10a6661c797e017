"""Konsentrasjon: shares per grunnkrets, indices, hot spots, density; what-if for a purchase."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from geoplan.analysis.concentration import HOT
from geoplan.present import text
from geoplan.present.app import appdata, maps, wording
from geoplan.present.app.login import current_user
from geoplan.present.app.views import compute, ui

st.title("Konsentrasjon av kommunale boliger")
st.caption("Andel kommunalt disponerte boenheter av alle boliger per grunnkrets, med kommunens "
           "terskler (Housing First høyst 20 % av en blokk eller et nabolag, og «selg der andelen er "
           "for høy, kjøp andre steder»: Larvik kommune, Boligplan 2015–2020). Klikk på kartet for å "
           "se hva et kjøp ville endre.")


ds, cfg = ui.context()
user = current_user()
ds.require("kommunal_bolig", "grunnkrets")
settings = compute.concentration_settings(cfg)

c1, c2 = st.columns([2, 1])
ui.seed("ko_radius", int(settings.radius_m))   # not as the default: state.keep() sets it every run
radius = c1.slider("Radius rundt hver kommunal bolig (m)", 100, 2000, step=50, key="ko_radius")
public = appdata.public_mode()   # the sidebar switch (always on for innsyn)
if public:
    c2.caption(f"Tall under {text.integer(settings.min_count)} er skjult (prikket), som i offentlige "
               "rapporter" + (" (bryteren i sidepanelet)." if user.can("concentration_unsuppressed") else "."))
else:
    c2.caption("Prikkingen er slått av i sidepanelet: tallene er ikke for offentlig bruk.")
min_count = settings.min_count

model, _ = compute.concentration_model(ds, cfg, float(radius))
res = compute.concentration(ds, cfg, float(radius), bool(public))
ix = res.indekser
gk = res.grunnkretser

# -- key figures ---------------------------------------------------------------------
c = st.columns(5)
c[0].metric("Kommunal andel av alle boliger", text.percent(ix.get("kommunal_andel_pct"), 1))
c[1].metric("Dissimilaritetsindeks", text.number(ix.get("dissimilaritet"), 3),
            help="Andelen kommunale enheter som måtte flyttes for lik fordeling (0–1).")
c[2].metric("Isolasjonsindeks", text.number(ix.get("isolasjon"), 3),
            help="Gjennomsnittlig kommunal andel i grunnkretsen til en kommunal enhet (0–1).")
c[3].metric("Romlig dissimilaritet", text.number(ix.get("romlig_dissimilaritet"), 3))
over = gk["over_terskel"].astype("boolean").fillna(False)
c[4].metric("Grunnkretser over terskel", f"{int(over.sum())} av {len(gk)}")
if public:
    st.caption(f"Prikking: tall under {min_count} er skjult (vises som tomme felt).")

# -- map -------------------------------------------------------------------------------
t_pct = float(settings.thresholds.grunnkrets_andel_pct)   # the grunnkrets threshold is a class break
# single dwellings only where the role and the suppression switch allow (appdata.restrict_layers)
layers = appdata.display_layers(ds, cfg)
# zoom to where the municipal dwellings are (the rest of the municipality is one pan away)
kb_disp = layers.get("kommunal_bolig")
if kb_disp is None:
    kb_disp = layers.get(maps.DWELLING_TOTALS)
zoom = None
if kb_disp is not None and len(kb_disp):
    xs, ys = kb_disp.geometry.x.to_numpy(), kb_disp.geometry.y.to_numpy()
    (x0, x1), (y0, y1) = np.nanpercentile(xs, [2, 98]), np.nanpercentile(ys, [2, 98])
    zoom = (x0 - 0.01, y0 - 0.005, x1 + 0.01, y1 + 0.005)
pt_now = st.session_state.get("_ko_point")
try:
    img, bnds, vmax = compute.density_image(ds, settings, bool(public))
except Exception:  # a density problem must not hide the rest of the page
    img = None
    st.caption("Tetthetsflaten kunne ikke lages for disse dataene.")
DENSITY = "Tetthet av kommunale enheter"
ramp = "linear-gradient(to right, #fcffa4, #f98e09, #bc3754, #57106e, #000004)"
density_legend = [("ramp", ramp, f"Tetthet: 0–{text.integer(vmax)} enheter per km²", DENSITY)] \
    if img is not None else []
st.caption(f"Klassegrensen {text.compact(t_pct)} % er terskelen for en grunnkrets. Tetthetsflaten "
           "(i lagvelgeren) viser kommunale enheter per km².")
WHAT_IF_POINT = "Punktet for hva-om-kjøpet"


def _overlays():
    """Shares per grunnkrets, hot spots and the what-if point: made once per radius,
    suppression, point and data, and drawn into the map the browser has (a new radius or
    a clicked point sends these, not the map again)."""
    BREAKS = [round(t_pct * 0.2, 1), round(t_pct * 0.5, 1), t_pct, round(t_pct * 1.5, 1)]
    RAMP = ["#fff5eb", "#fdd0a2", "#fd8d3c", "#d94801", "#7f2704"]
    CLASSES = [(lo, hi, col, (f"under {text.compact(hi)} %" if lo == 0 else
                              f"{text.compact(lo)} % eller mer" if hi >= 1e9 else
                              f"{text.compact(lo)}–{text.compact(hi)} %"))
               for lo, hi, col in zip([0.0, *BREAKS], [*BREAKS, 1e9], RAMP)]
    disp = compute.to_display_frame(gk, cfg, "grunnkrets")
    andel = pd.to_numeric(disp["andel_pct"], errors="coerce").to_numpy(dtype=float)
    klasse = np.full(len(disp), "ukjent", dtype=object)
    for lo, hi, _, lab in CLASSES:
        klasse[(andel >= lo) & (andel < hi)] = lab
    disp["klasse"] = klasse
    disp["klynge"] = gk["klynge"].to_numpy() if "klynge" in gk.columns else None
    style_map: dict[str, dict[str, object]] = {lab: {"fillColor": col} for _, _, col, lab in CLASSES}
    style_map["ukjent"] = {"fillColor": "#bdbdbd", "fillOpacity": 0.4}
    fields = ["grunnkretsnummer", "grunnkretsnavn", "kommunale_enheter", "antall_boliger", "andel_pct",
              "lokaliseringskvotient", "klynge", "begrunnelse"]
    overlays = [{"gdf": disp, "name": "Andel kommunale boenheter", "fields": fields,
                 "style": {"color": "#616161", "weight": 0.6, "fillOpacity": 0.7},
                 "style_column": "klasse", "style_map": style_map,
                 "legend": [("fill", col, f"Andel {lab}") for _, _, col, lab in CLASSES]
                 + [("fill", "#bdbdbd", "Andel ukjent eller skjult")]}]
    hot = disp[disp["klynge"] == HOT] if "klynge" in disp.columns else disp.iloc[:0]
    if len(hot):
        overlays.append({"gdf": hot, "name": "Varme flekker (Gi*)",
                         "fields": ["grunnkretsnavn", "grunnkretsnummer", "andel_pct", "kommunale_enheter",
                                    "klynge"],
                         "style": {"color": maps.PALETTE["varm_flekk"], "weight": 3.5, "fillOpacity": 0.0,
                                   "dashArray": "6 3"},
                         "legend": [("dash", maps.PALETTE["varm_flekk"], "Varm flekk (signifikant klynge)")]})
    if pt_now:
        import geopandas as gpd
        from shapely.geometry import Point

        pt = compute.to_display_frame(gpd.GeoDataFrame({"navn": [WHAT_IF_POINT]}, geometry=[Point(*pt_now)],
                                                       crs=ds.crs), cfg, "punkt", tolerance_m=0)
        overlays.append({"gdf": pt, "name": WHAT_IF_POINT, "fields": ["navn"],
                         "style": {"color": "#7f0000", "weight": 3, "fillColor": "#d63e2a",
                                   "fillOpacity": 0.9, "radius": 9},
                         "legend": [("point", "#d63e2a", WHAT_IF_POINT)]})
    return overlays


def _map():
    """The municipality, dwellings as the role may see them and the density surface; built
    once per data, role and suppression (the analysis layers come as overlays)."""
    m = maps.municipality_map(layers, basemap=ui.basemap(), radius_m=None, bounds=zoom,
                              include=["kommune", "utviklingsgrense", "kollektivakse", "holdeplass",
                                       "kommunal_bolig", maps.DWELLING_TOTALS],
                              extra_legend=density_legend, legend_hidden=[DENSITY], overlay_slot=True)
    if img is not None:
        import folium

        folium.raster_layers.ImageOverlay(img, bounds=bnds, name=DENSITY,
                                          opacity=1.0, show=False, interactive=False,
                                          zindex=400).add_to(m)
        # keep the layer control last so the overlay is listed
        lc = [k for k, v in m._children.items() if isinstance(v, folium.LayerControl)]
        for k in lc:
            m._children.move_to_end(k)
    return m


out = ui.cached_map(_map, key="konsentrasjon_kart", height=560, returned=["last_clicked"],
                    cache_key=ui.map_key(ds, cfg, layers, zoom=zoom, public=bool(public),
                                         density=vmax if img is not None else None),
                    overlays=_overlays,
                    overlays_key=f"radius={float(radius)}|public={bool(public)}|point={pt_now}")

# -- what-if ----------------------------------------------------------------------------
st.subheader("Hva om kommunen kjøper her?")
clicked = (out or {}).get("last_clicked") if user.can("what_if") else None
if not user.can("what_if"):
    st.info("Hva-om-beregningen for kjøp er forbeholdt boligkontoret (rollen «bolig»).")
elif clicked and clicked != st.session_state.get("_ko_click"):
    from pyproj import Transformer

    x, y = Transformer.from_crs(4326, ds.crs, always_xy=True).transform(clicked["lng"], clicked["lat"])
    st.session_state["_ko_click"] = clicked
    st.session_state["_ko_point"] = (float(x), float(y))
    st.rerun()   # once more, so the map draws the clicked point


#: what-if measures shown (anything else in the result is bookkeeping)
WHAT_IF_LABELS = {
    "kommunale_enheter": "Kommunale enheter", "antall_boliger": "Boliger", "andel_pct": "Andel (%)",
    "lokaliseringskvotient": "Lokaliseringskvotient", "housing_first_andel_pct": "Housing First-andel (%)",
    "housing_first_enheter": "Housing First-enheter", "over_terskel": "Over terskelen",
    "over_andel_terskel": "Over terskelen for andel", "over_antall_terskel": "Over terskelen for antall",
    "over_hf_terskel": "Over terskelen for Housing First", "hf_sammen_med": "Housing First sammen med andre",
    "enheter_innen_radius": "Kommunale enheter innen radius", "boliger_innen_radius": "Boliger innen radius",
    "housing_first_innen_radius": "Housing First-enheter innen radius",
}


def _what_if() -> None:
    """The what-if purchase: before and after at the clicked point (role «bolig»)."""
    pt = st.session_state.get("_ko_point")
    c1, c2, c3 = st.columns(3)
    ui.seed("ko_n", 4)
    ui.seed("ko_nybygg", bool(settings.new_dwellings))
    n = int(c1.number_input("Antall boenheter", 1, 200, key="ko_n"))
    kats = sorted(pd.unique(ds["kommunal_bolig"]["kategori"].astype(str)))
    kat = c2.selectbox("Kategori", kats, key="ko_kat", format_func=lambda k: maps.CATEGORY_LABELS.get(k, k))
    nybygg = c3.toggle("Nybygg (ikke kjøp)", help="På: nye boliger bygges, så også antall boliger øker. "
                       "Av: kommunen kjøper eksisterende boliger.",
                       key="ko_nybygg")
    if not pt:
        st.info("Klikk på kartet der kommunen vurderer å kjøpe.")
    else:
        hv = compute.purchase_effect(model, settings, pt, n, kat, new_dwellings=nybygg, public=public,
                                     base=res if public else None)
        st.caption(f"Punkt øst {text.integer(pt[0])}, nord {text.integer(pt[1])} (EPSG:{ds.epsg}): "
                   f"{text.integer(n)} enheter, {maps.CATEGORY_LABELS.get(kat, kat)}.")
        rows = []
        for scope, label in (("grunnkrets", "Grunnkrets"), ("bygning", "Bygning"), ("radius", "Radius")):
            part = hv.get(scope) or {}
            before, after = part.get("for") or {}, part.get("etter") or {}
            for k in dict.fromkeys(list(before) + list(after)):
                if k not in WHAT_IF_LABELS:
                    continue      # internal bookkeeping, not a measure a planner reads
                rows.append({"omrade": label, "mal": WHAT_IF_LABELS[k],
                             "for": before.get(k), "etter": after.get(k)})
        ind = hv.get("indekser") or {}
        for k, lab in (("dissimilaritet", "Dissimilaritetsindeks"), ("isolasjon", "Isolasjonsindeks"),
                       ("romlig_dissimilaritet", "Romlig dissimilaritet"),
                       ("kommunal_andel_pct", "Kommunal andel av alle boliger (%)")):
            if k in (ind.get("for") or {}):
                rows.append({"omrade": "Kommunen", "mal": lab,
                             "for": ind["for"].get(k), "etter": (ind.get("etter") or {}).get(k)})

        def _txt(v):
            if v is None or text.is_missing(v):
                return "skjult" if public else ""
            return ui.cell_text(v)

        tab = pd.DataFrame(rows)
        if len(tab):
            tab["for"] = tab["for"].map(_txt)
            tab["etter"] = tab["etter"].map(_txt)
            st.dataframe(tab, hide_index=True, width="stretch",
                         column_config={"omrade": "Område", "mal": "Mål", "for": "Før kjøpet",
                                        "etter": "Etter kjøpet"})
        for w in hv.get("advarsler", []) or []:
            st.warning(w)


if user.can("what_if"):
    _what_if()

# -- tables ---------------------------------------------------------------------------------
st.subheader("Grunnkretser med høyest andel")
ui.table(gk.sort_values("andel_pct", ascending=False, na_position="last").head(25),
         {"grunnkretsnummer": "Grunnkrets", "grunnkretsnavn": "Navn",
          "kommunale_enheter": "Kommunale enheter", "antall_boliger": "Boliger",
          "andel_pct": "Andel (%)", "lokaliseringskvotient": "Lokaliseringskvotient",
          "over_terskel": "Over terskel", "klynge": "Klynge", "begrunnelse": "Begrunnelse"},
         decimals={"kommunale_enheter": 0, "antall_boliger": 0, "lokaliseringskvotient": 2})
BUILDING_SUMMARY = {
    "bygninger_med_kommunale_enheter": "Bygninger med kommunale enheter",
    "bygninger_over_terskel": "Bygninger over en terskel", "bygninger_over_andel_terskel": "over andelsterskelen",
    "bygninger_over_antall_terskel": "over antallsterskelen",
    "bygninger_over_hf_terskel": "over terskelen for Housing First",
    "bygninger_hf_sammen_med": "Housing First sammen med andre grupper",
    "helt_kommunale_bygninger": "Helt kommunale bygninger",
}
b_res = res.bygninger
if user.can("buildings") and b_res is not None and len(b_res):
    if "bygg_id" not in b_res.columns:   # public: the buildings only as totals (geoplan.privacy)
        row = b_res.iloc[0]
        n_over = row.get("bygninger_over_terskel")
        st.subheader(f"Bygninger over terskel ({ui.cell_text(n_over) if not text.is_missing(n_over) else 'skjult'})")
        st.caption("Med prikking vises bygningene bare samlet, aldri hver for seg.")
        summary = pd.DataFrame([{"mal": lab, "antall": "skjult" if text.is_missing(row.get(k)) else
                                 text.integer(row.get(k))}
                                for k, lab in BUILDING_SUMMARY.items() if k in b_res.columns])
        st.dataframe(summary, hide_index=True, width="stretch",
                     column_config={"mal": "Bygninger", "antall": "Antall"})
    else:
        flagged = b_res[b_res["over_terskel"].astype("boolean").fillna(False)] \
            if "over_terskel" in b_res.columns else b_res
        st.subheader(f"Bygninger over terskel ({text.integer(len(flagged))})")
        ui.table(flagged, {"bygg_id": "Bygg-ID", "borettslag": "Borettslag",
                           "grunnkretsnummer": "Grunnkrets", "antall_boliger": "Boliger",
                           "kommunale_enheter": "Kommunale enheter", "andel_pct": "Andel (%)",
                           "housing_first_andel_pct": "Housing First (%)", "merknad": "Merknad"},
                 decimals={"antall_boliger": 0, "kommunale_enheter": 0}, height=300)
if user.can("buildings") and res.datafeil:
    with st.expander(f"Datafeil ({len(res.datafeil)})"):
        for d in res.datafeil:
            st.write(f"- {wording.for_users(str(d.get('melding', d)))}")
