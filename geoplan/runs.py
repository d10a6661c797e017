"""From a Dataset and a Config to one analysis call: the single place for that plumbing.

The command line, the app and the reports all run the analyses with the
parameters in ``config/`` (possibly overridden for the run). Which config key
feeds which argument is decided here, once, so a number shown in the app, the
CLI's ``--json`` and a report cannot drift apart. The functions do no file I/O
beyond what :class:`~geoplan.io.layers.Dataset` already holds (rasters are read
by path through :mod:`geoplan.io.raster`), and print nothing.
"""

from __future__ import annotations

from typing import Any, Sequence

#: Optional layers the reserve analysis uses when present.
RESERVE_OPTIONAL_LAYERS = ("innspill", "steinbrudd", "sentrum", "gangnett", "holdeplass",
                           "kollektivakse")


def _plain(v: Any) -> Any:
    return v["value"] if isinstance(v, dict) and "value" in v else v


def plain_places(cfg) -> dict:
    """``reserves.steder`` with parameter tables reduced to their values."""
    raw = cfg.get("reserves.steder", {}) or {}
    return {key: {k: _plain(v) for k, v in entry.items()}
            for key, entry in raw.items() if isinstance(entry, dict)}


def growth_parameters(cfg, *, base_population=None, base_year=None,
                      persons_per_dwelling=None) -> dict:
    """Growth parameters: the given values first, then ``config/reserves.toml``."""
    def pick(v, key):
        return cfg.get(key) if v is None else v

    return {
        "base_population": float(pick(base_population, "reserves.base_population")),
        "base_year": int(pick(base_year, "reserves.base_year")),
        "persons_per_dwelling": float(pick(persons_per_dwelling, "reserves.persons_per_dwelling")),
        "default_dwellings_per_daa": float(cfg.get("reserves.default_dwellings_per_daa", 3.0)),
    }


def reserves(ds, cfg, *, year: int | None = None, rate: float | None = None,
             base_population: float | None = None, base_year: int | None = None,
             persons_per_dwelling: float | None = None, share: float | None = None,
             dwellings_per_daa: float | None = None, places: Sequence[str] | None = None):
    """:func:`geoplan.analysis.reserves.analyse_reserves` with the configured parameters.

    ``None`` means "as configured". Optional layers that were present but could
    not be used are added to the result's ``merknader``.
    """
    from geoplan.analysis.reserves import analyse_reserves
    ds.require("arealformal", "utviklingsgrense")
    gp = growth_parameters(cfg, base_population=base_population, base_year=base_year,
                           persons_per_dwelling=persons_per_dwelling)
    rk = cfg.get("reserves.ranking", {}) or {}
    weights = {k: _plain(v) for k, v in rk.items() if k.startswith("weight_")}
    result = analyse_reserves(
        ds["arealformal"], ds["utviklingsgrense"],
        base_population=gp["base_population"], base_year=gp["base_year"],
        year=int(year if year is not None else cfg.get("reserves.default_year")),
        rate=float(rate if rate is not None else cfg.get("reserves.default_rate")),
        persons_per_dwelling=gp["persons_per_dwelling"],
        places_config=plain_places(cfg),
        default_dwellings_per_daa=gp["default_dwellings_per_daa"],
        share=share, dwellings_per_daa=dwellings_per_daa,
        housing_codes=[int(c) for c in cfg.get("reserves.housing_codes")],
        innspill=ds.get("innspill"), steinbrudd=ds.get("steinbrudd"), sentrum=ds.get("sentrum"),
        gangnett=ds.get("gangnett"), holdeplass=ds.get("holdeplass"),
        kollektivakse=ds.get("kollektivakse"), terreng=ds.raster("terreng"),
        quarry_buffer_m=float(cfg.get("reserves.quarry_buffer_m")),
        max_slope_pct=float(cfg.get("reserves.max_slope_pct")),
        weights=weights, places=places,
        half_distance_m=float(cfg.get("reserves.ranking.half_distance_m", 1000.0)),
        innspill_housing_words=cfg.get("reserves.innspill_housing_formal", ["bolig"]))
    for name in RESERVE_OPTIONAL_LAYERS:
        rep = (getattr(ds, "reports", {}) or {}).get(name)
        if rep is not None and rep.status in ("problem", "ubrukelig") and not ds.has(name):
            result.merknader.append(
                f"Laget «{name}» kunne ikke brukes og er utelatt: {' '.join(rep.messages[:2])}")
    return result


