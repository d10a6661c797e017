"""Which schools belong to a boundary or a parcel, and the rule that chose them.

* boundaries: ``sted`` -- schools whose ``sted`` equals the boundary's ``navn``
  (matched by :func:`geoplan.analysis.reserves.place_key`: case and spacing
  ignored); else ``innenfor`` -- the schools inside the boundary; else
  ``naermeste`` -- the nearest school.
* parcels: ``sted`` -- schools whose ``sted`` equals the parcel's ``sted``;
  else ``utviklingsgrense`` -- the schools of the boundary the parcel lies in
  (its point on surface); else ``naermeste``.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoplan.analysis.reserves import place_key
from geoplan.analysis.schools.circles import _school_names, _usable_schools

RULE_STED = "sted"
RULE_INSIDE = "innenfor"
RULE_BOUNDARY = "utviklingsgrense"
RULE_NEAREST = "naermeste"


def _keys(values: pd.Series) -> np.ndarray:
    """The place key of each value (``""`` for a missing one), as places are matched everywhere."""
    return np.array([place_key(v) if pd.notna(v) else "" for v in values.astype(object)],
                    dtype=object)


def _same_place_pairs(features: pd.Series, schools: gpd.GeoDataFrame, rank: int) -> pd.DataFrame:
    """(feature, school) pairs whose place names match (blank names never match)."""
    f = pd.DataFrame({"f": np.arange(len(features)), "k": _keys(features)})
    s = pd.DataFrame({"s": np.arange(len(schools)), "k": _keys(schools["sted"])})
    m = f.merge(s, on="k")
    m = m[m["k"] != ""]
    return _pairs_frame(m["f"], m["s"], rank)


def _pairs_frame(f, s, rule_rank) -> pd.DataFrame:
    return pd.DataFrame({"f": np.asarray(f, dtype=np.int64), "s": np.asarray(s, dtype=np.int64),
                         "rang": rule_rank})


def _resolve(pairs: list[pd.DataFrame], rules: list[str], n: int,
             nearest: tuple[np.ndarray, np.ndarray]) -> pd.DataFrame:
    """Per feature, keep the pairs of its highest-priority rule; nearest as fallback."""
    allp = pd.concat(pairs + [_pairs_frame(nearest[0], nearest[1], len(rules))],
                     ignore_index=True)
    best = allp.groupby("f")["rang"].transform("min")
    allp = allp[allp["rang"] == best].drop_duplicates(["f", "s"]).sort_values(["f", "s"])
    return allp


def _choice_table(pairs: pd.DataFrame, n: int, names: np.ndarray,
                  rules: list[str]) -> pd.DataFrame:
    # per feature the tuple of its schools and the rank of its rule; ``pairs`` is sorted
    # by feature (then school), so each feature's schools are one run (np.split, not a
    # groupby with a Python aggregate: 0.06 s per call on a city's parcels)
    f = pairs["f"].to_numpy(dtype=np.int64)
    s = pairs["s"].to_numpy(dtype=np.int64)
    rang = pairs["rang"].to_numpy()
    if f.size > 1 and (np.diff(f) < 0).any():
        order = np.argsort(f, kind="stable")
        f, s, rang = f[order], s[order], rang[order]
    feats, start = np.unique(f, return_index=True)
    skole_idx = np.full(n, np.nan, dtype=object)
    ranks = np.full(n, np.nan)
    inside = (feats >= 0) & (feats < n)
    groups = np.split(s, start[1:]) if f.size else []
    for k in np.flatnonzero(inside).tolist():
        skole_idx[feats[k]] = tuple(groups[k].tolist())
    ranks[feats[inside]] = rang[start[inside]]
    all_rules = rules + [RULE_NEAREST]
    tab = pd.DataFrame({
        "skole_idx": skole_idx,
        "regel": [all_rules[int(r)] if r == r else None for r in ranks],
    })
    tab["skoler"] = [list(names[list(t)]) if isinstance(t, tuple) else [] for t in tab["skole_idx"]]
    return tab


def choose_boundary_schools(boundaries: gpd.GeoDataFrame, schools: gpd.GeoDataFrame) -> pd.DataFrame:
    """The schools of each utviklingsgrense and the rule that chose them.

    Rules in order: ``sted`` (school ``sted`` == boundary ``navn``, by place key),
    ``innenfor`` (schools inside or on the boundary), ``naermeste``.

    Returns
    -------
    DataFrame with one row per boundary (positional, same order):
    ``skole_idx`` (tuple of row positions in ``schools`` after dropping empty
    geometries), ``skoler`` (list of names), ``regel``.
    """
    schools = _usable_schools(schools)
    names = _school_names(schools)
    n = len(boundaries)
    pairs = []
    if "sted" in schools.columns and "navn" in boundaries.columns:
        pairs.append(_same_place_pairs(boundaries["navn"], schools, 0))
    else:
        pairs.append(_pairs_frame([], [], 0))
    bi, si = schools.sindex.query(boundaries.geometry.values, predicate="intersects")
    pairs.append(_pairs_frame(bi, si, 1))
    nq, ns = schools.sindex.nearest(boundaries.geometry.values, return_all=False)
    tab = _choice_table(_resolve(pairs, [RULE_STED, RULE_INSIDE], n, (nq, ns)), n, names,
                        [RULE_STED, RULE_INSIDE])
    tab.index = boundaries.index
    return tab


def choose_parcel_schools(parcels: gpd.GeoDataFrame, schools: gpd.GeoDataFrame,
                          boundaries: gpd.GeoDataFrame | None = None,
                          boundary_choice: pd.DataFrame | None = None) -> pd.DataFrame:
    """The schools of each reserve/innspill parcel and the rule that chose them.

    Rules in order: ``sted`` (school ``sted`` == parcel ``sted``, by place key),
    ``utviklingsgrense`` (the schools chosen for the boundary that contains
    the parcel's point on surface), ``naermeste``.

    Returns
    -------
    DataFrame like :func:`choose_boundary_schools`, one row per parcel.
    """
    schools = _usable_schools(schools)
    names = _school_names(schools)
    n = len(parcels)
    pairs = []
    if "sted" in schools.columns and "sted" in parcels.columns:
        pairs.append(_same_place_pairs(parcels["sted"], schools, 0))
    else:
        pairs.append(_pairs_frame([], [], 0))
    if boundaries is not None and len(boundaries) and n:
        if boundary_choice is None:
            boundary_choice = choose_boundary_schools(boundaries, schools)
        reps = shapely.point_on_surface(np.asarray(parcels.geometry.values, dtype=object))
        tree = shapely.STRtree(np.asarray(boundaries.geometry.values, dtype=object))
        pi, bi = tree.query(reps, predicate="within")
        first = pd.DataFrame({"f": pi, "b": bi}).drop_duplicates("f")
        bs = pd.DataFrame({"b": np.arange(len(boundaries)),
                           "s": boundary_choice["skole_idx"].to_numpy()}).explode("s").dropna()
        m = first.merge(bs, on="b")
        pairs.append(_pairs_frame(m["f"], m["s"].astype(np.int64), 1))
    else:
        pairs.append(_pairs_frame([], [], 1))
    if n:
        nq, ns = schools.sindex.nearest(parcels.geometry.values, return_all=False)
    else:
        nq = ns = np.empty(0, dtype=np.int64)
    tab = _choice_table(_resolve(pairs, [RULE_STED, RULE_BOUNDARY], n, (nq, ns)), n, names,
                        [RULE_STED, RULE_BOUNDARY])
    tab.index = parcels.index
    return tab
