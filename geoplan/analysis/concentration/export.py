"""The result as plain JSON-ready data: one shape for the CLI, the app and the reports."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from geoplan.analysis.concentration.model import ConcentrationResult

__all__ = ["as_dict", "GK_COLUMNS", "BUILDING_COLUMNS", "RADIUS_COLUMNS"]


def _py(v: Any) -> Any:
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, (np.bool_, bool)):
        return bool(v)
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        f = float(v)
        return None if math.isnan(f) or math.isinf(f) else f
    return v


def _records(df: pd.DataFrame | None, columns: Sequence[str] | None = None) -> list[dict]:
    if df is None:
        return []
    if columns is not None:
        df = df[[c for c in columns if c in df.columns]]
    df = pd.DataFrame(df.drop(columns=[c for c in ("geometry",) if c in df.columns]))
    return [{k: _py(v) for k, v in row.items()} for row in df.to_dict(orient="records")]


GK_COLUMNS = ["grunnkretsnummer", "grunnkretsnavn", "kommunale_enheter", "antall_boliger", "andel_pct",
              "lokaliseringskvotient", "over_terskel", "begrunnelse", "housing_first_andel_pct",
              "klynge", "gi_z", "p_verdi", "merknad"]


BUILDING_COLUMNS = ["bygg_id", "borettslag", "grunnkretsnummer", "antall_boliger", "kommunale_enheter",
                    "andel_pct", "housing_first_enheter", "housing_first_andel_pct", "vurderte_enheter",
                    "flerbolig", "over_hf_terskel", "over_andel_terskel", "over_antall_terskel",
                    "hf_sammen_med", "over_terskel", "helt_kommunal", "kobling", "merknad"]


RADIUS_COLUMNS = ["punkt_nr", "bygg_id", "kategori", "antall_enheter", "enheter_innen_radius",
                  "housing_first_innen_radius", "boliger_innen_radius", "andel_innen_radius_pct",
                  "housing_first_andel_innen_radius_pct", "over_terskel"]


def as_dict(result: ConcentrationResult, what_if: dict | None = None) -> dict:
    """The result as plain JSON-ready data (Norwegian keys, as in issue 5).

    ``grunnkretser`` (each with ``kategorier``), ``bygninger``, ``borettslag``,
    ``radius``, ``indekser``, ``klynger``, ``utenfor``, ``datafeil``,
    ``parametere``, ``prikking`` (public outputs) and ``hva_hvis`` when given.
    Addresses are never included.
    """
    gks = _records(result.grunnkretser, GK_COLUMNS)
    kat = result.kategorier
    if len(kat) and len(result.kategori_navn):
        by: dict[Any, dict] = {}
        for rec in _records(kat, ["grunnkretsnummer", "kategori", "kommunale_enheter", "andel_pct",
                                  "lokaliseringskvotient", "over_terskel"]):
            by.setdefault(rec.pop("grunnkretsnummer"), {})[rec.pop("kategori")] = rec
        for g in gks:
            g["kategorier"] = by.get(g["grunnkretsnummer"], {})
    bcols = BUILDING_COLUMNS + [c for c in result.bygninger.columns if c.startswith("enheter_")]
    out = {
        "grunnkretser": gks,
        "bygninger": _records(result.bygninger, None if result.prikking else bcols),
        "borettslag": _records(result.borettslag),
        "radius": _records(result.radius, None if result.prikking else RADIUS_COLUMNS),
        "indekser": {k: _py(v) if not isinstance(v, list) else v for k, v in result.indekser.items()},
        "klynger": _records(result.klynger, ["grunnkretsnummer", "kommunale_enheter", "andel_pct", "gi_z",
                                             "p_verdi", "klynge", "andel_erstattet"]),
        "utenfor": _records(result.utenfor, None if result.prikking else
                            ["punkt_nr", "bygg_id", "kategori", "antall_enheter", "x", "y"]),
        "datafeil": result.datafeil,
        "kategorier": list(result.kategori_navn),
        "parametere": {k: _py(v) for k, v in result.parametere.items()},
        "prikking": result.prikking,
    }
    if result.kategori_totaler is not None:
        out["kategori_totaler"] = _records(result.kategori_totaler)
    if what_if is not None:
        out["hva_hvis"] = what_if
    return out


