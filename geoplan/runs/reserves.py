"""Dataset + Config -> land need and the reserve analysis.

The parameters come from :class:`geoplan.config.reserves.ReserveSettings` (the
only code that reads ``reserves.*`` keys); the values given for one run
(``None`` = as configured) replace them.
"""

from __future__ import annotations

from typing import Any, Sequence

from geoplan.config.reserves import ReserveSettings


def __getattr__(name: str) -> Any:
    """``RESERVE_OPTIONAL_LAYERS``: the optional layers the reserve analysis uses when
    present (read from :mod:`geoplan.analysis.reserves` on first use, so that importing
    :mod:`geoplan.runs` for another analysis does not load the reserve analysis)."""
    if name == "RESERVE_OPTIONAL_LAYERS":
        from geoplan.analysis.reserves import OPTIONAL_LAYERS
        return OPTIONAL_LAYERS
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def settings(cfg, *, base_population: float | None = None, base_year: int | None = None,
             persons_per_dwelling: float | None = None) -> ReserveSettings:
    """The reserve settings of ``cfg`` with this run's growth parameters."""
    return ReserveSettings.from_config(cfg).with_growth(
        base_population=base_population, base_year=base_year,
        persons_per_dwelling=persons_per_dwelling)


def plain_places(cfg) -> dict:
    """``reserves.steder`` with parameter tables reduced to their values."""
    from geoplan.config.reserves import plain_places as _plain_places

    return _plain_places(cfg)


def growth_parameters(cfg, *, base_population=None, base_year=None,
                      persons_per_dwelling=None) -> dict:
    """Growth parameters: the given values first, then ``config/reserves.toml``.

    Returns
    -------
    dict ``base_population``, ``base_year``, ``persons_per_dwelling``,
    ``default_dwellings_per_daa``.
    """
    return settings(cfg, base_population=base_population, base_year=base_year,
                    persons_per_dwelling=persons_per_dwelling).growth_parameters()


def _reserve_inputs(ds):
    """(the layers :func:`~geoplan.analysis.reserves.analyse_reserves` reads, the terrain)."""
    from geoplan.analysis.reserves import OPTIONAL_LAYERS, REQUIRED_LAYERS
    from geoplan.io.raster import open_raster

    ds.require(*REQUIRED_LAYERS)
    layers = {name: ds.get(name) for name in REQUIRED_LAYERS + OPTIONAL_LAYERS}
    path = ds.raster("terreng")
    return layers, (open_raster(path) if path is not None else None)


def prepare_reserves(ds, cfg, *, places: Sequence[str] | None = None):
    """:func:`geoplan.analysis.reserves.prepare_reserves` of ``ds`` with the configured
    parameters: the steps of :func:`reserves` no growth parameter changes, for
    ``reserves(..., prepared=...)`` (the app, which reruns on every growth control)."""
    from geoplan.analysis.reserves import prepare_reserves as _prepare

    layers, terrain = _reserve_inputs(ds)
    return _prepare(layers, terrain, settings(cfg), places=places,
                    school_radius_m=school_radius(cfg))


def school_radius(cfg) -> float:
    """The radius of the municipality's school circle (``schools.radius_m`` of ``cfg``):
    the exclusion «utenfor skolesirkelen» of the reserve review uses the same circle
    as the school analysis, not the shipped default."""
    from geoplan.config.schools import SchoolSettings

    return SchoolSettings.from_config(cfg).radius_m


def reserves(ds, cfg, *, year: int | None = None, rate: float | None = None,
             base_population: float | None = None, base_year: int | None = None,
             persons_per_dwelling: float | None = None, share: float | None = None,
             dwellings_per_daa: float | None = None, places: Sequence[str] | None = None,
             prepared=None):
    """:func:`geoplan.analysis.reserves.analyse_reserves` with the configured parameters.

    ``None`` means "as configured". The terrain model (``terreng``) is opened
    here. Optional layers that were present but could not be used are added to
    the result's ``merknader``. ``prepared``: :func:`prepare_reserves` of the same
    data, configuration and ``places`` (the result is the same, sooner).
    """
    from geoplan.analysis.reserves import OPTIONAL_LAYERS, REQUIRED_LAYERS, analyse_reserves

    s = settings(cfg, base_population=base_population, base_year=base_year,
                 persons_per_dwelling=persons_per_dwelling)
    if prepared is not None:
        ds.require(*REQUIRED_LAYERS)
        layers, terrain = prepared.layers, prepared.terrain
    else:
        layers, terrain = _reserve_inputs(ds)
    result = analyse_reserves(layers, terrain, s, year=year, rate=rate, share=share,
                              dwellings_per_daa=dwellings_per_daa, places=places,
                              school_radius_m=school_radius(cfg), prepared=prepared)
    for name in OPTIONAL_LAYERS:
        rep = (getattr(ds, "reports", {}) or {}).get(name)
        if rep is not None and rep.status in ("problem", "ubrukelig") and not ds.has(name):
            result.merknader.append(
                f"Laget «{name}» kunne ikke brukes og er utelatt: {' '.join(rep.messages[:2])}")
    return result


