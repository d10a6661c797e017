"""Global segregation indices: PySAL ``segregation``, and numpy twins for the what-if.

The municipal units against all dwellings per grunnkrets: dissimilarity (D),
isolation (xPx) and Morrill's spatial dissimilarity.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

__all__ = ["dissimilarity", "isolation", "spatial_dissimilarity", "global_indices"]


def dissimilarity(m: ArrayLike, t: ArrayLike) -> float:
    """Dissimilarity index D = ½ Σ |m_i/M − o_i/O|, o = t − m (numpy; same as PySAL ``Dissim``).

    Parameters
    ----------
    m, t : array-like
        Municipal units and all dwellings per unit area (counts, m ≤ t).

    Returns
    -------
    float
        D in [0, 1], NaN when M = 0 or O = 0.
    """
    m = np.asarray(m, float)
    o = np.asarray(t, float) - m
    m_total, o_total = m.sum(), o.sum()
    if m_total <= 0 or o_total <= 0:
        return float("nan")
    return float(0.5 * np.abs(m / m_total - o / o_total).sum())


def isolation(m: ArrayLike, t: ArrayLike) -> float:
    """Isolation index xPx = Σ (m_i/M)(m_i/t_i) (numpy; same as PySAL ``Isolation``).

    Units with t_i = 0 contribute nothing. NaN when M = 0.
    """
    m = np.asarray(m, float)
    t = np.asarray(t, float)
    M = m.sum()
    if M <= 0:
        return float("nan")
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(t > 0, m / t, 0.0)
    return float(((m / M) * r).sum())


def spatial_dissimilarity(m: ArrayLike, t: ArrayLike, w_rows: np.ndarray, w_cols: np.ndarray,
                          w_vals: np.ndarray) -> float:
    """Morrill's spatial dissimilarity D − Σ c_ij |p_i − p_j| / Σ c_ij (binary contiguity c).

    Same as PySAL ``SpatialDissim`` (not row-standardised); the weights are
    given as coordinate arrays of the sparse matrix.
    """
    D = dissimilarity(m, t)
    if math.isnan(D):
        return D
    m = np.asarray(m, float)
    t = np.asarray(t, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(t > 0, m / t, 0.0)
    den = float(np.sum(w_vals))
    if den <= 0:
        return float("nan")
    return float(D - np.sum(w_vals * np.abs(p[w_rows] - p[w_cols])) / den)


def global_indices(m: ArrayLike, t: ArrayLike, geometry: Any = None, w: Any = None) -> dict:
    """Global segregation indices from PySAL ``segregation`` 2.5 (``singlegroup``).

    Parameters
    ----------
    m, t : array-like
        Municipal units and all dwellings per grunnkrets (only grunnkretser
        with valid data: t > 0 and m ≤ t).
    geometry : GeoSeries, optional
        The grunnkrets polygons (same order), for the spatial index.
    w : libpysal.weights.W, optional
        Contiguity weights on those polygons (binary); Queen when omitted.

    Returns
    -------
    dict
        ``dissimilaritet`` (Dissim), ``isolasjon`` (Isolation, xPx),
        ``romlig_dissimilaritet`` (SpatialDissim, Morrill), ``kommunal_andel_pct``
        (the isolation index's value under evenness, in %), totals. ``None`` where
        undefined (no municipal units, or all dwellings municipal).
    """
    m = np.asarray(m, float)
    t = np.asarray(t, float)
    M, T = float(m.sum()), float(t.sum())
    out = {
        "dissimilaritet": None, "isolasjon": None, "romlig_dissimilaritet": None,
        "kommunal_andel_pct": (100.0 * M / T) if T > 0 else None,
        "kommunale_enheter_totalt": int(round(M)), "antall_boliger_totalt": int(round(T)),
        "antall_grunnkretser": int(len(m)),
    }
    if len(m) == 0 or M <= 0 or M >= T:
        return out
    from segregation.singlegroup import Dissim, Isolation, SpatialDissim

    df = pd.DataFrame({"m": m, "t": t})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out["dissimilaritet"] = float(Dissim(df, "m", "t").statistic)
        out["isolasjon"] = float(Isolation(df, "m", "t").statistic)
        if geometry is not None and len(m) > 1:
            crs = getattr(geometry, "crs", None) or 25832  # only checked for being projected
            gdf = gpd.GeoDataFrame(df, geometry=gpd.GeoSeries(np.asarray(geometry)), crs=crs)
            if w is not None:
                w = _binary_copy(w)
            sd = float(SpatialDissim(gdf, "m", "t", w=w).statistic)
            out["romlig_dissimilaritet"] = None if math.isnan(sd) else sd
    return out


def _binary_copy(w):
    from libpysal.weights import W

    nb = {k: list(v) for k, v in w.neighbors.items()}
    return W(nb, id_order=list(w.id_order), silence_warnings=True)


def _relabel(w):
    """Weights with ids 0..n-1 in order (after ``w_subset``)."""
    from libpysal.weights import W

    pos = {k: i for i, k in enumerate(w.id_order)}
    nb = {pos[k]: [pos[j] for j in w.neighbors[k]] for k in w.id_order}
    return W(nb, id_order=list(range(len(pos))), silence_warnings=True)


