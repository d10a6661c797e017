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
``dok``
    a national dataset (flomsoner, kvikkleire, kulturminner, naturvern, naturtyper,
    AR5, grunnforurensning, støysoner) as Kartverket's DOK-arealanalyse judges it:
    a hit has the entry's ``hit_status``, no hit is green with the distance to the
    nearest object, and «ikke kartlagt» (``ukjent``) where the dataset's coverage
    map says the area was never surveyed (:mod:`.dok`).

A site outside the ``kommune`` layer is ``ukjent`` in every criterion, with the
reason (:mod:`.coverage`).

Usage::

    assessor = SiteAssessor.from_dataset(ds, cfg)       # indexes built once
    result = assessor.assess(Point(x, y), units=4, kategori="utleie", trinn=1)
    many = assessor.assess_many(sites_gdf, units=2)      # {"tomter": [...]} ranked
    SiteAssessor(layers)                                 # a notebook: shipped criteria

:meth:`SiteAssessor.assess` returns ``{"kriterier": [...], "samlet": "gronn"|"gul"|"rod",
"oppsummering": {...}, "tomt": {...}, "profiler": [...]}``; each criterion is
``{"id", "kriterium", "status", "verdi", "terskel", "enhet", "begrunnelse", "kilde", ...}``.
Statuses: ``gronn``, ``gul``, ``rod`` and ``ukjent`` (a layer or raster is missing,
the site is outside the raster or the municipality, ...: the reason is in
``begrunnelse``). A missing
layer never raises.

All distances are in metres and areas in daa (1 daa = 1,000 m²), in the projected
CRS of the data. The functions here do no file I/O except reading the GeoTIFFs the
dataset points to (once, when the assessor is built).

Modules: :mod:`.criteria` (criteria, profiles, the traffic light),
:mod:`.kinds` (the evaluator contract and registry), :mod:`.evaluators` (the kinds
shipped), :mod:`.assessor` (:class:`SiteAssessor`), :mod:`.indexes` and
:mod:`.zoning` (prepared layers), :mod:`.walking`, :mod:`.concentration_adapter`,
:mod:`.results` (the result dicts, :func:`public_result`) and :mod:`.wording`
(the Norwegian words). The config keys are read by :mod:`geoplan.config.sites`.
"""

from geoplan.analysis.sites import dok, evaluators  # noqa: F401  (register the shipped kinds)
from geoplan.analysis.sites.assessor import SiteAssessor
from geoplan.analysis.sites.criteria import (
    DIRECTIONS,
    STATUSES,
    Criterion,
    Profile,
    classify,
    criteria_from_config,
    criteria_from_settings,
    criterion_from_dict,
    normalise_kategori,
    overall_status,
    select_criteria,
    threshold_summary,
    threshold_text,
)
from geoplan.analysis.sites.evaluators import raster_site_stats
from geoplan.analysis.sites.kinds import KIND_NEEDS_LAYER, KINDS, Measure, Sites, register_kind
from geoplan.analysis.sites.results import public_result
from geoplan.analysis.sites.walking import make_walker
from geoplan.analysis.sites.wording import LAYER_NOUN, STATUS_WORD, fmt_num
from geoplan.config.sites import SiteSettings

__all__ = [
    "SiteAssessor", "SiteSettings", "Criterion", "Profile", "Measure", "Sites",
    "KINDS", "KIND_NEEDS_LAYER", "register_kind", "STATUSES", "DIRECTIONS", "STATUS_WORD",
    "LAYER_NOUN", "classify", "overall_status", "criteria_from_config",
    "criteria_from_settings", "criterion_from_dict", "select_criteria", "normalise_kategori",
    "threshold_text", "threshold_summary", "public_result", "make_walker",
    "raster_site_stats", "fmt_num",
]
