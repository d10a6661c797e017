"""Counts of municipal dwellings per area in a long table (``geoplan boligbehov`` per place).

Primary suppression of small counts and one secondary cell per group of areas
whose sum is published (:func:`geoplan.privacy.core._secondary`); the columns
derived from a hidden count (the gap = need − count) go with it.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from geoplan.privacy.core import _secondary, blank, small, validate_min_count


def suppress_place_counts(table: pd.DataFrame, min_count: int, *, count: str,
                          derived: Sequence[str] = (), by: Sequence[str] = (),
                          suppress_zero: bool = False) -> pd.DataFrame:
    """Hide small counts of municipal dwellings per area in a long table, and what reveals them.

    Within each group of rows ``by`` (e.g. one year and target group: the areas
    of that group add up to the published municipal total), a count below
    ``min_count`` is hidden (primary), and when exactly one non-zero count of a
    group is hidden, the next smallest is hidden too (secondary), so no hidden
    count follows from the total minus the others. Every ``derived`` column of a
    hidden row (e.g. ``gap = need − count``, from which the count is recoverable)
    is hidden with it. Returns a copy.
    """
    k = validate_min_count(min_count)
    out = table.copy()
    if out.empty:
        return out
    mask = np.zeros(len(out), dtype=bool)
    groups = out.groupby(list(by), sort=False).indices if by else {None: np.arange(len(out))}
    for _key, idx in groups.items():
        v = pd.to_numeric(out[count].iloc[idx], errors="coerce").to_numpy(dtype=float)
        m = _secondary(small(v, k, suppress_zero), v)
        mask[idx] = m
    return blank(out, mask, [count, *derived])
