"""Generic geometry building blocks of the synthetic municipalities.

Any outline, any list of places: irregular polygons placed without overlap,
point samples from a mixture of place kernels, Voronoi cells, a noded
walking lattice and the north-up raster grid. Shared by the Larvik demo
(:mod:`geoplan.demo.build`) and ``bench/make_oslo.py``. All lengths in m,
areas in m², coordinates in EPSG:25832 unless stated.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Sequence

import geopandas as gpd
import numpy as np
import shapely
import shapely.affinity
import shapely.ops
from shapely.geometry import LineString, MultiPolygon, Point, Polygon

EPSG = 25832
CRS = f"EPSG:{EPSG}"
#: the package's data folder (outlines, the committed demo)
DATA_DIR = Path(__file__).resolve().parent.parent / "data"
KOMMUNER_FILE = DATA_DIR / "kommuner.geojson"


def municipality_outline(kommunenummer: str, epsg: int = EPSG):
    """The municipality's outline from ``geoplan/data/kommuner.geojson`` in ``epsg``.

    Returns
    -------
    (shapely geometry, kommunenavn)
    """
    g = gpd.read_file(KOMMUNER_FILE)
    row = g[g["kommunenummer"].astype(str) == str(kommunenummer)]
    if row.empty:
        raise KeyError(kommunenummer)
    geom = shapely.make_valid(row.to_crs(epsg).geometry.iloc[0])
    return geom, str(row["kommunenavn"].iloc[0])


def inside_point(outline, xy, margin: float = 250.0) -> tuple[float, float]:
    """``xy`` if it lies at least ``margin`` m inside ``outline``, else the nearest such point."""
    p = Point(xy)
    inner = outline.buffer(-margin)
    if inner.contains(p):
        return float(xy[0]), float(xy[1])
    q = shapely.ops.nearest_points(inner, p)[0]
    # step a little further in so the point is strictly inside
    dx, dy = q.x - p.x, q.y - p.y
    d = math.hypot(dx, dy) or 1.0
    return float(q.x + dx / d * 5.0), float(q.y + dy / d * 5.0)


def blob(center, radius: float, rng: np.random.Generator, *, n: int = 48,
         roughness: float = 0.18, lobe: tuple[float, float, float] | None = None) -> Polygon:
    """An irregular, star-shaped (hence valid) polygon around ``center``.

    Parameters
    ----------
    center : (x, y) in m
    radius : mean radius, m
    roughness : relative amplitude of the low-frequency wobble
    lobe : optional ``(angle_rad, extra_m, width_rad)``: a bulge in one direction
    """
    theta = np.linspace(0, 2 * np.pi, n, endpoint=False)
    r = np.ones(n)
    for k in (2, 3, 4, 5):
        r += roughness / k * rng.uniform(0.4, 1.0) * np.cos(k * theta + rng.uniform(0, 2 * np.pi))
    r *= radius
    if lobe is not None:
        ang, extra, width = lobe
        d = np.angle(np.exp(1j * (theta - ang)))
        r += extra * np.exp(-0.5 * (d / width) ** 2)
    x = center[0] + r * np.cos(theta)
    y = center[1] + r * np.sin(theta)
    return Polygon(np.column_stack([x, y]))


def scaled_to_area(poly, area_m2: float):
    """``poly`` scaled about its centroid so that its area is ``area_m2`` (exact to float precision)."""
    c = poly.centroid
    f = math.sqrt(area_m2 / poly.area)
    return shapely.affinity.scale(poly, f, f, origin=c)


def place_blob(rng: np.random.Generator, anchor, dist: tuple[float, float], area_m2: float, *,
               container=None, avoid: list | None = None, gap: float = 25.0,
               outside=None, tries: int = 600, roughness: float = 0.25):
    """Place an irregular polygon of exactly ``area_m2`` near ``anchor``.

    The polygon lies within ``dist`` (m) of the anchor, inside ``container``
    (if given), outside ``outside`` (if given) and at least ``gap`` m from every
    geometry in ``avoid``. Raises RuntimeError if no spot is found.
    """
    avoid_u = shapely.union_all(avoid) if avoid else None
    if container is not None:
        shapely.prepare(container)
    r0 = math.sqrt(area_m2 / math.pi)
    for _ in range(tries):
        d = rng.uniform(*dist)
        a = rng.uniform(0, 2 * np.pi)
        c = (anchor[0] + d * math.cos(a), anchor[1] + d * math.sin(a))
        poly = scaled_to_area(blob(c, r0, rng, n=24, roughness=roughness), area_m2)
        if container is not None and not container.contains(poly):
            continue
        if outside is not None and poly.intersects(outside):
            continue
        if avoid_u is not None and poly.distance(avoid_u) < gap:
            continue
        return poly
    raise RuntimeError(f"fant ikke plass til et område på {area_m2 / 1000:.1f} daa")


def sample_mixture(rng: np.random.Generator, n: int, centres: np.ndarray, scales: np.ndarray,
                   weights: np.ndarray, region, *, uniform_share: float = 0.0) -> np.ndarray:
    """``n`` points from a Gaussian mixture around ``centres`` (plus a uniform share), inside ``region``.

    Returns an (n, 2) array, in the order drawn (deterministic for a given rng state).
    """
    minx, miny, maxx, maxy = region.bounds
    shapely.prepare(region)
    w = np.asarray(weights, float) / np.sum(weights)
    out = np.empty((0, 2))
    while len(out) < n:
        m = int((n - len(out)) * 1.6) + 64
        k = rng.choice(len(centres), size=m, p=w)
        pts = centres[k] + rng.normal(size=(m, 2)) * scales[k][:, None]
        uni = rng.random(m) < uniform_share
        pts[uni] = np.column_stack([rng.uniform(minx, maxx, uni.sum()),
                                    rng.uniform(miny, maxy, uni.sum())])
        ok = shapely.contains_xy(region, pts[:, 0], pts[:, 1])
        out = np.vstack([out, pts[ok]])
    return out[:n]


def urbanity(xy: np.ndarray, centres: np.ndarray, scales: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """0..1: the strongest place kernel ``w * exp(-d² / 2σ²)`` at each point."""
    d2 = ((xy[:, None, :] - centres[None, :, :]) ** 2).sum(-1)
    k = np.asarray(weights)[None, :] * np.exp(-0.5 * d2 / (np.asarray(scales)[None, :] ** 2))
    return k.max(axis=1)


def voronoi_cells(xy: np.ndarray, clip) -> np.ndarray:
    """Voronoi cells of ``xy`` (same order as the points), clipped to ``clip``."""
    mp = shapely.multipoints(xy)
    minx, miny, maxx, maxy = clip.bounds
    env = shapely.box(minx - 5000, miny - 5000, maxx + 5000, maxy + 5000)
    cells = shapely.get_parts(shapely.voronoi_polygons(mp, extend_to=env, ordered=True))
    if len(cells) != len(xy):  # pragma: no cover - duplicate points
        raise ValueError("voronoi: duplicate seed points")
    return shapely.intersection(cells, clip)


def polygonal(geoms: np.ndarray) -> np.ndarray:
    """Keep only the polygonal parts of each geometry (intersections may yield lines)."""
    geoms = np.asarray(geoms, dtype=object)
    ty = shapely.get_type_id(geoms)
    bad = ~np.isin(ty, [3, 6])  # Polygon, MultiPolygon
    for i in np.flatnonzero(bad):
        parts = [p for p in shapely.get_parts(geoms[i]) if p.geom_type == "Polygon"]
        geoms[i] = MultiPolygon(parts) if len(parts) > 1 else (parts[0] if parts else Polygon())
    return geoms


def lattice_network(region, spacing: float, rng: np.random.Generator, *, jitter: float = 0.2,
                    barriers=None, bridges: Sequence[tuple[float, float]] = (),
                    within=None, min_component: int = 20) -> np.ndarray:
    """A noded walking network: a jittered square lattice inside ``region``.

    Edges join 4-neighbours; both ends lie in ``region``; an edge must lie
    inside ``within`` (e.g. the land) and may cross ``barriers`` (rivers,
    fjord arms) only within ``0.75 * spacing`` of a bridge point. Small
    disconnected pieces (< ``min_component`` edges) are dropped.

    Returns an array of LineStrings whose ends are shared exactly.
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    minx, miny, maxx, maxy = region.bounds
    i0, j0 = math.floor(minx / spacing), math.floor(miny / spacing)
    nx = math.ceil(maxx / spacing) - i0 + 1
    ny = math.ceil(maxy / spacing) - j0 + 1
    gx = (np.arange(nx) + i0) * spacing
    gy = (np.arange(ny) + j0) * spacing
    X, Y = np.meshgrid(gx, gy, indexing="ij")
    X = X + rng.uniform(-jitter, jitter, X.shape) * spacing
    Y = Y + rng.uniform(-jitter, jitter, Y.shape) * spacing
    shapely.prepare(region)
    inside = shapely.contains_xy(region, X.ravel(), Y.ravel()).reshape(X.shape)
    ids = np.arange(nx * ny).reshape(nx, ny)
    a_list, b_list = [], []
    h = inside[:-1, :] & inside[1:, :]
    a_list.append(ids[:-1, :][h])
    b_list.append(ids[1:, :][h])
    v = inside[:, :-1] & inside[:, 1:]
    a_list.append(ids[:, :-1][v])
    b_list.append(ids[:, 1:][v])
    a = np.concatenate(a_list)
    b = np.concatenate(b_list)
    xs, ys = X.ravel(), Y.ravel()
    coords = np.stack([np.column_stack([xs[a], ys[a]]), np.column_stack([xs[b], ys[b]])], axis=1)
    lines = shapely.linestrings(coords)
    keep = np.ones(len(lines), bool)
    if within is not None:
        shapely.prepare(within)
        keep &= shapely.within(lines, within)
    if barriers is not None and not barriers.is_empty:
        shapely.prepare(barriers)
        cross = shapely.intersects(lines, barriers)
        if len(bridges):
            near = shapely.dwithin(lines, shapely.multipoints(np.asarray(bridges, float)), 0.75 * spacing)
        else:
            near = np.zeros(len(lines), bool)
        keep &= ~cross | near
    a, b, lines = a[keep], b[keep], lines[keep]
    if min_component and len(lines):
        n = nx * ny
        m = coo_matrix((np.ones(len(a)), (a, b)), shape=(n, n))
        _, lab = connected_components(m, directed=False)
        cnt = np.bincount(lab[a], minlength=lab.max() + 1)
        lines = lines[cnt[lab[a]] >= min_component]
    return lines


