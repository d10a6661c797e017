"""``geoplan report``: the KPA attachment «Boligreserve, arealbehov og lokalisering».

Writes HTML, PDF (A4, page numbers) or Excel, chosen by the suffix of ``--out``.
Every number comes from the analysis functions the other commands call, with the
same parameters, so the report agrees with ``geoplan arealbehov/reserves/schools/
concentration --json`` for the same data and flags.
"""

from __future__ import annotations

import argparse

from geoplan.present import text
from geoplan.present.cli import common


def register(sub) -> None:
    p = sub.add_parser(
        "report", help="rapport for kommuneplanens arealdel (HTML, PDF eller Excel)",
        description=(
            "Lager vedlegget «Boligreserve, arealbehov og lokalisering» til kommuneplanens "
            "arealdel: scenariotabell for arealbehov, boligreserve, innspill og balanse per "
            "sted, rangering av innspill, skolesirkler med kart per sted, nærhet til "
            "kollektivtilbud, konsentrasjon av kommunale boliger (alltid aggregert, små tall "
            "skjult), parametere med kilder og datagrunnlag. Formatet følger filendelsen: "
            ".html, .pdf (A4 med sidetall) eller .xlsx (én tabell per ark). Deler som mangler "
            "lag, blir utelatt med en setning om hvorfor. Scenariotabellen bruker alle --year og "
            "--rate (som «geoplan arealbehov»); balansen bruker dem når bare ett år og én rate "
            "er gitt, ellers reserves.default_year og reserves.default_rate (som «geoplan "
            "reserves»)."
        ),
    )
    common.add_data_args(p, json_flag=False)
    p.add_argument("--out", "-o", required=True, metavar="FIL",
                   help="utfil: rapport.html, rapport.pdf eller rapport.xlsx")
    p.add_argument("--sections", metavar="DELER", action="append",
                   help="bare disse delene, kommaseparert (kan gjentas): arealbehov, balanse, "
                        "parseller, skoler, kollektiv, konsentrasjon, arealregnskap (standard: alle). "
                        "Parametere og datagrunnlag kommer alltid med.")
    p.add_argument("--public", action="store_true",
                   help="offentlig versjon: antall under kommune.min_count_public vises ikke. "
                        "Rapporten er alltid offentlig (den går på høring), så dette er standard")
    from geoplan.present.cli.arealbehov import add_growth_args
    add_growth_args(p, many=True)
    p.set_defaults(run=run)


def growth_options(args: argparse.Namespace) -> dict:
    """The growth flags as the mapping :func:`geoplan.present.report.build_report` takes."""
    keys = ("base_population", "base_year", "year", "rate", "share", "sted",
            "persons_per_dwelling", "dwellings_per_daa")
    return {k: getattr(args, k, None) for k in keys}


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from geoplan.present import report as rp
    out = Path(args.out)
    fmt = rp.fmt_from_path(out)  # refuse a wrong suffix before any work
    sections = rp.parse_sections(args.sections)
    cfg = common.config_from_args(args)
    ds = common.load_from_args(args, config=cfg)
    common.check_output(out, "--out")
    from geoplan.config.kommune import identify_kommune
    ident = identify_kommune(ds.layers, cfg)
    if (banner := ident.banner()) is not None:    # another municipality's parameters: first
        print(banner + "\n")
    # the maps are drawn where their analyses run (a spreadsheet has none)
    secs = rp.build_sections(ds, cfg, sections, public=True, growth=growth_options(args),
                             figures=fmt != "xlsx")
    data = rp.render_report(secs, ds, cfg, fmt)
    from geoplan.io.writers import write_bytes_atomic
    write_bytes_atomic(out, data, option="--out")
    print(f"Rapporten «{rp.REPORT_TITLE}» er skrevet til {out} ({fmt.upper()}, "
          f"{text.integer(len(data) / 1024)} kB).")
    for s in secs:
        if s.omitted:
            print(f"  {s.number}. {s.title}: utelatt. {s.omitted}")
        else:
            print(f"  {s.number}. {s.title}")
    return 0
