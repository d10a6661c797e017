"""Write the demo: the GeoPackage with its ``metadata`` table, the rasters, the README.

Every file is written atomically (:func:`geoplan.io.writers.atomic_path`)
and deterministically: GDAL's time stamp is fixed, so two builds with the
same seed give byte-identical files.
"""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geoplan.demo.build import build_demo
from geoplan.demo.geometry import CRS
from geoplan.demo.population_age import (
    GRUNNKRETS_FILE,
    POPULATION_METADATA,
    PROJECTION_FILE,
    build_population_age,
    projection_text,
)
from geoplan.demo.rasters import write_geotiff
from geoplan.demo.spec import ATTRIBUTION, DWELLINGS, OMSORG_UNITS, POPULATION, RENTAL_UNITS, SEED
from geoplan.io.writers import atomic_path, write_text_atomic

#: fixed time stamp GDAL writes into the GeoPackage (gpkg_contents.last_change)
FIXED_TIMESTAMP = "2014-01-01T00:00:00.000Z"


def write_gpkg(layers: dict[str, gpd.GeoDataFrame], path: str | os.PathLike,
               metadata: pd.DataFrame | None = None) -> Path:
    """Write ``layers`` (and a non-spatial ``metadata`` table) to one GeoPackage, atomically."""
    import pyogrio

    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": FIXED_TIMESTAMP})
    try:
        with atomic_path(path) as tmp:
            for name, gdf in layers.items():
                pyogrio.write_dataframe(gdf, tmp, layer=name, driver="GPKG")
            if metadata is not None:
                pyogrio.write_dataframe(metadata, tmp, layer="metadata", driver="GPKG")
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": None})
    return Path(path)



def metadata_table(layers: dict[str, gpd.GeoDataFrame], seed: int = SEED) -> pd.DataFrame:
    """The ``metadata`` table: what is synthetic, what comes from the sources, attribution."""
    rows = [
        ("beskrivelse", "Demokommune for geoplan: en SYNTETISK kommune lagt på Larvik kommunes "
                        "yttergrense. Bygninger, boliger, kommunale boliger, grunnkretser, soner, "
                        "skoler, veger, gangnett, terreng og støy er oppdiktet."),
        ("syntetisk", "Alt er syntetisk unntatt kommunegrensen og tallene hentet fra kildene "
                      "(se kilde_*). Adresser og navn på bygg, borettslag og tjenester er oppdiktet."),
        ("attribusjon", ATTRIBUTION),
        ("kilde_dokument", "Larvik kommune, Boligplan 2015–2020 (seed 004_974c5e6e4f5c28ee.txt)"),
        ("kilde_befolkning", f"{POPULATION} innbyggere 01.01.2014 (seed 004 l. 2368); "
                             f"boligmassen ({DWELLINGS} boliger) er et syntetisk, Larvik-likt tall"),
        ("kilde_senterstruktur", "Larvik by regionsenter, Stavern områdesenter, Kvelde/Helgeroa/"
                                 "Tjøllingvollen lokalsenter, Østre Halsen/Nevlunghavn/Hvarnes "
                                 "nærsenter (seed 004 l. 633–636); omtrentlige posisjoner"),
        ("kilde_kollektivakser", "Stavern–Gon og Bommestad–Klova (seed 004 l. 638–640); "
                                 "traséer og holdeplasser er syntetiske"),
        ("kilde_boligreserve", "Navngitte reserver med oppgitt areal: Helgeroa (seed 004 l. 2417–2418), "
                               "Kvelde (l. 2456–2458); Tjøllingvollen har ingen (l. 2426). Formen og "
                               "plasseringen er syntetiske. Reservene i Larvik by og Stavern og de to "
                               "utenfor utviklingsgrensene er syntetiske."),
        ("kilde_innspill", "Helgeroa 14 områder, 429 daa, sentrert rundt Søndersrød (tabellen, "
                           "seed 004 l. 2404–2412; teksten l. 2412 sier 492 daa – demoen bruker "
                           "tabellens 429); Tjøllingvollen 84 daa (l. 2430); Kvelde 154 daa "
                           "(l. 2449). Innspill i Larvik by og Stavern er syntetiske."),
        ("kilde_tetthet", "4 boenheter per daa i Larvik by, 3 i avklaringsområdene (seed 004 "
                          "l. 2370–2375); 4 for Stavern er et kommunalt valg (som config/reserves.toml)"),
        ("kilde_kommunale_boliger", f"{RENTAL_UNITS} utleieenheter og {OMSORG_UNITS} omsorgsboliger "
                                    "(646 og 382 per oktober 2013, seed 004 l. 2661–2662); ett "
                                    "borettslag med 32 kommunale leiligheter (l. 2895, 9775). "
                                    "Fordelingen er syntetisk."),
        ("syntetisk_arealregnskap", "Lagene ar5, naturtype, verneomrade, flomsone, skredfare og "
                                    "arealformal_forslag er SYNTETISKE (geoplan.demo.arealregnskap): "
                                    "et oppdiktet AR5-dekke og et oppdiktet planforslag."),
        ("koordinatsystem", CRS),
        ("generator", f"geoplan.demo.build_demo(seed={seed})"),
    ]
    for name, g in layers.items():
        rows.append((f"antall_{name}", str(len(g))))
    return pd.DataFrame(rows, columns=["nokkel", "verdi"])