def schools(ds, cfg, *, radius_m: float | None = None, walking: bool = False):
    """:func:`geoplan.analysis.schools.analyse_schools` with the configured parameters.

    Returns the :class:`~geoplan.analysis.schools.SchoolAnalysis`.
    """
    from geoplan.analysis import schools as sch
    from geoplan.errors import ConfigError
    radius = float(radius_m if radius_m is not None else cfg.get("schools.radius_m"))
    if not radius > 0:
        raise ConfigError(f"Radiusen for skolesirkelen må være større enn 0 m (fikk {radius_m}).")
    ds.require("utviklingsgrense", "skole", *(["gangnett"] if walking else []))
    housing = cfg.get("reserves.housing_codes", list(range(1110, 1120)))
    parcels = sch.collect_parcels(ds.get("arealformal"), ds.get("innspill"), housing)
    network = None
    if walking:
        from geoplan.analysis.network import build_network
        network = build_network(ds["gangnett"],
                                node_crossings=bool(cfg.get("schools.node_crossings", True)),
                                tolerance_m=float(cfg.get("schools.node_tolerance_m", 0.001)))
    return sch.analyse_schools(
        ds["utviklingsgrense"], ds["skole"], parcels=parcels, network=network, radius_m=radius,
        quad_segs=int(cfg.get("schools.circle_quad_segs", 64)),
        corridor_width_m=float(cfg.get("schools.walk_corridor_width_m", 100.0)),
        max_snap_m=float(cfg.get("schools.snap_max_m", 250.0)))


def concentration_settings(cfg, *, radius_m: float | None = None) -> dict:
    """:func:`geoplan.analysis.concentration.settings_from_config`, with an optional radius."""
    from geoplan.analysis.concentration import settings_from_config
    from geoplan.errors import ConfigError
    st = settings_from_config(cfg)
    if radius_m is not None:
        if not float(radius_m) > 0:
            raise ConfigError(f"Radiusen må være større enn 0 m (fikk {radius_m}).")
        st["radius_m"] = float(radius_m)
    return st


def concentration_model(ds, cfg, *, radius_m: float | None = None):
    """A :class:`geoplan.analysis.concentration.ConcentrationModel` for the dataset, and its settings."""
    from geoplan.analysis.concentration import ConcentrationModel
    ds.require("kommunal_bolig", "grunnkrets")
    st = concentration_settings(cfg, radius_m=radius_m)
    model = ConcentrationModel(ds["kommunal_bolig"], ds["grunnkrets"], ds.get("bygning"),
                               radius_m=st["radius_m"], thresholds=st["thresholds"],
                               match_distance_m=st["match_distance_m"])
    return model, st


def cluster_kwargs(st: dict) -> dict:
    """The hot-spot settings :meth:`ConcentrationModel.result` takes."""
    return dict(permutations=st["permutations"], seed=st["seed"], alpha=st["alpha"],
                neighbours=st["neighbours"], knn_k=st["knn_k"])


def concentration(ds, cfg, *, radius_m: float | None = None, add=None, kategori: str | None = None,
                  new_dwellings: bool | None = None, public: bool = False, model=None):
    """The whole concentration analysis as ``geoplan concentration`` runs it.

    ``add`` is ``(x, y, n)`` for a what-if purchase. With ``public`` the result
    (and the what-if) have counts below ``kommune.min_count_public`` suppressed.

    Returns ``(result, hva_hvis_or_None, settings)``.
    """
    from geoplan.analysis import concentration as cm
    if model is None:
        model, st = concentration_model(ds, cfg, radius_m=radius_m)
    else:
        st = concentration_settings(cfg, radius_m=radius_m)
    kw = cluster_kwargs(st)
    result = model.result(**kw)
    hv = None
    if add is not None:
        x, y, n = add
        new = bool(new_dwellings) if new_dwellings is not None else bool(st["new_dwellings"])
        hv, _after = cm.what_if(model, result, (x, y), int(n), kategori, new_dwellings=new, **kw)
    if public:
        result = cm.suppress(result, st["min_count"], suppress_zero=st["suppress_zero"])
        if hv is not None:
            hv = cm.suppress_what_if(hv, st["min_count"], suppress_zero=st["suppress_zero"])
    return result, hv, st
