"""``geoplan arealbehov``: housing land needed per place to the horizon years.

Reads no geodata: the places, shares of growth and densities come from
``config/reserves.toml`` (section ``steder``), and every growth parameter can be
given on the command line.

Flag semantics
--------------
* No ``--share``: one row per configured place (or per ``--sted``), each with
  its configured share and density.
* ``--share S`` without ``--sted``: one unnamed place (``sted`` null in JSON)
  taking the fraction S of the municipality's growth; density from
  ``--dwellings-per-daa`` or ``reserves.default_dwellings_per_daa``.
* ``--share S --sted NAVN``: that place with share S (its configured density,
  if any). With several ``--sted``, S applies to each.
* ``--dwellings-per-daa D`` overrides the density of every row.

The growth-flag helpers here are shared with ``geoplan reserves``.
"""

from __future__ import annotations

import argparse

from geoplan.numbers import fixed, read_number, short_number
from geoplan.present import text
from geoplan.present.cli import common


def _fraction(text: str) -> float:
    """A fraction from ``0.015``, ``0,015`` or ``1,5%``."""
    t = str(text).strip()
    pct = t.endswith("%")
    v = read_number(t[:-1] if pct else t)
    if v is None:
        raise argparse.ArgumentTypeError(
            f"«{text}» er ikke et tall; skriv en andel som 0,015 (eller 1,5 %)")
    return v / 100.0 if pct else v


def _defaults() -> dict[str, str]:
    """The shipped defaults of the growth flags, as the help text shows them."""
    from geoplan.config.reserves import ReserveSettings

    s = ReserveSettings.from_config()
    return {"base_population": fixed(s.base_population, 0), "base_year": str(s.base_year),
            "years": " og ".join(str(y) for y in s.horizon_years),
            "rates": " og ".join(short_number(r) for r in s.growth_rates),
            "year": str(s.default_year), "rate": short_number(s.default_rate),
            "persons_per_dwelling": short_number(s.persons_per_dwelling)}


def add_growth_args(p: argparse.ArgumentParser, *, many: bool) -> None:
    """The growth flags shared by ``arealbehov`` (many years/rates) and ``reserves`` (one).

    The defaults named in the help are the shipped ``config/reserves.toml``.
    """
    d = _defaults()
    g = p.add_argument_group("vekstparametere (standard fra config/reserves.toml)")
    g.add_argument("--base-population", type=common.number_arg, metavar="N",
                   help=f"folketall i kommunen i basisåret (standard {d['base_population']})")
    g.add_argument("--base-year", type=common.year_arg, metavar="ÅR",
                   help=f"basisår (standard {d['base_year']})")
    if many:
        g.add_argument("--year", type=common.year_arg, action="append", metavar="ÅR",
                       help=f"horisontår; kan gjentas (standard {d['years']})")
        g.add_argument("--rate", type=_fraction, action="append", metavar="ANDEL",
                       help="årlig vekst som andel, f.eks. 0,015; kan gjentas "
                            f"(standard {d['rates']})")
    else:
        g.add_argument("--year", type=common.year_arg, metavar="ÅR",
                       help=f"horisontår (standard {d['year']})")
        g.add_argument("--rate", type=_fraction, metavar="ANDEL",
                       help=f"årlig vekst som andel, f.eks. 0,015 (standard {d['rate']})")
    g.add_argument("--share", type=_fraction, metavar="ANDEL",
                   help="stedets andel av kommunens vekst (0-1); uten --sted gjelder den "
                        "et sted uten navn (arealbehov) eller alle steder (reserves)")
    g.add_argument("--sted", action="append", metavar="NAVN",
                   help="bare dette stedet; kan gjentas")
    g.add_argument("--persons-per-dwelling", type=common.number_arg, metavar="N",
                   help=f"personer per boenhet (standard {d['persons_per_dwelling']})")
    g.add_argument("--dwellings-per-daa", type=common.number_arg, metavar="N",
                   help="boenheter per daa for alle steder (standard per sted fra config)")


