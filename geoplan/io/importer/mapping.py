"""From a recognised product layer to contract columns; 3D to 2D; clipping to the municipality."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoplan.config.products import Product
from geoplan.numbers import short_number


def recognise(products, layer_name: str, columns) -> Product | None:
    """The product a layer is (feature type beats columns; ties: the first in config order)."""
    best, score = None, 0
    for p in products:
        s = p.matches(layer_name, columns)
        if s > score:
            best, score = p, s
    return best


def _where(gdf: gpd.GeoDataFrame, cols: dict[str, str], rules, notes: list[str]) -> np.ndarray:
    keep = np.ones(len(gdf), dtype=bool)
    for rule in rules:
        col = cols.get(str(rule.get("column", "")).lower())
        if col is None:
            continue
        s = gdf[col]
        num = pd.to_numeric(s, errors="coerce")
        drop = np.zeros(len(gdf), dtype=bool)
        if "in" in rule:
            drop |= ~s.astype(str).isin([str(v) for v in rule["in"]]).to_numpy()
        if "not_in" in rule:
            drop |= s.astype(str).isin([str(v) for v in rule["not_in"]]).to_numpy()
        if "max" in rule:
            drop |= (num > float(rule["max"])).fillna(False).to_numpy()
        if "min" in rule:
            drop |= (num < float(rule["min"])).fillna(False).to_numpy()
        if (drop & keep).any():
            what = _rule_text(rule)
            notes.append(f"{int((drop & keep).sum())} objekt(er) utelatt etter regelen «{rule['column']} {what}».")
        keep &= ~drop
    return keep


def _rule_text(rule: dict) -> str:
    """A product's filter rule in words: «høyst 10», «minst 2», «er en av 1, 2», «er ikke 9»."""
    parts = []
    if "in" in rule:
        parts.append("er en av " + ", ".join(str(v) for v in rule["in"]))
    if "not_in" in rule:
        parts.append("er ikke " + ", ".join(str(v) for v in rule["not_in"]))
    if "min" in rule:
        parts.append(f"minst {short_number(float(rule['min']))}")
    if "max" in rule:
        parts.append(f"høyst {short_number(float(rule['max']))}")
    return " og ".join(parts)


def map_product(gdf: gpd.GeoDataFrame, product: Product, label: str) -> tuple[gpd.GeoDataFrame, list[str]]:
    """The layer in contract columns (plus ``keep`` columns and ``kilde``), and what was done."""
    notes: list[str] = []
    cols = {str(c).strip().lower(): c for c in gdf.columns if c != gdf.geometry.name}
    keep = _where(gdf, cols, product.where, notes)
    src = gdf[keep]
    out = gpd.GeoDataFrame(geometry=src.geometry.to_numpy(), crs=gdf.crs)
    for target, names in product.columns.items():
        col = next((cols[n] for n in names if n in cols), None)
        if col is not None:
            out[target] = src[col].to_numpy()
    for target, mapping in product.values.items():
        if target in out.columns:
            out[target] = [mapping.get(str(v), v) if v is not None else v for v in out[target]]
    for target, value in product.constants.items():
        out[target] = value
    for name in product.keep:
        if name in cols and name not in out.columns:
            out[name] = src[cols[name]].to_numpy()
    for target, rule in product.derived.items():
        base = str(rule["column"]).lower()
        vals = out[base] if base in out.columns else (src[cols[base]] if base in cols else None)
        if vals is not None:
            allowed = {str(v) for v in rule.get("in", [])}
            out[target] = [None if pd.isna(v) else str(v).split(".")[0] in allowed for v in vals]
    out["kilde"] = f"{product.name}: {label}"
    return out, notes


def flatten_3d(gdf: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, int]:
    """Drop Z; a 3D building's surfaces (roof, walls) become its 2D footprint.

    Vertical walls have no area in 2D and vanish in the union of a feature's
    polygonal parts; the roof and floor surfaces make the footprint.
    """
    geoms = gdf.geometry.to_numpy()
    has_z = shapely.has_z(geoms)
    if not has_z.any():
        return gdf, 0
    flat = shapely.force_2d(geoms)
    poly = np.isin(shapely.get_type_id(flat), [3, 6, 7])
    for i in np.flatnonzero(poly & has_z):
        parts = [p for p in shapely.get_parts(shapely.make_valid(flat[i]))
                 if p.geom_type in ("Polygon", "MultiPolygon") and p.area > 0]
        flat[i] = shapely.union_all(parts) if parts else shapely.Polygon()
    gdf = gdf.copy()
    gdf.geometry = gpd.GeoSeries(flat, index=gdf.index, crs=gdf.crs)
    return gdf, int(has_z.sum())


def clip(gdf: gpd.GeoDataFrame, boundary) -> tuple[gpd.GeoDataFrame, int]:
    """Features inside the municipality (points inside it; lines and areas cut at its border)."""
    if boundary is None or gdf.empty:
        return gdf, 0
    geoms = gdf.geometry.to_numpy()
    hit = shapely.intersects(geoms, boundary)
    kept = gdf[hit].copy()
    is_point = np.isin(shapely.get_type_id(kept.geometry.to_numpy()), [0, 4])
    if (~is_point).any():
        inside = shapely.covered_by(kept.geometry.to_numpy(), boundary)
        cut = ~is_point & ~inside
        if cut.any():
            cut_geoms = shapely.intersection(kept.geometry.to_numpy()[cut], boundary)
            arr = kept.geometry.to_numpy().copy()
            arr[cut] = cut_geoms
            kept.geometry = gpd.GeoSeries(arr, index=kept.index, crs=kept.crs)
    return kept.reset_index(drop=True), int((~hit).sum())


def dwellings_per_krets(krets: gpd.GeoDataFrame, bygning: gpd.GeoDataFrame) -> pd.Series:
    """Sum of the buildings' ``antall_boliger`` per grunnkrets (a building counts where its centroid is)."""
    pts = gpd.GeoDataFrame({"antall_boliger": pd.to_numeric(bygning["antall_boliger"], errors="coerce")},
                           geometry=bygning.geometry.representative_point(), crs=bygning.crs)
    joined = gpd.sjoin(pts, krets[["grunnkretsnummer", "geometry"]], predicate="within", how="inner")
    total = joined.groupby("grunnkretsnummer")["antall_boliger"].sum()
    return krets["grunnkretsnummer"].map(total).fillna(0).round().astype(int)
