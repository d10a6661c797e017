"""The cores this process may run on (its CPU affinity where the system has one)."""

from __future__ import annotations

import os


def usable_cores() -> int:
    """The cores this process may use: its affinity mask on Linux (a container or
    ``taskset`` may allow fewer than the machine has), else ``os.cpu_count()``."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1
