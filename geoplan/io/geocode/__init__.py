"""Geocoding the housing office's list of municipal dwellings (``geoplan geocode``).

:func:`geocode_list` matches every row of the list (:func:`read_housing_list`)
to Kartverket's address register (:func:`read_address_register`) and returns a
:class:`GeocodeResult`: one line per input row with its status, correction
and candidates, and the ``kommunal_bolig`` layer (several rows on one address
become one point with their units added). :func:`write_geocoded` writes the
layer (GeoPackage) and the per-row table (CSV) atomically.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd
from pyproj import CRS

from geoplan.config.geocode import GeocodeSettings
from geoplan.errors import UnreadableInput
from geoplan.io.contract import LayerReport
from geoplan.io.geocode.match import STATUSES, Match, match_row
from geoplan.io.geocode.register import (
    AddressRegister,
    read_address_register,
    read_housing_list,
    resolve_columns,
)
from geoplan.io.validate import validate_layer
from geoplan.io.writers import atomic_path

__all__ = ["AddressRegister", "GeocodeResult", "STATUSES", "apply_corrections", "geocode_list",
           "read_address_register", "read_housing_list", "resolve_columns", "write_geocoded"]

#: the column a corrected address is written to when the list has street and number apart
CORRECTED = "Adresse (rettet)"

#: what a kategori cell that is empty (or a list without the column) is written as
NO_CATEGORY = "uoppgitt"


@dataclass
class GeocodeResult:
    """What became of every row of the list.

    ``rows``: one line per input row (``rad`` is its row number in the
    spreadsheet, header = row 1) with ``status``, ``merknad``, ``funnet_adresse``,
    ``kandidater``, ``x``/``y``; ``layer``: the ``kommunal_bolig`` points;
    ``notes``: what was assumed for the list as a whole.
    """

    rows: pd.DataFrame
    layer: gpd.GeoDataFrame
    roles: dict[str, str]
    register: str
    notes: list[str] = field(default_factory=list)
    report: LayerReport | None = None

    def counts(self) -> dict[str, int]:
        c = self.rows["status"].value_counts()
        return {s: int(c.get(s, 0)) for s in STATUSES}


def _units(row: pd.Series, roles: dict[str, str]) -> tuple[int | None, str]:
    """The row's number of units (1 without an «Antall» column); None and why when invalid."""
    col = roles.get("antall")
    if col is None or pd.isna(row[col]):
        return 1, ""
    raw = str(row[col]).strip()
    num = pd.to_numeric(raw.replace(",", "."), errors="coerce")
    if pd.isna(num) or num < 1 or float(num) % 1:
        return None, f"antall «{raw}» er ikke et helt tall ≥ 1"
    return int(num), ""


def _text(row: pd.Series, roles: dict[str, str], role: str) -> str | None:
    col = roles.get(role)
    if col is None or pd.isna(row[col]):
        return None
    return str(row[col]).strip()


def _row_record(i: int, row: pd.Series, roles: dict[str, str], reg: AddressRegister, m: Match,
                units: int | None) -> dict:
    f = reg.frame
    x = float(f.loc[m.pos, "x"].mean()) if m.pos else None
    y = float(f.loc[m.pos, "y"].mean()) if m.pos else None
    first = m.pos[0] if m.pos else None
    return {
        "rad": i + 2, "status": m.status, "merknad": m.note, "kandidater": m.candidates,
        "funnet_adresse": "; ".join(reg.label(p) for p in m.pos),
        "adresse_id": f.at[first, "adresse_id"] if first is not None and len(m.pos) == 1 else "",
        "grunnkretsnummer": f.at[first, "grunnkretsnummer"] if first is not None else "",
        "antall_enheter": units, "kategori": _text(row, roles, "kategori") or NO_CATEGORY,
        "malgruppe": _text(row, roles, "malgruppe"), "bygg_id": _text(row, roles, "bygg_id"),
        "x": x, "y": y,
    }


def geocode_list(df: pd.DataFrame, reg: AddressRegister, settings: GeocodeSettings,
                 roles: dict[str, str], progress=None) -> GeocodeResult:
    """Match every row of ``df``; ``progress(i, n)`` is called per row when given."""
    records = []
    for i, (_idx, row) in enumerate(df.iterrows()):
        if progress is not None:
            progress(i, len(df))
        if row.isna().all():
            records.append({"rad": i + 2, "status": "ugyldig", "merknad": "tom rad",
                            "kandidater": "", "funnet_adresse": ""})
            continue
        m = match_row(row, roles, reg, settings)
        units, why = _units(row, roles)
        if units is None and m.status in ("eksakt", "rettet"):
            m = Match("ugyldig", [], why + "; rett tallet i listen", m.candidates)
        records.append(_row_record(i, row, roles, reg, m, units))
    rows = pd.DataFrame.from_records(records)
    rows["antall_enheter"] = pd.to_numeric(rows.get("antall_enheter"), errors="coerce").astype("Int64")
    originals = df.reset_index(drop=True).add_prefix("liste: ")
    rows = pd.concat([rows, originals], axis=1)
    notes = []
    if "antall" not in roles:
        notes.append("Listen har ingen kolonne for antall enheter; hver rad er telt som én enhet.")
    if "kategori" not in roles:
        notes.append(f"Listen har ingen kolonne for kategori; kategorien er satt til «{NO_CATEGORY}».")
    layer = _layer(rows, reg.crs)
    merged = int(rows["status"].isin(("eksakt", "rettet")).sum()) - len(layer)
    if merged > 0:
        notes.append(f"{merged} rad(er) lå på samme adresse som en annen rad (med samme kategori, "
                     "målgruppe og bygning) og er slått sammen; enhetene er lagt sammen.")
    return GeocodeResult(rows=rows, layer=layer, roles=roles, register=reg.source, notes=notes)


