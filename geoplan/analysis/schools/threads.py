"""The school sets of the circle and walking analyses, side by side on threads.

Every set of schools (the geometries that share the same schools) is measured on
its own with GEOS, scipy and numpy calls, which release the GIL; the answers do not
depend on the threads or on their order.
"""

from __future__ import annotations

from typing import Callable, Sequence, TypeVar

from geoplan._cores import usable_cores

T = TypeVar("T")
R = TypeVar("R")

#: threads for the school sets when a call gives none (None: the usable cores, at most 4;
#: 1: in turn, as the benchmark's serial run)
WORKERS: int | None = None


def map_sets(fn: Callable[[T], R], items: Sequence[T], workers: int | None = None,
             cost: Sequence[float] | None = None) -> list[R]:
    """``[fn(x) for x in items]``, on ``workers`` threads (default: :data:`WORKERS`, else
    the usable cores, at most 4), results in the order of ``items``.

    ``cost``: a rough cost of each item (e.g. its number of geometries). The costliest
    start first, so that no large set is left for the end while the other threads
    idle (longest processing time first); without it the items start in order.
    """
    if workers is None:
        workers = WORKERS
    if workers is None:
        workers = min(4, usable_cores())
    if workers <= 1 or len(items) <= 1:
        return [fn(x) for x in items]
    order = list(range(len(items)))
    if cost is not None:
        order.sort(key=lambda i: -float(cost[i]))
    from concurrent.futures import ThreadPoolExecutor
    out: list = [None] * len(items)
    with ThreadPoolExecutor(max_workers=workers) as ex:
        for i, r in zip(order, ex.map(lambda i: fn(items[i]), order)):
            out[i] = r
    return out
