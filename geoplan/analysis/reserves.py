"""Land reserves: the boligreserve, innspill and the land balance per place (the Larvik method).

Larvik kommune's Boligplan 2015-2020 (seed 004, lines 2330-2497) sets the
housing land each place needs to a horizon year (:mod:`geoplan.analysis.growth`)
against the *boligreserve* already zoned and the *innspill* (proposed areas):

* need for new land = max(area need − reserve, 0)
* balance           = reserve + innspill − area need   (+ surplus, − deficit)

and ranks every reserve and innspill parcel by the order of development
(:mod:`geoplan.analysis.ranking`).

**The housing reserve** is defined once, by :func:`housing_reserve`
(:mod:`geoplan.analysis.housing_reserve`, re-exported here): zoned for
housing (``arealformal`` in ``reserves.housing_codes``, the shipped
``config/reserves.toml``: 1110-1113) and not built. :func:`housing_reserve_parcels`
gives those parcels with the names ``geoplan reserves`` prints («Reserve 10»)
and the place each lies in; other analyses (schools) use it rather than a
rule of their own.

Everything here is a pure function: GeoDataFrames and plain numbers in, tidy
(Geo)DataFrames out, areas in daa (1 daa = 1,000 m²), distances in metres.
Parameters not given come from :class:`geoplan.config.reserves.ReserveSettings`
(the shipped defaults), so a notebook can call::

    from geoplan.analysis.reserves import analyse_reserves
    result = analyse_reserves({"arealformal": af, "utviklingsgrense": ug})

Public names
------------
housing_reserve, housing_reserve_parcels, reserve_by_place, housing_formal,
innspill_by_place, balance, analyse_reserves, ReserveResult; re-exported from
:mod:`~geoplan.analysis.growth` (growth_persons, area_need, place_parameters),
:mod:`~geoplan.analysis.ranking` (place_centres, rank_parcels, quarry_conflict,
slope_conflict, zonal_share_above_fast) and :mod:`~geoplan.analysis.places`
(place_key, dissolve_places).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Mapping, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoplan.analysis.exclusions import (
    Zones,
    exclusion_zones,
    mark_excluded,
    net_areas,
    net_balance,
    parcel_basis,
)
from geoplan.analysis.growth import (  # noqa: F401  (re-exported)
    NEED_COLUMNS,
    area_need,
    check_growth_parameters,
    growth_persons,
    place_parameters,
)
from geoplan.analysis.housing_reserve import (  # noqa: F401  (re-exported)
    _inside_and_outside,
    _settled,
    _split_by_places,
    housing_reserve,
    housing_reserve_parcels,
    reserve_by_place,
)
from geoplan.analysis.innspill import (  # noqa: F401  (re-exported)
    _codes,
    _label,
    balance,
    housing_formal,
    innspill_by_place,
)
from geoplan.analysis.places import (  # noqa: F401  (re-exported)
    M2_PER_DAA,
    dissolve_places,
    overlap_area_each,
    overlapping_pairs,
    place_key,
    present,
    quoted,
    union_area_by_group,
)
from geoplan.analysis.ranking import (  # noqa: F401  (re-exported)
    ABSOLUTE,
    CRITERIA,
    mark_cover,
    place_centres,
    quarry_conflict,
    rank_parcels,
    slope_conflict,
    zonal_share_above_fast,
)
from geoplan.analysis.takeout import propose_takeout
from geoplan.analysis.villages import spredt_review, village_need, villages
from geoplan.config.reserves import ReserveSettings
from geoplan.errors import ConfigError, DataProblem, MissingLayer
from geoplan.io.crs import require_projected
from geoplan.numbers import fixed

if TYPE_CHECKING:
    from geoplan.io.raster import Raster

#: the old private name; callers switch to :func:`dissolve_places`
_dissolve_places = dissolve_places

PLACE_COLUMNS = ["sted", "arealbehov_daa", "boligreserve_daa", "behov_nye_daa",
                 "innspill_daa", "balanse_daa"]
#: the layers :func:`analyse_reserves` needs, and the ones it uses when present
REQUIRED_LAYERS = ("arealformal", "utviklingsgrense")
OPTIONAL_LAYERS = ("innspill", "steinbrudd", "sentrum", "gangnett", "holdeplass",
                   "kollektivakse", "skole", "bygning")


# ---------------------------------------------------------------------------
# All in one
# ---------------------------------------------------------------------------

@dataclass
class ReserveResult:
    """The result of :func:`analyse_reserves`.

    Attributes
    ----------
    steder : DataFrame, one row per place: ``sted``, ``arealbehov_daa``,
        ``boligreserve_daa``, ``behov_nye_daa``, ``innspill_daa``, ``balanse_daa``,
        and ``overskudd_reserve_daa``, ``vekst_personer``, ``boenheter``, ``andel``,
        ``boenheter_per_daa``, ``antall_reserver``, ``antall_innspill``,
        ``andel_kilde``, ``tetthet_kilde``.
    parseller : GeoDataFrame, one row per reserve and innspill parcel (see
        :func:`reserve_by_place`, :func:`innspill_by_place`, :func:`rank_parcels`,
        conflicts ``areal_steinbrudd_daa``, ``andel_steinbrudd_pct``,
        ``andel_bratt_pct``).
        ``steder`` also has the balance after the hard criteria
        (:func:`geoplan.analysis.exclusions.net_balance`: ``boligreserve_aktuell_daa``,
        ``innspill_aktuelt_daa``, ``balanse_netto_daa`` …) and the take-out
        summary (``uttak_daa``, ``uttak_ikke_aktuelt_daa``, ``gjenstaar_daa``).
        ``parseller`` also has ``aktuelt_daa``, ``utelatt_daa``, ``ikke_aktuell``,
        ``grunn_ikke_aktuell``, the step columns, ``uttak_daa``.
    utenfor_daa : reserve outside every utviklingsgrense, daa.
    merknader : Norwegian notes on what was left out and why.
    forutsetninger : the parameters used.
    utelatt : one row per parcel and hard criterion that hits it (``sted``,
        ``type``, ``navn``, ``kriterium``, ``grunn``, ``utelatt_daa``).
    uttak : the take-out proposal, one row per piece (``sted``, ``navn``, ``hva``,
        ``grunn``, ``uttak_daa``, geometry); see :mod:`geoplan.analysis.takeout`.
    spredt : spredt boligbebyggelse (``reserves.spredt_codes``), reviewed on its own.
    tettsteder : growth of the smaller places «i tillegg» (:mod:`geoplan.analysis.villages`).
    """

    steder: pd.DataFrame
    parseller: gpd.GeoDataFrame
    utenfor_daa: float
    merknader: list[str] = field(default_factory=list)
    forutsetninger: dict = field(default_factory=dict)
    utelatt: pd.DataFrame | None = None
    uttak: gpd.GeoDataFrame | None = None
    spredt: gpd.GeoDataFrame | None = None
    tettsteder: pd.DataFrame | None = None

    def utenfor_reserver(self) -> gpd.GeoDataFrame:
        """Reserve parcels lying (partly) outside every boundary."""
        p = self.parseller
        return p[(p["type"] == "reserve") & (p["andel_innenfor_pct"] < 100.0 - 1e-9)]


@dataclass
class _Run:
    """What the steps of one :func:`analyse_reserves` call share."""

    settings: ReserveSettings
    layers: dict
    places: Sequence[str] | None
    notes: list[str] = field(default_factory=list)


def _check_layers(layers: Mapping[str, gpd.GeoDataFrame | None]) -> dict:
    """The required and optional layers (None when absent), each checked for a metric CRS."""
    missing = [n for n in REQUIRED_LAYERS if layers.get(n) is None]
    if missing:
        raise MissingLayer(missing)
    out = {n: layers.get(n) for n in REQUIRED_LAYERS + OPTIONAL_LAYERS}
    for name, lyr in out.items():
        require_projected(lyr, name)
    ug = layers["utviklingsgrense"]
    if ug is None or len(ug) == 0:
        raise DataProblem("Laget «utviklingsgrense» har ingen flater; uten utviklingsgrenser kan "
                          "boligreserven ikke fordeles på steder. Legg til grensene med kolonnen navn.")
    return out


def _selected_places(utviklingsgrense: gpd.GeoDataFrame, places: Sequence[str] | None):
    """(the selected places dissolved, all places dissolved); unknown names are refused."""
    all_places = dissolve_places(utviklingsgrense)
    if not places:
        return all_places, all_places
    want = {place_key(p) for p in places}
    unknown = [p for p in places if place_key(p) not in set(all_places["_key"])]
    if unknown:
        have = ", ".join(all_places["sted"].astype(str))
        raise DataProblem(
            f"Fant ikke stedet {quoted(unknown)} i laget «utviklingsgrense». "
            f"Stedene i dataene er: {have}.")
    ug = utviklingsgrense[utviklingsgrense["navn"].map(place_key).isin(want)]
    return dissolve_places(ug), all_places


def _run_parameters(run: _Run, dissolved, all_places, share, dwellings_per_daa) -> pd.DataFrame:
    """Share and density per selected place, with this run's overrides; notes on them."""
    s = run.settings
    data_dens = None
    if "boenheter_per_daa" in dissolved.columns:
        data_dens = dict(zip(dissolved["sted"], dissolved["boenheter_per_daa"]))
    params, pnotes = place_parameters(list(all_places["sted"]), s.places,
                                      default_dwellings_per_daa=s.default_dwellings_per_daa,
                                      data_dwellings_per_daa=data_dens)
    params = params[params["sted"].map(place_key).isin(set(dissolved["_key"]))].reset_index(drop=True)
    if share is None:  # with --share the leftover split is not used, so do not describe it
        run.notes += pnotes
    else:
        params["andel"] = float(share)
        params["andel_kilde"] = "valg for denne kjøringen"
        if len(params) > 1:
            run.notes.append(
                f"Andelen av veksten ({fixed(float(share) * 100, 1)} %) er brukt for hvert av "
                f"de {len(params)} stedene; velg ett sted med --sted for å endre bare det.")
    if dwellings_per_daa is not None:
        params["boenheter_per_daa"] = float(dwellings_per_daa)
        params["tetthet_kilde"] = "valg for denne kjøringen"
    if s.places and not run.places:
        conf_keys = {place_key(v.get("navn", k)): v.get("navn", k)
                     for k, v in s.places.items() if isinstance(v, Mapping)}
        absent = [v for k, v in conf_keys.items() if k not in set(all_places["_key"])]
        if absent:
            run.notes.append(f"{quoted(absent)} er satt opp i konfigurasjonen, men har ingen "
                             "utviklingsgrense i dataene, og er ikke med i balansen.")
    return params


