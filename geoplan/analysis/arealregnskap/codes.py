"""Code names the tables show beside the codes.

From «Kodeliste arealregnskap» (vedlegg 2 to the ministry's guideline «Arealregnskap i
kommuneplan», published 3 January 2024), which gathers the SOSI arealformål codes of
the kommuneplan and the NIBIO AR5 codes. Names, not parameters: the thresholds are in
``config/arealregnskap.toml``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

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

#: SOSI arealformål (kommuneplan, pbl. 2008)
AREALFORMAL = {
    1001: "Bebyggelse og anlegg", 1110: "Boligbebyggelse",
    1111: "Frittliggende småhusbebyggelse", 1112: "Konsentrert småhusbebyggelse",
    1113: "Blokkbebyggelse", 1120: "Fritidsbebyggelse", 1121: "Frittliggende fritidsbebyggelse",
    1122: "Konsentrert fritidsbebyggelse", 1123: "Fritidsbebyggelse – blokk",
    1130: "Sentrumsformål", 1140: "Kjøpesenter", 1150: "Forretninger",
    1160: "Offentlig eller privat tjenesteyting", 1170: "Fritids- og turistformål",
    1200: "Råstoffutvinning", 1300: "Næringsvirksomhet", 1400: "Idrettsanlegg",
    1500: "Andre typer bebyggelse og anlegg", 1600: "Uteoppholdsareal",
    1700: "Grav- og urnelund", 1800: "Kombinert bebyggelse og anleggsformål",
    2001: "Samferdselsanlegg og teknisk infrastruktur", 2010: "Veg", 2020: "Bane",
    2030: "Lufthavn", 2040: "Havn", 2050: "Hovednett for sykkel", 2060: "Kollektivnett",
    2070: "Kollektivknutepunkt", 2080: "Parkering", 2100: "Trasé for teknisk infrastruktur",
    2800: "Kombinerte formål for samferdselsanlegg og/eller teknisk infrastruktur",
    3001: "Grønnstruktur", 3020: "Naturområde", 3030: "Turdrag", 3040: "Friområde", 3050: "Park",
    4001: "Forsvaret", 5001: "LNFR", 5100: "LNFR areal for nødvendige tiltak for landbruk og "
    "reindrift og gårdstilknyttet næringsvirksomhet", 5200: "LNFR areal for spredt bolig-, "
    "fritids- eller næringsbebyggelse", 5210: "Spredt boligbebyggelse",
    5220: "Spredt fritidsbebyggelse", 5230: "Spredt næringsbebyggelse",
    6001: "Bruk og vern av sjø og vassdrag med tilhørende strandsone",
}
#: arealformål code of area outside a plan (rows/columns of the transition table)
OUTSIDE_PLAN = 0
OUTSIDE_PLAN_NAME = "Utenfor planen"


def land_type_name(arealtype: int, bonitet: int = 0) -> str:
    name = AR5_AREALTYPE.get(arealtype) or LAND_TYPE_EXTRA.get(arealtype) or f"Arealtype {arealtype}"
    if bonitet:
        name = f"{name}, {AR5_BONITET.get(bonitet, str(bonitet)).lower()} bonitet"
    return name


def arealformal_name(code: int) -> str:
    if code == OUTSIDE_PLAN:
        return OUTSIDE_PLAN_NAME
    return AREALFORMAL.get(int(code), f"Arealformål {code}")


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
