"""``geoplan reserves``: boligreserve, innspill and land balance per place.

Per place (each ``utviklingsgrense`` by ``navn``): area need to the horizon
year, housing reserve inside the boundary (overlapping zoning counted once),
innspill (by their ``sted``, wherever they lie), need for new land and the
balance; every reserve and innspill parcel ranked by the Larvik order of
development, with quarry and slope conflicts. ``--share`` without ``--sted``
applies to every place; with ``--sted`` only the named places are analysed.
"""

from __future__ import annotations

import argparse

from geoplan.present import text
from geoplan.present.cli import common
from geoplan.present.cli.arealbehov import add_growth_args

PLACE_KEYS = ["sted", "arealbehov_daa", "boligreserve_daa", "behov_nye_daa", "innspill_daa",
              "balanse_daa"]
#: the balance after the hard criteria, the take-out summary, the school criterion, spredt
NET_KEYS = ["sted", "boligreserve_aktuell_daa", "reserve_utelatt_daa", "innspill_aktuelt_daa",
            "innspill_utelatt_daa", "behov_nye_netto_daa", "balanse_netto_daa",
            "overskudd_reserve_daa", "uttak_daa", "uttak_ikke_aktuelt_daa", "gjenstaar_daa",
            "skolekriterium_gjelder", "spredt_daa"]
PARCEL_KEYS = ["navn", "sted", "type", "areal_daa", "areal_innenfor_daa", "andel_innenfor_pct",
               "overlapp_daa", "aktuelt_daa", "utelatt_daa", "ikke_aktuell", "grunn_ikke_aktuell",
               "rang", "trinn1_m", "trinn2_m", "trinn3_ikke_avklart", "skaar",
               "kumulativt_areal_daa", "dekker_behov", "kandidat_uttak", "uttak_daa",
               "arealformal", "arealbruksstatus", "formal", "boligformal",
               "rpba_avklart",
               "avstand_sentrum_m", "avstand_bebyggelse_m", "avstand_gangnett_m",
               "avstand_holdeplass_m", "avstand_kollektivakse_m", "areal_steinbrudd_daa",
               "andel_steinbrudd_pct", "andel_bratt_pct"]


def register(sub) -> None:
    p = sub.add_parser(
        "reserves", help="boligreserve, innspill og arealbalanse per sted",
        description=(
            "For hvert sted (utviklingsgrense etter navn): arealbehov til horisontåret, "
            "boligreserve innenfor grensen (boligformål som ikke er utbygd; overlappende "
            "formålsflater telles én gang), innspill med stedets navn, behov for nye arealer "
            "(arealbehov − reserve, minst 0) og balanse (reserve + innspill − arealbehov). "
            "Innspillene rangeres etter nærhet til sentrum og eksisterende bebyggelse, gangnett "
            "og kollektivtilbud og avklaring i regional plan; der reserven er større enn behovet, "
            "listes de dårligst plasserte reservene som kandidater til å tas ut. Konflikter: "
            "areal nær steinbrudd og andel brattere enn grensen (terreng.tif)."
        ),
    )
    common.add_data_args(p)
    add_growth_args(p, many=False)
    from geoplan.present.cli.befolkning import add_projection_args
    add_projection_args(p)
    p.set_defaults(run=run)


def compute(args: argparse.Namespace):
    """Load DATA and run the reserve analysis (:func:`geoplan.runs.reserves`)."""
    from geoplan import runs as pipeline
    from geoplan.analysis.reserves import OPTIONAL_LAYERS, REQUIRED_LAYERS
    from geoplan.io import load
    cfg = common.config_from_args(args)
    # only the layers this analysis uses are validated (the Oslo-scale data carry
    # 150,000 buildings that reserves never looks at)
    ds = load(args.data, layer=getattr(args, "layer", None), crs=getattr(args, "crs", None),
              config=cfg, only=[*REQUIRED_LAYERS, *OPTIONAL_LAYERS])
    if getattr(args, "projection", None):   # growth from the projection (issue 18)
        from geoplan.runs.population import apply_projection
        apply_projection(args, cfg)
    result = pipeline.reserves(
        ds, cfg, year=args.year, rate=args.rate,
        base_population=getattr(args, "base_population", None),
        base_year=getattr(args, "base_year", None),
        persons_per_dwelling=getattr(args, "persons_per_dwelling", None),
        share=args.share, dwellings_per_daa=args.dwellings_per_daa, places=args.sted)
    return ds, result