def _reserve(run: _Run, dissolved, all_places):
    """Reserve per place and its parcels, with notes on overlapping boundaries."""
    af, codes = run.layers["arealformal"], run.settings.housing_codes
    res_places, res_parcels, outside = reserve_by_place(af, dissolved, codes)
    bl, br = overlapping_pairs(dissolved.geometry.to_numpy())
    if len(bl):
        pairs = ", ".join(f"«{dissolved['sted'].iat[a]}»/«{dissolved['sted'].iat[b]}»"
                          for a, b in zip(bl[:5], br[:5]))
        run.notes.append(f"Utviklingsgrensene overlapper ({pairs}): boligreserve i overlappen "
                         "regnes med for hvert av stedene.")
    if run.places:
        # reserve outside the selected places' boundaries is not "outside every boundary"
        _, _, outside = reserve_by_place(af, all_places, codes)
        res_parcels = res_parcels[res_parcels["sted"].notna()]
    return res_places, res_parcels, outside


def _innspill(run: _Run, dissolved):
    """Innspill per place and their parcels, with notes on what is not counted."""
    innspill = run.layers["innspill"]
    if innspill is None:
        run.notes.append("Laget «innspill» finnes ikke i dataene: innspillsarealet er 0 daa for "
                         "alle steder, og ingen innspill er rangert.")
    inn_places, inn_parcels = innspill_by_place(
        innspill, dissolved, housing_words=run.settings.innspill_housing_words,
        housing_codes=run.settings.housing_codes)
    if len(inn_parcels) and not inn_parcels["boligformal"].all():
        other = inn_parcels[~inn_parcels["boligformal"]]
        run.notes.append(
            f"{len(other)} innspill gjelder ikke bolig (formål "
            f"{quoted(sorted(set(other['formal'].astype(str))))}) og er ikke regnet med i "
            f"innspillsarealet eller rangert: {quoted(other['navn'])}.")
    if len(inn_parcels):
        pk = inn_parcels["sted"].map(place_key)
        known = pk.isin(set(dissolved["_key"]))
        if run.places:
            inn_parcels = inn_parcels[known]
        else:
            stray = inn_parcels.loc[~known, "sted"]
            if len(stray):
                run.notes.append(
                    f"{len(stray)} innspill har et sted uten utviklingsgrense "
                    f"({quoted(sorted(set(stray.astype(str))))}); de er listet, men ikke med i "
                    "balansen.")
    return inn_places, inn_parcels


