"""Coordinate reference systems: parsing, plausibility, the working CRS, the guard.

Loading (:func:`geoplan.io.load`, :meth:`geoplan.io.Dataset.from_frames`) brings
every layer to one EUREF89 UTM zone (:func:`working_crs` chooses it) after
:func:`check_coordinates` has refused coordinates that cannot lie in Norway for
the CRS a layer declares. An analysis called directly on frames built elsewhere
(a notebook) checks its inputs with :func:`require_projected`, so that areas and
distances are never computed in degrees.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING, Any, Iterable

import numpy as np
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

from geoplan.errors import DataProblem, UnreadableInput
from geoplan.numbers import fixed

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd

    from geoplan.config import Config
    from geoplan.io.contract import LayerReport

#: EUREF89 / ETRS89 UTM zones used in Norway.
NORWEGIAN_UTM = {25832: 32, 25833: 33, 25835: 35}

#: A generous box around mainland Norway and Svalbard (lon/lat), for plausibility checks.
NORWAY_LONLAT = (-1.0, 57.0, 34.0, 81.5)


@functools.lru_cache(maxsize=256)
def _same_srs(a: str, b: str) -> bool:
    return bool(CRS.from_user_input(a).equals(CRS.from_user_input(b)))


def same_crs(a, b) -> bool:
    """Whether two coordinate systems (pyproj CRS or anything ``CRS.from_user_input``
    reads) are the same, remembered by their definitions.

    pyproj keeps the PROJ object of a CRS per thread, so in a new thread (each rerun of
    a Streamlit page runs in one) a plain ``CRS.equals`` builds both again: 1-25 ms a
    comparison, asked by every slope share and site check. ``None`` equals only ``None``.
    """
    if a is None or b is None:
        return a is None and b is None
    ca, cb = CRS.from_user_input(a), CRS.from_user_input(b)
    return ca is cb or _same_srs(ca.srs, cb.srs)


@functools.lru_cache(maxsize=256)
def _epsg_of_srs(srs: str) -> int | None:
    return CRS.from_user_input(srs).to_epsg()


def epsg_of(crs) -> int | None:
    """``crs.to_epsg()``, remembered by the definition (see :func:`same_crs`)."""
    return None if crs is None else _epsg_of_srs(CRS.from_user_input(crs).srs)


def parse_crs(value) -> CRS:
    """Parse ``25832``, ``"EPSG:25832"`` or WKT into a CRS, with a Norwegian error.

    Raises
    ------
    geoplan.errors.UnreadableInput
        When pyproj does not know the CRS.
    """
    if isinstance(value, CRS):
        return value
    try:
        s = str(value).strip()
        code = s.split(":")[-1] if s.upper().startswith("EPSG:") else s
        if code.isdigit() and int(code) in EPSG_V12:
            return epsg_crs(int(code))[0]
        return CRS.from_user_input(int(s) if s.isdigit() else s)
    except (CRSError, ValueError):
        raise UnreadableInput(
            f"Ukjent koordinatsystem «{value}». Oppgi en EPSG-kode, f.eks. --crs 25832 "
            "(EUREF89 UTM sone 32)."
        ) from None


def utm_for_lon(lon: float) -> int:
    """The Norwegian EUREF89 UTM EPSG code for a longitude in degrees (zone 32 / 33 / 35)."""
    if lon < 12.0:
        return 25832
    if lon < 24.0:
        return 25833
    return 25835


def crs_label(crs: CRS | None) -> str | None:
    """``"EPSG:25832"``, or the CRS's name when it has no EPSG code (None for None)."""
    if crs is None:
        return None
    epsg = crs.to_epsg()
    return f"EPSG:{epsg}" if epsg else crs.name


def _fmt(v: float) -> str:
    """A coordinate in a message: ``"565 000,0"`` in metres, ``"10,1234"`` in degrees."""
    return fixed(v, 1) if abs(v) >= 1000 else fixed(v, 4)


