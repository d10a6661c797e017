"""Arealregnskap: the reserve by land type (kap. 4) and the proposal against the plan in force (kap. 5).

The same call as ``geoplan arealregnskap`` (:func:`geoplan.runs.arealregnskap`), cached by data
and parameters; the tables are the report section's (:mod:`geoplan.present.arealregnskap_view`),
the workbook the CLI's ``--xlsx``.
"""

from __future__ import annotations

import streamlit as st

from geoplan.config.arealregnskap import ArealregnskapSettings
from geoplan.present import arealregnskap_view as view
from geoplan.present import text
from geoplan.present.app import appdata, maps
from geoplan.present.app.views import compute, ui


@st.cache_data(max_entries=8, show_spinner="Regner ut arealregnskapet (eksakt overlag) …")
def _regnskap_cached(key: str, _ds, _cfg):
    from geoplan import runs
    return runs.arealregnskap(_ds, _cfg)


def regnskap(ds, cfg):
    """:func:`geoplan.runs.arealregnskap` (the same call ``geoplan arealregnskap`` makes), cached."""
    ds.require("arealformal")
    return _regnskap_cached(compute._key(ds, what="arealregnskap"), ds, cfg)


@st.cache_data(max_entries=4, show_spinner="Lager arbeidsboken …")
def _workbook_cached(key: str, _res) -> bytes:
    from geoplan.present.arealregnskap_excel import workbook_bytes
    return workbook_bytes(_res)


def table(df, labels: dict[str, str], key: str, decimals: dict[str, int] | None = None) -> None:
    """``df``'s ``labels`` columns with Norwegian headers and numbers (``text.number``).

    A pandas Styler carries the formatted text, so the columns still sort as numbers.
    """
    import pandas as pd
    cols = [c for c in labels if c in df.columns]
    v = pd.DataFrame(df[cols]).rename(columns=labels)
    fmt = {labels[c]: (lambda x, d=(decimals or {}).get(c, 1): text.number(x, d))
           for c in cols if pd.api.types.is_numeric_dtype(df[c])}
    st.dataframe(v.style.format(fmt, na_rep=""), hide_index=True, key=key)


def _reserve_table(df, key: str) -> None:
    s = view.reserve_by_land_type(df)
    rows, _ = view.with_totals(s, "arealtype", ["innenfor_daa", "utenfor_daa", "sum_daa"], by="kategori")
    labels = {k: v for k, v in view.RESERVE_LABELS.items() if k != "arealtype_kode"}
    table(rows, labels, key=key)


def _overlays(res, cfg) -> list[dict]:
    out = []
    for key, title in view.CHANGES.items():
        part = res.kart[res.kart["endring"] == key]
        if not len(part):
            continue
        groups = view.land_groups(part)
        style = ({"weight": 1, "fillOpacity": 0.8} if key == "lagt til" else
                 {"weight": 2, "fillOpacity": 0.55, "color": "#b71c1c", "dashArray": "4 3"})
        smap = {name: ({"fillColor": col, "color": view.darker(col)} if key == "lagt til" else
                       {"fillColor": col}) for _c, _b, name, col, _g in groups}
        legend = [("fill", col, name) for _c, _b, name, col, _g in groups] if key == "lagt til" else \
            [("dash", "#b71c1c", f"{title} (stiplet rød kant)")]
        out.append({"gdf": compute.to_display_frame(part, cfg, key, tolerance_m=1),
                    "name": title, "fields": ["arealtype", "areal_daa"], "style": style,
                    "style_column": "arealtype", "style_map": smap, "legend": legend})
    return out


st.title("Arealregnskap")
st.caption("Veilederen «Arealregnskap i kommuneplan» (Kommunal- og distriktsdepartementet, 2023): "
           "hva arealreserven i gjeldende plan er i dag (AR5, natur- og faresoner), og hva "
           "planforslaget legger til og tar ut av utbyggingsformål. Eksakt overlag; alle arealer i daa.")