def _place_table(need, params, res_places, inn_places, places_config) -> pd.DataFrame:
    """The balance with the growth figures and sources per place, in configuration
    order first, then the data's order."""
    bal = balance(need[["sted", "arealbehov_daa"]], res_places, inn_places)
    nk = need.assign(_k=need["sted"].map(place_key)).set_index("_k")
    bk = bal["sted"].map(place_key)
    for c in ("vekst_personer", "boenheter", "andel", "boenheter_per_daa"):
        bal[c] = bk.map(nk[c]).astype(float).to_numpy()
    bal["antall_reserver"] = res_places["antall_reserver"].to_numpy()
    ic = dict(zip(inn_places["sted"].map(place_key), inn_places["antall_innspill"]))
    bal["antall_innspill"] = bk.map(ic).fillna(0).astype(int).to_numpy()
    kilde = dict(zip(params["sted"].map(place_key),
                     zip(params["andel_kilde"], params["tetthet_kilde"])))
    bal["andel_kilde"] = [kilde.get(k, (None, None))[0] for k in bk]
    bal["tetthet_kilde"] = [kilde.get(k, (None, None))[1] for k in bk]
    conf_order = [place_key(v.get("navn", k)) for k, v in (places_config or {}).items()
                  if isinstance(v, Mapping)]
    rank_of = {k: i for i, k in enumerate(conf_order)}
    pos = np.array([rank_of.get(k, len(rank_of) + i) for i, k in enumerate(bk)])
    return bal.iloc[np.argsort(pos, kind="stable")].reset_index(drop=True)


