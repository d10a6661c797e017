"""``geoplan users add|remove|list``: local accounts for the app (``auth.mode = "lokal"``)."""

from __future__ import annotations

import getpass
import sys

from geoplan.present.cli import common


def register(sub) -> None:
    p = sub.add_parser(
        "users", help="lokale brukere for kartappen (innlogging uten identitetstjeneste)",
        description=("Administrerer brukerfilen appen bruker når config/auth.toml har mode = «lokal». "
                     "Passordene lagres som scrypt-hasher, aldri i klartekst."))
    usub = p.add_subparsers(dest="users_command", metavar="HANDLING", parser_class=type(p))
    q = usub.add_parser("add", help="legg til en bruker, eller endre rolle og passord",
                        description="Legger til en bruker (eller endrer rollen og passordet til en som finnes).")
    q.add_argument("name", metavar="BRUKERNAVN")
    q.add_argument("--role", required=True, choices=["innsyn", "plan", "bolig", "admin"],
                   help="rollen: innsyn, plan, bolig eller admin (se config/auth.toml)")
    q.add_argument("--password-stdin", action="store_true",
                   help="les passordet fra standard inn (for skript) i stedet for å spørre")
    _common(q)
    q.set_defaults(run=run_add)
    q = usub.add_parser("remove", help="fjern en bruker", description="Fjerner en bruker fra brukerfilen.")
    q.add_argument("name", metavar="BRUKERNAVN")
    _common(q)
    q.set_defaults(run=run_remove)
    q = usub.add_parser("list", help="vis brukerne og rollene", description="Viser brukerne og rollene.")
    _common(q)
    q.add_argument("--json", action="store_true", help="skriv listen som JSON")
    q.set_defaults(run=run_list)
    p.set_defaults(run=lambda args: (p.print_help(), 2)[1])


def _common(q) -> None:
    q.add_argument("--file", metavar="FIL", help="brukerfilen (standard: auth.users_file i config/auth.toml)")
    q.add_argument("--config", metavar="MAPPE", help="konfigurasjonsmappe")


def _settings(args):
    from pathlib import Path

    from geoplan.present.app.auth import AuthSettings
    s = AuthSettings.from_config(common.config_from_args(args))
    return Path(args.file).expanduser() if args.file else s.users_file


def _password(args) -> str:
    from geoplan.errors import UnreadableInput
    if args.password_stdin:
        pw = sys.stdin.readline().rstrip("\n")
    else:
        if not sys.stdin.isatty():   # getpass would warn in English and echo the password
            raise UnreadableInput("Passordet må skrives i et terminalvindu; fra et skript eller "
                                  "en pipe, gi det på standard inn med --password-stdin.")
        pw = getpass.getpass("Passord: ")
        if getpass.getpass("Gjenta passordet: ") != pw:
            raise UnreadableInput("Passordene er ikke like. Prøv igjen.")
    if len(pw) < 10:
        raise UnreadableInput("Passordet må ha minst 10 tegn.")
    return pw


def run_add(args) -> int:
    from geoplan.present.app import auth
    path = _settings(args)
    name = auth.check_username(args.name)
    users = auth.read_users(path)
    existed = name in users
    users[name] = {"role": args.role, "password": auth.hash_password(_password(args))}
    auth.write_users(path, users)
    print(f"{'Endret' if existed else 'La til'} brukeren {name} med rollen {args.role} i {path}.")
    return 0


def run_remove(args) -> int:
    from geoplan.errors import UnreadableInput
    from geoplan.present.app import auth
    path = _settings(args)
    users = auth.read_users(path)
    if args.name not in users:
        raise UnreadableInput(f"Brukeren {args.name} finnes ikke i {path}.")
    users.pop(args.name)
    auth.write_users(path, users)
    print(f"Fjernet brukeren {args.name} fra {path}.")
    return 0


def run_list(args) -> int:
    from geoplan.present.app import auth
    path = _settings(args)
    users = auth.read_users(path)
    if args.json:
        common.emit_json({"fil": str(path), "brukere": [{"navn": n, "rolle": u.get("role")}
                                                      for n, u in sorted(users.items())]})
        return 0
    if not users:
        print(f"Ingen brukere i {path}. Legg til med «geoplan users add NAVN --role ROLLE».")
    for n, u in sorted(users.items()):
        print(f"{n:<30} {u.get('role')}")
    return 0
