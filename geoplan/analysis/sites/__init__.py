"""Site assessment before purchase: criteria from config -> a traffic-light checklist.

The property company and the housing office judge a site (or a flat) before they
buy it (DOMAIN.md §3). Each *criterion* is one declarative rule read from
``config/sites.toml`` (``[[criteria]]``), in the spirit of the Geonorge/DiBK plan
validators: what to measure (its *kind* and layer), the thresholds for yellow and
red and which direction is worse, the unit and the source. A new criterion of a
known kind is a config entry, not code.

Kinds (see :data:`KINDS`):

``inside``
    share of the site (%) inside the polygons of ``layer`` (a point: 0 or 100).
``zoning_share``
    share of the site (%) whose zoning code (``column``) is in ``codes``.
``distance``
    crow-fly distance (m) from the site to the nearest feature of ``layer``
    (optionally filtered: ``filter = {column = [values]}``).
``walking_distance``
    distance (m) along the walking network (``network`` layer, default ``gangnett``)
    to the nearest feature of ``layer`` (:mod:`geoplan.analysis.network`).
``raster``
    ``stat`` (max, mean, min, p90) of a GeoTIFF (``raster``: stoy, terreng) over the
    site; with ``slope = true`` the terrain slope (%) instead of the values.
``sum_within``
    sum of ``column`` of ``layer`` within ``radius_m`` of the site (e.g. neighbours).
``concentration``
    municipal dwellings before and after the purchase, ``scope`` grunnkrets (share
    of dwellings, %), radius (units within ``radius_m``) or bygning (share of the
    building's dwellings, %), via :mod:`geoplan.analysis.concentration`.

Usage::

    assessor = SiteAssessor.from_dataset(ds, cfg)       # indexes built once
    result = assessor.assess(Point(x, y), units=4, kategori="utleie", trinn=1)
    many = assessor.assess_many(sites_gdf, units=2)      # {"tomter": [...]} ranked

:meth:`SiteAssessor.assess` returns ``{"kriterier": [...], "samlet": "gronn"|"gul"|"rod",
"oppsummering": {...}, "tomt": {...}, "profiler": [...]}``; each criterion is
``{"id", "kriterium", "status", "verdi", "terskel", "enhet", "begrunnelse", "kilde", ...}``.
Statuses: ``gronn``, ``gul``, ``rod`` and ``ukjent`` (a layer or raster is missing,
the site is outside the raster, ...: the reason is in ``begrunnelse``). A missing
layer never raises.

All distances are in metres and areas in daa (1 daa = 1,000 m²), in the projected
CRS of the data. The functions here do no file I/O except reading the GeoTIFFs the
dataset points to (once, when the assessor is built).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from geoplan.errors import ConfigError, DataProblem

STATUSES = ("gronn", "gul", "rod", "ukjent")
STATUS_WORD = {"gronn": "Grønt", "gul": "Gult", "rod": "Rødt", "ukjent": "Ukjent"}
DIRECTIONS = {"max": "hoyere_er_verre", "min": "lavere_er_verre"}

#: Labels of the layers, for sentences ("nærmeste skole").
LAYER_NOUN = {
    "skole": "skole",
    "holdeplass": "holdeplass",
    "kollektivakse": "kollektivakse",
    "sentrum": "sentrum",
    "steinbrudd": "steinbrudd",
    "helsetjeneste": "helsetjeneste",
    "utviklingsgrense": "utviklingsgrense",
    "arealformal": "arealformål",
    "bygning": "bygning",
    "kommunal_bolig": "kommunal bolig",
    "grunnkrets": "grunnkrets",
}

#: A few SOSI land-use codes by name, for sentences.
SOSI_NAMES = {
    1110: "boligbebyggelse", 1111: "frittliggende småhusbebyggelse",
    1112: "konsentrert småhusbebyggelse", 1113: "blokkbebyggelse",
    1130: "sentrumsformål", 1300: "næringsvirksomhet",
    1500: "offentlig eller privat tjenesteyting", 1600: "fritidsbebyggelse",
    1800: "kombinert bebyggelse og anleggsformål", 2010: "veg",
    3001: "grønnstruktur", 5100: "LNFR",
}


# ---------------------------------------------------------------------------
# Criteria and profiles (config -> objects)
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Criterion:
    """One rule of the checklist (one ``[[criteria]]`` entry in ``config/sites.toml``).

    Attributes
    ----------
    id, kind, label
        Identifier, kind of measurement (a key of :data:`KINDS`), Norwegian label.
    layer
        Layer measured against (``None`` for raster criteria).
    unit
        Unit of the value (``m``, ``%``, ``dB``, ``enheter`` ...).
    direction
        ``"max"``: higher is worse; ``"min"``: lower is worse.
    yellow, red
        Thresholds in ``unit``; a value exactly at a threshold is on the good side.
    source
        Seed line, national guideline or "kommunalt valg".
    applies_to
        ``{"kategori": [...], "trinn": [...]}``; empty: always applies.
    options
        Every other key of the entry (``codes``, ``filter``, ``stat``, ``radius_m`` ...).
    """

    id: str
    kind: str
    label: str
    unit: str = ""
    layer: str | None = None
    direction: str = "max"
    yellow: float | None = None
    red: float | None = None
    source: str = ""
    assumption: bool = False
    decimals: int = 1
    applies_to: Mapping[str, Any] = field(default_factory=dict)
    options: Mapping[str, Any] = field(default_factory=dict)

    def opt(self, key: str, default: Any = None) -> Any:
        return self.options.get(key, default)

    def applies(self, kategori: str | None, trinn: int | None) -> bool:
        """Whether the criterion is used for a purchase of ``kategori`` at step ``trinn``."""
        return _matches(self.applies_to, kategori, trinn)


@dataclass(frozen=True)
class Profile:
    """Threshold changes for some purchases (``[[profiles]]`` in ``config/sites.toml``)."""

    id: str
    label: str
    source: str = ""
    match: Mapping[str, Any] = field(default_factory=dict)
    overrides: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def applies(self, kategori: str | None, trinn: int | None) -> bool:
        return bool(self.match) and _matches(self.match, kategori, trinn)


_CRITERION_FIELDS = {"id", "kind", "label", "unit", "layer", "direction", "yellow", "red",
                     "source", "assumption", "decimals", "applies_to"}


def normalise_kategori(kategori: str | None) -> str | None:
    """``"Housing First"`` -> ``"housing_first"``; ``None`` and ``""`` -> ``None``."""
    if kategori is None:
        return None
    k = str(kategori).strip().lower().replace("-", "_").replace(" ", "_")
    return k or None


def _matches(rule: Mapping[str, Any], kategori: str | None, trinn: int | None) -> bool:
    if not rule:
        return True
    if "kategori" in rule:
        allowed = {normalise_kategori(k) for k in _as_list(rule["kategori"])}
        if normalise_kategori(kategori) not in allowed:
            return False
    if "trinn" in rule:
        allowed_t = {int(t) for t in _as_list(rule["trinn"])}
        if trinn is None or int(trinn) not in allowed_t:
            return False
    return True


def _as_list(v: Any) -> list:
    if v is None:
        return []
    if isinstance(v, (list, tuple, set)):
        return list(v)
    return [v]


def _resolve_refs(entry: dict, config, where: str) -> dict:
    """Replace ``x`` by the config parameter named in ``x_ref`` when it exists."""
    out = dict(entry)
    for key in [k for k in entry if k.endswith("_ref")]:
        base = key[:-4]
        ref = entry[key]
        out.pop(key)
        if config is not None and isinstance(ref, str) and config.has(ref):
            val = config.get(ref)
            if base not in ("yellow", "red", "radius_m", "max_snap_m"):
                out[base] = val
            elif isinstance(val, (int, float)) and not isinstance(val, bool):
                out[base] = val
            else:
                raise ConfigError(
                    f"Kriteriet «{where}» viser til «{ref}» for «{base}», men verdien der "
                    f"({val!r}) er ikke et tall. Rett config/sites.toml eller parameteren."
                )
    return out


def criterion_from_dict(entry: Mapping[str, Any], config=None) -> Criterion:
    """Build and check one :class:`Criterion` from a config entry (a dict)."""
    if not isinstance(entry, Mapping):
        raise ConfigError("Hvert [[criteria]]-element i config/sites.toml må være en tabell.")
    cid = str(entry.get("id", "")).strip()
    if not cid:
        raise ConfigError("Et kriterium i config/sites.toml mangler «id». Gi hvert kriterium en id.")
    e = _resolve_refs(dict(entry), config, cid)
    refs_used = any(k.endswith("_ref") for k in entry)
    kind = e.get("kind")
    if kind not in KINDS:
        raise ConfigError(
            f"Kriteriet «{cid}» har ukjent type kind = «{kind}». Gyldige typer: "
            + ", ".join(sorted(KINDS)) + "."
        )
    direction = e.get("direction", "max")
    if direction not in DIRECTIONS:
        raise ConfigError(
            f"Kriteriet «{cid}» har direction = «{direction}»; bruk «max» (høyere er verre) "
            "eller «min» (lavere er verre)."
        )
    yellow, red = e.get("yellow"), e.get("red")
    for name, v in (("yellow", yellow), ("red", red)):
        if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float))):
            raise ConfigError(f"Kriteriet «{cid}»: «{name}» må være et tall (fikk {v!r}).")
    if yellow is None and red is None:
        raise ConfigError(f"Kriteriet «{cid}» mangler terskler: oppgi «yellow» og/eller «red».")
    if yellow is not None and red is not None and refs_used and (
            (direction == "max" and yellow > red) or (direction == "min" and yellow < red)):
        yellow = red  # a referenced threshold moved past the other: no yellow band left
    if yellow is not None and red is not None:
        if (direction == "max" and yellow > red) or (direction == "min" and yellow < red):
            raise ConfigError(
                f"Kriteriet «{cid}»: tersklene står i feil rekkefølge (gul {yellow}, rød {red}, "
                f"retning {direction}). Med «max» må gul ≤ rød, med «min» gul ≥ rød."
            )
    if e.get("at_threshold", "better") not in ("better", "worse"):
        raise ConfigError(
            f"Kriteriet «{cid}»: at_threshold må være «better» (verdien på terskelen er på den "
            "gode siden) eller «worse»."
        )
    layer = e.get("layer")
    if kind in KIND_NEEDS_LAYER and not layer:
        raise ConfigError(f"Kriteriet «{cid}» (type {kind}) mangler «layer».")
    if kind == "raster" and not e.get("raster"):
        raise ConfigError(f"Kriteriet «{cid}» (type raster) mangler «raster» (f.eks. «stoy»).")
    if kind == "concentration" and e.get("scope") not in ("grunnkrets", "radius", "bygning"):
        raise ConfigError(
            f"Kriteriet «{cid}» (type concentration) må ha scope = «grunnkrets», «radius» eller «bygning»."
        )
    applies = e.get("applies_to") or {}
    if not isinstance(applies, Mapping) or set(applies) - {"kategori", "trinn"}:
        raise ConfigError(
            f"Kriteriet «{cid}»: applies_to kan bare ha nøklene «kategori» og «trinn»."
        )
    return Criterion(
        id=cid, kind=kind, label=str(e.get("label") or cid), unit=str(e.get("unit", "")),
        layer=layer, direction=direction,
        yellow=None if yellow is None else float(yellow),
        red=None if red is None else float(red),
        source=str(e.get("source", "")), assumption=bool(e.get("assumption", False)),
        decimals=int(e.get("decimals", 1)), applies_to=dict(applies),
        options={k: v for k, v in e.items() if k not in _CRITERION_FIELDS},
    )


def criteria_from_config(config) -> tuple[list[Criterion], list[Profile]]:
    """Read ``[[criteria]]`` and ``[[profiles]]`` of the ``sites`` config section.

    Parameters
    ----------
    config : geoplan.config.Config or Mapping
        A :class:`~geoplan.config.Config` (references ``*_ref`` to other sections are
        resolved against it) or the ``sites`` section itself as a plain dict.

    Raises
    ------
    ConfigError
        Norwegian message naming the criterion when an entry is invalid.
    """
    if hasattr(config, "section"):
        section = config.section("sites")
        cfg = config
    else:
        section, cfg = dict(config), None
    entries = section.get("criteria") or []
    crits = [criterion_from_dict(e, cfg) for e in entries]
    ids = [c.id for c in crits]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise ConfigError(f"Kriterie-id-ene {', '.join(dup)} står flere ganger i config/sites.toml.")
    profiles = []
    for p in section.get("profiles") or []:
        pid = str(p.get("id", "")).strip() or "profil"
        ov = p.get("overrides") or {}
        unknown = sorted(set(ov) - set(ids))
        if unknown:
            raise ConfigError(
                f"Profilen «{pid}» endrer kriterier som ikke finnes: {', '.join(unknown)}."
            )
        profiles.append(Profile(id=pid, label=str(p.get("label", pid)),
                                source=str(p.get("source", "")),
                                match=dict(p.get("match") or {}), overrides=dict(ov)))
    return crits, profiles


def select_criteria(criteria: Sequence[Criterion], profiles: Sequence[Profile],
                    kategori: str | None = None, trinn: int | None = None,
                    config=None) -> tuple[list[Criterion], list[Profile]]:
    """The criteria used for one purchase, with the matching profiles applied.

    Returns the criteria (in config order) and the profiles that matched.
    """
    kategori = normalise_kategori(kategori)
    used = [p for p in profiles if p.applies(kategori, trinn)]
    out = []
    for c in criteria:
        if not c.applies(kategori, trinn):
            continue
        for p in used:
            if c.id in p.overrides:
                base = {f: getattr(c, f) for f in _CRITERION_FIELDS}
                base.update(c.options)
                base.update(p.overrides[c.id])
                base["applies_to"] = c.applies_to
                c = criterion_from_dict(base, config)
                c = replace(c, source=f"{c.source}; profil: {p.label} ({p.source})".strip("; "))
        out.append(c)
    return out, used


def classify(value: float | None, yellow: float | None, red: float | None,
             direction: str = "max", at_threshold: str = "better") -> str:
    """Traffic-light status of ``value``.

    ``direction="max"``: ``value > red`` -> ``rod``, ``value > yellow`` -> ``gul``,
    else ``gronn``. ``direction="min"``: ``value < red`` -> ``rod``, ``value < yellow``
    -> ``gul``. A value exactly at a threshold is on the good side, unless
    ``at_threshold="worse"`` (zone limits such as T-1442's "Lden 55 dB" start the
    yellow zone). ``None``/NaN -> ``ukjent``.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "ukjent"
    worse_at = at_threshold == "worse"
    if direction == "max":
        beyond = (lambda v, t: v >= t) if worse_at else (lambda v, t: v > t)
    else:
        beyond = (lambda v, t: v <= t) if worse_at else (lambda v, t: v < t)
    if red is not None and beyond(value, red):
        return "rod"
    if yellow is not None and beyond(value, yellow):
        return "gul"
    return "gronn"


