"""Spatial weights on grunnkretser and local clusters (Getis-Ord Gi*), in numpy and shapely.

Queen and KNN weights and the Gi* statistic are computed here with the definitions of
libpysal (``Queen``: a shared boundary vertex; ``KNN``: the k nearest centroids;
``attach_islands``) and esda (``G_Local(star=True, transform="B")``), which stay the
reference the tests compare against: importing PySAL costs 2-4 s per command for
milliseconds of work. The p-values come from a vectorised conditional permutation
(:func:`_gi_star_permutation_p`).
"""

from __future__ import annotations

import math
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import ArrayLike

from geoplan.analysis.concentration._arrays import _CHUNK_PAIRS, COLD, HOT, NOT_SIGNIFICANT
from geoplan.errors import ConfigError

__all__ = ["BinaryWeights", "grunnkrets_weights", "gi_star"]


class BinaryWeights:
    """Binary spatial weights on units 0..n-1: ``neighbors[i]`` lists the neighbours of i.

    The attributes geoplan reads from a ``libpysal.weights.W`` (``neighbors``,
    ``id_order``, ``n``, ``islands``, ``cardinalities``, ``sparse``), without libpysal;
    :meth:`to_libpysal` gives the libpysal object (for esda/segregation as reference).
    """

    def __init__(self, neighbors: dict[int, list[int]], n: int):
        self.n = int(n)
        self.neighbors = {i: sorted(int(j) for j in neighbors.get(i, ())) for i in range(self.n)}
        self.id_order = list(range(self.n))

    @property
    def islands(self) -> list[int]:
        return [i for i in self.id_order if not self.neighbors[i]]

    @property
    def cardinalities(self) -> dict[int, int]:
        return {i: len(v) for i, v in self.neighbors.items()}

    def coo(self) -> tuple[np.ndarray, np.ndarray]:
        """``(rows, cols)``: one entry per (unit, neighbour)."""
        rows = np.repeat(np.arange(self.n, dtype=np.int64),
                         [len(self.neighbors[i]) for i in self.id_order])
        cols = np.fromiter((j for i in self.id_order for j in self.neighbors[i]), dtype=np.int64,
                           count=len(rows))
        return rows, cols

    @property
    def sparse(self) -> Any:
        """The weights as a ``scipy.sparse`` CSR matrix (ones)."""
        from scipy import sparse

        rows, cols = self.coo()
        return sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(self.n, self.n))

    def to_libpysal(self) -> Any:
        """The same weights as a ``libpysal.weights.W`` (imports libpysal)."""
        from libpysal.weights import W

        return W({i: list(v) for i, v in self.neighbors.items()}, id_order=list(self.id_order),
                 silence_warnings=True)


def queen_weights(geoms: Any) -> BinaryWeights:
    """Queen contiguity as libpysal builds it: two polygons are neighbours when their
    boundaries (outer and inner rings) share a vertex with exactly the same coordinates."""
    arr = np.asarray(geoms, dtype=object)
    n = len(arr)
    xy, owner = shapely.get_coordinates(shapely.boundary(arr), return_index=True)
    nb: dict[int, list[int]] = {i: [] for i in range(n)}
    if len(xy):
        _, vid = np.unique(xy, axis=0, return_inverse=True)
        vp = pd.DataFrame({"v": vid.ravel(), "p": owner}).drop_duplicates()
        vp = vp[vp.duplicated("v", keep=False)]  # vertices of two or more polygons
        pairs = vp.merge(vp, on="v")[["p_x", "p_y"]].drop_duplicates()
        pairs = pairs[pairs["p_x"] != pairs["p_y"]]
        for a, b in zip(pairs["p_x"].to_numpy(), pairs["p_y"].to_numpy()):
            nb[int(a)].append(int(b))
    return BinaryWeights(nb, n)


