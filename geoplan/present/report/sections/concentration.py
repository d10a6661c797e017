"""Concentration of municipal dwellings: always aggregated to grunnkrets and suppressed.

The report goes on public hearing, so counts of municipal units below
``kommune.min_count_public`` (0 included) never show, nor the shares and
quotients that would give them back, whatever ``public`` says. Single
dwellings and buildings are never listed or drawn.
"""

from __future__ import annotations

from typing import Sequence

from geoplan import runs
from geoplan.analysis.concentration import suppress
from geoplan.present import text
from geoplan.present.report.context import ReportContext, section
from geoplan.present.report.maps import concentration_map
from geoplan.present.report.model import (
    SUPPRESSED,
    Column,
    Heading,
    Section,
    Table,
    Text,
    suppress_small,
)


def concentration_results(ctx: ReportContext):
    """``geoplan concentration`` for the same data and config: (raw, public, settings).

    The public version is :func:`geoplan.analysis.concentration.suppress` with
    zeros suppressed too, at the larger of the analysis' and the report's minimum.
    """
    def run():
        ctx.need("kommunal_bolig", "grunnkrets")
        model, st = runs.concentration_model(ctx.dataset, ctx.config)
        raw = model.result(**runs.cluster_kwargs(st))
        pub = suppress(raw, max(st.min_count, ctx.min_count), suppress_zero=True)
        return raw, pub, st
    return ctx.once("concentration", run)


def mark_hidden(table: Table, raw_rows: list[dict], keys: Sequence[str]) -> None:
    """Cells the public version blanked (raw value present) are shown as suppressed."""
    for i, (row, rraw) in enumerate(zip(table.rows, raw_rows)):
        for k in keys:
            if text.is_missing(row.get(k)) and not text.is_missing(rraw.get(k)):
                table.suppressed_cells.add((i, k))



def _intro(sec: Section, par: dict, limit: int) -> None:
    sec.privacy = (f"Personvern: rapporten er offentlig. Tallene er samlet per grunnkrets, og antall "
                   f"kommunale enheter under {limit} (også 0) vises ikke («{SUPPRESSED}»), heller "
                   "ikke andeler og kvotienter som ville gitt dem tilbake. Adresser, enkeltboliger "
                   "og enkeltbygninger vises ikke.")
    sec.text.append(
        "Kildene sier at konsentrasjonen av kommunalt disponerte utleieboliger skal tas hensyn "
        "til når nye lokaliseres: selg der andelen er for høy, kjøp andre steder, og spre "
        "boligene forutsatt kollektivtilbud (Larvik kommune, Boligplan 2015–2020). Andelen er "
        "kommunale enheter av alle boliger i grunnkretsen; lokaliseringskvotienten er "
        "grunnkretsens andel delt på kommunens andel.")
    sec.text.append(
        f"Terskler: andel over {text.integer(par.get('grunnkrets_andel_pct'))} % eller "
        f"lokaliseringskvotient over {text.number(par.get('lokaliseringskvotient_maks'), 1)} i en "
        f"grunnkrets; Housing First høyst {text.integer(par.get('housing_first_maks_andel_pct'))} % "
        "(se parametere og kilder bakerst).")


def _grunnkrets_table(raw, pub, limit: int) -> tuple[Table, list[dict]]:
    gk_raw = raw.grunnkretser.drop(columns="geometry").to_dict("records")
    gk_pub = pub.grunnkretser.drop(columns="geometry").to_dict("records")
    klynge_text = {"varm flekk": "varm flekk", "kald flekk": "kald flekk"}
    for r in gk_pub:
        r["klynge"] = klynge_text.get(r.get("klynge"), "")
        if text.is_missing(r.get("grunnkretsnavn")):
            r["grunnkretsnavn"] = ""
    t = Table(id="konsentrasjon_grunnkrets", title="Kommunale enheter per grunnkrets",
              sheet="Konsentrasjon grunnkrets",
              columns=[Column("grunnkretsnummer", "Grunnkrets"), Column("grunnkretsnavn", "Navn"),
                       Column("kommunale_enheter", "Kommunale enheter", "count"),
                       Column("antall_boliger", "Boliger", "int"),
                       Column("andel_pct", "Andel %", "num", 1),
                       Column("lokaliseringskvotient", "Lokaliseringskvotient", "num", 2),
                       Column("over_terskel", "Over terskel", "bool"),
                       Column("klynge", "Klynge (Gi*)")],
              rows=gk_pub)
    dependent = ["andel_pct", "lokaliseringskvotient", "over_terskel"]
    mark_hidden(t, gk_raw, ["kommunale_enheter"] + dependent)
    suppress_small(t, ["kommunale_enheter"], limit, dependent=dependent)  # safety net
    t.note = ("«–» betyr at andelen ikke er definert (ingen boliger i grunnkretsen). "
              f"«{SUPPRESSED}» betyr skjult av personvernhensyn.")
    return t, gk_pub


