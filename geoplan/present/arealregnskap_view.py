"""The arealregnskap as people read it: summary tables and map colours for the report and the app.

The analysis (:mod:`geoplan.analysis.arealregnskap`) gives tidy long tables, one row per
category, place, land type and other plan's arealformål (what the workbook and ``--json``
carry, unrounded). The report section and the app page show the same figures summed to
what fits a page: reserve by land type inside/outside the utviklingsgrenser, the
transitions that change arealformål, added/taken out by land type, and the greenhouse gas
with its range. Both use these functions, so the two show the same numbers; the labels
(Norwegian) and the colours of the land types are defined once here.
"""

from __future__ import annotations

import pandas as pd

from geoplan.analysis.arealregnskap import codes

#: colours of the AR5 land types on the maps (a light, print-friendly palette in the spirit of
#: NIBIO's AR5 maps: farmland yellow/orange, forest green, bog blue-green; a presentation choice)
LAND_COLORS = {
    11: "#e8a5a5", 12: "#9e9e9e", 21: "#f6a623", 22: "#f8d04a", 23: "#f3e79b",
    30: "#4f9d4f", 50: "#c9b99a", 60: "#5fb3b3", 70: "#e0f7fa", 81: "#6fa8dc",
    82: "#9fc5e8", 99: "#e0e0e0", codes.NOT_COVERED: "#ffffff", codes.RESIDUAL: "#000000",
}
#: rows of the page tables whose every area rounds to 0,0 daa are left out (the workbook has them)
MIN_SHOWN_DAA = 0.05
#: the sentence that says so
SMALL_ROWS_NOTE = "Rader under 0,05 daa er utelatt her; alle står i regnearket («geoplan arealregnskap --xlsx»)."
#: the map's two kinds of change, with their Norwegian titles
CHANGES = {"lagt til": "Lagt til utbyggingsformål", "tatt ut": "Tatt ut av utbyggingsformål"}


#: skog by AR5 skogbonitet: lighter for poorer, darker for richer forest
FOREST_COLORS = {11: "#b9dbb3", 12: "#8cc685", 13: "#4f9d4f", 14: "#2e7d32", 15: "#1b5e20"}


def land_color(code: int, bonitet: int = 0) -> str:
    """The map colour of an AR5 arealtype code and skog bonitet (grey for a code without one)."""
    if int(code) == 30 and int(bonitet) in FOREST_COLORS:
        return FOREST_COLORS[int(bonitet)]
    return LAND_COLORS.get(int(code), "#bdbdbd")


def darker(hex_color: str, factor: float = 0.6) -> str:
    """``hex_color`` darkened (outlines that keep small areas visible on a map)."""
    h = hex_color.lstrip("#")
    rgb = [int(h[i:i + 2], 16) for i in (0, 2, 4)]
    return "#" + "".join(f"{int(c * factor):02x}" for c in rgb)


def land_groups(kart):
    """``(code, bonitet, name, colour, frame)`` per land type of a map frame, in AR5 code order."""
    out = []
    for (code, bon), g in kart.groupby(["arealtype_kode", "skogbonitet_kode"], sort=True):
        out.append((int(code), int(bon), str(g["arealtype"].iat[0]), land_color(int(code), int(bon)), g))
    return out


# -- the tables ------------------------------------------------------------------------

RESERVE_LABELS = {"kategori": "Kategori", "arealtype_kode": "AR5-kode", "arealtype": "Arealtype",
                  "innenfor_daa": "Innenfor utviklingsgrensene (daa)",
                  "utenfor_daa": "Utenfor (daa)", "sum_daa": "Sum (daa)"}


def reserve_by_land_type(df: pd.DataFrame) -> pd.DataFrame:
    """Reserve per category and land type, inside/outside the utviklingsgrenser (daa).

    ``df`` is the ``reserve_arealtype`` table (or ``lagt_til``/``tatt_ut``, which have the
    same columns); the rows keep the analysis' order (category, then AR5 code).
    """
    if not len(df):
        return pd.DataFrame(columns=list(RESERVE_LABELS))
    d = df.assign(_inn=df["sted"] != _outside())
    keys = ["kategori_id", "kategori", "arealtype_kode", "skogbonitet_kode", "arealtype"]
    g = d.groupby(keys + ["_inn"], sort=False)["areal_daa"].sum().unstack("_inn", fill_value=0.0)
    out = pd.DataFrame({"innenfor_daa": g.get(True, 0.0), "utenfor_daa": g.get(False, 0.0)},
                       index=g.index).reset_index()
    out["sum_daa"] = out["innenfor_daa"] + out["utenfor_daa"]
    out = out[out[["innenfor_daa", "utenfor_daa"]].abs().max(axis=1) >= MIN_SHOWN_DAA]
    order = {c: i for i, c in enumerate(df["kategori_id"].drop_duplicates())}
    out = out.assign(_o=out["kategori_id"].map(order)).sort_values(
        ["_o", "arealtype_kode", "skogbonitet_kode"], kind="stable")
    return out.drop(columns="_o").reset_index(drop=True)


def _outside() -> str:
    from geoplan.analysis.arealregnskap import OUTSIDE
    return OUTSIDE


def with_totals(df: pd.DataFrame, label_col: str, value_cols: list[str], by: str | None = None,
                label: str = "Sum") -> tuple[pd.DataFrame, list[int]]:
    """``df`` with a sum row after each ``by`` group (or one at the end); their row numbers."""
    rows: list[dict] = []
    sums: list[int] = []
    groups = [(None, df)] if by is None else list(df.groupby(by, sort=False))
    for key, g in groups:
        rows += g.to_dict("records")
        if by is not None and len(groups) == 1:
            continue
        total = {c: float(g[c].sum()) for c in value_cols}
        name = f"{label} {str(key).lower()}" if by is not None else label
        sums.append(len(rows))
        rows.append({**({by: key} if by else {}), label_col: name, **total})
    if by is not None:
        total = {c: float(df[c].sum()) for c in value_cols}
        sums.append(len(rows))
        rows.append({by: "", label_col: "I alt", **total})
    return pd.DataFrame(rows), sums


