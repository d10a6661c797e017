"""Array helpers of the concentration analysis: identifiers, shares, flags, KD-tree sums.

Private to the package; every function is vectorised (no loop over points).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

HOT = "varm flekk"
COLD = "kald flekk"
NOT_SIGNIFICANT = "ikke signifikant"
UNSPECIFIED = "uspesifisert"
_CHUNK_PAIRS = 2_000_000  # bound on KD-tree pairs / permutation cells held at once


def _as_str_ids(s: pd.Series) -> np.ndarray:
    """Identifiers as object strings (None for missing or blank), integers without ``.0``."""
    if pd.api.types.infer_dtype(s, skipna=True) in ("string", "empty"):  # the usual case: vectorised
        st = s.astype("string").str.strip()
        out = st.to_numpy(dtype=object, na_value=None)
        out[(st == "").fillna(False).to_numpy(dtype=bool)] = None
        return out
    vals = s.to_numpy(dtype=object)
    out = np.empty(len(vals), dtype=object)
    for i, v in enumerate(vals):  # mixed or numeric identifiers: O(n) conversion, not a spatial loop
        if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
            out[i] = None
        elif isinstance(v, (float, np.floating)) and float(v).is_integer():
            out[i] = str(int(v))
        else:
            t = str(v).strip()
            out[i] = t if t else None
    return out


def _points_xy(geoms: np.ndarray) -> np.ndarray:
    """(n, 2) coordinates of points (centroid for Multi*/polygons)."""
    return shapely.get_coordinates(shapely.centroid(geoms)).reshape(-1, 2)


def _first_match(pairs: np.ndarray, n: int) -> np.ndarray:
    """For (2, k) [input, tree] pairs: the lowest tree index per input, -1 if none."""
    out = np.full(n, -1, dtype=np.int64)
    if pairs.size == 0:
        return out
    inp, tree = pairs
    order = np.lexsort((tree, inp))
    inp, tree = inp[order], tree[order]
    u, first = np.unique(inp, return_index=True)
    out[u] = tree[first]
    return out


def _radius_sums(centres: np.ndarray, tree: cKDTree, radius: float,
                 weights: np.ndarray) -> np.ndarray:
    """Sum of ``weights`` (one column per weight set) of tree points within ``radius`` of each centre.

    Vectorised with KD-tree pair lists in chunks (memory bounded); distance ≤ radius.
    """
    weights = np.asarray(weights, dtype=float)
    if weights.ndim == 1:
        weights = weights[:, None]
    n = len(centres)
    out = np.zeros((n, weights.shape[1]))
    if n == 0 or tree.n == 0:
        return out
    # estimate the pair count from a sample to size the chunks
    probe = centres[:: max(1, n // 200)]
    per = max(1.0, float(np.mean(tree.query_ball_point(probe, radius, return_length=True))))
    step = int(max(1, min(n, _CHUNK_PAIRS // per)))
    for s in range(0, n, step):
        sub = cKDTree(centres[s:s + step])
        pairs = sub.sparse_distance_matrix(tree, radius, output_type="ndarray")
        i, j = pairs["i"], pairs["j"]
        for c in range(weights.shape[1]):
            out[s:s + step, c] = np.bincount(i, weights=weights[j, c], minlength=len(sub.data))
    return out


def _pct(num, den) -> np.ndarray:
    num = np.asarray(num, dtype=float)
    den = np.asarray(den, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where((den > 0) & np.isfinite(den) & (num <= den), 100.0 * num / den, np.nan)
    return out


def _gt(a, limit) -> np.ndarray:
    a = np.asarray(a, dtype=float)
    with np.errstate(invalid="ignore"):
        return np.where(np.isnan(a), False, a > limit)


def _int_na(values) -> pd.arrays.IntegerArray:
    v = np.asarray(values, dtype=float)
    ok = np.isfinite(v)
    return pd.arrays.IntegerArray(np.rint(np.where(ok, v, 0)).astype(np.int64), ~ok)


def _bool_na(values, known) -> pd.arrays.BooleanArray:
    return pd.arrays.BooleanArray(np.asarray(values, dtype=bool), ~np.asarray(known, dtype=bool))


def _kat_key(v) -> str:
    """A kategori compared without case, spaces, hyphens or underscores."""
    return "".join(ch for ch in str(v).casefold() if ch not in " _-")


def _f(v) -> float | None:
    v = float(v)
    return None if math.isnan(v) or math.isinf(v) else v


def _diff(a, b):
    return None if a is None or b is None else a - b