def as_json(ds, result) -> dict:
    """The JSON document of ``geoplan reserves --json``."""
    steder = common.records(result.steder, PLACE_KEYS)
    detaljer = common.records(result.steder, ["sted", "vekst_personer", "boenheter", "andel",
                                              "boenheter_per_daa", "andel_kilde", "tetthet_kilde",
                                              "overskudd_reserve_daa", "antall_reserver",
                                              "antall_innspill"])
    return {
        "steder": steder,
        "steder_netto": common.records(result.steder, NET_KEYS),
        "ikke_aktuelt": common.records(result.utelatt) if result.utelatt is not None else [],
        "uttak": common.records(result.uttak.drop(columns="geometry"))
        if result.uttak is not None else [],
        "spredt_boligbebyggelse": common.records(result.spredt.drop(columns="geometry"))
        if result.spredt is not None else [],
        "mindre_tettsteder_i_tillegg": common.records(result.tettsteder)
        if result.tettsteder is not None else [],
        "parseller": common.records(result.parseller, PARCEL_KEYS),
        "utenfor_utviklingsgrense_daa": result.utenfor_daa,
        "forutsetninger": {**result.forutsetninger, "steder": detaljer},
        "merknader": list(result.merknader),
        "kilde": ds.source,
        "crs": f"EPSG:{ds.epsg}" if ds.epsg else None,
    }


def run(args: argparse.Namespace) -> int:
    ds, result = compute(args)
    if args.json:
        common.emit_json(as_json(ds, result))
    else:
        print(render_text(ds, result))
    return 0


# ---------------------------------------------------------------------------
# Human output
# ---------------------------------------------------------------------------

def _n(v, signed: bool = False) -> str:
    """A whole number for the table (:func:`geoplan.present.text.integer`; ``+`` before a
    positive one when ``signed``)."""
    out = text.integer(v)
    return "+" + out if signed and out not in (text.MISSING, "0") and not out.startswith("-") \
        else out


MAX_ROWS = 15


def _balance_rows(st, w0: int) -> list[str]:
    """The source's balance: whole reserve and every housing innspill of the place."""
    head = ["Arealbehov", "Reserve", "Behov nye", "Innspill", "Balanse"]
    rule = "-" * (w0 + 11 * len(head) + 28)
    lines = [f"{'Sted':<{w0}}" + "".join(f"{h:>11}" for h in head) + "  Vurdering",
             f"{'':<{w0}}" + "".join(f"{'daa':>11}" for _ in head), rule]
    for r in st.itertuples(index=False):
        if r.balanse_daa != r.balanse_daa:
            verdict = ""
        elif r.overskudd_reserve_daa > 0:
            verdict = "reserven alene dekker behovet"
        elif r.balanse_daa >= 0:
            verdict = "overskudd med innspill"
        else:
            verdict = "underskudd"
        lines.append(f"{str(r.sted):<{w0}}{_n(r.arealbehov_daa):>11}{_n(r.boligreserve_daa):>11}"
                     f"{_n(r.behov_nye_daa):>11}{_n(r.innspill_daa):>11}"
                     f"{_n(r.balanse_daa, True):>11}  {verdict}")
    if len(st) > 1:
        lines += [rule, f"{'Totalt':<{w0}}{_n(st.arealbehov_daa.sum()):>11}"
                        f"{_n(st.boligreserve_daa.sum()):>11}{_n(st.behov_nye_daa.sum()):>11}"
                        f"{_n(st.innspill_daa.sum()):>11}{_n(st.balanse_daa.sum(), True):>11}"]
    return lines


def _net_rows(st, w0: int) -> list[str]:
    """The balance after the hard criteria (aktuell reserve, aktuelle innspill)."""
    head = ["Arealbehov", "Aktuell res.", "Ikke akt.", "Akt. innsp.", "Ikke akt.", "Balanse"]
    rule = "-" * (w0 + 13 * len(head))
    lines = [f"{'Sted':<{w0}}" + "".join(f"{h:>13}" for h in head),
             f"{'':<{w0}}" + "".join(f"{'daa':>13}" for _ in head), rule]
    for r in st.itertuples(index=False):
        lines.append(f"{str(r.sted):<{w0}}{_n(r.arealbehov_daa):>13}"
                     f"{_n(r.boligreserve_aktuell_daa):>13}{_n(r.reserve_utelatt_daa):>13}"
                     f"{_n(r.innspill_aktuelt_daa):>13}{_n(r.innspill_utelatt_daa):>13}"
                     f"{_n(r.balanse_netto_daa, True):>13}")
    return lines


