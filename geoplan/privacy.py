"""Disclosure control: the one module every public output passes through.

Counts of municipal dwellings point at the homes of vulnerable people. Before a
number leaves geoplan in a *public* output (``geoplan concentration --public``,
the public report, the app's public mode, the site assessment's public view), it
goes through a function here:

* :func:`validate_min_count` — the minimum count (``kommune.min_count_public``) as
  an int ≥ 1 (0 would publish everything);
* :func:`suppress` — a public version of a concentration result: small counts
  hidden together with every share, quotient and flag derived from them, a
  secondary pass so that a hidden cell cannot be recovered from a published total,
  per-point and per-building tables replaced by aggregates;
* :func:`suppress_what_if` — the same for the before/after dict of a purchase;
* :func:`suppress_density_cells` — cells of a density surface with too few units
  nearby set to 0.

What is suppressed is decided here and nowhere else.
"""

from __future__ import annotations

import copy
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np
import pandas as pd

from geoplan.errors import ConfigError

if TYPE_CHECKING:
    from geoplan.analysis.concentration.model import ConcentrationResult

__all__ = ["validate_min_count", "suppress", "suppress_what_if", "suppress_density_cells"]


def validate_min_count(value: Any) -> int:
    """The minimum count for public outputs as an int ≥ 1, else :class:`ConfigError`."""
    try:
        ok = not isinstance(value, bool) and float(value) == int(value) and int(value) >= 1
    except (TypeError, ValueError, OverflowError):
        ok = False
    if not ok:
        raise ConfigError(
            f"Minste antall for offentlige utdata (kommune.min_count_public) må være et heltall "
            f"≥ 1, men er {value!r}. Med 0 ville ingen små tall bli skjult. Rett config/kommune.toml "
            "eller --set kommune.min_count_public=5.")
    return int(value)


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

def _small(values: Any, min_count: int, suppress_zero: bool) -> np.ndarray:
    """The primary rule: counts 1 … ``min_count`` − 1 (and 0 with ``suppress_zero``); NaN is not small."""
    v = pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    low = v < min_count
    if not suppress_zero:
        low &= v != 0
    return np.where(np.isnan(v), False, low)


def _maybe(v: Any, k: int, suppress_zero: bool) -> Any:
    """One published count: None if the primary rule hides it."""
    if v is None:
        return None
    return None if (v < k and (suppress_zero or v != 0)) else v


def _blank(df: pd.DataFrame, mask: np.ndarray, cols: Sequence[str]) -> pd.DataFrame:
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


