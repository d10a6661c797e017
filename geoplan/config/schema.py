"""The configuration's schema, derived from the shipped defaults.

Every key a configuration file or an override may set is a key of the shipped
defaults (``config/defaults/*.toml``), with the type of its default value: a
key another module adds to the defaults is known at once, with no list to keep
in step. On top of the types, a parameter's number must be finite and inside
a range: ``min``/``max`` in its table when the defaults give them, otherwise a
range derived from its ``unit`` (a percentage is 0-100, a distance in metres is
above 0 and at most 100 km, a year 1900-2200, ...), and a few named exceptions.

Three kinds of tables are recognised in the defaults:

* a **parameter** (a table with ``value``): its ``value`` typed and ranged, its
  other keys (``unit``, ``label``, ``source``, ``assumption``) typed;
* a **table of named entries** (``reserves.steder``: every entry a table of the
  same shape): any entry name is allowed, each entry checked against the shape;
* an **array of tables** (``sites.criteria``): each element's keys must be keys
  some default element has, with the same type.

:func:`check_section` returns the problems as ``(dotted key, message)`` pairs;
the loader adds the file and line.
"""

from __future__ import annotations

import builtins
import math
from dataclasses import dataclass, field
from typing import Any

#: value ranges derived from a parameter's unit: (low, high, low is exclusive)
UNIT_RANGES: dict[str, tuple[float, float, bool]] = {
    "%": (0.0, 100.0, False),
    "m": (0.0, 100_000.0, True),
    "MB": (0.0, 100_000.0, True),
    "forhold": (0.0, 1e6, True),
    "enheter": (0.0, 1e6, False),
    "boenheter": (0.0, 1e6, False),
    "personer": (0.0, 1e8, True),
    "år": (1900.0, 2200.0, False),
    "andel per år": (-0.5, 0.5, False),
    "andel av veksten": (0.0, 1.0, False),
    # plausibility, not a rule: the densest Norwegian housing (high-rise blocks in city
    # centres) has some 15–25 dwellings per daa; above 50 is a typing error (municipal choice)
    "boenheter per daa": (0.0, 50.0, True),
    "personer per boenhet": (0.0, 20.0, True),
    "vekt": (0.0, 100.0, False),
    "p": (0.0, 1.0, True),
    "permutasjoner": (0.0, 9999.0, False),
    "naboer": (1.0, 100.0, False),
    "segmenter per kvartsirkel": (1.0, 256.0, False),
    "SOSI-kode": (0.0, 9999.0, False),
    "EPSG": (0.0, 999_999.0, False),
}

#: parameters whose range is not their unit's (dotted key -> (low, high, low exclusive))
KEY_RANGES: dict[str, tuple[float, float, bool]] = {
    "reserves.quarry_buffer_m": (0.0, 100_000.0, False),
    "app.simplify_m": (0.0, 1000.0, False),
    "concentration.bygning_treff_avstand_m": (0.0, 1000.0, False),
    "kommune.min_count_public": (0.0, 1000.0, False),   # 0 is refused by config.kommune
    "concentration.klynge_seed": (0.0, 2.0**32 - 1, False),
}

#: bounds of every whole number without a range (no 64-bit wrap-around)
INT_LIMIT = 2**31 - 1
#: keys every parameter table may hold besides ``value``; the keys any default
#: parameter has are added as the defaults are read (:func:`build`)
PARAM_KEYS: dict[str, type] = {"unit": str, "label": str, "source": str, "assumption": bool,
                               "min": float, "max": float}

_TYPE_NO = {bool: "ja/nei (true/false)", int: "et heltall", float: "et tall", str: "tekst",
            list: "en liste", dict: "en tabell"}


def type_name(t: type) -> str:
    return _TYPE_NO.get(t, t.__name__)


def kind_of(v: Any) -> type:
    for t in (bool, int, float, str, list, dict):
        if isinstance(v, t):
            return t
    return type(v)


