"""GML (SOSI-GML and other simple-feature GML) read in Python, without GDAL.

GDAL's GML driver writes a ``.gfs`` file beside its input, gives up on TIN
(«Geometry type is not supported: 2147483648»), reports EPSG v12 codes the
pinned pyproj does not know, and sees one CRS per layer. :func:`read_gml` parses
the XML itself (``xml.etree.ElementTree.iterparse``, C speed): one frame per
feature type, attributes as columns (nested ones flattened to their leaf names,
links as ``<name>_href``), each geometry's ``srsName`` read where it stands
(:func:`geoplan.io.crs.crs_from_srs_name`), heights dropped with a note,
triangulated surfaces and other types it cannot use counted, never hidden.
"""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from geoplan.errors import UnreadableInput, os_reason, xml_error_at
from geoplan.io.crs import axis_swapped, crs_from_srs_name, crs_label
from geoplan.io.sosi.geometry import arc_points

GML_NS = ("http://www.opengis.net/gml/3.2", "http://www.opengis.net/gml")
XLINK = "{http://www.w3.org/1999/xlink}href"
_MEMBERS = {"featureMember", "member", "featureMembers"}
_SKIP_GEOM = {"TriangulatedSurface", "Tin", "Solid", "CompositeSolid", "MultiSolid", "Triangle"}


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _is_gml(el: ET.Element) -> bool:
    return el.tag.startswith("{http://www.opengis.net/gml")


@dataclass
class GmlData:
    """What :func:`read_gml` found: one frame per feature type, with what it left out."""

    source: str
    layers: dict[str, gpd.GeoDataFrame]
    counts: Counter                         # features per type in the file
    skipped: Counter = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)
    srs_names: Counter = field(default_factory=Counter)


class GmlValueError(ValueError):
    """A geometry geoplan's GML reader cannot read, said in Norwegian."""


class _Geom:
    """Geometry parsing with the inherited srsName / srsDimension."""

    def __init__(self, default_srs: str | None, default_dim: int | None):
        self.default_srs = default_srs
        self.default_dim = default_dim
        self.had_height = False

    def coords(self, el: ET.Element, dim: int) -> np.ndarray:
        pos_list = [c for c in el if _local(c.tag) in ("posList", "pos", "coordinates")]
        vals: list[np.ndarray] = []
        for c in pos_list:
            d = _dimension(c.get("srsDimension"), dim)
            text = (c.text or "").strip()
            if _local(c.tag) == "coordinates":   # GML 2: "x,y x,y"
                arr = _numbers(text.replace(",", " ").split())
                d = 3 if dim == 3 and text and len(text.split()[0].split(",")) == 3 else 2
            else:
                arr = _numbers(text.split())
            if d == 3:
                self.had_height = True
            if len(arr) % d:
                raise GmlValueError(f"{len(arr)} tall går ikke opp i {d} per punkt")
            vals.append(arr.reshape(-1, d)[:, :2])
        if not vals:
            return np.empty((0, 2))
        return vals[0] if len(vals) == 1 else np.concatenate(vals)

    def ring(self, el: ET.Element, dim: int) -> np.ndarray:
        """A LinearRing or a Ring of curve members."""
        if _local(el.tag) == "LinearRing":
            return self.coords(el, dim)
        parts = [self.line_coords(g, dim) for m in el for g in m if _is_gml(g)]
        out = [parts[0]] + [p[1:] for p in parts[1:]] if parts else []
        return np.concatenate(out) if out else np.empty((0, 2))

    def line_coords(self, el: ET.Element, dim: int) -> np.ndarray:
        name = _local(el.tag)
        if name in ("LineString", "LineStringSegment", "LinearRing"):
            return self.coords(el, dim)
        if name in ("Arc", "ArcString", "Circle"):
            pts = self.coords(el, dim)
            if len(pts) >= 3 and (len(pts) - 1) % 2 == 0:
                arcs = [arc_points(pts[i:i + 3]) for i in range(0, len(pts) - 2, 2)]
                return np.concatenate([arcs[0]] + [a[1:] for a in arcs[1:]])
            return pts
        if name in ("Curve", "OrientableCurve", "CompositeCurve"):
            segs = [self.line_coords(s, dim) for holder in el for s in holder if _is_gml(s)] \
                if name == "Curve" else [self.line_coords(g, dim) for m in el for g in m if _is_gml(g)]
            segs = [s for s in segs if len(s)]
            if not segs:
                return np.empty((0, 2))
            pts = np.concatenate([segs[0]] + [s[1:] for s in segs[1:]])
            return pts[::-1] if name == "OrientableCurve" and el.get("orientation") == "-" else pts
        raise GmlValueError(f"ukjent kurvetype {name}")

    def polygon(self, el: ET.Element, dim: int) -> shapely.Polygon:
        shell, holes = None, []
        for c in el:
            kind = _local(c.tag)
            rings = [self.ring(r, dim) for r in c if _is_gml(r)]
            if kind in ("exterior", "outerBoundaryIs") and rings:
                shell = rings[0]
            elif kind in ("interior", "innerBoundaryIs"):
                holes.extend(rings)
        if shell is None:
            return shapely.Polygon()
        return shapely.Polygon(shell, holes)

    def geometry(self, el: ET.Element, srs: str | None, dim: int | None):
        """``(geometry or None, srsName, skipped type or None)``."""
        srs = el.get("srsName") or srs
        d = _dimension(el.get("srsDimension"), dim or self.default_dim or 2)
        name = _local(el.tag)
        if name in _SKIP_GEOM:
            return None, srs, name
        if name == "Point":
            c = self.coords(el, d)
            return (shapely.Point(c[0]) if len(c) else None), srs, None
        if name in ("LineString", "Curve", "OrientableCurve", "CompositeCurve", "Arc", "ArcString"):
            return shapely.LineString(self.line_coords(el, d)), srs, None
        if name in ("Polygon", "PolygonPatch"):
            return self.polygon(el, d), srs, None
        if name == "Surface":
            patches = [self.polygon(p, d) for holder in el for p in holder
                       if _local(p.tag) == "PolygonPatch"]
            if any(_local(p.tag) in _SKIP_GEOM for holder in el for p in holder):
                return None, srs, "TriangulatedSurface"
            return (patches[0] if len(patches) == 1 else shapely.MultiPolygon(patches)), srs, None
        if name.startswith("Multi") or name in ("CompositeSurface",):
            parts = []
            for m in el:
                for g in m:
                    if _is_gml(g):
                        geom, _s, skip = self.geometry(g, srs, d)
                        if skip:
                            return None, srs, skip
                        if geom is not None:
                            parts.extend(shapely.get_parts(geom))
            return (shapely.union_all(parts) if name == "CompositeSurface" else
                    shapely.geometrycollections(parts) if not parts else
                    _multi(parts)), srs, None
        return None, srs, name


