"""``geoplan geocode LISTE --adresser ADRESSER --out kommunal_bolig.gpkg``."""

from __future__ import annotations

import argparse

from geoplan.present.cli import common
from geoplan.present.cli.progress import Progress
from geoplan.present.text import integer

STATUS_TEXT = {"eksakt": "funnet som skrevet", "rettet": "funnet etter retting",
               "ikke funnet": "ikke funnet", "ugyldig": "ikke brukbare"}


def register(sub) -> None:
    p = sub.add_parser(
        "geocode", help="plasser boligkontorets liste over kommunale boliger etter adresse eller gnr/bnr",
        description=(
            "Leser boligkontorets liste over kommunalt disponerte boliger (Excel eller CSV, med adresse "
            "eller gårds- og bruksnummer) og finner hver rad i Kartverkets adresseregister "
            "(«Matrikkelen - Adresse», CSV fra Geonorge for kommunen). Skriver laget kommunal_bolig "
            "til en GeoPackage og en tabell med status for hver rad (<UT>_geokoding.csv): funnet som "
            "skrevet, funnet etter en oppgitt retting, eller ikke funnet med nærmeste forslag. "
            "Avslutter med 0 når alle rader er funnet, 1 når noen ikke er det, 2 ved uleselige filer."),
    )
    p.add_argument("liste", metavar="LISTE", help="listen over boliger (.xlsx eller .csv)")
    p.add_argument("--adresser", required=True, metavar="ADRESSER",
                   help="Kartverkets adresser for kommunen (CSV, eller zip-filen slik Geonorge leverer den)")
    p.add_argument("--out", required=True, metavar="UT.gpkg", help="GeoPackage som skrives")
    p.add_argument("--kommune", metavar="NR", help="bruk bare adressene i denne kommunen (4 siffer)")
    p.add_argument("--column", metavar="ROLLE=KOLONNE", action="append", default=[],
                   help="kolonnen for en rolle, f.eks. --column adresse=Boligadresse (roller: adresse, "
                        "gatenavn, husnr, bokstav, gnr, bnr, fnr, snr, antall, kategori, malgruppe, "
                        "bygg_id, bruksenhet, kommunenummer)")
    p.add_argument("--sheet", metavar="ARK", help="arket i Excel-filen (standard: det første)")
    p.add_argument("--config", metavar="MAPPE", help="konfigurasjonsmappe (standard: config/)")
    p.add_argument("--set", metavar="NØKKEL=VERDI", action="append", default=[],
                   help="overstyr en parameter, f.eks. geocode.fuzzy_min_ratio=0,9")
    p.add_argument("--json", action="store_true", help="skriv sammendraget som JSON på stdout")
    p.set_defaults(run=run)


def _column_options(items: list[str]) -> dict[str, str]:
    from geoplan.errors import UnreadableInput
    out = {}
    for item in items:
        if "=" not in item:
            raise UnreadableInput(f"Ugyldig --column «{item}»: skriv ROLLE=KOLONNE, f.eks. "
                                  "--column adresse=Boligadresse.")
        role, name = item.split("=", 1)
        out[role.strip().lower()] = name.strip()
    return out


def run(args: argparse.Namespace) -> int:
    from pyproj import CRS

    from geoplan.config.geocode import GeocodeSettings
    from geoplan.config.kommune import KommuneSettings
    from geoplan.io.geocode import (
        geocode_list,
        read_address_register,
        read_housing_list,
        resolve_columns,
        write_geocoded,
    )

    cfg = common.config_from_args(args)
    settings = GeocodeSettings.from_config(cfg)
    df = read_housing_list(args.liste, args.sheet)
    roles = resolve_columns(df, settings, _column_options(args.column))
    reg = read_address_register(args.adresser, settings, args.kommune)
    with Progress("Geokoder", len(df)) as bar:
        result = geocode_list(df, reg, settings, roles, progress=bar.update)
    epsg = KommuneSettings.from_config(cfg).working_epsg
    out, table = write_geocoded(result, args.out, inputs=(args.liste, args.adresser),
                                target_crs=CRS.from_epsg(epsg) if epsg else None)
    summary = _summary(result, args, str(out) if out else "", str(table))
    if args.json:
        common.emit_json(summary)
    else:
        print(render_text(result, summary))
    return 0 if summary["antall"]["ikke funnet"] + summary["antall"]["ugyldig"] == 0 else 1


