"""The DATA of many municipalities for ``geoplan batch``: a folder of them, or a list file.

A **folder** holds one DATA per municipality: every GeoPackage (``*.gpkg``), zip
(``*.zip``) and subfolder (a folder of layer files, with its own rasters) directly in
it, in name order; hidden entries (``.name``, geoplan's temporary files) are skipped.
A GeoTIFF the loader would read beside a GeoPackage (``terreng.tif``, ``stoy.tif``)
cannot sit beside several of them: it would be used for every municipality.

A **list** is a UTF-8 text file with one DATA per line (any DATA the loader takes,
also a PostgreSQL address). Surrounding whitespace is removed; blank lines and lines
whose first non-blank character is ``#`` are skipped; a relative path is taken from
the list file's folder; a DATA listed twice is run once. A listed file that does not
exist is *not* an error here: it fails as that municipality, and the others run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from geoplan.errors import UnreadableInput, os_reason
from geoplan.io.readers import RASTER_NAMES

#: what in a batch folder counts as one municipality's DATA (besides subfolders)
DATA_SUFFIXES = (".gpkg", ".zip")


@dataclass
class BatchInputs:
    """The municipalities' DATA in run order, and what was skipped and why."""

    source: Path
    items: list[str]
    notes: list[str] = field(default_factory=list)
    #: files and folders the batch reads (registered as inputs no output may overwrite)
    files: list[Path] = field(default_factory=list)
    folders: list[Path] = field(default_factory=list)


def discover(source: str | Path) -> BatchInputs:
    """The DATA of ``source`` (a folder or a list file, see the module docstring).

    Raises
    ------
    UnreadableInput
        ``source`` does not exist, is a single DATA, or names no DATA at all.
    """
    path = Path(source)
    if not path.exists():
        raise UnreadableInput(
            f"«{source}» finnes ikke. Oppgi en mappe med én GeoPackage (eller mappe/zip) per "
            "kommune, eller en tekstfil med én DATA per linje.")
    if path.is_dir():
        return _from_folder(path)
    if path.suffix.lower() in (*DATA_SUFFIXES, ".geojson", ".shp", ".gml", ".sos", ".fgb",
                               ".parquet"):
        raise UnreadableInput(
            f"«{source}» er data for én kommune, ikke en mappe eller liste. Kjør analysen direkte "
            f"(f.eks. «geoplan reserves {source}»), eller legg kommunenes filer i en mappe.")
    return _from_list(path)


def _from_folder(folder: Path) -> BatchInputs:
    entries = sorted((p for p in folder.iterdir() if not p.name.startswith(".")),
                     key=lambda p: p.name.casefold())
    items = [p for p in entries if p.is_dir() or p.suffix.lower() in DATA_SUFFIXES]
    if not items:
        raise UnreadableInput(
            f"Mappen «{folder}» inneholder ingen GeoPackage (.gpkg), zip eller undermappe. "
            "Legg én fil eller mappe per kommune i den; er mappen én kommunes lagfiler, kjør "
            "analysen direkte på den.")
    gpkgs = [p for p in items if p.suffix.lower() == ".gpkg"]
    beside = [p.name for name in RASTER_NAMES for p in (folder / f"{name}.tif", folder / f"{name}.tiff")
              if p.exists()]
    if beside and len(gpkgs) > 1:
        raise UnreadableInput(
            f"Mappen «{folder}» har {', '.join(beside)} ved siden av {len(gpkgs)} GeoPackager; "
            "rasteret ville blitt brukt for alle kommunene. Legg hver kommune med rastere i sin "
            "egen undermappe (GeoPackage og rastere sammen).")
    skipped = [p.name for p in entries if p not in items and p.suffix.lower() not in (".tif", ".tiff")]
    notes = ([f"Hoppet over {len(skipped)} filer i mappen som ikke er GeoPackage eller zip: "
              f"{', '.join(skipped[:5])}{' …' if len(skipped) > 5 else ''}."] if skipped else [])
    return _with_paths(BatchInputs(source=folder, items=[str(p) for p in items], notes=notes,
                                   folders=[folder]))


def _from_list(listfile: Path) -> BatchInputs:
    try:
        raw = listfile.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise UnreadableInput(
            f"«{listfile}» er verken en mappe eller en tekstfil (UTF-8) med én DATA per linje.") from None
    except OSError as e:
        raise UnreadableInput(f"Kan ikke lese listen «{listfile}» ({os_reason(e)}).") from None
    items: list[str] = []
    notes: list[str] = []
    for lineno, line in enumerate(raw.splitlines(), 1):
        s = line.strip()
        if not s or s.startswith("#"):
            continue
        item = s if _is_address(s) or Path(s).is_absolute() else str(listfile.parent / s)
        if item in items:
            notes.append(f"Linje {lineno} i «{listfile.name}» gjentar «{s}»; den kjøres én gang.")
            continue
        items.append(item)
    if not items:
        raise UnreadableInput(
            f"Listen «{listfile}» har ingen DATA (bare tomme linjer eller kommentarer med #). "
            "Skriv én GeoPackage, mappe eller zip per linje.")
    return _with_paths(BatchInputs(source=listfile, items=items, notes=notes, files=[listfile]))


def _with_paths(inp: BatchInputs) -> BatchInputs:
    """Every listed file and folder (and the rasters beside a GeoPackage) added to the inputs."""
    for item in inp.items:
        p = Path(item)
        if p.is_dir():
            inp.folders.append(p)
        elif p.exists():
            inp.files.append(p)
            if p.suffix.lower() == ".gpkg":
                inp.files += [p.parent / f"{n}{ext}" for n in RASTER_NAMES for ext in (".tif", ".tiff")]
    return inp


def _is_address(s: str) -> bool:
    """A database address (``postgresql://…``, ``pg:TJENESTE``), not a path."""
    return s.startswith(("postgresql://", "postgres://", "pg:", "service="))
