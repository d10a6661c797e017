"""Rasters through rasterio: terrain slope, noise, zonal statistics, GeoTIFF output.

A :class:`Raster` holds one band in memory with its transform and CRS, so a
site assessment or a reserve table can ask many questions of it without
reading the file again. :func:`open_raster` caches them by path and
modification time.

Slope is computed with central differences (``numpy.gradient``) on the
cell size, in percent (rise / run × 100) or degrees. Zonal statistics count
the cells whose centre lies in a polygon; polygons smaller than a cell fall
back to the cells they touch, and points read the cell they lie in.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np
import shapely
from affine import Affine
from pyproj import CRS, Transformer

from geoplan.errors import DataProblem, UnreadableInput
from geoplan.io.writers import atomic_path
from geoplan.numbers import short_number


def slope_percent(elevation: np.ndarray, cellsize: float | tuple[float, float]) -> np.ndarray:
    """Slope of an elevation grid in percent (100 × rise/run).

    Parameters
    ----------
    elevation : 2-D array, metres (NaN for nodata).
    cellsize : cell size in metres, or ``(dx, dy)``.
    """
    if isinstance(cellsize, (int, float, np.number)):
        dx = dy = float(cellsize)
    else:
        dx, dy = (abs(float(c)) for c in cellsize)
    z = np.asarray(elevation, dtype="float64")
    if z.shape[0] < 2 or z.shape[1] < 2:
        return np.full(z.shape, np.nan)
    gy, gx = np.gradient(z, dy, dx)
    return np.hypot(gx, gy) * 100.0


def slope_degrees(elevation: np.ndarray, cellsize: float | tuple[float, float]) -> np.ndarray:
    """Slope in degrees."""
    return np.degrees(np.arctan(slope_percent(elevation, cellsize) / 100.0))


@dataclass
class Raster:
    """One band in memory, with its georeference."""

    path: Path
    data: np.ndarray            # float64, NaN where nodata
    transform: Affine
    crs: CRS
    unit: str = ""

    @property
    def cellsize(self) -> tuple[float, float]:
        return abs(self.transform.a), abs(self.transform.e)

    @functools.cached_property
    def slope_pct(self) -> "Raster":
        """The slope of this (elevation) raster, in percent, as a Raster."""
        return Raster(self.path, slope_percent(self.data, self.cellsize), self.transform,
                      self.crs, unit="%")

    # -- geometry helpers ----------------------------------------------------
    def _to_raster_crs(self, geoms: np.ndarray, crs: CRS | None) -> np.ndarray:
        from geoplan.io.crs import same_crs

        if crs is None or same_crs(crs, self.crs):
            return geoms
        tr = Transformer.from_crs(CRS.from_user_input(crs), self.crs, always_xy=True)
        return shapely.transform(geoms, lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1])))

    def sample(self, points: Sequence | np.ndarray, crs: CRS | None = None) -> np.ndarray:
        """Values at points (NaN outside the raster or on nodata)."""
        geoms = self._to_raster_crs(np.asarray(points, dtype=object), crs)
        xy = shapely.get_coordinates(shapely.centroid(geoms))
        inv = ~self.transform
        cols, rows = inv @ (xy[:, 0], xy[:, 1])
        cols = np.floor(cols).astype(int)
        rows = np.floor(rows).astype(int)
        h, w = self.data.shape
        ok = (rows >= 0) & (rows < h) & (cols >= 0) & (cols < w)
        out = np.full(len(xy), np.nan)
        out[ok] = self.data[rows[ok], cols[ok]]
        return out

    def cells_in(self, geom) -> np.ndarray:
        """Values of the cells whose centre lies in ``geom`` (raster CRS).

        Points and lines read the cells they touch; a polygon smaller than a
        cell falls back to the cells it touches, so it is never empty when it
        overlaps the raster.
        """
        from rasterio import features, windows

        if geom is None or geom.is_empty:
            return np.array([])
        h, w = self.data.shape
        minx, miny, maxx, maxy = geom.bounds
        if geom.geom_type in ("Polygon", "MultiPolygon"):
            fast = self._cells_fast(geom, (minx, miny, maxx, maxy))
            if fast is not None:
                return fast
        win = windows.from_bounds(minx, miny, maxx, maxy, self.transform)
        c0 = max(int(np.floor(win.col_off)) - 1, 0)
        r0 = max(int(np.floor(win.row_off)) - 1, 0)
        c1 = min(int(np.ceil(win.col_off + win.width)) + 1, w)
        r1 = min(int(np.ceil(win.row_off + win.height)) + 1, h)
        if c0 >= c1 or r0 >= r1:
            return np.array([])
        sub = self.data[r0:r1, c0:c1]
        tr = self.transform @ self.transform.translation(c0, r0)
        if geom.geom_type in ("Point", "MultiPoint"):
            return self.sample([geom])
        mask = features.geometry_mask([geom], out_shape=sub.shape, transform=tr, invert=True,
                                      all_touched=geom.geom_type not in ("Polygon", "MultiPolygon"))
        if not mask.any():
            mask = features.geometry_mask([geom], out_shape=sub.shape, transform=tr, invert=True,
                                          all_touched=True)
        return sub[mask]

    def _cells_fast(self, geom, bounds: tuple[float, float, float, float]) -> np.ndarray | None:
        """:meth:`cells_in` of a polygon by :func:`_polygon_mask` on a window one cell
        wider than its bounds (any window that covers it gives the same cells, in the
        same row-major order); None when the polygon needs the rasteriser."""
        tr = self.transform
        if tr.b != 0 or tr.d != 0 or not all(np.isfinite(bounds)):
            return None
        h, w = self.data.shape
        minx, miny, maxx, maxy = bounds
        cols = sorted(((minx - tr.c) / tr.a, (maxx - tr.c) / tr.a))
        rows = sorted(((miny - tr.f) / tr.e, (maxy - tr.f) / tr.e))
        c0, c1 = max(int(np.floor(cols[0])) - 1, 0), min(int(np.ceil(cols[1])) + 1, w)
        r0, r1 = max(int(np.floor(rows[0])) - 1, 0), min(int(np.ceil(rows[1])) + 1, h)
        if c0 >= c1 or r0 >= r1:
            return np.array([])
        mask = _polygon_mask(geom, tr, r0, r1, c0, c1)
        return None if mask is None else self.data[r0:r1, c0:c1][mask]

    def zonal(self, geoms: Iterable, crs: CRS | None = None,
              threshold: float | None = None) -> dict[str, np.ndarray]:
        """min, mean, max, cell count and (with ``threshold``) share above it per geometry."""
        garr = self._to_raster_crs(np.asarray(list(geoms), dtype=object), crs)
        n = len(garr)
        out = {k: np.full(n, np.nan) for k in ("min", "mean", "max", "p90", "andel_over")}
        out["celler"] = np.zeros(n, dtype=int)
        for i, g in enumerate(garr):  # one windowed mask per geometry, as rasterstats does
            vals = self.cells_in(g)
            vals = vals[np.isfinite(vals)]
            out["celler"][i] = vals.size
            if vals.size == 0:
                continue
            out["min"][i] = vals.min()
            out["mean"][i] = vals.mean()
            out["max"][i] = vals.max()
            out["p90"][i] = np.percentile(vals, 90)
            if threshold is not None:
                out["andel_over"][i] = float((vals > threshold).mean())
        return out


def _polygon_mask(geom, transform: Affine, r0: int, r1: int, c0: int,
                  c1: int) -> np.ndarray | None:
    """The mask rasterio's ``geometry_mask`` gives a polygon on window rows r0:r1, columns
    c0:c1: the cells whose centre lies inside, else (a polygon that holds no centre)
    the cells it touches, computed with shapely predicates on the cell centres and
    boxes instead of rasterising (a site is a few hundred cells, where the rasteriser's
    set-up is most of the time).

    GDAL decides a centre on the boundary by its own half-open rule, and floating
    point there is its own; so the mask is only returned when no centre lies on or
    within a millionth of a cell of the boundary (no box just touching it, for the
    fallback), else None and the caller rasterises. ``None`` too for a rotated grid.
    """
    if transform.b != 0 or transform.d != 0:
        return None
    cw, ch = transform.a, transform.e
    # the centres as a row of x and a column of y: the predicates broadcast them over the
    # window in C (np.meshgrid alone costs 40 us on a few cells)
    xs = (transform.c + cw * (np.arange(c0, c1) + 0.5))[None, :]
    ys = (transform.f + ch * (np.arange(r0, r1) + 0.5))[:, None]
    shapely.prepare(geom)
    ex, ey = abs(cw) * 1e-6, abs(ch) * 1e-6
    sx = np.array([0.0, ex, -ex, 0.0, 0.0])[:, None, None]     # the centres, and nudged
    sy = np.array([0.0, 0.0, 0.0, ey, -ey])[:, None, None]
    inside_all = shapely.contains_xy(geom, xs + sx, ys + sy)
    inside = inside_all[0]
    if not (inside_all == inside).all():
        return None
    if shapely.intersects_xy(geom, xs, ys).sum() != inside.sum():
        return None
    if inside.any():
        return inside
    xx, yy = np.meshgrid(xs[0], ys[:, 0])
    hx, hy = abs(cw) / 2, abs(ch) / 2
    touch = [shapely.intersects(geom, shapely.box(xx - hx - e, yy - hy - f, xx + hx + e, yy + hy + f))
             for e, f in ((0.0, 0.0), (ex, ey), (-ex, -ey))]
    if not (np.array_equal(touch[0], touch[1]) and np.array_equal(touch[0], touch[2])):
        return None
    return touch[0]


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


#: the most cells one raster may have: 60 million float64 cells are 480 MB, and the
#: slope of a terrain model needs as much again (a 10 m model of 70 × 85 km fits)
MAX_CELLS = 60_000_000


def raster_problem(src, name: str) -> str | None:
    """Why an open rasterio dataset cannot be used, in Norwegian (None: usable).

    Refused: no CRS; a projected CRS whose unit is not the metre; more than
    :data:`MAX_CELLS` cells (the size is read from the header, before any cell
    is). A raster in degrees (EPSG:4326) is usable: :func:`open_raster`
    reprojects it to EUREF89 UTM, since slope needs the cell size in metres.
    """
    if src.crs is None:
        return (f"Rasteret {name} har ikke koordinatsystem. Sett CRS (f.eks. EPSG:25832) "
                "i GeoTIFF-filen og prøv igjen.")
    crs = CRS.from_user_input(src.crs)
    if crs.is_projected:
        unit = (crs.axis_info[0].unit_name or "").lower() if crs.axis_info else ""
        if unit not in ("metre", "meter", "m"):
            return (f"Rasteret {name} har koordinatsystemet «{crs.name}» med enheten «{unit}», "
                    "ikke meter. Transformer det til EUREF89 UTM (f.eks. EPSG:25832) og prøv igjen.")
    elif not crs.is_geographic:
        return (f"Rasteret {name} har et koordinatsystem geoplan ikke kan bruke («{crs.name}»). "
                "Transformer det til EUREF89 UTM (f.eks. EPSG:25832).")
    cells = int(src.width) * int(src.height)
    if cells > MAX_CELLS:
        def n(v: float) -> str:
            return f"{v:,.0f}".replace(",", "\u00a0")
        gb = f"{cells * 16 / 2**30:.1f}".replace(".", ",")
        return (f"Rasteret {name} har {n(src.width)} × {n(src.height)} celler ({n(cells)}), mer enn "
                f"geoplan leser ({n(MAX_CELLS)}); det ville kreve om lag {gb} GB minne. "
                "Klipp det til kommunen eller gjør cellene større (f.eks. gdalwarp -tr 10 10) "
                "og prøv igjen.")
    return None


def raster_size_note(src) -> str:
    """«2 000 × 1 500 celler à 10 m» (a raster in degrees: the cell size in degrees, and that it is reprojected)."""
    crs = CRS.from_user_input(src.crs)
    w, h = (f"{v:,}".replace(",", "\u00a0") for v in (src.width, src.height))
    cell = short_number(abs(src.res[0]))
    if crs.is_geographic:
        return (f"{w} × {h} celler à {cell} grader; rasteret transformeres til EUREF89 UTM "
                "(meter) før helning og verdier beregnes.")
    return f"{w} × {h} celler à {cell} m."


def _read_band(src, name: str) -> tuple[np.ndarray, Affine, CRS]:
    """Band 1 as float64 (NaN for nodata) in a metric CRS; a raster in degrees is reprojected."""
    crs = CRS.from_user_input(src.crs)
    arr = src.read(1, masked=True).astype("float64").filled(np.nan)
    if not crs.is_geographic:
        return arr, src.transform, crs
    from rasterio.warp import Resampling, calculate_default_transform, reproject

    from geoplan.io.crs import utm_for_lon

    west, south, east, north = src.bounds
    dst = CRS.from_epsg(utm_for_lon((west + east) / 2))
    tr, w, h = calculate_default_transform(src.crs, dst.to_wkt(), src.width, src.height,
                                          *src.bounds)
    if int(w) * int(h) > MAX_CELLS:
        raise DataProblem(f"Rasteret {name} blir for stort ({w} × {h} celler) når det "
                          "transformeres fra grader til meter. Klipp det til kommunen først.")
    out = np.full((h, w), np.nan)
    reproject(arr, out, src_transform=src.transform, src_crs=src.crs, dst_transform=tr,
              dst_crs=dst.to_wkt(), src_nodata=np.nan, dst_nodata=np.nan,
              resampling=Resampling.bilinear)
    return out, tr, dst


def _unreadable(path: Path, e: Exception) -> UnreadableInput:
    if isinstance(e, PermissionError) or not os.access(path, os.R_OK):
        why = "ingen lesetilgang til filen"
    else:
        why = "filen er ikke en gyldig GeoTIFF, eller den er skadet eller avkortet"
    return UnreadableInput(f"Rasteret {path.name} kan ikke leses: {why}. "
                           "Kontroller filen og prøv igjen.")


#: a raster whose band is at most this large (float64 bytes) is kept in the load cache
#: (:mod:`geoplan.io.cache`) once read: a later run of a command takes it from there
#: without importing rasterio and decoding the GeoTIFF (0,1 s of a 1 s command on the
#: demo); a larger one is read afresh each time (its decoding outweighs the import)
CACHE_MAX_BYTES = 64 * 1024 * 1024


def _cache_key(path: str) -> dict | None:
    """The load-cache key of a raster: its file and companions (size, time, content) and
    the installed rasterio that reads it (by its files, not imported)."""
    import importlib.util

    from geoplan.io import cache

    spec = importlib.util.find_spec("rasterio")
    stamp = None
    if spec is not None and spec.origin and os.path.exists(spec.origin):
        st = os.stat(spec.origin)
        stamp = (spec.origin, st.st_size, st.st_mtime_ns)
    return cache.make_key(Path(path), {"raster": "bånd 1, float64, metrisk", "rasterio": stamp})


def _compact(r: Raster, dtype: str) -> tuple:
    """What the cache keeps of ``r``: its cells in the file's own type (``dtype``) when
    they round-trip exactly (a noise raster of bytes is an eighth of its float64 band),
    the NaN cells as a bit mask, and the georeference."""
    nan = np.isnan(r.data)
    values = np.where(nan, 0.0, r.data)
    try:
        small = values.astype(dtype)
        if not np.array_equal(small.astype("float64"), values):
            small = values             # reprojected (bilinear) cells: kept as they are
    except (TypeError, ValueError):
        small = values
    return (str(r.path), small, np.packbits(nan, axis=None), r.data.shape,
            tuple(r.transform)[:6], r.crs.to_wkt(), r.unit)


def _uncompact(kept: Any) -> Raster | None:
    try:
        path, small, bits, shape, tr, wkt, unit = kept
        data = small.astype("float64")
        data[np.unpackbits(bits, count=data.size).reshape(shape).astype(bool)] = np.nan
        return Raster(Path(path), data, Affine(*tr), CRS.from_wkt(wkt), unit=unit)
    except Exception:  # noqa: BLE001 - an entry of another shape: read the file afresh
        return None


@functools.lru_cache(maxsize=8)
def _open_cached(path: str, mtime: float) -> Raster:
    from geoplan.io import cache

    key = _cache_key(path) if cache.enabled() else None
    kept = _uncompact(cache.lookup(key)) if key is not None else None
    if kept is not None and str(kept.path) == path:
        return kept
    r, dtype = _read_raster(path)
    if key is not None and r.data.nbytes <= CACHE_MAX_BYTES:
        cache.store(key, _compact(r, dtype))
    return r


def _read_raster(path: str) -> tuple[Raster, str]:
    """Read the GeoTIFF at ``path`` with rasterio (checked by :func:`raster_problem`);
    with the band's type in the file."""
    import rasterio

    name = Path(path).name
    try:
        with rasterio.open(path) as src:
            problem = raster_problem(src, name)
            if problem:
                raise DataProblem(problem)
            data, transform, crs = _read_band(src, name)
            return Raster(Path(path), data, transform, crs,
                          unit=(src.units[0] or "") if src.units else ""), str(src.dtypes[0])
    except DataProblem:
        raise
    except MemoryError:
        raise DataProblem(f"Rasteret {name} er for stort for minnet på denne maskinen. "
                          "Klipp det til kommunen eller gjør cellene større.") from None
    except Exception as e:
        raise _unreadable(Path(path), e) from None


