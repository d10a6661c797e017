"""Settings of the population analyses: the only code that reads ``population.*`` keys.

Every value comes from ``config/population.toml`` (shipped in
``geoplan/config/defaults/population.toml``, each with its source or marked as a
municipal choice); nothing here carries a default of its own. A configuration
folder without ``population.toml`` (or lacking a key) gets the shipped value.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from geoplan.config import Config, default_config
from geoplan.errors import ConfigError


def _groups(bounds: list[int], what: str) -> list[tuple[int, float]]:
    """Lower bounds -> (from, to) with an open last group; checked increasing."""
    b = [int(x) for x in bounds]
    if not b or b[0] != 0 or any(b2 <= b1 for b1, b2 in zip(b, b[1:])):
        raise ConfigError(f"population.{what} må være stigende nedre aldersgrenser som begynner "
                          f"på 0, f.eks. [0, 20, 67, 80]; fikk {bounds}.")
    return [(lo, float(hi - 1)) for lo, hi in zip(b, b[1:])] + [(b[-1], float("nan"))]


@dataclass(frozen=True)
class PopulationSettings:
    """Parameters of :mod:`geoplan.analysis.population` (units as in ``population.toml``)."""

    age_groups: tuple[tuple[int, float], ...]
    default_variant: str
    horizon_years: tuple[int, ...]
    suppressed_cell_max: int
    household_age_groups: tuple[tuple[int, float], ...]
    dwellings_per_person: tuple[float, ...]
    omsorg_andel_80: float
    tilrettelagt_andel_67_79: float
    tilrettelagt_andel_80: float
    utleie_per_1000_referanse: float
    utleie_referanse_navn: str
    flyktninger_per_aar: float
    personer_per_flyktningbolig: float
    flyktning_botid_aar: float
    omsorg_kategorier: tuple[str, ...]
    utleie_kategorier: tuple[str, ...]
    flyktning_kategorier: tuple[str, ...]
    access_radii_m: tuple[float, ...]
    service_kinds: tuple[str, ...]
    helsetjeneste_types: dict[str, str]
    snap_max_m: float
    gradient_limit: float
    gradient_short_limit: float
    gradient_max: float
    lowest_coverage_n: int

    @classmethod
    def from_config(cls, cfg: Config | None = None) -> "PopulationSettings":
        """The settings in ``cfg`` (``None``: the shipped defaults)."""
        cfg = cfg if cfg is not None else default_config()

        def get(name: str) -> Any:
            key = f"population.{name}"
            return cfg.get(key) if cfg.has(key) else default_config().get(key)

        hh = _groups(list(get("household_age_groups")), "household_age_groups")
        dpp = tuple(float(x) for x in get("dwellings_per_person"))
        if len(dpp) != len(hh) or any(x < 0 for x in dpp):
            raise ConfigError("population.dwellings_per_person må ha ett tall ≥ 0 per gruppe i "
                              f"population.household_age_groups ({len(hh)}); fikk {len(dpp)}.")
        pairs = {}
        for item in get("helsetjeneste_types"):
            a, _, b = str(item).partition("=")
            pairs[a.strip().lower()] = b.strip().lower()
        s = cls(
            age_groups=tuple(_groups(list(get("age_groups")), "age_groups")),
            default_variant=str(get("default_variant")),
            horizon_years=tuple(int(y) for y in get("horizon_years")),
            suppressed_cell_max=int(get("suppressed_cell_max")),
            household_age_groups=tuple(hh),
            dwellings_per_person=dpp,
            omsorg_andel_80=float(get("omsorg_andel_80")),
            tilrettelagt_andel_67_79=float(get("tilrettelagt_andel_67_79")),
            tilrettelagt_andel_80=float(get("tilrettelagt_andel_80")),
            utleie_per_1000_referanse=float(get("utleie_per_1000_referanse")),
            utleie_referanse_navn=str(get("utleie_referanse_navn")),
            flyktninger_per_aar=float(get("flyktninger_per_aar")),
            personer_per_flyktningbolig=float(get("personer_per_flyktningbolig")),
            flyktning_botid_aar=float(get("flyktning_botid_aar")),
            omsorg_kategorier=tuple(str(x) for x in get("omsorg_kategorier")),
            utleie_kategorier=tuple(str(x) for x in get("utleie_kategorier")),
            flyktning_kategorier=tuple(str(x) for x in get("flyktning_kategorier")),
            access_radii_m=tuple(float(x) for x in get("access_radii_m")),
            service_kinds=tuple(str(x) for x in get("service_kinds")),
            helsetjeneste_types=pairs,
            snap_max_m=float(get("snap_max_m")),
            gradient_limit=float(get("gradient_limit")),
            gradient_short_limit=float(get("gradient_short_limit")),
            gradient_max=float(get("gradient_max")),
            lowest_coverage_n=int(get("lowest_coverage_n")),
        )
        s.check()
        return s

    def check(self) -> None:
        """Raise :class:`ConfigError` (Norwegian, naming the key) for unusable values."""
        for name in ("omsorg_andel_80", "tilrettelagt_andel_67_79", "tilrettelagt_andel_80"):
            v = getattr(self, name)
            if not 0 <= v <= 1:
                raise ConfigError(f"population.{name} må være en andel mellom 0 og 1; fikk {v}.")
        for name in ("utleie_per_1000_referanse", "flyktninger_per_aar"):
            if getattr(self, name) < 0:
                raise ConfigError(f"population.{name} kan ikke være negativ.")
        if self.personer_per_flyktningbolig <= 0:
            raise ConfigError("population.personer_per_flyktningbolig må være større enn 0.")
        if not self.access_radii_m or any(r <= 0 for r in self.access_radii_m):
            raise ConfigError("population.access_radii_m må være avstander større enn 0 m.")

    def replace(self, **values: Any) -> "PopulationSettings":
        """A copy with the given fields changed (``None`` keeps the setting)."""
        known = {f.name for f in dataclasses.fields(self)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ConfigError(f"Ukjent innstilling for befolkningsanalysen: {', '.join(unknown)}.")
        given = {k: v for k, v in values.items() if v is not None}
        out = dataclasses.replace(self, **given) if given else self
        out.check()
        return out
