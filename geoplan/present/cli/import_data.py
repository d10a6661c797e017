"""``geoplan import FOLDER|ZIP… --out kommune.gpkg [--kommune NR]`` (``import`` is a Python keyword)."""

from __future__ import annotations

import argparse

from geoplan.present.cli import common
from geoplan.present.cli.progress import Progress
from geoplan.present.text import integer


def register(sub) -> None:
    p = sub.add_parser(
        "import", help="sett sammen kommunens data fra Geonorge-nedlastinger til én GeoPackage",
        description=(
            "Leser mapper og zip-filer med nasjonale datasett slik kommunen laster dem ned (Geonorge, "
            "Entur), kjenner igjen hvert produkt på innholdet (objekttyper og kolonner, ikke filnavnet; "
            "se config/products.toml), gjør dem om til datakontraktens lag, klipper til kommunen, "
            "transformerer til arbeidskoordinatsystemet, kontrollerer lagene som «geoplan check» og "
            "skriver GeoPackage-filen. Rapporten sier hva hvert lag kom fra, og hvor det som mangler, "
            "kan hentes. Avslutter med 0 når filen er skrevet, 2 når ingenting kan brukes."),
    )
    p.add_argument("inputs", nargs="+", metavar="MAPPE|ZIP", help="mapper, zip-filer eller enkeltfiler")
    p.add_argument("--out", required=True, metavar="UT.gpkg", help="GeoPackage som skrives")
    p.add_argument("--kommune", metavar="NR", help="kommunenummer (4 siffer) det klippes til")
    p.add_argument("--config", metavar="MAPPE", help="konfigurasjonsmappe (standard: config/)")
    p.add_argument("--set", metavar="NØKKEL=VERDI", action="append", default=[],
                   help="overstyr en parameter, f.eks. products.gtfs_window_start_h=7")
    p.add_argument("--json", action="store_true", help="skriv rapporten som JSON på stdout")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from geoplan.io.importer import import_data, write_import

    cfg = common.config_from_args(args)
    with Progress("Leser", len(args.inputs)) as bar:
        res = import_data(args.inputs, kommune=args.kommune, config=cfg, progress=lambda i, n, w: bar.update(i, w))
    out = write_import(res, args.out, inputs=args.inputs)
    report = as_dict(res, str(out))
    if args.json:
        common.emit_json(report)
    else:
        print(render_text(report))
    return 0


def as_dict(res, out: str) -> dict:
    from geoplan.io.contract import SCHEMAS

    layers = []
    for name in SCHEMAS:
        if name in res.layers:
            rep = res.reports.get(name)
            entry = {"navn": name, "status": rep.status if rep else "ok", "antall": len(res.layers[name]),
                     "fra": res.provenance.get(name, []), "meldinger": rep.messages if rep else []}
            if name in res.incomplete:  # written, but some commands need a column it lacks
                entry["mangler"] = [{"kolonne": c, "kilde": s} for c, s in res.incomplete[name]]
            layers.append(entry)
        elif name in res.incomplete:
            layers.append({"navn": name, "status": "ufullstendig", "skrevet_som": f"{name}_ufullstendig",
                           "antall": len(res.layers.get(f"{name}_ufullstendig", [])),
                           "fra": res.provenance.get(name, []),
                           "mangler": [{"kolonne": c, "kilde": s} for c, s in res.incomplete[name]]})
        elif name in res.reports:
            layers.append({"navn": name, "status": "ikke skrevet", "antall": 0,
                           "fra": res.provenance.get(name, []), "meldinger": res.reports[name].messages})
        else:
            layers.append({"navn": name, "status": "mangler", "kilde": res.missing.get(name, "")})
    return {"ut": out, "crs": f"EPSG:{res.crs.to_epsg()}", "kommune": res.kommune,
            "filer": [{"fil": f, "ble": w} for f, w in res.files], "lag": layers, "merknader": res.notes}


def render_text(report: dict) -> str:
    lines = [f"Import til {report['ut']}",
             f"Arbeidskoordinatsystem: {report['crs']}"
             + (f"; klippet til kommune {report['kommune']}" if report["kommune"] else ""), "", "Filer:"]
    lines += [f"  {f['fil']}: {f['ble']}" for f in report["filer"]]
    done = [x for x in report["lag"] if x["status"] not in ("mangler", "ufullstendig", "ikke skrevet")]
    lines += ["", "Lag som er skrevet:"]
    for x in done:
        lines.append(f"  {x['navn']:<18} {integer(x['antall']):>7} obj.  fra {'; '.join(x['fra'])}")
        lines += [f"      {m}" for m in x.get("meldinger", [])]
    part = [x for x in report["lag"] if x["status"] in ("ufullstendig", "ikke skrevet")]
    if part:
        lines += ["", "Lag som ikke er komplette:"]
        for x in part:
            if x["status"] == "ufullstendig":
                lines.append(f"  {x['navn']}: skrevet som «{x['skrevet_som']}» ({integer(x['antall'])} obj.); "
                             "mangler " + ", ".join(m["kolonne"] for m in x["mangler"]) + ".")
                lines += [f"      {m['kolonne']}: {m['kilde']}" for m in x["mangler"] if m["kilde"]]
            else:
                lines.append(f"  {x['navn']}: ikke skrevet. " + " ".join(x.get("meldinger", [])))
    missing = [x for x in report["lag"] if x["status"] == "mangler"]
    if missing:
        lines += ["", "Lag som mangler, og hvor de kan hentes:"]
        lines += [f"  {x['navn']}: {x['kilde']}" for x in missing]
    if report["merknader"]:
        lines += ["", "Merknader:"] + [f"  {n}" for n in report["merknader"]]
    lines += ["", f"Kontroller resultatet med «geoplan check {report['ut']}»."]
    return "\n".join(lines)