def _places_from_config(s: ReserveSettings, places: Sequence[str] | None,
                        share: float | None):
    """The place table of ``arealbehov`` from the configured places (or ``places``)."""
    from geoplan.analysis.growth import place_parameters
    from geoplan.analysis.places import place_key, quoted
    from geoplan.errors import ConfigError

    conf = dict(s.places)
    names = None
    if places:
        known = {place_key(v.get("navn", k)): v.get("navn", k) for k, v in conf.items()}
        names = [known.get(place_key(p), p) for p in places]
        unknown = [p for p in places if place_key(p) not in known]
        if unknown and share is None:
            raise ConfigError(
                f"Stedet {quoted(unknown)} har ingen andel av veksten i "
                f"konfigurasjonen (kjente steder: {', '.join(known.values())}). "
                "Oppgi --share, eller legg stedet til under [steder] i config/reserves.toml.")
    if names is None and not conf:
        raise ConfigError("Ingen steder er satt opp i config/reserves.toml ([steder]); "
                          "oppgi --share for å regne et sted uten navn.")
    table, _ = place_parameters(names, conf, default_dwellings_per_daa=s.default_dwellings_per_daa)
    if share is not None:
        table["andel"] = float(share)
    return table


def area_need(cfg, *, years: Sequence[int] | None = None, rates: Sequence[float] | None = None,
              places: Sequence[str] | None = None, share: float | None = None,
              dwellings_per_daa: float | None = None, base_population: float | None = None,
              base_year: int | None = None, persons_per_dwelling: float | None = None,
              boundaries=None):
    """Housing land needed per place, year and growth rate, with the configured parameters.

    ``None`` means "as configured" (``reserves.horizon_years``, ``reserves.growth_rates``,
    the places under ``reserves.steder``). ``share`` without ``places`` is one unnamed
    place taking that fraction of the growth; with ``places``, it replaces each
    place's configured share. ``dwellings_per_daa`` overrides every place's density.

    ``boundaries`` (the ``utviklingsgrense`` layer): without ``places`` and ``share``,
    the places are the data's boundaries as :func:`reserves` sees them (shares and
    densities from config, then the data's ``boenheter_per_daa``, places not in
    config sharing the rest of the growth), so the column for the default year and
    rate equals the balance.

    Returns
    -------
    (pandas.DataFrame, dict, list of str)
        The need table of :func:`geoplan.analysis.growth.area_need`, the growth
        parameters used (``base_population``, ``base_year``, ``persons_per_dwelling``,
        ``default_dwellings_per_daa``) and notes on how the places were set up.
    """
    import pandas as pd

    from geoplan.analysis.growth import area_need as _area_need
    from geoplan.analysis.growth import place_parameters
    from geoplan.analysis.places import dissolve_places

    s = settings(cfg, base_population=base_population, base_year=base_year,
                 persons_per_dwelling=persons_per_dwelling)
    years = list(years) if years else list(s.horizon_years)
    rates = list(rates) if rates else list(s.growth_rates)
    notes: list[str] = []
    if boundaries is not None and len(boundaries) and not places and share is None:
        dissolved = dissolve_places(boundaries)
        data_dens = (dict(zip(dissolved["sted"], dissolved["boenheter_per_daa"]))
                     if "boenheter_per_daa" in dissolved.columns else None)
        table, notes = place_parameters(
            list(dissolved["sted"]), dict(s.places),
            default_dwellings_per_daa=s.default_dwellings_per_daa, data_dwellings_per_daa=data_dens)
    elif share is not None and not places:
        table = pd.DataFrame({"sted": [None], "andel": [float(share)],
                              "boenheter_per_daa": [s.default_dwellings_per_daa]})
    else:
        table = _places_from_config(s, places, share)
    need = _area_need(table, base_population=s.base_population, base_year=s.base_year,
                      years=years, rates=rates, persons_per_dwelling=s.persons_per_dwelling,
                      dwellings_per_daa=dwellings_per_daa)
    return need, s.growth_parameters(), list(notes)
