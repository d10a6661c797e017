"""Parameters as data: load and validate ``config/*.toml``.

Each TOML file in the configuration folder is one *section*, named after the
file (``config/schools.toml`` -> section ``schools``). Inside a section, a table
that has a ``value`` key is a **parameter**::

    [radius_m]
    value = 1500
    unit = "m"
    label = "Radius for skolesirkelen"
    source = "Larvik kommune, Boligplan 2015-2020, s. 43 (seed 004, l. 2467-2475)"
    assumption = false      # true: a municipal choice, no number in the sources

Any other table or array (for example ``[[criteria]]`` in ``sites.toml``) is
plain data the owning module reads with :meth:`Config.section`.

Parameters are addressed by dotted keys, ``"schools.radius_m"``, and can be
overridden per run (``--set schools.radius_m=1200`` on the command line, a
number input in the app) without touching the files.
"""

from __future__ import annotations

import copy
import functools
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

from geoplan.errors import ConfigError

#: the installed package (``geoplan/``); its data files ship inside it
PACKAGE_DIR = Path(__file__).resolve().parent.parent
#: the shipped defaults (``geoplan/config/defaults/*.toml``; ``config/`` in a checkout links here)
DEFAULT_CONFIG_DIR = Path(__file__).resolve().parent / "defaults"

_MISSING = object()


def config_dir() -> Path:
    """The configuration folder: ``$GEOPLAN_CONFIG_DIR`` or ``config/`` in the repository."""
    env = os.environ.get("GEOPLAN_CONFIG_DIR")
    return Path(env) if env else DEFAULT_CONFIG_DIR


@dataclass(frozen=True)
class Param:
    """One parameter with its provenance."""

    key: str
    value: Any
    unit: str = ""
    label: str = ""
    source: str = ""
    assumption: bool = False

    def as_dict(self) -> dict:
        return {
            "noekkel": self.key,
            "verdi": self.value,
            "enhet": self.unit,
            "beskrivelse": self.label,
            "kilde": self.source,
            "kommunalt_valg": self.assumption,
        }


def _is_param(node: Any) -> bool:
    return isinstance(node, dict) and "value" in node


class Config:
    """A read-only view of all configuration sections, with per-run overrides."""

    def __init__(self, data: Mapping[str, Any], origin: str = ""):
        self._data = copy.deepcopy(dict(data))
        self.origin = origin

    # -- access -------------------------------------------------------------
    def _node(self, dotted: str):
        node: Any = self._data
        for part in dotted.split("."):
            if not isinstance(node, dict) or part not in node:
                raise KeyError(dotted)
            node = node[part]
        return node

    def get(self, dotted: str, default: Any = _MISSING) -> Any:
        """The value at ``dotted``; for a parameter table, its ``value``."""
        try:
            node = self._node(dotted)
        except KeyError:
            if default is _MISSING:
                raise ConfigError(
                    f"Parameteren «{dotted}» finnes ikke i konfigurasjonen ({self.origin}). "
                    "Sjekk stavemåten, eller legg den til i riktig fil under config/."
                ) from None
            return default
        return copy.deepcopy(node["value"] if _is_param(node) else node)

    def param(self, dotted: str) -> Param:
        """The parameter at ``dotted`` with unit, label and source."""
        node = self._node_or_error(dotted)
        if not _is_param(node):
            raise ConfigError(f"«{dotted}» er ikke en parameter (mangler «value»).")
        return Param(
            key=dotted,
            value=copy.deepcopy(node["value"]),
            unit=str(node.get("unit", "")),
            label=str(node.get("label", "")),
            source=str(node.get("source", "")),
            assumption=bool(node.get("assumption", False)),
        )

    def _node_or_error(self, dotted: str):
        try:
            return self._node(dotted)
        except KeyError:
            raise ConfigError(
                f"Parameteren «{dotted}» finnes ikke i konfigurasjonen ({self.origin})."
            ) from None

    def section(self, name: str) -> dict:
        """A deep copy of a whole section (one TOML file) as plain data."""
        if name not in self._data:
            raise ConfigError(
                f"Konfigurasjonsfilen «{name}.toml» mangler i {self.origin}."
            )
        return copy.deepcopy(self._data[name])

    def has(self, dotted: str) -> bool:
        try:
            self._node(dotted)
            return True
        except KeyError:
            return False

    def params(self, section: str | None = None) -> list[Param]:
        """Every parameter (optionally of one section), for display with sources."""
        out: list[Param] = []

        def walk(node: Any, prefix: str) -> None:
            if _is_param(node):
                out.append(self.param(prefix))
                return
            if isinstance(node, dict):
                for k, v in node.items():
                    walk(v, f"{prefix}.{k}" if prefix else k)

        if section is None:
            walk(self._data, "")
        else:
            walk(self._data.get(section, {}), section)
        return out

    # -- overrides ------------------------------------------------------------
    def with_overrides(self, overrides: Mapping[str, Any] | None) -> "Config":
        """A new Config with ``{"section.key": value}`` applied.

        Overriding a parameter replaces its ``value`` and keeps its source,
        marked as changed for this run.
        """
        if not overrides:
            return self
        data = copy.deepcopy(self._data)
        for dotted, value in overrides.items():
            parts = dotted.split(".")
            node = data
            for part in parts[:-1]:
                if part not in node or not isinstance(node[part], dict):
                    raise ConfigError(
                        f"Kan ikke overstyre «{dotted}»: «{part}» finnes ikke i konfigurasjonen."
                    )
                node = node[part]
            last = parts[-1]
            if last in node and _is_param(node[last]):
                old = node[last]["value"]
                node[last]["value"] = _coerce(value, old, dotted)
                src = node[last].get("source", "")
                node[last]["source"] = f"{src} (overstyrt for denne kjøringen)".strip()
            elif last in node:
                node[last] = _coerce(value, node[last], dotted)
            else:
                raise ConfigError(
                    f"Kan ikke overstyre «{dotted}»: parameteren finnes ikke. "
                    "Se «geoplan check --json» eller config/ for gyldige navn."
                )
        return Config(data, origin=self.origin + " + overstyringer")

    def as_dict(self) -> dict:
        return copy.deepcopy(self._data)

    def __repr__(self) -> str:  # pragma: no cover
        return f"Config({sorted(self._data)}, origin={self.origin!r})"