def _takeout_lines(r, take) -> list[str]:
    """The take-out proposal of one place, its total against the surplus, the gap left."""
    mine = take[take["sted"].map(str) == str(r.sted)] if take is not None else take
    if mine is None or not len(mine):
        return []
    surplus = float(r.overskudd_reserve_daa)
    parts = []
    for t in mine.itertuples(index=False):
        what = "" if t.hva == "hele reserven" else f", {t.hva} ({t.grunn})"
        parts.append(f"{t.navn}{what}: {_n(t.uttak_daa)} daa")
    if surplus <= 0:
        return ["  Ikke aktuelle deler av reserven, foreslått tatt ut: " + "; ".join(parts) + "."]
    left = float(r.boligreserve_daa) - float(r.uttak_daa)
    return [f"  Reserven er {_n(surplus)} daa større enn arealbehovet (reserve "
            f"{_n(r.boligreserve_daa)} − arealbehov {_n(r.arealbehov_daa)}). Forslag til uttak "
            "(ikke aktuelle deler først, så dårligst plassert):",
            *[f"    {p}" for p in parts],
            f"  Uttak i alt {text.number(r.uttak_daa, 1)} daa av overskuddet "
            f"{text.number(surplus, 1)} daa; gjenstår {text.number(r.gjenstaar_daa, 1)} daa. "
            f"Reserven etter uttaket: {text.number(left, 1)} daa (arealbehov "
            f"{text.number(r.arealbehov_daa, 1)} daa)."]


def _place_block(r, p, take) -> list[str]:
    """One place: the school criterion, the ranked parcels, what is not aktuell, take-out."""
    from geoplan.analysis.places import place_key

    sub = p[p["sted"].map(place_key) == place_key(r.sted)]
    inn = sub[sub["type"] == "innspill"].sort_values("rang")
    res = sub[sub["type"] == "reserve"].sort_values("rang")
    lines = ["", f"{r.sted}: arealbehov {_n(r.arealbehov_daa)} daa, reserve "
                 f"{_n(r.boligreserve_daa)} daa, behov for nye arealer {_n(r.behov_nye_daa)} daa",
             "  Skolesirkelen: " + ("gjelder; deler utenfor sirkelen er ikke aktuelle"
                                    if r.skolekriterium_gjelder else
                                    "gjelder ikke (kriteriet gjelder bare stedene i "
                                    "schools.applies_to)")]
    if len(inn):
        lines.append("  Innspill, rangert (1 = best plassert):")
        lines += _parcel_table(inn, cover=True)
    if len(res):
        lines.append("  Boligreserve:")
        lines += _parcel_table(res, cover=False)
    out = sub[sub["utelatt_daa"] > 0.05]
    if len(out):
        lines.append("  Ikke aktuelt etter de harde kriteriene:")
        lines += [f"    {o.navn}: {_n(o.utelatt_daa)} daa av {_n(o.areal_daa)} daa "
                  f"({o.grunn_ikke_aktuell})" + (", hele arealet" if o.ikke_aktuell else "")
                  for o in out.itertuples(index=False)]
    lines += _takeout_lines(r, take)
    if r.spredt_daa > 0:
        lines.append(f"  Spredt boligbebyggelse (vurderes for seg, ikke tett boligreserve): "
                     f"{_n(r.spredt_daa)} daa")
    return lines


def _villages_lines(tv, f) -> list[str]:
    if tv is None or not len(tv):
        return []
    w0 = max(14, *(len(str(s)) for s in tv["sted"])) + 2
    head = ["Boliger", "Andel", "Vekst", "Arealbehov", "Reserve", "Balanse"]
    unit = ["i dag", "%", "personer", "daa", "daa", "daa"]
    lines = ["", "Mindre tettsteder utenfor utviklingsgrensene, vekst i tillegg til stedene over "
                 f"(til {f['aar']}, {text.rate(f['vekstrate'])}; andelen er stedets andel av "
                 "dagens boliger, reserves.villages):",
             f"{'Sted':<{w0}}" + "".join(f"{h:>12}" for h in head),
             f"{'':<{w0}}" + "".join(f"{h:>12}" for h in unit), "-" * (w0 + 12 * len(head))]
    for r in tv.itertuples(index=False):
        lines.append(f"{str(r.sted):<{w0}}{_n(r.boliger_i_dag):>12}"
                     f"{text.number(r.andel * 100, 2):>12}{_n(r.vekst_personer):>12}"
                     f"{_n(r.arealbehov_daa):>12}{_n(r.reserve_daa):>12}"
                     f"{_n(r.balanse_daa, True):>12}")
    return lines