@dataclass
class Node:
    """The schema of one key: ``param``, ``table``, ``entries``, ``array`` or ``leaf``."""

    kind: str
    type: "builtins.type" = object
    elem: "builtins.type | None" = None
    unit: str = ""
    range: tuple[float, float, bool] | None = None
    children: dict[str, "Node"] = field(default_factory=dict)
    item: "Node | None" = None
    keys: "dict[str, set[builtins.type]]" = field(default_factory=dict)


def _is_param(v: Any) -> bool:
    return isinstance(v, dict) and "value" in v


def _leaf(v: Any) -> Node:
    elem = kind_of(v[0]) if isinstance(v, list) and v else None
    return Node("leaf", type=kind_of(v), elem=elem)


def _param(dotted: str, v: dict) -> Node:
    val = v["value"]
    n = _leaf(val)
    n.kind, n.unit = "param", str(v.get("unit", ""))
    if "min" in v or "max" in v:
        n.range = (float(v.get("min", -math.inf)), float(v.get("max", math.inf)), False)
    else:
        n.range = KEY_RANGES.get(dotted) or UNIT_RANGES.get(n.unit)
    n.children = {k: _leaf(x) for k, x in v.items() if k != "value"}
    for k, c in n.children.items():
        PARAM_KEYS.setdefault(k, c.type)
    return n


def _entries(v: dict) -> bool:
    """A table of named entries: at least two, every one a non-parameter table of one shape."""
    vals = list(v.values())
    return (len(vals) >= 2 and all(isinstance(x, dict) and not _is_param(x) for x in vals)
            and len({tuple(sorted(x)) for x in vals}) == 1)


def build(data: Any, dotted: str = "") -> Node:
    """The schema of ``data`` (a defaults section or any node in it)."""
    if _is_param(data):
        return _param(dotted, data)
    if isinstance(data, dict):
        if _entries(data):
            first = next(iter(data.values()))
            return Node("entries", item=build(first, dotted + ".*"))
        return Node("table", children={k: build(x, f"{dotted}.{k}" if dotted else k)
                                       for k, x in data.items()})
    if isinstance(data, list) and data and all(isinstance(x, dict) for x in data):
        keys: dict[str, set[type]] = {}
        for el in data:
            for k, x in el.items():
                keys.setdefault(k, set()).add(kind_of(x))
        return Node("array", keys=keys)
    return _leaf(data)


def number(x: float) -> str:
    """A number the Norwegian way (config may not import ``present.text``): 1 000 000, 0,05."""
    if isinstance(x, float) and not math.isfinite(x):
        return repr(x)
    if float(x).is_integer() and abs(x) < 1e16:
        return f"{int(x):,}".replace(",", "\u00a0")
    return f"{x:,.6g}".replace(",", "\u00a0").replace(".", ",")


def _range_text(r: tuple[float, float, bool]) -> str:
    lo, hi, open_lo = r
    return f"{'over' if open_lo else 'fra og med'} {number(lo)} og høyst {number(hi)}"


def _type_ok(v: Any, t: type) -> bool:
    k = kind_of(v)
    return k is t or (t is float and k is int) or t is object


