"""Adding data layers to a map: GeoJSON overlays, points, dwellings, circles, zoning.

Every function takes a :class:`folium.Map` and a WGS84 layer (from
:func:`geoplan.present.app.maps.to_display`), adds one toggleable overlay and
returns it (``None`` for an empty layer).
"""

from __future__ import annotations

import html
import json
from typing import Any, Mapping, Sequence

import folium
import folium.plugins
import geopandas as gpd
import numpy as np
import pandas as pd

from geoplan.present import text
from geoplan.present.app.maps.elements import (
    FastGeoJson,
    _DwellingCluster,
    _icon_options,
    _PointGroup,
    tooltip_html,
)
from geoplan.present.app.maps.styles import (
    CATEGORY_COLORS,
    CATEGORY_LABELS,
    CATEGORY_OTHER,
    LAYER_FIELDS,
    zoning_display,
    zoning_style,
)


def geojson_layer(gdf: gpd.GeoDataFrame, name: str, *, style: Mapping | None = None,
                  style_column: str | None = None, style_map: Mapping | None = None,
                  fields: Sequence[str] = (), show: bool = True,
                  highlight: bool = True) -> FastGeoJson | None:
    """A WGS84 layer as a toggleable overlay with tooltips, not yet on a map (see :func:`add_geojson`)."""
    if gdf is None or len(gdf) == 0:
        return None
    base: dict[str, Any] = {"weight": 1.5, "fillOpacity": 0.5, "color": "#333333"} | dict(style or {})
    styles = [base]
    index = np.zeros(len(gdf), dtype=int)
    if style_column and style_column in gdf.columns and style_map:
        values = gdf[style_column].astype(str).to_numpy()
        for k, extra in style_map.items():
            styles.append(base | dict(extra))
            index[values == str(k)] = len(styles) - 1
    hl = {"weight": base.get("weight", 1.5) + 2, "fillOpacity": min(0.8, base.get("fillOpacity", 0.5) + 0.2)} \
        if highlight else None
    return FastGeoJson(gdf, styles, index, fields, name=name, show=show, highlight=hl)


def add_geojson(m: folium.Map, gdf: gpd.GeoDataFrame, name: str, *, style: Mapping | None = None,
                style_column: str | None = None, style_map: Mapping | None = None,
                fields: Sequence[str] = (), popup: bool = True, show: bool = True,
                highlight: bool = True) -> FastGeoJson | None:
    """Add a WGS84 layer as a toggleable overlay with tooltips (and popups).

    ``style`` is the Leaflet path style for every feature; ``style_column`` +
    ``style_map`` give per-value overrides (value -> partial style dict).
    """
    layer = geojson_layer(gdf, name, style=style, style_column=style_column, style_map=style_map,
                          fields=fields, show=show, highlight=highlight)
    if layer is not None:
        layer.add_to(m)
    return layer


def add_points(m: folium.Map, gdf: gpd.GeoDataFrame, name: str, *, color: str,
               radius: float = 6, fields: Sequence[str] = (), show: bool = True,
               icon: str | None = None) -> folium.map.Layer | None:
    """Add points as circle markers (or, with ``icon``, awesome-marker pins) with tooltips."""
    if gdf is None or len(gdf) == 0:
        return None
    pts = gdf.geometry if (gdf.geom_type == "Point").all() else gdf.geometry.representative_point()
    tips = tooltip_html(gdf, fields)
    if icon:
        fg = _PointGroup([[y, x, tip] for x, y, tip in zip(pts.x, pts.y, tips)], "marker",
                         _icon_options(color, icon), name=name, show=show)
        fg.add_to(m)
        return fg
    style = {"radius": radius, "color": "#222222", "weight": 1, "fillColor": color,
             "fillOpacity": 0.9}
    layer = FastGeoJson(gpd.GeoDataFrame(gdf.drop(columns=gdf.geometry.name), geometry=pts.values,
                                         crs=gdf.crs), [style],
                        np.zeros(len(gdf), dtype=int), fields, name=name, show=show,
                        highlight={"weight": 3})
    layer.add_to(m)
    return layer




def add_dwellings(m: folium.Map, gdf: gpd.GeoDataFrame, *, name: str = "Kommunale boliger",
                  show: bool = True, show_address: bool = False) -> folium.plugins.FastMarkerCluster | None:
    """Municipal dwellings: clustered circle markers sized by units, coloured by category.

    The ``adresse`` column is only included when ``show_address`` is true
    (config ``app.show_address``): addresses of dwellings for vulnerable
    groups are sensitive.
    """
    if gdf is None or len(gdf) == 0:
        return None
    pts = gdf.geometry
    units = pd.to_numeric(gdf.get("antall_enheter", 1), errors="coerce").fillna(1).astype(int)
    cat = gdf.get("kategori", pd.Series("", index=gdf.index)).astype(str)
    rows = [[float(y), float(x), int(u), str(k), CATEGORY_LABELS.get(str(k), str(k))]
            for x, y, u, k in zip(pts.x, pts.y, units, cat)]
    if show_address and "adresse" in gdf.columns:
        for r, a in zip(rows, gdf["adresse"].astype(object).where(gdf["adresse"].notna(), "")):
            r.append(str(a))
    colors = json.dumps(CATEGORY_COLORS)
    callback = f"""function (row) {{
        var colors = {colors};
        var r = 4 + 2.2 * Math.sqrt(row[2]);
        var mk = L.circleMarker(new L.LatLng(row[0], row[1]), {{
            radius: r, color: '#222', weight: 1, fillColor: colors[row[3]] || '{CATEGORY_OTHER}',
            fillOpacity: 0.85, units: row[2]}});
        var t = '<b>' + row[4] + '</b><br>Enheter: ' + row[2] + (row.length > 5 && row[5] ? '<br>Adresse: ' + row[5] : '');
        mk.bindTooltip(t);
        return mk;
    }}"""
    # Cluster icons show the sum of units, not the number of points.
    icon_fn = """function (cluster) {
        var n = 0; cluster.getAllChildMarkers().forEach(function (m) { n += (m.options.units || 1); });
        var c = n < 20 ? 'small' : (n < 100 ? 'medium' : 'large');
        return L.divIcon({html: '<div><span>' + n + '</span></div>',
                          className: 'marker-cluster marker-cluster-' + c, iconSize: new L.Point(40, 40)});
    }"""
    fmc = _DwellingCluster(rows, callback=callback, name=name, show=show,
                           icon_create_function=icon_fn,
                           options={"maxClusterRadius": 40, "disableClusteringAtZoom": 16})
    fmc.add_to(m)
    return fmc


