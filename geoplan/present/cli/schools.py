"""``geoplan schools``: the 1.5 km school circles, and how far it really is to walk."""

from __future__ import annotations

import argparse
import math

from geoplan.config.schools import SchoolSettings
from geoplan.present import text
from geoplan.present.cli import common

BOUNDARY_KEYS = ["navn", "skoler", "regel", "areal_daa", "innenfor_daa", "utenfor_daa",
                 "andel_innenfor_pct", "oppfylt", "maks_avstand_m", "gjelder", "vurdering"]
PARCEL_KEYS = ["type", "navn", "sted"] + BOUNDARY_KEYS[1:]
WALK_KEYS = ["innenfor_gang_daa", "andel_innenfor_gang_pct", "innenfor_ikke_gang_daa"]
PARCEL_WALK_KEYS = WALK_KEYS + ["gangavstand_m", "tilknytning_m"]

RULE_TEXT = {"sted": "sted", "innenfor": "innenfor grensen", "utviklingsgrense": "utviklingsgrensen",
             "naermeste": "nærmeste"}


def register(sub) -> None:
    p = sub.add_parser(
        "schools", help="skolesirkler (1,5 km) og gangavstand til skolen",
        description=(
            "Måler hvor mye av hver utviklingsgrense, boligreserve og hvert innspill som ligger "
            "innenfor sirkelen rundt stedets skole (Larvik: 1,5 km, Boligplan 2015-2020), og "
            "hvor langt det lengste punktet er fra nærmeste skole. Skolene velges slik: skoler "
            "med «sted» lik grensens navn; ellers skolene innenfor grensen; ellers nærmeste skole. "
            "Med --walking måles også avstanden langs gangnettet (laget «gangnett»)."
        ),
    )
    common.add_data_args(p)
    p.add_argument("--radius", type=common.positive_arg, metavar="METER",
                   help="radius for skolesirkelen i meter (standard: schools.radius_m, "
                        f"{text.compact(SchoolSettings.from_config().radius_m)})")
    p.add_argument("--walking", action="store_true",
                   help="mål også gangavstand langs laget «gangnett»")
    p.add_argument("--out", metavar="FIL.gpkg",
                   help="skriv sirkler, avklippede grenser og gangarealer til en GeoPackage (for QGIS)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from geoplan import runs as pipeline
    from geoplan.errors import ConfigError
    cfg = common.config_from_args(args)
    settings = SchoolSettings.from_config(cfg)
    radius = float(args.radius) if args.radius is not None else settings.radius_m
    if not radius > 0:
        raise ConfigError(f"--radius må være større enn 0 (fikk {args.radius}).")
    if args.out and not str(args.out).lower().endswith(".gpkg"):
        raise ConfigError(f"Utfilen «{args.out}» må ha endelsen .gpkg (GeoPackage).")
    require = ["utviklingsgrense", "skole"] + (["gangnett"] if args.walking else [])
    ds = common.load_from_args(args, require=require, optional=["arealformal", "innspill"],
                               config=cfg)
    common.check_output(args.out, "--out", owned_layers=GPKG_LAYERS)
    corridor = settings.walk_corridor_width_m
    res = pipeline.schools(ds, cfg, radius_m=radius, walking=bool(args.walking))
    if args.out:
        write_geopackage(res, args.out)

    if args.json:
        common.emit_json(to_json(res, walking=bool(args.walking), corridor_m=corridor,
                                 out=args.out))
    else:
        print(render_text(res, walking=bool(args.walking), corridor_m=corridor, out=args.out))
    return 0


def to_json(res, *, walking: bool, corridor_m: float, out=None) -> dict:
    bkeys = BOUNDARY_KEYS + (WALK_KEYS if walking else [])
    pkeys = PARCEL_KEYS + (PARCEL_WALK_KEYS if walking else [])
    obj = {
        "radius_m": res.radius_m,
        "utviklingsgrenser": common.records(res.utviklingsgrenser, bkeys),
        "parseller": common.records(res.parseller, pkeys) if res.parseller is not None else [],
    }
    if walking:
        obj["gang"] = {
            "korridor_m": corridor_m,
            "nettverk": res.nettverk,
            "skoler_tilknytning": common.records(res.skole_tilknytning)
            if res.skole_tilknytning is not None else [],
            "ikke_naadd": common.records(res.ikke_naadd),
        }
    if out:
        obj["utfil"] = str(out)
    return obj


#: an infinite walking distance: the network does not connect the feature with its school
UNREACHED_TEXT = "ikke nådd"


def _num(x, dec: int = 1) -> str:
    """:func:`geoplan.present.text.number`, except that infinity reads «ikke nådd»."""
    if isinstance(x, (int, float)) and math.isinf(x):
        return UNREACHED_TEXT
    return text.number(x, dec)


def _table(rows: list[list[str]], header: list[str], right: set[int]) -> list[str]:
    widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(len(header))]

    def fmt(r):
        return "  ".join(str(c).rjust(w) if i in right else str(c).ljust(w)
                         for i, (c, w) in enumerate(zip(r, widths))).rstrip()

    return [fmt(header), "-" * (sum(widths) + 2 * (len(widths) - 1))] + [fmt(r) for r in rows]


def verdict_text(d) -> str:
    """«ja», «nei», or «gjelder ikke» where the criterion does not apply to the place."""
    if d.get("gjelder") is False or d.get("vurdering") == "gjelder ikke":
        return "gjelder ikke"
    return text.yes_no(d["oppfylt"])


