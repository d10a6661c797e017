"""The school criterion: utviklingsgrenser within the radius of their school, one map per place.

The numbers are :func:`geoplan.runs.schools` (``geoplan schools``, with
``--walking`` when the data have a usable ``gangnett``).
"""

from __future__ import annotations

from geoplan import runs
from geoplan.errors import GeoplanError
from geoplan.present import text
from geoplan.present.report.context import ReportContext, section
from geoplan.present.report.maps import school_place_map
from geoplan.present.report.model import Column, Section, Table, Text

#: at most this many per-place school maps (a large municipality gets the first ones)
MAX_PLACE_MAPS = 12

_RULE_TEXT = {"sted": "sted", "innenfor": "innenfor grensen",
              "utviklingsgrense": "utviklingsgrensen", "naermeste": "nærmeste"}


def school_analysis(ctx: ReportContext):
    """``geoplan schools`` (walking too when possible), whether it walked, and a note why not."""
    def run():
        ctx.need("utviklingsgrense", "skole")
        cfg, ds = ctx.config, ctx.dataset
        if ds.has("gangnett"):
            try:
                return runs.schools(ds, cfg, walking=True), True, None
            except GeoplanError as e:
                walk_note = f"Gangavstand er ikke med fordi gangnettet ikke kan brukes: {e.message}"
        else:
            walk_note = ("Laget «gangnett» mangler, så rapporten viser bare sirkelen (luftlinje), "
                         "ikke gangavstand.")
        return runs.schools(ds, cfg, walking=False), False, walk_note
    return ctx.once("schools", run)


def _boundary_table(ub, walking: bool) -> Table:
    cols = [Column("navn", "Utviklingsgrense"), Column("skoler", "Skole(r)"),
            Column("regel", "Valgt etter"), Column("areal_daa", "Areal daa", "num", 1),
            Column("innenfor_daa", "Innenfor daa", "num", 1),
            Column("utenfor_daa", "Utenfor daa", "num", 1),
            Column("andel_innenfor_pct", "Andel innenfor %", "num", 1),
            Column("vurdering", "Vurdering"),
            Column("maks_avstand_m", "Maks avstand m", "num", 0)]
    if walking:
        cols += [Column("innenfor_gang_daa", "Innenfor til fots daa", "num", 1),
                 Column("andel_innenfor_gang_pct", "Andel til fots %", "num", 1)]
    rows = ub.drop(columns="geometry").to_dict("records")
    for row in rows:
        row["regel"] = _RULE_TEXT.get(row.get("regel"), row.get("regel"))
    return Table(id="skoler", title="Utviklingsgrenser", sheet="Skolesirkler",
                 columns=[c for c in cols if c.key in ub.columns], rows=rows)


def _parcel_table(parseller, walking: bool) -> Table:
    cols = [Column("sted", "Sted"), Column("type", "Type"), Column("navn", "Navn"),
            Column("skoler", "Skole(r)"), Column("areal_daa", "Areal daa", "num", 1),
            Column("innenfor_daa", "Innenfor daa", "num", 1),
            Column("andel_innenfor_pct", "Andel innenfor %", "num", 1),
            Column("vurdering", "Vurdering"),
            Column("maks_avstand_m", "Maks avstand m", "num", 0)]
    if walking:
        cols += [Column("andel_innenfor_gang_pct", "Andel til fots %", "num", 1),
                 Column("gangavstand_m", "Gangavstand m", "num", 0)]
    return Table(id="skoler_parseller", title="Reserver og innspill",
                 sheet="Skolesirkler parseller",
                 columns=[c for c in cols if c.key in parseller.columns],
                 rows=parseller.drop(columns="geometry").to_dict("records"))


@section("skoler", "Skolesirkler: utviklingsgrenser innenfor 1,5 km fra skolen", ("schools",))
def sec_schools(ctx: ReportContext, sec: Section) -> None:
    res, walking, walk_note = school_analysis(ctx)
    r = res.radius_m
    sec.title = f"Skolesirkler: utviklingsgrenser innenfor {text.number(r / 1000, 1)} km fra skolen"
    ub = res.utviklingsgrenser
    gj = ub["gjelder"].astype(bool) if len(ub) else ub.get("gjelder")
    applies = ", ".join(ub.loc[gj, "navn"].astype(str)) if len(ub) else ""
    ok = int(ub.loc[gj, "oppfylt"].astype(bool).sum()) if len(ub) else 0
    sec.text.append(
        f"Kriterium 1 for utviklingsgrensene: grensen skal ligge innenfor sirkelen på "
        f"{text.integer(r)} m fra stedets skole (Larvik kommune, Boligplan 2015–2020, "
        "l. 2473–2474). Kriteriene er foreslått for avklaringsområdene (l. 2467–2469); "
        f"i denne rapporten gjelder kriteriet {applies or 'ingen av grensene'} "
        "(schools.applies_to), og de andre grensene er merket «gjelder ikke». "
        "Skolene velges slik: skoler med «sted» lik grensens navn; ellers skolene innenfor "
        "grensen; ellers nærmeste skole. Maks avstand er det fjerneste punktet i grensen fra "
        f"nærmeste skole. {ok} av {int(gj.sum()) if len(ub) else 0} grenser kriteriet gjelder "
        "for ligger helt innenfor.")
    if walk_note:
        sec.text.append(walk_note)
    sec.items.append(_boundary_table(ub, walking))
    if res.parseller is not None and len(res.parseller):
        sec.items.append(_parcel_table(res.parseller, walking))
    names = list(dict.fromkeys(ub["navn"]))
    applies_by_name = dict(zip(ub["navn"], ub["gjelder"])) if "gjelder" in ub.columns else {}
    for n in names[:MAX_PLACE_MAPS]:
        fig = school_place_map(ctx, res, n, r)
        if not applies_by_name.get(n, True):
            fig.caption = (f"Kriteriet gjelder ikke for {n}; kartet viser sirkelen til "
                           "orientering. " + fig.caption)
        sec.items.append(fig)
    if len(names) > MAX_PLACE_MAPS:
        sec.items.append(Text(f"Kart er vist for de {MAX_PLACE_MAPS} første av {len(names)} "
                              "stedene; tallene for alle står i tabellene."))