def overall_status(statuses: Iterable[str]) -> str:
    """``rod`` if any red, else ``gul`` if any yellow, else ``gronn`` (``ukjent`` counted apart)."""
    s = list(statuses)
    if "rod" in s:
        return "rod"
    if "gul" in s:
        return "gul"
    return "gronn"


# ---------------------------------------------------------------------------
# Number formatting for Norwegian sentences
# ---------------------------------------------------------------------------

def fmt_num(v: float | None, decimals: int = 1) -> str:
    """``1499.04`` -> ``"1 499,0"`` (Norwegian: space thousands, decimal comma)."""
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "–"
    s = f"{v:,.{decimals}f}"
    return s.replace(",", "\u00a0").replace(".", ",")


def _fmt_val(v: float, unit: str, decimals: int) -> str:
    return f"{fmt_num(v, decimals)} {unit}".strip()


def threshold_text(c: Criterion, status: str) -> str:
    """The sentence on thresholds that ends a ``begrunnelse``."""
    d = c.decimals if c.decimals > 0 else 0
    y = None if c.yellow is None else _fmt_val(c.yellow, c.unit, _dec_for(c.yellow, d))
    r = None if c.red is None else _fmt_val(c.red, c.unit, _dec_for(c.red, d))
    worse, better = ("over", "høyst") if c.direction == "max" else ("under", "minst")
    if c.opt("at_threshold", "better") == "worse":
        worse, better = ("fra", "under") if c.direction == "max" else ("fra", "over")
    if status == "gronn":
        lim = y or r
        return f"Grønt: {better} {lim}." if lim else "Grønt."
    if status == "gul":
        tail = f" (rødt {worse} {r})" if r and r != y else ""
        return f"Gult: {worse} {y}{tail}."
    if status == "rod":
        return f"Rødt: {worse} {r}." if r else "Rødt."
    return ""


