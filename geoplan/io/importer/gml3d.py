"""GML with 3D solids (FKB-Bygning 3D, CityGML-like ``gml:Solid``), which GDAL cannot hand over.

GDAL reads a ``gml:Solid`` as a PolyhedralSurface, a geometry type neither
pyogrio nor shapely accepts, so such a file fails as a whole. This reader
parses the GML itself: each feature's surfaces (every ``gml:posList`` ring)
are projected to 2D; vertical walls have no area there and drop out, and the
union of the rest is the building's footprint. The feature's simple properties
(elements with text only) become columns.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import geopandas as gpd
import shapely

from geoplan.errors import UnreadableInput, xml_error_at

GML_NS = ("http://www.opengis.net/gml/3.2", "http://www.opengis.net/gml")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _is_gml(tag: str) -> bool:
    return any(tag.startswith(f"{{{ns}}}") for ns in GML_NS)


def _rings(feature: ET.Element) -> tuple[list, int | None]:
    polys, epsg = [], None
    for el in feature.iter():
        name = _local(el.tag)
        if epsg is None and el.get("srsName"):
            m = re.search(r"(\d{4,5})\s*$", el.get("srsName", ""))
            epsg = int(m.group(1)) if m else None
        if name == "posList" and el.text:
            dim = int(el.get("srsDimension") or next(
                (a.get("srsDimension") for a in feature.iter() if a.get("srsDimension")), 2) or 2)
            vals = [float(v) for v in el.text.split()]
            pts = [tuple(vals[i:i + 2]) for i in range(0, len(vals) - dim + 1, dim)]
            if len(pts) >= 4:
                polys.append(shapely.Polygon(pts))
    return polys, epsg


def _properties(feature: ET.Element) -> dict:
    props: dict[str, str] = {}
    for el in feature.iter():
        if el is feature or _is_gml(el.tag) or len(el):
            continue
        if el.text and el.text.strip():
            props.setdefault(_local(el.tag), el.text.strip())
    return props


def read_gml_solids(path: Path) -> dict[str, gpd.GeoDataFrame]:
    """Feature type -> features with 2D footprints, for a GML file GDAL cannot read."""
    rows: dict[str, list] = {}
    crs: dict[str, int | None] = {}
    try:
        for _ev, el in ET.iterparse(path, events=("end",)):
            if _local(el.tag) not in ("featureMember", "member"):
                continue
            for feature in el:
                polys, epsg = _rings(feature)
                parts = [p for p in (shapely.make_valid(q) for q in polys) if p.area > 0]
                geom = shapely.union_all(parts) if parts else None
                ft = _local(feature.tag)
                rows.setdefault(ft, []).append({**_properties(feature), "geometry": geom})
                crs.setdefault(ft, epsg)
            el.clear()
    except ET.ParseError as e:
        raise UnreadableInput(f"GML-filen {path.name} er skadet eller avkortet ({xml_error_at(e)}). "
                              "Last den ned på nytt.") from None
    return {ft: gpd.GeoDataFrame(r, geometry="geometry", crs=crs[ft]) for ft, r in rows.items()}
