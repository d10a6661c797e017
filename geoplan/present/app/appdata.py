"""The app's data layer: cached loading, per-session uploads and parameters.

Everything the Streamlit pages share lives here, so the pages stay thin:

* :func:`dataset` -- the session's :class:`~geoplan.io.layers.Dataset`: an upload
  made in this browser session, else the default DATA (``$GEOPLAN_APP_DATA``
  or the embedded demo). Loading is cached by source, file time and config.
* :func:`config` -- the configuration with this session's parameter overrides.
* :func:`display_layers` -- simplified WGS84 copies of the layers for the map,
  cached by dataset and tolerance.
* :func:`save_upload` / :func:`load_upload` -- an uploaded file is written to a
  private temporary folder of this session (never shared: its path is random
  and only kept in ``st.session_state``), checked (size, type, zip paths and
  zip bombs) and loaded with :func:`geoplan.io.layers.load`.

Analyses are not computed here: the pages run them through the cached
wrappers of :mod:`geoplan.present.app.views.compute`, which call
:mod:`geoplan.runs` as the command line does.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import weakref
from pathlib import Path

import streamlit as st

from geoplan.config import Config, config_dir, load_config
from geoplan.errors import ConfigError, GeoplanError, UnreadableInput
from geoplan.present import text

#: Environment variable: DATA the app opens by default (else the embedded demo).
APP_DATA_ENV = "GEOPLAN_APP_DATA"

#: File types accepted on the Data page.
UPLOAD_TYPES = ["gpkg", "zip", "gml", "xml", "geojson", "json", "parquet", "fgb"]

_SESSION_DIR = "_geoplan_upload_dir"
_UPLOAD = "_geoplan_upload"            # dict: path, name, layer, crs, merge
_OVERRIDES = "_geoplan_overrides"      # dict: dotted key -> str


# ---------------------------------------------------------------------------
# Configuration
# ---------------------------------------------------------------------------

def prepare_maps() -> None:
    """Point folium's asset URLs at the vendored copies the app serves (idempotent).

    Called when the app starts (its main script), never on import, so that
    ``import geoplan`` in a notebook leaves ``GeoDataFrame.explore()`` on the CDNs.
    """
    from geoplan.present.app.maps import localize_assets

    localize_assets()


def overrides() -> dict[str, str]:
    """This session's parameter overrides (``{"section.key": "value"}``)."""
    return dict(st.session_state.get(_OVERRIDES, {}))


#: Server policy (privacy, upload limits): set in config/app.toml only, never per session.
LOCKED_PREFIXES = ("app.", "auth.")


def set_overrides(values: dict[str, str]) -> None:
    """Replace this session's overrides after checking that they apply.

    Keys under ``app.`` (address display, upload limits) are server policy and
    cannot be changed from the browser.
    """
    locked = [k for k in values if k.startswith(LOCKED_PREFIXES)]
    if locked:
        raise ConfigError(
            f"{', '.join(f'«{k}»' for k in locked)} kan bare endres i config/app.toml eller "
            "config/auth.toml på serveren (personvern, innlogging og opplastingsgrenser), ikke for én økt.")
    load_config(overrides=values)  # raises ConfigError with a Norwegian message
    st.session_state[_OVERRIDES] = dict(values)


@st.cache_resource(max_entries=16, show_spinner=False)
def _config_cached(directory: str, mtimes: tuple, overrides_json: str) -> Config:
    return load_config(directory, json.loads(overrides_json))


def _config_files() -> tuple[str, tuple]:
    d = config_dir()
    return str(d), tuple(sorted((p.name, p.stat().st_mtime) for p in Path(d).glob("*.toml")))


def config() -> Config:
    """The configuration (``config/``) with this session's overrides applied."""
    d, mtimes = _config_files()
    try:
        return _config_cached(d, mtimes, json.dumps(overrides(), sort_keys=True))
    except ConfigError:
        st.session_state[_OVERRIDES] = {}
        return _config_cached(d, mtimes, "{}")


def app_settings(cfg: Config):
    """The app's settings (:class:`geoplan.config.app.AppSettings`) for ``cfg``."""
    from geoplan.config.app import AppSettings

    return AppSettings.from_config(cfg)


# ---------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------