def _threshold_summary(c: Criterion) -> str:
    """``"gult over 1 500 m, rødt over 3 000 m"``."""
    d = c.decimals
    worse = "over" if c.direction == "max" else "under"
    if c.opt("at_threshold", "better") == "worse":
        worse = "fra" if c.direction == "max" else "ned til"
    parts = []
    if c.yellow is not None and c.yellow != c.red:
        parts.append(f"gult {worse} {_fmt_val(c.yellow, c.unit, _dec_for(c.yellow, d))}")
    if c.red is not None:
        parts.append(f"rødt {worse} {_fmt_val(c.red, c.unit, _dec_for(c.red, d))}")
    return ", ".join(parts)


def _dec_for(v: float, d: int) -> int:
    return 0 if float(v).is_integer() else max(d, 1)


# ---------------------------------------------------------------------------
# Measurements: one function per kind, vectorised over the sites
# ---------------------------------------------------------------------------

@dataclass
class Measure:
    """What a kind's evaluator returns for one site."""

    value: float | None = None
    text: str = ""                    # measurement sentence (Norwegian)
    reason: str | None = None         # why the value is unknown
    details: dict = field(default_factory=dict)


Evaluator = Callable[["SiteAssessor", Criterion, "Sites"], list[Measure]]

#: kind name -> evaluator; extend with :func:`register_kind`.
KINDS: dict[str, Evaluator] = {}
KIND_NEEDS_LAYER = {"inside", "zoning_share", "distance", "walking_distance", "sum_within"}


def register_kind(name: str, *, needs_layer: bool = False):
    """Decorator: register an evaluator ``f(assessor, criterion, sites) -> list[Measure]``."""
    def deco(fn: Evaluator) -> Evaluator:
        KINDS[name] = fn
        if needs_layer:
            KIND_NEEDS_LAYER.add(name)
        return fn
    return deco


@dataclass
class Sites:
    """The sites of one call, in the data CRS."""

    geoms: np.ndarray            # shapely geometries
    units: np.ndarray            # int units per site
    kategori: str | None
    trinn: int | None
    cache: dict = field(default_factory=dict)   # per-call results shared by criteria

    @property
    def n(self) -> int:
        return len(self.geoms)

    @property
    def is_areal(self) -> np.ndarray:
        return shapely.area(self.geoms) > 0


def _unknown_all(n: int, reason: str) -> list[Measure]:
    return [Measure(reason=reason) for _ in range(n)]


def _layer_or_unknown(a: "SiteAssessor", c: "Criterion", s: "Sites"):
    """The criterion's (filtered) layer index ``(gdf, tree, geoms)``, or, when the layer
    is missing or its filter leaves nothing, the list of ``ukjent`` measures to return."""
    prep = a._filtered_index(c.layer, c.opt("filter"))
    if prep is None:
        return _unknown_all(s.n, _missing_layer_reason(c.layer))
    if isinstance(prep, str):
        return _unknown_all(s.n, prep)
    return prep


def _names(gdf: gpd.GeoDataFrame, idx: np.ndarray, column: str = "navn") -> list[str | None]:
    if column not in gdf.columns:
        return [None] * len(idx)
    vals = gdf[column].to_numpy()[idx]
    return [None if (v is None or (isinstance(v, float) and math.isnan(v))) else str(v) for v in vals]


def _missing_layer_reason(layer: str) -> str:
    return (f"Laget «{layer}» finnes ikke i dataene (eller kunne ikke brukes), så kriteriet "
            "kan ikke vurderes. Legg til laget for å få en vurdering.")


@register_kind("inside", needs_layer=True)
def _eval_inside(a: "SiteAssessor", c: Criterion, s: Sites) -> list[Measure]:
    prep = a._union(c.layer)
    if prep is None:
        return _unknown_all(s.n, _missing_layer_reason(c.layer))
    union, gdf, tree = prep
    areal = s.is_areal
    inter = shapely.intersection(s.geoms, union)
    share = np.where(areal, shapely.area(inter) / np.where(areal, shapely.area(s.geoms), 1.0) * 100.0,
                     np.where(shapely.intersects(s.geoms, union), 100.0, 0.0))
    share = np.clip(share, 0.0, 100.0)
    dist = shapely.distance(s.geoms, union)
    noun = LAYER_NOUN.get(c.layer, c.layer)
    si, fi = tree.query(s.geoms, predicate="intersects")
    nearest = tree.query_nearest(s.geoms, all_matches=False)
    out = []
    for i in range(s.n):
        hit = fi[si == i]
        names = sorted({n for n in _names(gdf, hit) if n})
        if not names:
            nn = nearest[1][nearest[0] == i]
            names_near = [n for n in _names(gdf, nn) if n]
        else:
            names_near = []
        v = float(share[i])
        if v >= 100.0 - 1e-9:
            txt = f"Hele tomta ligger innenfor {noun}n" + (f" ({', '.join(names)})." if names else ".")
        elif v <= 0.0:
            txt = (f"Tomta ligger utenfor {noun}n, {fmt_num(float(dist[i]), 0)} m fra nærmeste"
                   + (f" ({', '.join(names_near)})." if names_near else "."))
        else:
            txt = (f"{fmt_num(v, 1)} % av tomta ligger innenfor {noun}n"
                   + (f" ({', '.join(names)})." if names else "."))
        out.append(Measure(value=v, text=txt, details={
            "navn": names or names_near, "avstand_m": round(float(dist[i]), 1)}))
    return out


@register_kind("zoning_share", needs_layer=True)
def _eval_zoning(a: "SiteAssessor", c: Criterion, s: Sites) -> list[Measure]:
    prep = a._layer_index(c.layer)
    if prep is None:
        return _unknown_all(s.n, _missing_layer_reason(c.layer))
    gdf, tree, geoms = prep
    column = c.opt("column", "arealformal")
    if column not in gdf.columns:
        return _unknown_all(s.n, f"Laget «{c.layer}» mangler kolonnen «{column}».")
    codes = {int(x) for x in _as_list(c.opt("codes"))}
    overlap = a._zoning_overlap(c.layer, column, s)
    ok_cover, any_cover = a._zoning_cover(c.layer, column, codes, s)
    out = []
    for i in range(s.n):
        rows = overlap[i]
        if math.isfinite(ok_cover[i]):       # a polygon: union areas, overlaps counted once
            ok, none_pct = ok_cover[i], max(0.0, 100.0 - any_cover[i])
        else:
            ok = sum(r["andel_pct"] for r in rows if _int_or_none(r["kode"]) in codes)
            none_pct = max(0.0, 100.0 - sum(r["andel_pct"] for r in rows))
        ok = min(ok, 100.0)
        other = [r for r in rows if _int_or_none(r["kode"]) not in codes and r["kode"] is not None]
        parts = [f"{fmt_num(ok, 1)} % av tomta er avsatt til formål som tillater bolig"]
        if ok_codes := [r for r in rows if _int_or_none(r["kode"]) in codes]:
            parts[0] += " (" + ", ".join(f"{r['kode']}" for r in ok_codes) + ")"
        if other:
            parts.append("resten er " + ", ".join(
                f"{r['kode']} {SOSI_NAMES.get(_int_or_none(r['kode']), '')} {fmt_num(r['andel_pct'], 1)} %".replace("  ", " ")
                for r in other) + ", som krever planendring for bolig")
        if none_pct > 0.05:
            parts.append(f"{fmt_num(none_pct, 1)} % har ikke arealformål i dataene")
        out.append(Measure(value=ok, text="; ".join(parts) + ".", details={"arealformal": rows}))
    return out


