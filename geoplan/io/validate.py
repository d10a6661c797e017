"""Validation of layers against the data contract (:mod:`geoplan.io.contract`).

:func:`validate_layer` takes one frame as read and returns it cleaned -- columns
renamed to the contract, values coerced to their kinds, features without or with
the wrong geometry dropped, invalid polygons repaired, coordinates checked for
the declared CRS, transformed to the working CRS -- or None when the layer must
be refused, with a :class:`~geoplan.io.contract.LayerReport` that names every
feature it dropped or repaired. :func:`validate_layers` does this for all
layers a reader found (or a notebook handed in) and reports the contract layers
that are missing. Files and hand-built frames go through the same code.
"""

from __future__ import annotations

import re
from typing import Iterable

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from geoplan.io.contract import (
    CODE_WIDTH,
    COLUMN_ALIASES,
    SCHEMAS,
    LayerReport,
    LayerSchema,
    RawLayer,
    command_columns_note,
    missing_report,
)
from geoplan.io.crs import check_coordinates, crs_label
from geoplan.numbers import fixed, read_count, read_number

# ---------------------------------------------------------------------------
# Naming features and columns
# ---------------------------------------------------------------------------

def _feature_label(gdf: pd.DataFrame, idx) -> str:
    """A human name for feature ``idx``: its ``navn``/id if any, else its number."""
    pos = gdf.index.get_loc(idx) if not isinstance(idx, (int, np.integer)) else idx
    for col in ("navn", "bygg_id", "grunnkretsnummer", "id", "fid", "objid", "lokalid"):
        if col in gdf.columns:
            try:
                val = gdf.iloc[int(pos)][col]
            except Exception:
                val = None
            if val is not None and not (isinstance(val, float) and np.isnan(val)) and str(val) != "":
                return f"objekt nr. {int(pos) + 1} ({col} «{val}»)"
    return f"objekt nr. {int(pos) + 1}"


def _list_features(gdf: pd.DataFrame, positions: np.ndarray, limit: int = 5) -> str:
    labels = [_feature_label(gdf, int(p)) for p in positions[:limit]]
    more = f" og {len(positions) - limit} til" if len(positions) > limit else ""
    return ", ".join(labels) + more


def _decode(b: bytes | None) -> str | None:
    if b is None:
        return None
    try:
        return b.decode("utf-8")
    except UnicodeDecodeError:
        return b.decode("cp1252", errors="replace")


def _repair_text_encoding(gdf: gpd.GeoDataFrame, rep: LayerReport) -> gpd.GeoDataFrame:
    """Text columns that are not valid UTF-8 (a Latin-1 Shapefile without ``.cpg``) read as Windows-1252.

    GDAL hands such bytes through as if they were UTF-8, and the first use of
    the column fails; here they are decoded as Windows-1252 (a superset of
    Latin-1, what Norwegian ArcGIS/QGIS exports use), with a warning.
    """
    recoded = []
    for c in gdf.columns:
        if c == gdf.geometry.name or gdf[c].dtype.kind not in "OU" and "string" not in str(gdf[c].dtype):
            continue
        try:
            gdf[c].to_numpy(dtype=object)
            continue
        except Exception:  # noqa: BLE001 - pyarrow refuses invalid UTF-8 in many ways
            pass
        import pyarrow as pa

        arr = getattr(gdf[c].array, "_pa_array", None)
        if arr is None:
            continue
        raw = arr.cast(pa.binary(), safe=False).to_pylist()
        gdf[c] = pd.Series([_decode(v) for v in raw], index=gdf.index, dtype=object)
        recoded.append(str(c))
    if recoded:
        rep.add(f"Teksten i kolonnene {', '.join(f'«{c}»' for c in recoded)} er ikke UTF-8 og er lest "
                "som Latin-1/Windows-1252 (æ, ø, å). Legg ved en .cpg-fil med tegnkodingen "
                "(for eksempel «UTF-8» eller «1252») for å være sikker.", "advarsel")
    return gdf


