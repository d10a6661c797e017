"""Hard criteria: the parts of reserves and innspill that are «ikke aktuell», and the net balance.

Larvik kommune's Boligplan 2015–2020 separates what excludes from what only
orders: areas near quarries and loading areas «foreslås ikke innlemmet innenfor
utviklingsgrensene» (l. 2479–2483), and the boundaries of the avklaringsområder
shall lie inside the circle of 1.5 km from the place's school (l. 2467–2474).
Each hard criterion is a :class:`geoplan.config.reserves.Exclusion`
(``[[reserves.exclusions]]``): a zone per place; the part of a parcel inside
the zone is excluded, with its reason and daa. A hazard zone is one more entry
of kind ``naer_lag`` with its layer and ``buffer_m = 0``.

What counts for a parcel (its *basis*) is what the balance counts: for a
reserve the part inside its place's boundary, for an innspill the whole
parcel (innspill are counted by ``sted`` wherever they lie).

Pure functions: frames and settings in, frames out; areas in daa.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoplan.analysis.places import M2_PER_DAA, place_key, present
from geoplan.config.reserves import Exclusion

#: columns of the exclusion list (one row per parcel and criterion that hits it)
EXCLUDED_COLUMNS = ["sted", "type", "navn", "kriterium", "grunn", "utelatt_daa"]


@dataclass
class Zones:
    """The exclusion zones: per place key, ``[(criterion, zone geometry)]``; and for
    parcels outside every boundary, the zones that apply to every place."""

    by_place: dict[str, list[tuple[Exclusion, object]]]
    everywhere: list[tuple[Exclusion, object]]
    notes: list[str]

    def of(self, place) -> list[tuple[Exclusion, object]]:
        """The zones of ``place`` (a name; None: outside every boundary)."""
        if place is None or place != place:
            return self.everywhere
        return self.by_place.get(place_key(place), self.everywhere)

    def union(self, place):
        """One geometry: the union of the zones of ``place`` (None when there are none)."""
        z = [g for _e, g in self.of(place) if g is not None and not shapely.is_empty(g)]
        return shapely.union_all(z) if z else None


def _layer_zone(layer: gpd.GeoDataFrame | None, buffer_m: float):
    """Union of the layer's features buffered by ``buffer_m`` (None without features)."""
    if layer is None or len(layer) == 0:
        return None
    g = layer.geometry.to_numpy()
    g = g[present(g)]
    if not len(g):
        return None
    zone = shapely.union_all(shapely.buffer(g, float(buffer_m), quad_segs=16)
                             if buffer_m > 0 else g)
    return zone if not shapely.is_empty(zone) else None


def _outside_circles(places: gpd.GeoDataFrame, schools: gpd.GeoDataFrame,
                     radius_m: float, extent) -> list:
    """Per place (row of ``places``), the part of ``extent`` outside its schools' circles."""
    from geoplan.analysis.schools import choose_boundary_schools, school_circles

    choice = choose_boundary_schools(places.rename(columns={"sted": "navn"}), schools)
    out: list = []
    for idx in choice["skole_idx"]:
        if not isinstance(idx, tuple) or not idx:
            out.append(None)
            continue
        circles = school_circles(schools.iloc[list(idx)], radius_m)
        out.append(shapely.difference(extent, shapely.union_all(circles.geometry.to_numpy())))
    return out


