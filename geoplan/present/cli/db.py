"""``geoplan db init|load|status|publish``: PostGIS as the municipality's shared store.

ADRESSE is ``postgresql://bruker@vert:5432/database`` or ``pg:TJENESTE`` (from
``pg_service.conf``); the schema is ``--schema`` (or ``?schema=`` in the address).
Passwords belong in ``~/.pgpass`` or ``pg_service.conf``, never on the command line.
"""

from __future__ import annotations

import argparse
import sys

from geoplan.present import text
from geoplan.present.cli import common


def register(sub) -> None:
    p = sub.add_parser(
        "db", help="PostGIS: opprett skjema, last inn data, se status, publiser resultater",
        description=(
            "Bruk en PostgreSQL/PostGIS-database som felles lager. ADRESSE er "
            "postgresql://bruker@vert:5432/database eller pg:TJENESTE fra pg_service.conf. "
            "Passord hører hjemme i ~/.pgpass eller pg_service.conf."
        ),
    )
    dsub = p.add_subparsers(dest="db_command", metavar="HANDLING", parser_class=type(p))

    q = dsub.add_parser("init", help="opprett PostGIS-utvidelsen og skjemaet",
                        description="Oppretter PostGIS-utvidelsen (om den mangler) og skjemaet.")
    _address_args(q)
    q.set_defaults(run=run_init)

    q = dsub.add_parser(
        "load", help="last inn DATA (kontrollert) i skjemaet, i én transaksjon",
        description=("Leser og kontrollerer DATA som «geoplan check» gjør, og skriver lagene og "
                     "rastrene i skjemaet i én transaksjon: feiler noe, er databasen som før."))
    q.add_argument("data", metavar="DATA", help="GeoPackage, mappe, fil eller zip som skal lastes inn")
    _address_args(q)
    q.add_argument("--replace", action="store_true",
                   help="erstatt lagene som allerede ligger i skjemaet")
    q.add_argument("--layer", metavar="NAVN", help="lagnavn for en enkeltfil")
    q.add_argument("--crs", metavar="EPSG", help="koordinatsystem for lag uten CRS")
    q.add_argument("--config", metavar="MAPPE", help="konfigurasjonsmappe")
    q.add_argument("--set", metavar="NØKKEL=VERDI", action="append", default=[],
                   help="overstyr en parameter, f.eks. kommune.working_epsg=25833")
    q.set_defaults(run=run_load)

    q = dsub.add_parser("status", help="vis hva databasen inneholder",
                        description="Viser skjemaene med geoplan-lag, antall rader, siste innlasting "
                                    "og siste publisering.")
    _address_args(q, schema=False)
    q.set_defaults(run=run_status)

    q = dsub.add_parser(
        "publish", help="kjør analysene på skjemaets data og skriv resultattabeller for QGIS",
        description=("Kjører analysene på dataene i --schema og skriver resultattabellene i et eget "
                     "skjema (standard SKJEMA_resultater), aldri over inndataene. Hver tabell byttes "
                     "inn i én transaksjon og merkes med parametrene, dataversjonen og tidspunktet. "
                     "Konsentrasjon publiseres alltid prikket (offentlig versjon)."))
    _address_args(q)
    q.add_argument("--til-skjema", metavar="SKJEMA", dest="out_schema",
                   help="skjema for resultatene (standard: SKJEMA_resultater)")
    q.add_argument("--analyses", metavar="LISTE", default="reserves,schools,concentration",
                   help="kommaseparert: reserves, schools, concentration (standard: alle)")
    q.add_argument("--config", metavar="MAPPE", help="konfigurasjonsmappe")
    q.add_argument("--set", metavar="NØKKEL=VERDI", action="append", default=[],
                   help="overstyr en parameter for denne kjøringen")
    q.set_defaults(run=run_publish)
    p.set_defaults(run=lambda args: (p.print_help(), 2)[1])


def _address_args(q: argparse.ArgumentParser, *, schema: bool = True) -> None:
    q.add_argument("address", metavar="ADRESSE", help="postgresql://… eller pg:TJENESTE")
    if schema:
        q.add_argument("--schema", metavar="SKJEMA", default=None,
                       help="skjemaet (kommunen eller planversjonen); standard «geoplan»")
    q.add_argument("--json", action="store_true", help="skriv resultatet som JSON på stdout")


def _address(args):
    from geoplan.errors import UnreadableInput
    from geoplan.io.postgis.connect import is_database, parse
    if not is_database(args.address):
        raise UnreadableInput(
            f"«{args.address}» er ikke en databaseadresse. Skriv postgresql://bruker@vert:5432/database "
            "eller pg:TJENESTE.")
    return parse(args.address, getattr(args, "schema", None))


def run_init(args) -> int:
    from geoplan.io.postgis import store
    address = _address(args)
    done = store.init(address)
    if args.json:
        common.emit_json({"database": address.label, "utfort": done})
    else:
        print(f"{address.label}: " + ("; ".join(done) if done else "alt var på plass") + ".")
    return 0


