"""The report's maps: which layers to draw, in which style, around which extent.

Drawing itself (scale bar, north arrow, legend) is :func:`staticmaps.render_map`;
this module chooses the layers for each map of the KPA and site reports.
Dwellings for vulnerable groups (:data:`~geoplan.present.report.model.SENSITIVE_LAYERS`)
are never drawn.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from geoplan.present import text
from geoplan.present.report.model import Figure, Omit
from geoplan.present.report.staticmaps import COLORS, MapLayer, render_map

#: half the width of the site map around the site (m): a presentation choice, not a criterion
SITE_MAP_HALF_WIDTH_M = 1800.0
#: margin around the sites on the overview of many sites (m)
SITES_OVERVIEW_MARGIN_M = 1500.0

Bounds = tuple[float, float, float, float]


def crs_label(dataset) -> str | None:
    """``"EPSG:25832"`` for the map corner (None when the CRS has no EPSG code)."""
    epsg = getattr(dataset, "epsg", None)
    return f"EPSG:{epsg}" if epsg else None


def union_bounds(frames: Sequence[Any]) -> Bounds | None:
    """The box around the non-empty frames with finite bounds (None when there is none)."""
    boxes = [f.total_bounds for f in frames if f is not None and len(f)]
    boxes = [b for b in boxes if np.all(np.isfinite(b))]
    if not boxes:
        return None
    bb = np.vstack(boxes)
    return (float(bb[:, 0].min()), float(bb[:, 1].min()),
            float(bb[:, 2].max()), float(bb[:, 3].max()))


def map_figure(ctx, layers: Sequence[MapLayer], title: str, caption: str, focus=None,
               height_cm: float = 12.0) -> Figure:
    """The layers drawn as one :class:`Figure` (CRS label from the report's data).

    Drawn when the figure is first shown (HTML/PDF), never for the spreadsheet.
    """
    crs = ctx.crs_label
    return Figure(title, lambda: render_map(layers, title=title, focus=focus, crs_label=crs,
                                            height_cm=height_cm), caption=caption)


def municipality_layer(dataset, linewidth: float = 0.8) -> list[MapLayer]:
    """The municipal boundary (dashed), or nothing when the data have none."""
    kom = dataset.get("kommune")
    if kom is None or not len(kom):
        return []
    return [MapLayer(kom, "Kommunegrense", color=COLORS["kommune"], fill=False,
                     linewidth=linewidth, linestyle="--", zorder=1)]


def parcel_layers(parcels, alpha: float = 0.75) -> list[MapLayer]:
    """Housing reserves (yellow) and proposals (green)."""
    typ = parcels["type"].astype(str)
    return [MapLayer(parcels[typ.str.contains("reserve")], "Boligreserve", color=COLORS["reserve"],
                     alpha=alpha, edgecolor="#9a6b00", linewidth=0.4, zorder=3),
            MapLayer(parcels[typ == "innspill"], "Innspill", color=COLORS["innspill"],
                     alpha=alpha, edgecolor="#3d6b1a", linewidth=0.4, zorder=3)]


def overview_layers(ctx, parcels=None, *, with_transit: bool = False) -> list[MapLayer]:
    """Municipality, utviklingsgrenser, optionally transit, and the parcels."""
    ds = ctx.dataset
    layers = municipality_layer(ds)
    ug = ds.get("utviklingsgrense")
    if ug is not None:
        layers.append(MapLayer(ug, "Utviklingsgrense", color=COLORS["utviklingsgrense"],
                               alpha=0.08, linewidth=1.2, annotate="navn", zorder=2))
    if with_transit:
        if ds.get("kollektivakse") is not None:
            layers.append(MapLayer(ds.get("kollektivakse"), "Kollektivakse",
                                   color=COLORS["kollektivakse"], linewidth=2.0, zorder=4))
        if ds.get("holdeplass") is not None:
            layers.append(MapLayer(ds.get("holdeplass"), "Holdeplass", color=COLORS["holdeplass"],
                                   markersize=3.5, marker="s", zorder=6))
    if parcels is not None and len(parcels):
        layers += parcel_layers(parcels)
    return layers


def places_focus(ctx, parcels=None) -> Bounds | None:
    """Extent of the utviklingsgrenser and parcels (the overview maps zoom to the places)."""
    return union_bounds([ctx.layer("utviklingsgrense"), parcels])


def school_place_map(ctx, res, name: str, radius_m: float) -> Figure:
    """The school circle map of one utviklingsgrense ``name`` from a schools result."""
    ub = res.utviklingsgrenser
    b = ub[ub["navn"] == name]
    schools_here = sorted({s for lst in b["skoler"] for s in (lst or [])})
    circ = res.sirkler[res.sirkler["skole"].isin(schools_here)]
    outside = res.utenfor[(res.utenfor["lag"] == "utviklingsgrense") & (res.utenfor["navn"] == name)]
    layers = [MapLayer(b, f"Utviklingsgrense {name}", color=COLORS["utviklingsgrense"],
                       alpha=0.12, linewidth=1.4, zorder=2),
              MapLayer(outside, "Utenfor sirkelen", color="#c62828", alpha=0.35,
                       hatch="///", edgecolor="#c62828", linewidth=0.4, zorder=3),
              MapLayer(circ, f"{text.number(radius_m / 1000, 1)} km fra skolen",
                       color=COLORS["sirkel"], fill=False, linestyle="--", linewidth=1.3,
                       zorder=4)]
    if res.parseller is not None and len(res.parseller):
        # every parcel; the map extent shows those near this place
        layers += parcel_layers(res.parseller, alpha=0.7)
    skole = ctx.layer("skole")
    if skole is not None:
        layers.append(MapLayer(skole[skole["navn"].isin(schools_here)], "Skole",
                               color=COLORS["skole"], marker="^", markersize=8, zorder=6))
    row = b.iloc[0]
    cap = (f"{name}: {text.number(row['andel_innenfor_pct'], 1)} % av grensen ligger innenfor "
           f"{text.integer(radius_m)} m fra {', '.join(schools_here) or 'skolen'}; fjerneste punkt "
           f"{text.integer(row['maks_avstand_m'])} m.")
    return map_figure(ctx, layers, f"Skolesirkel for {name}", cap,
                      focus=union_bounds([b, circ]), height_cm=10.5)


def concentration_map(ctx, grunnkretser, shares: list[float], limit: int) -> Figure:
    """Share of municipal units per grunnkrets; suppressed or undefined shares hatched."""
    g = grunnkretser[["geometry"]].copy()
    g["andel_pct"] = shares
    layers = [MapLayer(g, "", column="andel_pct", cmap="YlOrRd", vmin=0,
                       colorbar_label="Kommunale enheter, % av boligene", zorder=1)]
    ug = ctx.layer("utviklingsgrense")
    if ug is not None:
        layers.append(MapLayer(ug, "Utviklingsgrense", color=COLORS["utviklingsgrense"],
                               fill=False, linewidth=1.0, zorder=3))
    if ctx.layer("kollektivakse") is not None:
        layers.append(MapLayer(ctx.layer("kollektivakse"), "Kollektivakse",
                               color=COLORS["kollektivakse"], linewidth=1.8, zorder=4))
    return map_figure(
        ctx, layers, "Andel kommunale enheter per grunnkrets",
        f"Grunnkretser med færre enn {limit} kommunale enheter (også 0) er skravert og uten farge, "
        "av personvernhensyn. Enkeltboliger vises ikke.",
        focus=tuple(grunnkretser.total_bounds), height_cm=13.0)


def sites_overview(geoms: list, ranks: list[str], dataset) -> Figure:
    """All assessed sites on one map, labelled by rank."""
    import geopandas as gpd

    if not geoms:
        raise Omit("Tomtene har ingen geometri.")
    crs = getattr(dataset, "crs", None)
    gdf = gpd.GeoDataFrame({"rang": ranks}, geometry=geoms, crs=crs)
    layers = municipality_layer(dataset)
    ug = dataset.get("utviklingsgrense")
    if ug is not None and len(ug):
        layers.append(MapLayer(ug, "Utviklingsgrense", color=COLORS["utviklingsgrense"],
                               alpha=0.1, linewidth=1.0, zorder=2))
    layers.append(MapLayer(gdf, "Tomt (tall = rang)", color=COLORS["tomt"], markersize=7,
                           edgecolor="black", annotate="rang", zorder=10))
    b, pad = gdf.total_bounds, SITES_OVERVIEW_MARGIN_M
    png = render_map(layers, title="Tomtene etter rang",
                     focus=(b[0] - pad, b[1] - pad, b[2] + pad, b[3] + pad),
                     crs_label=crs_label(dataset))
    return Figure("Tomtene etter rang", png,
                  caption="Tallet ved hver tomt er rangen i tabellen over.")


# ------------------------------------------------------------------ the site map

#: how each layer that decided a criterion is drawn on the site map
SITE_STYLES: dict[str, dict[str, Any]] = {
    "utviklingsgrense": dict(color=COLORS["utviklingsgrense"], alpha=0.12, linewidth=1.4),
    "arealformal": dict(color=COLORS["reserve"], alpha=0.25, linewidth=0.3),
    "grunnkrets": dict(color=COLORS["grunnkrets"], fill=False, linewidth=0.6, linestyle=":"),
    "bygning": dict(color="#555555", markersize=2.5, alpha=0.6),
    "steinbrudd": dict(color=COLORS["steinbrudd"], alpha=0.6, markersize=7, marker="s"),
    "kollektivakse": dict(color=COLORS["kollektivakse"], linewidth=2.0),
    "gangnett": dict(color=COLORS["gangnett"], linewidth=0.6),
    "holdeplass": dict(color=COLORS["holdeplass"], markersize=5, marker="s"),
    "skole": dict(color=COLORS["skole"], markersize=8, marker="^"),
    "sentrum": dict(color=COLORS["sentrum"], markersize=7, marker="*"),
    "helsetjeneste": dict(color=COLORS["helsetjeneste"], markersize=6, marker="P"),
}
SITE_LABELS = {"utviklingsgrense": "Utviklingsgrense", "arealformal": "Arealformål",
               "grunnkrets": "Grunnkretser", "bygning": "Bygninger", "steinbrudd": "Steinbrudd",
               "kollektivakse": "Kollektivakse", "gangnett": "Gangnett",
               "holdeplass": "Holdeplass", "skole": "Skole", "sentrum": "Sentrum",
               "helsetjeneste": "Helsetjeneste"}
#: drawing order, bottom first
SITE_ORDER = ["grunnkrets", "arealformal", "utviklingsgrense", "gangnett", "kollektivakse",
              "steinbrudd", "bygning", "holdeplass", "sentrum", "helsetjeneste", "skole"]


def site_window(centre) -> Bounds:
    """The site map's extent around the site's centre."""
    r = SITE_MAP_HALF_WIDTH_M
    return (centre.x - r, centre.y - r, centre.x + r, centre.y + r)


def _deciding_layer(dataset, name: str, window, zoning: dict) -> MapLayer | None:
    """One layer that decided a criterion, clipped to the map window (None when empty)."""
    gdf = dataset.get(name)
    if gdf is None or len(gdf) == 0:
        return None
    sub = gdf.iloc[gdf.sindex.query(window, predicate="intersects")]
    label = SITE_LABELS.get(name, name)
    if name == "arealformal":
        codes, col = zoning.get("codes") or [], zoning.get("column")
        if codes and col in sub.columns:
            sub = sub[sub[col].isin(codes)]
        label = "Arealformål som tillater bolig"
    return MapLayer(sub, label, zorder=2 + SITE_ORDER.index(name) / 10, **SITE_STYLES.get(name, {}))


def site_layers(dataset, deciding: Sequence[str], focus: Bounds, zoning: dict
                ) -> tuple[list[MapLayer], list[str]]:
    """The layers that decided the criteria, in drawing order, and the names of those shown."""
    from shapely.geometry import box

    window = box(*focus)
    layers, shown = municipality_layer(dataset, linewidth=1.0), []
    for name in SITE_ORDER:
        if name not in deciding:
            continue
        lyr = _deciding_layer(dataset, name, window, zoning)
        if lyr is not None:
            layers.append(lyr)
            shown.append(name)
    return layers, shown


def school_circle(dataset, centre, radius_m: float) -> MapLayer | None:
    """The circle of ``radius_m`` around the school nearest the site."""
    import geopandas as gpd

    skole = dataset.get("skole")
    if skole is None or not len(skole):
        return None
    near = skole.loc[[skole.distance(centre).idxmin()]]
    circ = gpd.GeoDataFrame(geometry=near.buffer(radius_m, quad_segs=32), crs=dataset.crs)
    return MapLayer(circ, f"{text.number(radius_m / 1000, 1)} km fra nærmeste skole",
                    color=COLORS["sirkel"], fill=False, linestyle="--", linewidth=1.2, zorder=3)


def radius_circle(dataset, centre, radius_m: float) -> MapLayer:
    """The concentration criterion's radius around the site."""
    import geopandas as gpd

    circ = gpd.GeoDataFrame(geometry=[centre.buffer(radius_m, quad_segs=32)], crs=dataset.crs)
    return MapLayer(circ, f"Radius {text.integer(radius_m)} m for konsentrasjon",
                    color="#444444", fill=False, linestyle=":", linewidth=1.0, zorder=3)


def site_marker(site_gdf) -> MapLayer:
    return MapLayer(site_gdf, "Tomta", color=COLORS["tomt"], alpha=0.7, markersize=10,
                    marker="o", edgecolor="black", linewidth=1.5, zorder=10)
