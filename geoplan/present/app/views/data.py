"""Data: upload data for this session, the check report, and the parameters with sources."""

from __future__ import annotations

import re

import pandas as pd
import streamlit as st

from geoplan.errors import GeoplanError
from geoplan.io.layers import SCHEMAS
from geoplan.present import text
from geoplan.present.app import appdata
from geoplan.present.app.login import current_user

st.title("Data")
user = current_user()

# -- upload -------------------------------------------------------------------
cfg = appdata.config()


def _upload() -> None:
    """Upload a file for this session (roles plan, bolig, admin)."""
    st.subheader("Bruk egne data")
    max_mb = text.compact(appdata.app_settings(cfg).max_upload_mb)
    st.markdown(
        "Last opp en **GeoPackage** (.gpkg) med lagene i datakontrakten, en **zippet Shapefile** "
        "(.zip) eller en **SOSI-GML**-fil med arealformål (.gml). Filen brukes bare i denne "
        "nettleserøkten og er ikke synlig for andre brukere; den slettes når du går tilbake til "
        f"demodataene. Største fil: {max_mb} MB.")

    with st.form("opplasting", clear_on_submit=False):
        up = st.file_uploader("Geodatafil", type=appdata.UPLOAD_TYPES, accept_multiple_files=False,
                              key="upload_file")
        c1, c2, c3 = st.columns(3)
        layer = c1.selectbox("Lagnavn for en enkeltfil", ["(automatisk)"] + list(SCHEMAS),
                             help="Trengs for en enkeltfil som ikke er GeoPackage eller SOSI-GML, "
                                  "f.eks. en Shapefile med skoler: velg «skole».")
        crs = c2.text_input("Koordinatsystem for lag uten CRS", placeholder="f.eks. 25832",
                            help="Brukes bare for lag som ikke har koordinatsystem i filen.")
        merge = c3.checkbox("Behold de andre lagene fra demodataene", value=False,
                            help="Lagene i filen erstatter demoens lag med samme navn.")
        sent = st.form_submit_button("Last inn og kontroller", type="primary")

    if sent:
        if up is None:
            st.warning("Velg en fil først.")
        else:
            try:
                new = appdata.load_upload(up.name, up.getvalue(), cfg,
                                          layer=None if layer == "(automatisk)" else layer,
                                          crs=crs.strip() or None, merge=merge)
                st.success(f"«{up.name}» er lest inn med {len(new.layers)} brukbare lag. "
                           "Alle sidene bruker nå disse dataene i denne økten.")
            except GeoplanError as e:
                st.error(f"Filen ble ikke tatt i bruk: {e.message}", icon=":material/block:")

    if appdata.has_upload():
        if st.button("Gå tilbake til demodataene"):
            appdata.clear_upload()
            st.rerun()


def _save_to_database() -> None:
    """Admin: keep the checked upload in the app's PostGIS database (one transaction)."""
    from geoplan.io.postgis import store
    from geoplan.io.postgis.connect import is_database, parse
    source = appdata.default_source()
    if not (appdata.has_upload() and source and is_database(source) and user.can("save_to_database")):
        return
    st.subheader("Lagre i databasen")
    st.caption("Kontrollrapporten under viser hva som blir lagret. Lagringen skjer i én transaksjon: "
               "feiler den, er databasen som før.")
    schema = st.text_input("Skjema", placeholder="f.eks. larvik_kpa2027", key="db_schema")
    replace = st.checkbox("Erstatt lagene som allerede ligger i skjemaet", key="db_replace")
    if st.button("Lagre de kontrollerte lagene i databasen", key="db_save") and schema.strip():
        from geoplan.present.app import audit
        try:
            ds_up = appdata.dataset(cfg)
            address = parse(source).with_schema(schema.strip())
            rasters = {n: (pth.name, pth.read_bytes()) for n, pth in ds_up.rasters.items()}
            meta = store.load(address, ds_up.layers, rasters, epsg=ds_up.epsg or 0,
                              source=appdata.source_label(ds_up), replace=replace)
            audit.log(user, "data lagret i databasen", skjema=address.schema, dataversjon=meta["dataversjon"])
            st.success(f"Lagret {len(meta['lag'])} lag i skjemaet {address.schema} "
                       f"(dataversjon {meta['dataversjon']}).")
        except GeoplanError as e:
            st.error(e.message)


