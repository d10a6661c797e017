"""The ``geoplan`` command line.

``geoplan COMMAND [DATA] [options]``; DATA defaults to the embedded demo
municipality. Each command lives in its own module under
:mod:`geoplan.present.cli` with a ``register(subparsers)`` function that adds its
parser and sets ``run`` (``args -> exit code``).

Exit codes: 0 success, 1 the data fail a check an analysis needs, 2 unusable
input or invalid options. Users never see a traceback; ``GEOPLAN_DEBUG=1``
shows one for developers.
"""

from __future__ import annotations

import argparse
import importlib
import os
import re
import sys
import traceback

from geoplan import __version__
from geoplan.errors import GeoplanError

#: command name -> module that registers it (in the order shown by --help)
COMMANDS = {
    "check": "geoplan.present.cli.check",
    "demo": "geoplan.present.cli.demo",
    "arealbehov": "geoplan.present.cli.arealbehov",
    "reserves": "geoplan.present.cli.reserves",
    "schools": "geoplan.present.cli.schools",
    "concentration": "geoplan.present.cli.concentration",
    "assess": "geoplan.present.cli.assess",
    "befolkning": "geoplan.present.cli.befolkning",
    "boligbehov": "geoplan.present.cli.boligbehov",
    "tilgang": "geoplan.present.cli.tilgang",
    "arealregnskap": "geoplan.present.cli.arealregnskap",
    "report": "geoplan.present.cli.report",
    "db": "geoplan.present.cli.db",
    "users": "geoplan.present.cli.users",
    "app": "geoplan.present.cli.app",
    "convert": "geoplan.present.cli.convert",
    "geocode": "geoplan.present.cli.geocode",
    "import": "geoplan.present.cli.import_data",
    "batch": "geoplan.present.cli.batch",
}


#: argparse's messages (Python 3.11, ``argparse._``) in Norwegian; an error about one
#: option comes as «argument NAME: MESSAGE» and both parts are translated
_ARGPARSE_NO = [
    (re.compile(r"^invalid (?:float|int) value: '(.*)'$"), r"«\1» er ikke et tall"),
    (re.compile(r"^invalid \w+ value: '(.*)'$"), r"«\1» er ikke en gyldig verdi"),
    (re.compile(r"^invalid choice: '(.*)' \(choose from (.*)\)$"), r"ugyldig valg «\1» (velg blant \2)"),
    (re.compile(r"^expected one argument$"), r"trenger en verdi"),
    (re.compile(r"^expected at most one argument$"), r"tar høyst én verdi"),
    (re.compile(r"^expected at least one argument$"), r"trenger minst én verdi"),
    (re.compile(r"^expected (\d+) arguments?$"), r"trenger \1 verdier"),
    (re.compile(r"^ignored explicit argument '(.*)'$"),
     r"tar ingen verdi (fikk «\1»); skriv valget alene"),
    (re.compile(r"^not allowed with argument (.*)$"), r"kan ikke brukes sammen med \1"),
    (re.compile(r"^the following arguments are required: (.*)$"), r"disse argumentene mangler: \1"),
    (re.compile(r"^one of the arguments (.*) is required$"), r"ett av argumentene \1 må gis"),
    (re.compile(r"^unrecognized arguments: (.*)$"), r"ukjente argumenter: \1"),
    (re.compile(r"^ambiguous option: (\S+) could match (.*)$"),
     r"valget \1 er tvetydig: det kan bety \2; skriv hele navnet"),
    (re.compile(r"^can't open '(.*)': (.*)$"), r"kan ikke åpne «\1»"),
]
_ARGUMENT = re.compile(r"^argument (\S+): (.*)$", re.S)


def _translate_argparse(message: str) -> str:
    """argparse's English usage errors in Norwegian. A message of geoplan's own (an
    option's type check writes Norwegian) passes as it is."""
    head, body = "", message
    m = _ARGUMENT.match(message)
    if m:
        head, body = f"argumentet {m.group(1)}: ", m.group(2)
    for rx, repl in _ARGPARSE_NO:
        if rx.search(body):
            return head + rx.sub(repl, body, count=1)
    return head + body


