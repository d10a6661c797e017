"""The cell rules every public output uses: the minimum count, primary suppression,
blanking, the row/column pre-pass of complementary suppression, density cells."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import pandas as pd

from geoplan.privacy.minimum import validate_min_count

__all__ = ["validate_min_count", "small", "maybe", "blank", "suppress_parts", "suppress_density_cells"]


def suppress_density_cells(density: np.ndarray, units_near: np.ndarray, min_count: int) -> np.ndarray:
    """Set cells with fewer than ``min_count`` units within the bandwidth to 0 (in place).

    Parameters
    ----------
    density : ndarray
        The density surface (units per km²).
    units_near : ndarray
        Units within the kernel radius of each cell (same shape).
    min_count : int
        The minimum count of public outputs (validated here).

    Returns
    -------
    ndarray
        ``density``, so a lone dwelling does not show as a blob.
    """
    k = validate_min_count(min_count)
    density[units_near < k - 1e-6] = 0.0
    return density


# ---------------------------------------------------------------------------
# Cell rules: primary and secondary suppression
# ---------------------------------------------------------------------------

def small(values: Any, min_count: int, suppress_zero: bool) -> np.ndarray:
    """The primary rule: counts 1 … ``min_count`` − 1 (and 0 with ``suppress_zero``); NaN is not small."""
    v = pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    low = v < min_count
    if not suppress_zero:
        low &= v != 0
    return np.where(np.isnan(v), False, low)


def maybe(v: Any, k: int, suppress_zero: bool) -> Any:
    """One published count: None if the primary rule hides it."""
    if v is None:
        return None
    return None if (v < k and (suppress_zero or v != 0)) else v


def blank(df: pd.DataFrame, mask: np.ndarray, cols: Sequence[str]) -> pd.DataFrame:
    """``cols`` of the rows in ``mask`` set missing (NaN, ``pd.NA`` or None by dtype); in place."""
    mask = np.asarray(mask, dtype=bool)
    if not mask.any():
        return df
    for c in cols:
        if c not in df.columns:
            continue
        s = df[c]
        if pd.api.types.is_bool_dtype(s.dtype):
            s = s.astype("boolean")
        elif s.dtype.kind in "iu":
            s = s.astype("Int64")
        elif s.dtype.kind == "f":
            s = s.copy()
        else:
            s = s.astype(object)
        df[c] = s.mask(mask, None if s.dtype == object else (np.nan if s.dtype.kind == "f" else pd.NA))
    return df


def _secondary(mask: np.ndarray, values: np.ndarray, spare: np.ndarray | None = None) -> np.ndarray:
    """If exactly one non-zero cell of a published total is hidden, hide the next smallest too.

    Without another non-zero cell, a 0 among the ``spare`` cells (rows whose own total
    is hidden, so the 0 cannot be read back from its row) is hidden instead.
    """
    v = np.nan_to_num(np.asarray(values, dtype=float))
    hidden = mask & (v > 0)
    if hidden.sum() == 1:
        cand = np.flatnonzero(~mask & (v > 0))
        if len(cand):
            mask = mask.copy()
            mask[cand[np.argmin(v[cand])]] = True
        elif spare is not None:
            zero = np.flatnonzero(~mask & np.asarray(spare, dtype=bool) & (v == 0))
            if len(zero):
                mask = mask.copy()
                mask[zero[0]] = True
    return mask


def suppress_parts(total: np.ndarray, parts: np.ndarray, k: int, suppress_zero: bool, *,
                    columns: bool) -> tuple[np.ndarray, np.ndarray]:
    """Masks for a total column and its kategori parts (rows = areas or buildings).

    Primary: small counts. Secondary: in a row whose total is published, a
    single hidden part could be recovered as total − the others, so the next
    smallest part is hidden too; the same down each column when ``columns``
    (the municipal totals per kategori are published). A column whose only
    other cells are 0 hides a 0 in a row whose total is hidden. The row and
    column passes repeat until neither hides a new cell (a cell hidden by a
    column pass can leave its row with one hidden cell).
    """
    tmask = small(total, k, suppress_zero)
    if columns:
        tmask = _secondary(tmask, total)
    pmask = small(parts.ravel(), k, suppress_zero).reshape(parts.shape) if parts.size else \
        np.zeros(parts.shape, dtype=bool)
    if parts.shape[1]:
        pmask |= tmask[:, None] & (np.nan_to_num(parts) > 0)
        for _ in range(parts.shape[1] + 2):     # few passes: each one only hides cells
            before = pmask.copy()
            for i in np.flatnonzero(~tmask):
                pmask[i] = _secondary(pmask[i], parts[i])
            if columns:
                for j in range(parts.shape[1]):
                    pmask[:, j] = _secondary(pmask[:, j], parts[:, j], spare=tmask)
            if (pmask == before).all():
                break
    return tmask, pmask
