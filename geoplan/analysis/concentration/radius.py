"""Within a radius of every municipal dwelling: units, dwellings and shares (radius sums on a point index)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoplan.analysis.concentration._arrays import _bool_na, _gt, _pct, _radius_sums

if TYPE_CHECKING:
    from geoplan.analysis.concentration.model import ConcentrationModel


def radius_table(model: ConcentrationModel) -> gpd.GeoDataFrame:
    """Units (and dwellings, if buildings are given) within the radius of every municipal point.

    One row per point (``punkt_nr`` from 1): ``enheter_innen_radius``,
    ``housing_first_innen_radius``, ``boliger_innen_radius`` (NA without buildings),
    the shares (%) and ``over_terskel`` (radius share or Housing First share over
    its limit). Distance ≤ ``model.radius_m`` (m).
    """
    th = model.thresholds
    r = model.radius_m
    near = _radius_sums(model.j.u_xy, model.j.d_kdtree, r, np.column_stack([model.j.u_units, model.j.u_hf]))
    units_u, hf_u = near[:, 0], near[:, 1]
    if model.buildings is not None:
        dw_u = _radius_sums(model.j.u_xy, model.bd.kdtree, r,
                            np.nan_to_num(model.bd.dw[model.bd.kd_pos]))[:, 0]
    else:
        dw_u = np.full(len(model.j.u_xy), np.nan)
    inv = model.j.u_inv
    m, h, t = units_u[inv], hf_u[inv], dw_u[inv]
    andel = _pct(m, t)
    hfa = _pct(h, t)
    valid = np.isfinite(t) & (t > 0) & (m <= t)
    o = _gt(andel, th.radius_andel_pct) | _gt(hfa, th.housing_first_maks_andel_pct)
    return gpd.GeoDataFrame({
        "punkt_nr": np.arange(1, model.dw.n + 1),
        "bygg_id": model.dw.ids if model.dw.ids is not None else None,
        "kategori": model.dw.kat,
        "antall_enheter": pd.array(model.dw.units.astype(np.int64), dtype="Int64"),
        "enheter_innen_radius": pd.array(np.rint(m).astype(np.int64), dtype="Int64"),
        "housing_first_innen_radius": pd.array(np.rint(h).astype(np.int64), dtype="Int64"),
        "boliger_innen_radius": (pd.array(np.rint(t).astype(np.int64), dtype="Int64")
                                 if model.buildings is not None else pd.array([pd.NA] * model.dw.n, dtype="Int64")),
        "andel_innen_radius_pct": andel,
        "housing_first_andel_innen_radius_pct": hfa,
        "over_terskel": _bool_na(o, valid),
    }, geometry=shapely.points(model.dw.xy), crs=model.crs)
