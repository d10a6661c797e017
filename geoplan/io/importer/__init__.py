"""``geoplan import``: a municipality's downloads assembled into the data contract.

:func:`import_data` scans FOLDER|ZIP… (:mod:`.sources`), recognises each
national product by its content (``config/products.toml``, :mod:`.mapping`),
reads plan files through :func:`geoplan.io.load`, builds stops from GTFS and
NeTEx (:mod:`.transit`), brings every layer to the working CRS, clips it to the
municipality and validates it as ``geoplan check`` does. A layer that lacks a
required column no file supplies is kept as ``<lag>_ufullstendig`` and named in
the report with where to get the column; a contract layer no file supplies is
named with its source. :func:`write_import` writes the GeoPackage atomically.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd
from pyproj import CRS

from geoplan.config import PACKAGE_DIR, Config
from geoplan.config.products import ProductSettings
from geoplan.errors import GeoplanError, UnreadableInput
from geoplan.io.contract import SCHEMAS, LayerReport
from geoplan.io.crs import working_crs
from geoplan.io.importer.mapping import clip, dwellings_per_krets, flatten_3d, map_product, recognise
from geoplan.io.importer.sources import Scan, scan
from geoplan.io.importer.transit import combine_stops, read_gtfs, read_netex_stops
from geoplan.io.validate import validate_layer
from geoplan.io.writers import atomic_path

__all__ = ["ImportResult", "import_data", "write_import"]

KOMMUNER = PACKAGE_DIR / "data" / "kommuner.geojson"


def _n(n: int, word: str = "objekt", plural: str = "objekter") -> str:
    return f"{n} {word if n == 1 else plural}"


@dataclass
class Piece:
    """Features for one contract layer from one file."""

    layer: str
    gdf: gpd.GeoDataFrame
    what: str                  # «Grunnskoler (Utdanningsdirektoratet)»
    file: str
    join: str = ""
    unique: str = ""
    notes: list[str] = field(default_factory=list)


@dataclass
class ImportResult:
    """What the import found, built and could not find."""

    crs: CRS
    layers: dict[str, gpd.GeoDataFrame] = field(default_factory=dict)
    reports: dict[str, LayerReport] = field(default_factory=dict)
    provenance: dict[str, list[str]] = field(default_factory=dict)    # layer -> «fil (produkt): n»
    descriptions: dict[str, str] = field(default_factory=dict)
    files: list[tuple[str, str]] = field(default_factory=list)        # (file, what it became)
    missing: dict[str, str] = field(default_factory=dict)             # layer -> where to get it
    incomplete: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # layer -> [(col, source)]
    kommune: str = ""
    notes: list[str] = field(default_factory=list)


def _recognised(sc: Scan, settings: ProductSettings, res: ImportResult) -> list[Piece]:
    pieces = []
    for s in sc.layers:
        product = recognise(settings.products, s.layer, s.gdf.columns)
        if product is None:
            cols = ", ".join(str(c) for c in s.gdf.columns if c != s.gdf.geometry.name)
            res.files.append((s.file, f"ikke gjenkjent (objekttype «{s.layer}», kolonner: {cols}); ikke brukt"))
            continue
        gdf, notes = map_product(s.gdf, product, s.file)
        if gdf.empty and len(s.gdf):
            res.files.append((s.file, f"{product.name}, men ingen objekter passer: " + " ".join(notes)
                              + " Ikke brukt."))
            continue
        res.files.append((s.file, f"{product.name} → {product.layer} ({_n(len(gdf))})"))
        pieces.append(Piece(product.layer, gdf, product.name, s.file, product.join, product.unique, notes))
        for col, src in product.derived_source.items():
            if col in gdf.columns:
                pieces[-1].notes.append(f"«{col}» er avledet: {src}.")
    return pieces


def _plans(sc: Scan, cfg: Config | None, res: ImportResult) -> list[Piece]:
    from geoplan.io.loader import load

    pieces = []
    for label, path in sc.plans:
        try:
            ds = load(path, config=cfg)
        except GeoplanError as e:
            res.files.append((label, f"plandata som ikke kan leses: {e.message}"))
            continue
        for name, gdf in ds.layers.items():
            gdf = gdf.copy()
            gdf["kilde"] = f"Plandata: {label}"
            pieces.append(Piece(name, gdf, "Plandata (SOSI)", label,
                                notes=[m for m in ds.reports[name].messages]))
            res.files.append((label, f"Plandata (SOSI) → {name} ({_n(len(gdf))})"))
    return pieces


def _transit(sc: Scan, settings: ProductSettings, res: ImportResult) -> list[Piece]:
    gtfs = netex = None
    notes: list[str] = []
    files = []
    for label, folder in sc.gtfs:
        g, n = read_gtfs(folder, label, settings.gtfs_window)
        gtfs = g if gtfs is None else pd.concat([gtfs, g], ignore_index=True)
        notes += n
        files.append(label)
        res.files.append((label, f"GTFS-rutedata → holdeplass med avganger per time ({_n(len(g), 'holdeplass', 'holdeplasser')})"))
    for label, path in sc.netex:
        x = read_netex_stops(path, label)
        netex = x if netex is None else pd.concat([netex, x], ignore_index=True)
        files.append(label)
        res.files.append((label, f"NeTEx, Nasjonalt stoppestedsregister → holdeplass ({_n(len(x), 'stoppested', 'stoppesteder')})"))
    if gtfs is None and netex is None:
        return []
    if netex is not None and gtfs is None:
        notes.append("Bare NeTEx (ingen rutedata): holdeplassene har ikke avganger per time; legg ved GTFS fra Entur.")
    stops = combine_stops(netex, gtfs)
    stops["kilde"] = "Entur: " + ", ".join(files)
    return [Piece("holdeplass", gpd.GeoDataFrame(stops, crs=4326), "Kollektivtransport (Entur)",
                  ", ".join(files), notes=notes)]


def _boundary(pieces: list[Piece], kommune: str | None, res: ImportResult):
    """The municipality's outline (a frame in its own CRS) or None when the import cannot clip."""
    own = [p for p in pieces if p.layer == "kommune"]
    frame = pd.concat([p.gdf.to_crs(own[0].gdf.crs) for p in own], ignore_index=True) if own else None
    if kommune:
        nr = str(kommune).zfill(4)
        if frame is not None and "kommunenummer" in frame.columns:
            hit = frame[frame["kommunenummer"].astype(str).str.zfill(4) == nr]
            if len(hit):
                return gpd.GeoDataFrame(hit, crs=frame.crs)
        packaged = gpd.read_file(KOMMUNER)
        hit = packaged[packaged["kommunenummer"] == nr]
        if hit.empty:
            raise UnreadableInput(
                f"Kommune {nr} (--kommune) finnes ikke i filene eller i geoplans innebygde kommunegrenser "
                f"({', '.join(packaged['kommunenummer'])}). Legg ved «Administrative enheter kommuner» fra Geonorge.")
        res.notes.append(f"Kommunegrensen for {nr} er Kartverkets (innebygd i geoplan, CC BY 4.0).")
        return gpd.GeoDataFrame(hit[["kommunenummer", "kommunenavn", "geometry"]].assign(
            kilde="Kartverket, kommuneinndeling (innebygd i geoplan)"), crs=packaged.crs)
    if frame is not None and len(frame) == 1:
        return frame
    res.notes.append("Ingen kommunegrense (oppgi --kommune NR): lagene er ikke klippet til kommunen.")
    return None


