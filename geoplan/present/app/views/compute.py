"""Cached calls of the analysis modules, with parameters read from config as the CLI does.

Nothing is computed here: each function passes the session's dataset and the
parameters (config values, or the page's controls) to the same analysis
function the command line uses, and caches the result by data and parameters.
"""

from __future__ import annotations

import json

import streamlit as st

from geoplan.present.app import appdata


def _key(ds, **params) -> str:
    return _key_of(appdata.dataset_key(ds), appdata.overrides(), **params)


def _key_of(dataset_key: str, overrides: dict, **params) -> str:
    return dataset_key + "|" + json.dumps(params, sort_keys=True, default=str) \
        + "|" + json.dumps(overrides, sort_keys=True)


# -- land need and reserves ---------------------------------------------------

def reserve_settings(cfg):
    """The configured :class:`~geoplan.config.reserves.ReserveSettings` (growth, places, ranking)."""
    from geoplan.config.reserves import ReserveSettings

    return ReserveSettings.from_config(cfg)


def need_table(cfg, *, base_population: float, base_year: int, years: list[int],
               rates: list[float], persons_per_dwelling: float,
               dwellings_per_daa: float | None):
    """The scenario table, exactly as ``geoplan arealbehov --json`` computes it."""
    from geoplan import runs

    need, _, _ = runs.area_need(cfg, years=years, rates=rates, base_population=base_population,
                                base_year=base_year, persons_per_dwelling=persons_per_dwelling,
                                dwellings_per_daa=dwellings_per_daa)
    return need


@st.cache_resource(max_entries=8, show_spinner="Regner ut boligreserve, kriterier og rangering …")
def _reserves_prepared(key: str, _ds, _cfg):
    """The growth-independent part of the reserve analysis, once per data and configuration
    (shared by every session: it is never changed by a run)."""
    from geoplan import runs
    return runs.prepare_reserves(_ds, _cfg)


@st.cache_data(max_entries=32, show_spinner="Regner ut balanse og forslag til uttak …")
def _reserves_cached(key: str, params: dict, _ds, _cfg, _prepared=None):
    from geoplan import runs
    return runs.reserves(_ds, _cfg, prepared=_prepared, **params)


def reserves(ds, cfg, **params):
    """:func:`geoplan.runs.reserves` (the same call ``geoplan reserves`` makes) with the
    page's growth parameters: ``year``, ``rate``, ``base_population``, ``base_year``,
    ``persons_per_dwelling``, ``dwellings_per_daa``. The steps no growth parameter
    changes (:func:`geoplan.runs.prepare_reserves`) run once per data and configuration,
    so a change of a growth control reruns only the balance and the take-out proposal."""
    ds.require("arealformal", "utviklingsgrense")
    prepared = _reserves_prepared(_key(ds), ds, cfg)
    return _reserves_cached(_key(ds, **params), params, ds, cfg, prepared)


# -- schools ------------------------------------------------------------------

@st.cache_data(max_entries=16, show_spinner="Regner ut skolesirkler …")
def _schools_cached(key: str, radius_m: float, walking: bool, _ds, _cfg):
    from geoplan import runs
    return runs.schools(_ds, _cfg, radius_m=radius_m, walking=walking)


def schools(ds, cfg, radius_m: float, walking: bool):
    """:func:`geoplan.runs.schools`, as ``geoplan schools [--radius R] [--walking]`` runs it."""
    ds.require("utviklingsgrense", "skole", *(["gangnett"] if walking else []))
    return _schools_cached(_key(ds, radius=radius_m, walking=walking), float(radius_m),
                           bool(walking), ds, cfg)


# -- concentration ----------------------------------------------------------------

@st.cache_resource(max_entries=4, show_spinner="Kobler boliger til grunnkretser og bygninger …")
def _concentration_model_cached(key: str, radius_m: float, _ds, _cfg):
    from geoplan import runs
    return runs.concentration_model(_ds, _cfg, radius_m=radius_m)


def concentration_settings(cfg):
    """The configured :class:`~geoplan.config.concentration.ConcentrationSettings`."""
    from geoplan import runs
    return runs.concentration_settings(cfg)


def concentration_model(ds, cfg, radius_m: float):
    """``(model, settings)`` from :func:`geoplan.runs.concentration_model`, built once."""
    ds.require("kommunal_bolig", "grunnkrets")
    return _concentration_model_cached(_key(ds, radius=radius_m), float(radius_m), ds, cfg)


