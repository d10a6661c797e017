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
    return appdata.dataset_key(ds) + "|" + json.dumps(params, sort_keys=True, default=str) \
        + "|" + json.dumps(appdata.overrides(), sort_keys=True)


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


@st.cache_data(max_entries=32, show_spinner="Regner ut boligreserve og balanse …")
def _reserves_cached(key: str, params: dict, _ds, _cfg):
    from geoplan import runs
    return runs.reserves(_ds, _cfg, **params)


def reserves(ds, cfg, **params):
    """:func:`geoplan.runs.reserves` (the same call ``geoplan reserves`` makes) with the
    page's growth parameters: ``year``, ``rate``, ``base_population``, ``base_year``,
    ``persons_per_dwelling``, ``dwellings_per_daa``."""
    ds.require("arealformal", "utviklingsgrense")
    return _reserves_cached(_key(ds, **params), params, ds, cfg)


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
