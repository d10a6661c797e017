"""Data checks and preparation: the layers as arrays, their errors raised or reported.

Errors the analysis cannot work around (a geographic CRS, a missing column, an
invalid ``antall_enheter``, a negative ``antall_boliger``) raise
:class:`~geoplan.errors.DataProblem` naming the layer, column and objects; the
rest (duplicates) become entries of ``datafeil``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoplan.analysis.concentration._arrays import PointIndex, _as_str_ids, _points_xy
from geoplan.errors import DataProblem


def _check_layer(gdf, layer: str, columns: Sequence[str]) -> None:
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise DataProblem(f"Laget «{layer}» mangler eller er ikke et kartlag med geometri.")
    if gdf.crs is None:
        raise DataProblem(
            f"Laget «{layer}» har ikke noe koordinatsystem (CRS). Oppgi det (f.eks. --crs 25832).")
    if not gdf.crs.is_projected:
        raise DataProblem(
            f"Laget «{layer}» er i et geografisk koordinatsystem ({gdf.crs.name}); "
            "konsentrasjonsanalysen regner i meter og trenger EUREF89 UTM (EPSG:25832/25833/25835). "
            "Last dataene med geoplan (som transformerer dem) eller transformer laget først.")
    missing = [c for c in columns if c not in gdf.columns]
    if missing:
        raise DataProblem(
            f"Laget «{layer}» mangler kolonnen {', '.join('«%s»' % c for c in missing)}, "
            "som konsentrasjonsanalysen trenger. Legg den til i kildedataene.")


def _same_crs(a: gpd.GeoDataFrame, b: gpd.GeoDataFrame, la: str, lb: str) -> None:
    if not a.crs.equals(b.crs):
        raise DataProblem(
            f"Lagene «{la}» ({a.crs.name}) og «{lb}» ({b.crs.name}) har ulikt koordinatsystem. "
            "Last dataene med geoplan (som samler alt i ett koordinatsystem) eller transformer lagene.")


def _label(pos: int, ids: np.ndarray | None = None, col: str = "bygg_id") -> str:
    if ids is not None:
        v = ids[pos]
        if v is not None and not (isinstance(v, float) and math.isnan(v)) and str(v) != "":
            return f"objekt nr. {pos + 1} ({col} «{v}»)"
    return f"objekt nr. {pos + 1}"


def _labels(positions: np.ndarray, ids=None, col="bygg_id", limit=5) -> str:
    out = ", ".join(_label(int(p), ids, col) for p in positions[:limit])
    if len(positions) > limit:
        out += f" og {len(positions) - limit} til"
    return out


@dataclass
class Dwellings:
    """``kommunal_bolig`` as arrays (one row per point, in input order)."""

    ids: np.ndarray | None        #: ``bygg_id`` as strings (None where blank), or None without the column
    units: np.ndarray             #: ``antall_enheter`` (float, whole numbers ≥ 1)
    kat: np.ndarray               #: ``kategori`` («ukjent» where blank)
    kat_names: list[str]          #: the kategorier, sorted
    kat_code: np.ndarray          #: position of each point's kategori in ``kat_names``
    xy: np.ndarray                #: (n, 2) coordinates (m)
    n: int
    duplicate: np.ndarray         #: points with a twin (same place and attributes)


@dataclass
class Grunnkretser:
    """``grunnkrets`` as arrays."""

    ids: np.ndarray               #: ``grunnkretsnummer`` as strings
    dw: np.ndarray                #: ``antall_boliger`` (float, NaN where missing)
    names: np.ndarray             #: ``grunnkretsnavn`` (None without the column)
    tree: shapely.STRtree


@dataclass
class Buildings:
    """``bygning`` as arrays (empty when the layer is not given)."""

    ids: np.ndarray | None
    dw: np.ndarray
    xy: np.ndarray
    tree: shapely.STRtree | None
    kd_pos: np.ndarray            #: positions of the buildings in ``kdtree`` (finite centroids)
    kdtree: PointIndex            #: the finite centroids, for radius sums
    borettslag: np.ndarray | None


def check_layers(dwellings: gpd.GeoDataFrame, grunnkretser: gpd.GeoDataFrame,
                 buildings: gpd.GeoDataFrame | None) -> None:
    """Geometry, projected CRS, one CRS for all and the columns the analysis needs."""
    _check_layer(dwellings, "kommunal_bolig", ["antall_enheter", "kategori"])
    _check_layer(grunnkretser, "grunnkrets", ["grunnkretsnummer", "antall_boliger"])
    _same_crs(dwellings, grunnkretser, "kommunal_bolig", "grunnkrets")
    if buildings is not None:
        _check_layer(buildings, "bygning", ["bygg_id", "antall_boliger"])
        _same_crs(dwellings, buildings, "kommunal_bolig", "bygning")


def prepare_dwellings(d: gpd.GeoDataFrame) -> tuple[Dwellings, list[dict]]:
    """The municipal dwellings as arrays, and duplicates as data problems.

    Raises
    ------
    DataProblem
        A point without geometry or an ``antall_enheter`` that is not a whole number ≥ 1.
    """
    n = len(d)
    ids = _as_str_ids(d["bygg_id"]) if "bygg_id" in d.columns else None
    geoms = d.geometry.values
    empty = shapely.is_missing(np.asarray(geoms)) | shapely.is_empty(np.asarray(geoms))
    if empty.any():
        raise DataProblem(
            f"{int(empty.sum())} kommunal(e) bolig(er) i laget «kommunal_bolig» mangler geometri: "
            f"{_labels(np.flatnonzero(empty), ids)}. Rett eller fjern dem.")
    units = pd.to_numeric(d["antall_enheter"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    bad = ~np.isfinite(units) | (units < 1) | (np.mod(np.nan_to_num(units), 1) != 0)
    if bad.any():
        raise DataProblem(
            "Kolonnen «antall_enheter» i laget «kommunal_bolig» skal være et heltall ≥ 1, men er "
            f"ugyldig for {_labels(np.flatnonzero(bad), ids)}. Rett verdiene i kildedataene.")
    kat = _as_str_ids(d["kategori"])
    kat = np.where(pd.isna(kat), "ukjent", kat).astype(object)
    kat_names = sorted(set(kat.tolist()))
    xy = _points_xy(geoms)
    dup, problems = _duplicate_points(xy, units, kat, ids)
    return Dwellings(ids=ids, units=units, kat=kat, kat_names=kat_names,
                     kat_code=pd.Index(kat_names).get_indexer(kat), xy=xy, n=n,
                     duplicate=dup), problems


def _duplicate_points(xy: np.ndarray, units: np.ndarray, kat: np.ndarray,
                      ids: np.ndarray | None) -> tuple[np.ndarray, list[dict]]:
    """Points at the same place (cm) with the same attributes, and the problem they make."""
    n = len(xy)
    key = pd.DataFrame({
        "x": np.round(xy[:, 0], 2), "y": np.round(xy[:, 1], 2), "u": units, "k": kat,
        "b": ids if ids is not None else np.full(n, None, dtype=object),
    })
    dup = key.duplicated(keep=False).to_numpy()
    if not dup.any():
        return dup, []
    groups = key[dup].groupby(["x", "y", "u", "k"], dropna=False).ngroups
    pos = np.flatnonzero(dup)
    return dup, [{
        "type": "duplikat",
        "antall": int(dup.sum()),
        "objekter": [int(p) + 1 for p in pos],
        "melding": (
            f"{int(dup.sum())} kommunale boligpunkter i {groups} gruppe(r) ligger på samme sted "
            f"med like opplysninger ({_labels(pos, ids)}). De er talt med alle; "
            "er det en dobbeltregistrering, fjern kopien i kildedataene."),
    }]


def prepare_grunnkretser(g: gpd.GeoDataFrame) -> tuple[Grunnkretser, list[dict]]:
    """The grunnkretser as arrays, and repeated grunnkretsnummer as a data problem.

    Raises
    ------
    DataProblem
        A negative ``antall_boliger``.
    """
    ids = _as_str_ids(g["grunnkretsnummer"])
    t = pd.to_numeric(g["antall_boliger"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    neg = np.isfinite(t) & (t < 0)
    if neg.any():
        raise DataProblem(
            "Kolonnen «antall_boliger» i laget «grunnkrets» kan ikke være negativ: "
            f"{_labels(np.flatnonzero(neg), ids, 'grunnkretsnummer')}. Rett verdiene.")
    names = (_as_str_ids(g["grunnkretsnavn"]) if "grunnkretsnavn" in g.columns
             else np.full(len(g), None, dtype=object))
    problems = []
    dup = pd.Series(ids).duplicated(keep=False).to_numpy() & pd.notna(ids)
    if dup.any():
        problems.append({
            "type": "duplikat_grunnkrets",
            "antall": int(dup.sum()),
            "objekter": sorted({str(v) for v in ids[dup]}),
            "melding": (
                f"Grunnkretsnummer går igjen i {int(dup.sum())} flater "
                f"({', '.join(sorted({str(v) for v in ids[dup]})[:5])}); de er behandlet "
                "som ulike grunnkretser. Slå dem sammen eller rett numrene."),
        })
    return Grunnkretser(ids=ids, dw=t, names=names,
                        tree=shapely.STRtree(np.asarray(g.geometry.values))), problems


def prepare_buildings(b: gpd.GeoDataFrame | None) -> Buildings:
    """The buildings as arrays and search trees (empty without the layer).

    Raises
    ------
    DataProblem
        A negative ``antall_boliger``.
    """
    if b is None:
        return Buildings(ids=None, dw=np.zeros(0), xy=np.zeros((0, 2)), tree=None,
                         kd_pos=np.zeros(0, dtype=np.int64), kdtree=PointIndex(np.zeros((0, 2))),
                         borettslag=None)
    ids = _as_str_ids(b["bygg_id"])
    dw = pd.to_numeric(b["antall_boliger"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    neg = np.isfinite(dw) & (dw < 0)
    if neg.any():
        raise DataProblem(
            "Kolonnen «antall_boliger» i laget «bygning» kan ikke være negativ: "
            f"{_labels(np.flatnonzero(neg), ids)}. Rett verdiene.")
    geoms = np.asarray(b.geometry.values)
    xy = _points_xy(geoms)
    okxy = np.isfinite(xy).all(axis=1)
    return Buildings(ids=ids, dw=dw, xy=xy, tree=shapely.STRtree(geoms),
                     kd_pos=np.flatnonzero(okxy), kdtree=PointIndex(xy[okxy]),
                     borettslag=_as_str_ids(b["borettslag"]) if "borettslag" in b.columns else None)
