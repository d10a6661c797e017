"""Land need: the Larvik method's growth → dwellings → daa, per place, year and rate.

Larvik kommune's Boligplan 2015-2020 (seed 004, lines 2330-2497):

* growth (persons)  = base × ((1 + rate) ** (year − base_year) − 1) × share
* dwellings         = persons / persons_per_dwelling
* area need (daa)   = dwellings / dwellings_per_daa

Pure functions: plain numbers and tables in, tidy DataFrames out. The
parameters (base population, base year, persons per dwelling, the places'
shares and densities) are in ``config/reserves.toml``;
:class:`geoplan.config.reserves.ReserveSettings` reads them.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from geoplan.analysis.places import place_key, quoted
from geoplan.errors import ConfigError
from geoplan.numbers import short_number

NEED_COLUMNS = ["sted", "aar", "vekstrate", "vekst_personer", "boenheter", "arealbehov_daa"]


def check_growth_parameters(base_population: float, base_year: int, years: Sequence[int],
                            rates: Sequence[float], persons_per_dwelling: float) -> None:
    """Raise :class:`~geoplan.errors.ConfigError` naming the first unusable growth parameter.

    Parameters
    ----------
    base_population : persons, > 0.
    base_year : year of the base population.
    years : horizon years, whole and not before ``base_year``.
    rates : annual growth as fractions, > −1 and < 0.5 (a rate given in per cent
        is refused with a hint).
    persons_per_dwelling : > 0.
    """
    if not np.isfinite(base_population) or base_population <= 0:
        raise ConfigError(f"Folketallet i basisåret må være et positivt tall (fikk {short_number(base_population)}).")
    for y in years:
        if int(y) != y or y < base_year:
            raise ConfigError(
                f"Horisontåret {y} må være et helt år og ikke før basisåret {base_year}.")
    for r in rates:
        if not np.isfinite(r) or r <= -1:
            raise ConfigError(f"Vekstraten {short_number(r)} er ugyldig: oppgi en andel per år, f.eks. 0,015.")
        if r >= 0.5:
            raise ConfigError(
                f"Vekstraten {short_number(r)} er en andel per år ({short_number(r * 100)} %), som er "
                "urimelig høyt. Oppgi raten som andel, f.eks. 0,015 for 1,5 % per år.")
    if not np.isfinite(persons_per_dwelling) or persons_per_dwelling <= 0:
        raise ConfigError(
            f"Personer per boenhet må være større enn 0 (fikk {short_number(persons_per_dwelling)}).")


def growth_persons(base_population: float, base_year: int, year, rate, share=1.0):
    """Population growth from the base year to ``year`` for a place's share.

    Parameters
    ----------
    base_population : persons in the whole municipality on 1 January of ``base_year``.
    base_year : year of the base population.
    year, rate, share : horizon year, annual growth rate (fraction, 0.015 = 1.5 %),
        the place's fraction of the municipality's growth; scalars or arrays
        (broadcast).

    Returns
    -------
    float or ndarray, persons: ``base × ((1 + rate) ** (year − base_year) − 1) × share``.
    """
    n = np.asarray(year, dtype="float64") - float(base_year)
    out = float(base_population) * ((1.0 + np.asarray(rate, dtype="float64")) ** n - 1.0) \
        * np.asarray(share, dtype="float64")
    return out if np.ndim(out) else float(out)


def _need_table(places: pd.DataFrame | Mapping[str | None, float],
                dwellings_per_daa: float | Mapping[str | None, float] | None) -> pd.DataFrame:
    """``sted``, ``andel``, ``boenheter_per_daa`` from :func:`area_need`'s arguments."""
    if isinstance(places, pd.DataFrame):
        cols = ["sted", "andel"] + (["boenheter_per_daa"] if "boenheter_per_daa" in places else [])
        tab = places[cols].copy()
    else:
        tab = pd.DataFrame({"sted": list(places.keys()), "andel": list(places.values())})
    if dwellings_per_daa is not None:
        if isinstance(dwellings_per_daa, Mapping):
            by_key = {place_key(k): v for k, v in dwellings_per_daa.items()}
            tab["boenheter_per_daa"] = [by_key.get(place_key(s)) for s in tab["sted"]]
        else:
            tab["boenheter_per_daa"] = float(dwellings_per_daa)
    if "boenheter_per_daa" not in tab:
        raise ConfigError(
            f"Tettheten (boenheter per daa) mangler for {quoted(tab['sted'])}: oppgi "
            "dwellings_per_daa (ett tall, eller ett per sted) eller kolonnen boenheter_per_daa.")
    return tab


