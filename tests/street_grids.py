"""Street grids for the walking-network tests (corridor and school walking coverage)."""

from __future__ import annotations

import numpy as np
import shapely


def grid_segments(n: int, step: float, x0: float = 0.0, y0: float = 0.0, keep=None) -> np.ndarray:
    """The two-point segments of an n x n street grid with ``step`` m blocks."""
    t = np.arange(n + 1) * step
    xs, ys = np.meshgrid(t, t)
    h = np.stack([np.c_[xs[:, :-1].ravel(), ys[:, :-1].ravel()],
                  np.c_[xs[:, 1:].ravel(), ys[:, 1:].ravel()]], axis=1)
    v = np.stack([np.c_[xs[:-1, :].ravel(), ys[:-1, :].ravel()],
                  np.c_[xs[1:, :].ravel(), ys[1:, :].ravel()]], axis=1)
    segs = np.concatenate([h, v]) + [x0, y0]
    if keep is not None:
        segs = segs[keep(segs.shape[0])]
    return shapely.linestrings(segs)
