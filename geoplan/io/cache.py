"""The load cache («hurtiglager»): validated layers of a source kept between runs.

Reading a GeoPackage and checking it against the data contract costs most of a
short command's time (``geoplan reserves`` on the demo: 0,8 s of 2,5 s), and
gives the same answer for as long as the files do not change. :func:`lookup`
and :func:`store` keep what :func:`geoplan.io.load` returns -- the validated
layers, the working CRS, the raster paths and every layer's report (read = kept
+ rejected, every message) -- in one file per source and reading options in a
per-user folder:

* ``$GEOPLAN_CACHE_DIR``, else ``$XDG_CACHE_HOME/geoplan``, else ``~/.cache/geoplan``;
  never beside the input (the input file's own folder, or the input folder or a
  folder inside it, is not used: no cache);
* keyed by every input file's absolute path, size and ``st_mtime_ns`` (plus a
  BLAKE2 hash of the content of files up to :data:`HASH_LIMIT`), the options
  that change what is read (``--layer``, ``--crs``, ``--objtype``, the layers
  asked for, ``kommune.working_epsg``), the versions of geoplan, its reading
  code and the libraries that read (GDAL, pyogrio, geopandas, shapely, pyproj);
* written atomically (a temporary file renamed into place), readable by its
  owner only; a file with another owner, a wrong checksum or that cannot be
  unpickled is ignored (the source is read afresh, nothing is shown);
* switched off by ``--ingen-hurtiglager`` or ``GEOPLAN_HURTIGLAGER=0``; a
  cache folder that cannot be created or written just means no cache.

Zip archives and databases are not cached (a zip's rasters live in a temporary
folder; a database changes without touching a file).

Beside the layers, an entry holds the load's report (``Dataset.as_dict()``, plain values),
which :func:`lookup_report` reads without the layers: ``geoplan check`` on a source read
before needs neither GDAL nor geopandas (:mod:`geoplan.io.cachekey`).

This module imports nothing heavy: the key is built from ``os.stat`` and
hashes; pickle loads the frames only on a hit.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import stat
import sys
import tempfile
from pathlib import Path
from typing import Any, Callable

#: files up to this size are hashed as well as stat-ed (a rewrite within one mtime
#: tick with the same size is still noticed); larger ones are keyed by size and mtime
HASH_LIMIT = 16 * 1024 * 1024
#: the first bytes of every cache file (format version of this module)
MAGIC = b"geoplan-hurtiglager-1\n"
#: environment switch: «0», «nei», «false», «off» turn the cache off
ENV_SWITCH = "GEOPLAN_HURTIGLAGER"
ENV_DIR = "GEOPLAN_CACHE_DIR"
#: the rasters a GeoPackage takes from its folder: :data:`geoplan.io.readers.RASTER_NAMES`
#: (not imported from there: that module loads GDAL)
RASTER_NAMES = ("terreng", "stoy")

_enabled: bool | None = None   # set by --ingen-hurtiglager (None: the environment decides)


def set_enabled(on: bool) -> None:
    """Turn the cache on or off for this process (``--ingen-hurtiglager``)."""
    global _enabled
    _enabled = bool(on)


def enabled() -> bool:
    if _enabled is not None:
        return _enabled
    return os.environ.get(ENV_SWITCH, "1").strip().lower() not in ("0", "nei", "false", "off", "no")


def cache_dir() -> Path:
    """The cache folder (not created here)."""
    given = os.environ.get(ENV_DIR)
    if given:
        return Path(given).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "geoplan"


# ---------------------------------------------------------------------------
# The key
# ---------------------------------------------------------------------------

def _file_entry(p: Path) -> tuple | None:
    """(absolute path, size, mtime_ns, content hash or None) of one file; None: no such file."""
    try:
        st = p.stat()
    except OSError:
        return None
    if not stat.S_ISREG(st.st_mode):
        return None
    digest = None
    if st.st_size <= HASH_LIMIT:
        h = hashlib.blake2b(digest_size=20)
        try:
            with open(p, "rb") as fh:
                for chunk in iter(lambda: fh.read(1 << 20), b""):
                    h.update(chunk)
        except OSError:
            return None
        digest = h.hexdigest()
    return (str(p), st.st_size, st.st_mtime_ns, digest)


def _input_files(path: Path) -> list[Path] | None:
    """Every file reading ``path`` may open (None: not cached, e.g. a zip)."""
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.is_file())
    if not path.is_file() or path.suffix.lower() == ".zip":
        return None
    # the file, its companions (.shp: .dbf .shx .prj .cpg; .gpkg: -wal, -shm) and the
    # rasters a GeoPackage takes from its folder (geoplan.io.loader._read_source)
    stem = path.name[: -len(path.suffix)] if path.suffix else path.name
    files = {path}
    for p in path.parent.glob(f"{_glob_escape(stem)}.*"):
        files.add(p)
    for p in path.parent.glob(f"{_glob_escape(path.name)}-*"):
        files.add(p)
    if path.suffix.lower() == ".gpkg":
        files.update(path.parent / f"{n}{s}" for n in RASTER_NAMES for s in (".tif", ".tiff"))
    return sorted(files)


def _glob_escape(name: str) -> str:
    return "".join(f"[{c}]" if c in "*?[]" else c for c in name)


def _code_fingerprint() -> list[tuple]:
    """Size and mtime of geoplan's reading code (a changed reader or contract is a new key)."""
    from geoplan import __version__

    here = Path(__file__).resolve().parent
    out: list[tuple] = [("geoplan", __version__)]
    for folder in (here, here / "sosi", here / "importer"):
        if not folder.is_dir():
            continue
        for p in sorted(folder.glob("*.py")):
            st = p.stat()
            out.append((p.name, st.st_size, st.st_mtime_ns))
    import importlib.util

    # the libraries that read, by their installed files (not imported: a cache hit needs
    # no pyogrio); an upgrade rewrites them
    for name in ("pyogrio", "geopandas", "shapely", "pyproj", "pandas", "numpy", "pyarrow"):
        spec = importlib.util.find_spec(name)
        origin = Path(spec.origin) if spec is not None and spec.origin else None
        if origin is None or not origin.exists():
            out.append((name, None))
            continue
        st, dst = origin.stat(), origin.parent.stat()
        out.append((name, str(origin), st.st_size, st.st_mtime_ns, dst.st_mtime_ns))
    out.append(("python", sys.version))
    return out


