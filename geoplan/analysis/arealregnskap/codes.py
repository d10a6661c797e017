"""Code names the tables show beside the codes.

AR5 names from «Kodeliste arealregnskap» (vedlegg 2 to the ministry's guideline
«Arealregnskap i kommuneplan», published 3 January 2024); arealformål names from the
project's one SOSI code list, :mod:`geoplan.codes`. Names, not parameters: the
thresholds are in ``config/arealregnskap.toml``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from geoplan.codes import arealformal_name as sosi_name

#: AR5 arealtype
AR5_AREALTYPE = {11: "Bebygd", 12: "Samferdsel", 21: "Fulldyrka jord", 22: "Overflatedyrka jord",
                 23: "Innmarksbeite", 30: "Skog", 50: "Åpen fastmark", 60: "Myr",
                 70: "Snøisbre", 81: "Ferskvann", 82: "Hav", 99: "Ikke kartlagt"}
#: AR5 skogbonitet
AR5_BONITET = {11: "Impediment", 12: "Lav", 13: "Middels", 14: "Høy", 15: "Særs høy",
               98: "Ikke relevant", 99: "Ikke registrert"}
#: AR5 grunnforhold: organic soil (the greenhouse-gas factor for organic soil applies)
ORGANIC_SOIL = 43
#: arealtype code for land outside the AR5 cover, and for the rounding residual of the overlay
NOT_COVERED = 0
RESIDUAL = -1
LAND_TYPE_EXTRA = {NOT_COVERED: "Ikke dekket av AR5", RESIDUAL: "Avvik (glipper og overlapp)"}

#: arealformål code of area outside a plan (rows/columns of the transition table)
OUTSIDE_PLAN = 0
OUTSIDE_PLAN_NAME = "Utenfor planen"


def land_type_name(arealtype: int, bonitet: int = 0) -> str:
    name = AR5_AREALTYPE.get(arealtype) or LAND_TYPE_EXTRA.get(arealtype) or f"Arealtype {arealtype}"
    if bonitet:
        name = f"{name}, {AR5_BONITET.get(bonitet, str(bonitet)).lower()} bonitet"
    return name


def arealformal_name(code: int) -> str:
    """The kommuneplan name of ``code`` from the project's one SOSI code list
    (:mod:`geoplan.codes`); «Utenfor planen» for land outside the plan."""
    if code == OUTSIDE_PLAN:
        return OUTSIDE_PLAN_NAME
    return sosi_name(int(code), "kp") or f"Arealformål {code}"


def land_type_bonitet(arealtype: np.ndarray, bonitet: np.ndarray, split_forest: bool) -> np.ndarray:
    """The bonitet the tables group by: AR5 skogbonitet for skog (11-15) when split, else 0."""
    keep = (arealtype == 30) & np.isin(bonitet, (11, 12, 13, 14, 15)) if split_forest \
        else np.zeros(len(arealtype), bool)
    return np.where(keep, bonitet, 0).astype("int64")


def land_type_names(arealtype: np.ndarray, bonitet: np.ndarray) -> np.ndarray:
    """:func:`land_type_name` for arrays (one call per distinct pair)."""
    if not len(arealtype):
        return np.empty(0, dtype=object)
    pairs = pd.MultiIndex.from_arrays([np.asarray(arealtype, "int64"), np.asarray(bonitet, "int64")])
    codes_, uniq = pd.factorize(pairs)
    names = np.array([land_type_name(int(a), int(b)) for a, b in uniq], dtype=object)
    return names[codes_]


def arealformal_names(codes_) -> list[str]:
    """:func:`arealformal_name` for a column, the residual code named as the residual."""
    c = pd.Series(np.asarray(codes_, "int64"))
    uniq = {int(k): (LAND_TYPE_EXTRA[RESIDUAL] if k == RESIDUAL else arealformal_name(int(k)))
            for k in c.unique()}
    return c.map(uniq).tolist()
