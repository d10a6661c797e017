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
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

from geoplan.errors import ConfigError
from geoplan.numbers import read_number

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
        marked as changed for this run. Every value is checked against the
        schema of the shipped defaults (:mod:`geoplan.config.schema`): its type,
        a finite number, its range; a table cannot be overridden by a value.
        """
        if not overrides:
            return self
        data = copy.deepcopy(self._data)
        for dotted, value in overrides.items():
            parts = str(dotted).split(".")
            node = data
            for part in parts[:-1]:
                if part not in node or not isinstance(node[part], dict) or _is_param(node[part]):
                    raise ConfigError(
                        f"Kan ikke overstyre «{dotted}»: «{part}» finnes ikke i konfigurasjonen."
                    )
                node = node[part]
            last = parts[-1]
            if last not in node:
                raise ConfigError(
                    f"Kan ikke overstyre «{dotted}»: parameteren finnes ikke. "
                    "Se «geoplan check --json» eller config/ for gyldige navn."
                )
            if _is_param(node[last]):
                old = node[last]["value"]
                new = _coerce(value, old, dotted)
                _check_override(dotted, new, value)
                node[last]["value"] = new
                src = node[last].get("source", "")
                node[last]["source"] = f"{src} (overstyrt for denne kjøringen)".strip()
            elif isinstance(node[last], dict):
                raise ConfigError(
                    f"Kan ikke overstyre «{dotted}» med «{value}»: det er en tabell med flere "
                    "verdier, ikke én parameter. Overstyr parameterne i den hver for seg "
                    f"(f.eks. {dotted}.{next(iter(node[last]), 'navn')}=verdi), "
                    "eller endre filen under config/.")
            elif isinstance(node[last], list) and any(isinstance(x, dict) for x in node[last]):
                raise ConfigError(
                    f"Kan ikke overstyre «{dotted}» med «{value}»: det er en liste av tabeller "
                    f"([[{last}]]), som bare kan endres i filen {parts[0]}.toml under config/.")
            else:
                new = _coerce(value, node[last], dotted)
                _check_override(dotted, new, value)
                node[last] = new
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
            return _whole(value)
        if isinstance(like, float):
            return _finite(value)
        if isinstance(like, list):
            return _list(value, like)
    except (ValueError, TypeError, OverflowError):
        from geoplan.config.schema import kind_of, type_name
        what = "et endelig tall (ikke inf eller nan)" if isinstance(like, float) else \
            type_name(kind_of(like))
        if isinstance(like, list) and like:
            what += f" av {type_name(kind_of(like[0]))}, skilt med komma"
        raise ConfigError(
            f"Ugyldig verdi «{value}» for «{dotted}»: forventet {what}."
        ) from None
    return value


def _finite(text: str) -> float:
    """A number typed after ``--set key=``, read as everywhere else
    (:func:`geoplan.numbers.read_number`: «1 500», «2,5»)."""
    v = read_number(text)
    if v is None:
        raise ValueError(text)
    return v


def _whole(text: str) -> int:
    v = _finite(text)
    if not v.is_integer():
        raise ValueError(text)
    return int(v)


def _list(text: str, like: list) -> list:
    t = text.strip()
    if t.startswith("["):
        try:
            v = tomllib.loads(f"v = {t}")["v"]
        except tomllib.TOMLDecodeError:
            raise ValueError(text) from None
        return list(v)
    parts = [p.strip() for p in t.split(";" if ";" in t else ",") if p.strip()]
    if not like:
        return parts
    first = like[0]
    conv = (_whole if isinstance(first, int) and not isinstance(first, bool) else
            _finite if isinstance(first, float) else str)
    return [conv(p) for p in parts]


def _check_override(dotted: str, new: Any, given: Any) -> None:
    """Refuse an override the shipped defaults' schema does not allow."""
    from geoplan.config import schema

    node = _schema_node(dotted)
    if node is None:
        return
    msg = schema.check_value(new, node, dotted)
    if msg:
        raise ConfigError(
            f"Ugyldig verdi «{given}» for «{dotted}»: {msg}. Verdien er ikke brukt; "
            "rett den og kjør på nytt.")


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
    """Read every ``*.toml`` in the configuration folder into one :class:`Config`.

    Each file must be UTF-8 TOML whose keys are keys of the shipped defaults,
    each value of its default's type and within its range
    (:mod:`geoplan.config.schema`); a file that is not is named with the line.
    """
    d = Path(directory) if directory else config_dir()
    if not d.is_dir():
        raise ConfigError(f"Fant ikke konfigurasjonsmappen {d}.")
    data: dict[str, Any] = {}
    for f in sorted(d.glob("*.toml")):
        text = _read_text(f)
        data[f.stem] = _parse_toml(f, text)
        _check_file(f, text, data[f.stem])
    cfg = Config(data, origin=str(d))
    return cfg.with_overrides(overrides)


_TOML_NO = [
    ("Invalid value", "ugyldig verdi (tekst må stå i anførselstegn, tall med desimalpunktum)"),
    ("Expected '=' after a key", "mangler «=» etter nøkkelen"),
    ("Cannot overwrite a value", "nøkkelen er gitt to ganger"),
    ("Cannot declare", "tabellen er gitt to ganger"),
    ("Expected ']'", "mangler «]»"),
    ("Unclosed array", "listen mangler «]»"),
    ("Unterminated string", "tekst uten avsluttende anførselstegn"),
    ("Illegal character", "ulovlig tegn"),
    ("Invalid initial character for a key part", "ugyldig tegn i en nøkkel"),
]


