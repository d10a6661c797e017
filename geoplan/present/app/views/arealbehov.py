"""Arealbehov og reserve: scenarios, balance per place, reserves and innspill, ranking."""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from geoplan.errors import GeoplanError
from geoplan.present import text
from geoplan.present.app import appdata, maps
from geoplan.present.app.report_job import GROWTH_LIMITS
from geoplan.present.app.views import compute, ui

st.title("Arealbehov og boligreserve")
st.caption("Larvik-metoden (Boligplan 2015–2020): vekst = folketall × ((1 + vekst)^(år − basisår) − 1) "
           "× stedets andel; boenheter = vekst / personer per boenhet; arealbehov = boenheter / "
           "boenheter per daa. Balanse = reserve + innspill − arealbehov.")

ds, cfg = ui.context()
rs = compute.reserve_settings(cfg)
#: the schema's plausibility bound for a density (boenheter per daa)
MAX_DENSITY = GROWTH_LIMITS["ab_dens"][1]

# -- scenario controls ----------------------------------------------------------
with st.expander("Forutsetninger for scenarioene", expanded=True):
    c1, c2, c3, c4 = st.columns(4)
    # starting values through the session state (ui.seed: state.keep() sets these every run)
    ui.seed("ab_base_year", int(rs.base_year))
    ui.seed("ab_dens_on", False)
    base_pop = ui.decimal_input(c1, "Folketall i basisåret", rs.base_population,
                                min_value=GROWTH_LIMITS["ab_base_pop"][0],
                                max_value=GROWTH_LIMITS["ab_base_pop"][1], decimals=0,
                                key="ab_base_pop")
    base_year = int(c2.number_input("Basisår", min_value=1950, max_value=2100,
                                    step=1, key="ab_base_year"))
    ppd = ui.decimal_input(c3, "Personer per boenhet", rs.persons_per_dwelling,
                           min_value=GROWTH_LIMITS["ab_ppd"][0],
                           max_value=GROWTH_LIMITS["ab_ppd"][1], decimals=2, key="ab_ppd")
    dens_on = c4.checkbox("Samme tetthet for alle steder", key="ab_dens_on",
                          help="Ellers brukes tettheten per sted fra kommunens innstillinger (tabellen under).")
    dens = ui.decimal_input(c4, "Boenheter per daa", rs.default_dwellings_per_daa,
                            min_value=GROWTH_LIMITS["ab_dens"][0], max_value=MAX_DENSITY,
                            decimals=1, key="ab_dens", disabled=not dens_on)
    year_opts = sorted(set(range(base_year + 1, base_year + 41)) | set(rs.horizon_years)
                       | {rs.default_year})
    rate_opts = sorted({0.003, 0.005, 0.006, 0.008, 0.01, 0.012, 0.015, 0.02, 0.025}
                       | set(rs.growth_rates) | {rs.default_rate})
    c1, c2, c3, c4 = st.columns(4)
    ui.seed("ab_years", [y for y in rs.horizon_years if y in year_opts])
    ui.seed("ab_rates", [r for r in rs.growth_rates if r in rate_opts])
    ui.seed("ab_year", rs.default_year)
    ui.seed("ab_rate", rs.default_rate)
    years = c1.multiselect("Horisontår i tabellen", year_opts, key="ab_years")
    rates = c2.multiselect("Årlig vekst i tabellen", rate_opts, format_func=text.rate, key="ab_rates")
    year = c3.selectbox("Horisontår for balansen", year_opts, key="ab_year")
    rate = c4.selectbox("Vekst for balansen", rate_opts, format_func=text.rate, key="ab_rate")

    # shares of growth and densities per place (config reserves.steder), editable for the session
    conf = rs.places
    if conf:
        st.markdown("**Andel av veksten og tetthet per sted** (fra kommunens innstillinger; "
                    "endringer her gjelder denne økten)")
        pdf = pd.DataFrame([{"key": k, "sted": v.get("navn", k),
                             "andel_pct": float(v.get("andel", 0.0)) * 100.0,
                             "boenheter_per_daa": float(v.get("boenheter_per_daa",
                                                              rs.default_dwellings_per_daa))}
                            for k, v in conf.items()])
        # text cells written and read the Norwegian way («70,00»): the grid's number cells
        # show and take a decimal point whatever the user's language is
        shown = pdf.assign(andel_pct=[text.number(v, 2).replace("\u00a0", " ") for v in pdf["andel_pct"]],
                           boenheter_per_daa=[text.number(v, 1).replace("\u00a0", " ")
                                              for v in pdf["boenheter_per_daa"]])
        typed = st.data_editor(
            shown, hide_index=True, width="stretch", key="ab_places", disabled=["key", "sted"],
            column_config={"key": None, "sted": "Sted",
                           "andel_pct": st.column_config.TextColumn(
                               "Andel av veksten (%)", help="Prosent med desimalkomma, fra 0 til 100."),
                           "boenheter_per_daa": st.column_config.TextColumn(
                               "Boenheter per daa",
                               help=f"Desimalkomma; høyst {text.number(MAX_DENSITY, 0)}: tettere enn det "
                                    "bygges det ikke boliger i Norge; større tall er en skrivefeil.")})
        cols = {"andel_pct": ("andel av veksten", 0.0, 100.0),
                "boenheter_per_daa": ("boenheter per daa", 0.1, MAX_DENSITY)}
        # an unchanged cell keeps its exact value («6,67» shows the configured 1/15)
        edited = typed.assign(**{c: [exact if str(v).strip() == was else ui.parse_decimal(v)
                                     for v, was, exact in zip(typed[c], shown[c], pdf[c])]
                                 for c in cols})
        empty = [str(r.sted) for r in typed.itertuples(index=False)
                 if any(not str(getattr(r, c) if getattr(r, c) is not None else "").strip() for c in cols)]
        bad = [f"{what} for «{sted}» er «{raw}»"
               for c, (what, lo, hi) in cols.items()
               for sted, raw, v in zip(typed["sted"], typed[c], edited[c])
               if str(raw if raw is not None else "").strip() and (v is None or not lo <= v <= hi)]
        if empty:
            problem = (f"Tom celle for {text.names(empty)}: skriv inn både andel og tetthet (0 er en "
                       "gyldig andel).")
        elif bad:
            ranges = "; ".join(f"{what} fra {text.number(lo, 0 if lo == int(lo) else 1)} til "
                               f"{text.number(hi, 0)}" for what, lo, hi in cols.values())
            problem = (f"{'; '.join(bad)}. Skriv tall med desimalkomma ({ranges}).")
            problem = problem[0].upper() + problem[1:]
        else:
            problem = ""
        edited = edited.assign(**{c: pd.to_numeric(edited[c], errors="coerce") for c in cols})
        total = float(edited["andel_pct"].fillna(0.0).sum())
        rest_ok = True
        if problem:
            st.error(problem, icon=":material/block:")
        elif total > 100.0 + 0.1:
            st.error(f"Andelene summerer til {text.percent(total, 2)}: mer enn hele veksten. Rett "
                     "andelene slik at de til sammen er høyst 100 %.", icon=":material/block:")
        elif total < 100.0 - 0.1:
            st.warning(f"Andelene summerer til {text.percent(total, 2)}: "
                       f"{text.percent(100.0 - total, 2)} av veksten fordeles ikke på noe sted "
                       "og gir ikke arealbehov.")
            rest_ok = st.checkbox(f"Ja, {text.percent(100.0 - total, 2)} av veksten skal ikke fordeles "
                                  "på disse stedene", key="ab_rest_ok")
        apply = st.button("Bruk andeler og tettheter i denne økten", key="ab_apply_places",
                          disabled=bool(problem) or total > 100.0 + 0.1 or not rest_ok)
        if apply:
            ov = appdata.overrides()
            # only the cells the user changed (an unchanged «6,67» is the configured 1/15)
            for new, raw, was in zip(edited.itertuples(index=False), typed.itertuples(index=False),
                                     shown.itertuples(index=False)):
                if str(raw.andel_pct).strip() != was.andel_pct:
                    # rounded: «33,3» % is 0.333, not 0.33299999999999996
                    ov[f"reserves.steder.{new.key}.andel"] = repr(round(float(new.andel_pct) / 100.0, 10))
                if str(raw.boenheter_per_daa).strip() != was.boenheter_per_daa:
                    ov[f"reserves.steder.{new.key}.boenheter_per_daa"] = repr(float(new.boenheter_per_daa))
            try:
                appdata.set_overrides(ov)
            except GeoplanError as e:
                st.error(e.message, icon=":material/warning:")
            else:
                st.rerun()

