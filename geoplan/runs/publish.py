"""Dataset + Config -> the result tables ``geoplan db publish`` writes for QGIS.

One function per analysis returns ``{table name: (Geo)DataFrame}``; lists and
dicts in cells are flattened to text so every column has one SQL type.
Concentration is always the **public** version (through :mod:`geoplan.privacy`):
a result schema is read by everyone with access to the planning database.
"""

from __future__ import annotations

from typing import Any, Callable

import pandas as pd

ANALYSES = ("reserves", "schools", "concentration")


def _flat(frame):
    frame = frame.copy()
    geom = getattr(frame, "_geometry_column_name", None)
    for c in frame.columns:
        if c == geom:
            continue
        if frame[c].map(lambda v: isinstance(v, (list, tuple, set, dict))).any():
            frame[c] = frame[c].map(
                lambda v: ", ".join(map(str, v)) if isinstance(v, (list, tuple, set)) else
                (str(v) if isinstance(v, dict) else v))
    return frame


def reserve_tables(ds, cfg) -> dict[str, Any]:
    from geoplan.runs.reserves import reserves
    res = reserves(ds, cfg)
    return {"reserve_parseller": _flat(res.parseller), "reserve_steder": _flat(pd.DataFrame(res.steder))}


def school_tables(ds, cfg) -> dict[str, Any]:
    from geoplan.runs.schools import schools
    res = schools(ds, cfg, walking=ds.has("gangnett"))
    out = {"skole_utviklingsgrenser": res.utviklingsgrenser,
           "skole_sirkler": res.sirkler, "skole_innenfor_sirkel": res.innenfor,
           "skole_utenfor_sirkel": res.utenfor}
    if res.parseller is not None:
        out["skole_parseller"] = res.parseller
    if res.gangareal is not None and len(res.gangareal):
        out["skole_gangavstand"] = res.gangareal
    return {k: _flat(v) for k, v in out.items() if v is not None}


def concentration_tables(ds, cfg) -> dict[str, Any]:
    from geoplan.runs.concentration import concentration
    result, _hv, _st = concentration(ds, cfg, public=True)
    out = {"konsentrasjon_grunnkrets": _flat(result.grunnkretser)}
    if result.kategorier is not None and len(result.kategorier):
        out["konsentrasjon_kategorier"] = _flat(pd.DataFrame(result.kategorier))
    return out


BUILDERS: dict[str, Callable[[Any, Any], dict[str, Any]]] = {
    "reserves": reserve_tables,
    "schools": school_tables,
    "concentration": concentration_tables,
}


def parameters(cfg, analyses) -> dict:
    """The configuration sections the published analyses used (for each table's stamp)."""
    out = {}
    for name in [*analyses, "kommune"]:
        if cfg.has(name):
            out[name] = {p.key: p.value for p in cfg.params(name)}
    return out
