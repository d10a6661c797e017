"""The result dicts of an assessment: one row per criterion, one result per site,
the ranking of many sites, and the public version of a result."""

from __future__ import annotations

import copy
import math
from typing import Any, Sequence

from geoplan.analysis.sites.criteria import (
    DIRECTIONS,
    STATUSES,
    Criterion,
    Profile,
    threshold_summary,
    threshold_text,
)
from geoplan.analysis.sites.kinds import Measure, Sites
from geoplan.analysis.sites.wording import STATUS_WORD


class RowStatic:
    """The parts of a criterion's row that do not depend on the site, worked out once:
    the threshold sentences per status, the threshold summary, the layer label."""

    __slots__ = ("threshold", "at_threshold", "summary", "direction", "layer", "_cut")

    def __init__(self, c: Criterion):
        self.threshold = {st: threshold_text(c, st) for st in STATUSES}
        self.at_threshold = c.opt("at_threshold", "better")
        self.summary = threshold_summary(c)
        self.direction = DIRECTIONS[c.direction]
        self.layer = c.layer or (f"{c.opt('raster')}.tif" if c.kind == "raster" else None)
        # classify() as (status, threshold) steps on a value turned so that higher is
        # worse; ``worse_at``: a value at the threshold is beyond it
        sign = 1.0 if c.direction == "max" else -1.0
        self._cut = (sign, self.at_threshold == "worse",
                     tuple((name, sign * t) for name, t in (("rod", c.red), ("gul", c.yellow))
                           if t is not None))

    def status(self, value: float) -> str:
        """:func:`~geoplan.analysis.sites.criteria.classify` of a finite ``value`` with this
        criterion's thresholds (worked out once; the tests hold the two equal)."""
        sign, worse_at, steps = self._cut
        v = sign * value
        for name, t in steps:
            if (v >= t) if worse_at else (v > t):
                return name
        return "gronn"


def criterion_row(c: Criterion, m: Measure, st: RowStatic | None = None) -> dict:
    """``{"id", "kriterium", "status", "verdi", "terskel", "begrunnelse", ...}`` of one
    criterion (``st``: :class:`RowStatic` of ``c``, made here when not given)."""
    if st is None:
        st = RowStatic(c)
    if m.reason is None and m.status in STATUSES:     # decided by the evaluator
        status = m.status
        verdi = (round(float(m.value), c.decimals)
                 if m.value is not None and math.isfinite(m.value) else None)
        text = f"{m.text} {st.threshold[status]}".strip()
    elif m.reason is not None or m.value is None or not math.isfinite(m.value):
        status = "ukjent"
        verdi = None
        text = m.reason or m.text or "Verdien kunne ikke beregnes."
        if not text.startswith(("Ukjent", "Ikke kartlagt")):
            text = "Ukjent: " + text
    else:
        verdi = round(float(m.value), c.decimals)
        status = st.status(verdi)
        text = f"{m.text} {st.threshold[status]}".strip()
        if "offentlig_tekst" in m.details:
            m.details["offentlig_tekst"] = (
                f"{m.details['offentlig_tekst']} {st.threshold[status]}".strip())
    return {
        "id": c.id,
        "kriterium": c.label,
        "status": status,
        "verdi": verdi,
        "terskel": {"gul": c.yellow, "rod": c.red},
        "retning": st.direction,
        "terskel_tekst": st.summary,
        "enhet": c.unit,
        "begrunnelse": text,
        "kilde": c.source,
        "kommunalt_valg": c.assumption,
        "type": c.kind,
        "lag": st.layer,
        "detaljer": m.details,
    }


def criterion_rows(c: Criterion, measures: Sequence[Measure], st: RowStatic) -> list[dict]:
    """:func:`criterion_row` of every measure of criterion ``c`` (one per site), with the
    criterion's fields looked up once and the status steps inlined: the rows of
    ``assess_many`` (10,000 sites × 28 criteria) are built here. The tests hold it
    equal to :func:`criterion_row` one row at a time."""
    cid, label, unit, source, assumption, kind = c.id, c.label, c.unit, c.source, c.assumption, c.kind
    yellow, red, dec = c.yellow, c.red, c.decimals
    direction, summary, layer, th = st.direction, st.summary, st.layer, st.threshold
    sign, worse_at, steps = st._cut
    unknown_text: dict[str | None, str] = {}
    isfinite = math.isfinite
    out: list[dict] = []
    append = out.append
    for m in measures:
        reason, value = m.reason, m.value
        if reason is None and m.status in STATUSES:
            status = str(m.status)
            verdi = round(float(value), dec) if value is not None and isfinite(value) else None
            text = f"{m.text} {th[status]}".strip()
        elif reason is not None or value is None or not isfinite(value):
            status, verdi = "ukjent", None
            key = reason or m.text
            known = unknown_text.get(key)
            if known is None:
                known = key or "Verdien kunne ikke beregnes."
                if not known.startswith(("Ukjent", "Ikke kartlagt")):
                    known = "Ukjent: " + known
                unknown_text[key] = known
            text = known
        else:
            verdi = round(float(value), dec)
            v = sign * verdi
            status = "gronn"
            for name, t in steps:
                if (v >= t) if worse_at else (v > t):
                    status = name
                    break
            text = f"{m.text} {th[status]}".strip()
            if "offentlig_tekst" in m.details:
                m.details["offentlig_tekst"] = f"{m.details['offentlig_tekst']} {th[status]}".strip()
        append({"id": cid, "kriterium": label, "status": status, "verdi": verdi,
                "terskel": {"gul": yellow, "rod": red}, "retning": direction,
                "terskel_tekst": summary, "enhet": unit, "begrunnelse": text, "kilde": source,
                "kommunalt_valg": assumption, "type": kind, "lag": layer, "detaljer": m.details})
    return out


