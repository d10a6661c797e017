"""Age groups: labels, regrouping of age bins, and the grunnkrets age structure with suppressed cells.

An age bin is ``(from, to)`` in whole years, inclusive, with ``to`` NaN for an
open top group («90 år og eldre»). Regrouping moves persons from source bins
(single years from a projection, five-year groups from BefolkningPåGrunnkrets)
to target groups; a source bin that straddles two target groups (65-69 into
45-66 and 67-79) is split by a reference age profile (the projection's single
years in the base year) or, without one, evenly by year.

Suppressed cells (empty in BefolkningPåGrunnkrets) are never read as 0: a row's
hidden persons are ``total − Σ visible``, known exactly per row; per cell they lie
between 0 and ``min(hidden in the row, suppressed_cell_max)``; the estimate
spreads the row's hidden persons over its empty cells in proportion to the
municipality's age profile.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from geoplan.errors import DataProblem
from geoplan.numbers import fixed, read_count

Bin = tuple[int, float]


def group_label(lo: int, hi: float) -> str:
    """«67–79 år», «90 år og eldre», «80 år»."""
    if hi != hi:  # NaN
        return f"{lo} år og eldre"
    if int(hi) == lo:
        return f"{lo} år"
    return f"{lo}–{int(hi)} år"


def _top(hi: float) -> float:
    return np.inf if hi != hi else float(hi)


def split_matrix(src: list[Bin], tgt: list[Bin], profile: pd.Series | None = None) -> np.ndarray:
    """Share of each source bin (rows) that belongs to each target group (columns).

    Rows sum to 1. ``profile``: persons by single year of age (index = age),
    used to split a straddling bin; without it the split is even by year.

    Raises
    ------
    DataProblem
        An open source bin («90 år og eldre») that would have to be split.
    """
    W = np.zeros((len(src), len(tgt)))
    # the profile as a plain mapping: a pandas reindex per source bin was most of the time
    prof = ({int(k): (0.0 if v != v else float(v)) for k, v in profile.items()}
            if profile is not None and len(profile) else None)
    lo_t = np.array([lo for lo, _ in tgt], dtype=float)
    hi_t = np.array([_top(hi) for _, hi in tgt], dtype=float)
    # every single year of every closed source bin at once: its bin, its weight, and the
    # target groups it lies in (a loop per bin and group was 30 ms a call on 106 bins)
    bin_of, year_of = [], []
    for i, (a, b) in enumerate(src):
        bt = _top(b)
        if not np.isfinite(bt):
            j = next((j for j, (lo, hi) in enumerate(tgt) if lo <= a <= _top(hi)), None)
            if j is None or tgt[j][0] > a or (np.isfinite(_top(tgt[j][1])) and len(tgt) > j + 1
                                               and tgt[j + 1][0] <= a):
                raise DataProblem(f"Aldersgruppen «{group_label(a, b)}» kan ikke deles på "
                                  "aldersgruppene i population.age_groups.")
            W[i, j] = 1.0
            continue
        years = np.arange(a, int(bt) + 1)
        bin_of.append(np.full(years.size, i))
        year_of.append(years)
    if bin_of:
        rows, years = np.concatenate(bin_of), np.concatenate(year_of)
        w = (np.array([prof.get(int(y), 0.0) for y in years], dtype=float) if prof is not None
             else np.ones(years.size))
        # a bin the profile gives no one: even by year
        zero = np.bincount(rows, weights=w, minlength=len(src)) <= 0
        w = np.where(zero[rows], 1.0, w)
        inside = (years[:, None] >= lo_t[None, :]) & (years[:, None] <= hi_t[None, :])
        closed = np.unique(rows)
        W[closed] = 0.0
        np.add.at(W, rows, w[:, None] * inside)
        W[closed] /= W[closed].sum(axis=1, keepdims=True)
    return W


def regroup(by_age: pd.DataFrame, groups: list[Bin], *, keys=("variant", "aar"),
            profile: pd.Series | None = None) -> pd.DataFrame:
    """Persons in ``groups`` per ``keys`` from a table with ``alder_fra``, ``alder_til``, ``personer``.

    Returns a long table: ``keys``, ``gruppe`` (label), ``alder_fra``, ``personer``.
    A group whose source cells are all missing gets NaN, not 0.
    """
    keys = list(keys)
    bins = by_age[["alder_fra", "alder_til"]].drop_duplicates().sort_values("alder_fra")
    src = [(int(a), float(b)) for a, b in bins.itertuples(index=False)]
    W = split_matrix(src, groups, profile)
    pos = {(int(a), float(b) if b == b else -1.0): i for i, (a, b) in enumerate(src)}
    idx = np.array([pos[(int(a), float(b) if b == b else -1.0)]
                    for a, b in zip(by_age["alder_fra"], by_age["alder_til"])])
    # every key at once: one row of source bins per key (groupby's sorted order), then
    # one matrix product (a Python loop per key was 0.1 s per call on the demo)
    gb = by_age.groupby(keys, sort=True)
    code = gb.ngroup().to_numpy()
    n_keys = gb.ngroups
    vals = by_age["personer"].to_numpy(dtype=float)
    V = np.zeros((n_keys, len(src)))
    have = np.zeros((n_keys, len(src)), dtype=bool)
    keep = code >= 0                       # a row with a missing key is in no group
    np.add.at(V, (code[keep], idx[keep]), np.nan_to_num(vals[keep]))
    np.logical_or.at(have, (code[keep], idx[keep]), ~np.isnan(vals[keep]))
    G = V @ W
    known = (have.astype(float) @ (W > 0)) > 0
    G = np.where(known, G, np.nan)
    first = pd.Series(np.flatnonzero(keep)).groupby(code[keep]).first().to_numpy()
    key_rows = by_age[keys].iloc[first].reset_index(drop=True)
    ng = len(groups)
    out = key_rows.loc[np.repeat(np.arange(n_keys), ng)].reset_index(drop=True)
    out["gruppe"] = [group_label(lo, hi) for lo, hi in groups] * n_keys
    out["alder_fra"] = [lo for lo, _ in groups] * n_keys
    out["personer"] = G.reshape(-1)
    return out


def profile_of(by_age: pd.DataFrame) -> pd.Series:
    """Persons by single year of age (one-year bins only), for :func:`split_matrix`."""
    one = by_age[by_age["alder_til"] == by_age["alder_fra"]]
    return one.groupby("alder_fra")["personer"].sum()


@dataclass
class GrunnkretsAges:
    """The age structure per grunnkrets as BefolkningPåGrunnkrets gives it.

    Attributes
    ----------
    grunnkretsnummer : array of str
    bins : list of (from, to)
        The five-year groups of the file.
    visible : ndarray (n, k)
        Persons per cell; NaN where the cell is suppressed (empty).
    total : ndarray (n,)
        ``totalBefolkning`` (NaN where missing; then Σ visible is used).
    estimate : ndarray (n, k)
        Visible cells, with each row's hidden persons spread over its empty
        cells in proportion to the municipality's age profile.
    cell_max : ndarray (n, k)
        Upper bound of each cell (= the cell where visible).
    """

    grunnkretsnummer: np.ndarray
    bins: list[Bin]
    visible: np.ndarray
    total: np.ndarray
    estimate: np.ndarray
    cell_max: np.ndarray

    @property
    def hidden(self) -> np.ndarray:
        """Persons per row not in any visible cell (≥ 0)."""
        return np.maximum(np.nan_to_num(self.total) - np.nansum(self.visible, axis=1), 0.0)

    def summary(self) -> dict:
        """What is hidden, municipality-wide (for the user)."""
        sup = np.isnan(self.visible)
        tot = float(np.nansum(self.total))
        return {
            "grunnkretser": int(len(self.total)),
            "prikkede_celler": int(sup.sum()),
            "celler": int(sup.size),
            "grunnkretser_med_prikking": int(sup.any(axis=1).sum()),
            "skjulte_personer": float(self.hidden.sum()),
            "befolkning": tot,
            "skjult_andel": float(self.hidden.sum() / tot) if tot > 0 else 0.0,
            "mangler_total": int(np.isnan(self.total).sum()),
        }

    def group_bounds(self, groups: list[Bin], profile: pd.Series | None = None) -> pd.DataFrame:
        """Per target group, municipality-wide: visible, estimate, lower and upper bound."""
        W = split_matrix(self.bins, groups, profile)
        vis = np.nan_to_num(self.visible) @ W
        est = self.estimate @ W
        # upper: each suppressed cell at its bound, but a row cannot hide more than it hides
        hid_cap = np.minimum((np.isnan(self.visible) * self.cell_max) @ W,
                             self.hidden[:, None])
        rows = []
        for j, (lo, hi) in enumerate(groups):
            rows.append({"gruppe": group_label(lo, hi), "alder_fra": lo,
                         "synlig": float(vis[:, j].sum()), "estimat": float(est[:, j].sum()),
                         "nedre": float(vis[:, j].sum()),
                         "ovre": float((vis[:, j] + hid_cap[:, j]).sum())})
        return pd.DataFrame(rows)


#: one count cell: SSB's markers, pandas' missing values and anything unreadable NaN
_count = read_count


def _cells(s: pd.Series) -> np.ndarray:
    """A column of counts: empty/markers -> NaN (suppressed); «1 234» and «12,0» read.

    Plain Python per cell: pandas' string methods cost 4 ms a column on 130 grunnkretser."""
    if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
        return s.to_numpy(dtype=float, na_value=np.nan)
    return np.array([_count(v) for v in s.to_numpy(dtype=object)], dtype=float)


