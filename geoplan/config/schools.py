"""Settings of the school-circle analysis: the only code that reads ``schools.*`` keys.

Every value comes from ``config/schools.toml`` (shipped in
``geoplan/config/defaults/schools.toml``, with its unit and source); nothing here
carries a default of its own. :meth:`SchoolSettings.from_config` without a
:class:`~geoplan.config.Config` reads the shipped defaults, so a notebook can call
:func:`geoplan.analysis.schools.analyse_schools` on its own frames without a
configuration folder. A municipality's folder that lacks one of the keys (an older
``schools.toml``) gets the shipped value for that key.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from geoplan.config import Config, default_config
from geoplan.errors import ConfigError


def _key(name: Any) -> str:
    """A place name as places are matched (as :func:`geoplan.analysis.places.place_key`)."""
    return " ".join(str(name).split()).casefold()


@dataclass(frozen=True)
class SchoolSettings:
    """Parameters of :func:`geoplan.analysis.schools.analyse_schools` and the walking network.

    Attributes
    ----------
    radius_m : float
        Radius of the school circle, m (Larvik: 1,500 m).
    circle_quad_segs : int
        Segments per quarter circle of the circle polygons.
    walk_corridor_width_m : float
        Full width (m) of the corridor along the reachable network that counts as
        reachable on foot.
    snap_max_m : float
        Largest distance (m) from a school or parcel to the walking network for it to
        be connected.
    node_crossings : bool
        Join network lines where they cross without a shared vertex.
    node_tolerance_m : float
        Network coordinates closer than this (m) are one node.
    applies_to : tuple of str
        The places (``utviklingsgrense.navn``) the criterion applies to; empty:
        every place. Larvik: Helgeroa, Tjøllingvollen, Kvelde (the
        avklaringsområder, Boligplan 2015–2020, l. 2467–2469).
    """

    radius_m: float
    circle_quad_segs: int
    walk_corridor_width_m: float
    snap_max_m: float
    node_crossings: bool
    node_tolerance_m: float
    applies_to: tuple[str, ...] = ()

    @classmethod
    def from_config(cls, cfg: Config | None = None) -> "SchoolSettings":
        """The settings in ``cfg`` (``None``: the shipped defaults)."""
        cfg = cfg if cfg is not None else default_config()

        def get(name: str) -> Any:
            key = f"schools.{name}"
            return cfg.get(key) if cfg.has(key) else default_config().get(key)

        return cls(
            radius_m=float(get("radius_m")),
            circle_quad_segs=int(get("circle_quad_segs")),
            walk_corridor_width_m=float(get("walk_corridor_width_m")),
            snap_max_m=float(get("snap_max_m")),
            node_crossings=bool(get("node_crossings")),
            node_tolerance_m=float(get("node_tolerance_m")),
            applies_to=tuple(str(p) for p in (get("applies_to") or ())),
        )

    def applies(self, place) -> bool:
        """Whether the criterion applies to ``place`` (a name; case and spacing ignored)."""
        if not self.applies_to:
            return True
        if place is None or place != place:  # None, NaN: no place, so not one of the named
            return False
        return _key(place) in {_key(p) for p in self.applies_to}

    @classmethod
    def resolve(cls, settings: "SchoolSettings | None" = None, **values: Any) -> "SchoolSettings":
        """``settings`` (``None``: the shipped defaults) with every value that is not ``None``.

        What an analysis function does with its keyword arguments: those given
        win, the others come from the settings.

        Examples
        --------
        >>> SchoolSettings.resolve(radius_m=1200.0).radius_m
        1200.0
        """
        return (settings if settings is not None else cls.from_config()).replace(**values)

    def replace(self, **values: Any) -> "SchoolSettings":
        """A copy with the given fields changed; a value of ``None`` keeps the setting.

        Raises
        ------
        ConfigError
            For a name that is not a setting.
        """
        known = {f.name for f in dataclasses.fields(self)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ConfigError(f"Ukjent innstilling for skoleanalysen: {', '.join(unknown)} "
                              f"(gyldige: {', '.join(sorted(known))}).")
        given = {k: v for k, v in values.items() if v is not None}
        return dataclasses.replace(self, **given) if given else self