def open_raster(path: str | os.PathLike) -> Raster:
    """Open (and cache) a single-band GeoTIFF as a :class:`Raster` in a metric CRS.

    A raster in degrees is reprojected to its EUREF89 UTM zone; one without a CRS,
    in a non-metric projection or with more than :data:`MAX_CELLS` cells is
    refused (:func:`raster_problem`).
    """
    p = Path(path)
    if not p.exists():
        raise UnreadableInput(f"Fant ikke rasteret {p.name}.")
    return _open_cached(str(p.resolve()), _mtime(p))


def zonal_stats(geoms: Iterable, raster_path: str | os.PathLike, *, crs=None,
                derive: str | None = None, threshold: float | None = None) -> dict[str, np.ndarray]:
    """Zonal statistics of a GeoTIFF over geometries.

    Parameters
    ----------
    geoms : shapely geometries (or a GeoSeries) in ``crs``.
    raster_path : GeoTIFF path.
    crs : CRS of ``geoms`` (defaults to the GeoSeries' CRS, else the raster's).
    derive : ``None`` for the values, ``"slope"`` for slope in percent.
    threshold : with it, ``andel_over`` is the share of cells above it (0-1).

    Returns
    -------
    dict of arrays ``min``, ``mean``, ``max``, ``p90``, ``andel_over``, ``celler``.
    """
    if crs is None and hasattr(geoms, "crs"):
        crs = geoms.crs
    r = open_raster(raster_path)
    if derive == "slope":
        r = r.slope_pct
    elif derive is not None:
        raise ValueError(f"unknown derive {derive!r}")
    return r.zonal(np.asarray(geoms, dtype=object) if not hasattr(geoms, "values") else geoms.values,
                   crs=crs, threshold=threshold)


