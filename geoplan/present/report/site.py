"""The site report: a checklist of criteria with measured value, threshold and source, and a map.

Input is a site assessment (``SiteAssessor.assess`` / ``geoplan assess
--json``); nothing is re-computed here except the map. With ``public`` (the
default) a criterion that would publish a count of municipal units below
``kommune.min_count_public`` shows ``:`` instead, and its sentence is replaced.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from geoplan.config.schools import SchoolSettings
from geoplan.present import text
from geoplan.present.report import maps
from geoplan.present.report.context import ReportContext, run_builder
from geoplan.present.report.model import (
    SENSITIVE_LAYERS,
    STATUS_ORDER,
    STATUS_TEXT,
    SUPPRESSED,
    Column,
    Figure,
    Omit,
    Section,
    Table,
    min_count,
)
from geoplan.present.report.render import fmt_from_path, render, report_meta

SITE_TITLE = "Vurdering av tomt før kjøp"

#: criterion id -> layers drawn on the site map when the criterion's config names none
_CRITERION_LAYERS = {
    "utviklingsgrense": ("utviklingsgrense",),
    "arealformal": ("arealformal",),
    "skole_avstand": ("skole",),
    "skole_gangavstand": ("skole", "gangnett"),
    "kollektiv_avstand": ("holdeplass",),
    "kollektivakse_avstand": ("kollektivakse",),
    "sentrum_avstand": ("sentrum",),
    "steinbrudd_avstand": ("steinbrudd",),
    "konsentrasjon_grunnkrets": ("grunnkrets",),
    "konsentrasjon_bygning": ("bygning",),
    "helsetjeneste_avstand": ("helsetjeneste",),
}


def _criteria_config(config) -> dict[str, dict]:
    """Each site criterion's configuration by id, ``*_ref`` resolved (:mod:`geoplan.config.sites`)."""
    from geoplan.config.sites import criteria_by_id

    return criteria_by_id(config)


def _site_layers_for(crit_id: str, cfg: dict) -> tuple[str, ...]:
    names: list[str] = []
    for key in ("layer", "network"):
        if cfg.get(key):
            names.append(str(cfg[key]))
    if cfg.get("kind") == "concentration":
        scope = cfg.get("scope")
        names.append({"grunnkrets": "grunnkrets", "bygning": "bygning"}.get(scope or "", ""))
    names.extend(_CRITERION_LAYERS.get(crit_id, ()))
    seen: list[str] = []
    for n in names:
        if n and n not in seen and n not in SENSITIVE_LAYERS:
            seen.append(n)
    return tuple(seen)


# ------------------------------------------------------------------ the site's geometry

_GEOMETRY_KEYS = ("geometry", "geometri", "geom", "geometri_wkt", "wkt")


def _geometry_value(g: Any):
    """A GeoJSON mapping, WKT text or shapely geometry as a geometry (None if it is none)."""
    import shapely
    from shapely.geometry import shape

    if isinstance(g, dict):
        return shape(g)
    if isinstance(g, str):
        try:
            return shapely.from_wkt(g)
        except Exception:  # noqa: BLE001 - not WKT; try the next key
            return None
    return g if hasattr(g, "geom_type") else None


def _point_from_tomt(tomt: dict):
    """The site's centre point from ``senter``/``sentrum``/``punkt``/``centre`` or ``x``, ``y``."""
    import shapely

    c = tomt.get("senter") or tomt.get("sentrum") or tomt.get("punkt") or tomt.get("centre")
    x = y = None
    if isinstance(c, dict):
        x, y = c.get("x"), c.get("y")
    elif isinstance(c, (list, tuple)) and len(c) >= 2:
        x, y = c[0], c[1]
    elif "x" in tomt and "y" in tomt:
        x, y = tomt["x"], tomt["y"]
    if x is None or y is None:
        return None
    return shapely.Point(float(x), float(y))


def _geometry_from_tomt(tomt: Any):
    if not isinstance(tomt, dict):
        return None
    for key in _GEOMETRY_KEYS:
        g = tomt.get(key)
        geom = None if g is None else _geometry_value(g)
        if geom is not None:
            return geom
    return _point_from_tomt(tomt)


def _site_geometry(result: dict, site=None, crs=None):
    """The site as a GeoSeries in the data's CRS, from ``site`` or the result's ``tomt``."""
    import geopandas as gpd

    if site is not None and hasattr(site, "geometry") and hasattr(site, "crs"):
        s = site.geometry if hasattr(site.geometry, "union_all") else site
        if crs is not None and s.crs is not None and s.crs != crs:
            s = s.to_crs(crs)
        return gpd.GeoSeries(list(s), crs=crs or s.crs)
    geom = site if site is not None else _geometry_from_tomt((result or {}).get("tomt") or {})
    if geom is None:
        return None
    return gpd.GeoSeries([geom], crs=crs)


