"""Reading Kartverket's address register and the housing office's list.

The register is «Matrikkelen - Adresse» as Geonorge distributes it per kommune
(``Basisdata_<knr>_<navn>_<epsg>_MatrikkelenAdresse_CSV.zip``): one UTF-8 CSV
file, semicolon-separated, with a header row of ``lokalid;kommunenummer;
kommunenavn;adressetype;…;adressenavn;nummer;bokstav;gardsnummer;bruksnummer;
festenummer;undernummer;adresseTekst;…;EPSG-kode;Nord;Øst;…;grunnkretsnummer;…;
adresseId;…``. Columns are found by name (case-insensitive), so a column added
or moved by Kartverket does not matter.

The list is whatever a housing office keeps: Excel (.xlsx) or CSV (``;``, ``,``
or tab), with the columns recognised by role (``config/geocode.toml``).
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from pyproj import CRS

from geoplan.config.geocode import ROLES, GeocodeSettings
from geoplan.errors import UnreadableInput, csv_line
from geoplan.io.crs import NORWEGIAN_UTM, check_coordinates
from geoplan.io.geocode.names import canonical, header_key, literal

#: register columns geoplan needs (lower case) and those it uses when present
REGISTER_REQUIRED = ("adressenavn", "nummer", "nord", "øst")
REGISTER_OPTIONAL = ("bokstav", "gardsnummer", "bruksnummer", "festenummer", "kommunenummer",
                     "adressetekst", "adresseid", "lokalid", "grunnkretsnummer", "epsg-kode",
                     "adressetype")


def _decode(raw: bytes, name: str) -> str:
    for enc in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    raise UnreadableInput(f"Filen {name} har et tegnsett geoplan ikke kjenner (verken UTF-8 eller "
                          "Windows-1252). Lagre den på nytt som CSV (UTF-8).")  # pragma: no cover


def _register_text(path: Path) -> tuple[str, str]:
    """The CSV text of the register (from the zip Geonorge delivers, or the CSV itself)."""
    if not path.exists():
        raise UnreadableInput(f"Fant ikke adresseregisteret {path}. Kontroller filnavnet og stien.")
    if path.suffix.lower() == ".zip":
        try:
            with zipfile.ZipFile(path) as zf:
                names = [n for n in zf.namelist() if n.lower().endswith(".csv")]
                if not names:
                    raise UnreadableInput(
                        f"Zip-filen {path.name} inneholder ingen CSV-fil. Last ned «Matrikkelen - "
                        "Adresse» i formatet CSV fra Geonorge.")
                return _decode(zf.read(names[0]), names[0]), f"{path.name}:{names[0]}"
        except zipfile.BadZipFile:
            raise UnreadableInput(f"Filen {path} er ikke en gyldig zip-fil.") from None
    return _decode(path.read_bytes(), path.name), path.name


@dataclass
class AddressRegister:
    """The address register of one or more kommuner, indexed for matching.

    ``frame`` has one row per address: ``adressenavn``, ``nummer`` (int),
    ``bokstav``, ``gnr``, ``bnr``, ``fnr`` (Int64), ``kommunenummer``,
    ``adressetekst``, ``adresse_id``, ``grunnkretsnummer``, ``x``, ``y``.
    """

    frame: pd.DataFrame
    crs: CRS
    source: str
    street_words: dict[str, tuple[str, ...]]
    by_literal: dict[str, list[str]] = field(default_factory=dict)
    by_canonical: dict[str, list[str]] = field(default_factory=dict)
    numbers: dict[str, dict[tuple[int, str], list[int]]] = field(default_factory=dict)
    by_property: dict[tuple[int, int], list[int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        f = self.frame
        for pos, (name, nr, letter) in enumerate(zip(f["adressenavn"], f["nummer"], f["bokstav"])):
            if name not in self.numbers:
                self.numbers[name] = {}
                self.by_literal.setdefault(literal(name), []).append(name)
                self.by_canonical.setdefault(canonical(name, self.street_words), []).append(name)
            self.numbers[name].setdefault((int(nr), letter), []).append(pos)
        for pos, (g, b) in enumerate(zip(f["gnr"], f["bnr"])):
            if pd.notna(g) and pd.notna(b):
                self.by_property.setdefault((int(g), int(b)), []).append(pos)

    def label(self, pos: int) -> str:
        """The address as the register writes it («Vardåsveien 110B»)."""
        row = self.frame.iloc[pos]
        return str(row["adressetekst"]) if row["adressetekst"] else (
            f"{row['adressenavn']} {row['nummer']}{row['bokstav']}")


def _register_frame(df: pd.DataFrame, source: str) -> pd.DataFrame:
    cols = {str(c).strip().lower(): c for c in df.columns}
    missing = [c for c in REGISTER_REQUIRED if c not in cols]
    if missing:
        raise UnreadableInput(
            f"{source} ser ikke ut som Kartverkets adresseregister («Matrikkelen - Adresse», CSV): "
            f"kolonnene {', '.join(missing)} mangler (fant: {', '.join(list(cols)[:12])} …). Last ned "
            "adressene for kommunen som CSV fra Geonorge.")

    def col(name: str) -> pd.Series:
        return df[cols[name]] if name in cols else pd.Series([None] * len(df), index=df.index)

    def integer(name: str) -> pd.Series:
        return pd.to_numeric(col(name), errors="coerce").astype("Int64")

    out = pd.DataFrame({
        "adressenavn": col("adressenavn").fillna("").astype(str).str.strip(),
        "nummer": integer("nummer"),
        "bokstav": col("bokstav").fillna("").astype(str).str.strip().str.upper(),
        "gnr": integer("gardsnummer"), "bnr": integer("bruksnummer"), "fnr": integer("festenummer"),
        "kommunenummer": col("kommunenummer").fillna("").astype(str).str.strip().str.zfill(4),
        "adressetekst": col("adressetekst").fillna("").astype(str),
        "adresse_id": col("adresseid").fillna(col("lokalid")).fillna("").astype(str),
        "grunnkretsnummer": col("grunnkretsnummer").fillna("").astype(str).str.strip(),
        "x": pd.to_numeric(col("øst").astype(str).str.replace(",", "."), errors="coerce"),
        "y": pd.to_numeric(col("nord").astype(str).str.replace(",", "."), errors="coerce"),
        "epsg": pd.to_numeric(col("epsg-kode"), errors="coerce"),
    })
    out.loc[out["grunnkretsnummer"].str.fullmatch(r"\d{7}"), "grunnkretsnummer"] = \
        out["grunnkretsnummer"].str.zfill(8)
    return out


def _register_crs(frame: pd.DataFrame, source: str) -> CRS:
    codes = sorted({int(c) for c in frame["epsg"].dropna()})
    if len(codes) > 1:
        raise UnreadableInput(f"{source} har adresser i flere koordinatsystemer (EPSG {codes}). "
                              "Last ned én fil per koordinatsystem.")
    epsg = codes[0] if codes else None
    if epsg is None:
        raise UnreadableInput(f"{source} mangler kolonnen «EPSG-kode»; geoplan vet ikke hvilket "
                              "koordinatsystem Nord/Øst er i. Bruk filen slik Geonorge leverer den.")
    if epsg not in NORWEGIAN_UTM:
        raise UnreadableInput(f"{source} har EPSG-kode {epsg}; geoplan forventer EUREF89 UTM "
                              "(25832, 25833 eller 25835) slik Geonorge leverer adressene.")
    return CRS.from_epsg(epsg)


def read_address_register(path: str | Path, settings: GeocodeSettings,
                          kommune: str | None = None) -> AddressRegister:
    """Kartverket's address register (CSV or the zip Geonorge delivers); ``kommune``: only it."""
    path = Path(path)
    text, source = _register_text(path)
    try:
        df = pd.read_csv(io.StringIO(text), sep=";", dtype=str, keep_default_na=False,
                         na_values=[""])
    except (pd.errors.ParserError, ValueError) as e:
        raise UnreadableInput(f"{source} kan ikke leses som CSV med semikolon{csv_line(e)} (feil "
                              "antall felt, eller filen er avkortet). Bruk filen slik Geonorge "
                              "leverer den.") from None
    frame = _register_frame(df, source)
    crs = _register_crs(frame, source)
    bad = frame["x"].isna() | frame["y"].isna() | frame["nummer"].isna() | (frame["adressenavn"] == "")
    frame = frame[~bad].reset_index(drop=True)   # matrikkeladresser without a street have no number
    if kommune:
        frame = frame[frame["kommunenummer"] == str(kommune).zfill(4)].reset_index(drop=True)
        if frame.empty:
            raise UnreadableInput(f"{source} har ingen adresser i kommune {kommune}. Kontroller "
                                  "--kommune, eller last ned adressene for riktig kommune.")
    if frame.empty:
        raise UnreadableInput(f"{source} inneholder ingen vegadresser med koordinater.")
    _check_in_norway(frame, crs, source)
    return AddressRegister(frame=frame, crs=crs, source=source, street_words=settings.street_words)


