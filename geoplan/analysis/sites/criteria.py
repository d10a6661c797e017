"""Criteria and profiles: config entries -> checked objects, and the traffic light.

A :class:`Criterion` is one ``[[criteria]]`` entry of ``config/sites.toml``, a
:class:`Profile` one ``[[profiles]]`` entry. The entries are read (and their
``*_ref`` references resolved) by :mod:`geoplan.config.sites`; this module checks
them, picks the criteria of one purchase (:func:`select_criteria`) and turns a
value into a status (:func:`classify`) with the sentence on the thresholds
(:func:`threshold_text`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any, Iterable, Mapping, Sequence

from geoplan.analysis.sites.kinds import KIND_NEEDS_LAYER, KINDS
from geoplan.analysis.sites.wording import dec_for, fmt_val
from geoplan.config import Config
from geoplan.config.sites import SiteSettings, resolve_refs
from geoplan.errors import ConfigError

STATUSES = ("gronn", "gul", "rod", "ukjent")
DIRECTIONS = {"max": "hoyere_er_verre", "min": "lavere_er_verre"}


@dataclass(frozen=True)
class Criterion:
    """One rule of the checklist (one ``[[criteria]]`` entry in ``config/sites.toml``).

    Attributes
    ----------
    id, kind, label
        Identifier, kind of measurement (a key of :data:`~geoplan.analysis.sites.KINDS`),
        Norwegian label.
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

    @property
    def layer_name(self) -> str:
        """The layer of a criterion whose kind needs one (checked when it was built)."""
        return str(self.layer)

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
        allowed = {normalise_kategori(k) for k in as_list(rule["kategori"])}
        if normalise_kategori(kategori) not in allowed:
            return False
    if "trinn" in rule:
        allowed_t = {int(t) for t in as_list(rule["trinn"])}
        if trinn is None or int(trinn) not in allowed_t:
            return False
    return True


def as_list(v: Any) -> list:
    """``v`` as a list (``None`` -> ``[]``, a scalar -> ``[v]``)."""
    if v is None:
        return []
    if isinstance(v, (list, tuple, set)):
        return list(v)
    return [v]


def criterion_from_dict(entry: Mapping[str, Any], config: Config | None = None) -> Criterion:
    """Build and check one :class:`Criterion` from a config entry (a dict).

    ``*_ref`` keys left in ``entry`` are resolved against ``config``
    (:func:`geoplan.config.sites.resolve_refs`).

    Raises
    ------
    ConfigError
        Norwegian message naming the criterion and the field that is wrong.
    """
    if not isinstance(entry, Mapping):
        raise ConfigError("Hvert [[criteria]]-element i config/sites.toml må være en tabell.")
    cid = str(entry.get("id", "")).strip()
    if not cid:
        raise ConfigError("Et kriterium i config/sites.toml mangler «id». Gi hvert kriterium en id.")
    e = resolve_refs(entry, config, cid)
    if e.get("kind") == "dok":
        e = _dok_thresholds(cid, e)
    kind, direction = e.get("kind"), e.get("direction", "max")
    _check_kind_and_direction(cid, kind, direction)
    yellow, red = e.get("yellow"), e.get("red")
    _check_thresholds(cid, yellow, red, direction)
    _check_options(cid, str(kind), e)
    applies = e.get("applies_to") or {}
    if not isinstance(applies, Mapping) or set(applies) - {"kategori", "trinn"}:
        raise ConfigError(
            f"Kriteriet «{cid}»: applies_to kan bare ha nøklene «kategori» og «trinn»."
        )
    return Criterion(
        id=cid, kind=str(kind), label=str(e.get("label") or cid), unit=str(e.get("unit", "")),
        layer=e.get("layer"), direction=direction,
        yellow=None if yellow is None else float(yellow),
        red=None if red is None else float(red),
        source=str(e.get("source", "")), assumption=bool(e.get("assumption", False)),
        decimals=int(e.get("decimals", 1)), applies_to=dict(applies),
        options={k: v for k, v in e.items() if k not in _CRITERION_FIELDS},
    )


def _dok_thresholds(cid: str, e: Mapping[str, Any]) -> dict:
    """A ``dok`` entry's thresholds from ``hit_status`` and ``buffer_m``: the value is the
    distance to the nearest object, and a hit (distance ≤ buffer) has the hit's status."""
    hit, buffer_m = e.get("hit_status"), e.get("buffer_m", 0)
    if hit not in ("rod", "gul"):
        raise ConfigError(f"Kriteriet «{cid}» (type dok) må ha hit_status = «rod» eller «gul» "
                          "(statusen ved treff).")
    if isinstance(buffer_m, bool) or not isinstance(buffer_m, (int, float)) or buffer_m < 0:
        raise ConfigError(f"Kriteriet «{cid}» (type dok): buffer_m må være et tall ≥ 0 (meter).")
    out = {k: v for k, v in e.items() if k not in ("yellow", "red")}
    out.update({"direction": "min", "at_threshold": "worse", "unit": e.get("unit", "m"),
                "decimals": e.get("decimals", 0), ("red" if hit == "rod" else "yellow"): float(buffer_m)})
    return out


def _check_kind_and_direction(cid: str, kind: Any, direction: Any) -> None:
    if kind not in KINDS:
        raise ConfigError(
            f"Kriteriet «{cid}» har ukjent type kind = «{kind}». Gyldige typer: "
            + ", ".join(sorted(KINDS)) + "."
        )
    if direction not in DIRECTIONS:
        raise ConfigError(
            f"Kriteriet «{cid}» har direction = «{direction}»; bruk «max» (høyere er verre) "
            "eller «min» (lavere er verre)."
        )


