"""Attacks on the public outputs: nothing hidden may come back by arithmetic.

The attacker here is written independently of :mod:`geoplan.privacy.audit` (which
uses integer programming): it collects every published sum as a linear equation
and asks linear algebra (is the hidden cell in the row space of the published
equations? — the least-squares reconstruction recovers exactly those) and a linear
programme with the public bounds (the interval a hidden cell can take).
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hs
from scipy.optimize import linprog

from geoplan import privacy


@pytest.fixture(autouse=True, scope="module")
def _audits_computed_here():
    """These tests are of the audit itself: none of its answers from the load cache
    (which keeps them between runs: tests/test_load_cache.py tests that)."""
    from geoplan.io import cache

    was = cache._enabled
    cache.set_enabled(False)
    yield
    cache._enabled = was


def _determined(A: np.ndarray, b: np.ndarray, hidden: list[int], ub: np.ndarray) -> list[int]:
    """Hidden cells the published equations ``A x = b`` (and 0 ≤ x ≤ ub) pin to one value."""
    out = []
    if not len(A):
        return out
    rank = np.linalg.matrix_rank(A)
    for h in hidden:
        e = np.zeros(A.shape[1])
        e[h] = 1.0
        if np.linalg.matrix_rank(np.vstack([A, e])) == rank:   # least squares gives it exactly
            out.append(h)
            continue
        lo = linprog(e, A_eq=A, b_eq=b, bounds=list(zip(np.zeros(len(ub)), ub)), method="highs")
        hi = linprog(-e, A_eq=A, b_eq=b, bounds=list(zip(np.zeros(len(ub)), ub)), method="highs")
        if lo.success and hi.success and (-hi.fun) - lo.fun < 1 - 1e-6:
            out.append(h)
    return out


def _attack(parts: np.ndarray, dw: np.ndarray, prot, k: int = 5, zero: bool = False) -> list[int]:
    """Every published number of the grunnkrets tables as an equation; the small counts it pins.

    A *small* count is one the model protects: 1 to k − 1 (and 0 with ``zero``). A hidden
    complementary cell (k or more) that the equations pin is no disclosure in itself (SSB's
    model); the attacker gets a point only for a small cell or a small hidden row total.
    """
    ng, nk = parts.shape
    n = ng * nk
    rows, vals = [], []

    def eq(cells, value):
        r = np.zeros(n)
        r[list(cells)] = 1.0
        rows.append(r)
        vals.append(value)
    for r in range(ng):
        for j in range(nk):
            if not prot.cell[r, j]:
                eq([r * nk + j], parts[r, j])
        if not prot.row[r]:
            eq(range(r * nk, (r + 1) * nk), parts[r].sum())
    for j in range(nk):
        if not prot.column[j]:
            eq([r * nk + j for r in range(ng)], parts[:, j].sum())
    if not prot.grand:
        eq(range(n), parts.sum())
    hidden = [r * nk + j for r in range(ng) for j in range(nk) if prot.cell[r, j] and parts[r, j] > 0]
    A, b = np.array(rows), np.array(vals)
    ub = np.repeat(dw, nk).astype(float)
    small = (parts.ravel() < k) & ((parts.ravel() > 0) | zero)
    pinned = [h for h in _determined(A, b, hidden, ub) if small[h]]
    # hidden row totals: a sum the attacker may read off the cells
    totals = parts.sum(axis=1)
    for r in np.flatnonzero(prot.row & (totals > 0) & (totals < k)):
        e = np.zeros(n)
        e[r * nk:(r + 1) * nk] = 1.0
        if len(A) and np.linalg.matrix_rank(np.vstack([A, e])) == np.linalg.matrix_rank(A):
            pinned.append(-1 - int(r))
    return pinned


def _protect(parts, dw, k=5, zero=False):
    gk = pd.DataFrame({"kommunale_enheter": parts.sum(axis=1), "antall_boliger": dw})
    valid = dw > 0
    return privacy.protect_grunnkretser(gk, parts, np.zeros(parts.shape[1]), valid, k, zero)


def test_the_attacker_finds_what_naive_suppression_leaves():
    """The attack works: primary suppression alone leaves a cell a subtraction away."""
    parts = np.array([[30.0, 2.0], [40.0, 10.0]])
    dw = np.array([500.0, 600.0])

    class Naive:
        cell = parts < 5
        row = np.zeros(2, dtype=bool)
        column = np.zeros(2, dtype=bool)
        grand = False
    assert _attack(parts, dw, Naive)          # 32 − 30 = 2
    assert not _attack(parts, dw, _protect(parts, dw))


def test_issue_13_total_beside_a_hidden_category():
    """One Housing First dwelling of 3 units: the municipal total minus the other
    kategori totals must not give 3."""
    parts = np.array([[40.0, 3.0, 100.0, 200.0], [32.0, 0.0, 280.0, 376.0]])
    dw = np.array([5000.0, 6000.0])
    prot = _protect(parts, dw)
    assert prot.column[1]                      # the kategori total 3 is hidden
    assert prot.column.sum() >= 2 or prot.grand
    assert not _attack(parts, dw, prot)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hs.integers(2, 7), hs.integers(1, 4), hs.integers(2, 7), hs.booleans(), hs.data())
def test_random_municipalities_recover_nothing(ng, nk, k, zero, data):
    cells = data.draw(hs.lists(hs.integers(0, 40), min_size=ng * nk, max_size=ng * nk))
    small_bias = data.draw(hs.lists(hs.integers(0, 3), min_size=ng * nk, max_size=ng * nk))
    parts = np.where(np.array(small_bias) == 0, np.array(cells) % k, np.array(cells)).astype(float)
    parts = parts.reshape(ng, nk)
    dw = parts.sum(axis=1) + np.array(data.draw(hs.lists(hs.integers(0, 300), min_size=ng, max_size=ng)))
    prot = _protect(parts, dw.astype(float), k, zero)
    assert not _attack(parts, dw.astype(float), prot, k, zero)
    # every primary-small cell is hidden
    small = (parts < k) & ((parts > 0) | zero)
    assert (prot.cell | ~small).all()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hs.integers(2, 8), hs.integers(1, 4), hs.booleans(), hs.data())
def test_audit_shortcut_agrees_with_the_solver(ng, nk, zero, data):
    """The audit's cheap proofs (a residual cycle in the table's flow network, a unit
    trade the published facts allow) never disagree with the integer programme, and
    the whole protection comes out the same with and without them."""
    from geoplan.privacy import audit

    cells = data.draw(hs.lists(hs.integers(0, 12), min_size=ng * nk, max_size=ng * nk))
    parts = np.array(cells, dtype=float).reshape(ng, nk)
    dw = parts.sum(axis=1) + np.array(data.draw(hs.lists(hs.integers(0, 6), min_size=ng, max_size=ng)))
    seen = []
    real_exposed, real_witness = audit._exposed, audit._witness

    def solver_only(t, s):
        net, t.network = t.network, None
        audit._witness = lambda *a, **k: False
        try:
            return real_exposed(t, s, None)
        finally:
            audit._witness, t.network = real_witness, net

    def both(t, s, cons):
        assert t.network is not None          # these tables are flows: the fast path runs
        fast = real_exposed(t, s, cons)
        net, t.network = t.network, None
        try:
            witness = real_exposed(t, s, cons)  # the unit-trade search, then the solver
        finally:
            t.network = net
        slow = solver_only(t, s)
        seen.append((fast, slow))
        seen.append((witness, slow))
        return slow

    audit._exposed = both
    try:
        with_check = _protect(parts, dw.astype(float), 5, zero)
    finally:
        audit._exposed = real_exposed
    assert all(fast == slow for fast, slow in seen), seen
    plain = _protect(parts, dw.astype(float), 5, zero)
    assert (plain.cell == with_check.cell).all() and (plain.row == with_check.row).all()
    assert (plain.column == with_check.column).all() and plain.grand == with_check.grand


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hs.integers(2, 7), hs.integers(1, 4), hs.data())
def test_flow_network_agrees_with_the_solver_in_any_state(ng, nk, data):
    """Whatever else is hidden (not only the states :func:`protect` passes through),
    the flow network's answer for every hidden statistic is the integer programme's;
    invalid rows (outside the municipal total) and units outside every grunnkrets
    included."""
    from geoplan.privacy import audit
    from geoplan.privacy import concentration as pc

    parts = np.array(data.draw(hs.lists(hs.integers(0, 9), min_size=ng * nk, max_size=ng * nk)),
                     dtype=float).reshape(ng, nk)
    slack = np.array(data.draw(hs.lists(hs.integers(0, 4), min_size=ng, max_size=ng)), dtype=float)
    dw = parts.sum(axis=1) + slack
    dw[0] = 0.0 if data.draw(hs.booleans()) else dw[0]      # a grunnkrets with no dwellings
    outside = np.array(data.draw(hs.lists(hs.integers(0, 3), min_size=nk, max_size=nk)), dtype=float)
    gk = pd.DataFrame({"kommunale_enheter": parts.sum(axis=1), "antall_boliger": dw})
    got = {}
    real = pc.protect
    pc.protect = lambda t, *a, **k: got.setdefault("t", t)
    try:
        pc.protect_grunnkretser(gk, parts, outside, dw > 0, 5, True)
    finally:
        pc.protect = real
    t = got["t"]
    assert t.network is not None
    hide = data.draw(hs.lists(hs.booleans(), min_size=len(t.stats), max_size=len(t.stats)))
    for st, h in zip(t.stats, hide):
        st.hidden = st.primary or h
    t._memo.clear()
    for s in t.stats:
        if not s.hidden:
            continue
        fast = audit._exposed(t, s, None)
        if t.upper[s.cells].sum() <= 0:       # no dwellings: the count says nothing about anyone
            assert not fast
            continue
        net, t.network = t.network, None
        try:
            lo, hi = audit.bounds(t, s)
        finally:
            t.network = net
        assert fast == (hi - lo < 1 - 1e-9), (s.name, s.value, lo, hi)


def test_audit_shortcut_finds_the_rectangle():
    """A 2 × 2 table with every margin published: +1/−1 round the rectangle keeps them
    all, so a hidden corner is not determined, and the shortcut shows it alone."""
    from geoplan.privacy import audit

    t = audit.Table(values=np.array([3.0, 2.0, 1.0, 4.0]), upper=np.full(4, 50.0))
    corners = [t.add(f"c{i}", [i], v, primary=True) for i, v in enumerate(t.values)]
    for cells in ([0, 1], [2, 3], [0, 2], [1, 3]):
        t.add("sum", cells, t.values[cells].sum(), primary=False)
    assert audit._witness(t, corners[0])
    t.values[1] = 0.0   # cell 1 cannot give a unit: the trade runs the other way round
    for st in t.stats:
        st.value = float(t.values[st.cells].sum())
    t._memo.clear()
    assert audit._witness(t, corners[0])   # −1 at 0, +1 at 1, +1 at 2, −1 at 3
    t.upper[:] = t.values                   # every cell at its bound: nothing can go up
    t._memo.clear()
    assert not audit._witness(t, corners[0])
    assert audit._exposed(t, corners[0], None)   # and the solver agrees: determined


@pytest.fixture(scope="module")
def demo_public():
    from geoplan import runs
    from geoplan.config import default_config
    from geoplan.io import load
    from geoplan.io.loader import DEFAULT_DATA  # the demo the CLI uses
    ds = load(DEFAULT_DATA)
    cfg = default_config()
    raw, _, st = runs.concentration(ds, cfg)
    pub, hv, _ = runs.concentration(ds, cfg, public=True, add=(562300.0, 6547800.0, 4))
    return raw, pub, hv, st


def test_demo_public_recovers_nothing(demo_public):
    raw, pub, hv, st = demo_public
    names = list(raw.kategori_navn)
    ng = len(raw.grunnkretser)
    parts = raw.kategorier["kommunale_enheter"].to_numpy(float).reshape(len(names), ng).T
    g = pub.grunnkretser
    kat = pub.kategorier["kommunale_enheter"].isna().to_numpy().reshape(len(names), ng).T

    class Published:   # read from the public result, not from the module's masks
        cell = kat
        row = g["kommunale_enheter"].isna().to_numpy()
        column = pub.kategori_totaler["kommunale_enheter"].isna().to_numpy()
        grand = pub.indekser.get("kommunale_enheter_totalt") is None
    assert Published.row.sum() >= 2                          # something was hidden
    assert not _attack(parts, raw.grunnkretser["antall_boliger"].to_numpy(float), Published)
    # no derived statistic for a hidden cell; z and p not at all
    assert "gi_z" not in g.columns and "p_verdi" not in g.columns
    for col in ("andel_pct", "lokaliseringskvotient", "over_terskel", "klynge"):
        assert g.loc[Published.row, col].isna().all(), col
    assert "gi_z" not in pub.klynger.columns
    # data problems never list points or buildings
    for p in pub.datafeil:
        assert "objekter" not in p or p["type"] in {"ingen_boliger", "mangler_antall_boliger",
                                                     "flere_enheter_enn_boliger", "duplikat_grunnkrets"}
    # the what-if: before and after together, never the hidden grunnkrets
    gkw = hv["grunnkrets"]
    shown = set(g.loc[~Published.row, "grunnkretsnummer"].astype(str))
    if str(gkw["grunnkretsnummer"]) not in shown:
        assert gkw["for"]["kommunale_enheter"] is None and gkw["etter"]["kommunale_enheter"] is None
    assert all(v is None for v in (hv["bygning"] or {}).get("etter", {}).values()) if hv.get("bygning") else True


def test_prikkede_verdier_counts_published_values_only(demo_public):
    raw, pub, hv, st = demo_public
    hidden = (int(pub.grunnkretser["kommunale_enheter"].isna().sum())
              + int(pub.kategorier["kommunale_enheter"].isna().sum())
              + int(pub.kategori_totaler["kommunale_enheter"].isna().sum())
              + int(pub.indekser.get("kommunale_enheter_totalt") is None)
              + int(pub.indekser.get("enheter_utenfor_grunnkretser") is None))
    assert pub.prikking["prikkede_verdier"] == hidden


def test_xlsx_formulas_are_neutralised():
    from openpyxl import load_workbook

    from geoplan.present.report.model import Column, Section, Table
    from geoplan.present.report.render import sections_to_xlsx
    evil = '=HYPERLINK("http://example.invalid","klikk")'
    t = Table(id="t", title="T", sheet="Ark", columns=[Column("navn", "Navn"), Column("n", "N", "int")],
              rows=[{"navn": evil, "n": 3}, {"navn": "\t=1+1", "n": -2}, {"navn": "@SUM(A1)", "n": 1}])
    sec = Section(id="s", title="S", number=1)
    sec.items.append(t)
    data = sections_to_xlsx([sec], {"title": "+cmd", "kommune": "Test"})
    wb = load_workbook(io.BytesIO(data))
    ws = wb["Ark"]
    vals = [ws.cell(row=r, column=1).value for r in range(2, 5)]
    assert vals == ["'" + evil, "'\t=1+1", "'@SUM(A1)"]
    assert all(ws.cell(row=r, column=1).data_type == "s" for r in range(2, 5))
    assert ws.cell(row=3, column=2).value == -2           # numbers untouched
    assert privacy.safe_cell("Larvik") == "Larvik" and privacy.safe_cell(5) == 5
