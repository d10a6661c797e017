"""Settings of the geocoder: the only code that reads ``geocode.*`` keys.

Every value comes from ``config/geocode.toml`` (shipped in
``geoplan/config/defaults/geocode.toml``): the matching thresholds with their
sources, the column names recognised per role and the street-type words.
"""

from __future__ import annotations

from dataclasses import dataclass

from geoplan.config import Config, default_config
from geoplan.errors import ConfigError

#: the roles a column of the housing office's list can have
ROLES = ("adresse", "gatenavn", "husnr", "bokstav", "gnr", "bnr", "fnr", "snr", "antall",
         "kategori", "malgruppe", "bygg_id", "bruksenhet", "kommunenummer")


@dataclass(frozen=True)
class GeocodeSettings:
    """How rows of a dwelling list are matched to the address register.

    Attributes
    ----------
    fuzzy_min_ratio : float
        Smallest similarity (difflib ratio, 0-1) at which a misspelt street name is corrected.
    fuzzy_margin : float
        How much better the best street name must be than the second best.
    candidates : int
        Suggestions listed for a row that was not found.
    columns : dict[str, tuple[str, ...]]
        Role -> header names recognised for it.
    street_words : dict[str, tuple[str, ...]]
        Street-type word -> the ways it is written («gt.», «gata», «gate»).
    """

    fuzzy_min_ratio: float
    fuzzy_margin: float
    candidates: int
    columns: dict[str, tuple[str, ...]]
    street_words: dict[str, tuple[str, ...]]

    @classmethod
    def from_config(cls, cfg: Config | None = None) -> "GeocodeSettings":
        """The settings in ``cfg`` (``None``: the shipped defaults)."""
        cfg = cfg if cfg is not None else default_config()
        src = cfg if cfg.has("geocode") else default_config()

        try:
            ratio = float(src.get("geocode.fuzzy_min_ratio"))
            margin = float(src.get("geocode.fuzzy_margin"))
            n = int(src.get("geocode.candidates"))
        except (TypeError, ValueError):
            raise ConfigError("En verdi i config/geocode.toml som skal være et tall, er det ikke. "
                              "Rett den (tall med desimalpunktum i TOML).") from None
        if not 0 < ratio <= 1 or not 0 <= margin < 1 or n < 1:
            raise ConfigError("geocode.fuzzy_min_ratio må ligge i (0, 1], geocode.fuzzy_margin i "
                              "[0, 1) og geocode.candidates være minst 1.")
        columns = {k: tuple(str(x) for x in v) for k, v in src.get("geocode.columns").items()}
        unknown = sorted(set(columns) - set(ROLES))
        if unknown:
            raise ConfigError(f"Ukjent rolle i geocode.columns: {', '.join(unknown)} "
                              f"(gyldige: {', '.join(ROLES)}).")
        words = {k: tuple(str(x) for x in v) for k, v in src.get("geocode.street_words").items()}
        return cls(fuzzy_min_ratio=ratio, fuzzy_margin=margin, candidates=n, columns=columns,
                   street_words=words)