# ------------------------------------------------------------------ the checklist

def value_text(v: Any, unit: str = "", decimals: int = 1) -> str:
    """A criterion's measured value with its unit; before/after mappings as ``før …, etter …``.

    Whole numbers show without decimals (shares in % keep ``decimals``).
    """
    if isinstance(v, dict):
        parts = [f"{'før' if k != 'etter' else 'etter'} {value_text(v[k], unit, decimals)}"
                 for k in ("for", "før", "foer", "etter") if k in v]
        return ", ".join(parts) if parts else ", ".join(f"{k}: {value_text(x, unit, decimals)}"
                                                       for k, x in v.items())
    if text.is_missing(v) or isinstance(v, bool):
        return text.yes_no(v)
    if isinstance(v, (int, float)) or hasattr(v, "__float__") and not isinstance(v, str):
        f = float(v)
        return text.with_unit(f, unit, 0 if (f.is_integer() and unit != "%") else decimals)
    return f"{v} {unit}".strip() if unit and str(v) else str(v)


def _is_count_unit(unit: str) -> bool:
    return unit.strip().lower() in ("enheter", "boenheter", "kommunale enheter")


def threshold_text(terskel: Any, unit: str = "") -> str:
    """``{"gul": 1500, "rod": 3000, "retning": "hoyere_er_verre"}`` -> Norwegian text."""
    if isinstance(terskel, dict):
        worse_high = str(terskel.get("retning", "hoyere_er_verre")).startswith("hoyere")
        word = "over" if worse_high else "under"
        parts = []
        if not text.is_missing(terskel.get("gul")):
            parts.append(f"gul {word} {value_text(terskel['gul'], unit)}")
        if not text.is_missing(terskel.get("rod")):
            parts.append(f"rød {word} {value_text(terskel['rod'], unit)}")
        return ", ".join(parts) if parts else text.MISSING
    if isinstance(terskel, str):
        return terskel
    return value_text(terskel, unit)


#: counts of municipal units in a concentration criterion's ``detaljer``
_UNIT_COUNT_KEYS = ("kommunale_enheter", "enheter_innen_radius", "housing_first_enheter",
                    "housing_first_innen_radius")


def _small_concentration(k: dict, verdi: Any, unit: str, limit: int) -> bool:
    """Whether a criterion would publish a count of municipal units below ``limit``.

    True when the value is such a count, or when the before/after details of a
    concentration criterion hold one (its share and sentence would give it back).
    """
    vals = list(verdi.values()) if isinstance(verdi, dict) else [verdi]
    if _is_count_unit(unit) and any(
            (not text.is_missing(x)) and isinstance(x, (int, float)) and float(x) < limit
            for x in vals):
        return True
    det = k.get("detaljer") or {}
    if not isinstance(det, dict):
        return False
    for part in ("for_detaljer", "etter_detaljer", "for", "etter"):
        d = det.get(part)
        if not isinstance(d, dict):
            continue
        for key in _UNIT_COUNT_KEYS:
            v = d.get(key)
            if v is not None and not text.is_missing(v) and float(v) < limit:
                return True
    return False


def _criterion_threshold(k: dict, unit: str) -> str:
    if k.get("terskel_tekst"):
        return k["terskel_tekst"]
    t = k.get("terskel")
    if isinstance(t, dict):
        t = {**t, "retning": t.get("retning", k.get("retning", "hoyere_er_verre"))}
    return threshold_text(t, unit)


def _checklist_table(kriterier: list[dict], public: bool, limit: int, tid: str,
                     sheet: str) -> tuple[Table, int]:
    rows, suppressed = [], set()
    for i, k in enumerate(kriterier):
        unit = str(k.get("enhet") or "")
        verdi = k.get("verdi")
        row = {
            "kriterium": k.get("kriterium") or k.get("id"),
            "status": k.get("status", "ukjent"),
            "verdi": value_text(verdi, unit),
            "verdi_tall": verdi if isinstance(verdi, (int, float)) else None,
            "enhet": unit,
            "terskel": _criterion_threshold(k, unit),
            "begrunnelse": k.get("begrunnelse") or "",
            "kilde": k.get("kilde") or "",
            "id": k.get("id"),
        }
        if public and _small_concentration(k, verdi, unit, limit):
            suppressed.add((i, "verdi"))
            suppressed.add((i, "verdi_tall"))
            # the sentence (and a share of a known total) would give the count back
            row["begrunnelse"] = (f"Verdien bygger på færre enn {limit} kommunale enheter og "
                                  "vises ikke av personvernhensyn; statusen er regnet av de "
                                  "faktiske tallene.")
        rows.append(row)
    t = Table(id=tid, title="", sheet=sheet,
              columns=[Column("kriterium", "Kriterium"), Column("status", "Status", "status"),
                       Column("verdi", "Målt verdi"), Column("terskel", "Terskel"),
                       Column("begrunnelse", "Begrunnelse"), Column("kilde", "Kilde")],
              rows=rows, suppressed_cells=suppressed)
    return t, len({i for i, _ in suppressed})