@st.cache_data(max_entries=8, show_spinner="Regner ut andeler, indekser og klynger …")
def _concentration_cached(key: str, radius_m: float, public: bool, _ds, _cfg, _model):
    from geoplan import runs
    result, _, _ = runs.concentration(_ds, _cfg, radius_m=radius_m, public=public, model=_model)
    return result


def concentration(ds, cfg, radius_m: float, public: bool):
    """The result of :func:`geoplan.runs.concentration` (as ``geoplan concentration
    [--radius R] [--public]``), cached by data and parameters."""
    model, _ = concentration_model(ds, cfg, radius_m)
    return _concentration_cached(_key(ds, radius=radius_m, public=public), float(radius_m),
                                 bool(public), ds, cfg, model)


def purchase_effect(model, settings, point, units: int, kategori: str, *,
                    new_dwellings: bool, public: bool, base=None) -> dict:
    """Before/after of buying ``units`` at ``point`` (grunnkrets, building, radius).

    The quick what-if of the page (no new hot-spot run, unlike ``geoplan
    concentration --add``); with ``public`` small counts are suppressed as in
    :func:`geoplan.runs.concentration`.
    """
    from geoplan import privacy

    hv = model.purchase_effect(point, units, kategori, new_dwellings=new_dwellings)
    if public:
        # base: the public table shown beside it, whose hidden grunnkretser stay hidden
        hv = privacy.suppress_what_if(hv, settings.min_count, suppress_zero=settings.suppress_zero,
                                      base=base)
    return hv


# -- sites --------------------------------------------------------------------

@st.cache_resource(max_entries=4, show_spinner="Bygger indekser for tomtevurderingen …")
def _assessor_cached(key: str, _ds, _cfg):
    from geoplan import runs

    return runs.assessor(_ds, _cfg)


def assessor(ds, cfg):
    """A :class:`geoplan.analysis.sites.SiteAssessor` built once per dataset and parameters."""
    return _assessor_cached(_key(ds), ds, cfg)


def to_display_frame(gdf, cfg, name: str = "laget", tolerance_m: float | None = None):
    """A projected analysis result as a simplified WGS84 frame for the map."""
    from geoplan.present.app.maps import to_display
    tol = appdata.app_settings(cfg).simplify_m if tolerance_m is None else tolerance_m
    return to_display(gdf, tolerance_m=tol, name=name)


# -- density surface ----------------------------------------------------------------

def _density_rgba(dst):
    """RGBA bytes of a density grid: inferno, transparent where there are no dwellings."""
    import matplotlib
    import numpy as np

    vmax = float(np.nanpercentile(dst[dst > 0], 99)) if (dst > 0).any() else 1.0
    norm = np.clip(dst / max(vmax, 1e-9), 0, 1)
    rgba = matplotlib.colormaps["inferno_r"](norm)
    rgba[..., 3] = np.where(dst > 0, 0.25 + 0.55 * norm, 0.0)
    return (rgba * 255).astype("uint8"), vmax


@st.cache_data(max_entries=4, show_spinner="Lager tetthetsflate …")
def _density_cached(key: str, public: bool, _ds, _settings):
    import numpy as np
    from pyproj import Transformer
    from rasterio.transform import array_bounds
    from rasterio.warp import Resampling, calculate_default_transform, reproject

    from geoplan.analysis import concentration as cm

    kom = _ds.get("kommune")
    bounds = (kom if kom is not None and len(kom) else _ds["grunnkrets"]).total_bounds
    surf = cm.density_surface(_ds["kommunal_bolig"], cell_size_m=_settings.cell_size_m,
                              bandwidth_m=_settings.bandwidth_m, bounds=bounds,
                              min_count=_settings.min_count if public else None)
    h, w = surf.array.shape
    left, bottom, right, top = array_bounds(h, w, surf.transform)
    dst_t, dw, dh = calculate_default_transform(surf.crs, "EPSG:3857", w, h, left, bottom, right, top)
    dst = np.zeros((dh, dw), dtype="float32")
    reproject(surf.array, dst, src_transform=surf.transform, src_crs=surf.crs, dst_transform=dst_t,
              dst_crs="EPSG:3857", resampling=Resampling.bilinear)
    img, vmax = _density_rgba(dst)
    l3, b3, r3, t3 = array_bounds(dh, dw, dst_t)
    tr = Transformer.from_crs(3857, 4326, always_xy=True)
    (lon0, lon1), (lat0, lat1) = tr.transform([l3, r3], [b3, t3])
    return img, [[lat0, lon0], [lat1, lon1]], float(vmax)


