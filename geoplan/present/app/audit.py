"""An append-only log of what leaves the app: sign-ins, downloads, saved assessments.

One JSON object per line (``auth.audit_file``; default
``~/.local/state/geoplan/logg.jsonl``), readable by the server's user only. A
line is written with one ``write`` call on a file opened for appending, so lines
from concurrent sessions do not interleave.
"""

from __future__ import annotations

import json
import logging
import os
from datetime import datetime, timezone
from typing import Any

_logger = logging.getLogger("geoplan.audit")


def log_to(path, user, action: str, **detail: Any) -> None:
    entry = {"tid": datetime.now(timezone.utc).isoformat(timespec="seconds"),
             "bruker": getattr(user, "name", str(user)), "rolle": getattr(user, "role", ""),
             "handling": action, **detail}
    line = json.dumps(entry, ensure_ascii=False, default=str) + "\n"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line.encode("utf-8"))
        finally:
            os.close(fd)
    except OSError as e:  # the log must not take the app down; the server log says so
        _logger.error("Kunne ikke skrive til loggen %s: %s", path, e.strerror)


def log(user, action: str, **detail: Any) -> None:
    """Log ``action`` by ``user`` to the configured audit file."""
    from geoplan.present.app import login
    log_to(login.settings().audit_file, user, action, **detail)


def log_download(what: str, fmt: str, name: str | None = None) -> None:
    """``on_click`` of a download button: who downloaded what."""
    from geoplan.present.app.login import current_user
    log(current_user(), "nedlasting", hva=what, format=fmt, **({"navn": name} if name else {}))