_FACT_LABELS = {
    "geometritype": "Geometritype", "areal_daa": "Areal", "x": "Øst (x)", "y": "Nord (y)",
    "punkt_pa_tomta": "Punkt på tomta", "epsg": "Koordinatsystem (EPSG)",
    "arealformal": "Arealformål på tomta",
}


def _zoning_text(items: list[dict]) -> str:
    """``[{"navn", "kode", "andel_pct", "areal_daa"}, ...]`` as one line."""
    parts = []
    for d in items:
        nm = d.get("navn") or d.get("kode")
        kode = d.get("kode")
        txt = f"{nm}" + (f" ({kode})" if kode is not None and nm != kode else "")
        if d.get("andel_pct") is not None:
            txt += f": {text.number(d['andel_pct'], 1)} %"
        if d.get("areal_daa") is not None:
            txt += f", {text.number(d['areal_daa'], 2)} daa"
        parts.append(txt)
    return "; ".join(parts)


def _fact_text(k: str, v: Any) -> str:
    if k in ("x", "y"):
        return text.number(v, 1)
    if k == "epsg":
        return str(v)
    if k == "geometritype":
        return text.geometry_kind(v)
    if k == "punkt_pa_tomta" and isinstance(v, (list, tuple)) and len(v) >= 2:
        return f"{text.number(v[0], 1)}, {text.number(v[1], 1)}"
    if isinstance(v, list) and v and isinstance(v[0], dict):
        return _zoning_text(v)
    if v is None:
        return text.MISSING
    unit = "daa" if k.endswith("_daa") else ("m" if k.endswith("_m") else
                                              ("%" if k.endswith("_pct") else ""))
    return value_text(v, unit, 2 if unit == "daa" else 1)


def _site_facts(tomt: dict) -> list[dict]:
    return [{"egenskap": _FACT_LABELS.get(k, k.replace("_", " ").capitalize()),
             "verdi": _fact_text(k, v)}
            for k, v in (tomt.items() if isinstance(tomt, dict) else [])
            if k not in _GEOMETRY_KEYS]


# ------------------------------------------------------------------ the map

def _deciding_layers(kriterier: list[dict], crit_cfg: dict) -> dict[str, list[str]]:
    """Layer name -> the criteria it decided."""
    deciding: dict[str, list[str]] = {}
    for k in kriterier:
        cid = k.get("id") or ""
        cfg_k = dict(crit_cfg.get(cid, {}))
        if k.get("lag") and not str(k["lag"]).endswith(".tif"):
            cfg_k.setdefault("layer", k["lag"])
        for lyr in _site_layers_for(cid, cfg_k):
            deciding.setdefault(lyr, []).append(k.get("kriterium") or cid)
    return deciding


def _concentration_radius(config, crit: dict) -> float:
    """The ``konsentrasjon_radius`` criterion's radius (m), its reference already resolved."""
    return float(crit["radius_m"])


