"""Land need per scenario, housing reserve and balance per place, ranked parcels.

Every number is :func:`geoplan.runs.area_need` / :func:`geoplan.runs.reserves`
for the report's data and growth flags, so it equals ``geoplan arealbehov
--json`` / ``geoplan reserves --json``.
"""

from __future__ import annotations

from typing import Any

from geoplan import runs
from geoplan.present import text
from geoplan.present.report.context import ReportContext, section
from geoplan.present.report.maps import map_figure, overview_layers, places_focus, union_bounds
from geoplan.present.report.model import Column, Section, Table, Text
from geoplan.present.report.staticmaps import MapLayer

UNNAMED = "(sted uten navn)"
OUTSIDE = "(utenfor alle grenser)"


def scenario_need(ctx: ReportContext):
    """The scenario table: every horizon year × growth rate for each place.

    The places are the data's utviklingsgrenser (as ``geoplan reserves`` sees
    them: shares and densities from config, then the data's
    ``boenheter_per_daa``, places not in config sharing the rest of the growth),
    so the column for ``reserves.default_year`` / ``default_rate`` equals the
    balance. Without utviklingsgrenser, with ``--sted``, or with ``--share``
    alone, it is exactly ``geoplan arealbehov`` for the same flags (places from
    config). When the data's places are the configured ones (the demo), both agree.

    Returns
    -------
    (need frame, growth parameters, "data" or "config" (where the places come from), notes)
    """
    def run():
        g = ctx.growth
        ug = ctx.layer("utviklingsgrense")
        from_data = ug is not None and len(ug) and not g.places and g.share is None
        need, gp, notes = runs.area_need(
            ctx.config, years=list(g.years) if g.years else None,
            rates=list(g.rates) if g.rates else None,
            places=list(g.places) if g.places else None, share=g.share,
            dwellings_per_daa=g.dwellings_per_daa, base_population=g.base_population,
            base_year=g.base_year, persons_per_dwelling=g.persons_per_dwelling,
            boundaries=ug if from_data else None)
        return need, gp, "data" if from_data else "config", notes
    return ctx.once("arealbehov", run)


def reserve_result(ctx: ReportContext):
    """``geoplan reserves`` for the report's data and flags (:func:`geoplan.runs.reserves`)."""
    def run():
        ctx.need("arealformal", "utviklingsgrense")
        g = ctx.growth
        return runs.reserves(
            ctx.dataset, ctx.config, year=g.year, rate=g.rate,
            base_population=g.base_population, base_year=g.base_year,
            persons_per_dwelling=g.persons_per_dwelling, share=g.share,
            dwellings_per_daa=g.dwellings_per_daa,
            places=list(g.places) if g.places else None)
    return ctx.once("reserves", run)


def _wide_table(tab, names: list[str], scenarios: list[tuple[int, float]], col: str,
                decimals: int, tid: str, title: str, sheet: str) -> Table:
    """One value of the scenario frame as places × scenarios, with a total row."""
    piv = tab.pivot_table(index="_sted", columns=["aar", "vekstrate"], values=col,
                          aggfunc="sum", sort=False)
    first = tab.drop_duplicates("_sted").set_index("_sted")
    columns = [Column("sted", "Sted"), Column("andel_pct", "Andel av veksten %", "num", 1),
               Column("boenheter_per_daa", "Boenh. per daa", "num", 1)]
    keys = []
    for a, r in scenarios:
        k = f"s_{a}_{r:g}"
        keys.append((k, a, r))
        columns.append(Column(k, f"{a}, {text.rate(r)}", "num", decimals))
    rows: list[dict[str, Any]] = []
    for n in names:
        row = {"sted": n, "andel_pct": float(first.at[n, "andel"]) * 100.0,
               "boenheter_per_daa": float(first.at[n, "boenheter_per_daa"])}
        for k, a, r in keys:
            row[k] = float(piv.loc[n].get((a, r), float("nan")))
        rows.append(row)
    t = Table(id=tid, title=title, columns=columns, rows=rows, sheet=sheet)
    if len(names) > 1:
        tot = {"sted": "Sum", "andel_pct": sum(r["andel_pct"] for r in rows),
               "boenheter_per_daa": None}
        for k, _a, _r in keys:
            tot[k] = float(sum(r[k] for r in rows))
        t.rows.append(tot)
        t.sum_rows.add(len(t.rows) - 1)
    return t


