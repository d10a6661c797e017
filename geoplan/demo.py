"""The embedded demo municipality: a synthetic Larvik, built deterministically.

Everything here is **synthetic** except

* the municipal outline (Kartverket, kommuneinndeling 2024, simplified,
  © Kartverket CC BY 4.0, ``geoplan/data/kommuner.geojson``), and
* the figures taken from Larvik kommune's Boligplan 2015-2020 (seed 004):
  the named housing reserves and their sizes, the innspill totals per place,
  the population (43,200 on 01.01.2014), the centre structure, the
  kollektivakser and the number of municipal rental dwellings and
  omsorgsboliger.

:func:`build_demo` returns the layers and rasters; :func:`write_demo` writes
``demo.gpkg``, ``terreng.tif``, ``stoy.tif`` and ``README.md`` atomically.
Two builds with the same seed give identical layer contents and raster
arrays (numpy ``default_rng`` with a fixed seed, sorted rows, no time stamps).

The functions in the "building blocks" section are generic (any outline, any
list of places) and are shared with ``bench/make_oslo.py``.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import shapely.affinity
import shapely.ops
from shapely.geometry import LineString, MultiPolygon, Point, Polygon

from geoplan.io.writers import atomic_path, write_text_atomic

EPSG = 25832
CRS = f"EPSG:{EPSG}"
SEED = 3909_2014
DATA_DIR = Path(__file__).resolve().parent / "data"
KOMMUNER_FILE = DATA_DIR / "kommuner.geojson"
#: fixed time stamp GDAL writes into the GeoPackage (gpkg_contents.last_change)
FIXED_TIMESTAMP = "2014-01-01T00:00:00.000Z"

LAYER_ORDER = [
    "kommune", "sentrum", "skole", "utviklingsgrense", "arealformal", "innspill",
    "steinbrudd", "kollektivakse", "holdeplass", "grunnkrets", "bygning",
    "kommunal_bolig", "helsetjeneste", "gangnett",
]

ATTRIBUTION = "Kommunegrense: © Kartverket, CC BY 4.0 (kommuneinndeling 2024, forenklet)."


# ---------------------------------------------------------------------------
# building blocks (generic; shared with bench/make_oslo.py)
# ---------------------------------------------------------------------------

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
    a_list.append(ids[:-1, :][h]); b_list.append(ids[1:, :][h])
    v = inside[:, :-1] & inside[:, 1:]
    a_list.append(ids[:, :-1][v]); b_list.append(ids[:, 1:][v])
    a = np.concatenate(a_list); b = np.concatenate(b_list)
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


def _dist_to(geoms, tr, w, h, cell) -> np.ndarray:
    """Distance (m) from each cell centre to the nearest of ``geoms`` (rasterised)."""
    from rasterio.features import rasterize
    from scipy.ndimage import distance_transform_edt

    geoms = [g for g in geoms if g is not None and not g.is_empty]
    if not geoms:
        return np.full((h, w), 1e9, dtype=np.float32)
    m = rasterize([(g, 1) for g in geoms], out_shape=(h, w), transform=tr, fill=0,
                  all_touched=True, dtype="uint8")
    return (distance_transform_edt(m == 0) * cell).astype(np.float32)


def terrain_raster(outline, sea, bounds, cell: float, rng: np.random.Generator, *,
                   hills: int = 60, relief: float = 120.0, trend: tuple[float, float] = (0.0, 0.006),
                   valleys: Iterable = (), steep: Iterable[tuple[float, float, float, float]] = ()):
    """Synthetic elevation (m, float32): 0 at sea, rising inland, smooth hills.

    Parameters
    ----------
    sea : polygon(s) of sea (elevation 0)
    trend : metres of rise per metre in x and y (e.g. higher to the north)
    valleys : lines (rivers) along which the terrain is lowered
    steep : ``(x, y, amplitude_m, sigma_m)`` sharp hills that give steep slopes

    Returns
    -------
    (array (h, w) float32, rasterio transform)
    """
    from rasterio.features import geometry_mask

    tr, w, h, xc, yc = grid(bounds, cell)
    X, Y = np.meshgrid(xc, yc)
    seamask = ~geometry_mask([sea], out_shape=(h, w), transform=tr) if sea is not None and not sea.is_empty \
        else np.zeros((h, w), bool)
    from scipy.ndimage import distance_transform_edt
    dsea = distance_transform_edt(~seamask) * cell if seamask.any() else np.full((h, w), 1e5)
    z = np.zeros((h, w))
    z += trend[0] * (X - X.min()) + trend[1] * (Y - Y.min())
    cx = rng.uniform(X.min(), X.max(), hills)
    cy = rng.uniform(Y.min(), Y.max(), hills)
    sg = rng.uniform(700, 3000, hills)
    amp = rng.uniform(0.2, 1.0, hills) * relief
    for k in range(hills):  # a fixed, small number of smooth bumps over the grid
        z += amp[k] * np.exp(-0.5 * ((X - cx[k]) ** 2 + (Y - cy[k]) ** 2) / sg[k] ** 2)
    for (x0, y0, a, s) in steep:
        z += a * np.exp(-0.5 * ((X - x0) ** 2 + (Y - y0) ** 2) / s ** 2)
    vl = [v for v in valleys]
    if vl:
        dv = _dist_to(vl, tr, w, h, cell)
        z *= 1.0 - 0.75 * np.exp(-0.5 * (dv / 700.0) ** 2)
    coast = 1.0 - np.exp(-dsea / 900.0)
    z = np.maximum(z * coast + 2.0 * coast, 0.0)
    z[seamask] = 0.0
    return z.astype(np.float32), tr


def noise_raster(bounds, cell: float, sources: Sequence[tuple[object, float]], *,
                 background: float = 35.0, mask=None, nodata: int = 255):
    """Synthetic Lden (dB, uint8) from line/area sources.

    Each source is ``(geometry, level_dB_at_10m)``; the level falls
    ``12 * log10(1 + d/10)`` dB with distance d (m) and sources add
    energetically over a background. Cells outside ``mask`` are ``nodata``.
    """
    from rasterio.features import geometry_mask

    tr, w, h, _, _ = grid(bounds, cell)
    energy = np.full((h, w), 10 ** (background / 10), dtype=np.float64)
    for geom, l10 in sources:
        d = _dist_to([geom], tr, w, h, cell)
        energy += 10 ** ((l10 - 12.0 * np.log10(1.0 + d / 10.0)) / 10.0)
    lden = np.clip(np.round(10 * np.log10(energy)), 0, 254).astype(np.uint8)
    if mask is not None:
        outside = geometry_mask([mask], out_shape=(h, w), transform=tr)
        lden[outside] = nodata
    return lden, tr


def allocate_counts(weights: np.ndarray, total: int, rng: np.random.Generator) -> np.ndarray:
    """Integers ≥ 0 proportional to ``weights`` summing exactly to ``total`` (largest remainder)."""
    w = np.asarray(weights, float)
    if total <= 0 or w.sum() <= 0:
        return np.zeros(len(w), int)
    raw = w / w.sum() * total
    base = np.floor(raw).astype(int)
    rest = total - base.sum()
    frac = raw - base + rng.uniform(0, 1e-9, len(w))
    base[np.argsort(-frac, kind="stable")[:rest]] += 1
    return base


def building_sizes(rng: np.random.Generator, u: np.ndarray) -> np.ndarray:
    """Dwellings per building from urbanity ``u`` (0..1): mostly houses, blocks in centres."""
    n = len(u)
    r = rng.random(n)
    p_block = 0.004 + 0.07 * u
    p_small = 0.03 + 0.10 * u
    p_two = 0.13
    size = np.ones(n, int)
    two = r < p_two
    size[two] = 2
    small = (r >= p_two) & (r < p_two + p_small)
    size[small] = rng.integers(3, 7, small.sum())
    blk = (r >= p_two + p_small) & (r < p_two + p_small + p_block)
    size[blk] = rng.integers(8, 41, blk.sum())
    return size


def take_to_total(sizes: np.ndarray, total: int) -> np.ndarray:
    """A prefix of ``sizes`` (last one trimmed) that sums exactly to ``total``."""
    cs = np.cumsum(sizes)
    k = int(np.searchsorted(cs, total))  # first index with cs >= total
    if k >= len(sizes):
        raise ValueError("for få bygninger til å nå totalen")
    out = sizes[: k + 1].copy()
    out[-1] -= cs[k] - total
    if out[-1] <= 0:
        out = out[:-1]
    return out


def aggregate_grunnkrets(grunnkrets: gpd.GeoDataFrame, bygning: gpd.GeoDataFrame,
                         population: int, rng: np.random.Generator) -> gpd.GeoDataFrame:
    """Set ``antall_boliger`` (sum of the buildings inside) and ``befolkning`` (sums to ``population``)."""
    j = gpd.sjoin(bygning[["antall_boliger", "geometry"]], grunnkrets[["geometry"]],
                  predicate="within", how="inner")
    j = j[~j.index.duplicated(keep="first")]
    dw = j.groupby("index_right")["antall_boliger"].sum()
    g = grunnkrets.copy()
    g["antall_boliger"] = dw.reindex(g.index).fillna(0).astype("int64")
    ratio = rng.uniform(1.6, 2.6, len(g))
    g["befolkning"] = allocate_counts(g["antall_boliger"].to_numpy() * ratio, population, rng).astype("int64")
    return g


def nearest_index(xy: np.ndarray, centres: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index of and distance (m) to the nearest centre for each point."""
    d = np.sqrt(((xy[:, None, :] - centres[None, :, :]) ** 2).sum(-1))
    k = d.argmin(axis=1)
    return k, d[np.arange(len(xy)), k]


