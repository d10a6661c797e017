"""Readers: from a path on disk to :class:`~geoplan.io.contract.RawLayer` objects.

The only code that opens geodata files (with the loaders of
:mod:`geoplan.io.loader` and :mod:`geoplan.io.sites`). Each file is sniffed first
(:func:`sniff`): empty, mislabelled and truncated files are refused with a
Norwegian message before GDAL sees them; a SOSI-GML plan file is parsed in full
(:func:`gml_integrity`) because GDAL reads a truncated one as zero features.
Readers return what they found -- one entry per contract layer, ``gdf=None``
with the reason where a layer could not be read -- and leave validation to
:mod:`geoplan.io.validate`.
"""

from __future__ import annotations

import warnings
import zipfile
from pathlib import Path

import geopandas as gpd
import pyogrio
from pyproj import CRS

from geoplan.errors import UnreadableInput, os_reason, xml_error_at
from geoplan.io.contract import SCHEMAS, LayerReport, RawLayer, layer_key
from geoplan.io.crs import crs_label
from geoplan.io.gdalpath import gdal_path
from geoplan.io.plans import PLAN_LAYERS
from geoplan.io.typed import TYPED_SUFFIXES
from geoplan.numbers import fixed

VECTOR_SUFFIXES = {".gpkg", ".geojson", ".json", ".shp", ".parquet", ".geoparquet",
                   ".fgb", ".gml", ".xml", ".zip", ".sos", ".sosi"}
RASTER_NAMES = ("terreng", "stoy")
SOSI_FEATURE_TYPES = ("KpArealformålOmråde", "RpArealformålOmråde", "KpArealbrukOmråde",
                      "RbFormålOmråde")


# ---------------------------------------------------------------------------
# Before GDAL
# ---------------------------------------------------------------------------