def summary_text(ub) -> str:
    """How many boundaries the criterion applies to, and how many of them fulfil it."""
    gj = ub["gjelder"].astype(bool) if "gjelder" in ub.columns else None
    if gj is None:
        return f"{int(ub['oppfylt'].sum())} av {len(ub)} utviklingsgrenser ligger helt innenfor."
    ok = int(ub.loc[gj, "oppfylt"].astype(bool).sum())
    out = (f"Kriteriet gjelder {int(gj.sum())} av {len(ub)} utviklingsgrenser; {ok} av dem "
           "ligger helt innenfor skolesirkelen.")
    if (~gj).any():
        out += (f" Gjelder ikke: {', '.join(ub.loc[~gj, 'navn'].astype(str))} (kriteriet "
                "gjelder bare stedene i schools.applies_to).")
    return out


def render_text(res, *, walking: bool, corridor_m: float, out=None) -> str:
    r = res.radius_m
    lines = [f"Skolesirkler: radius {text.metres(r)} (utviklingsgrensen skal ligge innenfor "
             "sirkelen rundt stedets skole)", ""]
    header = ["Utviklingsgrense", "Skole(r)", "Valgt etter", "Areal daa", "Innenfor daa",
              "Utenfor daa", "Andel %", "Oppfylt", "Maks avst. m"]
    if walking:
        header += ["Til fots daa", "Til fots %"]

    def row(d, first):
        rr = [first, ", ".join(d["skoler"]) or text.MISSING,
              RULE_TEXT.get(d["regel"], d["regel"] or text.MISSING),
              _num(d["areal_daa"]), _num(d["innenfor_daa"]), _num(d["utenfor_daa"]),
              _num(d["andel_innenfor_pct"]), verdict_text(d),
              _num(d["maks_avstand_m"], 0)]
        if walking:
            rr += [_num(d.get("innenfor_gang_daa")), _num(d.get("andel_innenfor_gang_pct"))]
        return rr

    right = set(range(3, len(header)))
    ub = res.utviklingsgrenser
    lines += _table([row(d, d["navn"]) for d in ub.to_dict("records")], header, right)
    lines += ["", summary_text(ub)]
    if res.parseller is not None and len(res.parseller):
        ph = ["Parsell"] + header[1:]
        if walking:
            ph += ["Gangavst. m"]
        prow = []
        for d in res.parseller.to_dict("records"):
            typ = "reserve" if d["type"] == "boligreserve" else d["type"]
            rr = row(d, f"{d['navn']} ({typ})")
            if walking:
                rr.append(_num(d.get("gangavstand_m"), 0))
            prow.append(rr)
        lines += ["", "Boligreserve og innspill:"]
        lines += _table(prow, ph, set(range(3, len(ph))))
    if walking:
        lines += ["", f"Til fots: areal innenfor {text.metres(r)} langs gangnettet, som en korridor "
                      f"på {text.metres(corridor_m)} langs de nåbare delene av nettet."]
        if res.nettverk:
            n = res.nettverk
            lines.append(f"Gangnett: {text.integer(n['kanter'])} kanter, "
                         f"{text.with_unit(n['lengde_km'], 'km')}, "
                         f"{text.integer(n['delnett'])} sammenhengende delnett.")
        ig = ub[["navn", "innenfor_ikke_gang_daa"]]
        ig = ig[ig["innenfor_ikke_gang_daa"] > 0]
        if len(ig):
            lines.append("Innenfor sirkelen, men lenger enn radien å gå:")
            lines += [f"  {d['navn']}: {text.daa(d['innenfor_ikke_gang_daa'])}"
                      for d in ig.to_dict("records")]
        if len(res.ikke_naadd):
            lines += ["", "Ikke nådd via gangnettet:"]
            for d in res.ikke_naadd.to_dict("records"):
                extra = ("" if text.is_missing(d.get("tilknytning_m"))
                         else f" (avstand til nettet {text.metres(d['tilknytning_m'])})")
                lines.append(f"  {d['hva']} «{d['navn']}»: {d['grunn']}{extra}")
    if out:
        lines += ["", f"Skrev kartlag til {out}."]
    return "\n".join(lines)


#: the layers ``schools --out`` writes (the only ones it replaces in an existing GeoPackage)
GPKG_LAYERS = ("utviklingsgrenser", "parseller", "skolesirkler", "skoler", "innenfor_sirkel",
               "utenfor_sirkel", "gangavstand_areal", "innenfor_sirkel_ikke_gang")


def write_geopackage(res, target) -> None:
    """Write the result layers to one GeoPackage, atomically (QGIS-ready).

    An existing GeoPackage keeps its other layers; only :data:`GPKG_LAYERS` are replaced.
    """
    from geoplan.io.writers import write_gpkg_layers
    def flat(gdf):
        gdf = gdf.copy()
        for c in gdf.columns:
            if c != gdf.geometry.name and gdf[c].map(lambda v: isinstance(v, (list, tuple))).any():
                gdf[c] = gdf[c].map(lambda v: ", ".join(map(str, v)) if isinstance(v, (list, tuple)) else v)
        return gdf

    layers = [
        ("utviklingsgrenser", res.utviklingsgrenser),
        ("parseller", res.parseller),
        ("skolesirkler", res.sirkler),
        ("skoler", res.sirkler.set_geometry(res.sirkler.geometry.centroid)),
        ("innenfor_sirkel", res.innenfor),
        ("utenfor_sirkel", res.utenfor),
        ("gangavstand_areal", res.gangareal),
        ("innenfor_sirkel_ikke_gang", res.ikke_gang),
    ]
    write_gpkg_layers(target, [(n, None if g is None else flat(g)) for n, g in layers],
                      owned=GPKG_LAYERS,
                      layer_options=lambda name: {"promote_to_multi": name != "skoler"})
