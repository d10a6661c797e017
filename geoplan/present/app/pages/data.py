"""Data: upload data for this session, the check report, and the parameters with sources."""

from __future__ import annotations

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
rows = []
for name, rep in ds.reports.items():
    d = rep.as_dict()
    rows.append({"lag": name, "status": STATUS.get(d["status"], d["status"]),
                 "lest": d["antall_lest"], "beholdt": d["antall_beholdt"],
                 "reparert": d["antall_reparert"], "avvist": d["antall_avvist"],
                 "crs": d["crs"] or "", "meldinger": " ".join(d["meldinger"])})
rep_df = pd.DataFrame(rows)
st.dataframe(rep_df, hide_index=True, width="stretch", height=38 + 35 * len(rep_df),
             column_config={"lag": "Lag", "status": "Status", "lest": "Lest", "beholdt": "Beholdt",
                            "reparert": "Reparert", "avvist": "Avvist", "crs": "CRS",
                            "meldinger": st.column_config.TextColumn("Meldinger", width="large")})
problems = [r for r in ds.reports.values() if r.status in ("problem", "ubrukelig")]
for r in problems:
    st.error(f"Laget «{r.name}»: {' '.join(r.messages)}")

# -- parameters ---------------------------------------------------------------
st.subheader("Parametere")
st.markdown("Alle terskler og forutsetninger kommer fra `config/`, med kilde. Endringer her "
            "gjelder bare denne økten; filene endres ikke. *Kommunalt valg* betyr at kildene ikke "
            "gir tallet.")
params = cfg.params()
ov = appdata.overrides()


def _show(v) -> str:
    if isinstance(v, list):
        return ", ".join(str(x) for x in v)
    return str(v)


pdf = pd.DataFrame([{"nokkel": p.key, "beskrivelse": p.label, "verdi": _show(p.value),
                     "enhet": p.unit, "kilde": p.source,
                     "kommunalt_valg": bool(p.assumption)} for p in params])
st.caption("Parametere under «app.» (visning av adresser, opplastingsgrenser) kan bare endres i "
           "config/app.toml på serveren.")
edited = st.data_editor(
    pdf, hide_index=True, width="stretch", key="param_editor",
    disabled=(["nokkel", "beskrivelse", "enhet", "kilde", "kommunalt_valg"] if user.can("parameters")
              else True),
    column_config={"nokkel": "Parameter", "beskrivelse": "Beskrivelse",
                   "verdi": st.column_config.TextColumn("Verdi", help="Lister skrives med komma"),
                   "enhet": "Enhet", "kilde": st.column_config.TextColumn("Kilde", width="large"),
                   "kommunalt_valg": st.column_config.CheckboxColumn("Kommunalt valg")})
c1, c2 = st.columns(2)
if not user.can("parameters"):
    st.caption("Parametrene kan ikke endres med din rolle.")
elif c1.button("Bruk endrede parametere i denne økten", type="primary"):
    base = {p.key: _show(p.value) for p in appdata.load_config_plain().params()}
    changed = {k: v for k, v in zip(edited["nokkel"], edited["verdi"])
               if str(v).strip() != base.get(k)}
    try:
        appdata.set_overrides({k: str(v).strip() for k, v in changed.items()})
        st.success(f"{len(changed)} parameter(e) endret for denne økten.")
        st.rerun()
    except GeoplanError as e:
        st.error(e.message, icon=":material/warning:")
if ov and c2.button("Tilbakestill parametere"):
    appdata.set_overrides({})
    st.rerun()
if ov:
    st.caption("Endret i denne økten: " + ", ".join(f"{k} = {v}" for k, v in ov.items()))