ds, cfg = ui.context()
res = regnskap(ds, cfg)
settings = ArealregnskapSettings.from_config(cfg)
t = res.tables
pot = t.get("potensial")
c = st.columns(4)
c[0].metric("Reserve i gjeldende plan", text.daa(t["reserve_arealtype"]["areal_daa"].sum(), 0))
if pot is not None:
    c[1].metric("Reserve i forslaget", text.daa(pot["forslag_reserve_daa"].sum(), 0))
    c[2].metric("Lagt til", text.daa(pot["lagt_til_daa"].sum(), 0))
    c[3].metric("Tatt ut", text.daa(pot["tatt_ut_daa"].sum(), 0))
if not res.has_proposal:
    st.info("Laget «arealformal_forslag» (arealformål i planforslaget) mangler i dataene, så bare "
            "gjeldende plan (kap. 4) vises. Last opp forslaget som laget «arealformal_forslag».",
            icon=":material/info:")
for note in res.notes:
    st.warning(note, icon=":material/warning:")

st.subheader("Gjeldende plan: reserven etter arealtype (kap. 4)")
_reserve_table(t["reserve_arealtype"], "ar_reserve")
st.caption(view.SMALL_ROWS_NOTE)
if res.zones:
    st.markdown("**I natur- og faresoner**")
    table(t["reserve_soner"], view.zone_labels(res.zones), key="ar_soner")

if res.has_proposal:
    st.subheader("Forslaget mot gjeldende plan (kap. 5)")
    table(view.potential_rows(t["potensial"]), view.POTENTIAL_LABELS, key="ar_potensial")
    a, b = st.columns(2)
    with a:
        st.markdown("**Lagt til utbyggingsformål**")
        _reserve_table(t["lagt_til"], "ar_lagt_til")
    with b:
        st.markdown("**Tatt ut av utbyggingsformål**")
        _reserve_table(t["tatt_ut"], "ar_tatt_ut")
    st.markdown("**Arealformål som endres**")
    table(view.changed_transitions(t["overgang"]),
             {k: v for k, v in view.TRANSITION_LABELS.items() if not k.endswith("_kode")}, key="ar_overgang")
    st.markdown("**Arealkvaliteter som planlegges bygget ned**")
    table(t["nedbygging"], view.NEDBYGGING_LABELS, key="ar_nedbygging")

    st.markdown("**Lagt til og tatt ut av utbyggingsformål, farget etter hva arealet er i dag (AR5)**")
    layers = appdata.display_layers(ds, cfg)

    def _map():
        """Added and removed building land by today's land type; built once per data."""
        overlays = _overlays(res, cfg)
        bounds = None
        if overlays:
            import numpy as np
            bb = np.vstack([ov["gdf"].total_bounds for ov in overlays])
            bounds = [float(bb[:, 0].min()), float(bb[:, 1].min()), float(bb[:, 2].max()), float(bb[:, 3].max())]
        return maps.municipality_map(layers, basemap=ui.basemap(), include=["kommune", "utviklingsgrense"],
                                     overlays=overlays, bounds=bounds)
    ui.cached_map(_map, key="ar_kart", height=560, cache_key=ui.map_key(ds, cfg, layers))

st.subheader("Klimagassutslipp fra nedbygging (anslag)")
st.caption(view.ghg_text(settings))
rows, _ = view.ghg_rows(t["klimagass"], res.has_proposal)
labels = view.GHG_LABELS_PROPOSAL if res.has_proposal else view.GHG_LABELS_IN_FORCE
table(rows, labels, decimals={k: 0 for k in labels if "tco2e" in k}, key="ar_klimagass")
if res.has_proposal:
    st.markdown(view.ghg_ku_sentence(float(t["klimagass"]["endring_tco2e_midt"].sum()), settings))

k = res.kontroll
st.caption(f"Kontroll: gjeldende plan {text.daa(k['gjeldende_plan_daa'])}; radsum i overgangstabellen "
           f"{text.daa(k['overgang_radsum_daa'])}; avvik {text.number(k['avvik_daa'], 3)} daa; "
           f"{text.integer(k['glipper_antall'])} glipper under {text.compact(k['glipper_grense_m2'])} m².")
st.download_button("Last ned arbeidsboken (Excel)", data=_workbook_cached(compute._key(ds, what="ar_xlsx"), res),
                   file_name="arealregnskap.xlsx", key="ar_xlsx",
                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