ZONE_LABEL_SUFFIX = " (daa)"


def zone_labels(zones: list[str]) -> dict[str, str]:
    """Column labels of ``reserve_soner``: the reserve and each measured nature/hazard layer."""
    from geoplan.analysis.arealregnskap import ZONE_LAYERS
    return {"kategori": "Kategori", "sted": "Sted", "reserve_daa": "Reserve (daa)",
            **{f"{z}_daa": ZONE_LAYERS[z] + ZONE_LABEL_SUFFIX for z in zones}}


TRANSITION_LABELS = {"gjeldende_kode": "Gjeldende kode", "gjeldende_navn": "Gjeldende arealformål",
                     "forslag_kode": "Forslag kode", "forslag_navn": "Arealformål i forslaget",
                     "areal_daa": "Areal (daa)"}


def changed_transitions(df: pd.DataFrame) -> pd.DataFrame:
    """The transitions whose arealformål changes (largest first); the unchanged sum is apart."""
    d = df[(df["gjeldende_kode"] != df["forslag_kode"]) & (df["areal_daa"].abs() >= MIN_SHOWN_DAA)]
    return d.sort_values("areal_daa", ascending=False, kind="stable").reset_index(drop=True)


POTENTIAL_LABELS = {"kategori": "Kategori", "gjeldende_reserve_daa": "Gjeldende reserve (daa)",
                    "tatt_ut_daa": "Tatt ut (daa)", "lagt_til_daa": "Lagt til (daa)",
                    "videreført_daa": "Videreført (daa)", "forslag_reserve_daa": "Reserve i forslaget (daa)"}


def potential_rows(df: pd.DataFrame) -> pd.DataFrame:
    """``potensial`` without the categories that are empty in both plans."""
    return df[(df["gjeldende_reserve_daa"] != 0) | (df["forslag_reserve_daa"] != 0)].reset_index(drop=True)


NEDBYGGING_LABELS = {"kvalitet": "Arealkvalitet", "gjeldende_daa": "Gjeldende plan (daa)",
                     "tatt_ut_daa": "Tatt ut (daa)", "lagt_til_daa": "Lagt til (daa)",
                     "forslag_daa": "Forslaget (daa)", "endring_daa": "Endring (daa)"}

GHG_LABELS_PROPOSAL = {"gruppe": "Arealtype", "forslag_daa": "Forslaget (daa)",
                       "forslag_tco2e_midt": "Forslaget (t CO₂-ekv.)",
                       "forslag_tco2e_lav": "lav", "forslag_tco2e_hoy": "høy",
                       "endring_tco2e_midt": "Endring mot gjeldende (t CO₂-ekv.)",
                       "endring_tco2e_lav": "lav ", "endring_tco2e_hoy": "høy "}
GHG_LABELS_IN_FORCE = {"gruppe": "Arealtype", "gjeldende_daa": "Reserve (daa)",
                       "gjeldende_tco2e_midt": "Anslag (t CO₂-ekv.)",
                       "gjeldende_tco2e_lav": "lav", "gjeldende_tco2e_hoy": "høy"}


def ghg_rows(df: pd.DataFrame, has_proposal: bool) -> tuple[pd.DataFrame, list[int]]:
    """The greenhouse-gas table with a total row (its row number in the list)."""
    cols = [c for c in (GHG_LABELS_PROPOSAL if has_proposal else GHG_LABELS_IN_FORCE) if c != "gruppe"]
    return with_totals(df, "gruppe", cols, label="I alt")


def ghg_text(settings) -> str:
    """What the greenhouse-gas estimate is, and how uncertain (Norwegian)."""
    return (f"Anslaget summerer utslippene over {settings.ghg_years} år fra at arealet bygges ned: "
            "tapt karbon i vegetasjon og jord, og for myr og organisk jord utslipp fra drenert torv. "
            "Faktorene er geoplans egne Tier 1-anslag etter IPCCs metode, som det nasjonale "
            "klimagassregnskapet bygger på. De er ikke Miljødirektoratets eller NIBIOs tall, og "
            "usikkerheten er stor: lav–høy er et spenn, ikke et konfidensintervall, og for myr avgjør "
            "torvdybden. En konsekvensutredning bør bruke Miljødirektoratets beregningsmal eller NIBIOs "
            "kartbaserte klimagasskalkulator (M-1941 kap. 6.2). Faktorene og kildene står i "
            "parametervedlegget (arealregnskap.klimagass).")


def ghg_ku_sentence(change_t: float, settings) -> str:
    """Whether the increase passes M-1941's threshold for a KU of greenhouse gas (Norwegian)."""
    from geoplan.present import text
    lim = text.integer(settings.ghg_ku_threshold_t)
    if change_t > settings.ghg_ku_threshold_t:
        return (f"Forslaget øker anslaget med {text.integer(change_t)} t CO₂-ekv., over {lim} t: "
                "klimagassutslipp er da et aktuelt utredningstema (Miljødirektoratet M-1941, "
                "Plan- og utredningsprogram kap. 2.9.2).")
    return (f"Endringen i anslaget er {text.integer(change_t)} t CO₂-ekv., ikke over {lim} t som "
            "M-1941 (Plan- og utredningsprogram kap. 2.9.2) bruker som terskel for når "
            "klimagassutslipp er et aktuelt utredningstema.")
