"""The data contract: which layers geoplan knows, and what it asks of each.

A layer is named after its contract name (``arealformal``, ``skole``, ...;
:func:`layer_key` maps the ways planners also write them), has the geometry
types and columns of its :class:`LayerSchema`, and gets a :class:`LayerReport`
on its way in that says what was read, kept, repaired and rejected
(``read = kept + rejected``). :class:`RawLayer` is what a reader hands to the
validation: a frame as read, with what the reader knows about it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import geopandas as gpd

#: Layer names as planners also write them (lower-cased, spaces and hyphens as «_»).
LAYER_ALIASES = {"arealformål": "arealformal", "kommunale_boliger": "kommunal_bolig",
                 "utviklingsgrenser": "utviklingsgrense", "grunnkretser": "grunnkrets"}
# the arealregnskap's land cover, nature and hazard layers (as NIBIO and Geonorge name them)
LAYER_ALIASES.update({"arealressurskart": "ar5", "fkb_ar5": "ar5", "naturtyper": "naturtype",
                      "verneområde": "verneomrade", "verneområder": "verneomrade",
                      "verneomrader": "verneomrade", "flomsoner": "flomsone",
                      "skredfaresone": "skredfare", "skredfaresoner": "skredfare",
                      "100_metersbeltet": "strandsone"})


def layer_key(name) -> str:
    """The contract name of a layer or file name: «Arealformål» -> «arealformal»."""
    key = re.sub(r"[\s-]+", "_", str(name).strip().lower())
    return LAYER_ALIASES.get(key, key)


#: Fixed-width official codes that lose their leading zero when stored as numbers
#: (Oslo's kommunenummer 0301, its grunnkretser 0301xxxx).
CODE_WIDTH = {"kommunenummer": 4, "grunnkretsnummer": 8}

#: Column aliases accepted in input (lower-cased) -> contract name.
COLUMN_ALIASES = {
    "arealformål": "arealformal",
    "arealbruksstatus": "arealbruksstatus",
    "kommunenr": "kommunenummer",
    "grunnkretsnr": "grunnkretsnummer",
    "antall_bolig": "antall_boliger",
    "byggid": "bygg_id",
    "bygningsnummer": "bygg_id",
    # SOSI plan data: the area's name
    "områdenavn": "navn",
    "kpområdenavn": "navn",
    "rpområdenavn": "navn",
    "feltnavn": "navn",
    # DOK datasets as Geonorge delivers them
    "dekningsstatus": "dekningsstatus",
    "lokalitetnavn": "navn",
    "skredomrnavn": "navn",
    # SSB/Kartverket BefolkningPåGrunnkrets: the total is the contract's befolkning
    "totalbefolkning": "befolkning",
}


@dataclass(frozen=True)
class LayerSchema:
    """What the data contract asks of one layer."""

    name: str
    geometry: tuple[str, ...]          # allowed base types: "Polygon", "Point", "LineString"
    required: dict[str, str]           # column -> kind: "str", "int", "num", "bool"
    optional: dict[str, str] = field(default_factory=dict)
    label: str = ""                    # Norwegian description
    used_by: tuple[str, ...] = ()      # commands that need the layer
    #: optional columns that some commands require: column -> those commands
    #: (a grunnkrets layer without antall_boliger still serves befolkning)
    needed_by: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def geometry_label(self) -> str:
        names = {"Polygon": "flater (Polygon)", "Point": "punkter (Point)",
                 "LineString": "linjer (LineString)"}
        return " eller ".join(names[g] for g in self.geometry)


#: Optional national datasets (DOK) the site assessment checks a site against when the
#: municipality has them (config/sites.toml, kind «dok»); each «*_dekning» layer is the
#: dataset's coverage map (NVE's and Miljødirektoratet's dekningskart), with
#: «dekningsstatus» telling where the area was never surveyed. Optional: a missing one
#: makes its criteria «ukjent», never a failed check.
DOK_SCHEMAS = (
    LayerSchema("flomsone", ("Polygon",), {}, {"gjentaksintervall": "num", "navn": "str"},
                label="flomsoner (NVE)"),
    LayerSchema("flomsone_dekning", ("Polygon",), {}, {"dekningsstatus": "str"},
                label="dekningskart for flomsoner (NVE)"),
    LayerSchema("kvikkleire", ("Polygon",), {}, {"faregrad": "str", "navn": "str"},
                label="faresoner for kvikkleireskred (NVE)"),
    LayerSchema("kvikkleire_dekning", ("Polygon",), {}, {"dekningsstatus": "str"},
                label="dekningskart for kvikkleire (NVE)"),
    LayerSchema("skredfaresone", ("Polygon",), {}, {"skredtype": "str", "navn": "str"},
                label="faresoner for skred i bratt terreng (NVE)"),
    LayerSchema("skredfaresone_dekning", ("Polygon",), {}, {"dekningsstatus": "str"},
                label="dekningskart for skredfaresoner (NVE)"),
    LayerSchema("kulturminne", ("Polygon", "Point"), {}, {"navn": "str", "vernetype": "str"},
                label="kulturminner (Riksantikvaren)"),
    LayerSchema("naturvern", ("Polygon",), {}, {"navn": "str", "verneform": "str"},
                label="naturvernområder (Miljødirektoratet)"),
    LayerSchema("naturtype", ("Polygon",), {}, {"naturtype": "str", "verdikategori": "str"},
                label="naturtyper (Miljødirektoratet)"),
    LayerSchema("naturtype_dekning", ("Polygon",), {}, {"dekningsstatus": "str"},
                label="dekningskart for naturtyper (Miljødirektoratet)"),
    LayerSchema("ar5", ("Polygon",), {"arealtype": "int"},
                {"treslag": "int", "skogbonitet": "int", "grunnforhold": "int", "jordbruksareal": "bool"},
                label="arealressurskart AR5 (NIBIO)"),
    LayerSchema("grunnforurensning", ("Polygon", "Point"), {}, {"navn": "str"},
                label="grunnforurensning (Miljødirektoratet)"),
)

SCHEMAS: dict[str, LayerSchema] = {s.name: s for s in [
    LayerSchema("kommune", ("Polygon",), {"kommunenummer": "str", "kommunenavn": "str"},
                label="kommunegrensen", used_by=("report",)),
    LayerSchema("arealformal", ("Polygon",), {"arealformal": "int", "arealbruksstatus": "int"},
                {"utbygd": "bool", "planid": "str", "navn": "str", "plannivaa": "str",
                 "plantype": "int", "planstatus": "int", "vertikalniva": "int", "fil": "str"},
                label="arealformål i kommuneplan/reguleringsplan",
                used_by=("reserves", "schools", "assess", "report")),
    LayerSchema("utviklingsgrense", ("Polygon",), {"navn": "str"},
                {"senterniva": "str", "boenheter_per_daa": "num"},
                label="langsiktige utviklingsgrenser",
                used_by=("reserves", "schools", "assess", "report")),
    LayerSchema("skole", ("Point",), {"navn": "str"}, {"skoletype": "str", "sted": "str"},
                label="skoler", used_by=("schools", "assess", "report")),
    LayerSchema("kommunal_bolig", ("Point",), {"antall_enheter": "int", "kategori": "str"},
                {"bygg_id": "str", "malgruppe": "str", "adresse": "str"},
                label="kommunalt disponerte boliger", used_by=("concentration", "assess", "report")),
    LayerSchema("grunnkrets", ("Polygon",), {"grunnkretsnummer": "str"},
                {"antall_boliger": "int", "grunnkretsnavn": "str", "befolkning": "int"},
                label="grunnkretser (SSB)",
                used_by=("concentration", "assess", "report", "befolkning", "boligbehov", "tilgang"),
                needed_by={"antall_boliger": ("concentration", "assess")}),
    LayerSchema("bygning", ("Point", "Polygon"), {"bygg_id": "str", "antall_boliger": "int"},
                {"borettslag": "str"}, label="bygninger", used_by=("concentration", "assess")),
    LayerSchema("kollektivakse", ("LineString",), {"navn": "str"}, {"avganger_per_time": "num"},
                label="kollektivakser"),
    LayerSchema("holdeplass", ("Point",), {"navn": "str"}, {"avganger_per_time": "num"},
                label="holdeplasser"),
    LayerSchema("innspill", ("Polygon",), {"navn": "str", "sted": "str"},
                {"formal": "str", "rpba_avklart": "bool"}, label="innspill (foreslåtte områder)"),
    LayerSchema("steinbrudd", ("Polygon", "Point"), {"navn": "str"}, {"type": "str"},
                label="steinbrudd og lastingsområder"),
    LayerSchema("gangnett", ("LineString",), {}, label="gangnett"),
    LayerSchema("sentrum", ("Point",), {"navn": "str"}, {"senterniva": "str"}, label="sentre"),
    LayerSchema("helsetjeneste", ("Point",), {"navn": "str", "type": "str"},
                label="helsetjenester (sykehjem, hjemmetjeneste)"),
    *DOK_SCHEMAS,
    LayerSchema("tjeneste", ("Point",), {"navn": "str", "type": "str"}, {"plasser": "int"},
                label="tjenester (butikk, apotek, lege, omsorgsbase, møteplass; sykehjem med plasser)",
                used_by=("tilgang", "boligbehov")),
    # arealregnskap: the proposal, and the nature and hazard layers it is set against
    # (ar5, naturtype and flomsone are DOK layers above)
    LayerSchema("arealformal_forslag", ("Polygon",), {"arealformal": "int", "arealbruksstatus": "int"},
                {"utbygd": "bool", "planid": "str", "navn": "str"},
                label="arealformål i forslaget til ny arealdel (for arealregnskapet)",
                used_by=("arealregnskap",)),
    LayerSchema("verneomrade", ("Polygon",), {}, {"navn": "str", "verneform": "str"},
                label="verneområder (naturvernloven/naturmangfoldloven)"),
    LayerSchema("skredfare", ("Polygon",), {}, {"skredtype": "str"},
                label="faresoner for skred (NVE)"),
    LayerSchema("strandsone", ("Polygon",), {},
                label="100-metersbeltet langs sjøen (pbl. § 1-8)"),
    # plan layers read from SOSI / SOSI-GML plan files (geoplan/io/plans.py)
    LayerSchema("planomrade", ("Polygon",), {},
                {"planid": "str", "plannivaa": "str", "planstatus": "int", "vertikalniva": "int",
                 "navn": "str", "fil": "str"}, label="planområder (Kp/RpOmråde)"),
    LayerSchema("hensynssone", ("Polygon",), {"hensynstype": "str"},
                {"kode": "int", "navn": "str", "planid": "str", "fil": "str"},
                label="hensynssoner i plan (angitt hensyn, sikring, båndlegging …)",
                used_by=("assess",)),
    LayerSchema("faresone", ("Polygon",), {},
                {"kode": "int", "navn": "str", "planid": "str", "fil": "str"},
                label="faresoner i plan (Kp/RpFareSone)", used_by=("assess",)),
    LayerSchema("stoysone", ("Polygon",), {"sone": "str"},
                {"kode": "int", "navn": "str", "planid": "str", "fil": "str"},
                label="støysoner i plan (Kp/RpStøySone, T-1442)", used_by=("assess",)),
]}


def missing_command_columns(name: str, columns) -> dict[str, tuple[str, ...]]:
    """Columns of layer ``name`` that some commands need and ``columns`` lack: column -> commands."""
    schema = SCHEMAS.get(name)
    have = set(columns)
    return {c: cmds for c, cmds in (schema.needed_by.items() if schema else ()) if c not in have}


def command_columns_note(name: str, columns) -> str | None:
    """A note for the layer report when a column some commands need is missing (None if none)."""
    miss = missing_command_columns(name, columns)
    if not miss:
        return None
    parts = [f"«{c}» (trengs av {', '.join(cmds)})" for c, cmds in miss.items()]
    return (f"Laget «{name}» mangler kolonnen {', '.join(parts)}; laget kan brukes av de andre "
            "kommandoene.")


@dataclass
class LayerReport:
    """What happened to one layer on its way in.

    ``status``: ``ok``, ``advarsel`` (usable; something repaired or dropped),
    ``problem`` (an analysis would be wrong with it; not used), ``mangler``
    (not in the data), ``ubrukelig`` (could not be read).
    """

    name: str
    source: str = ""
    status: str = "ok"
    n_read: int = 0
    n_kept: int = 0
    n_repaired: int = 0
    n_rejected: int = 0
    crs: str | None = None
    messages: list[str] = field(default_factory=list)

    def add(self, msg: str, status: str | None = None) -> None:
        self.messages.append(msg)
        order = ["ok", "advarsel", "mangler", "problem", "ubrukelig"]
        if status and order.index(status) > order.index(self.status):
            self.status = status

    def as_dict(self) -> dict:
        return {
            "navn": self.name,
            "kilde": self.source,
            "status": self.status,
            "antall_lest": self.n_read,
            "antall_beholdt": self.n_kept,
            "antall_reparert": self.n_repaired,
            "antall_avvist": self.n_rejected,
            "crs": self.crs,
            "meldinger": list(self.messages),
        }


def missing_report(name: str) -> LayerReport:
    """The report of a contract layer that is not in the data (status ``mangler``)."""
    schema = SCHEMAS[name]
    need = (f" Trengs av: {', '.join(schema.used_by)}." if schema.used_by else
            " Valgfritt; analysene som bruker det, sier fra.")
    return LayerReport(name=name, status="mangler",
                       messages=[f"Laget finnes ikke i dataene ({schema.label}).{need}"])


@dataclass
class RawLayer:
    """One layer as a reader found it, before validation.

    ``gdf`` is None when the layer could not be read (``error`` says why);
    ``expected`` is the feature count from an independent parse of the file, and
    ``notes`` what the reader assumed (each becomes a warning in the report).
    """

    name: str
    gdf: gpd.GeoDataFrame | None
    source: str
    error: str | None = None
    expected: int | None = None
    notes: list[str] = field(default_factory=list)