def density_image(ds, settings, public: bool):
    """The density surface of municipal units, warped to Web Mercator for the map.

    Returns ``(rgba, bounds, vmax)``: a ``uint8`` RGBA image, its
    ``[[lat0, lon0], [lat1, lon1]]`` bounds and the value (units per km²) that
    is the top of the colour scale (the 99th percentile).
    """
    return _density_cached(_key(ds, density=True), bool(public), ds, settings)


# -- population and housing need (Befolkning og boligbehov) ------------------------------

def population_key(ds, **params) -> str:
    """The cache key of the Befolkning page's results: data, session overrides, ``params``."""
    return _pop_key_of(appdata.dataset_key(ds), appdata.overrides(), **params)


def _pop_key_of(dataset_key: str, overrides: dict, **params) -> str:
    return dataset_key + "|" + repr(sorted(params.items())) + "|" + repr(overrides)


@st.cache_data(max_entries=16, show_spinner="Leser framskrivingen …")
def population(key: str, projection: str | None, _ds, _cfg):
    """:func:`geoplan.runs.population.population` (``geoplan befolkning``), cached by ``key``."""
    from geoplan.runs.population import population as run
    return run(_ds, _cfg, projection=projection or None)


@st.cache_data(max_entries=32, show_spinner="Regner ut boligbehov …")
def housing(key: str, projection: str | None, variant: str, public: bool, overrides: dict, _ds, _cfg):
    """:func:`geoplan.runs.population.housing` with the page's rates, cached by ``key``."""
    from geoplan.runs.population import housing as run
    return run(_ds, _cfg, projection=projection or None, variant=variant, public=public,
               overrides=overrides)


@st.cache_data(max_entries=8, show_spinner="Regner ut gangavstander …")
def access(key: str, projection: str | None, variant: str, year: int, _ds, _cfg):
    """:func:`geoplan.runs.population_access.access`, cached by ``key``."""
    from geoplan.runs.population_access import access as run
    return run(_ds, _cfg, projection=projection or None, variant=variant, year=year)


@st.cache_data(max_entries=32, show_spinner=False)
def pyramid_png(key: str, variant: str, base_year: int, year: int, _res) -> bytes:
    """The population pyramid (PNG) of the report, drawn once per data, variant and years
    (matplotlib took 0,4-1,4 s on every run of the page)."""
    from geoplan.present.report.sections.population import pyramid_figure
    return pyramid_figure(_res.pyramide, variant, base_year, year)


def default_housing_rates(s) -> dict:
    """The Befolkning page's rates before a field is edited, as its text fields read them
    (one decimal, in per cent for the shares): the same numbers the page computes with."""
    from geoplan.present import text

    def typed(v: float, decimals: int) -> float:
        return float(text.number(v, decimals).replace("\u00a0", "").replace(" ", "").replace(",", "."))
    return {"omsorg_andel_80": typed(s.omsorg_andel_80 * 100, 1) / 100.0,
            "tilrettelagt_andel_67_79": typed(s.tilrettelagt_andel_67_79 * 100, 1) / 100.0,
            "utleie_per_1000_referanse": typed(s.utleie_per_1000_referanse, 1),
            "flyktninger_per_aar": typed(s.flyktninger_per_aar, 0)}


# -- warming the pages' first views ---------------------------------------------

def default_reserve_params(rs) -> dict:
    """The Arealbehov page's growth parameters before a control is touched."""
    from geoplan.present import text

    ppd = float(text.number(rs.persons_per_dwelling, 2).replace("\u00a0", "").replace(",", "."))
    return {"base_population": float(rs.base_population), "base_year": int(rs.base_year),
            "year": int(rs.default_year), "rate": float(rs.default_rate),
            "persons_per_dwelling": ppd, "dwellings_per_daa": None}