def make_key(path: Path, options: dict[str, Any]) -> dict | None:
    """The full key of reading ``path`` with ``options`` (None: this source is not cached)."""
    try:
        path = path.resolve()
        files = _input_files(path)
    except OSError:
        return None
    if files is None:
        return None
    entries = [e for e in (_file_entry(p) for p in files) if e is not None]
    if path.is_file() and not any(e[0] == str(path) for e in entries):
        return None
    return {"source": str(path), "options": sorted((k, repr(v)) for k, v in options.items()),
            "files": entries, "code": _code_fingerprint()}


def geometry_bytes(geoms: Any) -> bytes:
    """Shapely geometries as bytes for :func:`content_key`: each one's WKB after its
    length (a missing geometry: none). Imports shapely, which the caller has anyway."""
    import numpy as np
    import shapely

    out = []
    for b in shapely.to_wkb(np.asarray(geoms, dtype=object)).tolist():
        b = b or b""
        out += [len(b).to_bytes(8, "little"), b]
    return b"".join(out)


def content_key(kind: str, parts: Any, options: dict[str, Any],
                code: Any = ()) -> dict:
    """The key of a value computed from data already in memory (not read from a file):
    a BLAKE2 hash of ``parts`` (bytes), the ``options`` that change the result, and the
    size and time of the modules in ``code`` (their ``__file__``) and of the libraries
    that read (as for a file). The walking distances of a site assessment are kept so."""
    h = hashlib.blake2b(digest_size=32)
    for b in parts:
        h.update(len(b).to_bytes(8, "little"))
        h.update(b)
    stamps: list[tuple] = []
    for mod in code:
        f = getattr(mod, "__file__", None)
        st = os.stat(f) if f and os.path.exists(f) else None
        stamps.append((getattr(mod, "__name__", str(mod)),
                       (st.st_size, st.st_mtime_ns) if st else None))
    return {"source": f"{kind}:{h.hexdigest()}", "content": True,
            "options": sorted((k, repr(v)) for k, v in options.items()),
            "files": stamps, "code": _code_fingerprint()}


def computed(kind: str, parts: Callable[[], list[bytes]], options: dict[str, Any],
             code: Any, compute: Callable[[], Any],
             accept: Callable[[Any], bool] = lambda v: True) -> Any:
    """``compute()``, or what an earlier run kept under the same content: the key is
    :func:`content_key` of ``kind``, ``parts()`` (called only with the cache on),
    ``options`` and ``code``; a kept value ``accept`` refuses is computed again. With the
    cache off this is ``compute()``."""
    key = content_key(kind, parts(), options, code) if enabled() else None
    if key is not None:
        kept = lookup(key)
        if kept is not None and accept(kept):
            return kept
    value = compute()
    store(key, value)
    return value