_INDICES = (("dissimilaritet", "Dissimilaritetsindeks (0 = jevnt fordelt, 1 = helt atskilt)", 3),
            ("isolasjon", "Isolasjonsindeks", 3),
            ("romlig_dissimilaritet", "Romlig dissimilaritet", 3),
            ("kommunal_andel_pct", "Kommunale enheter av alle boliger, %", 2))


def _municipality_items(raw, pub, limit: int) -> list:
    """Heading, total, global indices and counts per category for the whole municipality."""
    idx = pub.indekser or {}
    itab = Table(id="konsentrasjon_indekser", title="Globale indekser (PySAL segregation)",
                 sheet="Konsentrasjon indekser",
                 columns=[Column("indeks", "Indeks"), Column("verdi", "Verdi", "num", 3)],
                 rows=[{"indeks": label, "verdi": idx.get(key), "_d": d, "noekkel": key}
                       for key, label, d in _INDICES])
    itab.note = ("Kommunale enheter mot alle boliger i grunnkretsene. Ved jevn fordeling er "
                 "isolasjonsindeksen lik kommunens andel.")
    tot = idx.get("kommunale_enheter_totalt")
    shown = SUPPRESSED if tot is None or text.is_missing(tot) else text.integer(tot)
    items: list = [Heading("Hele kommunen"),
                   Text(f"Kommunale enheter i alt: {shown} "
                        f"av {text.integer(idx.get('antall_boliger_totalt'))} boliger."),
                   itab]
    totals = pub.kategori_totaler
    if totals is not None and len(totals):
        # the totals per kategori as the disclosure control published them (with the
        # municipal total above, a single hidden kategori would be a subtraction away)
        kt = Table(id="konsentrasjon_kategori",
                   title="Kommunale enheter per kategori, hele kommunen",
                   sheet="Konsentrasjon kategori",
                   columns=[Column("kategori", "Kategori"),
                            Column("kommunale_enheter", "Kommunale enheter", "count")],
                   rows=[{"kategori": r["kategori"],
                          "kommunale_enheter": None if text.is_missing(r["kommunale_enheter"])
                          else int(r["kommunale_enheter"])} for r in totals.to_dict("records")])
        kt.suppressed_cells |= {(i, "kommunale_enheter") for i, r in enumerate(kt.rows)
                                if r["kommunale_enheter"] is None}
        items.append(kt)
    return items


def _public_shares(t: Table, gk_pub: list[dict]) -> list[float]:
    """The shares the map may colour: NaN where suppressed or undefined."""
    return [float("nan") if (i, "andel_pct") in t.suppressed_cells
            or text.is_missing(r.get("andel_pct")) else float(r["andel_pct"])
            for i, r in enumerate(gk_pub)]


def _cluster_item(raw, pub, par: dict):
    kl = pub.klynger
    if not len(kl):
        return Text("Ingen grunnkretser er signifikante varme eller kalde flekker.")
    krows = kl.to_dict("records")
    # z and p are not published: they mix the shares of hidden neighbours (geoplan.privacy)
    kt = Table(id="konsentrasjon_klynger",
               title=f"Varme og kalde flekker (Getis-Ord Gi*, {par.get('klynge_permutasjoner')} "
                     f"permutasjoner, p ≤ {text.number(par.get('klynge_signifikans'), 2)})",
               sheet="Konsentrasjon klynger",
               columns=[Column("grunnkretsnummer", "Grunnkrets"), Column("klynge", "Klynge"),
                        Column("andel_pct", "Andel %", "num", 1)], rows=krows)
    kraw = {str(r["grunnkretsnummer"]): r for r in raw.klynger.to_dict("records")}
    mark_hidden(kt, [kraw.get(str(r["grunnkretsnummer"]), {}) for r in krows], ["andel_pct"])
    return kt


