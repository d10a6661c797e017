"""``load(DATA)``: read a municipality's layers from disk and validate them.

DATA is a GeoPackage, a folder of layer files named after the layers (GeoJSON,
Shapefile, GeoParquet, FlatGeobuf, GeoPackage), a single file, a SOSI-GML plan
file or a zip with any of these. :func:`load` reads it
(:mod:`geoplan.io.readers`), chooses the working CRS (:func:`geoplan.io.crs.working_crs`),
validates every layer (:mod:`geoplan.io.validate`) and returns a
:class:`~geoplan.io.dataset.Dataset`.

Nothing a user can feed it raises anything but :class:`~geoplan.errors.GeoplanError`
subclasses with a Norwegian message naming the file, layer and feature.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from geoplan.config import Config
from geoplan.errors import UnreadableInput
from geoplan.io import cache
from geoplan.io.cachekey import DEFAULT_DATA, cache_key
from geoplan.io.contract import SCHEMAS, LayerReport, RawLayer
from geoplan.io.crs import parse_crs, working_crs
from geoplan.io.dataset import Dataset, default_config_or_none

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd

# The readers (pyogrio, GDAL), validation and the zip and raster checks are imported when a
# source is read: a hit in the load cache (geoplan.io.cache) needs none of them.



def _check_request(data, path: Path, layer: str | None) -> None:
    if data is None and not path.exists():
        raise UnreadableInput(
            f"Demodataene finnes ikke ({path}). Bygg dem med «python -m geoplan demo»."
        )
    if not path.exists():
        raise UnreadableInput(f"Fant ikke {path}. Kontroller filnavnet og stien.")
    if layer is not None and layer not in SCHEMAS:
        raise UnreadableInput(
            f"Ukjent lagnavn «{layer}» (--layer). Gyldige navn: {', '.join(SCHEMAS)}."
        )


def _read_source(path: Path, layer: str | None, wanted: set[str] | None,
                 tmp: list[Path], objtype: str | None = None) -> tuple[list[RawLayer], dict[str, Path]]:
    """Read DATA into raw layers and raster paths; a zip is extracted to a folder added to ``tmp``."""
    from geoplan.io.archive import extraction_dir, safe_extract_zip
    from geoplan.io.readers import RASTER_NAMES, read_folder, read_single, read_zip_contents, sniff

    if path.is_dir():
        return read_folder(path, wanted)
    if path.suffix.lower() == ".zip":
        sniff(path)
        tmpdir = extraction_dir(path)
        tmp.append(tmpdir)
        safe_extract_zip(path, tmpdir)
        return read_zip_contents(tmpdir, path.name, layer)
    raws = read_single(path, layer, wanted, objtype)
    rasters: dict[str, Path] = {}
    if path.suffix.lower() == ".gpkg":
        for name in RASTER_NAMES:
            for cand in (path.parent / f"{name}.tif", path.parent / f"{name}.tiff"):
                if cand.exists():
                    rasters[name] = cand
    return raws, rasters


def _refuse_nothing_usable(path: Path, layers: dict[str, gpd.GeoDataFrame],
                           reports: dict[str, LayerReport]) -> None:
    """DATA as a whole is unreadable (exit 2) when no layer in it can be used."""
    if layers:
        return
    if all(r.status in ("mangler",) for r in reports.values()):
        raise UnreadableInput(
            f"Fant ingen kjente lag i {path}. Lagene må hete som i datakontrakten "
            f"({', '.join(SCHEMAS)}); for en enkeltfil, oppgi --layer NAVN."
        )
    unreadable = [r for r in reports.values() if r.status == "ubrukelig" and r.messages]
    if unreadable and all(r.status in ("mangler", "ubrukelig") for r in reports.values()):
        raise UnreadableInput(_unreadable_text(unreadable))


def _unreadable_text(unreadable: list[LayerReport]) -> str:
    """The reasons no layer could be read, each said once: a damaged GeoPackage gave the
    same sentence for each of its 21 layers (3 000 characters); now the first layer's,
    then the others that failed the same way by name."""
    said: list[tuple[LayerReport, list[str]]] = []
    for r in unreadable:
        msg = r.messages[0]
        for first, alike in said:
            if msg.replace(f"«{r.name}»", f"«{first.name}»") == first.messages[0]:
                alike.append(r.name)
                break
        else:
            said.append((r, []))
    parts = []
    for first, alike in said:
        text = first.messages[0]
        if alike:
            names = ", ".join(f"«{n}»" for n in alike)
            text += (f" Det samme gjelder {'laget' if len(alike) == 1 else f'{len(alike)} andre lag:'} "
                     f"{names}.")
        parts.append(text)
    return " ".join(parts)


def load(data: str | os.PathLike | None = None, *, layer: str | None = None,
         crs: str | int | None = None, config: Config | None = None,
         only: Iterable[str] | None = None, objtype: str | None = None) -> Dataset:
    """Load and validate DATA into a :class:`~geoplan.io.dataset.Dataset`.

    Parameters
    ----------
    data
        A GeoPackage, a folder of layer files, a single layer file (GeoJSON,
        Shapefile, GeoParquet, FlatGeobuf), a SOSI-GML plan file (read as the
        ``arealformal`` layer), or a zip with any of these. ``None``: the demo.
    layer
        Layer name for a single file that is not named after its layer.
    crs
        CRS assumed for layers that carry none (EPSG code or string).
    config
        Configuration (``kommune.working_epsg`` forces the working CRS).
    only
        Read only these layers (others are reported as not read).
    objtype
        The object type to read from a SOSI or GML file that is not a plan (``--objtype``).

    Raises
    ------
    UnreadableInput
        DATA cannot be read at all (exit code 2).
    """
    if config is None:
        config = default_config_or_none()
    from geoplan.io.postgis.connect import is_database
    if is_database(data):
        return _load_database(str(data), crs=crs, config=config, only=only)
    path = Path(data) if data is not None else DEFAULT_DATA
    _check_request(data, path, layer)
    assume = parse_crs(crs) if crs is not None else None
    wanted = set(only) if only is not None else None
    if wanted is not None and "kommune" in SCHEMAS:
        wanted.add("kommune")  # cheap, and it decides the working CRS

    key = cache_key(path, data, layer=layer, crs=crs, objtype=objtype, wanted=wanted,
                    config=config)
    hit = cache.lookup(key)
    if hit is not None:
        return Dataset(**hit)
    from geoplan.io.archive import remove_extraction
    from geoplan.io.consistency import check_across_layers
    from geoplan.io.readers import RASTER_NAMES, check_rasters
    from geoplan.io.validate import validate_layers

    tmp: list[Path] = []
    keep_tmp = False
    try:
        raws, rasters = _read_source(path, layer, wanted, tmp, objtype)
        if wanted is not None:
            raws = [r for r in raws if r.name in wanted]
        target = working_crs(((r.name, r.gdf) for r in raws), config, crs)
        layers, reports = validate_layers(raws, target_crs=target, assume_crs=assume, wanted=wanted)
        _refuse_nothing_usable(path, layers, reports)
        check_across_layers(layers, reports)
        for name in list(rasters):
            if name not in RASTER_NAMES:
                rasters.pop(name)
        reports.update(check_rasters(rasters))
        keep_tmp = bool(rasters)   # a zip's rasters are read later from where it was extracted
        parts: dict[str, Any] = {"source": str(path), "crs": target, "layers": layers,
                                 "rasters": rasters, "reports": reports}
        ds = Dataset(**parts)
        cache.store(key, parts, report=ds.as_dict())
        return ds
    finally:
        if tmp and not keep_tmp:
            remove_extraction(tmp[0])


def _load_database(data: str, *, crs, config: Config | None, only) -> Dataset:
    """DATA as a PostgreSQL address: the schema's tables validated exactly as files are."""
    from geoplan.io.consistency import check_across_layers
    from geoplan.io.postgis import read_source
    from geoplan.io.readers import check_rasters
    from geoplan.io.validate import validate_layers

    assume = parse_crs(crs) if crs is not None else None
    wanted = set(only) | {"kommune"} if only is not None else None
    raws, rasters, label = read_source(data, wanted)
    target = working_crs(((r.name, r.gdf) for r in raws), config, crs)
    layers, reports = validate_layers(raws, target_crs=target, assume_crs=assume, wanted=wanted)
    if not layers:
        raise UnreadableInput(
            f"Fant ingen kjente lag i {label}. Tabellene må hete som lagene i datakontrakten "
            f"({', '.join(SCHEMAS)}); last inn med «geoplan db load».")
    check_across_layers(layers, reports)
    reports.update(check_rasters(rasters))
    return Dataset(source=label, crs=target, layers=layers, rasters=rasters, reports=reports)
