"""A progress bar on stderr, drawn only when stderr is a terminal (never in pipes, logs or JSON)."""

from __future__ import annotations

import sys
import time


class Progress:
    """``with Progress("Leser filer", total) as p: p.update(i)``; silent when not on a terminal."""

    def __init__(self, label: str, total: int, stream=None, width: int = 30):
        self.label, self.total, self.width = label, max(int(total), 1), width
        self.stream = stream if stream is not None else sys.stderr
        self.active = bool(getattr(self.stream, "isatty", lambda: False)())
        self._last = 0.0

    def update(self, done: int, what: str = "") -> None:
        if not self.active:
            return
        now = time.monotonic()
        if done < self.total and now - self._last < 0.1:
            return
        self._last = now
        frac = min(max(done / self.total, 0.0), 1.0)
        bar = "█" * int(frac * self.width) + "·" * (self.width - int(frac * self.width))
        tail = f" {what[:40]}" if what else ""
        self.stream.write(f"\r{self.label} [{bar}] {done}/{self.total}{tail}\x1b[K")
        self.stream.flush()

    def __enter__(self) -> "Progress":
        self.update(0)
        return self

    def __exit__(self, *exc) -> None:
        if self.active:
            self.update(self.total)
            self.stream.write("\n")
            self.stream.flush()
