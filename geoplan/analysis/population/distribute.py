"""The municipality's projection by age group, distributed to places and grunnkretser.

Two methods, both exact at the municipal level (the places and grunnkretser of
a group and year sum to the projection's figure, unless a decline had to be cut
at zero, which is stated):

``aldersstruktur``
    Each grunnkrets keeps its share of every age group from today:
    ``P_i[g, t] = base_i[g] / Σ base[g] × P[g, t]``.
``vekstandeler``
    The land-need method's shares of growth (``reserves.steder.*.andel``): each
    place starts from today's population scaled to the projection's base year
    and gets its share of the change of every age group,
    ``P_s[g, t] = base_s[g] + andel_s × (P[g, t] − P[g, t0])``; places without a
    configured share split what is left by their population. Within a place the
    grunnkretser get the place's figure in proportion to today's age group.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np
import pandas as pd

from geoplan.analysis.places import place_key
from geoplan.errors import ConfigError
from geoplan.numbers import fixed

METHODS = ("aldersstruktur", "vekstandeler")


def place_shares(places: np.ndarray, base_total: np.ndarray,
                 configured: Mapping[str, float] | None) -> tuple[dict[str, float], list[str]]:
    """Share of growth per place: configured ones as given, the others split the rest by population."""
    notes: list[str] = []
    names = list(dict.fromkeys(places))
    pop = {n: float(base_total[places == n].sum()) for n in names}
    conf = {place_key(k): float(v) for k, v in (configured or {}).items()}
    out = {n: conf[place_key(n)] for n in names if place_key(n) in conf}
    rest = 1.0 - sum(out.values())
    others = [n for n in names if n not in out]
    if rest < -1e-9:
        notes.append(f"Andelene av veksten for stedene summerer til {format(sum(out.values()), '.2f').replace('.', ',')} (> 1); "
                     "stedene uten egen andel får ingen vekst.")
        rest = 0.0
    tot = sum(pop[n] for n in others)
    for n in others:
        out[n] = max(rest, 0.0) * (pop[n] / tot if tot > 0 else 1.0 / len(others))
    if others and configured:
        notes.append("Steder uten andel i reserves.steder deler resten av veksten "
                     f"({fixed(rest * 100, 0)} %) etter folketallet i dag: " + ", ".join(others) + ".")
    return out, notes


def distribute(proj: pd.DataFrame, base: np.ndarray, grunnkretser: np.ndarray,
               places: np.ndarray, *, groups: list[str], base_year: int,
               method: str = "aldersstruktur",
               shares: Mapping[str, float] | None = None) -> tuple[pd.DataFrame, list[str]]:
    """Distribute a projection by age group to grunnkretser (and so to places).

    Parameters
    ----------
    proj : DataFrame ``variant``, ``aar``, ``gruppe``, ``personer`` (the municipality).
    base : ndarray (n grunnkretser, len(groups)); today's persons per group.
    grunnkretser, places : arrays of length n (grunnkretsnummer, place name).
    groups : the group labels, in the columns' order.
    base_year : the projection year today's structure stands for (t0).
    method : ``aldersstruktur`` or ``vekstandeler``.
    shares : place -> share of growth (``vekstandeler``; matched by place key).

    Returns
    -------
    (DataFrame, list of str)
        Long table ``variant``, ``aar``, ``grunnkretsnummer``, ``sted``, ``gruppe``,
        ``personer``; notes on what was assumed or cut.
    """
    if method not in METHODS:
        raise ConfigError(f"Ukjent fordelingsmetode «{method}» (velg {' eller '.join(METHODS)}).")
    notes: list[str] = []
    base = np.asarray(base, dtype=float)
    col_tot = base.sum(axis=0)
    n = base.shape[0]
    even = np.full(n, 1.0 / n) if n else np.zeros(0)
    share_gk = np.where(col_tot[None, :] > 0, base / np.where(col_tot > 0, col_tot, 1.0)[None, :],
                        even[:, None])
    piv = proj.pivot_table(index=["variant", "aar"], columns="gruppe", values="personer",
                           aggfunc="sum").reindex(columns=groups)
    cut = 0.0
    if method == "vekstandeler":
        sh, n2 = place_shares(places, base.sum(axis=1), shares)
        notes += n2
        names = list(dict.fromkeys(places))
        member = np.array([[p == s for p in places] for s in names], dtype=float)  # (S, n)
        place_base = member @ base                                                 # (S, G)
        within = np.where(place_base[:, None, :] > 0,
                          member[:, :, None] * base[None, :, :] / np.where(place_base > 0, place_base, 1)[:, None, :],
                          member[:, :, None] / np.maximum(member.sum(axis=1), 1)[:, None, None])
        a = np.array([sh[s] for s in names])
    blocks, keys = [], []
    for (variant, year), row in piv.iterrows():
        P = row.to_numpy(dtype=float)
        if method == "aldersstruktur":
            vals = share_gk * P[None, :]
        else:
            if (variant, base_year) not in piv.index:
                raise ConfigError(f"Framskrivingen mangler basisåret {base_year} for {variant}.")
            P0 = piv.loc[(variant, base_year)].to_numpy(dtype=float)
            scale = np.where(col_tot > 0, P0 / np.where(col_tot > 0, col_tot, 1), 0.0)
            ps = place_base * scale[None, :] + a[:, None] * (P - P0)[None, :]
            cut += float(-ps[ps < 0].sum())
            ps = np.maximum(ps, 0.0)
            vals = np.einsum("sg,sng->ng", ps, within)
        blocks.append(vals.T)                     # (G, n): group by group, as the rows go
        keys.append((variant, int(year)))
    if cut > 0.5:
        notes.append(f"En nedgang større enn dagens befolkning i en aldersgruppe på et sted er satt "
                     f"til 0 (i alt {fixed(cut, 0)} personer over alle år og alternativer); stedene "
                     "summerer da til litt mer enn kommunens framskriving.")
    # one long table at once (rows: each variant and year, then each group, then each
    # grunnkrets), not a frame per group and year concatenated (0.2 s on the demo)
    cols = ["variant", "aar", "grunnkretsnummer", "sted", "gruppe", "personer"]
    if not blocks or not n:
        return pd.DataFrame(columns=cols), notes
    per_key, g = len(groups) * n, len(groups)
    res = pd.DataFrame({
        "variant": np.repeat(np.array([k[0] for k in keys], dtype=object), per_key),
        "aar": np.repeat(np.array([k[1] for k in keys], dtype=np.int64), per_key),
        "grunnkretsnummer": np.tile(np.asarray(grunnkretser), len(keys) * g),
        "sted": np.tile(np.asarray(places), len(keys) * g),
        "gruppe": np.tile(np.repeat(np.array(groups, dtype=object), n), len(keys)),
        "personer": np.concatenate([b.ravel() for b in blocks]),
    })
    return res, notes


def by_place(table: pd.DataFrame) -> pd.DataFrame:
    """Sum a :func:`distribute` table per ``variant``, ``aar``, ``sted``, ``gruppe``."""
    return (table.groupby(["variant", "aar", "sted", "gruppe"], sort=False)["personer"].sum()
            .reset_index())
