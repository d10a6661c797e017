"""The school sets on threads: results in the order given, costliest first, and the
circle coverage the same on one thread and on several."""

from __future__ import annotations

import threading
import time

import numpy as np
import shapely

from geoplan.analysis.schools.circles import circle_coverage
from geoplan.analysis.schools.threads import map_sets


def test_results_keep_the_order_of_the_items_whatever_the_cost():
    items = list(range(12))
    cost = [i % 5 for i in items]
    assert map_sets(lambda x: x * x, items, workers=3, cost=cost) == [x * x for x in items]
    assert map_sets(lambda x: x * x, items, workers=1, cost=cost) == [x * x for x in items]


def test_the_costliest_items_start_first():
    started: list[int] = []
    lock = threading.Lock()

    def fn(x):
        with lock:
            started.append(x)
        time.sleep(0.01)
        return x
    cost = [1, 9, 3, 7, 5]
    map_sets(fn, [0, 1, 2, 3, 4], workers=2, cost=cost)
    # two threads: the two costliest start before the rest, the cheapest last
    assert set(started[:2]) == {1, 3}
    assert started[-1] == 0


def test_circle_coverage_is_the_same_on_one_thread_and_on_several():
    rng = np.random.default_rng(3)
    xy = rng.uniform(0, 6000, (9, 2)) + (500_000, 6_600_000)
    c = rng.uniform(0, 6000, (60, 2)) + (500_000, 6_600_000)
    geoms = shapely.buffer(shapely.points(c), rng.uniform(50, 900, 60), quad_segs=6)
    sets = [tuple(sorted(rng.choice(9, size=int(rng.integers(1, 4)), replace=False).tolist()))
            for _ in range(60)]
    one = circle_coverage(geoms, xy, sets, 1500.0, workers=1)
    many = circle_coverage(geoms, xy, sets, 1500.0, workers=4)
    for col in ("innenfor_daa", "utenfor_daa", "maks_avstand_m"):
        assert np.array_equal(one[col].to_numpy(), many[col].to_numpy(), equal_nan=True), col
    assert all(shapely.equals_exact(a, b, 0.0) or (a.is_empty and b.is_empty)
               for a, b in zip(one["geom_innenfor"], many["geom_innenfor"]))
    assert len({s for s in sets}) > 10       # many sets, so the threads had work to share
