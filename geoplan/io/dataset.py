"""The :class:`Dataset`: validated layers of one municipality in one projected CRS.

:func:`geoplan.io.load` builds one from files; :meth:`Dataset.from_frames`
builds one from GeoDataFrames made elsewhere (a notebook), through the same
validation.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Mapping

import geopandas as gpd
from pyproj import CRS

from geoplan.errors import DataProblem, MissingLayer, UnreadableInput
from geoplan.io.cachekey import default_config_or_none  # noqa: F401  (re-exported)
from geoplan.io.contract import SCHEMAS, LayerReport, RawLayer, layer_key

if TYPE_CHECKING:  # pragma: no cover
    from geoplan.config import Config

#: what :meth:`Dataset.from_frames` gives as the source of its layers
FRAMES_SOURCE = "de oppgitte lagene"


@dataclass
class Dataset:
    """Validated layers of one municipality in one projected CRS."""

    source: str
    crs: CRS
    layers: dict[str, gpd.GeoDataFrame]
    rasters: dict[str, Path]
    reports: dict[str, LayerReport]
    #: keeps the temporary folder of an extracted zip alive while its rasters are read
    _holders: list = field(default_factory=list, repr=False, compare=False)

    def __post_init__(self) -> None:
        from geoplan.io.archive import hold
        from geoplan.io.writers import register_inputs

        self._holders = hold(self.rasters.values())
        # every file read here is an input no writer of this process may overwrite
        src = Path(self.source) if self.source and self.source != FRAMES_SOURCE else None
        register_inputs([src if src is not None and src.is_file() else None,
                         *self.rasters.values()],
                        folders=[src] if src is not None and src.is_dir() else [])

    @property
    def epsg(self) -> int | None:
        from geoplan.io.crs import epsg_of
        return epsg_of(self.crs)

    def has(self, name: str) -> bool:
        return name in self.layers

    def get(self, name: str) -> gpd.GeoDataFrame | None:
        return self.layers.get(name)

    def __getitem__(self, name: str) -> gpd.GeoDataFrame:
        self.require(name)
        return self.layers[name]

    def raster(self, name: str) -> Path | None:
        return self.rasters.get(name)

    def require(self, *names: str) -> None:
        """Raise :class:`MissingLayer` or :class:`DataProblem` unless every layer is usable."""
        missing, broken = [], []
        for n in names:
            if n in self.layers:
                continue
            rep = self.reports.get(n)
            if rep is not None and rep.status in ("problem", "ubrukelig"):
                broken.append(rep)
            else:
                missing.append(n)
        if broken:
            rep = broken[0]
            detail = " ".join(rep.messages[:3])
            raise DataProblem(
                f"Laget «{rep.name}» i {rep.source or self.source} kan ikke brukes: {detail}"
            )
        if missing:
            raise MissingLayer(missing, self.source)

    @property
    def status(self) -> str:
        """``ok`` or ``problemer`` (a layer that is present could not be used)."""
        bad = any(r.status in ("problem", "ubrukelig") for r in self.reports.values())
        return "problemer" if bad else "ok"

    def as_dict(self) -> dict:
        return {
            "status": self.status,
            "kilde": self.source,
            "crs": f"EPSG:{self.epsg}" if self.epsg else self.crs.to_string(),
            "lag": [r.as_dict() for r in self.reports.values()],
            "raster": {k: str(v) for k, v in self.rasters.items()},
        }

    @classmethod
    def from_frames(cls, layers: Mapping[str, gpd.GeoDataFrame], *,
                    crs: str | int | CRS | None = None,
                    rasters: Mapping[str, str | os.PathLike] | None = None,
                    config: Config | None = None) -> Dataset:
        """A Dataset from GeoDataFrames built by hand, validated as files are.

        Each frame goes through the checks :func:`geoplan.io.load` applies to a
        file: the data contract's columns and geometry types, values coerced to
        their kinds (rows with invalid values dropped), coordinates plausible for
        the frame's CRS, invalid polygons repaired, and every layer transformed to
        one EUREF89 UTM zone. What happened to each layer is in ``reports``; a
        layer that cannot be used is left out of ``layers`` and named, with the
        reason, when an analysis asks for it. The frames passed in are not changed.

        Parameters
        ----------
        layers
            Contract layer name (``"arealformal"``, ``"skole"``, ...; also as
            planners write them, «Arealformål») -> GeoDataFrame.
        crs
            CRS of frames that carry none (EPSG code or string); it also decides
            the working CRS when no frame is in a Norwegian UTM zone.
        rasters
            ``"terreng"`` / ``"stoy"`` -> path of a GeoTIFF (slope in m, noise in dB).
        config
            ``kommune.working_epsg`` forces the working CRS; ``None``: the
            configuration folder's (or shipped) value.

        Raises
        ------
        geoplan.errors.UnreadableInput
            A name that is not a contract layer or raster, a value that is not a
            GeoDataFrame, an unknown ``crs``, or no layers at all.

        Examples
        --------
        >>> ds = Dataset.from_frames({"skole": skoler, "utviklingsgrense": grenser})
        >>> ds.reports["skole"].status
        'ok'
        """
        from geoplan.io.crs import parse_crs, working_crs
        from geoplan.io.readers import RASTER_NAMES, check_rasters
        from geoplan.io.validate import validate_layers

        raws = _raw_frames(layers)
        paths = {}
        for name, path in (rasters or {}).items():
            if name not in RASTER_NAMES:
                raise UnreadableInput(
                    f"Ukjent rasternavn «{name}». Gyldige navn: {', '.join(RASTER_NAMES)}.")
            paths[name] = Path(path)
        if config is None:
            config = default_config_or_none()
        assume = parse_crs(crs) if crs is not None else None
        target = working_crs(((r.name, r.gdf) for r in raws), config, crs)
        kept, reports = validate_layers(raws, target_crs=target, assume_crs=assume)
        reports.update(check_rasters(paths))
        return cls(source=FRAMES_SOURCE, crs=target, layers=kept, rasters=paths, reports=reports)


def _raw_frames(layers: Mapping[str, gpd.GeoDataFrame]) -> list[RawLayer]:
    """Hand-built frames as :class:`RawLayer` (copies), refusing unknown names and non-frames."""
    if not layers:
        raise UnreadableInput(
            f"Ingen lag er oppgitt. Gi lagene som {{navn: GeoDataFrame}} med navn fra "
            f"datakontrakten ({', '.join(SCHEMAS)}).")
    raws = []
    for given, gdf in layers.items():
        name = layer_key(given)
        if name not in SCHEMAS:
            raise UnreadableInput(
                f"Ukjent lagnavn «{given}». Gyldige navn: {', '.join(SCHEMAS)}.")
        if not isinstance(gdf, gpd.GeoDataFrame) or gdf._geometry_column_name not in gdf.columns:
            what = (f"en {type(gdf).__name__}, ikke en GeoDataFrame"
                    if not isinstance(gdf, gpd.GeoDataFrame) else "uten geometrikolonne")
            raise UnreadableInput(
                f"Laget «{given}» er {what}. Lag det med "
                "geopandas.GeoDataFrame(..., geometry=..., crs=...).")
        raws.append(RawLayer(name, gdf.copy(), FRAMES_SOURCE))
    return raws