def _check_in_norway(frame: pd.DataFrame, crs: CRS, source: str) -> None:
    import geopandas as gpd

    from geoplan.io.contract import LayerReport
    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(frame["x"], frame["y"]), crs=crs)
    rep = LayerReport(name="adresser")
    if not check_coordinates(pts, crs, rep):
        raise UnreadableInput(f"{source}: {rep.messages[-1]}")


# ---------------------------------------------------------------------------
# The housing office's list
# ---------------------------------------------------------------------------

def _read_csv_list(path: Path) -> pd.DataFrame:
    text = _decode(path.read_bytes(), path.name)
    try:
        sep = csv.Sniffer().sniff(text[:4096], delimiters=";,\t").delimiter
    except csv.Error:
        sep = ";"
    try:
        return pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False,
                           na_values=[""])
    except (pd.errors.ParserError, ValueError) as e:
        raise UnreadableInput(f"Listen {path.name} kan ikke leses som CSV{csv_line(e)} (feil antall "
                              "felt i en rad). Lagre den på nytt fra Excel som CSV eller .xlsx.") from None


def _sheet_label(sheet: str | None) -> str:
    return f"«{sheet}»" if sheet else "nr. 1"


def _sheets_there(path: Path, sheet: str | None) -> str:
    """What a user can do about a sheet pandas could not read: the sheets the file has."""
    try:
        from openpyxl import load_workbook

        names = load_workbook(path, read_only=True).sheetnames
    except Exception:  # noqa: BLE001 - the file itself is the problem
        return "filen er ikke en gyldig Excel-fil. Lagre den på nytt som .xlsx eller CSV."
    if sheet and sheet not in names:
        return (f"arket finnes ikke. Arkene i filen: {', '.join('«' + n + '»' for n in names)}; "
                "velg ett med --sheet.")
    return "arket kan ikke leses som en tabell. Lagre det på nytt som .xlsx eller CSV."


