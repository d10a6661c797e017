"""The concentration model: the layers joined once, then queried for tables and what-ifs.

:class:`ConcentrationModel` holds the prepared arrays (:mod:`.prepare`), the join
(:mod:`.join`) and the cached weights; the tables come from :mod:`.grunnkrets`,
:mod:`.buildings` and :mod:`.radius`, the indices from :mod:`.indices`, the hot
spots from :mod:`.weights_hotspots` and the purchase effects from :mod:`.whatif`.
Parameters not given are those of the shipped config
(:class:`~geoplan.config.concentration.ConcentrationSettings`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geoplan.analysis.concentration import buildings as _buildings
from geoplan.analysis.concentration import grunnkrets as _grunnkrets
from geoplan.analysis.concentration import radius as _radius
from geoplan.analysis.concentration._arrays import HOT, NOT_SIGNIFICANT, _kat_key, _pct
from geoplan.analysis.concentration.indices import (
    dissimilarity,
    isolation,
    spatial_dissimilarity,
)
from geoplan.analysis.concentration.join import join
from geoplan.analysis.concentration.prepare import (
    check_layers,
    prepare_buildings,
    prepare_dwellings,
    prepare_grunnkretser,
)
from geoplan.analysis.concentration.weights_hotspots import gi_star, grunnkrets_weights
from geoplan.config.concentration import ConcentrationSettings, Thresholds
from geoplan.errors import DataProblem

__all__ = ["ConcentrationResult", "ConcentrationModel", "Thresholds", "analyse", "cluster_settings"]


@dataclass
class ConcentrationResult:
    """Everything the concentration analysis produces (tidy tables, units in column names).

    ``grunnkretser`` (GeoDataFrame, one row per grunnkrets), ``kategorier``
    (long table grunnkrets × kategori), ``bygninger`` (buildings with municipal
    units), ``borettslag`` (or None), ``radius`` (one row per municipal point),
    ``indekser`` (dict), ``klynger`` (significant hot spots), ``utenfor``
    (points in no grunnkrets), ``datafeil`` (list of dicts), ``parametere`` and,
    after :func:`geoplan.privacy.suppress`, ``prikking`` and ``kategori_totaler``
    (the published units per kategori over the grunnkretser).
    """

    grunnkretser: gpd.GeoDataFrame
    kategorier: pd.DataFrame
    bygninger: pd.DataFrame
    borettslag: pd.DataFrame | None
    radius: pd.DataFrame
    indekser: dict
    klynger: pd.DataFrame
    utenfor: pd.DataFrame
    datafeil: list
    parametere: dict
    kategori_navn: list = field(default_factory=list)
    prikking: dict | None = None
    kategori_totaler: pd.DataFrame | None = None


def cluster_settings(permutations: int | None = None, seed: int | None = None,
                     alpha: float | None = None, neighbours: str | None = None,
                     knn_k: int | None = None) -> dict[str, Any]:
    """The hot-spot keyword arguments, each one not given from the shipped config."""
    given = dict(permutations=permutations, seed=seed, alpha=alpha, neighbours=neighbours,
                 knn_k=knn_k)
    if all(v is not None for v in given.values()):
        return given
    shipped = ConcentrationSettings.from_config().cluster_kwargs()
    return {k: shipped[k] if v is None else v for k, v in given.items()}


class ConcentrationModel:
    """Municipal dwellings joined to grunnkretser and buildings once, queried many times.

    Parameters
    ----------
    dwellings : GeoDataFrame
        ``kommunal_bolig``: points with ``antall_enheter`` (int ≥ 1), ``kategori``,
        optional ``bygg_id``.
    grunnkretser : GeoDataFrame
        Polygons with ``grunnkretsnummer`` and ``antall_boliger`` (all dwellings).
    buildings : GeoDataFrame, optional
        ``bygning``: points or polygons with ``bygg_id`` and ``antall_boliger``.
    radius_m : float, optional
        Neighbourhood radius (m) around every municipal dwelling
        (default ``concentration.radius_m``).
    thresholds : Thresholds, optional
        The limits to flag against (default: the shipped config).
    match_distance_m : float, optional
        Greatest distance (m) from a point to the building it is matched to,
        when ``bygg_id`` does not match (default ``concentration.bygning_treff_avstand_m``).

    Raises
    ------
    DataProblem
        A geographic CRS, layers in different CRS, missing columns, invalid
        ``antall_enheter`` or negative ``antall_boliger``.
    """

    def __init__(self, dwellings: gpd.GeoDataFrame, grunnkretser: gpd.GeoDataFrame,
                 buildings: gpd.GeoDataFrame | None = None, *, radius_m: float | None = None,
                 thresholds: Thresholds | None = None, match_distance_m: float | None = None):
        check_layers(dwellings, grunnkretser, buildings)
        if radius_m is None or thresholds is None or match_distance_m is None:
            shipped = ConcentrationSettings.from_config()
            radius_m = shipped.radius_m if radius_m is None else radius_m
            thresholds = shipped.thresholds if thresholds is None else thresholds
            match_distance_m = shipped.match_distance_m if match_distance_m is None else match_distance_m
        if not radius_m or radius_m <= 0:
            raise DataProblem("Radiusen må være større enn 0 m.")
        self.thresholds = thresholds
        self.radius_m = float(radius_m)
        self.match_distance_m = float(match_distance_m)
        self.crs = dwellings.crs
        self.dwellings = dwellings.reset_index(drop=True)
        self.grunnkretser = grunnkretser.reset_index(drop=True)
        self.buildings = None if buildings is None else buildings.reset_index(drop=True)
        self.dw, p_dw = prepare_dwellings(self.dwellings)
        self.gk, p_gk = prepare_grunnkretser(self.grunnkretser)
        self.bd = prepare_buildings(self.buildings)
        self.j, p_join = join(self.dw, self.gk, self.bd, match_distance_m=self.match_distance_m,
                              hf_code=self.hf_code())
        self.problems: list[dict] = [*p_dw, *p_gk, *p_join]
        self._w: tuple[tuple[str, int], Any] | None = None
        self._w_coo: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        self._fast_before: dict | None = None
        self._batch_static: Any = None   # .whatif_batch: what every purchase reads

    # -- the kategori rule -----------------------------------------------------------
    def hf_code(self) -> int:
        """Position of the Housing First kategori in the data (spelling as in :meth:`kategori_name`)."""
        hf = _kat_key(self.thresholds.housing_first_kategori)
        return next((i for i, k in enumerate(self.dw.kat_names) if _kat_key(k) == hf), -1)

    def kategori_name(self, kategori: str | None) -> str | None:
        """The data's spelling of a kategori typed by a user («Housing First» -> «housing_first»).

        Case, spaces, hyphens and underscores are ignored when matching the kategorier in
        the data and the Housing First kategori of the thresholds; anything else is kept.
        """
        if kategori is None or not str(kategori).strip():
            return None
        known = [*self.dw.kat_names, self.thresholds.housing_first_kategori]
        return next((k for k in known if _kat_key(k) == _kat_key(kategori)), str(kategori).strip())

    # -- validity and reference shares -------------------------------------------------
    def valid_gk(self, units: np.ndarray | None = None, dw: np.ndarray | None = None) -> np.ndarray:
        """Grunnkretser with a share: dwellings > 0 and no more units than dwellings."""
        m = self.j.g_units if units is None else units
        t = self.gk.dw if dw is None else dw
        return np.isfinite(t) & (t > 0) & (m <= t)

    def reference(self, units: np.ndarray | None = None, dw: np.ndarray | None = None,
                  units_k: np.ndarray | None = None) -> tuple[np.ndarray, float, float, np.ndarray]:
        """``(valid, T, P, Pk)``: the valid grunnkretser, their dwellings, the municipal
        share (fraction) and the share per kategori, over the valid grunnkretser."""
        m = self.j.g_units if units is None else units
        t = self.gk.dw if dw is None else dw
        mk = self.j.g_units_k if units_k is None else units_k
        v = self.valid_gk(m, t)
        T = float(t[v].sum())
        P = float(m[v].sum()) / T if T > 0 else float("nan")
        Pk = mk[v].sum(axis=0) / T if T > 0 else np.full(mk.shape[1], np.nan)
        return v, T, P, Pk

    # -- weights -------------------------------------------------------------------------
    def weights(self, neighbours: str | None = None, k: int | None = None) -> Any:
        """Binary weights on the grunnkretser (cached for the last ``(neighbours, k)``)."""
        if neighbours is None or k is None:
            cs = cluster_settings()
            neighbours = cs["neighbours"] if neighbours is None else neighbours
            k = cs["knn_k"] if k is None else k
        key = (str(neighbours), int(k))
        if self._w is None or self._w[0] != key:
            w = grunnkrets_weights(self.grunnkretser, neighbours, k)
            rows, cols = w.coo()
            self._w = (key, w)
            self._fast_before = None
            self._w_coo = (rows, cols, np.ones(len(rows)))
        return self._w[1]

    # -- tables --------------------------------------------------------------------------
    def grunnkrets_table(self) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
        """Per grunnkrets and per grunnkrets × kategori (:func:`.grunnkrets.grunnkrets_table`)."""
        return _grunnkrets.grunnkrets_table(self)

    def grunnkrets_problems(self) -> list[dict]:
        """Data problems of the grunnkretser (:func:`.grunnkrets.grunnkrets_problems`)."""
        return _grunnkrets.grunnkrets_problems(self)

    def building_table(self) -> tuple[pd.DataFrame, pd.DataFrame | None]:
        """Buildings and borettslag (:func:`.buildings.building_table`)."""
        return _buildings.building_table(self)

    def radius_table(self) -> gpd.GeoDataFrame:
        """Within the radius of every point (:func:`.radius.radius_table`)."""
        return _radius.radius_table(self)

    def outside_table(self) -> gpd.GeoDataFrame:
        """Points in no grunnkrets (:func:`.grunnkrets.outside_table`)."""
        return _grunnkrets.outside_table(self)

    # -- indices and hot spots -------------------------------------------------------------
    def indices(self, neighbours: str | None = None, k: int | None = None) -> dict:
        """Global indices on the grunnkretser with valid data (PySAL ``segregation``'s
        ``Dissim``, ``Isolation`` and ``SpatialDissim`` in numpy; the tests compare them
        with :func:`.indices.global_indices`, which calls PySAL)."""
        v = self.valid_gk()
        m, t = self.j.g_units[v], self.gk.dw[v]
        M, T = float(m.sum()), float(t.sum())
        out: dict[str, Any] = {
            "dissimilaritet": None, "isolasjon": None, "romlig_dissimilaritet": None,
            "kommunal_andel_pct": (100.0 * M / T) if T > 0 else None,
            "kommunale_enheter_totalt": int(round(M)), "antall_boliger_totalt": int(round(T)),
            "antall_grunnkretser": int(len(m)),
        }
        if len(m) and 0 < M < T:
            out["dissimilaritet"] = dissimilarity(m, t)
            out["isolasjon"] = isolation(m, t)
            if len(m) > 1:
                rows, cols = self.weights(neighbours, k).coo()
                pos = np.full(len(v), -1, dtype=np.int64)
                pos[v] = np.arange(len(m))
                keep = v[rows] & v[cols]  # the weights between valid grunnkretser (w_subset)
                sd = (spatial_dissimilarity(m, t, pos[rows[keep]], pos[cols[keep]],
                                            np.ones(int(keep.sum()))) if keep.any() else float("nan"))
                out["romlig_dissimilaritet"] = None if math.isnan(sd) else sd
        out["utelatte_grunnkretser"] = [str(x) for x in self.gk.ids[~v]]
        out["enheter_utenfor_grunnkretser"] = int(self.dw.units[self.j.gk_of < 0].sum())
        return out

    def fast_indices(self, units: np.ndarray | None = None, dw: np.ndarray | None = None) -> dict:
        """The same indices in plain numpy (for the what-if; agrees with :meth:`indices`)."""
        m = self.j.g_units if units is None else units
        t = self.gk.dw if dw is None else dw
        v = self.valid_gk(m, t)
        if self._w_coo is None:
            self.weights()
        assert self._w_coo is not None
        rows, cols, vals = self._w_coo
        keep = v[rows] & v[cols]
        M, T = float(m[v].sum()), float(t[v].sum())
        if M <= 0 or M >= T:
            return {"dissimilaritet": None, "isolasjon": None, "romlig_dissimilaritet": None,
                    "kommunal_andel_pct": 100 * M / T if T > 0 else None}
        # invalid grunnkretser are zeroed and their weights dropped: the same as the subset
        sd = (spatial_dissimilarity(np.where(v, m, 0), np.where(v, t, 0), rows[keep], cols[keep],
                                    vals[keep]) if keep.any() else float("nan"))
        return {"dissimilaritet": dissimilarity(m[v], t[v]), "isolasjon": isolation(m[v], t[v]),
                "romlig_dissimilaritet": None if math.isnan(sd) else sd,
                "kommunal_andel_pct": 100 * M / T}

    def clusters(self, *, permutations: int | None = None, seed: int | None = None,
                 alpha: float | None = None, neighbours: str | None = None,
                 k: int | None = None) -> pd.DataFrame:
        """Gi* on grunnkrets shares (invalid shares set to the municipal share, a neutral value)."""
        cs = cluster_settings(permutations, seed, alpha, neighbours, k)
        valid, _T, P, _ = self.reference()
        share = _pct(self.j.g_units, self.gk.dw)
        fill = 100 * P if np.isfinite(P) else 0.0
        y = np.where(np.isfinite(share), share, fill)
        if len(y) < 3:  # too few grunnkretser for local statistics
            res = pd.DataFrame({"gi": np.full(len(y), np.nan), "gi_z": np.full(len(y), np.nan),
                                "p_verdi": np.full(len(y), np.nan), "klynge": [NOT_SIGNIFICANT] * len(y)})
        else:
            res = gi_star(y, self.weights(cs["neighbours"], cs["knn_k"]),
                          permutations=cs["permutations"], seed=cs["seed"], alpha=cs["alpha"])
        res.insert(0, "grunnkretsnummer", self.gk.ids)
        res["andel_pct"] = share
        res["kommunale_enheter"] = pd.array(np.rint(self.j.g_units).astype(np.int64), dtype="Int64")
        res["andel_erstattet"] = ~valid
        # a grunnkrets without a valid share only stands in with the neutral value: it is
        # no hot or cold spot itself (its neighbours' statistics still use the value)
        res.loc[~valid, "klynge"] = NOT_SIGNIFICANT
        return res

    # -- everything ----------------------------------------------------------------------
    def result(self, *, permutations: int | None = None, seed: int | None = None,
               alpha: float | None = None, neighbours: str | None = None,
               knn_k: int | None = None) -> ConcentrationResult:
        """All tables: per grunnkrets, kategori, building, radius; indices; hot spots; problems.

        The hot-spot settings not given are those of the shipped config.
        """
        cs = cluster_settings(permutations, seed, alpha, neighbours, knn_k)
        gk, kat = self.grunnkrets_table()
        cl = self.clusters(permutations=cs["permutations"], seed=cs["seed"], alpha=cs["alpha"],
                           neighbours=cs["neighbours"], k=cs["knn_k"])
        gk["gi_z"] = cl["gi_z"].to_numpy()
        gk["p_verdi"] = cl["p_verdi"].to_numpy()
        gk["klynge"] = cl["klynge"].to_numpy()
        hot = cl[cl["klynge"] == HOT].sort_values("gi_z", ascending=False, kind="stable")
        hot = hot.drop(columns=["gi"]).reset_index(drop=True)
        bygg, brl = self.building_table()
        return ConcentrationResult(
            grunnkretser=gk, kategorier=kat, bygninger=bygg, borettslag=brl,
            radius=self.radius_table(), indekser=self.indices(cs["neighbours"], cs["knn_k"]),
            klynger=hot, utenfor=self.outside_table(),
            datafeil=list(self.problems) + self.grunnkrets_problems(),
            parametere={**self.thresholds.as_dict(),
                        "radius_m": self.radius_m, "bygning_treff_avstand_m": self.match_distance_m,
                        "klynge_permutasjoner": cs["permutations"], "klynge_signifikans": cs["alpha"],
                        "klynge_seed": cs["seed"], "klynge_naboer": cs["neighbours"]},
            kategori_navn=list(self.dw.kat_names),
        )

    # -- what-if (see :mod:`.whatif`) -----------------------------------------------------
    def purchase_effect(self, point: Any, units: int, kategori: str | None = None, *,
                        new_dwellings: bool = False, indices: bool = True) -> dict:
        """Before and after values if ``units`` are bought at ``point``
        (:func:`geoplan.analysis.concentration.whatif.model_purchase_effect`)."""
        from geoplan.analysis.concentration.whatif import model_purchase_effect

        return model_purchase_effect(self, point, units, kategori, new_dwellings=new_dwellings,
                                     indices=indices)

    def with_purchase(self, point: Any, units: int, kategori: str | None = None, *,
                      new_dwellings: bool = False) -> "ConcentrationModel":
        """A new model with the purchase added (:func:`.whatif.with_purchase`)."""
        from geoplan.analysis.concentration.whatif import with_purchase

        return with_purchase(self, point, units, kategori, new_dwellings=new_dwellings)


def analyse(dwellings: gpd.GeoDataFrame, grunnkretser: gpd.GeoDataFrame,
            buildings: gpd.GeoDataFrame | None = None, *, radius_m: float | None = None,
            thresholds: Thresholds | None = None, match_distance_m: float | None = None,
            permutations: int | None = None, seed: int | None = None, alpha: float | None = None,
            neighbours: str | None = None, knn_k: int | None = None,
            **_ignored: Any) -> ConcentrationResult:
    """The whole concentration analysis (see :class:`ConcentrationResult`).

    Parameters not given are those of the shipped config. Extra keyword arguments
    from :meth:`ConcentrationSettings.as_dict` that do not concern the tables
    (``cell_size_m``, ``min_count`` ...) are ignored.
    """
    model = ConcentrationModel(dwellings, grunnkretser, buildings, radius_m=radius_m,
                               thresholds=thresholds, match_distance_m=match_distance_m)
    return model.result(permutations=permutations, seed=seed, alpha=alpha,
                        neighbours=neighbours, knn_k=knn_k)
