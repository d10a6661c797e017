"""Sites to assess: typed coordinates and site files.

:func:`parse_xy` is the one reader of typed coordinates «X,Y» (``geoplan assess
--site``, ``geoplan concentration --add X,Y,N`` and the app's «Vurder tomt»
page all use it); :func:`read_sites` turns ``--site`` (coordinates, a
GeoJSON/GeoPackage/Shapefile with points or polygons read by the readers DATA is
read by, or a CSV table with X/Y or lon/lat columns) into a GeoDataFrame in the
data's CRS. A site file without a CRS takes ``--crs`` or is refused; a site whose
coordinates are not finite, or do not fit the CRS, is refused by name.
"""

from __future__ import annotations

import math
import re
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from geoplan.errors import DataProblem, UnreadableInput
from geoplan.io.crs import parse_crs

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


#: site file formats read through :mod:`geoplan.io.readers` (as DATA is) and as a table
SITE_SUFFIXES = (".geojson", ".json", ".gpkg", ".shp", ".fgb", ".parquet", ".geoparquet", ".csv")
#: column names (lower case) of a CSV site file: X/Y in metres, or longitude/latitude
_X_COLS = ("x", "øst", "ost", "east", "easting", "x_m", "øst_m")
_Y_COLS = ("y", "nord", "north", "northing", "y_m", "nord_m")
_LON_COLS = ("lon", "lng", "long", "lengdegrad", "longitude")
_LAT_COLS = ("lat", "breddegrad", "latitude")


def _feature_names(gdf, rows, *, csv_rows: bool = False, most: int = 5) -> str:
    """«A», «B» (rad 3) ... for the rows ``rows`` (positions) of a site file."""
    names = []
    for i in list(rows)[:most]:
        navn = gdf["navn"].iloc[i] if "navn" in gdf.columns else None
        label = gdf.index[i]   # the row's place in the file (the index of what was read)
        where = f"rad {label + 2}" if csv_rows else f"objekt nr. {label + 1}"
        names.append(f"«{navn}» ({where})" if navn not in (None, "") and navn == navn else where)
    more = len(list(rows)) - most
    return ", ".join(names) + (f" og {more} til" if more > 0 else "")


def _decode(raw: bytes) -> str:
    for enc in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")


def _csv_table(path: Path):
    """A CSV site file as a table of strings, and its delimiter (sniffed: , ; or tab)."""
    import csv
    import io

    import pandas as pd

    text = _decode(path.read_bytes())
    if not text.strip():
        raise UnreadableInput(f"Tomtefilen {path.name} er tom.")
    try:
        delim = csv.Sniffer().sniff(text[:8192], delimiters=",;\t").delimiter
    except csv.Error:
        delim = ";" if text.split("\n", 1)[0].count(";") else ","
    try:
        table = pd.read_csv(io.StringIO(text), sep=delim, dtype=str, keep_default_na=False)
    except (ValueError, csv.Error) as e:   # pandas.errors.ParserError is a ValueError
        line = "".join(ch for ch in str(e).split("line")[-1][:8] if ch.isdigit()) if "line" in str(e) else ""
        raise UnreadableInput(
            f"Tomtefilen {path.name} er ikke en lesbar CSV-tabell"
            + (f" (feil ved linje {line})" if line else "")
            + ": hver rad må ha like mange kolonner, skilt med komma eller semikolon.") from None
    table.columns = [str(c).strip() for c in table.columns]
    return table, delim


def _column(table, names: tuple[str, ...]) -> str | None:
    lower = {c.lower(): c for c in table.columns}
    return next((lower[n] for n in names if n in lower), None)


def _numbers(values, delim: str):
    """Strings as floats (decimal comma where the delimiter is «;» or tab); unparsable -> nan."""
    out = np.full(len(values), np.nan)
    for i, v in enumerate(values):
        t = str(v).strip().replace("\u00a0", "").replace(" ", "")
        if delim != ",":
            t = t.replace(",", ".")
        try:
            out[i] = float(t)
        except ValueError:
            pass
    return out


