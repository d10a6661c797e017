"""The minimum count of public outputs, checked in one place.

Kept apart from the suppression code (numpy, pandas): the settings classes validate
``kommune.min_count_public`` when a command starts, before it knows whether it will
publish anything.
"""

from __future__ import annotations

from typing import Any

from geoplan.errors import ConfigError


def validate_min_count(value: Any) -> int:
    """The minimum count for public outputs as an int ≥ 1, else :class:`ConfigError`."""
    try:
        ok = not isinstance(value, bool) and float(value) == int(value) and int(value) >= 1
    except (TypeError, ValueError, OverflowError):
        ok = False
    if not ok:
        raise ConfigError(
            f"Minste antall for offentlige utdata (kommune.min_count_public) må være et heltall "
            f"≥ 1, men er {value!r}. Med 0 ville ingen små tall bli skjult. Rett config/kommune.toml "
            "eller --set kommune.min_count_public=5.")
    return int(value)