if user.can("upload"):
    _upload()
else:
    st.caption("Opplasting av egne data er forbeholdt planleggere og boligkontoret.")
_save_to_database()

# -- the housing office's list (geocoding) --------------------------------------
st.subheader("Kommunale boliger fra boligkontorets liste")
st.markdown(
    "Last opp boligkontorets liste over kommunalt disponerte boliger (**Excel** eller **CSV**, med "
    "adresse eller gårds- og bruksnummer) og Kartverkets **adresser for kommunen** («Matrikkelen - "
    "Adresse» som CSV fra Geonorge, eller zip-filen slik den lastes ned). Hver rad blir funnet som "
    "skrevet, funnet etter en oppgitt retting, eller vist under med forslag, slik at du kan rette den. "
    "Listen inneholder adresser til boliger for vanskeligstilte: den brukes bare i denne økten.")
GEO = "geokoding"
with st.form("geokoding_form", clear_on_submit=False):
    g1, g2 = st.columns(2)
    up_list = g1.file_uploader("Boligliste", type=["xlsx", "csv"], key="geo_list")
    up_reg = g2.file_uploader("Adresser (Kartverket)", type=["csv", "zip"], key="geo_reg")
    knr = st.text_input("Kommunenummer (valgfritt, når adressefilen har flere kommuner)", max_chars=4)
    geo_sent = st.form_submit_button("Finn boligene i adresseregisteret")


def _geocode(state: dict) -> None:
    from geoplan.config.geocode import GeocodeSettings
    from geoplan.io.geocode import (
        geocode_list,
        read_address_register,
        read_housing_list,
        resolve_columns,
    )
    settings = GeocodeSettings.from_config(cfg)
    if "df" not in state:
        state["df"] = read_housing_list(state["list_path"])
        state["roles"] = resolve_columns(state["df"], settings)
    reg = read_address_register(state["reg_path"], settings, state.get("kommune") or None)
    state["result"] = geocode_list(state["df"], reg, settings, state["roles"])


if geo_sent:
    if up_list is None or up_reg is None:
        st.warning("Velg både boliglisten og adressefilen.")
    else:
        folder = appdata.session_dir()
        paths = {}
        for key, up in (("list_path", up_list), ("reg_path", up_reg)):
            safe = "".join(ch for ch in up.name if ch.isalnum() or ch in "._-") or "fil"
            paths[key] = folder / f"geokoding_{key}_{safe}"
            paths[key].write_bytes(up.getvalue())
        state = {**paths, "kommune": knr.strip()}
        try:
            _geocode(state)
            st.session_state[GEO] = state
            st.session_state.pop("geo_editor", None)
        except GeoplanError as e:
            st.error(e.message, icon=":material/block:")

