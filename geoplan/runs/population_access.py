"""Dataset + Config -> where the elderly live far from what they need (issue 18).

Homes are the buildings with dwellings; each grunnkrets's people aged 67+ and
80+ (today's, from BefolkningPåGrunnkrets, or a horizon year's from the
projection) are placed on its buildings in proportion to their dwellings.
Services: the ``tjeneste`` layer (``type`` as the kind), ``helsetjeneste``
(``population.helsetjeneste_types``), ``holdeplass`` and ``sentrum``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from geoplan.config.population import PopulationSettings
from geoplan.errors import DataProblem

if TYPE_CHECKING:
    from geoplan.runs.population import PopulationResult


@dataclass
class AccessTables:
    """Per grunnkrets and kind (``grunnkretser``), per kind for the municipality (``kommune``),
    care-home places per 80+ per place (``omsorg``), the lowest-coverage areas (``lavest``)."""

    grunnkretser: pd.DataFrame
    kommune: pd.DataFrame
    omsorg: pd.DataFrame
    lavest: pd.DataFrame
    homes: pd.DataFrame
    n_services: dict[str, int]
    year: int
    settings: PopulationSettings
    notes: list[str] = field(default_factory=list)


def services_frame(ds, s: PopulationSettings):
    """All services as one GeoDataFrame with ``tjenestetype`` (kinds in ``population.service_kinds``)."""
    import geopandas as gpd

    parts = []
    tj = ds.get("tjeneste")
    if tj is not None and len(tj):
        kind = tj["type"].astype(str).str.strip().str.lower().replace({"møteplass": "moteplass",
                                                                        "sykehjem": "omsorgsbase"})
        parts.append(gpd.GeoDataFrame({"tjenestetype": kind}, geometry=tj.geometry.values, crs=tj.crs))
    ht = ds.get("helsetjeneste")
    if ht is not None and len(ht):
        kind = ht["type"].astype(str).str.strip().str.lower().map(s.helsetjeneste_types)
        keep = kind.notna().to_numpy()
        parts.append(gpd.GeoDataFrame({"tjenestetype": kind[keep].to_numpy()},
                                      geometry=ht.geometry.values[keep], crs=ht.crs))
    for layer in ("holdeplass", "sentrum"):
        g = ds.get(layer)
        if g is not None and len(g):
            parts.append(gpd.GeoDataFrame({"tjenestetype": [layer] * len(g)}, geometry=g.geometry.values,
                                          crs=g.crs))
    if not parts:
        raise DataProblem("Ingen tjenester å måle avstand til: legg til laget «tjeneste» (butikk, "
                          "apotek, lege, omsorgsbase, møteplass) eller «helsetjeneste»/«holdeplass»/«sentrum».")
    out = pd.concat(parts, ignore_index=True)
    return out[out["tjenestetype"].isin(s.service_kinds)].reset_index(drop=True)


def homes_with_people(ds, base: pd.DataFrame, labels: list[str]) -> pd.DataFrame:
    """Buildings with dwellings, their grunnkrets and persons 67+ / 80+ placed by dwellings.

    ``base``: ``grunnkretsnummer`` and one column per label (0-66, 67-79, 80+).
    """
    import geopandas as gpd

    b = ds["bygning"]
    b = b[pd.to_numeric(b["antall_boliger"], errors="coerce").fillna(0) > 0]
    pts = gpd.GeoDataFrame({"antall_boliger": b["antall_boliger"].astype(float).to_numpy()},
                           geometry=b.geometry.representative_point().values, crs=b.crs)
    gk = ds["grunnkrets"][["grunnkretsnummer", "geometry"]]
    j = gpd.sjoin(pts, gk, predicate="within", how="left")
    j = j[~j.index.duplicated(keep="first")]
    j["grunnkretsnummer"] = j["grunnkretsnummer"].astype("string").fillna("(utenfor)")
    dw = j.groupby("grunnkretsnummer")["antall_boliger"].transform("sum")
    w = (j["antall_boliger"] / dw).to_numpy()
    bb = base.groupby("grunnkretsnummer")[labels].sum()
    p67 = (bb[labels[1]] + bb[labels[2]]).reindex(j["grunnkretsnummer"]).fillna(0).to_numpy()
    p80 = bb[labels[2]].reindex(j["grunnkretsnummer"]).fillna(0).to_numpy()
    return pd.DataFrame({"grunnkretsnummer": j["grunnkretsnummer"].to_numpy(), "p67": p67 * w,
                         "p80": p80 * w, "geometry": j.geometry.to_numpy()})


def access(ds, cfg, *, projection=None, grunnkrets_file=None, year: int | None = None,
           variant: str | None = None, kommune: str | None = None,
           result: PopulationResult | None = None) -> AccessTables:
    """Walking distance from homes to the nearest of each kind; shares of 67+ and 80+ within reach.

    ``year``: the horizon year whose 67+/80+ are placed (None: the base year, today).
    ``result``: :func:`~geoplan.runs.population.need_population` for these arguments when
    the caller has it (the report computes it once for this and the housing need).
    """
    from geoplan.analysis.network import build_network
    from geoplan.analysis.population.access import nearest_service, summarise
    from geoplan.config.schools import SchoolSettings
    from geoplan.io.raster import open_raster
    from geoplan.runs.population import need_population

    ds.require("gangnett", "bygning", "grunnkrets")
    s = PopulationSettings.from_config(cfg)
    v = variant or s.default_variant
    res = result if result is not None else need_population(
        ds, cfg, projection=projection, grunnkrets_file=grunnkrets_file, variant=v,
        years=[year] if year else None, kommune=kommune)
    y = year if year in res.years else res.base_year
    t = res.grunnkretser[(res.grunnkretser["aar"] == y)]
    base = t.pivot_table(index="grunnkretsnummer", columns="gruppe", values="personer",
                         aggfunc="sum").reset_index()
    homes = homes_with_people(ds, base, res.groups)
    sch = SchoolSettings.from_config(cfg)
    net = build_network(ds["gangnett"], node_crossings=sch.node_crossings,
                        tolerance_m=sch.node_tolerance_m)
    services = services_frame(ds, s)
    path = ds.raster("terreng")
    elevation = None
    if path is not None:
        r = open_raster(path)

        def elevation(xy):
            import shapely
            return r.sample(shapely.points(xy), crs=ds.crs)
    ar = nearest_service(net, services, homes["geometry"].to_numpy(), snap_max_m=s.snap_max_m,
                         elevation=elevation, kinds=[k for k in s.service_kinds])
    for k in ar.distance_m:
        homes[f"avstand_{k}_m"] = ar.distance_m[k]
        homes[f"stigning_{k}"] = ar.steepest[k]
    per_gk = summarise(homes, ar, radii=s.access_radii_m)
    kom = summarise(homes.assign(alle="Hele kommunen"), ar, radii=s.access_radii_m, by="alle")
    notes = [*ar.notes]
    n_off = int((~ar.snapped).sum())
    if n_off:
        notes.append(f"{n_off} bygninger med boliger ligger mer enn {s.snap_max_m:.0f} m fra gangnettet "
                     "og regnes som utenfor rekkevidde.")
    if elevation is None:
        notes.append("Terrengmodellen (terreng.tif) mangler: stigningen på veien er ikke beregnet.")
    om = care_coverage(ds, res, v, s)
    low = lowest(per_gk, s)
    return AccessTables(per_gk, kom, om, low, homes.drop(columns="geometry"), ar.n_services, y, s,
                        notes)


def care_coverage(ds, res, variant: str, s: PopulationSettings) -> pd.DataFrame:
    """Care-home places per person 80+ per place and year (places from ``tjeneste``/``helsetjeneste``)."""
    from geoplan.analysis.population.places import places_for_points

    rows = []
    for name in ("tjeneste", "helsetjeneste"):
        g = ds.get(name)
        if g is not None and "plasser" in g.columns:
            m = g["type"].astype(str).str.lower().str.contains("sykehjem")
            sub = g[m]
            pl = pd.to_numeric(sub["plasser"], errors="coerce").fillna(0).to_numpy()
            st = places_for_points(sub.geometry.to_numpy(), ds.get("utviklingsgrense"), ds.get("sentrum"))
            rows.append(pd.DataFrame({"sted": st, "plasser": pl}))
    places = (pd.concat(rows).groupby("sted")["plasser"].sum() if rows else pd.Series(dtype=float))
    t = res.steder[(res.steder["variant"] == variant) & (res.steder["gruppe"] == res.groups[2])]
    p80 = t.pivot_table(index="sted", columns="aar", values="personer", aggfunc="sum")
    out = p80.stack().rename("p80").reset_index()
    out["plasser"] = out["sted"].map(places).fillna(0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["plasser_per_80"] = np.where(out["p80"] > 0, out["plasser"] / out["p80"], np.nan)
    return out


def lowest(per_gk: pd.DataFrame, s: PopulationSettings) -> pd.DataFrame:
    """The grunnkretser with the lowest share of 80+ within the first radius of each kind."""
    col = f"andel_p80_{int(s.access_radii_m[0])}m"
    out = []
    for _k, sub in per_gk.groupby("tjenestetype", sort=False):
        sub = sub[sub["p80"] > 0.5].sort_values([col, "p80"], ascending=[True, False])
        out.append(sub.head(s.lowest_coverage_n))
    return pd.concat(out, ignore_index=True) if out else per_gk.head(0)