def _layer_notes(run: _Run, terrain) -> None:
    """Notes on the optional layers the ranking and conflicts go without."""
    lyr = run.layers
    if lyr["sentrum"] is None:
        run.notes.append("Laget «sentrum» finnes ikke: avstand til sentrum måles fra midtpunktet "
                         "i stedets utviklingsgrense.")
    for nm, what in (("gangnett", "avstand til gangnett"), ("holdeplass", "avstand til holdeplass"),
                     ("kollektivakse", "avstand til kollektivakse")):
        if lyr[nm] is None:
            run.notes.append(f"Laget «{nm}» finnes ikke: {what} er ikke med i rangeringen.")
    if lyr["innspill"] is not None and "rpba_avklart" not in lyr["innspill"].columns:
        run.notes.append("Innspillene har ikke kolonnen «rpba_avklart»: avklaring i regional plan "
                         "er ikke med i rangeringen.")
    if lyr["steinbrudd"] is None:
        run.notes.append("Laget «steinbrudd» finnes ikke: konflikt med steinbrudd er ikke vurdert.")
    if terrain is None:
        run.notes.append("Terrengmodellen «terreng.tif» finnes ikke: bratthet er ikke vurdert.")


def _parcel_frame(frames, crs) -> gpd.GeoDataFrame:
    frames = [f for f in frames if len(f)]
    if frames:
        return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs=crs)
    return gpd.GeoDataFrame({"navn": [], "sted": [], "type": [], "areal_daa": [],
                             "areal_innenfor_daa": [], "andel_innenfor_pct": [],
                             "overlapp_daa": []}, geometry=[], crs=crs)