def _to_target(p: Piece, target: CRS, res: ImportResult) -> gpd.GeoDataFrame | None:
    gdf = p.gdf
    if gdf.crs is None:
        res.files.append((p.file, "har ikke koordinatsystem (CRS); ikke brukt. Sett CRS i filen og eksporter på nytt."))
        return None
    gdf, n3d = flatten_3d(gdf)
    if n3d:
        p.notes.append(f"{n3d} objekt(er) i 3D er gjort om til 2D (fotavtrykk/punkt uten høyde).")
    return gdf.to_crs(target) if not gdf.crs.equals(target) else gdf


def _join(base: gpd.GeoDataFrame | None, add: Piece, target: CRS, res: ImportResult) -> gpd.GeoDataFrame:
    """Columns of ``add`` joined to ``base`` on ``add.join`` (``add`` itself when there is no base)."""
    key = add.join
    gdf = add.gdf.to_crs(target)
    if base is None:
        return gdf
    for df in (base, gdf):
        df[key] = df[key].map(lambda v: None if pd.isna(v) else str(v).split(".")[0].zfill(8))
    cols = [c for c in gdf.columns if c not in base.columns or c == key]
    cols = [c for c in cols if c not in ("geometry", "kilde")]
    merged = base.merge(pd.DataFrame(gdf[cols]), on=key, how="left")
    unmatched = int(merged[[c for c in cols if c != key]].isna().all(axis=1).sum()) if len(cols) > 1 else 0
    if unmatched:
        add.notes.append(f"{unmatched} grunnkrets(er) fikk ingen verdier fra {add.file} (ukjent grunnkretsnummer).")
    return gpd.GeoDataFrame(merged, geometry="geometry", crs=base.crs)


