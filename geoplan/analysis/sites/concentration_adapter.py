"""Concentration criteria: municipal dwellings before and after a purchase.

:mod:`geoplan.analysis.concentration` does the analysis
(:meth:`~geoplan.analysis.concentration.ConcentrationModel.purchase_effect`); this
module turns its before/after records into criterion values and sentences. The
model is built once per assessor, with the ``concentration.*`` parameters of the
assessor's configuration; the criterion ``konsentrasjon_radius`` may set its own
radius.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import shapely

from geoplan.analysis.sites.criteria import Criterion
from geoplan.analysis.sites.kinds import Measure, Sites
from geoplan.analysis.sites.wording import fmt_num, fmt_val, missing_layer_reason
from geoplan.errors import DataProblem

if TYPE_CHECKING:
    from geoplan.analysis.sites.assessor import SiteAssessor


def _model_settings(config: Any) -> dict:
    """``thresholds``, ``radius_m``, ``match_distance_m`` and ``new_dwellings`` from config
    (:class:`~geoplan.config.concentration.ConcentrationSettings`)."""
    from geoplan.config.concentration import ConcentrationSettings
    st = ConcentrationSettings.from_config(config)
    return {"thresholds": st.thresholds, "radius_m": float(st.radius_m),
            "match_distance_m": float(st.match_distance_m),
            "new_dwellings": bool(st.new_dwellings)}


class ConcentrationAdapter:
    """Turns :meth:`geoplan.analysis.concentration.ConcentrationModel.purchase_effect` (before/after
    a purchase) into criterion values; the model is built once per assessor."""

    def __init__(self, model: Any, new_dwellings: bool, min_count: int):
        self.model = model
        self.new_dwellings = new_dwellings
        self.min_count = int(min_count)

    @classmethod
    def build(cls, a: SiteAssessor) -> "ConcentrationAdapter | str":
        """The adapter for assessor ``a``, or the reason the criteria are ``ukjent``."""
        for layer in ("kommunal_bolig", "grunnkrets"):
            if layer not in a.layers:
                return missing_layer_reason(layer)
        from geoplan.analysis import concentration as cm
        kw = _model_settings(a.settings.config)
        new = kw.pop("new_dwellings")
        radius = next((float(c.opt("radius_m")) for c in a.criteria
                       if c.kind == "concentration" and c.opt("scope") == "radius"
                       and c.opt("radius_m") is not None), None)
        if radius is not None:
            kw["radius_m"] = radius
        try:
            model = cm.ConcentrationModel(a.layers["kommunal_bolig"], a.layers["grunnkrets"],
                                          a.layers.get("bygning"), **kw)
        except DataProblem as e:
            return f"Konsentrasjonen kan ikke beregnes: {e.message}"
        return cls(model, new, a.settings.min_count_public)

    def effects(self, s: Sites) -> list[dict]:
        """``purchase_effect`` per site (cached on the call: three criteria share it)."""
        if "concentration" in s.cache:
            return s.cache["concentration"]
        pts = shapely.point_on_surface(s.geoms)
        out = []
        for i in range(s.n):  # one model query per *site*; each is well under a millisecond
            n = int(s.units[i])
            eff = self.model.purchase_effect(pts[i], max(n, 1), s.kategori,
                                             new_dwellings=self.new_dwellings)
            if n < 1:  # nothing bought: the "after" state is the "before" state
                for key in ("grunnkrets", "bygning", "radius"):
                    if eff.get(key) and eff[key].get("for") is not None:
                        eff[key]["etter"] = eff[key]["for"]
            out.append(eff)
        s.cache["concentration"] = out
        return out

    def measure(self, c: Criterion, s: Sites) -> list[Measure]:
        """One measure per site for concentration criterion ``c``."""
        scope = c.opt("scope")
        field_ = c.opt("value", "andel_pct" if scope != "radius" else "enheter_innen_radius")
        res = []
        for i, eff in enumerate(self.effects(s)):
            part = eff.get(scope)
            if part is None or part.get("etter") is None:
                res.append(Measure(reason=self._no_area_reason(scope)))
                continue
            before, after = part.get("for") or {}, part["etter"]
            if after.get(field_) is None:
                res.append(Measure(reason=self._no_share_reason(scope, eff)))
                continue
            res.append(self._measure_one(c, scope, field_, int(s.units[i]), part, before,
                                         after, eff))
        return res

    def _no_area_reason(self, scope: str) -> str:
        if scope == "grunnkrets":
            return "Tomta ligger utenfor alle grunnkretser."
        if scope == "bygning" and self.model.buildings is None:
            return missing_layer_reason("bygning")
        return (f"Ingen eksisterende bygning i laget «bygning» ved tomta (innenfor "
                f"{fmt_num(self.model.match_distance_m, 0)} m), så andelen i bygningen "
                "kan ikke beregnes.")

    def _no_share_reason(self, scope: str, eff: dict) -> str:
        why = ("Andelen kan ikke beregnes: laget «bygning» mangler, så antall boliger "
               "innenfor radiusen er ukjent." if scope == "radius" and self.model.buildings is None
               else "Andelen kan ikke beregnes (antall boliger mangler eller er 0).")
        return (why + " " + " ".join(eff.get("advarsler") or [])).strip()

    def _measure_one(self, c: Criterion, scope: str, field_: str, n: int, part: dict,
                     before: dict, after: dict, eff: dict) -> Measure:
        v_before, v_after = before.get(field_), after[field_]
        dec = 0 if scope == "radius" and field_.startswith("enheter") else c.decimals
        vb = "–" if v_before is None else fmt_val(float(v_before), c.unit, dec)
        va = fmt_val(float(v_after), c.unit, dec)
        hf = field_.startswith("housing_first")
        if scope == "radius":
            cnt = after.get("housing_first_innen_radius" if hf else "enheter_innen_radius")
            tot = after.get("boliger_innen_radius")
        else:
            cnt = after.get("housing_first_enheter" if hf and scope == "bygning"
                            else "kommunale_enheter")
            tot = after.get("antall_boliger")
        what = "Housing First-enheter" if hf else "kommunale enheter"
        added = f"+{n} enhet{'er' if n != 1 else ''}" if n else "ingen enheter lagt til"
        lim = self.min_count

        def counts(public: bool) -> str:
            c_txt = (f"færre enn {lim}" if public and cnt is not None and 0 < cnt < lim
                     else str(cnt))
            return f"{c_txt} {what}" + (f" av {tot} boliger" if tot is not None and not public
                                        else "")

        def sentence(public: bool) -> str:
            if scope == "grunnkrets":
                nm = part.get("grunnkretsnavn")
                where = f"Grunnkrets {part.get('grunnkretsnummer')}" + (f" ({nm})" if nm else "")
            elif scope == "bygning":
                where = "Bygningen ved tomta" if public else f"Bygning {part.get('bygg_id')}"
            else:
                where = f"Innenfor {fmt_num(part.get('radius_m'), 0)} m fra tomta"
            return f"{where}: {vb} før kjøpet, {va} etter ({added}; {counts(public)})."

        return Measure(value=float(v_after), text=sentence(False), details={
            "for": v_before, "etter": v_after,
            "omrade": {k: v for k, v in part.items() if k not in ("for", "etter")},
            "for_detaljer": before or None, "etter_detaljer": after,
            "advarsler": eff.get("advarsler") or [],
            "offentlig_tekst": sentence(True)})
