"""Dataset + Config -> land need and the reserve analysis."""

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
        The need table of :func:`geoplan.analysis.reserves.area_need`, the growth
        parameters used (``base_population``, ``base_year``, ``persons_per_dwelling``,
        ``default_dwellings_per_daa``) and notes on how the places were set up.
    """
    import pandas as pd

    from geoplan.analysis.reserves import area_need as _area_need
    from geoplan.analysis.reserves import place_key, place_parameters
    from geoplan.errors import ConfigError

    gp = growth_parameters(cfg, base_population=base_population, base_year=base_year,
                           persons_per_dwelling=persons_per_dwelling)
    years = list(years) if years else cfg.get("reserves.horizon_years")
    rates = list(rates) if rates else cfg.get("reserves.growth_rates")
    conf = plain_places(cfg)
    notes: list[str] = []
    if boundaries is not None and len(boundaries) and not places and share is None:
        from geoplan.analysis import reserves as rv

        dissolved = rv._dissolve_places(boundaries)
        data_dens = (dict(zip(dissolved["sted"], dissolved["boenheter_per_daa"]))
                     if "boenheter_per_daa" in dissolved.columns else None)
        table, notes = rv.place_parameters(
            list(dissolved["sted"]), conf, default_dwellings_per_daa=gp["default_dwellings_per_daa"],
            data_dwellings_per_daa=data_dens)
    elif share is not None and not places:
        table = pd.DataFrame({"sted": [None], "andel": [float(share)],
                              "boenheter_per_daa": [gp["default_dwellings_per_daa"]]})
    else:
        names = None
        if places:
            known = {place_key(v.get("navn", k)): v.get("navn", k) for k, v in conf.items()}
            names = [known.get(place_key(s), s) for s in places]
            unknown = [s for s in places if place_key(s) not in known]
            if unknown and share is None:
                raise ConfigError(
                    f"Stedet {', '.join(f'«{s}»' for s in unknown)} har ingen andel av veksten i "
                    f"konfigurasjonen (kjente steder: {', '.join(known.values())}). "
                    "Oppgi --share, eller legg stedet til under [steder] i config/reserves.toml.")
        if names is None and not conf:
            raise ConfigError("Ingen steder er satt opp i config/reserves.toml ([steder]); "
                              "oppgi --share for å regne et sted uten navn.")
        table, _ = place_parameters(names, conf,
                                    default_dwellings_per_daa=gp["default_dwellings_per_daa"])
        if share is not None:
            table["andel"] = float(share)
    need = _area_need(table, base_population=gp["base_population"], base_year=gp["base_year"],
                      years=years, rates=rates, persons_per_dwelling=gp["persons_per_dwelling"],
                      dwellings_per_daa=dwellings_per_daa)
    return need, gp, list(notes)
