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
PARCEL_KEYS = ["navn", "sted", "type", "areal_daa", "areal_innenfor_daa", "andel_innenfor_pct",
               "overlapp_daa", "rang", "skaar", "kumulativt_areal_daa", "dekker_behov",
               "kandidat_uttak", "arealformal", "arealbruksstatus", "formal", "boligformal",
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


def render_text(ds, result) -> str:
    """The Norwegian tables of ``geoplan reserves`` (numbers through :mod:`geoplan.present.text`)."""
    from geoplan.analysis.places import place_key

    st = result.steder
    f = result.forutsetninger
    w0 = max(14, *(len(str(s)) for s in st["sted"])) + 2 if len(st) else 16
    lines = [f"Boligreserve og arealbehov til {f['aar']} ({text.rate(f['vekstrate'])} årlig vekst), "
             f"{ds.source}", ""]
    head = ["Arealbehov", "Reserve", "Behov nye", "Innspill", "Balanse"]
    lines.append(f"{'Sted':<{w0}}" + "".join(f"{h:>11}" for h in head) + "  Vurdering")
    lines.append(f"{'':<{w0}}" + "".join(f"{'daa':>11}" for _ in head))
    lines.append("-" * (w0 + 11 * len(head) + 28))
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
        lines.append("-" * (w0 + 11 * len(head) + 28))
        lines.append(f"{'Totalt':<{w0}}{_n(st.arealbehov_daa.sum()):>11}"
                     f"{_n(st.boligreserve_daa.sum()):>11}{_n(st.behov_nye_daa.sum()):>11}"
                     f"{_n(st.innspill_daa.sum()):>11}{_n(st.balanse_daa.sum(), True):>11}")
    lines.append("")
    lines.append(f"Boligreserve utenfor alle utviklingsgrenser: {_n(result.utenfor_daa)} daa.")
    lines.append("Balanse = reserve + innspill − arealbehov (+ overskudd, − underskudd). "
                 "Tall avrundet til hele daa.")

    p = result.parseller
    for r in st.itertuples(index=False):
        sub = p[p["sted"].map(place_key) == place_key(r.sted)]
        inn = sub[sub["type"] == "innspill"].sort_values("rang")
        res = sub[sub["type"] == "reserve"].sort_values("rang")
        lines += ["", f"{r.sted}: arealbehov {_n(r.arealbehov_daa)} daa, reserve "
                      f"{_n(r.boligreserve_daa)} daa, behov for nye arealer {_n(r.behov_nye_daa)} daa"]
        if len(inn):
            lines.append("  Innspill, rangert (1 = best plassert):")
            lines += _parcel_table(inn, cover=True)
        if len(res):
            lines.append("  Boligreserve:")
            lines += _parcel_table(res, cover=False)
        cand = res[res["kandidat_uttak"].astype(bool)]
        if len(cand):
            lines.append(f"  Reserven er {_n(r.overskudd_reserve_daa)} daa større enn behovet. "
                         "Kandidater til å tas ut (dårligst plassert først): "
                         + ", ".join(f"{c.navn} ({_n(c.areal_innenfor_daa)} daa)"
                                     for c in cand.sort_values("rang", ascending=False).itertuples()))
    out = p[(p["type"] == "reserve") & p["sted"].isna()]
    if len(out):
        lines += ["", "Boligreserve utenfor alle utviklingsgrenser:"]
        lines += _parcel_table(out, cover=False, rank=False)
    if result.merknader:
        lines += ["", "Merknader:"] + [f"  - {m}" for m in result.merknader]
    return "\n".join(lines)


def _parcel_table(df, *, cover: bool, rank: bool = True) -> list[str]:
    w = max(12, *(len(str(n)) for n in df["navn"])) + 2
    w = min(w, 34)
    head = (f"    {'Rang':>4}  {'Navn':<{w}}{'Areal':>8}{'Innenfor':>9}"
            + (f"{'Kum.':>8}{'Dekker':>8}" if cover else "")
            + f"{'Sentrum':>9}{'Steinbr.':>9}{'Bratt':>7}")
    unit = (f"    {'':>4}  {'':<{w}}{'daa':>8}{'%':>9}" + (f"{'daa':>8}{'behov':>8}" if cover else "")
            + f"{'m':>9}{'daa':>9}{'%':>7}")
    rows = [head, unit]
    for i, r in enumerate(df.itertuples(index=False)):
        if i >= MAX_ROWS:
            rows.append(f"    … og {len(df) - MAX_ROWS} til (se --json)")
            break
        rg = _n(r.rang) if rank else ""
        rows.append(
            f"    {rg:>4}  {str(r.navn)[:w - 1]:<{w}}{_n(r.areal_daa):>8}{_n(r.andel_innenfor_pct):>9}"
            + (f"{_n(r.kumulativt_areal_daa):>8}{text.yes_no(r.dekker_behov):>8}" if cover else "")
            + f"{_n(r.avstand_sentrum_m):>9}{_n(r.areal_steinbrudd_daa):>9}{_n(r.andel_bratt_pct):>7}")
    return rows
