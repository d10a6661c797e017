"""Proximity of housing reserves and proposals to public transport.

The distances are the ones the ranking uses (:func:`geoplan.runs.reserves`);
the limits in the summary are the site assessment's yellow thresholds for
``kollektiv_avstand`` and ``kollektivakse_avstand`` (``config/sites.toml``).
"""

from __future__ import annotations

from geoplan.errors import ConfigError
from geoplan.present import text
from geoplan.present.report.context import ReportContext, section
from geoplan.present.report.maps import map_figure, overview_layers, places_focus
from geoplan.present.report.model import Column, Section, Table
from geoplan.present.report.sections.appendix import param_text
from geoplan.present.report.sections.need import OUTSIDE, reserve_result
from geoplan.present.report.site import _criteria_config


def yellow_threshold(config, crit: dict | None, crit_id: str) -> float:
    """A site criterion's yellow limit (its ``yellow_ref`` already resolved by config.sites)."""
    if not crit or "yellow" not in crit:
        raise ConfigError(f"Kriteriet «{crit_id}» i sites.toml mangler grensen «yellow».")
    v = crit["yellow"]
    try:
        return float(v)
    except (TypeError, ValueError) as e:
        raise ConfigError(f"Grensen «yellow» for kriteriet «{crit_id}» må være et tall, "
                          f"ikke «{v}».") from e


def _limit_param(crit_id: str, crit: dict, limit: float) -> dict:
    """A row of the parameter appendix for a limit borrowed from the site criteria."""
    return {"noekkel": f"sites.criteria.{crit_id}.yellow",
            "beskrivelse": f"{crit.get('label', crit_id)} (grense i sammendraget)",
            "verdi": param_text(limit), "verdi_raw": limit, "enhet": crit.get("unit", "m"),
            "kilde": crit.get("source", "config/sites.toml"),
            "kommunalt_valg": bool(crit.get("assumption", True))}


def _near(g, col: str, limit: float, area: float) -> tuple[float, float | None]:
    """Area (daa) of the parcels within ``limit`` m by column ``col``, and its share (%)."""
    near = float(g.loc[g[col] <= limit, "_a"].sum())
    return near, (near * 100.0 / area if area > 0 else None)


def _summary_rows(d, stop_lim: float | None, axis_lim: float | None) -> list[dict]:
    """Per place and type: count, area and area near a stop / an axis."""
    rows = []
    for (sted, typ), g in d.groupby(["sted", "type"], sort=False):
        row = {"sted": sted, "type": typ, "antall": len(g), "areal_daa": float(g["_a"].sum())}
        if stop_lim is not None:
            row["areal_naer_holdeplass_daa"], row["andel_naer_holdeplass_pct"] = _near(
                g, "avstand_holdeplass_m", stop_lim, row["areal_daa"])
        if axis_lim is not None:
            row["areal_naer_akse_daa"], row["andel_naer_akse_pct"] = _near(
                g, "avstand_kollektivakse_m", axis_lim, row["areal_daa"])
        rows.append(row)
    return rows


def _tables(d, stop_lim: float | None, axis_lim: float | None) -> list[Table]:
    cols = [Column("sted", "Sted"), Column("type", "Type"), Column("antall", "Antall", "int"),
            Column("areal_daa", "Areal daa", "num", 1)]
    pcols = [Column("sted", "Sted"), Column("type", "Type"), Column("navn", "Navn"),
             Column("areal_daa", "Areal daa", "num", 1)]
    if stop_lim is not None:
        cols += [Column("areal_naer_holdeplass_daa",
                        f"Innen {text.integer(stop_lim)} m fra holdeplass daa", "num", 1),
                 Column("andel_naer_holdeplass_pct", "Andel %", "num", 0)]
        pcols.append(Column("avstand_holdeplass_m", "Til holdeplass m", "num", 0))
    if axis_lim is not None:
        cols += [Column("areal_naer_akse_daa",
                        f"Innen {text.integer(axis_lim)} m fra kollektivakse daa", "num", 1),
                 Column("andel_naer_akse_pct", "Andel %", "num", 0)]
        pcols.append(Column("avstand_kollektivakse_m", "Til kollektivakse m", "num", 0))
    return [Table(id="kollektiv_sammendrag", title="Sammendrag per sted",
                  sheet="Kollektiv sammendrag", columns=cols,
                  rows=_summary_rows(d, stop_lim, axis_lim)),
            Table(id="kollektiv_parseller", title="Avstand per parsell",
                  sheet="Kollektiv parseller", columns=pcols,
                  rows=d.drop(columns="_a").to_dict("records"))]


@section("kollektiv", "Nærhet til kollektivtilbud for reserver og innspill", ("reserves",))
def sec_transit(ctx: ReportContext, sec: Section) -> None:
    if not (ctx.has("holdeplass") or ctx.has("kollektivakse")):
        ctx.need("holdeplass", "kollektivakse")
    res = reserve_result(ctx)
    p = res.parseller
    crit = _criteria_config(ctx.config)
    stop_lim = yellow_threshold(ctx.config, crit.get("kollektiv_avstand"), "kollektiv_avstand")
    axis_lim = yellow_threshold(ctx.config, crit.get("kollektivakse_avstand"),
                                "kollektivakse_avstand")
    extra = ctx.cache.setdefault("extra_params", [])
    for cid, lim in (("kollektiv_avstand", stop_lim), ("kollektivakse_avstand", axis_lim)):
        extra.append(_limit_param(cid, crit.get(cid) or {}, lim))
    sec.text.append(
        "Boligplanens strategi 1 er boligutvikling langs kollektivaksene og i knutepunktene. "
        "Avstandene er målt i luftlinje fra nærmeste punkt på parsellen (0 når parsellen "
        "berører holdeplassen eller aksen), av samme funksjon som rangeringen bruker. "
        f"Grensene i sammendraget er de samme som i tomtevurderingen: {text.integer(stop_lim)} m "
        f"til holdeplass og {text.integer(axis_lim)} m til kollektivakse.")
    for lyr, what in (("holdeplass", "holdeplasser"), ("kollektivakse", "kollektivakser")):
        if not ctx.has(lyr):
            sec.text.append(f"Laget «{lyr}» mangler i datagrunnlaget, så avstand til {what} er "
                            "ikke med.")
    if not len(p):
        sec.text.append("Ingen reserver eller innspill i dataene.")
        return
    d = p.drop(columns="geometry").copy()
    d["sted"] = d["sted"].where(d["sted"].notna(), OUTSIDE)
    has_stop = "avstand_holdeplass_m" in d and d["avstand_holdeplass_m"].notna().any()
    has_axis = "avstand_kollektivakse_m" in d and d["avstand_kollektivakse_m"].notna().any()
    d["_a"] = d["areal_daa"].astype(float)
    sec.items.extend(_tables(d, stop_lim if has_stop else None, axis_lim if has_axis else None))
    sec.items.append(map_figure(
        ctx, overview_layers(ctx, p, with_transit=True),
        "Reserver og innspill med kollektivtilbud", focus=places_focus(ctx, p), caption=(
            "Kollektivakser (lilla linjer) og holdeplasser (lilla firkanter) med boligreserve "
            "(gul) og innspill (grønn).")))
