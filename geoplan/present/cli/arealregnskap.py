"""``geoplan arealregnskap``: the arealregnskap of the KPA, as the ministry's guideline asks."""

from __future__ import annotations

import argparse
from pathlib import Path

from geoplan.present import text
from geoplan.present.cli import common


def register(sub) -> None:
    p = sub.add_parser(
        "arealregnskap", help="arealregnskap for kommuneplanens arealdel (veileder KDD 2023)",
        description=(
            "Arealregnskap etter veilederen «Arealregnskap i kommuneplan» (Kommunal- og "
            "distriktsdepartementet, 2023): arealreserven i gjeldende plan etter arealtype (AR5) og "
            "natur- og faresoner (kap. 4), og med --forslag planforslaget mot gjeldende plan "
            "(kap. 5): overgangstabell, areal lagt til og tatt ut, samlet utbyggingspotensial, "
            "nedbygging og et anslag for klimagassutslipp. Uten --forslag brukes laget "
            "«arealformal_forslag» i DATA om det finnes."),
    )
    common.add_data_args(p)
    p.add_argument("--forslag", metavar="PLAN",
                   help="planforslaget (arealformål): GeoPackage, SOSI, GML, GeoJSON, zip …")
    p.add_argument("--xlsx", metavar="FIL.xlsx", help="skriv tabellene til en Excel-arbeidsbok")
    p.set_defaults(run=run)


def _check_out(args) -> None:
    from geoplan.errors import ConfigError
    if not args.xlsx:
        return
    out = Path(args.xlsx)
    if out.suffix.lower() != ".xlsx":
        raise ConfigError(f"Utfilen «{args.xlsx}» må ha endelsen .xlsx.")
    inputs = [Path(x).resolve() for x in (args.data, args.forslag) if x]
    if out.resolve() in inputs:
        raise ConfigError(f"Utfilen «{args.xlsx}» er en av inndatafilene; velg et annet navn.")
    if not out.resolve().parent.is_dir():
        raise ConfigError(f"Mappen for utfilen «{args.xlsx}» finnes ikke.")


def run(args: argparse.Namespace) -> int:
    import sys

    from geoplan import runs as pipeline
    from geoplan.runs.arealregnskap import AREALREGNSKAP_LAYERS, load_proposal
    _check_out(args)
    cfg = common.config_from_args(args)
    ds = common.load_from_args(args, require=["arealformal"], optional=AREALREGNSKAP_LAYERS,
                               config=cfg)
    proposal = None
    if args.forslag:
        proposal, _pds = load_proposal(args.forslag, crs=args.crs, config=cfg)
    if not args.json:
        print("Beregner arealregnskapet …", file=sys.stderr)
    res = pipeline.arealregnskap(ds, cfg, proposal=proposal)
    if args.xlsx:
        from geoplan.present.arealregnskap_excel import write_workbook
        write_workbook(res, args.xlsx)
    if args.json:
        common.emit_json(to_json(res, xlsx=args.xlsx))
    else:
        print(render_text(res, xlsx=args.xlsx))
    return 0


def to_json(res, xlsx=None) -> dict:
    from geoplan.analysis.arealregnskap import TABLES
    obj = {"forslag": res.has_proposal,
           "tabeller": {tid: common.records(df) for tid, df in res.tables.items()},
           "titler": {tid: TABLES[tid][0] for tid in res.tables},
           "kontroll": res.kontroll, "merknader": res.notes, "soner": res.zones}
    if xlsx:
        obj["xlsx"] = str(xlsx)
    return obj


def _lines_potential(df) -> list[str]:
    out = ["Samlet utbyggingspotensial (daa):",
           f"{'Kategori':36} {'Gjeldende':>11} {'Tatt ut':>10} {'Lagt til':>10} {'Forslag':>11}"]
    for r in df.itertuples():
        if r.gjeldende_reserve_daa == 0 and r.forslag_reserve_daa == 0:
            continue
        out.append(f"{r.kategori:36} {text.number(r.gjeldende_reserve_daa):>11} "
                   f"{text.number(r.tatt_ut_daa):>10} {text.number(r.lagt_til_daa):>10} "
                   f"{text.number(r.forslag_reserve_daa):>11}")
    return out


def render_text(res, xlsx=None) -> str:
    t = res.tables
    lines = ["Arealregnskap for kommuneplanens arealdel (veileder KDD 2023)", ""]
    rv = t["reserve_arealtype"]
    lines.append("Arealreserve i gjeldende plan etter arealtype (daa):")
    by = rv.groupby(["arealtype_kode", "skogbonitet_kode", "arealtype"], sort=True)["areal_daa"].sum()
    for (_c, _b, name), v in by.items():
        lines.append(f"  {name:42} {text.number(v):>10}")
    lines.append(f"  {'I alt':42} {text.number(rv['areal_daa'].sum()):>10}")
    if res.has_proposal:
        lines += [""] + _lines_potential(t["potensial"]) + ["", "Nedbygging (daa):"]
        for r in t["nedbygging"].itertuples():
            lines.append(f"  {r.kvalitet:42} gjeldende {text.number(r.gjeldende_daa):>9}  "
                         f"forslag {text.number(r.forslag_daa):>9}  endring {text.number(r.endring_daa):>9}")
    g = t["klimagass"]
    tag = "forslag" if res.has_proposal else "gjeldende"
    lines += ["", f"Klimagass fra nedbygging av reserven ({'forslaget' if res.has_proposal else 'gjeldende plan'}), "
              "t CO2-ekv. (anslag, lav–høy):"]
    for r in g.itertuples():
        lines.append(f"  {r.gruppe:20} {text.number(getattr(r, f'{tag}_tco2e_midt'), 0):>10} "
                     f"({text.number(getattr(r, f'{tag}_tco2e_lav'), 0)}–"
                     f"{text.number(getattr(r, f'{tag}_tco2e_hoy'), 0)})")
    k = res.kontroll
    lines += ["", f"Kontroll: gjeldende plan {text.number(k['gjeldende_plan_daa'])} daa, radsum i "
              f"overgangstabellen {text.number(k['overgang_radsum_daa'])} daa; avvik "
              f"{text.number(k['avvik_daa'], 6)} daa; {text.integer(k['glipper_antall'])} glipper "
              f"(< {text.compact(k['glipper_grense_m2'])} m²) med {text.number(k['glipper_daa'], 4)} daa."]
    lines += [f"Merk: {n}" for n in res.notes]
    if xlsx:
        lines.append(f"Tabellene er skrevet til {xlsx}.")
    return "\n".join(lines)