def _assemble(name: str, pieces: list[Piece], target: CRS, res: ImportResult) -> gpd.GeoDataFrame | None:
    base_frames, joins = [], []
    for p in pieces:
        if p.join:
            joins.append(p)
            continue
        gdf = _to_target(p, target, res)
        if gdf is not None:
            base_frames.append(gdf)
    base = gpd.GeoDataFrame(pd.concat(base_frames, ignore_index=True), crs=target) if base_frames else None
    if base is not None:
        key = next((p.unique for p in pieces if p.unique), "")
        if key and key in base.columns:
            dup = base[key].notna() & base[key].astype(str).duplicated()
            if dup.any():
                res.notes.append(f"{name}: {int(dup.sum())} objekt(er) fantes i flere filer og er tatt med én gang.")
                base = base[~dup].reset_index(drop=True)
    for p in joins:
        base = _join(base, p, target, res)
    return base


def _record(name: str, pieces: list[Piece], res: ImportResult) -> None:
    res.provenance[name] = [f"{p.file} ({p.what}): {_n(len(p.gdf))}" for p in pieces]
    notes = [n for p in pieces for n in p.notes]
    res.descriptions[name] = ("Importert av geoplan import fra " + "; ".join(
        f"{p.file} ({p.what})" for p in pieces) + (". " + " ".join(notes) if notes else "."))


def _finish(name: str, gdf: gpd.GeoDataFrame, boundary, settings: ProductSettings, res: ImportResult) -> None:
    """Clip, validate, and keep the layer (or ``<name>_ufullstendig`` with what it lacks)."""
    gdf, outside = clip(gdf, boundary)
    rep = LayerReport(name=name, source="; ".join(res.provenance.get(name, [])))
    if outside:
        rep.add(f"{outside} objekt(er) utenfor kommunen er utelatt.")
    if gdf.empty:
        rep.add("Ingen objekter ligger i kommunen; laget er ikke skrevet.", "advarsel")
        res.reports[name] = rep
        return
    schema = SCHEMAS[name]
    lacking = [c for c in schema.required if c not in gdf.columns or gdf[c].isna().all()]
    if lacking:
        res.incomplete[name] = [(c, settings.sources.get(f"{name}.{c}", "")) for c in lacking]
        res.layers[f"{name}_ufullstendig"] = gdf.drop(columns=[c for c in lacking if c in gdf.columns])
        res.descriptions[f"{name}_ufullstendig"] = res.descriptions.get(name, "") + (
            f" Mangler {', '.join(lacking)}: legg til og gi laget navnet «{name}».")
        return
    kept, rep = validate_layer(gdf, name, source=rep.source, target_crs=res.crs, report=rep)
    res.reports[name] = rep
    if kept is not None:
        res.layers[name] = kept
        # columns only some commands need (grunnkrets.antall_boliger for concentration and
        # assess): the layer is written and used, and the report says where to get them
        from geoplan.io.contract import missing_command_columns
        need = missing_command_columns(name, [c for c in kept.columns if kept[c].notna().any()])
        if need:
            res.incomplete[name] = [(c, settings.sources.get(f"{name}.{c}", "")) for c in need]
            rep.add(f"Mangler {', '.join(need)}, som {', '.join(sorted({x for v in need.values() for x in v}))} "
                    "trenger; laget er skrevet og kan brukes av de andre analysene.", "advarsel")