def default_source() -> str | None:
    """DATA the app opens: ``$GEOPLAN_APP_DATA`` or ``None`` (the embedded demo)."""
    return os.environ.get(APP_DATA_ENV) or None


def _mtime(source: str | None) -> float | str:
    """What changes when DATA changes: a file's time, a database schema's last load."""
    from geoplan.io.layers import DEFAULT_DATA
    from geoplan.io.postgis.connect import is_database
    if source and is_database(source):
        return _database_version(source)
    p = Path(source) if source else DEFAULT_DATA
    try:
        return p.stat().st_mtime
    except OSError:
        return 0.0


@st.cache_data(ttl=30, show_spinner=False)
def _database_version(source: str) -> str:
    """The time of the schema's last ``geoplan db load`` (asked at most every 30 s)."""
    from geoplan.io.postgis import store
    from geoplan.io.postgis.connect import parse
    try:
        meta = store.meta(parse(source))
    except GeoplanError:
        return "?"
    return str((meta.get("lasting") or {}).get("lastet", "?"))


@st.cache_resource(max_entries=8, ttl=6 * 3600, show_spinner="Leser og kontrollerer kartlagene …")
def _load_cached(source: str | None, layer: str | None, crs: str | None, mtime: float | str,
                 config_key: str, only: tuple | None, _cfg: Config):
    from geoplan.io.layers import load
    return load(source, layer=layer, crs=crs, config=_cfg, only=only)


def load_source(source: str | None, cfg: Config, *, layer: str | None = None,
                crs: str | None = None, only: tuple | None = None):
    """Load (cached) DATA with :func:`geoplan.io.layers.load` (``only``: just these layers)."""
    key = json.dumps(overrides(), sort_keys=True)
    return _load_cached(source, layer, crs, _mtime(source), key,
                        tuple(sorted(only)) if only else None, cfg)


def _merge(base, extra):
    """``extra``'s layers on top of ``base`` (reprojected to ``base``'s CRS)."""
    from geoplan.io.layers import Dataset
    layers = dict(base.layers)
    for name, gdf in extra.layers.items():
        layers[name] = gdf.to_crs(base.crs) if gdf.crs != base.crs else gdf
    reports = dict(base.reports)
    reports.update({k: v for k, v in extra.reports.items() if v.status != "mangler"})
    rasters = dict(base.rasters) | dict(extra.rasters)
    return Dataset(source=f"{extra.source} + {base.source}", crs=base.crs, layers=layers,
                   rasters=rasters, reports=reports)


#: The layers the overview map shows (the big ``bygning`` and ``gangnett`` are left out, so
#: the first page a planner opens loads faster; the other pages load the rest).
OVERVIEW_LAYERS = ("kommune", "arealformal", "utviklingsgrense", "skole", "kommunal_bolig",
                   "grunnkrets", "kollektivakse", "holdeplass", "innspill", "steinbrudd",
                   "sentrum", "helsetjeneste")


def dataset(cfg: Config | None = None, *, only: tuple | None = None):
    """The session's dataset: its upload if any, else the default DATA.

    ``only`` restricts loading to these layers (for the overview map).
    """
    cfg = cfg or config()
    up = st.session_state.get(_UPLOAD)
    if up:
        ds = load_source(up["path"], cfg, layer=up.get("layer"), crs=up.get("crs"))
        if up.get("merge"):
            ds = _merge(load_source(default_source(), cfg, only=only), ds)
        return ds
    return load_source(default_source(), cfg, only=only)


def dataset_key(ds) -> str:
    """A string that identifies a dataset's content for cache keys."""
    return _dataset_key(ds, st.session_state.get(_UPLOAD) or {})


def _dataset_key(ds, up: dict) -> str:
    return "|".join([str(ds.source), str(_mtime(up.get("path") or default_source())),
                     json.dumps(up, sort_keys=True, default=str), str(ds.epsg),
                     ",".join(sorted(ds.layers))])


def source_label(ds) -> str:
    """Norwegian description of where the session's data come from."""
    up = st.session_state.get(_UPLOAD)
    if up:
        extra = " (sammen med demodataene)" if up.get("merge") else ""
        return f"Opplastet fil «{up['name']}»{extra} – bare i denne nettleserøkten"
    src = default_source()
    return f"{src}" if src else "Demokommunen (syntetiske data på Larviks kommunegrense)"