def _int_or_none(v) -> int | None:
    try:
        return int(v)
    except (TypeError, ValueError):
        return None


@register_kind("distance", needs_layer=True)
def _eval_distance(a: "SiteAssessor", c: Criterion, s: Sites) -> list[Measure]:
    prep = _layer_or_unknown(a, c, s)
    if isinstance(prep, list):
        return prep
    gdf, tree, geoms = prep
    (si, fi), dist = tree.query_nearest(s.geoms, all_matches=False, return_distance=True)
    d = np.full(s.n, np.nan)
    f = np.full(s.n, -1)
    d[si] = dist
    f[si] = fi
    names = _names(gdf, np.where(f >= 0, f, 0))
    noun = c.opt("noun") or LAYER_NOUN.get(c.layer, c.layer)
    out = []
    for i in range(s.n):
        nm = names[i]
        txt = (f"Nærmeste {noun}" + (f" ({nm})" if nm else "")
               + f" ligger {fmt_num(float(d[i]), c.decimals)} m unna i luftlinje.")
        out.append(Measure(value=float(d[i]), text=txt, details={"navn": nm}))
    return out


@register_kind("walking_distance", needs_layer=True)
def _eval_walking(a: "SiteAssessor", c: Criterion, s: Sites) -> list[Measure]:
    prep = _layer_or_unknown(a, c, s)
    if isinstance(prep, list):
        return prep
    net_name = c.opt("network", "gangnett")
    max_snap = float(c.opt("max_snap_m", 250.0))
    walker = a._walker(net_name, c.layer, c.opt("filter"), max_snap,
                       bool(c.opt("node_crossings", True)))
    if isinstance(walker, str):
        return _unknown_all(s.n, walker)
    dist, snap, target = walker(shapely.point_on_surface(s.geoms))
    noun = c.opt("noun") or LAYER_NOUN.get(c.layer, c.layer)
    out = []
    for i in range(s.n):
        v = float(dist[i])
        if not math.isfinite(v):
            why = (f"tomta ligger mer enn {fmt_num(max_snap, 0)} m fra gangnettet"
                   if not math.isfinite(float(snap[i])) else
                   f"det er ingen sammenhengende vei i laget «{net_name}» fra tomta til en {noun}")
            out.append(Measure(reason=f"Gangavstanden kan ikke beregnes: {why}.",
                               details={"tilknytning_m": _r(snap[i])}))
            continue
        nm = target[i]
        txt = (f"Gangavstand til nærmeste {noun}" + (f" ({nm})" if nm else "")
               + f" er {fmt_num(v, c.decimals)} m langs gangnettet"
               + (f" (tomta er {fmt_num(float(snap[i]), 0)} m fra nettet)" if snap[i] >= 1 else "")
               + ".")
        out.append(Measure(value=v, text=txt, details={"navn": nm, "tilknytning_m": _r(snap[i])}))
    return out


def _r(v, d: int = 1):
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return round(f, d) if math.isfinite(f) else None


@register_kind("raster")
def _eval_raster(a: "SiteAssessor", c: Criterion, s: Sites) -> list[Measure]:
    name = c.opt("raster")
    slope = bool(c.opt("slope", False))
    grid = a._grid(name, slope)
    if isinstance(grid, str):
        return _unknown_all(s.n, grid)
    stat = str(c.opt("stat", "max"))
    values, counts = raster_site_stats(grid, s.geoms, stat, crs=a.crs)
    what = "terrenghelning" if slope else c.label.lower()
    out = []
    for i in range(s.n):
        v = values[i]
        if not math.isfinite(v):
            out.append(Measure(reason=(
                f"Tomta ligger utenfor rasteret {name}.tif eller bare på celler uten verdi, "
                "så kriteriet kan ikke vurderes.")))
            continue
        stat_word = {"max": "Høyeste", "mean": "Gjennomsnittlig", "min": "Laveste",
                     "p90": "90-persentilen av"}.get(stat, stat)
        if slope:
            txt = f"{stat_word} terrenghelning på tomta er {fmt_num(v, c.decimals)} %"
        else:
            txt = f"{c.label}: {fmt_num(v, c.decimals)} {c.unit}".strip()
        txt += f" ({name}.tif, {int(counts[i])} celle{'r' if counts[i] != 1 else ''})."
        out.append(Measure(value=float(v), text=txt, details={"celler": int(counts[i])}))
    return out


@register_kind("sum_within", needs_layer=True)
def _eval_sum_within(a: "SiteAssessor", c: Criterion, s: Sites) -> list[Measure]:
    prep = _layer_or_unknown(a, c, s)
    if isinstance(prep, list):
        return prep
    gdf, tree, geoms = prep
    radius = float(c.opt("radius_m", 100))
    column = c.opt("column")
    if column and column not in gdf.columns:
        return _unknown_all(s.n, f"Laget «{c.layer}» mangler kolonnen «{column}».")
    si, fi = tree.query(s.geoms, predicate="dwithin", distance=radius)
    w = (pd.to_numeric(gdf[column], errors="coerce").fillna(0).to_numpy(dtype=float)[fi]
         if column else np.ones(len(fi)))
    tot = np.bincount(si, weights=w, minlength=s.n)
    cnt = np.bincount(si, minlength=s.n)
    noun = c.unit or "objekter"
    return [Measure(value=float(tot[i]),
                    text=(f"{fmt_num(float(tot[i]), 0)} {noun} innenfor {fmt_num(radius, 0)} m "
                          f"fra tomta ({int(cnt[i])} objekter i laget «{c.layer}»)."),
                    details={"radius_m": radius, "antall_objekter": int(cnt[i])})
            for i in range(s.n)]


@register_kind("concentration")
def _eval_concentration(a: "SiteAssessor", c: Criterion, s: Sites) -> list[Measure]:
    model = a._concentration(c)
    if isinstance(model, str):
        return _unknown_all(s.n, model)
    return model.measure(c, s)


# ---------------------------------------------------------------------------
# Raster statistics over sites (geoplan.io.raster does the reading and masking)
# ---------------------------------------------------------------------------

def raster_site_stats(raster, geoms: np.ndarray, stat: str, crs=None) -> tuple[np.ndarray, np.ndarray]:
    """``stat`` (max, mean, min, pNN) of a :class:`geoplan.io.raster.Raster` over each site.

    Polygons use the cells whose centres they contain (the cells they touch when
    smaller than a cell, :meth:`Raster.cells_in`); points the cell under them.

    Returns
    -------
    (values, cell counts); value NaN where the site has no valid cell.
    """
    n = len(geoms)
    vals = np.full(n, np.nan)
    counts = np.zeros(n, dtype=int)
    areal = shapely.area(geoms) > 0
    pts = ~areal
    if pts.any():
        v = raster.sample(geoms[pts], crs=crs)
        vals[pts] = v
        counts[pts] = np.isfinite(v).astype(int)
    if areal.any():
        idx = np.flatnonzero(areal)
        rg = raster._to_raster_crs(geoms[idx], crs)
        for i, g in zip(idx, rg):  # one windowed mask per site (not per feature of a layer)
            cells = raster.cells_in(g)
            cells = cells[np.isfinite(cells)]
            counts[i] = cells.size
            if cells.size:
                vals[i] = _stat(cells, stat)
    return vals, counts


def _stat(cells: np.ndarray, stat: str) -> float:
    if stat == "max":
        return float(cells.max())
    if stat == "min":
        return float(cells.min())
    if stat == "mean":
        return float(cells.mean())
    if stat.startswith("p") and stat[1:].isdigit():
        return float(np.percentile(cells, int(stat[1:])))
    raise ConfigError(f"Ukjent statistikk «{stat}» for et rasterkriterium; bruk max, mean, min eller p90.")