def _check_thresholds(cid: str, yellow: Any, red: Any, direction: str) -> None:
    for name, v in (("yellow", yellow), ("red", red)):
        if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float))):
            raise ConfigError(f"Kriteriet «{cid}»: «{name}» må være et tall (fikk {v!r}).")
    if yellow is None and red is None:
        raise ConfigError(f"Kriteriet «{cid}» mangler terskler: oppgi «yellow» og/eller «red».")
    if yellow is not None and red is not None:
        if (direction == "max" and yellow > red) or (direction == "min" and yellow < red):
            raise ConfigError(
                f"Kriteriet «{cid}»: tersklene står i feil rekkefølge (gul {yellow}, rød {red}, "
                f"retning {direction}). Med «max» må gul ≤ rød, med «min» gul ≥ rød."
            )


def _check_options(cid: str, kind: str, e: Mapping[str, Any]) -> None:
    if e.get("at_threshold", "better") not in ("better", "worse"):
        raise ConfigError(
            f"Kriteriet «{cid}»: at_threshold må være «better» (verdien på terskelen er på den "
            "gode siden) eller «worse»."
        )
    if kind in KIND_NEEDS_LAYER and not e.get("layer"):
        raise ConfigError(f"Kriteriet «{cid}» (type {kind}) mangler «layer».")
    if kind == "sum_within" and not isinstance(e.get("radius_m"), (int, float)):
        raise ConfigError(f"Kriteriet «{cid}» (type sum_within) mangler «radius_m» (m, et tall).")
    if kind == "raster" and not e.get("raster"):
        raise ConfigError(f"Kriteriet «{cid}» (type raster) mangler «raster» (f.eks. «stoy»).")
    if kind == "concentration" and e.get("scope") not in ("grunnkrets", "radius", "bygning", "prosjekt"):
        raise ConfigError(
            f"Kriteriet «{cid}» (type concentration) må ha scope = «grunnkrets», «radius», «bygning» eller «prosjekt»."
        )


def criteria_from_settings(settings: SiteSettings) -> tuple[list[Criterion], list[Profile]]:
    """The checked criteria and profiles of :class:`~geoplan.config.sites.SiteSettings`.

    Raises
    ------
    ConfigError
        Norwegian message naming the criterion or profile when an entry is invalid.
    """
    return _build(settings.criteria, settings.profiles, settings.config)


def criteria_from_config(config: Config | SiteSettings | Mapping[str, Any] | None = None
                         ) -> tuple[list[Criterion], list[Profile]]:
    """Read ``[[criteria]]`` and ``[[profiles]]`` of the ``sites`` config section.

    Parameters
    ----------
    config : Config, SiteSettings, Mapping or None
        A :class:`~geoplan.config.Config` (references ``*_ref`` to other sections are
        resolved against it), settings already read, the ``sites`` section itself as
        a plain dict (references keep the numbers beside them), or ``None`` for the
        shipped defaults.

    Raises
    ------
    ConfigError
        Norwegian message naming the criterion when an entry is invalid.
    """
    if isinstance(config, SiteSettings):
        return criteria_from_settings(config)
    if config is None or isinstance(config, Config):
        return criteria_from_settings(SiteSettings.from_config(config))
    section = dict(config)
    return _build(section.get("criteria") or [], section.get("profiles") or [], None)


def _build(entries: Iterable[Any], profile_entries: Iterable[Any],
           config: Config | None) -> tuple[list[Criterion], list[Profile]]:
    crits = [criterion_from_dict(e, config) for e in entries]
    ids = [c.id for c in crits]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise ConfigError(f"Kriterie-id-ene {', '.join(dup)} står flere ganger i config/sites.toml.")
    profiles = []
    for p in profile_entries:
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
                    config: Config | None = None) -> tuple[list[Criterion], list[Profile]]:
    """The criteria used for one purchase, with the matching profiles applied.

    ``config`` resolves references (``*_ref``) in the profiles' overrides.
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
    """``rod`` if any red, else ``gul`` if any yellow, else ``gronn`` (``ukjent`` counted
    apart); ``ukjent`` when every status is unknown (a site outside the data is not green)."""
    s = list(statuses)
    if "rod" in s:
        return "rod"
    if "gul" in s:
        return "gul"
    if s and all(x == "ukjent" for x in s):
        return "ukjent"
    return "gronn"


def threshold_text(c: Criterion, status: str) -> str:
    """The sentence on thresholds that ends a ``begrunnelse``."""
    if c.kind == "dok":
        return {"rod": "Rødt: treff.", "gul": "Gult: treff.", "gronn": "Grønt: ingen treff."
                }.get(status, "")
    d = c.decimals if c.decimals > 0 else 0
    y = None if c.yellow is None else fmt_val(c.yellow, c.unit, dec_for(c.yellow, d))
    r = None if c.red is None else fmt_val(c.red, c.unit, dec_for(c.red, d))
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


def threshold_summary(c: Criterion) -> str:
    """``"gult over 1 500 m, rødt over 3 000 m"``."""
    if c.kind == "dok":
        word = "rødt" if c.opt("hit_status") == "rod" else "gult"
        buf = float(c.opt("buffer_m", 0) or 0)
        return f"{word} ved treff" + (f" innenfor {fmt_val(buf, 'm', 0)}" if buf > 0 else "")
    d = c.decimals
    worse = "over" if c.direction == "max" else "under"
    if c.opt("at_threshold", "better") == "worse":
        worse = "fra" if c.direction == "max" else "ned til"
    parts = []
    if c.yellow is not None and c.yellow != c.red:
        parts.append(f"gult {worse} {fmt_val(c.yellow, c.unit, dec_for(c.yellow, d))}")
    if c.red is not None:
        parts.append(f"rødt {worse} {fmt_val(c.red, c.unit, dec_for(c.red, d))}")
    return ", ".join(parts)
