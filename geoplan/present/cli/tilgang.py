"""``geoplan tilgang``: walking distance for 67+ and 80+ to shop, pharmacy, doctor, care base, meeting place."""

from __future__ import annotations

import argparse

from geoplan.present import text
from geoplan.present.cli import common
from geoplan.present.cli.befolkning import add_population_args

KIND_NAMES = {"butikk": "Butikk", "apotek": "Apotek", "lege": "Lege", "omsorgsbase": "Omsorgsbase",
              "moteplass": "Møteplass", "holdeplass": "Holdeplass", "sentrum": "Sentrum"}


def register(sub) -> None:
    p = sub.add_parser(
        "tilgang", help="gangavstand for eldre til butikk, apotek, lege, omsorgsbase, møteplass",
        description=("Gangavstand langs gangnettet fra bygninger med boliger til nærmeste tjeneste av "
                     "hver type (laget tjeneste, helsetjeneste, holdeplass og sentrum): andelen 67+ og 80+ "
                     "innen 500 m og 1 km per grunnkrets, bratteste stigning på veien (terreng.tif, "
                     "TEK17 § 8-6), sykehjemsplasser per innbygger 80+ per sted og områdene med lavest dekning."))
    common.add_data_args(p)
    add_population_args(p)
    p.add_argument("--variant", metavar="KODE", help="framskrivingsalternativ for --year")
    p.add_argument("--year", type=common.year_arg, metavar="ÅR", help="plasser eldre etter framskrivingen for dette året "
                                                           "(standard: i dag)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from geoplan.runs.population_access import access

    cfg = common.config_from_args(args)
    ds = common.load_from_args(args, require=["gangnett", "bygning", "grunnkrets"],
                               optional=["kommune", "utviklingsgrense", "sentrum", "tjeneste",
                                         "helsetjeneste", "holdeplass"], config=cfg)
    res = access(ds, cfg, projection=args.projection, grunnkrets_file=args.grunnkrets_befolkning,
                 year=args.year, variant=args.variant, kommune=args.kommune)
    if args.json:
        common.emit_json({"aar": res.year, "tjenester": res.n_services,
                          "kommune": common.records(res.kommune),
                          "grunnkretser": common.records(res.grunnkretser),
                          "omsorg": common.records(res.omsorg), "lavest": common.records(res.lavest),
                          "merknader": res.notes})
    else:
        print(render_text(res))
    return 0


def render_text(res) -> str:
    s = res.settings
    r0, r1 = (int(r) for r in s.access_radii_m[:2])
    out = [f"Gangavstand for eldre ({res.year}); universell utforming: stigning høyst "
           f"{text.percent(s.gradient_limit * 100, 1)} (1:15, TEK17 § 8-6)", "",
           f"{'Tjeneste':<14}{'antall':>7}{f'67+ ≤{r0} m':>13}{f'80+ ≤{r0} m':>13}{f'67+ ≤{r1} m':>13}"
           f"{f'80+ ≤{r1} m':>13}{'stigning':>10}"]
    for r in res.kommune.itertuples(index=False):
        d = r._asdict()
        out.append(f"{KIND_NAMES.get(r.tjenestetype, r.tjenestetype):<14}{res.n_services.get(r.tjenestetype, 0):>7}"
                   f"{text.share(d[f'andel_p67_{r0}m'], 0):>13}{text.share(d[f'andel_p80_{r0}m'], 0):>13}"
                   f"{text.share(d[f'andel_p67_{r1}m'], 0):>13}{text.share(d[f'andel_p80_{r1}m'], 0):>13}"
                   f"{text.percent(d['stigning_median'] * 100, 1):>10}")
    out += ["", "Stigning: median for 67+ av den bratteste strekningen på veien til nærmeste tjeneste.", "",
            f"Grunnkretser med lavest andel 80+ innen {r0} m"]
    for r in res.lavest.itertuples(index=False):
        d = r._asdict()
        out.append(f"  {KIND_NAMES.get(r.tjenestetype, r.tjenestetype):<12} {r.grunnkretsnummer}: "
                   f"{text.share(d[f'andel_p80_{r0}m'], 0)} av {text.integer(r.p80)} personer 80+")
    om = res.omsorg[res.omsorg["aar"] == res.omsorg["aar"].max()] if len(res.omsorg) else res.omsorg
    if len(om):
        out += ["", f"Sykehjemsplasser per innbygger 80+ i {int(om['aar'].max())} (lavest først)"]
        for r in om.sort_values("plasser_per_80").itertuples(index=False):
            out.append(f"  {str(r.sted):<20}{text.integer(r.plasser):>6} plasser  {text.integer(r.p80):>6} "
                       f"personer 80+  {text.number(r.plasser_per_80, 2):>6} per person")
    out += [f"Merk: {n}" for n in res.notes]
    return "\n".join(out)