# ---------------------------------------------------------------------------
# The assessor
# ---------------------------------------------------------------------------

class SiteAssessor:
    """Built once from the layers and config; then :meth:`assess` is fast.

    Parameters
    ----------
    layers : mapping of layer name -> GeoDataFrame, all in ``crs`` (projected, metres)
    crs : the data CRS (pyproj CRS or anything it accepts)
    criteria, profiles : from :func:`criteria_from_config`
    rasters : mapping raster name (``stoy``, ``terreng``) -> GeoTIFF path, or to a tuple
        ``(array, affine transform, crs)`` for data already in memory
    config : optional :class:`~geoplan.config.Config`, used to resolve references in
        profile overrides and to read ``concentration`` parameters
    """

    def __init__(self, layers: Mapping[str, gpd.GeoDataFrame], crs, *,
                 criteria: Sequence[Criterion], profiles: Sequence[Profile] = (),
                 rasters: Mapping[str, Any] | None = None, config=None):
        self.crs = CRS.from_user_input(crs)
        if self.crs.is_geographic:
            raise DataProblem(
                f"Tomtevurderingen trenger et projisert koordinatsystem i meter (EUREF89 UTM), "
                f"men dataene er i {self.crs.name}. Angi --crs 25832 (eller 25833/25835)."
            )
        self.layers = {k: v for k, v in layers.items() if v is not None and len(v)}
        self.criteria = list(criteria)
        self.profiles = list(profiles)
        self.rasters = dict(rasters or {})
        self.config = config
        self._cache: dict = {}
        self._prepare()

    # -- construction ----------------------------------------------------------
    @classmethod
    def from_dataset(cls, ds, config) -> "SiteAssessor":
        """Build from a :class:`geoplan.io.layers.Dataset` and a :class:`~geoplan.config.Config`."""
        crits, profiles = criteria_from_config(config)
        rasters = {}
        for c in crits:
            if c.kind == "raster":
                p = ds.raster(c.opt("raster"))
                if p is not None:
                    rasters[c.opt("raster")] = p
        return cls(ds.layers, ds.crs, criteria=crits, profiles=profiles, rasters=rasters,
                   config=config)

    @classmethod
    def from_layers(cls, layers: Mapping[str, gpd.GeoDataFrame], config, *, crs=None,
                    rasters: Mapping[str, Any] | None = None) -> "SiteAssessor":
        """Build from plain GeoDataFrames (e.g. in tests) and a config."""
        crits, profiles = criteria_from_config(config)
        if crs is None:
            crs = next((g.crs for g in layers.values() if g is not None and g.crs is not None), None)
        if crs is None:
            raise DataProblem("Lagene har ikke koordinatsystem; angi crs.")
        return cls(layers, crs, criteria=crits, profiles=profiles, rasters=rasters,
                   config=config if hasattr(config, "get") and hasattr(config, "section") else None)

    def _prepare(self) -> None:
        """Build the indexes, network and models every criterion may need (once)."""
        for c in self.criteria:
            try:
                if c.kind in ("inside",):
                    self._union(c.layer)
                elif c.kind in ("distance", "sum_within"):
                    self._filtered_index(c.layer, c.opt("filter"))
                elif c.kind == "zoning_share":
                    self._layer_index(c.layer)
                elif c.kind == "walking_distance":
                    self._walker(c.opt("network", "gangnett"), c.layer, c.opt("filter"),
                                 float(c.opt("max_snap_m", 250.0)),
                                 bool(c.opt("node_crossings", True)))
                elif c.kind == "raster":
                    self._grid(c.opt("raster"), bool(c.opt("slope", False)))
                elif c.kind == "concentration":
                    self._concentration(c)
            except ConfigError:
                raise
            except Exception:  # pragma: no cover - evaluated again lazily, reported as ukjent
                pass

    def _memo(self, key, build):
        if key not in self._cache:
            self._cache[key] = build()
        return self._cache[key]

    def _layer_index(self, layer: str):
        def build():
            gdf = self.layers.get(layer)
            if gdf is None or not len(gdf):
                return None
            gdf = gdf.reset_index(drop=True)
            geoms = gdf.geometry.to_numpy()
            return gdf, shapely.STRtree(geoms), geoms
        return self._memo(("layer", layer), build)

    def _filtered_index(self, layer: str, flt: Mapping[str, Any] | None):
        key = ("filtered", layer, repr(sorted((flt or {}).items())))

        def build():
            base = self._layer_index(layer)
            if base is None:
                return None
            gdf = base[0]
            if flt:
                keep = np.ones(len(gdf), dtype=bool)
                for col, allowed in flt.items():
                    if col not in gdf.columns:
                        return f"Laget «{layer}» mangler kolonnen «{col}» som kriteriet filtrerer på."
                    allowed_l = {str(v).strip().lower() for v in _as_list(allowed)}
                    keep &= gdf[col].astype(str).str.strip().str.lower().isin(allowed_l).to_numpy()
                gdf = gdf[keep].reset_index(drop=True)
                if not len(gdf):
                    desc = "; ".join(f"{k} = {', '.join(map(str, _as_list(v)))}" for k, v in flt.items())
                    return f"Laget «{layer}» har ingen objekter med {desc}."
            geoms = gdf.geometry.to_numpy()
            return gdf, shapely.STRtree(geoms), geoms
        return self._memo(key, build)

    def _union(self, layer: str):
        def build():
            base = self._layer_index(layer)
            if base is None:
                return None
            gdf, tree, geoms = base
            union = shapely.union_all(geoms)
            shapely.prepare(union)
            return union, gdf, tree
        return self._memo(("union", layer), build)

    def _zoning_overlap(self, layer: str, column: str, s: Sites) -> list[list[dict]]:
        """Per site: [{"kode", "navn", "areal_daa", "andel_pct"}] sorted by share."""
        key = ("zoning", layer, column)
        if key not in s.cache:
            s.cache[key] = self._zoning_overlap_uncached(layer, column, s)
        return s.cache[key]

    def _zoning_codes(self, layer: str, column: str):
        """The zoning column factorised once: (code per feature, unique codes)."""
        def build():
            gdf = self._layer_index(layer)[0]
            vals = [(_int_or_none(v) if _int_or_none(v) is not None else v)
                    for v in gdf[column].tolist()]
            codes, uniques = pd.factorize(pd.Series(vals, dtype=object), use_na_sentinel=True)
            return codes, list(uniques)
        return self._memo(("zoning_codes", layer, column), build)

    def _zoning_overlap_uncached(self, layer: str, column: str, s: Sites) -> list[list[dict]]:
        base = self._layer_index(layer)
        out: list[list[dict]] = [[] for _ in range(s.n)]
        if base is None:
            return out
        gdf, tree, geoms = base
        si, fi = tree.query(s.geoms, predicate="intersects")
        if not len(si):
            return out
        feat_codes, uniques = self._zoning_codes(layer, column)
        k = len(uniques) + 1                      # last slot: missing code
        code = feat_codes[fi]
        code = np.where(code < 0, k - 1, code)
        areal = s.is_areal
        site_area = shapely.area(s.geoms)
        inter_area = np.zeros(len(si))
        a_mask = areal[si]
        if a_mask.any():
            inter_area[a_mask] = shapely.area(
                shapely.intersection(s.geoms[si[a_mask]], geoms[fi[a_mask]]))
        key = si * k + code
        area_sum = np.bincount(key, weights=inter_area, minlength=s.n * k).reshape(s.n, k)
        hits = np.bincount(key, minlength=s.n * k).reshape(s.n, k)
        n_hits = hits.sum(axis=1)
        for i in np.unique(si):
            for c in np.flatnonzero(hits[i]):
                kode = uniques[c] if c < k - 1 else None
                if areal[i]:
                    a = float(area_sum[i, c])
                    if a <= 0:
                        continue
                    pct = a / site_area[i] * 100.0
                else:
                    a, pct = 0.0, 100.0 * hits[i, c] / n_hits[i]
                out[i].append({"kode": kode, "navn": SOSI_NAMES.get(_int_or_none(kode)),
                               "areal_daa": round(a / 1000.0, 3), "andel_pct": round(pct, 2)})
            out[i].sort(key=lambda r: -r["andel_pct"])
        return out

    def _zoning_cover(self, layer: str, column: str, codes: set[int],
                      s: Sites) -> tuple[np.ndarray, np.ndarray]:
        """Per site: % of its area zoned with one of ``codes``, and % zoned at all.

        Each is the area of a union, so zoning polygons that overlap (a KPA and a
        reguleringsplan loaded together, or a digitising error) are counted once;
        summing the per-polygon shares would count the overlap twice. Only sites
        touching two or more polygons need the union. NaN for points.
        """
        key = ("zoning_cover", layer, column, tuple(sorted(codes)))
        if key in s.cache:
            return s.cache[key]
        ok_pct = np.full(s.n, np.nan)
        any_pct = np.full(s.n, np.nan)
        areal = s.is_areal
        ok_pct[areal] = 0.0
        any_pct[areal] = 0.0
        base = self._layer_index(layer)
        if base is not None and areal.any():
            gdf, tree, geoms = base
            si, fi = tree.query(s.geoms, predicate="intersects")
            keep = areal[si]
            si, fi = si[keep], fi[keep]
            if len(si):
                order = np.argsort(si, kind="stable")
                si, fi = si[order], fi[order]
                feat_codes, uniques = self._zoning_codes(layer, column)
                allowed = np.array([_int_or_none(u) in codes for u in uniques] + [False])
                code = feat_codes[fi]
                ok_f = allowed[np.where(code < 0, len(uniques), code)]
                pieces = shapely.intersection(s.geoms[si], geoms[fi])
                pa = np.nan_to_num(shapely.area(pieces))
                ok_a = np.bincount(si, weights=pa * ok_f, minlength=s.n)
                any_a = np.bincount(si, weights=pa, minlength=s.n)
                n_ok = np.bincount(si, weights=ok_f.astype(float), minlength=s.n)
                starts = np.flatnonzero(np.r_[True, si[1:] != si[:-1]])
                ends = np.r_[starts[1:], len(si)]
                for b, e in zip(starts, ends):   # sites, not layer features
                    if e - b < 2:
                        continue
                    i = si[b]
                    any_a[i] = shapely.area(shapely.union_all(pieces[b:e]))
                    if n_ok[i] > 1:
                        ok_a[i] = shapely.area(shapely.union_all(pieces[b:e][ok_f[b:e]]))
                site_area = shapely.area(s.geoms)
                ok_pct[areal] = np.minimum(ok_a[areal] / site_area[areal] * 100.0, 100.0)
                any_pct[areal] = np.minimum(any_a[areal] / site_area[areal] * 100.0, 100.0)
        s.cache[key] = (ok_pct, any_pct)
        return ok_pct, any_pct

    def _walker(self, network: str, layer: str, flt, max_snap: float = 250.0,
                node_crossings: bool = True):
        key = ("walker", network, layer, repr(sorted((flt or {}).items())), max_snap,
               bool(node_crossings))

        def build():
            net = self.layers.get(network)
            if net is None or not len(net):
                return (f"Laget «{network}» finnes ikke i dataene, så gangavstanden "
                        "kan ikke beregnes.")
            targets = self._filtered_index(layer, flt)
            if targets is None:
                return _missing_layer_reason(layer)
            if isinstance(targets, str):
                return targets
            try:
                return make_walker(net, targets[0], max_snap_m=max_snap,
                                   node_crossings=node_crossings)
            except DataProblem as e:
                return f"Gangavstanden kan ikke beregnes: {e.message}"
        return self._memo(key, build)

    def _grid(self, name: str, slope: bool):
        key = ("grid", name, slope)

        def build():
            from geoplan.io import raster as rmod
            src = self.rasters.get(name)
            if src is None:
                return (f"Rasteret {name}.tif finnes ikke ved dataene, så kriteriet kan ikke "
                        f"vurderes. Legg {name}.tif ved siden av GeoPackage-filen.")
            try:
                if isinstance(src, rmod.Raster):
                    r = src
                elif isinstance(src, tuple):
                    arr, transform, rcrs = src
                    r = rmod.Raster(Path(f"{name}.tif"), np.asarray(arr, dtype="float64"),
                                    transform, CRS.from_user_input(rcrs or self.crs))
                else:
                    r = rmod.open_raster(src)
            except Exception as e:
                msg = getattr(e, "message", None) or str(e).splitlines()[0]
                return f"Rasteret {name}.tif kan ikke brukes: {msg}"
            return r.slope_pct if slope else r
        return self._memo(key, build)

    def _concentration(self, c: Criterion):
        """The concentration adapter (built once), or a reason why there is none."""
        return self._memo(("concentration",), lambda: _ConcentrationAdapter.build(self))

    # -- assessment ------------------------------------------------------------
    def _sites(self, geoms, units, kategori, trinn, crs=None) -> Sites:
        if isinstance(geoms, (gpd.GeoDataFrame, gpd.GeoSeries)):
            gs = geoms.geometry if isinstance(geoms, gpd.GeoDataFrame) else geoms
            if gs.crs is not None and not CRS.from_user_input(gs.crs).equals(self.crs):
                gs = gs.to_crs(self.crs)
            arr = gs.to_numpy()
        elif isinstance(geoms, shapely.Geometry):
            arr = np.array([geoms], dtype=object)
        else:
            arr = np.asarray(list(geoms), dtype=object)
        if crs is not None and not CRS.from_user_input(crs).equals(self.crs):
            arr = gpd.GeoSeries(arr, crs=crs).to_crs(self.crs).to_numpy()
        if len(arr) == 0:
            raise DataProblem("Ingen tomter å vurdere: tomtefilen har ingen geometrier.")
        bad = shapely.is_missing(arr) | shapely.is_empty(arr)
        if bad.any():
            raise DataProblem(
                f"Tomt nr. {int(np.flatnonzero(bad)[0]) + 1} har tom geometri. "
                "Rett eller fjern den i tomtefilen."
            )
        invalid = ~shapely.is_valid(arr)
        if invalid.any():
            arr = arr.copy()
            arr[invalid] = shapely.make_valid(arr[invalid])
        u = np.broadcast_to(np.asarray(units if units is not None else 1), (len(arr),))
        u = np.asarray(pd.to_numeric(pd.Series(u), errors="coerce").fillna(1), dtype=float)
        if (u < 0).any() or (u != np.round(u)).any():
            raise DataProblem("Antall enheter (--units) må være et helt tall som er 0 eller større.")
        if trinn is not None and int(trinn) not in (1, 2, 3, 4, 5):
            raise DataProblem(f"Trinn {trinn} finnes ikke i boligtrappen; bruk 1–5.")
        return Sites(geoms=arr, units=u.astype(int), kategori=normalise_kategori(kategori),
                     trinn=None if trinn is None else int(trinn))

    def _evaluate(self, s: Sites) -> tuple[list[Criterion], list[Profile], list[list[dict]]]:
        crits, used = select_criteria(self.criteria, self.profiles, s.kategori, s.trinn,
                                      self.config)
        per_site: list[list[dict]] = [[] for _ in range(s.n)]
        for c in crits:
            try:
                measures = KINDS[c.kind](self, c, s)
            except (ConfigError,):
                raise
            except Exception as e:  # never crash on one criterion
                msg = getattr(e, "message", None) or f"{type(e).__name__}: {e}"
                measures = _unknown_all(s.n, f"Kriteriet kunne ikke beregnes ({msg}).")
            for i, m in enumerate(measures):
                per_site[i].append(_row(c, m))
        return crits, used, per_site

    def assess(self, geom, units: int = 1, kategori: str | None = None,
               trinn: int | None = None, *, crs=None) -> dict:
        """Assess one site (a shapely Point/Polygon in the data CRS, or in ``crs``).

        Returns
        -------
        dict
            ``{"kriterier": [...], "samlet": status, "oppsummering": {...}, "tomt": {...},
            "profiler": [...], "kjop": {"enheter", "kategori", "trinn"}}``.
        """
        if isinstance(geom, (gpd.GeoDataFrame, gpd.GeoSeries)) and len(geom) != 1:
            raise DataProblem("assess() tar én tomt; bruk assess_many() for flere.")
        s = self._sites(geom, units, kategori, trinn, crs)
        crits, used, per_site = self._evaluate(s)
        tomt = self._site_info(s)[0]
        return _result(per_site[0], tomt, used, s, 0)

    def assess_many(self, sites, units=1, kategori: str | None = None,
                    trinn: int | None = None, *, names: Sequence[str] | None = None,
                    crs=None) -> dict:
        """Assess many sites with the same criteria, each purchase judged on its own.

        Parameters
        ----------
        sites : GeoDataFrame / GeoSeries / sequence of shapely geometries
        units : int or array (one per site)
        names : optional site names (default: column ``navn`` of a GeoDataFrame, else
            "Tomt 1", "Tomt 2", ...)

        Returns
        -------
        dict
            ``{"tomter": [{"rang", "tomt_nr", "navn", "samlet", "oppsummering",
            "kriterier", "tomt"}, ...], "antall_tomter": n, "profiler": [...]}``, ranked:
            fewest red, then fewest yellow, then fewest unknown criteria first (ties keep
            the input order).
        """
        if names is None and isinstance(sites, gpd.GeoDataFrame) and "navn" in sites.columns:
            names = [None if pd.isna(v) else str(v) for v in sites["navn"]]
        s = self._sites(sites, units, kategori, trinn, crs)
        crits, used, per_site = self._evaluate(s)
        info = self._site_info(s)
        rows = []
        for i in range(s.n):
            r = _result(per_site[i], info[i], used, s, i)
            r = {"tomt_nr": i + 1,
                 "navn": (names[i] if names is not None and names[i] else f"Tomt {i + 1}"),
                 **r}
            rows.append(r)
        order = sorted(range(s.n), key=lambda i: (
            rows[i]["oppsummering"]["rod"], rows[i]["oppsummering"]["gul"],
            rows[i]["oppsummering"]["ukjent"], i))
        ranked = []
        for rank, i in enumerate(order, start=1):
            ranked.append({"rang": rank, **rows[i]})
        return {"tomter": ranked, "antall_tomter": s.n,
                "profiler": [_profile_dict(p) for p in used],
                "kriterier_brukt": [c.id for c in crits]}

    def _site_info(self, s: Sites) -> list[dict]:
        areas = shapely.area(s.geoms)
        cen = shapely.centroid(s.geoms)
        inner = shapely.point_on_surface(s.geoms)
        zon = None
        zc = next((c for c in self.criteria if c.kind == "zoning_share"), None)
        if zc is not None and self._layer_index(zc.layer) is not None \
                and zc.opt("column", "arealformal") in self._layer_index(zc.layer)[0].columns:
            zon = self._zoning_overlap(zc.layer, zc.opt("column", "arealformal"), s)
        out = []
        for i in range(s.n):
            out.append({
                "geometritype": s.geoms[i].geom_type,
                "areal_daa": round(float(areas[i]) / 1000.0, 3),
                "x": round(float(shapely.get_x(cen[i])), 1),
                "y": round(float(shapely.get_y(cen[i])), 1),
                "punkt_pa_tomta": [round(float(shapely.get_x(inner[i])), 1),
                                   round(float(shapely.get_y(inner[i])), 1)],
                "epsg": self.crs.to_epsg(),
                "arealformal": zon[i] if zon is not None else None,
                "wkt": shapely.to_wkt(s.geoms[i], rounding_precision=2),
            })
        return out


