"""Which place (sted) a point belongs to: its utviklingsgrense, else the nearest centre."""

from __future__ import annotations

import numpy as np
import shapely

#: the place of points outside every utviklingsgrense when there are no centres
OUTSIDE = "Utenfor utviklingsgrensene"


def places_for_points(points, utviklingsgrense=None, sentrum=None) -> np.ndarray:
    """Place name per point.

    A point inside a ``utviklingsgrense`` polygon takes its ``navn`` (the first
    when boundaries overlap); others take the nearest ``sentrum``'s ``navn``
    when that layer is given, else «Utenfor utviklingsgrensene». Without either
    layer every point is «Hele kommunen».
    """
    pts = np.asarray(points, dtype=object)
    out = np.full(pts.size, "Hele kommunen" if utviklingsgrense is None and sentrum is None
                  else OUTSIDE, dtype=object)
    if pts.size == 0:
        return out
    done = np.zeros(pts.size, dtype=bool)
    if utviklingsgrense is not None and len(utviklingsgrense):
        tree = shapely.STRtree(utviklingsgrense.geometry.to_numpy())
        pi, gi = tree.query(pts, predicate="within")
        first = np.unique(pi, return_index=True)[1]
        names = utviklingsgrense["navn"].astype(str).to_numpy()
        out[pi[first]] = names[gi[first]]
        done[pi[first]] = True
    if sentrum is not None and len(sentrum) and (~done).any():
        tree = shapely.STRtree(sentrum.geometry.to_numpy())
        rest = np.flatnonzero(~done)
        qi, si = tree.query_nearest(pts[rest], all_matches=False)
        out[rest[qi]] = sentrum["navn"].astype(str).to_numpy()[si]
    return out