@section("arealbehov", "Arealbehov: scenarier per sted", ("reserves",))
def sec_need(ctx: ReportContext, sec: Section) -> None:
    need, gp, origin, notes = scenario_need(ctx)
    scen = need[["aar", "vekstrate"]].drop_duplicates().sort_values(["aar", "vekstrate"])
    cols = [(int(a), float(r)) for a, r in scen.itertuples(index=False)]
    tab = need.assign(_sted=need["sted"].where(need["sted"].notna(), UNNAMED))
    names = list(dict.fromkeys(tab["_sted"]))
    sec.text.append(
        f"Befolkningsveksten er regnet fra {text.integer(gp['base_population'])} innbyggere "
        f"1.1.{gp['base_year']} med {text.number(gp['persons_per_dwelling'], 1)} personer per "
        f"boenhet, for {len(cols)} scenarier "
        f"({', '.join(f'{a} med {text.rate(r)} årlig vekst' for a, r in cols)}). "
        "Vekst = folketall × ((1 + vekstrate)^(år − basisår) − 1) × stedets andel; boenheter = "
        "vekst / personer per boenhet; arealbehov = boenheter / boenheter per daa "
        "(Larvik kommune, Boligplan 2015–2020). Tallene er regnet fra parameterne, ikke "
        "skrevet av fra kildens tabeller, som har regnefeil.")
    for col, d, tid, title, sheet in (
            ("arealbehov_daa", 1, "arealbehov", "Arealbehov (daa)", "Arealbehov daa"),
            ("vekst_personer", 0, "vekst_personer", "Befolkningsvekst (personer)", "Vekst personer"),
            ("boenheter", 0, "boenheter", "Nye boenheter", "Boenheter")):
        sec.items.append(_wide_table(tab, names, cols, col, d, tid, title, sheet))
    sec.items.append(Table(
        id="arealbehov_alle", title="Alle scenarier (uavrundet)", sheet="Scenarier",
        columns=[Column("sted", "Sted"), Column("aar", "År", "text"),
                 Column("vekstrate", "Vekstrate (andel per år)", "num", 4),
                 Column("vekst_personer", "Vekst (personer)", "num", 3),
                 Column("boenheter", "Boenheter", "num", 3),
                 Column("arealbehov_daa", "Arealbehov (daa)", "num", 3)],
        rows=need[["sted", "aar", "vekstrate", "vekst_personer", "boenheter",
                   "arealbehov_daa"]].to_dict("records"), in_html=False))
    sec.items[0].note = ("Hver celle er avrundet for seg; summene er regnet før avrunding. "
                         "Uavrundede tall står i regnearket (arket «Scenarier») og i "
                         "«geoplan arealbehov --json».")
    if origin == "data":
        sec.text.append(
            "Stedene er utviklingsgrensene i dataene. Andel av veksten og tetthet kommer fra "
            "config/reserves.toml (ellers fra kolonnen boenheter_per_daa i dataene); kolonnen "
            "for horisontåret og vekstraten i balansen er den samme som arealbehovet der.")
        sec.text.extend(notes)
    else:
        sec.text.append("Stedene, andelene og tetthetene er de i config/reserves.toml, som i "
                        "«geoplan arealbehov».")


_BALANCE_SUMS = ("arealbehov_daa", "boligreserve_daa", "behov_nye_daa", "innspill_daa",
                 "balanse_daa", "antall_reserver", "antall_innspill")