def profile_dict(p: Profile) -> dict:
    """A profile as it is listed in a result."""
    return {"id": p.id, "beskrivelse": p.label, "kilde": p.source}


def site_result(rows: list[dict], tomt: dict, used: list[Profile], s: Sites, i: int,
                profiles: list[dict] | None = None) -> dict:
    """The result of site ``i``: its rows, the overall status and the summary sentence
    (``profiles``: the :func:`profile_dict` of ``used``, when worked out already)."""
    statuses = [r["status"] for r in rows]
    counts = {st: statuses.count(st) for st in STATUSES}
    samlet = ("rod" if counts["rod"] else "gul" if counts["gul"] else
              "ukjent" if rows and counts["ukjent"] == len(rows) else "gronn")  # overall_status
    text = (f"{STATUS_WORD[samlet]}: {counts['rod']} røde, {counts['gul']} gule og "
            f"{counts['gronn']} grønne kriterier")
    if counts["ukjent"]:
        ids = ", ".join(r["id"] for r in rows if r["status"] == "ukjent")
        text += f"; {counts['ukjent']} kunne ikke vurderes ({ids})"
    text += "."
    return {
        "samlet": samlet,
        "oppsummering": {**counts, "tekst": text},
        "kriterier": rows,
        "tomt": tomt,
        "kjop": {"enheter": int(s.units[i]), "kategori": s.kategori, "trinn": s.trinn},
        "profiler": ([profile_dict(p) for p in used] if profiles is None
                     else [dict(p) for p in profiles]),
    }


def ranked_results(per_site: list[list[dict]], info: list[dict], crits: Sequence[Criterion],
                   used: list[Profile], s: Sites, names: Sequence[Any] | None) -> dict:
    """``{"tomter": [...], "antall_tomter", "profiler", "kriterier_brukt"}``, ranked:
    fewest red, then fewest yellow, then fewest unknown criteria first (ties keep the
    input order)."""
    prof = [profile_dict(p) for p in used]
    res = [site_result(per_site[i], info[i], used, s, i, prof) for i in range(s.n)]
    order = sorted(range(s.n), key=lambda i: (
        res[i]["oppsummering"]["rod"], res[i]["oppsummering"]["gul"],
        res[i]["oppsummering"]["ukjent"], i))
    ranked = []
    for rank, i in enumerate(order, start=1):
        r = res[i]
        ranked.append({"rang": rank, "tomt_nr": i + 1,
                       "navn": (names[i] if names is not None and names[i] else f"Tomt {i + 1}"),
                       "samlet": r["samlet"], "oppsummering": r["oppsummering"],
                       "kriterier": r["kriterier"], "tomt": r["tomt"], "kjop": r["kjop"],
                       "profiler": r["profiler"]})
    return {"tomter": ranked, "antall_tomter": s.n, "profiler": prof,
            "kriterier_brukt": [c.id for c in crits]}


def public_result(result: dict) -> dict:
    """A copy of an assessment fit for outputs that leave the housing office.

    Concentration criteria keep their status and shares, but counts of municipal
    units below ``kommune.min_count_public`` are written as "færre enn N" (the
    public sentence is written when the criterion is measured), dwelling totals
    and the building id are left out, and the detailed before/after records are
    removed. Works on one result and on ``{"tomter": [...]}``.
    """
    out = copy.deepcopy(result)
    rows = out["tomter"] if isinstance(out.get("tomter"), list) else [out]
    for r in rows:
        for k in r.get("kriterier", []):
            if k.get("type") != "concentration":
                continue
            d = k.get("detaljer") or {}
            if "offentlig_tekst" in d and k["status"] != "ukjent":
                k["begrunnelse"] = d["offentlig_tekst"]
            omr = {kk: vv for kk, vv in (d.get("omrade") or {}).items() if kk != "bygg_id"}
            pub = d.get("offentlig") or {"for": d.get("for"), "etter": d.get("etter"),
                                         "verdi": k.get("verdi")}  # decided by geoplan.privacy
            k["detaljer"] = {"for": pub["for"], "etter": pub["etter"], "omrade": omr}
            k["verdi"] = pub["verdi"]
        r["offentlig"] = True
    if rows is not out:
        out["offentlig"] = True
    return out
