"""Population by age, housing need by target group and walking access for the elderly (issue 18).

For the KPA and the boligsosial plan: the projection by age group, a
population pyramid and its change, the need per target group against today's
stock (per place suppressed in the public report), the share of 67+ and 80+
within walking distance of each service and a map of the 80+ per grunnkrets.
Every table is also an Excel sheet.
"""

from __future__ import annotations

import io

import numpy as np

from geoplan.present import text
from geoplan.present.report.context import ReportContext, section
from geoplan.present.report.model import Column, Figure, Section, Table


def _png(fig) -> bytes:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=130, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def pyramid_figure(pyr, variant: str, y0: int, y1: int) -> bytes:
    """Population pyramid (men left, women right) for ``y0`` (bars) and ``y1`` (outline)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    p = pyr[pyr["variant"] == variant]
    groups = list(dict.fromkeys(p.sort_values("alder_fra")["gruppe"]))
    fig, ax = plt.subplots(figsize=(7, 5.5))
    yy = np.arange(len(groups))
    for year, style in ((y0, {"color": "#7a9cc6"}), (y1, {"fill": False, "edgecolor": "#b03030"})):
        for sex, sign in (("1", -1), ("2", 1)):
            s = p[(p["aar"] == year) & (p["kjonn"] == sex)].set_index("gruppe").reindex(groups)
            ax.barh(yy, sign * s["personer"].fillna(0).to_numpy(), height=0.85,
                    label=f"{year}" if sex == "1" else None, **style)
    ax.set_yticks(yy, groups, fontsize=7)
    ax.axvline(0, color="black", lw=0.6)
    ax.set_xlabel("Personer (menn til venstre, kvinner til høyre)")
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: text.integer(abs(v))))
    ax.legend(frameon=False)
    return _png(fig)


def elderly_map(gk, share_by_gk: dict, title: str) -> bytes:
    """Grunnkretser coloured by the share of 80+ within reach (grey: no 80+)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    g = gk.copy()
    g["v"] = g["grunnkretsnummer"].astype(str).map(share_by_gk)
    from geoplan.present.report.staticmaps import no_idle_draws

    fig, ax = plt.subplots(figsize=(6.5, 6.5))
    no_idle_draws(fig)
    g.plot(ax=ax, color="#dddddd", edgecolor="white", linewidth=0.3)
    g[g["v"].notna()].plot(ax=ax, column="v", cmap="RdYlGn", vmin=0, vmax=1, legend=True,
                           edgecolor="white", linewidth=0.3,
                           legend_kwds={"label": "Andel 80+ innen rekkevidde", "shrink": 0.6})
    ax.set_title(title, fontsize=9)
    ax.set_axis_off()
    return _png(fig)


def need_result(ctx: ReportContext):
    """The population in the need groups, computed once per report for the housing need
    and the walking access (both ask :func:`need_population` with the same arguments)."""
    from geoplan.runs.population import need_population

    return ctx.once("population_need", lambda: need_population(ctx.dataset, ctx.config))