@section("balanse", "Boligreserve, innspill og balanse per sted", ("reserves",))
def sec_balance(ctx: ReportContext, sec: Section) -> None:
    res = reserve_result(ctx)
    st = res.steder
    f = res.forutsetninger or {}
    sec.text.append(
        f"Balansen gjelder horisontåret {f.get('aar', text.MISSING)} med "
        f"{text.rate(f.get('vekstrate'))} årlig vekst. Boligreserve er "
        "areal avsatt til boligformål som ikke er bygd ut, innenfor stedets utviklingsgrense; "
        "overlappende formålsflater er talt én gang. Behov for nytt areal = arealbehov − "
        "reserve (minst 0). Balanse = reserve + innspill − arealbehov: positivt tall er "
        "overskudd, negativt underskudd.")
    rows = st.to_dict("records")
    t = Table(id="balanse", title="Balanse per sted (daa)", sheet="Balanse",
              columns=[Column("sted", "Sted"),
                       Column("arealbehov_daa", "Arealbehov", "num", 1),
                       Column("boligreserve_daa", "Boligreserve", "num", 1),
                       Column("behov_nye_daa", "Behov for nytt areal", "num", 1),
                       Column("innspill_daa", "Innspill", "num", 1),
                       Column("balanse_daa", "Balanse (+ overskudd / − underskudd)", "num", 1),
                       Column("antall_reserver", "Antall reserver", "int"),
                       Column("antall_innspill", "Antall innspill", "int")],
              rows=rows)
    if len(rows) > 1:
        tot: dict = {"sted": "Sum"}
        for k in _BALANCE_SUMS:
            tot[k] = float(st[k].sum()) if k in st.columns else None
        t.rows.append(tot)
        t.sum_rows.add(len(t.rows) - 1)
    t.title = "Balanse per sted som i boligplanen: hele reserven, alle boliginnspill (daa)"
    sec.items.append(t)
    _net_items(sec, res)
    if res.utenfor_daa and res.utenfor_daa > 0:
        sec.text.append(f"{text.number(res.utenfor_daa, 1)} daa boligreserve ligger utenfor alle "
                        "utviklingsgrenser og er ikke regnet med i noe steds reserve.")
    sec.items.extend(Text(n) for n in res.merknader)
    sec.items.append(map_figure(
        ctx, overview_layers(ctx, res.parseller), "Utviklingsgrenser, boligreserve og innspill",
        focus=places_focus(ctx, res.parseller), caption=(
            "Boligreserve (gul) og innspill (grønn) med utviklingsgrensene. Kilde: "
            "datagrunnlaget i denne rapporten.")))


def _net_items(sec: Section, res) -> None:
    """The balance after the hard criteria, what they exclude, spredt, the villages."""
    st = res.steder
    if "balanse_netto_daa" not in st.columns:
        return
    crit = res.forutsetninger.get("harde_kriterier", [])
    sec.text.append(
        "Ved siden av boligplanens balanse viser den andre tabellen hva som er igjen etter de "
        "harde kriteriene: "
        + "; ".join(f"{c['grunn']} ({'alle steder' if c['gjelder'] == 'alle steder' else ', '.join(c['gjelder'])})"
                    for c in crit)
        + ". Delene de treffer er ikke aktuelle (Larvik kommune, Boligplan 2015–2020, "
        "l. 2467–2483) og er trukket fra reserven og innspillene; hver utelatt del står med "
        "daa og grunn i tabellen under.")
    sec.items.append(Table(
        id="harde_kriterier", title="Harde kriterier", sheet="Harde kriterier",
        columns=[Column("grunn", "Kriterium"), Column("gjelder_tekst", "Gjelder"),
                 Column("kilde", "Kilde")],
        rows=[{**c, "gjelder_tekst": c["gjelder"] if isinstance(c["gjelder"], str)
               else ", ".join(c["gjelder"])} for c in crit]))
    sec.items.append(Table(
        id="balanse_netto", title="Balanse etter de harde kriteriene (daa)", sheet="Balanse netto",
        columns=[Column("sted", "Sted"), Column("arealbehov_daa", "Arealbehov", "num", 1),
                 Column("boligreserve_aktuell_daa", "Aktuell reserve", "num", 1),
                 Column("reserve_utelatt_daa", "Reserve ikke aktuell", "num", 1),
                 Column("innspill_aktuelt_daa", "Aktuelle innspill", "num", 1),
                 Column("innspill_utelatt_daa", "Innspill ikke aktuelle", "num", 1),
                 Column("balanse_netto_daa", "Balanse (+/−)", "num", 1),
                 Column("skolekriterium_gjelder", "Skolesirkelen gjelder", "bool")],
        rows=st.to_dict("records")))
    ut = res.utelatt
    if ut is not None and len(ut):
        sec.items.append(Table(
            id="ikke_aktuelt", title="Ikke aktuelle deler (harde kriterier)", sheet="Ikke aktuelt",
            columns=[Column("sted", "Sted"), Column("type", "Type"), Column("navn", "Navn"),
                     Column("grunn", "Grunn"), Column("utelatt_daa", "Ikke aktuelt daa", "num", 1)],
            rows=ut.to_dict("records")))
    sp = res.spredt
    if sp is not None:
        codes = ", ".join(str(c) for c in res.forutsetninger.get("spredt_koder", []))
        inside = float(sp.loc[sp["sted"].notna(), "areal_daa"].sum()) if len(sp) else 0.0
        sec.text.append(
            f"Spredt boligbebyggelse (arealformål {codes}) er gjennomgått for seg, som kilden ber om "
            "(l. 2460–2465), og er ikke regnet som tett boligreserve: "
            f"{text.number(inside, 1)} daa innenfor utviklingsgrensene og "
            f"{text.number(float(sp['areal_daa'].sum()) - inside, 1)} daa utenfor, i "
            f"{text.integer(len(sp))} flater.")
        if len(sp):
            sec.items.append(Table(
                id="spredt", title="Spredt boligbebyggelse", sheet="Spredt",
                columns=[Column("sted", "Sted"), Column("navn", "Navn"),
                         Column("arealformal", "Arealformål", "text"),
                         Column("areal_daa", "Areal daa", "num", 1),
                         Column("utelatt_daa", "Ikke aktuelt daa", "num", 1),
                         Column("grunn", "Grunn")],
                rows=[{**r, "sted": r["sted"] if not text.is_missing(r["sted"]) else OUTSIDE}
                      for r in sp.drop(columns="geometry").to_dict("records")]))
    tv = res.tettsteder
    if tv is not None and len(tv):
        f = res.forutsetninger
        sec.text.append(
            "«I tillegg skal de andre mindre tettstedene ha en vekst som opprettholder dagens "
            "tettstedsstruktur» (l. 2348–2350): stedene i laget «sentrum» utenfor alle "
            "utviklingsgrenser får en egen vekst i tillegg til stedenes andeler over, som står "
            "uendret. Andelen er stedets andel av kommunens boliger i dag (reserves.villages, "
            f"kommunalt valg); til {f.get('aar')} med {text.rate(f.get('vekstrate'))} årlig vekst.")
        sec.items.append(Table(
            id="tettsteder", title="Mindre tettsteder: vekst i tillegg", sheet="Mindre tettsteder",
            columns=[Column("sted", "Sted"), Column("boliger_i_dag", "Boliger i dag", "int"),
                     Column("andel_pct", "Andel %", "num", 2),
                     Column("vekst_personer", "Vekst personer", "num", 0),
                     Column("arealbehov_daa", "Arealbehov daa", "num", 1),
                     Column("reserve_daa", "Reserve i nærheten daa", "num", 1),
                     Column("balanse_daa", "Balanse daa", "num", 1)],
            rows=[{**r, "andel_pct": r["andel"] * 100.0} for r in tv.to_dict("records")]))


