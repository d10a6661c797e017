"""Per grunnkrets: shares, location quotients, flags, per kategori; and the points outside.

Shares are of *all* dwellings (``antall_boliger``); a grunnkrets with no dwellings,
a missing count or more municipal units than dwellings has no share (NaN, with a
``merknad``) and is reported in ``datafeil``, never divided by.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoplan.analysis.concentration._arrays import _bool_na, _gt, _int_na, _pct
from geoplan.analysis.concentration.prepare import _labels
from geoplan.numbers import short_number

if TYPE_CHECKING:
    from geoplan.analysis.concentration.model import ConcentrationModel


KATEGORI_COLUMNS = ["grunnkretsnummer", "kategori", "kommunale_enheter", "antall_boliger", "andel_pct",
                    "lokaliseringskvotient", "over_terskel"]


def grunnkrets_table(model: ConcentrationModel) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Per grunnkrets and per grunnkrets × kategori (tidy).

    Returns
    -------
    (GeoDataFrame, DataFrame)
        One row per grunnkrets (``kommunale_enheter``, ``antall_boliger``,
        ``andel_pct``, ``lokaliseringskvotient``, ``housing_first_andel_pct``,
        ``over_terskel``, ``begrunnelse``, ``merknad``), and one row per grunnkrets
        × kategori, stacked kategori by kategori.
    """
    gdf = _grunnkrets_rows(model)
    return gdf, _kategori_rows(model, gdf["antall_boliger"].to_numpy())


def _grunnkrets_rows(model: ConcentrationModel) -> gpd.GeoDataFrame:
    th = model.thresholds
    m, t, mk = model.j.g_units, model.gk.dw, model.j.g_units_k
    valid, _T, P, _Pk = model.reference()
    andel = _pct(m, t)
    with np.errstate(divide="ignore", invalid="ignore"):
        lq = np.where(valid & (P > 0), (m / t) / P, np.nan)
    hf = model.hf_code()
    hf_andel = _pct(mk[:, hf], t) if hf >= 0 else np.full(len(m), np.nan)
    o_andel = _gt(andel, th.grunnkrets_andel_pct)
    o_lq = _gt(lq, th.lokaliseringskvotient_maks)
    o_hf = _gt(hf_andel, th.housing_first_maks_andel_pct)
    reasons = np.full(len(m), "", dtype=object)
    for flag, text in ((o_andel, f"andel over {short_number(th.grunnkrets_andel_pct)} %"),
                       (o_lq, f"lokaliseringskvotient over {short_number(th.lokaliseringskvotient_maks)}"),
                       (o_hf, f"Housing First over {short_number(th.housing_first_maks_andel_pct)} %")):
        reasons = np.where(flag, np.where(reasons == "", text, reasons + "; " + text), reasons)
    reasons[reasons == ""] = None
    return gpd.GeoDataFrame({
        "grunnkretsnummer": model.gk.ids,
        "grunnkretsnavn": model.gk.names,
        "kommunale_enheter": pd.array(np.rint(m).astype(np.int64), dtype="Int64"),
        "antall_boliger": _int_na(t),
        "andel_pct": andel,
        "lokaliseringskvotient": lq,
        "housing_first_andel_pct": hf_andel,
        "over_terskel": _bool_na(o_andel | o_lq | o_hf, valid),
        "begrunnelse": reasons,
        "merknad": _merknad(m, t),
    }, geometry=model.grunnkretser.geometry.values, crs=model.crs)


