"""Vurder tomt: draw or upload a site, get the traffic-light checklist and the site report."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import shapely
import streamlit as st

from geoplan.config.schools import SchoolSettings
from geoplan.config.sites import SiteSettings
from geoplan.errors import GeoplanError, UnreadableInput
from geoplan.io.coords import parse_point
from geoplan.io.sites import read_sites
from geoplan.present import text
from geoplan.present.app import appdata, assessments, audit, maps, wording
from geoplan.present.app.login import current_user
from geoplan.present.app.views import compute, ui

st.title("Vurder tomt")
st.caption("Tegn tomta på kartet (polygon, rektangel eller punkt), last opp en fil, eller skriv "
           "koordinater. Sjekklisten viser hvert kriterium med målt verdi, terskel og kilde.")

ds, cfg = ui.context()
SITE = "_geoplan_site"          # session: {"wkb": bytes, "navn": str, "kilde": str}

# -- purchase ------------------------------------------------------------------------
kats = ["(ikke valgt)"]
if ds.has("kommunal_bolig"):
    kats += sorted(pd.unique(ds["kommunal_bolig"]["kategori"].astype(str)))
for k in ("utleie", "omsorgsbolig", "housing_first", "flyktning"):
    if k not in kats:
        kats.append(k)
c1, c2, c3 = st.columns(3)
ui.seed("vt_units", int(SiteSettings.from_config(cfg).units))   # state.keep() sets it every run
units = int(c1.number_input("Antall boenheter som kjøpes", min_value=0, max_value=500,
                            step=1, key="vt_units"))
kategori = c2.selectbox("Kategori", kats, key="vt_kat",
                        format_func=lambda k: maps.CATEGORY_LABELS.get(k, k))
trinn = c3.selectbox("Trinn i boligtrappen", ["(ikke valgt)", 1, 2, 3, 4, 5], key="vt_trinn",
                     help="Trinn 1: spredt i ordinære borettslag; 2: robuste nabolag; 3–4: "
                          "skjermede tomter med egen inngang (Bærum kommune, velferdsboliger og "
                          "planprosess). Et trinn kan endre tersklene; sjekklisten sier hvilke.")


def _set_site(geom, navn: str, kilde: str) -> None:
    st.session_state[SITE] = {"wkb": shapely.to_wkb(geom), "navn": navn, "kilde": kilde}


# -- site input: file or coordinates ----------------------------------------------------------
with st.expander("Last opp tomt eller skriv koordinater"):
    f = st.file_uploader("Tomtefil (GeoJSON eller GeoPackage med ett punkt eller én flate)",
                         type=["geojson", "json", "gpkg"], key="vt_file")
    if f is not None and st.button("Bruk filen", key="vt_use_file"):
        try:
            path = appdata.save_upload(f"tomt_{f.name}", f.getvalue(), cfg)
            sites = read_sites(str(path), ds.crs)
            navn = str(sites["navn"].iloc[0]) if "navn" in sites.columns and \
                sites["navn"].iloc[0] is not None else f.name
            _set_site(sites.geometry.iloc[0], navn, f"fil «{f.name}»")
            if len(sites) > 1:
                st.session_state["_vt_note"] = (f"Filen har {text.integer(len(sites))} tomter; den første "
                                                "vurderes. Last opp én tomt per fil for å vurdere de andre.")
            st.rerun()   # the session file and the address follow the new site
        except GeoplanError as e:
            st.error(f"Tomtefilen ble ikke brukt: {wording.for_users(e.message)}", icon=":material/block:")
    xy = st.text_input("Koordinater", placeholder="f.eks. 566000, 6550000 · 6550000, 566000 (nord først) "
                       "· 59,05 10,03", key="vt_xy",
                       help=f"Øst og nord i meter (EPSG:{ds.epsg}), i hvilken som helst rekkefølge, "
                            "eller bredde- og lengdegrad i grader. Desimalkomma og -punktum går begge.")
    if xy and st.button("Bruk koordinatene", key="vt_use_xy"):
        try:
            pp = parse_point(xy, ds.epsg)
        except GeoplanError as e:
            st.error(e.message)
        else:
            st.session_state["_vt_understood"] = wording.understood(pp)
            _set_site(shapely.Point(pp.x, pp.y),
                      f"Punkt øst {text.integer(pp.x)}, nord {text.integer(pp.y)}", "koordinater")
            st.rerun()   # the session file and the address follow the new site
    if st.session_state.get("_vt_note"):
        st.info(st.session_state.pop("_vt_note"))
    if st.session_state.get("_vt_understood") and (st.session_state.get(SITE) or {}).get("kilde") == "koordinater":
        st.caption(st.session_state["_vt_understood"])

# -- map with drawing tools ------------------------------------------------------------------------
site = st.session_state.get(SITE)
layers = appdata.display_layers(ds, cfg)


def _overlays():
    """The site and its pin: made once per site, drawn into the map the browser has (a new
    site sends these, not the map again)."""
    if not site:
        return []
    g = shapely.from_wkb(site["wkb"])
    sg = gpd.GeoDataFrame({"navn": [site["navn"]]}, geometry=[g], crs=ds.crs)
    sdisp = compute.to_display_frame(sg.assign(geometry=sg.buffer(8) if g.geom_type == "Point"
                                               else sg.geometry), cfg, "tomt", tolerance_m=0)
    pin = compute.to_display_frame(sg.assign(geometry=[g.representative_point()]), cfg, "tomt", tolerance_m=0)
    return [{"gdf": sdisp, "name": "Tomta", "fields": ["navn"],
             "style": {"color": "#d50000", "weight": 3, "fillColor": "#ff1744", "fillOpacity": 0.4},
             "legend": [("fill", "#ff1744", "Tomta")]},
            {"gdf": pin, "name": "Valgt sted", "fields": ["navn"],
             "style": {"color": "#7f0000", "weight": 3, "fillColor": "#d63e2a", "fillOpacity": 0.9,
                       "radius": 9},
             "legend": [("point", "#d63e2a", "Valgt sted")]}]


def _map():
    """The layers and the drawing tools; built once per data and role (the site comes as
    overlays, and the view is moved to it)."""
    return maps.municipality_map(layers, basemap=ui.basemap(),
                                 radius_m=SchoolSettings.from_config(cfg).radius_m,
                                 draw=True, hidden=["arealformal", "grunnkrets", "gangnett"],
                                 overlay_slot=True)


fit_to = None
if site:
    _g = shapely.from_wkb(site["wkb"])
    fit_to = compute.to_display_frame(gpd.GeoDataFrame(geometry=[_g.buffer(2000)], crs=ds.crs), cfg,
                                      "tomt").total_bounds
out = ui.cached_map(_map, key="tomt_kart", height=560, returned=["last_active_drawing"],
                    cache_key=ui.map_key(ds, cfg, layers), overlays=_overlays,
                    overlays_key=f"site={[site['wkb'].hex(), site['navn']] if site else None}",
                    fit_to=fit_to)
drawing = (out or {}).get("last_active_drawing")
if drawing and drawing.get("geometry"):
    try:
        g4326 = shapely.geometry.shape(drawing["geometry"])
        g = gpd.GeoSeries([g4326], crs=4326).to_crs(ds.crs).iloc[0]
        if g.is_empty or g.geom_type not in ("Point", "Polygon", "MultiPolygon"):
            raise UnreadableInput("Tegn tomta som et polygon, et rektangel eller et punkt.")
        key = shapely.to_wkb(g)
        prev = st.session_state.get(SITE)
        if not prev or prev.get("kilde") != "tegnet" or prev.get("raw") != drawing["geometry"]:
            _set_site(g, "Tegnet tomt", "tegnet")
            st.session_state[SITE]["raw"] = drawing["geometry"]
            st.rerun()
    except GeoplanError as e:
        st.error(e.message)

site = st.session_state.get(SITE)
if not site:
    st.info("Ingen tomt er valgt ennå. Bruk tegneverktøyet til venstre på kartet, eller last opp en fil.")
    st.stop()

# -- assessment ---------------------------------------------------------------------------------
geom = shapely.from_wkb(site["wkb"])
assessor = compute.assessor(ds, cfg)
result = assessor.assess(geom, units=units, kategori=None if kategori == "(ikke valgt)" else kategori,
                         trinn=None if trinn == "(ikke valgt)" else int(str(trinn)))
result["tomt"]["navn"] = site["navn"]

st.subheader(f"Sjekkliste for {site['navn']} ({site['kilde']})")
kom = ds.get("kommune")
if kom is not None and len(kom):
    border = kom.geometry.union_all()
    if not border.intersects(geom):
        st.warning(f"Tomta ligger utenfor kommunen, {text.metres(border.distance(geom))} fra "
                   "kommunegrensen. Sjekk koordinatene (rekkefølge og koordinatsystem); kriteriene "
                   "under er regnet ut likevel.", icon=":material/wrong_location:")
samlet = result.get("samlet", "ukjent")
tomt = result.get("tomt", {})
c = st.columns(3)
c[0].markdown(f"Samlet vurdering  \n### {ui.status_markdown(samlet)}")
if tomt.get("areal_daa"):
    c[1].metric("Tomtas areal", text.daa(tomt.get("areal_daa"), 1))
counts = pd.Series([k["status"] for k in result["kriterier"]]).value_counts()
c[2].metric("Grønn / gul / rød / ukjent",
            " / ".join(text.integer(int(counts.get(s, 0))) for s in ("gronn", "gul", "rod", "ukjent")))
worst = [k.get("kriterium", "") for k in result["kriterier"] if k["status"] == samlet]
if samlet in ("rod", "gul") and worst:
    st.markdown(f"**Hvorfor {ui.status_badge(samlet).lower()}:** den samlede vurderingen er den verste av "
                f"kriteriene, og {text.names(worst)} er {ui.status_badge(samlet).lower()}.")
used = [p for p in result.get("profiler", []) if p.get("beskrivelse")]
if used:
    st.info("Tersklene er justert for det valgte kjøpet: "
            + "; ".join(wording.for_users(str(p["beskrivelse"])) for p in used) + ".",
            icon=":material/tune:")


def _terskel(k) -> str:
    """The thresholds with the way they apply («gult over 1 500 m, rødt over 3 000 m»)."""
    t = k.get("terskel_tekst")
    if t:
        return str(t)
    th = k.get("terskel")
    if not isinstance(th, dict):
        return "" if th is None else str(th)
    worse = "under" if k.get("retning") == "lavere_er_verre" else "over"
    return ", ".join(f"{lab} {worse} {text.compact(th[key])}" for key, lab in (("gul", "gult"), ("rod", "rødt"))
                     if th.get(key) is not None)


def _verdi(v) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return text.yes_no(v)
    if isinstance(v, (int, float)):
        return text.number(v, 0 if float(v).is_integer() or abs(v) >= 100 else 1)
    return str(v)


rows = pd.DataFrame([{
    "status": ui.status_badge(k["status"]), "kriterium": k.get("kriterium", k.get("id")),
    "verdi": _verdi(k.get("verdi")), "enhet": k.get("enhet") or "", "terskel": _terskel(k),
    "begrunnelse": wording.for_users(k.get("begrunnelse")), "kilde": wording.for_users(k.get("kilde")),
} for k in result["kriterier"]])
COLORS = {ui.STATUS_TEXT[k]: v for k, v in ui.STATUS_COLOR.items()}


def _row_style(r):
    col = COLORS.get(str(r["status"]), "")
    return [f"background-color: {col}" if col else ""] * len(r)


st.dataframe(rows.style.apply(_row_style, axis=1), hide_index=True, width="stretch",
             height=38 + 35 * len(rows),
             column_config={"status": "Status", "kriterium": "Kriterium", "verdi": "Verdi",
                            "enhet": "Enhet", "terskel": "Terskel (hvilken vei)",
                            "begrunnelse": st.column_config.TextColumn("Begrunnelse", width="large"),
                            "kilde": st.column_config.TextColumn("Kilde", width="medium")})
with st.expander("Begrunnelse og kilde for hvert kriterium (hele teksten)"):
    for k, r in zip(result["kriterier"], rows.itertuples(index=False)):
        st.markdown(f"**{r.kriterium}** · {ui.status_markdown(k['status'])} · {r.terskel}  \n"
                    f"{r.begrunnelse}  \n*Kilde:* {r.kilde}")

# -- saved assessments ----------------------------------------------------------------------------
user = current_user()
params = {"enheter": units, "kategori": None if kategori == "(ikke valgt)" else kategori,
          "trinn": None if trinn == "(ikke valgt)" else int(str(trinn)),
          "endrede_parametere": appdata.overrides()}
if user.can("save_assessment"):
    if st.button("Lagre vurderingen", key="vt_save",
                 help="Tomta, parametrene og resultatet lagres med ditt navn og tidspunktet, og kan "
                      "åpnes igjen senere."):
        try:
            rec = assessments.save(user, site, params, result, data=appdata.default_source(), epsg=ds.epsg)
            st.success(f"Vurderingen av «{rec['navn']}» er lagret ({rec['tid']}).")
        except GeoplanError as e:
            st.error(f"Vurderingen ble ikke lagret: {e.message}")
    with st.expander("Lagrede vurderinger"):
        try:
            saved = assessments.recent(appdata.default_source(), ds.epsg)
        except GeoplanError as e:
            saved = []
            st.error(e.message)
        if not saved:
            st.caption("Ingen lagrede vurderinger ennå.")
        for rec in saved[:20]:
            cols = st.columns([3, 2, 1])
            cols[0].write(f"**{rec['navn']}** · {ui.status_markdown(str(rec.get('samlet') or 'ukjent'))}")
            cols[1].caption(f"{rec['bruker']}, {str(rec['tid'])[:16].replace('T', ' ')}")
            if cols[2].button("Åpne", key=f"vt_open_{rec['id']}"):
                _set_site(shapely.from_wkt(rec["wkt"]), str(rec["navn"]), f"lagret vurdering {rec['id']}")
                prm = rec.get("parametre") or {}
                st.session_state["vt_units"] = int(prm.get("enheter") or 0)
                st.session_state["vt_kat"] = prm.get("kategori") or "(ikke valgt)"
                st.session_state["vt_trinn"] = prm.get("trinn") or "(ikke valgt)"
                st.rerun()

# -- report download ------------------------------------------------------------------------------
st.subheader("Tomterapport")
c1, c2 = st.columns(2)
fmt = c1.radio("Format", ["html", "pdf"], horizontal=True, key="vt_fmt",
               format_func=lambda f: {"html": "HTML", "pdf": "PDF"}[f])
if c1.button("Lag tomterapport", key="vt_make"):
    from geoplan.present import report
    with st.spinner("Lager rapporten …"):
        data = report.site_report_bytes(result, ds, cfg, fmt=fmt, public=True,
                                        site=gpd.GeoSeries([geom], crs=ds.crs))
    st.session_state["_geoplan_site_report"] = (fmt, data)
rep = st.session_state.get("_geoplan_site_report")
if rep:
    fmt_r, data = rep
    c2.download_button(f"Last ned tomterapport ({fmt_r.upper()})", data=data,
                       file_name=f"tomterapport.{fmt_r}",
                       mime="application/pdf" if fmt_r == "pdf" else "text/html",
                       key="vt_download", on_click=audit.log_download,
                       args=("tomterapport", fmt_r, site["navn"]))
