"""The public version of a concentration result (:func:`suppress`).

The published margins of the concentration tables, as :class:`.audit.Table` sees
them: cells *grunnkrets × kategori* and *outside every grunnkrets × kategori*;
statistics on them: every cell, every grunnkrets total, the outside total, the
total per kategori over the grunnkretser, and the municipal total over the
grunnkretser with valid data. Upper bounds: a grunnkrets' dwellings. Derived
numbers follow the count they come from: a share, a location quotient, a flag or a
reason is blank where its count is; a location quotient also where the municipal
(or kategori) total it divides by is hidden; Getis-Ord z-scores and p-values are
never published (each one mixes the shares of the neighbours, hidden ones
included, and a least-squares solve over all of them gives the hidden shares
back), only the hot/cold label of a grunnkrets whose count is published; the
global indices are published with two decimals only where moving one unit
between hidden grunnkretser changes them by less than half of the last one.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from geoplan.privacy.audit import NO_BOUND, Network, Table, protect
from geoplan.privacy.core import blank, maybe, small, suppress_parts, validate_min_count

if TYPE_CHECKING:
    from geoplan.analysis.concentration.model import ConcentrationResult

__all__ = ["suppress", "protect_grunnkretser", "Protection"]

INDEX_DECIMALS = 2
_SHARE_COLUMNS = ["andel_pct", "lokaliseringskvotient", "housing_first_andel_pct", "over_terskel",
                  "begrunnelse"]


class Protection:
    """The hidden cells and statistics of one concentration table (after :func:`protect_grunnkretser`).

    Attributes
    ----------
    cell : ndarray (ng, nk) of bool
        Hidden grunnkrets × kategori cells.
    row : ndarray (ng,) of bool
        Hidden grunnkrets totals.
    outside_cell : ndarray (nk,) of bool, outside_total : bool
        Hidden cells and total outside every grunnkrets.
    column : ndarray (nk,) of bool
        Hidden kategori totals (over the grunnkretser).
    grand : bool
        Hidden municipal total (over the grunnkretser with valid data).
    hidden : int
        Number of published values hidden (cells and totals).
    """

    def __init__(self, cell, row, outside_cell, outside_total, column, grand):
        self.cell, self.row = cell, row
        self.outside_cell, self.outside_total = outside_cell, outside_total
        self.column, self.grand = column, grand
        self.hidden = int(cell.sum() + row.sum() + outside_cell.sum() + bool(outside_total)
                          + column.sum() + bool(grand))


def _parts(result: ConcentrationResult) -> tuple[np.ndarray, list[str]]:
    names = list(result.kategori_navn)
    ng = len(result.grunnkretser)
    kat = result.kategorier
    if names and len(kat) == ng * len(names):
        v = kat["kommunale_enheter"].to_numpy(dtype=float, na_value=np.nan)
        return np.nan_to_num(v.reshape(len(names), ng).T), names
    tot = result.grunnkretser["kommunale_enheter"].to_numpy(dtype=float, na_value=np.nan)
    return np.nan_to_num(tot).reshape(-1, 1), ["alle"]


def _outside_parts(utenfor: pd.DataFrame, names: list[str]) -> np.ndarray:
    out = np.zeros(len(names))
    if utenfor is not None and len(utenfor) and "antall_enheter" in utenfor.columns:
        agg = utenfor.groupby("kategori")["antall_enheter"].sum()
        for i, n in enumerate(names):
            out[i] = float(agg.get(n, 0)) if len(names) > 1 or n != "alle" else float(agg.sum())
    return out


def protect_grunnkretser(gk: pd.DataFrame, parts: np.ndarray, outside: np.ndarray, valid: np.ndarray,
                         k: int, suppress_zero: bool) -> Protection:
    """Primary and complementary suppression of the grunnkrets tables, audited (:mod:`.audit`).

    Parameters
    ----------
    gk : DataFrame
        ``kommunale_enheter`` and ``antall_boliger`` per grunnkrets.
    parts : ndarray (ng, nk)
        Units per grunnkrets × kategori.
    outside : ndarray (nk,)
        Units per kategori outside every grunnkrets.
    valid : ndarray (ng,) of bool
        Grunnkretser in the municipal total (dwellings > 0, units ≤ dwellings).
    k : int
        The minimum count; ``suppress_zero`` hides 0 as well.
    """
    parts = np.asarray(parts, dtype=float)
    outside = np.asarray(outside, dtype=float)
    valid = np.asarray(valid, dtype=bool)
    dw = pd.to_numeric(gk["antall_boliger"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    # kept in the load cache by the counts, bounds and rule it is made from (the answer is
    # a function of these alone) and this module's and the audit's code: the audit is most
    # of a one-site ``geoplan assess`` (0,2-0,3 s on the demo, with scipy's import); the
    # cache folder is the user's own and already holds the layers
    import sys

    from geoplan.io import cache
    from geoplan.privacy import audit

    return cache.computed(
        "skjerming-grunnkrets",
        lambda: [np.ascontiguousarray(a).tobytes() for a in (parts, outside, valid, dw)]
        + [repr(parts.shape).encode()],
        {"k": int(k), "suppress_zero": bool(suppress_zero)},
        [sys.modules[__name__], audit],
        lambda: _protect_grunnkretser(parts, outside, valid, dw, k, suppress_zero),
        accept=lambda v: isinstance(v, Protection) and v.cell.shape == parts.shape)


def _protect_grunnkretser(parts: np.ndarray, outside: np.ndarray, valid: np.ndarray,
                          dw: np.ndarray, k: int, suppress_zero: bool) -> Protection:
    ng, nk = parts.shape
    tot = parts.sum(axis=1)
    row_ub = np.where(np.isfinite(dw) & (dw >= tot), dw, NO_BOUND)
    values = np.concatenate([parts.ravel(), outside])
    upper = np.concatenate([np.repeat(row_ub, nk), np.full(nk, NO_BOUND)])
    t = Table(values=values, upper=upper,
              group_bounds=[(np.arange(r * nk, (r + 1) * nk), float(row_ub[r])) for r in range(ng)])
    # a first pass with the row/column rule gives the audit less to do
    tmask0, pmask0 = suppress_parts(tot, parts, k, suppress_zero, columns=True)
    small_part = small(parts.ravel(), k, suppress_zero).reshape(ng, nk)   # one call, not one a cell
    small_tot = small(tot, k, suppress_zero)
    cells = [[t.add(f"celle {r},{j}", [r * nk + j], parts[r, j], primary=bool(small_part[r, j]))
              for j in range(nk)] for r in range(ng)]
    rows = [t.add(f"grunnkrets {r}", range(r * nk, (r + 1) * nk), tot[r],
                  primary=bool(small_tot[r])) for r in range(ng)]
    for r in range(ng):
        rows[r].hidden |= bool(tmask0[r])
        for j in range(nk):
            cells[r][j].hidden |= bool(pmask0[r, j])
    base = ng * nk
    ocells = [t.add(f"utenfor {j}", [base + j], outside[j],
                    primary=bool(small([outside[j]], k, suppress_zero)[0])) for j in range(nk)]
    otot = t.add("utenfor i alt", range(base, base + nk), outside.sum(),
                 primary=bool(small([outside.sum()], k, suppress_zero)[0]))
    cols = [t.add(f"kategori {j}", [r * nk + j for r in range(ng)], parts[:, j].sum(),
                  primary=bool(small([parts[:, j].sum()], k, suppress_zero)[0])) for j in range(nk)]
    vrows = np.flatnonzero(valid)
    grand = t.add("kommunen", [r * nk + j for r in vrows for j in range(nk)], tot[valid].sum(),
                  primary=bool(small([tot[valid].sum()], k, suppress_zero)[0]))
    t.network = _network(t, ng, nk, row_ub, valid, cells, rows, ocells, otot, cols, grand)
    protect(t)
    return Protection(
        cell=np.array([[c.hidden for c in row] for row in cells], dtype=bool).reshape(ng, nk),
        row=np.array([s.hidden for s in rows], dtype=bool),
        outside_cell=np.array([s.hidden for s in ocells], dtype=bool),
        outside_total=otot.hidden, column=np.array([s.hidden for s in cols], dtype=bool),
        grand=grand.hidden)


def _network(t: Table, ng: int, nk: int, row_ub: np.ndarray, valid: np.ndarray, cells, rows, ocells,
             otot, cols, grand) -> Network | None:
    """The table's statistics as edges of a flow network (:class:`.audit.Network`), or None
    if the true values do not make a flow (then the integer programme audits).

    Nodes: 0 the source side, 1 the sink side, 2 the municipal total, 3 outside every
    grunnkrets, then one per grunnkrets and one per kategori. Edges: the municipal total
    0 → 2; a grunnkrets' total 2 → grunnkrets (0 → grunnkrets if it is not in the
    municipal total), at most its dwellings; a cell grunnkrets → kategori; a kategori
    total kategori → 1; the outside total 0 → 3 and its cells 3 → 1; and the sum of
    everything, published nowhere, 1 → 0.
    """
    index = {id(st): k for k, st in enumerate(t.stats)}
    tail = np.zeros(len(t.stats), dtype=np.int64)
    head = np.zeros(len(t.stats), dtype=np.int64)
    cap = np.full(len(t.stats), NO_BOUND)
    grow, gcol = 4, 4 + ng

    def edge(st, a: int, b: int, c: float = NO_BOUND) -> None:
        k = index[id(st)]
        tail[k], head[k], cap[k] = a, b, min(c, NO_BOUND)
    edge(grand, 0, 2)
    for r in range(ng):
        edge(rows[r], 2 if valid[r] else 0, grow + r, float(row_ub[r]))
        for j in range(nk):
            edge(cells[r][j], grow + r, gcol + j, float(t.upper[r * nk + j]))
    for j in range(nk):
        edge(cols[j], gcol + j, 1)
        edge(ocells[j], 3, 1)
    edge(otot, 0, 3)
    net = Network(n_nodes=4 + ng + nk, tail=tail, head=head, cap=cap,
                  free=[(1, 0, float(t.values.sum()))])
    return net if net.consistent(np.array([st.value for st in t.stats], dtype=float)) else None


def _valid(gk: pd.DataFrame) -> np.ndarray:
    m = pd.to_numeric(gk["kommunale_enheter"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    t = pd.to_numeric(gk["antall_boliger"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    return np.isfinite(t) & (t > 0) & np.isfinite(m) & (m <= t)


def suppress(result: ConcentrationResult, min_count: int, *,
             suppress_zero: bool = False) -> ConcentrationResult:
    """A public version of ``result``: small counts hidden, so that no arithmetic gives them back.

    Counts of municipal units between 1 and ``min_count`` − 1 (and 0 too, with
    ``suppress_zero``) are hidden (primary suppression), then more cells or totals
    until no hidden small count is determined by what is published (complementary
    suppression, audited: :func:`protect_grunnkretser`). Shares, quotients, flags
    and reasons go with their count; z-scores and p-values are dropped; per-point
    and per-building tables become aggregates; ``datafeil`` keep counts but no
    point or building ids. ``kategori_totaler`` gives the published totals per
    kategori; ``prikking`` says what was done.

    Raises
    ------
    ConfigError
        ``min_count`` below 1 (0 would publish everything).
    """
    k = validate_min_count(min_count)
    parts, names = _parts(result)
    outside = _outside_parts(result.utenfor, names)
    valid = _valid(result.grunnkretser)
    prot = protect_grunnkretser(result.grunnkretser, parts, outside, valid, k, suppress_zero)
    gk, kat = _blank_grunnkretser(result, prot, names)
    totals = pd.DataFrame({"kategori": names,
                           "kommunale_enheter": pd.array([None if h else int(round(v)) for h, v in
                                                          zip(prot.column, parts.sum(axis=0))],
                                                         dtype="Int64")})
    note = (f"Offentlig versjon: antall kommunale enheter under {k} er skjult (prikket), "
            + ("også 0, " if suppress_zero else "")
            + "og så mange andre tall at ingen av dem kan regnes tilbake fra summer, andeler, "
            "kvotienter eller indekser. Adresser, enkeltpunkter, enkeltbygninger og "
            "borettslagsnavn vises ikke; bygninger og borettslag bare samlet.")
    return replace(result, grunnkretser=gk, kategorier=kat,
                   bygninger=_building_summary(result.bygninger, k, suppress_zero),
                   borettslag=_borettslag_summary(result.borettslag, k, suppress_zero),
                   radius=_radius_aggregate(result.radius, k, suppress_zero),
                   utenfor=_outside_table(names, outside, prot),
                   klynger=_clusters(result.klynger, gk),
                   indekser=_indices(result, parts, valid, prot),
                   datafeil=[public_problem(p) for p in result.datafeil],
                   kategori_totaler=totals,
                   prikking={"minste_antall": k, "prikkede_verdier": prot.hidden,
                             "nuller_prikket": bool(suppress_zero), "merknad": note})


def _blank_grunnkretser(result: ConcentrationResult, prot: Protection, names: list[str]
                        ) -> tuple[Any, pd.DataFrame]:
    from geoplan.analysis.concentration._arrays import _kat_key as kat_key

    gk = result.grunnkretser.copy()
    gk = gk.drop(columns=[c for c in ("gi_z", "p_verdi") if c in gk.columns])
    kat = result.kategorier.copy()
    ng, nk = prot.cell.shape
    if len(kat) == ng * nk and names != ["alle"]:
        flat = prot.cell.T.ravel()
        kat = blank(kat, flat, ["kommunale_enheter", "andel_pct", "lokaliseringskvotient", "over_terskel"])
        # a kategori's quotient divides by its municipal share: hidden total, no quotients
        kat = blank(kat, np.repeat(prot.column, ng), ["lokaliseringskvotient"])
    hf = result.parametere.get("housing_first_kategori")
    hf_pos = next((i for i, n in enumerate(names) if kat_key(n) == kat_key(hf)), -1)
    hf_hidden = prot.cell[:, hf_pos] if hf_pos >= 0 else np.zeros(ng, dtype=bool)
    gk = blank(gk, prot.row, ["kommunale_enheter"] + _SHARE_COLUMNS + ["klynge"])
    gk = blank(gk, hf_hidden, ["housing_first_andel_pct", "over_terskel", "begrunnelse"])
    if prot.grand:   # the quotient divides by the municipal share, which gives the total back
        gk = blank(gk, np.ones(ng, dtype=bool), ["lokaliseringskvotient"])
    return gk, kat


def _outside_table(names: list[str], outside: np.ndarray, prot: Protection) -> pd.DataFrame:
    """Units outside every grunnkrets per kategori (no point counts: they bound the units)."""
    if not outside.sum():
        return pd.DataFrame(columns=["kategori", "kommunale_enheter"])
    rows = [{"kategori": n, "kommunale_enheter": None if prot.outside_cell[j] else int(outside[j])}
            for j, n in enumerate(names) if outside[j] or prot.outside_cell[j]]
    df = pd.DataFrame(rows)
    df["kommunale_enheter"] = df["kommunale_enheter"].astype("Int64")
    return df


def _clusters(klynger: pd.DataFrame, gk: pd.DataFrame) -> pd.DataFrame:
    """Hot spots among the grunnkretser whose count is published; no z or p."""
    cl = klynger.drop(columns=[c for c in ("gi", "gi_z", "p_verdi") if c in klynger.columns])
    if len(cl):
        shown = set(gk.loc[gk["kommunale_enheter"].notna(), "grunnkretsnummer"].astype(str))
        cl = cl[cl["grunnkretsnummer"].astype(str).isin(shown)].reset_index(drop=True)
    return cl


def _index_values(m: np.ndarray, t: np.ndarray) -> tuple[float, float]:
    """Dissimilarity and isolation (the ``segregation`` definitions) in numpy."""
    M, T = m.sum(), t.sum()
    if M <= 0 or M >= T:
        return float("nan"), float("nan")
    d = 0.5 * float(np.abs(m / M - (t - m) / (T - M)).sum())
    iso = float((m / M * np.divide(m, t, out=np.zeros_like(m), where=t > 0)).sum())
    return d, iso


def _index_sensitive(m: np.ndarray, t: np.ndarray, hidden: np.ndarray, grand_hidden: bool) -> bool:
    """Whether moving one unit between hidden grunnkretser (or adding or removing one,
    when the total is hidden) changes dissimilarity or isolation by half the last
    published decimal or more. Below that, for every hidden cell another table that
    differs in it rounds to the same published values, so the indices pin nothing."""
    base = np.array(_index_values(m, t))
    h = np.flatnonzero(hidden)
    moves = [(a, b) for a in h[:40] for b in h[:40] if a != b]
    if grand_hidden:
        moves += [(a, -1) for a in h[:40]] + [(-1, b) for b in h[:40]]
    tol = 0.5 * 10.0 ** -INDEX_DECIMALS
    for a, b in moves:
        mm = m.copy()
        if a >= 0:
            mm[a] += 1
        if b >= 0:
            mm[b] -= 1
        if (mm < 0).any() or (mm > t).any():
            continue
        alt = np.array(_index_values(mm, t))
        if np.nanmax(np.abs(alt - base), initial=0.0) >= tol:
            return True
    return False


def _indices(result: ConcentrationResult, parts: np.ndarray, valid: np.ndarray, prot: Protection) -> dict:
    idx = dict(result.indekser)
    m = parts.sum(axis=1)[valid]
    t = pd.to_numeric(result.grunnkretser["antall_boliger"], errors="coerce").to_numpy(
        dtype=float, na_value=np.nan)[valid]
    keys = ("dissimilaritet", "isolasjon", "romlig_dissimilaritet")
    if _index_sensitive(m, t, prot.row[valid], prot.grand):
        for key in keys:
            idx[key] = None
    else:
        for key in keys:
            if idx.get(key) is not None:
                idx[key] = round(float(idx[key]), INDEX_DECIMALS)
    if prot.grand:
        idx["kommunale_enheter_totalt"] = None
        idx["kommunal_andel_pct"] = None
    elif idx.get("kommunal_andel_pct") is not None:
        idx["kommunal_andel_pct"] = round(float(idx["kommunal_andel_pct"]), 1)
    idx["enheter_utenfor_grunnkretser"] = (None if prot.outside_total
                                           else idx.get("enheter_utenfor_grunnkretser"))
    return idx


def _radius_aggregate(r: pd.DataFrame, k: int, suppress_zero: bool) -> pd.DataFrame:
    """The per-point radius table as one row of totals."""
    vals = r["enheter_innen_radius"].to_numpy(float) if len(r) else np.zeros(0)
    return pd.DataFrame([{
        "boligpunkter": maybe(len(r), k, suppress_zero),
        "boligpunkter_over_terskel": maybe(int(r["over_terskel"].fillna(False).sum()) if len(r) else 0,
                                           k, suppress_zero),
        "median_enheter_innen_radius": maybe(float(np.median(vals)), k, suppress_zero) if len(r) else None,
        "maks_enheter_innen_radius": maybe(int(vals.max()), k, suppress_zero) if len(r) else None,
    }])


def _count_true(df: pd.DataFrame | None, col: str) -> int:
    if df is None or not len(df) or col not in df.columns:
        return 0
    return int(pd.Series(df[col]).fillna(False).astype(bool).sum())


def _building_summary(raw: pd.DataFrame | None, k: int, suppress_zero: bool) -> pd.DataFrame:
    """One row of building counts (buildings, not units: no total of units, which would be
    another margin of the hidden cells)."""
    raw = raw if raw is not None else pd.DataFrame()
    cols = ("over_terskel", "over_hf_terskel", "over_andel_terskel", "over_antall_terskel",
            "hf_sammen_med", "helt_kommunal")
    row = {"bygninger_med_kommunale_enheter": maybe(len(raw), k, suppress_zero)}
    for c in cols:
        row[f"bygninger_{c}" if not c.startswith("over") else f"bygninger_{c}"] = \
            maybe(_count_true(raw, c), k, suppress_zero)
    row["helt_kommunale_bygninger"] = row.pop("bygninger_helt_kommunal")
    return pd.DataFrame([row])


def _borettslag_summary(raw: pd.DataFrame | None, k: int, suppress_zero: bool) -> pd.DataFrame:
    """One row of borettslag totals for public outputs (no names)."""
    raw = raw if raw is not None else pd.DataFrame()
    over = 0
    if len(raw):
        a = pd.Series(raw.get("over_andel_terskel", pd.Series(False, index=raw.index))).fillna(False)
        n = pd.Series(raw.get("over_antall_terskel", pd.Series(False, index=raw.index))).fillna(False)
        over = int((a.astype(bool) | n.astype(bool)).sum())
    return pd.DataFrame([{"borettslag_med_kommunale_enheter": maybe(len(raw), k, suppress_zero),
                          "borettslag_over_terskel": maybe(over, k, suppress_zero)}])


#: Data problems about grunnkretser (their ids are public; they name no dwelling).
_GRUNNKRETS_PROBLEMS = {"ingen_boliger", "mangler_antall_boliger", "flere_enheter_enn_boliger",
                        "duplikat_grunnkrets"}

_PUBLIC_MSG = {
    "duplikat": "{n} kommunale boligpunkter ligger på samme sted med like opplysninger (mulig dobbeltregistrering).",
    "utenfor_grunnkrets": "{n} kommunale boligpunkter ligger utenfor alle grunnkretser og er ikke med i andelene.",
    "uten_bygning": "{n} kommunale boligpunkter kunne ikke knyttes til en bygning.",
    "ukjent_bygg_id": "{n} kommunale boligpunkter har en bygg_id som ikke finnes i bygningslaget.",
    "duplikat_bygg_id": "{n} bygninger har samme bygg_id som en annen bygning.",
    "flere_enheter_enn_boliger": "{n} grunnkrets(er) har flere kommunale enheter enn boliger; andelen er "
                                 "ikke beregnet, og grunnkretsen er holdt utenfor indeksene.",
    "flere_enheter_enn_boliger_bygning": "{n} bygning(er) har flere kommunale enheter enn boliger "
                                         "(datafeil; andelen er ikke beregnet for dem).",
}


def public_problem(p: dict) -> dict:
    """A data problem as a public output may show it: its type, how many and a message
    without counts of units; ids only of grunnkretser, never of points or buildings."""
    kind = p.get("type")
    q: dict = {"type": kind, "antall": p.get("antall")}
    if kind in _PUBLIC_MSG:
        q["melding"] = _PUBLIC_MSG[kind].format(n=p.get("antall"))
    elif kind in _GRUNNKRETS_PROBLEMS:
        q["melding"] = p.get("melding")
    else:
        q["melding"] = f"{p.get('antall')} datafeil av typen «{kind}» (detaljene vises ikke offentlig)."
    if kind in _GRUNNKRETS_PROBLEMS:
        q["objekter"] = p.get("objekter")
    return q
