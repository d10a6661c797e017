"""Sites to assess: typed coordinates and site files.

:func:`parse_xy` is the one reader of typed coordinates «X,Y» (``geoplan assess
--site``, ``geoplan concentration --add X,Y,N`` and the app's «Vurder tomt»
page all use it); :func:`read_sites` turns ``--site`` (coordinates or a
GeoJSON/GeoPackage file with points or polygons) into a GeoDataFrame in the
data's CRS.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from geoplan.errors import DataProblem, UnreadableInput

_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"

#: two numbers (decimal point) separated by a comma, a semicolon or whitespace
_XY = re.compile(rf"^\s*({_NUMBER})\s*(?:[,;]|\s)\s*({_NUMBER})\s*$")


def parse_xy(text: str) -> tuple[float, float]:
    """``"566000,6550000"`` -> ``(566000.0, 6550000.0)``.

    Two numbers with a decimal point (an optional sign, an exponent allowed),
    separated by a comma, a semicolon or whitespace, with any whitespace around
    them: ``"566000, 6550000"``, ``"566000;6550000"``, ``"566000 6550000.5"``.
    The numbers are taken as they are (X east, Y north, in the data's CRS).

    Raises
    ------
    geoplan.errors.UnreadableInput
        When ``text`` is not two such (finite) numbers.
    """
    m = _XY.match(str(text))
    if not m or not all(math.isfinite(float(v)) for v in m.groups()):
        raise UnreadableInput(
            f"«{text}» er ikke koordinater. Skriv koordinatene som X, Y i meter (to tall med "
            "desimalpunktum, skilt med komma, semikolon eller mellomrom), f.eks. 566000, 6550000."
        )
    return float(m.group(1)), float(m.group(2))


def _point_site(spec: str, x: float, y: float, data_crs) -> gpd.GeoDataFrame:
    if abs(x) <= 180 and abs(y) <= 90 and getattr(data_crs, "is_projected", False):
        raise UnreadableInput(
            f"--site {spec}: koordinatene ser ut som lengde- og breddegrad (grader), men X,Y "
            f"skal være i dataenes koordinatsystem (EPSG:{data_crs.to_epsg()}, meter), "
            "f.eks. --site 565000,6550000. Et punkt i grader kan gis som en GeoJSON-fil."
        )
    return gpd.GeoDataFrame({"navn": [f"Punkt {x:.0f}, {y:.0f}"]},
                            geometry=[shapely.Point(x, y)], crs=data_crs)


def _read_site_file(path: Path, layer: str | None) -> gpd.GeoDataFrame:
    try:
        import pyogrio

        if layer is None and path.suffix.lower() == ".gpkg":
            layers = pyogrio.list_layers(path)
            if len(layers) > 1:
                names = ", ".join(str(n) for n in layers[:, 0])
                raise UnreadableInput(
                    f"Tomtefilen {path.name} har flere lag ({names}). Velg ett med --site-layer."
                )
        return gpd.read_file(path, layer=layer) if layer else gpd.read_file(path)
    except UnreadableInput:
        raise
    except Exception as e:  # pyogrio / fiona errors: not geodata, truncated ...
        first = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise UnreadableInput(
            f"Tomtefilen {path.name} kan ikke leses som geodata ({first}). "
            "Bruk GeoJSON eller GeoPackage med et punkt eller en flate."
        ) from None


def _usable_sites(gdf: gpd.GeoDataFrame, path: Path) -> gpd.GeoDataFrame:
    if gdf.crs is None:
        raise UnreadableInput(
            f"Tomtefilen {path.name} har ikke koordinatsystem. Lagre den med CRS "
            "(f.eks. EPSG:25832 eller EPSG:4326), eller oppgi tomta som --site X,Y."
        )
    geoms = gdf.geometry
    empty = geoms.isna() | geoms.is_empty
    if len(gdf) == 0 or empty.all():
        raise UnreadableInput(f"Tomtefilen {path.name} har ingen geometrier.")
    if empty.any():
        gdf = gdf[~empty]
    with np.errstate(invalid="ignore"):
        nonfinite = ~np.isfinite(gdf.geometry.bounds.to_numpy(dtype=float)).all(axis=1)
    if nonfinite.any():
        raise UnreadableInput(
            f"Tomtefilen {path.name} har {int(nonfinite.sum())} geometri(er) med koordinater som "
            "ikke er endelige tall (inf eller nan). Rett filen og prøv igjen.")
    bad = set(gdf.geom_type) - {"Point", "MultiPoint", "Polygon", "MultiPolygon"}
    if bad:
        raise DataProblem(
            f"Tomtefilen {path.name} har geometritypen {', '.join(sorted(bad))}. En tomt må "
            "være et punkt eller en flate (Polygon)."
        )
    return gdf


def read_sites(spec: str, data_crs, layer: str | None = None) -> gpd.GeoDataFrame:
    """The site(s) of ``--site``: coordinates ``X,Y`` or a file, in the data's CRS.

    Parameters
    ----------
    spec
        ``X,Y`` in the data's CRS (metres; see :func:`parse_xy`), or the path of a
        GeoJSON/GeoPackage file with points or polygons in any CRS it declares.
    data_crs : pyproj.CRS
        The data's working CRS; the sites are returned in it.
    layer
        The layer of a GeoPackage with several.

    Returns
    -------
    One row per site (a ``navn`` column for coordinates: «Punkt X, Y»), index 0..n-1.

    Raises
    ------
    geoplan.errors.UnreadableInput
        (exit 2) Coordinates in degrees, a file that does not exist, cannot be
        read, has no CRS or no geometries.
    geoplan.errors.DataProblem
        A file with lines or other geometries that are not sites.
    """
    try:
        x, y = parse_xy(spec)
    except UnreadableInput:
        pass   # not coordinates: a file
    else:
        return _point_site(spec, x, y, data_crs)
    path = Path(spec)
    if not path.exists():
        raise UnreadableInput(
            f"Fant ikke tomtefilen «{spec}». Oppgi en GeoJSON- eller GeoPackage-fil, "
            "eller koordinater som X,Y (f.eks. --site 565000,6550000) i dataenes koordinatsystem."
        )
    if path.is_dir():
        raise UnreadableInput(f"«{spec}» er en mappe; --site må være en fil eller X,Y.")
    gdf = _usable_sites(_read_site_file(path, layer), path)
    return gdf.to_crs(data_crs).reset_index(drop=True)


#: how far outside the municipality a site may reach (a plot on the border), metres
INSIDE_TOLERANCE_M = 1000.0


def _study_area(ds):
    """The municipality (``kommune`` layer), else the extent of every layer widened by 5 km."""
    kom = ds.get("kommune") if hasattr(ds, "get") else None
    if kom is not None and len(kom):
        return shapely.union_all(kom.geometry.to_numpy()), "kommunen"
    boxes = [shapely.box(*g.total_bounds) for g in getattr(ds, "layers", {}).values()
             if g is not None and len(g) and np.isfinite(g.total_bounds).all()]
    if not boxes:
        return None, ""
    return shapely.box(*shapely.union_all(boxes).bounds).buffer(5000.0), "dataenes område"


def require_inside(geoms, ds, option: str = "--site") -> None:
    """Refuse sites (or a what-if point) that lie outside the municipality.

    ``geoms``: shapely geometries in the data's CRS. The message recognises
    coordinates given as Y,X (swapped) and says how far outside the point is.

    Raises
    ------
    geoplan.errors.UnreadableInput
        A geometry with non-finite coordinates, or more than
        :data:`INSIDE_TOLERANCE_M` outside the municipality.
    """
    area, what = _study_area(ds)
    for g in geoms:
        b = np.asarray(g.bounds, dtype=float)
        if not np.isfinite(b).all():
            raise UnreadableInput(f"{option}: tomta har koordinater som ikke er endelige tall "
                                  "(inf eller nan). Rett geometrien og prøv igjen.")
        if area is None or g.distance(area) <= INSIDE_TOLERANCE_M:
            continue
        c = g.centroid
        label = f"{c.x:.0f},{c.y:.0f}"
        swapped = shapely.Point(c.y, c.x)
        if swapped.distance(area) <= INSIDE_TOLERANCE_M:
            raise UnreadableInput(
                f"{option} {label} ligger utenfor {what}, men {c.y:.0f},{c.x:.0f} ligger innenfor: "
                "X og Y ser ut til å være byttet om. Skriv X (øst) først, så Y (nord).")
        km = g.distance(area) / 1000.0
        dist = f"{km:,.0f}".replace(",", "\u00a0") if km < 1e7 else "svært langt"
        raise UnreadableInput(
            f"{option} {label} ligger {dist} km utenfor {what} (koordinatsystem "
            f"EPSG:{getattr(ds, 'epsg', None) or '?'}). Kontroller koordinatene: X øst og Y nord "
            "i meter, i dataenes koordinatsystem.")
