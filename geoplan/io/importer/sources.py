"""Finding what a municipality's downloads contain, by content.

:func:`scan` walks the FOLDER|ZIP… arguments of ``geoplan import`` and sorts
every file into: vector layers (each layer of each GML, GeoPackage, GeoJSON,
Shapefile or FlatGeobuf, with its feature type as GDAL reports it), plan files
(SOSI-GML with Kp/RpArealformålOmråde, or SOSI text), GTFS feeds (a folder or
zip with ``stops.txt`` and ``stop_times.txt``), NeTEx files (an XML document
whose root is a NeTEx ``PublicationDelivery``), and files it does not use (each
named in the report). Zip archives are checked and unpacked safely into a
temporary folder the caller removes.
"""

from __future__ import annotations

import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pyogrio

from geoplan.errors import UnreadableInput, xml_error_at
from geoplan.io.archive import safe_extract_zip
from geoplan.io.readers import SOSI_FEATURE_TYPES, gdal_reason, read_file, sniff

GEO_SUFFIXES = {".gpkg", ".geojson", ".json", ".shp", ".fgb", ".gml"}
NETEX_NS = "http://www.netex.org.uk/netex"


@dataclass
class SourceLayer:
    """One layer of one file as read (before it is recognised)."""

    file: str            # as the user knows it: «rutedata.zip:stops.txt», «ar5.gml»
    layer: str           # GDAL layer name = GML/SOSI feature type
    gdf: gpd.GeoDataFrame


@dataclass
class Scan:
    """Everything found in the inputs."""

    layers: list[SourceLayer] = field(default_factory=list)
    plans: list[tuple[str, Path]] = field(default_factory=list)
    gtfs: list[tuple[str, Path]] = field(default_factory=list)
    netex: list[tuple[str, Path]] = field(default_factory=list)
    unused: list[tuple[str, str]] = field(default_factory=list)    # (file, why)
    tmpdirs: list[Path] = field(default_factory=list)


def _label(base: str, root: Path, p: Path) -> str:
    rel = p.relative_to(root).as_posix() if p != root else p.name
    return f"{base}:{rel}" if base else rel


def _xml_root(path: Path) -> str:
    """The root element of an XML file, ``{namespace}Tag``."""
    import xml.etree.ElementTree as ET
    try:
        for _ev, elem in ET.iterparse(path, events=("start",)):
            return str(elem.tag)
    except ET.ParseError as e:
        raise UnreadableInput(f"XML-filen {path.name} er skadet eller avkortet ({xml_error_at(e)}). "
                              "Last den ned på nytt.") from None
    return ""


def _gml_counts(path: Path) -> dict[str, int]:
    """Features per feature type from a full parse; refuses a truncated or broken file.

    GDAL can read a truncated GML file as fewer (or zero) features without an error,
    so its counts are compared with these.
    """
    import xml.etree.ElementTree as ET
    counts: dict[str, int] = {}
    try:
        for _ev, elem in ET.iterparse(path, events=("end",)):
            local = elem.tag.rsplit("}", 1)[-1]
            if local in ("featureMember", "member", "featureMembers"):
                for child in elem:
                    name = child.tag.rsplit("}", 1)[-1]
                    counts[name] = counts.get(name, 0) + 1
                elem.clear()
    except ET.ParseError as e:
        raise UnreadableInput(f"GML-filen er skadet eller avkortet ({xml_error_at(e)}); "
                              "last den ned på nytt.") from None
    return counts


def _is_plan_gml(path: Path) -> bool:
    with open(path, "rb") as fh:
        head = fh.read(1 << 20)
    return any(t.encode("utf-8") in head for t in SOSI_FEATURE_TYPES)


def _read_layers(path: Path, label: str, scan: Scan) -> None:
    try:
        sniff(path)
        listed = _gml_layers(path) if path.suffix.lower() == ".gml" else pyogrio.list_layers(path)
    except UnreadableInput as e:
        scan.unused.append((label, e.message))
        return
    except Exception as e:
        if path.suffix.lower() == ".gml" and "Geometry type is not supported" in str(e):
            _solids(path, label, scan)   # 3D solids (FKB-Bygning 3D): GDAL cannot hand them over
            return
        scan.unused.append((label, f"kan ikke leses som geodata ({gdal_reason(e)})"))  # never GDAL's English
        return
    counts = _gml_counts(path) if path.suffix.lower() == ".gml" else {}
    for name, _gtype in listed:
        try:
            gdf = read_file(path, layer=str(name), WRITE_GFS="NO") if path.suffix.lower() == ".gml" \
                else read_file(path, layer=str(name))
        except UnreadableInput as e:
            scan.unused.append((f"{label}:{name}", e.message))
            continue
        if str(name) in counts and counts[str(name)] != len(gdf):
            scan.unused.append((f"{label}:{name}", f"filen har {counts[str(name)]} objekter av typen {name}, "
                                f"men bare {len(gdf)} kunne leses; filen er trolig skadet. Last den ned på nytt."))
            continue
        scan.layers.append(SourceLayer(label if len(listed) == 1 else f"{label}:{name}", str(name), gdf))


