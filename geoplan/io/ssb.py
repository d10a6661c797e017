"""Readers for SSB's population products: the projection table and BefolkningPåGrunnkrets.

**Population projections** (Statistikkbanken, table 14288 for the 2024
projections, «Framskrevet folkemengde 1. januar, etter region, kjønn, alder, år
og statistikkvariabel»; earlier rounds 12882, 13599 ...). Its dimensions are
``Region`` (kommunenummer, label «Larvik»), ``Kjonn`` (1 Menn, 2 Kvinner),
``Alder`` (``000`` … ``105``, «105 år eller eldre»; or groups such as
``067-079``), ``Tid`` (year) and ``ContentsCode``, whose categories are the
projection alternatives: ``Personer`` = «Hovedalternativet (MMMM)»,
``Personer1`` = «Lav nasjonal vekst (LLML)», ``Personer2`` = «Høy nasjonal vekst
(HHMH)», then MMML, MMMH, LHML (sterk aldring), HLMH (svak aldring), MMM0 and
MM00. The four letters are fertility, life expectancy, internal migration and
immigration (L low, M middle, H high, 0 none). Some older tables carry the
alternative in a separate ``Framskriv`` dimension. Both layouts are read.

:func:`read_projection` reads JSON-stat2 (the API's and Statistikkbanken's
«JSON-stat2» download) and CSV as Statistikkbanken writes it: a title line,
then a header of the stub dimensions (``region;kjønn;alder;år;statistikkvariabel``)
and either one value column (long layout) or one column per year and/or
alternative («Hovedalternativet (MMMM) 2030»); separators ``;`` ``,`` or tab,
UTF-8 or Windows-1252, decimal comma, ``..`` ``.`` ``:`` ``-`` for missing.

**BefolkningPåGrunnkrets** (Geonorge, SSB/Kartverket): per grunnkrets
``grunnkretsnummer``, ``totalBefolkning`` and five-year groups
``befolkning0Til04År`` … ``befolkning85Til89År``, ``befolkning90ÅrOgOver``
(also spelt ``…Aar…``). Small cells are suppressed (empty), so a row's groups
can sum to less than its total. :func:`age_columns` finds those columns in any
case; :func:`read_grunnkrets_population` reads the product from a file (GML,
GeoPackage, GeoJSON, Shapefile or CSV).
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from geoplan.errors import UnreadableInput
from geoplan.numbers import read_count

#: projection alternative codes: fertility, life expectancy, internal migration, immigration
VARIANT_RE = re.compile(r"\b([LMHK0]{4})\b")
_DIM_NAMES = {
    "region": ("region", "kommune", "geo"),
    "kjonn": ("kjonn", "kjønn", "kjnn", "sex"),
    "alder": ("alder", "age"),
    "aar": ("tid", "år", "aar", "ar", "year", "time"),
    "variant": ("contentscode", "statistikkvariabel", "framskriv", "alternativ",
                "framskrivingsalternativ", "contents"),
}


@dataclass
class Projection:
    """A population projection in long form.

    ``table`` columns: ``kommunenummer`` (str), ``region`` (label), ``kjonn``
    (``"1"`` menn, ``"2"`` kvinner, ``"0"`` begge), ``alder_fra``, ``alder_til``
    (whole years, inclusive; ``alder_til`` NaN for «… eller eldre»), ``aar``,
    ``variant`` (``MMMM`` …), ``personer`` (float; NaN where SSB has no figure).
    ``variants``: code -> label as the file gives it.
    """

    table: pd.DataFrame
    source: str
    title: str = ""
    variants: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def years(self) -> list[int]:
        return sorted(int(y) for y in self.table["aar"].unique())

    @property
    def regions(self) -> list[str]:
        return sorted(self.table["kommunenummer"].unique())

    def by_age(self, *, region: str | None = None) -> pd.DataFrame:
        """Persons per ``variant``, ``aar``, ``alder_fra``, ``alder_til`` (sexes summed)."""
        t = self.table
        if region is not None:
            t = t[t["kommunenummer"] == region]
        elif len(self.regions) > 1:
            raise UnreadableInput(
                f"Framskrivingsfila {self.source} har flere regioner ({', '.join(self.regions[:6])}). "
                "Velg kommunen med --kommune KOMMUNENUMMER.")
        both = t[t["kjonn"] == "0"]
        if len(both) and not len(t[t["kjonn"] != "0"]):
            t = both
        else:
            t = t[t["kjonn"] != "0"] if (t["kjonn"] != "0").any() else t
        keys = ["variant", "aar", "alder_fra", "alder_til"]
        return (t.groupby(keys, dropna=False, sort=True)["personer"]
                .sum(min_count=1).reset_index())


# ---------------------------------------------------------------------------
# labels
# ---------------------------------------------------------------------------

def parse_age(code: str, label: str = "") -> tuple[int, float] | None:
    """(from, to) whole years of an age category; to = NaN for «… eller eldre»; None for all ages.

    >>> parse_age("080", "80 år")
    (80, 80.0)
    >>> parse_age("105+", "105 år eller eldre")[0]
    105
    >>> parse_age("067-079", "67-79 år")
    (67, 79.0)
    """
    for s in (str(label), str(code)):
        t = s.strip().lower().replace("–", "-").replace("\u00a0", " ")
        if not t:
            continue
        if re.search(r"alle aldre|i alt|total|^999$", t):
            return None
        m = re.match(r"^(\d+)\s*(?:år)?\s*(?:eller eldre|og eldre|og over|\+)", t)
        lead = re.match(r"\d+", t)
        if lead is not None and (m or re.match(r"^\d+\+$", t)):
            return int(lead.group()), np.nan
        m = re.match(r"^(\d+)\s*-\s*(\d+)", t)
        if m:
            return int(m.group(1)), float(int(m.group(2)))
        m = re.match(r"^(\d+)\s*(?:år)?$", t)
        if m:
            return int(m.group(1)), float(int(m.group(1)))
    return None


def parse_sex(code: str, label: str = "") -> str:
    t = f"{code} {label}".strip().lower()
    if re.search(r"begge|i alt|alle|^0\b", t):
        return "0"
    if re.search(r"kvinne|jente|female|^2\b", t):
        return "2"
    if re.search(r"menn|mann|gutt|male|^1\b", t):
        return "1"
    return "0"


def parse_region(code: str, label: str = "") -> tuple[str, str]:
    """(kommunenummer, name): ``3909`` / «Larvik» / «3909 Larvik» / «K-3909 Larvik»."""
    code, label = str(code).strip(), str(label).strip()
    m = re.search(r"(?<!\d)(\d{4})(?!\d)", code) or re.search(r"(?<!\d)(\d{4})(?!\d)", label)
    num = m.group(1) if m else code
    name = re.sub(r"^\s*(K-)?\d{4}\s*", "", label) or label or code
    return num, name


def parse_variant(code: str, label: str = "") -> str:
    """The four-letter alternative in a label («Hovedalternativet (MMMM)» -> MMMM), else the code."""
    for s in (str(label), str(code)):
        m = VARIANT_RE.search(s)
        if m:
            return m.group(1)
    return str(code).strip() or str(label).strip()


def _number(v) -> float:
    """A value cell: :func:`geoplan.numbers.read_count` (SSB's markers and anything
    unreadable NaN), quotes of a CSV cell removed."""
    return read_count(v.strip().strip('"') if isinstance(v, str) else v)


def _role(dim_id: str, label: str = "") -> str | None:
    for key in (dim_id, label):
        k = str(key).strip().lower()
        for role, names in _DIM_NAMES.items():
            if k in names:
                return role
    return None


# ---------------------------------------------------------------------------
# JSON-stat2
# ---------------------------------------------------------------------------

def _category(dim: dict) -> tuple[list[str], list[str]]:
    cat = dim.get("category", {})
    index = cat.get("index")
    labels = cat.get("label", {}) or {}
    if index is None:
        codes = list(labels)
    elif isinstance(index, list):
        codes = [str(c) for c in index]
    else:
        codes = [c for c, _ in sorted(index.items(), key=lambda kv: kv[1])]
    return codes, [str(labels.get(c, c)) for c in codes]


def _jsonstat_frame(ds: dict, source: str) -> tuple[pd.DataFrame, str]:
    ids = ds.get("id")
    sizes = ds.get("size")
    dims = ds.get("dimension")
    if not ids or not sizes or not isinstance(dims, dict):
        raise UnreadableInput(f"{source} er ikke et JSON-stat2-datasett (mangler id, size eller "
                              "dimension). Last ned tabellen som «JSON-stat2» fra Statistikkbanken.")
    n = int(np.prod(sizes))
    raw = ds.get("value")
    vals = np.full(n, np.nan)
    if isinstance(raw, list):
        vals[:len(raw)] = [_number(v) for v in raw]
    elif isinstance(raw, dict):
        for k, v in raw.items():
            vals[int(k)] = _number(v)
    cols: dict[str, np.ndarray] = {}
    grids = np.unravel_index(np.arange(n), sizes)
    for d, pos in zip(ids, grids):
        codes, labels = _category(dims[d])
        cols[f"{d}|code"] = np.asarray(codes, dtype=object)[pos]
        cols[f"{d}|label"] = np.asarray(labels, dtype=object)[pos]
    frame = pd.DataFrame(cols)
    frame["value"] = vals
    roles: dict[str, list[str]] = {}
    for d in ids:
        role = _role(d, dims[d].get("label", ""))
        if role is None and d in (ds.get("role", {}) or {}).get("time", []):
            role = "aar"
        if role is None and d in (ds.get("role", {}) or {}).get("metric", []):
            role = "variant"
        if role is None and d in (ds.get("role", {}) or {}).get("geo", []):
            role = "region"
        if role is not None:
            roles.setdefault(role, []).append(d)
    return _standardise(frame, roles, source), str(ds.get("label", ""))


def _parsed(parse, codes, labels) -> list:
    """``[parse(code, label) ...]`` per row, each distinct pair parsed once (a table has few)."""
    memo: dict = {}
    out = []
    for c, lab in zip(codes, labels):
        key = (c, lab)
        if key not in memo:
            memo[key] = parse(c, lab)
        out.append(memo[key])
    return out


def _standardise(frame: pd.DataFrame, roles: dict[str, list[str]], source: str) -> pd.DataFrame:
    """Long frame with ``dim|code`` / ``dim|label`` columns -> the :class:`Projection` table."""
    for need in ("alder", "aar"):
        if need not in roles:
            name = {"alder": "alder (Alder)", "aar": "år (Tid)"}[need]
            raise UnreadableInput(
                f"Framskrivingsfila {source} mangler dimensjonen {name}. Ta med region, kjønn, "
                "alder, år og statistikkvariabel når tabellen lastes ned.")

    def col(role: str, part: str) -> pd.Series:
        ds = roles.get(role, [])
        if not ds:
            return pd.Series([""] * len(frame), index=frame.index, dtype=object)
        return frame[f"{ds[0]}|{part}"].astype(str)

    ages = _parsed(parse_age, col("alder", "code"), col("alder", "label"))
    keep = np.array([a is not None for a in ages], dtype=bool)
    reg = _parsed(parse_region, col("region", "code"), col("region", "label"))
    # a variant dimension and a second one (Framskriv + ContentsCode): the one with codes wins
    var_dims = roles.get("variant", [])
    vcode = [""] * len(frame)
    for d in var_dims:
        cand = _parsed(parse_variant, frame[f"{d}|code"].astype(str),
                       frame[f"{d}|label"].astype(str))
        if any(VARIANT_RE.fullmatch(v) for v in cand) or not any(vcode):
            vcode = cand
    vlabel = col("variant", "label").to_numpy()
    if var_dims:
        for d in var_dims:
            lab = frame[f"{d}|label"].astype(str).to_numpy()
            if any(VARIANT_RE.search(x) for x in lab):
                vlabel = lab
    years = pd.to_numeric(col("aar", "code").str.extract(r"(\d{4})")[0], errors="coerce")
    out = pd.DataFrame({
        "kommunenummer": [r[0] for r in reg],
        "region": [r[1] for r in reg],
        "kjonn": _parsed(parse_sex, col("kjonn", "code"), col("kjonn", "label")),
        "alder_fra": [a[0] if a else -1 for a in ages],
        "alder_til": [a[1] if a else np.nan for a in ages],
        "aar": years,
        "variant": vcode if any(vcode) else ["MMMM"] * len(frame),
        "variant_navn": vlabel if var_dims else ["Hovedalternativet (MMMM)"] * len(frame),
        "personer": frame["value"].to_numpy(dtype=float),
    })
    out = out[keep & out["aar"].notna().to_numpy()].copy()
    if out.empty:
        raise UnreadableInput(f"Framskrivingsfila {source} har ingen rader med alder og år.")
    out["aar"] = out["aar"].astype(int)
    out["kommunenummer"] = out["kommunenummer"].astype(str)
    return out.reset_index(drop=True)


# ---------------------------------------------------------------------------
# CSV
# ---------------------------------------------------------------------------

def _decode(data: bytes) -> str:
    for enc in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _rows(text: str) -> list[list[str]]:
    lines = [ln for ln in text.splitlines() if ln.strip()]
    sample = "\n".join(lines[:20])
    counts = {d: sample.count(d) for d in (";", "\t", ",")}
    delim = max(counts, key=lambda d: counts[d])
    return [[c.strip() for c in r] for r in csv.reader(io.StringIO("\n".join(lines)), delimiter=delim)]


def _csv_frame(text: str, source: str) -> tuple[pd.DataFrame, str]:
    rows = _rows(text)
    head_i = next((i for i, r in enumerate(rows)
                   if sum(_role(c) is not None for c in r) >= 2), None)
    if head_i is None:
        raise UnreadableInput(
            f"Fant ikke kolonneoverskriftene (region, kjønn, alder, år …) i {source}. Last ned "
            "tabellen som CSV fra Statistikkbanken med overskrifter, eller som JSON-stat2.")
    title = " ".join(rows[0]) if head_i > 0 else ""
    header = list(rows[head_i])
    # an upper header row (the alternative above the years) is joined into the labels
    for up in rows[max(0, head_i - 1):head_i]:
        if len(up) == len(header) and any(VARIANT_RE.search(c) for c in up):
            header = [f"{u} {h}".strip() if _role(h) is None else h for u, h in zip(up, header)]
            title = " ".join(rows[0]) if head_i > 1 else ""
    body = [r for r in rows[head_i + 1:] if len(r) >= len(header) - 1]
    roles = {i: _role(h) for i, h in enumerate(header)}
    stub = [i for i, r in roles.items() if r is not None]
    values = [i for i, r in roles.items() if r is None]
    if not values:
        raise UnreadableInput(f"{source} har ingen kolonne med tall.")
    recs = []
    for r in body:
        r = r + [""] * (len(header) - len(r))
        base = {roles[i]: r[i] for i in stub}
        for i in values:
            h = header[i]
            rec = dict(base)
            if "aar" not in rec:
                m = re.search(r"(?<!\d)(19|20|21)\d{2}(?!\d)", h)
                rec["aar"] = m.group() if m else ""
            if "variant" not in rec:
                rec["variant"] = h if (VARIANT_RE.search(h) or len(values) > 1) else ""
            rec["value"] = r[i]
            recs.append(rec)
    if not recs:
        raise UnreadableInput(f"{source} har ingen datarader under overskriften.")
    f = pd.DataFrame(recs)
    for c in ("region", "kjonn", "alder", "aar", "variant"):
        if c not in f.columns:
            f[c] = ""
    stub_cols = [c for c in ("region", "kjonn", "alder", "variant") if c in f.columns]
    f[stub_cols] = f[stub_cols].replace("", np.nan).ffill().fillna("")
    f["value"] = [_number(v) for v in f["value"]]
    var = f["variant"].astype(str)
    var = var.str.replace(r"(?<!\d)(19|20|21)\d{2}(?!\d)", "", regex=True).str.strip()
    frame = pd.DataFrame({
        "region|code": f["region"], "region|label": f["region"],
        "kjonn|code": f["kjonn"], "kjonn|label": f["kjonn"],
        "alder|code": f["alder"], "alder|label": f["alder"],
        "aar|code": f["aar"].astype(str), "aar|label": f["aar"].astype(str),
        "variant|code": var, "variant|label": var, "value": f["value"],
    })
    roles_map = {k: [k] for k in ("region", "kjonn", "alder", "aar", "variant")}
    return _standardise(frame, roles_map, source), title


# ---------------------------------------------------------------------------
# public readers
# ---------------------------------------------------------------------------

#: parsed projections of this process, by (path, size, mtime): a report reads the same
#: file for the population, the housing need and the access sections
_READ: dict[tuple, Projection] = {}


def read_projection(path: str | os.PathLike) -> Projection:
    """Read an SSB population projection (JSON-stat2 or Statistikkbanken CSV).

    A file read before in this process (same path, size and modification time) is
    not parsed again; the caller gets its own copy of the table.

    Raises
    ------
    UnreadableInput
        The file is missing, not a projection table, or lacks age or year.
    """
    p = Path(path)
    if not p.is_file():
        raise UnreadableInput(f"Fant ikke framskrivingsfila «{p}». Sjekk stien i --projection.")
    st = p.stat()
    key = (str(p.resolve()), st.st_size, st.st_mtime_ns)
    if key not in _READ:
        if len(_READ) > 8:
            _READ.clear()
        # parsed in an earlier run: the load cache (geoplan.io.cache) keeps it by the file
        from geoplan.io import cache

        ck = cache.make_key(p, {"reader": "ssb.read_projection"}) if cache.enabled() else None
        hit = cache.lookup(ck)
        if not isinstance(hit, Projection):
            hit = _read_projection(p)
            cache.store(ck, hit)
        _READ[key] = hit
    got = _READ[key]
    return Projection(table=got.table.copy(), source=got.source, title=got.title,
                      variants=dict(got.variants), notes=list(got.notes))


def _read_projection(p: Path) -> Projection:
    data = p.read_bytes()
    text = _decode(data)
    src = p.name
    if text.lstrip().startswith("{"):
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as e:
            raise UnreadableInput(f"{src} er ikke gyldig JSON (linje {e.lineno}): "
                                  "last ned tabellen på nytt som JSON-stat2.") from None
        if obj.get("class") != "dataset" and "dataset" in obj:   # JSON-stat 1 bundle
            obj = obj["dataset"] if "id" in obj["dataset"] else next(iter(obj.values()))
        table, title = _jsonstat_frame(obj, src)
    else:
        table, title = _csv_frame(text, src)
    variants = dict(zip(table["variant"], table["variant_navn"]))
    notes = []
    n_missing = int(table["personer"].isna().sum())
    if n_missing:
        notes.append(f"{n_missing} celler i framskrivingen har ingen verdi (SSB-symbol «..» o.l.) "
                     "og er regnet som ukjente, ikke som 0.")
    table = table.drop(columns="variant_navn")
    return Projection(table=table, source=src, title=title or table_title(src), variants=variants,
                      notes=notes)


def table_title(source: str) -> str:
    m = re.search(r"(?<!\d)(\d{5})(?!\d)", source)
    return f"SSB, tabell {m.group(1)}" if m else "SSB, befolkningsframskriving"


#: a BefolkningPåGrunnkrets age column: befolkning80Til84År / befolkning90ÅrOgOver (any case; Aar)
_AGE_COL = re.compile(r"^befolkning(\d+)til(\d+)(?:år|aar|ar)$")
_AGE_TOP = re.compile(r"^befolkning(\d+)(?:år|aar|ar)ogover$")


def age_columns(columns) -> dict[str, tuple[int, float]]:
    """The five-year group columns of BefolkningPåGrunnkrets: name -> (from, to; NaN open).

    >>> age_columns(["grunnkretsnummer", "befolkning80Til84År", "befolkning90ÅrOgOver"])
    {'befolkning80Til84År': (80, 84.0), 'befolkning90ÅrOgOver': (90, nan)}
    """
    out: dict[str, tuple[int, float]] = {}
    for c in columns:
        k = str(c).strip().lower()
        m = _AGE_COL.match(k)
        if m:
            out[str(c)] = (int(m.group(1)), float(int(m.group(2))))
            continue
        m = _AGE_TOP.match(k)
        if m:
            out[str(c)] = (int(m.group(1)), np.nan)
    return dict(sorted(out.items(), key=lambda kv: kv[1][0]))


def total_column(columns) -> str | None:
    """``totalBefolkning`` (or the contract's ``befolkning``), any case."""
    low = {str(c).lower(): str(c) for c in columns}
    for k in ("totalbefolkning", "befolkning", "total_befolkning"):
        if k in low:
            return low[k]
    return None


def read_grunnkrets_population(path: str | os.PathLike) -> pd.DataFrame:
    """Read BefolkningPåGrunnkrets from a file: ``grunnkretsnummer`` + total + age columns.

    Vector files (GML as Geonorge delivers it, GeoPackage, GeoJSON, Shapefile)
    through pyogrio, without geometry; CSV with ``;`` or ``,``. Cells are kept as
    read (empty = suppressed); column names as SSB writes them.
    """
    p = Path(path)
    if not p.exists():
        raise UnreadableInput(f"Fant ikke fila «{p}» (befolkning på grunnkrets).")
    if p.suffix.lower() in (".csv", ".txt"):
        rows = _rows(_decode(p.read_bytes()))
        if len(rows) < 2:
            raise UnreadableInput(f"{p.name} har ingen datarader.")
        w = len(rows[0])
        df = pd.DataFrame([r + [""] * (w - len(r)) for r in rows[1:]], columns=rows[0])
    else:
        import pyogrio

        try:
            df = pyogrio.read_dataframe(p, read_geometry=False)
        except Exception:
            raise UnreadableInput(
                f"Fila «{p.name}» kunne ikke leses som geodata. Bruk GML, GeoPackage, GeoJSON "
                "eller CSV fra Geonorge (BefolkningPåGrunnkrets).") from None
    low = {str(c).lower(): c for c in df.columns}
    gk = low.get("grunnkretsnummer") or low.get("grunnkretsnr") or low.get("grunnkrets")
    if gk is None or not age_columns(df.columns):
        raise UnreadableInput(
            f"«{p.name}» mangler kolonnen «grunnkretsnummer» eller aldersgruppene "
            "(befolkning0Til04År … befolkning90ÅrOgOver) fra BefolkningPåGrunnkrets.")
    df = df.rename(columns={gk: "grunnkretsnummer"})
    df["grunnkretsnummer"] = df["grunnkretsnummer"].astype(str).str.replace(r"\.0$", "", regex=True) \
        .str.zfill(8)
    return pd.DataFrame(df)
