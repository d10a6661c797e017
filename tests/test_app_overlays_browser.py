"""In a real Chromium: the analysis layers a control changes are drawn into the map the
browser has (no new map frame), and the big layers are drawn on a canvas that still answers
the mouse (tooltips), with every feature there.

The server, browser and page fixtures are :mod:`test_browser`'s (the demo, or the
fixture municipality when the demo is not built).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
import test_browser  # noqa: E402
from test_browser import MAP_IFRAME, _wait_app  # noqa: E402

server, browser, page = test_browser.server, test_browser.browser, test_browser.page

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(300)]

STATE = """() => {
  const m = window.map, out = {legend: [], control: [], layers: {}};
  document.querySelectorAll('.geoplan-legend [data-layer]').forEach(r => {
    if (r.style.display !== 'none') { out.legend.push(r.textContent.trim()); } });
  document.querySelectorAll('.leaflet-control-layers-overlays label').forEach(l => out.control.push(l.textContent.trim()));
  for (const k in window) {
    if (/_layers$/.test(k) && window[k] && window[k].overlays) {
      for (const n in window[k].overlays) { const l = window[k].overlays[n]; out.layers[n] = l.getLayers ? l.getLayers().length : 1; }
    }
  }
  out.dynamic = (window.geoplanOverlays || []).map(l => ({n: l.getLayers().length, on: m.hasLayer(l)}));
  return out;
}"""


def _frame(pg, overlays: bool = True):
    for _ in range(40):
        for f in pg.frames:
            if "streamlit_folium" in f.url:
                try:
                    if f.evaluate("() => !!(window.map && (%s || window.geoplanOverlays !== undefined))"
                                  % ("false" if overlays else "true")):
                        return f
                except Exception:
                    pass
        time.sleep(0.5)
    raise AssertionError("no map in the page" + (" with overlays" if overlays else ""))


def _settled(pg):
    _wait_app(pg, timeout=120_000)
    pg.frame_locator(MAP_IFRAME).first.locator(".leaflet-interactive").first.wait_for(
        state="attached", timeout=120_000)


def test_a_new_radius_redraws_the_circles_in_the_same_map(server, page):
    page.goto(f"{server}/skolesirkler")
    _settled(page)
    before = _frame(page).evaluate(STATE)
    assert "Skolesirkel 1,5 km" in " ".join(before["legend"])
    assert before["control"].count("Skolesirkler 1,5 km") == 1
    n_circles = before["dynamic"][0]["n"]
    assert n_circles > 0 and all(d["on"] for d in before["dynamic"])
    page.evaluate("() => { document.querySelector('%s').dataset.gpOld = '1'; }" % MAP_IFRAME)
    s = page.locator('[data-testid="stSlider"]').filter(has_text="Radius (m)").first
    s.get_by_role("slider").first.focus()
    for _ in range(2):
        s.get_by_role("slider").first.press("ArrowRight")
    page.wait_for_timeout(800)
    _settled(page)
    for _ in range(40):    # the new layers come with the run's result
        after = _frame(page).evaluate(STATE)
        if "Skolesirkler 1,6 km" in after["control"]:
            break
        time.sleep(0.5)
    # the same frame: the map was not sent again
    assert page.evaluate("() => document.querySelector('%s').dataset.gpOld" % MAP_IFRAME) == "1"
    assert "Skolesirkler 1,6 km" in after["control"] and "Skolesirkler 1,5 km" not in after["control"]
    legend = " ".join(after["legend"])
    assert "Skolesirkel 1,6 km" in legend and "Skolesirkel 1,5 km" not in legend
    assert after["dynamic"][0]["n"] == n_circles        # one circle per school, as before
    assert len(after["control"]) == len(before["control"])
    assert sum(after["control"].count(c) for c in before["control"] if "Skolesirkler" not in c) \
        == len(before["control"]) - 1                   # the map's own layers are all still listed


def test_the_zoning_is_on_a_canvas_with_every_feature_and_its_tooltips(server, page):
    page.goto(f"{server}/")
    _settled(page)
    f = _frame(page, overlays=False)
    got = f.evaluate("""() => {
      let z = null;
      for (const k in window) { if (/_layers$/.test(k) && window[k] && window[k].overlays && window[k].overlays['Arealformål']) { z = window[k].overlays['Arealformål']; } }
      if (!z) { return null; }
      const ls = z.getLayers(), canvas = ls.every(l => l.options.renderer instanceof L.Canvas);
      // the middle of a feature big enough to hit, in the map's pixels
      let best = null;
      for (const l of ls) { const b = l.getBounds(); if (!best || b.getNorthEast().lat - b.getSouthWest().lat > best.getNorthEast().lat - best.getSouthWest().lat) { best = b; } }
      window.map.fitBounds(best, {animate: false});
      const c = window.map.latLngToContainerPoint(best.getCenter());
      return {n: ls.length, canvas, svg: document.querySelectorAll('svg path').length, x: c.x, y: c.y};
    }""")
    assert got is not None, "no zoning layer on the Oversikt map"
    from geoplan.io.layers import load
    try:
        n_data = len(load(None)["arealformal"])
    except Exception:  # the fixture municipality
        n_data = None
    if n_data is not None:
        assert got["n"] == n_data
    if got["n"] >= 300:
        assert got["canvas"] and got["svg"] < got["n"]
    box = page.locator(MAP_IFRAME).first.bounding_box()
    page.wait_for_timeout(600)
    for dx in (0, 3, -3):
        page.mouse.move(box["x"] + got["x"] + dx, box["y"] + got["y"])
        page.wait_for_timeout(300)
        if f.locator(".leaflet-tooltip").count():
            break
    assert f.locator(".leaflet-tooltip").count() >= 1, "no tooltip over a zoning polygon"