# cache_resource, not cache_data: the frames are shared read-only (the map code copies what
# it changes), so a page run does not unpickle thousands of polygons from the cache.
@st.cache_resource(max_entries=16, show_spinner=False)
def _display_cached(key: str, tolerance_m: float, _ds) -> dict:
    from geoplan.present.app.maps import collapse, to_display
    out = {}
    for name, gdf in _ds.layers.items():
        if name == "bygning":       # many features, not on the overview map
            continue
        disp = to_display(gdf, tolerance_m=tolerance_m, name=name)
        if name == "gangnett":      # thousands of segments, no attributes worth a tooltip
            disp = collapse(disp)
        out[name] = disp
    return out


def display_layers(ds, cfg: Config) -> dict:
    """Simplified WGS84 layers for the map (cached by data and tolerance).

    ``adresse`` of municipal dwellings is dropped unless ``app.show_address``;
    single dwellings only where :func:`dwelling_points_allowed`, else the
    published totals per grunnkrets (:func:`restrict_layers`).
    """
    tol = app_settings(cfg).simplify_m
    layers = dict(_display_cached(dataset_key(ds), tol, ds))
    return restrict_layers(layers, cfg, ds)


#: session key of the sidebar switch «Skjul små tall (prikking)»
PUBLIC_KEY = "prikking"


def public_mode() -> bool:
    """Small counts are suppressed in this session (always, for a role without
    ``concentration_unsuppressed``; else the sidebar switch, on by default)."""
    from geoplan.present.app.login import current_user
    if not current_user().can("concentration_unsuppressed"):
        return True
    return bool(st.session_state.get(PUBLIC_KEY, True))


def dwelling_points_allowed() -> bool:
    """Single municipal dwellings may be drawn: a role with ``dwelling_points`` and suppression off."""
    from geoplan.present.app.login import current_user
    return current_user().can("dwelling_points") and not public_mode()


@st.cache_resource(max_entries=8, show_spinner="Summerer kommunale enheter per grunnkrets …")
def _dwelling_totals_cached(key: str, min_count: int, suppress_zero: bool, _ds):
    from geoplan.present.app.maps.dwellings import dwelling_totals
    return dwelling_totals(_ds["kommunal_bolig"], _ds["grunnkrets"], min_count, suppress_zero=suppress_zero)


def dwelling_totals(ds, cfg: Config):
    """The published units per grunnkrets (WGS84 points), or ``None`` without the layers."""
    if not (ds.has("kommunal_bolig") and ds.has("grunnkrets")):
        return None
    from geoplan.config.concentration import ConcentrationSettings
    st_ = ConcentrationSettings.from_config(cfg)
    return _dwelling_totals_cached(dataset_key(ds), int(st_.min_count), bool(st_.suppress_zero), ds)


def restrict_layers(layers: dict, cfg: Config, ds=None) -> dict:
    """What the session's role may receive: the one rule the map, tables and downloads follow.

    Without ``dwelling_points`` (roles innsyn and plan), or with small-number
    suppression on (:func:`public_mode`), the municipal dwellings are not sent
    at all; given ``ds``, the published units per grunnkrets take their place
    (:func:`dwelling_totals`). ``adresse`` only to a role with ``addresses`` and
    only when ``app.show_address`` allows it.
    """
    from geoplan.present.app.login import current_user
    from geoplan.present.app.maps.layers import DWELLING_TOTALS
    user = current_user()
    layers = dict(layers)
    layers.pop(DWELLING_TOTALS, None)
    if not user.can("dwelling_points") or public_mode():
        had = layers.pop("kommunal_bolig", None) is not None
        if had and ds is not None:
            totals = dwelling_totals(ds, cfg)
            if totals is not None:
                layers[DWELLING_TOTALS] = totals
    elif "kommunal_bolig" in layers:
        kb = layers["kommunal_bolig"]
        if "adresse" in kb.columns and not (user.can("addresses") and app_settings(cfg).show_address):
            layers["kommunal_bolig"] = kb.drop(columns="adresse")
    return layers