def _in_norway(lon: np.ndarray, lat: np.ndarray) -> bool:
    lo = NORWAY_LONLAT
    inside = (np.isfinite(lon) & np.isfinite(lat) & (lon >= lo[0]) & (lon <= lo[2])
              & (lat >= lo[1]) & (lat <= lo[3]))
    return bool(inside.all())


def _check_geographic(bounds, crs: CRS, where: str, rep: LayerReport) -> bool:
    xmin, ymin, xmax, ymax = bounds
    lo = NORWAY_LONLAT
    if lo[1] <= xmin and xmax <= lo[3] and lo[0] <= ymin and ymax <= lo[2]:
        rep.add(
            f"Koordinatene ser ut til å ha byttet om lengde- og breddegrad {where}. "
            "Laget er avvist: bytt om aksene i kildesystemet og eksporter på nytt.", "problem")
        return False
    if not (lo[0] <= xmin and xmax <= lo[2] and lo[1] <= ymin and ymax <= lo[3]):
        rep.add(
            f"Koordinatene {where} ligger ikke i Norge for {crs_label(crs)}. "
            "Laget er avvist: kontroller koordinatsystemet.", "problem")
        return False
    return True


def _check_projected(bounds, crs: CRS, where: str, rep: LayerReport) -> bool:
    xmin, ymin, xmax, ymax = bounds
    if abs(xmin) <= 180 and abs(xmax) <= 180 and abs(ymin) <= 90 and abs(ymax) <= 90:
        rep.add(
            f"Laget er merket {crs_label(crs)} (meter), men koordinatene ser ut som grader {where}. "
            "Laget er avvist: sett riktig koordinatsystem (trolig EPSG:4326) i kildefilen, "
            "eller eksporter på nytt.", "problem")
        return False
    try:
        tr = Transformer.from_crs(crs, 4326, always_xy=True)
        xs = np.array([xmin, xmax, xmin, xmax, (xmin + xmax) / 2])
        ys = np.array([ymin, ymin, ymax, ymax, (ymin + ymax) / 2])
        lon, lat = tr.transform(xs, ys)
    except Exception:  # pragma: no cover - exotic CRS
        return True
    if _in_norway(lon, lat):
        return True
    try:  # swapped? try y,x
        swapped = _in_norway(*tr.transform(ys, xs))
    except Exception:  # pragma: no cover
        swapped = False
    if swapped:
        rep.add(
            f"Koordinatene ser ut til å ha byttet om x (øst) og y (nord) {where} for "
            f"{crs_label(crs)}. Laget er avvist: bytt om aksene i kildesystemet og eksporter på nytt.",
            "problem")
    else:
        rep.add(
            f"Koordinatene {where} kan ikke ligge i Norge for {crs_label(crs)}. "
            "Laget er avvist: kontroller at riktig koordinatsystem er oppgitt i filen.", "problem")
    return False


def check_coordinates(gdf: gpd.GeoDataFrame, crs: CRS, rep: LayerReport) -> bool:
    """Refuse coordinates that cannot lie in Norway for the declared CRS.

    Returns False (and marks the report ``problem``) when the layer must be
    refused: degrees in a projected CRS, swapped axes, or a place outside
    :data:`NORWAY_LONLAT`.
    """
    b = gdf.total_bounds
    if not np.all(np.isfinite(b)):
        return True
    xmin, ymin, xmax, ymax = b
    where = f"(x {_fmt(xmin)} til {_fmt(xmax)}, y {_fmt(ymin)} til {_fmt(ymax)})"
    if crs.is_geographic:
        return _check_geographic(b, crs, where, rep)
    return _check_projected(b, crs, where, rep)


def _forced_epsg(config: Config | None) -> int:
    """``kommune.working_epsg`` (0: choose from the data)."""
    from geoplan.io.cachekey import forced_epsg

    return forced_epsg(config)


