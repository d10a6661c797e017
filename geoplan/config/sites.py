"""Settings of the site assessment: the only code that reads ``sites.*`` keys and
resolves the criteria's ``*_ref`` references.

``config/sites.toml`` holds two kinds of data: parameters (``units``: the number of
dwellings a purchase counts when none is given) and the checklist itself, one
``[[criteria]]`` entry per criterion and ``[[profiles]]`` that change thresholds per
purchase (see :mod:`geoplan.analysis.sites` for the kinds and fields).

A criterion may take a number from another file instead of repeating it:
``yellow_ref = "schools.radius_m"`` replaces ``yellow`` by that parameter when the
configuration has it, so one threshold is not kept in two places. When the
configuration does not hold the referenced key (a test or a notebook that built a
:class:`~geoplan.config.Config` with ``sites`` alone), the number written in
``sites.toml`` is used. If a referenced threshold moves past the other one (a
``schools.radius_m`` of 3,500 m above a red limit of 3,000 m), the yellow band is
empty: yellow is set to red.

Two entry points:

* :meth:`SiteSettings.from_config` — everything :class:`geoplan.analysis.sites.SiteAssessor`
  reads (``cfg=None``: the shipped defaults);
* :func:`criteria_by_id` — each criterion's config entry with its references
  resolved, keyed by id (what the reports show as thresholds and radii).

A key the given configuration lacks (``sites.units``, ``kommune.min_count_public``,
or the whole ``sites`` section) is taken from the shipped defaults
(:func:`geoplan.config.default_config`); nothing here carries a default of its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from geoplan.config import Config, default_config
from geoplan.errors import ConfigError

__all__ = ["SiteSettings", "criteria_by_id", "resolve_refs"]

#: fields a reference may only replace by a number
_NUMERIC_REFS = ("yellow", "red", "radius_m", "max_snap_m")


def resolve_refs(entry: Mapping[str, Any], config: Config | None, where: str) -> dict:
    """One criterion entry with every ``x_ref`` replaced by the parameter it names.

    Parameters
    ----------
    entry : mapping
        A ``[[criteria]]`` entry (or a criterion merged with a profile's override).
    config : Config or None
        Where the references are looked up; a key it does not hold (or
        ``config=None``) is taken from the shipped defaults, so each number is
        written once, in the parameter referred to.
    where : str
        The criterion id, named in error messages.

    Returns
    -------
    dict
        A copy without ``*_ref`` keys. When a reference was present and the
        thresholds then stand in the wrong order for ``direction``, ``yellow`` is
        set to ``red`` (no yellow band left).

    Raises
    ------
    ConfigError
        A reference for ``yellow``, ``red``, ``radius_m`` or ``max_snap_m`` that
        names a value that is not a number.
    """
    out = dict(entry)
    refs = [k for k in entry if k.endswith("_ref")]
    for key in refs:
        base, ref = key[:-4], entry[key]
        out.pop(key)
        if not isinstance(ref, str):
            raise ConfigError(f"Kriteriet «{where}»: «{key}» må være navnet på en parameter, "
                              f"f.eks. \"schools.radius_m\" (fikk {ref!r}).")
        # the number lives once, in the parameter referred to: the municipality's
        # configuration when it has it, else the shipped defaults
        source = config if config is not None and config.has(ref) else default_config()
        if not source.has(ref):
            raise ConfigError(
                f"Kriteriet «{where}» viser til «{ref}» for «{base}», men den parameteren finnes "
                "ikke. Rett navnet i config/sites.toml.")
        val = source.get(ref)
        if base in _NUMERIC_REFS and (isinstance(val, bool) or not isinstance(val, (int, float))):
            raise ConfigError(
                f"Kriteriet «{where}» viser til «{ref}» for «{base}», men verdien der "
                f"({val!r}) er ikke et tall. Rett config/sites.toml eller parameteren."
            )
        out[base] = val
    if refs:
        _clamp_yellow(out)
    return out


def _clamp_yellow(e: dict) -> None:
    """A referenced threshold moved past the other one: no yellow band left."""
    yellow, red, direction = e.get("yellow"), e.get("red"), e.get("direction", "max")
    if isinstance(yellow, bool) or isinstance(red, bool):
        return
    if not (isinstance(yellow, (int, float)) and isinstance(red, (int, float))):
        return
    if (direction == "max" and yellow > red) or (direction == "min" and yellow < red):
        e["yellow"] = red


def _section(cfg: Config) -> dict:
    """The ``sites`` section of ``cfg``, or of the shipped defaults when it has none."""
    return cfg.section("sites") if cfg.has("sites") else default_config().section("sites")


def _param(cfg: Config, key: str) -> Any:
    return cfg.get(key) if cfg.has(key) else default_config().get(key)


@dataclass(frozen=True)
class SiteSettings:
    """What the site assessment reads from the configuration.

    Attributes
    ----------
    units : int
        Dwellings bought or built on a site when the caller gives none
        (``sites.units``).
    criteria : tuple of dict
        The ``[[criteria]]`` entries in config order, references resolved
        (:func:`resolve_refs`); validated into
        :class:`geoplan.analysis.sites.Criterion` by the analysis.
    profiles : tuple of dict
        The ``[[profiles]]`` entries as written (their overrides are resolved when
        they are applied, :meth:`resolve`).
    min_count_public : int
        Smallest count of municipal units written out in public outputs
        (``kommune.min_count_public``).
    config : Config
        The configuration read, for references in profile overrides and for the
        concentration criteria's parameters (``concentration.*``).
    """

    units: int
    criteria: tuple[dict, ...]
    profiles: tuple[dict, ...]
    min_count_public: int
    config: Config = field(repr=False, compare=False)

    @classmethod
    def from_config(cls, cfg: Config | None = None) -> "SiteSettings":
        """The settings in ``cfg`` (``None``: the shipped defaults).

        Raises
        ------
        ConfigError
            ``[[criteria]]`` or ``[[profiles]]`` that are not lists of tables, a
            criterion without id, a reference to a value that is not a number, or a
            minimum count below 1.
        """
        from geoplan.privacy import validate_min_count

        cfg = cfg if cfg is not None else default_config()
        section = _section(cfg)
        return cls(
            units=int(_param(cfg, "sites.units")),
            criteria=tuple(_resolved_entries(section.get("criteria") or [], cfg)),
            profiles=tuple(_tables(section.get("profiles") or [], "profiles")),
            min_count_public=validate_min_count(_param(cfg, "kommune.min_count_public")),
            config=cfg,
        )

    def resolve(self, entry: Mapping[str, Any], where: str) -> dict:
        """:func:`resolve_refs` against this configuration (for profile overrides)."""
        return resolve_refs(entry, self.config, where)


def _tables(entries: Any, name: str) -> list[dict]:
    if not isinstance(entries, list) or not all(isinstance(e, Mapping) for e in entries):
        what = "[[criteria]]" if name == "criteria" else "[[profiles]]"
        raise ConfigError(f"Hvert {what}-element i config/sites.toml må være en tabell.")
    return [dict(e) for e in entries]


def _resolved_entries(entries: Any, cfg: Config | None) -> list[dict]:
    out = []
    for e in _tables(entries, "criteria"):
        cid = str(e.get("id", "")).strip()
        if not cid:
            raise ConfigError("Et kriterium i config/sites.toml mangler «id». Gi hvert kriterium en id.")
        out.append(resolve_refs(e, cfg, cid))
    return out


def criteria_by_id(cfg: Config | None = None) -> dict[str, dict]:
    """Each criterion's config entry with its ``*_ref`` references resolved, keyed by id.

    The values the site assessment uses (``yellow``, ``red``, ``radius_m``, ``unit``,
    ``label``, ``source``, ``assumption``, ``layer``, ...), for outputs that show a
    criterion's thresholds without assessing a site (the reports).

    Parameters
    ----------
    cfg : Config, optional
        ``None``: the shipped defaults.

    Returns
    -------
    dict
        ``{id: entry}`` in config order; profile overrides are not applied.
    """
    return {e["id"]: e for e in SiteSettings.from_config(cfg).criteria}
