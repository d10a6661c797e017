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

def growth_defaults(cfg) -> dict:
    return {
        "base_population": float(cfg.get("reserves.base_population")),
        "base_year": int(cfg.get("reserves.base_year")),
        "years": [int(y) for y in cfg.get("reserves.horizon_years")],
        "rates": [float(r) for r in cfg.get("reserves.growth_rates")],
        "year": int(cfg.get("reserves.default_year")),
        "rate": float(cfg.get("reserves.default_rate")),
        "persons_per_dwelling": float(cfg.get("reserves.persons_per_dwelling")),
    }


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
    from geoplan import runs as pipeline
    return pipeline.reserves(_ds, _cfg, **params)


def reserves(ds, cfg, **params):
    """:func:`geoplan.runs.reserves` (the same call ``geoplan reserves`` makes) with the
    page's growth parameters: ``year``, ``rate``, ``base_population``, ``base_year``,
    ``persons_per_dwelling``, ``dwellings_per_daa``."""
    ds.require("arealformal", "utviklingsgrense")
    return _reserves_cached(_key(ds, **params), params, ds, cfg)


# -- schools ------------------------------------------------------------------

@st.cache_data(max_entries=16, show_spinner="Regner ut skolesirkler …")
def _schools_cached(key: str, radius_m: float, walking: bool, _ds, _cfg):
    from geoplan import runs as pipeline
    return pipeline.schools(_ds, _cfg, radius_m=radius_m, walking=walking)


def schools(ds, cfg, radius_m: float, walking: bool):
    """:func:`geoplan.runs.schools`, as ``geoplan schools [--radius R] [--walking]`` runs it."""
    ds.require("utviklingsgrense", "skole", *(["gangnett"] if walking else []))
    return _schools_cached(_key(ds, radius=radius_m, walking=walking), float(radius_m),
                           bool(walking), ds, cfg)


# -- concentration ----------------------------------------------------------------

@st.cache_resource(max_entries=4, show_spinner="Kobler boliger til grunnkretser og bygninger …")
def _concentration_model_cached(key: str, radius_m: float, _ds, _cfg):
    from geoplan import runs as pipeline
    return pipeline.concentration_model(_ds, _cfg, radius_m=radius_m)


def concentration_model(ds, cfg, radius_m: float):
    """``(model, settings)`` from :func:`geoplan.runs.concentration_model`, built once."""
    ds.require("kommunal_bolig", "grunnkrets")
    return _concentration_model_cached(_key(ds, radius=radius_m), float(radius_m), ds, cfg)


@st.cache_data(max_entries=8, show_spinner="Regner ut andeler, indekser og klynger …")
def _concentration_cached(key: str, radius_m: float, public: bool, _ds, _cfg, _model):
    from geoplan import runs as pipeline
    result, _, _ = pipeline.concentration(_ds, _cfg, radius_m=radius_m, public=public, model=_model)
    return result


def concentration(ds, cfg, radius_m: float, public: bool):
    """The result of :func:`geoplan.runs.concentration` (as ``geoplan concentration
    [--radius R] [--public]``), cached by data and parameters."""
    model, _ = concentration_model(ds, cfg, radius_m)
    return _concentration_cached(_key(ds, radius=radius_m, public=public), float(radius_m),
                                 bool(public), ds, cfg, model)


# -- sites --------------------------------------------------------------------

@st.cache_resource(max_entries=4, show_spinner="Bygger indekser for tomtevurderingen …")
def _assessor_cached(key: str, _ds, _cfg):
    from geoplan.analysis.sites import SiteAssessor
    return SiteAssessor.from_dataset(_ds, _cfg)


def assessor(ds, cfg):
    """A :class:`geoplan.analysis.sites.SiteAssessor` built once per dataset and parameters."""
    return _assessor_cached(_key(ds), ds, cfg)


def to_display_frame(gdf, cfg, name: str = "laget", tolerance_m: float | None = None):
    """A projected analysis result as a simplified WGS84 frame for the map."""
    from geoplan.present.app.maps import to_display
    tol = float(appdata.app_setting(cfg, "simplify_m", 5.0)) if tolerance_m is None else tolerance_m
    return to_display(gdf, tolerance_m=tol, name=name)