def _zone_from_longitude(layers: list[tuple[str, gpd.GeoDataFrame]], crs) -> CRS | None:
    for _name, gdf in layers:
        if len(gdf) == 0:
            continue
        src = gdf.crs or (parse_crs(crs) if crs else None)
        if src is None:
            continue
        try:
            b = gdf.total_bounds
            lon, _lat = Transformer.from_crs(src, 4326, always_xy=True).transform(
                (b[0] + b[2]) / 2, (b[1] + b[3]) / 2)
            if np.isfinite(lon) and NORWAY_LONLAT[0] <= lon <= NORWAY_LONLAT[2]:
                return CRS.from_epsg(utm_for_lon(lon))
        except Exception:
            continue
    return None


def working_crs(layers: Iterable[tuple[str, gpd.GeoDataFrame | None]], config: Config | None = None,
                crs: str | int | CRS | None = None) -> CRS:
    """The one EUREF89 UTM zone every layer is brought to.

    In order: ``kommune.working_epsg`` when set; else the Norwegian UTM zone
    most layers already use (the ``kommune`` layer counts three times); else
    ``crs`` (the CRS assumed for layers without one) when it is such a zone;
    else the zone of the data's longitude; else EPSG:25832.

    Parameters
    ----------
    layers
        ``(layer name, frame)`` pairs; ``None`` frames (unreadable layers) are skipped.
    """
    forced = _forced_epsg(config)
    if forced:
        return CRS.from_epsg(forced)
    frames = [(n, g) for n, g in layers if g is not None]
    votes: dict[int, int] = {}
    for name, gdf in frames:
        epsg = gdf.crs.to_epsg() if gdf.crs is not None else None
        if epsg in NORWEGIAN_UTM:
            votes[epsg] = votes.get(epsg, 0) + (3 if name == "kommune" else 1)
    if votes:
        return CRS.from_epsg(max(sorted(votes), key=lambda k: votes[k]))
    if crs is not None:
        c = parse_crs(crs)
        if c.to_epsg() in NORWEGIAN_UTM:
            return c
    return _zone_from_longitude(frames, crs) or CRS.from_epsg(25832)


def _crs_of(obj: Any):
    """The CRS of a GeoDataFrame/GeoSeries, or ``obj`` itself when it is a CRS (or None)."""
    return getattr(obj, "crs", obj) if not hasattr(obj, "is_geographic") else obj


def require_projected(obj: Any, what: str) -> None:
    """Refuse a layer (or CRS) in degrees: metric analyses need a projected CRS.

    Parameters
    ----------
    obj : GeoDataFrame, GeoSeries, pyproj.CRS or None
        A frame without a CRS (or ``None``) passes: the loader has already
        refused layers without one, and hand-built frames in metres are common.
    what : str
        The layer or input as the user knows it, e.g. ``"utviklingsgrense"``;
        it is named in the message.

    Raises
    ------
    geoplan.errors.DataProblem
        When the CRS is geographic (longitude/latitude).
    """
    crs = _crs_of(obj)
    if crs is not None and getattr(crs, "is_geographic", False):
        name = getattr(crs, "name", None) or str(crs)
        raise DataProblem(
            f"Laget «{what}» er i et geografisk koordinatsystem ({name}); arealer og avstander "
            "i meter krever et projisert system. Transformer dataene til EUREF89 UTM "
            "(f.eks. EPSG:25832) eller bruk --crs."
        )


# ---------------------------------------------------------------------------
# EPSG v12 ETRS89-NOR codes and GML srsName forms
# ---------------------------------------------------------------------------

