"""Settings of the map app: the only code that reads ``app.*`` keys.

Every value comes from ``config/app.toml`` (shipped in
``geoplan/config/defaults/app.toml``, each with its source). These settings are
locked in the app's parameter editor: a user cannot switch on the display of
addresses for her session.
"""

from __future__ import annotations

from dataclasses import dataclass

from geoplan.config import Config, default_config
from geoplan.errors import ConfigError


@dataclass(frozen=True)
class AppSettings:
    """What the app shows and accepts.

    Attributes
    ----------
    show_address : bool
        Whether the ``adresse`` column of municipal dwellings may be shown.
    max_upload_mb : float
        Largest upload, MB.
    max_unpacked_mb : float
        Largest total size a zip upload may unpack to, MB.
    max_zip_ratio : float
        Largest unpacked/packed ratio of a zip upload (zip bombs).
    simplify_m : float
        Tolerance (m) the map layers are simplified with before they are sent to the browser.
    """

    show_address: bool
    max_upload_mb: float
    max_unpacked_mb: float
    max_zip_ratio: float
    simplify_m: float

    @classmethod
    def from_config(cls, cfg: Config | None = None) -> "AppSettings":
        """The settings in ``cfg`` (``None``: the shipped defaults)."""
        cfg = cfg if cfg is not None else default_config()

        def get(name: str):
            key = f"app.{name}"
            return cfg.get(key) if cfg.has(key) else default_config().get(key)

        try:
            numbers = {k: float(get(k)) for k in ("max_upload_mb", "max_unpacked_mb", "max_zip_ratio",
                                                  "simplify_m")}
        except (TypeError, ValueError):
            raise ConfigError("En av max_upload_mb, max_unpacked_mb, max_zip_ratio og simplify_m i "
                              "config/app.toml er ikke et tall. Rett den (tall med desimalpunktum "
                              "i TOML).") from None
        bad = [k for k, v in numbers.items() if not v > 0 and k != "simplify_m"]
        if bad or numbers["simplify_m"] < 0:
            raise ConfigError(f"app.{(bad or ['simplify_m'])[0]} må være et positivt tall.")
        return cls(show_address=bool(get("show_address")), **numbers)