def zonal_share_above(geoms: Iterable, raster_path: str | os.PathLike, threshold: float, *,
                      crs=None, derive: str | None = None) -> np.ndarray:
    """Share (0-1) of each geometry's cells above ``threshold`` (NaN where no cells)."""
    return zonal_stats(geoms, raster_path, crs=crs, derive=derive, threshold=threshold)["andel_over"]


def sample(points: Iterable, raster_path: str | os.PathLike, *, crs=None,
           derive: str | None = None) -> np.ndarray:
    """Raster values at points (NaN outside)."""
    if crs is None and hasattr(points, "crs"):
        crs = points.crs
    r = open_raster(raster_path)
    if derive == "slope":
        r = r.slope_pct
    return r.sample(np.asarray(points, dtype=object) if not hasattr(points, "values") else points.values,
                    crs=crs)


def write_geotiff(path: str | os.PathLike, array: np.ndarray, transform, crs, *,
                  nodata: float | None = None, dtype: str | None = None,
                  tags: dict | None = None, option: str = "utfilen") -> Path:
    """Write one band as a deflate-compressed GeoTIFF, atomically."""
    import rasterio

    arr = np.asarray(array)
    dtype = dtype or str(arr.dtype)
    profile = dict(driver="GTiff", height=arr.shape[0], width=arr.shape[1], count=1,
                   dtype=dtype, crs=CRS.from_user_input(crs).to_wkt(), transform=transform,
                   compress="deflate", tiled=arr.shape[0] >= 256 and arr.shape[1] >= 256)
    if profile["tiled"]:
        profile.update(blockxsize=256, blockysize=256)
    if nodata is not None:
        profile["nodata"] = nodata
    if np.issubdtype(np.dtype(dtype), np.floating):
        profile["predictor"] = 3
    with atomic_path(path, option=option) as tmp:
        with rasterio.open(tmp, "w", **profile) as dst:
            dst.write(arr.astype(dtype), 1)
            if tags:
                dst.update_tags(**{k: str(v) for k, v in tags.items()})
    return Path(path)
