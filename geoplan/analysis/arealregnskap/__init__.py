"""Arealregnskap for kommuneplanens arealdel, as the ministry's guideline asks.

Kommunal- og distriktsdepartementet, «Arealregnskap i kommuneplan» (December 2023) and its
code list (January 2024): chapter 4 is the reserve of the plan in force by what the land
is today (AR5) and by the nature and hazard zones it lies in; chapter 5 sets the proposed
arealdel against the plan in force (transition table, areas added to and taken out of the
building reserve with their land type, the combined building potential, the *nedbygging*
table). Beyond the guideline: the greenhouse gas from building over bog, forest and
farmland, with the factors and their range in ``config/arealregnskap.toml``.

Overlays are exact (:mod:`~geoplan.analysis.arealregnskap.overlay`): the land types of an
area sum to its area, the transition table's rows and columns sum to the two plans'
totals, and the residual (overlapping polygons, floating point) and the slivers are
reported in :attr:`ArealregnskapResult.kontroll`, not hidden. Pure functions: frames and
settings in, tidy tables out (areas in daa). A notebook can call::

    from geoplan.analysis.arealregnskap import analyse_arealregnskap
    res = analyse_arealregnskap({"arealformal": af, "ar5": ar5}, proposal=forslag)
    res.tables["potensial"]

Public names: analyse_arealregnskap, ArealregnskapResult, TABLES.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd

from geoplan.analysis.arealregnskap import tables as tb
from geoplan.analysis.arealregnskap.compute import OUTSIDE, ZONE_LAYERS, build_pieces
from geoplan.analysis.arealregnskap.overlay import self_overlap_m2
from geoplan.analysis.places import M2_PER_DAA
from geoplan.config.arealregnskap import ArealregnskapSettings
from geoplan.errors import MissingLayer
from geoplan.io.crs import require_projected

__all__ = ["ArealregnskapResult", "OUTSIDE", "TABLES", "ZONE_LAYERS", "analyse_arealregnskap"]

#: table id -> (title, the guideline's chapter); the order of the CLI, the workbook and the report
TABLES = {
    "reserve_arealtype": ("Arealreserve i gjeldende plan etter arealtype (AR5)", "kap. 4"),
    "reserve_soner": ("Arealreserve i gjeldende plan i natur- og faresoner", "kap. 4"),
    "fortetting": ("Fortetting og transformasjon (ikke i reserven)", "kap. 4"),
    "overgang": ("Arealformål i gjeldende plan og i forslaget", "kap. 5"),
    "lagt_til": ("Lagt til utbyggingsformål i forslaget, etter arealtype", "kap. 5"),
    "tatt_ut": ("Tatt ut av utbyggingsformål i forslaget, etter arealtype", "kap. 5"),
    "potensial": ("Samlet utbyggingspotensial", "kap. 5"),
    "nedbygging": ("Arealkvaliteter som planlegges bygget ned", "kap. 5"),
    "klimagass": ("Klimagassutslipp fra nedbygging (anslag)", "utover veilederen"),
}


@dataclass
class ArealregnskapResult:
    """What :func:`analyse_arealregnskap` returns.

    Attributes
    ----------
    tables : table id (see :data:`TABLES`) -> tidy DataFrame, areas in daa. Chapter 5
        tables are present only with a proposal.
    kart : GeoDataFrame of the pieces to draw: ``endring`` («lagt til», «tatt ut»; with a
        proposal) or «reserve» (without), ``arealtype_kode``, ``skogbonitet_kode``, ``arealtype``,
        ``areal_daa``.
    kontroll : the closure checks (sums both ways, residual, slivers, overlaps).
    notes : Norwegian notes on missing layers and what they leave out.
    zones : the nature/hazard layers measured.
    """

    tables: dict[str, pd.DataFrame]
    kart: gpd.GeoDataFrame
    kontroll: dict
    notes: list[str] = field(default_factory=list)
    zones: list[str] = field(default_factory=list)
    has_proposal: bool = False


def _checks(plan, proposal, base, rel, trans, settings, overlaps) -> dict:
    """Sums both ways, the residual and the slivers (daa)."""
    a_f = float(plan.geometry.area.sum()) / M2_PER_DAA
    row = trans[trans["gjeldende_kode"] != 0]["areal_daa"].sum()
    out = {"gjeldende_plan_daa": a_f, "overgang_radsum_daa": float(row),
           "overlapp_gjeldende_daa": overlaps[0].result() / M2_PER_DAA}
    if proposal is not None:
        out["forslag_daa"] = float(proposal.geometry.area.sum()) / M2_PER_DAA
        out["overgang_kolonnesum_daa"] = float(trans[trans["forslag_kode"] != 0]["areal_daa"].sum())
        out["overlapp_forslag_daa"] = overlaps[1].result() / M2_PER_DAA
    geo = rel["geometry"].to_numpy(dtype=object)
    has = np.array([g is not None for g in geo], bool)
    a = rel["areal_m2"].to_numpy()
    sl = has & (a < settings.sliver_m2)
    resid = (~has) | (base is None)
    out.update({"glipper_grense_m2": settings.sliver_m2, "glipper_antall": int(sl.sum()), "glipper_daa": float(a[sl].sum()) / M2_PER_DAA,
                "avvik_daa": float(a[~has].sum()) / M2_PER_DAA,
                "avvik_abs_daa": float(np.abs(a[resid & ~has]).sum()) / M2_PER_DAA,
                "biter": int(len(rel))})
    return out


def _map_frame(rel, settings, has_proposal: bool, crs) -> gpd.GeoDataFrame:
    r = tb._land(rel, settings)
    if has_proposal:
        kept = tb._kept(rel)
        add = rel["p_reserve"].to_numpy() & ~kept
        rem = rel["f_reserve"].to_numpy() & ~kept
        lab = np.where(add, "lagt til", np.where(rem, "tatt ut", ""))
    else:
        lab = np.where(rel["f_reserve"].to_numpy(), "reserve", "")
    keep = (lab != "") & np.array([g is not None for g in rel["geometry"]], bool)
    return gpd.GeoDataFrame({"endring": lab[keep], "arealtype_kode": r["arealtype_kode"].to_numpy()[keep],
                             "skogbonitet_kode": r["skogbonitet_kode"].to_numpy()[keep],
                             "arealtype": r["arealtype"].to_numpy()[keep],
                             "areal_daa": r["areal_daa"].to_numpy()[keep]},
                            geometry=list(rel["geometry"].to_numpy(dtype=object)[keep]), crs=crs)


def _notes(layers, rel) -> list[str]:
    notes = []
    if layers.get("ar5") is None:
        notes.append("Laget «ar5» (arealressurskart AR5) mangler: reserven kan ikke deles etter "
                     "arealtype, og alt står som «Ikke dekket av AR5». Klimagassanslaget blir 0.")
    if layers.get("utviklingsgrense") is None:
        notes.append("Laget «utviklingsgrense» mangler: alt står som «Utenfor utviklingsgrensene».")
    for name, label in ZONE_LAYERS.items():
        if f"{name}_m2" not in rel.columns:
            extra = " (og AR5 har ikke hav, arealtype 82, å måle beltet fra)" if name == "strandsone" else ""
            notes.append(f"Laget «{name}» ({label.lower()}) mangler{extra}: tabellene har ingen kolonne for det.")
    return notes


def _place_notes(moved: list[tuple[str, str, float]]) -> list[str]:
    if not moved:
        return []
    from geoplan.present import text  # the one number formatter (as sites.wording does)
    pairs = ", ".join(f"«{a}»/«{b}» {text.daa(m / M2_PER_DAA)}" for a, b, m in moved[:5])
    more = f" og {len(moved) - 5} til" if len(moved) > 5 else ""
    return [f"Utviklingsgrensene overlapper ({pairs}{more}): arealet i overlappen regnes til "
            "stedet som står først i laget, så hver daa telles én gang."]


def analyse_arealregnskap(layers: Mapping[str, gpd.GeoDataFrame | None],
                          proposal: gpd.GeoDataFrame | None = None,
                          settings: ArealregnskapSettings | None = None) -> ArealregnskapResult:
    """The arealregnskap of the plan in force (kap. 4) and, with a proposal, of the change (kap. 5).

    Parameters
    ----------
    layers : ``arealformal`` (the plan in force, required), and when present
        ``utviklingsgrense``, ``ar5`` and the nature/hazard layers (:data:`ZONE_LAYERS`),
        all in one projected CRS.
    proposal : the proposed arealdel (same columns as ``arealformal``), or None.
    settings : None: the shipped ``config/arealregnskap.toml``.

    Returns
    -------
    :class:`ArealregnskapResult`; every area in daa (1 daa = 1,000 m²).
    """
    settings = settings or ArealregnskapSettings.from_config()
    plan = layers.get("arealformal")
    if plan is None:
        raise MissingLayer("Arealregnskapet trenger laget «arealformal» (gjeldende kommuneplan).")
    require_projected(plan, "arealformal")
    if proposal is not None:
        require_projected(proposal, "forslag")
        proposal = proposal.to_crs(plan.crs) if proposal.crs != plan.crs else proposal
    # the overlap checks of the two plans are independent of the overlay: shapely releases the
    # GIL, so on a second core they run while the pieces are cut
    with ThreadPoolExecutor(max_workers=1) as pool:
        overlaps = [pool.submit(self_overlap_m2, plan.geometry.to_numpy()),
                    pool.submit(self_overlap_m2, proposal.geometry.to_numpy() if proposal is not None
                                else np.empty(0, dtype=object))]
        base, rel, moved = build_pieces(layers, proposal, settings)
        trans = tb.transition(base)
        kontroll = _checks(plan, proposal, base, rel, trans, settings, overlaps)
    t = {"reserve_arealtype": tb.reserve_land_types(rel, settings),
         "reserve_soner": tb.reserve_zones(rel), "fortetting": tb.fortetting(rel)}
    if proposal is not None:
        t["overgang"] = trans
        t["lagt_til"], t["tatt_ut"] = tb.changes(rel, settings)
        t["potensial"] = tb.potential(rel)
        t["nedbygging"] = tb.nedbygging(rel, settings)
        t["klimagass"] = tb.greenhouse_gas(rel, settings)
    else:
        t["klimagass"] = tb.greenhouse_gas(rel, settings)
    kontroll["overlapp_utviklingsgrenser_daa"] = sum(m for *_, m in moved) / M2_PER_DAA
    return ArealregnskapResult(tables=t, kart=_map_frame(rel, settings, proposal is not None, plan.crs),
                               kontroll=kontroll, notes=_notes(layers, rel) + _place_notes(moved),
                               zones=tb.zone_columns(rel),
                               has_proposal=proposal is not None)