def _site_map(sec: Section, result, dataset, config, crit_cfg, site, kriterier) -> None:
    import geopandas as gpd

    crs = getattr(dataset, "crs", None)
    geom = _site_geometry(result, site, crs)
    if geom is None or geom.is_empty.all():
        raise Omit("Kartet er utelatt fordi vurderingen ikke oppgir tomtas geometri eller "
                   "koordinater.")
    site_gdf = gpd.GeoDataFrame({"navn": ["Tomta"]}, geometry=geom.values, crs=crs)
    deciding = _deciding_layers(kriterier, crit_cfg)
    centre = site_gdf.geometry.union_all().centroid
    focus = maps.site_window(centre)
    layers, shown = maps.site_layers(dataset, list(deciding), focus,
                                     crit_cfg.get("arealformal", {}))
    if "skole" in deciding:
        circle = maps.school_circle(dataset, centre, SchoolSettings.from_config(config).radius_m)
        if circle is not None:
            layers.append(circle)
    rad_cfg = crit_cfg.get("konsentrasjon_radius")
    if rad_cfg and any(k.get("id") == "konsentrasjon_radius" for k in kriterier):
        layers.append(maps.radius_circle(dataset, centre, _concentration_radius(config, rad_cfg)))
    layers.append(maps.site_marker(site_gdf))
    png = maps.render_map(layers, title="Tomta med lagene som avgjorde vurderingen", focus=focus,
                          crs_label=maps.crs_label(dataset), height_cm=13.0)
    shown_text = ", ".join(maps.SITE_LABELS.get(n, n).lower() for n in shown) or "ingen"
    sec.items.append(Figure("Kart over tomta", png,
                            caption="Kartet viser tomta og lagene kriteriene bygger på "
                                    f"({shown_text}). "
                                    "Kommunale boliger vises ikke av personvernhensyn."))
    rows = [{"lag": maps.SITE_LABELS.get(n, n), "kriterier": ", ".join(deciding[n]),
             "i_data": text.yes_no(True) if dataset.has(n)
             else f"{text.yes_no(False)} (kriteriet blir ukjent)"}
            for n in maps.SITE_ORDER if n in deciding]
    if rows:
        sec.items.append(Table(id="lag_per_kriterium", title="Lagene bak hvert kriterium",
                               sheet="Lag per kriterium",
                               columns=[Column("lag", "Lag"), Column("kriterier", "Kriterier"),
                                        Column("i_data", "Finnes i dataene")], rows=rows))


def _sites_overview(sites: list[dict], dataset) -> Figure:
    """All assessed sites on one map, labelled by rank."""
    crs = getattr(dataset, "crs", None)
    geoms, ranks = [], []
    for t in sites:
        g = _site_geometry(t, None, crs)
        if g is not None and len(g) and not g.is_empty.all():
            geoms.append(g.iloc[0])
            ranks.append(str(t.get("rang", "")))
    return maps.sites_overview(geoms, ranks, dataset)


# ------------------------------------------------------------------ sections

def _status_of(t: dict) -> Any:
    samlet = t.get("samlet")
    return samlet.get("status") if isinstance(samlet, dict) else samlet


def _ranking_section(sites: list[dict], dataset) -> Section:
    sec = Section(id="rangering", title="Rangering av tomtene", config_sections=("sites",))
    sec.text.append(
        f"{len(sites)} tomter er vurdert med de samme kriteriene. Rangeringen gir færrest "
        "røde, så færrest gule, så færrest ukjente kriterier først.")
    rows = []
    for t in sites:
        o = t.get("oppsummering") or {}
        rows.append({"rang": t.get("rang"), "navn": t.get("navn"), "samlet": t.get("samlet"),
                     "rod": o.get("rod"), "gul": o.get("gul"), "gronn": o.get("gronn"),
                     "ukjent": o.get("ukjent")})
    sec.items.append(Table(
        id="rangering", title="", sheet="Rangering",
        columns=[Column("rang", "Rang", "int"), Column("navn", "Tomt"),
                 Column("samlet", "Samlet", "status"), Column("rod", "Røde", "int"),
                 Column("gul", "Gule", "int"), Column("gronn", "Grønne", "int"),
                 Column("ukjent", "Ukjente", "int")], rows=rows))
    try:
        sec.items.append(_sites_overview(sites, dataset))
    except Omit:
        pass
    return sec


def _checklist_section(t: dict, j: int, many: bool, public: bool, limit: int) -> Section:
    kriterier = list(t.get("kriterier") or [])
    name = t.get("navn") if many else None
    sec = Section(id=f"sjekkliste-{j + 1}" if many else "sjekkliste",
                  title=f"Sjekkliste: {name}" if name else "Sjekkliste",
                  config_sections=("sites",))
    counts = {s: sum(1 for k in kriterier if k.get("status") == s) for s in STATUS_ORDER}
    if many:
        samlet = _status_of(t)
        sec.text.append(f"Rang {t.get('rang')}. Samlet: "
                        f"{STATUS_TEXT.get(str(samlet), str(samlet))}.")
    sec.text.append((t.get("oppsummering") or {}).get("tekst") or (
        f"{len(kriterier)} kriterier: {counts['gronn']} grønne, {counts['gul']} gule, "
        f"{counts['rod']} røde og {counts['ukjent']} ukjente."))
    sec.text.append("Hvert kriterium viser målt verdi, terskel og kilde; «ukjent» betyr at "
                    "et lag eller raster mangler, og grunnen står i begrunnelsen.")
    table, nsup = _checklist_table(kriterier, public, limit, sec.id,
                                   (f"Sjekkliste {j + 1}" if many else "Sjekkliste"))
    sec.items.append(table)
    if nsup:
        sec.privacy = (f"Antall kommunale boenheter under {limit} er skjult («{SUPPRESSED}») "
                       "av personvernhensyn.")
    return sec