def _multi(parts):
    types = {p.geom_type for p in parts}
    if types == {"Polygon"}:
        return shapely.MultiPolygon(parts)
    if types == {"LineString"}:
        return shapely.MultiLineString(parts)
    if types == {"Point"}:
        return shapely.MultiPoint(parts)
    return shapely.GeometryCollection(parts)


def _attributes(feat: ET.Element, geo: _Geom, srs: str | None) -> tuple[dict, object, str | None,
                                                                         str | None]:
    """A feature's attributes, its first geometry, that geometry's srsName and a skipped type."""
    attrs: dict[str, object] = {}
    geom, geom_srs, skipped = None, None, None
    gid = feat.get("{http://www.opengis.net/gml/3.2}id") or feat.get("{http://www.opengis.net/gml}id")
    if gid:
        attrs["gml_id"] = gid
    for prop in feat:
        name = _local(prop.tag)
        if _is_gml(prop) and name in ("boundedBy", "name", "description"):
            continue
        children = list(prop)
        gchild = next((c for c in children if _is_gml(c)), None)
        if gchild is not None:
            if geom is None and skipped is None:
                geom, geom_srs, skipped = geo.geometry(gchild, srs, None)
            continue
        if prop.get(XLINK) is not None:
            attrs.setdefault(f"{name}_href", prop.get(XLINK, "").lstrip("#"))
            continue
        if not children:
            text = (prop.text or "").strip()
            attrs[name] = f"{attrs[name]}; {text}" if name in attrs else text
            continue
        for leaf in prop.iter():
            if len(leaf) == 0 and leaf is not prop:
                key = _local(leaf.tag)
                key = key if key not in attrs else f"{name}.{key}"
                attrs[key] = (leaf.text or "").strip()
    return attrs, geom, geom_srs, skipped


