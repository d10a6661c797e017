"""Per building and per borettslag: municipal units, shares and the building rules.

A building is flagged for a Housing First share over its limit, a municipal share
over the mixed-project limit, or more municipal units than the count limit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from geoplan.analysis.concentration._arrays import _bool_na, _gt, _int_na, _pct

if TYPE_CHECKING:
    from geoplan.analysis.concentration.model import ConcentrationModel

BUILDING_TABLE_COLUMNS = [
    "bygg_id", "borettslag", "grunnkretsnummer", "antall_boliger", "kommunale_enheter",
    "andel_pct", "housing_first_enheter", "housing_first_andel_pct", "over_hf_terskel",
    "over_andel_terskel", "over_antall_terskel", "over_terskel", "helt_kommunal", "kobling",
    "merknad"]


def building_table(model: ConcentrationModel) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Buildings with at least one municipal unit, and borettslag (if the column exists).

    Returns
    -------
    (DataFrame, DataFrame or None)
        Buildings, most municipal units first, with ``enheter_<kategori>`` per
        kategori; borettslag summed over their buildings (None without the column).
    """
    if model.buildings is None or model.bd.ids is None:
        return pd.DataFrame(columns=BUILDING_TABLE_COLUMNS), None
    return _building_rows(model), _borettslag_rows(model)


def _building_rows(model: ConcentrationModel) -> pd.DataFrame:
    assert model.bd.ids is not None
    th = model.thresholds
    sel = np.flatnonzero(model.j.b_units > 0)
    m = model.j.b_units[sel]
    t = model.bd.dw[sel]
    hf = model.hf_code()
    mh = model.j.b_units_k[sel, hf] if hf >= 0 else np.zeros(len(sel))
    andel = _pct(m, t)
    hfa = _pct(mh, t)
    o_hf = _gt(hfa, th.housing_first_maks_andel_pct)
    o_a = _gt(andel, th.bygning_maks_andel_pct)
    o_n = m > th.bygning_maks_enheter
    valid = np.isfinite(t) & (t > 0) & (m <= t)
    # grunnkrets and match method of the first dwelling in each building
    inb = np.flatnonzero(model.j.b_of >= 0)
    ub, first = np.unique(model.j.b_of[inb], return_index=True)
    firstpos = pd.Series(inb[first], index=ub)
    fp = firstpos.reindex(sel).to_numpy()
    gk = model.j.gk_of[fp]
    merknad = np.full(len(sel), None, dtype=object)
    merknad[~np.isfinite(t) | (t <= 0)] = "antall boliger mangler eller er 0: andel udefinert"
    merknad[np.isfinite(t) & (t > 0) & (m > t)] = "flere kommunale enheter enn boliger: rett dataene"
    df = pd.DataFrame({
        "bygg_id": model.bd.ids[sel],
        "borettslag": model.bd.borettslag[sel] if model.bd.borettslag is not None else None,
        "grunnkretsnummer": np.where(gk >= 0, model.gk.ids[np.maximum(gk, 0)], None),
        "antall_boliger": _int_na(t),
        "kommunale_enheter": pd.array(np.rint(m).astype(np.int64), dtype="Int64"),
        "andel_pct": andel,
        "housing_first_enheter": pd.array(np.rint(mh).astype(np.int64), dtype="Int64"),
        "housing_first_andel_pct": hfa,
        "over_hf_terskel": _bool_na(o_hf, valid),
        "over_andel_terskel": _bool_na(o_a, valid),
        "over_antall_terskel": o_n,
        "over_terskel": o_n | o_hf | o_a,
        "helt_kommunal": np.isfinite(t) & (t > 0) & (m == t),
        "kobling": model.j.b_how[fp],
        "merknad": merknad,
    })
    for j, name in enumerate(model.dw.kat_names):
        df[f"enheter_{name}"] = pd.array(np.rint(model.j.b_units_k[sel, j]).astype(np.int64), dtype="Int64")
    return df.sort_values(["kommunale_enheter", "bygg_id"], ascending=[False, True],
                          kind="stable").reset_index(drop=True)


def _borettslag_rows(model: ConcentrationModel) -> pd.DataFrame | None:
    """Borettslag with municipal units (share and count against the building limits)."""
    th = model.thresholds
    if model.bd.borettslag is None:
        return None
    has = pd.notna(model.bd.borettslag)
    if not has.any():
        return None
    g = pd.DataFrame({"borettslag": model.bd.borettslag[has],
                      "antall_boliger": np.nan_to_num(model.bd.dw[has]),
                      "kommunale_enheter": model.j.b_units[has],
                      "bygninger": 1})
    brl = g.groupby("borettslag", sort=True).sum().reset_index()
    brl = brl[brl["kommunale_enheter"] > 0].copy()
    brl["andel_pct"] = _pct(brl["kommunale_enheter"], brl["antall_boliger"])
    brl["over_andel_terskel"] = _gt(brl["andel_pct"], th.bygning_maks_andel_pct)
    brl["over_antall_terskel"] = brl["kommunale_enheter"].to_numpy() > th.bygning_maks_enheter
    for c in ("antall_boliger", "kommunale_enheter", "bygninger"):
        brl[c] = pd.array(np.rint(brl[c].to_numpy(float)).astype(np.int64), dtype="Int64")
    return brl.sort_values("kommunale_enheter", ascending=False, kind="stable").reset_index(drop=True)
