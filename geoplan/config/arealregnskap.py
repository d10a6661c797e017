"""Settings of the arealregnskap: the only code that reads ``arealregnskap.*`` keys.

Every value comes from ``config/arealregnskap.toml`` (shipped in
``geoplan/config/defaults/arealregnskap.toml``, each with its source in the
ministry's guideline «Arealregnskap i kommuneplan», KDD 2023, or marked as a
municipal choice). The housing codes are ``reserves.housing_codes``: the
boligreserve is defined once (:mod:`geoplan.analysis.reserves`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from geoplan.config import Config, default_config
from geoplan.config.schema import toml_literal
from geoplan.errors import ConfigError
from geoplan.numbers import short_number

#: the building categories of the reserve, in table order (``bolig`` from reserves.housing_codes)
CATEGORY_ORDER = ("bolig", "fritidsbolig", "sentrum_handel", "naering", "tjenesteyting",
                  "annen_bebyggelse", "samferdsel")
#: their names in the tables
CATEGORY_NAMES = {"bolig": "Bolig", "fritidsbolig": "Fritidsbolig",
                  "sentrum_handel": "Sentrum og handel", "naering": "Næring",
                  "tjenesteyting": "Tjenesteyting", "annen_bebyggelse": "Annen bebyggelse og anlegg",
                  "samferdsel": "Samferdsel og teknisk infrastruktur"}
#: the land-cover groups that carry an emission factor
GHG_KEYS = ("myr", "skog", "organisk_jord", "jordbruk", "apen_fastmark")


def _triple(v, key: str) -> tuple[float, float, float]:
    try:
        mid, low, high = (float(x) for x in v)
    except (TypeError, ValueError) as e:
        raise ConfigError(f"arealregnskap.{key} må være tre tall [midt, lav, høy], ikke "
                          f"{toml_literal(v)}.") from e
    if not low <= mid <= high:
        raise ConfigError(f"arealregnskap.{key}: lav ≤ midt ≤ høy må gjelde (fikk "
                          f"{toml_literal(list(v))}).")
    return mid, low, high


@dataclass(frozen=True)
class ArealregnskapSettings:
    """Parameters of :func:`geoplan.analysis.arealregnskap.analyse_arealregnskap`.

    Attributes
    ----------
    categories : category id -> SOSI arealformål codes (``bolig`` = reserves.housing_codes
        plus ``spredt_bolig_codes``), in :data:`CATEGORY_ORDER`.
    fortetting_status : arealbruksstatus values counted as fortetting/transformasjon
        (reported apart; the reserve itself is :func:`geoplan.analysis.reserves.housing_reserve`'s
        «zoned, not built» rule applied to each category's codes).
    sliver_m2 : pieces smaller than this (m²) are reported as slivers.
    gap_tolerance_m2 : a remainder below this (m²) is rounding, not a surface.
    strandsone_m : width (m) of the belt along the sea derived from AR5 hav.
    split_forest_by_bonitet : split skog by AR5 skogbonitet.
    ghg_years : years the emissions are summed over.
    ghg : land group -> (mid, low, high) t CO2e per daa; ``skog_bonitet``: bonitet -> triple.
    ghg_ku_threshold_t : an increase above this (t CO2e) makes greenhouse gas a KU topic
        (Miljødirektoratet M-1941); the report and the app say so.
    """

    categories: Mapping[str, tuple[int, ...]]
    fortetting_status: tuple[int, ...]
    sliver_m2: float
    gap_tolerance_m2: float
    strandsone_m: float
    split_forest_by_bonitet: bool
    ghg_years: int
    ghg: Mapping[str, tuple[float, float, float]]
    ghg_bonitet: Mapping[int, tuple[float, float, float]]
    ghg_ku_threshold_t: float = 2000.0

    @classmethod
    def from_config(cls, cfg: Config | None = None) -> "ArealregnskapSettings":
        """The settings in ``cfg`` (``None``: the shipped defaults); ConfigError names a bad key."""
        from geoplan.config.reserves import ReserveSettings
        cfg = cfg or default_config()
        housing = ReserveSettings.from_config(cfg).housing_codes
        cats: dict[str, tuple[int, ...]] = {
            "bolig": tuple(housing) + tuple(int(c) for c in cfg.get("arealregnskap.spredt_bolig_codes"))}
        for cid in CATEGORY_ORDER[1:]:
            cats[cid] = tuple(int(c) for c in cfg.get(f"arealregnskap.kategorier.{cid}"))
        seen: dict[int, str] = {}
        for cid, codes in cats.items():
            for c in codes:
                if c in seen:
                    raise ConfigError(f"Arealformål {c} står i to kategorier i arealregnskapet "
                                      f"(«{seen[c]}» og «{cid}»); en kode kan bare høre til én.")
                seen[c] = cid
        bon = cfg.get("arealregnskap.klimagass.faktor.skog_bonitet")
        sliver = float(cfg.get("arealregnskap.sliver_m2"))
        if sliver < 0:
            raise ConfigError(f"arealregnskap.sliver_m2 kan ikke være negativ (fikk {short_number(sliver)}).")
        return cls(
            categories=cats,
            fortetting_status=tuple(int(s) for s in cfg.get("arealregnskap.fortetting_status")),
            sliver_m2=sliver,
            gap_tolerance_m2=float(cfg.get("arealregnskap.gap_tolerance_m2")),
            strandsone_m=float(cfg.get("arealregnskap.strandsone_m")),
            split_forest_by_bonitet=bool(cfg.get("arealregnskap.split_forest_by_bonitet")),
            ghg_years=int(cfg.get("arealregnskap.klimagass.years")),
            ghg={k: _triple(cfg.get(f"arealregnskap.klimagass.faktor.{k}"), f"klimagass.faktor.{k}")
                 for k in GHG_KEYS},
            ghg_bonitet={int(k): _triple(v, f"klimagass.faktor.skog_bonitet.{k}")
                         for k, v in dict(bon).items()},
            ghg_ku_threshold_t=float(cfg.get("arealregnskap.klimagass.ku_terskel_tco2e")),
        )

    def category_of(self) -> dict[int, str]:
        """SOSI code -> category id."""
        return {c: cid for cid, codes in self.categories.items() for c in codes}

    @property
    def building_codes(self) -> tuple[int, ...]:
        return tuple(c for codes in self.categories.values() for c in codes)