#: EPSG v12 «ETRS89-NOR [EUREF89]» codes that the pinned PROJ database does not know ->
#: ``(the code it knows for the same horizontal system, axes north-east)``. Source: EPSG
#: registry v12 (IOGP, 2025) as tabulated by Kartverket, «Transformasjon med EPSG-koder»
#: (column «Evt. gamal EPSG-kode»); compound codes map to their horizontal part.
EPSG_V12 = {
    10875: (4258, False), 10874: (4258, False), 11558: (4258, False), 11560: (4258, False),
    11399: (4258, False),
    **{11020 + z: (25830 + z, False) for z in range(0, 8)},      # UTM 30N..37N
    **{11012 + z: (25830 + z, True) for z in range(0, 8)},       # UTM 30N..37N (N-E)
    11400: (25831, False),
    **{11403 + i: (25832 + i, False) for i in range(0, 5)},      # UTM 32N..36N + NN2000:2025
    **{11408 + i: (5108 + i, False) for i in range(0, 23)},      # NTM 8..30 + NN2000:2025
    11435: (5105, False), 11436: (5106, False), 11437: (5107, False),
}

_SRS_CODE = re.compile(r"(?i)EPSG(?:/\d+(?:\.\d+)*/|::|:[\d.]*:|:|\.xml#)(\d+)\s*$")


def horizontal(crs: CRS) -> CRS:
    """The horizontal part of a compound CRS (5972 -> 25832); other CRSs as they are."""
    if crs.is_compound and crs.sub_crs_list:
        return crs.sub_crs_list[0]
    return crs


def epsg_crs(code: int) -> tuple[CRS, str | None]:
    """``CRS.from_epsg`` that also knows the EPSG v12 ETRS89-NOR codes (with a note)."""
    if code in EPSG_V12:
        known, _ne = EPSG_V12[code]
        c = CRS.from_epsg(known)
        return c, (f"EPSG:{code} (ETRS89-NOR [EUREF89]) er lest som EPSG:{known} "
                   f"({c.name}); de to er samme system.")
    return CRS.from_epsg(code), None


def crs_from_srs_name(srs: str, where: str = "") -> tuple[CRS, str | None]:
    """The horizontal CRS of a GML ``srsName`` in any form, with a note when it was mapped.

    Accepts ``EPSG:25832``, ``urn:ogc:def:crs:EPSG::5972``, ``urn:ogc:def:crs:EPSG:6.9:25832``,
    ``http://www.opengis.net/def/crs/EPSG/0/25832`` and ``http://www.opengis.net/gml/srs/epsg.xml#25832``;
    compound systems (UTM + NN2000 height, 5972/5973/5975) give their horizontal part.

    Raises
    ------
    geoplan.errors.UnreadableInput
        When the srsName names no EPSG code geoplan knows.
    """
    m = _SRS_CODE.search(srs.strip())
    try:
        if m is None:
            crs, note = CRS.from_user_input(srs), None
        else:
            crs, note = epsg_crs(int(m.group(1)))
    except (CRSError, ValueError):
        raise UnreadableInput(
            f"Ukjent koordinatsystem «{srs}» (srsName) i {where or 'GML-filen'}. Eksporter planen "
            "i EUREF89 UTM (f.eks. EPSG:25832 eller 5972), eller oppgi --crs.") from None
    h = horizontal(crs)
    if h is not crs and note is None:
        note = (f"{where}: {crs.name} (srsName {srs}) har høyde; geoplan bruker den horisontale "
                f"delen, {crs_label(h)}.").lstrip(": ")
    return h, note


def axis_swapped(srs: str, crs: CRS) -> bool:
    """True when coordinates under ``srs`` come north (or latitude) first.

    GML in the URN and http forms follows the EPSG axis order (latitude first for
    EPSG:4258/4326, northing first for NGO 1948 and the «(N-E)» UTM codes); the short
    ``EPSG:n`` form is read east/longitude first, as GDAL does.
    """
    m = _SRS_CODE.search(srs.strip())
    if m and int(m.group(1)) in EPSG_V12:
        return EPSG_V12[int(m.group(1))][1] or (
            not srs.upper().startswith("EPSG:") and crs.is_geographic)
    if srs.strip().upper().startswith("EPSG:"):
        return False
    try:
        return crs.axis_info[0].direction.lower() == "north"
    except (IndexError, AttributeError):  # pragma: no cover
        return False
