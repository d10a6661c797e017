"""Konsentrasjon: shares per grunnkrets, indices, hot spots, density; what-if for a purchase."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from geoplan.analysis.concentration import HOT
from geoplan.present import text
from geoplan.present.app import appdata, maps
from geoplan.present.app.login import current_user
from geoplan.present.app.pages import compute, ui

st.title("Konsentrasjon av kommunale boliger")
st.caption("Andel kommunalt disponerte boenheter av alle boliger per grunnkrets, med terskler fra "
           "config/concentration.toml (Housing First høyst 20 % av en blokk eller et nabolag, seed 004 "
           "l. 13355–13359; «selg der andelen er for høy, kjøp andre steder», l. 3714–3728). Klikk på "
           "kartet for å se hva et kjøp ville endre.")


ds, cfg = ui.context()
user = current_user()
ds.require("kommunal_bolig", "grunnkrets")
settings = compute.concentration_settings(cfg)

c1, c2 = st.columns([2, 1])
radius = c1.slider("Radius rundt hver kommunal bolig (m)", 100, 2000, int(settings.radius_m), 50,
                   key="ko_radius")
if user.can("concentration_unsuppressed"):
    public = c2.toggle("Skjul små tall (prikking)", value=True, key="ko_public",
                       help=f"Tall under {settings.min_count} (kommune.min_count_public) skjules, "
                            "som i offentlige rapporter.")
else:  # innsyn: what a public report shows, nothing more
    public = True
    c2.caption(f"Tall under {settings.min_count} er skjult (prikket), som i offentlige rapporter.")
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
CLASSES = [(0, 2, "#fff5eb", "under 2 %"), (2, 5, "#fdd0a2", "2–5 %"), (5, 8, "#fd8d3c", "5–8 %"),
           (8, 12, "#d94801", "8–12 %"), (12, 1e9, "#7f2704", "12 % eller mer")]
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
    overlays.append({"gdf": hot, "name": "Varme flekker (Gi*)", "fields": ["grunnkretsnummer", "klynge"],
                     "style": {"color": "#b71c1c", "weight": 3.5, "fillOpacity": 0.0},
                     "legend": [("line", "#b71c1c", "Varm flekk (signifikant klynge)")]})
layers = appdata.display_layers(ds, cfg)
if public:  # hidden is not enough: points that are not shown are not sent either
    layers.pop("kommunal_bolig", None)
# zoom to where the municipal dwellings are (the rest of the municipality is one pan away)
kb_disp = layers.get("kommunal_bolig")
zoom = None
if kb_disp is not None and len(kb_disp):
    xs, ys = kb_disp.geometry.x.to_numpy(), kb_disp.geometry.y.to_numpy()
    (x0, x1), (y0, y1) = np.nanpercentile(xs, [2, 98]), np.nanpercentile(ys, [2, 98])
    zoom = (x0 - 0.01, y0 - 0.005, x1 + 0.01, y1 + 0.005)
m = maps.municipality_map(layers, basemap=ui.basemap(), radius_m=None, bounds=zoom,
                          include=["kommune", "utviklingsgrense", "kollektivakse", "holdeplass",
                                   "kommunal_bolig"],
                          overlays=overlays)
try:
    import folium

    img, bnds, vmax = compute.density_image(ds, settings, bool(public))
    folium.raster_layers.ImageOverlay(img, bounds=bnds, name="Tetthet av kommunale enheter",
                                      opacity=1.0, show=False, interactive=False,
                                      zindex=400).add_to(m)
    # keep the layer control last so the overlay is listed
    lc = [k for k, v in m._children.items() if isinstance(v, folium.LayerControl)]
    for k in lc:
        m._children.move_to_end(k)
except Exception as e:  # a density problem must not hide the rest of the page
    st.caption(f"Tetthetsflaten kunne ikke lages ({e}).")
out = ui.show_map(m, key="konsentrasjon_kart", height=560, returned=["last_clicked"])

# -- what-if ----------------------------------------------------------------------------
st.subheader("Hva om kommunen kjøper her?")
clicked = (out or {}).get("last_clicked") if user.can("what_if") else None
if not user.can("what_if"):
    st.info("Hva-om-beregningen for kjøp er forbeholdt boligkontoret (rollen «bolig»).")
elif clicked:
    from pyproj import Transformer

    x, y = Transformer.from_crs(4326, ds.crs, always_xy=True).transform(clicked["lng"], clicked["lat"])
    st.session_state["_ko_point"] = (float(x), float(y))


def _what_if() -> None:
    """The what-if purchase: before and after at the clicked point (role «bolig»)."""
    pt = st.session_state.get("_ko_point")
    c1, c2, c3 = st.columns(3)
    n = int(c1.number_input("Antall boenheter", 1, 200, 4, key="ko_n"))
    kats = sorted(pd.unique(ds["kommunal_bolig"]["kategori"].astype(str)))
    kat = c2.selectbox("Kategori", kats, key="ko_kat", format_func=lambda k: maps.CATEGORY_LABELS.get(k, k))
    nybygg = c3.toggle("Nybygg (ikke kjøp)", help="På: nye boliger bygges, så også antall boliger øker. "
                       "Av: kommunen kjøper eksisterende boliger.",
                       value=settings.new_dwellings, key="ko_nybygg")
    if not pt:
        st.info("Klikk på kartet der kommunen vurderer å kjøpe.")
    else:
        hv = compute.purchase_effect(model, settings, pt, n, kat, new_dwellings=nybygg, public=public,
                                     base=res if public else None)
        st.caption(f"Punkt {pt[0]:.0f}, {pt[1]:.0f} (EPSG:{ds.epsg}): {n} enheter, "
                   f"{maps.CATEGORY_LABELS.get(kat, kat)}.")
        rows = []
        names = {"kommunale_enheter": "Kommunale enheter", "antall_boliger": "Boliger",
                 "andel_pct": "Andel (%)", "lokaliseringskvotient": "Lokaliseringskvotient",
                 "housing_first_andel_pct": "Housing First-andel (%)", "over_terskel": "Over terskel",
                 "enheter": "Kommunale enheter", "enheter_innenfor": "Enheter innenfor radius"}
        for scope, label in (("grunnkrets", "Grunnkrets"), ("bygning", "Bygning"), ("radius", "Radius")):
            part = hv.get(scope) or {}
            before, after = part.get("for") or {}, part.get("etter") or {}
            for k in dict.fromkeys(list(before) + list(after)):
                if isinstance(before.get(k), (dict, list)) or isinstance(after.get(k), (dict, list)):
                    continue
                rows.append({"omrade": label, "mal": names.get(k, k.replace("_", " ")),
                             "for": before.get(k), "etter": after.get(k)})
        ind = hv.get("indekser") or {}
        for k in ("dissimilaritet", "isolasjon", "romlig_dissimilaritet"):
            if k in (ind.get("for") or {}):
                rows.append({"omrade": "Kommunen", "mal": k.replace("_", " ").capitalize(),
                             "for": ind["for"].get(k), "etter": (ind.get("etter") or {}).get(k)})

        def _txt(v):
            if isinstance(v, float) and not text.is_missing(v):
                return text.number(v, 3 if abs(v) < 1 else 1)
            return text.number(v, 0)

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
if user.can("buildings") and len(res.bygninger):
    b = res.bygninger
    flagged = b[b["over_terskel"].astype("boolean").fillna(False)] if "over_terskel" in b.columns else b
    st.subheader(f"Bygninger over terskel ({len(flagged)})")
    ui.table(flagged, {"bygg_id": "Bygg-ID", "borettslag": "Borettslag",
                       "grunnkretsnummer": "Grunnkrets", "antall_boliger": "Boliger",
                       "kommunale_enheter": "Kommunale enheter", "andel_pct": "Andel (%)",
                       "housing_first_andel_pct": "Housing First (%)", "merknad": "Merknad"},
             decimals={"antall_boliger": 0, "kommunale_enheter": 0}, height=300)
if user.can("buildings") and res.datafeil:
    with st.expander(f"Datafeil ({len(res.datafeil)})"):
        for d in res.datafeil:
            st.write(f"- {d.get('melding', d)}")