def _merknad(m: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Why a grunnkrets has no share (None where it has one)."""
    merknad = np.full(len(m), None, dtype=object)
    nodw = ~np.isfinite(t) | (t <= 0)
    merknad[nodw & (m == 0)] = "ingen boliger i grunnkretsen: andel udefinert"
    merknad[~np.isfinite(t)] = "antall boliger mangler: andel udefinert"
    over = np.isfinite(t) & (m > t)
    merknad[over] = "flere kommunale enheter enn boliger: andel udefinert, rett dataene"
    return merknad


def _kategori_rows(model: ConcentrationModel, antall_boliger: np.ndarray) -> pd.DataFrame:
    """Shares and quotients per grunnkrets × kategori (Housing First against its own limit)."""
    th = model.thresholds
    t, mk = model.gk.dw, model.j.g_units_k
    valid, _T, _P, Pk = model.reference()
    hf = model.hf_code()
    rows = []
    nk = len(model.dw.kat_names)
    for j, name in enumerate(model.dw.kat_names):
        mj = mk[:, j]
        a = _pct(mj, t)
        with np.errstate(divide="ignore", invalid="ignore"):
            q = np.where(valid & (Pk[j] > 0), (mj / t) / Pk[j], np.nan)
        limit = th.housing_first_maks_andel_pct if j == hf else th.grunnkrets_andel_pct
        o = _gt(a, limit) | _gt(q, th.lokaliseringskvotient_maks)
        rows.append(pd.DataFrame({
            "grunnkretsnummer": model.gk.ids, "kategori": name,
            "kommunale_enheter": pd.array(np.rint(mj).astype(np.int64), dtype="Int64"),
            "antall_boliger": antall_boliger,
            "andel_pct": a, "lokaliseringskvotient": q,
            "over_terskel": _bool_na(o, valid),
        }))
    return pd.concat(rows, ignore_index=True) if nk else pd.DataFrame(columns=KATEGORI_COLUMNS)


def grunnkrets_problems(model: ConcentrationModel) -> list[dict]:
    """Grunnkretser without dwellings, without a count or with more units than dwellings,
    and points outside every grunnkrets, as ``datafeil`` entries."""
    m, t = model.j.g_units, model.gk.dw
    out = []
    nodw = np.isfinite(t) & (t == 0) & (m == 0)
    if nodw.any():
        ids = [str(v) for v in model.gk.ids[nodw]]
        out.append({"type": "ingen_boliger", "antall": int(nodw.sum()), "objekter": ids,
                    "melding": f"{int(nodw.sum())} grunnkrets(er) har 0 boliger; andelen er udefinert "
                               f"og vises som tom ({', '.join(ids[:5])}{' …' if len(ids) > 5 else ''})."})
    miss = ~np.isfinite(t)
    if miss.any():
        ids = [str(v) for v in model.gk.ids[miss]]
        out.append({"type": "mangler_antall_boliger", "antall": int(miss.sum()), "objekter": ids,
                    "melding": f"{int(miss.sum())} grunnkrets(er) mangler antall boliger; andelen er "
                               f"udefinert ({', '.join(ids[:5])})."})
    over = np.isfinite(t) & (m > t)
    if over.any():
        ids = [str(v) for v in model.gk.ids[over]]
        det = ", ".join(f"{g}: {int(a)} enheter mot {int(b)} boliger"
                        for g, a, b in list(zip(ids, m[over], t[over]))[:5])
        out.append({"type": "flere_enheter_enn_boliger", "antall": int(over.sum()), "objekter": ids,
                    "melding": f"{int(over.sum())} grunnkrets(er) har flere kommunale enheter enn boliger "
                               f"({det}). Andelen er ikke beregnet, og grunnkretsen er holdt utenfor "
                               "indeksene. Kontroller antall_boliger og antall_enheter."})
    outside = model.j.gk_of < 0
    if outside.any():
        out.append({"type": "utenfor_grunnkrets", "antall": int(outside.sum()),
                    "objekter": [int(p) + 1 for p in np.flatnonzero(outside)],
                    "enheter": int(model.dw.units[outside].sum()),
                    "melding": f"{int(outside.sum())} kommunale boligpunkter ({int(model.dw.units[outside].sum())} "
                               "enheter) ligger utenfor alle grunnkretser og er ikke med i andelene "
                               f"({_labels(np.flatnonzero(outside), model.dw.ids)}). Se «utenfor»."})
    return out


def outside_table(model: ConcentrationModel) -> gpd.GeoDataFrame:
    """The municipal points that lie in no grunnkrets (``punkt_nr`` counts from 1)."""
    out = np.flatnonzero(model.j.gk_of < 0)
    return gpd.GeoDataFrame({
        "punkt_nr": out + 1,
        "bygg_id": model.dw.ids[out] if model.dw.ids is not None else None,
        "kategori": model.dw.kat[out],
        "antall_enheter": pd.array(model.dw.units[out].astype(np.int64), dtype="Int64"),
        "x": model.dw.xy[out, 0], "y": model.dw.xy[out, 1],
    }, geometry=shapely.points(model.dw.xy[out]), crs=model.crs)