def _extent(run: _Run, parcels: gpd.GeoDataFrame):
    """A polygon covering the boundaries and every parcel (1 km around)."""
    g = np.concatenate([run.layers["utviklingsgrense"].geometry.to_numpy(),
                        parcels.geometry.to_numpy()])
    g = g[present(g)]
    x0, y0, x1, y1 = shapely.total_bounds(g)
    return shapely.box(x0 - 1000, y0 - 1000, x1 + 1000, y1 + 1000)


def _review_geometry(run: _Run, frames, dissolved, terrain, school_radius_m: float) -> dict:
    """The parts of the review no growth parameter changes: exclusions, conflicts, rank,
    the net areas and the spredt review (the fields of :class:`PreparedReserves`)."""
    lyr, s = run.layers, run.settings
    parcels = _parcel_frame(frames, lyr["arealformal"].crs)
    zones = exclusion_zones(dissolved, lyr, s.exclusions, school_radius_m=school_radius_m,
                            extent=_extent(run, parcels))
    run.notes += zones.notes
    basis = parcel_basis(parcels, dissolved)
    parcels, excluded, aktuell = mark_excluded(parcels, basis, zones, s.min_aktuelt_daa)
    inn = lyr["innspill"]
    if inn is not None and len(inn) and "formal" in inn.columns:
        inn = inn[housing_formal(inn["formal"], s.innspill_housing_words, s.housing_codes)]
    reserve = housing_reserve(lyr["arealformal"], s.housing_codes)
    inn = inn if inn is not None and "sted" in inn.columns else None
    net = net_areas(dissolved, reserve, inn, zones)
    centres = place_centres(dissolved, lyr["sentrum"])
    q = quarry_conflict(parcels, lyr["steinbrudd"], s.quarry_buffer_m)
    parcels["areal_steinbrudd_daa"] = q["areal_steinbrudd_daa"].to_numpy()
    parcels["andel_steinbrudd_pct"] = q["andel_steinbrudd_pct"].to_numpy()
    parcels["andel_bratt_pct"] = slope_conflict(parcels, terrain, s.max_slope_pct).to_numpy()
    parcels = rank_parcels(parcels, centres, settlement=_settled(lyr["arealformal"], s.housing_codes),
                           gangnett=lyr["gangnett"], holdeplass=lyr["holdeplass"],
                           kollektivakse=lyr["kollektivakse"], weights=s.weights,
                           half_distance_m=s.half_distance_m, method=s.ranking_method,
                           band_step1_m=s.band_step1_m, band_step2_m=s.band_step2_m)
    excluded_geoms = np.array([shapely.difference(b, a) if b is not None and a is not None else None
                               for b, a in zip(basis, aktuell)], dtype=object)
    spredt = spredt_review(lyr["arealformal"], dissolved, s.spredt_codes, zones)
    return {"zones": zones, "parcels": parcels, "excluded": excluded, "aktuell": aktuell,
            "excluded_geoms": excluded_geoms, "reserve": reserve, "innspill_housing": inn,
            "net": net, "centres": centres, "spredt": spredt}


def _review(prep: "PreparedReserves", bal):
    """The balance's net columns, which innspill cover the need and the take-out proposal.

    Returns (parcels, balance, take-out pieces).
    """
    s = prep.settings
    bal = net_balance(bal, prep.dissolved, prep.reserve, prep.innspill_housing, prep.zones,
                      areas=prep.net)
    parcels = mark_cover(prep.parcels, bal)
    parcels, take, summary = propose_takeout(
        parcels, bal, prep.aktuell, prep.excluded_geoms, prep.centres, terrain=prep.terrain,
        max_slope_pct=s.max_slope_pct, cell_m=s.takeout_cell_m, cell_cache=prep.cell_cache)
    bal = bal.merge(summary.drop(columns="overskudd_reserve_daa"), on="sted", how="left")
    bal["skolekriterium_gjelder"] = [any(e.kind == "utenfor_skolesirkel" and e.applies(p)
                                         for e in s.exclusions) for p in bal["sted"]]
    spredt = prep.spredt
    sk = spredt["sted"].map(place_key)
    bal["spredt_daa"] = [float(spredt.loc[(sk == place_key(p)).to_numpy(), "areal_daa"].sum())
                         for p in bal["sted"]]
    return _ordered(parcels, bal), bal, take


