"""Buildings, dwelling counts and municipal units of the synthetic municipalities.

Integer allocations that hit a total exactly (largest remainder), building
sizes from urbanity, grunnkrets sums, the weighted choice of buildings that
hold municipal units, and invented street addresses (the demo holds no real
person's home). Generic; shared with ``bench/make_oslo.py``.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np


def allocate_counts(weights: np.ndarray, total: int, rng: np.random.Generator) -> np.ndarray:
    """Integers ≥ 0 proportional to ``weights`` summing exactly to ``total`` (largest remainder)."""
    w = np.asarray(weights, float)
    if total <= 0 or w.sum() <= 0:
        return np.zeros(len(w), int)
    raw = w / w.sum() * total
    base = np.floor(raw).astype(int)
    rest = total - base.sum()
    frac = raw - base + rng.uniform(0, 1e-9, len(w))
    base[np.argsort(-frac, kind="stable")[:rest]] += 1
    return base


def building_sizes(rng: np.random.Generator, u: np.ndarray) -> np.ndarray:
    """Dwellings per building from urbanity ``u`` (0..1): mostly houses, blocks in centres."""
    n = len(u)
    r = rng.random(n)
    p_block = 0.004 + 0.07 * u
    p_small = 0.03 + 0.10 * u
    p_two = 0.13
    size = np.ones(n, int)
    two = r < p_two
    size[two] = 2
    small = (r >= p_two) & (r < p_two + p_small)
    size[small] = rng.integers(3, 7, small.sum())
    blk = (r >= p_two + p_small) & (r < p_two + p_small + p_block)
    size[blk] = rng.integers(8, 41, blk.sum())
    return size


def take_to_total(sizes: np.ndarray, total: int) -> np.ndarray:
    """A prefix of ``sizes`` (last one trimmed) that sums exactly to ``total``."""
    cs = np.cumsum(sizes)
    k = int(np.searchsorted(cs, total))  # first index with cs >= total
    if k >= len(sizes):
        raise ValueError("for få bygninger til å nå totalen")
    out = sizes[: k + 1].copy()
    out[-1] -= cs[k] - total
    if out[-1] <= 0:
        out = out[:-1]
    return out


def aggregate_grunnkrets(grunnkrets: gpd.GeoDataFrame, bygning: gpd.GeoDataFrame,
                         population: int, rng: np.random.Generator) -> gpd.GeoDataFrame:
    """Set ``antall_boliger`` (sum of the buildings inside) and ``befolkning`` (sums to ``population``)."""
    j = gpd.sjoin(bygning[["antall_boliger", "geometry"]], grunnkrets[["geometry"]],
                  predicate="within", how="inner")
    j = j[~j.index.duplicated(keep="first")]
    dw = j.groupby("index_right")["antall_boliger"].sum()
    g = grunnkrets.copy()
    g["antall_boliger"] = dw.reindex(g.index).fillna(0).astype("int64")
    ratio = rng.uniform(1.6, 2.6, len(g))
    g["befolkning"] = allocate_counts(g["antall_boliger"].to_numpy() * ratio, population, rng).astype("int64")
    return g



STREET_A = ["Bjørke", "Furu", "Gran", "Eike", "Lønne", "Hassel", "Rogn", "Selje", "Or", "Linde",
            "Aske", "Hegg", "Alm", "Bøke", "Eple", "Kirsebær", "Syrin", "Måke", "Ærfugl", "Tjeld",
            "Sjø", "Fjell", "Åker", "Stein", "Kvern", "Smie", "Skole", "Kirke", "Torv", "Havne"]
STREET_B = ["veien", "stien", "lia", "bakken", "tunet", "gata", "åsen", "kroken", "jordet",
            "haugen", "svingen", "lunden"]


def fake_addresses(rng: np.random.Generator, n: int) -> list[str]:
    """Invented street addresses (not real ones: the demo holds no real persons' homes)."""
    a = rng.integers(0, len(STREET_A), n)
    b = rng.integers(0, len(STREET_B), n)
    no = rng.integers(1, 80, n)
    return [f"{STREET_A[i]}{STREET_B[j]} {k}" for i, j, k in zip(a, b, no)]


def pick_weighted(rng: np.random.Generator, weights: np.ndarray, k: int) -> np.ndarray:
    """``k`` distinct indices drawn with probability proportional to ``weights``."""
    w = np.asarray(weights, float)
    k = min(k, int((w > 0).sum()))
    return rng.choice(len(w), size=k, replace=False, p=w / w.sum())


def fill_units(rng: np.random.Generator, capacity: np.ndarray, order: np.ndarray, total: int,
               max_per: int) -> np.ndarray:
    """Units per building in ``order`` (1..min(capacity, max_per)) until ``total`` is reached."""
    units = np.zeros(len(capacity), int)
    left = total
    draws = rng.integers(1, max_per + 1, len(order))
    for i, d in zip(order, draws):  # a few hundred chosen buildings, not a hot path
        if left <= 0:
            break
        u = int(min(d, capacity[i], left))
        units[i] = u
        left -= u
    if left > 0:  # top up where capacity remains
        for i in order:
            if left <= 0:
                break
            add = int(min(capacity[i] - units[i], left))
            units[i] += add
            left -= add
    return units