def _summary(result, args, out: str, table: str) -> dict:
    rows = result.rows
    keep = ["rad", "status", "merknad", "funnet_adresse", "kandidater"]
    return {
        "liste": args.liste, "adresseregister": result.register, "ut": out, "radtabell": table,
        "kolonner": result.roles, "antall_rader": len(rows), "antall": result.counts(),
        "adresser_skrevet": len(result.layer), "enheter_skrevet": int(result.layer["antall_enheter"].sum()),
        "merknader": result.notes,
        "rader": common.records(rows[rows["status"] != "eksakt"], keep),
    }


def _written(row, roles: dict[str, str]) -> str:
    """The row as the list writes it: its address, or street and number, or gnr/bnr."""
    def cell(role: str) -> str:
        col = roles.get(role)
        v = row.get(f"liste: {col}") if col else None
        return "" if v is None or str(v) == "nan" else str(v)

    text = cell("adresse") or " ".join(x for x in (cell("gatenavn"), cell("husnr")) if x)
    prop = "/".join(x for x in (cell("gnr"), cell("bnr"), cell("fnr")) if x)
    parts = ([f"«{text}»"] if text else []) + ([f"gnr/bnr {prop}"] if prop.count("/") else [])
    return ", ".join(parts) or "(tom rad)"


def render_text(result, summary: dict) -> str:
    c = summary["antall"]
    roles = ", ".join(f"{r} = «{col}»" for r, col in summary["kolonner"].items())
    lines = [f"Geokoding av {summary['liste']} mot {summary['adresseregister']}",
             f"Kolonner: {roles}", "", f"Rader i listen: {integer(summary['antall_rader'])}"]
    lines += [f"  {STATUS_TEXT[s] + ':':<24}{integer(c[s]):>6}" for s in STATUS_TEXT]
    rows = result.rows
    for status, title in (("rettet", "Rettet (kontroller):"),
                          ("ikke funnet", "Ikke funnet (nærmeste i adresseregisteret):"),
                          ("ugyldig", "Ikke brukbare:")):
        part = rows[rows["status"] == status]
        if part.empty:
            continue
        lines += ["", title]
        for _i, r in part.iterrows():
            written = _written(r, result.roles)
            found = f" → {r['funnet_adresse']}" if r.get("funnet_adresse") else ""
            cand = f" Forslag: {r['kandidater']}." if r.get("kandidater") else ""
            lines.append(f"  rad {r['rad']}: {written}{found}: {r['merknad']}.{cand}")
    if summary["merknader"]:
        lines += [""] + [f"Merk: {n}" for n in summary["merknader"]]
    if summary["ut"]:
        lines += ["", f"Skrev {summary['ut']} (laget kommunal_bolig: {integer(summary['adresser_skrevet'])} "
                      f"adresser, {integer(summary['enheter_skrevet'])} enheter) og {summary['radtabell']} "
                      f"(alle {integer(summary['antall_rader'])} rader med status)."]
    else:
        lines += ["", f"Ingen rader ble funnet i adresseregisteret, så ingen GeoPackage er skrevet. "
                      f"{summary['radtabell']} viser alle {integer(summary['antall_rader'])} rader med status. "
                      "Er adressefilen for riktig kommune?"]
    lines += [
              "Filene inneholder adressene til kommunale boliger (personopplysninger): del dem ikke "
              "offentlig."]
    return "\n".join(lines)
