"""Zip archives: refuse unsafe ones before anything is extracted.

Uploads in the app and zipped Shapefiles on the command line both go through
:func:`check_zip` (only the archive's directory is read) and
:func:`safe_extract_zip` (every entry is written below the target folder).
"""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

from geoplan.errors import UnreadableInput


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
    except (zipfile.BadZipFile, OSError):
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
            f"Zip-filen «{path.name}» ville pakkes ut til {total / 2**20:,.0f} MB fra "
            f"{packed / 2**20:,.1f} MB. Det er mer enn tillatt, og filen er avvist "
            "(mulig «zip-bombe»).".replace(",", " "))
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
            with zf.open(info) as src, open(target, "wb") as out:
                shutil.copyfileobj(src, out)
    return dest
