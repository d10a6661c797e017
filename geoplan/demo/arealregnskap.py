"""The demo's arealregnskap layers: a SYNTHETIC AR5 cover, nature and hazard zones, a proposal.

Built after every other demo step from the finished layers, on its own random generator
(:data:`SEED`), so no earlier demo layer changes. Everything here is synthetic:

* ``ar5``: Voronoi cells over the land and a band of sea, with AR5 arealtype from the
  zoning under each cell (built zones bebygd, roads samferdsel, water ferskvann, sea hav)
  and otherwise drawn (skog with treslag and bonitet, fulldyrka, innmarksbeite, myr …);
* ``naturtype``, ``verneomrade``, ``flomsone`` (along the river), ``skredfare``: blobs;
* ``arealformal_forslag``: the plan in force with the innspill taken in (bolig or næring,
  framtidig) and part of the reserve taken out (back to LNFR).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoplan.demo import spec
from geoplan.demo.geometry import CRS, blob, polygonal, polyline, sort_layer, voronoi_cells

#: this module's own seed (the main builder's draw order stays untouched)
SEED = 1717
#: number of AR5 cells on land
N_AR5 = 9000
#: natural land types and their weights outside built zones (synthetic)
NATURAL = [(30, 0.58), (21, 0.14), (22, 0.02), (23, 0.05), (50, 0.12), (60, 0.09)]
LAYERS = ("ar5", "naturtype", "verneomrade", "flomsone", "skredfare", "arealformal_forslag")


def _points(rng, region, n: int) -> np.ndarray:
    minx, miny, maxx, maxy = region.bounds
    out = np.empty((0, 2))
    shapely.prepare(region)
    while len(out) < n:
        xy = rng.uniform([minx, miny], [maxx, maxy], size=(n, 2))
        out = np.vstack([out, xy[shapely.contains_xy(region, xy[:, 0], xy[:, 1])]])
    return out[:n]


def _cell_types(rng, xy, af: gpd.GeoDataFrame, sea) -> np.ndarray:
    """AR5 arealtype per cell from the zoning at its seed point, else drawn."""
    pts = shapely.points(xy)
    code = np.zeros(len(xy), "int64")
    hit_p, hit_z = af.sindex.query(pts, predicate="within")
    code[hit_p] = af["arealformal"].to_numpy()[hit_z]
    built = np.zeros(len(xy), bool)
    built[hit_p] = af["utbygd"].to_numpy(bool)[hit_z]
    types, w = zip(*NATURAL)
    at = rng.choice(np.array(types), size=len(xy), p=np.array(w) / sum(w))
    at[built] = 11
    at[code == 2010] = 12
    at[code == 6001] = 81
    at[shapely.contains_xy(sea, xy[:, 0], xy[:, 1])] = 82
    return at


def _ar5(rng, layers) -> gpd.GeoDataFrame:
    outline = layers["kommune"].geometry.iloc[0]
    sea = shapely.difference(shapely.union_all([shapely.box(*b) for b in spec.SEA_BOXES]), outline)
    sea = shapely.intersection(sea, outline.buffer(1500))
    region = shapely.union(outline, sea)
    xy = np.vstack([_points(rng, outline, N_AR5), _points(rng, sea, N_AR5 // 20)])
    cells = polygonal(voronoi_cells(xy, region))
    at = _cell_types(rng, xy, layers["arealformal"], sea)
    forest = at == 30
    bon = np.where(forest, rng.choice([12, 13, 14, 15], size=len(xy), p=[0.3, 0.4, 0.25, 0.05]), 98)
    tre = np.where(forest, rng.choice([31, 32, 33], size=len(xy), p=[0.55, 0.2, 0.25]), 98)
    grunn = np.where(at == 60, 43, np.where(forest & (rng.random(len(xy)) < 0.08), 43, 44))
    grunn = np.where(np.isin(at, [11, 12, 81, 82]), 98, grunn)
    keep = ~shapely.is_empty(cells) & (shapely.area(cells) > 1.0)
    return gpd.GeoDataFrame({"arealtype": at[keep], "treslag": tre[keep], "skogbonitet": bon[keep],
                             "grunnforhold": grunn[keep]}, geometry=cells[keep], crs=CRS)


def _blobs(rng, anchors, radius, **cols) -> gpd.GeoDataFrame:
    geoms = [blob(tuple(a), float(r), rng, roughness=0.3) for a, r in zip(anchors, radius)]
    return gpd.GeoDataFrame(cols, geometry=geoms, crs=CRS)


def _zones(rng, layers, ar5) -> dict[str, gpd.GeoDataFrame]:
    land = layers["kommune"].geometry.iloc[0]
    res = layers["arealformal"]
    res = res[(res["arealbruksstatus"] == 2)]
    targets = list(res.geometry.representative_point()) + list(layers["innspill"].geometry.representative_point())
    pick = rng.choice(len(targets), size=min(12, len(targets)), replace=False)
    near = np.array([[targets[i].x, targets[i].y] for i in pick]) + rng.normal(0, 120, (len(pick), 2))
    anchors = np.vstack([near, _points(rng, land, 28)])
    n = len(anchors)
    nat = _blobs(rng, anchors, rng.uniform(80, 260, n),
                 naturtype=rng.choice(["Kalkskog", "Slåttemark", "Rikmyr", "Gammel barskog",
                                       "Strandeng"], size=n),
                 verdi=rng.choice(["A", "B", "C"], size=n, p=[0.2, 0.45, 0.35]))
    vern = _blobs(rng, _points(rng, land, 3), rng.uniform(700, 1300, 3),
                  navn=["Syntetisk naturreservat 1", "Syntetisk naturreservat 2",
                        "Syntetisk landskapsvernområde"],
                  verneform=["naturreservat", "naturreservat", "landskapsvernområde"])
    flom = gpd.GeoDataFrame({"gjentaksintervall": [200]}, geometry=[
        shapely.intersection(polyline(spec.RIVER).buffer(140), land)], crs=CRS)
    skred = _blobs(rng, _points(rng, land, 10), rng.uniform(150, 350, 10),
                   skredtype=rng.choice(["Steinsprang", "Jord- og flomskred", "Kvikkleire"], size=10))
    clip = {k: v.assign(geometry=v.geometry.intersection(land)) for k, v in
            {"naturtype": nat, "verneomrade": vern, "skredfare": skred}.items()}
    clip["flomsone"] = flom
    return {k: v[~v.geometry.is_empty].reset_index(drop=True) for k, v in clip.items()}


def _proposal(rng, layers) -> gpd.GeoDataFrame:
    """The plan in force with the innspill zoned for building and part of the reserve taken out."""
    af = layers["arealformal"].copy()
    ins = layers["innspill"]
    cut = shapely.union_all(ins.geometry.to_numpy())
    g = af.geometry.to_numpy().copy()
    hit = af.sindex.query(cut, predicate="intersects")
    g[hit] = polygonal(shapely.difference(g[hit], cut))   # only where an innspill lies
    af = af.set_geometry(gpd.GeoSeries(g, crs=CRS))
    af = af[~af.geometry.is_empty & (af.geometry.area > 1.0)].copy()
    reserve = np.where((af["arealbruksstatus"] == 2).to_numpy())[0]
    out = rng.choice(reserve, size=max(1, len(reserve) // 4), replace=False)
    col = af.columns.get_loc
    af.iloc[out, col("arealformal")] = 5100
    af.iloc[out, col("arealbruksstatus")] = 1
    af.iloc[out, col("utbygd")] = False
    formal = ins["formal"].fillna("bolig").astype(str).str.lower()
    new = gpd.GeoDataFrame({"arealformal": np.where(formal.str.startswith("næring"), 1300, 1110),
                            "arealbruksstatus": 2, "utbygd": False, "planid": "KPA-forslag",
                            "navn": ins["navn"].to_numpy()}, geometry=ins.geometry.to_numpy(), crs=CRS)
    p = pd.concat([af, new], ignore_index=True)
    p["planid"] = p["planid"].where(p["planid"] == "KPA-forslag", "KPA-forslag")
    for c in ("arealformal", "arealbruksstatus"):
        p[c] = p[c].astype("int64")
    p["utbygd"] = p["utbygd"].astype(bool)
    return sort_layer(gpd.GeoDataFrame(p, crs=CRS), ["arealformal", "arealbruksstatus"])


def build_arealregnskap(layers: dict[str, gpd.GeoDataFrame]) -> dict[str, gpd.GeoDataFrame]:
    """The synthetic arealregnskap layers (:data:`LAYERS`) from the finished demo layers."""
    rng = np.random.default_rng(SEED)
    ar5 = _ar5(rng, layers)
    zones = _zones(rng, layers, ar5)
    return {"ar5": ar5, **zones, "arealformal_forslag": _proposal(rng, layers)}
