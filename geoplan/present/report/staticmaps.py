"""Static maps for reports: matplotlib, no internet, no tiles.

Every map drawn here has a **scale bar**, a **north arrow** and a **legend**, so a
printed page can be read on its own. Maps are drawn in the data's projected CRS
(EUREF89 UTM), where one map unit is one metre and grid north is (very nearly)
true north, so the scale bar is exact and the north arrow points up.

The public entry point is :func:`render_map`; :class:`MapLayer` describes one
layer and how to draw it. :func:`data_uri` turns the PNG bytes into a
``data:`` URI for embedding in HTML (WeasyPrint reads those without network).

Nothing here reads or writes files.
"""

from __future__ import annotations

import base64
import io
import math
from dataclasses import dataclass, field
from typing import Any, Literal, Sequence

import numpy as np

from geoplan.present import text

# Colours used across the reports (colour-blind friendly where it matters).
COLORS = {
    "kommune": "#9e9e9e",
    "utviklingsgrense": "#1f4e79",
    "reserve": "#f2b134",
    "innspill": "#8fbf5a",
    "skole": "#c0392b",
    "sirkel": "#c0392b",
    "holdeplass": "#6a3d9a",
    "kollektivakse": "#6a3d9a",
    "steinbrudd": "#7f4f24",
    "tomt": "#e6194b",
    "sentrum": "#000000",
    "helsetjeneste": "#008080",
    "grunnkrets": "#bdbdbd",
    "gangnett": "#b0b0b0",
}

#: the matplotlib line styles the maps use
LineStyle = Literal["-", "--", "-.", ":"]


@dataclass
class MapLayer:
    """One layer on a static map.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        Features in the map's projected CRS (metres). Empty frames are skipped
        (and left out of the legend).
    label : str
        Legend text (Norwegian). An empty label keeps the layer out of the legend.
    color : str
        Fill colour for polygons, line colour for lines, marker colour for points.
    edgecolor : str, optional
        Outline colour of polygons (default: ``color``).
    alpha : float
        Fill opacity of polygons (outlines are drawn opaque).
    linewidth : float
        Line width in points.
    linestyle : str
        matplotlib line style (``"-"``, ``"--"``, ``":"``).
    marker : str
        matplotlib marker for points.
    markersize : float
        Marker size in points.
    fill : bool
        Fill polygons (False: outline only).
    hatch : str, optional
        matplotlib hatch pattern for polygons (e.g. ``"///"``).
    column : str, optional
        Numeric column for a choropleth (polygons); ``cmap`` chooses the colours
        and ``vmin``/``vmax`` the range. NaN values are drawn grey and hatched.
    annotate : str, optional
        Column whose text is written at each feature's representative point.
    zorder : float
        Drawing order (higher on top).
    """

    gdf: Any
    label: str = ""
    color: str = "#1f77b4"
    edgecolor: str | None = None
    alpha: float = 0.5
    linewidth: float = 1.0
    linestyle: LineStyle = "-"
    marker: str = "o"
    markersize: float = 6.0
    fill: bool = True
    hatch: str | None = None
    column: str | None = None
    cmap: str = "YlOrRd"
    vmin: float | None = None
    vmax: float | None = None
    colorbar_label: str = ""
    annotate: str | None = None
    zorder: float = 2
    extra: dict = field(default_factory=dict)


def nice_scale_length(span_m: float, fraction: float = 0.25) -> float:
    """A round scale-bar length (1, 2 or 5 × 10^k m) near ``fraction`` of ``span_m``.

    Parameters
    ----------
    span_m : float
        Width of the map in metres.
    fraction : float
        Target share of the width the bar should take.

    Returns
    -------
    float
        Bar length in metres, the largest of {1, 2, 5} × 10^k not above
        ``span_m * fraction`` (at least 1 m).
    """
    target = max(float(span_m) * fraction, 1.0)
    exp = math.floor(math.log10(target))
    best = 10.0 ** exp
    for m in (1, 2, 5, 10):
        cand = m * 10.0 ** exp
        if cand <= target:
            best = cand
    return best


def format_distance(m: float) -> str:
    """A scale-bar label: ``500 m`` or ``1,5 km`` (:mod:`geoplan.present.text` numbers)."""
    if m >= 1000:
        km = m / 1000.0
        return f"{text.number(km, 1).rstrip('0').rstrip(',') if km % 1 else text.integer(km)} km"
    return f"{text.integer(round(m))} m"


