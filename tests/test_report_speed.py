"""The report's speed-ups (issue 20) give the same answers as the plain routes.

* maps: :func:`staticmaps.no_idle_draws` only removes renders nobody reads: the PNG
  of a map drawn with geopandas' idle draws left on is the same, byte for byte;
* the population in the need groups is computed once per report and shared by the
  housing need and the walking access: their tables equal those of
  :func:`geoplan.runs.population.housing` / :func:`~geoplan.runs.population_access.access`
  called on their own (each computing its own population);
* the audit's vectorised feasibility equals a sum per statistic written here.
"""

from __future__ import annotations

import io

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from geoplan.config import load_config
from geoplan.io.layers import load
from geoplan.io.loader import DEFAULT_DATA


def _layers():
    from geoplan.present.report.staticmaps import MapLayer

    polys = gpd.GeoDataFrame({"navn": [f"Sted {i}" for i in range(6)]},
                             geometry=[box(i * 300, (i % 2) * 250, i * 300 + 260, (i % 2) * 250 + 200)
                                       for i in range(6)], crs=25832)
    pts = gpd.GeoDataFrame({"n": range(5)}, geometry=[Point(100 + 350 * i, 120) for i in range(5)],
                           crs=25832)
    return [MapLayer(polys, "Utviklingsgrense", annotate="navn"),
            MapLayer(polys.assign(v=np.arange(6.0)), "", column="v"),
            MapLayer(pts, "Skole", marker="^")]


def test_map_without_idle_draws_is_the_same_png(monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    from geoplan.present.report import staticmaps

    fast = staticmaps.render_map(_layers(), title="Kart", crs_label="EPSG:25832")
    calls = []

    def keep_idle_draws(fig):      # the plain route: geopandas renders after every plot()
        orig = fig.canvas.draw_idle

        def counted(*a, **k):
            calls.append(1)
            return orig(*a, **k)
        fig.canvas.draw_idle = counted
        return fig

    monkeypatch.setattr(staticmaps, "no_idle_draws", keep_idle_draws)
    plain = staticmaps.render_map(_layers(), title="Kart", crs_label="EPSG:25832")
    assert calls, "geopandas asked for no idle draw: the check would be vacuous"
    assert fast == plain
    from PIL import Image
    assert Image.open(io.BytesIO(fast)).size[0] > 500


def test_idle_draws_are_skipped_on_report_maps():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from geoplan.present.report.staticmaps import no_idle_draws

    fig = no_idle_draws(plt.figure())
    renders = []
    fig.canvas.mpl_connect("draw_event", lambda e: renders.append(e))
    gpd.GeoSeries([box(0, 0, 1, 1)]).plot(ax=fig.add_subplot())
    assert renders == []          # geopandas' draw_idle rendered nothing
    fig.canvas.draw()
    assert len(renders) == 1      # an explicit render still renders
    plt.close(fig)


@pytest.fixture(scope="module")
def demo():
    return load(DEFAULT_DATA), load_config()


def _same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True))


def test_report_population_section_equals_the_runs_called_alone(demo):
    from geoplan.present.report.context import ReportContext, run_builder
    from geoplan.runs.population import housing
    from geoplan.runs.population_access import access

    ds, cfg = demo
    ctx = ReportContext(dataset=ds, config=cfg)
    sec = run_builder(ctx, "befolkning")
    assert not sec.omitted
    shared = ctx.cache["population_need"]
    assert ctx.cache["housing"] is not None and ctx.cache["access"] is not None
    h = housing(ds, cfg, public=True)                 # its own population, computed again
    _same(ctx.cache["housing"].kommune, h.kommune)
    _same(ctx.cache["housing"].steder, h.steder)
    a = access(ds, cfg)
    for name in ("kommune", "grunnkretser", "omsorg"):
        _same(getattr(ctx.cache["access"], name), getattr(a, name))
    # and the tables shown are those numbers
    t = {x.id: x for x in sec.tables}
    assert [r["behov"] for r in t["boligbehov"].rows] == list(h.kommune["behov"])
    assert [r["plasser"] for r in t["omsorg_dekning"].rows] == list(a.omsorg["plasser"])
    assert len(shared.groups) == 3       # the need groups (0-66, 67-79, 80+)


def test_audit_feasibility_equals_a_sum_per_statistic():
    from geoplan.privacy import audit

    rng = np.random.default_rng(20)
    for _ in range(40):
        ng, nk = rng.integers(2, 6), rng.integers(2, 4)
        parts = rng.integers(0, 6, size=(ng, nk)).astype(float)
        upper = np.repeat(parts.sum(axis=1) + rng.integers(0, 3, size=ng), nk).astype(float)
        t = audit.Table(values=parts.ravel(), upper=upper,
                        group_bounds=[(np.arange(r * nk, (r + 1) * nk), float(upper[r * nk]))
                                      for r in range(ng)])
        for r in range(ng):
            t.add(f"g{r}", range(r * nk, (r + 1) * nk), parts[r].sum(), primary=False)
            for j in range(nk):
                t.add(f"c{r}{j}", [r * nk + j], parts[r, j], primary=bool(rng.random() < 0.3))
        for j in range(nk):
            t.add(f"k{j}", [r * nk + j for r in range(ng)], parts[:, j].sum(), primary=False)
        for _ in range(6):
            v = t.values + rng.integers(-1, 2, size=len(t.values))

            def by_hand(v=v, t=t):
                cap = np.minimum(t.upper, audit.NO_BOUND)
                if np.any(v < 0) or np.any(v > cap):
                    return False
                if any(not s.hidden and len(s.cells) and v[s.cells].sum() != s.value for s in t.stats):
                    return False
                return all(v[c].sum() <= ub for c, ub in t.group_bounds)
            assert audit._feasible(t, v) == by_hand()
        assert audit._feasible(t)
