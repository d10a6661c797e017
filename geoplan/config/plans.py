"""Settings for combining several plans: the only code that reads ``plans.*`` keys."""

from __future__ import annotations

from dataclasses import dataclass

from geoplan.config import Config, default_config
from geoplan.errors import ConfigError

LEVELS = ("reguleringsplan", "kommunedelplan", "kommuneplan")


@dataclass(frozen=True)
class PlanSettings:
    """Which plan features count, and which plan wins where plans overlap.

    Attributes
    ----------
    vertikalniva : tuple[int, ...]
        Vertikalnivå kept (2: on the ground).
    excluded_planstatus, in_force_planstatus : tuple[int, ...]
        Planstatus codes taken out, and those counted as adopted.
    precedence : tuple[str, ...]
        Plan levels in the order they win overlaps.
    """

    vertikalniva: tuple[int, ...]
    excluded_planstatus: tuple[int, ...]
    in_force_planstatus: tuple[int, ...]
    precedence: tuple[str, ...]

    @classmethod
    def from_config(cls, cfg: Config | None = None) -> "PlanSettings":
        cfg = cfg if cfg is not None else default_config()

        def get(name: str):
            key = f"plans.{name}"
            return cfg.get(key) if cfg.has(key) else default_config().get(key)

        def ints(name: str) -> tuple[int, ...]:
            v = get(name)
            if not isinstance(v, list) or not all(isinstance(x, int) for x in v):
                raise ConfigError(f"plans.{name} må være en liste med heltall, ikke «{v}».")
            return tuple(v)

        order = get("precedence")
        if not isinstance(order, list) or set(order) - set(LEVELS):
            raise ConfigError(f"plans.precedence må være en liste med {', '.join(LEVELS)}, "
                              f"ikke «{order}».")
        return cls(vertikalniva=ints("vertikalniva"),
                   excluded_planstatus=ints("excluded_planstatus"),
                   in_force_planstatus=ints("in_force_planstatus"),
                   precedence=tuple(order) + tuple(x for x in LEVELS if x not in order))