def _read_site_csv(path: Path, data_crs, assume_crs) -> gpd.GeoDataFrame:
    """A CSV site file: columns X/Y (metres; --crs, else the data's CRS) or lon/lat (degrees).

    Other columns are kept (numbers as numbers: ``antall_enheter`` gives a site its units).
    A row whose coordinates are not finite numbers is refused by name and row.
    """
    table, delim = _csv_table(path)
    xc, yc = _column(table, _X_COLS), _column(table, _Y_COLS)
    lonc, latc = _column(table, _LON_COLS), _column(table, _LAT_COLS)
    if xc and yc:
        cols, crs = (xc, yc), assume_crs if assume_crs is not None else data_crs
    elif lonc and latc:
        cols, crs = (lonc, latc), 4326
    else:
        raise UnreadableInput(
            f"Tomtefilen {path.name} har ikke kolonner for koordinatene (fant: "
            f"{', '.join(table.columns) or 'ingen'}). Bruk kolonnene X og Y (meter, i dataenes "
            "koordinatsystem eller det --crs oppgir) eller lon og lat (grader), én tomt per rad.")
    if len(table) == 0:
        raise UnreadableInput(f"Tomtefilen {path.name} har ingen rader med tomter.")
    x, y = _numbers(table[cols[0]], delim), _numbers(table[cols[1]], delim)
    bad = np.flatnonzero(~(np.isfinite(x) & np.isfinite(y)))
    if len(bad):
        raise UnreadableInput(
            f"Tomtefilen {path.name}: {_feature_names(table, bad, csv_rows=True)} har koordinater "
            f"som ikke er endelige tall (kolonnene {cols[0]} og {cols[1]}). Rett radene og prøv igjen.")
    rest = table.drop(columns=list(cols))
    for c in rest.columns:
        num = _numbers(rest[c], delim)
        if c != "navn" and np.isfinite(num[rest[c].str.strip() != ""]).all() and (rest[c].str.strip() != "").any():
            rest[c] = num
    return gpd.GeoDataFrame(rest, geometry=shapely.points(x, y), crs=crs)


def _read_site_file(path: Path, layer: str | None, assume_crs) -> gpd.GeoDataFrame:
    """A vector site file through the readers DATA goes through (sniffed, Norwegian errors)."""
    import pyogrio

    from geoplan.io.gdalpath import gdal_path
    from geoplan.io.readers import geojson_crs_notes, read_file, sniff

    try:
        sniff(path)
    except UnreadableInput as e:
        raise UnreadableInput(f"Tomtefilen kan ikke leses: {e.message}") from None
    suffix = path.suffix.lower()
    if suffix in (".parquet", ".geoparquet"):
        try:
            gdf = gpd.read_parquet(path)
        except Exception:
            raise UnreadableInput(f"Tomtefilen {path.name} kan ikke leses som GeoParquet.") from None
    else:
        if layer is None and suffix == ".gpkg":
            try:
                names = [str(n) for n, _ in pyogrio.list_layers(gdal_path(path))]
            except UnreadableInput:
                raise
            except Exception:
                raise UnreadableInput(f"Tomtefilen {path.name} er en skadet GeoPackage. "
                                      "Eksporter den på nytt.") from None
            if len(names) > 1:
                raise UnreadableInput(
                    f"Tomtefilen {path.name} har flere lag ({', '.join(names)}). Velg ett med --site-layer.")
        try:
            gdf = read_file(path, layer=layer)
        except UnreadableInput as e:
            raise UnreadableInput(f"Tomtefilen kan ikke leses: {e.message}") from None
    notes = geojson_crs_notes(path, gdf) if suffix in (".geojson", ".json") else []
    if gdf.crs is None:
        if assume_crs is None:
            raise UnreadableInput(
                " ".join(notes) or f"Tomtefilen {path.name} har ikke koordinatsystem."
                " Oppgi det med --crs EPSG-kode (f.eks. --crs 25832), lagre filen med CRS, "
                "eller oppgi tomta som --site X,Y.")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            gdf = gdf.set_crs(assume_crs, allow_override=True)
    return gdf


def _nonfinite_rows(gdf) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        b = gdf.geometry.bounds.to_numpy(dtype=float)
    return np.flatnonzero(~np.isfinite(b).all(axis=1))


