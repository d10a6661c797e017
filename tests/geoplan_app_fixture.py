"""A small synthetic municipality for the app tests (EPSG:25832, near Larvik).

Built in code so the app tests do not depend on the demo data and know every
number: a 10 km × 8 km municipality, two places with utviklingsgrenser and
schools, zoning, 20 grunnkretser of 100 dwellings, municipal dwellings with
known unit counts, a bus axis, stops, a quarry, innspill and a walking grid.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
from shapely.geometry import LineString, Point, box

CRS = 25832
X0, Y0 = 560_000.0, 6_540_000.0     # south-west corner of the municipality
W, H = 10_000.0, 8_000.0

#: municipal units per category in the fixture (sum 60)
UNITS = {"utleie": 30, "omsorgsbolig": 18, "housing_first": 4, "flyktning": 8}


def layers() -> dict[str, gpd.GeoDataFrame]:
    g = {}
    g["kommune"] = gpd.GeoDataFrame({"kommunenummer": ["3909"], "kommunenavn": ["Testvik"]},
                                    geometry=[box(X0, Y0, X0 + W, Y0 + H)], crs=CRS)
    # two places: Byen (west) and Øvre Bø (east)
    places = {"Byen": (X0 + 2500, Y0 + 4000), "Øvre Bø": (X0 + 7500, Y0 + 4000)}
    g["utviklingsgrense"] = gpd.GeoDataFrame(
        {"navn": list(places)},
        geometry=[box(x - 1200, y - 1200, x + 1200, y + 1200) for x, y in places.values()], crs=CRS)
    g["skole"] = gpd.GeoDataFrame(
        {"navn": ["Byen skole", "Bø skole"], "sted": list(places), "skoletype": ["barneskole"] * 2},
        geometry=[Point(x, y) for x, y in places.values()], crs=CRS)
    g["sentrum"] = gpd.GeoDataFrame({"navn": list(places), "senterniva": ["lokalsenter"] * 2},
                                    geometry=[Point(x + 100, y + 100) for x, y in places.values()],
                                    crs=CRS)
    # zoning: a 4 × 5 grid of 2 km × 1.6 km cells with codes by column
    codes = [1110, 1130, 5100, 1300, 1110]
    rows = []
    for i in range(5):
        for j in range(5):
            x, y = X0 + i * 2000, Y0 + j * 1600
            rows.append({"arealformal": codes[i], "arealbruksstatus": 2 if (i + j) % 3 == 0 else 1,
                         "utbygd": (i + j) % 3 != 0, "navn": f"Felt {i}{j}",
                         "geometry": box(x, y, x + 2000, y + 1600)})
    g["arealformal"] = gpd.GeoDataFrame(rows, crs=CRS)
    # grunnkretser: 5 × 4 cells, 100 dwellings each
    gk = []
    for i in range(5):
        for j in range(4):
            x, y = X0 + i * 2000, Y0 + j * 2000
            gk.append({"grunnkretsnummer": f"3909{i:02d}{j:02d}", "grunnkretsnavn": f"Krets {i}-{j}",
                       "antall_boliger": 100, "befolkning": 210,
                       "geometry": box(x, y, x + 2000, y + 2000)})
    g["grunnkrets"] = gpd.GeoDataFrame(gk, crs=CRS)
    rng = np.random.default_rng(7)
    pts, cats, units, ids = [], [], [], []
    k = 0
    for cat, total in UNITS.items():
        left = total
        while left > 0:
            n = min(left, 2)
            left -= n
            pts.append(Point(X0 + 1500 + rng.uniform(0, 2000), Y0 + 3000 + rng.uniform(0, 2000)))
            cats.append(cat)
            units.append(n)
            ids.append(f"B{k:03d}")
            k += 1
    g["kommunal_bolig"] = gpd.GeoDataFrame(
        {"antall_enheter": units, "kategori": cats, "bygg_id": ids,
         "adresse": [f"Hemmeligveien {i}" for i in range(len(ids))]},
        geometry=pts, crs=CRS)
    g["bygning"] = gpd.GeoDataFrame(
        {"bygg_id": ids, "antall_boliger": [12] * len(ids), "borettslag": ["Testlaget"] * len(ids)},
        geometry=pts, crs=CRS)
    axis = LineString([(X0 + 500, Y0 + 4000), (X0 + 9500, Y0 + 4000)])
    g["kollektivakse"] = gpd.GeoDataFrame({"navn": ["Byen–Bø"], "avganger_per_time": [4]},
                                          geometry=[axis], crs=CRS)
    g["holdeplass"] = gpd.GeoDataFrame({"navn": [f"Stopp {i}" for i in range(5)]},
                                       geometry=[Point(X0 + 1000 + 2000 * i, Y0 + 4000) for i in range(5)],
                                       crs=CRS)
    g["innspill"] = gpd.GeoDataFrame(
        {"navn": ["Nordjordet", "Østskogen"], "sted": ["Byen", "Øvre Bø"], "formal": ["bolig"] * 2},
        geometry=[box(X0 + 2000, Y0 + 5300, X0 + 2400, Y0 + 5550),
                  box(X0 + 8800, Y0 + 3800, X0 + 9100, Y0 + 4100)], crs=CRS)
    g["steinbrudd"] = gpd.GeoDataFrame({"navn": ["Bruddet"], "type": ["pukkverk"]},
                                       geometry=[box(X0 + 5000, Y0 + 500, X0 + 5400, Y0 + 800)], crs=CRS)
    g["helsetjeneste"] = gpd.GeoDataFrame({"navn": ["Byen sykehjem"], "type": ["sykehjem"]},
                                          geometry=[Point(X0 + 2700, Y0 + 4300)], crs=CRS)
    lines = [LineString([(X0, Y0 + y), (X0 + W, Y0 + y)]) for y in np.arange(500, H, 500)]
    lines += [LineString([(X0 + x, Y0), (X0 + x, Y0 + H)]) for x in np.arange(500, W, 500)]
    g["gangnett"] = gpd.GeoDataFrame(geometry=lines, crs=CRS)
    return g


def write_gpkg(path: Path) -> Path:
    """Write the fixture municipality to a GeoPackage at ``path``."""
    path = Path(path)
    for name, gdf in layers().items():
        gdf.to_file(path, layer=name, driver="GPKG")
    return path