geo = st.session_state.get(GEO)
if geo and "result" in geo:
    res = geo["result"]
    counts = res.counts()
    m1, m2, m3, m4 = st.columns(4)
    m1.metric("Funnet som skrevet", text.integer(counts["eksakt"]))
    m2.metric("Funnet etter retting", text.integer(counts["rettet"]))
    m3.metric("Ikke funnet", text.integer(counts["ikke funnet"]))
    m4.metric("Ikke brukbare", text.integer(counts["ugyldig"]))
    for note in res.notes:
        st.caption(note)
    fixed = res.rows[res.rows["status"] == "rettet"][["rad", "merknad", "funnet_adresse"]]
    if not fixed.empty:
        with st.expander(f"Rettet automatisk ({text.integer(len(fixed))}): kontroller"):
            st.dataframe(fixed, hide_index=True, width="stretch",
                         column_config={"rad": "Rad", "merknad": "Retting", "funnet_adresse": "Funnet adresse"})
    todo = res.rows[res.rows["status"].isin(["ikke funnet", "ugyldig"])]
    if not todo.empty:
        st.markdown("**Rader som ikke ble funnet.** Skriv riktig adresse i kolonnen «Rettet adresse» "
                    "(f.eks. et av forslagene) og prøv igjen.")
        table = todo[["rad", "status", "merknad", "kandidater"]].assign(rettet=[""] * len(todo))
        edited_geo = st.data_editor(
            table, hide_index=True, width="stretch", key="geo_editor",
            disabled=["rad", "status", "merknad", "kandidater"],
            column_config={"rad": "Rad", "status": "Status", "merknad": "Hvorfor",
                           "kandidater": st.column_config.TextColumn("Forslag", width="large"),
                           "rettet": st.column_config.TextColumn("Rettet adresse")})
        if st.button("Prøv igjen med rettelsene"):
            from geoplan.io.geocode import apply_corrections
            corr = {int(r): str(v) for r, v in zip(edited_geo["rad"], edited_geo["rettet"]) if str(v).strip()}
            geo["df"], geo["roles"] = apply_corrections(geo["df"], geo["roles"], corr)
            try:
                _geocode(geo)
            except GeoplanError as e:
                st.error(e.message, icon=":material/warning:")
            st.session_state.pop("geo_editor", None)   # the edits belong to the rows just matched
            st.rerun()
    if len(res.layer):
        if st.button("Bruk de plasserte boligene i denne økten", type="primary"):
            from geoplan.io.geocode import write_geocoded
            out = appdata.session_dir() / "kommunal_bolig.gpkg"
            try:
                write_geocoded(res, out)
                new = appdata.load_upload("kommunal_bolig.gpkg", out.read_bytes(), cfg, merge=True)
                st.success(f"{text.integer(len(res.layer))} adresser med "
                           f"{text.integer(int(res.layer['antall_enheter'].sum()))} enheter er laget "
                           f"«kommunal_bolig» i denne økten ({len(new.layers)} brukbare lag).")
            except GeoplanError as e:
                st.error(e.message, icon=":material/block:")

# -- check report -------------------------------------------------------------
st.subheader("Kontrollrapport")
try:
    ds = appdata.dataset(cfg)
except GeoplanError as e:
    st.error(e.message, icon=":material/warning:")
    st.stop()
st.caption(f"{appdata.source_label(ds)} · koordinatsystem EPSG:{ds.epsg} · "
           f"status: **{'ok' if ds.status == 'ok' else 'problemer'}**")
STATUS = {"ok": "ok", "advarsel": "advarsel", "mangler": "mangler",
          "problem": "PROBLEM", "ubrukelig": "UBRUKELIG"}
#: layers whose messages name single dwellings or buildings (bygg_id, units): only for roles
#: that see buildings; others get the counts
SENSITIVE_REPORTS = ("kommunal_bolig", "bygning")


def _messages(name: str, messages: list) -> list:
    if name in SENSITIVE_REPORTS and not user.can("buildings") and messages:
        return [f"{len(messages)} merknad(er); detaljene vises bare for boligkontoret."]
    return list(messages)


rows = []
for name, rep in ds.reports.items():
    d = rep.as_dict()
    d["meldinger"] = _messages(name, d["meldinger"])
    # counts as Norwegian text: the grid's own number format follows the browser's language
    rows.append({"lag": name, "status": STATUS.get(d["status"], d["status"]),
                 "lest": text.integer(d["antall_lest"]), "beholdt": text.integer(d["antall_beholdt"]),
                 "reparert": text.integer(d["antall_reparert"]),
                 "avvist": text.integer(d["antall_avvist"]),
                 "crs": d["crs"] or "", "meldinger": " ".join(d["meldinger"])})
rep_df = pd.DataFrame(rows)
st.dataframe(rep_df, hide_index=True, width="stretch", height=38 + 35 * len(rep_df),
             column_config={"lag": "Lag", "status": "Status", "lest": "Lest", "beholdt": "Beholdt",
                            "reparert": "Reparert", "avvist": "Avvist", "crs": "CRS",
                            "meldinger": st.column_config.TextColumn("Meldinger", width="large")})
problems = [r for r in ds.reports.values() if r.status in ("problem", "ubrukelig")]
for r in problems:
    st.error(f"Laget «{r.name}»: {' '.join(_messages(r.name, r.messages))}")

