"""``geoplan convert IN OUT.gpkg``: SOSI text or GML into a GeoPackage, one layer per object type."""

from __future__ import annotations

import argparse
from pathlib import Path

from geoplan.errors import UnreadableInput
from geoplan.present.text import integer


def register(sub) -> None:
    p = sub.add_parser(
        "convert", help="gjør en SOSI- eller GML-fil om til GeoPackage (ett lag per objekttype)",
        description=(
            "Leser en SOSI-fil (.sos) eller GML-fil og skriver en GeoPackage med ett lag per "
            "objekttype (geometri per type, egenskapene som kolonner, koordinatsystemet avklart), "
            "f.eks. for å åpne SOSI i QGIS. Rapporten er den samme som for «geoplan check»: antall "
            "lest, skrevet og utelatt per type, med grunn."),
    )
    p.add_argument("input", metavar="INN", help="SOSI-fil (.sos) eller GML-fil")
    p.add_argument("output", metavar="UT.gpkg", help="GeoPackage som skal skrives (ny fil)")
    p.add_argument("--objtype", metavar="TYPE", action="append", default=[],
                   help="bare denne objekttypen (kan gjentas)")
    p.add_argument("--crs", metavar="EPSG", help="koordinatsystem når filen ikke oppgir et")
    p.add_argument("--json", action="store_true", help="skriv rapporten som JSON på stdout")
    p.set_defaults(run=run)


def _check_paths(src: Path, out: Path) -> None:
    if not src.exists():
        raise UnreadableInput(f"Fant ikke {src}. Kontroller filnavnet og stien.")
    if src.suffix.lower() not in (".sos", ".sosi", ".gml", ".xml"):
        raise UnreadableInput(f"{src.name} er ikke en SOSI- eller GML-fil (.sos, .gml).")
    if out.suffix.lower() != ".gpkg":
        raise UnreadableInput(f"Utfilen må slutte på .gpkg, ikke «{out.name}».")
    if out.exists() and out.resolve() == src.resolve():
        raise UnreadableInput("Utfilen kan ikke være den samme som innfilen.")
    if out.exists():
        raise UnreadableInput(f"{out} finnes fra før; geoplan overskriver ikke filer. Velg et nytt navn.")


def run(args: argparse.Namespace) -> int:
    from geoplan.io.crs import crs_label, parse_crs
    from geoplan.io.gdalpath import gdal_path, refuse_unwritable_folder
    from geoplan.io.typed import read_typed
    from geoplan.io.writers import atomic_path

    src, out = Path(args.input), Path(args.output)
    _check_paths(src, out)
    refuse_unwritable_folder(out)
    f = read_typed(src)
    types = f.types
    if args.objtype:
        want = {t.lower() for t in args.objtype}
        missing = sorted(want - {t.lower() for t in types})
        if missing:
            raise UnreadableInput(f"{src.name} har ingen objekter av typen {', '.join(missing)} "
                                  f"(--objtype). Typene i filen: {', '.join(sorted(types))}.")
        types = {t: g for t, g in types.items() if t.lower() in want}
    assume = parse_crs(args.crs) if args.crs else None
    rows = []
    import pyogrio

    with atomic_path(out) as tmp:
        for t, gdf in sorted(types.items()):
            gdf = gdf[~(gdf.geometry.isna() | gdf.geometry.is_empty)]
            dropped = len(types[t]) - len(gdf)
            if gdf.crs is None and assume is not None:
                gdf = gdf.set_crs(assume)
            pyogrio.write_dataframe(gdf, gdal_path(tmp, writing=True), layer=t, driver="GPKG", append=tmp.exists())
            rows.append({"navn": t, "antall_lest": len(types[t]), "antall_skrevet": len(gdf),
                         "antall_uten_geometri": dropped, "crs": crs_label(gdf.crs)})
    report = {"kilde": src.name, "ut": str(out), "lag": rows, "meldinger": f.notes,
              "utelatt_ved_lesing": f.n_skipped}
    if args.json:
        from geoplan.present.cli.common import emit_json
        emit_json(report)
        return 0
    print(f"Konvertering av {src.name} til {out}")
    print(f"{'Objekttype':<32} {'Lest':>8} {'Skrevet':>8} {'Uten geometri':>14}  CRS")
    print("-" * 80)
    for r in rows:
        print(f"{r['navn']:<32} {integer(r['antall_lest']):>8} {integer(r['antall_skrevet']):>8} "
              f"{integer(r['antall_uten_geometri']):>14}  {r['crs'] or 'ukjent'}")
    if f.n_skipped:
        print(f"\n{integer(f.n_skipped)} objekt(er) i filen kunne ikke brukes (se meldingene).")
    if f.notes:
        print("\nMeldinger:")
        print("\n".join(f"  {m}" for m in f.notes))
    return 0