class _Parser(argparse.ArgumentParser):
    """argparse with Norwegian help and usage errors (exit 2, no traceback)."""

    def __init__(self, *args, **kwargs):
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)
        self._positionals.title = "argumenter"
        self._optionals.title = "valg"
        self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS,
                          help="vis denne hjelpeteksten og avslutt")

    def format_usage(self) -> str:
        return super().format_usage().replace("usage:", "bruk:", 1)

    def format_help(self) -> str:
        return super().format_help().replace("usage:", "bruk:", 1)

    def error(self, message: str):  # noqa: D401
        message = _translate_argparse(message)
        self.print_usage(sys.stderr)
        self.exit(2, f"geoplan: feil i kommandoen: {message}\n"
                     "Skriv «geoplan --help» eller «geoplan KOMMANDO --help» for hjelp.\n")


def _command_of(argv: list[str] | None) -> str | None:
    """The command named in ``argv`` (the first word that is no option), if it is one of ours."""
    words = sys.argv[1:] if argv is None else argv
    first = next((w for w in words if not w.startswith("-")), None)
    return first if first in COMMANDS else None


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser of every command, or of ``command`` only (a run imports only its own module)."""
    parser = _Parser(
        prog="geoplan",
        description=(
            "Arealplanlegging og segregasjonsanalyse for norske kommuner: "
            "boligreserve og arealbehov, skolesirkler, konsentrasjon av kommunale "
            "boliger og vurdering av tomter. DATA er en GeoPackage, en mappe med lagfiler "
            "eller én fil; uten DATA brukes den innebygde demokommunen."
        ),
    )
    parser.add_argument("--version", action="version", version=f"geoplan {__version__}",
                        help="vis versjonsnummeret og avslutt")
    sub = parser.add_subparsers(dest="command", metavar="KOMMANDO", parser_class=_Parser)
    for name, modname in COMMANDS.items():
        if command is None or name == command:
            importlib.import_module(modname).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``geoplan`` command; returns the exit code."""
    debug = bool(os.environ.get("GEOPLAN_DEBUG"))
    try:
        parser = build_parser(_command_of(argv))
        args = parser.parse_args(argv)
        if not getattr(args, "run", None):
            parser.print_help()
            return 2
        return int(args.run(args) or 0)
    except GeoplanError as e:
        if debug:
            traceback.print_exc()
        print(f"geoplan: {e.message}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print("geoplan: avbrutt.", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `geoplan ... | head`
        return 0
    except OSError as e:     # a path the user gave: missing, a folder, no access, disk full
        from geoplan.errors import os_error_text
        if debug:
            traceback.print_exc()
        print(f"geoplan: {os_error_text(e)} Kontroller filnavnet og at du har tilgang.",
              file=sys.stderr)
        return 2
    except EOFError:
        print("geoplan: inndata tok slutt før svaret var gitt (kjør kommandoen i et terminalvindu, "
              "eller gi verdien som argument).", file=sys.stderr)
        return 2
    except MemoryError:
        print("geoplan: ikke nok minne til denne analysen. Prøv et mindre område.", file=sys.stderr)
        return 2
    except Exception as e:  # the last line of defence: never a traceback to the user
        if debug:
            traceback.print_exc()
        print(
            # the exception's own words are English (Python's or a library's): only its
            # type, for the bug report; GEOPLAN_DEBUG=1 prints the whole traceback
            "geoplan: en uventet feil oppsto "
            f"(feiltype {type(e).__name__}). Kontroller inndataene med «geoplan check»; "
            "om feilen står seg, meld den til GIS-ansvarlig med kommandoen du kjørte "
            "(sett GEOPLAN_DEBUG=1 for tekniske detaljer).",
            file=sys.stderr,
        )
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
