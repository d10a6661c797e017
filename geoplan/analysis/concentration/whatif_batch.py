"""The purchase effect of many sites at once, on arrays (issue 20).

:func:`purchase_effects` gives, for each of ``n`` points, the record
:meth:`ConcentrationModel.purchase_effect` gives for that point alone with
``indices=False`` (and :func:`.whatif.model_purchase_effect` is this function on one
point): the grunnkrets, the building and the radius before and after the purchase.

All sites are located in one go (one STRtree query for the grunnkretser, one for the
buildings, one :class:`~._arrays.PointIndex` query for the radius), the numbers and flags are worked
out on arrays, and only then is each site's record written. The municipal share of
the municipality after a purchase changes only in the purchase's own grunnkrets, so
it is the total before with that grunnkrets' part swapped (the counts are whole
numbers, so the sum is exact in any order).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import shapely

from geoplan.analysis.concentration._arrays import _diff, _kat_key
from geoplan.analysis.concentration.join import locate_building
from geoplan.numbers import short_number

if TYPE_CHECKING:
    from geoplan.analysis.concentration.model import ConcentrationModel
    from geoplan.config.concentration import Thresholds

__all__ = ["purchase_effects", "locate"]


_INF = float("inf")


def _none_nan(v: np.ndarray) -> list:
    """Floats as a list, NaN and ±inf as None (the records' ``_f``)."""
    return [None if (x != x or x == _INF or x == -_INF) else x
            for x in np.asarray(v, dtype=float).tolist()]


def _flags(v: np.ndarray, known: np.ndarray) -> list:
    """Booleans as a list, None where not ``known``."""
    return [b if k else None for b, k in zip(np.asarray(v, dtype=bool).tolist(),
                                             np.asarray(known, dtype=bool).tolist())]


def _ints_or_none(t: np.ndarray, rounded: bool) -> list:
    """``int(t)`` (``int(round(t))`` with ``rounded``), None where not finite."""
    return [None if (x != x or x == _INF or x == -_INF) else int(round(x) if rounded else x)
            for x in np.asarray(t, dtype=float).tolist()]


def _rint(v: np.ndarray) -> list:
    return [int(round(x)) for x in np.asarray(v, dtype=float).tolist()]


def _share(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """:func:`._arrays._pct` (100 num / den where den > 0, finite and ≥ num; else NaN)."""
    ok = (den > 0) & np.isfinite(den) & (num <= den)
    return np.divide(100.0 * num, den, out=np.full(num.shape, np.nan), where=ok)


def _over(a: np.ndarray, limit: float) -> np.ndarray:
    """:func:`._arrays._gt`: a > limit, False for NaN (NaN compares False)."""
    return a > limit


class _Static:
    """What every batch reads and that does not change with the purchase (one per model)."""

    __slots__ = ("valid0", "T0", "P0", "M0", "hf", "u_units", "u_hf", "b_dw", "kat", "u_w", "b_w")

    def __init__(self, model: ConcentrationModel):
        self.valid0, self.T0, self.P0, _ = model.reference()
        self.M0 = float(model.j.g_units[self.valid0].sum())
        self.hf = model.hf_code()
        self.u_units = np.asarray(model.j.u_units, dtype=float)
        self.u_hf = np.asarray(model.j.u_hf, dtype=float)
        self.b_dw = (None if model.buildings is None else
                     np.nan_to_num(np.asarray(model.bd.dw, dtype=float)[model.bd.kd_pos]))
        # the weight columns of the radius sums, stacked once (a copy of every unit per
        # call was a fifth of the concentration criteria's time for one site)
        self.u_w = np.column_stack([self.u_units, self.u_hf])
        self.b_w = None if self.b_dw is None else self.b_dw[:, None]
        self.kat: dict = {}

    def kategori(self, model: ConcentrationModel, kategori: str | None) -> tuple[bool, bool, bool]:
        """(Housing First, exempt from the building count, one Housing First avoids) of
        ``kategori`` (asked once per kategori)."""
        if kategori not in self.kat:
            from geoplan.analysis.concentration.buildings import kategori_positions
            th = model.thresholds
            kat = [kategori] if kategori else []
            self.kat[kategori] = (
                kategori is not None and _kat_key(kategori) == _kat_key(th.housing_first_kategori),
                bool(kat and kategori_positions(kat, th.bygning_unntatt_kategorier)),
                bool(kat and kategori_positions(kat, th.housing_first_ikke_sammen_med)))
        return self.kat[kategori]


def _static(model: ConcentrationModel) -> _Static:
    st = getattr(model, "_batch_static", None)
    if st is None:
        st = _Static(model)
        model._batch_static = st
    return st


def locate(model: ConcentrationModel, xy: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray,
                                                                np.ndarray]:
    """Points ``(n, 2)`` -> (shapely points, grunnkrets position (-1: none; the lowest when
    several), building position (-1: none), how the building was found)."""
    pts = shapely.points(xy)
    n = len(pts)
    gk = np.full(n, -1, dtype=np.int64)
    si, fi = model.gk.tree.query(pts, predicate="intersects")
    if len(si):
        big = np.iinfo(np.int64).max
        low = np.full(n, big, dtype=np.int64)
        np.minimum.at(low, si, fi)
        gk = np.where(low == big, -1, low)
    bpos, how = locate_building(model.bd, pts, model.match_distance_m)
    return pts, gk, np.asarray(bpos, dtype=np.int64), how


def _grunnkrets_states(th: Thresholds, m: np.ndarray, t: np.ndarray, h: np.ndarray,
                       P: np.ndarray) -> list[dict]:
    a, ha = _share(m, t), _share(h, t)
    known = np.isfinite(a)
    lq = np.divide(a / 100, P, out=np.full(a.shape, np.nan), where=known & (P > 0))
    over = _over(a, th.grunnkrets_andel_pct) | _over(lq, th.lokaliseringskvotient_maks) | \
        _over(ha, th.housing_first_maks_andel_pct)
    cols = zip(_rint(m), _ints_or_none(t, False), _none_nan(a), _none_nan(lq), _none_nan(ha),
               _flags(over, known))
    return [{"kommunale_enheter": c0, "antall_boliger": c1, "andel_pct": c2,
             "lokaliseringskvotient": c3, "housing_first_andel_pct": c4, "over_terskel": c5}
            for c0, c1, c2, c3, c4, c5 in cols]


def _grunnkrets_parts(model: ConcentrationModel, gk: np.ndarray, add: tuple[np.ndarray, ...],
                      warns: list[list[str]]) -> list[dict | None]:
    """Per site the grunnkrets before and after (None outside every grunnkrets)."""
    n = len(gk)
    out: list[dict | None] = [None] * n
    inside = np.flatnonzero(gk >= 0)
    for i in np.flatnonzero(gk < 0).tolist():
        warns[i].append("Punktet ligger utenfor alle grunnkretser: andelene i grunnkretsene "
                        "endres ikke.")
    if not len(inside):
        return out
    n_add, add_dw, add_hf = (x[inside] for x in add)
    g = gk[inside]
    st = _static(model)
    valid0, T0, P0, M0, hf = st.valid0, st.T0, st.P0, st.M0, st.hf
    m0, t0 = model.j.g_units[g].astype(float), model.gk.dw[g].astype(float)
    h0 = model.j.g_units_k[g, hf].astype(float) if hf >= 0 else np.zeros(len(g))
    m1, t1, h1 = m0 + n_add, t0 + add_dw, h0 + add_hf
    v0 = valid0[g]
    v1 = model.valid_gk(m1, t1)
    T1 = T0 - np.where(v0, t0, 0.0) + np.where(v1, t1, 0.0)
    M1 = M0 - np.where(v0, m0, 0.0) + np.where(v1, m1, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        P1 = np.where(T1 > 0, M1 / T1, np.nan)
    th = model.thresholds
    before = _grunnkrets_states(th, m0, t0, h0, np.full(len(g), P0))
    after = _grunnkrets_states(th, m1, t1, h1, P1)
    ids, names = model.gk.ids, model.gk.names
    over = np.isfinite(t1) & (m1 > t1)
    for k, i in enumerate(inside.tolist()):
        b, a = before[k], after[k]
        gi = int(g[k])
        if over[k]:
            warns[i].append(f"Kjøpet gir flere kommunale enheter ({int(m1[k])}) enn boliger "
                            f"({int(t1[k])}) i grunnkrets {ids[gi]}: andelen kan ikke beregnes.")
        out[i] = {"grunnkretsnummer": ids[gi], "grunnkretsnavn": names[gi], "for": b, "etter": a,
                  "endring_prosentpoeng": _diff(a["andel_pct"], b["andel_pct"])}
    return out


def _building_states(th: Thresholds, m: np.ndarray, t: np.ndarray, h: np.ndarray,
                     counted: np.ndarray, others: np.ndarray) -> list[dict]:
    """The buildings' numbers and flags by the rules for existing buildings
    (:func:`.buildings.building_flags`)."""
    from geoplan.analysis.concentration.buildings import building_flags

    fl = building_flags(th, counted, t, h, others)
    a = _share(m, t)
    ok = np.isfinite(t) & (t > 0)
    cols = zip(_rint(m), _ints_or_none(t, False), _none_nan(a), _rint(h),
               _none_nan(fl["housing_first_andel_pct"]), _rint(counted),
               fl["flerbolig"].tolist(), _flags(fl["over_hf_terskel"], ok),
               _flags(fl["over_andel_terskel"], ok), fl["over_antall_terskel"].tolist(),
               fl["hf_sammen_med"].tolist())
    keys = ("kommunale_enheter", "antall_boliger", "andel_pct", "housing_first_enheter",
            "housing_first_andel_pct", "vurderte_enheter", "flerbolig", "over_hf_terskel",
            "over_andel_terskel", "over_antall_terskel", "hf_sammen_med")
    return [dict(zip(keys, row)) for row in cols]


def _building_parts(model: ConcentrationModel, bpos: np.ndarray, how: np.ndarray,
                    add: tuple[np.ndarray, ...], kategori: str | None, new_dwellings: bool,
                    warns: list[list[str]]) -> list[dict | None]:
    """Per site the building at the point before and after; a new building when none is
    there and new dwellings are built; None otherwise."""
    from geoplan.analysis.concentration.buildings import counted_units

    th = model.thresholds
    n = len(bpos)
    n_add, add_dw, add_hf = add
    _hf, exempt, avoided = _static(model).kategori(model, kategori)
    c_add = np.zeros(n) if exempt else n_add.astype(float)
    o_add = n_add.astype(float) if avoided else np.zeros(n)
    out: list[dict | None] = [None] * n
    has = np.flatnonzero(bpos >= 0)
    if len(has):
        assert model.bd.ids is not None
        b = bpos[has]
        hf = _static(model).hf
        m0, t0 = model.j.b_units[b].astype(float), model.bd.dw[b].astype(float)
        h0 = model.j.b_units_k[b, hf].astype(float) if hf >= 0 else np.zeros(len(b))
        c0, o0 = (np.asarray(v, dtype=float) for v in counted_units(model, model.j.b_units_k[b]))
        m1, t1, h1 = m0 + n_add[has], t0 + add_dw[has], h0 + add_hf[has]
        before = _building_states(th, m0, t0, h0, c0, o0)
        after = _building_states(th, m1, t1, h1, c0 + c_add[has], o0 + o_add[has])
        over = np.isfinite(t1) & (m1 > t1)
        for k, i in enumerate(has.tolist()):
            bid = model.bd.ids[int(b[k])]
            if over[k]:
                warns[i].append(f"Kjøpet gir flere kommunale enheter ({int(m1[k])}) enn boliger "
                                f"({int(t1[k])}) i bygning {bid}.")
            out[i] = {"bygg_id": bid, "kobling": how[i], "for": before[k], "etter": after[k],
                      "endring_prosentpoeng": _diff(after[k]["andel_pct"], before[k]["andel_pct"])}
    rest = np.flatnonzero(bpos < 0)
    if len(rest) and new_dwellings:
        na = n_add[rest].astype(float)
        new = _building_states(th, na, na, add_hf[rest].astype(float), c_add[rest], o_add[rest])
        for k, i in enumerate(rest.tolist()):
            out[i] = {"bygg_id": None, "kobling": "ny bygning", "for": None, "etter": new[k],
                      "endring_prosentpoeng": None}
    elif len(rest) and model.buildings is not None:
        msg = f"Ingen bygning funnet i punktet (innenfor {short_number(model.match_distance_m)} m)."
        for i in rest.tolist():
            warns[i].append(msg)
    return out


def _radius_states(th: Thresholds, m: np.ndarray, t: np.ndarray, h: np.ndarray) -> list[dict]:
    a, ha = _share(m, t), _share(h, t)
    over = _over(a, th.radius_andel_pct) | _over(ha, th.housing_first_maks_andel_pct)
    cols = zip(_rint(m), _ints_or_none(t, True), _rint(h), _none_nan(a), _none_nan(ha),
               _flags(over, np.isfinite(a)))
    return [{"enheter_innen_radius": c0, "boliger_innen_radius": c1,
             "housing_first_innen_radius": c2, "andel_pct": c3, "housing_first_andel_pct": c4,
             "over_terskel": c5} for c0, c1, c2, c3, c4, c5 in cols]


def _radius_parts(model: ConcentrationModel, xy: np.ndarray,
                  add: tuple[np.ndarray, ...]) -> list[dict]:
    """Per site the units and dwellings within the radius, before and after."""
    n_add, add_dw, add_hf = add
    r = model.radius_m
    st = _static(model)
    uh = model.j.d_kdtree.sums(xy, r, st.u_w)
    m0, h0 = uh[:, 0], uh[:, 1]
    if st.b_w is not None:
        t0 = model.bd.kdtree.sums(xy, r, st.b_w)[:, 0]
    else:
        t0 = np.full(len(xy), np.nan)
    th = model.thresholds
    before = _radius_states(th, m0, t0, h0)
    after = _radius_states(th, m0 + n_add, t0 + add_dw, h0 + add_hf)
    return [{"radius_m": r, "for": b, "etter": a} for b, a in zip(before, after)]


def purchase_effects(model: ConcentrationModel, xy: np.ndarray, units: np.ndarray,
                     kategori: str | None = None, *,
                     new_dwellings: bool = False) -> tuple[list[dict], np.ndarray]:
    """The purchase effect (without the global indices) of buying ``units[i]`` municipal
    units at ``xy[i]``, each purchase on its own.

    Parameters
    ----------
    model : ConcentrationModel
    xy : array ``(n, 2)`` of coordinates in the data's CRS (finite)
    units : ``n`` whole numbers ≥ 1 (checked by the callers)
    kategori : the kategori of every purchase (already in the data's spelling,
        :meth:`ConcentrationModel.kategori_name`)
    new_dwellings : as in :meth:`ConcentrationModel.purchase_effect`

    Returns
    -------
    (records, grunnkrets positions)
        One dict per point with ``punkt``, ``enheter``, ``kategori``, ``nybygg``,
        ``grunnkrets``, ``bygning``, ``radius`` and ``advarsler``; and the position of
        each point's grunnkrets (-1 outside all).
    """
    xy = np.asarray(xy, dtype=float).reshape(-1, 2)
    n = len(xy)
    u = np.asarray(units, dtype=np.int64).reshape(-1)
    is_hf = _static(model).kategori(model, kategori)[0]
    uf = u.astype(float)
    add = (uf, uf if new_dwellings else np.zeros(n), uf if is_hf else np.zeros(n))
    _pts, gk, bpos, how = locate(model, xy)
    warns: list[list[str]] = [[] for _ in range(n)]
    gparts = _grunnkrets_parts(model, gk, add, warns)
    bparts = _building_parts(model, bpos, how, add, kategori, new_dwellings, warns)
    rparts = _radius_parts(model, xy, add)
    nyb = bool(new_dwellings)
    out = [{"punkt": {"x": x, "y": y}, "enheter": int(k), "kategori": kategori, "nybygg": nyb,
            "grunnkrets": g, "bygning": b, "radius": r, "advarsler": w}
           for (x, y), k, g, b, r, w in zip(xy.tolist(), u.tolist(), gparts, bparts, rparts, warns)]
    return out, gk
