"""``geoplan demo [--out DIR]``: build the synthetic demo municipality."""

from __future__ import annotations

import argparse


def register(sub) -> None:
    p = sub.add_parser(
        "demo",
        help="bygg demokommunen (syntetisk Larvik) på nytt",
        description=(
            "Bygger den innebygde demokommunen: en syntetisk kommune på Larvik kommunes "
            "yttergrense (© Kartverket, CC BY 4.0), med tallene fra Boligplan 2015–2020 der "
            "kildene gir dem. Skriver demo.gpkg, terreng.tif, stoy.tif og README.md til MAPPE "
            "(standard: layers/ i prosjektet). To kjøringer gir de samme dataene."
        ),
    )
    p.add_argument("--out", metavar="MAPPE", default=None,
                   help="mappen dataene skrives til (standard: layers/ i prosjektet)")
    p.add_argument("--seed", type=int, default=None, help=argparse.SUPPRESS)
    p.add_argument("--json", action="store_true", help="skriv sammendraget som JSON på stdout")
    p.set_defaults(run=run)


def run(args) -> int:
    from pathlib import Path

    from geoplan import demo
    from geoplan.errors import UnreadableInput
    from geoplan.io.layers import DEFAULT_DATA
    from geoplan.present.cli import common
    out = Path(args.out) if args.out else DEFAULT_DATA.parent
    if out.exists() and not out.is_dir():
        raise UnreadableInput(f"{out} finnes og er ikke en mappe. Velg en annen mappe med --out.")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise UnreadableInput(f"Kan ikke opprette mappen {out}: {e.strerror}. "
                              "Velg en annen mappe med --out.") from None
    seed = args.seed if args.seed is not None else demo.SEED
    try:
        paths = demo.write_demo(out, seed=seed)
    except PermissionError as e:
        raise UnreadableInput(f"Kan ikke skrive til {out}: {e.strerror}. "
                              "Velg en mappe du har skrivetilgang til med --out.") from None
    layers = demo.read_layers(paths["gpkg"])
    summ = demo.summary(layers)
    if args.json:
        common.emit_json({"mappe": str(out), "filer": {k: str(v) for k, v in paths.items()},
                          "lag": {k: len(v) for k, v in layers.items()}, **summ})
        return 0
    print(f"Demokommunen (syntetisk Larvik) er skrevet til {out}:")
    for k, v in paths.items():
        print(f"  {v.name}")
    print()
    print(f"  {'Lag':<18}{'Objekter':>10}")
    for k, v in layers.items():
        print(f"  {k:<18}{len(v):>10}")
    print()
    print(f"  Boliger i alt: {summ['antall_boliger']:,}  Innbyggere: {summ['befolkning']:,}".replace(",", " "))
    ku = summ["kommunale_enheter"]
    print("  Kommunale enheter: " + ", ".join(f"{k} {v}" for k, v in sorted(ku.items())))
    print("  Innspill (bolig, daa): " + ", ".join(
        f"{k} {v:.0f}" for k, v in sorted(summ["innspill_daa"].items())))
    print()
    print("Merk: dataene er syntetiske, unntatt kommunegrensen og tallene fra kildene "
          "(se README.md i mappen).")
    return 0
