"""``geoplan demo [--out DIR]``: build the synthetic demo municipality."""

from __future__ import annotations

import argparse
import errno
import os
from pathlib import Path

from geoplan.errors import UnreadableInput, os_reason
from geoplan.present import text


def register(sub) -> None:
    p = sub.add_parser(
        "demo",
        help="bygg demokommunen (syntetisk Larvik) på nytt",
        description=(
            "Bygger den innebygde demokommunen: en syntetisk kommune på Larvik kommunes "
            "yttergrense (© Kartverket, CC BY 4.0), med tallene fra Boligplan 2015–2020 der "
            "kildene gir dem. Skriver demo.gpkg, terreng.tif, stoy.tif og README.md til MAPPE "
            "(standard: demomappen i geoplan-pakken, som layers/ i prosjektet peker til). "
            "To kjøringer gir de samme dataene."
        ),
    )
    p.add_argument("--out", metavar="MAPPE", default=None,
                   help="mappen dataene skrives til (standard: demomappen i pakken, layers/ i prosjektet)")
    p.add_argument("--seed", type=int, default=None, help=argparse.SUPPRESS)
    p.add_argument("--json", action="store_true", help="skriv sammendraget som JSON på stdout")
    p.set_defaults(run=run)


#: the OS errors that mean the folder cannot take the demo (reported as such; any
#: other goes to the command's own OSError message)
_WRITE_ERRORS = {errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOSPC, errno.EDQUOT}


def _cannot_write(out: Path, reason: str, default: bool) -> UnreadableInput:
    """The error for a folder the demo cannot be written to (``default``: the package's own)."""
    if default:
        return UnreadableInput(
            f"Kan ikke skrive til {out}: {reason}. Det er demomappen i den installerte "
            "geoplan-pakken; den innebygde demoen er der fortsatt og brukes som før. "
            "Bygg demoen i en mappe du har skrivetilgang til med --out MAPPE.")
    return UnreadableInput(f"Kan ikke skrive til {out}: {reason}. "
                           "Velg en mappe du har skrivetilgang til med --out.")


def _writable_folder(out: Path, default: bool) -> None:
    """Create ``out`` if missing; raise :class:`UnreadableInput` if it is no writable folder.

    Checked before the build (about 10 s), so a read-only folder -- such as the
    demo folder of a package installed system-wide -- fails at once.
    """
    if out.exists() and not out.is_dir():
        raise UnreadableInput(f"{out} finnes og er ikke en mappe. Velg en annen mappe med --out.")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise UnreadableInput(f"Kan ikke opprette mappen {out}: "
                              f"{os_reason(e, writing=True)}. "
                              "Velg en annen mappe med --out.") from None
    if not os.access(out, os.W_OK):
        raise _cannot_write(out, "ingen skrivetilgang", default)


def run(args) -> int:
    from geoplan import demo
    from geoplan.io import DEFAULT_DATA
    from geoplan.present.cli import common

    default = not args.out
    out = Path(args.out) if args.out else DEFAULT_DATA.parent
    _writable_folder(out, default)
    seed = args.seed if args.seed is not None else demo.SEED
    try:
        paths = demo.write_demo(out, seed=seed)
    except OSError as e:
        if not isinstance(e, PermissionError) and e.errno not in _WRITE_ERRORS:
            raise
        raise _cannot_write(out, os_reason(e, writing=True), default) from None
    layers = demo.read_layers(paths["gpkg"])
    summ = demo.summary(layers)
    if args.json:
        common.emit_json({"mappe": str(out), "filer": {k: str(v) for k, v in paths.items()},
                          "lag": {k: len(v) for k, v in layers.items()}, **summ})
        return 0
    _print_summary(out, paths, layers, summ)
    return 0


def _print_summary(out: Path, paths: dict, layers: dict, summ: dict) -> None:
    """The text output: files, objects per layer, key figures."""
    print(f"Demokommunen (syntetisk Larvik) er skrevet til {out}:")
    for v in paths.values():
        print(f"  {v.name}")
    print()
    print(f"  {'Lag':<18}{'Objekter':>10}")
    for k, v in layers.items():
        print(f"  {k:<18}{text.integer(len(v)):>10}")
    print()
    print(f"  Boliger i alt: {text.integer(summ['antall_boliger'])}  "
          f"Innbyggere: {text.integer(summ['befolkning'])}")
    ku = summ["kommunale_enheter"]
    print("  Kommunale enheter: " + ", ".join(f"{k} {text.integer(v)}" for k, v in sorted(ku.items())))
    print("  Innspill (bolig, daa): " + ", ".join(
        f"{k} {text.number(v, 0)}" for k, v in sorted(summ["innspill_daa"].items())))
    print()
    print("Merk: dataene er syntetiske, unntatt kommunegrensen og tallene fra kildene "
          "(se README.md i mappen).")
