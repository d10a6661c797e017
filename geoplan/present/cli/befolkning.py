"""``geoplan befolkning``: population by age group and horizon year, per projection variant, per place.

Reads SSB's projection (``--projection``, table 14288 as JSON-stat2 or CSV) and
the age structure per grunnkrets (the ``grunnkrets`` layer's BefolkningPåGrunnkrets
columns, or ``--grunnkrets-befolkning``). Without DATA the demo's synthetic files
are used. The population options here are shared with ``boligbehov`` and ``tilgang``.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from geoplan.present import text
from geoplan.present.cli import common

if TYPE_CHECKING:  # pandas loads with the data, not for --help
    import pandas as pd


def add_population_args(p: argparse.ArgumentParser) -> None:
    """--projection, --grunnkrets-befolkning, --kommune (shared by the population commands)."""
    g = p.add_argument_group("befolkning (SSB)")
    g.add_argument("--projection", metavar="FIL",
                   help="SSBs befolkningsframskriving (tabell 14288) som JSON-stat2 eller CSV fra "
                        "Statistikkbanken (standard for demodataene: demoens syntetiske fil)")
    g.add_argument("--grunnkrets-befolkning", dest="grunnkrets_befolkning", metavar="FIL",
                   help="BefolkningPåGrunnkrets fra Geonorge (GML, GeoPackage, GeoJSON eller CSV), hvis "
                        "grunnkretslaget ikke har aldersgruppene")
    g.add_argument("--kommune", metavar="NR", help="kommunenummer når framskrivingen har flere regioner")


def register(sub) -> None:
    p = sub.add_parser(
        "befolkning", help="befolkning etter aldersgruppe og år, per framskrivingsalternativ og sted",
        description=("Befolkningen etter aldersgruppe til horisontårene for hvert alternativ i SSBs "
                     "framskriving, fordelt på steder og grunnkretser etter dagens aldersstruktur "
                     "(eller andelene av veksten i arealbehovsmetoden med --metode vekstandeler). "
                     "Prikkede celler i BefolkningPåGrunnkrets oppgis med hvor mange personer de skjuler."))
    common.add_data_args(p)
    add_population_args(p)
    p.add_argument("--variant", action="append", metavar="KODE",
                   help="framskrivingsalternativ, f.eks. MMMM; kan gjentas (standard: alle i fila)")
    p.add_argument("--year", type=common.year_arg, action="append", metavar="ÅR",
                   help="horisontår; kan gjentas (standard population.horizon_years)")
    p.add_argument("--metode", choices=["aldersstruktur", "vekstandeler"], default="aldersstruktur",
                   help="fordeling på steder (standard aldersstruktur)")
    p.add_argument("--grunnkretser", action="store_true", help="vis også tabellen per grunnkrets")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from geoplan.runs.population import population

    cfg = common.config_from_args(args)
    ds = common.load_from_args(args, optional=["kommune", "grunnkrets", "utviklingsgrense", "sentrum"],
                               config=cfg)
    res = population(ds, cfg, projection=args.projection, grunnkrets_file=args.grunnkrets_befolkning,
                     variants=args.variant, years=args.year, method=args.metode, kommune=args.kommune)
    if args.json:
        common.emit_json({**res.as_dict(), "kommune": common.records(res.kommune),
                          "steder": common.records(res.steder),
                          "grunnkretser": common.records(res.grunnkretser),
                          "skjult_grupper": common.records(res.skjult_grupper)})
    else:
        print(render_text(res, per_grunnkrets=args.grunnkretser))
    return 0


def _table(df: pd.DataFrame, index: str, title: str, years: list[int]) -> list[str]:
    piv = df.pivot_table(index=index, columns="aar", values="personer", aggfunc="sum", sort=False)
    w0 = max(16, *(len(str(i)) for i in piv.index)) + 2
    lines = [title, f"{'':<{w0}}" + "".join(f"{y:>10}" for y in years), "-" * (w0 + 10 * len(years))]
    for i, row in piv.iterrows():
        lines.append(f"{str(i):<{w0}}" + "".join(f"{text.integer(row.get(y)):>10}" for y in years))
    tot = piv.sum(axis=0)
    lines.append(f"{'I alt':<{w0}}" + "".join(f"{text.integer(tot.get(y)):>10}" for y in years))
    return lines


def render_text(res, *, per_grunnkrets: bool = False) -> str:
    """Norwegian tables per variant: age groups × years, places × years; what is hidden."""
    out = [f"Befolkning etter alder ({res.source}, kommune {res.kommunenummer}); basisår "
           f"{res.base_year}, fordelt etter {res.method}", ""]
    for v, label in res.variants.items():
        k = res.kommune[res.kommune["variant"] == v]
        out += _table(k, "gruppe", f"{label} – kommunen", res.years) + [""]
        s = res.steder[res.steder["variant"] == v]
        out += _table(s, "sted", f"{label} – per sted (alle aldre)", res.years) + [""]
        eld = s[s["gruppe"].isin(res.groups[-2:])]
        out += _table(eld, "sted", f"{label} – per sted, {res.groups[-2].split('–')[0]} år og eldre",
                       res.years) + [""]
        if per_grunnkrets:
            g = res.grunnkretser[res.grunnkretser["variant"] == v]
            out += _table(g, "grunnkretsnummer", f"{label} – per grunnkrets", res.years) + [""]
    sk = res.skjult_grupper
    out.append("Prikkede celler i grunnkretstallene (personer i dag per aldersgruppe)")
    out.append(f"{'Aldersgruppe':<18}{'synlig':>10}{'anslag':>10}{'nedre':>10}{'øvre':>10}")
    for r in sk.itertuples(index=False):
        out.append(f"{r.gruppe:<18}{text.integer(r.synlig):>10}{text.integer(r.estimat):>10}"
                   f"{text.integer(r.nedre):>10}{text.integer(r.ovre):>10}")
    out += [""] + [f"Merk: {n}" for n in res.notes]
    return "\n".join(out)


def add_projection_args(p: argparse.ArgumentParser) -> None:
    """``--projection FIL --variant KODE`` for ``arealbehov`` and ``reserves``."""
    g = p.add_argument_group("befolkningsframskriving i stedet for fast vekstrate")
    g.add_argument("--projection", metavar="FIL",
                   help="SSBs framskriving (tabell 14288, JSON-stat2 eller CSV): veksten og boligene "
                        "følger aldersstrukturen (population.dwellings_per_person)")
    g.add_argument("--variant", metavar="KODE", help="framskrivingsalternativ (standard MMMM)")
