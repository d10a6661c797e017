"""Arealregnskap: the reserve by land type (guideline kap. 4) and the proposal against the plan in
force (kap. 5), with the greenhouse-gas estimate and maps of what is added and taken out.

The figures are :func:`geoplan.runs.arealregnskap`'s (the same call ``geoplan arealregnskap``
makes), summed for the page by :mod:`geoplan.present.arealregnskap_view`, which the app page
uses too. The proposal is the dataset's ``arealformal_forslag`` layer; without it the section
has chapter 4 and says why chapter 5 is missing. The full tidy tables go to the report's
spreadsheet and to ``geoplan arealregnskap --xlsx``.
"""

from __future__ import annotations

from geoplan.present import arealregnskap_view as view
from geoplan.present import text
from geoplan.present.report.context import ReportContext, section
from geoplan.present.report.maps import map_figure, municipality_layer, union_bounds
from geoplan.present.report.model import Column, Figure, Heading, Section, Table, Text
from geoplan.present.report.staticmaps import COLORS, MapLayer


def _cols(labels: dict[str, str], text_keys: tuple[str, ...] = (), decimals: int = 1) -> list[Column]:
    return [Column(k, v) if k in text_keys else Column(k, v, "num", decimals) for k, v in labels.items()]


def _reserve_table(tid: str, title: str, df, note: str = "") -> Table:
    s = view.reserve_by_land_type(df)
    rows, sums = view.with_totals(s, "arealtype", ["innenfor_daa", "utenfor_daa", "sum_daa"],
                                  by="kategori")
    labels = {k: v for k, v in view.RESERVE_LABELS.items() if k != "arealtype_kode"}
    return Table(id=tid, title=title, sheet=title[:31], columns=_cols(labels, ("kategori", "arealtype")),
                 rows=rows.to_dict("records"), sum_rows=set(sums), note=note,
                 empty_text="Ingen reserve.")


def _chapter4(res, items: list) -> None:
    t = res.tables
    items.append(Heading("Gjeldende plan: arealreserven etter arealtype (veilederen kap. 4)"))
    items.append(_reserve_table(
        "ar_reserve", "Arealreserve etter arealtype (AR5)", t["reserve_arealtype"],
        note="Reserve = arealformål for utbygging som ikke er bygget ut (arealbruksstatus 2). "
             "Skog er delt etter bonitet der AR5 har den. " + view.SMALL_ROWS_NOTE))
    if res.zones:
        labels = view.zone_labels(res.zones)
        items.append(Table(id="ar_soner", title="Arealreserve i natur- og faresoner",
                           sheet="Reserve natur og fare", columns=_cols(labels, ("kategori", "sted")),
                           rows=t["reserve_soner"].to_dict("records"),
                           note="Soner som overlapper hverandre er telt én gang per lag."))
    if len(t["fortetting"]):
        items.append(Table(id="ar_fortetting", title="Fortetting og transformasjon (ikke i reserven)",
                           sheet="Fortetting", columns=[Column("kategori", "Kategori"),
                                                        Column("sted", "Sted"),
                                                        Column("areal_daa", "Areal (daa)", "num", 1)],
                           rows=t["fortetting"].to_dict("records")))


def _chapter5(res, items: list) -> None:
    t = res.tables
    items.append(Heading("Forslaget mot gjeldende plan (veilederen kap. 5)"))
    items.append(Table(id="ar_potensial", title="Samlet utbyggingspotensial", sheet="Potensial",
                       columns=_cols(view.POTENTIAL_LABELS, ("kategori",)),
                       rows=view.potential_rows(t["potensial"]).to_dict("records"),
                       note="Gjeldende reserve − tatt ut + lagt til = reserven i forslaget."))
    items.append(_reserve_table("ar_lagt_til", "Lagt til utbyggingsformål, etter arealtype", t["lagt_til"],
                                note=view.SMALL_ROWS_NOTE))
    items.append(_reserve_table("ar_tatt_ut", "Tatt ut av utbyggingsformål, etter arealtype", t["tatt_ut"],
                                note=view.SMALL_ROWS_NOTE))
    changed = view.changed_transitions(t["overgang"])
    same = float(t["overgang"].loc[t["overgang"]["gjeldende_kode"] == t["overgang"]["forslag_kode"],
                                   "areal_daa"].sum())
    items.append(Table(
        id="ar_overgang", title="Arealformål som endres", sheet="Overgang endret",
        columns=[Column("gjeldende_navn", "Gjeldende arealformål"),
                 Column("forslag_navn", "Arealformål i forslaget"),
                 Column("areal_daa", "Areal (daa)", "num", 1)],
        rows=changed.to_dict("records"),
        note=f"{text.daa(same)} har samme arealformål i begge planene. " + view.SMALL_ROWS_NOTE,
        empty_text="Ingen arealformål endres."))
    items.append(Table(id="ar_nedbygging", title="Arealkvaliteter som planlegges bygget ned",
                       sheet="Nedbygging", columns=_cols(view.NEDBYGGING_LABELS, ("kvalitet",)),
                       rows=t["nedbygging"].to_dict("records")))