def _row(c: Criterion, m: Measure) -> dict:
    if m.reason is not None or m.value is None or not math.isfinite(m.value):
        status = "ukjent"
        verdi = None
        text = m.reason or m.text or "Verdien kunne ikke beregnes."
        if not text.startswith("Ukjent"):
            text = "Ukjent: " + text
    else:
        verdi = round(float(m.value), c.decimals)
        status = classify(verdi, c.yellow, c.red, c.direction, c.opt("at_threshold", "better"))
        text = f"{m.text} {threshold_text(c, status)}".strip()
        if "offentlig_tekst" in m.details:
            m.details["offentlig_tekst"] = f"{m.details['offentlig_tekst']} {threshold_text(c, status)}".strip()
    return {
        "id": c.id,
        "kriterium": c.label,
        "status": status,
        "verdi": verdi,
        "terskel": {"gul": c.yellow, "rod": c.red},
        "retning": DIRECTIONS[c.direction],
        "terskel_tekst": _threshold_summary(c),
        "enhet": c.unit,
        "begrunnelse": text,
        "kilde": c.source,
        "kommunalt_valg": c.assumption,
        "type": c.kind,
        "lag": c.layer or (f"{c.opt('raster')}.tif" if c.kind == "raster" else None),
        "detaljer": m.details,
    }


