"""School circles and walking distance to school.

Larvik's first criterion for the long-term development boundaries: *the
utviklingsgrense of a place shall lie inside the circle of 1.5 km from the
place's school* (Boligplan 2015-2020, seed 004, l. 2467-2475). This package
measures, for each boundary and for each reserve and innspill parcel, how much
lies inside the circle (or the union of its schools' circles), the farthest
point from the nearest school, and -- with a walking network -- how much is
really within the radius on foot.

All functions are pure: GeoDataFrames and numbers in, (Geo)DataFrames out.
Distances in metres, areas in daa (1 daa = 1,000 m²). Inputs must be in a
projected CRS. Parameters not given come from
:class:`geoplan.config.schools.SchoolSettings` (the shipped ``schools.toml``).

Modules: :mod:`.circles` (circle polygons, straight-line distances, coverage),
:mod:`.choice` (which schools belong to a feature, column ``regel``),
:mod:`.walking` (distance and coverage along ``gangnett``), :mod:`.parcels`
(the boligreserve and innspill parcels); :func:`analyse_schools` here puts them
together.

Which schools belong to a feature (column ``regel``):

* boundaries: ``sted`` -- schools whose ``sted`` equals the boundary's ``navn``
  (case and spacing ignored); else ``innenfor`` -- the schools inside the
  boundary; else ``naermeste`` -- the nearest school.
* parcels: ``sted`` -- schools whose ``sted`` equals the parcel's ``sted``;
  else ``utviklingsgrense`` -- the schools of the boundary the parcel lies in
  (its point on surface); else ``naermeste``.

Circles are polygons with ``4 * quad_segs`` vertices whose radius is enlarged
so that the polygon has exactly the area of the true circle (πr²); a boundary
whose every point is within the radius (checked exactly, see
:func:`max_distance`) counts as wholly inside.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geoplan._lazy import lazy_attribute
from geoplan.analysis.schools.choice import (  # noqa: F401  (re-exported)
    RULE_BOUNDARY,
    RULE_INSIDE,
    RULE_NEAREST,
    RULE_STED,
    choose_boundary_schools,
    choose_parcel_schools,
)
from geoplan.analysis.schools.circles import (  # noqa: F401  (re-exported)
    _school_xy,
    _usable_schools,
    circle_coverage,
    circle_polygon_radius,
    max_distance,
    nearest_school_distance,
    polygonal,
    school_circles,
)
from geoplan.analysis.schools.parcels import (  # noqa: F401  (re-exported)
    _fill_parcel_places,
    collect_parcels,
    reserve_parcels,
)
from geoplan.config.schools import SchoolSettings
from geoplan.errors import DataProblem
from geoplan.io.crs import require_projected
from geoplan.numbers import short_number

if TYPE_CHECKING:  # pragma: no cover
    from geoplan.analysis.network import build_network  # noqa: F401
    from geoplan.analysis.schools.walking import (  # noqa: F401
        WalkingResult,
        walking_coverage,
        walking_distance_to_nearest,
    )

#: re-exported on first use: the walking network loads scipy, which the circles do not need
#: (``geoplan reserves`` uses the circles only)
_LAZY = {"build_network": "geoplan.analysis.network",
         "WalkingResult": "geoplan.analysis.schools.walking",
         "walking_coverage": "geoplan.analysis.schools.walking",
         "walking_distance_to_nearest": "geoplan.analysis.schools.walking"}


def __getattr__(name: str) -> Any:
    return lazy_attribute(globals(), __name__, _LAZY, name)

BOUNDARY_COLUMNS = ["navn", "skoler", "regel", "areal_daa", "innenfor_daa", "utenfor_daa",
                    "andel_innenfor_pct", "oppfylt", "maks_avstand_m"]
#: whether the criterion applies (``gjelder``) and the verdict in words (``vurdering``)
VERDICT_COLUMNS = ["gjelder", "vurdering"]
#: ``vurdering`` values
FULFILLED, NOT_FULFILLED, NOT_APPLICABLE = "oppfylt", "ikke oppfylt", "gjelder ikke"
WALK_COLUMNS = ["innenfor_gang_daa", "andel_innenfor_gang_pct", "innenfor_ikke_gang_daa"]
PARCEL_COLUMNS = ["type", "navn", "sted"] + BOUNDARY_COLUMNS[1:]
UNREACHED_COLUMNS = ["hva", "navn", "grunn", "tilknytning_m"]


@dataclass
class SchoolAnalysis:
    """Result of :func:`analyse_schools` (all GeoDataFrames in the input CRS).

    Attributes
    ----------
    utviklingsgrenser : GeoDataFrame
        One row per boundary: ``navn``, ``skoler`` (list), ``regel``,
        ``areal_daa``, ``innenfor_daa``, ``utenfor_daa``,
        ``andel_innenfor_pct``, ``oppfylt``, ``maks_avstand_m`` (+ walking
        columns), ``gjelder`` (the criterion applies to the place, see
        ``SchoolSettings.applies_to``) and ``vurdering`` ("oppfylt", "ikke
        oppfylt", "gjelder ikke"); ``oppfylt`` is None where it does not apply
        (the measurements stay, for information); geometry = the boundary.
    parseller : GeoDataFrame or None
        The same per reserve and innspill parcel, with ``type`` and ``sted``.
    sirkler : GeoDataFrame
        The circles of the schools in use.
    innenfor, utenfor : GeoDataFrame
        Boundaries and parcels clipped to / outside the circles (``lag``,
        ``navn``).
    gangareal : GeoDataFrame or None
        Walking-distance areas, one per school set.
    ikke_gang : GeoDataFrame or None
        Inside the circle but more than the radius away on foot.
    ikke_naadd : DataFrame
        Schools and parcels the network does not reach (``hva``, ``navn``,
        ``grunn``, ``tilknytning_m``).
    nettverk : dict or None
        Network summary (nodes, edges, km, sub-networks).
    skole_tilknytning : DataFrame or None
        Per school in use: ``skole``, ``tilknytning_m`` (distance to the
        network, m; NaN = farther than the snapping limit).
    """

    utviklingsgrenser: gpd.GeoDataFrame
    parseller: gpd.GeoDataFrame | None
    sirkler: gpd.GeoDataFrame
    innenfor: gpd.GeoDataFrame
    utenfor: gpd.GeoDataFrame
    radius_m: float
    gangareal: gpd.GeoDataFrame | None = None
    ikke_gang: gpd.GeoDataFrame | None = None
    ikke_naadd: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=UNREACHED_COLUMNS))
    nettverk: dict | None = None
    skole_tilknytning: pd.DataFrame | None = None


@dataclass
class _Features:
    """The boundaries and parcels of one analysis, with their school choice and coverage."""

    boundaries: gpd.GeoDataFrame
    bchoice: pd.DataFrame
    bcov: pd.DataFrame
    b_out: gpd.GeoDataFrame
    parcels: gpd.GeoDataFrame | None = None
    pchoice: pd.DataFrame | None = None
    pcov: pd.DataFrame | None = None
    p_out: gpd.GeoDataFrame | None = None

    def used_schools(self) -> list[int]:
        """Row positions of the schools any feature uses, sorted."""
        sets = list(self.bchoice["skole_idx"])
        if self.pchoice is not None:
            sets += list(self.pchoice["skole_idx"])
        return sorted({i for t in sets for i in t})


def _non_empty(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return gdf[~(gdf.geometry.isna() | gdf.geometry.is_empty).to_numpy()]


def analyse_schools(boundaries: gpd.GeoDataFrame, schools: gpd.GeoDataFrame, *,
                    parcels: gpd.GeoDataFrame | None = None, network=None,
                    radius_m: float | None = None, quad_segs: int | None = None,
                    corridor_width_m: float | None = None, max_snap_m: float | None = None,
                    applies_to=None,
                    settings: SchoolSettings | None = None) -> SchoolAnalysis:
    """The school-circle criterion for boundaries and parcels (and walking, with a network).

    Parameters
    ----------
    boundaries : GeoDataFrame
        ``utviklingsgrense`` polygons with ``navn``.
    schools : GeoDataFrame
        ``skole`` points with ``navn`` (optional ``sted``).
    parcels : GeoDataFrame, optional
        From :func:`collect_parcels` (``type``, ``navn``, optional ``sted``).
    network : geoplan.analysis.network.Network, optional
        With a network, walking columns and areas are added.
    radius_m : float, optional
        Circle radius, m (Larvik: 1,500).
    quad_segs : int, optional
        Circle resolution.
    corridor_width_m : float, optional
        Width (m) of the walking corridor along reachable paths.
    max_snap_m : float, optional
        Largest distance (m) from a school or parcel to the network.
    applies_to : sequence of str, optional
        The places the criterion applies to (empty: all); default
        ``schools.applies_to`` (Larvik: Helgeroa, Tjøllingvollen, Kvelde).
    settings : SchoolSettings, optional
        The parameters not given as keywords (default:
        ``SchoolSettings.from_config()``, the shipped ``schools.toml``).

    Returns
    -------
    SchoolAnalysis

    Raises
    ------
    DataProblem
        For a radius that is not above 0, inputs in a geographic CRS, or no
        usable school.
    """
    s = SchoolSettings.resolve(settings, radius_m=radius_m, circle_quad_segs=quad_segs,
                               walk_corridor_width_m=corridor_width_m, snap_max_m=max_snap_m,
                               applies_to=None if applies_to is None else tuple(applies_to))
    require_projected(boundaries, "utviklingsgrense")
    if parcels is not None:
        require_projected(parcels, "parseller")
        parcels = _non_empty(parcels)
        if len(parcels) == 0:
            parcels = None
    if not s.radius_m or s.radius_m <= 0:
        raise DataProblem(f"Radius for skolesirkelen må være større enn 0 (fikk {s.radius_m}).")
    schools = _usable_schools(schools)
    feats = _measure(_non_empty(boundaries), schools, parcels, s, crs=boundaries.crs)
    used = feats.used_schools()
    result = SchoolAnalysis(
        utviklingsgrenser=feats.b_out, parseller=feats.p_out,
        sirkler=school_circles(schools.iloc[used], s.radius_m, quad_segs=s.circle_quad_segs),
        innenfor=_clipped(feats, "geom_innenfor", boundaries.crs),
        utenfor=_clipped(feats, "geom_utenfor", boundaries.crs), radius_m=float(s.radius_m))
    if network is not None:
        _add_walking(result, feats, schools, network, s, used, crs=boundaries.crs)
    return result


def _measure(boundaries: gpd.GeoDataFrame, schools: gpd.GeoDataFrame,
             parcels: gpd.GeoDataFrame | None, s: SchoolSettings, *, crs) -> _Features:
    """Choose the schools of every boundary and parcel and measure their circle coverage."""
    xy = _school_xy(schools)
    bchoice = choose_boundary_schools(boundaries, schools)
    bcov = circle_coverage(boundaries.geometry.values, xy, bchoice["skole_idx"].to_numpy(),
                           s.radius_m, quad_segs=s.circle_quad_segs)
    bnames = boundaries["navn"].astype(str).to_numpy() if "navn" in boundaries.columns else \
        np.array([f"Utviklingsgrense {i + 1}" for i in range(len(boundaries))], dtype=object)
    b_out = gpd.GeoDataFrame({"navn": bnames, "skoler": bchoice["skoler"].to_numpy(),
                              "regel": bchoice["regel"].to_numpy()},
                             geometry=boundaries.geometry.values, crs=crs)
    for c in BOUNDARY_COLUMNS[3:]:
        b_out[c] = bcov[c].to_numpy()
    _verdict(b_out, b_out["navn"], s)
    feats = _Features(boundaries=boundaries, bchoice=bchoice, bcov=bcov, b_out=b_out)
    if parcels is None:
        return feats
    pchoice = choose_parcel_schools(parcels, schools, boundaries, bchoice)
    pcov = circle_coverage(parcels.geometry.values, xy, pchoice["skole_idx"].to_numpy(),
                           s.radius_m, quad_segs=s.circle_quad_segs)
    p_out = gpd.GeoDataFrame({
        "type": parcels["type"].to_numpy() if "type" in parcels.columns else "parsell",
        "navn": parcels["navn"].astype(str).to_numpy() if "navn" in parcels.columns
        else [f"Parsell {i + 1}" for i in range(len(parcels))],
        # reserves carry no sted: report the boundary holding them (the school
        # rule above still says how their schools were chosen)
        "sted": _fill_parcel_places(parcels, boundaries)["sted"].to_numpy(),
        "skoler": pchoice["skoler"].to_numpy(), "regel": pchoice["regel"].to_numpy(),
    }, geometry=parcels.geometry.values, crs=crs)
    for c in BOUNDARY_COLUMNS[3:]:
        p_out[c] = pcov[c].to_numpy()
    _verdict(p_out, p_out["sted"], s)
    feats.parcels, feats.pchoice, feats.pcov, feats.p_out = parcels, pchoice, pcov, p_out
    return feats


def _verdict(out: gpd.GeoDataFrame, places, s: SchoolSettings) -> None:
    """Add ``gjelder`` and ``vurdering``; ``oppfylt`` None where the criterion does not
    apply (a boundary or parcel of a place not in ``s.applies_to``)."""
    gjelder = np.array([s.applies(p) for p in places], dtype=bool)
    ok = out["oppfylt"].to_numpy(dtype=bool)
    out["oppfylt"] = pd.array(np.where(gjelder, ok, False), dtype="boolean")
    out.loc[~gjelder, "oppfylt"] = pd.NA
    out["gjelder"] = gjelder
    out["vurdering"] = np.where(~gjelder, NOT_APPLICABLE, np.where(ok, FULFILLED, NOT_FULFILLED))


def _polygon_layer(lag, navn, geoms, crs) -> gpd.GeoDataFrame:
    """A map layer of the polygon parts of ``geoms`` (``lag``, ``navn``, ``areal_daa``),
    empty ones dropped."""
    f = gpd.GeoDataFrame({"lag": lag, "navn": navn}, geometry=polygonal(geoms), crs=crs)
    f = f[~f.geometry.is_empty].reset_index(drop=True)
    f["areal_daa"] = f.geometry.area / 1000.0
    return f


def _clipped(feats: _Features, col: str, crs) -> gpd.GeoDataFrame:
    """Boundaries and parcels clipped to (``geom_innenfor``) or outside (``geom_utenfor``)
    their circles."""
    lag = np.array(["utviklingsgrense"] * len(feats.b_out), dtype=object)
    navn = feats.b_out["navn"].to_numpy(dtype=object)
    geoms = feats.bcov[col].to_numpy()
    if feats.p_out is not None and feats.pcov is not None:
        lag = np.concatenate([lag, feats.p_out["type"].to_numpy(dtype=object)])
        navn = np.concatenate([navn, feats.p_out["navn"].to_numpy(dtype=object)])
        geoms = np.concatenate([geoms, feats.pcov[col].to_numpy()])
    return _polygon_layer(lag, navn, geoms, crs)


def _add_walking(result: SchoolAnalysis, feats: _Features, schools: gpd.GeoDataFrame, network,
                 s: SchoolSettings, used: list[int], *, crs) -> None:
    """Add the walking columns, areas and the unreached list to ``result`` (in place)."""
    p_out = feats.p_out
    geoms = np.asarray(feats.boundaries.geometry.values, dtype=object)
    inside = feats.bcov["geom_innenfor"].to_numpy()
    sets = list(feats.bchoice["skole_idx"].to_numpy())
    kinds = ["utviklingsgrense"] * len(geoms)
    fnames = list(feats.b_out["navn"])
    if p_out is not None and feats.parcels is not None and feats.pchoice is not None \
            and feats.pcov is not None:
        geoms = np.concatenate([geoms, np.asarray(feats.parcels.geometry.values, dtype=object)])
        inside = np.concatenate([inside, feats.pcov["geom_innenfor"].to_numpy()])
        sets += list(feats.pchoice["skole_idx"].to_numpy())
        kinds += list(p_out["type"])
        fnames += list(p_out["navn"])
    from geoplan.analysis.schools.walking import walking_coverage

    wr = walking_coverage(geoms, schools, sets, network, radius_m=s.radius_m,
                          corridor_width_m=s.walk_corridor_width_m, max_snap_m=s.snap_max_m,
                          quad_segs=s.circle_quad_segs, crs=crs, inside=inside)
    t = wr.table
    nb = len(feats.boundaries)
    for c in WALK_COLUMNS:
        feats.b_out[c] = t[c].to_numpy()[:nb]
    if p_out is not None:
        for c in WALK_COLUMNS + ["gangavstand_m", "tilknytning_m"]:
            p_out[c] = t[c].to_numpy()[nb:]
    result.gangareal = wr.areas
    result.ikke_gang = _polygon_layer(kinds, fnames, t["geom_ikke_gang"].to_numpy(), crs)
    result.ikke_naadd = _unreached(wr, p_out, s.snap_max_m)
    result.nettverk = network.summary()
    if wr.school_snap is not None:
        result.skole_tilknytning = wr.school_snap.iloc[used].reset_index(drop=True)


def _unreached(wr: WalkingResult, p_out: gpd.GeoDataFrame | None, max_snap_m: float) -> pd.DataFrame:
    """Schools and parcels the network does not reach, and why."""
    too_far = f"mer enn {short_number(max_snap_m)} m fra gangnettet"
    rows = [{"hva": "skole", "navn": name, "grunn": too_far, "tilknytning_m": None}
            for name in wr.unsnapped_schools["skole"]]
    if p_out is not None:
        gd = p_out["gangavstand_m"].to_numpy()
        tk = p_out["tilknytning_m"].to_numpy()
        rows += [{"hva": p_out["type"].iloc[i], "navn": p_out["navn"].iloc[i], "grunn": too_far,
                  "tilknytning_m": None} for i in np.flatnonzero(np.isnan(gd))]
        rows += [{"hva": p_out["type"].iloc[i], "navn": p_out["navn"].iloc[i],
                  "grunn": "gangnettet forbinder ikke parsellen med skolen",
                  "tilknytning_m": float(tk[i])} for i in np.flatnonzero(np.isinf(gd))]
    return pd.DataFrame(rows, columns=UNREACHED_COLUMNS)