def _suppress_parts(total: np.ndarray, parts: np.ndarray, k: int, suppress_zero: bool, *,
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
    tmask = _small(total, k, suppress_zero)
    if columns:
        tmask = _secondary(tmask, total)
    pmask = _small(parts.ravel(), k, suppress_zero).reshape(parts.shape) if parts.size else \
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


def _buildings_in_grunnkrets(mask: np.ndarray, counts: np.ndarray, gk_ids: np.ndarray,
                             hidden_gk: set[str]) -> np.ndarray:
    """Building counts are parts of their grunnkrets' total: suppress them consistently.

    A building in a grunnkrets whose total is hidden is hidden too (else the sum of
    its buildings gives the hidden total back); in a grunnkrets whose total is
    published, a single hidden building could be recovered as the total minus the
    others, so the next smallest is hidden as well (:func:`_secondary`).
    """
    mask = np.asarray(mask, dtype=bool).copy()
    keys = pd.Series([None if v is None else str(v) for v in gk_ids], dtype=object)
    mask |= keys.isin(hidden_gk).to_numpy() & (np.nan_to_num(counts) > 0)
    known = keys.dropna()
    rows = known.index.to_numpy()
    for pos in known.groupby(known).indices.values():   # grunnkretser, not buildings
        idx = rows[pos]
        if len(idx) > 1:
            mask[idx] = _secondary(mask[idx], counts[idx])
    return mask


# ---------------------------------------------------------------------------
# The concentration result
# ---------------------------------------------------------------------------

_SHARE_COLUMNS = ["andel_pct", "lokaliseringskvotient", "housing_first_andel_pct", "over_terskel",
                  "begrunnelse"]


def suppress(result: ConcentrationResult, min_count: int, *,
             suppress_zero: bool = False) -> ConcentrationResult:
    """A public version of ``result``: small counts hidden, addresses and point lists removed.

    Counts of municipal units between 1 and ``min_count`` − 1 (and 0 too, with
    ``suppress_zero``) become missing, and so does every share, quotient and
    flag derived from them; secondary suppression hides a second cell where one
    hidden cell could be recovered from a published total (per kategori within a
    grunnkrets, across grunnkretser, and buildings within their grunnkrets).
    Per-point tables (radius, utenfor) are replaced by aggregates, buildings and
    borettslag by totals; ``datafeil`` keep counts but no point numbers.
    ``prikking`` says what was done.

    Parameters
    ----------
    result : ConcentrationResult
        The full (internal) result.
    min_count : int
        The smallest count shown (``kommune.min_count_public``).
    suppress_zero : bool
        Hide 0 as well (``concentration.prikk_nuller``).

    Raises
    ------
    ConfigError
        ``min_count`` below 1 (0 would publish everything).
    """
    k = validate_min_count(min_count)
    gk, kat, tot_mask, hf_name, hidden = _suppress_grunnkretser(result, k, suppress_zero)
    hidden += _hidden_in_buildings(result, tot_mask, gk, hf_name, k, suppress_zero)
    agg, hidden_out = _outside_aggregate(result.utenfor, k, suppress_zero)
    hidden += hidden_out
    note = (f"Offentlig versjon: antall kommunale enheter under {k} er skjult (prikket), "
            + ("også 0, " if suppress_zero else "")
            + "sammen med andeler, kvotienter og flagg som bygger på dem. Adresser, enkeltpunkter, "
            "enkeltbygninger og borettslagsnavn vises ikke; bygninger og borettslag bare samlet.")
    # A named borettslag or a building id with its municipal units (and their
    # kategori, e.g. refugees) points at the homes of vulnerable people even when
    # the count is large, so public outputs never list them one by one.
    return replace(result, grunnkretser=gk, kategorier=kat,
                   bygninger=_building_summary(result.bygninger, k, suppress_zero),
                   borettslag=_borettslag_summary(result.borettslag, k, suppress_zero),
                   radius=_radius_aggregate(result.radius, k, suppress_zero),
                   utenfor=agg, klynger=_suppress_clusters(result.klynger, gk),
                   indekser=_suppress_indices(result.indekser, k),
                   datafeil=[_public_problem(p) for p in result.datafeil],
                   prikking={"minste_antall": k, "prikkede_verdier": hidden,
                             "nuller_prikket": bool(suppress_zero), "merknad": note})


def _suppress_grunnkretser(result: ConcentrationResult, k: int, suppress_zero: bool
                           ) -> tuple[Any, pd.DataFrame, np.ndarray, Any, int]:
    """Grunnkretser and their kategori cells with small counts hidden.

    Returns the two tables, the mask of hidden grunnkrets totals, the data's spelling
    of the Housing First kategori and the number of hidden cells.
    """
    from geoplan.analysis.concentration._arrays import _kat_key as kat_key

    kat = result.kategorier.copy()
    gk = result.grunnkretser.copy()
    names = list(result.kategori_navn)
    nk, ng = len(names), len(gk)
    tot = gk["kommunale_enheter"].to_numpy(dtype=float, na_value=np.nan)
    if nk and len(kat) == ng * nk:
        # kategorier is stacked kategori by kategori, grunnkretser in the same order
        parts = kat["kommunale_enheter"].to_numpy(dtype=float, na_value=np.nan).reshape(nk, ng).T
    else:
        parts = np.zeros((ng, 0))
    tot_mask, mask = _suppress_parts(tot, parts, k, suppress_zero, columns=True)
    hidden = 0
    if parts.shape[1]:
        flat = mask.T.ravel()
        kat = _blank(kat, flat, ["kommunale_enheter", "andel_pct", "lokaliseringskvotient", "over_terskel"])
        hidden += int(flat.sum())
    gk = _blank(gk, tot_mask, ["kommunale_enheter"] + _SHARE_COLUMNS)
    hidden += int(tot_mask.sum())
    hf_name = result.parametere.get("housing_first_kategori")
    hf_name = next((n for n in names if kat_key(n) == kat_key(hf_name)), hf_name)
    if hf_name in names and parts.shape[1]:
        gk = _blank(gk, mask[:, names.index(hf_name)], ["housing_first_andel_pct"])
    return gk, kat, tot_mask, hf_name, hidden


def _hidden_in_buildings(result: ConcentrationResult, tot_mask: np.ndarray, gk: pd.DataFrame,
                         hf_name: Any, k: int, suppress_zero: bool) -> int:
    """How many building and borettslag cells the cell rules hide.

    Public outputs show buildings and borettslag only as totals
    (:func:`_building_summary`), but the count of hidden values in ``prikking``
    includes the cells a per-building table would have hidden.
    """
    hidden = 0
    names = list(result.kategori_navn)
    b = result.bygninger.copy()
    if len(b):
        kcols = [f"enheter_{n}" for n in names if f"enheter_{n}" in b.columns]
        bparts = (np.column_stack([b[c].to_numpy(dtype=float, na_value=np.nan) for c in kcols])
                  if kcols else np.zeros((len(b), 0)))
        btot = b["kommunale_enheter"].to_numpy(dtype=float, na_value=np.nan)
        bm, bpm = _suppress_parts(btot, bparts, k, suppress_zero, columns=False)
        bm = _buildings_in_grunnkrets(bm, btot, b["grunnkretsnummer"].to_numpy(dtype=object),
                                      set(gk.loc[tot_mask, "grunnkretsnummer"].astype(str)))
        bpm |= bm[:, None] & (np.nan_to_num(bparts) > 0)
        hidden += int(bm.sum())
        for j in range(len(kcols)):
            hidden += int(bpm[:, j].sum())
    brl = result.borettslag
    if brl is not None and len(brl):
        hidden += int(_small(brl["kommunale_enheter"], k, suppress_zero).sum())
    return hidden


def _radius_aggregate(r: pd.DataFrame, k: int, suppress_zero: bool) -> pd.DataFrame:
    """The per-point radius table as one row of totals."""
    return pd.DataFrame([{
        "boligpunkter": _maybe(len(r), k, suppress_zero),
        "boligpunkter_over_terskel": _maybe(int(r["over_terskel"].fillna(False).sum()) if len(r) else 0,
                                            k, suppress_zero),
        "median_enheter_innen_radius": (_maybe(float(np.median(r["enheter_innen_radius"].to_numpy(float))),
                                               k, suppress_zero) if len(r) else None),
        "maks_enheter_innen_radius": (_maybe(int(r["enheter_innen_radius"].max()), k, suppress_zero)
                                      if len(r) else None),
    }])


def _outside_aggregate(u: pd.DataFrame, k: int, suppress_zero: bool) -> tuple[pd.DataFrame, int]:
    """Points outside every grunnkrets, aggregated per kategori; and the hidden cells."""
    if not len(u):
        return pd.DataFrame(columns=["kategori", "boligpunkter", "kommunale_enheter"]), 0
    agg = u.groupby("kategori").agg(boligpunkter=("punkt_nr", "size"),
                                    kommunale_enheter=("antall_enheter", "sum")).reset_index()
    m = _small(agg["kommunale_enheter"], k, suppress_zero)
    agg["kommunale_enheter"] = agg["kommunale_enheter"].astype("Int64").where(~m, pd.NA)
    agg["boligpunkter"] = agg["boligpunkter"].astype("Int64").where(~m, pd.NA)
    return agg, int(m.sum())


def _suppress_clusters(klynger: pd.DataFrame, gk: pd.DataFrame) -> pd.DataFrame:
    """Hot spots: the statistics stay, shares hidden in the grunnkrets table go."""
    cl = klynger.copy()
    if len(cl):
        hid = set(gk.loc[gk["kommunale_enheter"].isna(), "grunnkretsnummer"].astype(str))
        m = cl["grunnkretsnummer"].astype(str).isin(hid).to_numpy()
        cl = _blank(cl, m, ["andel_pct", "kommunale_enheter"])
    return cl


def _suppress_indices(indekser: dict, k: int) -> dict:
    """Global indices; all hidden when the municipality has fewer than ``k`` units."""
    idx = dict(indekser)
    if (idx.get("kommunale_enheter_totalt") or 0) < k:
        for key in ("dissimilaritet", "isolasjon", "romlig_dissimilaritet", "kommunal_andel_pct",
                    "kommunale_enheter_totalt"):
            idx[key] = None
    return idx


def _public_problem(p: dict) -> dict:
    """A data problem without point numbers or the units of the points it names."""
    q = {kk: vv for kk, vv in p.items() if kk != "objekter"}
    if p.get("type") == "flere_enheter_enn_boliger":
        q["melding"] = (f"{p.get('antall')} grunnkrets(er) har flere kommunale enheter enn boliger; "
                        "andelen er ikke beregnet, og grunnkretsen er holdt utenfor indeksene.")
        q["objekter"] = p.get("objekter")
    elif p.get("type") in ("duplikat", "utenfor_grunnkrets", "uten_bygning", "ukjent_bygg_id"):
        q["melding"] = _PUBLIC_MSG.get(p["type"], "").format(n=p.get("antall"))
        q.pop("enheter", None)
    else:
        q["objekter"] = p.get("objekter")
    return q


_PUBLIC_MSG = {
    "duplikat": "{n} kommunale boligpunkter ligger på samme sted med like opplysninger (mulig dobbeltregistrering).",
    "utenfor_grunnkrets": "{n} kommunale boligpunkter ligger utenfor alle grunnkretser og er ikke med i andelene.",
    "uten_bygning": "{n} kommunale boligpunkter kunne ikke knyttes til en bygning.",
    "ukjent_bygg_id": "{n} kommunale boligpunkter har en bygg_id som ikke finnes i bygningslaget.",
}


def _count_true(df: pd.DataFrame | None, col: str) -> int:
    if df is None or not len(df) or col not in df.columns:
        return 0
    return int(pd.Series(df[col]).fillna(False).astype(bool).sum())


def _building_summary(raw: pd.DataFrame | None, k: int, suppress_zero: bool) -> pd.DataFrame:
    """One row of building totals for public outputs (counts below ``k`` hidden)."""
    raw = raw if raw is not None else pd.DataFrame()
    n_units = (int(pd.to_numeric(raw["kommunale_enheter"], errors="coerce").fillna(0).sum())
               if len(raw) and "kommunale_enheter" in raw.columns else 0)
    row = {
        "bygninger_med_kommunale_enheter": _maybe(len(raw), k, suppress_zero),
        "kommunale_enheter": _maybe(n_units, k, suppress_zero),
        "bygninger_over_terskel": _maybe(_count_true(raw, "over_terskel"), k, suppress_zero),
        "bygninger_over_hf_terskel": _maybe(_count_true(raw, "over_hf_terskel"), k, suppress_zero),
        "helt_kommunale_bygninger": _maybe(_count_true(raw, "helt_kommunal"), k, suppress_zero),
    }
    return pd.DataFrame([row])


def _borettslag_summary(raw: pd.DataFrame | None, k: int, suppress_zero: bool) -> pd.DataFrame:
    """One row of borettslag totals for public outputs (no names)."""
    raw = raw if raw is not None else pd.DataFrame()
    return pd.DataFrame([{
        "borettslag_med_kommunale_enheter": _maybe(len(raw), k, suppress_zero),
        "borettslag_over_terskel": _maybe(
            int((pd.Series(raw.get("over_andel_terskel", pd.Series(dtype=bool))).fillna(False).astype(bool)
                 | pd.Series(raw.get("over_antall_terskel", pd.Series(dtype=bool))).fillna(False).astype(bool)).sum())
            if len(raw) else 0, k, suppress_zero),
    }])


def suppress_what_if(hv: dict, min_count: int, *, suppress_zero: bool = False) -> dict:
    """The ``hva_hvis`` dict with small counts (and shares from them) hidden, for public outputs.

    Each count below ``min_count`` (and 0 with ``suppress_zero``) in the before and
    after states of the grunnkrets, building and radius becomes None with the shares
    and flags derived from it; the change in percentage points goes when either share
    is hidden.
    """
    k = validate_min_count(min_count)
    hv = copy.deepcopy(hv)
    groups = {
        "kommunale_enheter": ("andel_pct", "lokaliseringskvotient", "over_terskel", "over_andel_terskel",
                              "over_antall_terskel"),
        "housing_first_enheter": ("housing_first_andel_pct", "over_hf_terskel"),
        "enheter_innen_radius": ("andel_pct", "over_terskel"),
        "housing_first_innen_radius": ("housing_first_andel_pct",),
    }
    for part in ("grunnkrets", "bygning", "radius"):
        p = hv.get(part)
        if not p:
            continue
        for when in ("for", "etter"):
            st = p.get(when)
            if not st:
                continue
            for count, derived in groups.items():
                v = st.get(count)
                if v is not None and v < k and (suppress_zero or v != 0):
                    st[count] = None
                    for d in derived:
                        if d in st:
                            st[d] = None
        if "endring_prosentpoeng" in p and (not p.get("for") or not p.get("etter") or
                                            p["for"].get("andel_pct") is None or
                                            p["etter"].get("andel_pct") is None):
            p["endring_prosentpoeng"] = None
    return hv




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
        m = _secondary(_small(v, k, suppress_zero), v)
        mask[idx] = m
    return _blank(out, mask, [count, *derived])
