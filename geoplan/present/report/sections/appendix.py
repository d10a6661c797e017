"""The appendices every report ends with: parameters with sources, data provenance."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from geoplan import __version__
from geoplan.errors import GeoplanError
from geoplan.present import text
from geoplan.present.report.context import ReportContext, section
from geoplan.present.report.model import SENSITIVE_LAYERS, Column, Section, Table


def param_text(v: Any, unit: str | None = None) -> str:
    """A parameter value as the app's parameter table shows it (:func:`text.param_value`;
    a whole number without a unit, such as a seed, is not grouped)."""
    return text.param_value(v, grouped=unit is None or bool(unit))


def _param_rows(ctx: ReportContext) -> list[dict]:
    rows = []
    for name in ctx.cache.get("used_config_sections") or ["kommune"]:
        try:
            params = ctx.config.params(name)
        except GeoplanError:
            continue
        for p in params:
            vtxt = param_text(p.value, p.unit)
            rows.append({"noekkel": p.key, "beskrivelse": p.label, "verdi": vtxt,
                         "verdi_raw": p.value if not isinstance(p.value, list) else vtxt,
                         "enhet": p.unit, "kilde": p.source, "kommunalt_valg": p.assumption})
    return rows + ctx.cache.get("extra_params", [])


@section("parametere", "Parametere og kilder")
def sec_parameters(ctx: ReportContext, sec: Section) -> None:
    sec.text.append(
        "Tabellen viser parameterne analysene i denne rapporten bygger på, med kilde. "
        "«Kommunalt valg» betyr at kildene ikke gir tallet, og at kommunen selv har satt "
        "det; slike verdier bør vurderes politisk. Verdier merket «overstyrt for denne "
        "kjøringen» er endret for akkurat denne rapporten.")
    sec.items.append(Table(
        id="parametere", title="", sheet="Parametere",
        columns=[Column("noekkel", "Parameter"), Column("beskrivelse", "Beskrivelse"),
                 Column("verdi", "Verdi"), Column("enhet", "Enhet"), Column("kilde", "Kilde"),
                 Column("kommunalt_valg", "Kommunalt valg", "bool")],
        rows=_param_rows(ctx)))
    sec.page_break = True


def _layer_rows(ds) -> list[dict]:
    """One row per layer read: counts and the first messages (none about sensitive features)."""
    rows = []
    for name, rep in (getattr(ds, "reports", {}) or {}).items():
        d = rep.as_dict() if hasattr(rep, "as_dict") else dict(rep)
        msgs = d.get("meldinger") or []
        if name in SENSITIVE_LAYERS and msgs:
            # messages name features (bygg_id, numbers): not in a public report
            msgs = [f"{len(msgs)} merknad(er) om enkeltobjekter vises ikke av "
                    "personvernhensyn; se «geoplan check»."]
        rows.append({"lag": d.get("navn", name), "status": d.get("status", ""),
                     "lest": d.get("antall_lest"), "beholdt": d.get("antall_beholdt"),
                     "reparert": d.get("antall_reparert"), "avvist": d.get("antall_avvist"),
                     "kilde": d.get("kilde", ""), "merknad": " ".join(msgs[:2])})
    if not rows:
        for name, gdf in (getattr(ds, "layers", {}) or {}).items():
            rows.append({"lag": name, "status": "ok", "lest": len(gdf), "beholdt": len(gdf)})
    return rows


@section("datagrunnlag", "Datagrunnlag og versjon")
def sec_provenance(ctx: ReportContext, sec: Section) -> None:
    ds = ctx.dataset
    src = str(getattr(ds, "source", ""))
    sec.text.append(f"Datagrunnlag: {src}.")
    p = Path(src) if src else None
    if p is not None and p.exists():
        mtime = text.datetime_text(datetime.fromtimestamp(p.stat().st_mtime))
        sec.text.append(f"Dataene ble sist endret {mtime}.")
    sec.text.append(f"Koordinatsystem: {ctx.crs_label}. Arealer er regnet i dette "
                    "projiserte systemet og oppgitt i dekar (1 daa = 1 000 m²).")
    sec.text.append(
        f"Rapporten er laget {text.datetime_text()} med geoplan versjon {__version__}. Tallene er "
        "regnet av de samme funksjonene som kommandolinjen (geoplan … --json) og appen "
        "bruker, med parameterne i forrige del.")
    sec.items.append(Table(
        id="datagrunnlag", title="Lag i datagrunnlaget", sheet="Datagrunnlag",
        columns=[Column("lag", "Lag"), Column("status", "Status"),
                 Column("lest", "Lest", "int"), Column("beholdt", "Brukt", "int"),
                 Column("reparert", "Reparert", "int"), Column("avvist", "Avvist", "int"),
                 Column("merknad", "Merknad")],
        rows=_layer_rows(ds)))
    rasters = getattr(ds, "rasters", {}) or {}
    if rasters:
        sec.text.append("Rasterdata: " + ", ".join(f"{k} ({Path(v).name})"
                                                   for k, v in rasters.items()) + ".")