STREET_A = ["Bjørke", "Furu", "Gran", "Eike", "Lønne", "Hassel", "Rogn", "Selje", "Or", "Linde",
            "Aske", "Hegg", "Alm", "Bøke", "Eple", "Kirsebær", "Syrin", "Måke", "Ærfugl", "Tjeld",
            "Sjø", "Fjell", "Åker", "Stein", "Kvern", "Smie", "Skole", "Kirke", "Torv", "Havne"]
STREET_B = ["veien", "stien", "lia", "bakken", "tunet", "gata", "åsen", "kroken", "jordet",
            "haugen", "svingen", "lunden"]


def fake_addresses(rng: np.random.Generator, n: int) -> list[str]:
    """Invented street addresses (not real ones: the demo holds no real persons' homes)."""
    a = rng.integers(0, len(STREET_A), n)
    b = rng.integers(0, len(STREET_B), n)
    no = rng.integers(1, 80, n)
    return [f"{STREET_A[i]}{STREET_B[j]} {k}" for i, j, k in zip(a, b, no)]


def pick_weighted(rng: np.random.Generator, weights: np.ndarray, k: int) -> np.ndarray:
    """``k`` distinct indices drawn with probability proportional to ``weights``."""
    w = np.asarray(weights, float)
    k = min(k, int((w > 0).sum()))
    return rng.choice(len(w), size=k, replace=False, p=w / w.sum())


def fill_units(rng: np.random.Generator, capacity: np.ndarray, order: np.ndarray, total: int,
               max_per: int) -> np.ndarray:
    """Units per building in ``order`` (1..min(capacity, max_per)) until ``total`` is reached."""
    units = np.zeros(len(capacity), int)
    left = total
    draws = rng.integers(1, max_per + 1, len(order))
    for i, d in zip(order, draws):  # a few hundred chosen buildings, not a hot path
        if left <= 0:
            break
        u = int(min(d, capacity[i], left))
        units[i] = u
        left -= u
    if left > 0:  # top up where capacity remains
        for i in order:
            if left <= 0:
                break
            add = int(min(capacity[i] - units[i], left))
            units[i] += add
            left -= add
    return units


#: SOSI arealformål codes counted as built when nåværende (arealbruksstatus 1)
BUILT_CODES = [1110, 1130, 1300, 1500, 1600, 2010]


def classify_zoning(rng: np.random.Generator, zxy: np.ndarray, pxy: np.ndarray, pscale: np.ndarray,
                    pweight: np.ndarray, big: np.ndarray, sea=None,
                    core_m: float = 450.0) -> tuple[np.ndarray, np.ndarray]:
    """SOSI arealformål code and arealbruksstatus for zoning cells seeded at ``zxy``.

    Cells in towns (urbanity > 0.2) are mostly housing (1110) with næring (1300),
    tjenesteyting (1500), grønnstruktur (3001) and fritid (1600); cells within
    ``core_m`` of a big centre (``big``) are sentrumsformål (1130); the rest is
    LNFR (5100) with fritidsbebyggelse near the sea and scattered næring and
    housing. A few næring cells are framtidig (status 2).
    """
    u = urbanity(zxy, pxy, pscale * 1.8, np.minimum(pweight, 1.0))
    k_near, d_near = nearest_index(zxy, pxy)
    r = rng.random(len(zxy))
    code = np.full(len(zxy), 5100)
    town = u > 0.2
    code[town] = np.select([r[town] < 0.70, r[town] < 0.78, r[town] < 0.85, r[town] < 0.97],
                           [1110, 1300, 1500, 3001], 1600)
    if sea is not None and not sea.is_empty:
        coastal = shapely.dwithin(shapely.points(zxy), sea, 1500)
    else:
        coastal = np.zeros(len(zxy), bool)
    rural = ~town
    code[rural & coastal & (r < 0.18)] = 1600
    code[rural & ~coastal & (r < 0.03)] = 1300
    code[rural & (r > 0.985)] = 1110  # scattered housing
    code[big[k_near] & (d_near < core_m)] = 1130
    status = np.ones(len(zxy), int)
    status[(code == 1300) & (r > 0.93)] = 2
    return code, status


def sort_layer(gdf: gpd.GeoDataFrame, by: Sequence[str]) -> gpd.GeoDataFrame:
    """Rows sorted by ``by`` then by geometry WKB, a clean RangeIndex: the same order every run."""
    g = gdf.copy()
    g["_wkb"] = shapely.to_wkb(g.geometry.values, hex=True)
    g = g.sort_values(list(by) + ["_wkb"], kind="mergesort").drop(columns="_wkb")
    return g.reset_index(drop=True)