def _village_table(run: _Run, reserve) -> pd.DataFrame | None:
    """The smaller places and the reserve near them (None with --sted or without
    ``reserves.villages``); their growth is :func:`_villages`."""
    s, lyr = run.settings, run.layers
    if run.places or s.villages is None:
        return None
    table, notes = villages(lyr["sentrum"], lyr["utviklingsgrense"], lyr["bygning"], s.villages,
                            reserve)
    run.notes += notes
    return table


def _villages(table: pd.DataFrame | None, s: ReserveSettings, year: int,
              rate: float) -> pd.DataFrame | None:
    """The smaller places' growth «i tillegg» and the reserve near them (None with --sted)."""
    if table is None or not len(table):
        return table
    need = village_need(table, area_need, base_population=s.base_population,
                        base_year=s.base_year, years=[year], rates=[rate],
                        persons_per_dwelling=s.persons_per_dwelling)
    out = table.merge(need[["sted", "vekst_personer", "boenheter", "arealbehov_daa"]], on="sted")
    out["balanse_daa"] = out["reserve_daa"] - out["arealbehov_daa"]
    return out


def _ordered(parcels: gpd.GeoDataFrame, bal: pd.DataFrame) -> gpd.GeoDataFrame:
    """Parcels in the places' order of the balance, then type and rank; columns in
    the order of the JSON output, whole-number columns as Int64."""
    prank = {place_key(s_): i for i, s_ in enumerate(bal["sted"])}
    k = parcels["sted"].map(place_key).map(prank).fillna(len(prank)).to_numpy()
    r = parcels["rang"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    parcels = parcels.iloc[np.lexsort((r, parcels["type"].to_numpy(), k))].reset_index(drop=True)
    front = ["navn", "sted", "type", "areal_daa", "areal_innenfor_daa", "andel_innenfor_pct",
             "overlapp_daa", "aktuelt_daa", "utelatt_daa", "ikke_aktuell", "grunn_ikke_aktuell",
             "rang", "skaar", "kumulativt_areal_daa", "dekker_behov", "kandidat_uttak",
             "uttak_daa"]
    rest = [c for c in parcels.columns if c not in front and c != "geometry"]
    parcels = parcels[front + rest + ["geometry"]]
    for c in ("rang", "arealformal", "arealbruksstatus"):
        if c in parcels.columns:
            parcels[c] = pd.to_numeric(parcels[c], errors="coerce").astype("Int64")
    return parcels


#: the settings only the growth steps of :func:`analyse_reserves` read: one
#: :class:`PreparedReserves` serves every value of them
GROWTH_FIELDS = ("base_population", "base_year", "persons_per_dwelling",
                 "default_dwellings_per_daa", "places", "default_year", "default_rate",
                 "horizon_years", "growth_rates")


def _geometry_settings(s: ReserveSettings) -> tuple:
    """The fields of ``s`` other than the growth fields: what a :class:`PreparedReserves`
    depends on (compared with ``==``)."""
    return tuple((f.name, getattr(s, f.name)) for f in dataclasses.fields(s)
                 if f.name not in GROWTH_FIELDS)


@dataclass(frozen=True, eq=False)
class PreparedReserves:
    """What :func:`analyse_reserves` computes that no growth parameter changes.

    The reserve and innspill per place, the parcels with their exclusions, conflicts
    and rank, the net areas after the hard criteria, the spredt review, the smaller
    places and the notes of those steps: :func:`prepare_reserves` makes it once, and
    ``analyse_reserves(..., prepared=p)`` runs only the steps a growth year, rate,
    share, density or base population changes (the need, the balance, which innspill
    cover it and the take-out proposal). The frames here are never changed by a run.
    """

    settings: ReserveSettings
    places: tuple[str, ...] | None
    school_radius_m: float
    layers: dict
    dissolved: gpd.GeoDataFrame
    all_places: gpd.GeoDataFrame
    res_places: pd.DataFrame
    inn_places: pd.DataFrame
    outside: float
    notes: tuple[str, ...]
    zones: Zones
    parcels: gpd.GeoDataFrame
    excluded: pd.DataFrame
    aktuell: np.ndarray
    excluded_geoms: np.ndarray
    reserve: gpd.GeoDataFrame
    innspill_housing: gpd.GeoDataFrame | None
    net: Mapping[str, tuple[float, float]]
    centres: gpd.GeoDataFrame
    spredt: gpd.GeoDataFrame
    village_table: pd.DataFrame | None
    #: the elevation raster the slopes were measured on (the take-out cells use it too)
    terrain: "Raster | None" = None
    #: parcel position -> its take-out cells worst first (filled by the runs that need them)
    cell_cache: dict = field(default_factory=dict)

    def serves(self, settings: ReserveSettings, places: Sequence[str] | None,
               school_radius_m: float | None) -> bool:
        """Whether a run with these arguments may use this preparation."""
        return (_geometry_settings(settings) == _geometry_settings(self.settings)
                and (tuple(places) if places else None) == self.places
                and _school_radius(school_radius_m) == self.school_radius_m)


def _school_radius(school_radius_m: float | None) -> float:
    if school_radius_m is None:
        from geoplan.config.schools import SchoolSettings

        school_radius_m = SchoolSettings.from_config().radius_m
    return float(school_radius_m)


def prepare_reserves(layers: Mapping[str, gpd.GeoDataFrame | None],
                     terrain: "Raster | None" = None,
                     settings: ReserveSettings | None = None, *,
                     places: Sequence[str] | None = None,
                     school_radius_m: float | None = None) -> PreparedReserves:
    """The growth-independent steps of :func:`analyse_reserves` (same arguments, same
    errors), for several runs that change only growth parameters."""
    s = settings if settings is not None else ReserveSettings.from_config()
    if s.half_distance_m <= 0:
        raise ConfigError(f"reserves.ranking.half_distance_m må være større enn 0 "
                          f"(fikk {s.half_distance_m}).")
    run = _Run(settings=s, layers=_check_layers(layers), places=places)
    dissolved, all_places = _selected_places(run.layers["utviklingsgrense"], places)
    res_places, res_parcels, outside = _reserve(run, dissolved, all_places)
    inn_places, inn_parcels = _innspill(run, dissolved)
    if outside > 0:
        run.notes.append(f"{fixed(outside, 1)} daa boligreserve ligger utenfor "
                         "alle utviklingsgrenser og er ikke regnet med i noe steds reserve (se "
                         "parsellene uten sted).")
    _layer_notes(run, terrain)
    radius = _school_radius(school_radius_m)
    review = _review_geometry(run, (res_parcels, inn_parcels), dissolved, terrain, radius)
    village_table = _village_table(run, review["reserve"])
    return PreparedReserves(settings=s, places=tuple(places) if places else None,
                            school_radius_m=radius, layers=run.layers, dissolved=dissolved,
                            all_places=all_places, res_places=res_places, inn_places=inn_places,
                            outside=float(outside), notes=tuple(run.notes),
                            village_table=village_table, terrain=terrain, **review)


def analyse_reserves(layers: Mapping[str, gpd.GeoDataFrame | None],
                     terrain: "Raster | None" = None,
                     settings: ReserveSettings | None = None, *,
                     year: int | None = None, rate: float | None = None,
                     share: float | None = None, dwellings_per_daa: float | None = None,
                     places: Sequence[str] | None = None,
                     school_radius_m: float | None = None,
                     prepared: PreparedReserves | None = None) -> ReserveResult:
    """Land need, boligreserve, innspill, balance, ranking and conflicts per place.

    Parameters
    ----------
    layers : ``{name: GeoDataFrame}`` in a projected CRS (metres), as the data
        contract names them: ``arealformal`` and ``utviklingsgrense`` (with
        ``navn``) are required; ``innspill``, ``steinbrudd``, ``sentrum``,
        ``gangnett``, ``holdeplass``, ``kollektivakse`` are used when present
        (a missing or ``None`` layer drops its criterion, with a note).
        A :class:`~geoplan.io.Dataset` works too.
    terrain : the elevation raster (metres), a :class:`geoplan.io.raster.Raster`
        (``open_raster(path)``), or None.
    settings : the parameters (growth, housing codes, ranking, conflicts,
        places); ``None``: :meth:`ReserveSettings.from_config` (the shipped
        ``config/reserves.toml``).
    year, rate : horizon year and annual growth (fraction per year); ``None``:
        ``settings.default_year`` / ``settings.default_rate``.
    share, dwellings_per_daa : when given, used for every place analysed
        (overrides configuration and data).
    places : restrict the result to these places (names as in ``utviklingsgrense``).
    school_radius_m : radius of the school circle of the exclusion «utenfor
        skolesirkelen» (``None``: ``schools.radius_m`` of the shipped config).
    prepared : :func:`prepare_reserves` of the same layers, places and school radius:
        only the growth-dependent steps run (the app's growth controls), on the
        prepared layers and terrain (``layers`` and ``terrain`` are then not read).
        The result is the one a call without it gives.

    Places come in configuration order, then the others in data order.

    Returns
    -------
    :class:`ReserveResult`.

    Raises
    ------
    geoplan.errors.MissingLayer
        A required layer is missing.
    geoplan.errors.DataProblem
        A layer is in degrees, ``utviklingsgrense`` is empty, or a place in
        ``places`` is not in it (the message names it).
    geoplan.errors.ConfigError
        A parameter is unusable (the message names it).
    ValueError
        ``prepared`` was made for other settings (other than the growth fields),
        places or school radius.
    """
    s = settings if settings is not None else ReserveSettings.from_config()
    year = int(s.default_year if year is None else year)
    rate = float(s.default_rate if rate is None else rate)
    if prepared is None:
        prepared = prepare_reserves(layers, terrain, s, places=places,
                                    school_radius_m=school_radius_m)
    elif not prepared.serves(s, places, school_radius_m):
        raise ValueError("prepared was made for other settings, places or school radius")
    prep = prepared
    run = _Run(settings=s, layers=prep.layers, places=places)
    params = _run_parameters(run, prep.dissolved, prep.all_places, share, dwellings_per_daa)
    need = area_need(params, base_population=s.base_population, base_year=s.base_year,
                     years=[year], rates=[rate], persons_per_dwelling=s.persons_per_dwelling)
    bal = _place_table(need, params, prep.res_places, prep.inn_places, s.places)
    parcels, bal, take = _review(prep, bal)
    tettsteder = _villages(prep.village_table, s, year, rate)
    forutsetninger = {
        "basis_folketall": float(s.base_population), "basisaar": int(s.base_year),
        "aar": year, "vekstrate": rate,
        "personer_per_boenhet": float(s.persons_per_dwelling),
        "boligkoder": [int(c) for c in s.housing_codes],
        "steinbrudd_avstand_m": float(s.quarry_buffer_m), "maks_helning_pct": float(s.max_slope_pct),
    }
    forutsetninger |= {"rangering": s.ranking_method, "spredt_koder": list(s.spredt_codes),
                       "harde_kriterier": [{"id": e.id, "grunn": e.reason,
                                            "gjelder": list(e.applies_to) or "alle steder",
                                            "kilde": e.source} for e in s.exclusions]}
    return ReserveResult(steder=bal, parseller=parcels, utenfor_daa=float(prep.outside),
                         merknader=run.notes + list(prep.notes), forutsetninger=forutsetninger,
                         utelatt=prep.excluded.copy(), uttak=take, spredt=prep.spredt.copy(),
                         tettsteder=tettsteder)