# -- scenario table (the balance below needs no table year or rate) ---------------
if years and rates:
    need = compute.need_table(cfg, base_population=base_pop, base_year=base_year, years=years,
                              rates=rates, persons_per_dwelling=ppd,
                              dwellings_per_daa=dens if dens_on else None)
    need = need.assign(scenario=[f"{a} · {text.rate(r)}" for a, r in zip(need["aar"], need["vekstrate"])])
    st.subheader("Scenarioer: arealbehov (daa)")
    piv = need.pivot_table(index="sted", columns="scenario", values="arealbehov_daa", aggfunc="sum",
                           sort=False)
    piv.loc["Totalt"] = piv.sum()
    ui.table(piv.reset_index(), {"sted": "Sted", **{c: c for c in piv.columns}},
             decimals={c: 0 for c in piv.columns})
    ui.bar_chart(piv.loc["Totalt"].rename("Arealbehov i alt").to_frame(),
                 y_label="Arealbehov i alt (daa)", x_label="Scenario (horisontår · vekst)",
                 colors={"Arealbehov i alt": "#6a1b9a"}, height=260)
    with st.expander("Vekst i personer og boenheter per scenario"):
        ui.table(need.assign(vekst_pct=need["vekstrate"] * 100.0),
                 {"sted": "Sted", "aar": "År", "vekst_pct": "Vekst per år (%)",
                  "vekst_personer": "Vekst (personer)", "boenheter": "Boenheter",
                  "arealbehov_daa": "Arealbehov (daa)"},
                 decimals={"aar": 0, "vekst_pct": 1, "vekst_personer": 0, "boenheter": 0})
