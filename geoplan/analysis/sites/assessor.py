"""The site assessor: layers, rasters and settings prepared once; then each assessment is fast."""

from __future__ import annotations

import gc
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from geoplan.analysis.sites import scalar as sc
from geoplan.analysis.sites.concentration_adapter import ConcentrationAdapter
from geoplan.analysis.sites.coverage import data_coverage
from geoplan.analysis.sites.criteria import (
    Criterion,
    Profile,
    criteria_from_config,
    criteria_from_settings,
    normalise_kategori,
    select_criteria,
)
from geoplan.analysis.sites.indexes import Index, LayerIndexes
from geoplan.analysis.sites.kinds import KINDS, Measure, Sites, unknown_all
from geoplan.analysis.sites.results import RowStatic, criterion_rows, ranked_results, site_result
from geoplan.analysis.sites.walking import Walker, make_walker
from geoplan.analysis.sites.wording import missing_layer_reason
from geoplan.analysis.sites.zoning import zoning_cover, zoning_overlap
from geoplan.config import Config
from geoplan.config.sites import SiteSettings
from geoplan.errors import ConfigError, DataProblem
from geoplan.io.crs import require_projected, same_crs


class SiteAssessor:
    """Built once from the layers and settings; then :meth:`assess` is fast.

    Parameters
    ----------
    layers : mapping of layer name -> GeoDataFrame, all in ``crs`` (projected, metres);
        names and columns as in the data contract (``skole``, ``arealformal`` ...)
    crs : the data CRS (pyproj CRS or anything it accepts); default: the CRS of
        the first layer that has one
    settings : :class:`~geoplan.config.sites.SiteSettings`, optional
        The criteria, profiles and parameters; default: the shipped
        ``config/sites.toml`` (:meth:`SiteSettings.from_config`)
    rasters : mapping raster name (``stoy``, ``terreng``) -> GeoTIFF path, a
        :class:`geoplan.io.raster.Raster`, or a tuple ``(array, affine transform, crs)``
        for data already in memory
    criteria, profiles : optional, keyword only
        Checked :class:`Criterion` / :class:`Profile` objects to use instead of
        those of ``settings``.

    Raises
    ------
    DataProblem
        A layer in a geographic CRS, or no CRS at all.
    ConfigError
        An invalid criterion or profile in the settings.

    Examples
    --------
    From a notebook, on one's own frames and the shipped criteria::

        a = SiteAssessor({"skole": schools, "utviklingsgrense": boundary})
        a.assess(Point(565_000, 6_550_000), units=2)["samlet"]
    """

    def __init__(self, layers: Mapping[str, gpd.GeoDataFrame], crs: Any = None,
                 settings: SiteSettings | None = None,
                 rasters: Mapping[str, Any] | None = None, *,
                 criteria: Sequence[Criterion] | None = None,
                 profiles: Sequence[Profile] | None = None):
        self.layers = {k: v for k, v in layers.items() if v is not None and len(v)}
        self.crs = _data_crs(self.layers, crs)
        self.settings = settings if settings is not None else SiteSettings.from_config()
        if criteria is None or profiles is None:
            own_c, own_p = criteria_from_settings(self.settings)
            criteria = own_c if criteria is None else criteria
            profiles = own_p if profiles is None else profiles
        self.criteria = list(criteria)
        self.profiles = list(profiles)
        self.rasters = dict(rasters or {})
        self.index = LayerIndexes(self.layers)
        self._epsg = self.crs.to_epsg()
        self._selected: dict = {}
        self._prepare()

    @property
    def config(self) -> Config:
        """The configuration the settings were read from."""
        return self.settings.config

    # -- construction ----------------------------------------------------------
    @classmethod
    def from_dataset(cls, ds: Any, config: Config | SiteSettings | None = None) -> "SiteAssessor":
        """Build from a :class:`geoplan.io.layers.Dataset` (its layers, CRS and the
        rasters beside it) and a :class:`~geoplan.config.Config` (``None``: the shipped
        defaults)."""
        settings = _settings(config)
        crits, profiles = criteria_from_settings(settings)
        rasters = {}
        for c in crits:
            if c.kind == "raster":
                p = ds.raster(c.opt("raster"))
                rep = getattr(ds, "reports", {}).get(f"{c.opt('raster')}.tif")
                if p is None and rep is not None and rep.status in ("problem", "ubrukelig") \
                        and rep.source:
                    p = Path(rep.source)   # refused at load: opening it says why, not «finnes ikke»
                if p is not None:
                    rasters[c.opt("raster")] = p
        return cls(ds.layers, ds.crs, settings, rasters, criteria=crits, profiles=profiles)

    @classmethod
    def from_layers(cls, layers: Mapping[str, gpd.GeoDataFrame],
                    config: Config | SiteSettings | Mapping[str, Any] | None = None, *,
                    crs: Any = None, rasters: Mapping[str, Any] | None = None) -> "SiteAssessor":
        """Build from plain GeoDataFrames (e.g. in tests) and a config.

        ``config`` may also be the ``sites`` section as a plain dict: its criteria
        are used (references keep the numbers beside them) with the shipped
        defaults for everything else.
        """
        if config is None or isinstance(config, (Config, SiteSettings)):
            return cls(layers, crs, _settings(config), rasters)
        crits, profiles = criteria_from_config(config)
        return cls(layers, crs, None, rasters, criteria=crits, profiles=profiles)

    def _prepare(self) -> None:
        """Build the indexes, network and models every criterion may need (once)."""
        for c in self.criteria:
            try:
                if c.kind == "inside":
                    self._union(c.layer_name)
                elif c.kind in ("distance", "sum_within", "dok"):
                    self._filtered_index(c.layer_name, c.opt("filter"))
                elif c.kind == "zoning_share":
                    self._layer_index(c.layer_name)
                elif c.kind == "walking_distance":
                    self._walker(*self.walk_params(c))
                elif c.kind == "raster":
                    self._grid(c.opt("raster"), bool(c.opt("slope", False)))
                elif c.kind == "concentration":
                    self._concentration(c)
            except ConfigError:
                raise
            except Exception:  # pragma: no cover - evaluated again lazily, reported as ukjent
                pass

    # -- what the evaluators use -------------------------------------------------
    def _layer_index(self, layer: str) -> Index | None:
        return self.index.layer(layer)

    def _filtered_index(self, layer: str, flt: Mapping[str, Any] | None) -> Index | str | None:
        return self.index.filtered(layer, flt)

    def _union(self, layer: str) -> tuple[Any, gpd.GeoDataFrame, shapely.STRtree] | None:
        return self.index.union(layer)

    def _zoning_overlap(self, layer: str, column: str, s: Sites) -> list[list[dict]]:
        """Per site: [{"kode", "navn", "areal_daa", "andel_pct"}] sorted by share."""
        return zoning_overlap(self.index, layer, column, s)

    def _zoning_cover(self, layer: str, column: str, codes: set[int],
                      s: Sites) -> tuple[np.ndarray, np.ndarray]:
        """Per site: % of its area zoned with one of ``codes``, and % zoned at all."""
        return zoning_cover(self.index, layer, column, codes, s)

    def walk_params(self, c: Criterion) -> tuple[str, str, Any, float, bool, float]:
        """``(network layer, target layer, filter, max_snap_m, node_crossings,
        node_tolerance_m)`` of a walking criterion; what it does not set comes from the
        municipality's schools settings, so the site check walks the network the school
        analysis walks."""
        max_snap, crossings = c.opt("max_snap_m"), c.opt("node_crossings")
        tolerance = c.opt("node_tolerance_m")
        if max_snap is None or crossings is None or tolerance is None:
            sch = self._school_settings()
            max_snap = sch.snap_max_m if max_snap is None else max_snap
            crossings = sch.node_crossings if crossings is None else crossings
            tolerance = sch.node_tolerance_m if tolerance is None else tolerance
        return (c.opt("network", "gangnett"), c.layer_name, c.opt("filter"), float(max_snap),
                bool(crossings), float(tolerance))

    def _school_settings(self):
        """The municipality's schools settings, read from the configuration once (they
        were read for every site: 0,1 ms of a site's 3 ms)."""
        cfg = self.config
        memo = self.__dict__.get("_school_memo")
        if memo is None or memo[0] is not cfg:
            from geoplan.config.schools import SchoolSettings
            memo = (cfg, SchoolSettings.from_config(cfg))
            self.__dict__["_school_memo"] = memo
        return memo[1]

    def _walker(self, network: str, layer: str, flt: Any, max_snap: float,
                node_crossings: bool, node_tolerance_m: float | None = None) -> Walker | str:
        key = ("walker", network, layer, repr(sorted((flt or {}).items())), max_snap,
               bool(node_crossings), node_tolerance_m)

        def build() -> Walker | str:
            net = self.layers.get(network)
            if net is None or not len(net):
                return (f"Laget «{network}» finnes ikke i dataene, så gangavstanden "
                        "kan ikke beregnes.")
            targets = self._filtered_index(layer, flt)
            if targets is None:
                return missing_layer_reason(layer)
            if isinstance(targets, str):
                return targets
            try:
                return make_walker(net, targets[0], max_snap_m=max_snap,
                                   node_crossings=node_crossings,
                                   node_tolerance_m=node_tolerance_m)
            except DataProblem as e:
                return f"Gangavstanden kan ikke beregnes: {e.message}"
        return self.index.memo(key, build)

    def _grid(self, name: str, slope: bool) -> Any:
        """The raster ``name`` (its slope in % with ``slope``), or why it cannot be used."""
        return self.index.memo(("grid", name, slope),
                               lambda: _open_grid(self.rasters.get(name), name, slope, self.crs))

    def _concentration(self, c: Criterion) -> ConcentrationAdapter | str:
        """The concentration adapter (built once), or a reason why there is none."""
        return self.index.memo(("concentration",), lambda: ConcentrationAdapter.build(self))

    # -- assessment ------------------------------------------------------------
    def _sites(self, geoms: Any, units: Any, kategori: str | None, trinn: int | None,
               crs: Any = None) -> Sites:
        if (crs is None and isinstance(geoms, shapely.Geometry) and type(units) is int
                and units >= 0 and (trinn is None or trinn in (1, 2, 3, 4, 5))):
            # one site in the data CRS (assess): the checks below on scalars
            if geoms.is_empty:
                raise DataProblem("Tomt nr. 1 har tom geometri. Rett eller fjern den i tomtefilen.")
            g = geoms if geoms.is_valid else shapely.make_valid(geoms)
            return Sites(geoms=np.array([g], dtype=object), units=np.array([units]),
                         kategori=normalise_kategori(kategori),
                         trinn=None if trinn is None else int(trinn))
        arr = _site_geometries(geoms, self.crs, crs)
        if isinstance(units, (int, float, np.integer, np.floating)) and not isinstance(units, bool) \
                and np.isfinite(units):
            u = np.full(len(arr), float(units))      # one number: no Series to coerce
        else:
            u = np.broadcast_to(np.asarray(units if units is not None else 1), (len(arr),))
            u = np.asarray(pd.to_numeric(pd.Series(u), errors="coerce").fillna(1), dtype=float)
        if (u < 0).any() or (u != np.round(u)).any():
            raise DataProblem("Antall enheter (--units) må være et helt tall som er 0 eller større.")
        if trinn is not None and int(trinn) not in (1, 2, 3, 4, 5):
            raise DataProblem(f"Trinn {trinn} finnes ikke i boligtrappen; bruk 1–5.")
        return Sites(geoms=arr, units=u.astype(int), kategori=normalise_kategori(kategori),
                     trinn=None if trinn is None else int(trinn))

    def _select(self, kategori: str | None, trinn: int | None
                ) -> tuple[list[Criterion], list[Profile], list[RowStatic]]:
        """The criteria and profiles of a purchase, and the parts of each criterion's row
        that do not depend on the site (built once per kategori and trinn)."""
        key = (kategori, trinn)
        if key not in self._selected:
            crits, used = select_criteria(self.criteria, self.profiles, kategori, trinn,
                                          self.config)
            self._selected[key] = (crits, used, [RowStatic(c) for c in crits])
        return self._selected[key]

    def _evaluate(self, s: Sites) -> tuple[list[Criterion], list[Profile], list[list[dict]]]:
        crits, used, static = self._select(s.kategori, s.trinn)
        cols: list[list[dict]] = []          # per criterion, its row for every site
        cover = self.index.memo(("coverage",), lambda: data_coverage(self.layers))
        outside = cover.outside(s.geoms) if cover is not None else np.zeros(s.n, dtype=bool)
        out_idx = np.flatnonzero(outside).tolist()
        out_reason = cover.reason() if cover is not None and out_idx else ""
        for c, st in zip(crits, static):
            try:
                measures = KINDS[c.kind](self, c, s)
            except ConfigError:
                raise
            except Exception as e:  # never crash on one criterion
                msg = getattr(e, "message", None)
                if msg is None:   # not geoplan's own: its English words go to the log
                    import logging
                    logging.getLogger("geoplan.sites").error("Kriteriet %s stoppet", c.id,
                                                             exc_info=e)
                    msg = "en intern feil; detaljene er i loggen"
                measures = unknown_all(s.n, f"Kriteriet kunne ikke beregnes ({msg}).")
            if out_idx:
                measures = list(measures)
            for i in out_idx:      # the data do not reach the site: nothing is known
                measures[i] = Measure(reason=out_reason, details={"utenfor_dataene": True})
            cols.append(criterion_rows(c, measures, st))
        per_site = [list(r) for r in zip(*cols)] if cols else [[] for _ in range(s.n)]
        return crits, used, per_site

    def assess(self, geom: Any, units: int = 1, kategori: str | None = None,
               trinn: int | None = None, *, crs: Any = None) -> dict:
        """Assess one site (a shapely Point/Polygon in the data CRS, or in ``crs``).

        Parameters
        ----------
        geom : shapely geometry, or a GeoSeries/GeoDataFrame of one row
        units : dwellings bought or built (≥ 0)
        kategori : kind of municipal dwelling (``utleie``, ``omsorgsbolig``, ``housing_first`` ...)
        trinn : step 1–5 of the housing ladder (boligtrappen)

        Returns
        -------
        dict
            ``{"kriterier": [...], "samlet": status, "oppsummering": {...}, "tomt": {...},
            "profiler": [...], "kjop": {"enheter", "kategori", "trinn"}}``.
        """
        if isinstance(geom, (gpd.GeoDataFrame, gpd.GeoSeries)) and len(geom) != 1:
            raise DataProblem("assess() tar én tomt; bruk assess_many() for flere.")
        s = self._sites(geom, units, kategori, trinn, crs)
        _crits, used, per_site = self._evaluate(s)
        tomt = self._site_info(s)[0]
        return site_result(per_site[0], tomt, used, s, 0)

    def assess_many(self, sites: Any, units: Any = 1, kategori: str | None = None,
                    trinn: int | None = None, *, names: Sequence[str | None] | None = None,
                    crs: Any = None) -> dict:
        """Assess many sites with the same criteria, each purchase judged on its own.

        Parameters
        ----------
        sites : GeoDataFrame / GeoSeries / sequence of shapely geometries
        units : int or array (one per site)
        names : optional site names (default: column ``navn`` of a GeoDataFrame, else
            "Tomt 1", "Tomt 2", ...)

        Returns
        -------
        dict
            ``{"tomter": [{"rang", "tomt_nr", "navn", "samlet", "oppsummering",
            "kriterier", "tomt"}, ...], "antall_tomter": n, "profiler": [...]}``, ranked:
            fewest red, then fewest yellow, then fewest unknown criteria first (ties keep
            the input order).
        """
        if names is None and isinstance(sites, gpd.GeoDataFrame) and "navn" in sites.columns:
            names = [None if pd.isna(v) else str(v) for v in sites["navn"]]
        s = self._sites(sites, units, kategori, trinn, crs)
        with _no_gc():       # ~300,000 new dicts and strings, none in a cycle
            crits, used, per_site = self._evaluate(s)
            return ranked_results(per_site, self._site_info(s), crits, used, s, names)

    def _site_info(self, s: Sites) -> list[dict]:
        if s.n == 1:
            return [self._site_info_one(s)]
        areas = shapely.area(s.geoms)
        cen = shapely.centroid(s.geoms)
        inner = shapely.point_on_surface(s.geoms)
        zon = self._zoning_of_info(s)
        kinds = [_GEOM_TYPES.get(t, "Geometry") for t in shapely.get_type_id(s.geoms).tolist()]
        daa = (areas / 1000.0).tolist()
        cx, cy = shapely.get_x(cen).tolist(), shapely.get_y(cen).tolist()
        ix, iy = shapely.get_x(inner).tolist(), shapely.get_y(inner).tolist()
        wkt = shapely.to_wkt(s.geoms, rounding_precision=2).tolist()
        out = []
        for i in range(s.n):
            out.append({
                "geometritype": kinds[i],
                "areal_daa": round(daa[i], 3),
                "x": round(cx[i], 1),
                "y": round(cy[i], 1),
                "punkt_pa_tomta": [round(ix[i], 1), round(iy[i], 1)],
                "epsg": self._epsg,
                "arealformal": zon[i] if zon is not None else None,
                "wkt": wkt[i],
            })
        return out


    def _zoning_of_info(self, s: Sites) -> list[list[dict]] | None:
        zc = next((c for c in self.criteria if c.kind == "zoning_share"), None)
        if zc is not None:
            base = self._layer_index(zc.layer_name)
            if base is not None and zc.opt("column", "arealformal") in base[0].columns:
                return self._zoning_overlap(zc.layer_name, zc.opt("column", "arealformal"), s)
        return None

    def _site_info_one(self, s: Sites) -> dict:
        """:meth:`_site_info` of one site, with the scalar functions (:mod:`.scalar`)."""
        g = s.geoms[0]
        zon = self._zoning_of_info(s)
        c, p = sc.centroid(g), sc.point_on_surface(g)
        return {
            "geometritype": _GEOM_TYPES.get(sc.type_id(g), "Geometry"),
            "areal_daa": round(sc.area(g) / 1000.0, 3),
            "x": round(c.x, 1),
            "y": round(c.y, 1),
            "punkt_pa_tomta": [round(p.x, 1), round(p.y, 1)],
            "epsg": self._epsg,
            "arealformal": zon[0] if zon is not None else None,
            "wkt": shapely.to_wkt(g, rounding_precision=2),
        }