def warm_up() -> dict[str, float]:
    """Fill the process-wide caches the first page a planner opens needs.

    ``geoplan app`` calls this before the server accepts connections, so the
    first visit to a freshly started server does not wait for imports, reading
    the default DATA and simplifying its layers. No browser session exists yet:
    the entries are the ones a session without upload or overrides uses (the
    configuration, the Oversikt page's layers of the default DATA and their
    display copies), stored in ``st.cache_resource`` caches that every session
    shares. One overview map is built and rendered too (the map code's own
    first-call costs). Errors are left for the page to report in Norwegian.

    Returns
    -------
    dict
        Seconds per step (``config_s``, ``load_s``, ``display_s``, ``map_s``).
    """
    import time

    times: dict[str, float] = {}
    t = time.perf_counter()
    d, mtimes = _config_files()
    cfg = _config_cached(d, mtimes, "{}")
    times["config_s"] = time.perf_counter() - t
    t = time.perf_counter()
    src = default_source()
    ds = _load_cached(src, None, None, _mtime(src), "{}", tuple(sorted(OVERVIEW_LAYERS)), cfg)
    times["load_s"] = time.perf_counter() - t
    t = time.perf_counter()
    tol = app_settings(cfg).simplify_m
    layers = _display_cached(_dataset_key(ds, {}), tol, ds)
    times["display_s"] = time.perf_counter() - t
    t = time.perf_counter()
    from geoplan.config.schools import SchoolSettings
    from geoplan.present.app.maps import map_html, municipality_map
    map_html(municipality_map({k: v for k, v in layers.items() if k != "gangnett"},
                              basemap="ingen", radius_m=SchoolSettings.from_config(cfg).radius_m))
    times["map_s"] = time.perf_counter() - t
    return times


def public_columns(gdf, cfg: Config):
    """``gdf`` without ``adresse`` unless the role and the config allow showing it."""
    from geoplan.present.app.login import current_user
    allowed = current_user().can("addresses") and app_settings(cfg).show_address
    if gdf is not None and "adresse" in gdf.columns and not allowed:
        return gdf.drop(columns="adresse")
    return gdf


# ---------------------------------------------------------------------------
# Uploads
# ---------------------------------------------------------------------------

class _SessionFolder:
    """A private temporary folder that is deleted when its browser session ends.

    The object lives in ``st.session_state``; when Streamlit drops the session,
    the object is garbage-collected and the finaliser removes the folder (and at
    the latest when the server stops).
    """

    def __init__(self) -> None:
        self.path = tempfile.mkdtemp(prefix="geoplan-okt-")
        os.chmod(self.path, 0o700)
        self._finalizer = weakref.finalize(self, shutil.rmtree, self.path, True)

    def remove(self) -> None:
        self._finalizer()

    def __str__(self) -> str:
        return self.path


def session_dir() -> Path:
    """This browser session's private temporary folder (created on first use)."""
    d = st.session_state.get(_SESSION_DIR)
    if isinstance(d, _SessionFolder) and Path(d.path).is_dir():
        return Path(d.path)
    d = _SessionFolder()
    st.session_state[_SESSION_DIR] = d
    return Path(d.path)


def _safe_name(name: str) -> str:
    base = Path(name.replace("\\", "/")).name
    stem, suffix = os.path.splitext(base)
    stem = re.sub(r"[^\w.\- æøåÆØÅ]", "_", stem)[:80].strip(" .") or "opplasting"
    return stem + suffix.lower()


def _check_size(name: str, data: bytes, cfg: Config) -> None:
    """Refuse an empty upload, or one above ``app.max_upload_mb``."""
    max_mb = app_settings(cfg).max_upload_mb
    if len(data) > max_mb * 2**20:
        raise UnreadableInput(f"«{name}» er {text.integer(len(data) / 2**20)} MB; største tillatte "
                              f"opplasting er {text.integer(max_mb)} MB.")
    if len(data) == 0:
        raise UnreadableInput(f"«{name}» er tom (0 byte). Velg en fil med geodata.")


def _check_type(name: str, safe: str) -> str:
    """The file type (suffix without dot) of an upload; refused unless in :data:`UPLOAD_TYPES`."""
    suffix = Path(safe).suffix.lower().lstrip(".")
    if suffix not in UPLOAD_TYPES:
        raise UnreadableInput(
            f"«{name}» er ikke en geodatafil geoplan kan lese. Last opp en GeoPackage (.gpkg), "
            "en zippet Shapefile (.zip), en SOSI-GML-fil (.gml) eller GeoJSON.")
    return suffix