def write_gpkg(layers: dict[str, gpd.GeoDataFrame], path: str | os.PathLike,
               metadata: pd.DataFrame | None = None) -> Path:
    """Write ``layers`` (and a non-spatial ``metadata`` table) to one GeoPackage, atomically."""
    import pyogrio

    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": FIXED_TIMESTAMP})
    try:
        with atomic_path(path) as tmp:
            for name, gdf in layers.items():
                pyogrio.write_dataframe(gdf, tmp, layer=name, driver="GPKG")
            if metadata is not None:
                pyogrio.write_dataframe(metadata, tmp, layer="metadata", driver="GPKG")
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": None})
    return Path(path)


def write_geotiff(arr: np.ndarray, transform, path: str | os.PathLike, *, nodata=None,
                  description: str = "", units: str = "") -> Path:
    """A single-band, deflate-compressed, tiled GeoTIFF in EPSG:25832, written atomically."""
    import rasterio

    pred = 3 if arr.dtype.kind == "f" else 2
    profile = dict(driver="GTiff", width=arr.shape[1], height=arr.shape[0], count=1,
                   dtype=arr.dtype.name, crs=CRS, transform=transform, nodata=nodata,
                   compress="deflate", predictor=pred, zlevel=9, tiled=True,
                   blockxsize=256, blockysize=256)
    with atomic_path(path) as tmp:
        with rasterio.open(tmp, "w", **profile) as dst:
            dst.write(arr, 1)
            if description:
                dst.set_band_description(1, description)
            if units:
                dst.set_band_unit(1, units)
    return Path(path)


# ---------------------------------------------------------------------------
# the Larvik demo
# ---------------------------------------------------------------------------

@dataclass
class PlaceSpec:
    navn: str
    senterniva: str
    xy: tuple[float, float]          # approximate real position, EPSG:25832
    scale_m: float                   # spread of settlement (Gaussian sigma)
    weight: float                    # share of buildings
    schools: list[tuple[str, str, tuple[float, float]]] = field(default_factory=list)
    boundary: dict | None = None     # utviklingsgrense: radius, lobe, boenheter_per_daa


# Approximate real positions (from lat/lon, rounded); the outline is
# simplified, so coastal places are nudged inland by inside_point().
PLACES = [
    PlaceSpec("Larvik by", "regionsenter", (558900, 6546700), 1300, 5.0,
              [("Sentrum skole", "barneskole", (-250, 250)),
               ("Nanset skole", "kombinert", (-1100, 1300)),
               ("Torstrand skole", "barneskole", (-1300, -800)),
               ("Mesterfjellet skole", "ungdomsskole", (-600, 700))],
              dict(radius=2900, roughness=0.22, lobe=None, bpd=4)),
    PlaceSpec("Stavern", "områdesenter", (559500, 6540900), 800, 1.6,
              [("Stavern skole", "barneskole", (-200, 200)),
               ("Brunla ungdomsskole", "ungdomsskole", (-600, 500))],
              dict(radius=1250, roughness=0.25, lobe=(2.4, 700, 0.35), bpd=4)),
    PlaceSpec("Helgeroa", "lokalsenter", (549300, 6540100), 550, 0.55,
              [("Helgeroa skole", "barneskole", (100, 150))],
              dict(radius=1250, roughness=0.25, lobe=(1.1, 700, 0.3), bpd=3)),
    PlaceSpec("Tjøllingvollen", "lokalsenter", (564510, 6547833), 500, 0.5,
              [("Tjølling skole", "barneskole", (-150, 100))],
              dict(radius=1150, roughness=0.2, lobe=None, bpd=3)),
    PlaceSpec("Kvelde", "lokalsenter", (556845, 6561856), 550, 0.6,
              [("Kvelde skole", "barneskole", (120, -100))],
              dict(radius=1350, roughness=0.2, lobe=(-0.4, 650, 0.35), bpd=3)),
    PlaceSpec("Østre Halsen", "nærsenter", (560900, 6548200), 450, 0.5,
              [("Østre Halsen skole", "barneskole", (150, 120))]),
    PlaceSpec("Nevlunghavn", "nærsenter", (550026, 6537037), 300, 0.18,
              [("Nevlunghavn skole", "barneskole", (100, 120))]),
    PlaceSpec("Hvarnes", "nærsenter", (550582, 6581591), 350, 0.2,
              [("Hvarnes skole", "barneskole", (-120, 100))]),
]

#: named reserves (seed 004 l. 2417-2418 and 2456-2458): place -> [(navn, daa)]
NAMED_RESERVES = {
    "Helgeroa": [("Nevlungen Øvre", 23.0), ("Sønseberget", 6.0), ("Torpefeltet vest", 27.0),
                 ("Torpefeltet", 25.0)],
    "Tjøllingvollen": [],
    "Kvelde": [("Søndre Brattås", 605.0), ("Hvidsten sag", 15.0), ("Futestien", 3.0),
               ("Mangelrødåsen", 9.0)],
}
#: innspill totals (daa) per place: Helgeroa 14 areas 429 daa (table, l. 2404; the text
#: at l. 2412 says 492), Tjøllingvollen 84 (l. 2430), Kvelde 154 (l. 2449); Larvik by
#: and Stavern are synthetic.
INNSPILL = {"Helgeroa": (14, 429.0), "Tjøllingvollen": (3, 84.0), "Kvelde": (4, 154.0),
            "Larvik by": (5, 160.0), "Stavern": (3, 70.0)}
#: synthetic reserves for Larvik by and Stavern (daa)
SYNTH_RESERVES = {"Larvik by": [42.0, 35.0, 18.0, 12.0, 64.0, 9.0], "Stavern": [22.0, 14.0, 11.0]}

POPULATION = 43_200          # 01.01.2014 (seed 004 l. 2368)
DWELLINGS = 21_000           # Larvik-like stock (synthetic round figure)
RENTAL_UNITS = 650           # 646 kommunale utleieboliger, Oct 2013 (seed 004 l. 2661)
OMSORG_UNITS = 380           # 382 omsorgsboliger (seed 004 l. 2662)
N_GRUNNKRETS = 130
N_ZONING = 3800

ROADS = {
    "E18": [(567500, 6553500), (563500, 6551000), (561300, 6549500), (559600, 6549100),
            (557500, 6548800), (555000, 6547600), (551500, 6546100), (546500, 6545200)],
    "Rv. 40": [(558900, 6546700), (558300, 6550000), (557300, 6556000), (556845, 6561856),
               (555500, 6568000), (551500, 6578000), (550582, 6581591), (551500, 6593500)],
    "Fv. 301": [(558900, 6546700), (559300, 6543500), (559500, 6540900)],
    "Fv. 302": [(558900, 6546700), (556000, 6544300), (552500, 6541600), (549300, 6540100),
                (550026, 6537037)],
    "Fv. 303": [(559900, 6547400), (560900, 6548200), (562500, 6548000), (564510, 6547833)],
}
RAILWAY = [(567500, 6552500), (563000, 6549500), (560500, 6547500), (559100, 6546900),
           (557000, 6546500), (553000, 6545600), (546500, 6544200)]