@contextmanager
def _no_gc() -> Iterator[None]:
    """The cyclic garbage collector paused while a result of many sites is built: it
    would otherwise walk the growing heap again and again (a quarter of the time of
    10,000 sites) to find cycles the rows do not make; reference counting still frees
    everything as usual."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


_GEOM_TYPES = {0: "Point", 1: "LineString", 2: "LinearRing", 3: "Polygon", 4: "MultiPoint",
               5: "MultiLineString", 6: "MultiPolygon", 7: "GeometryCollection"}


def _settings(config: Config | SiteSettings | None) -> SiteSettings:
    return config if isinstance(config, SiteSettings) else SiteSettings.from_config(config)


def _data_crs(layers: Mapping[str, gpd.GeoDataFrame], crs: Any) -> CRS:
    """The projected CRS of the data: ``crs``, else that of the first layer with one."""
    for name, gdf in layers.items():
        require_projected(gdf, name)
    if crs is None:
        crs = next((g.crs for g in layers.values() if g.crs is not None), None)
    if crs is None:
        raise DataProblem("Lagene har ikke koordinatsystem; angi crs.")
    out = CRS.from_user_input(crs)
    if out.is_geographic:
        raise DataProblem(
            f"Tomtevurderingen trenger et projisert koordinatsystem i meter (EUREF89 UTM), "
            f"men dataene er i {out.name}. Angi --crs 25832 (eller 25833/25835)."
        )
    return out


def _open_grid(src: Any, name: str, slope: bool, crs: CRS) -> Any:
    from geoplan.io import raster as rmod
    if src is None:
        return (f"Rasteret {name}.tif finnes ikke ved dataene, så kriteriet kan ikke "
                f"vurderes. Legg {name}.tif ved siden av GeoPackage-filen.")
    try:
        if isinstance(src, rmod.Raster):
            r = src
        elif isinstance(src, tuple):
            arr, transform, rcrs = src
            r = rmod.Raster(Path(f"{name}.tif"), np.asarray(arr, dtype="float64"),
                            transform, CRS.from_user_input(rcrs or crs))
        else:
            r = rmod.open_raster(src)
    except Exception as e:
        # geoplan's own errors are Norwegian; rasterio's and GDAL's are not, and are not shown
        msg = getattr(e, "message", None) or "filen er ikke et gyldig raster eller er skadet"
        return f"Rasteret {name}.tif kan ikke brukes: {msg}"
    return r.slope_pct if slope else r


def _site_geometries(geoms: Any, data_crs: CRS, crs: Any) -> np.ndarray:
    """The sites as an array of valid shapely geometries in the data CRS."""
    if isinstance(geoms, (gpd.GeoDataFrame, gpd.GeoSeries)):
        gs = geoms.geometry if isinstance(geoms, gpd.GeoDataFrame) else geoms
        if gs.crs is not None and not same_crs(gs.crs, data_crs):
            gs = gs.to_crs(data_crs)
        arr = gs.to_numpy()
    elif isinstance(geoms, shapely.Geometry):
        arr = np.array([geoms], dtype=object)
    else:
        arr = np.asarray(list(geoms), dtype=object)
    if crs is not None and not same_crs(crs, data_crs):
        arr = gpd.GeoSeries(arr, crs=crs).to_crs(data_crs).to_numpy()
    if len(arr) == 0:
        raise DataProblem("Ingen tomter å vurdere: tomtefilen har ingen geometrier.")
    bad = shapely.is_missing(arr) | shapely.is_empty(arr)
    if bad.any():
        raise DataProblem(
            f"Tomt nr. {int(np.flatnonzero(bad)[0]) + 1} har tom geometri. "
            "Rett eller fjern den i tomtefilen."
        )
    invalid = ~shapely.is_valid(arr)
    if invalid.any():
        arr = arr.copy()
        arr[invalid] = shapely.make_valid(arr[invalid])
    return arr
