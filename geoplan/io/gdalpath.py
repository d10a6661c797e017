"""The one way a local path is handed to pyogrio (GDAL's vector library).

pyogrio parses every path it gets as a URI (``urllib.parse.urlparse``) before
GDAL sees it, so two characters in a file name change which file is opened:

* ``;`` in the last part of a path starts URI *parameters*: ``/data/a;b.gpkg``
  opens (or writes!) ``/data/a``. Under the ``file://`` scheme, which urlparse
  does not split parameters for and pyogrio turns back into the plain path, a
  file is *read* under its whole name: :func:`gdal_path` does that. pyogrio
  parses a path it *writes* twice, so ``file://`` does not survive; writers
  write a temporary file without ``;`` in its name and rename it
  (:func:`geoplan.io.writers.tmp_name`), and :func:`gdal_path` with
  ``writing=True`` refuses a name that still has one.
* ``!`` separates an archive from a path inside it (``a.zip!b.shp``):
  ``/data/a!b.geojson`` opens ``b.geojson`` in the current folder, under every
  scheme. There is no spelling that keeps it, so :func:`gdal_path` refuses it
  with a Norwegian message that says to rename the file or folder.

rasterio does not split either character, so raster paths need no help.
"""

from __future__ import annotations

import os
from pathlib import Path

from geoplan.errors import UnreadableInput


def gdal_path(path: str | os.PathLike, *, writing: bool = False) -> str:
    """``path`` as a string pyogrio opens (``writing``: creates) as exactly that file.

    The path is made absolute (a relative name such as ``s3:x.gpkg`` would be
    read as a URI scheme); for reading, a ``;`` is protected by ``file://``.

    Raises
    ------
    geoplan.errors.UnreadableInput
        The path contains ``!``, which pyogrio always reads as an archive
        separator; or, for writing, a ``;`` in its last part.
    """
    s = os.path.abspath(os.fspath(path))
    p = Path(s)
    if "!" in s:
        what = f"Filnavnet «{p.name}»" if "!" in p.name else f"Stien {s}"
        verb = "skrives" if writing else "leses"
        raise UnreadableInput(
            f"{what} inneholder «!», som GDAL leser som skillet mellom et arkiv og en fil inni "
            f"det, så filen kan ikke {verb} under det navnet. Gi filen (eller mappen) et navn "
            "uten «!» og prøv igjen.")
    if writing:
        if ";" in p.name:   # a caller's bug: writers write to a temporary name without ;
            raise UnreadableInput(
                f"Filnavnet «{p.name}» inneholder «;», som GDAL ville skrive som «{p.name.split(';')[0]}». "
                "Gi utfilen et navn uten «;».")
        return s
    if ";" in p.name:
        return "file://" + s
    return s


def refuse_unwritable_folder(target: str | os.PathLike) -> None:
    """Refuse an output whose folder holds a ``!`` (pyogrio would write elsewhere).

    The output's own name may hold ``;`` and ``!``: writers fill a temporary file
    named without them and rename it (:func:`geoplan.io.writers.tmp_name`).
    """
    folder = Path(os.path.abspath(os.fspath(target))).parent
    if "!" in str(folder):
        raise UnreadableInput(
            f"Mappen {folder} har «!» i stien, som GDAL leser som skillet mellom et arkiv og en "
            f"fil inni det, så {Path(target).name} kan ikke skrives der. Velg en mappe uten «!».")