README_TEXT = """# Demodata: syntetisk Larvik (geoplan)

**Dette er syntetiske data.** Alt er oppdiktet unntatt

* kommunegrensen (Larvik, 3909): {attribution}
* tallene hentet fra Larvik kommunes Boligplan 2015–2020 (seed 004): navngitte boligreserver
  og arealene deres (l. 2417–2418, 2456–2458), innspill per sted (Helgeroa 429 daa i
  tabellen l. 2404, mens teksten l. 2412 sier 492; Tjøllingvollen 84; Kvelde 154),
  folketallet 43 200 (01.01.2014, l. 2368), senterstrukturen (l. 633–636),
  kollektivaksene (l. 638–640) og antallet kommunale utleieboliger og omsorgsboliger
  (l. 2661–2662; ett borettslag med 32 kommunale leiligheter, l. 2895).

Bygninger, adresser, borettslag, grunnkretser, arealformål, skoler, helsetjenester,
steinbrudd, gangnett, terreng og støy er syntetiske. Reservene i Larvik by og Stavern
er syntetiske. Adressene er oppdiktet: dataene inneholder ingen virkelige personers hjem.
Arealressurskartet `ar5`, natur- og farelagene (`naturtype`, `verneomrade`, `flomsone`,
`skredfare`) og planforslaget `arealformal_forslag` (innspillene tatt inn, en del av
reserven tatt ut) er også syntetiske: de er ikke NIBIOs AR5 og ikke Larviks planforslag.

Filer (EPSG:25832):

* `demo.gpkg` – alle vektorlag, pluss tabellen `metadata`
* `terreng.tif` – høyde over havet (m, float32, 50 m celler)
* `stoy.tif` – støy Lden (dB, uint8, 25 m celler, 255 = ingen data)

Lag ({n} stk.):

{table}

Befolkning etter alder (syntetisk): `{projection_file}` er en befolkningsframskriving
i SSBs JSON-stat2-format (oppsettet til Statistikkbanken-tabell 14288; alternativene MMMM, LLML
og HHMH), kalibrert til 43 200 innbyggere i 2014 og +55 % i aldersgruppen 60+ til 2030
(Boligplanen l. 1720–1723); `{grunnkrets_file}` har aldersgrupper per grunnkrets med kolonnene
til SSBs BefolkningPåGrunnkrets (celler med 1–4 personer er prikket, dvs. tomme); laget
`tjeneste` har oppdiktede butikker, apotek, møteplasser og sykehjem med plasser.

Bygges på nytt, likt hver gang, med `python -m geoplan demo --out MAPPE`.
"""


def write_demo(out_dir: str | os.PathLike, seed: int = SEED) -> dict[str, Path]:
    """Build the demo and write it to ``out_dir`` (created if missing), each file atomically.

    Returns
    -------
    dict of file role -> path (``gpkg``, ``terreng``, ``stoy``, ``readme``)
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    layers, rasters = build_demo(seed)
    extra = build_population_age(layers)   # own rng, after every existing step (issue 18)
    layers = {**layers, "tjeneste": extra["tjeneste"]}
    meta = metadata_table(layers, seed)
    meta = pd.concat([meta, pd.DataFrame(POPULATION_METADATA, columns=["nokkel", "verdi"])],
                     ignore_index=True)
    paths = {"gpkg": write_gpkg(layers, out / "demo.gpkg", meta)}
    t, ttr, _ = rasters["terreng"]
    paths["terreng"] = write_geotiff(t, ttr, out / "terreng.tif", description="høyde", units="m")
    s, str_, nd = rasters["stoy"]
    paths["stoy"] = write_geotiff(s, str_, out / "stoy.tif", nodata=nd, description="Lden", units="dB")
    paths["framskriving"] = write_text_atomic(out / PROJECTION_FILE, projection_text(extra["projection"]))
    paths["befolkning_grunnkrets"] = write_text_atomic(
        out / GRUNNKRETS_FILE, extra["grunnkrets_ages"].to_csv(sep=";", index=False, lineterminator="\n"))
    table = "\n".join(f"* `{k}` – {len(v)} objekter" for k, v in layers.items())
    paths["readme"] = write_text_atomic(out / "README.md", README_TEXT.format(
        attribution=ATTRIBUTION, n=len(layers), table=table, projection_file=PROJECTION_FILE,
        grunnkrets_file=GRUNNKRETS_FILE))
    return paths


def summary(layers: dict[str, gpd.GeoDataFrame]) -> dict:
    """Key figures of the demo (for the CLI and tests)."""
    af = layers["arealformal"]
    res = af[(af["arealformal"] == 1110) & ((af["arealbruksstatus"] == 2) | ~af["utbygd"])]
    named = {n: round(float(a) / 1000.0, 3) for n, a in zip(res["navn"], res.geometry.area) if n}
    insp = layers["innspill"]
    ins = insp[insp["formal"] == "bolig"].assign(a=insp.geometry.area / 1000.0).groupby("sted")["a"].sum()
    kb = layers["kommunal_bolig"]
    return {
        "boligreserver_daa": named,
        "innspill_daa": {k: round(float(v), 3) for k, v in ins.items()},
        "antall_boliger": int(layers["grunnkrets"]["antall_boliger"].sum()),
        "befolkning": int(layers["grunnkrets"]["befolkning"].sum()),
        "kommunale_enheter": {k: int(v) for k, v in kb.groupby("kategori")["antall_enheter"].sum().items()},
        "bygg_med_kommunale_boliger": int(kb["bygg_id"].nunique()),
        "gangnett_lenker": int(len(layers["gangnett"])),
    }


def read_layers(gpkg: str | os.PathLike) -> dict[str, gpd.GeoDataFrame]:
    """Read every spatial layer of a demo GeoPackage (plain pyogrio, no validation)."""
    import pyogrio

    out = {}
    for name, gtype in pyogrio.list_layers(gpkg):
        if gtype is None:
            continue
        out[str(name)] = pyogrio.read_dataframe(gpkg, layer=name)
    return out
