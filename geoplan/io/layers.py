"""Loading and validating layers: the only module that reads geodata files.

:func:`load` takes DATA -- a GeoPackage, a folder of layer files named after the
layers (GeoJSON, Shapefile, GeoParquet, FlatGeobuf, GeoPackage), a single file,
or a zipped Shapefile -- and returns a :class:`Dataset`: validated
GeoDataFrames in one projected working CRS (EUREF89 UTM 32, 33 or 35), the
GeoTIFF rasters found beside them, and a :class:`LayerReport` per layer that
says what was read, kept, repaired and rejected (``read = kept + rejected``).

Nothing a user can feed it raises anything but :class:`~geoplan.errors.GeoplanError`
subclasses with a Norwegian message naming the file, layer and feature.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

from geoplan.config import PACKAGE_DIR, Config, load_config
from geoplan.errors import (  #: The embedded demo municipality (built by ``geoplan demo``).
    DataProblem,
    MissingLayer,
    UnreadableInput,
)

#: the embedded demo municipality (``layers/`` in a checkout links here)
DEFAULT_DATA = PACKAGE_DIR / "data" / "demo" / "demo.gpkg"

#: EUREF89 / ETRS89 UTM zones used in Norway.
NORWEGIAN_UTM = {25832: 32, 25833: 33, 25835: 35}

#: A generous box around mainland Norway and Svalbard (lon/lat), for plausibility checks.
NORWAY_LONLAT = (-1.0, 57.0, 34.0, 81.5)

VECTOR_SUFFIXES = {".gpkg", ".geojson", ".json", ".shp", ".parquet", ".geoparquet",
                   ".fgb", ".gml", ".xml", ".zip"}
RASTER_NAMES = ("terreng", "stoy")
SOSI_FEATURE_TYPES = ("KpArealformålOmråde", "RpArealformålOmråde")

#: Layer names as planners also write them (lower-cased, spaces and hyphens as «_»).
LAYER_ALIASES = {"arealformål": "arealformal", "kommunale_boliger": "kommunal_bolig",
                 "utviklingsgrenser": "utviklingsgrense", "grunnkretser": "grunnkrets"}


def layer_key(name) -> str:
    """The contract name of a layer or file name: «Arealformål» -> «arealformal»."""
    key = re.sub(r"[\s-]+", "_", str(name).strip().lower())
    return LAYER_ALIASES.get(key, key)


#: Fixed-width official codes that lose their leading zero when stored as numbers
#: (Oslo's kommunenummer 0301, its grunnkretser 0301xxxx).
CODE_WIDTH = {"kommunenummer": 4, "grunnkretsnummer": 8}

#: Column aliases accepted in input (lower-cased) -> contract name.
COLUMN_ALIASES = {
    "arealformål": "arealformal",
    "arealbruksstatus": "arealbruksstatus",
    "kommunenr": "kommunenummer",
    "grunnkretsnr": "grunnkretsnummer",
    "antall_bolig": "antall_boliger",
    "byggid": "bygg_id",
    "bygningsnummer": "bygg_id",
    # SOSI plan data: the area's name
    "områdenavn": "navn",
    "kpområdenavn": "navn",
    "rpområdenavn": "navn",
    "feltnavn": "navn",
}


@dataclass(frozen=True)
class LayerSchema:
    """What the data contract asks of one layer."""

    name: str
    geometry: tuple[str, ...]          # allowed base types: "Polygon", "Point", "LineString"
    required: dict[str, str]           # column -> kind: "str", "int", "num", "bool"
    optional: dict[str, str] = field(default_factory=dict)
    label: str = ""                    # Norwegian description
    used_by: tuple[str, ...] = ()      # commands that need the layer

    @property
    def geometry_label(self) -> str:
        names = {"Polygon": "flater (Polygon)", "Point": "punkter (Point)",
                 "LineString": "linjer (LineString)"}
        return " eller ".join(names[g] for g in self.geometry)


SCHEMAS: dict[str, LayerSchema] = {s.name: s for s in [
    LayerSchema("kommune", ("Polygon",), {"kommunenummer": "str", "kommunenavn": "str"},
                label="kommunegrensen", used_by=("report",)),
    LayerSchema("arealformal", ("Polygon",), {"arealformal": "int", "arealbruksstatus": "int"},
                {"utbygd": "bool", "planid": "str", "navn": "str"},
                label="arealformål i kommuneplan/reguleringsplan",
                used_by=("reserves", "schools", "assess", "report")),
    LayerSchema("utviklingsgrense", ("Polygon",), {"navn": "str"},
                {"senterniva": "str", "boenheter_per_daa": "num"},
                label="langsiktige utviklingsgrenser",
                used_by=("reserves", "schools", "assess", "report")),
    LayerSchema("skole", ("Point",), {"navn": "str"}, {"skoletype": "str", "sted": "str"},
                label="skoler", used_by=("schools", "assess", "report")),
    LayerSchema("kommunal_bolig", ("Point",), {"antall_enheter": "int", "kategori": "str"},
                {"bygg_id": "str", "malgruppe": "str", "adresse": "str"},
                label="kommunalt disponerte boliger", used_by=("concentration", "assess", "report")),
    LayerSchema("grunnkrets", ("Polygon",), {"grunnkretsnummer": "str", "antall_boliger": "int"},
                {"grunnkretsnavn": "str", "befolkning": "int"},
                label="grunnkretser (SSB)", used_by=("concentration", "assess", "report")),
    LayerSchema("bygning", ("Point", "Polygon"), {"bygg_id": "str", "antall_boliger": "int"},
                {"borettslag": "str"}, label="bygninger", used_by=("concentration", "assess")),
    LayerSchema("kollektivakse", ("LineString",), {"navn": "str"}, {"avganger_per_time": "num"},
                label="kollektivakser"),
    LayerSchema("holdeplass", ("Point",), {"navn": "str"}, label="holdeplasser"),
    LayerSchema("innspill", ("Polygon",), {"navn": "str", "sted": "str"},
                {"formal": "str", "rpba_avklart": "bool"}, label="innspill (foreslåtte områder)"),
    LayerSchema("steinbrudd", ("Polygon", "Point"), {"navn": "str"}, {"type": "str"},
                label="steinbrudd og lastingsområder"),
    LayerSchema("gangnett", ("LineString",), {}, label="gangnett"),
    LayerSchema("sentrum", ("Point",), {"navn": "str"}, {"senterniva": "str"}, label="sentre"),
    LayerSchema("helsetjeneste", ("Point",), {"navn": "str", "type": "str"},
                label="helsetjenester (sykehjem, hjemmetjeneste)"),
]}

_GEOM_BASE = {
    "Polygon": "Polygon", "MultiPolygon": "Polygon",
    "Point": "Point", "MultiPoint": "Point",
    "LineString": "LineString", "MultiLineString": "LineString", "LinearRing": "LineString",
    "GeometryCollection": "GeometryCollection",
}


# ---------------------------------------------------------------------------
# Report objects
# ---------------------------------------------------------------------------

@dataclass
class LayerReport:
    """What happened to one layer on its way in.

    ``status``: ``ok``, ``advarsel`` (usable; something repaired or dropped),
    ``problem`` (an analysis would be wrong with it; not used), ``mangler``
    (not in the data), ``ubrukelig`` (could not be read).
    """

    name: str
    source: str = ""
    status: str = "ok"
    n_read: int = 0
    n_kept: int = 0
    n_repaired: int = 0
    n_rejected: int = 0
    crs: str | None = None
    messages: list[str] = field(default_factory=list)

    def add(self, msg: str, status: str | None = None) -> None:
        self.messages.append(msg)
        order = ["ok", "advarsel", "mangler", "problem", "ubrukelig"]
        if status and order.index(status) > order.index(self.status):
            self.status = status

    def as_dict(self) -> dict:
        return {
            "navn": self.name,
            "kilde": self.source,
            "status": self.status,
            "antall_lest": self.n_read,
            "antall_beholdt": self.n_kept,
            "antall_reparert": self.n_repaired,
            "antall_avvist": self.n_rejected,
            "crs": self.crs,
            "meldinger": list(self.messages),
        }


@dataclass
class Dataset:
    """Validated layers of one municipality in one projected CRS."""

    source: str
    crs: CRS
    layers: dict[str, gpd.GeoDataFrame]
    rasters: dict[str, Path]
    reports: dict[str, LayerReport]

    @property
    def epsg(self) -> int | None:
        return self.crs.to_epsg()

    def has(self, name: str) -> bool:
        return name in self.layers

    def get(self, name: str) -> gpd.GeoDataFrame | None:
        return self.layers.get(name)

    def __getitem__(self, name: str) -> gpd.GeoDataFrame:
        self.require(name)
        return self.layers[name]

    def raster(self, name: str) -> Path | None:
        return self.rasters.get(name)

    def require(self, *names: str) -> None:
        """Raise :class:`MissingLayer` or :class:`DataProblem` unless every layer is usable."""
        missing, broken = [], []
        for n in names:
            if n in self.layers:
                continue
            rep = self.reports.get(n)
            if rep is not None and rep.status in ("problem", "ubrukelig"):
                broken.append(rep)
            else:
                missing.append(n)
        if broken:
            rep = broken[0]
            detail = " ".join(rep.messages[:3])
            raise DataProblem(
                f"Laget «{rep.name}» i {rep.source or self.source} kan ikke brukes: {detail}"
            )
        if missing:
            raise MissingLayer(missing, self.source)

    @property
    def status(self) -> str:
        """``ok`` or ``problemer`` (a layer that is present could not be used)."""
        bad = any(r.status in ("problem", "ubrukelig") for r in self.reports.values())
        return "problemer" if bad else "ok"

    def as_dict(self) -> dict:
        return {
            "status": self.status,
            "kilde": self.source,
            "crs": f"EPSG:{self.epsg}" if self.epsg else self.crs.to_string(),
            "lag": [r.as_dict() for r in self.reports.values()],
            "raster": {k: str(v) for k, v in self.rasters.items()},
        }


# ---------------------------------------------------------------------------
# File sniffing
# ---------------------------------------------------------------------------

def _sniff(path: Path) -> None:
    """Refuse empty, non-geodata and truncated files before GDAL sees them."""
    try:
        size = path.stat().st_size
    except OSError as e:
        raise UnreadableInput(f"Filen {path} kan ikke leses ({e.strerror}).") from None
    if size == 0:
        raise UnreadableInput(
            f"Filen {path} er tom (0 byte). Eksporter laget på nytt fra kildesystemet."
        )
    suffix = path.suffix.lower()
    with open(path, "rb") as fh:
        head = fh.read(100)
    if suffix == ".gpkg":
        if not head.startswith(b"SQLite format 3\x00"):
            raise UnreadableInput(
                f"Filen {path} heter .gpkg, men er ikke en GeoPackage (ikke en SQLite-database). "
                "Kontroller at du valgte riktig fil, eller eksporter den på nytt som GeoPackage."
            )
        page_size = int.from_bytes(head[16:18], "big")
        page_size = 65536 if page_size == 1 else page_size
        n_pages = int.from_bytes(head[28:32], "big")
        if page_size and n_pages and size < page_size * n_pages:
            raise UnreadableInput(
                f"GeoPackage-filen {path} er avkortet: den skal være {page_size * n_pages:,} byte, "
                f"men er {size:,}. Filen ble trolig ikke ferdig kopiert eller lastet ned; "
                "hent den på nytt.".replace(",", " ")
            )
    elif suffix in (".geojson", ".json"):
        if not head.lstrip()[:1] in (b"{", b"["):
            raise UnreadableInput(
                f"Filen {path} er ikke GeoJSON (starter ikke med «{{»). "
                "Kontroller filen, eller eksporter laget på nytt som GeoJSON."
            )
    elif suffix in (".gml", ".xml"):
        if b"<" not in head:
            raise UnreadableInput(f"Filen {path} er ikke GML/XML. Kontroller filen.")
    elif suffix == ".zip":
        if not zipfile.is_zipfile(path):
            raise UnreadableInput(f"Filen {path} er ikke en gyldig zip-fil.")


def _gml_integrity(path: Path) -> dict[str, int]:
    """Parse a GML file fully; count features per SOSI type; refuse broken XML.

    GDAL can read a truncated GML file as zero features without an error, so
    the count from a full XML parse is compared with what GDAL returns.
    """
    import xml.etree.ElementTree as ET

    counts: dict[str, int] = {}
    try:
        for _event, elem in ET.iterparse(path, events=("end",)):
            tag = elem.tag.rsplit("}", 1)[-1]
            if tag in SOSI_FEATURE_TYPES:
                counts[tag] = counts.get(tag, 0) + 1
                elem.clear()
    except ET.ParseError as e:
        line = getattr(e, "position", (None,))[0]
        raise UnreadableInput(
            f"GML-filen {path} er skadet eller avkortet (XML-feil ved linje {line}: {e}). "
            "Last ned planfilen på nytt fra Geonorge eller kildesystemet."
        ) from None
    return counts


def check_zip(path: Path, *, max_bytes: int = 500 * 2**20, max_ratio: float = 200.0,
              max_files: int = 2000) -> list[zipfile.ZipInfo]:
    """Refuse unsafe zip archives before anything is extracted.

    Refused: entries with absolute paths, drive letters or ``..``; more than
    ``max_files`` entries; archives that unpack to more than ``max_bytes`` or
    to more than ``max_ratio`` times their own size (zip bombs). Only the
    archive's directory is read. Returns the entries.
    """
    path = Path(path)
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError):
        raise UnreadableInput(
            f"«{path.name}» er ikke en gyldig zip-fil. Pakk filene på nytt og prøv igjen."
        ) from None
    if len(infos) > max_files:
        raise UnreadableInput(f"Zip-filen «{path.name}» har for mange filer ({len(infos)}).")
    total = 0
    for info in infos:
        name = info.filename.replace("\\", "/")
        if name.startswith("/") or re.match(r"^[A-Za-z]:", name) or ".." in name.split("/"):
            raise UnreadableInput(
                f"Zip-filen «{path.name}» inneholder en fil med ulovlig sti («{info.filename}»). "
                "Filen er avvist av sikkerhetshensyn; pakk dataene på nytt uten mappestier.")
        total += info.file_size
    packed = max(path.stat().st_size, 1)
    if total > max_bytes or total / packed > max_ratio:
        raise UnreadableInput(
            f"Zip-filen «{path.name}» ville pakkes ut til {total / 2**20:,.0f} MB fra "
            f"{packed / 2**20:,.1f} MB. Det er mer enn tillatt, og filen er avvist "
            "(mulig «zip-bombe»).".replace(",", " "))
    return infos


def safe_extract_zip(path: Path, dest: Path, *, max_bytes: int = 500 * 2**20,
                     max_ratio: float = 200.0, max_files: int = 2000) -> Path:
    """Extract a zip archive that passes :func:`check_zip` into ``dest``."""
    infos = check_zip(path, max_bytes=max_bytes, max_ratio=max_ratio, max_files=max_files)
    dest.mkdir(parents=True, exist_ok=True)
    root = str(dest.resolve())
    with zipfile.ZipFile(path) as zf:
        for info in infos:
            if info.is_dir():
                continue
            target = (dest / info.filename).resolve()
            if not str(target).startswith(root):
                raise UnreadableInput(f"Zip-filen {path.name} prøver å skrive utenfor mappen.")
            target.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(info) as src, open(target, "wb") as out:
                shutil.copyfileobj(src, out)
    return dest


# ---------------------------------------------------------------------------
# CRS handling
# ---------------------------------------------------------------------------

def parse_crs(value) -> CRS:
    """Parse ``25832``, ``"EPSG:25832"`` or WKT into a CRS, with a Norwegian error."""
    if isinstance(value, CRS):
        return value
    try:
        s = str(value).strip()
        return CRS.from_user_input(int(s) if s.isdigit() else s)
    except (CRSError, ValueError):
        raise UnreadableInput(
            f"Ukjent koordinatsystem «{value}». Oppgi en EPSG-kode, f.eks. --crs 25832 "
            "(EUREF89 UTM sone 32)."
        ) from None


def utm_for_lon(lon: float) -> int:
    """The Norwegian EUREF89 UTM EPSG code for a longitude (zone 32 / 33 / 35)."""
    if lon < 12.0:
        return 25832
    if lon < 24.0:
        return 25833
    return 25835


def _crs_label(crs: CRS | None) -> str | None:
    if crs is None:
        return None
    epsg = crs.to_epsg()
    return f"EPSG:{epsg}" if epsg else crs.name


def _fmt(v: float) -> str:
    return f"{v:,.1f}".replace(",", " ").replace(".", ",") if abs(v) >= 1000 else f"{v:.4f}".replace(".", ",")


def _check_coordinates(gdf: gpd.GeoDataFrame, crs: CRS, rep: LayerReport) -> bool:
    """Refuse coordinates that cannot lie in Norway for the declared CRS.

    Returns False (and marks the report) when the layer must be refused.
    """
    b = gdf.total_bounds
    if not np.all(np.isfinite(b)):
        return True
    xmin, ymin, xmax, ymax = b
    where = f"(x {_fmt(xmin)} til {_fmt(xmax)}, y {_fmt(ymin)} til {_fmt(ymax)})"
    if crs.is_geographic:
        lo = NORWAY_LONLAT
        if lo[1] <= xmin and xmax <= lo[3] and lo[0] <= ymin and ymax <= lo[2]:
            rep.add(
                f"Koordinatene ser ut til å ha byttet om lengde- og breddegrad {where}. "
                "Laget er avvist: bytt om aksene i kildesystemet og eksporter på nytt.", "problem")
            return False
        if not (lo[0] <= xmin and xmax <= lo[2] and lo[1] <= ymin and ymax <= lo[3]):
            rep.add(
                f"Koordinatene {where} ligger ikke i Norge for {_crs_label(crs)}. "
                "Laget er avvist: kontroller koordinatsystemet.", "problem")
            return False
        return True
    # projected
    if abs(xmin) <= 180 and abs(xmax) <= 180 and abs(ymin) <= 90 and abs(ymax) <= 90:
        rep.add(
            f"Laget er merket {_crs_label(crs)} (meter), men koordinatene ser ut som grader {where}. "
            "Laget er avvist: sett riktig koordinatsystem (trolig EPSG:4326) i kildefilen, "
            "eller eksporter på nytt.", "problem")
        return False
    try:
        tr = Transformer.from_crs(crs, 4326, always_xy=True)
        xs = np.array([xmin, xmax, xmin, xmax, (xmin + xmax) / 2])
        ys = np.array([ymin, ymin, ymax, ymax, (ymin + ymax) / 2])
        lon, lat = tr.transform(xs, ys)
    except Exception:  # pragma: no cover - exotic CRS
        return True
    lo = NORWAY_LONLAT
    inside = (np.isfinite(lon) & np.isfinite(lat) & (lon >= lo[0]) & (lon <= lo[2])
              & (lat >= lo[1]) & (lat <= lo[3]))
    if inside.all():
        return True
    # swapped? try y,x
    try:
        lon2, lat2 = tr.transform(ys, xs)
        inside2 = (np.isfinite(lon2) & np.isfinite(lat2) & (lon2 >= lo[0]) & (lon2 <= lo[2])
                   & (lat2 >= lo[1]) & (lat2 <= lo[3]))
    except Exception:  # pragma: no cover
        inside2 = np.zeros(1, bool)
    if inside2.all():
        rep.add(
            f"Koordinatene ser ut til å ha byttet om x (øst) og y (nord) {where} for "
            f"{_crs_label(crs)}. Laget er avvist: bytt om aksene i kildesystemet og eksporter på nytt.",
            "problem")
    else:
        rep.add(
            f"Koordinatene {where} kan ikke ligge i Norge for {_crs_label(crs)}. "
            "Laget er avvist: kontroller at riktig koordinatsystem er oppgitt i filen.", "problem")
    return False


# ---------------------------------------------------------------------------
# Validation of one layer
# ---------------------------------------------------------------------------

def _feature_label(gdf: pd.DataFrame, idx) -> str:
    """A human name for feature ``idx``: its ``navn``/id if any, else its number."""
    pos = gdf.index.get_loc(idx) if not isinstance(idx, (int, np.integer)) else idx
    for col in ("navn", "bygg_id", "grunnkretsnummer", "id", "fid", "objid", "lokalid"):
        if col in gdf.columns:
            try:
                val = gdf.iloc[int(pos)][col]
            except Exception:
                val = None
            if val is not None and not (isinstance(val, float) and np.isnan(val)) and str(val) != "":
                return f"objekt nr. {int(pos) + 1} ({col} «{val}»)"
    return f"objekt nr. {int(pos) + 1}"


def _list_features(gdf: pd.DataFrame, positions: np.ndarray, limit: int = 5) -> str:
    labels = [_feature_label(gdf, int(p)) for p in positions[:limit]]
    more = f" og {len(positions) - limit} til" if len(positions) > limit else ""
    return ", ".join(labels) + more


def _normalise_columns(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    rename = {}
    geom = gdf.geometry.name
    for c in gdf.columns:
        if c == geom:
            continue
        low = str(c).strip().lower()
        target = COLUMN_ALIASES.get(low, low)
        if target != c and target not in gdf.columns:
            rename[c] = target
    return gdf.rename(columns=rename) if rename else gdf


def _shapefile_names(gdf: gpd.GeoDataFrame, schema: LayerSchema, rep: LayerReport) -> gpd.GeoDataFrame:
    """Contract columns whose names a Shapefile cut to 10 characters (``antall_bol``).

    The DBF format keeps at most 10 characters of a column name, so a Shapefile
    exported from QGIS or ArcGIS has ``antall_enh`` for ``antall_enheter`` and
    ``grunnkrets`` for ``grunnkretsnummer``. A missing contract column takes the
    column named by its first 10 characters; where two contract columns share
    those (``grunnkretsnummer``, ``grunnkretsnavn``), the required one gets it.
    """
    have = {str(c) for c in gdf.columns}
    wanted = [*schema.required, *schema.optional]   # required first: they win a shared prefix
    rename: dict[str, str] = {}
    for col in wanted:
        short = col[:10]
        if len(col) <= 10 or col in have or short not in have or short in wanted \
                or short in rename:
            continue
        rename[short] = col
    if rename:
        gdf = gdf.rename(columns=rename)
        rep.add("Kolonnenavn som er forkortet til 10 tegn (Shapefile) er tolket som: "
                + ", ".join(f"«{a}» = «{b}»" for a, b in rename.items()) + ".")
    return gdf


def _coerce_columns(gdf: gpd.GeoDataFrame, schema: LayerSchema, rep: LayerReport) -> tuple[gpd.GeoDataFrame, np.ndarray]:
    """Coerce contract columns to their kind; return rows to reject."""
    reject = np.zeros(len(gdf), dtype=bool)
    kinds = {**schema.optional, **schema.required}
    for col, kind in kinds.items():
        if col not in gdf.columns:
            continue
        s = gdf[col]
        required = col in schema.required
        if kind in ("int", "num"):
            num = pd.to_numeric(s, errors="coerce")
            bad = num.isna().to_numpy() & s.notna().to_numpy()
            if required:
                bad |= num.isna().to_numpy()
            if kind == "int":
                frac = num.notna().to_numpy() & ~np.isclose(num.fillna(0).to_numpy() % 1, 0)
                bad |= frac
            if col in ("antall_enheter",):
                bad |= num.notna().to_numpy() & (num.fillna(1).to_numpy() < 1)
            if col in ("antall_boliger", "befolkning"):
                bad |= num.notna().to_numpy() & (num.fillna(0).to_numpy() < 0)
            if bad.any():
                pos = np.flatnonzero(bad)
                what = "et heltall ≥ 1" if col == "antall_enheter" else (
                    "et heltall" if kind == "int" else "et tall")
                rep.add(
                    f"Kolonnen «{col}» skal være {what}; {len(pos)} objekt(er) har ugyldig eller "
                    f"tom verdi og er avvist: {_list_features(gdf, pos)}. Rett verdiene i kildedataene.",
                    "advarsel")
                reject |= bad
            if kind == "int":
                gdf[col] = num.round().astype("Int64")
            else:
                gdf[col] = num.astype(float)
        elif kind == "bool":
            if s.dtype == bool:
                continue
            mapping = {"true": True, "1": True, "ja": True, "j": True, "yes": True, "sann": True,
                       "false": False, "0": False, "nei": False, "n": False, "no": False, "usann": False}
            txt = s.astype("string").str.strip().str.lower()
            mapped = txt.map(mapping)
            bad = mapped.isna().to_numpy() & s.notna().to_numpy()
            if bad.any():
                rep.add(f"Kolonnen «{col}» skal være ja/nei; {int(bad.sum())} verdi(er) forstås ikke "
                        "og er satt som ukjent.", "advarsel")
            gdf[col] = mapped.astype("boolean")
        else:  # str
            if s.dtype.kind in "if":
                # e.g. grunnkretsnummer read as a number: keep integers without ".0"
                num = pd.to_numeric(s, errors="coerce")
                width = CODE_WIDTH.get(col, 0)   # 0301 read as 301: put the leading zero back
                gdf[col] = pd.Series(
                    [None if pd.isna(v) else (str(int(v)).zfill(width) if float(v).is_integer() else str(v))
                     for v in num],
                    index=gdf.index, dtype=object)
            else:
                gdf[col] = s.astype(object).where(s.notna(), None)
            if required:
                empty = gdf[col].isna().to_numpy() | (gdf[col].astype(str).str.strip() == "").to_numpy()
                if empty.any() and col in ("navn",) and schema.name in ("utviklingsgrense",):
                    pos = np.flatnonzero(empty)
                    rep.add(f"Kolonnen «{col}» er tom for {len(pos)} objekt(er), som er avvist: "
                            f"{_list_features(gdf, pos)}.", "advarsel")
                    reject |= empty
    return gdf, reject


def _polygonal(geoms: np.ndarray) -> np.ndarray:
    """Keep the polygonal parts of (repaired) geometries; others become empty."""
    out = np.empty(len(geoms), dtype=object)
    for i, g in enumerate(geoms):
        t = g.geom_type
        if t in ("Polygon", "MultiPolygon"):
            out[i] = g
        elif t == "GeometryCollection":
            parts = [p for p in shapely.get_parts(g) if p.geom_type in ("Polygon", "MultiPolygon")]
            out[i] = shapely.union_all(parts) if parts else shapely.Polygon()
        else:
            out[i] = shapely.Polygon()
    return out


def validate_layer(gdf: gpd.GeoDataFrame, name: str, *, source: str = "",
                   assume_crs: CRS | None = None, target_crs: CRS | None = None,
                   report: LayerReport | None = None) -> tuple[gpd.GeoDataFrame | None, LayerReport]:
    """Validate one layer against the data contract.

    Returns the cleaned layer in ``target_crs`` (or None when it must be refused)
    and its :class:`LayerReport`.
    """
    rep = report or LayerReport(name=name, source=source)
    schema = SCHEMAS.get(name)
    rep.n_read = len(gdf)
    gdf = _normalise_columns(gdf)
    if gdf.geometry.name != "geometry":
        gdf = gdf.rename_geometry("geometry")
    if schema is None:
        rep.add(f"Ukjent lag «{name}»; lest, men ikke brukt av analysene.")
        rep.n_kept = len(gdf)
        return None, rep
    gdf = _shapefile_names(gdf, schema, rep)

    if len(gdf) == 0 and not any(c in gdf.columns for c in schema.required):
        # an empty export often carries no columns at all: that is an empty layer,
        # not a schema problem
        rep.add(f"Laget «{name}» er tomt (ingen objekter).", "advarsel")
        rep.crs = _crs_label(gdf.crs)
        return None, rep

    # -- required columns --------------------------------------------------
    missing = [c for c in schema.required if c not in gdf.columns]
    if missing:
        have = ", ".join(c for c in gdf.columns if c != "geometry") or "ingen"
        for c in missing:
            rep.add(
                f"Laget «{name}» mangler den påkrevde kolonnen «{c}» (kolonner i filen: {have}). "
                f"Legg til kolonnen eller gi en eksisterende kolonne dette navnet.", "problem")
        rep.crs = _crs_label(gdf.crs)
        rep.n_rejected = len(gdf)
        return None, rep

    if len(gdf) == 0:
        rep.add(f"Laget «{name}» er tomt (ingen objekter).", "advarsel")
        rep.crs = _crs_label(gdf.crs)
        return gdf.set_crs(target_crs, allow_override=True) if target_crs else gdf, rep

    # -- CRS -----------------------------------------------------------------
    crs = gdf.crs
    if crs is None:
        if assume_crs is None:
            rep.add(
                f"Laget «{name}» har ikke noe koordinatsystem (CRS). Laget er avvist: oppgi det med "
                "--crs (f.eks. --crs 25832), eller sett CRS i kildefilen (.prj for Shapefile).",
                "problem")
            rep.n_rejected = len(gdf)
            return None, rep
        crs = assume_crs
        gdf = gdf.set_crs(crs)
        rep.add(f"Manglet koordinatsystem; {_crs_label(crs)} er brukt som oppgitt.")
    rep.crs = _crs_label(crs)

    # -- geometry: nulls, empties, types, validity ------------------------------
    reject = np.zeros(len(gdf), dtype=bool)
    geoms = gdf.geometry.to_numpy()
    null = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if null.any():
        pos = np.flatnonzero(null)
        rep.add(f"{len(pos)} objekt(er) uten geometri er fjernet: {_list_features(gdf, pos)}.",
                "advarsel")
        reject |= null

    # shapely type ids -> the contract's base types
    id2name = {0: "Point", 1: "LineString", 2: "LineString", 3: "Polygon", 4: "Point",
               5: "LineString", 6: "Polygon", 7: "GeometryCollection", -1: None}
    types = np.array([id2name.get(int(t)) for t in shapely.get_type_id(geoms)], dtype=object)
    wrong = ~null & ~np.isin(types, list(schema.geometry))
    if wrong.any():
        pos = np.flatnonzero(wrong)
        found = ", ".join(sorted({str(t) for t in types[wrong]}))
        if wrong.sum() == (~null).sum():
            rep.add(
                f"Laget «{name}» skal ha {schema.geometry_label}, men har {found}. "
                "Laget er avvist: kontroller at riktig fil er koblet til laget.", "problem")
            rep.n_rejected = len(gdf)
            return None, rep
        rep.add(f"{len(pos)} objekt(er) har feil geometritype ({found}; skal være "
                f"{schema.geometry_label}) og er avvist: {_list_features(gdf, pos)}.", "advarsel")
        reject |= wrong

    # -- columns -------------------------------------------------------------
    gdf, bad_values = _coerce_columns(gdf, schema, rep)
    reject |= bad_values

    # -- coordinates plausible for the CRS ------------------------------------
    ok_rows = ~reject
    if ok_rows.any():
        probe = gdf[ok_rows]
        if not _check_coordinates(probe, crs, rep):
            rep.n_rejected = len(gdf)
            return None, rep

    # -- repair invalid polygons -------------------------------------------
    repaired = 0
    if "Polygon" in schema.geometry:
        is_poly = np.isin(types, ["Polygon"]) & ~reject
        valid = shapely.is_valid(geoms)
        bad = is_poly & ~valid
        if bad.any():
            pos = np.flatnonzero(bad)
            reasons = [shapely.is_valid_reason(geoms[p]) for p in pos]
            fixed = _polygonal(shapely.make_valid(geoms[pos]))
            now_empty = shapely.is_empty(fixed)
            geoms = geoms.copy()
            geoms[pos] = fixed
            details = "; ".join(
                f"{_feature_label(gdf, int(p))}: {_reason_no(r)}" for p, r in list(zip(pos, reasons))[:5])
            more = f" (og {len(pos) - 5} til)" if len(pos) > 5 else ""
            rep.add(f"{len(pos)} ugyldig(e) flate(r) er reparert (make_valid, flatedeler beholdt): "
                    f"{details}{more}.", "advarsel")
            if now_empty.any():
                rep.add(f"{int(now_empty.sum())} flate(r) ble tomme etter reparasjon og er fjernet.",
                        "advarsel")
                reject[pos[now_empty]] = True
            repaired = int((~now_empty).sum())
            gdf = gdf.set_geometry(gpd.GeoSeries(geoms, index=gdf.index, crs=crs))

    kept = gdf[~reject].copy()
    rep.n_rejected = int(reject.sum())
    rep.n_kept = len(kept)
    rep.n_repaired = repaired

    # -- to the working CRS ------------------------------------------------
    if target_crs is not None and not crs.equals(target_crs):
        try:
            kept = kept.to_crs(target_crs)
        except Exception as e:  # pragma: no cover - PROJ failure
            rep.add(f"Kunne ikke transformere fra {_crs_label(crs)} til {_crs_label(target_crs)}: {e}",
                    "problem")
            return None, rep
        rep.add(f"Transformert fra {_crs_label(crs)} til {_crs_label(target_crs)}.")
    kept = kept.reset_index(drop=True)
    if rep.n_kept == 0 and rep.n_read > 0:
        rep.add(f"Ingen brukbare objekter igjen i laget «{name}».", "problem")
        return None, rep
    return kept, rep


_REASONS = [
    ("Self-intersection", "selvkrysning"),
    ("Ring Self-intersection", "ring som krysser seg selv"),
    ("Hole lies outside shell", "hull utenfor ytterkanten"),
    ("Nested shells", "nøstede ytterkanter"),
    ("Interior is disconnected", "oppdelt innside"),
    ("Too few points", "for få punkter"),
    ("Invalid Coordinate", "ugyldig koordinat"),
    ("Ring not closed", "ring ikke lukket"),
    ("Nested holes", "nøstede hull"),
]


def _reason_no(reason: str) -> str:
    for en, no in _REASONS:
        if reason.startswith(en):
            where = reason[len(en):].strip()
            return f"{no} {where}".strip()
    return reason


# ---------------------------------------------------------------------------
# Reading sources
# ---------------------------------------------------------------------------

@dataclass
class _RawLayer:
    name: str
    gdf: gpd.GeoDataFrame | None
    source: str
    error: str | None = None
    expected: int | None = None   # feature count from an independent parse
    notes: list[str] = field(default_factory=list)   # what the reader assumed


def _read_file(path: Path, layer: str | None = None, **kwargs) -> gpd.GeoDataFrame:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            gdf = pyogrio.read_dataframe(path, layer=layer, use_arrow=True, **kwargs)
    except Exception as e:  # pyogrio.errors.DataSourceError and friends
        msg = str(e).splitlines()[0] if str(e) else type(e).__name__
        what = f"laget «{layer}» i " if layer else ""
        hint = (" En Shapefile består av flere filer med samme navn (.shp, .shx, .dbf og .prj): "
                "ta med alle." if path.suffix.lower() == ".shp" else "")
        raise UnreadableInput(
            f"Kan ikke lese {what}{path}: filen er ikke gyldige geodata eller er skadet ({msg})."
            f"{hint} Kontroller filen, eller eksporter den på nytt (GeoPackage, GeoJSON, Shapefile "
            "eller SOSI-GML)."
        ) from None
    if not isinstance(gdf, gpd.GeoDataFrame):
        what = f"Laget «{layer}» i {path.name}" if layer else f"Filen {path.name}"
        raise UnreadableInput(
            f"{what} har ingen geometri (det er en ren tabell). Geoplan trenger punkter, linjer "
            "eller flater: eksporter laget med geometri, eller legg det til som kolonner i et lag "
            "som har det."
        )
    return gdf


def _read_gpkg(path: Path, wanted: set[str] | None = None) -> list[_RawLayer]:
    _sniff(path)
    try:
        listed = pyogrio.list_layers(path)
    except Exception as e:
        raise UnreadableInput(
            f"Kan ikke lese GeoPackage-filen {path}: den er skadet eller avkortet ({str(e).splitlines()[0]}). "
            "Hent eller eksporter filen på nytt."
        ) from None
    out = []
    for lname, _gtype in listed:
        lname = str(lname)
        key = layer_key(lname)
        if key not in SCHEMAS or (wanted is not None and key not in wanted):
            continue
        try:
            gdf = _read_file(path, layer=lname)
            # A truncated/corrupt page can make GDAL return fewer rows silently.
            info = pyogrio.read_info(path, layer=lname)
            expected = info.get("features")
            out.append(_RawLayer(key, gdf, f"{path.name}:{lname}",
                                 expected=expected if expected is not None and expected >= 0 else None))
        except UnreadableInput as e:
            out.append(_RawLayer(key, None, f"{path.name}:{lname}", error=e.message))
    if len(listed) == 0:
        raise UnreadableInput(f"GeoPackage-filen {path} inneholder ingen lag.")
    return out


def _read_gml(path: Path, layer: str | None) -> list[_RawLayer]:
    _sniff(path)
    counts = _gml_integrity(path)
    kwargs = {"WRITE_GFS": "NO"}
    if counts:
        frames = []
        notes: list[str] = []
        for ftype, n in counts.items():
            gdf = _read_file(path, layer=ftype, **kwargs)
            if len(gdf) != n:
                raise UnreadableInput(
                    f"GML-filen {path} har {n} objekter av typen {ftype}, men bare {len(gdf)} kunne "
                    "leses. Filen er trolig skadet; last den ned på nytt."
                )
            gdf = gdf.copy()
            gdf["plannivaa"] = "kommuneplan" if ftype.startswith("Kp") else "reguleringsplan"
            if ftype.startswith("Rp"):
                # A reguleringsplan has no arealbruksstatus: what it regulates is, in the
                # KPA's terms, planned use. Assume 2 (framtidig) where the file has none,
                # and say so: built-up areas need «utbygd» to leave the boligreserve.
                col = next((c for c in gdf.columns if str(c).lower() == "arealbruksstatus"), None)
                missing = int(gdf[col].isna().sum()) if col else len(gdf)
                if col is None:
                    gdf["arealbruksstatus"] = 2
                else:
                    gdf[col] = gdf[col].fillna(2)
                if missing:
                    notes.append(
                        f"{missing} RpArealformålOmråde (reguleringsplan) har ikke arealbruksstatus; "
                        "satt til 2 (framtidig). Områder som allerede er bygd ut, telles da som "
                        "boligreserve: legg til kolonnen «utbygd» (ja/nei) for dem.")
            frames.append(gdf)
        gdf = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
        gdf = gpd.GeoDataFrame(gdf, geometry="geometry", crs=frames[0].crs)
        return [_RawLayer(layer or "arealformal", gdf, path.name, expected=sum(counts.values()),
                          notes=notes)]
    if layer is None:
        raise UnreadableInput(
            f"GML-filen {path} inneholder ingen KpArealformålOmråde eller RpArealformålOmråde. "
            "For andre GML-filer: oppgi lagnavnet med --layer NAVN."
        )
    gdf = _read_file(path, **kwargs)
    return [_RawLayer(layer, gdf, path.name)]


def _read_single(path: Path, layer: str | None, wanted: set[str] | None = None) -> list[_RawLayer]:
    suffix = path.suffix.lower()
    if suffix == ".gpkg":
        raws = _read_gpkg(path, wanted)
        if layer:
            # a GeoPackage with one foreign-named layer given a name
            if not raws:
                names = [str(n) for n, _ in pyogrio.list_layers(path)]
                if len(names) == 1:
                    return [_RawLayer(layer, _read_file(path, layer=names[0]), f"{path.name}:{names[0]}")]
        return raws
    if suffix in (".gml", ".xml"):
        return _read_gml(path, layer)
    _sniff(path)
    name = layer or layer_key(path.stem)
    if name not in SCHEMAS:
        raise UnreadableInput(
            f"Filen {path.name} er ikke navngitt etter et kjent lag. Oppgi lagnavnet med "
            f"--layer NAVN (ett av: {', '.join(SCHEMAS)})."
        )
    if suffix in (".parquet", ".geoparquet"):
        try:
            gdf = gpd.read_parquet(path)
        except Exception as e:
            raise UnreadableInput(f"Kan ikke lese GeoParquet-filen {path}: {str(e).splitlines()[0]}.") from None
        return [_RawLayer(name, gdf, path.name)]
    return [_RawLayer(name, _read_file(path), path.name)]


def _read_folder(folder: Path, wanted: set[str] | None = None) -> tuple[list[_RawLayer], dict[str, Path]]:
    raws: list[_RawLayer] = []
    rasters: dict[str, Path] = {}
    broken: list[UnreadableInput] = []
    files = sorted(p for p in folder.iterdir() if p.is_file())
    for p in files:
        suffix = p.suffix.lower()
        if suffix in (".tif", ".tiff"):
            rasters[p.stem.lower()] = p
            continue
        if suffix not in VECTOR_SUFFIXES or suffix == ".zip":
            continue
        if suffix == ".gpkg":
            raws.extend(_read_gpkg(p, wanted))
            continue
        # one broken layer file does not make the other layers of the folder unusable: it
        # is reported as «ubrukelig», as a broken layer inside a GeoPackage is
        if suffix in (".gml", ".xml"):
            if wanted is not None and "arealformal" not in wanted:
                continue
            name, read = "arealformal", lambda p=p: _read_gml(p, None)
        elif layer_key(p.stem) in SCHEMAS and (wanted is None or layer_key(p.stem) in wanted):
            name, read = layer_key(p.stem), lambda p=p: _read_single(p, None)
        else:
            continue
        try:
            raws.extend(read())
        except UnreadableInput as e:
            broken.append(e)
            raws.append(_RawLayer(name, None, p.name, error=e.message))
    if broken and all(r.gdf is None for r in raws):
        raise broken[0]   # nothing in the folder can be read at all
    return raws, rasters


def _working_crs(raws: list[_RawLayer], config: Config | None, crs: str | None) -> CRS:
    forced = 0
    if config is not None:
        try:
            forced = int(config.get("kommune.working_epsg", 0) or 0)
        except (TypeError, ValueError):
            forced = 0
    if forced:
        return CRS.from_epsg(forced)
    votes: dict[int, int] = {}
    for r in raws:
        if r.gdf is None or r.gdf.crs is None:
            continue
        epsg = r.gdf.crs.to_epsg()
        if epsg in NORWEGIAN_UTM:
            votes[epsg] = votes.get(epsg, 0) + (3 if r.name == "kommune" else 1)
    if votes:
        return CRS.from_epsg(max(sorted(votes), key=lambda k: votes[k]))
    if crs is not None:
        c = parse_crs(crs)
        if c.to_epsg() in NORWEGIAN_UTM:
            return c
    # derive a zone from the data's longitude
    for r in raws:
        if r.gdf is None or len(r.gdf) == 0:
            continue
        src = r.gdf.crs or (parse_crs(crs) if crs else None)
        if src is None:
            continue
        try:
            b = r.gdf.total_bounds
            lon, _lat = Transformer.from_crs(src, 4326, always_xy=True).transform(
                (b[0] + b[2]) / 2, (b[1] + b[3]) / 2)
            if np.isfinite(lon) and NORWAY_LONLAT[0] <= lon <= NORWAY_LONLAT[2]:
                return CRS.from_epsg(utm_for_lon(lon))
        except Exception:
            continue
    return CRS.from_epsg(25832)


def load(data: str | os.PathLike | None = None, *, layer: str | None = None,
         crs: str | int | None = None, config: Config | None = None,
         only: Iterable[str] | None = None) -> Dataset:
    """Load and validate DATA into a :class:`Dataset`.

    Parameters
    ----------
    data
        A GeoPackage, a folder of layer files, a single layer file (GeoJSON,
        Shapefile, GeoParquet, FlatGeobuf), a SOSI-GML plan file (read as the
        ``arealformal`` layer), or a zip with any of these. ``None``: the demo.
    layer
        Layer name for a single file that is not named after its layer.
    crs
        CRS assumed for layers that carry none (EPSG code or string).
    config
        Configuration (``kommune.working_epsg`` forces the working CRS).
    only
        Read only these layers (others are reported as not read).

    Raises
    ------
    UnreadableInput
        DATA cannot be read at all (exit code 2).
    """
    if config is None:
        try:
            config = load_config()
        except Exception:
            config = None
    path = Path(data) if data is not None else DEFAULT_DATA
    if data is None and not path.exists():
        raise UnreadableInput(
            f"Demodataene finnes ikke ({path}). Bygg dem med «python -m geoplan demo»."
        )
    if not path.exists():
        raise UnreadableInput(f"Fant ikke {path}. Kontroller filnavnet og stien.")
    if layer is not None and layer not in SCHEMAS:
        raise UnreadableInput(
            f"Ukjent lagnavn «{layer}» (--layer). Gyldige navn: {', '.join(SCHEMAS)}."
        )
    assume = parse_crs(crs) if crs is not None else None
    wanted = set(only) if only is not None else None
    if wanted is not None and "kommune" in SCHEMAS:
        wanted.add("kommune")  # cheap, and it decides the working CRS

    tmpdir = None
    try:
        rasters: dict[str, Path] = {}
        if path.is_dir():
            raws, rasters = _read_folder(path, wanted)
        elif path.suffix.lower() == ".zip":
            _sniff(path)
            tmpdir = Path(tempfile.mkdtemp(prefix="geoplan-zip-"))
            safe_extract_zip(path, tmpdir)
            inner = [p for p in tmpdir.rglob("*") if p.is_file()
                     and p.suffix.lower() in VECTOR_SUFFIXES - {".zip"}]
            if not inner:
                raise UnreadableInput(f"Zip-filen {path.name} inneholder ingen geodatafiler.")
            raws = []
            for p in inner:
                raws.extend(_read_single(p, layer if len(inner) == 1 else None))
            for p in tmpdir.rglob("*.tif"):
                rasters[p.stem.lower()] = p
        else:
            raws = _read_single(path, layer, wanted)
            for name in RASTER_NAMES:
                for cand in (path.parent / f"{name}.tif", path.parent / f"{name}.tiff"):
                    if cand.exists() and path.suffix.lower() == ".gpkg":
                        rasters[name] = cand
        if wanted is not None:
            raws = [r for r in raws if r.name in wanted]

        target = _working_crs(raws, config, crs)
        layers: dict[str, gpd.GeoDataFrame] = {}
        reports: dict[str, LayerReport] = {}
        for raw in raws:
            if raw.name in reports:
                reports[raw.name].add(f"Laget finnes flere ganger; {raw.source} er ikke brukt.", "advarsel")
                continue
            rep = LayerReport(name=raw.name, source=raw.source)
            if raw.gdf is None:
                rep.add(raw.error or "Kunne ikke leses.", "ubrukelig")
                reports[raw.name] = rep
                continue
            if raw.expected is not None and raw.expected != len(raw.gdf):
                rep.add(f"Filen oppgir {raw.expected} objekter, men {len(raw.gdf)} ble lest. "
                        "Filen er trolig skadet; hent den på nytt.", "ubrukelig")
                reports[raw.name] = rep
                continue
            for note in raw.notes:
                rep.add(note, "advarsel")
            gdf, rep = validate_layer(raw.gdf, raw.name, source=raw.source,
                                      assume_crs=assume, target_crs=target, report=rep)
            reports[raw.name] = rep
            if gdf is not None:
                layers[raw.name] = gdf
        for name, schema in SCHEMAS.items():
            if name not in reports and (wanted is None or name in wanted):
                reports[name] = LayerReport(
                    name=name, status="mangler",
                    messages=[f"Laget finnes ikke i dataene ({schema.label})."
                              + (f" Trengs av: {', '.join(schema.used_by)}." if schema.used_by else
                                 " Valgfritt; analysene som bruker det, sier fra.")])
        if not layers and all(r.status in ("mangler",) for r in reports.values()):
            raise UnreadableInput(
                f"Fant ingen kjente lag i {path}. Lagene må hete som i datakontrakten "
                f"({', '.join(SCHEMAS)}); for en enkeltfil, oppgi --layer NAVN."
            )
        unreadable = [r for r in reports.values() if r.status == "ubrukelig"]
        if not layers and unreadable and all(r.status in ("mangler", "ubrukelig")
                                             for r in reports.values()):
            # nothing at all can be used: the input as a whole is unreadable (exit 2)
            raise UnreadableInput(" ".join(m for r in unreadable for m in r.messages[:1]))
        for name, rpath in list(rasters.items()):
            if name not in RASTER_NAMES:
                rasters.pop(name)
        ds = Dataset(source=str(path), crs=target, layers=layers, rasters=rasters, reports=reports)
        _check_rasters(ds)
        return ds
    finally:
        if tmpdir is not None and not rasters:
            shutil.rmtree(tmpdir, ignore_errors=True)


def _check_rasters(ds: Dataset) -> None:
    """Open each raster once; drop unreadable ones with a report entry."""
    import rasterio

    for name, p in list(ds.rasters.items()):
        rep = LayerReport(name=f"{name}.tif", source=str(p))
        try:
            with rasterio.open(p) as src:
                rep.crs = _crs_label(CRS.from_user_input(src.crs)) if src.crs else None
                rep.n_read = rep.n_kept = 1
                if src.crs is None:
                    rep.add("Rasteret har ikke koordinatsystem; det brukes ikke.", "problem")
                    ds.rasters.pop(name)
                else:
                    rep.add(f"{src.width} × {src.height} celler à {abs(src.res[0]):g} m.")
        except Exception as e:
            rep.add(f"Rasteret {p.name} kan ikke leses ({str(e).splitlines()[0]}); det brukes ikke.",
                    "ubrukelig")
            ds.rasters.pop(name)
        ds.reports[f"{name}.tif"] = rep