def _empty(folder: Path) -> None:
    """Delete what ``folder`` holds (one upload per session at a time)."""
    for old in folder.iterdir():
        if old.is_dir():
            shutil.rmtree(old, ignore_errors=True)
        else:
            old.unlink(missing_ok=True)


def _check_zip(path: Path, cfg: Config) -> None:
    """The loader's zip check (:func:`geoplan.io.layers.check_zip`) with the app's limits.

    Unsafe paths and zip bombs are refused by the same rule as on the command
    line; the limits are the server's (``app.max_unpacked_mb``, ``app.max_zip_ratio``).
    The file is deleted when it is refused.
    """
    from geoplan.io.layers import check_zip

    try:
        check_zip(path, max_bytes=int(app_settings(cfg).max_unpacked_mb * 2**20),
                  max_ratio=app_settings(cfg).max_zip_ratio)
    except GeoplanError:
        path.unlink(missing_ok=True)
        raise


def save_upload(name: str, data: bytes, cfg: Config) -> Path:
    """Write an uploaded file into this session's folder after the size/type checks.

    Raises
    ------
    UnreadableInput
        Too large, wrong type, or an unsafe zip archive (Norwegian message).
    """
    _check_size(name, data, cfg)
    safe = _safe_name(name)
    suffix = _check_type(name, safe)
    folder = session_dir()
    _empty(folder)
    target = folder / safe
    target.write_bytes(data)
    if suffix == "zip":
        _check_zip(target, cfg)
    return target


def load_upload(name: str, data: bytes, cfg: Config, *, layer: str | None = None,
                crs: str | None = None, merge: bool = False):
    """Save, check and load an upload; on success it becomes this session's data.

    Returns the loaded dataset. Raises :class:`~geoplan.errors.GeoplanError`
    (Norwegian message) and leaves the session's data unchanged on failure.
    """
    path = save_upload(name, data, cfg)
    try:
        ds = load_source(str(path), cfg, layer=layer or None, crs=crs or None)
    except GeoplanError:
        path.unlink(missing_ok=True)
        raise
    except Exception as e:  # never a traceback in the app
        path.unlink(missing_ok=True)
        import logging  # the reader's own words are English: the log has them
        logging.getLogger("geoplan.app").warning("Opplastingen %s kunne ikke leses", name, exc_info=e)
        raise UnreadableInput(
            f"«{name}» kunne ikke leses som geodata. Kontroller at filen er en GeoPackage, "
            "SOSI, GML, GeoJSON, shapefil (zip) eller GeoParquet, og prøv igjen; står feilen "
            "seg, meld den til GIS-ansvarlig (detaljene er i serverens logg).") from None
    st.session_state[_UPLOAD] = {"path": str(path), "name": name, "layer": layer or None,
                                 "crs": crs or None, "merge": bool(merge)}
    return ds


def clear_upload() -> None:
    """Go back to the default data; the session's files are deleted."""
    st.session_state.pop(_UPLOAD, None)
    d = st.session_state.pop(_SESSION_DIR, None)
    if isinstance(d, _SessionFolder):
        d.remove()


def upload_ref() -> dict | None:
    """This session's upload (path, name, options), or ``None``."""
    up = st.session_state.get(_UPLOAD)
    return dict(up) if up else None


def upload_info(up: dict | None, max_mb: float = 50.0) -> dict | None:
    """An upload (from :func:`upload_ref`) for a session file: name, options and the file (base64).

    ``None`` without upload, or for files above ``max_mb`` (the session file would be
    too large to pass around).
    """
    import base64

    if not up:
        return None
    p = Path(up["path"])
    if not p.is_file() or p.stat().st_size > max_mb * 2**20:
        return None
    return {"name": up["name"], "layer": up.get("layer"), "crs": up.get("crs"),
            "merge": bool(up.get("merge")), "data": base64.b64encode(p.read_bytes()).decode("ascii")}


def has_upload() -> bool:
    return bool(st.session_state.get(_UPLOAD))


def load_config_plain() -> Config:
    """The configuration files without this session's overrides (read again only when a
    file changes: the login gate asks for it on every rerun)."""
    d, mtimes = _config_files()
    return _config_cached(d, mtimes, "{}")
