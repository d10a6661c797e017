"""Files with several object types (SOSI text, GML): to raw layers, one plan or many.

:func:`read_typed` reads one file into frames per object type (SOSI through
:mod:`geoplan.io.sosi`, GML through :mod:`geoplan.io.gml`; never GDAL, so no
English and no ``.gfs`` beside the input). :func:`typed_raws` turns one or many
such files into :class:`~geoplan.io.contract.RawLayer` objects: plan files
become the plan layers (several plans combined by :func:`geoplan.io.plans.combine_plans`),
other files the object type chosen with ``--objtype``; a file that cannot be read
is reported by its own name and does not hide the others.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geoplan.errors import UnreadableInput
from geoplan.io.contract import RawLayer, layer_key
from geoplan.io.plans import PLAN_LAYERS, combine_plans, is_plan, plan_layers

TYPED_SUFFIXES = {".sos", ".sosi", ".gml", ".xml"}


@dataclass
class TypedFile:
    """One file's frames per object type, its CRS problem (if any) and notes."""

    label: str
    types: dict[str, gpd.GeoDataFrame]
    notes: list[str] = field(default_factory=list)
    crs_problem: str | None = None
    n_skipped: int = 0


def read_typed(path: Path, label: str | None = None) -> TypedFile:
    """Read a SOSI or GML file into frames per object type."""
    label = label or path.name
    if path.suffix.lower() in (".sos", ".sosi"):
        from geoplan.io.sosi import read_sosi

        d = read_sosi(path, name=label)
        notes = list(d.notes)
        if d.crs_problem:
            notes.insert(0, d.crs_problem)
        return TypedFile(label, d.layers, notes, d.crs_problem, d.n_skipped)
    from geoplan.io.gml import read_gml

    g = read_gml(path, name=label)
    return TypedFile(label, g.layers, list(g.notes), None, sum(g.skipped.values()))


def _types_text(types: dict[str, gpd.GeoDataFrame]) -> str:
    return ", ".join(f"{t} ({len(g)})" for t, g in sorted(types.items()))


def _objtype_raw(f: TypedFile, objtype: str | None, layer: str | None) -> RawLayer:
    """The one object type of a non-plan file (or the one asked for)."""
    if objtype is not None:
        match = next((t for t in f.types if t.lower() == objtype.lower()), None)
        if match is None:
            raise UnreadableInput(
                f"{f.label} har ingen objekter av typen «{objtype}» (--objtype). Typene i filen: "
                f"{_types_text(f.types) or 'ingen'}.")
    elif len(f.types) == 1:
        match = next(iter(f.types))
    else:
        raise UnreadableInput(
            f"{f.label} er ikke en planfil og har flere objekttyper: {_types_text(f.types)}. "
            "Velg én med --objtype TYPE (og --layer NAVN for laget den skal brukes som).")
    name = layer or layer_key(match)
    return RawLayer(name, f.types[match], f"{f.label}:{match}", notes=list(f.notes))


def typed_raws(files: list[tuple[Path, str]], *, objtype: str | None = None,
               layer: str | None = None, config=None) -> list[RawLayer]:
    """Raw layers from SOSI/GML files ``(path, label)``: the plan layers, or ``--objtype``'s.

    Raises
    ------
    UnreadableInput
        When no file can be used at all (the messages of every file, by name).
    """
    from geoplan.config.plans import PlanSettings

    plans: list = []
    raws: list[RawLayer] = []
    problems: list[str] = []
    for path, label in files:
        try:
            f = read_typed(path, label)
        except UnreadableInput as e:
            problems.append(e.message)
            continue
        if objtype is None and is_plan(f.types):
            p = plan_layers(f.types, f.label)
            p.notes[:0] = f.notes
            plans.append(p)
            continue
        try:
            raws.append(_objtype_raw(f, objtype, layer))
        except UnreadableInput as e:
            if len(files) == 1:
                raise
            problems.append(e.message)
    if not plans and not raws:
        raise UnreadableInput(" ".join(problems) if problems else "Ingen filer å lese.")
    if plans:
        raws.extend(_plan_raws(plans, problems, PlanSettings.from_config(config)))
    elif problems:
        raws[0].notes.extend(f"Ikke brukt: {m}" for m in problems)
    return raws


def _plan_raws(plans, problems: list[str], settings) -> list[RawLayer]:
    """The combined plan layers of one or more plan files."""
    names = [p.source for p in plans]
    src = names[0] if len(names) == 1 else f"{len(names)} planfiler ({', '.join(names)})"
    notes = [f"{p.source}: {n}" if len(plans) > 1 else n for p in plans for n in p.notes]
    notes += [f"Filen kunne ikke brukes: {m}" for m in problems]
    others = {t: n for p in plans for t, n in p.other_types.items()}
    out = []
    for layer in PLAN_LAYERS:
        frames = [p.frames[layer] for p in plans if layer in p.frames]
        if not frames:
            continue
        if layer == "arealformal":
            gdf, extra = combine_plans(frames, settings)
            lnotes = notes + extra
            if others:
                lnotes.append("Andre objekttyper i planen, ikke brukt av analysene: "
                              + ", ".join(f"{t} ({n})" for t, n in sorted(others.items())) + ".")
        else:
            crs = next((f.crs for f in frames if f.crs is not None), None)
            gdf = gpd.GeoDataFrame(
                pd.concat([f.to_crs(crs) if crs is not None and f.crs is not None else f
                           for f in frames], ignore_index=True), geometry="geometry", crs=crs)
            lnotes = [n for n in notes if "koordinatsystem" in n.lower()]
        out.append(RawLayer(layer, gdf, src, notes=lnotes))
    return out
