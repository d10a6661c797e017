"""Concentration of municipal rental dwellings: shares, indices, clusters, what-if.

The segregation analysis of DOMAIN.md §2. The sources give rules, not one cap
per area: Housing First at most 20 % of a block or neighbourhood (seed 004,
l. 13355-13359), 10-15 % municipal units in one mixed project (004, l. 9843),
"sell where the share is too high, buy elsewhere" (004, l. 3714-3728), and
the Skytterdalen warning case (003, l. 177-202). Every threshold is a number
passed in (:class:`Thresholds`); the command and app layers read them from
``config/concentration.toml``.

Everything here is a pure function of GeoDataFrames and numbers (no file I/O,
no printing). Shares are computed against *all* dwellings:

* per grunnkrets: ``kommunale_enheter`` (sum of ``antall_enheter`` of the
  ``kommunal_bolig`` points inside), ``antall_boliger``, ``andel_pct``,
  ``lokaliseringskvotient`` (grunnkrets share / municipal share) and the same by
  ``kategori``;
* per building (``bygning`` matched by ``bygg_id``, else by location);
* within a radius of every municipal dwelling (KD-tree);
* a kernel-density surface of units (array + affine transform);
* local clusters: Getis-Ord Gi* on the grunnkrets shares (esda for the
  statistic, a vectorised conditional permutation for the p-values);
* global indices from PySAL ``segregation`` (dissimilarity, isolation,
  spatial dissimilarity), municipal units against all dwellings;
* what-if: the effect of buying ``N`` units at a point
  (:meth:`ConcentrationModel.purchase_effect`, a few hundred microseconds per
  call) and the full recomputation (:meth:`ConcentrationModel.with_purchase`);
* public outputs with small counts suppressed (:func:`suppress`).

Data errors are reported in ``datafeil`` and never divided by: a grunnkrets
with no dwellings (share undefined), more municipal units than dwellings,
duplicate points, points outside every grunnkrets.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field, fields, replace
from typing import Any, NamedTuple, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

from geoplan.errors import ConfigError, DataProblem

__all__ = [
    "Thresholds", "ConcentrationModel", "ConcentrationResult", "DensitySurface",
    "analyse", "purchase_effect", "what_if", "density_surface", "suppress", "suppress_what_if",
    "as_dict",
    "dissimilarity", "isolation", "spatial_dissimilarity", "global_indices",
    "gi_star", "grunnkrets_weights", "validate_min_count", "settings_from_config",
]

HOT = "varm flekk"
COLD = "kald flekk"
NOT_SIGNIFICANT = "ikke signifikant"
UNSPECIFIED = "uspesifisert"
_CHUNK_PAIRS = 2_000_000  # bound on KD-tree pairs / permutation cells held at once


# ---------------------------------------------------------------------------
# Parameters
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Thresholds:
    """The limits a grunnkrets, building or radius is flagged against.

    Attributes
    ----------
    grunnkrets_andel_pct : float
        Highest share (%) of municipal units among all dwellings in a grunnkrets.
    lokaliseringskvotient_maks : float
        Highest location quotient (grunnkrets share / municipal share).
    housing_first_maks_andel_pct : float
        Highest Housing First share (%) of a block or neighbourhood (seed 004,
        l. 13355-13359); applied per building, grunnkrets and radius.
    housing_first_kategori : str
        The ``kategori`` value that means Housing First.
    bygning_maks_andel_pct : float
        Highest municipal share (%) in one building (mixed project, seed 004, l. 9843).
    bygning_maks_enheter : int
        Highest number of municipal units in one building (municipal choice).
    radius_andel_pct : float
        Highest municipal share (%) of the dwellings within the radius.
    """

    grunnkrets_andel_pct: float = 10.0
    lokaliseringskvotient_maks: float = 2.0
    housing_first_maks_andel_pct: float = 20.0
    housing_first_kategori: str = "housing_first"
    bygning_maks_andel_pct: float = 15.0
    bygning_maks_enheter: int = 10
    radius_andel_pct: float = 10.0

    @classmethod
    def from_config(cls, cfg) -> "Thresholds":
        """Read the thresholds from a :class:`geoplan.config.Config` (section ``concentration``)."""
        kw = {}
        for f in fields(cls):
            key = f"concentration.{f.name}"
            if cfg.has(key):
                kw[f.name] = cfg.get(key)
        t = cls(**kw)
        for f in fields(t):
            v = getattr(t, f.name)
            if f.name != "housing_first_kategori" and (not isinstance(v, (int, float)) or v < 0):
                raise ConfigError(
                    f"Parameteren «concentration.{f.name}» må være et tall ≥ 0 (er {v!r}). "
                    "Rett config/concentration.toml eller --set.")
        return t


def validate_min_count(value: Any) -> int:
    """The minimum count for public outputs as an int ≥ 1, else :class:`ConfigError`."""
    try:
        ok = not isinstance(value, bool) and float(value) == int(value) and int(value) >= 1
    except (TypeError, ValueError, OverflowError):
        ok = False
    if not ok:
        raise ConfigError(
            f"Minste antall for offentlige utdata (kommune.min_count_public) må være et heltall "
            f"≥ 1, men er {value!r}. Med 0 ville ingen små tall bli skjult. Rett config/kommune.toml "
            "eller --set kommune.min_count_public=5.")
    return int(value)


def settings_from_config(cfg) -> dict:
    """Keyword arguments for :func:`analyse` / :class:`ConcentrationModel` from config.

    Returns a dict with ``thresholds``, ``radius_m``, ``match_distance_m``,
    ``permutations``, ``alpha``, ``seed``, ``neighbours``, ``knn_k``,
    ``cell_size_m``, ``bandwidth_m``, ``new_dwellings``, ``suppress_zero`` and
    ``min_count`` (validated, from ``kommune.min_count_public``).
    """
    g = lambda k, d: cfg.get(f"concentration.{k}", d)  # noqa: E731
    out = dict(
        thresholds=Thresholds.from_config(cfg),
        radius_m=float(g("radius_m", 500.0)),
        match_distance_m=float(g("bygning_treff_avstand_m", 5.0)),
        permutations=int(g("klynge_permutasjoner", 999)),
        alpha=float(g("klynge_signifikans", 0.05)),
        seed=int(g("klynge_seed", 20240101)),
        neighbours=str(g("klynge_naboer", "queen")),
        knn_k=int(g("klynge_knn_k", 6)),
        cell_size_m=float(g("tetthet_cellestorrelse_m", 50.0)),
        bandwidth_m=float(g("tetthet_baandbredde_m", 300.0)),
        new_dwellings=bool(g("hva_hvis_nybygg", False)),
        suppress_zero=bool(g("prikk_nuller", False)),
        min_count=validate_min_count(cfg.get("kommune.min_count_public", 5)),
    )
    if out["radius_m"] <= 0:
        raise ConfigError("Parameteren «concentration.radius_m» må være større enn 0 m.")
    if out["permutations"] < 0:
        raise ConfigError("Parameteren «concentration.klynge_permutasjoner» kan ikke være negativ.")
    if not 0 < out["alpha"] < 1:
        raise ConfigError("Parameteren «concentration.klynge_signifikans» må ligge mellom 0 og 1.")
    if out["cell_size_m"] <= 0 or out["bandwidth_m"] <= 0:
        raise ConfigError("Cellestørrelse og båndbredde for tettheten må være større enn 0 m.")
    return out


# ---------------------------------------------------------------------------
# Input checks
# ---------------------------------------------------------------------------

def _check_layer(gdf, layer: str, columns: Sequence[str]) -> None:
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise DataProblem(f"Laget «{layer}» mangler eller er ikke et kartlag med geometri.")
    if gdf.crs is None:
        raise DataProblem(
            f"Laget «{layer}» har ikke noe koordinatsystem (CRS). Oppgi det (f.eks. --crs 25832).")
    if not gdf.crs.is_projected:
        raise DataProblem(
            f"Laget «{layer}» er i et geografisk koordinatsystem ({gdf.crs.name}); "
            "konsentrasjonsanalysen regner i meter og trenger EUREF89 UTM (EPSG:25832/25833/25835). "
            "Last dataene med geoplan (som transformerer dem) eller transformer laget først.")
    missing = [c for c in columns if c not in gdf.columns]
    if missing:
        raise DataProblem(
            f"Laget «{layer}» mangler kolonnen {', '.join('«%s»' % c for c in missing)}, "
            "som konsentrasjonsanalysen trenger. Legg den til i kildedataene.")


def _same_crs(a: gpd.GeoDataFrame, b: gpd.GeoDataFrame, la: str, lb: str) -> None:
    if not a.crs.equals(b.crs):
        raise DataProblem(
            f"Lagene «{la}» ({a.crs.name}) og «{lb}» ({b.crs.name}) har ulikt koordinatsystem. "
            "Last dataene med geoplan (som samler alt i ett koordinatsystem) eller transformer lagene.")


def _label(pos: int, ids: np.ndarray | None = None, col: str = "bygg_id") -> str:
    if ids is not None:
        v = ids[pos]
        if v is not None and not (isinstance(v, float) and math.isnan(v)) and str(v) != "":
            return f"objekt nr. {pos + 1} ({col} «{v}»)"
    return f"objekt nr. {pos + 1}"


def _labels(positions: np.ndarray, ids=None, col="bygg_id", limit=5) -> str:
    out = ", ".join(_label(int(p), ids, col) for p in positions[:limit])
    if len(positions) > limit:
        out += f" og {len(positions) - limit} til"
    return out


def _as_str_ids(s: pd.Series) -> np.ndarray:
    """Identifiers as object strings (None for missing or blank), integers without ``.0``."""
    if pd.api.types.infer_dtype(s, skipna=True) in ("string", "empty"):  # the usual case: vectorised
        st = s.astype("string").str.strip()
        out = st.to_numpy(dtype=object, na_value=None)
        out[(st == "").fillna(False).to_numpy(dtype=bool)] = None
        return out
    vals = s.to_numpy(dtype=object)
    out = np.empty(len(vals), dtype=object)
    for i, v in enumerate(vals):  # mixed or numeric identifiers: O(n) conversion, not a spatial loop
        if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
            out[i] = None
        elif isinstance(v, (float, np.floating)) and float(v).is_integer():
            out[i] = str(int(v))
        else:
            t = str(v).strip()
            out[i] = t if t else None
    return out


def _points_xy(geoms: np.ndarray) -> np.ndarray:
    """(n, 2) coordinates of points (centroid for Multi*/polygons)."""
    return shapely.get_coordinates(shapely.centroid(geoms)).reshape(-1, 2)


def _first_match(pairs: np.ndarray, n: int) -> np.ndarray:
    """For (2, k) [input, tree] pairs: the lowest tree index per input, -1 if none."""
    out = np.full(n, -1, dtype=np.int64)
    if pairs.size == 0:
        return out
    inp, tree = pairs
    order = np.lexsort((tree, inp))
    inp, tree = inp[order], tree[order]
    u, first = np.unique(inp, return_index=True)
    out[u] = tree[first]
    return out


def _radius_sums(centres: np.ndarray, tree: cKDTree, radius: float,
                 weights: np.ndarray) -> np.ndarray:
    """Sum of ``weights`` (one column per weight set) of tree points within ``radius`` of each centre.

    Vectorised with KD-tree pair lists in chunks (memory bounded); distance ≤ radius.
    """
    weights = np.asarray(weights, dtype=float)
    if weights.ndim == 1:
        weights = weights[:, None]
    n = len(centres)
    out = np.zeros((n, weights.shape[1]))
    if n == 0 or tree.n == 0:
        return out
    # estimate the pair count from a sample to size the chunks
    probe = centres[:: max(1, n // 200)]
    per = max(1.0, float(np.mean(tree.query_ball_point(probe, radius, return_length=True))))
    step = int(max(1, min(n, _CHUNK_PAIRS // per)))
    for s in range(0, n, step):
        sub = cKDTree(centres[s:s + step])
        pairs = sub.sparse_distance_matrix(tree, radius, output_type="ndarray")
        i, j = pairs["i"], pairs["j"]
        for c in range(weights.shape[1]):
            out[s:s + step, c] = np.bincount(i, weights=weights[j, c], minlength=len(sub.data))
    return out


def _pct(num, den) -> np.ndarray:
    num = np.asarray(num, dtype=float)
    den = np.asarray(den, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where((den > 0) & np.isfinite(den) & (num <= den), 100.0 * num / den, np.nan)
    return out


def _gt(a, limit) -> np.ndarray:
    a = np.asarray(a, dtype=float)
    with np.errstate(invalid="ignore"):
        return np.where(np.isnan(a), False, a > limit)


def _int_na(values) -> pd.arrays.IntegerArray:
    v = np.asarray(values, dtype=float)
    ok = np.isfinite(v)
    return pd.arrays.IntegerArray(np.rint(np.where(ok, v, 0)).astype(np.int64), ~ok)


def _bool_na(values, known) -> pd.arrays.BooleanArray:
    return pd.arrays.BooleanArray(np.asarray(values, dtype=bool), ~np.asarray(known, dtype=bool))


# ---------------------------------------------------------------------------
# Global indices: the package, and fast numpy twins for the what-if
# ---------------------------------------------------------------------------

def dissimilarity(m: Sequence[float], t: Sequence[float]) -> float:
    """Dissimilarity index D = ½ Σ |m_i/M − o_i/O|, o = t − m (numpy; same as PySAL ``Dissim``).

    Parameters
    ----------
    m, t : array-like
        Municipal units and all dwellings per unit area (counts, m ≤ t).

    Returns
    -------
    float
        D in [0, 1], NaN when M = 0 or O = 0.
    """
    m = np.asarray(m, float)
    o = np.asarray(t, float) - m
    M, O = m.sum(), o.sum()
    if M <= 0 or O <= 0:
        return float("nan")
    return float(0.5 * np.abs(m / M - o / O).sum())


def isolation(m: Sequence[float], t: Sequence[float]) -> float:
    """Isolation index xPx = Σ (m_i/M)(m_i/t_i) (numpy; same as PySAL ``Isolation``).

    Units with t_i = 0 contribute nothing. NaN when M = 0.
    """
    m = np.asarray(m, float)
    t = np.asarray(t, float)
    M = m.sum()
    if M <= 0:
        return float("nan")
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(t > 0, m / t, 0.0)
    return float(((m / M) * r).sum())


def spatial_dissimilarity(m, t, w_rows, w_cols, w_vals) -> float:
    """Morrill's spatial dissimilarity D − Σ c_ij |p_i − p_j| / Σ c_ij (binary contiguity c).

    Same as PySAL ``SpatialDissim`` (not row-standardised); the weights are
    given as coordinate arrays of the sparse matrix.
    """
    D = dissimilarity(m, t)
    if math.isnan(D):
        return D
    m = np.asarray(m, float)
    t = np.asarray(t, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(t > 0, m / t, 0.0)
    den = float(np.sum(w_vals))
    if den <= 0:
        return float("nan")
    return float(D - np.sum(w_vals * np.abs(p[w_rows] - p[w_cols])) / den)


def global_indices(m: Sequence[float], t: Sequence[float], geometry=None, w=None) -> dict:
    """Global segregation indices from PySAL ``segregation`` 2.5 (``singlegroup``).

    Parameters
    ----------
    m, t : array-like
        Municipal units and all dwellings per grunnkrets (only grunnkretser
        with valid data: t > 0 and m ≤ t).
    geometry : GeoSeries, optional
        The grunnkrets polygons (same order), for the spatial index.
    w : libpysal.weights.W, optional
        Contiguity weights on those polygons (binary); Queen when omitted.

    Returns
    -------
    dict
        ``dissimilaritet`` (Dissim), ``isolasjon`` (Isolation, xPx),
        ``romlig_dissimilaritet`` (SpatialDissim, Morrill), ``kommunal_andel_pct``
        (the isolation index's value under evenness, in %), totals. ``None`` where
        undefined (no municipal units, or all dwellings municipal).
    """
    m = np.asarray(m, float)
    t = np.asarray(t, float)
    M, T = float(m.sum()), float(t.sum())
    out = {
        "dissimilaritet": None, "isolasjon": None, "romlig_dissimilaritet": None,
        "kommunal_andel_pct": (100.0 * M / T) if T > 0 else None,
        "kommunale_enheter_totalt": int(round(M)), "antall_boliger_totalt": int(round(T)),
        "antall_grunnkretser": int(len(m)),
    }
    if len(m) == 0 or M <= 0 or M >= T:
        return out
    from segregation.singlegroup import Dissim, Isolation, SpatialDissim

    df = pd.DataFrame({"m": m, "t": t})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out["dissimilaritet"] = float(Dissim(df, "m", "t").statistic)
        out["isolasjon"] = float(Isolation(df, "m", "t").statistic)
        if geometry is not None and len(m) > 1:
            crs = getattr(geometry, "crs", None) or 25832  # only checked for being projected
            gdf = gpd.GeoDataFrame(df, geometry=gpd.GeoSeries(np.asarray(geometry)), crs=crs)
            if w is not None:
                w = _binary_copy(w)
            sd = float(SpatialDissim(gdf, "m", "t", w=w).statistic)
            out["romlig_dissimilaritet"] = None if math.isnan(sd) else sd
    return out


def _binary_copy(w):
    from libpysal.weights import W

    nb = {k: list(v) for k, v in w.neighbors.items()}
    return W(nb, id_order=list(w.id_order), silence_warnings=True)


# ---------------------------------------------------------------------------
# Clusters: Getis-Ord Gi*
# ---------------------------------------------------------------------------

def grunnkrets_weights(grunnkretser: gpd.GeoDataFrame, neighbours: str = "queen", k: int = 6):
    """Binary spatial weights on grunnkretser (ids 0..n-1 in row order).

    ``queen``: shared edge or corner; grunnkretser without neighbours (islands)
    are joined to their nearest grunnkrets. ``knn``: the ``k`` nearest centroids.
    """
    from libpysal.weights import KNN, Queen, attach_islands

    n = len(grunnkretser)
    g = gpd.GeoDataFrame(geometry=grunnkretser.geometry.reset_index(drop=True))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if neighbours == "knn":
            kk = max(1, min(int(k), n - 1))
            cen = g.set_geometry(g.geometry.centroid)
            return KNN.from_dataframe(cen, k=kk, use_index=False)
        if neighbours != "queen":
            raise ConfigError(
                f"Ukjent naboskap «{neighbours}» (concentration.klynge_naboer): bruk «queen» eller «knn».")
        w = Queen.from_dataframe(g, use_index=False, silence_warnings=True)
        if w.islands and n > 1:
            cen = g.set_geometry(g.geometry.centroid)
            w = attach_islands(w, KNN.from_dataframe(cen, k=1, use_index=False))
    return w


def _gi_star_permutation_p(y: np.ndarray, card: np.ndarray, gs: np.ndarray,
                           permutations: int, seed: int) -> np.ndarray:
    """Pseudo p-values of Gi* (binary weights, self included) by conditional randomisation.

    For each unit i, y_i stays and its k_i neighbours are drawn without
    replacement from the other n − 1 values, ``permutations`` times (one shared
    set of random draws, as esda does). p = (min(#sim ≥ obs, #sim < obs) + 1) /
    (permutations + 1), esda's folded ("directed") convention. Vectorised over
    units in memory-bounded chunks.
    """
    n = len(y)
    P = int(permutations)
    K = int(card.max()) if n else 0
    if n < 2 or P == 0 or K == 0:
        return np.full(n, np.nan)
    rng = np.random.default_rng(seed)
    K = min(K, n - 1)
    rids = rng.permuted(np.tile(np.arange(n - 1), (P, 1)), axis=1)[:, :K]  # (P, K)
    ysum = y.sum()
    larger = np.zeros(n)
    step = max(1, _CHUNK_PAIRS // (P * K))
    kk = np.minimum(card, K)
    for s in range(0, n, step):
        ii = np.arange(s, min(n, s + step))
        idx = rids[None, :, :] + (rids[None, :, :] >= ii[:, None, None])  # skip i itself
        cs = np.cumsum(y[idx], axis=2)  # (c, P, K)
        k = kk[ii]
        picked = cs[np.arange(len(ii))[:, None], np.arange(P)[None, :], np.maximum(k - 1, 0)[:, None]]
        picked = np.where((k > 0)[:, None], picked, 0.0)
        sim = (y[ii][:, None] + picked) / ysum
        larger[ii] = (sim >= gs[ii][:, None] - 1e-12 * np.abs(gs[ii][:, None])).sum(axis=1)
    low = (P - larger) < larger
    larger[low] = P - larger[low]
    return (larger + 1.0) / (P + 1.0)


def gi_star(y: Sequence[float], w, *, permutations: int = 999, seed: int = 20240101,
            alpha: float = 0.05) -> pd.DataFrame:
    """Getis-Ord Gi* with permutation p-values.

    Parameters
    ----------
    y : array-like
        Values per unit (here municipal share in %, ≥ 0).
    w : libpysal.weights.W
        Binary weights (self is added: Gi*).
    permutations : int
        Conditional permutations for ``p_verdi`` (999 by default; 0 = analytical
        normal p-value).
    seed : int
        Seed of the permutations (the result is reproducible).
    alpha : float
        Significance level for ``klynge``.

    Returns
    -------
    DataFrame
        ``gi`` (the statistic, esda ``G_Local(star=True, transform="B")``),
        ``gi_z`` (analytical z-score), ``p_verdi`` and ``klynge``
        (``varm flekk`` / ``kald flekk`` / ``ikke signifikant``), one row per unit.
    """
    import esda
    from scipy import stats

    y = np.asarray(y, dtype=float)
    n = len(y)
    if n < 3 or not np.isfinite(y).all() or y.sum() <= 0 or np.allclose(y, y[0]):
        return pd.DataFrame({"gi": np.full(n, np.nan), "gi_z": np.full(n, np.nan),
                             "p_verdi": np.full(n, np.nan), "klynge": [NOT_SIGNIFICANT] * n})
    wb = _binary_copy(w)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        g = esda.G_Local(y, wb, transform="B", star=True, permutations=0)
    card = np.asarray([len(wb.neighbors[i]) for i in wb.id_order], dtype=np.int64)
    gs = np.asarray(g.Gs, dtype=float)
    z = np.asarray(g.Zs, dtype=float)
    if permutations:
        p = _gi_star_permutation_p(y, card, gs, permutations, seed)
    else:
        p = stats.norm.sf(np.abs(z))
    sig = np.nan_to_num(p, nan=1.0) <= alpha
    kl = np.where(sig & (z > 0), HOT, np.where(sig & (z < 0), COLD, NOT_SIGNIFICANT))
    return pd.DataFrame({"gi": gs, "gi_z": z, "p_verdi": p, "klynge": kl})


# ---------------------------------------------------------------------------
# Density surface
# ---------------------------------------------------------------------------

class DensitySurface(NamedTuple):
    """A kernel density of municipal units.

    ``array`` (float32, rows north to south) in units per km², ``transform``
    (affine, cell size in m), ``crs`` of the data, ``cell_size_m``, ``bandwidth_m``.
    """

    array: np.ndarray
    transform: Any
    crs: Any
    cell_size_m: float
    bandwidth_m: float


def density_surface(dwellings: gpd.GeoDataFrame, *, cell_size_m: float = 50.0,
                    bandwidth_m: float = 300.0, bounds: Sequence[float] | None = None,
                    weight_column: str = "antall_enheter",
                    min_count: int | None = None) -> DensitySurface:
    """Kernel density (quartic kernel of radius ``bandwidth_m``) of municipal units.

    Units are binned to cells of ``cell_size_m`` and convolved (FFT) with the
    quartic kernel K(d) = 3/(π h²)·(1 − d²/h²)², normalised on the grid so that
    Σ cells × cell area = the number of units (mass is kept exactly).

    Parameters
    ----------
    dwellings : GeoDataFrame
        ``kommunal_bolig`` points in a projected CRS.
    cell_size_m, bandwidth_m : float
        Cell size and kernel radius (m).
    bounds : (minx, miny, maxx, maxy), optional
        Extent to cover (e.g. the municipality); default the points' extent.
        Padded by the bandwidth either way.
    weight_column : str
        Column with the weight per point (units).
    min_count : int, optional
        For public outputs: cells with fewer than ``min_count`` units within the
        bandwidth are set to 0, so a lone dwelling does not show as a blob.

    Returns
    -------
    DensitySurface
        ``array`` in units per km² and its affine ``transform``.
    """
    from affine import Affine
    from scipy.signal import fftconvolve

    _check_layer(dwellings, "kommunal_bolig", [weight_column])
    if cell_size_m <= 0 or bandwidth_m <= 0:
        raise DataProblem("Cellestørrelse og båndbredde for tetthetsflaten må være større enn 0 m.")
    xy = _points_xy(dwellings.geometry.values)
    wts = pd.to_numeric(dwellings[weight_column], errors="coerce").to_numpy(float)
    ok = np.isfinite(wts) & np.isfinite(xy).all(axis=1)
    xy, wts = xy[ok], wts[ok]
    if bounds is None:
        if len(xy) == 0:
            raise DataProblem("Ingen kommunale boliger å lage tetthetsflate av.")
        bounds = (*xy.min(axis=0), *xy.max(axis=0))
    c = float(cell_size_m)
    h = float(bandwidth_m)
    minx = math.floor((bounds[0] - h) / c) * c
    miny = math.floor((bounds[1] - h) / c) * c
    maxx = math.ceil((bounds[2] + h) / c) * c
    maxy = math.ceil((bounds[3] + h) / c) * c
    ncol = max(1, int(round((maxx - minx) / c)))
    nrow = max(1, int(round((maxy - miny) / c)))
    if nrow * ncol > 50_000_000:
        raise DataProblem(
            f"Tetthetsflaten ville fått {nrow}×{ncol} celler; øk cellestørrelsen "
            "(concentration.tetthet_cellestorrelse_m).")
    col = np.clip(((xy[:, 0] - minx) // c).astype(np.int64), 0, ncol - 1)
    row = np.clip(((maxy - xy[:, 1]) // c).astype(np.int64), 0, nrow - 1)
    grid = np.zeros((nrow, ncol))
    np.add.at(grid, (row, col), wts)
    r = int(math.ceil(h / c))
    off = np.arange(-r, r + 1) * c
    dx, dy = np.meshgrid(off, off)
    d2 = (dx ** 2 + dy ** 2) / h ** 2
    kern = np.where(d2 < 1.0, (1.0 - d2) ** 2, 0.0)
    kern /= kern.sum() * (c * c) / 1e6  # per km², discrete mass 1
    dens = fftconvolve(grid, kern, mode="same") if grid.any() else grid
    dens[dens < 1e-9 * max(1.0, float(dens.max()))] = 0.0
    if min_count is not None and grid.any():
        k = validate_min_count(min_count)
        disc = (d2 <= 1.0).astype(float)
        near = fftconvolve(grid, disc, mode="same")
        dens[near < k - 1e-6] = 0.0
    return DensitySurface(dens.astype(np.float32), Affine(c, 0.0, minx, 0.0, -c, maxy),
                          dwellings.crs, c, h)


# ---------------------------------------------------------------------------
# The model
# ---------------------------------------------------------------------------

@dataclass
class ConcentrationResult:
    """Everything the concentration analysis produces (tidy tables, units in column names).

    ``grunnkretser`` (GeoDataFrame, one row per grunnkrets), ``kategorier``
    (long table grunnkrets × kategori), ``bygninger`` (buildings with municipal
    units), ``borettslag`` (or None), ``radius`` (one row per municipal point),
    ``indekser`` (dict), ``klynger`` (significant hot spots), ``utenfor``
    (points in no grunnkrets), ``datafeil`` (list of dicts), ``parametere`` and,
    after :func:`suppress`, ``prikking``.
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
    radius_m : float
        Neighbourhood radius (m) around every municipal dwelling.
    thresholds : Thresholds
        The limits to flag against.
    match_distance_m : float
        Greatest distance (m) from a point to the building it is matched to,
        when ``bygg_id`` does not match.

    Raises
    ------
    DataProblem
        A geographic CRS, layers in different CRS, missing columns, invalid
        ``antall_enheter`` or negative ``antall_boliger``.
    """

    def __init__(self, dwellings: gpd.GeoDataFrame, grunnkretser: gpd.GeoDataFrame,
                 buildings: gpd.GeoDataFrame | None = None, *, radius_m: float = 500.0,
                 thresholds: Thresholds | None = None, match_distance_m: float = 5.0):
        _check_layer(dwellings, "kommunal_bolig", ["antall_enheter", "kategori"])
        _check_layer(grunnkretser, "grunnkrets", ["grunnkretsnummer", "antall_boliger"])
        _same_crs(dwellings, grunnkretser, "kommunal_bolig", "grunnkrets")
        if buildings is not None:
            _check_layer(buildings, "bygning", ["bygg_id", "antall_boliger"])
            _same_crs(dwellings, buildings, "kommunal_bolig", "bygning")
        if not radius_m or radius_m <= 0:
            raise DataProblem("Radiusen må være større enn 0 m.")
        self.thresholds = thresholds or Thresholds()
        self.radius_m = float(radius_m)
        self.match_distance_m = float(match_distance_m)
        self.crs = dwellings.crs
        self.problems: list[dict] = []
        self.dwellings = dwellings.reset_index(drop=True)
        self.grunnkretser = grunnkretser.reset_index(drop=True)
        self.buildings = None if buildings is None else buildings.reset_index(drop=True)
        self._prepare_dwellings()
        self._prepare_grunnkretser()
        self._prepare_buildings()
        self._join()
        self._w = None
        self._w_coo = None
        self._fast_before = None

    # -- preparation -----------------------------------------------------------
    def _prepare_dwellings(self) -> None:
        d = self.dwellings
        n = len(d)
        self.d_ids = _as_str_ids(d["bygg_id"]) if "bygg_id" in d.columns else None
        geoms = d.geometry.values
        empty = shapely.is_missing(np.asarray(geoms)) | shapely.is_empty(np.asarray(geoms))
        if empty.any():
            raise DataProblem(
                f"{int(empty.sum())} kommunal(e) bolig(er) i laget «kommunal_bolig» mangler geometri: "
                f"{_labels(np.flatnonzero(empty), self.d_ids)}. Rett eller fjern dem.")
        units = pd.to_numeric(d["antall_enheter"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        bad = ~np.isfinite(units) | (units < 1) | (np.mod(np.nan_to_num(units), 1) != 0)
        if bad.any():
            raise DataProblem(
                "Kolonnen «antall_enheter» i laget «kommunal_bolig» skal være et heltall ≥ 1, men er "
                f"ugyldig for {_labels(np.flatnonzero(bad), self.d_ids)}. Rett verdiene i kildedataene.")
        self.units = units
        kat = _as_str_ids(d["kategori"])
        kat = np.where(pd.isna(kat), "ukjent", kat).astype(object)
        self.kat_names = sorted(set(kat.tolist()))
        self.kat_code = pd.Index(self.kat_names).get_indexer(kat)
        self.kat = kat
        self.xy = _points_xy(geoms)
        self.n = n
        # duplicates: same place (cm) and the same attributes
        key = pd.DataFrame({
            "x": np.round(self.xy[:, 0], 2), "y": np.round(self.xy[:, 1], 2),
            "u": units, "k": kat,
            "b": self.d_ids if self.d_ids is not None else np.full(n, None, dtype=object),
        })
        dup = key.duplicated(keep=False).to_numpy()
        self.duplicate = dup
        if dup.any():
            groups = key[dup].groupby(["x", "y", "u", "k"], dropna=False).ngroups
            pos = np.flatnonzero(dup)
            self.problems.append({
                "type": "duplikat",
                "antall": int(dup.sum()),
                "objekter": [int(p) + 1 for p in pos],
                "melding": (
                    f"{int(dup.sum())} kommunale boligpunkter i {groups} gruppe(r) ligger på samme sted "
                    f"med like opplysninger ({_labels(pos, self.d_ids)}). De er talt med alle; "
                    "er det en dobbeltregistrering, fjern kopien i kildedataene."),
            })

    def _prepare_grunnkretser(self) -> None:
        g = self.grunnkretser
        self.g_ids = _as_str_ids(g["grunnkretsnummer"])
        t = pd.to_numeric(g["antall_boliger"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        neg = np.isfinite(t) & (t < 0)
        if neg.any():
            raise DataProblem(
                "Kolonnen «antall_boliger» i laget «grunnkrets» kan ikke være negativ: "
                f"{_labels(np.flatnonzero(neg), self.g_ids, 'grunnkretsnummer')}. Rett verdiene.")
        self.g_dw = t
        self.g_names = (_as_str_ids(g["grunnkretsnavn"]) if "grunnkretsnavn" in g.columns
                        else np.full(len(g), None, dtype=object))
        dup = pd.Series(self.g_ids).duplicated(keep=False).to_numpy() & pd.notna(self.g_ids)
        if dup.any():
            self.problems.append({
                "type": "duplikat_grunnkrets",
                "antall": int(dup.sum()),
                "objekter": sorted({str(v) for v in self.g_ids[dup]}),
                "melding": (
                    f"Grunnkretsnummer går igjen i {int(dup.sum())} flater "
                    f"({', '.join(sorted({str(v) for v in self.g_ids[dup]})[:5])}); de er behandlet "
                    "som ulike grunnkretser. Slå dem sammen eller rett numrene."),
            })
        self.g_tree = shapely.STRtree(np.asarray(g.geometry.values))

    def _prepare_buildings(self) -> None:
        b = self.buildings
        if b is None:
            self.b_ids = None
            self.b_dw = np.zeros(0)
            self.b_xy = np.zeros((0, 2))
            self.b_tree = None
            self.b_kdtree = cKDTree(np.zeros((0, 2)))
            return
        self.b_ids = _as_str_ids(b["bygg_id"])
        dw = pd.to_numeric(b["antall_boliger"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        neg = np.isfinite(dw) & (dw < 0)
        if neg.any():
            raise DataProblem(
                "Kolonnen «antall_boliger» i laget «bygning» kan ikke være negativ: "
                f"{_labels(np.flatnonzero(neg), self.b_ids)}. Rett verdiene.")
        self.b_dw = dw
        geoms = np.asarray(b.geometry.values)
        self.b_geoms = geoms
        self.b_xy = _points_xy(geoms)
        self.b_tree = shapely.STRtree(geoms)
        okxy = np.isfinite(self.b_xy).all(axis=1)
        self._b_kd_pos = np.flatnonzero(okxy)
        self.b_kdtree = cKDTree(self.b_xy[okxy])
        self.b_borettslag = (_as_str_ids(b["borettslag"]) if "borettslag" in b.columns else None)

    def _locate_building(self, pts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Building position for points by location: inside a polygon, else nearest ≤ match distance."""
        n = len(pts)
        pos = np.full(n, -1, dtype=np.int64)
        how = np.full(n, None, dtype=object)
        if self.b_tree is None or n == 0:
            return pos, how
        inside = _first_match(self.b_tree.query(pts, predicate="intersects"), n)
        pos[inside >= 0] = inside[inside >= 0]
        how[inside >= 0] = "innenfor"
        rest = np.flatnonzero(pos < 0)
        if len(rest):
            pairs = self.b_tree.query_nearest(pts[rest], max_distance=self.match_distance_m,
                                              all_matches=False)
            near = _first_match(pairs, len(rest))
            hit = near >= 0
            pos[rest[hit]] = near[hit]
            how[rest[hit]] = "nærmeste"
        return pos, how

    def _join(self) -> None:
        n = self.n
        pts = shapely.points(self.xy)
        self.pts = pts
        self.gk_of = _first_match(self.g_tree.query(pts, predicate="intersects"), n)
        # buildings: by bygg_id first, then by location
        b_of = np.full(n, -1, dtype=np.int64)
        how = np.full(n, None, dtype=object)
        if self.buildings is not None:
            if self.d_ids is not None:
                idx = pd.Index(self.b_ids)
                if not idx.is_unique:
                    dup = pd.Series(self.b_ids).duplicated(keep=False).to_numpy() & pd.notna(self.b_ids)
                    if dup.any():
                        self.problems.append({
                            "type": "duplikat_bygg_id", "antall": int(dup.sum()),
                            "objekter": sorted({str(v) for v in self.b_ids[dup]})[:50],
                            "melding": (f"{int(dup.sum())} bygninger deler bygg_id med en annen; "
                                        "den første er brukt ved kobling på bygg_id."),
                        })
                    first = ~pd.Series(self.b_ids).duplicated(keep="first").to_numpy()
                    lookup = pd.Series(np.flatnonzero(first), index=pd.Index(self.b_ids[first]))
                else:
                    lookup = pd.Series(np.arange(len(idx)), index=idx)
                has = pd.notna(self.d_ids)
                found = np.full(n, -1, dtype=np.int64)
                if has.any():
                    got = lookup.reindex(self.d_ids[has]).to_numpy(dtype=float, na_value=np.nan)
                    found[has] = np.where(np.isnan(got), -1, got).astype(np.int64)
                b_of[found >= 0] = found[found >= 0]
                how[found >= 0] = "bygg_id"
                unknown = has & (found < 0)
                if unknown.any():
                    self.problems.append({
                        "type": "ukjent_bygg_id", "antall": int(unknown.sum()),
                        "objekter": [int(p) + 1 for p in np.flatnonzero(unknown)],
                        "melding": (
                            f"{int(unknown.sum())} kommunale boligpunkter har en bygg_id som ikke finnes "
                            f"i laget «bygning» ({_labels(np.flatnonzero(unknown), self.d_ids)}); "
                            "de er knyttet til bygning etter beliggenhet."),
                    })
            rest = np.flatnonzero(b_of < 0)
            if len(rest):
                p, h = self._locate_building(pts[rest])
                b_of[rest] = p
                how[rest] = h
            none = b_of < 0
            if none.any():
                self.problems.append({
                    "type": "uten_bygning", "antall": int(none.sum()),
                    "objekter": [int(p) + 1 for p in np.flatnonzero(none)],
                    "melding": (
                        f"{int(none.sum())} kommunale boligpunkter kunne ikke knyttes til en bygning "
                        f"(ingen bygg_id-treff og ingen bygning innenfor {self.match_distance_m:g} m): "
                        f"{_labels(np.flatnonzero(none), self.d_ids)}."),
                })
        self.b_of = b_of
        self.b_how = how
        # aggregates
        ng, nk = len(self.grunnkretser), len(self.kat_names)
        inside = self.gk_of >= 0
        self.g_units = np.bincount(self.gk_of[inside], weights=self.units[inside], minlength=ng)
        self.g_units_k = np.bincount(self.gk_of[inside] * nk + self.kat_code[inside],
                                     weights=self.units[inside], minlength=ng * nk).reshape(ng, nk)
        nb = 0 if self.buildings is None else len(self.buildings)
        inb = b_of >= 0
        self.b_units = np.bincount(b_of[inb], weights=self.units[inb], minlength=nb)
        self.b_units_k = np.bincount(b_of[inb] * nk + self.kat_code[inb],
                                     weights=self.units[inb], minlength=nb * nk).reshape(nb, nk)
        # KD-tree of municipal points (unique places, summed weights)
        uxy, inv = np.unique(self.xy, axis=0, return_inverse=True)
        inv = inv.reshape(-1)
        self.u_xy = uxy
        self.u_inv = inv
        self.u_units = np.bincount(inv, weights=self.units, minlength=len(uxy))
        hf = self._hf_code()
        hfw = self.units * (self.kat_code == hf) if hf >= 0 else np.zeros(n)
        self.u_hf = np.bincount(inv, weights=hfw, minlength=len(uxy))
        self.d_kdtree = cKDTree(uxy)

    def _hf_code(self) -> int:
        """Position of the Housing First kategori in the data (spelling as in :meth:`kategori_name`)."""
        hf = _kat_key(self.thresholds.housing_first_kategori)
        return next((i for i, k in enumerate(self.kat_names) if _kat_key(k) == hf), -1)

    # -- validity and reference shares ---------------------------------------
    def _valid_gk(self, units=None, dw=None) -> np.ndarray:
        m = self.g_units if units is None else units
        t = self.g_dw if dw is None else dw
        return np.isfinite(t) & (t > 0) & (m <= t)

    def _reference(self, units=None, dw=None, units_k=None):
        m = self.g_units if units is None else units
        t = self.g_dw if dw is None else dw
        mk = self.g_units_k if units_k is None else units_k
        v = self._valid_gk(m, t)
        T = float(t[v].sum())
        P = float(m[v].sum()) / T if T > 0 else float("nan")
        Pk = mk[v].sum(axis=0) / T if T > 0 else np.full(mk.shape[1], np.nan)
        return v, T, P, Pk

    # -- weights ----------------------------------------------------------------
    def weights(self, neighbours: str = "queen", k: int = 6):
        key = (neighbours, int(k))
        if self._w is None or self._w[0] != key:
            w = grunnkrets_weights(self.grunnkretser, neighbours, k)
            coo = w.sparse.tocoo()
            self._w = (key, w)
            self._fast_before = None
            self._w_coo = (coo.row.astype(np.int64), coo.col.astype(np.int64),
                           np.ones(len(coo.data)))
        return self._w[1]

    # -- tables -------------------------------------------------------------------
    def grunnkrets_table(self) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
        """Per grunnkrets and per grunnkrets × kategori (tidy)."""
        th = self.thresholds
        m, t, mk = self.g_units, self.g_dw, self.g_units_k
        valid, T, P, Pk = self._reference()
        andel = _pct(m, t)
        with np.errstate(divide="ignore", invalid="ignore"):
            lq = np.where(valid & (P > 0), (m / t) / P, np.nan)
        hf = self._hf_code()
        hf_andel = _pct(mk[:, hf], t) if hf >= 0 else np.full(len(m), np.nan)
        o_andel = _gt(andel, th.grunnkrets_andel_pct)
        o_lq = _gt(lq, th.lokaliseringskvotient_maks)
        o_hf = _gt(hf_andel, th.housing_first_maks_andel_pct)
        reasons = np.full(len(m), "", dtype=object)
        for flag, text in ((o_andel, f"andel over {th.grunnkrets_andel_pct:g} %"),
                           (o_lq, f"lokaliseringskvotient over {th.lokaliseringskvotient_maks:g}"),
                           (o_hf, f"Housing First over {th.housing_first_maks_andel_pct:g} %")):
            reasons = np.where(flag, np.where(reasons == "", text, reasons + "; " + text), reasons)
        merknad = np.full(len(m), None, dtype=object)
        nodw = ~np.isfinite(t) | (t <= 0)
        merknad[nodw & (m == 0)] = "ingen boliger i grunnkretsen: andel udefinert"
        merknad[~np.isfinite(t)] = "antall boliger mangler: andel udefinert"
        over = np.isfinite(t) & (m > t)
        merknad[over] = "flere kommunale enheter enn boliger: andel udefinert, rett dataene"
        gdf = gpd.GeoDataFrame({
            "grunnkretsnummer": self.g_ids,
            "grunnkretsnavn": self.g_names,
            "kommunale_enheter": pd.array(np.rint(m).astype(np.int64), dtype="Int64"),
            "antall_boliger": _int_na(t),
            "andel_pct": andel,
            "lokaliseringskvotient": lq,
            "housing_first_andel_pct": hf_andel,
            "over_terskel": _bool_na(o_andel | o_lq | o_hf, valid),
            "begrunnelse": np.where(reasons == "", None, reasons),
            "merknad": merknad,
        }, geometry=self.grunnkretser.geometry.values, crs=self.crs)
        rows = []
        nk = len(self.kat_names)
        for j, name in enumerate(self.kat_names):
            mj = mk[:, j]
            a = _pct(mj, t)
            with np.errstate(divide="ignore", invalid="ignore"):
                q = np.where(valid & (Pk[j] > 0), (mj / t) / Pk[j], np.nan)
            limit = th.housing_first_maks_andel_pct if j == hf else th.grunnkrets_andel_pct
            o = _gt(a, limit) | _gt(q, th.lokaliseringskvotient_maks)
            rows.append(pd.DataFrame({
                "grunnkretsnummer": self.g_ids, "kategori": name,
                "kommunale_enheter": pd.array(np.rint(mj).astype(np.int64), dtype="Int64"),
                "antall_boliger": gdf["antall_boliger"].to_numpy(),
                "andel_pct": a, "lokaliseringskvotient": q,
                "over_terskel": _bool_na(o, valid),
            }))
        kat = (pd.concat(rows, ignore_index=True) if nk else
               pd.DataFrame(columns=["grunnkretsnummer", "kategori", "kommunale_enheter",
                                     "antall_boliger", "andel_pct", "lokaliseringskvotient",
                                     "over_terskel"]))
        return gdf, kat

    def grunnkrets_problems(self) -> list[dict]:
        m, t = self.g_units, self.g_dw
        out = []
        nodw = np.isfinite(t) & (t == 0) & (m == 0)
        if nodw.any():
            ids = [str(v) for v in self.g_ids[nodw]]
            out.append({"type": "ingen_boliger", "antall": int(nodw.sum()), "objekter": ids,
                        "melding": f"{int(nodw.sum())} grunnkrets(er) har 0 boliger; andelen er udefinert "
                                   f"og vises som tom ({', '.join(ids[:5])}{' …' if len(ids) > 5 else ''})."})
        miss = ~np.isfinite(t)
        if miss.any():
            ids = [str(v) for v in self.g_ids[miss]]
            out.append({"type": "mangler_antall_boliger", "antall": int(miss.sum()), "objekter": ids,
                        "melding": f"{int(miss.sum())} grunnkrets(er) mangler antall boliger; andelen er "
                                   f"udefinert ({', '.join(ids[:5])})."})
        over = np.isfinite(t) & (m > t)
        if over.any():
            ids = [str(v) for v in self.g_ids[over]]
            det = ", ".join(f"{g}: {int(a)} enheter mot {int(b)} boliger"
                            for g, a, b in list(zip(ids, m[over], t[over]))[:5])
            out.append({"type": "flere_enheter_enn_boliger", "antall": int(over.sum()), "objekter": ids,
                        "melding": f"{int(over.sum())} grunnkrets(er) har flere kommunale enheter enn boliger "
                                   f"({det}). Andelen er ikke beregnet, og grunnkretsen er holdt utenfor "
                                   "indeksene. Kontroller antall_boliger og antall_enheter."})
        outside = self.gk_of < 0
        if outside.any():
            out.append({"type": "utenfor_grunnkrets", "antall": int(outside.sum()),
                        "objekter": [int(p) + 1 for p in np.flatnonzero(outside)],
                        "enheter": int(self.units[outside].sum()),
                        "melding": f"{int(outside.sum())} kommunale boligpunkter ({int(self.units[outside].sum())} "
                                   "enheter) ligger utenfor alle grunnkretser og er ikke med i andelene "
                                   f"({_labels(np.flatnonzero(outside), self.d_ids)}). Se «utenfor»."})
        return out

    def building_table(self) -> tuple[pd.DataFrame, pd.DataFrame | None]:
        """Buildings with at least one municipal unit, and borettslag (if the column exists)."""
        th = self.thresholds
        cols = ["bygg_id", "borettslag", "grunnkretsnummer", "antall_boliger", "kommunale_enheter",
                "andel_pct", "housing_first_enheter", "housing_first_andel_pct", "over_hf_terskel",
                "over_andel_terskel", "over_antall_terskel", "over_terskel", "helt_kommunal", "kobling",
                "merknad"]
        if self.buildings is None:
            return pd.DataFrame(columns=cols), None
        sel = np.flatnonzero(self.b_units > 0)
        m = self.b_units[sel]
        t = self.b_dw[sel]
        hf = self._hf_code()
        mh = self.b_units_k[sel, hf] if hf >= 0 else np.zeros(len(sel))
        andel = _pct(m, t)
        hfa = _pct(mh, t)
        o_hf = _gt(hfa, th.housing_first_maks_andel_pct)
        o_a = _gt(andel, th.bygning_maks_andel_pct)
        o_n = m > th.bygning_maks_enheter
        valid = np.isfinite(t) & (t > 0) & (m <= t)
        # grunnkrets and match method of the first dwelling in each building
        inb = np.flatnonzero(self.b_of >= 0)
        ub, first = np.unique(self.b_of[inb], return_index=True)
        firstpos = pd.Series(inb[first], index=ub)
        fp = firstpos.reindex(sel).to_numpy()
        gk = self.gk_of[fp]
        merknad = np.full(len(sel), None, dtype=object)
        merknad[~np.isfinite(t) | (t <= 0)] = "antall boliger mangler eller er 0: andel udefinert"
        merknad[np.isfinite(t) & (t > 0) & (m > t)] = "flere kommunale enheter enn boliger: rett dataene"
        df = pd.DataFrame({
            "bygg_id": self.b_ids[sel],
            "borettslag": self.b_borettslag[sel] if self.b_borettslag is not None else None,
            "grunnkretsnummer": np.where(gk >= 0, self.g_ids[np.maximum(gk, 0)], None),
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
            "kobling": self.b_how[fp],
            "merknad": merknad,
        })
        for j, name in enumerate(self.kat_names):
            df[f"enheter_{name}"] = pd.array(np.rint(self.b_units_k[sel, j]).astype(np.int64), dtype="Int64")
        df = df.sort_values(["kommunale_enheter", "bygg_id"], ascending=[False, True],
                            kind="stable").reset_index(drop=True)
        brl = None
        if self.b_borettslag is not None:
            has = pd.notna(self.b_borettslag)
            if has.any():
                g = pd.DataFrame({"borettslag": self.b_borettslag[has],
                                  "antall_boliger": np.nan_to_num(self.b_dw[has]),
                                  "kommunale_enheter": self.b_units[has],
                                  "bygninger": 1})
                brl = g.groupby("borettslag", sort=True).sum().reset_index()
                brl = brl[brl["kommunale_enheter"] > 0].copy()
                brl["andel_pct"] = _pct(brl["kommunale_enheter"], brl["antall_boliger"])
                brl["over_andel_terskel"] = _gt(brl["andel_pct"], th.bygning_maks_andel_pct)
                brl["over_antall_terskel"] = brl["kommunale_enheter"].to_numpy() > th.bygning_maks_enheter
                for c in ("antall_boliger", "kommunale_enheter", "bygninger"):
                    brl[c] = pd.array(np.rint(brl[c].to_numpy(float)).astype(np.int64), dtype="Int64")
                brl = brl.sort_values("kommunale_enheter", ascending=False,
                                      kind="stable").reset_index(drop=True)
        return df, brl

    def radius_table(self) -> gpd.GeoDataFrame:
        """Units (and dwellings, if buildings are given) within the radius of every municipal point."""
        th = self.thresholds
        r = self.radius_m
        near = _radius_sums(self.u_xy, self.d_kdtree, r, np.column_stack([self.u_units, self.u_hf]))
        units_u, hf_u = near[:, 0], near[:, 1]
        if self.buildings is not None:
            dw_u = _radius_sums(self.u_xy, self.b_kdtree, r,
                                np.nan_to_num(self.b_dw[self._b_kd_pos]))[:, 0]
        else:
            dw_u = np.full(len(self.u_xy), np.nan)
        inv = self.u_inv
        m, h, t = units_u[inv], hf_u[inv], dw_u[inv]
        andel = _pct(m, t)
        hfa = _pct(h, t)
        valid = np.isfinite(t) & (t > 0) & (m <= t)
        o = _gt(andel, th.radius_andel_pct) | _gt(hfa, th.housing_first_maks_andel_pct)
        return gpd.GeoDataFrame({
            "punkt_nr": np.arange(1, self.n + 1),
            "bygg_id": self.d_ids if self.d_ids is not None else None,
            "kategori": self.kat,
            "antall_enheter": pd.array(self.units.astype(np.int64), dtype="Int64"),
            "enheter_innen_radius": pd.array(np.rint(m).astype(np.int64), dtype="Int64"),
            "housing_first_innen_radius": pd.array(np.rint(h).astype(np.int64), dtype="Int64"),
            "boliger_innen_radius": (pd.array(np.rint(t).astype(np.int64), dtype="Int64")
                                     if self.buildings is not None else pd.array([pd.NA] * self.n, dtype="Int64")),
            "andel_innen_radius_pct": andel,
            "housing_first_andel_innen_radius_pct": hfa,
            "over_terskel": _bool_na(o, valid),
        }, geometry=shapely.points(self.xy), crs=self.crs)

    def outside_table(self) -> gpd.GeoDataFrame:
        out = np.flatnonzero(self.gk_of < 0)
        return gpd.GeoDataFrame({
            "punkt_nr": out + 1,
            "bygg_id": self.d_ids[out] if self.d_ids is not None else None,
            "kategori": self.kat[out],
            "antall_enheter": pd.array(self.units[out].astype(np.int64), dtype="Int64"),
            "x": self.xy[out, 0], "y": self.xy[out, 1],
        }, geometry=shapely.points(self.xy[out]), crs=self.crs)

    def indices(self, neighbours: str = "queen", k: int = 6) -> dict:
        """Global indices (PySAL ``segregation``) on the grunnkretser with valid data."""
        v = self._valid_gk()
        idx = np.flatnonzero(v)
        w = None
        if len(idx) > 1:
            from libpysal.weights import w_subset

            wall = self.weights(neighbours, k)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                w = w_subset(wall, list(idx), silence_warnings=True)
                w = _relabel(w)
        out = global_indices(self.g_units[v], self.g_dw[v],
                             geometry=self.grunnkretser.geometry[v].reset_index(drop=True), w=w)
        out["utelatte_grunnkretser"] = [str(x) for x in self.g_ids[~v]]
        out["enheter_utenfor_grunnkretser"] = int(self.units[self.gk_of < 0].sum())
        return out

    def fast_indices(self, units=None, dw=None) -> dict:
        """The same indices in plain numpy (for the what-if; agrees with :meth:`indices`)."""
        m = self.g_units if units is None else units
        t = self.g_dw if dw is None else dw
        v = self._valid_gk(m, t)
        if self._w_coo is None:
            self.weights()
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

    def clusters(self, *, permutations: int = 999, seed: int = 20240101, alpha: float = 0.05,
                 neighbours: str = "queen", k: int = 6) -> pd.DataFrame:
        """Gi* on grunnkrets shares (invalid shares set to the municipal share, a neutral value)."""
        valid, T, P, _ = self._reference()
        y = _pct(self.g_units, self.g_dw)
        fill = 100 * P if np.isfinite(P) else 0.0
        y = np.where(np.isfinite(y), y, fill)
        if len(y) < 3:  # too few grunnkretser for local statistics
            res = pd.DataFrame({"gi": np.full(len(y), np.nan), "gi_z": np.full(len(y), np.nan),
                                "p_verdi": np.full(len(y), np.nan), "klynge": [NOT_SIGNIFICANT] * len(y)})
        else:
            res = gi_star(y, self.weights(neighbours, k), permutations=permutations, seed=seed,
                          alpha=alpha)
        res.insert(0, "grunnkretsnummer", self.g_ids)
        res["andel_pct"] = _pct(self.g_units, self.g_dw)
        res["kommunale_enheter"] = pd.array(np.rint(self.g_units).astype(np.int64), dtype="Int64")
        res["andel_erstattet"] = ~valid
        # a grunnkrets without a valid share only stands in with the neutral value: it is
        # no hot or cold spot itself (its neighbours' statistics still use the value)
        res.loc[~valid, "klynge"] = NOT_SIGNIFICANT
        return res

    # -- everything ------------------------------------------------------------------
    def result(self, *, permutations: int = 999, seed: int = 20240101, alpha: float = 0.05,
               neighbours: str = "queen", knn_k: int = 6) -> ConcentrationResult:
        """All tables: per grunnkrets, kategori, building, radius; indices; hot spots; problems."""
        gk, kat = self.grunnkrets_table()
        cl = self.clusters(permutations=permutations, seed=seed, alpha=alpha,
                           neighbours=neighbours, k=knn_k)
        gk["gi_z"] = cl["gi_z"].to_numpy()
        gk["p_verdi"] = cl["p_verdi"].to_numpy()
        gk["klynge"] = cl["klynge"].to_numpy()
        hot = cl[cl["klynge"] == HOT].sort_values("gi_z", ascending=False, kind="stable")
        hot = hot.drop(columns=["gi"]).reset_index(drop=True)
        bygg, brl = self.building_table()
        return ConcentrationResult(
            grunnkretser=gk, kategorier=kat, bygninger=bygg, borettslag=brl,
            radius=self.radius_table(), indekser=self.indices(neighbours, knn_k), klynger=hot,
            utenfor=self.outside_table(),
            datafeil=list(self.problems) + self.grunnkrets_problems(),
            parametere={**{f.name: getattr(self.thresholds, f.name) for f in fields(self.thresholds)},
                        "radius_m": self.radius_m, "bygning_treff_avstand_m": self.match_distance_m,
                        "klynge_permutasjoner": permutations, "klynge_signifikans": alpha,
                        "klynge_seed": seed, "klynge_naboer": neighbours},
            kategori_navn=list(self.kat_names),
        )

    # -- what-if ---------------------------------------------------------------------
    def _point(self, point) -> np.ndarray:
        if hasattr(point, "x") and hasattr(point, "y"):
            xy = np.array([float(point.x), float(point.y)])
        else:
            xy = np.asarray(point, dtype=float).reshape(-1)[:2]
        if xy.size != 2 or not np.isfinite(xy).all():
            raise DataProblem(f"Ugyldig punkt for hva-hvis: {point!r}. Oppgi X,Y i dataenes koordinatsystem.")
        return xy

    def _locate_point(self, xy: np.ndarray):
        pt = shapely.points(xy)
        gks = self.g_tree.query(pt, predicate="intersects")
        gk = int(gks.min()) if len(gks) else -1
        bpos, how = self._locate_building(np.array([pt], dtype=object))
        return pt, gk, int(bpos[0]), how[0]

    def kategori_name(self, kategori: str | None) -> str | None:
        """The data's spelling of a kategori typed by a user («Housing First» -> «housing_first»).

        Case, spaces, hyphens and underscores are ignored when matching the kategorier in
        the data and the Housing First kategori of the thresholds; anything else is kept.
        """
        if kategori is None or not str(kategori).strip():
            return None
        known = [*self.kat_names, self.thresholds.housing_first_kategori]
        return next((k for k in known if _kat_key(k) == _kat_key(kategori)), str(kategori).strip())

    def purchase_effect(self, point, units: int, kategori: str | None = None, *,
                        new_dwellings: bool = False) -> dict:
        """Before and after values if ``units`` municipal units are bought at ``point``.

        Parameters
        ----------
        point : (x, y) or shapely Point
            In the data's CRS (m).
        units : int
            Units bought (≥ 1).
        kategori : str, optional
            Category of the units (Housing First changes the 20 % rule).
        new_dwellings : bool
            True: new dwellings are built (municipal units and all dwellings grow);
            False (default): existing dwellings are bought (only municipal units grow).

        Returns
        -------
        dict
            ``grunnkrets``, ``bygning`` and ``radius``, each with ``for`` and ``etter``
            (counts, ``andel_pct``, flags), and ``indekser`` (``for``/``etter``:
            dissimilarity, isolation, spatial dissimilarity), plus ``advarsler``.
            Typically well under a millisecond per call once the model is built.
        """
        th = self.thresholds
        xy = self._point(point)
        try:
            n_add = int(units)
        except (TypeError, ValueError):
            raise DataProblem(f"Antall enheter for hva-hvis må være et heltall ≥ 1 (fikk {units!r}).") from None
        if n_add < 1 or n_add != units:
            raise DataProblem(f"Antall enheter for hva-hvis må være et heltall ≥ 1 (fikk {units!r}).")
        add_dw = n_add if new_dwellings else 0
        kategori = self.kategori_name(kategori)
        is_hf = kategori is not None and _kat_key(kategori) == _kat_key(th.housing_first_kategori)
        pt, gk, bpos, how = self._locate_point(xy)
        warn: list[str] = []
        out: dict = {"punkt": {"x": float(xy[0]), "y": float(xy[1])}, "enheter": n_add,
                     "kategori": kategori, "nybygg": bool(new_dwellings)}
        # grunnkrets
        valid0, T0, P0, _ = self._reference()
        hf = self._hf_code()
        if gk >= 0:
            m0, t0 = float(self.g_units[gk]), float(self.g_dw[gk])
            h0 = float(self.g_units_k[gk, hf]) if hf >= 0 else 0.0
            m1, t1, h1 = m0 + n_add, t0 + add_dw, h0 + (n_add if is_hf else 0)
            mm = self.g_units.copy()
            mm[gk] = m1
            tt = self.g_dw.copy()
            tt[gk] = t1
            valid1, T1, P1, _ = self._reference(mm, tt, self.g_units_k)

            def state(m, t, h, P):
                a = _pct(m, t)[()]
                ha = _pct(h, t)[()]
                lq = (a / 100 / P) if np.isfinite(a) and P > 0 else float("nan")
                known = np.isfinite(a)
                over = (bool(_gt(a, th.grunnkrets_andel_pct)) or bool(_gt(lq, th.lokaliseringskvotient_maks))
                        or bool(_gt(ha, th.housing_first_maks_andel_pct))) if known else None
                return {"kommunale_enheter": int(round(m)), "antall_boliger": None if not np.isfinite(t) else int(t),
                        "andel_pct": _f(a), "lokaliseringskvotient": _f(lq),
                        "housing_first_andel_pct": _f(ha), "over_terskel": over}

            b, a = state(m0, t0, h0, P0), state(m1, t1, h1, P1)
            if np.isfinite(t1) and m1 > t1:
                warn.append(f"Kjøpet gir flere kommunale enheter ({int(m1)}) enn boliger ({int(t1)}) i "
                            f"grunnkrets {self.g_ids[gk]}: andelen kan ikke beregnes.")
            out["grunnkrets"] = {"grunnkretsnummer": self.g_ids[gk], "grunnkretsnavn": self.g_names[gk],
                                 "for": b, "etter": a,
                                 "endring_prosentpoeng": _diff(a["andel_pct"], b["andel_pct"])}
            idx_after = self.fast_indices(mm, tt)
        else:
            out["grunnkrets"] = None
            warn.append("Punktet ligger utenfor alle grunnkretser: andelene i grunnkretsene endres ikke.")
            idx_after = self.fast_indices()
        if getattr(self, "_fast_before", None) is None:
            self._fast_before = self.fast_indices()
        out["indekser"] = {"for": dict(self._fast_before), "etter": idx_after}
        # building
        if bpos >= 0:
            m0 = float(self.b_units[bpos])
            t0 = float(self.b_dw[bpos])
            h0 = float(self.b_units_k[bpos, hf]) if hf >= 0 else 0.0
            m1, t1, h1 = m0 + n_add, t0 + add_dw, h0 + (n_add if is_hf else 0)

            def bstate(m, t, h):
                a, ha = _pct(m, t)[()], _pct(h, t)[()]
                return {"kommunale_enheter": int(round(m)), "antall_boliger": None if not np.isfinite(t) else int(t),
                        "andel_pct": _f(a), "housing_first_enheter": int(round(h)),
                        "housing_first_andel_pct": _f(ha),
                        "over_hf_terskel": bool(_gt(ha, th.housing_first_maks_andel_pct)) if np.isfinite(ha) else None,
                        "over_andel_terskel": bool(_gt(a, th.bygning_maks_andel_pct)) if np.isfinite(a) else None,
                        "over_antall_terskel": bool(m > th.bygning_maks_enheter)}

            b, a = bstate(m0, t0, h0), bstate(m1, t1, h1)
            if np.isfinite(t1) and m1 > t1:
                warn.append(f"Kjøpet gir flere kommunale enheter ({int(m1)}) enn boliger ({int(t1)}) i "
                            f"bygning {self.b_ids[bpos]}.")
            out["bygning"] = {"bygg_id": self.b_ids[bpos], "kobling": how, "for": b, "etter": a,
                              "endring_prosentpoeng": _diff(a["andel_pct"], b["andel_pct"])}
        elif new_dwellings:
            a = _pct(n_add, n_add)[()]
            out["bygning"] = {"bygg_id": None, "kobling": "ny bygning", "for": None,
                              "etter": {"kommunale_enheter": n_add, "antall_boliger": n_add, "andel_pct": _f(a),
                                        "housing_first_enheter": n_add if is_hf else 0,
                                        "housing_first_andel_pct": 100.0 if is_hf else 0.0,
                                        "over_hf_terskel": is_hf and 100.0 > th.housing_first_maks_andel_pct,
                                        "over_andel_terskel": 100.0 > th.bygning_maks_andel_pct,
                                        "over_antall_terskel": n_add > th.bygning_maks_enheter},
                              "endring_prosentpoeng": None}
        else:
            out["bygning"] = None
            if self.buildings is not None:
                warn.append(f"Ingen bygning funnet i punktet (innenfor {self.match_distance_m:g} m).")
        # radius
        r = self.radius_m
        ids = self.d_kdtree.query_ball_point(xy, r)
        m0 = float(self.u_units[ids].sum()) if len(ids) else 0.0
        h0 = float(self.u_hf[ids].sum()) if len(ids) else 0.0
        if self.buildings is not None:
            bids = self.b_kdtree.query_ball_point(xy, r)
            t0 = float(np.nansum(self.b_dw[self._b_kd_pos[bids]])) if len(bids) else 0.0
        else:
            t0 = float("nan")
        m1, t1, h1 = m0 + n_add, t0 + add_dw, h0 + (n_add if is_hf else 0)

        def rstate(m, t, h):
            a, ha = _pct(m, t)[()], _pct(h, t)[()]
            known = np.isfinite(a)
            return {"enheter_innen_radius": int(round(m)),
                    "boliger_innen_radius": None if not np.isfinite(t) else int(round(t)),
                    "housing_first_innen_radius": int(round(h)),
                    "andel_pct": _f(a), "housing_first_andel_pct": _f(ha),
                    "over_terskel": (bool(_gt(a, th.radius_andel_pct)) or
                                     bool(_gt(ha, th.housing_first_maks_andel_pct))) if known else None}

        out["radius"] = {"radius_m": r, "for": rstate(m0, t0, h0), "etter": rstate(m1, t1, h1)}
        out["advarsler"] = warn
        return out

    def with_purchase(self, point, units: int, kategori: str | None = None, *,
                      new_dwellings: bool = False) -> "ConcentrationModel":
        """A new model with the purchase added (for the full recomputation)."""
        xy = self._point(point)
        pt, gk, bpos, how = self._locate_point(xy)
        row = {c: None for c in self.dwellings.columns if c != self.dwellings.geometry.name}
        row["antall_enheter"] = int(units)
        row["kategori"] = self.kategori_name(kategori) or UNSPECIFIED
        if "bygg_id" in self.dwellings.columns:
            row["bygg_id"] = self.b_ids[bpos] if bpos >= 0 else None
        new = gpd.GeoDataFrame([row], geometry=[pt], crs=self.crs)
        new = new.rename_geometry(self.dwellings.geometry.name) if self.dwellings.geometry.name != "geometry" else new
        d = pd.concat([self.dwellings, new], ignore_index=True)
        d = gpd.GeoDataFrame(d, geometry=self.dwellings.geometry.name, crs=self.crs)
        g, b = self.grunnkretser, self.buildings
        if new_dwellings:
            if gk >= 0:
                g = g.copy()
                g.loc[gk, "antall_boliger"] = float(self.g_dw[gk]) + int(units)
            if b is not None:
                b = b.copy()
                if bpos >= 0:
                    b.loc[bpos, "antall_boliger"] = float(np.nan_to_num(self.b_dw[bpos])) + int(units)
                else:
                    nb = {c: None for c in b.columns if c != b.geometry.name}
                    nb.update(bygg_id="hva-hvis", antall_boliger=int(units))
                    b = gpd.GeoDataFrame(pd.concat([b, gpd.GeoDataFrame([nb], geometry=[pt], crs=self.crs)
                                                    .rename_geometry(b.geometry.name)
                                                    if b.geometry.name != "geometry" else
                                                    gpd.GeoDataFrame([nb], geometry=[pt], crs=self.crs)],
                                                   ignore_index=True), geometry=b.geometry.name, crs=self.crs)
                    d.loc[len(d) - 1, "bygg_id"] = "hva-hvis"
        return ConcentrationModel(d, g, b, radius_m=self.radius_m, thresholds=self.thresholds,
                                  match_distance_m=self.match_distance_m)


def _kat_key(v) -> str:
    """A kategori compared without case, spaces, hyphens or underscores."""
    return "".join(ch for ch in str(v).casefold() if ch not in " _-")


def _relabel(w):
    """Weights with ids 0..n-1 in order (after ``w_subset``)."""
    from libpysal.weights import W

    pos = {k: i for i, k in enumerate(w.id_order)}
    nb = {pos[k]: [pos[j] for j in w.neighbors[k]] for k in w.id_order}
    return W(nb, id_order=list(range(len(pos))), silence_warnings=True)


def _f(v) -> float | None:
    v = float(v)
    return None if math.isnan(v) or math.isinf(v) else v


def _diff(a, b):
    return None if a is None or b is None else a - b


# ---------------------------------------------------------------------------
# Functional entry points
# ---------------------------------------------------------------------------

def analyse(dwellings: gpd.GeoDataFrame, grunnkretser: gpd.GeoDataFrame,
            buildings: gpd.GeoDataFrame | None = None, *, radius_m: float = 500.0,
            thresholds: Thresholds | None = None, match_distance_m: float = 5.0,
            permutations: int = 999, seed: int = 20240101, alpha: float = 0.05,
            neighbours: str = "queen", knn_k: int = 6, **_ignored) -> ConcentrationResult:
    """The whole concentration analysis (see :class:`ConcentrationResult`).

    Extra keyword arguments from :func:`settings_from_config` that do not
    concern the tables (``cell_size_m``, ``min_count`` ...) are ignored.
    """
    model = ConcentrationModel(dwellings, grunnkretser, buildings, radius_m=radius_m,
                               thresholds=thresholds, match_distance_m=match_distance_m)
    return model.result(permutations=permutations, seed=seed, alpha=alpha,
                        neighbours=neighbours, knn_k=knn_k)


def purchase_effect(dwellings: gpd.GeoDataFrame, grunnkretser: gpd.GeoDataFrame,
                    buildings: gpd.GeoDataFrame | None, point, units: int,
                    kategori: str | None = None, *, radius_m: float = 500.0,
                    thresholds: Thresholds | None = None, new_dwellings: bool = False,
                    match_distance_m: float = 5.0, model: ConcentrationModel | None = None) -> dict:
    """Before/after of buying ``units`` at ``point`` (see :meth:`ConcentrationModel.purchase_effect`).

    Pass a prepared ``model`` to assess many sites quickly; otherwise one is built.
    """
    if model is None:
        model = ConcentrationModel(dwellings, grunnkretser, buildings, radius_m=radius_m,
                                   thresholds=thresholds, match_distance_m=match_distance_m)
    return model.purchase_effect(point, units, kategori, new_dwellings=new_dwellings)


def what_if(model: ConcentrationModel, before: ConcentrationResult, point, units: int,
            kategori: str | None = None, *, new_dwellings: bool = False, permutations: int = 999,
            seed: int = 20240101, alpha: float = 0.05, neighbours: str = "queen",
            knn_k: int = 6) -> tuple[dict, ConcentrationResult]:
    """Recompute everything with the purchase; before/after for its grunnkrets, building,
    radius, the global indices (PySAL) and the hot spots.

    Returns the ``hva_hvis`` dict and the full result after the purchase.
    """
    eff = model.purchase_effect(point, units, kategori, new_dwellings=new_dwellings)
    after_model = model.with_purchase(point, units, kategori, new_dwellings=new_dwellings)
    after = after_model.result(permutations=permutations, seed=seed, alpha=alpha,
                               neighbours=neighbours, knn_k=knn_k)
    keys = ["dissimilaritet", "isolasjon", "romlig_dissimilaritet", "kommunal_andel_pct",
            "kommunale_enheter_totalt", "antall_boliger_totalt"]
    eff["indekser"] = {"for": {k: before.indekser.get(k) for k in keys},
                       "etter": {k: after.indekser.get(k) for k in keys}}
    hot0 = set(before.klynger["grunnkretsnummer"].astype(str))
    hot1 = set(after.klynger["grunnkretsnummer"].astype(str))
    eff["klynger"] = {"for": sorted(hot0), "etter": sorted(hot1),
                      "nye": sorted(hot1 - hot0), "borte": sorted(hot0 - hot1)}

    def newly(df0, df1, key, flags):
        """Keys where any rule flag went from not over (or absent) to over."""
        if df0 is None or df1 is None or len(df1) == 0:
            return []
        hit = np.zeros(len(df1), dtype=bool)
        a0 = df0.drop_duplicates(key).set_index(key)
        for f in flags:
            if f not in df1.columns:
                continue
            now = df1[f].astype("boolean").fillna(False).to_numpy(dtype=bool)
            was = (a0[f].astype("boolean").reindex(df1[key]).fillna(False).to_numpy(dtype=bool)
                   if f in a0.columns else np.zeros(len(df1), dtype=bool))
            hit |= now & ~was
        return sorted({str(k) for k in df1[key].to_numpy()[hit] if k is not None})

    eff["nye_over_terskel"] = {
        "grunnkretser": newly(before.grunnkretser, after.grunnkretser, "grunnkretsnummer",
                              ["over_terskel"]),
        "bygninger": newly(before.bygninger, after.bygninger, "bygg_id",
                           ["over_hf_terskel", "over_andel_terskel", "over_antall_terskel"]),
    }
    return eff, after


# ---------------------------------------------------------------------------
# Public outputs: suppression of small counts (prikking)
# ---------------------------------------------------------------------------

def _small(values, min_count: int, suppress_zero: bool) -> np.ndarray:
    v = pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    low = v < min_count
    if not suppress_zero:
        low &= v != 0
    return np.where(np.isnan(v), False, low)


def _suppress_parts(total: np.ndarray, parts: np.ndarray, k: int, suppress_zero: bool, *,
                    columns: bool) -> tuple[np.ndarray, np.ndarray]:
    """Masks for a total column and its kategori parts (rows = areas or buildings).

    Primary: small counts. Secondary: in a row whose total is published, a
    single hidden part could be recovered as total − the others, so the next
    smallest part is hidden too; the same down each column when ``columns``
    (the municipal totals per kategori are published). A column whose only
    other cells are 0 hides a 0 in a row whose total is hidden. The row and
    column passes repeat until neither hides a new cell (a cell hidden by a
    column pass can leave its row with one hidden cell).
    """
    tmask = _small(total, k, suppress_zero)
    if columns:
        tmask = _secondary(tmask, total)
    pmask = _small(parts.ravel(), k, suppress_zero).reshape(parts.shape) if parts.size else \
        np.zeros(parts.shape, dtype=bool)
    if parts.shape[1]:
        pmask |= tmask[:, None] & (np.nan_to_num(parts) > 0)
        for _ in range(parts.shape[1] + 2):     # few passes: each one only hides cells
            before = pmask.copy()
            for i in np.flatnonzero(~tmask):
                pmask[i] = _secondary(pmask[i], parts[i])
            if columns:
                for j in range(parts.shape[1]):
                    pmask[:, j] = _secondary(pmask[:, j], parts[:, j], spare=tmask)
            if (pmask == before).all():
                break
    return tmask, pmask


def _buildings_in_grunnkrets(mask: np.ndarray, counts: np.ndarray, gk_ids: np.ndarray,
                             hidden_gk: set[str]) -> np.ndarray:
    """Building counts are parts of their grunnkrets' total: suppress them consistently.

    A building in a grunnkrets whose total is hidden is hidden too (else the sum of
    its buildings gives the hidden total back); in a grunnkrets whose total is
    published, a single hidden building could be recovered as the total minus the
    others, so the next smallest is hidden as well (:func:`_secondary`).
    """
    mask = np.asarray(mask, dtype=bool).copy()
    keys = pd.Series([None if v is None else str(v) for v in gk_ids], dtype=object)
    mask |= keys.isin(hidden_gk).to_numpy() & (np.nan_to_num(counts) > 0)
    known = keys.dropna()
    rows = known.index.to_numpy()
    for pos in known.groupby(known).indices.values():   # grunnkretser, not buildings
        idx = rows[pos]
        if len(idx) > 1:
            mask[idx] = _secondary(mask[idx], counts[idx])
    return mask


def _secondary(mask: np.ndarray, values: np.ndarray, spare: np.ndarray | None = None) -> np.ndarray:
    """If exactly one non-zero cell of a published total is hidden, hide the next smallest too.

    Without another non-zero cell, a 0 among the ``spare`` cells (rows whose own total
    is hidden, so the 0 cannot be read back from its row) is hidden instead.
    """
    v = np.nan_to_num(np.asarray(values, dtype=float))
    hidden = mask & (v > 0)
    if hidden.sum() == 1:
        cand = np.flatnonzero(~mask & (v > 0))
        if len(cand):
            mask = mask.copy()
            mask[cand[np.argmin(v[cand])]] = True
        elif spare is not None:
            zero = np.flatnonzero(~mask & np.asarray(spare, dtype=bool) & (v == 0))
            if len(zero):
                mask = mask.copy()
                mask[zero[0]] = True
    return mask


def suppress(result: ConcentrationResult, min_count: int = 5, *,
             suppress_zero: bool = False) -> ConcentrationResult:
    """A public version of ``result``: small counts hidden, addresses and point lists removed.

    Counts of municipal units between 1 and ``min_count`` − 1 (and 0 too, with
    ``suppress_zero``) become missing, and so does every share, quotient and
    flag derived from them; one pass of secondary suppression hides a second
    cell where one hidden cell could be recovered from a published total (per
    kategori within a grunnkrets, and across grunnkretser). Per-point tables
    (radius, utenfor) are replaced by aggregates; ``datafeil`` keep counts but
    no point numbers. ``prikking`` says what was done.

    Raises
    ------
    ConfigError
        ``min_count`` below 1 (0 would publish everything).
    """
    k = validate_min_count(min_count)
    hidden_total = 0
    share_cols = ["andel_pct", "lokaliseringskvotient", "housing_first_andel_pct", "over_terskel",
                  "begrunnelse"]

    # -- grunnkretser and their kategori cells -------------------------------------
    kat = result.kategorier.copy()
    gk = result.grunnkretser.copy()
    names = list(result.kategori_navn)
    nk, ng = len(names), len(gk)
    tot = gk["kommunale_enheter"].to_numpy(dtype=float, na_value=np.nan)
    if nk and len(kat) == ng * nk:
        # kategorier is stacked kategori by kategori, grunnkretser in the same order
        parts = kat["kommunale_enheter"].to_numpy(dtype=float, na_value=np.nan).reshape(nk, ng).T
    else:
        parts = np.zeros((ng, 0))
    tot_mask, mask = _suppress_parts(tot, parts, k, suppress_zero, columns=True)
    if parts.shape[1]:
        flat = mask.T.ravel()
        kat = _blank(kat, flat, ["kommunale_enheter", "andel_pct", "lokaliseringskvotient", "over_terskel"])
        hidden_total += int(flat.sum())
    gk = _blank(gk, tot_mask, ["kommunale_enheter"] + share_cols)
    hidden_total += int(tot_mask.sum())
    hf_name = result.parametere.get("housing_first_kategori")
    hf_name = next((n for n in names if _kat_key(n) == _kat_key(hf_name)), hf_name)
    if hf_name in names and parts.shape[1]:
        gk = _blank(gk, mask[:, names.index(hf_name)], ["housing_first_andel_pct"])

    # -- buildings (same rule within each building) --------------------------------
    b = result.bygninger.copy()
    if len(b):
        kcols = [f"enheter_{n}" for n in names if f"enheter_{n}" in b.columns]
        bparts = (np.column_stack([b[c].to_numpy(dtype=float, na_value=np.nan) for c in kcols])
                  if kcols else np.zeros((len(b), 0)))
        btot = b["kommunale_enheter"].to_numpy(dtype=float, na_value=np.nan)
        bm, bpm = _suppress_parts(btot, bparts, k, suppress_zero, columns=False)
        bm = _buildings_in_grunnkrets(bm, btot, b["grunnkretsnummer"].to_numpy(dtype=object),
                                      set(gk.loc[tot_mask, "grunnkretsnummer"].astype(str)))
        bpm |= bm[:, None] & (np.nan_to_num(bparts) > 0)
        b = _blank(b, bm, ["kommunale_enheter", "andel_pct", "over_andel_terskel", "over_antall_terskel",
                           "over_terskel", "helt_kommunal"])
        hidden_total += int(bm.sum())
        for j, c in enumerate(kcols):
            b = _blank(b, bpm[:, j], [c])
            hidden_total += int(bpm[:, j].sum())
        hcol = f"enheter_{hf_name}"
        hm = (bpm[:, kcols.index(hcol)] if hcol in kcols else
              _small(b["housing_first_enheter"], k, suppress_zero)) | bm
        b = _blank(b, hm, ["housing_first_enheter", "housing_first_andel_pct", "over_hf_terskel"])
    brl = result.borettslag
    if brl is not None and len(brl):
        brl = brl.copy()
        m = _small(brl["kommunale_enheter"], k, suppress_zero)
        brl = _blank(brl, m, ["kommunale_enheter", "andel_pct", "over_andel_terskel", "over_antall_terskel"])
        hidden_total += int(m.sum())

    # -- radius: aggregate only ---------------------------------------------------
    r = result.radius
    rad = pd.DataFrame([{
        "boligpunkter": _maybe(len(r), k, suppress_zero),
        "boligpunkter_over_terskel": _maybe(int(r["over_terskel"].fillna(False).sum()) if len(r) else 0,
                                            k, suppress_zero),
        "median_enheter_innen_radius": (_maybe(float(np.median(r["enheter_innen_radius"].to_numpy(float))),
                                               k, suppress_zero) if len(r) else None),
        "maks_enheter_innen_radius": (_maybe(int(r["enheter_innen_radius"].max()), k, suppress_zero)
                                      if len(r) else None),
    }])

    # -- outside: aggregate per kategori ----------------------------------------------
    u = result.utenfor
    if len(u):
        agg = u.groupby("kategori").agg(boligpunkter=("punkt_nr", "size"),
                                        kommunale_enheter=("antall_enheter", "sum")).reset_index()
        m = _small(agg["kommunale_enheter"], k, suppress_zero)
        agg["kommunale_enheter"] = agg["kommunale_enheter"].astype("Int64").where(~m, pd.NA)
        agg["boligpunkter"] = agg["boligpunkter"].astype("Int64").where(~m, pd.NA)
        hidden_total += int(m.sum())
    else:
        agg = pd.DataFrame(columns=["kategori", "boligpunkter", "kommunale_enheter"])

    # -- hot spots: statistics stay, hidden shares go -------------------------------
    cl = result.klynger.copy()
    if len(cl):
        hid = set(gk.loc[gk["kommunale_enheter"].isna(), "grunnkretsnummer"].astype(str))
        m = cl["grunnkretsnummer"].astype(str).isin(hid).to_numpy()
        cl = _blank(cl, m, ["andel_pct", "kommunale_enheter"])

    idx = dict(result.indekser)
    if (idx.get("kommunale_enheter_totalt") or 0) < k:
        for key in ("dissimilaritet", "isolasjon", "romlig_dissimilaritet", "kommunal_andel_pct",
                    "kommunale_enheter_totalt"):
            idx[key] = None

    feil = []
    for p in result.datafeil:
        q = {kk: vv for kk, vv in p.items() if kk != "objekter"}
        if p.get("type") == "flere_enheter_enn_boliger":
            q["melding"] = (f"{p.get('antall')} grunnkrets(er) har flere kommunale enheter enn boliger; "
                            "andelen er ikke beregnet, og grunnkretsen er holdt utenfor indeksene.")
            q["objekter"] = p.get("objekter")
        elif p.get("type") in ("duplikat", "utenfor_grunnkrets", "uten_bygning", "ukjent_bygg_id"):
            q["melding"] = _PUBLIC_MSG.get(p["type"], "").format(n=p.get("antall"))
            q.pop("enheter", None)
        else:
            q["objekter"] = p.get("objekter")
        feil.append(q)

    # -- buildings and borettslag: totals only ---------------------------------------
    # A named borettslag or a building id with its municipal units (and their
    # kategori, e.g. refugees) points at the homes of vulnerable people even when
    # the count is large, so public outputs never list them one by one.
    b = _building_summary(b, result.bygninger, k, suppress_zero)
    brl = _borettslag_summary(result.borettslag, k, suppress_zero)

    note = (f"Offentlig versjon: antall kommunale enheter under {k} er skjult (prikket), "
            + ("også 0, " if suppress_zero else "")
            + "sammen med andeler, kvotienter og flagg som bygger på dem. Adresser, enkeltpunkter, "
            "enkeltbygninger og borettslagsnavn vises ikke; bygninger og borettslag bare samlet.")
    return replace(result, grunnkretser=gk, kategorier=kat, bygninger=b, borettslag=brl, radius=rad,
                   utenfor=agg, klynger=cl, indekser=idx, datafeil=feil,
                   prikking={"minste_antall": k, "prikkede_verdier": hidden_total,
                             "nuller_prikket": bool(suppress_zero), "merknad": note})


def _count_true(df: pd.DataFrame, col: str) -> int:
    if df is None or not len(df) or col not in df.columns:
        return 0
    return int(pd.Series(df[col]).fillna(False).astype(bool).sum())


def _building_summary(blanked: pd.DataFrame, raw: pd.DataFrame, k: int,
                      suppress_zero: bool) -> pd.DataFrame:
    """One row of building totals for public outputs (counts below ``k`` hidden)."""
    raw = raw if raw is not None else pd.DataFrame()
    n_units = (int(pd.to_numeric(raw["kommunale_enheter"], errors="coerce").fillna(0).sum())
               if len(raw) and "kommunale_enheter" in raw.columns else 0)
    row = {
        "bygninger_med_kommunale_enheter": _maybe(len(raw), k, suppress_zero),
        "kommunale_enheter": _maybe(n_units, k, suppress_zero),
        "bygninger_over_terskel": _maybe(_count_true(raw, "over_terskel"), k, suppress_zero),
        "bygninger_over_hf_terskel": _maybe(_count_true(raw, "over_hf_terskel"), k, suppress_zero),
        "helt_kommunale_bygninger": _maybe(_count_true(raw, "helt_kommunal"), k, suppress_zero),
    }
    return pd.DataFrame([row])


def _borettslag_summary(raw: pd.DataFrame | None, k: int, suppress_zero: bool) -> pd.DataFrame:
    """One row of borettslag totals for public outputs (no names)."""
    raw = raw if raw is not None else pd.DataFrame()
    return pd.DataFrame([{
        "borettslag_med_kommunale_enheter": _maybe(len(raw), k, suppress_zero),
        "borettslag_over_terskel": _maybe(
            int((pd.Series(raw.get("over_andel_terskel", pd.Series(dtype=bool))).fillna(False).astype(bool)
                 | pd.Series(raw.get("over_antall_terskel", pd.Series(dtype=bool))).fillna(False).astype(bool)).sum())
            if len(raw) else 0, k, suppress_zero),
    }])


def suppress_what_if(hv: dict, min_count: int = 5, *, suppress_zero: bool = False) -> dict:
    """The ``hva_hvis`` dict with small counts (and shares from them) hidden, for public outputs."""
    import copy

    k = validate_min_count(min_count)
    hv = copy.deepcopy(hv)
    groups = {
        "kommunale_enheter": ("andel_pct", "lokaliseringskvotient", "over_terskel", "over_andel_terskel",
                              "over_antall_terskel"),
        "housing_first_enheter": ("housing_first_andel_pct", "over_hf_terskel"),
        "enheter_innen_radius": ("andel_pct", "over_terskel"),
        "housing_first_innen_radius": ("housing_first_andel_pct",),
    }
    for part in ("grunnkrets", "bygning", "radius"):
        p = hv.get(part)
        if not p:
            continue
        for when in ("for", "etter"):
            st = p.get(when)
            if not st:
                continue
            for count, derived in groups.items():
                v = st.get(count)
                if v is not None and v < k and (suppress_zero or v != 0):
                    st[count] = None
                    for d in derived:
                        if d in st:
                            st[d] = None
        if "endring_prosentpoeng" in p and (not p.get("for") or not p.get("etter") or
                                            p["for"].get("andel_pct") is None or
                                            p["etter"].get("andel_pct") is None):
            p["endring_prosentpoeng"] = None
    return hv


_PUBLIC_MSG = {
    "duplikat": "{n} kommunale boligpunkter ligger på samme sted med like opplysninger (mulig dobbeltregistrering).",
    "utenfor_grunnkrets": "{n} kommunale boligpunkter ligger utenfor alle grunnkretser og er ikke med i andelene.",
    "uten_bygning": "{n} kommunale boligpunkter kunne ikke knyttes til en bygning.",
    "ukjent_bygg_id": "{n} kommunale boligpunkter har en bygg_id som ikke finnes i bygningslaget.",
}


def _maybe(v, k, suppress_zero):
    if v is None:
        return None
    return None if (v < k and (suppress_zero or v != 0)) else v


def _blank(df: pd.DataFrame, mask: np.ndarray, cols: Sequence[str]) -> pd.DataFrame:
    mask = np.asarray(mask, dtype=bool)
    if not mask.any():
        return df
    for c in cols:
        if c not in df.columns:
            continue
        s = df[c]
        if pd.api.types.is_bool_dtype(s.dtype):
            s = s.astype("boolean")
        elif s.dtype.kind in "iu":
            s = s.astype("Int64")
        elif s.dtype.kind == "f":
            s = s.copy()
        else:
            s = s.astype(object)
        df[c] = s.mask(mask, None if s.dtype == object else (np.nan if s.dtype.kind == "f" else pd.NA))
    return df


# ---------------------------------------------------------------------------
# JSON-ready dict (one shape for the CLI, the app and the reports)
# ---------------------------------------------------------------------------

def _py(v):
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, (np.bool_, bool)):
        return bool(v)
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        f = float(v)
        return None if math.isnan(f) or math.isinf(f) else f
    return v


def _records(df: pd.DataFrame | None, columns: Sequence[str] | None = None) -> list[dict]:
    if df is None:
        return []
    if columns is not None:
        df = df[[c for c in columns if c in df.columns]]
    df = pd.DataFrame(df.drop(columns=[c for c in ("geometry",) if c in df.columns]))
    return [{k: _py(v) for k, v in row.items()} for row in df.to_dict(orient="records")]


GK_COLUMNS = ["grunnkretsnummer", "grunnkretsnavn", "kommunale_enheter", "antall_boliger", "andel_pct",
              "lokaliseringskvotient", "over_terskel", "begrunnelse", "housing_first_andel_pct",
              "klynge", "gi_z", "p_verdi", "merknad"]
BUILDING_COLUMNS = ["bygg_id", "borettslag", "grunnkretsnummer", "antall_boliger", "kommunale_enheter",
                    "andel_pct", "housing_first_enheter", "housing_first_andel_pct", "over_hf_terskel",
                    "over_andel_terskel", "over_antall_terskel", "over_terskel", "helt_kommunal", "kobling",
                    "merknad"]
RADIUS_COLUMNS = ["punkt_nr", "bygg_id", "kategori", "antall_enheter", "enheter_innen_radius",
                  "housing_first_innen_radius", "boliger_innen_radius", "andel_innen_radius_pct",
                  "housing_first_andel_innen_radius_pct", "over_terskel"]


def as_dict(result: ConcentrationResult, what_if: dict | None = None) -> dict:
    """The result as plain JSON-ready data (Norwegian keys, as in issue 5).

    ``grunnkretser`` (each with ``kategorier``), ``bygninger``, ``borettslag``,
    ``radius``, ``indekser``, ``klynger``, ``utenfor``, ``datafeil``,
    ``parametere``, ``prikking`` (public outputs) and ``hva_hvis`` when given.
    Addresses are never included.
    """
    gks = _records(result.grunnkretser, GK_COLUMNS)
    kat = result.kategorier
    if len(kat) and len(result.kategori_navn):
        by = {}
        for rec in _records(kat, ["grunnkretsnummer", "kategori", "kommunale_enheter", "andel_pct",
                                  "lokaliseringskvotient", "over_terskel"]):
            by.setdefault(rec.pop("grunnkretsnummer"), {})[rec.pop("kategori")] = rec
        for g in gks:
            g["kategorier"] = by.get(g["grunnkretsnummer"], {})
    bcols = BUILDING_COLUMNS + [c for c in result.bygninger.columns if c.startswith("enheter_")]
    out = {
        "grunnkretser": gks,
        "bygninger": _records(result.bygninger, None if result.prikking else bcols),
        "borettslag": _records(result.borettslag),
        "radius": _records(result.radius, None if result.prikking else RADIUS_COLUMNS),
        "indekser": {k: _py(v) if not isinstance(v, list) else v for k, v in result.indekser.items()},
        "klynger": _records(result.klynger, ["grunnkretsnummer", "kommunale_enheter", "andel_pct", "gi_z",
                                             "p_verdi", "klynge", "andel_erstattet"]),
        "utenfor": _records(result.utenfor, None if result.prikking else
                            ["punkt_nr", "bygg_id", "kategori", "antall_enheter", "x", "y"]),
        "datafeil": result.datafeil,
        "kategorier": list(result.kategori_navn),
        "parametere": {k: _py(v) for k, v in result.parametere.items()},
        "prikking": result.prikking,
    }
    if what_if is not None:
        out["hva_hvis"] = what_if
    return out