def knn_weights(points: Any, k: int) -> BinaryWeights:
    """The ``k`` nearest points of each point (libpysal ``KNN``: itself excluded, directed)."""
    from scipy.spatial import cKDTree

    xy = shapely.get_coordinates(np.asarray(points, dtype=object))
    n = len(xy)
    k = max(1, min(int(k), n - 1))
    _, ind = cKDTree(xy).query(xy, k=k + 1)
    ind = np.asarray(ind).reshape(n, k + 1)
    not_self = ind != np.arange(n)[:, None]
    not_self[not_self.sum(axis=1) == k + 1, -1] = False  # self not among them: drop the farthest
    return BinaryWeights({i: list(ind[i][not_self[i]]) for i in range(n)}, n)


def attach_islands(w: BinaryWeights, points: Any) -> BinaryWeights:
    """Units without neighbours joined to their nearest unit, both ways (libpysal
    ``attach_islands`` with ``KNN(k=1)``)."""
    if not w.islands:
        return w
    nearest = knn_weights(points, 1)
    nb = {i: list(v) for i, v in w.neighbors.items()}
    for i in w.islands:
        j = nearest.neighbors[i][0]
        nb[i] = [j]
        nb[j] = nb[j] + [i]
    return BinaryWeights(nb, w.n)


def grunnkrets_weights(grunnkretser: gpd.GeoDataFrame, neighbours: str | None = None,
                       k: int | None = None) -> BinaryWeights:
    """Binary spatial weights on grunnkretser (ids 0..n-1 in row order).

    ``queen``: shared edge or corner; grunnkretser without neighbours (islands)
    are joined to their nearest grunnkrets. ``knn``: the ``k`` nearest centroids.
    By default ``concentration.klynge_naboer`` and ``klynge_knn_k`` of the shipped
    config. Returns a :class:`BinaryWeights` (the libpysal ``Queen``/``KNN`` weights,
    without libpysal).
    """
    if neighbours is None or k is None:
        st = _shipped()
        neighbours = st.neighbours if neighbours is None else neighbours
        k = st.knn_k if k is None else k
    n = len(grunnkretser)
    geoms = grunnkretser.geometry.to_numpy()
    if neighbours == "knn":
        return knn_weights(shapely.centroid(geoms), int(k))  # type: ignore[arg-type]
    if neighbours != "queen":
        raise ConfigError(
            f"Ukjent naboskap «{neighbours}» (concentration.klynge_naboer): bruk «queen» eller «knn».")
    w = queen_weights(geoms)
    if w.islands and n > 1:
        w = attach_islands(w, shapely.centroid(geoms))
    return w


def gi_star_statistic(y: np.ndarray, w: Any) -> tuple[np.ndarray, np.ndarray]:
    """``(Gs, Zs)``: Getis-Ord Gi* with binary weights and itself included, and its
    analytical z-score, as esda's ``G_Local(star=True, transform="B")`` computes them."""
    n = len(y)
    rows, cols = w.coo() if hasattr(w, "coo") else _coo_of(w)
    card = np.bincount(rows, minlength=n).astype(float) + 1.0  # the unit itself
    s = y.sum()
    gs = (np.bincount(rows, weights=y[cols], minlength=n) + y) / s
    mean = s / n
    var = (y ** 2).sum() / n - mean ** 2
    ev = card / n
    vv = card * (n - card) / (n - 1) / n ** 2 * var / mean ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (gs - ev) / np.sqrt(vv)
    return gs, z


def _coo_of(w: Any) -> tuple[np.ndarray, np.ndarray]:
    pos = {k: i for i, k in enumerate(w.id_order)}
    pairs = [(pos[k], pos[j]) for k in w.id_order for j in w.neighbors[k]]
    a = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    return a[:, 0], a[:, 1]