def _building_items(ctx: ReportContext, raw, pub, par: dict, limit: int) -> list:
    """Buildings with municipal units: the public aggregates (:func:`geoplan.privacy.suppress`)."""
    if not len(raw.bygninger):
        if ctx.has("bygning"):
            return []
        return [Text("Laget «bygning» mangler, så konsentrasjon per bygning (Housing "
                     "First-regelen) er ikke vurdert.")]
    s0 = pub.bygninger.to_dict("records")[0] if len(pub.bygninger) else {}

    def show(key: str) -> str:
        v = s0.get(key)
        return f"færre enn {limit}" if v is None or text.is_missing(v) else text.integer(v)
    rows = [{"hva": "Bygninger med kommunale enheter", "antall": show("bygninger_med_kommunale_enheter")},
            {"hva": f"Flere enn {text.integer(par.get('bygning_maks_enheter'))} kommunale enheter "
                    "(omsorgsboliger ikke medregnet)",
             "antall": show("bygninger_over_antall_terskel")},
            {"hva": f"Andel over {text.integer(par.get('bygning_maks_andel_pct'))} % i bygninger med "
                    f"minst {text.integer(par.get('bygning_andel_min_boliger'))} boliger",
             "antall": show("bygninger_over_andel_terskel")},
            {"hva": f"Housing First over {text.integer(par.get('housing_first_maks_andel_pct'))} % "
                    "i en boligblokk",
             "antall": show("bygninger_over_hf_terskel")},
            {"hva": "Housing First i samme bygning som andre med rus- eller psykiatriproblemer",
             "antall": show("bygninger_hf_sammen_med")}]
    return [Table(id="konsentrasjon_bygninger", title="Bygninger (bare samlet)",
                  sheet="Konsentrasjon bygninger",
                  columns=[Column("hva", "Bygninger"), Column("antall", "Antall")], rows=rows,
                  note="Enkeltbygninger vises ikke i en offentlig rapport. Eneboliger og "
                       "omsorgsboliger flagges ikke for å være kommunale.")]


def _radius_text(pub, radius_m: float) -> list:
    rad = pub.radius.to_dict("records")
    if not rad:
        return []
    r0 = rad[0]

    def show(v):
        return SUPPRESSED if text.is_missing(v) else text.integer(v)
    return [Text(
        f"Innenfor {text.integer(radius_m)} m av hver kommunal bolig: "
        f"{show(r0.get('boligpunkter_over_terskel'))} av {show(r0.get('boligpunkter'))} "
        f"boligpunkter er over terskelen; medianen er {show(r0.get('median_enheter_innen_radius'))} "
        f"og det høyeste {show(r0.get('maks_enheter_innen_radius'))} kommunale enheter innenfor "
        "radiusen.")]


def _category_grunnkrets_table(raw, pub, limit: int) -> Table:
    """Per grunnkrets and category: spreadsheet only (a long table)."""
    kt2 = Table(id="konsentrasjon_kategori_grunnkrets", title="Per kategori og grunnkrets",
                sheet="Kategori per grunnkrets",
                columns=[Column("grunnkretsnummer", "Grunnkrets"), Column("kategori", "Kategori"),
                         Column("kommunale_enheter", "Kommunale enheter", "count"),
                         Column("andel_pct", "Andel %", "num", 2),
                         Column("lokaliseringskvotient", "Lokaliseringskvotient", "num", 2)],
                rows=pub.kategorier.to_dict("records"), in_html=False)
    mark_hidden(kt2, raw.kategorier.to_dict("records"),
                ["kommunale_enheter", "andel_pct", "lokaliseringskvotient"])
    suppress_small(kt2, ["kommunale_enheter"], limit,
                   dependent=["andel_pct", "lokaliseringskvotient"])
    return kt2


@section("konsentrasjon", "Konsentrasjon av kommunale boliger", ("concentration",))
def sec_concentration(ctx: ReportContext, sec: Section) -> None:
    raw, pub, st = concentration_results(ctx)
    limit = int((pub.prikking or {}).get("minste_antall", ctx.min_count))
    par = raw.parametere or {}
    _intro(sec, par, limit)
    t, gk_pub = _grunnkrets_table(raw, pub, limit)
    n_over = sum(1 for i, r in enumerate(gk_pub) if r.get("over_terskel") is True
                 and (i, "over_terskel") not in t.suppressed_cells)
    sec.text.append(f"{text.integer(len(gk_pub))} grunnkretser; {text.integer(n_over)} av dem "
                    "er over en terskel (blant dem som kan vises).")
    sec.items += _municipality_items(raw, pub, limit)
    sec.items += [Heading("Per grunnkrets"), t,
                  concentration_map(ctx, pub.grunnkretser, _public_shares(t, gk_pub), limit),
                  _cluster_item(raw, pub, par)]
    sec.items += _building_items(ctx, raw, pub, par, limit)
    sec.items += _radius_text(pub, st.radius_m)
    sec.items += [Text(f["melding"]) for f in pub.datafeil or [] if f.get("melding")]
    if len(pub.kategorier):
        sec.items.append(_category_grunnkrets_table(raw, pub, limit))
