"""``geoplan boligbehov``: need for omsorgsboliger, utleieboliger and refugee dwellings per year and place."""

from __future__ import annotations

import argparse

from geoplan.present import text
from geoplan.present.cli import common
from geoplan.present.cli.befolkning import add_population_args


def register(sub) -> None:
    p = sub.add_parser(
        "boligbehov", help="boligbehov per målgruppe og år mot dagens kommunale bestand",
        description=("Behovet for omsorgsboliger og tilrettelagte boliger (fra 80+ og 67–79), "
                     "kommunale utleieboliger per 1 000 innbyggere mot en referanse og boliger for "
                     "flyktninger etter kommunens vedtak, per horisontår og sted, mot dagens bestand "
                     "i laget kommunal_bolig. Alle satser står i config/population.toml med kilde "
                     "eller som kommunalt valg; endre dem med --set population.NØKKEL=VERDI."))
    common.add_data_args(p)
    add_population_args(p)
    p.add_argument("--variant", metavar="KODE", help="framskrivingsalternativ (standard population.default_variant)")
    p.add_argument("--year", type=common.year_arg, action="append", metavar="ÅR", help="horisontår; kan gjentas")
    p.add_argument("--public", action="store_true",
                   help="offentlig utgave: små antall kommunale boliger per sted skjules (prikking)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from geoplan.runs.population import housing

    cfg = common.config_from_args(args)
    ds = common.load_from_args(args, optional=["kommune", "grunnkrets", "utviklingsgrense", "sentrum",
                                               "kommunal_bolig", "tjeneste", "helsetjeneste"], config=cfg)
    res = housing(ds, cfg, projection=args.projection, grunnkrets_file=args.grunnkrets_befolkning,
                  variant=args.variant, years=args.year, public=args.public, kommune=args.kommune)
    if args.json:
        common.emit_json({"alternativ": res.variant, "basisaar": res.base_year, "aar": res.years,
                          "offentlig": res.public, "kommune": common.records(res.kommune),
                          "steder": common.records(res.steder), "merknader": res.notes})
    else:
        print(render_text(res))
    return 0


def render_text(res) -> str:
    s = res.settings
    out = [f"Boligbehov per målgruppe, alternativ {res.variant} (basisår {res.base_year})",
           f"Satser: heldøgns plass {text.share(s.omsorg_andel_80, 1)} av 80+; tilrettelagt "
           f"{text.share(s.tilrettelagt_andel_67_79, 1)} av 67–79 og {text.share(s.tilrettelagt_andel_80, 1)} "
           f"av 80+; utleie {text.number(s.utleie_per_1000_referanse, 1)} per 1 000 innbyggere "
           f"({s.utleie_referanse_navn}); {text.integer(s.flyktninger_per_aar)} flyktninger per år "
           f"i {text.integer(s.flyktning_botid_aar)} år, {text.number(s.personer_per_flyktningbolig, 1)} per bolig", ""]
    head = f"{'Målgruppe':<44}{'År':>6}{'Behov':>9}{'I dag':>9}{'Gap':>9}"
    out += ["Kommunen", head, "-" * len(head)]
    for r in res.kommune.itertuples(index=False):
        extra = (f"  (i dag {text.number(r.per_1000_i_dag, 1)} per 1 000)"
                 if r.malgruppe == "utleie" else "")
        out.append(f"{r.malgruppe_navn:<44}{r.aar:>6}{text.integer(r.behov):>9}{text.integer(r.i_dag):>9}"
                   f"{text.integer(r.gap):>9}{extra}")
    last = max(res.years)
    st = res.steder[res.steder["aar"] == last] if len(res.steder) else res.steder
    if len(st):
        out += ["", f"Per sted i {last} (– = skjult i offentlig utgave)",
                f"{'Sted':<20}{'Målgruppe':<44}{'Behov':>9}{'I dag':>9}{'Gap':>9}"]
        for r in st.itertuples(index=False):
            out.append(f"{str(r.sted):<20}{r.malgruppe_navn:<44}{text.integer(r.behov):>9}"
                       f"{text.integer(r.i_dag):>9}{text.integer(r.gap):>9}")
    out += ["", "Gap = behov − dagens bestand (positivt: det trengs flere)."]
    out += [f"Merk: {n}" for n in res.notes]
    return "\n".join(out)