else:
    st.warning("Velg minst ett horisontår og én vekstrate for scenariotabellen; balansen under "
               "bruker året og veksten valgt for balansen.")

# -- balance per place -----------------------------------------------------------
res = compute.reserves(ds, cfg, base_population=base_pop, base_year=base_year, year=int(year),
                       rate=float(rate), persons_per_dwelling=ppd,
                       dwellings_per_daa=dens if dens_on else None)
steder = res.steder
st.subheader(f"Balanse per sted til {year} ({text.rate(rate)} vekst)")
tot = steder[["arealbehov_daa", "boligreserve_daa", "innspill_daa", "balanse_daa"]].sum()
c = st.columns(4)
c[0].metric("Arealbehov i alt", text.daa(tot["arealbehov_daa"], 0))
c[1].metric("Boligreserve i alt", text.daa(tot["boligreserve_daa"], 0))
c[2].metric("Innspill i alt", text.daa(tot["innspill_daa"], 0))
c[3].metric("Balanse i alt", text.daa(tot["balanse_daa"], 0))
ui.table(steder, {"sted": "Sted", "arealbehov_daa": "Arealbehov (daa)",
                  "boligreserve_daa": "Boligreserve (daa)", "behov_nye_daa": "Behov nye (daa)",
                  "innspill_daa": "Innspill (daa)", "balanse_daa": "Balanse (daa)"},
         decimals={k: 0 for k in ("arealbehov_daa", "boligreserve_daa", "behov_nye_daa",
                                  "innspill_daa", "balanse_daa")})
st.caption(f"Boligreserve utenfor alle utviklingsgrenser: {text.daa(res.utenfor_daa, 0)}. "
           "Tabellen over er boligplanens balanse (hele reserven, alle boliginnspill).")