def render_text(ds, result) -> str:
    """The Norwegian tables of ``geoplan reserves`` (numbers through :mod:`geoplan.present.text`)."""
    st = result.steder
    f = result.forutsetninger
    w0 = max(14, *(len(str(s)) for s in st["sted"])) + 2 if len(st) else 16
    lines = [f"Boligreserve og arealbehov til {f['aar']} ({text.rate(f['vekstrate'])} årlig vekst), "
             f"{ds.source}", "",
             "Balanse som i boligplanen (hele reserven, alle boliginnspill for stedet):"]
    lines += _balance_rows(st, w0)
    lines.append("")
    lines.append(f"Boligreserve utenfor alle utviklingsgrenser: {_n(result.utenfor_daa)} daa.")
    lines.append("Balanse = reserve + innspill − arealbehov (+ overskudd, − underskudd). "
                 "Tall avrundet til hele daa.")
    if "balanse_netto_daa" in st.columns:
        crit = "; ".join(f"{c['grunn']} ({'alle steder' if c['gjelder'] == 'alle steder' else ', '.join(c['gjelder'])})"
                         for c in f.get("harde_kriterier", []))
        lines += ["", f"Balanse etter de harde kriteriene ({crit or 'ingen'}): delene de treffer er "
                      "ikke aktuelle og er trukket fra:"]
        lines += _net_rows(st, w0)
    sp = result.spredt
    if sp is not None:
        inside = float(sp.loc[sp["sted"].notna(), "areal_daa"].sum()) if len(sp) else 0.0
        lines += ["", f"Spredt boligbebyggelse (arealformål {', '.join(map(str, f.get('spredt_koder', [])))}): "
                      f"{_n(inside)} daa innenfor utviklingsgrensene, "
                      f"{_n(float(sp['areal_daa'].sum()) - inside)} daa utenfor, i {len(sp)} flater; "
                      "gjennomgått for seg og ikke regnet som boligreserve."]
    lines.append("Rangering: " + ("kildens rekkefølge (trinn 1 nærhet til sentrum, trinn 2 gangnett og "
                                  "kollektivtilbud, trinn 3 avklart i RPBA)"
                                  if f.get("rangering") != "vektet" else
                                  "vektet skår (kommunalt valg, reserves.ranking.method)") + ".")
    # the tables need no geometry: plain frames slice and iterate several times faster
    p, take = _attributes(result.parseller), _attributes(result.uttak)
    for r in st.itertuples(index=False):
        lines += _place_block(r, p, take)
    out = p[(p["type"] == "reserve") & p["sted"].isna()]
    if len(out):
        lines += ["", "Boligreserve utenfor alle utviklingsgrenser:"]
        lines += _parcel_table(out, cover=False, rank=False)
    lines += _villages_lines(result.tettsteder, f)
    if result.merknader:
        lines += ["", "Merknader:"] + [f"  - {m}" for m in result.merknader]
    return "\n".join(lines)


def _attributes(gdf):
    """A (Geo)DataFrame's columns without its geometry, as a plain DataFrame (None stays None)."""
    if gdf is None:
        return None
    import pandas as pd

    name = getattr(gdf, "_geometry_column_name", None)
    return pd.DataFrame(gdf.drop(columns=[name]) if name in gdf.columns else gdf)


def _parcel_table(df, *, cover: bool, rank: bool = True) -> list[str]:
    w = max(12, *(len(str(n)) for n in df["navn"])) + 2
    w = min(w, 34)
    head = (f"    {'Rang':>4}  {'Navn':<{w}}{'Areal':>8}{'Aktuelt':>9}{'Innenfor':>9}"
            + (f"{'Kum.':>8}{'Dekker':>8}" if cover else "")
            + f"{'Trinn 1':>9}{'Trinn 2':>9}{'Steinbr.':>9}{'Bratt':>7}")
    unit = (f"    {'':>4}  {'':<{w}}{'daa':>8}{'daa':>9}{'%':>9}"
            + (f"{'daa':>8}{'behov':>8}" if cover else "")
            + f"{'m':>9}{'m':>9}{'daa':>9}{'%':>7}")
    rows = [head, unit]
    for i, r in enumerate(df.itertuples(index=False)):
        if i >= MAX_ROWS:
            rows.append(f"    … og {len(df) - MAX_ROWS} til (se --json)")
            break
        rg = _n(r.rang) if rank else ""
        rows.append(
            f"    {rg:>4}  {str(r.navn)[:w - 1]:<{w}}{_n(r.areal_daa):>8}{_n(r.aktuelt_daa):>9}"
            f"{_n(r.andel_innenfor_pct):>9}"
            + (f"{_n(r.kumulativt_areal_daa):>8}{text.yes_no(r.dekker_behov):>8}" if cover else "")
            + f"{_n(r.trinn1_m):>9}{_n(r.trinn2_m):>9}{_n(r.areal_steinbrudd_daa):>9}"
              f"{_n(r.andel_bratt_pct):>7}")
    return rows