def run_load(args) -> int:
    from geoplan.errors import UnreadableInput
    from geoplan.io.postgis import store
    from geoplan.io.postgis.connect import is_database
    address = _address(args)
    if is_database(args.data):
        raise UnreadableInput("DATA er allerede en database. Kopier mellom skjemaer med SQL, "
                              "eller last inn fra en fil.")
    cfg = common.config_from_args(args)
    ds = common.load_from_args(args, config=cfg)
    rejected = {n: r for n, r in ds.reports.items() if r.status == "ubrukelig"}
    rasters = {n: (p.name, p.read_bytes()) for n, p in ds.rasters.items()}
    n = len(ds.layers)

    done: list[str] = []

    def progress(name: str) -> None:
        done.append(name)
        if not args.json and sys.stderr.isatty():
            print(f"\r[{len(done)}/{n}] skriver {name} …".ljust(60), end="", file=sys.stderr, flush=True)

    meta = store.load(address, ds.layers, rasters, epsg=ds.epsg or 0, source=ds.source,
                      replace=args.replace, progress=progress)
    if not args.json and sys.stderr.isatty():
        print(file=sys.stderr)
    if args.json:
        common.emit_json({**meta, "skjema": address.schema, "ikke_lastet": sorted(rejected)})
        return 0
    print(f"Lastet {ds.source} inn i {address.label} (dataversjon {meta['dataversjon']}, "
          f"EPSG:{meta['epsg']}):")
    for name, count in meta["lag"].items():
        rep = ds.reports.get(name)
        dropped = rep.n_read - rep.n_kept if rep is not None else 0
        extra = f" ({text.integer(dropped)} avvist ved kontrollen)" if dropped else ""
        print(f"  {name:<20} {text.integer(count):>8} rader{extra}")
    if meta["raster"]:
        print("  raster: " + ", ".join(meta["raster"]))
    if rejected:
        print("Ikke lastet inn (kunne ikke brukes): " + ", ".join(sorted(rejected)))
    return 0


def run_status(args) -> int:
    from geoplan.io.postgis import store
    address = _address(args)
    st = store.status(address)
    if args.json:
        common.emit_json(st)
        return 0
    print(f"Database {st['database']}, PostGIS {st['postgis'] or 'ikke installert'}")
    if not st["skjema"]:
        print("Ingen geoplan-skjemaer ennå. Last inn med «geoplan db load DATA ADRESSE».")
    for sch in st["skjema"]:
        lasting, pub = sch.get("lasting"), sch.get("publisert")
        head = f"\nSkjema {sch['navn']}"
        if lasting:
            head += f": lastet {lasting['lastet']} fra {lasting['kilde']} (dataversjon {lasting['dataversjon']})"
        elif pub:
            head += f": resultater publisert {pub['tidspunkt']} (dataversjon {pub.get('dataversjon', '–')})"
        print(head)
        for name, count in sch["lag"].items():
            print(f"  {name:<28} {text.integer(count):>8} rader")
    return 0


def run_publish(args) -> int:
    from geoplan import __version__
    from geoplan.errors import UnreadableInput
    from geoplan.io import load
    from geoplan.io.postgis import store
    from geoplan.io.postgis.publish import publish, result_schema
    from geoplan.runs.publish import ANALYSES, BUILDERS, parameters
    address = _address(args)
    wanted = [a.strip() for a in args.analyses.split(",") if a.strip()]
    unknown = [a for a in wanted if a not in ANALYSES]
    if unknown or not wanted:
        raise UnreadableInput(f"--analyses: ukjent analyse «{', '.join(unknown) or args.analyses}». "
                              f"Velg blant {', '.join(ANALYSES)}.")
    out = address.with_schema(result_schema(address.schema, args.out_schema))
    cfg = common.config_from_args(args)
    ds = load(args.address if "schema=" in args.address else _with_schema(args.address, address.schema),
              config=cfg)
    meta = store.meta(address)
    tables: dict = {}
    for i, name in enumerate(wanted, 1):
        if not args.json:
            print(f"[{i}/{len(wanted)}] {name} …", file=sys.stderr)
        tables.update(BUILDERS[name](ds, cfg))
    stamp = {"geoplan": __version__, "analyser": wanted, "kilde": address.label,
             "dataversjon": (meta.get("lasting") or {}).get("dataversjon"),
             "parametre": parameters(cfg, wanted)}
    res = publish(out, tables, epsg=ds.epsg or 0, stamp=stamp)
    if args.json:
        common.emit_json({"skjema": out.schema, **res})
        return 0
    print(f"Publiserte {len(res['tabeller'])} tabeller i skjemaet {out.schema} "
          f"(dataversjon {stamp['dataversjon'] or 'ukjent'}):")
    for name, n in res["tabeller"].items():
        print(f"  {name:<28} {text.integer(n):>8} rader")
    return 0


def _with_schema(address: str, schema: str) -> str:
    if address.startswith(("pg:", "service=")):
        return f"{address}{'&' if '?' in address else '?'}schema={schema}"
    return f"{address}{'&' if '?' in address else '?'}schema={schema}"