def grid(bounds, cell: float):
    """(transform, width, height, x_centres, y_centres) of a north-up grid covering ``bounds``."""
    from affine import Affine

    minx, miny, maxx, maxy = bounds
    minx = math.floor(minx / cell) * cell
    maxy = math.ceil(maxy / cell) * cell
    w = int(math.ceil((maxx - minx) / cell))
    h = int(math.ceil((maxy - miny) / cell))
    tr = Affine(cell, 0.0, minx, 0.0, -cell, maxy)
    xc = minx + (np.arange(w) + 0.5) * cell
    yc = maxy - (np.arange(h) + 0.5) * cell
    return tr, w, h, xc, yc



def nearest_index(xy: np.ndarray, centres: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index of and distance (m) to the nearest centre for each point."""
    d = np.sqrt(((xy[:, None, :] - centres[None, :, :]) ** 2).sum(-1))
    k = d.argmin(axis=1)
    return k, d[np.arange(len(xy)), k]



def sort_layer(gdf: gpd.GeoDataFrame, by: Sequence[str]) -> gpd.GeoDataFrame:
    """Rows sorted by ``by`` then by geometry WKB, a clean RangeIndex: the same order every run."""
    g = gdf.copy()
    g["_wkb"] = shapely.to_wkb(g.geometry.values, hex=True)
    g = g.sort_values(list(by) + ["_wkb"], kind="mergesort").drop(columns="_wkb")
    return g.reset_index(drop=True)



def polyline(coords) -> LineString:
    """A LineString through ``coords`` ((x, y) pairs, m)."""
    return LineString(np.asarray(coords, float))