def _profile_dict(p: Profile) -> dict:
    return {"id": p.id, "beskrivelse": p.label, "kilde": p.source}


def _result(rows: list[dict], tomt: dict, used: list[Profile], s: Sites, i: int) -> dict:
    counts = {k: sum(1 for r in rows if r["status"] == k) for k in STATUSES}
    samlet = overall_status(r["status"] for r in rows)
    text = (f"{STATUS_WORD[samlet]}: {counts['rod']} røde, {counts['gul']} gule og "
            f"{counts['gronn']} grønne kriterier")
    if counts["ukjent"]:
        ids = ", ".join(r["id"] for r in rows if r["status"] == "ukjent")
        text += f"; {counts['ukjent']} kunne ikke vurderes ({ids})"
    text += "."
    return {
        "samlet": samlet,
        "oppsummering": {**counts, "tekst": text},
        "kriterier": rows,
        "tomt": tomt,
        "kjop": {"enheter": int(s.units[i]), "kategori": s.kategori, "trinn": s.trinn},
        "profiler": [_profile_dict(p) for p in used],
    }


# ---------------------------------------------------------------------------
# Public version of a result (privacy)
# ---------------------------------------------------------------------------

def public_result(result: dict) -> dict:
    """A copy of an assessment fit for outputs that leave the housing office.

    Concentration criteria keep their status and shares, but counts of municipal
    units below ``kommune.min_count_public`` are written as "færre enn N", dwelling
    totals and the building id are left out, and the detailed before/after records
    are removed. Works on one result and on ``{"tomter": [...]}``.
    """
    import copy as _copy

    out = _copy.deepcopy(result)
    rows = out["tomter"] if isinstance(out.get("tomter"), list) else [out]
    for r in rows:
        for k in r.get("kriterier", []):
            if k.get("type") != "concentration":
                continue
            d = k.get("detaljer") or {}
            if "offentlig_tekst" in d and k["status"] != "ukjent":
                k["begrunnelse"] = d["offentlig_tekst"]
            omr = {kk: vv for kk, vv in (d.get("omrade") or {}).items() if kk != "bygg_id"}
            k["detaljer"] = {"for": d.get("for"), "etter": d.get("etter"), "omrade": omr}
        r["offentlig"] = True
    if rows is not out:
        out["offentlig"] = True
    return out


# ---------------------------------------------------------------------------
# Walking distance (geoplan.analysis.network does the graph work)
# ---------------------------------------------------------------------------