RIVER = [(560300, 6545800), (559950, 6547600), (559700, 6549200), (559300, 6550500),
         (558600, 6553500), (558300, 6557000), (558100, 6560000), (558200, 6563000),
         (557500, 6568000), (556000, 6575000), (553800, 6585000), (552800, 6594500)]
RIVER_BRIDGES_M = [1000, 2600, 6400, 11000, 16800]   # along the river from the mouth
FJORD_ARM = [(550700, 6536300), (550900, 6537900), (551000, 6539200), (551500, 6540600), (551900, 6541900)]
FJORD_BRIDGES_M = [3500]
#: the sea around Larvik (south of these lines), for the terrain's sea level
SEA_BOXES = [(530000, 6520000, 600000, 6542800), (563000, 6520000, 600000, 6552000),
             (559300, 6520000, 560900, 6546300)]
AXES = {
    "Stavern–Gon": ([(559500, 6540900), (559300, 6543500), (558900, 6546700),
                     (558200, 6547400), (557334, 6548276)], 4),
    "Bommestad–Klova": ([(561052, 6548890), (560300, 6547800), (559950, 6547600),
                         (558900, 6546700), (557900, 6546000), (557089, 6545488)], 4),
}
QUARRY_NAMES = ["Tvedalen steinbrudd", "Brattåsen pukkverk", "Klåstad steinbrudd"]


def _nudged_places(outline) -> list[PlaceSpec]:
    out = []
    for p in PLACES:
        q = PlaceSpec(p.navn, p.senterniva, inside_point(outline, p.xy, 300.0), p.scale_m, p.weight,
                      p.schools, p.boundary)
        out.append(q)
    return out


def _line(coords) -> LineString:
    return LineString(np.asarray(coords, float))