# ---------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------

#: the most entries of :func:`content_key` kept (each a few kB to a few MB); beyond it the
#: least recently written go: a what-if or an upload makes a new one every time
MAX_CONTENT_ENTRIES = 256
_CONTENT_PREFIX = "innhold-"


def _slot(key: dict) -> str:
    """The file name of a source and its options (the files' state is checked inside)."""
    h = hashlib.blake2b(repr((key["source"], key["options"])).encode("utf-8"), digest_size=16)
    return f"{_CONTENT_PREFIX if key.get('content') else ''}{h.hexdigest()}.pickle"


def _prune_content(d: Path) -> None:
    """Drop the oldest content entries beyond :data:`MAX_CONTENT_ENTRIES`."""
    try:
        files = sorted(d.glob(f"{_CONTENT_PREFIX}*.pickle"), key=lambda f: f.stat().st_mtime_ns)
        for f in files[:-MAX_CONTENT_ENTRIES]:
            f.unlink(missing_ok=True)
    except OSError:
        pass


def _usable_dir(d: Path, source: Path) -> bool:
    """False for a cache folder beside a file input, or inside a folder input."""
    try:
        d = d.resolve()
        src = source.resolve()
    except OSError:
        return False
    if src.is_dir():   # a data folder: nothing inside it
        return not (d == src or src in d.parents)
    return d != src.parent   # a file: not in its folder (a folder below it is another folder)


def _safe(st: os.stat_result) -> bool:
    """Owned by this user and not writable by others (the file is unpickled)."""
    uid = getattr(os, "getuid", lambda: None)()
    if uid is not None and st.st_uid != uid:
        return False
    return not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def _read(key: dict | None) -> tuple[dict, bytes] | None:
    """The head and the (still pickled) payload of ``key``'s entry, checked whole."""
    if key is None or not enabled():
        return None
    d = cache_dir()
    if not key.get("content") and not _usable_dir(d, Path(key["source"])):
        return None
    f = d / _slot(key)
    try:
        with open(f, "rb") as fh:
            if not _safe(os.fstat(fh.fileno())) or not _safe(d.stat()):
                return None
            if fh.read(len(MAGIC)) != MAGIC:
                return None
            head = pickle.load(fh)
            if not isinstance(head, dict) or head.get("key") != key:
                return None
            payload = fh.read()
        if hashlib.blake2b(payload, digest_size=32).hexdigest() != head.get("digest"):
            return None
        return head, payload
    except FileNotFoundError:
        return None
    except Exception:  # noqa: BLE001 - a damaged cache file is no error: read afresh
        return None


def lookup(key: dict | None) -> Any:
    """What :func:`store` kept under ``key``, or None (no entry, changed input, damaged file)."""
    entry = _read(key)
    if entry is None:
        return None
    try:
        return pickle.loads(entry[1])
    except Exception:  # noqa: BLE001 - a damaged cache file is no error: read afresh
        return None


def lookup_report(key: dict | None) -> dict | None:
    """The plain report :func:`store` kept beside ``key``'s value, without unpickling the
    value (the layers), or None."""
    entry = _read(key)
    report = entry[0].get("report") if entry is not None else None
    return report if isinstance(report, dict) else None


def store(key: dict | None, value: Any, *, report: dict | None = None) -> bool:
    """Keep ``value`` under ``key`` (atomically), with ``report``, a small dict of plain
    values :func:`lookup_report` reads alone; False when it could not be written."""
    if key is None or not enabled():
        return False
    d = cache_dir()
    if not key.get("content") and not _usable_dir(d, Path(key["source"])):
        return False
    tmp = None
    try:
        d.mkdir(parents=True, exist_ok=True, mode=0o700)
        payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        head = {"key": key, "digest": hashlib.blake2b(payload, digest_size=32).hexdigest(),
                "report": report}
        fd, tmp = tempfile.mkstemp(dir=d, prefix=".skriver-", suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            fh.write(MAGIC)
            pickle.dump(head, fh, protocol=pickle.HIGHEST_PROTOCOL)
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, d / _slot(key))
        tmp = None
        if key.get("content"):
            _prune_content(d)
        return True
    except Exception:  # noqa: BLE001 - read-only folder, full disk, unpicklable: no cache
        return False
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
