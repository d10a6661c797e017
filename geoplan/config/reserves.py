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
from geoplan.errors import ConfigError
from geoplan.numbers import fixed

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
    places = {key: {k: _plain(v) for k, v in entry.items()}
              for key, entry in raw.items() if isinstance(entry, dict)}
    check_share_sum(places)
    return places


#: rounding slack when the shares of growth are added up (0.1 percentage point)
SHARE_SUM_TOLERANCE = 0.001


def check_share_sum(places: Mapping[str, Mapping[str, Any]]) -> None:
    """The named places' shares of the growth may add up to at most 100 %.

    More than 100 % would grow the municipality by more than its growth (180 % in
    all is a typing error, not a scenario); less leaves the rest to the villages and
    is reported by the commands.
    """
    shares = {str(v.get("navn", k)): v.get("andel") for k, v in places.items()}
    try:
        total = sum(float(a) for a in shares.values() if a is not None)
    except (TypeError, ValueError):
        return  # the schema names a share that is not a number
    if total > 1.0 + SHARE_SUM_TOLERANCE:
        # each number formatted alone: a place name or the key path keeps its points
        listed = ", ".join(f"{n} {fixed(float(a) * 100, 1)} %"
                           for n, a in shares.items() if a is not None)
        raise ConfigError(
            f"Andelene av veksten (reserves.steder.*.andel) summerer til "
            f"{fixed(total * 100, 1)} %, mer enn 100 % ({listed}). Rett andelene i "
            "config/reserves.toml eller med --set, slik at de til sammen er høyst 100 %.")


#: ranking methods: the source's three steps in turn, or the weighted score (municipal choice)
RANKING_METHODS = ("rekkefolge", "vektet")
#: kinds of hard criteria under ``[[reserves.exclusions]]``
EXCLUSION_KINDS = ("naer_lag", "utenfor_skolesirkel")


@dataclass(frozen=True)
class Exclusion:
    """One hard criterion: the part of a parcel it hits is «ikke aktuell».

    Attributes
    ----------
    id : short name (``steinbrudd``, ``skolesirkel``).
    kind : ``naer_lag`` (within ``buffer_m`` of ``layer``) or ``utenfor_skolesirkel``.
    reason : the Norwegian reason shown with the excluded daa.
    layer : the layer of ``naer_lag``.
    buffer_m : distance (m) of ``naer_lag``.
    applies_to : the places it applies to; empty: every place.
    source : where the rule comes from.
    """

    id: str
    kind: str
    reason: str
    layer: str | None = None
    buffer_m: float = 0.0
    applies_to: tuple[str, ...] = ()
    source: str = ""

    def applies(self, place: Any) -> bool:
        """Whether the criterion applies to ``place`` (case and spacing ignored)."""
        if not self.applies_to:
            return True
        if place is None or place != place:
            return False
        key = " ".join(str(place).split()).casefold()
        return key in {" ".join(str(p).split()).casefold() for p in self.applies_to}


def _resolved(cfg: Config, entry: Mapping[str, Any], key: str, default: Any) -> Any:
    """``entry[key]``, or the parameter ``entry[key + "_ref"]`` names (this config first,
    then the shipped defaults), or ``default``."""
    ref = entry.get(f"{key}_ref")
    if ref is not None:
        src = cfg if cfg.has(str(ref)) else default_config()
        if not src.has(str(ref)):
            raise ConfigError(f"reserves.exclusions «{entry.get('id')}»: «{key}_ref» viser til "
                              f"«{ref}», som ikke finnes. Rett config/reserves.toml.")
        return src.get(str(ref))
    return entry.get(key, default)


def exclusions(cfg: Config | None = None) -> tuple[Exclusion, ...]:
    """The hard criteria ``[[reserves.exclusions]]`` with their references resolved.

    Raises
    ------
    geoplan.errors.ConfigError
        An entry of an unknown kind, or without ``id``/``reason``/``layer``.
    """
    cfg = cfg or default_config()
    out = []
    for i, e in enumerate(cfg.get("reserves.exclusions", []) or []):
        if not isinstance(e, Mapping):
            continue
        kind = str(e.get("kind", ""))
        if kind not in EXCLUSION_KINDS or not e.get("id") or not e.get("reason"):
            raise ConfigError(
                f"reserves.exclusions nr. {i + 1} («{e.get('id', '')}»): trenger id, reason og "
                f"kind ({' eller '.join(EXCLUSION_KINDS)}); fikk kind «{kind}».")
        if kind == "naer_lag" and not e.get("layer"):
            raise ConfigError(f"reserves.exclusions «{e['id']}»: kind «naer_lag» trenger layer.")
        buffer_m = float(_resolved(cfg, e, "buffer_m", 0.0))
        if buffer_m < 0:
            raise ConfigError(f"reserves.exclusions «{e['id']}»: avstanden må være 0 eller mer "
                              f"(fikk {buffer_m} m).")
        places = _resolved(cfg, e, "applies_to", []) or []
        out.append(Exclusion(id=str(e["id"]), kind=kind, reason=str(e["reason"]),
                             layer=str(e["layer"]) if e.get("layer") else None,
                             buffer_m=buffer_m, applies_to=tuple(str(p) for p in places),
                             source=str(e.get("source", ""))))
    return tuple(out)