def _gml_layers(path: Path) -> list[tuple[str, str]]:
    """The layers of a GML file as ``pyogrio.list_layers`` gives them, opened with
    ``WRITE_GFS=NO``: ``list_layers`` takes no open options, and GDAL's GML driver then
    wrote a ``.gfs`` file beside the user's input."""
    from pyogrio.errors import DataLayerError, GeometryError

    out: list[tuple[str, str]] = []
    while True:
        try:
            info = pyogrio.read_info(path, layer=len(out), WRITE_GFS="NO")
        except GeometryError:      # (a DataLayerError too) 3D solids: the caller's to handle
            raise
        except DataLayerError:     # no layer at this index: the file's layers are read
            return out
        out.append((str(info["layer_name"]), str(info.get("geometry_type") or "")))


def _solids(path: Path, label: str, scan: Scan) -> None:
    from geoplan.io.importer.gml3d import read_gml_solids
    found = read_gml_solids(path)
    for ft, gdf in found.items():
        scan.layers.append(SourceLayer(label if len(found) == 1 else f"{label}:{ft}", ft, gdf))


def _file(path: Path, label: str, scan: Scan) -> None:
    """One file; one that cannot be read is named in the report, and the others are still read."""
    try:
        _file_kind(path, label, scan)
    except UnreadableInput as e:
        scan.unused.append((label, e.message))


def _file_kind(path: Path, label: str, scan: Scan) -> None:
    suffix = path.suffix.lower()
    if suffix == ".zip":
        _zip(path, label, scan)
    elif suffix == ".sos":
        scan.plans.append((label, path))
    elif suffix in (".xml", ".gml"):
        root = _xml_root(path)
        if root == f"{{{NETEX_NS}}}PublicationDelivery":
            scan.netex.append((label, path))
        elif _is_plan_gml(path):
            scan.plans.append((label, path))
        else:
            _read_layers(path, label, scan)
    elif suffix in GEO_SUFFIXES:
        _read_layers(path, label, scan)
    elif suffix in (".shx", ".dbf", ".prj", ".cpg", ".xsd", ".gfs", ".qix", ".sbn", ".sbx"):
        return   # parts of a Shapefile, or schemas: read with their main file
    else:
        scan.unused.append((label, "ukjent filtype; ikke brukt"))


def _is_gtfs(folder: Path) -> bool:
    return (folder / "stops.txt").is_file() and (folder / "stop_times.txt").is_file()


def _folder(folder: Path, base: str, root: Path, scan: Scan) -> None:
    if _is_gtfs(folder):
        scan.gtfs.append((_label(base, root, folder) if folder != root else (base or folder.name), folder))
        return
    for p in sorted(folder.iterdir()):
        if p.is_dir():
            _folder(p, base, root, scan)
        elif p.is_file():
            _file(p, _label(base, root, p), scan)


def _zip(path: Path, label: str, scan: Scan) -> None:
    if not zipfile.is_zipfile(path):
        scan.unused.append((label, "er ikke en gyldig zip-fil"))
        return
    tmp = Path(tempfile.mkdtemp(prefix="geoplan-import-"))
    scan.tmpdirs.append(tmp)
    safe_extract_zip(path, tmp)
    _folder(tmp, label, tmp, scan)


def scan(inputs: list[Path], progress=None) -> Scan:
    """Sort every file of ``inputs`` (folders, zips, files) by what it contains."""
    out = Scan()
    for i, p in enumerate(inputs):
        if progress is not None:
            progress(i, len(inputs), p.name)
        if not p.exists():
            raise UnreadableInput(f"Fant ikke {p}. Kontroller filnavnet og stien.")
        if p.is_dir():
            _folder(p, p.name, p, out)
        else:
            _file(p, p.name, out)
    return out