def _takeout_items(ctx: ReportContext, sec: Section, res) -> None:
    """The take-out proposal per place: list, total against the surplus, and a map."""
    take, st = res.uttak, res.steder
    if take is None or not len(take) or "uttak_daa" not in st.columns:
        return
    sec.text.append(
        "Uttak: der reserven er større enn arealbehovet skal den justeres (l. 2453–2456), og "
        "områder som ikke er aktuelle og som har en dårlig plassering tas ut (l. 2460–2463). "
        "Forslaget tar først de ikke aktuelle delene, så hele reserver fra den dårligst "
        "plasserte, og der en reserve er større enn det som kan gå, dens bratteste og fjerneste "
        "del fra sentrum (ruter på "
        f"{text.integer(ctx.config.get('reserves.takeout_cell_m', 20))} m), til reserven er nede "
        "i arealbehovet, aldri under.")
    sec.items.append(Table(
        id="uttak", title="Forslag til uttak av boligreserve", sheet="Uttak",
        columns=[Column("sted", "Sted"), Column("navn", "Navn"), Column("hva", "Hva"),
                 Column("grunn", "Grunn"), Column("uttak_daa", "Uttak daa", "num", 1)],
        rows=take.drop(columns="geometry").to_dict("records")))
    sec.items.append(Table(
        id="uttak_sum", title="Uttak mot overskudd per sted (daa)", sheet="Uttak sum",
        columns=[Column("sted", "Sted"), Column("overskudd_reserve_daa", "Overskudd", "num", 1),
                 Column("uttak_daa", "Uttak i alt", "num", 1),
                 Column("uttak_ikke_aktuelt_daa", "Herav ikke aktuelt", "num", 1),
                 Column("gjenstaar_daa", "Gjenstår av overskuddet", "num", 1)],
        rows=st[st["uttak_daa"] > 0].to_dict("records")))
    p = res.parseller
    for pl in st[st["overskudd_reserve_daa"] > 0].itertuples(index=False):
        mine = take[take["sted"] == pl.sted]
        reserves = p[(p["sted"] == pl.sted) & (p["type"] == "reserve")]
        layers = overview_layers(ctx, reserves)
        layers.append(MapLayer(mine[mine["hva"] == "ikke aktuell del"], "Ikke aktuell (tas ut)",
                               color="#6d4c41", alpha=0.55, hatch="xx", edgecolor="#3e2723",
                               linewidth=0.4, zorder=4))
        layers.append(MapLayer(mine[mine["hva"] != "ikke aktuell del"], "Foreslått tatt ut",
                               color="#c62828", alpha=0.45, hatch="///", edgecolor="#c62828",
                               linewidth=0.4, zorder=5))
        sec.items.append(map_figure(
            ctx, layers, f"Forslag til uttak i {pl.sted}", caption=(
                f"{pl.sted}: reserve {text.number(pl.boligreserve_daa, 1)} daa, arealbehov "
                f"{text.number(pl.arealbehov_daa, 1)} daa, overskudd "
                f"{text.number(pl.overskudd_reserve_daa, 1)} daa; foreslått tatt ut "
                f"{text.number(pl.uttak_daa, 1)} daa, gjenstår {text.number(pl.gjenstaar_daa, 1)}"
                " daa. Kilde: datagrunnlaget i denne rapporten."),
            focus=union_bounds([reserves])))