def grunnkrets_ages(frame: pd.DataFrame, *, cell_max: int,
                    profile: pd.Series | None = None) -> GrunnkretsAges:
    """:class:`GrunnkretsAges` from a frame with BefolkningPåGrunnkrets columns.

    Parameters
    ----------
    frame : DataFrame with ``grunnkretsnummer``, the five-year columns
        (:func:`geoplan.io.ssb.age_columns`) and ``totalBefolkning`` or ``befolkning``.
    cell_max : the largest count a suppressed cell can hide (``population.suppressed_cell_max``).
    profile : persons by single year (the municipality's), for spreading hidden persons.

    Raises
    ------
    DataProblem
        No age columns, or a row whose visible cells exceed its total.
    """
    from geoplan.io.ssb import age_columns, total_column

    cols = age_columns(frame.columns)
    if not cols:
        raise DataProblem(
            "Grunnkretslaget har ingen aldersgrupper (befolkning0Til04År … befolkning90ÅrOgOver "
            "fra SSBs BefolkningPåGrunnkrets). Legg dem til, eller oppgi fila med --grunnkrets-befolkning.")
    bins = list(cols.values())
    vis = np.column_stack([_cells(frame[c]) for c in cols])
    tc = total_column(frame.columns)
    total = _cells(frame[tc]) if tc else np.full(len(frame), np.nan)
    vsum = np.nansum(vis, axis=1)
    bad = np.flatnonzero(~np.isnan(total) & (vsum > total + 1e-9))
    gk = frame["grunnkretsnummer"].astype(str).to_numpy()
    if bad.size:
        raise DataProblem(
            f"Grunnkrets {gk[bad[0]]}: aldersgruppene summerer til {fixed(vsum[bad[0]], 0)}, mer "
            f"enn totalen {fixed(total[bad[0]], 0)} ({bad.size} grunnkrets(er) i alt). Sjekk fila.")
    total = np.where(np.isnan(total), vsum, total)
    hidden = np.maximum(total - vsum, 0.0)
    sup = np.isnan(vis)
    # the municipality's profile over the five-year bins: from visible cells, or the projection
    if profile is not None and len(profile):
        w = np.array([profile.reindex(range(a, int(_top(b)) + 1) if np.isfinite(_top(b))
                                      else profile.index[profile.index >= a]).fillna(0).sum()
                      for a, b in bins])
    else:
        w = np.nansum(vis, axis=0)
    w = np.where(w > 0, w, 1.0)
    ww = sup * w[None, :]
    denom = ww.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        spread = np.where(denom > 0, ww / denom, 0.0) * hidden[:, None]
    estimate = np.where(sup, spread, vis)
    cmax = np.where(sup, np.minimum(float(cell_max), hidden[:, None]), vis)
    return GrunnkretsAges(gk, bins, vis, total, estimate, cmax)
