"""Zip archives: refuse unsafe ones before anything is extracted.

Uploads in the app and zipped Shapefiles on the command line both go through
:func:`check_zip` (only the archive's directory is read) and
:func:`safe_extract_zip` (every entry is written below the target folder, each
entry's checksum verified).

Extractions are temporary and never outlive their use
(:func:`extraction_dir`): a zip that itself lies in a temporary folder (an
app upload in its session folder) is extracted inside that folder, so it goes
when the session's folder goes; any other zip is extracted under the system's
temporary folder in a folder named ``geoplan-zip-<pid>-...``, removed when the
dataset that reads from it is dropped, when the process exits (errors
included), and -- for a process that was killed -- by the next run
(:func:`sweep_extractions`).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import re
import shutil
import tempfile
import weakref
import zipfile
import zlib
from pathlib import Path

from geoplan.errors import UnreadableInput
from geoplan.numbers import fixed

#: prefix of the folders zips are extracted to
EXTRACT_PREFIX = "geoplan-zip-"
_LIVE: set[str] = set()


def _remove_all() -> None:
    for d in list(_LIVE):
        remove_extraction(d)


atexit.register(_remove_all)


def remove_extraction(folder: str | os.PathLike) -> None:
    """Delete an extraction folder (idempotent)."""
    shutil.rmtree(folder, ignore_errors=True)
    _LIVE.discard(str(folder))


def live_extractions() -> list[Path]:
    """The extraction folders this process still holds."""
    return [Path(d) for d in sorted(_LIVE) if Path(d).exists()]


class _Holder:
    """Keeps an extraction folder alive; the folder is removed when the last holder goes."""

    def __init__(self, folder: str):
        self.folder = folder
        weakref.finalize(self, remove_extraction, folder)


_HOLDERS: "weakref.WeakValueDictionary[str, _Holder]" = weakref.WeakValueDictionary()


def hold(paths) -> list[_Holder]:
    """Holders for the live extraction folders ``paths`` lie in (a Dataset keeps them).

    While an object keeps the returned holders, the folders stay; when the last
    holder of a folder is garbage-collected, the folder is removed.
    """
    out = []
    for p in paths:
        rp = str(Path(p).resolve())
        for d in list(_LIVE):
            if rp.startswith(str(Path(d).resolve()) + os.sep):
                h = _HOLDERS.get(d)
                if h is None:
                    h = _HOLDERS[d] = _Holder(d)
                if h not in out:
                    out.append(h)
    return out


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def sweep_extractions(root: str | os.PathLike | None = None) -> list[Path]:
    """Remove extraction folders left under ``root`` (the system temp) by processes that are gone."""
    root = Path(root or tempfile.gettempdir())
    removed = []
    with contextlib.suppress(OSError):
        for e in os.scandir(root):
            m = re.match(rf"^\.?{EXTRACT_PREFIX}(\d+)-", e.name)
            if m and e.is_dir(follow_symlinks=False) and int(m.group(1)) != os.getpid() \
                    and not _pid_alive(int(m.group(1))):
                shutil.rmtree(e.path, ignore_errors=True)
                removed.append(Path(e.path))
    return removed


def extraction_dir(zip_path: str | os.PathLike) -> Path:
    """A new private folder to extract ``zip_path`` into (see the module's docstring).

    The folder is removed at process exit at the latest; call
    :func:`remove_extraction` to remove it earlier.
    """
    zip_path = Path(zip_path).resolve()
    tmp_root = Path(tempfile.gettempdir()).resolve()
    sweep_extractions(tmp_root)
    inside_tmp = zip_path.parent != tmp_root and zip_path.is_relative_to(tmp_root)
    where = zip_path.parent if inside_tmp else tmp_root
    prefix = f"{'.' if inside_tmp else ''}{EXTRACT_PREFIX}{os.getpid()}-"
    try:
        d = tempfile.mkdtemp(prefix=prefix, dir=where)
    except OSError:
        d = tempfile.mkdtemp(prefix=f"{EXTRACT_PREFIX}{os.getpid()}-", dir=tmp_root)
    os.chmod(d, 0o700)
    _LIVE.add(d)
    return Path(d)


def _mb(n_bytes: int, decimals: int = 1) -> str:
    """Megabytes the Norwegian way (non-breaking thousands, decimal comma)."""
    return fixed(n_bytes / 2**20, decimals)


def check_zip(path: Path, *, max_bytes: int = 500 * 2**20, max_ratio: float = 200.0,
              max_files: int = 2000) -> list[zipfile.ZipInfo]:
    """Refuse unsafe zip archives before anything is extracted.

    Refused: entries with absolute paths, drive letters or ``..``; more than
    ``max_files`` entries; archives that unpack to more than ``max_bytes`` or
    to more than ``max_ratio`` times their own size (zip bombs). Only the
    archive's directory is read. Returns the entries.
    """
    path = Path(path)
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise UnreadableInput(
            f"«{path.name}» er ikke en gyldig zip-fil. Pakk filene på nytt og prøv igjen."
        ) from None
    if len(infos) > max_files:
        raise UnreadableInput(f"Zip-filen «{path.name}» har for mange filer ({len(infos)}).")
    total = 0
    for info in infos:
        name = info.filename.replace("\\", "/")
        if name.startswith("/") or re.match(r"^[A-Za-z]:", name) or ".." in name.split("/"):
            raise UnreadableInput(
                f"Zip-filen «{path.name}» inneholder en fil med ulovlig sti («{info.filename}»). "
                "Filen er avvist av sikkerhetshensyn; pakk dataene på nytt uten mappestier.")
        total += info.file_size
    packed = max(path.stat().st_size, 1)
    if total > max_bytes or total / packed > max_ratio:
        raise UnreadableInput(
            f"Zip-filen «{path.name}» ville pakkes ut til {_mb(total, 0)} MB fra "
            f"{_mb(packed)} MB. Det er mer enn tillatt, og filen er avvist "
            "(mulig «zip-bombe»).")
    return infos


def safe_extract_zip(path: Path, dest: Path, *, max_bytes: int = 500 * 2**20,
                     max_ratio: float = 200.0, max_files: int = 2000) -> Path:
    """Extract a zip archive that passes :func:`check_zip` into ``dest``."""
    infos = check_zip(path, max_bytes=max_bytes, max_ratio=max_ratio, max_files=max_files)
    dest.mkdir(parents=True, exist_ok=True)
    root = str(dest.resolve())
    with zipfile.ZipFile(path) as zf:
        for info in infos:
            if info.is_dir():
                continue
            target = (dest / info.filename).resolve()
            if not str(target).startswith(root):
                raise UnreadableInput(f"Zip-filen {path.name} prøver å skrive utenfor mappen.")
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                with zf.open(info) as src, open(target, "wb") as out:
                    shutil.copyfileobj(src, out)
            except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError):
                raise UnreadableInput(
                    f"Zip-filen «{path.name}» er skadet: «{info.filename}» kan ikke pakkes ut "
                    "(feil sjekksum, avkortet eller en komprimering/kryptering som ikke støttes). "
                    "Pakk dataene på nytt og prøv igjen.") from None
    return dest