def exclusion_zones(places: gpd.GeoDataFrame, layers: Mapping[str, gpd.GeoDataFrame | None],
                    criteria: Sequence[Exclusion], *, school_radius_m: float,
                    extent) -> Zones:
    """The zone of every hard criterion for every place.

    Parameters
    ----------
    places : dissolved boundaries (``sted``, ``_key``, geometry), as
        :func:`geoplan.analysis.places.dissolve_places` returns.
    layers : the layers by name (``skole`` for the school circle, and the
        ``layer`` of each ``naer_lag`` criterion); a missing layer drops its
        criterion, with a note.
    criteria : the hard criteria (``ReserveSettings.exclusions``).
    school_radius_m : radius of the school circle, m.
    extent : a polygon covering every parcel (the zone "outside the circle" is
        this minus the circle).
    """
    by_place: dict[str, list] = {k: [] for k in places["_key"]}
    everywhere: list = []
    notes: list[str] = []
    for c in criteria:
        if c.kind == "naer_lag":
            zone = _layer_zone(layers.get(str(c.layer)), c.buffer_m)
            if layers.get(str(c.layer)) is None:
                notes.append(f"Laget «{c.layer}» finnes ikke: kriteriet «{c.reason}» er ikke "
                             "vurdert.")
                continue
            if not c.applies_to:
                everywhere.append((c, zone))
            for k, name in zip(places["_key"], places["sted"]):
                if c.applies(name):
                    by_place[k].append((c, zone))
        elif c.kind == "utenfor_skolesirkel":
            sk = layers.get("skole")
            targets = places[[c.applies(n) for n in places["sted"]]]
            if sk is None or len(sk) == 0:
                if len(targets):
                    notes.append("Laget «skole» finnes ikke: kriteriet «utenfor skolesirkelen» er "
                                 "ikke vurdert.")
                continue
            if not len(targets):
                continue
            zones = _outside_circles(targets, sk, school_radius_m, extent)
            for k, z in zip(targets["_key"], zones):
                by_place[k].append((c, z))
    return Zones(by_place=by_place, everywhere=everywhere, notes=notes)


def parcel_basis(parcels: gpd.GeoDataFrame, places: gpd.GeoDataFrame) -> np.ndarray:
    """What the balance counts of each parcel: a reserve's part inside its place's
    boundary (the whole reserve outside every boundary), an innspill whole."""
    geoms = parcels.geometry.to_numpy().copy()
    lookup = dict(zip(places["_key"], places.geometry.to_numpy()))
    is_res = (parcels["type"] == "reserve").to_numpy()
    own = np.array([lookup.get(place_key(s)) for s in parcels["sted"]], dtype=object)
    cut = is_res & np.array([g is not None for g in own], dtype=bool)
    if cut.any():
        geoms[cut] = shapely.intersection(geoms[cut], own[cut])
    return geoms


def mark_excluded(parcels: gpd.GeoDataFrame, basis: np.ndarray, zones: Zones,
                  min_aktuelt_daa: float) -> tuple[gpd.GeoDataFrame, pd.DataFrame, np.ndarray]:
    """The excluded and the aktuelt daa of every parcel.

    Returns
    -------
    (parcels, excluded, aktuell)
        parcels : a copy with ``utelatt_daa`` (union of the parts hit),
            ``aktuelt_daa`` (basis minus those), ``ikke_aktuell`` (aktuelt area
            under ``min_aktuelt_daa``) and ``grunn_ikke_aktuell`` (the reasons
            that hit it, «; »-separated, empty for none).
        excluded : DataFrame :data:`EXCLUDED_COLUMNS`, one row per parcel and
            criterion with its own daa (criteria may overlap: the parcel's
            ``utelatt_daa`` counts the overlap once).
        aktuell : per parcel the aktuelt geometry (basis minus the zones).
    """
    out = parcels.copy()
    n = len(out)
    area = np.nan_to_num(shapely.area(basis)) / M2_PER_DAA if n else np.zeros(0)
    aktuell = basis.copy()
    rows = []
    reasons = [""] * n
    for i in range(n):
        z = zones.of(out["sted"].iat[i])
        if not z or basis[i] is None or shapely.is_empty(basis[i]):
            continue
        hit, why = [], []
        for c, g in z:
            if g is None:
                continue
            a = float(shapely.area(shapely.intersection(basis[i], g))) / M2_PER_DAA
            if a > 1e-6:
                hit.append(g)
                why.append(c.reason)
                rows.append({"sted": out["sted"].iat[i], "type": out["type"].iat[i],
                             "navn": out["navn"].iat[i], "kriterium": c.id, "grunn": c.reason,
                             "utelatt_daa": min(a, area[i])})
        if hit:
            aktuell[i] = shapely.difference(basis[i], shapely.union_all(hit))
            reasons[i] = "; ".join(why)
    akt = np.nan_to_num(shapely.area(aktuell)) / M2_PER_DAA if n else np.zeros(0)
    out["utelatt_daa"] = np.maximum(area - akt, 0.0)
    out["aktuelt_daa"] = akt
    out["ikke_aktuell"] = (akt < float(min_aktuelt_daa)) & (out["utelatt_daa"] > 0)
    out["grunn_ikke_aktuell"] = reasons
    return out, pd.DataFrame(rows, columns=EXCLUDED_COLUMNS), aktuell


