"""``geoplan batch``: the analyses for many municipalities in one run, into one GeoPackage.

FOLDER or LIST names the municipalities' DATA (:mod:`geoplan.io.batch`); each is
loaded once and its analyses run in warm worker processes (:mod:`geoplan.runs.batch`):
``--workers N`` on this machine, or a ``dask.distributed`` cluster with
``--scheduler``. The tables are those of ``geoplan db publish`` (concentration
always the public, suppressed version), every row tagged with its municipality.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from geoplan.errors import UnreadableInput
from geoplan.present import text
from geoplan.present.cli import common

#: every layer ``geoplan batch`` writes (an existing --out keeps its other layers)
OWNED_LAYERS = ("kommuner", "reserve_parseller", "reserve_steder", "skole_utviklingsgrenser",
                "skole_sirkler", "skole_innenfor_sirkel", "skole_utenfor_sirkel",
                "skole_parseller", "skole_gangavstand", "konsentrasjon_grunnkrets",
                "konsentrasjon_kategorier")


def _workers(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"«{value}» er ikke et heltall.") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"må være minst 1 (fikk {value}).")
    return n


def register(sub) -> None:
    p = sub.add_parser(
        "batch", help="kjør analysene for mange kommuner og skriv én GeoPackage",
        description=(
            "Leser hver kommunes data én gang og kjører de valgte analysene i parallelle "
            "arbeidsprosesser. KILDE er en mappe med én GeoPackage, zip eller undermappe per "
            "kommune, eller en tekstfil med én DATA per linje (tomme linjer og linjer som begynner "
            "med # hoppes over; relative stier gjelder fra listens mappe). Resultatlagene skrives "
            "til én GeoPackage, hver rad merket med kommunenummer og kommunenavn fra dataene. "
            "Konsentrasjon skrives alltid som offentlig versjon (små tall prikket). En kommune som "
            "feiler stopper ikke de andre; den meldes med fil og årsak, og avslutningskoden er 1."),
    )
    p.add_argument("source", metavar="KILDE", help="mappe med kommunenes data, eller en liste (tekstfil)")
    p.add_argument("--analyses", default="reserves,schools,concentration", metavar="LISTE",
                   help="analysene, kommaseparert (standard: reserves,schools,concentration)")
    p.add_argument("--out", required=True, metavar="FIL.gpkg", help="GeoPackage for resultatene")
    p.add_argument("--workers", type=_workers, default=None, metavar="N",
                   help=f"antall arbeidsprosesser på denne maskinen (standard: antall kjerner, {os.cpu_count()})")
    p.add_argument("--scheduler", metavar="ADRESSE",
                   help="kjør på en dask.distributed-klynge, f.eks. tcp://10.0.0.5:8786 "
                        "(arbeiderne må se de samme filstiene; --workers gjelder da ikke)")
    p.add_argument("--crs", metavar="EPSG", help="koordinatsystem for lag uten CRS, f.eks. 25832")
    p.add_argument("--config", metavar="MAPPE", help="konfigurasjonsmappe (standard: config/)")
    p.add_argument("--set", metavar="NØKKEL=VERDI", action="append", default=[],
                   help="overstyr en parameter for alle kommunene, f.eks. schools.radius_m=1200")
    p.add_argument("--json", action="store_true", help="skriv sammendraget som JSON på stdout")
    p.set_defaults(run=run)


def parse_analyses(value: str) -> tuple[str, ...]:
    from geoplan.runs.publish import ANALYSES
    wanted = [a.strip() for a in str(value).split(",") if a.strip()]
    unknown = [a for a in wanted if a not in ANALYSES]
    if unknown or not wanted:
        raise UnreadableInput(f"--analyses: ukjent analyse «{', '.join(unknown) or value}». "
                              f"Velg blant {', '.join(ANALYSES)}.")
    return tuple(dict.fromkeys(wanted))


def run(args: argparse.Namespace) -> int:
    from geoplan.io.batch import discover
    from geoplan.io.writers import register_inputs
    from geoplan.present.cli.progress import Progress
    from geoplan.runs import batch as rb

    analyses = parse_analyses(args.analyses)
    if not str(args.out).lower().endswith(".gpkg"):
        raise UnreadableInput(f"--out «{args.out}»: filnavnet må slutte på .gpkg (GeoPackage).")
    common.config_from_args(args)   # a bad --config or --set stops here, not in every worker
    inputs = discover(args.source)
    register_inputs(inputs.files, folders=inputs.folders)
    common.check_output(args.out, "--out", owned_layers=OWNED_LAYERS)
    config_dir = str(Path(args.config).resolve()) if args.config else None
    jobs = [rb.Job(data=d, analyses=analyses, config_dir=config_dir,
                   set_options=tuple(args.set or ()), crs=args.crs) for d in inputs.items]
    workers = min(args.workers or os.cpu_count() or 1, len(jobs))
    t, c = time.perf_counter(), time.process_time()
    with Progress("Kommuner", len(jobs)) as bar:
        done = [0]

        def on_done(res: rb.Outcome) -> None:
            done[0] += 1
            bar.update(done[0], res.kommunenavn or Path(res.data).name)

        if args.scheduler:
            outcomes = rb.run_dask(jobs, args.scheduler, on_done)
        elif workers == 1:
            outcomes = rb.run_serial(jobs, on_done)
        else:
            outcomes = rb.run_pool(jobs, workers, on_done)
    wall, cpu_parent = time.perf_counter() - t, time.process_time() - c
    summary = _write(args.out, outcomes, inputs.items)
    summary.update(kilde=str(inputs.source), analyser=list(analyses), merknader=inputs.notes,
                   arbeidere=("dask " + args.scheduler) if args.scheduler else workers,
                   tid_s=wall, cpu_hovedprosess_s=cpu_parent,
                   cpu_kommuner_s=sum(o.cpu_s for o in outcomes))
    if args.json:
        common.emit_json(summary)
    else:
        print(render_text(summary))
    return 1 if summary["feilet"] else 0


def _write(out: str, outcomes, order) -> dict:
    """Write the combined tables and the ``kommuner`` status table; the summary dict."""
    import pandas as pd

    from geoplan.io.writers import write_gpkg_layers
    from geoplan.runs import batch as rb

    rank = {d: i for i, d in enumerate(order)}
    outcomes = sorted(outcomes, key=lambda o: rank.get(o.data, len(rank)))
    ok = [o for o in outcomes if o.ok]
    status = pd.DataFrame({
        "kommunenummer": [o.kommunenummer for o in outcomes],
        "kommunenavn": [o.kommunenavn for o in outcomes],
        "datakilde": [o.data for o in outcomes],
        "status": ["ok" if o.ok else "feilet" for o in outcomes],
        "aarsak": [o.error for o in outcomes],
        "tid_s": [round(o.wall_s, 3) for o in outcomes]})
    layers: dict = {}
    epsg = rb.output_epsg(outcomes)
    if ok:
        layers = rb.combine(outcomes, order, epsg)
        write_gpkg_layers(out, [("kommuner", status), *layers.items()], owned=OWNED_LAYERS)
    return {
        "utfil": str(out) if ok else None, "crs": f"EPSG:{epsg}" if ok else None,
        "soner": sorted({o.epsg for o in ok if o.epsg}),
        "lest": len(outcomes), "ok": len(ok), "feilet": len(outcomes) - len(ok),
        "lag": {name: len(frame) for name, frame in layers.items()},
        "kommuner": [{"datakilde": o.data, "kommunenummer": o.kommunenummer,
                      "kommunenavn": o.kommunenavn, "status": "ok" if o.ok else "feilet",
                      "aarsak": o.error, "tid_s": o.wall_s, "cpu_s": o.cpu_s} for o in outcomes],
    }


def render_text(s: dict) -> str:
    """The Norwegian summary: read = ok + failed, the layers written, every failure with its file."""
    n = text.integer
    lines = [f"geoplan batch: {', '.join(s['analyser'])} for kommunene i {s['kilde']}.",
             f"Lest {n(s['lest'])} {'kommune' if s['lest'] == 1 else 'kommuner'} = {n(s['ok'])} ok + {n(s['feilet'])} feilet."]
    lines += [f"Merk: {m}" for m in s["merknader"]]
    unknown = [k for k in s["kommuner"] if k["status"] == "ok" and not k["kommunenummer"]]
    if unknown:
        lines.append("Merk: dataene oppgir ikke kommune for "
                     f"{', '.join(Path(k['datakilde']).name for k in unknown)} (verken laget «kommune», "
                     "kommunenummer eller grunnkretsnummer); radene er merket bare med datakilden.")
    if s["utfil"]:
        lines += ["", f"Skrev {s['utfil']} ({s['crs']}; tabellene som «geoplan db publish» lager, "
                      "konsentrasjon i offentlig versjon):"]
        lines.append(f"  {'kommuner':<28} {n(s['lest']):>8} rader (status for hver kommune)")
        lines += [f"  {name:<28} {n(rows):>8} rader" for name, rows in s["lag"].items()]
        if len(s["soner"]) > 1:
            lines.append(f"Kommunene ligger i flere UTM-soner (EPSG:{', '.join(map(str, s['soner']))}); "
                         f"geometriene er transformert til {s['crs']}, mens arealer og avstander er "
                         "målt i hver kommunes egen sone.")
    else:
        lines += ["", "Ingen kommune ble ferdig, så ingen fil er skrevet."]
    failed = [k for k in s["kommuner"] if k["status"] != "ok"]
    if failed:
        lines += ["", "Feilet (ingen rader skrevet for disse):"]
        lines += [f"  - {k['datakilde']}: {k['aarsak']}" for k in failed]
    workers = s["arbeidere"]
    lines += ["", f"Tid: {text.number(s['tid_s'], 1)} s med "
                  f"{workers if isinstance(workers, str) else n(workers) + ' arbeidsprosess' + ('er' if workers != 1 else '')}; "
                  f"CPU-tid i kommunene til sammen {text.number(s['cpu_kommuner_s'], 1)} s."]
    return "\n".join(lines)
