"""Cached calls of the analysis modules, with parameters read from config as the CLI does.

Nothing is computed here: each function passes the session's dataset and the
parameters (config values, or the page's controls) to the same analysis
function the command line uses, and caches the result by data and parameters.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

import streamlit as st

from geoplan import appdata


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
    from geoplan.commands import arealbehov

    args = argparse.Namespace(base_population=base_population, base_year=base_year,
                              year=list(years), rate=list(rates), share=None, sted=None,
                              persons_per_dwelling=persons_per_dwelling,
                              dwellings_per_daa=dwellings_per_daa)
    need, _ = arealbehov.compute(args, cfg)
    return need


@st.cache_data(max_entries=32, show_spinner="Regner ut boligreserve og balanse …")
def _reserves_cached(key: str, params: dict, _ds, _cfg):
    from geoplan.commands.arealbehov import plain_places
    from geoplan.reserves import analyse_reserves

    ds, cfg = _ds, _cfg
    rk = cfg.get("reserves.ranking", {}) or {}
    weights = {k: (v["value"] if isinstance(v, dict) else v) for k, v in rk.items()}
    return analyse_reserves(
        ds["arealformal"], ds["utviklingsgrense"],
        base_population=params["base_population"], base_year=params["base_year"],
        year=params["year"], rate=params["rate"],
        persons_per_dwelling=params["persons_per_dwelling"],
        places_config=plain_places(cfg),
        default_dwellings_per_daa=float(cfg.get("reserves.default_dwellings_per_daa", 3.0)),
        share=None, dwellings_per_daa=params.get("dwellings_per_daa"),
        housing_codes=[int(c) for c in cfg.get("reserves.housing_codes")],
        innspill=ds.get("innspill"), steinbrudd=ds.get("steinbrudd"), sentrum=ds.get("sentrum"),
        gangnett=ds.get("gangnett"), holdeplass=ds.get("holdeplass"),
        kollektivakse=ds.get("kollektivakse"), terreng=ds.raster("terreng"),
        quarry_buffer_m=float(cfg.get("reserves.quarry_buffer_m")),
        max_slope_pct=float(cfg.get("reserves.max_slope_pct")),
        weights=weights)


def reserves(ds, cfg, **params):
    """:func:`geoplan.reserves.analyse_reserves` with the page's growth parameters
    (the same plumbing as ``geoplan reserves``)."""
    ds.require("arealformal", "utviklingsgrense")
    return _reserves_cached(_key(ds, **params), params, ds, cfg)


# -- schools ------------------------------------------------------------------

@st.cache_data(max_entries=16, show_spinner="Regner ut skolesirkler …")
def _schools_cached(key: str, radius_m: float, walking: bool, _ds, _cfg):
    from geoplan import schools as sch

    ds, cfg = _ds, _cfg
    housing = cfg.get("reserves.housing_codes", list(range(1110, 1120)))
    parcels = sch.collect_parcels(ds.get("arealformal"), ds.get("innspill"), housing)
    network = None
    if walking:
        from geoplan.network import build_network
        network = build_network(ds["gangnett"],
                                node_crossings=bool(cfg.get("schools.node_crossings", True)),
                                tolerance_m=float(cfg.get("schools.node_tolerance_m", 0.001)))
    return sch.analyse_schools(
        ds["utviklingsgrense"], ds["skole"], parcels=parcels, network=network, radius_m=radius_m,
        quad_segs=int(cfg.get("schools.circle_quad_segs", 64)),
        corridor_width_m=float(cfg.get("schools.walk_corridor_width_m", 100.0)),
        max_snap_m=float(cfg.get("schools.snap_max_m", 250.0)))


def schools(ds, cfg, radius_m: float, walking: bool):
    """:func:`geoplan.schools.analyse_schools` as ``geoplan schools [--walking]`` runs it."""
    ds.require("utviklingsgrense", "skole", *(["gangnett"] if walking else []))
    return _schools_cached(_key(ds, radius=radius_m, walking=walking), float(radius_m),
                           bool(walking), ds, cfg)


# -- sites --------------------------------------------------------------------

@st.cache_resource(max_entries=4, show_spinner="Bygger indekser for tomtevurderingen …")
def _assessor_cached(key: str, _ds, _cfg):
    from geoplan.sites import SiteAssessor

    return SiteAssessor.from_dataset(_ds, _cfg)


def assessor(ds, cfg):
    """A :class:`geoplan.sites.SiteAssessor` built once per dataset and parameters."""
    return _assessor_cached(_key(ds), ds, cfg)


def to_display_frame(gdf, cfg, name: str = "laget", tolerance_m: float | None = None):
    """A projected analysis result as a simplified WGS84 frame for the map."""
    from geoplan.maps import to_display

    tol = float(appdata.app_setting(cfg, "simplify_m", 5.0)) if tolerance_m is None else tolerance_m
    return to_display(gdf, tolerance_m=tol, name=name)


def jsonable(v: Any):
    try:
        return json.loads(json.dumps(v, default=str))
    except Exception:
        return str(v)