@section("befolkning", "Befolkning etter alder og boligbehov per målgruppe", ("population",))
def sec_population(ctx: ReportContext, sec: Section) -> None:
    from geoplan.present.report.model import Omit
    from geoplan.runs.population import housing, is_demo, population

    if not is_demo(ctx.dataset):
        raise Omit("Denne delen trenger SSBs befolkningsframskriving (tabell 14288) og "
                   "BefolkningPåGrunnkrets, som rapporten ikke har for disse dataene. Bruk "
                   "«geoplan befolkning --projection FIL», «geoplan boligbehov» og «geoplan tilgang».")
    cfg = ctx.config
    res = ctx.once("population", lambda: population(ctx.dataset, cfg))
    v = next(iter(res.variants))
    y0, y1 = res.base_year, max(res.years)
    sec.text.append(f"Befolkningsframskriving: {res.source}, alternativ «{res.variants[v]}». "
                    f"Aldersstrukturen per grunnkrets er SSBs BefolkningPåGrunnkrets; prikkede "
                    f"celler skjuler {text.integer(res.skjult['skjulte_personer'])} personer "
                    f"({text.share(res.skjult['skjult_andel'], 1)}).")
    k = res.kommune[res.kommune["variant"] == v]
    piv = k.pivot_table(index=["alder_fra", "gruppe"], columns="aar", values="personer").reset_index()
    cols = [Column("gruppe", "Aldersgruppe")] + [Column(str(y), str(y), "int") for y in res.years]
    rows = [{"gruppe": r["gruppe"], **{str(y): r[y] for y in res.years}} for _, r in piv.iterrows()]
    sec.items.append(Table(id="befolkning_alder", title=f"Befolkning etter alder ({v})",
                           sheet="Befolkning alder", columns=cols, rows=rows))
    sec.items.append(Figure(title=f"Befolkningspyramide {y0} og {y1}", image=lambda: pyramid_figure(
        res.pyramide, v, y0, y1), caption=f"Søyler: {y0}; rød omriss: {y1} ({v})."))
    st = res.steder[(res.steder["variant"] == v) & res.steder["gruppe"].isin(res.groups[-2:])]
    sp = st.pivot_table(index="sted", columns="aar", values="personer", aggfunc="sum").reset_index()
    sec.items.append(Table(id="befolkning_80_sted", title="Innbyggere 80 år og eldre per sted",
                           sheet="80+ per sted", columns=[Column("sted", "Sted")] +
                           [Column(str(y), str(y), "int") for y in res.years],
                           rows=[{"sted": r["sted"], **{str(y): r[y] for y in res.years}}
                                 for _, r in sp.iterrows()]))
    sk = res.skjult_grupper
    sec.items.append(Table(id="befolkning_prikking", title="Prikkede celler: personer per aldersgruppe i dag",
                           sheet="Prikking", columns=[Column("gruppe", "Aldersgruppe"),
                           Column("synlig", "Synlig", "int"), Column("estimat", "Anslag", "int"),
                           Column("nedre", "Nedre", "int"), Column("ovre", "Øvre", "int")],
                           rows=sk.to_dict("records")))
    h = ctx.once("housing", lambda: housing(ctx.dataset, cfg, public=ctx.public,
                                            result=need_result(ctx)))
    sec.items.append(Table(id="boligbehov", title="Boligbehov per målgruppe mot dagens bestand",
                           sheet="Boligbehov", columns=[Column("malgruppe_navn", "Målgruppe"),
                           Column("aar", "År"), Column("behov", "Behov", "int"),
                           Column("i_dag", "I dag", "int"), Column("gap", "Gap", "int")],
                           rows=h.kommune.to_dict("records")))
    last = h.steder[h.steder["aar"] == y1] if len(h.steder) else h.steder
    sec.items.append(Table(id="boligbehov_sted", title=f"Boligbehov per sted {y1}", sheet="Boligbehov sted",
                           columns=[Column("sted", "Sted"), Column("malgruppe_navn", "Målgruppe"),
                                    Column("behov", "Behov", "int"), Column("i_dag", "I dag", "count"),
                                    Column("gap", "Gap", "int")],
                           rows=last.to_dict("records"),
                           note="Tomme celler er skjult (prikking) i den offentlige utgaven."))
    if ctx.public:
        sec.privacy = (f"Antall kommunale boliger per sted under {ctx.min_count} er skjult, med gapet.")
    _access_items(ctx, sec)


def _access_items(ctx: ReportContext, sec: Section) -> None:
    from geoplan.runs.population_access import access

    if not ctx.has("gangnett", "bygning", "grunnkrets"):
        sec.text.append("Gangavstand for eldre er ikke med: lagene gangnett, bygning og grunnkrets trengs.")
        return
    a = ctx.once("access", lambda: access(ctx.dataset, ctx.config, result=need_result(ctx)))
    r0, r1 = (int(r) for r in a.settings.access_radii_m[:2])
    pct = [c for c in a.kommune.columns if c.startswith("andel_") or c == "stigning_median"]
    rows = [{**r, **{c: (r[c] * 100.0 if r[c] == r[c] else None) for c in pct}}
            for r in a.kommune.to_dict("records")]
    sec.items.append(Table(id="tilgang", title="Andel eldre innen gangavstand", sheet="Gangavstand eldre",
                           columns=[Column("tjenestetype", "Tjeneste"),
                                    Column(f"andel_p67_{r0}m", f"67+ ≤ {r0} m %", "num", 0),
                                    Column(f"andel_p80_{r0}m", f"80+ ≤ {r0} m %", "num", 0),
                                    Column(f"andel_p67_{r1}m", f"67+ ≤ {r1} m %", "num", 0),
                                    Column(f"andel_p80_{r1}m", f"80+ ≤ {r1} m %", "num", 0),
                                    Column("stigning_median", "Bratteste stigning % (median)", "num", 1)],
                           rows=rows))
    butikk = a.grunnkretser[a.grunnkretser["tjenestetype"] == "butikk"]
    share = dict(zip(butikk["grunnkretsnummer"].astype(str), butikk[f"andel_p80_{r0}m"]))
    sec.items.append(Figure(title=f"Andel 80+ innen {r0} m gange til butikk",
                            image=lambda: elderly_map(ctx.layer("grunnkrets"), share,
                                                      f"80+ innen {r0} m fra butikk"),
                            caption="Grunnkretser etter andelen innbyggere 80+ som når en butikk "
                                    f"innen {r0} m langs gangnettet (grå: ingen 80+)."))
    sec.items.append(Table(id="omsorg_dekning", title="Sykehjemsplasser per innbygger 80+",
                           sheet="Omsorgsdekning", columns=[Column("sted", "Sted"), Column("aar", "År"),
                           Column("plasser", "Plasser", "int"), Column("p80", "80+", "int"),
                           Column("plasser_per_80", "Per person 80+", "num", 2)],
                           rows=a.omsorg.to_dict("records")))
