"""SOSI text -> objects: the head, each object's attributes and coordinates.

The text is split once into objects (a ``.NAME`` at the start of a token) and each
object into its elements (``..NAME``, ``...NAME``), with regular expressions that
run in C; coordinates are converted by numpy in one call per object. Quoted strings
are protected before splitting, so ``"E6 ..Hestbrinken"`` stays one value, and
``!`` comments outside quotes are removed first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from geoplan.errors import UnreadableInput

_QUOTE_OR_COMMENT = re.compile(r'"[^"\n]*"|\'[^\'\n]*\'|![^\n]*')
# both start with a literal dot, so that the regex engine scans for it at C speed; the
# lookbehind after it asks for whitespace (or the start) before the first dot
_OBJECT = re.compile(r"\.(?<!\S\.)(?=[^\W\d_])")
_ELEMENT = re.compile(r"\.(?<!\S\.)(\.{1,5})([^\W\d][\w\-]*)")
_HEAD_NAME = re.compile(r"([^\W\d_][\w\-]*)[ \t]*(\S*)")
_QUOTED = re.compile(r'"([^"\n]*)"|\'([^\'\n]*)\'')
_PLACEHOLDER = re.compile(r"\x00(\d+)\x00")

#: element names that hold coordinates -> their dimension
COORD_DIMS = {"NØ": 2, "NØH": 3, "NØD": 3}

#: the object kinds geoplan turns into features
GEOMETRY_KINDS = {"PUNKT", "KURVE", "LINJE", "BUEP", "FLATE", "TEKST", "SVERM", "SYMBOL"}


class SosiError(UnreadableInput):
    """A SOSI file that cannot be read (Norwegian message with the line number)."""


@dataclass
class SosiObject:
    """One object as written: ``.KURVE 12:`` with its elements."""

    kind: str
    ident: str
    line: int
    attrs: dict[str, str] = field(default_factory=dict)
    refs: list[list[int]] = field(default_factory=list)   # [outer refs, island 1, island 2, ...]
    coords: np.ndarray | None = None                       # (n, 2) N,E as read (units)
    had_height: bool = False
    error: str | None = None
    ref_depth: int = 0                                     # inside an island's parentheses


def strip_comments(text: str) -> str:
    """Remove ``!`` comments outside quoted strings (line breaks are kept)."""
    if "!" not in text:
        return text
    return _QUOTE_OR_COMMENT.sub(lambda m: m.group(0) if m.group(0)[0] != "!" else "", text)


def _protect_quotes(chunk: str) -> tuple[str, list[str]]:
    """Replace quoted strings by ``\\x00N\\x00`` placeholders (returns the strings)."""
    saved: list[str] = []

    def keep(m: re.Match) -> str:
        saved.append(m.group(1) if m.group(1) is not None else m.group(2))
        return f"\x00{len(saved) - 1}\x00"

    return _QUOTED.sub(keep, chunk), saved


def _value(text: str, saved: list[str]) -> str:
    v = " ".join(text.split())
    if saved and "\x00" in v:
        v = _PLACEHOLDER.sub(lambda m: saved[int(m.group(1))], v)
    return v


def _parse_refs(text: str, obj: SosiObject, where: str) -> None:
    """``:1 :-2 (:5 :6)`` -> outer refs and islands, appended to ``obj.refs``."""
    if not obj.refs:
        obj.refs.append([])
    depth = obj.ref_depth
    for tok in text.replace("(", " ( ").replace(")", " ) ").split():
        if tok == "(":
            obj.refs.append([])
            depth = 1
        elif tok == ")":
            depth = 0
        else:
            try:
                n = int(tok.lstrip(":"))
            except ValueError:
                raise SosiError(f"{where}: ugyldig referanse «{tok}» i ..REF (ventet :nummer, "
                                "f.eks. :12 eller :-12).") from None
            (obj.refs[-1] if depth else obj.refs[0]).append(n)
    obj.ref_depth = depth


def _coords(blocks: list[tuple[int, str, int]], obj: SosiObject, name: str) -> None:
    """Coordinate text blocks ``(dim, text, line)`` -> ``obj.coords`` (N, E)."""
    arrays = []
    for dim, text, line in blocks:
        try:
            vals = np.array(text.split(), dtype=np.float64)
        except ValueError:
            bad = next(t for t in text.split() if not _is_number(t))
            line += text.count("\n", 0, text.find(bad))
            obj.error = (f"{name}, linje {line}: ventet koordinater (tall) etter ..NØ"
                         f"{'H' if dim == 3 else ''}, fant «{bad[:30]}»")
            return
        if not np.isfinite(vals).all():
            bad = next(t for t in text.split() if not np.isfinite(float(t)))
            line += text.count("\n", 0, text.find(bad))
            obj.error = (f"{name}, linje {line}: koordinaten «{bad[:30]}» etter ..NØ"
                         f"{'H' if dim == 3 else ''} er ikke et endelig tall")
            return
        if len(vals) % dim:
            obj.error = (f"{name}, linje {line}: {len(vals)} tall etter ..NØ"
                         f"{'H' if dim == 3 else ''} går ikke opp i {dim} per punkt; "
                         "en koordinat mangler")
            return
        pts = vals.reshape(-1, dim)
        if dim == 3:
            obj.had_height = True
        arrays.append(pts[:, :2])
    if arrays:
        obj.coords = arrays[0] if len(arrays) == 1 else np.concatenate(arrays)


def _is_number(t: str) -> bool:
    try:
        float(t)
        return True
    except ValueError:
        return False


def parse_object(chunk: str, line: int, file_label: str) -> SosiObject:
    """One object's text (from its ``.KIND``) -> :class:`SosiObject`.

    long because one loop walks the elements in order: attributes, nested groups,
    coordinates (with ``...KP`` inside them) and references.
    """
    saved: list[str] = []
    if '"' in chunk or "'" in chunk:
        chunk, saved = _protect_quotes(chunk)
    m = _HEAD_NAME.match(chunk, 1)
    kind = m.group(1).upper() if m else "?"
    ident = m.group(2).rstrip(":") if m else ""
    obj = SosiObject(kind=kind, ident=ident, line=line)
    name = f"{file_label}: .{kind} {ident}".rstrip()
    matches = _elements(chunk)
    blocks: list[tuple[int, str, int]] = []
    in_coords = 0
    group: str | None = None
    pos, el_line = 0, line
    for i, el in enumerate(matches):
        level = len(el.group(1)) + 1
        key = el.group(2).upper()
        end = matches[i + 1].start() if i + 1 < len(matches) else len(chunk)
        text = chunk[el.end():end]
        el_line += chunk.count("\n", pos, el.start())
        pos = el.start()
        if level == 2:
            in_coords = COORD_DIMS.get(key, 0)
            group = None
            if in_coords:
                blocks.append((in_coords, text, el_line))
            elif key == "REF":
                _parse_refs(_value(text, saved), obj, f"{name}, linje {el_line}")
            else:
                val = _value(text, saved)
                group = key if val == "" else None
                _add_attr(obj.attrs, key, val)
            continue
        if key == "KP" and in_coords:
            parts = text.split(None, 1)
            if len(parts) > 1:
                blocks.append((in_coords, parts[1], el_line))
            continue
        if group is not None:
            prefix = group
            _add_attr(obj.attrs, key if key not in obj.attrs else f"{prefix}.{key}",
                      _value(text, saved))
        elif in_coords:
            continue   # another level-3 element inside coordinates: ignore
        else:
            _add_attr(obj.attrs, key, _value(text, saved))
    if blocks:
        _coords(blocks, obj, name)
    return obj


_NAME_AT = re.compile(r"(\.{0,4})([^\W\d][\w\-]*)")


class _El:
    """An element found by :func:`_elements` (the parts of a regex match the parser uses)."""

    __slots__ = ("_start", "_end", "dots", "name")

    def __init__(self, start: int, end: int, dots: str, name: str):
        self._start, self._end, self.dots, self.name = start, end, dots, name

    def start(self) -> int:
        return self._start

    def end(self) -> int:
        return self._end

    def group(self, i: int) -> str:
        return self.dots if i == 1 else self.name


def _elements(chunk: str) -> list[_El]:
    """The ``..NAME`` elements of an object, found with ``str.find`` (fast over coordinates)."""
    out: list[_El] = []
    pos = chunk.find("..")
    while pos != -1:
        if pos == 0 or chunk[pos - 1].isspace():
            m = _NAME_AT.match(chunk, pos + 2)
            if m:
                out.append(_El(pos, m.end(), "." + m.group(1), m.group(2)))
                pos = chunk.find("..", m.end())
                continue
        pos = chunk.find("..", pos + 2)
    return out


def _add_attr(attrs: dict[str, str], key: str, val: str) -> None:
    if key in attrs and attrs[key] != "":
        attrs[key] = f"{attrs[key]}; {val}"
    else:
        attrs[key] = val


@dataclass
class Head:
    """What ``.HODE`` says."""

    attrs: dict[str, str]
    koordsys: str | None
    origo_n: float
    origo_e: float
    enhet: float
    version: str | None


def parse_head(obj: SosiObject, file_label: str) -> Head:
    """The head's transformation (ORIGO-NØ, ENHET), KOORDSYS and version."""
    a = obj.attrs
    origo = a.get("ORIGO-NØ", "0 0").split()
    try:
        on, oe = (float(origo[0]), float(origo[1])) if len(origo) >= 2 else (0.0, 0.0)
    except ValueError:
        raise SosiError(f"{file_label}, linje {obj.line}: ugyldig ...ORIGO-NØ «{a.get('ORIGO-NØ')}» "
                        "i .HODE (ventet to tall).") from None
    enh = a.get("ENHET", "1").split()
    try:
        enhet = float(enh[0]) if enh else 1.0
    except ValueError:
        raise SosiError(f"{file_label}, linje {obj.line}: ugyldig ...ENHET «{a.get('ENHET')}» i "
                        ".HODE (ventet et tall, f.eks. 0.01).") from None
    if enhet <= 0:
        raise SosiError(f"{file_label}, linje {obj.line}: ...ENHET må være et positivt tall, "
                        f"ikke «{a.get('ENHET')}».")
    return Head(attrs=a, koordsys=a.get("KOORDSYS"), origo_n=on, origo_e=oe, enhet=enhet,
                version=a.get("SOSI-VERSJON"))


