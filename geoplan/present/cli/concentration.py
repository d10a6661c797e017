"""``geoplan concentration``: concentration of municipal rental dwellings (segregation).

Per grunnkrets, kategori, building and radius; global indices (defined as in PySAL
``segregation``); Gi* hot spots; what-if for a purchase (``--add X,Y,N``);
public output with small counts suppressed (``--public``); the density surface
as GeoTIFF (``--out-raster``). The numbers come from
:mod:`geoplan.runs.concentration` (parameters from
:class:`~geoplan.config.concentration.ConcentrationSettings`, public output through
:mod:`geoplan.privacy`); this module only parses options, loads data and renders, with
numbers formatted by :mod:`geoplan.present.text`.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from geoplan.errors import UnreadableInput
from geoplan.present import text
from geoplan.present.cli import common

if TYPE_CHECKING:
    from geoplan.config.concentration import ConcentrationSettings


def _parse_add(text: str) -> tuple[float, float, int]:
    """``--add X,Y,N``: X,Y as :func:`geoplan.io.sites.parse_xy` reads them, N a whole number ≥ 1.

    The three parts are separated by commas, semicolons or whitespace, as X and Y
    are everywhere coordinates are typed.
    """
    import math
    import re

    from geoplan.errors import UnreadableInput
    from geoplan.io.sites import parse_xy

    parts = re.split(r"\s*[,;]\s*|\s+", str(text).strip())
    if len(parts) != 3:
        raise argparse.ArgumentTypeError(
            f"--add «{text}»: skriv X,Y,N (koordinater i dataenes koordinatsystem og antall enheter), "
            "f.eks. --add 562300,6547800,4")
    try:
        x, y = parse_xy(f"{parts[0]},{parts[1]}")
        n = float(parts[2])
    except (UnreadableInput, ValueError):
        raise argparse.ArgumentTypeError(
            f"--add «{text}»: X, Y og N må være tall (desimalpunktum), f.eks. --add 562300.5,6547800,4"
        ) from None
    from geoplan.present.cli.common import MAX_UNITS
    if not math.isfinite(n) or n != int(n) or not 1 <= n <= MAX_UNITS:
        raise argparse.ArgumentTypeError(
            f"--add «{text}»: N (antall enheter) må være et heltall ≥ 1 og høyst "
            f"{str(MAX_UNITS)[:-3]}\u00a0{str(MAX_UNITS)[-3:]}.")
    return x, y, int(n)


def register(sub) -> None:
    p = sub.add_parser(
        "concentration",
        help="konsentrasjon av kommunale utleieboliger (segregasjonsanalyse)",
        description=(
            "Andel kommunale enheter av alle boliger per grunnkrets (med lokaliseringskvotient og per "
            "kategori), per bygning (Housing First-regelen om høyst 20 % og et antall), innenfor en "
            "radius rundt hver kommunal bolig, globale indekser (dissimilaritet, isolasjon, romlig "
            "dissimilaritet) og varme flekker (Getis-Ord Gi*). Med --add vises hva et kjøp ville endret. "
            "Tersklene står i config/concentration.toml."
        ),
    )
    common.add_data_args(p)
    p.add_argument("--radius", type=common.positive_arg, metavar="M",
                   help="radius i meter rundt hver kommunal bolig (standard: concentration.radius_m = 500)")
    p.add_argument("--add", type=_parse_add, metavar="X,Y,N",
                   help="hva-hvis: kjøp av N kommunale enheter i punktet X,Y (dataenes koordinatsystem)")
    p.add_argument("--kategori", metavar="K",
                   help="kategori for enhetene i --add, f.eks. housing_first, utleie, flyktning")
    p.add_argument("--nybygg", action="store_true",
                   help="--add er nye boliger (øker også antall boliger); ellers kjøp av eksisterende")
    p.add_argument("--public", action="store_true",
                   help="offentlig versjon: tall under kommune.min_count_public prikkes, ingen enkeltpunkter")
    p.add_argument("--out-raster", metavar="FIL.tif",
                   help="skriv tetthetsflaten (kommunale enheter per km²) som GeoTIFF")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from geoplan import runs
    from geoplan.analysis import concentration as cm
    _check_args(args)
    cfg = common.config_from_args(args)
    ds = common.load_from_args(args, require=["kommunal_bolig", "grunnkrets"],
                               optional=["bygning", "kommune"], config=cfg)
    common.check_output(args.out_raster, "--out-raster")
    common.check_kategori(args.kategori, ds, cfg)
    if args.add and abs(args.add[0]) <= 180 and abs(args.add[1]) <= 90 and ds.crs.is_projected:
        raise UnreadableInput(
            f"--add {args.add[0]:g},{args.add[1]:g},{args.add[2]}: koordinatene ser ut som lengde- og "
            f"breddegrad (grader), men X,Y skal være i dataenes koordinatsystem (EPSG:{ds.epsg}, "
            "meter), f.eks. --add 562300,6547800,4.")
    if args.add:
        import shapely

        from geoplan.io.sites import require_inside
        require_inside([shapely.Point(args.add[0], args.add[1])], ds, "--add")
    result, hv, st = runs.concentration(
        ds, cfg, radius_m=args.radius, add=args.add, kategori=args.kategori,
        new_dwellings=True if args.nybygg else None, public=bool(args.public))
    raster_info = _write_raster(args, ds, st) if args.out_raster else None
    out = cm.as_dict(result, hv)
    out["kilde"] = ds.source
    out["crs"] = f"EPSG:{ds.epsg}" if ds.epsg else ds.crs.to_string()
    out["tetthet"] = raster_info
    if args.json:
        common.emit_json(out)
    else:
        print(render_text(out))
    return 0


def _check_args(args: argparse.Namespace) -> None:
    """Options that only make sense together."""
    if args.kategori and not args.add:
        raise UnreadableInput("--kategori gjelder enhetene i --add; oppgi også --add X,Y,N.")
    if args.nybygg and not args.add:
        raise UnreadableInput("--nybygg gjelder --add; oppgi også --add X,Y,N.")
    if args.out_raster and not str(args.out_raster).lower().endswith((".tif", ".tiff")):
        raise UnreadableInput(f"--out-raster «{args.out_raster}»: filnavnet må slutte på .tif.")


def _write_raster(args: argparse.Namespace, ds: Any, st: ConcentrationSettings) -> dict:
    """The density surface as GeoTIFF (``--out-raster``), over the municipality or the grunnkretser.

    With ``--public`` the cells with too few units nearby are 0 (:mod:`geoplan.privacy`).
    """
    from geoplan.analysis import concentration as cm
    from geoplan.io.raster import write_geotiff
    kom = ds.get("kommune")
    bounds = (kom if kom is not None and len(kom) else ds["grunnkrets"]).total_bounds
    surf = cm.density_surface(ds["kommunal_bolig"], cell_size_m=st.cell_size_m,
                              bandwidth_m=st.bandwidth_m, bounds=bounds,
                              min_count=st.min_count if args.public else None)
    write_geotiff(args.out_raster, surf.array, surf.transform, surf.crs, nodata=None,
                  dtype="float32", tags={"enhet": "kommunale enheter per km²",
                                         "baandbredde_m": surf.bandwidth_m,
                                         "cellestorrelse_m": surf.cell_size_m,
                                         "prikket": bool(args.public)},
                  option="--out-raster")
    return {"fil": str(args.out_raster), "enhet": "kommunale enheter per km²",
            "cellestorrelse_m": surf.cell_size_m, "baandbredde_m": surf.bandwidth_m,
            "rader": int(surf.array.shape[0]), "kolonner": int(surf.array.shape[1])}


# ---------------------------------------------------------------------------
# Human output (Norwegian)
# ---------------------------------------------------------------------------

def _n(v: Any, d: int = 1) -> str:
    """A number as :mod:`geoplan.present.text` writes it: a whole number (int) without
    decimals, else ``d`` decimals; None as «–» (hidden in public output, or undefined)."""
    if isinstance(v, int) and not isinstance(v, bool):
        return text.integer(v)
    return text.number(v, d)


def _table(rows: list[list[str]], header: list[str], right: set[int]) -> list[str]:
    widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) if rows else len(str(h))
              for i, h in enumerate(header)]

    def line(cells: list[str]) -> str:
        return "  ".join(str(c).rjust(widths[i]) if i in right else str(c).ljust(widths[i])
                         for i, c in enumerate(cells)).rstrip()

    return [line(header), "-" * len(line(header))] + [line(r) for r in rows]


MAX_ROWS = 25


def render_text(out: dict) -> str:
    """The ``--json`` dict as the text report: grunnkretser, buildings, radius, indices,
    hot spots, points outside, data problems, what-if and the public-version note."""
    pub = out.get("prikking") is not None
    L = _header(out)
    L += _grunnkrets_section(out)
    L += _building_section(out, pub)
    L += _radius_section(out, pub)
    L += _indices_section(out)
    L += _clusters_section(out)
    L += _outside_section(out, pub)
    if out["datafeil"]:
        L.append("Datafeil og merknader:")
        L += [f"  - {p['melding']}" for p in out["datafeil"]]
        L.append("")
    hv = out.get("hva_hvis")
    if hv:
        L += _render_what_if(hv)
    if out.get("tetthet"):
        t = out["tetthet"]
        L.append(f"Tetthetsflate skrevet til {t['fil']} ({t['rader']}×{t['kolonner']} celler à "
                 f"{_n(t['cellestorrelse_m'], 0)} m, båndbredde {_n(t['baandbredde_m'], 0)} m, "
                 "kommunale enheter per km²).")
    if pub:
        L.append(out["prikking"]["merknad"] + " «–» står for et prikket eller udefinert tall.")
    return "\n".join(L).rstrip()


def _header(out: dict) -> list[str]:
    idx, par = out["indekser"], out["parametere"]
    tot_m, tot_t = idx.get("kommunale_enheter_totalt"), idx.get("antall_boliger_totalt")
    return [f"Konsentrasjon av kommunale boliger – {out.get('kilde', '')}",
            f"Koordinatsystem: {out.get('crs', '')}. Radius: {_n(par.get('radius_m'), 0)} m.",
            f"Kommunale enheter i grunnkretsene: {_n(tot_m)} av {_n(tot_t)} boliger "
            f"({_n(idx.get('kommunal_andel_pct'), 1)} %), {_n(idx.get('antall_grunnkretser', 0))} "
            "grunnkretser med gyldige tall.",
            ""]


def _over(v: Any) -> str:
    return "JA" if v else ("nei" if v is False else text.MISSING)


def _grunnkrets_section(out: dict) -> list[str]:
    par = out["parametere"]
    gks = sorted(out["grunnkretser"], key=lambda g: (g["andel_pct"] is None, -(g["andel_pct"] or 0)))
    L = ["Grunnkretser, høyest andel først (terskler: andel "
         f"{_n(par.get('grunnkrets_andel_pct'), 0)} %, lokaliseringskvotient "
         f"{_n(par.get('lokaliseringskvotient_maks'), 1)}, Housing First "
         f"{_n(par.get('housing_first_maks_andel_pct'), 0)} %):"]
    rows = [[g["grunnkretsnummer"], (g.get("grunnkretsnavn") or "")[:24], _n(g["kommunale_enheter"]),
             _n(g["antall_boliger"]), _n(g["andel_pct"], 1), _n(g["lokaliseringskvotient"], 2),
             _over(g["over_terskel"]), g.get("klynge") or "", g.get("merknad") or g.get("begrunnelse") or ""]
            for g in gks[:MAX_ROWS]]
    L += _table(rows, ["grunnkrets", "navn", "enheter", "boliger", "andel %", "LQ", "over", "klynge",
                       "merknad"], {2, 3, 4, 5})
    if len(gks) > MAX_ROWS:
        L.append(f"… og {_n(len(gks) - MAX_ROWS)} grunnkretser til (se --json).")
    L.append("")
    return L


def _building_section(out: dict, pub: bool) -> list[str]:
    par = out["parametere"]
    b = out["bygninger"]
    hf = _n(par.get("housing_first_maks_andel_pct"), 0)
    if pub:
        s0 = b[0] if b else {}
        return [f"Bygninger med kommunale enheter: {_n(s0.get('bygninger_med_kommunale_enheter'))}; "
                f"over en terskel: {_n(s0.get('bygninger_over_terskel'))}; "
                f"Housing First over {hf} %: {_n(s0.get('bygninger_over_hf_terskel'))}; "
                f"Housing First sammen med andre med rusproblemer: {_n(s0.get('bygninger_hf_sammen_med'))} "
                "(offentlig versjon: bare samlet, ingen enkeltbygninger).", ""]
    flagged = [r for r in b if r.get("over_terskel")]
    L = [f"Bygninger med kommunale enheter: {_n(len(b))}; over en terskel: {_n(len(flagged))} "
         f"(Housing First over {hf} %, andel over "
         f"{_n(par.get('bygning_maks_andel_pct'), 0)} %, flere enn "
         f"{_n(par.get('bygning_maks_enheter'))} enheter)."]
    if flagged:
        rows = [[r["bygg_id"] or "", (r.get("borettslag") or "")[:22], _n(r["kommunale_enheter"]),
                 _n(r["antall_boliger"]), _n(r["andel_pct"], 1), _n(r["housing_first_andel_pct"], 1),
                 ", ".join(t for t, k in (("HF", "over_hf_terskel"), ("andel", "over_andel_terskel"),
                                          ("antall", "over_antall_terskel")) if r.get(k))
                 + (" (helt kommunal)" if r.get("helt_kommunal") else "")]
                for r in flagged[:MAX_ROWS]]
        L += _table(rows, ["bygg_id", "borettslag", "enheter", "boliger", "andel %", "HF %", "over"],
                    {2, 3, 4, 5})
        if len(flagged) > MAX_ROWS:
            L.append(f"… og {_n(len(flagged) - MAX_ROWS)} bygninger til (se --json).")
    L.append("")
    return L


def _radius_section(out: dict, pub: bool) -> list[str]:
    par = out["parametere"]
    rad = out["radius"]
    r_m = _n(par.get("radius_m"), 0)
    if pub:
        r0 = rad[0] if rad else {}
        return [f"Innenfor {r_m} m: {_n(r0.get('boligpunkter_over_terskel'))} "
                f"av {_n(r0.get('boligpunkter'))} boligpunkter over terskelen; høyest "
                f"{_n(r0.get('maks_enheter_innen_radius'))} enheter i nærmiljøet.", ""]
    over = [r for r in rad if r.get("over_terskel")]
    mx = max((r["enheter_innen_radius"] or 0 for r in rad), default=0)
    return [f"Innenfor {r_m} m av hver kommunal bolig: {_n(len(over))} av {_n(len(rad))} "
            f"boligpunkter over terskelen ({_n(par.get('radius_andel_pct'), 0)} % kommunale, eller "
            f"Housing First over {_n(par.get('housing_first_maks_andel_pct'), 0)} %); høyest {_n(mx)} "
            "kommunale enheter innenfor radiusen.", ""]


def _indices_section(out: dict) -> list[str]:
    idx = out["indekser"]
    share = idx.get("kommunal_andel_pct")
    L = ["Globale indekser (kommunale enheter mot alle boliger, definert som i PySAL segregation):",
         f"  dissimilaritet            {_n(idx.get('dissimilaritet'), 3)}  (0 = jevnt fordelt, 1 = helt atskilt)",
         f"  isolasjon                 {_n(idx.get('isolasjon'), 3)}  (ved jevn fordeling: "
         f"{_n(None if share is None else share / 100, 3)})",
         f"  romlig dissimilaritet     {_n(idx.get('romlig_dissimilaritet'), 3)}"]
    left_out = idx.get("utelatte_grunnkretser")
    if left_out:
        L.append(f"  Utelatt (ingen boliger eller ugyldige tall): {', '.join(left_out[:10])}"
                 + (" …" if len(left_out) > 10 else ""))
    L.append("")
    return L


def _clusters_section(out: dict) -> list[str]:
    par = out["parametere"]
    kl = out["klynger"]
    # the public version has no z or p (geoplan.privacy): only the grunnkretser
    spots = (", ".join(f"{k['grunnkretsnummer']} (z = {_n(k['gi_z'], 2)}, p = {_n(k['p_verdi'], 3)})"
                       if "gi_z" in k else str(k["grunnkretsnummer"]) for k in kl[:15]) if kl else "ingen")
    return [f"Varme flekker (Getis-Ord Gi*, {_n(par.get('klynge_permutasjoner'))} permutasjoner, "
            f"p ≤ {_n(par.get('klynge_signifikans'), 2)}): " + spots, ""]


def _outside_section(out: dict, pub: bool) -> list[str]:
    ut = out["utenfor"]
    if not ut:
        return []
    if pub:
        line = "Kommunale boliger utenfor alle grunnkretser: " + ", ".join(
            f"{u['kategori']}: {_n(u['kommunale_enheter'])} enheter" for u in ut)
    else:
        line = f"Kommunale boliger utenfor alle grunnkretser ({_n(len(ut))}): " + ", ".join(
            f"nr. {u['punkt_nr']} ({u['kategori']}, {_n(u['antall_enheter'])} enheter)" for u in ut[:10])
    return [line, ""]


def _render_what_if(hv: dict) -> list[str]:
    p = hv["punkt"]
    kat = f" ({hv['kategori']})" if hv.get("kategori") else ""
    what = "nye boliger" if hv.get("nybygg") else "kjøp av eksisterende boliger"
    L = [f"Hva-hvis: {_n(hv['enheter'])} kommunale enheter{kat} i punktet "
         f"{_n(p['x'], 0)}, {_n(p['y'], 0)} – {what}:"]
    rows: list[list[str]] = []

    def add(label: str, before: dict | None, after: dict | None, key: str, d: int = 1) -> None:
        if before is None and after is None:
            return
        b = _n(before.get(key), d) if before else text.MISSING
        a = _n(after.get(key), d) if after else text.MISSING
        rows.append([label, b, a])

    g = hv.get("grunnkrets")
    if g:
        nm = f" {g['grunnkretsnavn']}" if g.get("grunnkretsnavn") else ""
        add(f"grunnkrets {g['grunnkretsnummer']}{nm}: enheter", g["for"], g["etter"], "kommunale_enheter")
        add("  andel %", g["for"], g["etter"], "andel_pct")
        add("  lokaliseringskvotient", g["for"], g["etter"], "lokaliseringskvotient", 2)
        add("  over terskel", g["for"], g["etter"], "over_terskel")
    bb = hv.get("bygning")
    if bb:
        add(f"bygning {bb.get('bygg_id') or '(ny)'}: enheter", bb.get("for"), bb.get("etter"), "kommunale_enheter")
        add("  andel %", bb.get("for"), bb.get("etter"), "andel_pct")
        add("  Housing First %", bb.get("for"), bb.get("etter"), "housing_first_andel_pct")
        add("  flere enn terskel (antall)", bb.get("for"), bb.get("etter"), "over_antall_terskel")
    r = hv.get("radius")
    if r:
        add(f"innenfor {_n(r['radius_m'], 0)} m: enheter", r["for"], r["etter"], "enheter_innen_radius")
        add("  andel %", r["for"], r["etter"], "andel_pct")
        add("  Housing First %", r["for"], r["etter"], "housing_first_andel_pct")
    ix = hv.get("indekser") or {}
    for key, label in (("dissimilaritet", "dissimilaritet"), ("isolasjon", "isolasjon"),
                       ("romlig_dissimilaritet", "romlig dissimilaritet")):
        add(label, ix.get("for"), ix.get("etter"), key, 3)
    L += ["  " + s for s in _table(rows, ["", "før", "etter"], {1, 2})]
    L += _what_if_notes(hv)
    L.append("")
    return L


def _what_if_notes(hv: dict) -> list[str]:
    L = []
    kl = hv.get("klynger") or {}
    if kl.get("nye") or kl.get("borte"):
        L.append(f"  Varme flekker: nye {', '.join(kl.get('nye') or []) or 'ingen'}; "
                 f"borte {', '.join(kl.get('borte') or []) or 'ingen'}.")
    nye = hv.get("nye_over_terskel") or {}
    if nye.get("grunnkretser") or nye.get("bygninger"):
        L.append("  Kommer over terskel: " + "; ".join(
            f"{k} {', '.join(v)}" for k, v in nye.items() if v))
    L += [f"  Merk: {w}" for w in hv.get("advarsler") or []]
    return L