def warm_pages() -> dict[str, float]:
    """Compute each page's first view with its controls at their defaults, for a session
    without upload or overrides, into the process-wide caches every session shares.

    ``geoplan app`` runs this in a background thread once the server starts, so the
    first planner to open Arealbehov, Skolesirkler, Konsentrasjon or Vurder tomt does
    not wait for the whole dataset to be read and the analysis to run (the caches
    lock per entry: a page that asks meanwhile waits for this result instead of
    computing it again). A step whose layers are missing is skipped: the page says
    why. Returns seconds per step.
    """
    import time

    from geoplan.errors import GeoplanError
    from geoplan.present.app.appdata import (
        _config_cached,
        _config_files,
        _dataset_key,
        _load_cached,
        _mtime,
        default_source,
    )

    times: dict[str, float] = {}
    cfg = _config_cached(*_config_files(), "{}")
    src = default_source()
    t = time.perf_counter()
    try:
        ds = _load_cached(src, None, None, _mtime(src), "{}", None, cfg)
    except GeoplanError:
        return times
    times["data_s"] = time.perf_counter() - t
    dkey = _dataset_key(ds, {})

    def step(name, need, fn):
        if not all(ds.has(n) for n in need):
            return
        t0 = time.perf_counter()
        try:
            fn()
        except GeoplanError:
            return
        times[name] = time.perf_counter() - t0

    rs = reserve_settings(cfg)
    params = default_reserve_params(rs)
    step("arealbehov_s", ("arealformal", "utviklingsgrense"),
         lambda: _reserves_cached(_key_of(dkey, {}, **params), params, ds, cfg,
                                  _reserves_prepared(_key_of(dkey, {}), ds, cfg)))
    from geoplan.config.schools import SchoolSettings
    r = float(int(SchoolSettings.from_config(cfg).radius_m))
    step("skolesirkler_s", ("utviklingsgrense", "skole"),
         lambda: _schools_cached(_key_of(dkey, {}, radius=r, walking=False), r, False, ds, cfg))
    cr = float(int(concentration_settings(cfg).radius_m))

    def conc():
        model, _ = _concentration_model_cached(_key_of(dkey, {}, radius=cr), cr, ds, cfg)
        _concentration_cached(_key_of(dkey, {}, radius=cr, public=True), cr, True, ds, cfg, model)
    step("konsentrasjon_s", ("kommunal_bolig", "grunnkrets"), conc)
    step("vurder_tomt_s", (), lambda: _assessor_cached(_key_of(dkey, {}), ds, cfg))

    def befolkning():
        from geoplan.config.population import PopulationSettings

        res = population(_pop_key_of(dkey, {}, p=""), "", ds, cfg)
        s = PopulationSettings.from_config(cfg)
        variant = s.default_variant if s.default_variant in res.variants else list(res.variants)[0]
        year = int(res.years[-1])
        ov = default_housing_rates(s)
        housing(_pop_key_of(dkey, {}, p="", v=variant, pub=True, o=ov), "", variant, True, ov, ds, cfg)
        pyramid_png(_pop_key_of(dkey, {}, p="", v=variant, y0=res.base_year, y=year), variant,
                    int(res.base_year), year, res)
    step("befolkning_s", (), befolkning)

    # What every map page needs before its map, whatever its controls: the display copies of
    # all layers (Oversikt's start-up warm-up has only its own), the published dwelling totals
    # that replace single dwellings for a public view and the density surface of
    # Konsentrasjon. Keys as the pages compute them (appdata.display_layers,
    # appdata.dwelling_totals, density_image).
    def maps_shared():
        from geoplan.config.concentration import ConcentrationSettings

        appdata._display_cached(dkey, appdata.app_settings(cfg).simplify_m, ds)
        if ds.has("kommunal_bolig") and ds.has("grunnkrets"):
            cs = ConcentrationSettings.from_config(cfg)
            appdata._dwelling_totals_cached(dkey, int(cs.min_count), bool(cs.suppress_zero), ds)
            _density_cached(_key_of(dkey, {}, density=True), True, ds, concentration_settings(cfg))
    step("kartlag_s", (), maps_shared)

    # each page's map, rendered as its first view sends it: the pages run once in a session
    # of the server itself once it runs (a thread of its own: nothing happens without a server)
    import threading

    from geoplan.present.app import warm_session
    threading.Thread(target=warm_session.run_pages, name="geoplan-warm-maps", daemon=True).start()
    return times
