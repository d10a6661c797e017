"""The concentration analysis computes its weights, Gi* and global indices without PySAL
(importing libpysal, esda and segregation cost 2-4 s per command); PySAL stays the
reference: every quantity here is compared with libpysal ``Queen``/``KNN``/``attach_islands``,
esda ``G_Local`` and segregation ``Dissim``/``Isolation``/``SpatialDissim`` on the demo
municipality and on small geometries with holes, islands and multipolygons."""

from __future__ import annotations

import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely

from geoplan.analysis import concentration as C

DEMO = Path(__file__).resolve().parents[1] / "geoplan" / "data" / "demo" / "demo.gpkg"
CRS = 25832


@pytest.fixture(scope="module")
def demo():
    gk = gpd.read_file(DEMO, layer="grunnkrets")
    kb = gpd.read_file(DEMO, layer="kommunal_bolig")
    return gk, kb


def _awkward() -> gpd.GeoDataFrame:
    """A 4 × 4 grid, one cell with a hole holding a small polygon (shares only the hole's
    vertices), a multipolygon of two cells, one cell touching only at a corner, an island."""
    cells = [shapely.box(c * 100, r * 100, c * 100 + 100, r * 100 + 100) for r in range(4) for c in range(4)]
    cells[5] = shapely.Polygon(cells[5].exterior.coords,
                               [[(120, 120), (180, 120), (180, 180), (120, 180)]])
    cells.append(shapely.box(120, 120, 180, 180))  # inside the hole
    cells[14] = shapely.MultiPolygon([cells[14], shapely.box(500, 500, 600, 600)])
    cells.append(shapely.box(400, 400, 500, 500))   # touches the multipolygon part at (500, 500) only
    cells.append(shapely.box(5000, 5000, 5100, 5100))  # an island
    return gpd.GeoDataFrame(geometry=cells, crs=CRS)


def _neighbour_sets(w) -> dict:
    return {i: set(w.neighbors[i]) for i in w.id_order}


def test_queen_and_islands_match_libpysal(demo):
    from libpysal.weights import KNN, Queen, attach_islands

    for g in (demo[0], _awkward()):
        g = gpd.GeoDataFrame(geometry=g.geometry.reset_index(drop=True), crs=g.crs)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ref = Queen.from_dataframe(g, use_index=False, silence_warnings=True)
            if ref.islands:
                cen = g.set_geometry(g.geometry.centroid)
                ref = attach_islands(ref, KNN.from_dataframe(cen, k=1, use_index=False))
        ours = C.grunnkrets_weights(g, "queen", 4)
        assert _neighbour_sets(ours) == _neighbour_sets(ref)
    assert C.grunnkrets_weights(_awkward(), "queen", 4).neighbors[16] == [5]  # the hole's polygon


@pytest.mark.parametrize("k", [1, 4, 8])
def test_knn_matches_libpysal(demo, k):
    from libpysal.weights import KNN

    g = gpd.GeoDataFrame(geometry=demo[0].geometry.centroid, crs=demo[0].crs)
    ref = KNN.from_dataframe(g, k=k, use_index=False)
    ours = C.grunnkrets_weights(demo[0], "knn", k)
    assert _neighbour_sets(ours) == _neighbour_sets(ref)


@pytest.mark.parametrize("neighbours", ["queen", "knn"])
def test_gi_star_matches_esda_on_the_demo(demo, neighbours):
    import esda

    gk, kb = demo
    model = C.ConcentrationModel(kb, gk)
    share = np.nan_to_num(100 * model.j.g_units / np.where(model.gk.dw > 0, model.gk.dw, np.nan))
    w = model.weights(neighbours, 5)
    ours = C.gi_star(share, w, permutations=0, alpha=0.05, seed=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = esda.G_Local(share, w.to_libpysal(), transform="B", star=True, permutations=0)
    np.testing.assert_allclose(ours.gi, ref.Gs, rtol=1e-12)
    np.testing.assert_allclose(ours.gi_z, ref.Zs, rtol=1e-10)
    np.testing.assert_allclose(ours.p_verdi, ref.p_norm, rtol=1e-9, atol=1e-15)


@pytest.mark.parametrize("neighbours", ["queen", "knn"])
def test_global_indices_match_segregation_on_the_demo(demo, neighbours):
    from libpysal.weights import w_subset

    gk, kb = demo
    model = C.ConcentrationModel(kb, gk)
    ours = model.indices(neighbours, 5)
    v = model.valid_gk()
    idx = list(np.flatnonzero(v))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sub = w_subset(model.weights(neighbours, 5).to_libpysal(), idx, silence_warnings=True)
    pos = {k: i for i, k in enumerate(sub.id_order)}
    from libpysal.weights import W

    sub = W({pos[k]: [pos[j] for j in sub.neighbors[k]] for k in sub.id_order},
            id_order=list(range(len(pos))), silence_warnings=True)
    ref = C.global_indices(model.j.g_units[v], model.gk.dw[v],
                           geometry=gk.geometry[v].reset_index(drop=True), w=sub)
    assert ours["romlig_dissimilaritet"] is not None
    for key in ("dissimilaritet", "isolasjon", "romlig_dissimilaritet", "kommunal_andel_pct"):
        assert ours[key] == pytest.approx(ref[key], rel=1e-12), key
    for key in ("kommunale_enheter_totalt", "antall_boliger_totalt", "antall_grunnkretser"):
        assert ours[key] == ref[key]