if "balanse_netto_daa" in steder.columns:
    st.markdown("**Etter de harde kriteriene** (nær steinbrudd; utenfor skolesirkelen der "
                "kriteriet gjelder): delene de treffer er ikke aktuelle.")
    ui.table(steder, {"sted": "Sted", "arealbehov_daa": "Arealbehov (daa)",
                      "boligreserve_aktuell_daa": "Aktuell reserve (daa)",
                      "reserve_utelatt_daa": "Reserve ikke aktuell (daa)",
                      "innspill_aktuelt_daa": "Aktuelle innspill (daa)",
                      "innspill_utelatt_daa": "Innspill ikke aktuelle (daa)",
                      "balanse_netto_daa": "Balanse (daa)",
                      "skolekriterium_gjelder": "Skolesirkelen gjelder"},
             decimals={k: 0 for k in ("arealbehov_daa", "boligreserve_aktuell_daa",
                                      "reserve_utelatt_daa", "innspill_aktuelt_daa",
                                      "innspill_utelatt_daa", "balanse_netto_daa")})
    if res.utelatt is not None and len(res.utelatt):
        with st.expander("Ikke aktuelle deler, med grunn"):
            ui.table(res.utelatt, {"sted": "Sted", "type": "Type", "navn": "Navn",
                                   "grunn": "Grunn", "utelatt_daa": "Ikke aktuelt (daa)"})
if res.uttak is not None and len(res.uttak):
    st.markdown("**Forslag til uttak** (ikke aktuelle deler først, så dårligst plassert, ned til "
                "arealbehovet)")
    ui.table(steder[steder["uttak_daa"] > 0],
             {"sted": "Sted", "overskudd_reserve_daa": "Overskudd (daa)",
              "uttak_daa": "Uttak i alt (daa)", "gjenstaar_daa": "Gjenstår (daa)"})
    ui.table(res.uttak, {"sted": "Sted", "navn": "Navn", "hva": "Hva", "grunn": "Grunn",
                         "uttak_daa": "Uttak (daa)"})
if res.tettsteder is not None and len(res.tettsteder):
    st.markdown("**Mindre tettsteder, vekst i tillegg** (andel av dagens boliger, "
                "reserves.villages)")
    ui.table(res.tettsteder.assign(andel_pct=res.tettsteder["andel"] * 100),
             {"sted": "Sted", "boliger_i_dag": "Boliger i dag", "andel_pct": "Andel (%)",
              "vekst_personer": "Vekst (personer)", "arealbehov_daa": "Arealbehov (daa)",
              "reserve_daa": "Reserve i nærheten (daa)", "balanse_daa": "Balanse (daa)"},
             decimals={"boliger_i_dag": 0, "andel_pct": 2, "vekst_personer": 0})
if res.spredt is not None:
    st.caption(f"Spredt boligbebyggelse (vurdert for seg, ikke tett reserve): "
               f"{text.daa(float(res.spredt['areal_daa'].sum()), 0)} i "
               f"{text.integer(len(res.spredt))} flater.")
chart = steder.set_index("sted")[["arealbehov_daa", "boligreserve_daa", "innspill_daa"]].rename(
    columns={"arealbehov_daa": "Arealbehov", "boligreserve_daa": "Boligreserve",
             "innspill_daa": "Innspill"})
ui.bar_chart(chart, y_label="daa", x_label="Sted", height=300,
             colors={"Arealbehov": "#6a1b9a", "Boligreserve": "#43a047", "Innspill": "#fb8c00"})
for note in res.merknader:
    st.caption(f"Merk: {note}")

# -- map -------------------------------------------------------------------------
parc = res.parseller
st.subheader("Reserver og innspill på kartet")
places = list(steder["sted"].astype(str))
valg = st.selectbox("Sted (kart og rangering)", ["Alle"] + places, key="ab_sted")
if not len(parc):
    st.info("Ingen boligreserve eller innspill i dataene.")
layers = appdata.display_layers(ds, cfg)


