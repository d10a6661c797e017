"""Synthetic municipalities on Norway's 357 real outlines, for ``bench/bench_batch.py``.

    python bench/make_municipalities.py --out bench/data/kommuner [--n 24] [--seed 20]

Each municipality is one GeoPackage in its own EUREF89 UTM zone (as the loader picks it
from the longitude): the real outline (``kommune``, Kartverket 2024, © Kartverket, CC BY
4.0, from ``geoplan/data/kommuner.geojson`` or ``/work/shared/data/kommuner-2024.geojson``)
and synthetic layers inside it. **Everything but the outline, number and name is
synthetic.** Sizes follow the outline's area (the only size the outline file has; no
population), between a small rural municipality and a mid-sized town, so that 357 of them
stay a few minutes of work: 1-4 development boundaries with a school each, a zoning grid
in and around them (part of the housing zoning future = reserve), innspill, 4-40
grunnkretser (Voronoi cells), buildings and municipal dwellings.

``--n`` picks that many municipalities spread evenly over the area ranking (all 357
when ``--n`` is 357 or more), so a subset keeps the size distribution.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import Point, box, shape

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

OUTLINES = [ROOT / "geoplan" / "data" / "kommuner.geojson", Path("/work/shared/data/kommuner-2024.geojson")]
KATEGORIER = ("utleie", "housing_first", "flyktning", "omsorg")


def outlines() -> list[dict]:
    """Kartverket's outlines with the most features (the full 357 when present)."""
    best: list[dict] = []
    for p in OUTLINES:
        if p.exists():
            feats = json.loads(p.read_text(encoding="utf-8"))["features"]
            if len(feats) > len(best):
                best = feats
    if not best:
        sys.exit("Fant ingen kommunegrenser (kommuner-2024.geojson).")
    return best


def pick(feats: list[dict], n: int) -> list[dict]:
    """``n`` municipalities spread evenly over the area ranking (smallest to largest)."""
    ranked = sorted(feats, key=lambda f: shape(f["geometry"]).area)
    if n >= len(ranked):
        return ranked
    idx = np.unique(np.linspace(0, len(ranked) - 1, n).round().astype(int))
    return [ranked[i] for i in idx]


def _gdf(rows: dict, geoms, crs) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(rows, geometry=list(geoms), crs=crs)


def _points_in(poly, k: int, rng) -> list:
    x0, y0, x1, y1 = poly.bounds
    out: list = []
    while len(out) < k:
        xs, ys = rng.uniform(x0, x1, 4 * k), rng.uniform(y0, y1, 4 * k)
        pts = shapely.points(xs, ys)
        out += list(pts[shapely.contains(poly, pts)])
    return out[:k]


