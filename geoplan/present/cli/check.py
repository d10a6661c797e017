"""``geoplan check``: what the data contain and whether the analyses can use them."""

from __future__ import annotations

import argparse

from geoplan.present.cli import common
from geoplan.present.text import integer

STATUS_TEXT = {
    "ok": "OK",
    "advarsel": "OK, med merknader",
    "problem": "PROBLEM",
    "mangler": "mangler",
    "ubrukelig": "UBRUKELIG",
}


def register(sub) -> None:
    p = sub.add_parser(
        "check", help="kontroller lagene i DATA (skjema, koordinatsystem, geometri)",
        description=(
            "Leser og kontrollerer alle lag i DATA mot datakontrakten og rapporterer per lag: "
            "antall lest, beholdt, reparert og avvist, koordinatsystem og meldinger. "
            "Avslutter med 0 når alt kan brukes, 1 ved problemer en analyse ville blitt feil av, "
            "2 når dataene ikke kan leses."
        ),
    )
    common.add_data_args(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from geoplan.errors import UnreadableInput
    from geoplan.io.cachekey import cached_report

    cfg = common.config_from_args(args)
    # a source read before: its report from the load cache, without loading the layers
    report = None if args.layer is not None else cached_report(
        args.data, crs=args.crs, config=cfg, objtype=args.objtype)
    if report is None:
        try:
            report = common.load_from_args(args, config=cfg).as_dict()
        except UnreadableInput as e:
            if args.json:
                common.emit_json({"status": "ubrukelig", "kilde": args.data, "melding": e.message,
                                  "lag": []})
                return e.exit_code
            raise
    if args.json:
        common.emit_json(report)
    else:
        print(render_text(report))
    return 0 if report["status"] == "ok" else 1


def render_text(report: dict) -> str:
    lines = [
        f"Kontroll av {report['kilde']}",
        f"Arbeidskoordinatsystem: {report['crs']}",
        "",
        f"{'Lag':<20} {'Status':<18} {'Lest':>7} {'Beholdt':>8} {'Reparert':>9} {'Avvist':>7}  CRS",
        "-" * 86,
    ]
    for lag in report["lag"]:
        lines.append(
            f"{lag['navn']:<20} {STATUS_TEXT.get(lag['status'], lag['status']):<18} "
            f"{integer(lag['antall_lest']):>7} {integer(lag['antall_beholdt']):>8} "
            f"{integer(lag['antall_reparert']):>9} {integer(lag['antall_avvist']):>7}  "
            f"{lag['crs'] or ''}"
        )
    notes = [(lag["navn"], m) for lag in report["lag"] for m in lag["meldinger"] if lag["status"] != "mangler"]
    missing = [lag["navn"] for lag in report["lag"] if lag["status"] == "mangler"]
    if notes:
        lines += ["", "Meldinger:"]
        lines += [f"  [{n}] {m}" for n, m in notes]
    if missing:
        lines += ["", "Lag som mangler (analysene som trenger dem, sier fra): " + ", ".join(missing)]
    lines += ["", "Resultat: " + ("alt kan brukes." if report["status"] == "ok"
                                   else "det er problemer som må rettes før analysene blir riktige.")]
    return "\n".join(lines)
