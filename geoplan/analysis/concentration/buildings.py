"""Per building and per borettslag: municipal units, shares and the building rules.

The rules for *existing* buildings (:func:`building_flags`), each with whom it
applies to (``config/concentration.toml``):

* **count**: more municipal units than ``bygning_maks_enheter`` in one building,
  every building; units of the kategorier in ``bygning_unntatt_kategorier``
  (omsorgsboliger, which the sources place together beside a nursing home) are not
  counted, so a care-home block is not flagged for being municipal;
* **share**: a municipal share over ``bygning_maks_andel_pct``, only in
  multi-dwelling buildings (``bygning_andel_min_boliger`` dwellings or more), so a
  detached municipal house (which the sources want, scattered) is not 100 % of
  anything;
* **Housing First**: Housing First units over ``housing_first_maks_andel_pct`` of a
  block (multi-dwelling buildings), and Housing First units in the same building
  as units of the kategorier in ``housing_first_ikke_sammen_med`` (Larvik kommune,
  Boligplan 2015–2020, l. 13357–13359).

The mixed-project target (10–15 % municipal in a new project) is not a rule for
existing buildings: it is the site assessment's for new projects (``assess --nybygg``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from geoplan.analysis.concentration._arrays import _bool_na, _gt, _int_na, _kat_key, _pct

if TYPE_CHECKING:
    from geoplan.analysis.concentration.model import ConcentrationModel
    from geoplan.config.concentration import Thresholds

BUILDING_TABLE_COLUMNS = [
    "bygg_id", "borettslag", "grunnkretsnummer", "antall_boliger", "kommunale_enheter",
    "andel_pct", "housing_first_enheter", "housing_first_andel_pct", "vurderte_enheter",
    "flerbolig", "over_hf_terskel", "over_andel_terskel", "over_antall_terskel", "hf_sammen_med",
    "over_terskel", "helt_kommunal", "kobling", "merknad"]


def kategori_positions(names: list[str], wanted: list[str] | tuple[str, ...]) -> list[int]:
    """Positions in ``names`` of the kategorier in ``wanted`` (case, spaces, hyphens ignored)."""
    keys = {_kat_key(w) for w in wanted}
    return [i for i, n in enumerate(names) if _kat_key(n) in keys]


def building_flags(th: Thresholds, counted: np.ndarray, t: np.ndarray, hf: np.ndarray,
                   others: np.ndarray) -> dict[str, np.ndarray]:
    """The rules for existing buildings on arrays (one element per building).

    Parameters
    ----------
    counted : municipal units the count and share rules count (exempt kategorier left out)
    t : all dwellings of the building
    hf : Housing First units
    others : units of the kategorier Housing First shall not be placed with

    Returns
    -------
    dict
        ``flerbolig`` (share rules apply), ``andel_pct`` (of the counted units),
        ``housing_first_andel_pct``, ``over_andel_terskel``, ``over_hf_terskel``
        (NaN-safe: False outside multi-dwelling buildings or without dwellings),
        ``over_antall_terskel``, ``hf_sammen_med``, ``over_terskel``.
    """
    counted, t = np.asarray(counted, float), np.asarray(t, float)
    hf, others = np.asarray(hf, float), np.asarray(others, float)
    multi = np.isfinite(t) & (t >= th.bygning_andel_min_boliger)
    andel, hfa = _pct(counted, t), _pct(hf, t)
    o_a = multi & _gt(andel, th.bygning_maks_andel_pct)
    o_hf = multi & _gt(hfa, th.housing_first_maks_andel_pct)
    o_n = counted > th.bygning_maks_enheter
    together = (hf > 0) & (others > 0)
    return {"flerbolig": multi, "andel_pct": andel, "housing_first_andel_pct": hfa,
            "over_andel_terskel": o_a, "over_hf_terskel": o_hf, "over_antall_terskel": o_n,
            "hf_sammen_med": together, "over_terskel": o_a | o_hf | o_n | together}


def counted_units(model: ConcentrationModel, units_k: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(units the building rules count, units of kategorier Housing First avoids) from a
    units × kategori array (rows = buildings)."""
    names = list(model.dw.kat_names)
    th = model.thresholds
    ex = kategori_positions(names, th.bygning_unntatt_kategorier)
    av = kategori_positions(names, th.housing_first_ikke_sammen_med)
    total = units_k.sum(axis=1)
    return (total - (units_k[:, ex].sum(axis=1) if ex else 0.0),
            units_k[:, av].sum(axis=1) if av else np.zeros(len(units_k)))


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
    counted, others = counted_units(model, model.j.b_units_k[sel])
    fl = building_flags(th, counted, t, mh, others)
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
        "andel_pct": _pct(m, t),
        "housing_first_enheter": pd.array(np.rint(mh).astype(np.int64), dtype="Int64"),
        "housing_first_andel_pct": fl["housing_first_andel_pct"],
        "vurderte_enheter": pd.array(np.rint(counted).astype(np.int64), dtype="Int64"),
        "flerbolig": fl["flerbolig"],
        "over_hf_terskel": _bool_na(fl["over_hf_terskel"], valid),
        "over_andel_terskel": _bool_na(fl["over_andel_terskel"], valid),
        "over_antall_terskel": fl["over_antall_terskel"],
        "hf_sammen_med": fl["hf_sammen_med"],
        "over_terskel": fl["over_terskel"],
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
    brl["over_andel_terskel"] = (_gt(brl["andel_pct"], th.bygning_maks_andel_pct)
                                 & (brl["antall_boliger"].to_numpy(float) >= th.bygning_andel_min_boliger))
    brl["over_antall_terskel"] = brl["kommunale_enheter"].to_numpy() > th.bygning_maks_enheter
    for c in ("antall_boliger", "kommunale_enheter", "bygninger"):
        brl[c] = pd.array(np.rint(brl[c].to_numpy(float)).astype(np.int64), dtype="Int64")
    return brl.sort_values("kommunale_enheter", ascending=False, kind="stable").reset_index(drop=True)
