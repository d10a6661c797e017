"""Styles by meaning: colours and Norwegian labels of zoning, dwelling categories and layers.

Plain data and lookups only (no folium): the plan-map colours of arealformål,
the categories of municipal dwellings, the Norwegian labels of attribute
columns, the basemaps and the order and style of each contract layer on the
standard map.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import pandas as pd

from geoplan.codes import arealformal_name
from geoplan.present.app.maps.palette import PALETTE

#: Plan-map colours for arealformål (after the SOSI/NPAD plan conventions), keyed by
#: exact code, then by the ten and hundred group, then by the main group (1001, 2001 ...).
#: The labels are the SOSI code list's names (:mod:`geoplan.codes`), not written here.
_ZONING_COLOURS: dict[int, str] = {
    1110: "#f5e04a", 1120: "#f2b84b", 1130: "#d9884a", 1140: "#c9795a", 1150: "#7f9fd6",
    1160: "#ef8f8f", 1170: "#f0c27b", 1200: "#a98b7a", 1300: "#c39bd3", 1400: "#9ccc65",
    1500: "#d7c9a7", 1600: "#c5e1a5", 1700: "#a1887f", 1800: "#e0b36e", 2001: "#bdbdbd",
    3001: "#66bb6a", 4001: "#9e9d72", 5001: "#e6eec9", 6001: "#9fd3f0",
}
ZONING_COLORS: dict[int, tuple[str, str]] = {
    code: (colour, arealformal_name(code) or str(code)) for code, colour in _ZONING_COLOURS.items()}
ZONING_OTHER = ("#e0e0e0", "Annet arealformål")

STATUS_LABELS = {1: "nåværende", 2: "framtidig", 3: "videreutvikling av nåværende"}

#: Colours of municipal dwelling categories (demo categories first).
CATEGORY_COLORS = {k: PALETTE[k] for k in ("utleie", "omsorgsbolig", "housing_first", "flyktning")}
CATEGORY_OTHER = "#7f7f7f"

CATEGORY_LABELS = {
    "utleie": "Utleiebolig",
    "omsorgsbolig": "Omsorgsbolig",
    "housing_first": "Housing First",
    "flyktning": "Bolig for flyktninger",
}

#: Column name -> Norwegian label for tooltips and popups.
FIELD_LABELS = {
    "navn": "Navn", "sted": "Sted", "arealformal": "Arealformål (kode)",
    "arealformal_navn": "Arealformål", "arealbruksstatus": "Status", "utbygd": "Utbygd",
    "planid": "Plan-ID", "senterniva": "Senternivå", "boenheter_per_daa": "Boenheter per daa",
    "skoletype": "Skoletype", "antall_enheter": "Enheter", "kategori": "Kategori",
    "bygg_id": "Bygg-ID", "malgruppe": "Målgruppe", "adresse": "Adresse",
    "grunnkretsnummer": "Grunnkrets", "grunnkretsnavn": "Grunnkretsnavn",
    "antall_boliger": "Boliger", "befolkning": "Befolkning", "borettslag": "Borettslag",
    "avganger_per_time": "Avganger per time", "formal": "Formål", "rpba_avklart": "Avklart i RPBA",
    "type": "Type", "kommunenavn": "Kommune", "kommunenummer": "Kommunenummer",
    "areal_daa": "Areal (daa)", "andel_pct": "Andel (%)", "kommunale_enheter": "Kommunale enheter",
    "lokaliseringskvotient": "Lokaliseringskvotient", "status": "Status",
    "klynge": "Klynge (Gi*)", "begrunnelse": "Begrunnelse", "housing_first_andel_pct": "Housing First-andel (%)",
    "over_terskel": "Over terskel", "merknad": "Merknad", "enheter_tekst": "Kommunale enheter",
}

BASEMAPS: dict[str, dict[str, str | None]] = {
    "kartverket": {
        "label": "Kartverket topografisk",
        "url": "https://cache.kartverket.no/v1/wmts/1.0.0/topo/default/webmercator/{z}/{y}/{x}.png",
        "attribution": "© <a href='https://www.kartverket.no/'>Kartverket</a>",
    },
    "osm": {
        "label": "OpenStreetMap",
        "url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        "attribution": "© <a href='https://www.openstreetmap.org/copyright'>OpenStreetMap</a>-bidragsytere",
    },
    "ingen": {"label": "Ingen bakgrunnskart", "url": None, "attribution": ""},
}


def zoning_style(code) -> tuple[str, str]:
    """Colour and Norwegian label of a SOSI arealformål code (plan-map conventions)."""
    try:
        c = int(code)
    except (TypeError, ValueError):
        return ZONING_OTHER
    for key in (c, c // 10 * 10, c // 100 * 100, c // 1000 * 1000 + 1):
        if key in ZONING_COLORS:
            return ZONING_COLORS[key]
    return ZONING_OTHER



#: Layer order and styles on the standard map: name -> (label, kind, style)
LAYER_STYLES: dict[str, tuple[str, str, dict[str, Any] | None]] = {
    "arealformal": ("Arealformål", "fill", None),
    "grunnkrets": ("Grunnkretser", "line", {"color": "#8d8d8d", "weight": 0.8, "fill": False}),
    "steinbrudd_buffer": ("Buffer rundt steinbrudd", "fill",
                          {"color": PALETTE["steinbrudd"], "weight": 1, "fillColor": "#bcaaa4",
                           "fillOpacity": 0.25, "dashArray": "4 4"}),
    "steinbrudd": ("Steinbrudd og lastingsområder", "fill",
                   {"color": "#3e2723", "weight": 1.5, "fillColor": PALETTE["steinbrudd"], "fillOpacity": 0.7}),
    "innspill": ("Innspill", "fill", {"color": "#6b6100", "weight": 2, "fillColor": PALETTE["innspill"],
                                      "fillOpacity": 0.35, "dashArray": "5 3"}),
    "utviklingsgrense": ("Utviklingsgrenser", "dash", {"color": PALETTE["utviklingsgrense"], "weight": 3,
                                                      "fill": False, "dashArray": "8 5"}),
    "kommune": ("Kommunegrense", "line", {"color": "#212121", "weight": 2.5, "fill": False,
                                          "interactive": False}),
    "gangnett": ("Gangnett", "line", {"color": "#8d6e63", "weight": 1, "opacity": 0.6}),
    "kollektivakse": ("Kollektivakser", "line", {"color": PALETTE["kollektiv"], "weight": 4, "opacity": 0.8}),
}

POINT_STYLES: dict[str, tuple[str, str, int]] = {
    "holdeplass": ("Holdeplasser", PALETTE["kollektiv"], 4),
    "sentrum": ("Sentre", "#000000", 6),
    "helsetjeneste": ("Helsetjenester", PALETTE["helsetjeneste"], 6),
}

LAYER_FIELDS: dict[str, tuple[str, ...]] = {
    "kommune": ("kommunenavn", "kommunenummer"),
    "arealformal": ("arealformal_navn", "arealformal", "arealbruksstatus", "utbygd", "navn", "planid"),
    "utviklingsgrense": ("navn", "senterniva", "boenheter_per_daa"),
    "grunnkrets": ("grunnkretsnummer", "grunnkretsnavn", "antall_boliger"),
    "innspill": ("navn", "sted", "formal", "rpba_avklart"),
    "steinbrudd": ("navn", "type"),
    "kollektivakse": ("navn", "avganger_per_time"),
    "holdeplass": ("navn",),
    "sentrum": ("navn", "senterniva"),
    "helsetjeneste": ("navn", "type"),
    "skole": ("navn", "skoletype", "sted"),
}


def zoning_display(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Add ``arealformal_navn`` and a readable status to a zoning layer (display only)."""
    out = gdf.copy()
    out["arealformal_navn"] = [arealformal_name(c) or zoning_style(c)[1] for c in out["arealformal"]]
    if "arealbruksstatus" in out.columns:
        out["arealbruksstatus"] = [STATUS_LABELS.get(int(s), str(s)) if pd.notna(s) else None
                                   for s in out["arealbruksstatus"]]
    return out