def _derive_dwellings(layers: dict[str, gpd.GeoDataFrame], res: ImportResult) -> None:
    krets, byg = layers.get("grunnkrets"), layers.get("bygning")
    if krets is None or byg is None or "antall_boliger" not in byg.columns:
        return
    if "antall_boliger" in krets.columns and krets["antall_boliger"].notna().any():
        return
    if pd.to_numeric(byg["antall_boliger"], errors="coerce").isna().all():
        return
    krets["antall_boliger"] = dwellings_per_krets(krets, byg)
    res.descriptions["grunnkrets"] = res.descriptions.get("grunnkrets", "") + (
        " ESTIMERT: «antall_boliger» er summen av «antall_boliger» i bygningene som ligger i grunnkretsen "
        "(bygningslaget), ikke SSBs boligstatistikk.")
    res.notes.append("Grunnkretsenes antall boliger er telt fra bygningenes boliger (estimat; se lagbeskrivelsen).")


def import_data(inputs, *, kommune: str | None = None, config: Config | None = None,
                progress=None) -> ImportResult:
    """Assemble the data contract from FOLDER|ZIP… (see the module docstring)."""
    settings = ProductSettings.from_config(config)
    sc = scan([Path(p) for p in inputs], progress)
    try:
        res = ImportResult(crs=CRS.from_epsg(25832))
        res.files += sc.unused
        pieces = _recognised(sc, settings, res) + _plans(sc, config, res) + _transit(sc, settings, res)
        boundary_gdf = _boundary(pieces, kommune, res)
        if boundary_gdf is not None:
            pieces = [p for p in pieces if p.layer != "kommune"] + [
                Piece("kommune", boundary_gdf, "Kommunegrense", str(boundary_gdf["kilde"].iloc[0])
                      if "kilde" in boundary_gdf.columns else "kommune")]
            res.kommune = str(boundary_gdf["kommunenummer"].iloc[0]) if "kommunenummer" in boundary_gdf else ""
        res.crs = working_crs(((p.layer, p.gdf) for p in pieces), config)
        boundary = boundary_gdf.to_crs(res.crs).union_all() if boundary_gdf is not None else None
        by_layer: dict[str, list[Piece]] = {}
        for p in pieces:
            by_layer.setdefault(p.layer, []).append(p)
        built = {}
        for name, group in by_layer.items():
            _record(name, group, res)
            gdf = _assemble(name, group, res.crs, res)
            if gdf is not None:
                built[name] = gdf
        _derive_dwellings(built, res)
        for name, gdf in built.items():
            _finish(name, gdf, boundary, settings, res)
        for name in SCHEMAS:
            if name not in res.layers and name not in res.incomplete:
                res.missing[name] = settings.sources.get(name, "")
        return res
    finally:
        for d in sc.tmpdirs:
            shutil.rmtree(d, ignore_errors=True)


def write_import(res: ImportResult, out: str | os.PathLike, *, inputs=()) -> Path:
    """Write every layer to the GeoPackage ``out`` atomically (never over one of ``inputs``)."""
    out = Path(out)
    if out.suffix.lower() != ".gpkg":
        raise UnreadableInput(f"Utfilen {out.name} må ha endelsen .gpkg (GeoPackage).")
    for p in inputs:
        p = Path(p)
        if p.exists() and out.exists() and os.path.samefile(p, out):
            raise UnreadableInput(f"Utfilen {out} er en av inndatafilene; velg et annet navn med --out.")
        if p.is_dir() and out.resolve().is_relative_to(p.resolve()) and out.exists():
            pass   # writing into an input folder is fine; the file itself is new or replaced
    if not res.layers:
        raise UnreadableInput("Ingen av filene ga lag geoplan kan bruke; se listen over filer over.")
    with atomic_path(out) as tmp:
        for name, gdf in res.layers.items():
            gdf.to_file(tmp, layer=name, driver="GPKG",
                        layer_options={"DESCRIPTION": res.descriptions.get(name, "")[:2000]})
    return out