def build_one(feat: dict, rng: np.random.Generator) -> dict[str, gpd.GeoDataFrame]:
    """The layers of one synthetic municipality (see the module docstring)."""
    from geoplan.io.crs import utm_for_lon

    geom = shape(feat["geometry"])
    lon = geom.centroid.x
    crs = f"EPSG:{utm_for_lon(lon)}"
    outline = gpd.GeoSeries([geom], crs=4326).to_crs(crs).iloc[0].buffer(0)
    nr, navn = str(feat["properties"]["kommunenummer"]).zfill(4), feat["properties"]["kommunenavn"]
    area_km2 = outline.area / 1e6
    scale = min(max(math.sqrt(area_km2) / 10, 0.4), 4.0)        # 0.4 … 4
    n_places = int(min(max(round(scale), 1), 4))
    core = outline.buffer(-300) if outline.buffer(-300).area > 0 else outline
    centres = _points_in(core, n_places, rng)
    radius = 600 + 250 * scale
    places = [c.buffer(radius).intersection(outline) for c in centres]
    L: dict[str, gpd.GeoDataFrame] = {}
    L["kommune"] = _gdf({"kommunenummer": [nr], "kommunenavn": [navn]}, [outline], crs)
    L["utviklingsgrense"] = _gdf({"navn": [f"{navn} sted {i + 1}" for i in range(n_places)]}, places, crs)
    L["sentrum"] = _gdf({"navn": [f"{navn} sentrum {i + 1}" for i in range(n_places)]}, centres, crs)
    L["skole"] = _gdf({"navn": [f"{navn} skole {i + 1}" for i in range(n_places)],
                       "sted": [f"{navn} sted {i + 1}" for i in range(n_places)]},
                      [Point(c.x + rng.uniform(-200, 200), c.y + rng.uniform(-200, 200)) for c in centres], crs)
    cell = 250.0
    cells, codes, status = [], [], []
    for c in centres:
        r = radius * 1.3
        for x in np.arange(c.x - r, c.x + r, cell):
            for y in np.arange(c.y - r, c.y + r, cell):
                g = box(x, y, x + cell, y + cell).intersection(outline)
                if g.is_empty or g.area < 1:
                    continue
                cells.append(g)
                housing = rng.random() < 0.55
                codes.append(int(rng.choice([1110, 1111, 1112])) if housing else int(rng.choice([5100, 1300, 2010])))
                status.append(2 if housing and rng.random() < 0.25 else 1)
    L["arealformal"] = _gdf({"arealformal": codes, "arealbruksstatus": status}, cells, crs)
    inn = []
    for i, c in enumerate(centres):
        for j in range(2):
            p = Point(c.x + rng.uniform(-1.2, 1.2) * radius, c.y + rng.uniform(-1.2, 1.2) * radius)
            g = p.buffer(rng.uniform(60, 180)).intersection(outline)
            if not g.is_empty:
                inn.append((f"Innspill {i + 1}.{j + 1}", f"{navn} sted {i + 1}", g))
    L["innspill"] = _gdf({"navn": [r[0] for r in inn], "sted": [r[1] for r in inn],
                          "formal": ["bolig"] * len(inn)}, [r[2] for r in inn], crs)
    n_gk = int(min(max(round(10 * scale), 4), 40))
    seeds = _points_in(outline, n_gk, rng)
    cells_gk = [g.intersection(outline) for g in
                shapely.voronoi_polygons(shapely.MultiPoint(seeds), extend_to=outline).geoms]
    cells_gk = [g for g in cells_gk if not g.is_empty]
    n_b = int(300 * scale)
    bpts = (_points_in(shapely.union_all(places), int(n_b * 0.8), rng)
            + _points_in(outline, n_b - int(n_b * 0.8), rng))
    bolig = rng.integers(1, 12, len(bpts))
    L["bygning"] = _gdf({"bygg_id": [f"{nr}-{i}" for i in range(len(bpts))],
                         "antall_boliger": bolig.astype(int)}, bpts, crs)
    gk_idx = shapely.STRtree(cells_gk).query(bpts, predicate="intersects")
    counts = np.zeros(len(cells_gk), dtype=int)
    np.add.at(counts, gk_idx[1], bolig[gk_idx[0]])
    L["grunnkrets"] = _gdf({"grunnkretsnummer": [f"{nr}{i + 1:04d}" for i in range(len(cells_gk))],
                            "grunnkretsnavn": [f"Krets {i + 1}" for i in range(len(cells_gk))],
                            "antall_boliger": (counts + 5).astype(int)}, cells_gk, crs)
    kb = rng.choice(len(bpts), size=max(4, len(bpts) // 15), replace=False)
    L["kommunal_bolig"] = _gdf({"antall_enheter": [int(min(bolig[i], rng.integers(1, 4))) for i in kb],
                                "kategori": [str(rng.choice(KATEGORIER)) for _ in kb],
                                "bygg_id": [f"{nr}-{i}" for i in kb]}, [bpts[i] for i in kb], crs)
    return L


def write(feats: list[dict], out: Path, seed: int = 20) -> list[Path]:
    """One GeoPackage per municipality in ``out``; the paths in the order of ``feats``."""
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    paths = []
    for f in feats:
        p = out / f"{str(f['properties']['kommunenummer']).zfill(4)}.gpkg"
        if p.exists():
            p.unlink()
        for name, g in build_one(f, rng).items():
            g.to_file(p, layer=name, driver="GPKG")
        paths.append(p)
    return paths


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=HERE / "data" / "kommuner")
    ap.add_argument("--n", type=int, default=24)
    ap.add_argument("--seed", type=int, default=20)
    a = ap.parse_args()
    paths = write(pick(outlines(), a.n), a.out, a.seed)
    print(f"{len(paths)} kommuner skrevet til {a.out}")


if __name__ == "__main__":
    main()