_DISTANCE_LABELS = {"avstand_sentrum_m": "Til sentrum m", "avstand_bebyggelse_m": "Til bebyggelse m",
                    "avstand_gangnett_m": "Til gangnett m",
                    "avstand_holdeplass_m": "Til holdeplass m",
                    "avstand_kollektivakse_m": "Til kollektivakse m"}


@section("parseller", "Reserver og innspill med rangering", ("reserves",))
def sec_parcels(ctx: ReportContext, sec: Section) -> None:
    res = reserve_result(ctx)
    p = res.parseller
    weighted = res.forutsetninger.get("rangering") == "vektet"
    sec.text.append(
        "Innspill og reserver er rangert per sted etter utbyggingsrekkefølgen i boligplanen "
        "(l. 2485–2497): (1) nærmest eksisterende tettsted, målt som avstand til stedets "
        "sentrum, (2) nær gang- og sykkelvegnett og kollektivtilbud, (3) avklart i regional "
        "plan (RPBA). "
        + ("Rangeringen bruker her en vektet skår (kommunalt valg, reserves.ranking.method); "
           "skår 0 er best. " if weighted else
           "Trinnene brukes etter hverandre: avstander i samme bånd "
           f"({text.integer(ctx.config.get('reserves.ranking.band_step1_m', 0))} m for trinn 1, "
           f"{text.integer(ctx.config.get('reserves.ranking.band_step2_m', 0))} m for trinn 2) "
           "regnes som like, og neste trinn avgjør. ")
        + "Rang 1 er best plassert; ikke aktuelle arealer har ingen rang. Kumulativt areal "
        "(aktuelt areal) viser hvilke innspill som dekker behovet for nytt areal.")
    cols = [Column("sted", "Sted"), Column("type", "Type"), Column("rang", "Rang", "int"),
            Column("navn", "Navn"), Column("areal_daa", "Areal daa", "num", 1),
            Column("areal_innenfor_daa", "Innenfor grensen daa", "num", 1),
            Column("aktuelt_daa", "Aktuelt daa", "num", 1),
            Column("grunn_ikke_aktuell", "Ikke aktuelt fordi"),
            *([Column("skaar", "Skår", "num", 2)] if weighted else
              [Column("trinn1_m", "Trinn 1 m", "num", 0), Column("trinn2_m", "Trinn 2 m", "num", 0)]),
            Column("kumulativt_areal_daa", "Kumulativt daa", "num", 1),
            Column("dekker_behov", "Dekker behov", "bool"),
            Column("uttak_daa", "Foreslått uttak daa", "num", 1),
            Column("andel_steinbrudd_pct", "Nær steinbrudd %", "num", 0),
            Column("andel_bratt_pct", "Bratt %", "num", 0)]
    cols = [c for c in cols if c.key in p.columns]
    rows = p.drop(columns="geometry").to_dict("records") if len(p) else []
    for r in rows:
        if text.is_missing(r.get("sted")):
            r["sted"] = OUTSIDE
    sec.items.append(Table(id="parseller", title="", sheet="Parseller", columns=cols, rows=rows,
                           empty_text="Ingen reserver eller innspill i dataene."))
    _takeout_items(ctx, sec, res)
    detail = [c for c in _DISTANCE_LABELS if c in p.columns]
    if detail and rows:
        sec.items.append(Table(
            id="rangering_avstander", title="Avstandene bak rangeringen (m)",
            sheet="Rangering avstander",
            columns=[Column("sted", "Sted"), Column("type", "Type"), Column("rang", "Rang", "int"),
                     Column("navn", "Navn")] + [Column(c, _DISTANCE_LABELS[c], "num", 0)
                                                for c in detail],
            rows=rows))