def _sniff_gpkg(path: Path, head: bytes, size: int) -> None:
    if not head.startswith(b"SQLite format 3\x00"):
        raise UnreadableInput(
            f"Filen {path} heter .gpkg, men er ikke en GeoPackage (ikke en SQLite-database). "
            "Kontroller at du valgte riktig fil, eller eksporter den på nytt som GeoPackage."
        )
    page_size = int.from_bytes(head[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    n_pages = int.from_bytes(head[28:32], "big")
    if page_size and n_pages and size < page_size * n_pages:
        raise UnreadableInput(
            f"GeoPackage-filen {path} er avkortet: den skal være "
            f"{fixed(page_size * n_pages, 0)} byte, men er {fixed(size, 0)}."
            + " Filen ble trolig ikke ferdig kopiert eller lastet ned; hent den på nytt."
        )


def sniff(path: Path) -> None:
    """Refuse empty, non-geodata and truncated files before GDAL sees them."""
    try:
        size = path.stat().st_size
    except OSError as e:
        raise UnreadableInput(f"Filen {path} kan ikke leses ({os_reason(e)}).") from None
    if size == 0:
        raise UnreadableInput(
            f"Filen {path} er tom (0 byte). Eksporter laget på nytt fra kildesystemet."
        )
    suffix = path.suffix.lower()
    with open(path, "rb") as fh:
        head = fh.read(100)
    if suffix == ".gpkg":
        _sniff_gpkg(path, head, size)
    elif suffix in (".geojson", ".json"):
        if head.lstrip()[:1] not in (b"{", b"["):
            raise UnreadableInput(
                f"Filen {path} er ikke GeoJSON (starter ikke med «{{»). "
                "Kontroller filen, eller eksporter laget på nytt som GeoJSON."
            )
    elif suffix in (".gml", ".xml"):
        if b"<" not in head:
            raise UnreadableInput(f"Filen {path} er ikke GML/XML. Kontroller filen.")
    elif suffix == ".zip":
        if not zipfile.is_zipfile(path):
            raise UnreadableInput(f"Filen {path} er ikke en gyldig zip-fil.")


def gml_integrity(path: Path) -> dict[str, int]:
    """Parse a GML file fully; count features per SOSI type; refuse broken XML.

    GDAL can read a truncated GML file as zero features without an error, so
    the count from a full XML parse is compared with what GDAL returns.
    """
    import xml.etree.ElementTree as ET

    counts: dict[str, int] = {}
    try:
        for _event, elem in ET.iterparse(path, events=("end",)):
            tag = elem.tag.rsplit("}", 1)[-1]
            if tag in SOSI_FEATURE_TYPES:
                counts[tag] = counts.get(tag, 0) + 1
                elem.clear()
    except ET.ParseError as e:
        raise UnreadableInput(
            f"GML-filen {path.name} er skadet eller avkortet ({xml_error_at(e)}). "
            "Last ned planfilen på nytt fra Geonorge eller kildesystemet."
        ) from None
    except (LookupError, UnicodeError, ValueError):   # an unknown or wrong encoding= (fuzzer)
        raise UnreadableInput(
            f"GML-filen {path.name} har en tegnkoding som ikke kan leses (se encoding= i første "
            "linje). Lagre filen som UTF-8 og prøv igjen.") from None
    return counts


# ---------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------

#: GDAL's English reasons, by a fragment of the text, in Norwegian
_GDAL_REASONS = (
    ("no such file", "filen finnes ikke"),
    ("not recognized as being in a supported file format", "formatet gjenkjennes ikke"),
    ("not recognised as being in a supported file format", "formatet gjenkjennes ikke"),
    ("permission denied", "ingen lesetilgang til filen"),
    ("could not be opened", "laget finnes ikke i filen eller kan ikke åpnes"),
)


def gdal_reason(e: Exception) -> str:
    """Why GDAL could not read a file, in Norwegian (its English text is never shown)."""
    text = str(e).lower()
    for fragment, reason in _GDAL_REASONS:
        if fragment in text:
            return reason
    return "filen er ikke gyldige geodata eller er skadet"


def read_file(path: Path, layer: str | None = None, **kwargs) -> gpd.GeoDataFrame:
    """One layer of a vector file through pyogrio, with a Norwegian error."""
    where = gdal_path(path)   # «a;b.gpkg» is not «a» (see geoplan.io.gdalpath)
    if Path(path).suffix.lower() in (".gml", ".xml"):
        # GDAL's GML driver writes a .gfs schema beside a GML it opens: never beside an input
        kwargs.setdefault("WRITE_GFS", "NO")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            gdf = pyogrio.read_dataframe(where, layer=layer, use_arrow=True, **kwargs)
    except Exception as e:  # pyogrio.errors.DataSourceError and friends
        what = f"laget «{layer}» i " if layer else ""
        hint = (" En Shapefile består av flere filer med samme navn (.shp, .shx, .dbf og .prj): "
                "ta med alle." if path.suffix.lower() == ".shp" else "")
        raise UnreadableInput(
            f"Kan ikke lese {what}{path.name}: {gdal_reason(e)}."
            f"{hint} Kontroller filen, eller eksporter den på nytt (GeoPackage, GeoJSON, Shapefile "
            "eller SOSI-GML)."
        ) from None
    if not isinstance(gdf, gpd.GeoDataFrame):
        what = f"Laget «{layer}» i {path.name}" if layer else f"Filen {path.name}"
        raise UnreadableInput(
            f"{what} har ingen geometri (det er en ren tabell). Geoplan trenger punkter, linjer "
            "eller flater: eksporter laget med geometri, eller legg det til som kolonner i et lag "
            "som har det."
        )
    return gdf


def read_gpkg(path: Path, wanted: set[str] | None = None) -> list[RawLayer]:
    """The contract layers of a GeoPackage (``wanted``: only these)."""
    sniff(path)
    where = gdal_path(path)
    try:
        listed = pyogrio.list_layers(where)
    except Exception as e:
        raise UnreadableInput(
            f"Kan ikke lese GeoPackage-filen {path}: {gdal_reason(e)}; den er trolig skadet eller avkortet. "
            "Hent eller eksporter filen på nytt."
        ) from None
    out = []
    for lname, _gtype in listed:
        lname = str(lname)
        key = layer_key(lname)
        if key not in SCHEMAS or (wanted is not None and key not in wanted):
            continue
        try:
            gdf = read_file(path, layer=lname)
            # A truncated/corrupt page can make GDAL return fewer rows silently.
            info = pyogrio.read_info(where, layer=lname)
            expected = info.get("features")
            out.append(RawLayer(key, gdf, f"{path.name}:{lname}",
                                expected=expected if expected is not None and expected >= 0 else None))
        except UnreadableInput as e:
            out.append(RawLayer(key, None, f"{path.name}:{lname}", error=e.message))
    if len(listed) == 0:
        raise UnreadableInput(f"GeoPackage-filen {path} inneholder ingen lag.")
    return out


def read_gml(path: Path, layer: str | None, objtype: str | None = None) -> list[RawLayer]:
    """A SOSI-GML or SOSI text plan file as the plan layers (another file: ``--objtype``)."""
    from geoplan.io.typed import typed_raws

    sniff(path)
    return typed_raws([(path, path.name)], objtype=objtype, layer=layer)


def read_single(path: Path, layer: str | None, wanted: set[str] | None = None,
                objtype: str | None = None) -> list[RawLayer]:
    """One file: a GeoPackage's layers, a plan (GML or SOSI), or one layer named by ``layer`` or the file."""
    suffix = path.suffix.lower()
    if suffix == ".gpkg":
        raws = read_gpkg(path, wanted)
        if layer and not raws:
            # a GeoPackage with one foreign-named layer given a name
            names = [str(n) for n, _ in pyogrio.list_layers(gdal_path(path))]
            if len(names) == 1:
                return [RawLayer(layer, read_file(path, layer=names[0]), f"{path.name}:{names[0]}")]
        return raws
    if suffix in (".gml", ".xml", ".sos", ".sosi"):
        return read_gml(path, layer, objtype)
    sniff(path)
    name = layer or layer_key(path.stem)
    if name not in SCHEMAS:
        raise UnreadableInput(
            f"Filen {path.name} er ikke navngitt etter et kjent lag. Oppgi lagnavnet med "
            f"--layer NAVN (ett av: {', '.join(SCHEMAS)})."
        )
    if suffix in (".parquet", ".geoparquet"):
        try:
            gdf = gpd.read_parquet(path)
        except Exception:
            raise UnreadableInput(f"Kan ikke lese GeoParquet-filen {path}: filen er ikke gyldig "
                                  "GeoParquet eller er skadet. Eksporter den på nytt.") from None
        return [RawLayer(name, gdf, path.name)]
    gdf = read_file(path)
    notes = geojson_crs_notes(path, gdf) if suffix in (".geojson", ".json") else []
    return [RawLayer(name, gdf, path.name, notes=notes)]


def geojson_crs_notes(path: Path, gdf: gpd.GeoDataFrame) -> list[str]:
    """A GeoJSON without a ``crs`` member: GDAL's implicit EPSG:4326 is no declaration.

    Coordinates in degrees keep EPSG:4326 (RFC 7946); coordinates in metres get no
    CRS (so ``--crs`` applies) and a note that says they look like UTM. Modifies ``gdf``.
    """
    with open(path, "rb") as fh:
        head = fh.read(65536)
    if b'"crs"' in head or len(gdf) == 0 or gdf.crs is None:
        return []
    b = gdf.total_bounds
    if abs(b[0]) <= 180 and abs(b[2]) <= 180 and abs(b[1]) <= 90 and abs(b[3]) <= 90:
        return []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gdf.crs = None
    looks = ""
    if 0 < b[0] and b[2] < 1_000_000 and 6_400_000 < b[1] and b[3] < 8_000_000:
        looks = (" Tallene ser ut som EUREF89 UTM (øst 0–1 000 000 m, nord 6,4–8 mill. m); sonen "
                 "kan ikke leses av tallene: oppgi den med --crs 25832 (sone 32, Sør-Norge), "
                 "25833 (sone 33, Midt- og Nord-Norge) eller 25835 (sone 35, Øst-Finnmark).")
    return [f"GeoJSON-filen {path.name} oppgir ikke koordinatsystem og har koordinater i meter, "
            f"ikke grader (GeoJSON uten «crs» skal være i lengde/breddegrad).{looks}"]


def read_folder(folder: Path, wanted: set[str] | None = None) -> tuple[list[RawLayer], dict[str, Path]]:
    """Every layer file of a folder (named after its layer) and the GeoTIFFs beside them."""
    raws: list[RawLayer] = []
    rasters: dict[str, Path] = {}
    broken: list[UnreadableInput] = []
    typed = [p for p in sorted(folder.iterdir()) if p.is_file() and p.suffix.lower() in TYPED_SUFFIXES]
    if typed and (wanted is None or wanted & set(PLAN_LAYERS)):
        raws.extend(_typed_group(typed, [p.name for p in typed]))
    for p in sorted(p for p in folder.iterdir() if p.is_file()):
        suffix = p.suffix.lower()
        if suffix in (".tif", ".tiff"):
            rasters[p.stem.lower()] = p
            continue
        if suffix not in VECTOR_SUFFIXES or suffix == ".zip":
            continue
        if suffix == ".gpkg":
            raws.extend(read_gpkg(p, wanted))
            continue
        # one broken layer file does not make the other layers of the folder unusable: it
        # is reported as «ubrukelig», as a broken layer inside a GeoPackage is
        if suffix in TYPED_SUFFIXES:
            continue
        if layer_key(p.stem) in SCHEMAS and (wanted is None or layer_key(p.stem) in wanted):
            name, read = layer_key(p.stem), lambda p=p: read_single(p, None)
        else:
            continue
        try:
            raws.extend(read())
        except UnreadableInput as e:
            broken.append(e)
            raws.append(RawLayer(name, None, p.name, error=e.message))
    if broken and all(r.gdf is None for r in raws):
        raise broken[0]   # nothing in the folder can be read at all
    return raws, rasters


def read_zip_contents(folder: Path, zip_name: str,
                      layer: str | None) -> tuple[list[RawLayer], dict[str, Path]]:
    """The geodata files and GeoTIFFs of an extracted zip archive in ``folder``."""
    inner = sorted(p for p in folder.rglob("*") if p.is_file()
                   and p.suffix.lower() in VECTOR_SUFFIXES - {".zip"})
    if not inner:
        found = sorted({p.suffix.lower() or p.name for p in folder.rglob("*") if p.is_file()})
        raise UnreadableInput(
            f"Zip-filen {zip_name} inneholder ingen geodatafiler geoplan kan lese (fant: "
            f"{', '.join(found) or 'ingen filer'}). Bruk GeoPackage, GeoJSON, Shapefile, SOSI-GML "
            "eller SOSI (.sos).")
    raws: list[RawLayer] = []
    typed = [p for p in inner if p.suffix.lower() in TYPED_SUFFIXES]
    if typed:
        labels = [f"{zip_name}:{p.relative_to(folder).as_posix()}" for p in typed]
        raws.extend(_typed_group(typed, labels, layer if len(inner) == 1 else None))
    for p in inner:
        if p.suffix.lower() in TYPED_SUFFIXES:
            continue
        raws.extend(read_single(p, layer if len(inner) == 1 else None))
    rasters = {p.stem.lower(): p for p in folder.rglob("*.tif")}
    return raws, rasters


def _typed_group(paths: list[Path], labels: list[str], layer: str | None = None) -> list[RawLayer]:
    """The plan (or --objtype) layers of several SOSI/GML files; all unreadable: one ubrukelig layer."""
    from geoplan.io.typed import typed_raws

    try:
        return typed_raws(list(zip(paths, labels)), layer=layer)
    except UnreadableInput as e:
        return [RawLayer("arealformal", None, ", ".join(labels), error=e.message)]


# ---------------------------------------------------------------------------
# Rasters
# ---------------------------------------------------------------------------

def check_rasters(rasters: dict[str, Path]) -> dict[str, LayerReport]:
    """Open each raster once; drop unusable ones from ``rasters`` (in place).

    Returns a report per raster, keyed ``"<name>.tif"``.
    """
    import rasterio

    from geoplan.io.raster import _unreadable, raster_problem, raster_size_note

    reports: dict[str, LayerReport] = {}
    for name, p in list(rasters.items()):
        rep = LayerReport(name=f"{name}.tif", source=str(p))
        try:
            with rasterio.open(p) as src:
                rep.crs = crs_label(CRS.from_user_input(src.crs)) if src.crs else None
                rep.n_read = rep.n_kept = 1
                problem = raster_problem(src, p.name)
                if problem:
                    rep.add(f"{problem} Rasteret brukes ikke.", "problem")
                    rasters.pop(name)
                else:
                    rep.add(raster_size_note(src))
        except Exception as e:
            rep.add(f"{_unreadable(p, e).message} Rasteret brukes ikke.", "ubrukelig")
            rasters.pop(name)
        reports[f"{name}.tif"] = rep
    return reports