#: display layer key of the published units per grunnkrets (see :mod:`.dwellings`)
DWELLING_TOTALS = "kommunal_bolig_grunnkrets"
DWELLING_TOTALS_NAME = "Kommunale enheter per grunnkrets"
DWELLING_TOTAL_COLOR = "#0072B2"


def add_dwelling_totals(m: folium.Map, gdf: gpd.GeoDataFrame, *, show: bool = True) -> FastGeoJson | None:
    """Published units per grunnkrets as circles at the grunnkrets' centre (never at a home).

    ``gdf`` (from :func:`geoplan.present.app.maps.dwellings.dwelling_totals`) has
    ``grunnkretsnavn``, ``grunnkretsnummer`` and ``kommunale_enheter`` (missing where
    the public table hides it). Hidden totals are drawn grey and say so.
    """
    if gdf is None or len(gdf) == 0:
        return None
    units = pd.to_numeric(gdf["kommunale_enheter"], errors="coerce")
    shown = gdf.assign(enheter_tekst=[("skjult (prikket)" if pd.isna(u) else text.integer(u)) for u in units])
    base = {"color": "#222222", "weight": 1, "fillColor": DWELLING_TOTAL_COLOR, "fillOpacity": 0.75}
    radius = np.where(units.isna(), 5.0, 4.0 + 1.6 * np.sqrt(units.fillna(0).to_numpy(dtype=float)))
    styles = [base | {"radius": float(r)} for r in radius]
    styles = [s | {"fillColor": "#9e9e9e", "fillOpacity": 0.6} if pd.isna(u) else s
              for s, u in zip(styles, units)]
    layer = FastGeoJson(shown, styles, np.arange(len(shown)),
                        ("grunnkretsnavn", "grunnkretsnummer", "enheter_tekst"),
                        name=DWELLING_TOTALS_NAME, show=show, highlight={"weight": 3})
    layer.add_to(m)
    return layer


def add_circles(m: folium.Map, points: gpd.GeoDataFrame, radius_m: float, *, name: str,
                color: str = "#1f5fa8", show: bool = True) -> folium.map.Layer | None:
    """Dashed circles of ``radius_m`` metres around WGS84 points (e.g. 1.5 km school circles)."""
    if points is None or len(points) == 0:
        return None
    labels = points["navn"].astype(str).tolist() if "navn" in points.columns else [""] * len(points)
    km = text.with_unit(radius_m / 1000, "km", 1)
    rows = [[y, x, f"{html.escape(lab)}: {km}"]
            for x, y, lab in zip(points.geometry.x, points.geometry.y, labels)]
    fg = _PointGroup(rows, "circle", {"radius": float(radius_m), "color": color, "weight": 2,
                                      "dashArray": "6 4", "fill": True, "fillColor": color,
                                      "fillOpacity": 0.05}, name=name, show=show)
    fg.add_to(m)
    return fg



def add_zoning(m: folium.Map, gdf: gpd.GeoDataFrame, *, show: bool = True) -> list[tuple[str, str, str]]:
    """Zoning coloured by arealformål; framtidig areas dashed and lighter. Returns legend items."""
    if gdf is None or len(gdf) == 0:
        return []
    disp = zoning_display(gdf)
    colors = np.array([zoning_style(c)[0] for c in gdf["arealformal"]], dtype=object)
    fut = (pd.to_numeric(gdf["arealbruksstatus"], errors="coerce") == 2).to_numpy() \
        if "arealbruksstatus" in gdf.columns else np.zeros(len(gdf), bool)
    keys = pd.Series(colors).astype(str) + np.where(fut, "|f", "|n")
    uniq, index = np.unique(keys.to_numpy(), return_inverse=True)
    styles = []
    for k in uniq:
        color, f = k.split("|")
        styles.append({"fillColor": color, "color": "#333333" if f == "f" else "#9e9e9e",
                       "weight": 1.2 if f == "f" else 0.3, "fillOpacity": 0.35 if f == "f" else 0.55,
                       "dashArray": "4 3" if f == "f" else None})
    FastGeoJson(disp, styles, index, LAYER_FIELDS["arealformal"],
                name="Arealformål", show=show, highlight={"weight": 2.5, "fillOpacity": 0.75}).add_to(m)
    seen: list[tuple[str, str, str]] = []
    for code in sorted(pd.unique(gdf["arealformal"].dropna())):
        color, label = zoning_style(code)
        if all(label != seen_label for _, _, seen_label in seen):
            seen.append(("fill", color, label))
    return seen + [("dash", "#333333", "Framtidig (stiplet, lysere)")]