def _read_text(f: Path) -> str:
    try:
        raw = f.read_bytes()
    except OSError:
        raise ConfigError(f"Konfigurasjonsfilen {f} kan ikke leses (ingen lesetilgang?).") from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw[:e.start].count(b"\n") + 1
        raise ConfigError(
            f"Konfigurasjonsfilen {f}, linje {line}: filen er ikke lagret som UTF-8 "
            f"(byte 0x{raw[e.start]:02x}, trolig æ, ø eller å i Latin-1/Windows-1252). "
            "Lagre filen som UTF-8 og prøv igjen.") from None


@functools.lru_cache(maxsize=64)
def _loads(text: str) -> dict:
    """A TOML text parsed once per process (the shipped defaults are read by
    :func:`default_config`, :func:`_schemas` and again by every :func:`load_config`
    of the default folder); callers get a deep copy."""
    return tomllib.loads(text)


def toml_error_no(e: tomllib.TOMLDecodeError) -> tuple[str, str]:
    """``(", linje L, kolonne K", what is wrong)`` of a TOML error, in Norwegian (tomllib's
    own words are English)."""
    msg = str(e)
    m = re.search(r"\(at line (\d+), column (\d+)\)", msg)
    where = f", linje {m.group(1)}, kolonne {m.group(2)}" if m else ""
    return where, next((no for en, no in _TOML_NO if msg.startswith(en)), "ugyldig TOML-syntaks")


def _parse_toml(f: Path, text: str) -> dict:
    try:
        return copy.deepcopy(_loads(text))
    except tomllib.TOMLDecodeError as e:
        where, what = toml_error_no(e)
        raise ConfigError(
            f"Konfigurasjonsfilen {f}{where} kan ikke leses: {what}. "
            "Rett feilen i filen og prøv igjen."
        ) from None


def _check_file(f: Path, text: str, data: dict) -> None:
    """Refuse a file whose section, keys, types or values the defaults' schema does not allow."""
    from geoplan.config import schema

    schemas = _schemas()
    if not schemas:
        return
    node = schemas.get(f.stem)
    if node is None:
        raise ConfigError(
            f"Konfigurasjonsfilen {f} er ukjent: geoplan leser {', '.join(f'{k}.toml' for k in schemas)}. "
            "Gi filen riktig navn eller fjern den.")
    problems = schema.check_section(data, node, "")
    if problems:
        key, msg = problems[0]
        line = _line_of(text, key)
        where = f", linje {line}" if line else ""
        more = f" (og {len(problems) - 1} feil til)" if len(problems) > 1 else ""
        shown = key[:-len(".value")] if key.endswith(".value") else key
        raise ConfigError(
            f"Konfigurasjonsfilen {f}{where}: «{f.stem}.{shown}» {msg}{more}. "
            "Rett filen og prøv igjen.")


@functools.lru_cache(maxsize=1)
def _schemas() -> dict:
    """Section name -> schema, built from the shipped defaults (read directly, once)."""
    from geoplan.config import schema

    out = {}
    for f in sorted(DEFAULT_CONFIG_DIR.glob("*.toml")):
        out[f.stem] = schema.build(copy.deepcopy(_loads(f.read_bytes().decode("utf-8"))), f.stem)
    return out


def _schema_node(dotted: str):
    """The schema node of a dotted key (None when the section is not a shipped one)."""
    parts = dotted.split(".")
    node = _schemas().get(parts[0])
    for part in parts[1:]:
        if node is None:
            return None
        node = node.item if node.kind == "entries" else node.children.get(part)
    return node


_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?")
_ASSIGN = re.compile(r"^\s*([A-Za-z0-9_\-.\"' æøåÆØÅ]+?)\s*=")


def _line_of(text: str, key: str) -> int | None:
    """The line (1-based) where dotted ``key`` (``a.b``, ``criteria[2].kind``) is set in ``text``."""
    want = key.replace("[", ".[").split(".")
    counts: dict[str, int] = {}
    header: list[str] = []
    best: tuple[int, int] | None = None   # (matched parts, line)
    for no, line in enumerate(text.splitlines(), 1):
        h = _HEADER.match(line)
        if h:
            name = h.group(2).replace('"', "").split(".")
            if h.group(1) == "[[":
                i = counts.get(h.group(2), 0)
                counts[h.group(2)] = i + 1
                name = [*name, f"[{i}]"]
            header = name
            path = header
        else:
            a = _ASSIGN.match(line)
            if not a or line.lstrip().startswith("#"):
                continue
            path = [*header, *a.group(1).replace('"', "").strip().split(".")]
        n = 0
        while n < min(len(path), len(want)) and path[n] == want[n]:
            n += 1
        if n == len(path) and (best is None or n > best[0]):
            best = (n, no)
            if n == len(want):
                break
    return best[1] if best else None


@functools.lru_cache(maxsize=1)
def default_config() -> Config:
    """The shipped defaults (``geoplan/config/defaults``), read once per process.

    What an analysis uses when it is called without a :class:`Config` (from a
    notebook, say): every default value lives in those TOML files, with its source,
    and nowhere in the code.
    """
    return load_config(DEFAULT_CONFIG_DIR)