def _object_starts(text: str) -> list[int]:
    """Offsets of every ``.NAME`` that begins a line (or the text), found with ``str.find``."""
    starts = [m.start() for m in _OBJECT.finditer(text, 0, min(len(text), 200))
              if text[:m.start()].strip() == ""][:1]
    pos = text.find("\n.")
    while pos != -1:
        j = pos + 1
        while j < len(text) and text[j] == ".":
            j += 1
        if j == pos + 2 and j < len(text) and text[j].isalpha():
            starts.append(pos + 1)
        pos = text.find("\n.", pos + 2)
    return starts


def split_objects(text: str, file_label: str) -> list[tuple[int, str]]:
    """``[(line, chunk), ...]`` for every object (the head first); refuses a text without ``.HODE``.

    The ``.SLUTT`` object is kept, so the caller can tell whether the file is complete.
    """
    starts = _object_starts(text)
    if not starts or not text[starts[0]:starts[0] + 5].upper().startswith(".HODE"):
        first = text.lstrip()[:40].splitlines()[0] if text.strip() else ""
        raise SosiError(
            f"{file_label} er ikke en SOSI-fil: linje 1 skal begynne med .HODE, men har "
            f"«{first}». Kontroller at du valgte riktig fil.")
    out = []
    line = 1 + text.count("\n", 0, starts[0])
    prev = starts[0]
    for s, e in zip(starts, starts[1:] + [len(text)]):
        line += text.count("\n", prev, s)
        prev = s
        out.append((line, text[s:e]))
    return out
