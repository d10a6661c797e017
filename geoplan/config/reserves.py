"""Settings for land need and the reserve analysis: the only code that knows ``reserves.*`` keys.

Every number comes from ``config/reserves.toml`` (shipped in
``geoplan/config/defaults/reserves.toml``, each with its source); nothing here
carries a fallback default. :meth:`ReserveSettings.from_config` with no
argument reads the shipped defaults, so a notebook gets the documented Larvik
parameters without a config folder.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Mapping

from geoplan.config import Config, default_config

#: the ranking weights under ``reserves.ranking`` (one per criterion of the ranking)
WEIGHT_KEYS = ("weight_centre", "weight_settlement", "weight_walking", "weight_stop",
               "weight_axis", "weight_rpba", "weight_quarry", "weight_slope")


def _plain(v: Any) -> Any:
    """A parameter table reduced to its value (plain values pass through)."""
    return v["value"] if isinstance(v, dict) and "value" in v else v


def plain_places(cfg: Config | None = None) -> dict[str, dict[str, Any]]:
    """``reserves.steder`` with the parameter tables reduced to their values.

    Returns
    -------
    dict
        ``{key: {"navn": str, "andel": float, "boenheter_per_daa": float}}`` in
        configuration order (an entry may lack ``andel`` or the density).
    """
    cfg = cfg or default_config()
    # no [steder] table is a municipality without configured places, not a missing default
    raw = cfg.get("reserves.steder", {}) or {}
    return {key: {k: _plain(v) for k, v in entry.items()}
            for key, entry in raw.items() if isinstance(entry, dict)}


@dataclass(frozen=True)
class ReserveSettings:
    """The parameters of land need (growth) and the reserve analysis.

    Attributes
    ----------
    base_population : persons in the municipality on 1 January of ``base_year``.
    base_year : year of the base population.
    persons_per_dwelling : persons per dwelling.
    default_dwellings_per_daa : density (dwellings per daa) for places neither
        configured nor given one in the data.
    housing_codes : SOSI arealformål codes that count as housing (the boligreserve).
    innspill_housing_words : ``innspill.formal`` values that mean housing.
    quarry_buffer_m : distance to a quarry counted as conflict, metres.
    max_slope_pct : steepest terrain for housing, percent (rise/run × 100).
    weights : ranking weights ``{"weight_centre": …}`` (see :data:`WEIGHT_KEYS`).
    half_distance_m : distance that scores 0.5 in the ranking, metres.
    places : ``reserves.steder`` as plain values (see :func:`plain_places`).
    default_year, default_rate : horizon year and annual growth (fraction) of
        the balance.
    horizon_years, growth_rates : the years and rates of the scenario table.
    """

    base_population: float
    base_year: int
    persons_per_dwelling: float
    default_dwellings_per_daa: float
    housing_codes: tuple[int, ...]
    innspill_housing_words: tuple[str, ...]
    quarry_buffer_m: float
    max_slope_pct: float
    weights: Mapping[str, float]
    half_distance_m: float
    places: Mapping[str, Mapping[str, Any]]
    default_year: int
    default_rate: float
    horizon_years: tuple[int, ...]
    growth_rates: tuple[float, ...]

    @classmethod
    def from_config(cls, cfg: Config | None = None) -> "ReserveSettings":
        """The settings in ``cfg`` (``None``: the shipped defaults).

        Raises
        ------
        geoplan.errors.ConfigError
            When a parameter is missing (the message names it).
        """
        cfg = cfg or default_config()
        return cls(
            base_population=float(cfg.get("reserves.base_population")),
            base_year=int(cfg.get("reserves.base_year")),
            persons_per_dwelling=float(cfg.get("reserves.persons_per_dwelling")),
            default_dwellings_per_daa=float(cfg.get("reserves.default_dwellings_per_daa")),
            housing_codes=tuple(int(c) for c in cfg.get("reserves.housing_codes")),
            innspill_housing_words=tuple(str(w) for w in
                                         cfg.get("reserves.innspill_housing_formal")),
            quarry_buffer_m=float(cfg.get("reserves.quarry_buffer_m")),
            max_slope_pct=float(cfg.get("reserves.max_slope_pct")),
            weights={k: float(cfg.get(f"reserves.ranking.{k}")) for k in WEIGHT_KEYS},
            half_distance_m=float(cfg.get("reserves.ranking.half_distance_m")),
            places=plain_places(cfg),
            default_year=int(cfg.get("reserves.default_year")),
            default_rate=float(cfg.get("reserves.default_rate")),
            horizon_years=tuple(int(y) for y in cfg.get("reserves.horizon_years")),
            growth_rates=tuple(float(r) for r in cfg.get("reserves.growth_rates")),
        )

    def with_growth(self, *, base_population: float | None = None, base_year: int | None = None,
                    persons_per_dwelling: float | None = None) -> "ReserveSettings":
        """A copy with the growth parameters given for one run (``None`` keeps the setting)."""
        changes: dict[str, Any] = {}
        if base_population is not None:
            changes["base_population"] = float(base_population)
        if base_year is not None:
            changes["base_year"] = int(base_year)
        if persons_per_dwelling is not None:
            changes["persons_per_dwelling"] = float(persons_per_dwelling)
        return dataclasses.replace(self, **changes) if changes else self

    def growth_parameters(self) -> dict[str, float | int]:
        """``base_population``, ``base_year``, ``persons_per_dwelling``,
        ``default_dwellings_per_daa`` as a dict (what the land-need output reports)."""
        return {"base_population": self.base_population, "base_year": self.base_year,
                "persons_per_dwelling": self.persons_per_dwelling,
                "default_dwellings_per_daa": self.default_dwellings_per_daa}