def make_walker(network_lines: gpd.GeoDataFrame, targets: gpd.GeoDataFrame, *,
                max_snap_m: float = 250.0, node_crossings: bool = True):
    """Prepare walking distances to the nearest of ``targets`` along ``network_lines``.

    The graph is built once (:func:`geoplan.analysis.network.build_network`), the targets
    become nodes (:func:`~geoplan.analysis.network.add_points`) and one multi-source search
    (:func:`~geoplan.analysis.network.distances_from`) gives every node its distance to the
    nearest target. A site then costs one snap and one lookup
    (:func:`~geoplan.analysis.network.target_distances`).

    Parameters
    ----------
    network_lines : GeoDataFrame of LineStrings (``gangnett``), projected CRS
    targets : GeoDataFrame (e.g. ``skole``), same CRS
    max_snap_m : targets and sites farther than this (m) from the network are not
        connected (their distance is unknown); default as ``schools.snap_max_m``
    node_crossings : join lines where they cross without a shared vertex
        (:func:`geoplan.analysis.network.build_network`)

    This is :func:`geoplan.analysis.schools.walking_distance_to_nearest` split in two: the
    graph and the search are prepared once, so that one site costs a snap and a
    lookup instead of a Dijkstra over the whole network.

    Returns
    -------
    callable ``points -> (distance_m, snap_m, target name)`` (arrays; distance NaN
    where not connected).
    """
    from geoplan.analysis import network as nw
    net = nw.build_network(network_lines, node_crossings=bool(node_crossings))
    tsnap = nw.snap_points(net, targets.geometry, max_distance_m=max_snap_m)
    net2, nodes = nw.add_points(net, tsnap)
    ok = nodes >= 0
    if not ok.any():
        return ("Ingen av målene ligger nærmere gangnettet enn "
                f"{fmt_num(max_snap_m, 0)} m, så gangavstand kan ikke beregnes.")
    dist, nearest = nw.distances_from(net2, nodes[ok])
    names = np.array(_names(targets.reset_index(drop=True), np.flatnonzero(ok)), dtype=object)

    def walk(points: np.ndarray):
        snap = nw.snap_points(net2, points, max_distance_m=max_snap_m)
        d, who = nw.target_distances(net2, dist, snap, nearest)
        d = np.where(np.isfinite(d), d, np.nan)
        nm = np.array([None] * len(d), dtype=object)
        hit = who >= 0
        nm[hit] = names[who[hit]]
        return d, snap["tilknytning_m"].to_numpy(), nm

    return walk


# ---------------------------------------------------------------------------
# Concentration before/after a purchase (geoplan.analysis.concentration does the analysis)
# ---------------------------------------------------------------------------

class _ConcentrationAdapter:
    """Turns :meth:`geoplan.analysis.concentration.ConcentrationModel.purchase_effect` (before/after
    a purchase) into criterion values; the model is built once per assessor."""

    def __init__(self, model, new_dwellings: bool, min_count: int = 5):
        self.model = model
        self.new_dwellings = new_dwellings
        self.min_count = int(min_count)

    @classmethod
    def build(cls, a: "SiteAssessor"):
        for layer in ("kommunal_bolig", "grunnkrets"):
            if layer not in a.layers:
                return _missing_layer_reason(layer)
        try:
            from geoplan.analysis import concentration as cm
        except ImportError:
            return ("Konsentrasjonsanalysen (geoplan.analysis.concentration) er ikke tilgjengelig i "
                    "denne versjonen, så kriteriet kan ikke vurderes.")
        radius = next((float(c.opt("radius_m")) for c in a.criteria
                       if c.kind == "concentration" and c.opt("scope") == "radius"
                       and c.opt("radius_m") is not None), None)
        kw: dict = {}
        new = False
        min_count = 5
        if a.config is not None and hasattr(a.config, "section"):
            st = cm.settings_from_config(a.config)
            kw = dict(thresholds=st["thresholds"], radius_m=st["radius_m"],
                      match_distance_m=st["match_distance_m"])
            new = bool(st["new_dwellings"])
            min_count = int(st["min_count"])
        if radius is not None:
            kw["radius_m"] = radius
        try:
            model = cm.ConcentrationModel(a.layers["kommunal_bolig"], a.layers["grunnkrets"],
                                          a.layers.get("bygning"), **kw)
        except DataProblem as e:
            return f"Konsentrasjonen kan ikke beregnes: {e.message}"
        return cls(model, new, min_count)

    def effects(self, s: Sites) -> list[dict | None]:
        """``purchase_effect`` per site (cached on the call: three criteria share it)."""
        if "concentration" in s.cache:
            return s.cache["concentration"]
        pts = shapely.point_on_surface(s.geoms)
        out = []
        for i in range(s.n):  # one model query per *site*; each is well under a millisecond
            n = int(s.units[i])
            eff = self.model.purchase_effect(pts[i], max(n, 1), s.kategori,
                                             new_dwellings=self.new_dwellings)
            if n < 1:  # nothing bought: the "after" state is the "before" state
                for key in ("grunnkrets", "bygning", "radius"):
                    if eff.get(key) and eff[key].get("for") is not None:
                        eff[key]["etter"] = eff[key]["for"]
            out.append(eff)
        s.cache["concentration"] = out
        return out

    def measure(self, c: Criterion, s: Sites) -> list[Measure]:
        scope = c.opt("scope")
        field_ = c.opt("value", "andel_pct" if scope != "radius" else "enheter_innen_radius")
        res = []
        for i, eff in enumerate(self.effects(s)):
            part = eff.get(scope)
            n = int(s.units[i])
            added = f"+{n} enhet{'er' if n != 1 else ''}" if n else "ingen enheter lagt til"
            if part is None or part.get("etter") is None:
                if scope == "grunnkrets":
                    why = "Tomta ligger utenfor alle grunnkretser."
                elif scope == "bygning" and self.model.buildings is None:
                    why = _missing_layer_reason("bygning")
                else:
                    why = (f"Ingen eksisterende bygning i laget «bygning» ved tomta (innenfor "
                           f"{fmt_num(self.model.match_distance_m, 0)} m), så andelen i bygningen "
                           "kan ikke beregnes.")
                res.append(Measure(reason=why))
                continue
            before, after = part.get("for") or {}, part["etter"]
            v_after = after.get(field_)
            if v_after is None:
                why = ("Andelen kan ikke beregnes: laget «bygning» mangler, så antall boliger "
                       "innenfor radiusen er ukjent." if scope == "radius" and self.model.buildings is None
                       else "Andelen kan ikke beregnes (antall boliger mangler eller er 0).")
                res.append(Measure(reason=(why + " " + " ".join(eff.get("advarsler") or [])).strip()))
                continue
            v_before = before.get(field_)
            unit = c.unit
            dec = 0 if scope == "radius" and field_.startswith("enheter") else c.decimals
            vb = "–" if v_before is None else _fmt_val(float(v_before), unit, dec)
            va = _fmt_val(float(v_after), unit, dec)
            hf = field_.startswith("housing_first")
            if scope == "radius":
                cnt = after.get("housing_first_innen_radius" if hf else "enheter_innen_radius")
                tot = after.get("boliger_innen_radius")
            else:
                cnt = after.get("housing_first_enheter" if hf and scope == "bygning"
                                else "kommunale_enheter")
                tot = after.get("antall_boliger")
            what = "Housing First-enheter" if hf else "kommunale enheter"
            lim = self.min_count

            def counts(public: bool) -> str:
                c_txt = (f"færre enn {lim}" if public and cnt is not None and 0 < cnt < lim
                         else str(cnt))
                return f"{c_txt} {what}" + (f" av {tot} boliger" if tot is not None and not public
                                            else "")

            def sentence(public: bool) -> str:
                if scope == "grunnkrets":
                    nm = part.get("grunnkretsnavn")
                    where = f"Grunnkrets {part.get('grunnkretsnummer')}" + (f" ({nm})" if nm else "")
                elif scope == "bygning":
                    where = "Bygningen ved tomta" if public else f"Bygning {part.get('bygg_id')}"
                else:
                    where = f"Innenfor {fmt_num(float(part.get('radius_m')), 0)} m fra tomta"
                return f"{where}: {vb} før kjøpet, {va} etter ({added}; {counts(public)})."

            res.append(Measure(value=float(v_after), text=sentence(False), details={
                "for": v_before, "etter": v_after, "omrade": {k: v for k, v in part.items()
                                                           if k not in ("for", "etter")},
                "for_detaljer": before or None, "etter_detaljer": after,
                "advarsler": eff.get("advarsler") or [],
                "offentlig_tekst": sentence(True)}))
        return res