def build_demo(seed: int = SEED) -> tuple[dict[str, gpd.GeoDataFrame], dict[str, tuple]]:
    """Build the demo municipality in memory.

    Returns
    -------
    layers : dict layer name -> GeoDataFrame (EPSG:25832, sorted rows)
    rasters : dict ``"terreng"`` / ``"stoy"`` -> (array, transform, nodata)
    """
    rng = np.random.default_rng(seed)
    outline, kommunenavn = municipality_outline("3909")
    shapely.prepare(outline)
    places = _nudged_places(outline)
    pxy = np.array([p.xy for p in places])
    pscale = np.array([p.scale_m for p in places])
    pweight = np.array([p.weight for p in places])
    byname = {p.navn: p for p in places}

    river = _line(RIVER)
    fjord = _line(FJORD_ARM)
    water_lines = [river, fjord]
    bridges = [river.interpolate(d) for d in RIVER_BRIDGES_M] + [fjord.interpolate(d) for d in FJORD_BRIDGES_M]
    water = shapely.intersection(shapely.union_all([river.buffer(35), fjord.buffer(60)]), outline)
    land = shapely.difference(outline, water)
    shapely.prepare(land)
    roads = {k: shapely.intersection(_line(v), outline) for k, v in ROADS.items()}
    rail = shapely.intersection(_line(RAILWAY), outline)

    # -- kommune, sentrum, skole ------------------------------------------------
    kommune = gpd.GeoDataFrame({"kommunenummer": ["3909"], "kommunenavn": [kommunenavn]},
                               geometry=[outline], crs=CRS)
    sentrum = gpd.GeoDataFrame({"navn": [p.navn for p in places],
                                "senterniva": [p.senterniva for p in places]},
                               geometry=shapely.points(pxy), crs=CRS)
    srows = []
    for p in places:
        for navn, typ, off in p.schools:
            xy = inside_point(land, (p.xy[0] + off[0], p.xy[1] + off[1]), 60.0)
            srows.append({"navn": navn, "skoletype": typ, "sted": p.navn, "geometry": Point(xy)})
    skole = gpd.GeoDataFrame(srows, crs=CRS)

    # -- utviklingsgrenser --------------------------------------------------------
    urows = []
    for p in places:
        if not p.boundary:
            continue
        b = p.boundary
        lobe = b["lobe"]
        poly = blob(p.xy, b["radius"], rng, n=72, roughness=b["roughness"],
                    lobe=lobe)
        poly = shapely.intersection(poly, land)
        if poly.geom_type == "MultiPolygon":  # keep the main body, drop slivers across water
            parts = sorted(poly.geoms, key=lambda g: -g.area)
            poly = parts[0] if parts[1:] == [] or parts[1].area < 0.05 * parts[0].area else \
                MultiPolygon([g for g in parts if g.area > 0.05 * parts[0].area])
        urows.append({"navn": p.navn, "senterniva": p.senterniva,
                      "boenheter_per_daa": int(b["bpd"]), "geometry": poly})
    utv = gpd.GeoDataFrame(urows, crs=CRS)
    ug = dict(zip(utv["navn"], utv.geometry))
    all_bounds = shapely.union_all(list(ug.values()))

    # -- reserves and innspill ------------------------------------------------------
    placed: list = []          # everything reserved so far (kept apart)
    res_rows = []
    avoid_base = [water, shapely.union_all([g.buffer(20) for g in roads.values()]), rail.buffer(20)]
    for place, items in NAMED_RESERVES.items():
        p = byname[place]
        container = shapely.intersection(ug[place], land)
        for navn, daa in items:
            if navn == "Søndre Brattås":
                dist = (500.0, 900.0)
            else:
                dist = (250.0, ug[place].length / (2 * math.pi) * 0.8)
            poly = place_blob(rng, p.xy, dist, daa * 1000.0, container=container.buffer(-10),
                              avoid=placed + avoid_base)
            placed.append(poly)
            res_rows.append({"navn": navn, "sted": place, "area": daa, "geometry": poly,
                             "planid": f"KPA-2009-{len(res_rows) + 1:03d}"})
    # synthetic reserves in Larvik by and Stavern
    for place, sizes in SYNTH_RESERVES.items():
        p = byname[place]
        container = shapely.intersection(ug[place], land).buffer(-10)
        for k, daa in enumerate(sizes):
            navn = f"{place} boligreserve {k + 1} (syntetisk)"
            if place == "Larvik by" and k == 0:
                # a multipart reserve: two parts of the given total area
                a = place_blob(rng, p.xy, (600, 1800), daa * 600.0, container=container,
                               avoid=placed + avoid_base)
                b = place_blob(rng, a.centroid.coords[0], (260, 400), daa * 400.0, container=container,
                               avoid=placed + avoid_base + [a])
                poly = MultiPolygon([a, b])
            elif place == "Stavern" and k == 0:
                # a reserve partly outside the utviklingsgrense
                ring = ug[place].exterior if ug[place].geom_type == "Polygon" else \
                    max(ug[place].geoms, key=lambda g: g.area).exterior
                poly = None
                for t in np.linspace(0.05, 0.95, 37):
                    c = ring.interpolate(t, normalized=True)
                    try:
                        poly = place_blob(rng, (c.x, c.y), (0, 30), daa * 1000.0, container=land.buffer(-10),
                                          avoid=placed + avoid_base, tries=20)
                    except RuntimeError:
                        continue
                    inside_share = poly.intersection(ug[place]).area / poly.area
                    if 0.2 < inside_share < 0.8:
                        break
                    poly = None
                if poly is None:  # pragma: no cover - geometry dependent
                    raise RuntimeError("fant ikke plass til reserven over grensen")
            else:
                poly = place_blob(rng, p.xy, (300, 2200 if place == "Larvik by" else 1000),
                                  daa * 1000.0, container=container, avoid=placed + avoid_base)
            placed.append(poly)
            res_rows.append({"navn": navn, "sted": place, "area": daa, "geometry": poly,
                             "planid": f"KPA-2015-{len(res_rows) + 1:03d}"})
    # reserves outside every utviklingsgrense (spredt boligbebyggelse-like)
    for place, daa in (("Nevlunghavn", 8.0), ("Hvarnes", 12.0)):
        p = byname[place]
        poly = place_blob(rng, p.xy, (150, 700), daa * 1000.0, container=land.buffer(-10),
                          avoid=placed + avoid_base, outside=all_bounds.buffer(20))
        placed.append(poly)
        res_rows.append({"navn": f"{place} boligreserve (syntetisk)", "sted": place, "area": daa,
                         "geometry": poly, "planid": f"KPA-2015-{len(res_rows) + 1:03d}"})

    irows = []
    sondersrod = (byname["Helgeroa"].xy[0] + 350, byname["Helgeroa"].xy[1] + 800)
    for place, (n, total) in INNSPILL.items():
        p = byname[place]
        sizes = rng.dirichlet(np.full(n, 2.5)) * (total - 4.0 * n) + 4.0  # each at least 4 daa
        anchor = sondersrod if place == "Helgeroa" else p.xy
        dist = (150.0, 1300.0) if place == "Helgeroa" else (300.0, 1500.0)
        for k, daa in enumerate(sizes):
            poly = place_blob(rng, anchor, dist, daa * 1000.0, container=land.buffer(-10),
                              avoid=placed + avoid_base)
            placed.append(poly)
            irows.append({"navn": f"Innspill {place} {k + 1}", "sted": place, "formal": "bolig",
                          "rpba_avklart": bool(rng.random() < 0.4), "geometry": poly})
    # a synthetic non-housing proposal in Larvik by
    poly = place_blob(rng, byname["Larvik by"].xy, (1500, 2500), 35_000.0, container=land.buffer(-10),
                      avoid=placed + avoid_base)
    placed.append(poly)
    irows.append({"navn": "Innspill Larvik by næring", "sted": "Larvik by", "formal": "næring",
                  "rpba_avklart": False, "geometry": poly})
    innspill = gpd.GeoDataFrame(irows, crs=CRS)

    # -- quarries: one within 500 m of a Helgeroa innspill, one near Søndre Brattås ---
    qrows = []
    helg = innspill[innspill["sted"] == "Helgeroa"]
    far = helg.geometry.iloc[int(np.argmax(helg.geometry.centroid.distance(Point(sondersrod))))]
    for anchor_geom, navn, typ, daa in (
            (far, QUARRY_NAMES[0], "steinbrudd", 40.0),
            (next(r["geometry"] for r in res_rows if r["navn"] == "Søndre Brattås"), QUARRY_NAMES[1],
             "pukkverk", 30.0),
            (ug["Tjøllingvollen"], QUARRY_NAMES[2], "steinbrudd", 25.0)):
        c = anchor_geom.centroid
        r_anchor = math.sqrt(anchor_geom.area / math.pi)
        poly = place_blob(rng, (c.x, c.y), (r_anchor + 250, r_anchor + 650), daa * 1000.0,
                          container=land.buffer(-10), avoid=placed + avoid_base, gap=150.0)
        placed.append(poly)
        qrows.append({"navn": navn, "type": typ, "geometry": poly})
    harbour = inside_point(land, (559700, 6546300), 80.0)
    qrows.append({"navn": "Larvik havn lastingsområde", "type": "lastingsområde",
                  "geometry": shapely.box(harbour[0] - 120, harbour[1] - 60, harbour[0] + 120,
                                          harbour[1] + 60).intersection(land)})
    steinbrudd = gpd.GeoDataFrame(qrows, crs=CRS)

    # -- zoning (arealformal) -------------------------------------------------------
    zxy = sample_mixture(rng, N_ZONING, pxy, pscale * 1.6, pweight ** 0.5, land, uniform_share=0.22)
    cells = voronoi_cells(zxy, land)
    big = np.array([p.senterniva in ("regionsenter", "områdesenter") for p in places])
    sea_near = shapely.union_all([shapely.box(*b) for b in SEA_BOXES]).difference(outline)
    code, status = classify_zoning(rng, zxy, pxy, pscale, pweight, big, sea_near)
    # innspill lie on LNFR land; reserves and water are cut out and added below
    cut = shapely.union_all([r_["geometry"] for r_ in res_rows] + [water])
    in_insp = shapely.contains_xy(shapely.union_all(list(innspill.geometry)), zxy[:, 0], zxy[:, 1])
    code[in_insp] = 5100
    cells = shapely.difference(cells, cut)
    cells = polygonal(cells)
    keep = ~shapely.is_empty(cells) & (shapely.area(cells) > 1.0)
    zoning = gpd.GeoDataFrame({
        "arealformal": code[keep].astype("int64"),
        "arealbruksstatus": status[keep].astype("int64"),
        "utbygd": np.isin(code[keep], BUILT_CODES) & (status[keep] == 1),
        "planid": "KPA-2015",
        "navn": None,
    }, geometry=cells[keep], crs=CRS)
    # roads as 2010 polygons (cut from the cells they cross)
    road_poly = shapely.union_all([g.buffer(12 if k == "E18" else 7) for k, g in roads.items()])
    road_poly = shapely.difference(shapely.intersection(road_poly, land), cut)
    sidx = zoning.sindex.query(road_poly, predicate="intersects")
    zg = zoning.geometry.values.copy()
    zg[sidx] = polygonal(shapely.difference(zg[sidx], road_poly))
    zoning = zoning.set_geometry(gpd.GeoSeries(zg, crs=CRS))
    zoning = zoning[~zoning.geometry.is_empty & (zoning.geometry.area > 1.0)]
    extra = [{"arealformal": 2010, "arealbruksstatus": 1, "utbygd": True, "planid": "KPA-2015",
              "navn": "Hovedvegnett", "geometry": road_poly},
             {"arealformal": 6001, "arealbruksstatus": 1, "utbygd": False, "planid": "KPA-2015",
              "navn": "Numedalslågen og fjordarm", "geometry": water}]
    for rr in res_rows:
        extra.append({"arealformal": 1110, "arealbruksstatus": 2, "utbygd": False,
                      "planid": rr["planid"], "navn": rr["navn"], "geometry": rr["geometry"]})
    arealformal = pd.concat([zoning, gpd.GeoDataFrame(extra, crs=CRS)], ignore_index=True)
    arealformal["arealformal"] = arealformal["arealformal"].astype("int64")
    arealformal["arealbruksstatus"] = arealformal["arealbruksstatus"].astype("int64")
    arealformal["utbygd"] = arealformal["utbygd"].astype(bool)

    # -- health services ----------------------------------------------------------------
    hrows = []
    hspec = [("Larvik by", "sykehjem", ["Byhaven sykehjem", "Torstrand sykehjem", "Nanset sykehjem"]),
             ("Stavern", "sykehjem", ["Stavern sykehjem"]),
             ("Kvelde", "sykehjem", ["Kvelde sykehjem"]),
             ("Helgeroa", "sykehjem", ["Helgeroa sykehjem"]),
             ("Larvik by", "hjemmetjeneste", ["Hjemmetjenesten Larvik sentrum", "Hjemmetjenesten Nanset"]),
             ("Stavern", "hjemmetjeneste", ["Hjemmetjenesten Stavern"]),
             ("Kvelde", "hjemmetjeneste", ["Hjemmetjenesten Kvelde"]),
             ("Larvik by", "legekontor", ["Torget legesenter", "Bøkeskogen legekontor",
                                          "Nanset legesenter", "Sentrum legekontor"]),
             ("Stavern", "legekontor", ["Stavern legesenter", "Brunla legekontor"]),
             ("Helgeroa", "legekontor", ["Helgeroa legekontor"]),
             ("Kvelde", "legekontor", ["Kvelde legekontor"])]
    for place, typ, names in hspec:
        p = byname[place]
        for nm in names:
            xy = sample_mixture(rng, 1, np.array([p.xy]), np.array([p.scale_m * 0.6]), np.ones(1), land)[0]
            hrows.append({"navn": nm, "type": typ, "geometry": Point(xy)})
    helsetjeneste = gpd.GeoDataFrame(hrows, crs=CRS)

    # -- buildings -------------------------------------------------------------------------
    unbuilt = shapely.union_all([r_["geometry"] for r_ in res_rows] + list(innspill.geometry)
                                + list(steinbrudd.geometry) + [water]).buffer(5)
    buildable = shapely.difference(land, unbuilt)
    # omsorgsbolig blocks beside each sykehjem (all their dwellings are municipal)
    syk = helsetjeneste[helsetjeneste["type"] == "sykehjem"]
    syk_share = np.array([0.2, 0.16, 0.14, 0.2, 0.14, 0.16])
    omsorg_per = allocate_counts(syk_share, OMSORG_UNITS, rng)
    orows = []
    for (_, s), units in zip(syk.iterrows(), omsorg_per):
        nb = int(rng.integers(3, 6))
        parts = allocate_counts(rng.uniform(0.5, 1.5, nb), int(units), rng)
        for q in parts:
            if q <= 0:
                continue
            xy = sample_mixture(rng, 1, np.array([[s.geometry.x, s.geometry.y]]), np.array([120.0]),
                                np.ones(1), buildable)[0]
            orows.append({"antall_boliger": int(q), "borettslag": "", "_omsorg": int(q),
                          "_kind": "omsorg", "geometry": Point(xy)})
    # borettslag blocks with many flats, some with municipal flats (one with 32)
    brl_places = ["Larvik by"] * 8 + ["Stavern"] * 3 + ["Kvelde"]
    brl_names = ["Borettslaget Lågaparken", "Borettslaget Byskogen", "Borettslaget Tollerodden",
                 "Borettslaget Torstrand", "Borettslaget Nanset terrasse", "Borettslaget Hovland",
                 "Borettslaget Bøkeskogen", "Borettslaget Indre havn", "Borettslaget Brunlanes",
                 "Borettslaget Stavern park", "Borettslaget Fredriksvern", "Borettslaget Kvelde tun"]
    brl_muni = [32, 14, 11, 9, 8, 6, 5, 4, 6, 3, 2, 2]
    for place, nm, mu in zip(brl_places, brl_names, brl_muni):
        p = byname[place]
        xy = sample_mixture(rng, 1, np.array([p.xy]), np.array([p.scale_m * 0.45]), np.ones(1), buildable)[0]
        flats = int(rng.integers(max(40, mu * 2), 121))
        orows.append({"antall_boliger": flats, "borettslag": nm, "_brl": mu, "_kind": "brl",
                      "geometry": Point(xy)})
    special = gpd.GeoDataFrame(orows, crs=CRS)
    rest = DWELLINGS - int(special["antall_boliger"].sum())
    cand = sample_mixture(rng, 16000, pxy, pscale, pweight, buildable, uniform_share=0.10)
    sizes = building_sizes(rng, urbanity(cand, pxy, pscale, np.minimum(pweight, 1.0)))
    sizes = take_to_total(sizes, rest)
    ordinary = gpd.GeoDataFrame({"antall_boliger": sizes.astype("int64"), "borettslag": "",
                                 "_kind": "ordinary"},
                                geometry=shapely.points(cand[: len(sizes)]), crs=CRS)
    bygning = pd.concat([special, ordinary], ignore_index=True)
    bygning["_omsorg"] = bygning["_omsorg"].fillna(0).astype(int)
    bygning["_brl"] = bygning["_brl"].fillna(0).astype(int)
    bygning = sort_layer(bygning, ["_kind"])
    bygning["bygg_id"] = [f"B{i + 1:06d}" for i in range(len(bygning))]

    # -- municipal dwellings ------------------------------------------------------------
    bxy = shapely.get_coordinates(bygning.geometry.values)
    larvik_c = np.array(byname["Larvik by"].xy)
    stavern_c = np.array(byname["Stavern"].xy)
    dl = np.hypot(*(bxy - larvik_c).T)
    ds = np.hypot(*(bxy - stavern_c).T)
    cap = bygning["antall_boliger"].to_numpy() - bygning["_omsorg"].to_numpy() - bygning["_brl"].to_numpy()
    is_ord = (bygning["_kind"] == "ordinary").to_numpy()
    w = (3.0 * np.exp(-dl / 1000.0) + 0.8 * np.exp(-ds / 700.0) + 0.04) \
        * np.where(bygning["antall_boliger"].to_numpy() >= 3, 4.0, 1.0) * is_ord
    # one ordinary block near the centre with Housing First above the 20 % rule
    # (seed 004 l. 13355-13359), so the what-if and concentration checks show a case
    nb_ = bygning["antall_boliger"].to_numpy()
    blk = np.flatnonzero(is_ord & (nb_ >= 10) & (nb_ <= 16))
    hf_block = int(blk[np.argmin(dl[blk])])
    w[hf_block] = 0.0
    hf_block_units = 4
    ordinary_units = RENTAL_UNITS - int(bygning["_brl"].sum()) - hf_block_units
    order = pick_weighted(rng, w, 240)
    units = fill_units(rng, cap, order, ordinary_units, max_per=5)
    kb = [(hf_block, hf_block_units, "housing_first", "rus og psykisk helse")]
    malg_utleie = ["vanskeligstilte", "barnefamilier", "unge", "funksjonshemmede", "eldre"]
    malg_omsorg = ["eldre", "psykisk helse", "utviklingshemmede"]
    for i in np.flatnonzero(bygning["_omsorg"].to_numpy() > 0):
        kb.append((i, int(bygning["_omsorg"].iat[i]), "omsorgsbolig",
                   malg_omsorg[int(rng.integers(0, 3))]))
    brl_idx = np.flatnonzero(bygning["_brl"].to_numpy() > 0)
    for i in brl_idx:
        n_ = int(bygning["_brl"].iat[i])
        if n_ >= 8:  # some refugee flats in the bigger borettslag
            f = max(1, n_ // 5)
            kb.append((i, n_ - f, "utleie", malg_utleie[int(rng.integers(0, 5))]))
            kb.append((i, f, "flyktning", "flyktninger"))
        else:
            kb.append((i, n_, "utleie", malg_utleie[int(rng.integers(0, 5))]))
    chosen = np.flatnonzero(units > 0)
    hf_left, fl_left = 30 - hf_block_units, 60
    for i in chosen[np.argsort(-w[chosen] * 0 + rng.random(len(chosen)), kind="stable")]:
        q = int(units[i])
        if hf_left > 0 and q <= 3:
            kat, mg = "housing_first", "rus og psykisk helse"
            hf_left -= q
        elif fl_left > 0:
            kat, mg = "flyktning", "flyktninger"
            fl_left -= q
        else:
            kat, mg = "utleie", malg_utleie[int(rng.integers(0, 5))]
        kb.append((i, q, kat, mg))
    kb_idx = np.array([k[0] for k in kb])
    kommunal_bolig = gpd.GeoDataFrame({
        "antall_enheter": np.array([k[1] for k in kb], dtype="int64"),
        "kategori": [k[2] for k in kb],
        "bygg_id": bygning["bygg_id"].to_numpy()[kb_idx],
        "malgruppe": [k[3] for k in kb],
        "adresse": fake_addresses(rng, len(kb)),
    }, geometry=bygning.geometry.values[kb_idx], crs=CRS)
    kommunal_bolig = sort_layer(kommunal_bolig, ["bygg_id", "kategori"])
    bygning = bygning[["bygg_id", "antall_boliger", "borettslag", "geometry"]]

    # -- grunnkretser --------------------------------------------------------------------
    gxy = sample_mixture(rng, N_GRUNNKRETS, pxy, pscale * 1.4, pweight, outline, uniform_share=0.25)
    gcells = polygonal(voronoi_cells(gxy, outline))
    gk_place, gk_d = nearest_index(gxy, pxy)
    order_g = np.lexsort((gk_d, gk_place))
    grunnkrets = gpd.GeoDataFrame(geometry=gcells[order_g], crs=CRS)
    gp = gk_place[order_g]
    num, names = [], []
    counter: dict[int, int] = {}
    for k in gp:
        counter[k] = counter.get(k, 0) + 1
        num.append(f"3909{k + 1:02d}{counter[k]:02d}")
        names.append(f"{places[k].navn} {counter[k]}")
    grunnkrets.insert(0, "grunnkretsnummer", num)
    grunnkrets.insert(1, "grunnkretsnavn", names)
    grunnkrets = aggregate_grunnkrets(grunnkrets, bygning, POPULATION, rng)
    grunnkrets = sort_layer(grunnkrets, ["grunnkretsnummer"])

    # -- public transport -----------------------------------------------------------------
    arows, hprows = [], []
    for navn, (pts, freq) in AXES.items():
        line = _line(pts)
        arows.append({"navn": navn, "avganger_per_time": int(freq), "geometry": line})
        d = 0.0
        k = 0
        while d <= line.length:
            k += 1
            hprows.append({"navn": f"{navn} {k:02d}", "geometry": line.interpolate(d)})
            d += float(rng.uniform(400, 600))
    for p in places[2:]:
        for k in range(1, 3 if p.senterniva == "lokalsenter" else 2):
            xy = sample_mixture(rng, 1, np.array([p.xy]), np.array([250.0]), np.ones(1), land)[0]
            hprows.append({"navn": f"{p.navn} {k}", "geometry": Point(xy)})
    kollektivakse = gpd.GeoDataFrame(arows, crs=CRS)
    holdeplass = gpd.GeoDataFrame(hprows, crs=CRS)

    # -- walking network ---------------------------------------------------------------------
    discs = [Point(p.xy).buffer(3000 if p.senterniva != "nærsenter" else 1500) for p in places]
    links = [(0, 1), (0, 5), (5, 3), (0, 4), (0, 2), (2, 6), (4, 7)]
    corr = [_line([places[a].xy, places[b].xy]).buffer(160) for a, b in links]
    region = shapely.intersection(shapely.union_all(discs + corr), outline)
    edges = lattice_network(region, 150.0, rng, jitter=0.18,
                            barriers=shapely.union_all(water_lines), bridges=[(b.x, b.y) for b in bridges],
                            within=outline)
    gangnett = gpd.GeoDataFrame(geometry=edges, crs=CRS)

    # -- rasters ------------------------------------------------------------------------------
    bounds = tuple(np.add(outline.bounds, (-1000, -1000, 1000, 1000)))
    sea = shapely.difference(shapely.union_all([shapely.box(*b) for b in SEA_BOXES]), outline)
    steep = []
    for r_ in res_rows:
        if r_["navn"] == "Søndre Brattås":
            c = r_["geometry"].centroid
            steep.append((c.x + 150, c.y, 70.0, 160.0))
    c = far.centroid
    steep.append((c.x, c.y + 60, 55.0, 130.0))
    terreng, ttr = terrain_raster(outline, sea, bounds, 50.0, rng, hills=70, relief=110.0,
                                  trend=(0.0, 0.008), valleys=[river], steep=steep)
    sources = [(roads["E18"], 78.0), (rail, 74.0)] + \
        [(roads[k], 70.0) for k in ("Rv. 40", "Fv. 301", "Fv. 302", "Fv. 303")] + \
        [(g, 72.0 if t != "lastingsområde" else 66.0) for g, t in zip(steinbrudd.geometry, steinbrudd["type"])]
    stoy, str_ = noise_raster(bounds, 25.0, sources, mask=outline)

    layers = {
        "kommune": kommune,
        "sentrum": sort_layer(sentrum, ["navn"]),
        "skole": sort_layer(skole, ["sted", "navn"]),
        "utviklingsgrense": sort_layer(utv, ["navn"]),
        "arealformal": sort_layer(arealformal, ["arealformal", "arealbruksstatus"]),
        "innspill": sort_layer(innspill, ["sted", "navn"]),
        "steinbrudd": sort_layer(steinbrudd, ["navn"]),
        "kollektivakse": sort_layer(kollektivakse, ["navn"]),
        "holdeplass": sort_layer(holdeplass, ["navn"]),
        "grunnkrets": grunnkrets,
        "bygning": bygning.reset_index(drop=True),
        "kommunal_bolig": kommunal_bolig,
        "helsetjeneste": sort_layer(helsetjeneste, ["type", "navn"]),
        "gangnett": sort_layer(gangnett, []),
    }
    rasters = {"terreng": (terreng, ttr, None), "stoy": (stoy, str_, 255)}
    return layers, rasters


def metadata_table(layers: dict[str, gpd.GeoDataFrame], seed: int = SEED) -> pd.DataFrame:
    """The ``metadata`` table: what is synthetic, what comes from the sources, attribution."""
    rows = [
        ("beskrivelse", "Demokommune for geoplan: en SYNTETISK kommune lagt på Larvik kommunes "
                        "yttergrense. Bygninger, boliger, kommunale boliger, grunnkretser, soner, "
                        "skoler, veger, gangnett, terreng og støy er oppdiktet."),
        ("syntetisk", "Alt er syntetisk unntatt kommunegrensen og tallene hentet fra kildene "
                      "(se kilde_*). Adresser og navn på bygg, borettslag og tjenester er oppdiktet."),
        ("attribusjon", ATTRIBUTION),
        ("kilde_dokument", "Larvik kommune, Boligplan 2015–2020 (seed 004_974c5e6e4f5c28ee.txt)"),
        ("kilde_befolkning", f"{POPULATION} innbyggere 01.01.2014 (seed 004 l. 2368); "
                             f"boligmassen ({DWELLINGS} boliger) er et syntetisk, Larvik-likt tall"),
        ("kilde_senterstruktur", "Larvik by regionsenter, Stavern områdesenter, Kvelde/Helgeroa/"
                                 "Tjøllingvollen lokalsenter, Østre Halsen/Nevlunghavn/Hvarnes "
                                 "nærsenter (seed 004 l. 633–636); omtrentlige posisjoner"),
        ("kilde_kollektivakser", "Stavern–Gon og Bommestad–Klova (seed 004 l. 638–640); "
                                 "traséer og holdeplasser er syntetiske"),
        ("kilde_boligreserve", "Navngitte reserver med oppgitt areal: Helgeroa (seed 004 l. 2417–2418), "
                               "Kvelde (l. 2456–2458); Tjøllingvollen har ingen (l. 2426). Formen og "
                               "plasseringen er syntetiske. Reservene i Larvik by og Stavern og de to "
                               "utenfor utviklingsgrensene er syntetiske."),
        ("kilde_innspill", "Helgeroa 14 områder, 429 daa, sentrert rundt Søndersrød (tabellen, "
                           "seed 004 l. 2404–2412; teksten l. 2412 sier 492 daa – demoen bruker "
                           "tabellens 429); Tjøllingvollen 84 daa (l. 2430); Kvelde 154 daa "
                           "(l. 2449). Innspill i Larvik by og Stavern er syntetiske."),
        ("kilde_tetthet", "4 boenheter per daa i Larvik by, 3 i avklaringsområdene (seed 004 "
                          "l. 2370–2375); 4 for Stavern er et kommunalt valg (som config/reserves.toml)"),
        ("kilde_kommunale_boliger", f"{RENTAL_UNITS} utleieenheter og {OMSORG_UNITS} omsorgsboliger "
                                    "(646 og 382 per oktober 2013, seed 004 l. 2661–2662); ett "
                                    "borettslag med 32 kommunale leiligheter (l. 2895, 9775). "
                                    "Fordelingen er syntetisk."),
        ("koordinatsystem", CRS),
        ("generator", f"geoplan.demo.build_demo(seed={seed})"),
    ]
    for name, g in layers.items():
        rows.append((f"antall_{name}", str(len(g))))
    return pd.DataFrame(rows, columns=["nokkel", "verdi"])


README_TEXT = """# Demodata: syntetisk Larvik (geoplan)

**Dette er syntetiske data.** Alt er oppdiktet unntatt

* kommunegrensen (Larvik, 3909): {attribution}
* tallene hentet fra Larvik kommunes Boligplan 2015–2020 (seed 004): navngitte boligreserver
  og arealene deres (l. 2417–2418, 2456–2458), innspill per sted (Helgeroa 429 daa i
  tabellen l. 2404, mens teksten l. 2412 sier 492; Tjøllingvollen 84; Kvelde 154),
  folketallet 43 200 (01.01.2014, l. 2368), senterstrukturen (l. 633–636),
  kollektivaksene (l. 638–640) og antallet kommunale utleieboliger og omsorgsboliger
  (l. 2661–2662; ett borettslag med 32 kommunale leiligheter, l. 2895).

Bygninger, adresser, borettslag, grunnkretser, arealformål, skoler, helsetjenester,
steinbrudd, gangnett, terreng og støy er syntetiske. Reservene i Larvik by og Stavern
er syntetiske. Adressene er oppdiktet: dataene inneholder ingen virkelige personers hjem.

Filer (EPSG:25832):

* `demo.gpkg` – alle vektorlag, pluss tabellen `metadata`
* `terreng.tif` – høyde over havet (m, float32, 50 m celler)
* `stoy.tif` – støy Lden (dB, uint8, 25 m celler, 255 = ingen data)

Lag ({n} stk.):

{table}

Bygges på nytt, likt hver gang, med `python -m geoplan demo --out MAPPE`.
"""


def write_demo(out_dir: str | os.PathLike, seed: int = SEED) -> dict[str, Path]:
    """Build the demo and write it to ``out_dir`` (created if missing), each file atomically.

    Returns
    -------
    dict of file role -> path (``gpkg``, ``terreng``, ``stoy``, ``readme``)
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    layers, rasters = build_demo(seed)
    meta = metadata_table(layers, seed)
    paths = {"gpkg": write_gpkg(layers, out / "demo.gpkg", meta)}
    t, ttr, _ = rasters["terreng"]
    paths["terreng"] = write_geotiff(t, ttr, out / "terreng.tif", description="høyde", units="m")
    s, str_, nd = rasters["stoy"]
    paths["stoy"] = write_geotiff(s, str_, out / "stoy.tif", nodata=nd, description="Lden", units="dB")
    table = "\n".join(f"* `{k}` – {len(v)} objekter" for k, v in layers.items())
    paths["readme"] = write_text_atomic(out / "README.md", README_TEXT.format(
        attribution=ATTRIBUTION, n=len(layers), table=table))
    return paths


def summary(layers: dict[str, gpd.GeoDataFrame]) -> dict:
    """Key figures of the demo (for the CLI and tests)."""
    af = layers["arealformal"]
    res = af[(af["arealformal"] == 1110) & ((af["arealbruksstatus"] == 2) | ~af["utbygd"])]
    named = {n: round(float(a) / 1000.0, 3) for n, a in zip(res["navn"], res.geometry.area) if n}
    insp = layers["innspill"]
    ins = insp[insp["formal"] == "bolig"].assign(a=insp.geometry.area / 1000.0).groupby("sted")["a"].sum()
    kb = layers["kommunal_bolig"]
    return {
        "boligreserver_daa": named,
        "innspill_daa": {k: round(float(v), 3) for k, v in ins.items()},
        "antall_boliger": int(layers["grunnkrets"]["antall_boliger"].sum()),
        "befolkning": int(layers["grunnkrets"]["befolkning"].sum()),
        "kommunale_enheter": {k: int(v) for k, v in kb.groupby("kategori")["antall_enheter"].sum().items()},
        "bygg_med_kommunale_boliger": int(kb["bygg_id"].nunique()),
        "gangnett_lenker": int(len(layers["gangnett"])),
    }


def read_layers(gpkg: str | os.PathLike) -> dict[str, gpd.GeoDataFrame]:
    """Read every spatial layer of a demo GeoPackage (plain pyogrio, no validation)."""
    import pyogrio

    out = {}
    for name, gtype in pyogrio.list_layers(gpkg):
        if gtype is None:
            continue
        out[str(name)] = pyogrio.read_dataframe(gpkg, layer=name)
    return out
