"""Coordinate reference systems: the one guard every metric analysis calls.

Loading (:mod:`geoplan.io.layers`) brings every layer to one EUREF89 UTM zone;
an analysis called directly on frames built elsewhere (a notebook) checks its
inputs with :func:`require_projected`, so that areas and distances are never
computed in degrees.
"""

from __future__ import annotations

from typing import Any

from geoplan.errors import DataProblem


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
