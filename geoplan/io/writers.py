"""Safe output: never a half-written file, never an input overwritten.

Everything geoplan writes goes through :func:`atomic_path`: the writer fills
a temporary file beside the target, and only a complete file is renamed into
place (``os.replace`` is atomic on one file system). On any error the
temporary file is removed and the old target, if any, is left untouched.

Three guards apply to every write:

* **Inputs are never outputs.** Every :class:`~geoplan.io.dataset.Dataset`
  registers the files it was read from (:func:`register_inputs`); a target that
  is one of them -- the same file by any name: a symlink, another case on a
  case-insensitive disk, a hard link -- or a file of a data folder, or a file the
  loader would read beside a GeoPackage (``terreng.tif``, ``stoy.tif``), is
  refused before anything is written (:func:`refuse_input`).
* **Temporary files are recognisable.** They are named
  ``.<name>.geoplan-tmp-<pid>-<random><suffix>``; a write killed half-way
  (power cut, ``kill -9``) leaves one, and the next write into that folder
  removes the ones whose process is gone (:func:`sweep_stale`).
* **A folder that cannot be written** is named as the folder, never by the
  hidden temporary file.

:func:`write_gpkg_layers` writes layers into a GeoPackage that may already
exist: only the layers the command owns are replaced, the others are kept.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import time
from pathlib import Path
from typing import Callable, Iterable, Iterator

from geoplan.errors import UnreadableInput

#: marks geoplan's temporary files: ``.<stem>.geoplan-tmp-<pid>-<hex><suffix>``
TMP_TAG = ".geoplan-tmp-"
#: a temporary file older than this is stale even if its process id is in use again
STALE_AFTER_S = 24 * 3600.0
#: raster names the loader reads beside a GeoPackage (kept in step with io.readers.RASTER_NAMES)
_BESIDE_GPKG = ("terreng", "stoy")

# (resolved path, is_folder) of every input read in this process
_INPUTS: dict[str, bool] = {}


# ---------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------

def register_inputs(paths: Iterable[str | os.PathLike | None], *, folders: Iterable = ()) -> None:
    """Remember files (and data folders) read in this process, so no writer overwrites them."""
    for p, is_folder in [(p, False) for p in paths] + [(f, True) for f in folders]:
        if p is None:
            continue
        path = Path(p)
        if not path.exists():
            continue
        _INPUTS[str(path.resolve())] = is_folder or path.is_dir()
        if path.suffix.lower() == ".gpkg" and path.is_file():
            for name in _BESIDE_GPKG:
                for suffix in (".tif", ".tiff"):
                    _INPUTS.setdefault(str((path.parent / f"{name}{suffix}").resolve()), False)


def registered_inputs() -> dict[str, bool]:
    """The inputs registered so far (resolved path -> is a folder)."""
    return dict(_INPUTS)


def forget_inputs() -> None:
    """Forget every registered input (for tests and long-running processes)."""
    _INPUTS.clear()


def _same(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _clash(target: Path) -> tuple[str, bool] | None:
    """The registered input ``target`` would overwrite: ``(input, is a folder)``, or None."""
    resolved = target.resolve()
    key = os.path.normcase(str(resolved))
    for inp, is_folder in _INPUTS.items():
        ip = Path(inp)
        if is_folder:
            if resolved.is_relative_to(ip):
                return inp, True
            continue
        if os.path.normcase(inp) == key or (target.exists() and ip.exists() and _same(target, ip)):
            return inp, False
    return None


def refuse_input(target: str | os.PathLike, option: str = "utfilen") -> None:
    """Raise :class:`UnreadableInput` when ``target`` is an input of this run.

    ``option`` names the option the path came from (``--out``, ``--out-raster``).
    """
    target = Path(target)
    hit = _clash(target)
    if hit is None:
        return
    inp, is_folder = hit
    name = Path(inp).name
    if is_folder:
        raise UnreadableInput(
            f"{option} «{target}» ligger i datamappen «{name}» som denne kjøringen leser. "
            "Resultater skrives aldri inn i inndataene: velg en fil utenfor datamappen.")
    if not Path(inp).exists():
        what = (f"et navn geoplan leser som inndata ved siden av datafilen («{name}» blir "
                "terrengmodellen eller støykartet ved neste kjøring)")
    elif name == target.name:
        what = "selve inndatafilen til denne kjøringen"
    else:
        what = f"samme fil som inndatafilen «{name}» (en lenke eller et annet navn for den)"
    raise UnreadableInput(
        f"{option} «{target}» er {what}. Den ville blitt overskrevet, så ingenting er skrevet; "
        "velg et annet filnavn for resultatet.")


# ---------------------------------------------------------------------------
# Temporary files
# ---------------------------------------------------------------------------

def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, owned by someone else
        return True
    return True


def _tmp_pid(name: str) -> int | None:
    """The process id in a geoplan temporary name, or None for other files."""
    if TMP_TAG not in name:
        return None
    rest = name.split(TMP_TAG, 1)[1]
    head = rest.split("-", 1)[0]
    return int(head) if head.isdigit() else None


def sweep_stale(folder: str | os.PathLike) -> list[Path]:
    """Remove geoplan temporary files in ``folder`` left by writes that were killed.

    A file is stale when its process is gone, or when it is older than
    :data:`STALE_AFTER_S`. Returns the files removed.
    """
    removed: list[Path] = []
    try:
        entries = list(os.scandir(str(folder)))
    except OSError:
        return removed
    now = time.time()
    for e in entries:
        pid = _tmp_pid(e.name)
        if pid is None or not e.name.startswith("."):
            continue
        try:
            age = now - e.stat(follow_symlinks=False).st_mtime
        except OSError:
            continue
        if (pid != os.getpid() and not _pid_alive(pid)) or age > STALE_AFTER_S:
            with contextlib.suppress(OSError):
                if e.is_dir(follow_symlinks=False):
                    shutil.rmtree(e.path, ignore_errors=True)
                else:
                    os.unlink(e.path)
                removed.append(Path(e.path))
    return removed


def tmp_name(target: Path) -> Path:
    """A recognisable temporary name beside ``target`` (same suffix, so drivers still match).

    ``;`` and ``!`` in the name become ``_``: pyogrio would write «a;b.gpkg» as «a»
    (:mod:`geoplan.io.gdalpath`); the rename to ``target`` keeps the user's name.
    """
    stem = target.stem.replace(";", "_").replace("!", "_")
    return target.parent / f".{stem}{TMP_TAG}{os.getpid()}-{secrets.token_hex(4)}{target.suffix}"


def _cannot_write(parent: Path, target: Path, err: OSError) -> UnreadableInput:
    from geoplan.errors import os_reason
    reason = os_reason(err, writing=True)
    return UnreadableInput(
        f"Kan ikke skrive {target.name} i mappen {parent}: {reason}. "
        "Velg en mappe du har skrivetilgang til.")


def writable_parent(target: Path) -> Path:
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.exists():
        raise UnreadableInput(
            f"Mappen {parent} finnes ikke, så {target.name} kan ikke skrives. "
            "Opprett mappen eller velg en annen utfil."
        )
    if not parent.is_dir():
        raise UnreadableInput(f"{parent} er ikke en mappe, så {target.name} kan ikke skrives der.")
    if target.is_dir():
        raise UnreadableInput(f"{target} er en mappe. Oppgi et filnavn for resultatet.")
    return parent


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike, *, option: str = "utfilen") -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it to ``target`` on success.

    The temporary name keeps the target's suffix, so drivers chosen by suffix
    (GeoPackage, GeoTIFF, PDF) work on it. ``target`` must not be an input of
    this run (:func:`refuse_input`); stale temporary files in the folder are
    removed first (:func:`sweep_stale`).
    """
    target = Path(target)
    refuse_input(target, option)
    parent = writable_parent(target)
    sweep_stale(parent)
    tmp_path = tmp_name(target)
    try:
        fd = os.open(tmp_path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        os.close(fd)
        tmp_path.unlink()  # let the writer create it (some drivers refuse an existing empty file)
    except OSError as e:
        raise _cannot_write(parent, target, e) from None
    try:
        yield tmp_path
        if not tmp_path.exists():
            raise UnreadableInput(f"Ingenting ble skrevet til {target}.")
        try:
            os.replace(tmp_path, target)
        except OSError as e:
            raise _cannot_write(parent, target, e) from None
    except BaseException:
        _remove_tmp(tmp_path)
        raise


def _remove_tmp(tmp_path: Path) -> None:
    """The temporary file and any sidecar a driver made (``-journal``, ``-wal``, ``.aux.xml``)."""
    for p in tmp_path.parent.glob(tmp_path.name + "*"):
        with contextlib.suppress(OSError):
            shutil.rmtree(p) if p.is_dir() else p.unlink()


def write_text_atomic(target: str | os.PathLike, text: str, *, option: str = "utfilen") -> Path:
    with atomic_path(target, option=option) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(target)


def write_bytes_atomic(target: str | os.PathLike, data: bytes, *, option: str = "utfilen") -> Path:
    with atomic_path(target, option=option) as tmp:
        tmp.write_bytes(data)
    return Path(target)


# ---------------------------------------------------------------------------
# GeoPackages that already exist
# ---------------------------------------------------------------------------

def existing_gpkg_layers(target: str | os.PathLike) -> list[str]:
    """Layer names of an existing GeoPackage ``target`` ([] when it does not exist).

    Raises :class:`UnreadableInput` when the file exists but is no GeoPackage
    (it would be lost).
    """
    import pyogrio

    from geoplan.io.gdalpath import gdal_path

    target = Path(target)
    if not target.exists():
        return []
    where = gdal_path(target)
    try:
        return [str(n) for n, _ in pyogrio.list_layers(where)]
    except Exception:
        raise UnreadableInput(
            f"«{target}» finnes og er ikke en GeoPackage geoplan kan lese. Den overskrives ikke; "
            "velg et annet filnavn.") from None


def gpkg_plan(target: str | os.PathLike, owned: Iterable[str]) -> tuple[list[str], list[str]]:
    """``(replaced, kept)``: the layers of an existing ``target`` a write of ``owned`` replaces and keeps."""
    owned = list(owned)
    have = existing_gpkg_layers(target)
    return [n for n in have if n in owned], [n for n in have if n not in owned]


def write_gpkg_layers(target: str | os.PathLike, layers: Iterable[tuple[str, object]], *,
                      owned: Iterable[str], option: str = "--out",
                      layer_options: Callable[[str], dict] | None = None,
                      ) -> tuple[list[str], list[str]]:
    """Write ``(name, GeoDataFrame)`` layers to ``target``, keeping its other layers.

    ``owned`` are every layer name the command writes; an owned layer that is
    empty this time is written empty when the old file had it (never a stale
    result beside a new one). The old file's other layers are kept unchanged.
    The write is atomic: a copy of the old file is changed and renamed into place.

    Returns ``(replaced, kept)`` layer names of the old file.
    """
    import pyogrio

    from geoplan.io.gdalpath import gdal_path, refuse_unwritable_folder

    refuse_unwritable_folder(target)
    replaced, kept = gpkg_plan(target, owned)
    with atomic_path(target, option=option) as tmp:
        if Path(target).exists():
            shutil.copyfile(target, tmp)
        for name, gdf in layers:
            if gdf is None:
                continue
            if len(gdf) == 0 and name not in replaced:  # type: ignore[arg-type]
                continue
            kw = layer_options(name) if layer_options else {}
            pyogrio.write_dataframe(gdf, gdal_path(tmp, writing=True), layer=name, driver="GPKG", **kw)
    return replaced, kept
