"""Safe output: never a half-written file.

Everything geoplan writes goes through :func:`atomic_path`: the writer fills
a temporary file beside the target, and only a complete file is renamed into
place (``os.replace`` is atomic on one file system). On any error the
temporary file is removed and the old target, if any, is left untouched.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Iterator

from geoplan.errors import UnreadableInput


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it to ``target`` on success.

    The temporary name keeps the target's suffix, so drivers chosen by suffix
    (GeoPackage, GeoTIFF, PDF) work on it.
    """
    target = Path(target)
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.exists():
        raise UnreadableInput(
            f"Mappen {parent} finnes ikke, så {target.name} kan ikke skrives. "
            "Opprett mappen eller velg en annen utfil."
        )
    fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=target.suffix,
                               dir=parent)
    os.close(fd)
    tmp_path = Path(tmp)
    tmp_path.unlink()  # let the writer create it (some drivers refuse an existing empty file)
    try:
        yield tmp_path
        if not tmp_path.exists():
            raise UnreadableInput(f"Ingenting ble skrevet til {target}.")
        os.replace(tmp_path, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp_path.unlink()
        raise


def write_text_atomic(target: str | os.PathLike, text: str) -> Path:
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(target)


def write_bytes_atomic(target: str | os.PathLike, data: bytes) -> Path:
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)
    return Path(target)
