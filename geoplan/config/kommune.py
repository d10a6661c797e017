"""Settings of the municipality itself: the only code that reads ``kommune.*`` keys.

Every value comes from ``config/kommune.toml`` (shipped in
``geoplan/config/defaults/kommune.toml``, each with its source); nothing here
carries a default of its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from geoplan.config import Config, default_config
from geoplan.errors import ConfigError


@dataclass(frozen=True)
class KommuneSettings:
    """The municipality's identity, working CRS and public-output minimum.

    Attributes
    ----------
    kommunenummer : str
        Four digits (``"3909"``).
    kommunenavn : str
        The municipality's name, as reports print it.
    working_epsg : int
        EUREF89 UTM EPSG code every layer is brought to; 0 chooses from the data.
    min_count_public : int
        Smallest count of municipal units a public output shows (smaller are suppressed).
    """

    kommunenummer: str
    kommunenavn: str
    working_epsg: int
    min_count_public: int

    @classmethod
    def from_config(cls, cfg: Config | None = None) -> "KommuneSettings":
        """The settings in ``cfg`` (``None``: the shipped defaults)."""
        cfg = cfg if cfg is not None else default_config()

        def get(name: str):
            key = f"kommune.{name}"
            return cfg.get(key) if cfg.has(key) else default_config().get(key)

        try:
            epsg = int(get("working_epsg") or 0)
        except (TypeError, ValueError):
            raise ConfigError(
                f"kommune.working_epsg må være en EPSG-kode (25832, 25833 eller 25835) eller 0, "
                f"ikke «{get('working_epsg')}».") from None
        if epsg not in (0, 25832, 25833, 25835):
            raise ConfigError(
                f"kommune.working_epsg = {epsg} er ikke EUREF89 UTM sone 32, 33 eller 35 "
                "(25832, 25833 eller 25835). Bruk en av dem, eller 0 for å velge ut fra dataene.")
        from geoplan.privacy import validate_min_count  # the one check of the minimum
        minimum = validate_min_count(get("min_count_public"))
        return cls(kommunenummer=str(get("kommunenummer")), kommunenavn=str(get("kommunenavn")),
                   working_epsg=epsg, min_count_public=minimum)
