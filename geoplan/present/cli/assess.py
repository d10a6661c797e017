"""``geoplan assess``: a traffic-light checklist for a site before purchase.

One site (``--site X,Y`` in the data's CRS, or a GeoJSON/GeoPackage file with one
point or polygon) gives ``{"kriterier": [...], "samlet": ..., "oppsummering": {...},
"tomt": {...}}`` with ``--json``. A file with several sites gives
``{"tomter": [...], "antall_tomter": n, ...}``: one entry per site (same keys plus
``rang``, ``tomt_nr`` and ``navn``), ranked with the best site first.
"""

from __future__ import annotations

import argparse


def _trinn(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        v = 0
    if not 1 <= v <= 5:
        raise argparse.ArgumentTypeError(
            f"«{text}» er ikke et trinn i boligtrappen; bruk et helt tall fra 1 til 5")
    return v


def _units(text: str) -> int:
    from geoplan.present.cli.common import MAX_UNITS
    try:
        v = int(str(text).strip())
    except ValueError:
        v = -1
    if not 0 <= v <= MAX_UNITS:
        raise argparse.ArgumentTypeError(
            f"«{text}» er ikke et gyldig antall boenheter; bruk et helt tall fra 0 til "
            f"{str(MAX_UNITS)[:-3]}\u00a0{str(MAX_UNITS)[-3:]}")
    return v


def _project(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        v = 0
    if not 1 <= v <= 100_000:
        raise argparse.ArgumentTypeError(
            f"--nybygg «{text}»: oppgi antall boliger i hele prosjektet, et helt tall fra 1 til 100 000")
    return v


def register(sub) -> None:
    p = sub.add_parser(
        "assess",
        help="vurder en tomt før kjøp: sjekkliste med grønt, gult og rødt",
        description=(
            "Vurderer én eller flere tomter mot kriteriene i config/sites.toml "
            "(utviklingsgrense, arealformål, avstand til skole, kollektivtilbud, sentrum og "
            "steinbrudd, støy, terreng og konsentrasjon av kommunale boliger før og etter "
            "kjøpet). Hvert kriterium får status grønn, gul, rød eller ukjent med målt verdi, "
            "terskel og kilde. Flere tomter i én fil rangeres."
        ),
    )
    from geoplan.present.cli import common
    common.add_data_args(p)
    p.add_argument("--site", required=True, metavar="FIL|X,Y",
                   help="tomta: GeoJSON/GeoPackage med punkt eller flate (alle koordinatsystem "
                        "med CRS; uten CRS: --crs), CSV med kolonnene X,Y eller lon,lat, eller "
                        "koordinatene X,Y i dataenes koordinatsystem")
    p.add_argument("--site-layer", metavar="NAVN",
                   help="lagnavn i tomtefilen når den har flere lag")
    p.add_argument("--units", type=_units, default=None, metavar="N",
                   help="antall boenheter som kjøpes eller bygges (standard: sites.units, "
                        "eller kolonnen antall_enheter i tomtefilen)")
    p.add_argument("--kategori", metavar="K",
                   help="kategori: utleie, omsorgsbolig, housing_first, flyktning")
    p.add_argument("--trinn", type=_trinn, metavar="1-5",
                   help="trinn i boligtrappen (1–5) som velger profil")
    p.add_argument("--nybygg", type=_project, metavar="N",
                   help="tomta er et nytt blandet prosjekt med N boliger i alt, av dem --units "
                        "kommunale: andelen vurderes mot concentration.prosjekt_maks_andel_pct "
                        "(10–15 %% i Boligplanen), ikke mot reglene for eksisterende bygninger")
    p.add_argument("--public", action="store_true",
                   help="for utdata som deles: antall kommunale enheter under "
                        "kommune.min_count_public skjules, og bygningens id utelates "
                        "(tomterapporten skrives alltid slik)")
    p.add_argument("--out", metavar="FIL.html|FIL.pdf",
                   help="skriv tomterapport (HTML eller PDF, .xlsx for tabellene) med sjekkliste og kart")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from geoplan.analysis.sites import public_result
    from geoplan.errors import UnreadableInput
    from geoplan.present.cli import common
    out = getattr(args, "out", None)
    if out:
        from pathlib import Path

        suffix = Path(out).suffix.lower()
        if suffix not in (".html", ".htm", ".pdf", ".xlsx"):
            raise UnreadableInput(
                f"--out «{out}»: tomterapporten skrives som .html eller .pdf (eller .xlsx for "
                "tabellene). Velg en av dem."
            )
        parent = Path(out).parent
        if str(parent) and not parent.exists():
            raise UnreadableInput(
                f"Mappen {parent} finnes ikke, så {Path(out).name} kan ikke skrives. "
                "Opprett mappen eller velg en annen utfil."
            )
    if args.units is not None and args.units < 0:
        raise UnreadableInput("--units må være 0 eller større.")

    if getattr(args, "nybygg", None):
        # a new mixed project: new dwellings, and the project's size for its share
        args.set = [*(getattr(args, "set", None) or []), "concentration.hva_hvis_nybygg=true",
                    f"concentration.prosjekt_boliger={args.nybygg}"]
    cfg = common.config_from_args(args)
    ds = common.load_from_args(args, config=cfg)
    common.check_output(out, "--out")
    from geoplan.io.sites import read_sites
    sites = read_sites(args.site, ds.crs, getattr(args, "site_layer", None), crs=getattr(args, "crs", None))
    from geoplan.io.sites import require_inside
    require_inside(sites.geometry.to_numpy(), ds, "--site")
    common.check_kategori(args.kategori, ds, cfg)
    from geoplan import runs

    result = runs.assess(ds, cfg, sites, units=args.units, kategori=args.kategori, trinn=args.trinn)
    render = format_single if len(sites) == 1 else format_many
    if out:
        # the report is for a purchase decision that may be shared: always the public version
        _write_report(public_result(result), ds, out, cfg, sites)
    if args.public:
        result = public_result(result)
    from geoplan.config.kommune import identify_kommune
    ident = identify_kommune(ds.layers, cfg)
    if args.json:
        common.emit_json({**result, "kommune": ident.as_dict()})
    else:
        if (banner := ident.banner()) is not None:    # another municipality's parameters
            print(banner + "\n")
        print(f"Kommune: {ident.label}")
        print(render(result))
        if out:
            print(f"\nTomterapporten er skrevet til {out}.")
    return 0


def _write_report(result: dict, ds, out: str, cfg, site_gdf) -> None:
    from geoplan.present.report import write_site_report

    write_site_report(result, ds, out, cfg, site=site_gdf.geometry)


# ---------------------------------------------------------------------------
# Human-readable output (Norwegian)
# ---------------------------------------------------------------------------

_LABEL = {"gronn": "GRØNN", "gul": "GUL", "rod": "RØD", "ukjent": "UKJENT"}


def _val(k: dict) -> str:
    from geoplan.present import text
    v = k.get("verdi")
    if v is None:
        return "–"
    d = 0 if float(v).is_integer() else 1
    return text.with_unit(float(v), k.get("enhet") or "", d)


def _table(rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    line = lambda r: "  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip()  # noqa: E731
    return "\n".join([line(header), line(["-" * w for w in widths])] + [line(r) for r in rows])


def format_single(result: dict) -> str:
    """The checklist as a Norwegian text table, with every reason below it."""
    tomt = result.get("tomt", {})
    kjop = result.get("kjop", {})
    from geoplan.present import text
    head = (f"Tomtevurdering: {tomt.get('navn', 'tomta')} "
            f"({text.geometry_kind(tomt.get('geometritype', 'Geometry'))}, {text.daa(tomt.get('areal_daa', 0), 1)}, "
            f"senter Ø {text.number(tomt.get('x'), 0)} N {text.number(tomt.get('y'), 0)}, "
            f"EPSG:{tomt.get('epsg')})")
    buy = f"Kjøp: {kjop.get('enheter')} boenhet(er)"
    if kjop.get("kategori"):
        buy += f", kategori {kjop['kategori']}"
    if kjop.get("trinn"):
        buy += f", trinn {kjop['trinn']} i boligtrappen"
    lines = [head, buy]
    for p in result.get("profiler", []):
        lines.append(f"Profil: {p['beskrivelse']}")
    rows = [[k["kriterium"], _LABEL[k["status"]], _val(k), k.get("terskel_tekst", "")]
            for k in result.get("kriterier", [])]
    lines += ["", _table(rows, ["Kriterium", "Status", "Verdi", "Terskel"]), ""]
    lines.append(f"Samlet: {_LABEL[result['samlet']]}. {result['oppsummering']['tekst']}")
    lines += ["", "Begrunnelser:"]
    for k in result.get("kriterier", []):
        lines.append(f"- {k['kriterium']} [{_LABEL[k['status']]}]: {k['begrunnelse']}")
        lines.append(f"  Kilde: {k['kilde']}")
    return "\n".join(lines)


def format_many(result: dict) -> str:
    """Ranked sites as a Norwegian text table, then the red and unknown criteria per site."""
    from geoplan.present import text
    rows = []
    for t in result["tomter"]:
        o = t["oppsummering"]
        rows.append([str(t["rang"]), t["navn"], _LABEL[t["samlet"]], str(o["rod"]), str(o["gul"]),
                     str(o["gronn"]), str(o["ukjent"]),
                     text.number(t["tomt"]["areal_daa"], 1)])
    lines = [f"Tomtevurdering: {result['antall_tomter']} tomter, rangert (best først)", "",
             _table(rows, ["Rang", "Tomt", "Samlet", "Røde", "Gule", "Grønne", "Ukjente",
                           "Areal (daa)"]), ""]
    for t in result["tomter"]:
        bad = [k for k in t["kriterier"] if k["status"] in ("rod", "gul", "ukjent")]
        if not bad:
            continue
        lines.append(f"{t['rang']}. {t['navn']}:")
        for k in bad:
            lines.append(f"  - {k['kriterium']} [{_LABEL[k['status']]}]: {k['begrunnelse']}")
    return "\n".join(lines).rstrip()