def net_areas(places: gpd.GeoDataFrame, reserve: gpd.GeoDataFrame,
              innspill: gpd.GeoDataFrame | None, zones: Zones,
              steder: Sequence | None = None) -> dict[str, tuple[float, float]]:
    """Per place key: (the reserve's union inside the boundary minus the zones, the housing
    innspill's union minus the zones), daa, for the places ``steder`` (default: every place
    of ``places``). What :func:`net_balance` puts beside the balance; it depends on no
    growth parameter, so a caller that varies them computes it once."""
    geo = dict(zip(places["_key"], places.geometry.to_numpy()))
    rg = reserve.geometry.to_numpy() if len(reserve) else np.empty(0, dtype=object)
    tree = shapely.STRtree(rg) if len(rg) else None
    ik = (innspill["sted"].map(place_key).to_numpy(dtype=object)
          if innspill is not None and len(innspill) else np.empty(0, dtype=object))
    out: dict[str, tuple[float, float]] = {}
    for sted in (places["sted"] if steder is None else steder):
        k, zone = place_key(sted), zones.union(sted)
        b = geo.get(k)
        r = 0.0
        if b is not None and tree is not None:
            hit = tree.query(b, predicate="intersects")
            if len(hit):
                u = shapely.intersection(shapely.union_all(rg[hit]), b)
                r = shapely.area(u if zone is None else shapely.difference(u, zone))
        i = 0.0
        if len(ik) and innspill is not None:
            sel = innspill.geometry.to_numpy()[ik == k]
            if len(sel):
                u = shapely.union_all(sel)
                i = shapely.area(u if zone is None else shapely.difference(u, zone))
        out[k] = (float(r) / M2_PER_DAA, float(i) / M2_PER_DAA)
    return out


def net_balance(bal: pd.DataFrame, places: gpd.GeoDataFrame, reserve: gpd.GeoDataFrame,
                innspill: gpd.GeoDataFrame | None, zones: Zones,
                areas: Mapping[str, tuple[float, float]] | None = None) -> pd.DataFrame:
    """The balance after the hard criteria, beside the source's.

    Parameters
    ----------
    bal : the source's balance (:func:`geoplan.analysis.reserves.balance` with
        ``sted``, ``arealbehov_daa``, ``boligreserve_daa``, ``innspill_daa``).
    places : dissolved boundaries (``sted``, ``_key``).
    reserve : the boligreserve polygons (:func:`~geoplan.analysis.reserves.housing_reserve`).
    innspill : the housing innspill (``sted``), or None.
    zones : :func:`exclusion_zones`.
    areas : :func:`net_areas` of these arguments when the caller has it.

    Returns
    -------
    A copy of ``bal`` with ``boligreserve_aktuell_daa`` (the reserve's union inside
    the boundary minus the zones), ``reserve_utelatt_daa``, ``innspill_aktuelt_daa``,
    ``innspill_utelatt_daa``, ``behov_nye_netto_daa`` and ``balanse_netto_daa``
    (= aktuell reserve + aktuelle innspill − area need).
    """
    out = bal.copy()
    have = dict(areas or {})
    missing = [s_ for s_ in out["sted"] if place_key(s_) not in have]
    if missing:
        have.update(net_areas(places, reserve, innspill, zones, steder=missing))
    net = [have[place_key(sted)] for sted in out["sted"]]
    res_net, inn_net = [r for r, _ in net], [i for _, i in net]
    out["boligreserve_aktuell_daa"] = res_net
    out["reserve_utelatt_daa"] = np.maximum(out["boligreserve_daa"] - out["boligreserve_aktuell_daa"],
                                            0.0)
    out["innspill_aktuelt_daa"] = inn_net
    out["innspill_utelatt_daa"] = np.maximum(out["innspill_daa"] - out["innspill_aktuelt_daa"], 0.0)
    out["behov_nye_netto_daa"] = np.maximum(out["arealbehov_daa"] - out["boligreserve_aktuell_daa"],
                                            0.0)
    out["balanse_netto_daa"] = (out["boligreserve_aktuell_daa"] + out["innspill_aktuelt_daa"]
                                - out["arealbehov_daa"])
    return out