def _overlays():
    """Reserves and submissions by status, the proposed removals; made once per growth
    parameters and data, and drawn into the map the browser has."""
    if not len(parc):
        return []
    disp = compute.to_display_frame(parc, cfg, name="parseller")
    disp["status"] = [("tas ut?" if bool(k) else ("dekker behov" if bool(dk) else ""))
                      for k, dk in zip(parc["kandidat_uttak"].fillna(False),
                                       parc["dekker_behov"].fillna(False))]
    fields = ["navn", "sted", "type", "areal_daa", "rang", "status"]
    res_disp = disp[disp["type"] == "reserve"]
    inn_disp = disp[disp["type"] == "innspill"]
    overlays = [
        {"gdf": res_disp, "name": "Boligreserve", "fields": fields,
         "style": {"color": "#1b5e20", "weight": 1.5, "fillColor": "#43a047", "fillOpacity": 0.55},
         "style_column": "status",
         "style_map": {"tas ut?": {"color": "#b71c1c", "weight": 3}},
         "legend": [("fill", "#43a047", "Boligreserve"), ("line", "#b71c1c", "Kandidat til å tas ut")]},
        {"gdf": inn_disp, "name": "Innspill (rangert)", "fields": fields,
         "style": {"color": "#e65100", "weight": 2, "fillColor": "#ffb74d", "fillOpacity": 0.5,
                   "dashArray": "5 3"},
         "legend": [("fill", "#ffb74d", "Innspill")]},
    ]
    if res.uttak is not None and len(res.uttak):
        overlays.append({"gdf": compute.to_display_frame(res.uttak, cfg, name="uttak"),
                         "name": "Foreslått tatt ut", "fields": ["navn", "hva", "uttak_daa"],
                         "style": {"color": "#b71c1c", "weight": 1, "fillColor": "#e53935",
                                   "fillOpacity": 0.5},
                         "legend": [("fill", "#e53935", "Foreslått tatt ut")]})
    return overlays


def _map():
    """Boundaries, zoning, schools, centres and transport; built once per place and data
    (the reserves come as overlays)."""
    zoom = None
    if valg != "Alle":
        ug = ds["utviklingsgrense"]
        sel = ug[ug["navn"].astype(str) == valg]
        if len(sel):
            zoom = compute.to_display_frame(sel.buffer(300).to_frame("geometry"), cfg, "sted").total_bounds
    return maps.municipality_map(layers, basemap=ui.basemap(), radius_m=None,
                                 include=["kommune", "utviklingsgrense", "arealformal", "skole", "sentrum",
                                          "holdeplass", "kollektivakse", "steinbrudd"],
                                 hidden=["arealformal"], bounds=zoom, overlay_slot=True)


ui.cached_map(_map, key="arealbehov_kart", height=560, cache_key=ui.map_key(ds, cfg, layers, valg=valg),
              overlays=_overlays,
              overlays_key=json.dumps({"base_population": base_pop, "base_year": base_year, "year": int(year),
                                       "rate": float(rate), "ppd": ppd, "dens": dens if dens_on else None},
                                      sort_keys=True, default=str))

# -- ranking -----------------------------------------------------------------------
st.subheader("Rangering av innspill og reserver")
st.caption("Rang 1 er best plassert etter boligplanens tre trinn i rekkefølge: nær sentrum "
           "(trinn 1), nær gangnett og kollektivtilbud (trinn 2), avklart i regional plan "
           "(trinn 3); ikke aktuelle arealer har ingen rang. «Dekker behov»: innspillene som etter "
           "rangering dekker behovet for nye arealer.")
view = parc if valg == "Alle" else parc[parc["sted"].astype(str) == valg]
ui.table(view, {"rang": "Rang", "navn": "Navn", "sted": "Sted", "type": "Type",
                "areal_daa": "Areal (daa)", "areal_innenfor_daa": "Innenfor grensen (daa)",
                "aktuelt_daa": "Aktuelt (daa)", "grunn_ikke_aktuell": "Ikke aktuelt fordi",
                "trinn1_m": "Trinn 1 (m)", "trinn2_m": "Trinn 2 (m)",
                "kumulativt_areal_daa": "Kumulativt (daa)",
                "dekker_behov": "Dekker behov", "uttak_daa": "Foreslått uttak (daa)",
                "avstand_sentrum_m": "Til sentrum (m)", "avstand_holdeplass_m": "Til holdeplass (m)",
                "andel_steinbrudd_pct": "Nær steinbrudd (%)", "andel_bratt_pct": "Bratt (%)"},
         decimals={"rang": 0, "trinn1_m": 0, "trinn2_m": 0, "avstand_sentrum_m": 0,
                   "avstand_holdeplass_m": 0},
         height=380)