def _coerce(value: Any, like: Any, dotted: str) -> Any:
    """Convert a string override to the type of the value it replaces."""
    if not isinstance(value, str) or isinstance(like, str):
        return value
    try:
        if isinstance(like, bool):
            low = value.strip().lower()
            if low in ("1", "true", "ja", "yes", "sann"):
                return True
            if low in ("0", "false", "nei", "no", "usann"):
                return False
            raise ValueError(value)
        if isinstance(like, int):
            return int(value)
        if isinstance(like, float):
            return float(value.replace(",", "."))
        if isinstance(like, list):
            return [type(like[0])(v) if like else v for v in value.split(",")]
    except (ValueError, TypeError):
        raise ConfigError(
            f"Ugyldig verdi «{value}» for «{dotted}»: forventet {type(like).__name__}."
        ) from None
    return value


def parse_set_options(items: Iterable[str] | None) -> dict[str, str]:
    """Parse ``["a.b=1", ...]`` from ``--set`` options."""
    out: dict[str, str] = {}
    for item in items or []:
        if "=" not in item:
            raise ConfigError(
                f"Ugyldig --set «{item}»: skriv som seksjon.parameter=verdi, f.eks. schools.radius_m=1200."
            )
        k, v = item.split("=", 1)
        out[k.strip()] = v.strip()
    return out


def load_config(directory: str | os.PathLike | None = None,
                overrides: Mapping[str, Any] | None = None) -> Config:
    """Read every ``*.toml`` in the configuration folder into one :class:`Config`."""
    d = Path(directory) if directory else config_dir()
    if not d.is_dir():
        raise ConfigError(f"Fant ikke konfigurasjonsmappen {d}.")
    data: dict[str, Any] = {}
    for f in sorted(d.glob("*.toml")):
        try:
            with open(f, "rb") as fh:
                data[f.stem] = tomllib.load(fh)
        except tomllib.TOMLDecodeError as e:
            raise ConfigError(
                f"Konfigurasjonsfilen {f} kan ikke leses: {e}. Rett feilen i filen og prøv igjen."
            ) from None
    cfg = Config(data, origin=str(d))
    return cfg.with_overrides(overrides)


@functools.lru_cache(maxsize=1)
def default_config() -> Config:
    """The shipped defaults (``geoplan/config/defaults``), read once per process.

    What an analysis uses when it is called without a :class:`Config` (from a
    notebook, say): every default value lives in those TOML files, with its source,
    and nowhere in the code.
    """
    return load_config(DEFAULT_CONFIG_DIR)