def _geom_kind(gdf) -> str:
    types = set(gdf.geometry.geom_type.dropna().unique())
    if types & {"Polygon", "MultiPolygon"}:
        return "polygon"
    if types & {"LineString", "MultiLineString", "LinearRing"}:
        return "line"
    return "point"


def _draw_scalebar(ax, extent, *, segments: int = 4) -> float:
    """A black/white segmented scale bar in the lower-left corner; returns its length (m)."""
    from matplotlib.patches import Rectangle

    minx, miny, maxx, maxy = extent
    w, h = maxx - minx, maxy - miny
    length = nice_scale_length(w)
    x0 = minx + 0.04 * w
    y0 = miny + 0.05 * h
    bar_h = 0.012 * h
    # white backing box for legibility on dark fills
    ax.add_patch(Rectangle((x0 - 0.015 * w, y0 - 0.03 * h), length + 0.07 * w, 0.085 * h,
                           facecolor="white", edgecolor="none", alpha=0.8, zorder=50))
    seg = length / segments
    for i in range(segments):
        ax.add_patch(Rectangle((x0 + i * seg, y0), seg, bar_h,
                               facecolor="black" if i % 2 == 0 else "white",
                               edgecolor="black", linewidth=0.6, zorder=51))
    ax.text(x0, y0 + bar_h * 1.6, "0", ha="center", va="bottom", fontsize=7, zorder=52)
    ax.text(x0 + length, y0 + bar_h * 1.6, format_distance(length), ha="center",
            va="bottom", fontsize=7, zorder=52)
    return length


def _draw_north_arrow(ax) -> None:
    """A north arrow in the upper-right corner (axes coordinates; UTM grid north is up)."""
    ax.annotate(
        "", xy=(0.95, 0.95), xytext=(0.95, 0.84), xycoords="axes fraction",
        arrowprops=dict(facecolor="black", edgecolor="black", width=3, headwidth=10,
                        headlength=10),
        zorder=60,
    )
    ax.text(0.95, 0.80, "N", transform=ax.transAxes, ha="center", va="top",
            fontsize=10, fontweight="bold", zorder=60,
            bbox=dict(facecolor="white", edgecolor="none", alpha=0.7, pad=1))


def _extent(layers: Sequence[MapLayer], focus=None, margin: float = 0.08,
            aspect: float = 1.0):
    if focus is not None:
        bounds = np.asarray(focus, dtype=float)
    else:
        boxes = [np.asarray(lyr.gdf.total_bounds, dtype=float) for lyr in layers
                 if lyr.gdf is not None and len(lyr.gdf)
                 and np.all(np.isfinite(lyr.gdf.total_bounds))]
        if not boxes:
            return (0.0, 0.0, 1000.0, 1000.0)
        b = np.vstack(boxes)
        bounds = np.array([b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max()])
    minx, miny, maxx, maxy = bounds
    w, h = maxx - minx, maxy - miny
    size = max(w, h, 200.0)  # never zoom closer than 200 m (a single point)
    w, h = max(w, size * 0.6), max(h, size * 0.6)
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    w *= 1 + 2 * margin
    h *= 1 + 2 * margin
    # fill the figure: widen or heighten the box to the figure's aspect (w / h)
    if w / h < aspect:
        w = h * aspect
    else:
        h = w / aspect
    return (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)


def _draw_choropleth(ax, gdf, lyr: MapLayer, handles: list) -> None:
    """Polygons coloured by ``lyr.column``; NaN values grey and hatched."""
    from matplotlib.patches import Patch

    vals = gdf[lyr.column].astype(float)
    ok = vals.notna()
    if ok.any():
        gdf[ok].plot(ax=ax, column=lyr.column, cmap=lyr.cmap, vmin=lyr.vmin,
                     vmax=lyr.vmax, edgecolor="#555555", linewidth=0.4,
                     alpha=0.85, zorder=lyr.zorder, legend=True,
                     legend_kwds={"label": lyr.colorbar_label, "shrink": 0.6})
    if (~ok).any():
        gdf[~ok].plot(ax=ax, facecolor="#eeeeee", edgecolor="#555555",
                      hatch="///", linewidth=0.4, zorder=lyr.zorder)
        handles.append(Patch(facecolor="#eeeeee", edgecolor="#555555",
                             hatch="///", label="Skjult eller uten verdi"))