def toml_literal(v: Any) -> str:
    """A value as it is written in a TOML file (``true``, ``"tekst"``, ``[1.5, 2]``): what a
    message about a configuration value shows, so the user finds it in the file, not
    Python's ``True`` or ``'tekst'``."""
    import json

    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, (int, float)):
        return repr(v) if math.isfinite(v) else ("nan" if v != v else ("inf" if v > 0 else "-inf"))
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(toml_literal(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{k} = {toml_literal(x)}" for k, x in v.items()) + " }"
    return "ingen verdi" if v is None else json.dumps(str(v), ensure_ascii=False)


def check_value(v: Any, node: Node, dotted: str) -> str | None:
    """Why ``v`` is not a valid value of ``node`` (a parameter or leaf), or None."""
    if not _type_ok(v, node.type):
        return f"skal være {type_name(node.type)}, men er {type_name(kind_of(v))} ({toml_literal(v)})"
    items = v if isinstance(v, list) else [v]
    for x in items:
        if isinstance(v, list) and node.elem is not None and not _type_ok(x, node.elem):
            return (f"skal være en liste av {type_name(node.elem)}, men har "
                    f"{type_name(kind_of(x))} ({toml_literal(x)})")
        if isinstance(x, bool) or not isinstance(x, (int, float)):
            continue
        if isinstance(x, float) and not math.isfinite(x):
            return f"skal være et endelig tall, men er {toml_literal(x)}"
        if node.range is not None:
            lo, hi, open_lo = node.range
            if x < lo or x > hi or (open_lo and x == lo):
                unit = f" {node.unit}" if node.unit else ""
                return f"skal være {_range_text(node.range)}{unit}, men er {number(x)}"
        elif isinstance(x, int) and abs(x) > INT_LIMIT:
            return f"er for stort ({number(x)}); høyst {number(INT_LIMIT)}"
    return None


def _check_param(data: Any, node: Node, dotted: str) -> list[tuple[str, str]]:
    if not isinstance(data, dict) or "value" not in data:
        return [(dotted, "skal være en parameter-tabell med «value»")]
    out = []
    msg = check_value(data["value"], node, dotted)
    if msg:
        out.append((dotted + ".value", msg))
    for k, x in data.items():
        if k == "value":
            continue
        sub = node.children.get(k)
        if sub is None and k in PARAM_KEYS:
            sub = Node("leaf", type=PARAM_KEYS[k])
        if sub is None:
            out.append((f"{dotted}.{k}", "er en ukjent nøkkel i en parameter "
                        f"(kjente: value, {', '.join(sorted(PARAM_KEYS))})"))
        elif (m := check_value(x, sub, f"{dotted}.{k}")):
            out.append((f"{dotted}.{k}", m))
    return out


def _check_table(data: Any, node: Node, dotted: str) -> list[tuple[str, str]]:
    if not isinstance(data, dict) or _is_param(data):
        return [(dotted, f"skal være en tabell, men er {type_name(kind_of(data))}")]
    out: list[tuple[str, str]] = []
    for k, x in data.items():
        key = f"{dotted}.{k}" if dotted else k
        sub = node.item if node.kind == "entries" else node.children.get(k)
        if sub is None:
            known = ", ".join(sorted(node.children)) or "–"
            out.append((key, f"er en ukjent nøkkel (kjente nøkler her: {known})"))
            continue
        out += check_section(x, sub, key)
    return out


def _check_array(data: Any, node: Node, dotted: str) -> list[tuple[str, str]]:
    if not isinstance(data, list) or not all(isinstance(x, dict) for x in data):
        return [(dotted, "skal være en liste av tabeller ([[...]])")]
    out = []
    for i, el in enumerate(data):
        for k, x in el.items():
            types = node.keys.get(k)
            if types is not None and int in types:
                types = types | {float}   # a threshold given as 2.5 where the defaults have 3
            key = f"{dotted}[{i}].{k}"
            if types is None:
                out.append((key, f"er en ukjent nøkkel (kjente: {', '.join(sorted(node.keys))})"))
            elif not any(_type_ok(x, t) for t in types):
                want = " eller ".join(type_name(t) for t in sorted(types, key=str))
                out.append((key, f"skal være {want}, men er {type_name(kind_of(x))} ({toml_literal(x)})"))
            elif isinstance(x, float) and not math.isfinite(x):
                out.append((key, f"skal være et endelig tall, men er {toml_literal(x)}"))
    return out


def check_section(data: Any, node: Node, dotted: str) -> list[tuple[str, str]]:
    """Every problem of ``data`` against ``node``: ``[(dotted key, Norwegian message)]``."""
    if node.kind == "param":
        return _check_param(data, node, dotted)
    if node.kind in ("table", "entries"):
        return _check_table(data, node, dotted)
    if node.kind == "array":
        return _check_array(data, node, dotted)
    msg = check_value(data, node, dotted)
    return [(dotted, msg)] if msg else []