def _ghg(res, settings, items: list) -> None:
    items.append(Heading("Klimagassutslipp fra nedbygging (anslag, utover veilederen)"))
    items.append(Text(view.ghg_text(settings)))
    labels = view.GHG_LABELS_PROPOSAL if res.has_proposal else view.GHG_LABELS_IN_FORCE
    rows, sums = view.ghg_rows(res.tables["klimagass"], res.has_proposal)
    cols = [Column(k, v.strip()) if k == "gruppe" else Column(k, v.strip(), "num", 0 if "tco2e" in k else 1)
            for k, v in labels.items()]
    items.append(Table(id="ar_klimagass", title="Klimagass, t CO₂-ekv. over "
                       f"{settings.ghg_years} år (midt, lav, høy)", sheet="Klimagass", columns=cols,
                       rows=rows.to_dict("records"), sum_rows=set(sums)))
    if res.has_proposal:
        change = float(res.tables["klimagass"]["endring_tco2e_midt"].sum())
        items.append(Text(view.ghg_ku_sentence(change, settings)))


def change_maps(ctx, kart) -> list[Figure]:
    """One map of what is added to building purposes and one of what is taken out, by land type.

    Each map zooms to its own areas (or to the utviklingsgrenser when there are none); the
    areas have a darker outline in their colour so that small ones stay visible.
    """
    figs = []
    ug = ctx.layer("utviklingsgrense")
    for key, title in view.CHANGES.items():
        part = kart[kart["endring"] == key]
        layers = municipality_layer(ctx.dataset)
        if ug is not None and len(ug):
            layers.append(MapLayer(ug, "Utviklingsgrense", color=COLORS["utviklingsgrense"], fill=False,
                                   linewidth=1.0, zorder=2))
        for _code, _bon, name, col, g in view.land_groups(part):
            layers.append(MapLayer(g, name, color=col, edgecolor=view.darker(col), alpha=0.9,
                                   linewidth=0.6, zorder=3))
        focus = union_bounds([part]) if len(part) else union_bounds([ug])
        daa = text.daa(part["areal_daa"].sum())
        figs.append(map_figure(ctx, layers, title, focus=focus, height_cm=13.0, caption=(
            f"{title} i forslaget: {daa}, farget etter hva arealet er i dag (AR5)."
            if len(part) else f"Ingenting er {key} i forslaget.")))
    return figs


@section("arealregnskap", "Arealregnskap for arealdelen", ("arealregnskap",))
def sec_arealregnskap(ctx: ReportContext, sec: Section) -> None:
    from geoplan import runs
    from geoplan.config.arealregnskap import ArealregnskapSettings
    ctx.need("arealformal")
    res = ctx.once("arealregnskap", lambda: runs.arealregnskap(ctx.dataset, ctx.config))
    settings = ArealregnskapSettings.from_config(ctx.config)
    sec.text.append(
        "Arealregnskapet følger veilederen «Arealregnskap i kommuneplan» (Kommunal- og "
        "distriktsdepartementet, 2023): hva arealreserven i gjeldende plan består av i dag, og hva "
        "planforslaget legger til og tar ut av utbyggingsformål. Arealene er målt ved eksakt overlag; "
        "alle arealer i daa.")
    if not res.has_proposal:
        sec.text.append("Laget «arealformal_forslag» (arealformål i planforslaget) mangler i "
                        "datagrunnlaget, så bare gjeldende plan (kap. 4) er med. Legg forslaget inn som "
                        "laget «arealformal_forslag», eller bruk «geoplan arealregnskap --forslag».")
    sec.text.extend(res.notes)
    items: list = []
    _chapter4(res, items)
    if res.has_proposal:
        _chapter5(res, items)
        items.extend(change_maps(ctx, res.kart))
    _ghg(res, settings, items)
    k = res.kontroll
    items.append(Text(
        f"Kontroll: gjeldende plan er {text.daa(k['gjeldende_plan_daa'])}, og radene i "
        f"overgangstabellen summerer til {text.daa(k['overgang_radsum_daa'])}. Avvik fra overlapp og "
        f"avrunding: {text.number(k['avvik_daa'], 3)} daa; {text.integer(k['glipper_antall'])} glipper "
        f"under {text.compact(k['glipper_grense_m2'])} m² med til sammen {text.number(k['glipper_daa'], 3)} "
        "daa er talt med."))
    sec.items.extend(items)
