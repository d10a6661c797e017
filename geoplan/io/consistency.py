"""Checks across layers, after each layer has passed its own (``geoplan check`` reports them).

One today: a building (``bygning``) that holds more municipal units
(``kommunal_bolig.antall_enheter`` summed by ``bygg_id``) than it has dwellings
(``bygning.antall_boliger``) is a data error, reported on the ``kommunal_bolig``
layer (whose messages name features and stay out of public reports). The layer stays usable; the
concentration analysis leaves such a building's share out and lists it in its
``datafeil`` (:func:`geoplan.analysis.concentration.join.building_unit_problems`,
which also counts points joined by location). Only ``bygg_id`` links the layers
here: the loader does no spatial join.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from geoplan.io.contract import LayerReport
from geoplan.numbers import fixed


def _ids(series: pd.Series) -> pd.Series:
    s = series.astype("string").str.strip()
    return s.where(s != "")


def buildings_over_capacity(dwellings: gpd.GeoDataFrame, buildings: gpd.GeoDataFrame) -> pd.DataFrame:
    """``bygg_id``, ``kommunale_enheter``, ``antall_boliger`` of every building with more
    municipal units (joined on ``bygg_id``) than dwellings, most excess first."""
    if "bygg_id" not in dwellings.columns or "bygg_id" not in buildings.columns:
        return pd.DataFrame(columns=["bygg_id", "kommunale_enheter", "antall_boliger"])
    units = pd.to_numeric(dwellings["antall_enheter"], errors="coerce")
    per = units.groupby(_ids(dwellings["bygg_id"])).sum(min_count=1)
    b = pd.DataFrame({"bygg_id": _ids(buildings["bygg_id"]),
                      "antall_boliger": pd.to_numeric(buildings["antall_boliger"], errors="coerce")})
    b = b.dropna(subset=["bygg_id"]).drop_duplicates("bygg_id")   # a repeated id: its first building
    b["kommunale_enheter"] = b["bygg_id"].map(per)
    over = b[np.isfinite(b["antall_boliger"].to_numpy(float))
             & (b["kommunale_enheter"].to_numpy(float) > b["antall_boliger"].to_numpy(float))].copy()
    over["_excess"] = over["kommunale_enheter"] - over["antall_boliger"]
    over = over.sort_values(["_excess", "bygg_id"], ascending=[False, True], kind="stable")
    return over[["bygg_id", "kommunale_enheter", "antall_boliger"]].reset_index(drop=True)


def check_across_layers(layers: dict[str, gpd.GeoDataFrame], reports: dict[str, LayerReport]) -> None:
    """Add the cross-layer findings to the layers' reports (in place)."""
    dw, bd = layers.get("kommunal_bolig"), layers.get("bygning")
    if dw is None or bd is None or "kommunal_bolig" not in reports:
        return
    over = buildings_over_capacity(dw, bd)
    if not len(over):
        return
    det = ", ".join(f"bygg_id «{r.bygg_id}»: {fixed(r.kommunale_enheter, 0)} enheter mot {fixed(r.antall_boliger, 0)} boliger"
                    for r in over.head(5).itertuples())
    more = f" og {len(over) - 5} til" if len(over) > 5 else ""
    # on the kommunal_bolig report: its messages name features and are kept out of public reports
    reports["kommunal_bolig"].add(
        f"{len(over)} bygning(er) har flere kommunale enheter (koblet på bygg_id) enn boliger i "
        f"laget «bygning» ({det}{more}). Det er en datafeil: andelen kommunale boliger kan ikke "
        "beregnes for dem. Kontroller antall_boliger i «bygning» og antall_enheter og bygg_id i "
        "«kommunal_bolig».", "advarsel")