def read_gml(source: str | os.PathLike, *, name: str | None = None) -> GmlData:
    """Read every feature of a GML file into one frame per feature type (see module doc).

    Raises
    ------
    geoplan.errors.UnreadableInput
        Broken or truncated XML (with the line), a geometry that cannot be parsed
        (the feature and why), or an ``srsName`` geoplan does not know.
    """
    path = Path(source)
    label = name or path.name
    rows: dict[str, list[tuple[dict, object, str | None]]] = {}
    counts: Counter = Counter()
    skipped: Counter = Counter()
    srs_names: Counter = Counter()
    geo = _Geom(None, None)
    depth = 0
    member_depth: set[int] = set()
    try:
        for event, el in ET.iterparse(path, events=("start", "end")):
            if event == "start":
                depth += 1
                local = _local(el.tag)
                if local == "Envelope" and geo.default_srs is None:
                    geo.default_srs = el.get("srsName")
                    try:
                        geo.default_dim = _dimension(el.get("srsDimension"), 0) or None
                    except GmlValueError as e:
                        raise UnreadableInput(f"GML-filen {label}: omrisset (gml:Envelope) kan "
                                              f"ikke leses ({e}). Eksporter planen på nytt.") from None
                if local in _MEMBERS:
                    member_depth.add(depth + 1)
                continue
            if depth in member_depth and not _is_gml(el):
                ftype = _local(el.tag)
                counts[ftype] += 1
                try:
                    attrs, geom, srs, skip = _attributes(el, geo, geo.default_srs)
                except ValueError as e:   # ours say what is wrong; shapely's are English
                    why = (str(e) if isinstance(e, GmlValueError) else
                           "koordinatene danner ingen gyldig geometri, f.eks. for få punkter")
                    raise UnreadableInput(
                        f"GML-filen {label}: geometrien til {ftype} «{el.get('{http://www.opengis.net/gml/3.2}id', '')}» "
                        f"kan ikke leses ({why}). Eksporter planen på nytt.") from None
                if skip:
                    skipped[f"{ftype}: {skip}"] += 1
                rows.setdefault(ftype, []).append((attrs, geom, srs))
                if srs:
                    srs_names[srs] += 1
                el.clear()
            elif _local(el.tag) in _MEMBERS:
                member_depth.discard(depth + 1)
            depth -= 1
    except ET.ParseError as e:
        raise UnreadableInput(
            f"GML-filen {label} er skadet eller avkortet ({xml_error_at(e)}). "
            "Last ned filen på nytt fra Geonorge eller kildesystemet.") from None
    except OSError as e:
        raise UnreadableInput(f"Filen {label} kan ikke leses ({os_reason(e)}).") from None
    except LookupError:   # encoding="..." that Python does not know (found by the fuzzer)
        raise UnreadableInput(
            f"GML-filen {label} oppgir en tegnkoding som ikke finnes (encoding= i første linje). "
            "Lagre filen som UTF-8 og prøv igjen.") from None
    return _assemble(label, rows, counts, skipped, srs_names, geo.had_height)


def _assemble(label, rows, counts, skipped, srs_names, had_height) -> GmlData:
    """Frames per type in one horizontal CRS (the most common); notes for what differs."""
    notes: list[str] = []
    crs_of: dict[str, Any] = {}
    for s in srs_names:
        crs_of[s], note = crs_from_srs_name(s, label)
        if note:
            notes.append(note)
    main = None
    if srs_names:
        by_crs: Counter = Counter()
        for s, n in srs_names.items():
            by_crs[crs_label(crs_of[s])] += n
        main_label = by_crs.most_common(1)[0][0]
        main = next(crs_of[s] for s in srs_names if crs_label(crs_of[s]) == main_label)
        if len(by_crs) > 1:
            parts = ", ".join(f"{s} ({n} objekter)" for s, n in srs_names.most_common())
            notes.append(f"Geometriene i {label} har ulike koordinatsystemer (srsName): {parts}. "
                         f"Alle er transformert til {main_label}.")
    layers = {}
    for ftype, items in rows.items():
        keys: dict[str, None] = {}
        for a, _g, _s in items:
            keys.update(dict.fromkeys(a))
        geoms = []
        for _a, g, s in items:
            if g is not None and s and axis_swapped(s, crs_of[s]):
                g = shapely.transform(g, lambda c: c[:, ::-1])
            if g is not None and s and main is not None and crs_label(crs_of[s]) != crs_label(main):
                g = gpd.GeoSeries([g], crs=crs_of[s]).to_crs(main).iloc[0]
            geoms.append(g)
        data = {k: [a.get(k) for a, _g, _s in items] for k in keys if k != "geometry"}
        layers[ftype] = gpd.GeoDataFrame(data, geometry=geoms, crs=main)
    if had_height:
        notes.append(f"{label} har 3D-koordinater; høydene er droppet og geometrien lest i 2D.")
    for what, n in skipped.items():
        ftype, gtype = what.split(": ")
        notes.append(f"{n} {ftype} har geometritypen {gtype} (f.eks. TIN/terrengmodell), som "
                     "geoplan ikke bruker; de er ikke tatt med.")
    return GmlData(source=label, layers=layers, counts=counts, skipped=skipped, notes=notes,
                   srs_names=srs_names)


def _dimension(raw: str | None, default: int) -> int:
    """``srsDimension`` (2 or 3), or the default when it is not given."""
    if raw is None or not str(raw).strip():
        return default
    if str(raw).strip() not in ("2", "3"):
        raise GmlValueError(f"srsDimension er «{raw}», ikke 2 eller 3")
    return int(raw)


def _numbers(words: list[str]) -> np.ndarray:
    """The coordinates of a posList as floats; a word that is no number named (numpy's
    own message is English)."""
    try:
        return np.array(words, dtype=float)
    except ValueError:
        bad = next((w for w in words if not _is_float(w)), "?")
        raise GmlValueError(f"koordinatlisten har «{bad[:40]}», som ikke er et tall") from None


def _is_float(w: str) -> bool:
    try:
        float(w)
    except ValueError:
        return False
    return True