def _gi_star_permutation_p(y: np.ndarray, card: np.ndarray, gs: np.ndarray,
                           permutations: int, seed: int) -> np.ndarray:
    """Pseudo p-values of Gi* (binary weights, self included) by conditional randomisation.

    For each unit i, y_i stays and its k_i neighbours are drawn without
    replacement from the other n − 1 values, ``permutations`` times (one shared
    set of random draws, as esda does). p = (min(#sim ≥ obs, #sim < obs) + 1) /
    (permutations + 1), esda's folded ("directed") convention. Vectorised over
    units in memory-bounded chunks.
    """
    n = len(y)
    P = int(permutations)
    K = int(card.max()) if n else 0
    if n < 2 or P == 0 or K == 0:
        return np.full(n, np.nan)
    rng = np.random.default_rng(seed)
    K = min(K, n - 1)
    rids = rng.permuted(np.tile(np.arange(n - 1), (P, 1)), axis=1)[:, :K]  # (P, K)
    ysum = y.sum()
    larger = np.zeros(n)
    step = max(1, _CHUNK_PAIRS // (P * K))
    kk = np.minimum(card, K)
    for s in range(0, n, step):
        ii = np.arange(s, min(n, s + step))
        idx = rids[None, :, :] + (rids[None, :, :] >= ii[:, None, None])  # skip i itself
        cs = np.cumsum(y[idx], axis=2)  # (c, P, K)
        k = kk[ii]
        picked = cs[np.arange(len(ii))[:, None], np.arange(P)[None, :], np.maximum(k - 1, 0)[:, None]]
        picked = np.where((k > 0)[:, None], picked, 0.0)
        sim = (y[ii][:, None] + picked) / ysum
        larger[ii] = (sim >= gs[ii][:, None] - 1e-12 * np.abs(gs[ii][:, None])).sum(axis=1)
    low = (P - larger) < larger
    larger[low] = P - larger[low]
    return (larger + 1.0) / (P + 1.0)


def gi_star(y: ArrayLike, w: Any, *, permutations: int | None = None,
            seed: int | None = None, alpha: float | None = None) -> pd.DataFrame:
    """Getis-Ord Gi* with permutation p-values.

    Parameters
    ----------
    y : array-like
        Values per unit (here municipal share in %, ≥ 0).
    w : BinaryWeights or libpysal.weights.W
        Binary weights (self is added: Gi*).
    permutations : int, optional
        Conditional permutations for ``p_verdi`` (0 = analytical normal p-value).
    seed : int, optional
        Seed of the permutations (the result is reproducible).
    alpha : float, optional
        Significance level for ``klynge``.

    The three default to ``concentration.klynge_permutasjoner``, ``klynge_seed``
    and ``klynge_signifikans`` of the shipped config.

    Returns
    -------
    DataFrame
        ``gi`` (the statistic, as esda ``G_Local(star=True, transform="B")``),
        ``gi_z`` (analytical z-score), ``p_verdi`` and ``klynge``
        (``varm flekk`` / ``kald flekk`` / ``ikke signifikant``), one row per unit.
    """
    if permutations is None or seed is None or alpha is None:
        st = _shipped()
        permutations = st.permutations if permutations is None else permutations
        seed = st.seed if seed is None else seed
        alpha = st.alpha if alpha is None else alpha
    y = np.asarray(y, dtype=float)
    n = len(y)
    if n < 3 or not np.isfinite(y).all() or y.sum() <= 0 or np.allclose(y, y[0]):
        return pd.DataFrame({"gi": np.full(n, np.nan), "gi_z": np.full(n, np.nan),
                             "p_verdi": np.full(n, np.nan), "klynge": [NOT_SIGNIFICANT] * n})
    gs, z = gi_star_statistic(y, w)
    card = np.asarray([len(set(w.neighbors[i])) for i in w.id_order], dtype=np.int64)
    if permutations:
        p = _gi_star_permutation_p(y, card, gs, permutations, seed)
    else:  # the normal upper tail of |z|
        p = np.array([0.5 * math.erfc(abs(v) / math.sqrt(2)) if np.isfinite(v) else np.nan for v in z])
    sig = np.nan_to_num(p, nan=1.0) <= alpha
    kl = np.where(sig & (z > 0), HOT, np.where(sig & (z < 0), COLD, NOT_SIGNIFICANT))
    return pd.DataFrame({"gi": gs, "gi_z": z, "p_verdi": p, "klynge": kl})




def _shipped() -> Any:
    """The shipped concentration settings (for calls without parameters)."""
    from geoplan.config.concentration import ConcentrationSettings

    return ConcentrationSettings.from_config()
