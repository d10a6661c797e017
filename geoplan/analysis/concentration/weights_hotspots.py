"""Spatial weights on grunnkretser and local clusters (Getis-Ord Gi*).

esda gives the statistic; the p-values come from a vectorised conditional
permutation (:func:`_gi_star_permutation_p`).
"""

from __future__ import annotations

import warnings
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from geoplan.analysis.concentration._arrays import _CHUNK_PAIRS, COLD, HOT, NOT_SIGNIFICANT
from geoplan.analysis.concentration.indices import _binary_copy
from geoplan.errors import ConfigError

__all__ = ["grunnkrets_weights", "gi_star"]


def grunnkrets_weights(grunnkretser: gpd.GeoDataFrame, neighbours: str | None = None,
                       k: int | None = None) -> Any:
    """Binary spatial weights on grunnkretser (ids 0..n-1 in row order).

    ``queen``: shared edge or corner; grunnkretser without neighbours (islands)
    are joined to their nearest grunnkrets. ``knn``: the ``k`` nearest centroids.
    By default ``concentration.klynge_naboer`` and ``klynge_knn_k`` of the shipped
    config. Returns a ``libpysal.weights.W``.
    """
    from libpysal.weights import KNN, Queen, attach_islands

    if neighbours is None or k is None:
        st = _shipped()
        neighbours = st.neighbours if neighbours is None else neighbours
        k = st.knn_k if k is None else k
    n = len(grunnkretser)
    g = gpd.GeoDataFrame(geometry=grunnkretser.geometry.reset_index(drop=True))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if neighbours == "knn":
            kk = max(1, min(int(k), n - 1))
            cen = g.set_geometry(g.geometry.centroid)
            return KNN.from_dataframe(cen, k=kk, use_index=False)
        if neighbours != "queen":
            raise ConfigError(
                f"Ukjent naboskap «{neighbours}» (concentration.klynge_naboer): bruk «queen» eller «knn».")
        w = Queen.from_dataframe(g, use_index=False, silence_warnings=True)
        if w.islands and n > 1:
            cen = g.set_geometry(g.geometry.centroid)
            w = attach_islands(w, KNN.from_dataframe(cen, k=1, use_index=False))
    return w


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
    w : libpysal.weights.W
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
        ``gi`` (the statistic, esda ``G_Local(star=True, transform="B")``),
        ``gi_z`` (analytical z-score), ``p_verdi`` and ``klynge``
        (``varm flekk`` / ``kald flekk`` / ``ikke signifikant``), one row per unit.
    """
    import esda
    from scipy import stats

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
    wb = _binary_copy(w)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        g = esda.G_Local(y, wb, transform="B", star=True, permutations=0)
    card = np.asarray([len(wb.neighbors[i]) for i in wb.id_order], dtype=np.int64)
    gs = np.asarray(g.Gs, dtype=float)
    z = np.asarray(g.Zs, dtype=float)
    if permutations:
        p = _gi_star_permutation_p(y, card, gs, permutations, seed)
    else:
        p = stats.norm.sf(np.abs(z))
    sig = np.nan_to_num(p, nan=1.0) <= alpha
    kl = np.where(sig & (z > 0), HOT, np.where(sig & (z < 0), COLD, NOT_SIGNIFICANT))
    return pd.DataFrame({"gi": gs, "gi_z": z, "p_verdi": p, "klynge": kl})




def _shipped() -> Any:
    """The shipped concentration settings (for calls without parameters)."""
    from geoplan.config.concentration import ConcentrationSettings

    return ConcentrationSettings.from_config()
