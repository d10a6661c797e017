"""``read_sosi``: a SOSI text file (``.sos``) -> one GeoDataFrame per object type.

Pure Python and numpy (no FYBA, no GDAL). Every object becomes a feature of its
kind -- ``.FLATE`` a polygon, ``.KURVE``/``.LINJE``/``.BUEP`` a line, ``.PUNKT``
and ``.TEKST`` a point, ``.SVERM`` a multipoint -- with its attributes as columns;
what cannot be used is counted in :attr:`SosiData.skipped` and named in
:attr:`SosiData.notes`, so that read = kept + skipped always holds.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS

from geoplan.errors import os_reason
from geoplan.io.sosi.encoding import LABEL, decode
from geoplan.io.sosi.geometry import (
    arc_points,
    build_lines,
    build_polygons,
    ring_area,
    rings_from_refs,
)
from geoplan.io.sosi.koordsys import koordsys_epsg
from geoplan.io.sosi.parser import (
    GEOMETRY_KINDS,
    SosiError,
    SosiObject,
    parse_head,
    parse_object,
    split_objects,
    strip_comments,
)

_INT = re.compile(r"^-?(?:0|[1-9]\d*)$")
_FLOAT = re.compile(r"^-?\d+\.\d+$")
_LIST = 3   # how many objects a message names


@dataclass
class SosiData:
    """What :func:`read_sosi` found in one file."""

    source: str
    layers: dict[str, gpd.GeoDataFrame]
    crs: CRS | None
    crs_problem: str | None
    encoding: str
    declared_encoding: str | None
    version: str | None
    n_objects: int
    skipped: Counter = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)

    @property
    def n_features(self) -> int:
        return sum(len(g) for g in self.layers.values())

    @property
    def n_skipped(self) -> int:
        return sum(self.skipped.values())


def _objtype(o: SosiObject) -> str:
    t = o.attrs.pop("OBJTYPE", "").strip()
    if t:
        return t
    tema = o.attrs.get("TEMA", "").strip()
    return f"TEMA {tema}" if tema else o.kind.capitalize()


def _scale(o: SosiObject, head) -> np.ndarray:
    """(N, E) as written -> (x, y) in metres with ORIGO-NØ and ENHET applied."""
    c = o.coords
    assert c is not None
    return np.column_stack([c[:, 1] * head.enhet + head.origo_e, c[:, 0] * head.enhet + head.origo_n])


def _typed(values: list) -> pd.Series | list:
    """A column as integers or decimals when every value is one (codes with a leading zero stay text)."""
    present = [v for v in values if v is not None and v != ""]
    if not present:
        return values
    if all(_INT.match(v) for v in present):
        if any(len(v) > 18 for v in present):   # beyond int64: a code, kept as text (fuzzer)
            return values
        return pd.array([int(v) if v not in (None, "") else None for v in values], dtype="Int64")
    if all(_INT.match(v) or _FLOAT.match(v) for v in present):
        return [float(v) if v not in (None, "") else np.nan for v in values]
    return values


def _frame(rows: list[tuple[SosiObject, object]], crs: CRS | None) -> gpd.GeoDataFrame:
    keys: dict[str, None] = {}
    for o, _g in rows:
        keys.update(dict.fromkeys(o.attrs))
    data: dict[str, object] = {"sosi_id": [o.ident for o, _ in rows],
                               "sosi_objekt": [o.kind for o, _ in rows]}
    for k in keys:
        if k in data:
            continue
        data[k] = _typed([o.attrs.get(k) for o, _ in rows])
    return gpd.GeoDataFrame(data, geometry=[g for _, g in rows], crs=crs)


class _Builder:
    """Turns parsed objects into geometries, counting what it must leave out."""

    def __init__(self, head, label: str):
        self.head = head
        self.label = label
        self.skipped: Counter = Counter()
        self.examples: dict[str, list[str]] = {}
        self.height = 0
        self.island_open: list[str] = []

    def skip(self, reason: str, example: str) -> None:
        self.skipped[reason] += 1
        self.examples.setdefault(reason, [])
        if len(self.examples[reason]) < _LIST:
            self.examples[reason].append(example)

    def xy(self, objs: list[SosiObject]) -> dict[int, np.ndarray]:
        """Scaled coordinates per object id (curves, arcs, points); drops broken objects."""
        out: dict[int, np.ndarray] = {}
        for o in objs:
            if o.coords is None or o.error:
                continue
            xy = _scale(o, self.head)
            if o.kind == "BUEP":
                xy = arc_points(xy)
            try:
                out[int(o.ident)] = xy
            except ValueError:
                pass
        return out

    def shell_of(self, o: SosiObject, curves, shells, cache) -> list[np.ndarray] | None:
        key = id(o)
        if key in cache:
            return cache[key]
        cache[key] = None
        outer, missing = rings_from_refs(o.refs[0] if o.refs else [], curves, shells)
        if missing is not None:
            self.skip("ref", f".FLATE {o.ident} viser til objekt {missing}, som ikke finnes i filen")
            return None
        if not outer:
            self.skip("open", f".FLATE {o.ident} (linje {o.line})")
            return None
        outer.sort(key=ring_area, reverse=True)
        rings = [outer[0]]
        for isl in o.refs[1:]:
            holes, missing = rings_from_refs(isl, curves, shells)
            if missing is not None:
                self.skip("ref", f"øya i .FLATE {o.ident} viser til objekt {missing}, som ikke finnes")
                return None
            if not holes:
                self.island_open.append(f".FLATE {o.ident} (linje {o.line})")
            rings.extend(holes)
        cache[key] = rings
        return rings

    def _surfaces(self, flates: list[SosiObject], curves) -> tuple[dict, dict]:
        """Outer rings of surfaces that other surfaces use as islands, and the ring cache."""
        shells: dict[int, np.ndarray] = {}
        cache: dict[int, list[np.ndarray] | None] = {}
        by_id = {int(o.ident): o for o in flates if o.ident.lstrip("-").isdigit()}
        referenced = {abs(r) for o in flates for g in o.refs[1:] for r in g} & set(by_id)
        for fid in referenced:
            rings = self.shell_of(by_id[fid], curves, {}, cache)
            if rings:
                shells[fid] = rings[0]
        return shells, cache

    def _one(self, o: SosiObject, curves, shells, cache) -> tuple[str, object] | None:
        """``("line" | "flate" | "point", geometry data)`` for one object, or None (counted)."""
        from shapely import multipoints, points

        if o.kind == "FLATE":
            if not o.refs or not o.refs[0]:
                self.skip("noref", f".FLATE {o.ident} (linje {o.line})")
                return None
            rings = cache[id(o)] if id(o) in cache else self.shell_of(o, curves, shells, cache)
            return ("flate", rings) if rings else None
        if o.coords is None or len(o.coords) == 0:
            self.skip("nocoord", f".{o.kind} {o.ident} (linje {o.line})")
            return None
        if o.kind in ("KURVE", "LINJE", "BUEP"):
            xy = curves.get(int(o.ident)) if o.ident.isdigit() else _scale(o, self.head)
            if xy is None or len(xy) < 2:
                self.skip("short", f".{o.kind} {o.ident} (linje {o.line})")
                return None
            return "line", xy
        if o.kind == "SVERM":
            return "point", multipoints(_scale(o, self.head))
        return "point", points(_scale(o, self.head)[0])   # PUNKT, TEKST, SYMBOL

    def build(self, objs: list[SosiObject], crs: CRS | None) -> dict[str, gpd.GeoDataFrame]:
        """One frame per object type; every object is either in one or counted as skipped."""
        curves = self.xy([o for o in objs if o.kind in ("KURVE", "LINJE", "BUEP")])
        shells, cache = self._surfaces([o for o in objs if o.kind == "FLATE" and not o.error], curves)
        rows: dict[str, list[tuple[SosiObject, object]]] = {"line": [], "flate": [], "point": []}
        for o in objs:
            if o.error:
                self.skip("error", o.error)
                continue
            self.height += o.had_height
            got = self._one(o, curves, shells, cache)
            if got is not None:
                rows[got[0]].append((o, got[1]))
        geoms: dict[str, Any] = {"line": build_lines([g for _, g in rows["line"]]),  # type: ignore[misc]
                 "flate": build_polygons([g for _, g in rows["flate"]]),  # type: ignore[misc]
                 "point": [g for _, g in rows["point"]]}
        by_type: dict[str, list[tuple[SosiObject, object]]] = {}
        for kind in ("line", "flate", "point"):
            for (o, _), g in zip(rows[kind], geoms[kind]):
                by_type.setdefault(o.attrs.pop("\x00t", ""), []).append((o, g))
        return {t: _frame(r, crs) for t, r in by_type.items()}

    def notes(self) -> list[str]:
        words = {
            "error": "objekt(er) med feil i koordinatene er ikke tatt med",
            "ref": "flate(r) viser til kurver som mangler og er ikke tatt med",
            "open": "flate(r) har avgrensningskurver som ikke lukker seg og er ikke tatt med",
            "noref": "flate(r) uten ..REF (ingen avgrensning) er ikke tatt med",
            "nocoord": "objekt(er) uten koordinater er ikke tatt med",
            "short": "kurve(r) med bare ett punkt er ikke tatt med",
            "kind": "objekt(er) er ikke geodata (f.eks. .DEF/.OBJDEF) og er hoppet over",
        }
        out = []
        for reason, n in self.skipped.items():
            ex = "; ".join(self.examples.get(reason, []))
            out.append(f"{n} {words.get(reason, reason)}" + (f": {ex}" + (" …" if n > _LIST else "")
                                                              if ex else "") + ".")
        if self.island_open:
            n = len(self.island_open)
            out.append(f"{n} flate(r) har en øy (hull) som ikke lukker seg; flaten er tatt med uten "
                       f"øya: {'; '.join(self.island_open[:_LIST])}{' …' if n > _LIST else ''}.")
        if self.height:
            out.append(f"{self.height} objekt(er) har høyde (..NØH); høyden er droppet og "
                       "geometrien lest i 2D.")
        return out


def _read_bytes(source: str | os.PathLike | bytes) -> tuple[bytes, str]:
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source), "SOSI-dataene"
    p = Path(source)
    try:
        return p.read_bytes(), p.name
    except OSError as e:
        raise SosiError(f"Filen {p} kan ikke leses ({os_reason(e)}).") from None


def read_sosi(source: str | os.PathLike | bytes, *, name: str | None = None) -> SosiData:
    """Read a SOSI text file (a path, or its bytes).

    Parameters
    ----------
    source
        The path of a ``.sos`` file, or the file's bytes.
    name
        What messages call the file (default: its file name, or «SOSI-dataene»).

    Returns
    -------
    :class:`SosiData`: one GeoDataFrame per ``..OBJTYPE`` (attributes as columns,
    ``sosi_id`` and ``sosi_objekt`` added), the CRS from ``...KOORDSYS`` (None with
    ``crs_problem`` saying why), the character set used, and what was skipped.

    Raises
    ------
    SosiError
        (an :class:`~geoplan.errors.UnreadableInput`) when the file is not SOSI, is
        truncated (no ``.SLUTT``) or its head is malformed; the message is Norwegian
        and names the line.
    """
    raw, label = _read_bytes(source)
    label = name or label
    if not raw.strip():
        raise SosiError(f"{label} er tom. Eksporter SOSI-filen på nytt.")
    text, codec, declared, enc_note = decode(raw)
    text = strip_comments(text)
    chunks = split_objects(text, label)
    head = parse_head(parse_object(chunks[0][1], chunks[0][0], label), label)
    last_line, last = chunks[-1]
    complete = last.upper().startswith(".SLUTT")
    body = chunks[1:-1] if complete else chunks[1:]
    epsg, crs_text = koordsys_epsg(head.koordsys)
    builder = _Builder(head, label)
    objs: list[SosiObject] = []
    for line, chunk in body:
        o = parse_object(chunk, line, label)
        if o.kind not in GEOMETRY_KINDS:
            builder.skip("kind", f".{o.kind} (linje {line})")
            continue
        o.attrs["\x00t"] = _objtype(o)
        objs.append(o)
    crs = CRS.from_epsg(epsg) if epsg else None
    layers = builder.build(objs, crs)
    notes = ([enc_note] if enc_note else []) + builder.notes()
    if not complete:
        notes.append(f"Filen slutter uten .SLUTT: den kan være avkortet. Siste objekt (linje "
                     f"{last_line}) er lest som det står; hent filen på nytt hvis noe mangler.")
    return SosiData(source=label, layers=layers, crs=crs, crs_problem=None if epsg else crs_text,
                    encoding=LABEL.get(codec, codec), declared_encoding=declared,
                    version=head.version, n_objects=len(body), skipped=builder.skipped,
                    notes=notes)
