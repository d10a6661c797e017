"""Concentration criteria: municipal dwellings before and after a purchase.

:mod:`geoplan.analysis.concentration` does the analysis
(:meth:`~geoplan.analysis.concentration.ConcentrationModel.purchase_effect`); this
module turns its before/after records into criterion values and sentences. The
model is built once per assessor, with the ``concentration.*`` parameters of the
assessor's configuration; the criterion ``konsentrasjon_radius`` may set its own
radius.

Whom each scope applies to (``config/concentration.toml``): ``bygning`` is the
rule for an *existing* building (the count of municipal units, omsorgsboliger not
counted; a share only in a multi-dwelling building); ``prosjekt`` is the
mixed-project target for a *new* project (``geoplan assess --nybygg N``: 10–15 %
municipal, Larvik kommune, Boligplan 2015–2020, l. 9845). A scope that does not
apply gives no value and a reason beginning «Gjelder ikke». The public sentence
goes through :mod:`geoplan.privacy` (before and after together or not at all).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from geoplan.analysis.sites.criteria import Criterion
from geoplan.analysis.sites.kinds import Measure, Sites
from geoplan.analysis.sites.wording import fmt_num, fmt_val, missing_layer_reason
from geoplan.errors import DataProblem
from geoplan.numbers import short_number

if TYPE_CHECKING:
    from geoplan.analysis.sites.assessor import SiteAssessor


def _model_settings(config: Any) -> dict:
    """``thresholds``, ``radius_m``, ``match_distance_m`` and ``new_dwellings`` from config
    (:class:`~geoplan.config.concentration.ConcentrationSettings`)."""
    from geoplan.config.concentration import ConcentrationSettings
    st = ConcentrationSettings.from_config(config)
    return {"thresholds": st.thresholds, "radius_m": float(st.radius_m),
            "match_distance_m": float(st.match_distance_m),
            "new_dwellings": bool(st.new_dwellings), "project": int(st.project_dwellings),
            "suppress_zero": bool(st.suppress_zero)}


class ConcentrationAdapter:
    """Turns :meth:`geoplan.analysis.concentration.ConcentrationModel.purchase_effect` (before/after
    a purchase) into criterion values; the model is built once per assessor."""

    def __init__(self, model: Any, new_dwellings: bool, min_count: int, project: int = 0,
                 suppress_zero: bool = False):
        self.model = model
        self.new_dwellings = new_dwellings or project > 0
        self.min_count = int(min_count)
        self.project = int(project)
        self.suppress_zero = bool(suppress_zero)
        self._shown: set[str] | None = None

    def shown_grunnkretser(self) -> set[str]:
        """Grunnkretser whose count the public concentration table shows (computed once)."""
        if self._shown is None:
            from geoplan import privacy
            gk, kat = self.model.grunnkrets_table()
            names = list(self.model.dw.kat_names)
            ng = len(gk)
            v = kat["kommunale_enheter"].to_numpy(dtype=float, na_value=np.nan)
            parts = (np.nan_to_num(v.reshape(len(names), ng).T) if names and len(kat) == ng * len(names)
                     else np.nan_to_num(gk["kommunale_enheter"].to_numpy(dtype=float)).reshape(-1, 1))
            out = self.model.outside_table()
            outside = np.array([float(out.loc[out["kategori"] == n, "antall_enheter"].sum()) for n in names]
                               if parts.shape[1] == len(names) else [float(out["antall_enheter"].sum())])
            prot = privacy.protect_grunnkretser(gk, parts, outside, self.model.valid_gk(), self.min_count,
                                                self.suppress_zero)
            self._shown = {str(g) for g, h in zip(gk["grunnkretsnummer"], prot.row) if not h}
        return self._shown

    @classmethod
    def build(cls, a: SiteAssessor) -> "ConcentrationAdapter | str":
        """The adapter for assessor ``a``, or the reason the criteria are ``ukjent``."""
        for layer in ("kommunal_bolig", "grunnkrets"):
            if layer not in a.layers:
                return missing_layer_reason(layer)
        from geoplan.analysis import concentration as cm
        kw = _model_settings(a.settings.config)
        new = kw.pop("new_dwellings")
        project = kw.pop("project")
        zero = kw.pop("suppress_zero")
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
        return cls(model, new, a.settings.min_count_public, project, zero)

    def effects(self, s: Sites) -> list[dict]:
        """``purchase_effect`` per site (cached on the call: three criteria share it)."""
        if "concentration" in s.cache:
            return s.cache["concentration"]
        from geoplan.analysis.concentration.whatif_batch import purchase_effects

        xy = shapely.get_coordinates(shapely.point_on_surface(s.geoms))
        units = np.asarray(s.units, dtype=np.int64)
        names = self.__dict__.setdefault("_kategori_names", {})
        if s.kategori not in names:
            names[s.kategori] = self.model.kategori_name(s.kategori)
        effs, _gk = purchase_effects(self.model, xy, np.maximum(units, 1), names[s.kategori],
                                     new_dwellings=self.new_dwellings)
        out = []
        for i, eff in enumerate(effs):  # one record per site, all located in one go
            n = int(units[i])
            if self.project:
                eff["prosjekt"] = self._project_part(n, s.kategori)
            if n < 1:  # nothing bought: the "after" state is the "before" state
                for key in ("grunnkrets", "bygning", "radius"):
                    if eff.get(key) and eff[key].get("for") is not None:
                        eff[key]["etter"] = eff[key]["for"]
            out.append(eff)
        s.cache["concentration"] = out
        return out

    def _project_part(self, n: int, kategori: str | None) -> dict:
        """The new mixed project as a before/after record: nothing before, ``n`` of
        ``project`` dwellings municipal after."""
        share = 100.0 * n / self.project
        return {"boliger_i_prosjektet": self.project, "for": None,
                "etter": {"kommunale_enheter": n, "antall_boliger": self.project, "andel_pct": share}}

    def _not_applicable(self, scope: str, field_: str, kategori: str | None, eff: dict) -> str | None:
        """Why criterion scope ``scope`` does not apply to this purchase (or None)."""
        th = self.model.thresholds
        if scope == "prosjekt" and not self.project:
            return ("Gjelder ikke: målet om 10–15 % kommunalt disponerte gjelder nye blandede "
                    "prosjekter (geoplan assess --nybygg N), ikke kjøp i eksisterende bygninger.")
        if scope == "bygning" and self.project:
            return ("Gjelder ikke: tomta er et nytt prosjekt; andelen i prosjektet vurderes i "
                    "kriteriet for nye blandede prosjekter.")
        if scope != "bygning":
            return None
        if self._exempt(kategori) and not field_.startswith(("housing_first", "hf_")):
            return ("Gjelder ikke: omsorgsboliger skal ligge samlet nær sykehjem eller base for "
                    "hjemmesykepleien og flagges ikke for å være kommunale.")
        after = (eff.get("bygning") or {}).get("etter") or {}
        if field_ in ("andel_pct", "housing_first_andel_pct") and after and not after.get("flerbolig"):
            return (f"Gjelder ikke: bygningen har færre enn {short_number(th.bygning_andel_min_boliger)} boliger "
                    "(enebolig eller småhus); en spredt kommunal bolig er ikke en konsentrasjon, så "
                    "bare antallet vurderes.")
        return None

    def _exempt(self, kategori: str | None) -> bool:
        """Whether ``kategori`` is one the building rules do not count (asked once per kategori)."""
        memo = self.__dict__.setdefault("_exempt_memo", {})
        if kategori not in memo:
            from geoplan.analysis.concentration.buildings import kategori_positions
            memo[kategori] = bool(kategori and kategori_positions(
                [kategori], self.model.thresholds.bygning_unntatt_kategorier))
        return memo[kategori]

    def measure(self, c: Criterion, s: Sites) -> list[Measure]:
        """One measure per site for concentration criterion ``c``."""
        scope = c.opt("scope")
        field_ = c.opt("value", "andel_pct" if scope != "radius" else "enheter_innen_radius")
        res = []
        texts: dict = {}          # sentences of this call by what they say (sites share them)
        for i, eff in enumerate(self.effects(s)):
            why = self._not_applicable(scope, field_, s.kategori, eff)
            if why:
                res.append(Measure(reason=why))
                continue
            part = eff.get(scope)
            if part is None or part.get("etter") is None:
                res.append(Measure(reason=self._no_area_reason(scope)))
                continue
            before, after = part.get("for") or {}, part["etter"]
            if after.get(field_) is None:
                res.append(Measure(reason=self._no_share_reason(scope, eff)))
                continue
            res.append(self._measure_one(c, scope, field_, int(s.units[i]), part, before,
                                         after, eff, texts))
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
                     before: dict, after: dict, eff: dict, texts: dict | None = None) -> Measure:
        """The measure of one site; ``texts``: the sentences already written in this
        call, by everything they are written from (sites in one grunnkrets with the
        same purchase read the same), so each distinct pair is written once."""
        v_before, v_after = before.get(field_), after[field_]
        hf = field_.startswith("housing_first")
        if scope == "radius":
            cnt = after.get("housing_first_innen_radius" if hf else "enheter_innen_radius")
            tot = after.get("boliger_innen_radius")
        else:
            cnt = after.get("housing_first_enheter" if hf and scope == "bygning"
                            else "kommunale_enheter")
            tot = after.get("antall_boliger")
        hidden = self._public_hidden(scope, part, before, after)
        key = (c.id, c.unit, c.decimals, scope, field_, n, v_before, v_after, cnt, tot, hidden,
               part.get("grunnkretsnummer"), part.get("grunnkretsnavn"), part.get("bygg_id"),
               part.get("boliger_i_prosjektet"), part.get("radius_m"))
        pair = texts.get(key) if texts is not None else None
        if pair is None:
            pair = self._sentences(c, scope, field_, n, part, v_before, v_after, cnt, tot, hf, hidden)
            if texts is not None:
                texts[key] = pair
        return Measure(value=float(v_after), text=pair[0], details={
            "for": v_before, "etter": v_after,
            "omrade": {k: v for k, v in part.items() if k not in ("for", "etter")},
            "for_detaljer": before or None, "etter_detaljer": after,
            "advarsler": eff.get("advarsler") or [],
            "offentlig_tekst": pair[1],
            "offentlig": {"for": None if hidden else v_before, "etter": None if hidden else v_after,
                          "verdi": None if hidden else float(v_after)}})

    def _sentences(self, c: Criterion, scope: str, field_: str, n: int, part: dict, v_before: Any,
                   v_after: Any, cnt: Any, tot: Any, hf: bool,
                   hidden: bool) -> tuple[str, str]:
        """(the housing office's sentence, the public one) of a before/after pair."""
        dec = 0 if scope == "radius" and field_.startswith("enheter") else c.decimals
        vb = "–" if v_before is None else fmt_val(float(v_before), c.unit, dec)
        va = fmt_val(float(v_after), c.unit, dec)
        what = "Housing First-enheter" if hf else "kommunale enheter"
        added = f"+{n} enhet{'er' if n != 1 else ''}" if n else "ingen enheter lagt til"
        lim = self.min_count

        def counts(public: bool) -> str:
            return f"{cnt} {what}" + (f" av {tot} boliger" if tot is not None and not public else "")

        def where(public: bool) -> str:
            if scope == "grunnkrets":
                nm = part.get("grunnkretsnavn")
                return f"Grunnkrets {part.get('grunnkretsnummer')}" + (f" ({nm})" if nm else "")
            if scope == "bygning":
                return "Bygningen ved tomta" if public else f"Bygning {part.get('bygg_id')}"
            if scope == "prosjekt":
                return f"Det nye prosjektet ({part.get('boliger_i_prosjektet')} boliger)"
            return f"Innenfor {fmt_num(part.get('radius_m'), 0)} m fra tomta"

        def sentence(public: bool) -> str:
            if public and hidden:
                # before and after together or not at all (geoplan.privacy.whatif)
                return (f"{where(True)}: tallene vises ikke i offentlig versjon (færre enn {lim} "
                        f"{what}, enkeltbygning, eller skjult for at de ikke skal kunne regnes "
                        f"tilbake; {added}).")
            if scope == "prosjekt":
                return f"{where(public)}: {va} kommunalt disponerte ({added})."
            return f"{where(public)}: {vb} før kjøpet, {va} etter ({added}; {counts(public)})."

        return sentence(False), sentence(True)

    def _public_hidden(self, scope: str, part: dict, before: dict, after: dict) -> bool:
        """Whether the public output must hide this before/after pair (:func:`geoplan.privacy.pair_hidden`)."""
        from geoplan import privacy
        if scope == "prosjekt":   # a planned project: the numbers are the municipality's own plan
            return False
        shown = self.shown_grunnkretser() if scope == "grunnkrets" else None
        return privacy.pair_hidden(scope, before or None, after, self.min_count,
                                   suppress_zero=self.suppress_zero, shown_grunnkretser=shown,
                                   grunnkretsnummer=part.get("grunnkretsnummer"))