def _layer(rows: pd.DataFrame, crs: CRS) -> gpd.GeoDataFrame:
    """One point per address (and kategori, målgruppe, bygning), units added."""
    ok = rows[rows["status"].isin(("eksakt", "rettet"))].copy()
    keys = ["funnet_adresse", "kategori", "malgruppe", "bygg_id", "x", "y"]
    for k in ("malgruppe", "bygg_id"):
        ok[k] = ok[k].fillna("")
    agg = (ok.groupby(keys, dropna=False, sort=False)
             .agg(antall_enheter=("antall_enheter", "sum"), grunnkretsnummer=("grunnkretsnummer", "first"),
                  geokoding=("status", lambda s: "rettet" if (s == "rettet").any() else "eksakt"),
                  rader=("rad", lambda r: ", ".join(str(v) for v in r)))
             .reset_index())
    for k in ("malgruppe", "bygg_id"):
        agg[k] = agg[k].replace("", None)
    agg = agg.rename(columns={"funnet_adresse": "adresse"})
    geom = gpd.points_from_xy(agg["x"], agg["y"])
    return gpd.GeoDataFrame(agg.drop(columns=["x", "y"]), geometry=geom, crs=crs)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:  # pragma: no cover
        return False


def write_geocoded(result: GeocodeResult, out: str | os.PathLike, *, inputs: tuple = (),
                   target_crs: CRS | None = None) -> tuple[Path | None, Path]:
    """Write ``kommunal_bolig`` (GeoPackage) and the per-row table (``<out>_geokoding.csv``).

    When no row was found, only the table is written (and None is returned for the layer).

    The layer passes :func:`geoplan.io.validate_layer` first (as ``check`` would);
    neither file may be one of ``inputs``.
    """
    out = Path(out)
    table = out.with_name(f"{out.stem}_geokoding.csv")
    for p in inputs:
        if _same_file(Path(p), out) or _same_file(Path(p), table):
            raise UnreadableInput(f"Utfilen {out} er en av inndatafilene; velg et annet navn med --out.")
    if out.suffix.lower() != ".gpkg":
        raise UnreadableInput(f"Utfilen {out.name} må ha endelsen .gpkg (GeoPackage).")
    with atomic_path(table) as tmp:
        result.rows.to_csv(tmp, sep=";", index=False, encoding="utf-8-sig")
    if result.layer.empty:
        return None, table
    layer, rep = validate_layer(result.layer.copy(), "kommunal_bolig", source=result.register,
                                target_crs=target_crs or result.layer.crs)
    result.report = rep
    if layer is None:   # pragma: no cover - every point comes from the register's coordinates
        raise UnreadableInput("Laget kommunal_bolig kunne ikke kontrolleres: " + " ".join(rep.messages))
    desc = (f"Kommunalt disponerte boliger, geokodet mot {result.register} (Kartverket, "
            "Matrikkelen - Adresse) av geoplan geocode. Punktet er adressens koordinat.")
    with atomic_path(out) as tmp:
        layer.to_file(tmp, layer="kommunal_bolig", driver="GPKG",
                      layer_options={"DESCRIPTION": desc})
    return out, table


def apply_corrections(df: pd.DataFrame, roles: dict[str, str],
                      corrections: dict[int, str]) -> tuple[pd.DataFrame, dict[str, str]]:
    """The list with corrected addresses (``{rad: "Storgata 12B"}``, ``rad`` as in
    :attr:`GeocodeResult.rows`), and its roles; the original list is not changed.

    A list with an address column gets the correction there; a list with street
    and number apart gets a column «Adresse (rettet)», used where it is filled in.
    """
    out, roles = df.copy(), dict(roles)
    col = roles.get("adresse")
    if col is None:
        col = CORRECTED
        out[col] = pd.Series([None] * len(out), index=out.index, dtype=object)
        roles["adresse"] = col
    for rad, text in corrections.items():
        text = str(text).strip()
        if text and 2 <= rad < len(out) + 2:
            out.iloc[rad - 2, out.columns.get_loc(col)] = text
    return out, roles