def _facts_section(t: dict, j: int, many: bool) -> Section:
    name = t.get("navn") if many else None
    sec = Section(id=f"tomt-{j + 1}" if many else "tomt",
                  title="Tomta" + (f": {name}" if name else ""))
    rows = _site_facts(t.get("tomt") or {})
    if rows:
        sec.items.append(Table(id=sec.id, title="", sheet=f"Tomt {j + 1}" if many else "Tomt",
                               columns=[Column("egenskap", "Egenskap"), Column("verdi", "Verdi")],
                               rows=rows))
    else:
        sec.omitted = "Vurderingen inneholder ingen opplysninger om selve tomta."
    return sec


def site_sections(result: dict, dataset, config, public: bool = True,
                  site=None) -> tuple[list[Section], str]:
    """Sections of the site report and the overall status.

    Parameters
    ----------
    result : dict
        One assessment (``SiteAssessor.assess`` / ``geoplan assess --json``):
        ``{"kriterier": [...], "samlet": ..., "tomt": {...}}``; or many,
        ``{"tomter": [{"rang", "navn", "samlet", "kriterier", "tomt"}, ...]}``.
    dataset : geoplan.io.layers.Dataset
    config : geoplan.config.Config
    public : bool
        Suppress counts of municipal units below the minimum.
    site : shapely geometry or GeoSeries, optional
        The site, when the result does not carry its geometry.

    Returns
    -------
    (list of Section, overall status of the best-ranked site)
    """
    limit = min_count(config)
    crit_cfg = _criteria_config(config)
    result = result or {}
    many = isinstance(result.get("tomter"), list)
    sites = result["tomter"] if many else [result]
    out: list[Section] = [_ranking_section(sites, dataset)] if many else []
    for j, t in enumerate(sites):
        out.append(_checklist_section(t, j, many, public, limit))
        name = t.get("navn") if many else None
        sec_map = Section(id=f"kart-{j + 1}" if many else "kart",
                          title=("Kart over tomta og lagene som avgjorde vurderingen"
                                 + (f": {name}" if name else "")))
        try:
            _site_map(sec_map, t, dataset, config, crit_cfg, site if not many else None,
                      list(t.get("kriterier") or []))
        except Omit as o:
            sec_map.omitted = o.reason
        out.append(sec_map)
        out.append(_facts_section(t, j, many))
    ctx = ReportContext(dataset=dataset, config=config, public=public)
    ctx.cache["used_config_sections"] = ["kommune", "sites"]
    out += [run_builder(ctx, "parametere"), run_builder(ctx, "datagrunnlag")]
    for i, s in enumerate(out, start=1):
        s.number = i
    return out, str(_status_of(sites[0] if sites else {}) or "ukjent")


def site_report_bytes(result: dict, dataset, config, fmt: str = "pdf", public: bool = True,
                      site=None) -> bytes:
    """The site report (checklist with map) as bytes.

    Parameters
    ----------
    result : dict
        ``{"kriterier": [...], "samlet": ..., "tomt": {...}}`` from the site assessment.
    dataset : geoplan.io.layers.Dataset
    config : geoplan.config.Config
    fmt : {"pdf", "html", "xlsx"}
    public : bool
        Suppress counts of municipal units below ``kommune.min_count_public``.
    site : geometry or GeoSeries, optional
        The site, if ``result["tomt"]`` carries no geometry or coordinates.
    """
    secs, samlet = site_sections(result, dataset, config, public=public, site=site)
    samlet_status = str(samlet or "ukjent")
    meta = report_meta(dataset, config, SITE_TITLE,
                       "Sjekkliste for kjøp eller bygging av kommunal bolig: hvert kriterium med "
                       "målt verdi, terskel og kilde, og kart over tomta.")
    return render(secs, meta, fmt, template="site.html.j2", samlet_status=samlet_status,
                  samlet_text=STATUS_TEXT.get(samlet_status, samlet_status))


def write_site_report(result: dict, dataset, out_path, config, public: bool = True,
                      site=None) -> Path:
    """Write the site report to ``out_path`` (.html, .pdf or .xlsx), atomically."""
    from geoplan.io.writers import write_bytes_atomic
    fmt = fmt_from_path(out_path)
    return write_bytes_atomic(out_path, site_report_bytes(result, dataset, config, fmt,
                                                          public=public, site=site))
