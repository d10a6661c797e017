"""Offline map assets: folium's CDN URLs pointed at the copies vendored with the app.

folium and its plugins load Leaflet, jQuery, Bootstrap, Font Awesome,
awesome-markers and the plugins from public CDNs. In a municipal network
without internet access the map would be blank, so :func:`localize_assets`
rewrites every ``default_js``/``default_css`` URL of every ``JSCSSMixin``
subclass it knows a local copy for to the files vendored in
``geoplan/present/app/static/vendor/`` (see ``tools/vendor_assets.sh``).

Nothing happens on import: the app calls :func:`localize_assets` when it starts
(:func:`geoplan.present.app.appdata.prepare_maps`), so that importing geoplan in
a notebook leaves ``GeoDataFrame.explore()`` on the CDNs.

Streamlit serves the files at ``/app/static/vendor/...``; streamlit-folium
renders the map inside a component iframe at
``/component/streamlit_folium.st_folium/index.html``, so the default base URL is
the relative ``../../app/static/vendor`` (it also works under a
``server.baseUrlPath``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Sequence

import folium
import folium.elements
import folium.plugins

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
VENDOR_DIR = STATIC_DIR / "vendor"

#: Base URL of the vendored assets as seen from streamlit-folium's component iframe.
STREAMLIT_ASSET_BASE = "../../app/static/vendor"

#: CDN file name (last URL segment) -> path under :data:`VENDOR_DIR`.
VENDORED = {
    "leaflet.js": "leaflet/leaflet.js",
    "leaflet.css": "leaflet/leaflet.css",
    "jquery-3.7.1.min.js": "jquery/jquery.min.js",
    "jquery.min.js": "jquery/jquery.min.js",
    "bootstrap.bundle.min.js": "bootstrap/bootstrap.bundle.min.js",
    "bootstrap.min.css": "bootstrap/bootstrap.min.css",
    "bootstrap-glyphicons.css": "glyphicons/css/bootstrap-glyphicons.css",
    "all.min.css": "fontawesome/css/all.min.css",
    "leaflet.awesome-markers.js": "awesome-markers/leaflet.awesome-markers.min.js",
    "leaflet.awesome-markers.css": "awesome-markers/leaflet.awesome-markers.css",
    "leaflet.awesome.rotate.min.css": "awesome-markers/leaflet.awesome.rotate.min.css",
    "leaflet.markercluster.js": "markercluster/leaflet.markercluster.js",
    "MarkerCluster.css": "markercluster/MarkerCluster.css",
    "MarkerCluster.Default.css": "markercluster/MarkerCluster.Default.css",
    "leaflet.draw.js": "leaflet-draw/leaflet.draw.js",
    "leaflet.draw.css": "leaflet-draw/leaflet.draw.css",
    "Control.FullScreen.min.js": "leaflet.fullscreen/Control.FullScreen.js",
    "Control.FullScreen.css": "leaflet.fullscreen/Control.FullScreen.css",
    "leaflet_heat.min.js": "leaflet.heat/leaflet-heat.js",
}

#: Scripts of folium's map defaults that geoplan's maps leave out (see ``build.base_map``).
UNUSED_JS = ("jquery", "bootstrap")

#: The folium elements the app uses; :func:`unmapped_assets` checks these.
USED_ELEMENTS = (
    folium.Map, folium.plugins.MarkerCluster, folium.plugins.FastMarkerCluster,
    folium.plugins.Draw, folium.plugins.Fullscreen, folium.plugins.HeatMap,
)


#: (class, attribute, asset name) -> the URL folium shipped, before any rewriting.
_ORIGINAL_URLS: dict[tuple, str] = {}


def _subclasses(cls: type) -> Iterable[type]:
    subs: list[type] = cls.__subclasses__()
    for sub in subs:
        yield sub
        yield from _subclasses(sub)


def _local(url: str, base: str) -> str | None:
    if not url.startswith(("http://", "https://", "//")):
        return None
    name = url.rstrip("/").rsplit("/", 1)[-1]
    rel = VENDORED.get(name)
    return f"{base.rstrip('/')}/{rel}" if rel else None


def localize_assets(base: str = STREAMLIT_ASSET_BASE) -> list[str]:
    """Point every known folium/plugin asset URL at the vendored copies.

    Walks all subclasses of ``folium.elements.JSCSSMixin`` (after the plugin
    modules are imported) and rewrites their class-level ``default_js`` and
    ``default_css``. Idempotent; calling again with another ``base`` moves
    the already-rewritten URLs too.

    Parameters
    ----------
    base
        URL prefix of :data:`VENDOR_DIR` as the browser sees it.

    Returns
    -------
    list of str
        The CDN URLs that have no local copy (plugins geoplan does not use).
    """
    missing: list[str] = []
    for cls in [folium.elements.JSCSSMixin, *_subclasses(folium.elements.JSCSSMixin)]:
        for attr in ("default_js", "default_css"):
            items = cls.__dict__.get(attr)
            if not items:
                continue
            new = []
            for name, url in items:
                orig = _ORIGINAL_URLS.setdefault((cls, attr, name), url)
                local = _local(orig, base)
                if local is None and orig.startswith(("http://", "https://", "//")):
                    missing.append(orig)
                new.append((name, local or orig))
            setattr(cls, attr, new)
    return sorted(set(missing))


def unmapped_assets(elements: Sequence[type] = USED_ELEMENTS) -> list[str]:
    """Asset URLs of ``elements`` (and their bases) that still point at the internet."""
    out = []
    for cls in elements:
        for klass in cls.__mro__:
            for attr in ("default_js", "default_css"):
                for _, url in getattr(klass, attr, []) or []:
                    if url.startswith(("http://", "https://", "//")):
                        out.append(url)
    return sorted(set(out))


#: Where :func:`bundle_js` writes the joined scripts (served beside ``vendor/``).
BUNDLE_DIR = STATIC_DIR / "bundles"


def bundle_js(links: Sequence[str], base: str = STREAMLIT_ASSET_BASE) -> list[str]:
    """The vendored scripts of ``links`` joined into one file, in their order: one link.

    streamlit-folium loads a map's scripts one after another, each a round trip to a
    server that is busy running page scripts (0,03-0,35 s each under load), before the
    map is drawn. The joined file is named by its content and written once (atomically)
    into :data:`BUNDLE_DIR`. Returns ``links`` unchanged if any of them is not a
    vendored file, or if the folder cannot be written (a read-only installation).
    """
    import hashlib
    import os
    import tempfile

    prefix = base.rstrip("/") + "/"
    files = []
    for url in links:
        if not url.startswith(prefix):
            return list(links)
        p = (VENDOR_DIR / url[len(prefix):]).resolve()
        if VENDOR_DIR.resolve() not in p.parents or not p.is_file():
            return list(links)
        files.append(p)
    if len(files) < 2:
        return list(links)
    text = "".join(f"\n/* {p.relative_to(VENDOR_DIR.resolve())} */\n" + p.read_text(encoding="utf-8")
                   + "\n;\n" for p in files)
    name = hashlib.sha256(text.encode()).hexdigest()[:20] + ".js"
    target = BUNDLE_DIR / name
    try:
        if not target.is_file():
            BUNDLE_DIR.mkdir(exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=BUNDLE_DIR, suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
            os.chmod(tmp, 0o644)
            os.replace(tmp, target)
    except OSError:
        return list(links)
    return [f"{prefix.rsplit('/vendor/', 1)[0]}/bundles/{name}"]