def register(sub) -> None:
    p = sub.add_parser(
        "arealbehov", help="arealbehov for boliger per sted, år og vekstrate (Larvik-metoden)",
        description=(
            "Regner ut befolkningsvekst, boenheter og arealbehov (daa) per sted til "
            "horisontårene, etter Larvik kommunes boligplan: vekst = folketall × ((1 + rate)^(år − "
            "basisår) − 1) × andel; boenheter = vekst / personer per boenhet; arealbehov = "
            "boenheter / boenheter per daa. Stedene, andelene og tetthetene kommer fra "
            "config/reserves.toml. Med --share uten --sted regnes ett sted uten navn. "
            "Leser ingen geodata."
        ),
    )
    p.add_argument("--config", metavar="MAPPE", help="konfigurasjonsmappe (standard: config/)")
    p.add_argument("--set", metavar="NØKKEL=VERDI", action="append", default=[],
                   help="overstyr en parameter, f.eks. reserves.steder.stavern.andel=0,12")
    p.add_argument("--json", action="store_true",
                   help="skriv en liste med {sted, aar, vekstrate, vekst_personer, boenheter, "
                        "arealbehov_daa}, uavrundet")
    add_growth_args(p, many=True)
    from geoplan.present.cli.befolkning import add_projection_args
    add_projection_args(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from geoplan import runs

    cfg = common.config_from_args(args)
    if getattr(args, "projection", None):   # the projection instead of flat rates (issue 18)
        from geoplan.runs.population import projection_area_need
        need, gp, _ = projection_area_need(cfg, args.projection, variant=args.variant, years=args.year,
                                           places=args.sted, share=args.share,
                                           dwellings_per_daa=args.dwellings_per_daa)
    else:
        need, gp, _ = runs.area_need(
            cfg, years=args.year, rates=args.rate, places=args.sted, share=args.share,
            dwellings_per_daa=args.dwellings_per_daa, base_population=args.base_population,
            base_year=args.base_year, persons_per_dwelling=args.persons_per_dwelling)
    gp["all_places"] = not args.sted and args.share is None
    if args.json:
        common.emit_json(common.records(need, ["sted", "aar", "vekstrate", "vekst_personer",
                                               "boenheter", "arealbehov_daa"]))
    else:
        print(render_text(need, gp))
        if gp["all_places"]:
            print("\nMindre tettsteder utenfor stedene over får en vekst i tillegg, som "
                  "opprettholder dagens tettstedsstruktur (Larvik kommune, Boligplan 2015–2020, "
                  "l. 2348–2350; reserves.villages). Andelen regnes av dagens boliger i dataene: "
                  "se «geoplan reserves».")
    return 0


def _cell(v: float) -> str:
    """A table cell: a whole number (``–`` for missing)."""
    return text.integer(v)


def render_text(need, gp: dict) -> str:
    """Norwegian table: places down, scenarios (year × rate) across, with totals.

    Each cell is rounded to a whole number as the sources do; totals are summed
    before rounding. Numbers through :mod:`geoplan.present.text`.
    """

    scen = need[["aar", "vekstrate"]].drop_duplicates().sort_values(["aar", "vekstrate"])
    cols = [(int(a), float(r)) for a, r in scen.itertuples(index=False)]
    names = list(dict.fromkeys(need["sted"].where(need["sted"].notna(), "(sted uten navn)")))
    tab = need.assign(_sted=need["sted"].where(need["sted"].notna(), "(sted uten navn)"))
    w0 = max(14, *(len(str(n)) for n in names)) + 2
    heads = [f"{a} {text.rate(r)}" for a, r in cols]
    wc = max(11, *(len(h) for h in heads)) + 1

    def block(title: str, col: str, extra_head: str, extra) -> list[str]:
        lines = [title, f"{'Sted':<{w0}}{extra_head:>12}" + "".join(f"{h:>{wc}}" for h in heads),
                 "-" * (w0 + 12 + wc * len(heads))]
        piv = tab.pivot_table(index="_sted", columns=["aar", "vekstrate"], values=col,
                              aggfunc="sum", sort=False)
        for n in names:
            row = piv.loc[n]
            lines.append(f"{str(n):<{w0}}{extra(n):>12}" +
                         "".join(f"{_cell(row.get((a, r), float('nan'))):>{wc}}" for a, r in cols))
        if len(names) > 1:
            tot = piv.sum(axis=0)
            lines.append("-" * (w0 + 12 + wc * len(heads)))
            lines.append(f"{'Totalt':<{w0}}{'':>12}" +
                         "".join(f"{_cell(tot.get((a, r), float('nan'))):>{wc}}" for a, r in cols))
        return lines

    first = tab.drop_duplicates("_sted").set_index("_sted")

    def share(n) -> str:
        return text.share(first.at[n, "andel"], 1)

    def dens(n) -> str:
        return text.compact(first.at[n, "boenheter_per_daa"])

    out = [f"Arealbehov for boliger (Larvik-metoden): basis {text.integer(gp['base_population'])} "
           f"personer 1.1.{gp['base_year']}, {text.compact(gp['persons_per_dwelling'])} personer "
           "per boenhet", ""]
    out += block("Befolkningsvekst (personer)", "vekst_personer", "Andel", share)
    out += [""]
    out += block("Boenheter", "boenheter", "Andel", share)
    out += [""]
    out += block("Arealbehov (daa)", "arealbehov_daa", "Boenh./daa", dens)
    out += ["", "Tallene er avrundet hver for seg; totalene er summert før avrunding. "
                "Uavrundede tall: --json."]
    if gp.get("all_places"):
        total = float(first["andel"].sum())
        if abs(total - 1.0) > 1e-6:
            out.append(f"Merk: andelene av veksten summerer til {text.share(total, 1)}, ikke "
                       "100 %; totalene er da ikke kommunens samlede vekst.")
    return "\n".join(out)
