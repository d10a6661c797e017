"""Befolkning og boligbehov: the projection by age, the need per target group, walking access for the elderly."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from geoplan.errors import GeoplanError
from geoplan.present import text
from geoplan.present.app.views import compute, ui

st.title("Befolkning og boligbehov")
st.caption("SSBs befolkningsframskriving (tabell 14288) etter alder, fordelt på steder etter dagens "
           "aldersstruktur (BefolkningPåGrunnkrets), boligbehov per målgruppe mot dagens kommunale "
           "bestand, og gangavstand for eldre til butikk, apotek, lege, omsorgsbase og møteplass. "
           "Satsene står i kommunens innstillinger, hver med kilde eller merket som kommunalt valg.")

ds, cfg = ui.context()


def _key(**p) -> str:
    return compute.population_key(ds, **p)


projection = st.text_input("Framskrivingsfil (JSON-stat2 eller CSV fra Statistikkbanken)", value="",
                           help="Tom: demoens syntetiske framskriving (bare for demodataene).")
try:
    res = compute.population(_key(p=projection), projection, ds, cfg)
except GeoplanError as e:
    st.info(e.message)
    st.stop()

from geoplan.config.population import PopulationSettings  # noqa: E402

s = PopulationSettings.from_config(cfg)
c1, c2, c3 = st.columns(3)
variants = list(res.variants)
variant = c1.selectbox("Framskrivingsalternativ", variants, format_func=lambda v: res.variants[v],
                       index=variants.index(s.default_variant) if s.default_variant in variants else 0)
year = c2.selectbox("Horisontår", res.years, index=len(res.years) - 1)
public = c3.toggle("Skjul små tall (prikking)", value=True,
                   help="Antall kommunale boliger per sted under kommunens minstetall for offentlige tall skjules.")
with st.expander("Satser for boligbehovet (gjelder denne økten)"):
    r1, r2, r3, r4 = st.columns(4)
    ov = {"omsorg_andel_80": ui.decimal_input(r1, "Heldøgns plass, andel av 80+ (%)",
                                              s.omsorg_andel_80 * 100, min_value=0.0, max_value=100.0,
                                              key="bf_omsorg") / 100.0,
          "tilrettelagt_andel_67_79": ui.decimal_input(r2, "Tilrettelagt, andel av 67–79 (%)",
                                                       s.tilrettelagt_andel_67_79 * 100, min_value=0.0,
                                                       max_value=100.0, key="bf_tilrettelagt") / 100.0,
          "utleie_per_1000_referanse": ui.decimal_input(r3, "Utleieboliger per 1 000 (referanse)",
                                                        s.utleie_per_1000_referanse, min_value=0.0,
                                                        max_value=200.0, key="bf_utleie"),
          "flyktninger_per_aar": ui.decimal_input(r4, "Flyktninger per år (vedtak)", s.flyktninger_per_aar,
                                                  min_value=0.0, max_value=5000.0, decimals=0,
                                                  key="bf_flyktninger")}

k = res.kommune[res.kommune["variant"] == variant]
tab = k.pivot_table(index=["alder_fra", "gruppe"], columns="aar", values="personer").reset_index()
tab.columns = [str(c) for c in tab.columns]
st.subheader("Befolkning etter alder")
ui.table(tab, {"gruppe": "Aldersgruppe", **{str(y): str(y) for y in res.years}},
         decimals={str(y): 0 for y in res.years})
st.image(compute.pyramid_png(_key(p=projection, v=variant, y0=res.base_year, y=int(year)), variant,
                             int(res.base_year), int(year), res),
         caption=f"Befolkningspyramide {res.base_year} (søyler) og {year} (omriss)")
for n in res.notes:
    st.caption(n)

st.subheader("Boligbehov per målgruppe")
try:
    h = compute.housing(_key(p=projection, v=variant, pub=public, o=ov), projection, variant, public, ov, ds, cfg)
except GeoplanError as e:
    st.warning(e.message)
    st.stop()
ui.table(h.kommune, {"malgruppe_navn": "Målgruppe", "aar": "År", "behov": "Behov", "i_dag": "I dag",
                     "gap": "Gap"}, decimals={"aar": 0, "behov": 0, "i_dag": 0, "gap": 0})
st.markdown(f"**Per sted i {year}** (gap = behov − dagens bestand)")
ui.table(h.steder[h.steder["aar"] == year] if len(h.steder) else pd.DataFrame(),
         {"sted": "Sted", "malgruppe_navn": "Målgruppe", "behov": "Behov", "i_dag": "I dag", "gap": "Gap"},
         decimals={"behov": 0, "i_dag": 0, "gap": 0})

st.subheader("Gangavstand for eldre")
if not all(ds.has(n) for n in ("gangnett", "bygning", "grunnkrets")):
    st.info("Gangavstand trenger lagene gangnett, bygning og grunnkrets.")
elif st.toggle("Regn ut gangavstand (noen sekunder)", value=False):
    a = compute.access(_key(p=projection, v=variant, y=year), projection, variant, int(year), ds, cfg)
    r0, r1_ = (int(r) for r in a.settings.access_radii_m[:2])
    view = a.kommune.copy()
    for c in [c for c in view.columns if c.startswith("andel_") or c == "stigning_median"]:
        view[c] = view[c] * 100.0
    ui.table(view, {"tjenestetype": "Tjeneste", f"andel_p67_{r0}m": f"67+ ≤ {r0} m %",
                    f"andel_p80_{r0}m": f"80+ ≤ {r0} m %", f"andel_p67_{r1_}m": f"67+ ≤ {r1_} m %",
                    f"andel_p80_{r1_}m": f"80+ ≤ {r1_} m %", "stigning_median": "Bratteste stigning %"},
             decimals={c: 0 for c in view.columns if c.startswith("andel_")} | {"stigning_median": 1})
    st.markdown("**Lavest dekning** (andel 80+ innen " + text.metres(r0) + ")")
    ui.table(a.lavest, {"tjenestetype": "Tjeneste", "grunnkretsnummer": "Grunnkrets",
                        f"andel_p80_{r0}m": "Andel 80+", "p80": "Personer 80+"},
             decimals={f"andel_p80_{r0}m": 2, "p80": 0})
    ui.table(a.omsorg[a.omsorg["aar"] == a.omsorg["aar"].max()],
             {"sted": "Sted", "plasser": "Sykehjemsplasser", "p80": "Personer 80+",
              "plasser_per_80": "Plasser per person 80+"}, decimals={"plasser": 0, "p80": 0, "plasser_per_80": 2})