@dataclass(frozen=True)
class VillageSettings:
    """Growth of the smaller places outside every utviklingsgrense («i tillegg»).

    Attributes
    ----------
    radius_m : today's dwellings of a village: within this distance of its ``sentrum`` point.
    share_rule : ``dagens_boliger`` (share of today's dwellings) or ``ingen``.
    dwellings_per_daa : density of the villages.
    shares : ``{name: share}`` set in config; wins over ``share_rule``.
    """

    radius_m: float
    share_rule: str
    dwellings_per_daa: float
    shares: Mapping[str, float]

    @classmethod
    def from_config(cls, cfg: Config | None = None) -> "VillageSettings":
        cfg = cfg or default_config()

        def get(name: str) -> Any:
            key = f"reserves.villages.{name}"
            return cfg.get(key) if cfg.has(key) else default_config().get(key)

        rule = str(get("share_rule"))
        if rule not in ("dagens_boliger", "ingen"):
            raise ConfigError(f"reserves.villages.share_rule må være «dagens_boliger» eller "
                              f"«ingen» (fikk «{rule}»).")
        raw = cfg.get("reserves.villages.andeler", {}) or {}
        shares = {str(v.get("navn", k)): float(_plain(v.get("andel")))
                  for k, v in raw.items() if isinstance(v, Mapping) and v.get("andel") is not None}
        return cls(radius_m=float(get("radius_m")), share_rule=rule,
                   dwellings_per_daa=float(get("dwellings_per_daa")), shares=shares)


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
    exclusions : the hard criteria (:class:`Exclusion`).
    min_aktuelt_daa : a parcel with less aktuelt area than this is wholly «ikke aktuell».
    ranking_method : ``rekkefolge`` (the source's three steps) or ``vektet``.
    band_step1_m, band_step2_m : tolerance bands of steps 1 and 2, metres.
    takeout_cell_m : cell size when part of a reserve is proposed taken out, metres.
    spredt_codes : SOSI codes of spredt boligbebyggelse (reviewed, not dense reserve).
    villages : growth of the smaller places (:class:`VillageSettings`).
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
    exclusions: tuple[Exclusion, ...] = ()
    min_aktuelt_daa: float = 0.0
    ranking_method: str = "rekkefolge"
    band_step1_m: float = 0.0
    band_step2_m: float = 0.0
    takeout_cell_m: float = 20.0
    spredt_codes: tuple[int, ...] = ()
    villages: VillageSettings | None = None

    @classmethod
    def from_config(cls, cfg: Config | None = None) -> "ReserveSettings":
        """The settings in ``cfg`` (``None``: the shipped defaults).

        Raises
        ------
        geoplan.errors.ConfigError
            When a parameter is missing (the message names it).
        """
        cfg = cfg or default_config()

        def opt(key: str) -> Any:  # a key an older municipal reserves.toml may lack
            return cfg.get(key) if cfg.has(key) else default_config().get(key)

        method = str(opt("reserves.ranking.method"))
        if method not in RANKING_METHODS:
            raise ConfigError(f"reserves.ranking.method må være «rekkefolge» eller «vektet» "
                              f"(fikk «{method}»).")
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
            exclusions=exclusions(cfg if cfg.has("reserves.exclusions") else default_config()),
            min_aktuelt_daa=float(opt("reserves.min_aktuelt_daa")),
            ranking_method=method,
            band_step1_m=float(opt("reserves.ranking.band_step1_m")),
            band_step2_m=float(opt("reserves.ranking.band_step2_m")),
            takeout_cell_m=float(opt("reserves.takeout_cell_m")),
            spredt_codes=tuple(int(c) for c in opt("reserves.spredt_codes")),
            villages=VillageSettings.from_config(cfg),
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