def _check_places(tab: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The shares and densities as float arrays; a ConfigError names the places that are off."""
    share = pd.to_numeric(tab["andel"], errors="coerce").to_numpy(dtype="float64")
    dens = pd.to_numeric(tab["boenheter_per_daa"], errors="coerce").to_numpy(dtype="float64")
    bad = ~np.isfinite(share) | (share < 0) | (share > 1)
    if bad.any():
        raise ConfigError(
            f"Andelen av veksten må være mellom 0 og 1 for {quoted(tab['sted'][bad])} "
            f"(fikk {', '.join(short_number(v) for v in share[bad])}).")
    missing = np.isnan(dens)
    if missing.any():
        raise ConfigError(
            f"Tettheten (boenheter per daa) mangler for {quoted(tab['sted'][missing])}.")
    bad = ~np.isfinite(dens) | (dens <= 0)
    if bad.any():
        raise ConfigError(
            f"Tettheten (boenheter per daa) må være større enn 0 for {quoted(tab['sted'][bad])}.")
    return share, dens


def _with_defaults(base_population: float | None, base_year: int | None,
                   years: Sequence[int] | None, rates: Sequence[float] | None,
                   persons_per_dwelling: float | None
                   ) -> tuple[float, int, list[int], list[float], float]:
    """The growth parameters given, the shipped ``config/reserves.toml`` for the rest."""
    if None in (base_population, base_year, years, rates, persons_per_dwelling):
        from geoplan.config.reserves import ReserveSettings

        s = ReserveSettings.from_config()
        base_population = s.base_population if base_population is None else base_population
        base_year = s.base_year if base_year is None else base_year
        years = s.horizon_years if years is None else years
        rates = s.growth_rates if rates is None else rates
        if persons_per_dwelling is None:
            persons_per_dwelling = s.persons_per_dwelling
    assert base_population is not None and base_year is not None and years is not None \
        and rates is not None and persons_per_dwelling is not None
    return (float(base_population), int(base_year), [int(y) for y in years],
            [float(r) for r in rates], float(persons_per_dwelling))


def area_need(places: pd.DataFrame | Mapping[str | None, float], *,
              base_population: float | None = None, base_year: int | None = None,
              years: Sequence[int] | None = None, rates: Sequence[float] | None = None,
              persons_per_dwelling: float | None = None,
              dwellings_per_daa: float | Mapping[str | None, float] | None = None) -> pd.DataFrame:
    """Area need per place, year and growth rate.

    Parameters
    ----------
    places : a DataFrame with columns ``sted``, ``andel`` (share of the
        municipality's growth, 0-1) and ``boenheter_per_daa`` (dwellings per daa),
        as :func:`place_parameters` returns; or a mapping ``{sted: share}``
        (``sted`` may be ``None`` for an unnamed place), then ``dwellings_per_daa``
        gives the density (one number, or a mapping by place).
    base_population : persons in the municipality in the base year.
    base_year : the base year.
    years : horizon years.
    rates : annual growth rates as fractions (0.015 = 1.5 % per year).
    persons_per_dwelling : persons per dwelling (2 in Larvik).

        ``None`` for any of these five: the shipped ``config/reserves.toml``
        (:class:`geoplan.config.reserves.ReserveSettings`; ``years`` and
        ``rates`` are then ``horizon_years`` and ``growth_rates``).
    dwellings_per_daa : density, dwellings per daa; overrides the DataFrame's column
        for every place when given as one number; a mapping is matched by
        :func:`~geoplan.analysis.places.place_key`.

    Returns
    -------
    DataFrame with one row per place, year and rate (in that order) and the
    columns ``sted``, ``aar``, ``vekstrate``, ``vekst_personer``, ``boenheter``,
    ``arealbehov_daa`` (unrounded), plus ``andel`` and ``boenheter_per_daa``.

    Raises
    ------
    geoplan.errors.ConfigError
        A parameter is unusable, or a place has no density or share (the
        message names the place).
    """
    base, y0, years_, rates_, ppd = _with_defaults(base_population, base_year, years, rates,
                                                   persons_per_dwelling)
    tab = _need_table(places, dwellings_per_daa)
    if not years_ or not rates_:
        raise ConfigError("Oppgi minst ett horisontår og én vekstrate.")
    check_growth_parameters(base, y0, years_, rates_, ppd)
    share, dens = _check_places(tab)
    # broadcast place × year × rate without a Python loop over the rows
    p_idx, y_idx, r_idx = (a.ravel() for a in np.meshgrid(
        np.arange(len(tab)), np.arange(len(years_)), np.arange(len(rates_)), indexing="ij"))
    yr = np.asarray(years_, dtype="int64")[y_idx]
    rt = np.asarray(rates_, dtype="float64")[r_idx]
    persons = np.atleast_1d(growth_persons(base, y0, yr, rt, share[p_idx]))
    dwellings = persons / ppd
    return pd.DataFrame({
        "sted": tab["sted"].to_numpy(dtype=object)[p_idx],
        "aar": yr,
        "vekstrate": rt,
        "vekst_personer": persons,
        "boenheter": dwellings,
        "arealbehov_daa": dwellings / dens[p_idx],
        "andel": share[p_idx],
        "boenheter_per_daa": dens[p_idx],
    })


def _configured(configured: Mapping[str, Mapping] | None) -> tuple[dict, list]:
    """``{place_key: (navn, andel, boenheter_per_daa)}`` and the names in config order."""
    conf: dict[str, tuple[Any, Any, Any]] = {}
    order = []
    for key, entry in (configured or {}).items():
        if not isinstance(entry, Mapping):
            continue
        display = entry.get("navn", key)
        conf[place_key(display)] = (display, entry.get("andel"), entry.get("boenheter_per_daa"))
        order.append(display)
    return conf, order


def _pct_text(v: float, decimals: int) -> str:
    return f"{v * 100:.{decimals}f}".replace(".", ",")


def _share_the_rest(tab: pd.DataFrame) -> list[str]:
    """Give the places without a share what the others leave, equally; the note saying so."""
    missing = tab["andel"].isna()
    if not missing.any():
        return []
    used = float(pd.to_numeric(tab.loc[~missing, "andel"]).sum()) if (~missing).any() else 0.0
    rest = max(1.0 - used, 0.0)
    each = rest / int(missing.sum())
    tab.loc[missing, "andel"] = each
    tab.loc[missing, "andel_kilde"] = "fordelt rest"
    return [f"{quoted(tab.loc[missing, 'sted'])} har ingen andel av veksten i "
            f"konfigurasjonen (reserves.steder); de får det som er igjen "
            f"({_pct_text(rest, 1)} %) delt likt, {_pct_text(each, 2)} % hver."]


def place_parameters(names: Sequence[str] | None, configured: Mapping[str, Mapping] | None, *,
                     default_dwellings_per_daa: float,
                     data_dwellings_per_daa: Mapping[str, float] | None = None
                     ) -> tuple[pd.DataFrame, list[str]]:
    """Share of growth and density for each place.

    Parameters
    ----------
    names : the places to resolve (e.g. ``utviklingsgrense.navn``); ``None`` for
        every configured place, in configuration order.
    configured : ``{key: {"navn": str, "andel": float, "boenheter_per_daa": float}}``,
        plain values (the ``steder`` table of ``config/reserves.toml`` with the
        parameter tables reduced to their values, ``ReserveSettings.places``).
    default_dwellings_per_daa : density for places neither configured nor given one
        in the data.
    data_dwellings_per_daa : density per place from the data
        (``utviklingsgrense.boenheter_per_daa``); used where the configuration
        has none.

    Returns
    -------
    (DataFrame ``sted``, ``andel``, ``boenheter_per_daa``, ``andel_kilde``,
    ``tetthet_kilde``; list of Norwegian notes). A place in ``names`` that is not
    configured gets the share the configured places in ``names`` leave over,
    split equally (a note says so).
    """
    conf, order = _configured(configured)
    data_dens = {place_key(k): v for k, v in (data_dwellings_per_daa or {}).items()
                 if v is not None and np.isfinite(v)}
    names = list(dict.fromkeys(order if names is None else names))
    rows = []
    for n in names:
        _display, share, dens = conf.get(place_key(n), (n, None, None))
        rows.append({"sted": n, "andel": share, "boenheter_per_daa": dens,
                     "andel_kilde": "konfigurasjon" if share is not None else None,
                     "tetthet_kilde": "konfigurasjon" if dens is not None else None})
    tab = pd.DataFrame(rows, columns=["sted", "andel", "boenheter_per_daa", "andel_kilde",
                                      "tetthet_kilde"])
    if not len(tab):
        return tab, []
    notes = _share_the_rest(tab)
    miss_d = tab["boenheter_per_daa"].isna()
    for i in np.flatnonzero(miss_d.to_numpy()):
        k = place_key(tab.at[i, "sted"])
        if k in data_dens:
            tab.at[i, "boenheter_per_daa"] = float(data_dens[k])
            tab.at[i, "tetthet_kilde"] = "utviklingsgrense.boenheter_per_daa"
        else:
            tab.at[i, "boenheter_per_daa"] = float(default_dwellings_per_daa)
            tab.at[i, "tetthet_kilde"] = "standard"
    tab["andel"] = tab["andel"].astype(float)
    tab["boenheter_per_daa"] = tab["boenheter_per_daa"].astype(float)
    return tab, notes
