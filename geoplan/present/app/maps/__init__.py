"""Interactive folium maps, styled by meaning, that work without internet.

The Leaflet maps of the app (and of anything else that wants an interactive
map). No Streamlit in here: functions take GeoDataFrames and plain options and
return :class:`folium.Map` objects. One concern per module:

* :mod:`.assets` -- folium's CDN URLs pointed at the vendored copies
  (:func:`localize_assets`; the app calls it when it starts, importing this
  package changes nothing in folium);
* :mod:`.styles` -- zoning and category colours, Norwegian labels, layer styles;
* :mod:`.elements` -- the branca/folium elements (legend, scale bar, fit,
  drawing texts, :class:`FastGeoJson`, point groups, the dwelling cluster);
* :mod:`.layers` -- ``add_geojson``, ``add_points``, ``add_dwellings``,
  ``add_circles``, ``add_zoning``;
* :mod:`.build` -- :func:`base_map`, :func:`municipality_map`,
  :func:`to_display`, :func:`collapse`, :func:`map_html`.
"""

from geoplan.present.app.maps.assets import (
    STATIC_DIR,
    STREAMLIT_ASSET_BASE,
    UNUSED_JS,
    USED_ELEMENTS,
    VENDOR_DIR,
    VENDORED,
    localize_assets,
    unmapped_assets,
)
from geoplan.present.app.maps.build import (
    base_map,
    collapse,
    map_html,
    municipality_map,
    overlays_script,
    to_display,
)
from geoplan.present.app.maps.elements import (
    FastGeoJson,
    _DwellingCluster,
    _Legend,
    _PointGroup,
    legend_html,
    legend_rows,
    tooltip_html,
)
from geoplan.present.app.maps.layers import (
    DWELLING_TOTALS,
    add_circles,
    add_dwelling_totals,
    add_dwellings,
    add_geojson,
    add_points,
    add_zoning,
    geojson_layer,
)
from geoplan.present.app.maps.palette import PALETTE
from geoplan.present.app.maps.styles import (
    BASEMAPS,
    CATEGORY_COLORS,
    CATEGORY_LABELS,
    CATEGORY_OTHER,
    FIELD_LABELS,
    LAYER_FIELDS,
    LAYER_STYLES,
    POINT_STYLES,
    STATUS_LABELS,
    ZONING_COLORS,
    ZONING_OTHER,
    zoning_display,
    zoning_style,
)

__all__ = [
    "BASEMAPS", "CATEGORY_COLORS", "DWELLING_TOTALS", "PALETTE", "add_dwelling_totals", "CATEGORY_LABELS", "CATEGORY_OTHER", "FIELD_LABELS",
    "LAYER_FIELDS", "LAYER_STYLES", "POINT_STYLES", "STATIC_DIR", "STATUS_LABELS",
    "STREAMLIT_ASSET_BASE", "UNUSED_JS", "USED_ELEMENTS", "VENDORED", "VENDOR_DIR",
    "ZONING_COLORS", "ZONING_OTHER", "FastGeoJson", "_DwellingCluster", "_Legend", "_PointGroup",
    "add_circles", "add_dwellings", "add_geojson", "add_points", "add_zoning", "base_map",
    "collapse", "geojson_layer", "legend_html", "legend_rows", "overlays_script", "localize_assets", "map_html", "municipality_map", "to_display",
    "tooltip_html", "unmapped_assets", "zoning_display", "zoning_style",
]