def _draw_polygons(ax, gdf, lyr: MapLayer, handles: list) -> None:
    from matplotlib.patches import Patch

    if lyr.column is not None and lyr.column in gdf.columns:
        _draw_choropleth(ax, gdf, lyr, handles)
        return
    edge = lyr.edgecolor or lyr.color
    if lyr.fill:
        gdf.plot(ax=ax, facecolor=lyr.color, edgecolor="none", alpha=lyr.alpha,
                 hatch=lyr.hatch, zorder=lyr.zorder)
    gdf.boundary.plot(ax=ax, color=edge, linewidth=lyr.linewidth,
                      linestyle=lyr.linestyle, zorder=lyr.zorder + 0.1)
    if lyr.label:
        handles.append(Patch(facecolor=lyr.color if lyr.fill else "none",
                             alpha=lyr.alpha if lyr.fill else 1.0,
                             edgecolor=edge, linestyle=lyr.linestyle,
                             hatch=lyr.hatch, label=lyr.label))


def _draw_lines(ax, gdf, lyr: MapLayer, handles: list) -> None:
    from matplotlib.lines import Line2D

    gdf.plot(ax=ax, color=lyr.color, linewidth=lyr.linewidth,
             linestyle=lyr.linestyle, zorder=lyr.zorder)
    if lyr.label:
        handles.append(Line2D([0], [0], color=lyr.color, linewidth=lyr.linewidth,
                              linestyle=lyr.linestyle, label=lyr.label))


def _draw_points(ax, gdf, lyr: MapLayer, handles: list) -> None:
    from matplotlib.lines import Line2D

    pts = gdf.geometry.representative_point()
    ax.scatter(pts.x, pts.y, s=lyr.markersize ** 2, c=lyr.color, marker=lyr.marker,
               edgecolors=lyr.edgecolor or "white", linewidths=0.6, zorder=lyr.zorder)
    if lyr.label:
        handles.append(Line2D([0], [0], marker=lyr.marker, color="none",
                              markerfacecolor=lyr.color,
                              markeredgecolor=lyr.edgecolor or "white",
                              markersize=lyr.markersize, label=lyr.label))


def _annotate(ax, gdf, column: str, extent) -> None:
    """Write ``column`` at each feature inside the extent."""
    rp = gdf.geometry.representative_point()
    minx, miny, maxx, maxy = extent
    inside = (rp.x > minx) & (rp.x < maxx) & (rp.y > miny) & (rp.y < maxy)
    for x, y, txt in zip(rp.x[inside], rp.y[inside], gdf[column][inside]):
        if txt is None or (isinstance(txt, float) and math.isnan(txt)):
            continue
        ax.annotate(str(txt), (x, y), fontsize=6.5, ha="center", va="center", zorder=40,
                    bbox=dict(facecolor="white", edgecolor="none", alpha=0.6, pad=0.5))


_DRAW = {"polygon": _draw_polygons, "line": _draw_lines, "point": _draw_points}


def _for_print(gdf, extent, pixel_m: float | None):
    """The features that reach the map's extent, simplified to half a printed pixel.

    A map of one place drew every feature of the municipality, at full detail, to
    be clipped by the axes; what lies outside the frame or below half a pixel is
    not seen on paper. Features are selected whole (matplotlib clips them at the
    frame), and simplified with topology kept, in metres of the layer's CRS.
    """
    import geopandas as gpd
    import shapely

    minx, miny, maxx, maxy = extent
    idx = gdf.sindex.query(shapely.box(minx, miny, maxx, maxy))
    if len(idx) < len(gdf):
        gdf = gdf.iloc[np.sort(idx)]
    if pixel_m and pixel_m > 0 and len(gdf):
        g = np.asarray(gdf.geometry.values)
        kinds = shapely.get_type_id(g)
        lines = (kinds != 0) & (kinds != 4)   # not points
        if lines.any():
            g = g.copy()
            g[lines] = shapely.simplify(g[lines], pixel_m / 2, preserve_topology=True)
            gdf = gdf.set_geometry(gpd.GeoSeries(g, index=gdf.index, crs=gdf.crs))
    return gdf