def read_housing_list(path: str | Path, sheet: str | None = None) -> pd.DataFrame:
    """The housing office's list (.xlsx or .csv), every cell as text, blank cells as NA."""
    path = Path(path)
    if not path.exists():
        raise UnreadableInput(f"Fant ikke listen {path}. Kontroller filnavnet og stien.")
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt"):
        df = _read_csv_list(path)
    elif suffix in (".xlsx", ".xlsm"):
        try:
            df = pd.read_excel(path, sheet_name=sheet or 0, dtype=str, engine="openpyxl")
        except ValueError:   # e.g. a sheet that does not exist (pandas says so in English)
            raise UnreadableInput(f"Kan ikke lese arket {_sheet_label(sheet)} i {path.name}: "
                                  f"{_sheets_there(path, sheet)}") from None
        except Exception:
            raise UnreadableInput(f"{path.name} er ikke en gyldig Excel-fil (.xlsx). Åpne den i Excel "
                                  "og lagre den på nytt som .xlsx eller CSV.") from None
    else:
        raise UnreadableInput(f"{path.name}: geoplan leser lister som Excel (.xlsx) eller CSV. "
                              "Lagre listen i ett av disse formatene.")
    df.columns = [str(c).strip() for c in df.columns]
    return df.replace(r"^\s*$", np.nan, regex=True)


def resolve_columns(df: pd.DataFrame, settings: GeocodeSettings,
                    explicit: dict[str, str] | None = None) -> dict[str, str]:
    """Role -> column of ``df``: ``explicit`` (``--column ROLE=NAME``) first, then by header name.

    Raises :class:`UnreadableInput` for an unknown role or column, or when the
    list has neither an address, a street name and number, nor gnr and bnr.
    """
    roles: dict[str, str] = {}
    for role, name in (explicit or {}).items():
        if role not in ROLES:
            raise UnreadableInput(f"Ukjent rolle «{role}» i --column. Gyldige roller: {', '.join(ROLES)}.")
        if name not in df.columns:
            raise UnreadableInput(f"Kolonnen «{name}» (--column {role}={name}) finnes ikke i listen. "
                                  f"Kolonnene er: {', '.join(map(str, df.columns))}.")
        roles[role] = name
    keys = {header_key(c): c for c in df.columns}
    taken = set(roles.values())
    for role in ROLES:
        if role in roles:
            continue
        for cand in settings.columns.get(role, ()):
            col = keys.get(header_key(cand))
            if col is not None and col not in taken:
                roles[role] = col
                taken.add(col)
                break
    if not ("adresse" in roles or {"gatenavn", "husnr"} <= set(roles) or {"gnr", "bnr"} <= set(roles)):
        raise UnreadableInput(
            "Fant ingen kolonne med adresse (f.eks. «Adresse», eller «Gatenavn» og «Husnr») eller "
            f"gårds- og bruksnummer («Gnr» og «Bnr») i listen. Kolonnene er: "
            f"{', '.join(map(str, df.columns))}. Oppgi kolonnen med --column adresse=NAVN.")
    return roles
