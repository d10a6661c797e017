"""SOSI text (``.sos``): a pure-Python reader, no FYBA and no GDAL.

:func:`read_sosi` (``path_or_bytes -> SosiData``) is the one entry point; the
modules behind it: :mod:`~geoplan.io.sosi.encoding` (``..TEGNSETT`` and the real
character set), :mod:`~geoplan.io.sosi.parser` (objects and elements),
:mod:`~geoplan.io.sosi.geometry` (arcs, rings from ``..REF``),
:mod:`~geoplan.io.sosi.koordsys` (``...KOORDSYS`` -> EPSG).
"""

from geoplan.io.sosi.koordsys import koordsys_epsg
from geoplan.io.sosi.parser import SosiError
from geoplan.io.sosi.reader import SosiData, read_sosi

__all__ = ["SosiData", "SosiError", "koordsys_epsg", "read_sosi"]