def _normalise_columns(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    rename = {}
    geom = gdf.geometry.name
    for c in gdf.columns:
        if c == geom:
            continue
        low = str(c).strip().lower()
        target = COLUMN_ALIASES.get(low, low)
        if target != c and target not in gdf.columns:
            rename[c] = target
    return gdf.rename(columns=rename) if rename else gdf


def _shapefile_names(gdf: gpd.GeoDataFrame, schema: LayerSchema, rep: LayerReport) -> gpd.GeoDataFrame:
    """Contract columns whose names a Shapefile cut to 10 characters (``antall_bol``).

    The DBF format keeps at most 10 characters of a column name, so a Shapefile
    exported from QGIS or ArcGIS has ``antall_enh`` for ``antall_enheter`` and
    ``grunnkrets`` for ``grunnkretsnummer``. A missing contract column takes the
    column named by its first 10 characters; where two contract columns share
    those (``grunnkretsnummer``, ``grunnkretsnavn``), the required one gets it.
    """
    have = {str(c) for c in gdf.columns}
    wanted = [*schema.required, *schema.optional]   # required first: they win a shared prefix
    rename: dict[str, str] = {}
    for col in wanted:
        short = col[:10]
        if len(col) <= 10 or col in have or short not in have or short in wanted \
                or short in rename:
            continue
        rename[short] = col
    if rename:
        gdf = gdf.rename(columns=rename)
        rep.add("Kolonnenavn som er forkortet til 10 tegn (Shapefile) er tolket som: "
                + ", ".join(f"«{a}» = «{b}»" for a, b in rename.items()) + ".")
    return gdf


# ---------------------------------------------------------------------------
# Values
# ---------------------------------------------------------------------------

#: whole numbers beyond this are no count (and would not fit the integer column)
_INT_MAX = 2.0**53
#: plausible ranges of the contract's counts (a feature outside is rejected by name)
_RANGES: dict[str, tuple[float, float]] = {
    "antall_enheter": (1, 10_000),       # municipal units in one dwelling record
    "antall_boliger": (0, 1_000_000),    # dwellings in a building or a grunnkrets
    "befolkning": (0, 10_000_000),
}

_BOOL_WORDS = {"true": True, "1": True, "ja": True, "j": True, "yes": True, "sann": True,
               "false": False, "0": False, "nei": False, "n": False, "no": False, "usann": False}


def _coerce_number(gdf: gpd.GeoDataFrame, col: str, kind: str, required: bool,
                   rep: LayerReport) -> np.ndarray:
    """Column ``col`` as a number (``int``: whole); returns the rows to reject."""
    s = gdf[col]
    given = s.notna().to_numpy()
    if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
        vals = pd.to_numeric(s, errors="coerce").astype(float).to_numpy(dtype=float, na_value=np.nan)
    else:   # text (a CSV, a spreadsheet): «12,5» and «1 234» as everywhere; no bools as numbers
        vals = np.array([np.nan if not g else read_count(v) for v, g in zip(s.to_numpy(dtype=object), given)],
                        dtype=float)
    bad = np.isnan(vals) & given
    if required:
        bad |= np.isnan(vals)
    # inf, 1e300 and other values no count can have: rejected by name, never a crash
    lo, hi = _RANGES.get(col, (-_INT_MAX, _INT_MAX) if kind == "int" else (-1e15, 1e15))
    with np.errstate(invalid="ignore"):
        out_of_range = ~np.isnan(vals) & ~((vals >= lo) & (vals <= hi))
    bad |= out_of_range
    ok = ~np.isnan(vals) & ~out_of_range
    if kind == "int":
        bad |= ok & ~np.isclose(np.where(ok, vals, 0) % 1, 0)
    if bad.any():
        pos = np.flatnonzero(bad)
        what = "et heltall" if kind == "int" else "et tall"
        if col in _RANGES:
            what += f" fra {fixed(_RANGES[col][0], 0)} til {fixed(_RANGES[col][1], 0)}"
        rep.add(
            f"Kolonnen «{col}» skal være {what}; {len(pos)} objekt(er) har ugyldig, urimelig "
            f"eller tom verdi og er avvist: {_list_features(gdf, pos)}. Rett verdiene i "
            "kildedataene; resten av laget brukes.", "advarsel")
    clean = pd.Series(np.where(bad, np.nan, vals), index=gdf.index)
    gdf[col] = clean.round().astype("Int64") if kind == "int" else clean.astype(float)
    return bad


def _coerce_bool(gdf: gpd.GeoDataFrame, col: str, rep: LayerReport) -> None:
    """Column ``col`` as ja/nei; words it does not know become unknown (``<NA>``)."""
    s = gdf[col]
    if s.dtype == bool:
        return
    mapped = s.astype("string").str.strip().str.lower().map(_BOOL_WORDS)
    bad = mapped.isna().to_numpy() & s.notna().to_numpy()
    if bad.any():
        rep.add(f"Kolonnen «{col}» skal være ja/nei; {int(bad.sum())} verdi(er) forstås ikke "
                "og er satt som ukjent.", "advarsel")
    gdf[col] = mapped.astype("boolean")


def _coerce_text(gdf: gpd.GeoDataFrame, col: str, schema: LayerSchema, required: bool,
                 rep: LayerReport) -> np.ndarray:
    """Column ``col`` as text; returns the rows to reject (an empty required name)."""
    s = gdf[col]
    if s.dtype.kind in "if":
        # e.g. grunnkretsnummer read as a number: keep integers without ".0"
        num = pd.to_numeric(s, errors="coerce")
        width = CODE_WIDTH.get(col, 0)   # 0301 read as 301: put the leading zero back
        gdf[col] = pd.Series(
            [None if pd.isna(v) else (str(int(v)).zfill(width) if float(v).is_integer() else str(v))
             for v in num],
            index=gdf.index, dtype=object)
    else:
        gdf[col] = s.astype(object).where(s.notna(), None)
    reject = np.zeros(len(gdf), dtype=bool)
    if required:
        empty = gdf[col].isna().to_numpy() | (gdf[col].astype(str).str.strip() == "").to_numpy()
        if empty.any() and col in ("navn",) and schema.name in ("utviklingsgrense",):
            pos = np.flatnonzero(empty)
            rep.add(f"Kolonnen «{col}» er tom for {len(pos)} objekt(er), som er avvist: "
                    f"{_list_features(gdf, pos)}.", "advarsel")
            reject |= empty
    return reject


def _coerce_columns(gdf: gpd.GeoDataFrame, schema: LayerSchema,
                    rep: LayerReport) -> tuple[gpd.GeoDataFrame, np.ndarray]:
    """Coerce contract columns to their kind; return rows to reject."""
    reject = np.zeros(len(gdf), dtype=bool)
    kinds = {**schema.optional, **schema.required}
    for col, kind in kinds.items():
        if col not in gdf.columns:
            continue
        required = col in schema.required
        if kind in ("int", "num"):
            reject |= _coerce_number(gdf, col, kind, required, rep)
        elif kind == "bool":
            _coerce_bool(gdf, col, rep)
        else:
            reject |= _coerce_text(gdf, col, schema, required, rep)
    return gdf, reject


# ---------------------------------------------------------------------------
# Geometry
# ---------------------------------------------------------------------------

#: shapely type ids -> the contract's base types
_TYPE_IDS = {0: "Point", 1: "LineString", 2: "LineString", 3: "Polygon", 4: "Point",
             5: "LineString", 6: "Polygon", 7: "GeometryCollection", -1: None}

#: GEOS's reasons for an invalid geometry (``IsValidOp``, as ``shapely.is_valid_reason``
#: words them) in Norwegian
_REASONS = {
    "Self-intersection": "selvkrysning",
    "Ring Self-intersection": "ring som krysser seg selv",
    "Hole lies outside shell": "hull utenfor ytterkanten",
    "Holes are nested": "nøstede hull",
    "Nested holes": "nøstede hull",
    "Nested shells": "nøstede ytterkanter",
    "Interior is disconnected": "oppdelt innside",
    "Duplicate Rings": "to like ringer",
    "Too few distinct points in geometry component": "for få forskjellige punkter",
    "Too few points in geometry component": "for få punkter",
    "Too few points": "for få punkter",
    "Invalid Coordinate": "ugyldig koordinat",
    "Ring is not closed": "ringen er ikke lukket",
    "Ring not closed": "ringen er ikke lukket",
    "Repeated Point": "gjentatt punkt",
    "Topology Validation Error": "topologifeil",
}
#: the place GEOS names after its reason: «[x y]» (or «[x y z]»)
_AT = re.compile(r"\[\s*(\S+)\s+([^\s\]]+)[^\]]*\]\s*$")


def _reason_no(reason: str) -> str:
    """``shapely.is_valid_reason`` in Norwegian, the place as «ved øst 562 150,1, nord
    6 547 149,9» (GEOS writes «Self-intersection[562150.062734473 6547149.93726553]»)."""
    where = ""
    m = _AT.search(reason)
    if m:
        x, y = read_number(m.group(1)), read_number(m.group(2))
        where = (f" ved øst {fixed(x, 1)}, nord {fixed(y, 1)}" if x is not None and y is not None
                 else " (koordinaten er ikke et tall)")
        reason = reason[:m.start()]
    reason = reason.strip()
    no = _REASONS.get(reason)
    if no is None:
        no = next((v for k, v in _REASONS.items() if reason.startswith(k)), "ugyldig geometri")
    return no + where


def _polygonal(geoms: np.ndarray) -> np.ndarray:
    """Keep the polygonal parts of (repaired) geometries; others become empty."""
    out = np.empty(len(geoms), dtype=object)
    for i, g in enumerate(geoms):
        t = g.geom_type
        if t in ("Polygon", "MultiPolygon"):
            out[i] = g
        elif t == "GeometryCollection":
            parts = [p for p in shapely.get_parts(g) if p.geom_type in ("Polygon", "MultiPolygon")]
            out[i] = shapely.union_all(parts) if parts else shapely.Polygon()
        else:
            out[i] = shapely.Polygon()
    return out


def _check_geometries(gdf: gpd.GeoDataFrame, geoms: np.ndarray, name: str, schema: LayerSchema,
                      rep: LayerReport) -> tuple[np.ndarray | None, np.ndarray]:
    """Rows without geometry or of the wrong type.

    Returns ``(reject, base types)``; ``reject`` is None when no feature has a
    geometry type the layer allows (the layer is refused).
    """
    reject = np.zeros(len(gdf), dtype=bool)
    null = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if null.any():
        pos = np.flatnonzero(null)
        rep.add(f"{len(pos)} objekt(er) uten geometri er fjernet: {_list_features(gdf, pos)}.",
                "advarsel")
        reject |= null
    with np.errstate(invalid="ignore"):
        nonfinite = ~null & ~np.isfinite(shapely.bounds(geoms)).all(axis=1)
        nonfinite |= ~null & (np.abs(np.nan_to_num(shapely.bounds(geoms), nan=0.0)) > 1e9).any(axis=1)
    if nonfinite.any():
        pos = np.flatnonzero(nonfinite)
        rep.add(f"{len(pos)} objekt(er) har koordinater som ikke er endelige tall (inf, nan eller "
                f"urimelig store) og er avvist: {_list_features(gdf, pos)}. Rett geometrien i "
                "kildedataene; resten av laget brukes.", "advarsel")
        reject |= nonfinite
        null = null | nonfinite
    types = np.array([_TYPE_IDS.get(int(t)) for t in shapely.get_type_id(geoms)], dtype=object)
    wrong = ~null & ~np.isin(types, list(schema.geometry))
    if wrong.any():
        pos = np.flatnonzero(wrong)
        found = ", ".join(sorted({str(t) for t in types[wrong]}))
        if wrong.sum() == (~null).sum():
            rep.add(
                f"Laget «{name}» skal ha {schema.geometry_label}, men har {found}. "
                "Laget er avvist: kontroller at riktig fil er koblet til laget.", "problem")
            return None, types
        rep.add(f"{len(pos)} objekt(er) har feil geometritype ({found}; skal være "
                f"{schema.geometry_label}) og er avvist: {_list_features(gdf, pos)}.", "advarsel")
        reject |= wrong
    return reject, types


def _repair_polygons(gdf: gpd.GeoDataFrame, geoms: np.ndarray, types: np.ndarray,
                     reject: np.ndarray, crs: CRS, rep: LayerReport) -> tuple[gpd.GeoDataFrame, int]:
    """Repair invalid polygons with ``make_valid``, keeping their polygonal parts.

    Polygons that come out empty are added to ``reject`` (in place). Returns the
    frame and the number of polygons repaired.
    """
    bad = np.isin(types, ["Polygon"]) & ~reject & ~shapely.is_valid(geoms)
    if not bad.any():
        return gdf, 0
    pos = np.flatnonzero(bad)
    reasons = [shapely.is_valid_reason(geoms[p]) for p in pos]
    repaired = _polygonal(shapely.make_valid(geoms[pos]))
    now_empty = shapely.is_empty(repaired)
    geoms = geoms.copy()
    geoms[pos] = repaired
    details = "; ".join(
        f"{_feature_label(gdf, int(p))}: {_reason_no(r)}" for p, r in list(zip(pos, reasons))[:5])
    more = f" (og {len(pos) - 5} til)" if len(pos) > 5 else ""
    rep.add(f"{len(pos)} ugyldig(e) flate(r) er reparert (automatisk; delene som er flater, er beholdt): "
            f"{details}{more}.", "advarsel")
    if now_empty.any():
        rep.add(f"{int(now_empty.sum())} flate(r) ble tomme etter reparasjon og er fjernet.",
                "advarsel")
        reject[pos[now_empty]] = True
    gdf = gdf.set_geometry(gpd.GeoSeries(geoms, index=gdf.index, crs=crs))
    return gdf, int((~now_empty).sum())


# ---------------------------------------------------------------------------
# One layer
# ---------------------------------------------------------------------------

def _empty_or_incomplete(gdf: gpd.GeoDataFrame, name: str, schema: LayerSchema,
                         target_crs: CRS | None,
                         rep: LayerReport) -> tuple[bool, gpd.GeoDataFrame | None]:
    """An empty layer, or one without a required column: ``(handled, result)``."""
    if len(gdf) == 0 and not any(c in gdf.columns for c in schema.required):
        # an empty export often carries no columns at all: that is an empty layer,
        # not a schema problem
        rep.add(f"Laget «{name}» er tomt (ingen objekter).", "advarsel")
        rep.crs = crs_label(gdf.crs)
        return True, None
    missing = [c for c in schema.required if c not in gdf.columns]
    if missing:
        have = ", ".join(c for c in gdf.columns if c != "geometry") or "ingen"
        for c in missing:
            rep.add(
                f"Laget «{name}» mangler den påkrevde kolonnen «{c}» (kolonner i filen: {have}). "
                f"Legg til kolonnen eller gi en eksisterende kolonne dette navnet.", "problem")
        rep.crs = crs_label(gdf.crs)
        rep.n_rejected = len(gdf)
        return True, None
    if len(gdf) == 0:
        rep.add(f"Laget «{name}» er tomt (ingen objekter).", "advarsel")
        rep.crs = crs_label(gdf.crs)
        return True, gdf.set_crs(target_crs, allow_override=True) if target_crs else gdf
    return False, None


def _with_crs(gdf: gpd.GeoDataFrame, name: str, assume_crs: CRS | None,
              rep: LayerReport) -> gpd.GeoDataFrame | None:
    """The layer with its CRS (``assume_crs`` when it has none); None: refused."""
    if gdf.crs is None:
        if assume_crs is None:
            rep.add(
                f"Laget «{name}» har ikke noe koordinatsystem (CRS). Laget er avvist: oppgi det med "
                "--crs (f.eks. --crs 25832), eller sett CRS i kildefilen (.prj for Shapefile).",
                "problem")
            return None
        gdf = gdf.set_crs(assume_crs)
        rep.add(f"Manglet koordinatsystem; {crs_label(assume_crs)} er brukt som oppgitt.")
    rep.crs = crs_label(gdf.crs)
    return gdf


def _to_working_crs(kept: gpd.GeoDataFrame, crs: CRS, target_crs: CRS | None, name: str,
                    rep: LayerReport) -> gpd.GeoDataFrame | None:
    if target_crs is not None and not crs.equals(target_crs):
        try:
            kept = kept.to_crs(target_crs)
        except Exception:  # pragma: no cover - PROJ failure
            rep.add(f"Kunne ikke transformere fra {crs_label(crs)} til {crs_label(target_crs)} "
                    "(PROJ mangler transformasjonen). Eksporter laget i EUREF89 UTM.",
                    "problem")
            return None
        rep.add(f"Transformert fra {crs_label(crs)} til {crs_label(target_crs)}.")
    kept = kept.reset_index(drop=True)
    if rep.n_kept == 0 and rep.n_read > 0:
        rep.add(f"Ingen brukbare objekter igjen i laget «{name}».", "problem")
        return None
    return kept


def validate_layer(gdf: gpd.GeoDataFrame, name: str, *, source: str = "",
                   assume_crs: CRS | None = None, target_crs: CRS | None = None,
                   report: LayerReport | None = None) -> tuple[gpd.GeoDataFrame | None, LayerReport]:
    """Validate one layer against the data contract.

    Parameters
    ----------
    gdf
        The layer as read (it may be modified; pass a copy to keep it).
    name
        Its contract name (:data:`~geoplan.io.contract.SCHEMAS`).
    assume_crs
        The CRS of a layer that carries none (``--crs``); without it such a layer is refused.
    target_crs
        The working CRS the layer is transformed to.

    Returns
    -------
    The cleaned layer in ``target_crs`` (or None when it must be refused) and its
    :class:`~geoplan.io.contract.LayerReport`.
    """
    rep = report or LayerReport(name=name, source=source)
    schema = SCHEMAS.get(name)
    rep.n_read = len(gdf)
    gdf = _normalise_columns(_repair_text_encoding(gdf, rep))
    if gdf.geometry.name != "geometry":
        gdf = gdf.rename_geometry("geometry")
    if schema is None:
        rep.add(f"Ukjent lag «{name}»; lest, men ikke brukt av analysene.")
        rep.n_kept = len(gdf)
        return None, rep
    gdf = _shapefile_names(gdf, schema, rep)
    handled, result = _empty_or_incomplete(gdf, name, schema, target_crs, rep)
    if handled:
        return result, rep

    with_crs = _with_crs(gdf, name, assume_crs, rep)
    if with_crs is None:
        rep.n_rejected = len(gdf)
        return None, rep
    gdf, crs = with_crs, with_crs.crs
    geoms = gdf.geometry.to_numpy()
    reject, types = _check_geometries(gdf, geoms, name, schema, rep)
    if reject is None:
        rep.n_rejected = len(gdf)
        return None, rep
    gdf, bad_values = _coerce_columns(gdf, schema, rep)
    reject |= bad_values
    if (note := command_columns_note(name, gdf.columns)) is not None:
        rep.add(note)
    if (~reject).any() and not check_coordinates(gdf[~reject], crs, rep):
        rep.n_rejected = len(gdf)
        return None, rep
    repaired = 0
    if "Polygon" in schema.geometry:
        gdf, repaired = _repair_polygons(gdf, geoms, types, reject, crs, rep)

    kept = gdf[~reject].copy()
    rep.n_rejected = int(reject.sum())
    rep.n_kept = len(kept)
    rep.n_repaired = repaired
    return _to_working_crs(kept, crs, target_crs, name, rep), rep


# ---------------------------------------------------------------------------
# All layers of a source
# ---------------------------------------------------------------------------

def _validate_raw(raw: RawLayer, assume_crs: CRS | None,
                  target_crs: CRS) -> tuple[gpd.GeoDataFrame | None, LayerReport]:
    rep = LayerReport(name=raw.name, source=raw.source)
    if raw.gdf is None:
        rep.add(raw.error or "Kunne ikke leses.", "ubrukelig")
        return None, rep
    if raw.expected is not None and raw.expected != len(raw.gdf):
        rep.add(f"Filen oppgir {raw.expected} objekter, men {len(raw.gdf)} ble lest. "
                "Filen er trolig skadet; hent den på nytt.", "ubrukelig")
        return None, rep
    for note in raw.notes:
        rep.add(note, "advarsel")
    return validate_layer(raw.gdf, raw.name, source=raw.source, assume_crs=assume_crs,
                          target_crs=target_crs, report=rep)


def validate_layers(raws: Iterable[RawLayer], *, target_crs: CRS, assume_crs: CRS | None = None,
                    wanted: set[str] | None = None,
                    ) -> tuple[dict[str, gpd.GeoDataFrame], dict[str, LayerReport]]:
    """Validate every layer a source holds; report the contract layers it lacks.

    A layer name that occurs twice keeps its first copy (the second is a
    warning). Contract layers not among ``raws`` (and in ``wanted``, when
    given) get a ``mangler`` report.

    Returns
    -------
    ``(layers, reports)``: the usable layers in ``target_crs`` and a report per layer.
    """
    layers: dict[str, gpd.GeoDataFrame] = {}
    reports: dict[str, LayerReport] = {}
    for raw in raws:
        if raw.name in reports:
            reports[raw.name].add(f"Laget finnes flere ganger; {raw.source} er ikke brukt.", "advarsel")
            continue
        gdf, reports[raw.name] = _validate_raw(raw, assume_crs, target_crs)
        if gdf is not None:
            layers[raw.name] = gdf
    for name in SCHEMAS:
        if name not in reports and (wanted is None or name in wanted):
            reports[name] = missing_report(name)
    return layers, reports
