"""Spatial indexes of the layers, built once per assessor and shared by the criteria."""

from __future__ import annotations

from typing import Any, Callable, Mapping

import geopandas as gpd
import numpy as np
import shapely

from geoplan.analysis.sites.criteria import as_list

#: ``(features, STRtree, geometries)`` of a layer, positions 0..n-1
Index = tuple[gpd.GeoDataFrame, shapely.STRtree, np.ndarray]


class LayerIndexes:
    """Memoised STRtrees, filtered subsets and unions of the layers.

    Parameters
    ----------
    layers : mapping of layer name -> GeoDataFrame (non-empty), one CRS
    """

    def __init__(self, layers: Mapping[str, gpd.GeoDataFrame]):
        self.layers = layers
        self._cache: dict = {}

    def memo(self, key: Any, build: Callable[[], Any]) -> Any:
        """``build()`` once per ``key``."""
        if key not in self._cache:
            self._cache[key] = build()
        return self._cache[key]

    def names(self, gdf: gpd.GeoDataFrame, column: str = "navn") -> np.ndarray:
        """:func:`~geoplan.analysis.sites.kinds.feature_names` of every feature of ``gdf``
        (one of the frames of these indexes), as an object array built once: a site
        then reads its names by position."""
        from geoplan.analysis.sites.kinds import feature_names

        def build() -> tuple[gpd.GeoDataFrame, np.ndarray]:
            arr = np.empty(len(gdf), dtype=object)
            arr[:] = feature_names(gdf, np.arange(len(gdf)), column)
            return gdf, arr      # the frame is kept, so its id stays its own
        return self.memo(("names", id(gdf), column), build)[1]

    def layer(self, layer: str) -> Index | None:
        """The index of ``layer``, or None when the data have no such layer."""
        def build() -> Index | None:
            gdf = self.layers.get(layer)
            if gdf is None or not len(gdf):
                return None
            gdf = gdf.reset_index(drop=True)
            geoms = gdf.geometry.to_numpy()
            return gdf, shapely.STRtree(geoms), geoms
        return self.memo(("layer", layer), build)

    def filtered(self, layer: str, flt: Mapping[str, Any] | None) -> Index | str | None:
        """The index of the features of ``layer`` whose columns match ``flt``
        (``{column: [values]}``, case-insensitive); a sentence when the filter cannot
        be applied or leaves nothing; None when the layer is missing."""
        # (most criteria filter nothing: no key text to write for them, per site)
        key = ("filtered", layer, repr(sorted(flt.items())) if flt else "")

        def build() -> Index | str | None:
            base = self.layer(layer)
            if base is None:
                return None
            gdf = base[0]
            if flt:
                keep = np.ones(len(gdf), dtype=bool)
                for col, allowed in flt.items():
                    if col not in gdf.columns:
                        return f"Laget «{layer}» mangler kolonnen «{col}» som kriteriet filtrerer på."
                    allowed_l = {str(v).strip().lower() for v in as_list(allowed)}
                    keep &= gdf[col].astype(str).str.strip().str.lower().isin(allowed_l).to_numpy()
                gdf = gdf[keep].reset_index(drop=True)
                if not len(gdf):
                    desc = "; ".join(f"{k} = {', '.join(map(str, as_list(v)))}" for k, v in flt.items())
                    return f"Laget «{layer}» har ingen objekter med {desc}."
            geoms = gdf.geometry.to_numpy()
            return gdf, shapely.STRtree(geoms), geoms
        return self.memo(key, build)

    def union(self, layer: str) -> tuple[Any, gpd.GeoDataFrame, shapely.STRtree] | None:
        """``(prepared union of the layer, features, STRtree)``, or None when it is missing."""
        def build() -> tuple[Any, gpd.GeoDataFrame, shapely.STRtree] | None:
            base = self.layer(layer)
            if base is None:
                return None
            gdf, tree, geoms = base
            union = shapely.union_all(geoms)
            shapely.prepare(union)
            return union, gdf, tree
        return self.memo(("union", layer), build)