def _draw_layer(ax, lyr: MapLayer, extent, handles: list, pixel_m: float | None = None) -> None:
    """One layer (skipped when empty or wholly outside the extent); its legend entry goes
    to ``handles``. ``pixel_m``: metres per printed pixel (the simplification)."""
    gdf = lyr.gdf
    if gdf is None or len(gdf) == 0:
        return
    gdf = gdf[~(gdf.geometry.is_empty | gdf.geometry.isna())]
    if len(gdf) == 0:
        return
    gdf = _for_print(gdf, extent, pixel_m)
    if len(gdf) == 0:
        return
    _DRAW[_geom_kind(gdf)](ax, gdf, lyr, handles)
    if lyr.annotate and lyr.annotate in gdf.columns:
        _annotate(ax, gdf, lyr.annotate, extent)


def _finish(fig, ax, extent, handles: list, *, crs_label: str | None, title: str | None,
            legend_loc: str) -> None:
    """Extent, frame, scale bar, north arrow, legend, colour bars, CRS label and title."""
    from matplotlib.ticker import FuncFormatter

    minx, miny, maxx, maxy = extent
    ax.set_xlim(minx, maxx)
    ax.set_ylim(miny, maxy)
    ax.set_aspect("equal")
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.set_xticks([])
    ax.set_yticks([])
    for s in ax.spines.values():
        s.set_linewidth(0.6)
    _draw_scalebar(ax, extent)
    _draw_north_arrow(ax)
    if handles:
        ax.legend(handles=handles, loc=legend_loc, fontsize=7, framealpha=0.85,
                  title="Tegnforklaring", title_fontsize=7)
    # colour bars (choropleths): Norwegian decimal comma, small labels
    for cax in fig.axes:
        if cax is ax:
            continue
        cax.yaxis.set_major_formatter(FuncFormatter(
            lambda v, _pos: text.compact(v).replace("-", "\u2212")))
        cax.tick_params(labelsize=7)
        cax.yaxis.label.set_size(7.5)
    if crs_label:
        ax.text(0.99, 0.01, crs_label, transform=ax.transAxes, ha="right", va="bottom",
                fontsize=6, color="#444444", zorder=60)
    if title:
        ax.set_title(title, fontsize=10)


def no_idle_draws(fig):
    """``fig`` with its canvas' ``draw_idle`` a no-op; returns ``fig``.

    geopandas' ``plot`` ends with ``canvas.draw_idle()``, which on the Agg canvas
    (no event loop) renders the whole figure at once: a map of eight layers was
    rendered eight times before ``savefig`` rendered it for the file, each time
    laying out every label and tick (the demo report's maps: 97 full renders for
    13 images). Nothing reads those renders; the saved image is the same
    (``tests/test_report_speed.py`` compares the bytes).
    """
    fig.canvas.draw_idle = lambda *args, **kwargs: None
    return fig


def render_map(layers: Sequence[MapLayer], *, title: str | None = None, focus=None,
               width_cm: float = 16.0, height_cm: float = 11.0, dpi: int = 150,
               crs_label: str | None = None, legend_loc: str = "upper left",
               fmt: str = "png") -> bytes:
    """Draw layers on one map with scale bar, north arrow and legend.

    Parameters
    ----------
    layers : sequence of MapLayer
        Drawn in order (then by ``zorder``), all in one projected CRS (metres).
    title : str, optional
        Title above the map (Norwegian).
    focus : (minx, miny, maxx, maxy), optional
        Extent to show in metres; default the union of the layers' bounds. A
        margin of 8 % is added either way.
    width_cm, height_cm : float
        Figure size in centimetres (A4 text width is about 17 cm).
    dpi : int
        Resolution of the PNG.
    crs_label : str, optional
        Text in the lower-right corner, e.g. ``"EPSG:25832"``.
    legend_loc : str
        matplotlib legend location.
    fmt : {"png", "svg"}
        Output format.

    Returns
    -------
    bytes
        The image.
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(width_cm / 2.54, height_cm / 2.54), dpi=dpi)
    no_idle_draws(fig)
    try:
        extent = _extent(layers, focus, aspect=width_cm / height_cm)
        handles: list = []
        pixel_m = (extent[2] - extent[0]) / (width_cm / 2.54 * dpi)
        for lyr in layers:
            _draw_layer(ax, lyr, extent, handles, pixel_m)
        _finish(fig, ax, extent, handles, crs_label=crs_label, title=title,
                legend_loc=legend_loc)
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format=fmt, dpi=dpi)
        return buf.getvalue()
    finally:
        plt.close(fig)


def data_uri(image: bytes, mime: str = "image/png") -> str:
    """``data:image/png;base64,...`` for embedding an image in HTML."""
    return f"data:{mime};base64," + base64.b64encode(image).decode("ascii")