# -- parameters ---------------------------------------------------------------
st.subheader("Parametere")
st.markdown("Alle terskler og forutsetninger kommer fra kommunens innstillingsfiler (mappen "
            "«config»), med kilde. Endringer her gjelder bare denne økten; filene endres ikke. "
            "*Kommunalt valg* betyr at kildene ikke gir tallet. Tall skrives med desimalkomma, "
            "lister med semikolon, ja/nei som «ja» eller «nei».")
ov = appdata.overrides()
#: edited on the Arealbehov page, in percent, with the check that they sum to 100 %: one place only
ELSEWHERE = ("reserves.steder.",)
#: login settings are the server's alone (locked for a session) and not shown to users
SERVER_ONLY = ("auth.",)
params = [p for p in cfg.params() if not p.key.startswith(ELSEWHERE + SERVER_ONLY)]


def _show(v, unit: str = "x") -> str:
    """A parameter's value as a planner types it: comma decimals, «;» between list items
    (:func:`text.param_value`, as the report's appendix writes it; a number without a
    unit, such as a seed, ungrouped)."""
    return text.param_value(v, grouped=bool(unit))


_LABELS = {p.key: p.label for p in cfg.params()}


def _plain(t: str, key: str = "") -> str:
    """A label or source as a planner reads it: another parameter named by its label, not its
    key (``reserves.housing_codes``, or ``quarry_buffer_m`` within its own file)."""
    section = key.split(".", 1)[0]

    def label(m: re.Match) -> str:
        w = m.group(0)
        for k in (w, f"{section}.{w}"):
            if k in _LABELS:
                return f"«{_LABELS[k]}»"
        return w

    return re.sub(r"\b[a-z]+(?:[._][a-z0-9]+)+\b", label, str(t))


pdf = pd.DataFrame([{"nokkel": p.key, "beskrivelse": _plain(p.label, p.key),
                     "verdi": _show(p.value, p.unit), "enhet": p.unit, "kilde": _plain(p.source, p.key),
                     "kommunalt_valg": bool(p.assumption)} for p in params])
st.caption("Visning av adresser, innlogging og opplastingsgrenser kan bare endres i "
           "innstillingene på serveren. Andel av veksten og tetthet per sted endres på siden "
           "«Arealbehov og reserve».")
edited = st.data_editor(
    pdf, hide_index=True, width="stretch", key="param_editor",
    disabled=(["nokkel", "beskrivelse", "enhet", "kilde", "kommunalt_valg"] if user.can("parameters")
              else True),
    column_config={"nokkel": None, "beskrivelse": "Parameter",
                   "verdi": st.column_config.TextColumn("Verdi", help="Desimalkomma; lister med semikolon"),
                   "enhet": "Enhet", "kilde": st.column_config.TextColumn("Kilde", width="large"),
                   "kommunalt_valg": st.column_config.CheckboxColumn("Kommunalt valg")})
c1, c2 = st.columns(2)
if not user.can("parameters"):
    st.caption("Parametrene kan ikke endres med din rolle.")
elif c1.button("Bruk endrede parametere i denne økten", type="primary"):
    base = {p.key: _show(p.value, p.unit) for p in appdata.load_config_plain().params()}
    changed = {k: v for k, v in zip(edited["nokkel"], edited["verdi"])
               if str(v).strip() != base.get(k)}
    kept = {k: v for k, v in ov.items() if k.startswith(ELSEWHERE)}
    try:
        appdata.set_overrides({**kept, **{k: str(v).strip() for k, v in changed.items()}})
        st.success(f"{len(changed)} parameter(e) endret for denne økten.")
        st.rerun()
    except GeoplanError as e:
        st.error(e.message, icon=":material/warning:")
if ov and c2.button("Tilbakestill parametere"):
    appdata.set_overrides({})
    st.rerun()
if ov:
    labels = {p.key: p.label for p in cfg.params()}
    st.caption("Endret i denne økten: " + "; ".join(f"{labels.get(k, k)} = {text.typed_value(v)}"
                                                    for k, v in ov.items()))