def _usable_sites(gdf: gpd.GeoDataFrame, path: Path) -> gpd.GeoDataFrame:
    """Refuse a site file without CRS, geometries, or with non-finite, implausible or non-site geometries."""
    from geoplan.io.contract import LayerReport
    from geoplan.io.crs import check_coordinates

    if gdf.crs is None:
        raise UnreadableInput(
            f"Tomtefilen {path.name} har ikke koordinatsystem. Lagre den med CRS "
            "(f.eks. EPSG:25832 eller EPSG:4326), oppgi det med --crs, eller oppgi tomta som --site X,Y."
        )
    geoms = gdf.geometry
    empty = geoms.isna() | geoms.is_empty
    if len(gdf) == 0 or empty.all():
        raise UnreadableInput(f"Tomtefilen {path.name} har ingen geometrier.")
    if empty.any():
        gdf = gdf[~empty]
    bad = _nonfinite_rows(gdf)
    if len(bad):
        raise UnreadableInput(
            f"Tomtefilen {path.name}: {_feature_names(gdf, bad, csv_rows=path.suffix.lower() == '.csv')}"
            " har koordinater som ikke er endelige tall (inf eller nan). Rett filen og prøv igjen.")
    kinds = set(gdf.geom_type) - {"Point", "MultiPoint", "Polygon", "MultiPolygon"}
    if kinds:
        raise DataProblem(
            f"Tomtefilen {path.name} har geometritypen {', '.join(sorted(kinds))}. En tomt må "
            "være et punkt eller en flate (Polygon)."
        )
    rep = LayerReport(name="tomt")
    if not check_coordinates(gdf, gdf.crs, rep):
        raise UnreadableInput(f"Tomtefilen {path.name}: " + " ".join(rep.messages).replace(
            "Laget er avvist", "Tomtefilen er avvist"))
    return gdf


def _to_data_crs(gdf: gpd.GeoDataFrame, data_crs, path: Path) -> gpd.GeoDataFrame:
    """Reproject; a point that does not survive (a CRS that does not fit its numbers) is named."""
    from geoplan.io.crs import crs_label

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = gdf.to_crs(data_crs)
    bad = _nonfinite_rows(out)
    if len(bad):
        raise UnreadableInput(
            f"Tomtefilen {path.name}: {_feature_names(gdf, bad)} kan ikke regnes om fra "
            f"{crs_label(gdf.crs)} til dataenes koordinatsystem; koordinatene passer ikke med "
            "koordinatsystemet filen oppgir. Kontroller CRS i filen, eller oppgi det med --crs.")
    return out


def read_sites(spec: str, data_crs, layer: str | None = None, *, crs=None) -> gpd.GeoDataFrame:
    """The site(s) of ``--site``: coordinates ``X,Y`` or a file, in the data's CRS.

    Parameters
    ----------
    spec
        ``X,Y`` in the data's CRS (metres; see :func:`parse_xy`), or the path of a
        site file: GeoJSON, GeoPackage, Shapefile, FlatGeobuf or GeoParquet with
        points or polygons (read by the readers DATA is read by), or a CSV table
        with one site per row (columns X/Y in metres or lon/lat in degrees).
    data_crs : pyproj.CRS
        The data's working CRS; the sites are returned in it.
    layer
        The layer of a GeoPackage with several.
    crs
        The CRS of a site file that declares none (``--crs``): a GeoJSON without
        a ``crs`` member whose numbers are metres, a Shapefile without ``.prj``,
        the X/Y columns of a CSV file (without it: the data's CRS, as for X,Y).

    Returns
    -------
    One row per site (a ``navn`` column for coordinates: «Punkt X, Y»), index 0..n-1.

    Raises
    ------
    geoplan.errors.UnreadableInput
        (exit 2) Coordinates in degrees, a file that does not exist, cannot be
        read, has no CRS or no geometries, or a site whose coordinates are not
        finite numbers or do not fit the CRS (named by ``navn`` or position).
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
            f"Fant ikke tomtefilen «{spec}». Oppgi en GeoJSON-, GeoPackage- eller CSV-fil, "
            "eller koordinater som X,Y (f.eks. --site 565000,6550000) i dataenes koordinatsystem."
        )
    if path.is_dir():
        raise UnreadableInput(f"«{spec}» er en mappe; --site må være en fil eller X,Y.")
    suffix = path.suffix.lower()
    if suffix not in SITE_SUFFIXES:
        raise UnreadableInput(
            f"Tomtefilen {path.name} har et format geoplan ikke leser tomter fra ({suffix or 'uten endelse'}). "
            "Bruk GeoJSON, GeoPackage, Shapefile eller CSV (kolonnene X og Y, eller lon og lat).")
    assume = parse_crs(crs) if crs is not None else None
    if suffix == ".csv":
        gdf = _read_site_csv(path, data_crs, assume)
    else:
        gdf = _read_site_file(path, layer, assume)
    gdf = _usable_sites(gdf, path)
    return _to_data_crs(gdf, data_crs, path).reset_index(drop=True)


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
