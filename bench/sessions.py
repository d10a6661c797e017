"""Many browser sessions against one ``geoplan app`` server (shared by the bench and the test).

:func:`serve` starts the app on the demo on a free port; :func:`open_sessions`
opens N Chromium contexts at once, each on a page of its own, and waits until
each page's script has finished and (on map pages) Leaflet has drawn; it
returns, per session, the seconds to the first map and what went wrong.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
        "--disable-dev-shm-usage"]
PAGES = ["oversikt", "arealbehov", "skolesirkler", "konsentrasjon", "vurder-tomt", "data"]
MAP_PAGES = {"oversikt", "skolesirkler", "konsentrasjon", "vurder-tomt"}
MAP = 'iframe[title="streamlit_folium.st_folium"]'


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children, MB (from /proc)."""
    total = 0
    pids = [pid]
    with contextlib.suppress(OSError):
        kids = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(k) for k in kids]
    for p in pids:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total / 1024


def cpu_s(pids) -> float:
    """User + system CPU seconds of these processes (from /proc; gone ones count 0)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for p in pids:
        with contextlib.suppress(OSError, IndexError, ValueError):
            f = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(f[11]) + int(f[12])
    return total / tick


def chromium_pids() -> list[int]:
    """Every running Chromium process (the test's browser and its renderers)."""
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            with contextlib.suppress(OSError):
                if b"chromium" in (d / "cmdline").read_bytes().split(b"\0")[0]:
                    out.append(int(d.name))
    return out


@contextlib.contextmanager
def serve(log: Path, env: dict | None = None, root: Path | None = None):
    """``geoplan app`` on the demo (warm caches, as a municipality starts it); yields (url, pid).

    ``root``: the checkout to serve (default: this one), so one bench measures two versions.
    """
    port = free_port()
    root = Path(root or ROOT)
    e = dict(os.environ, PYTHONPATH=str(root), STREAMLIT_BROWSER_GATHER_USAGE_STATS="false")
    e.update(env or {})
    fh = open(log, "wb")
    proc = subprocess.Popen([sys.executable, "-m", "geoplan", "app", "--headless", "--port", str(port)],
                            cwd=root, env=e, stdout=fh, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(400):
            if proc.poll() is not None:
                raise RuntimeError(log.read_text()[-3000:])
            try:
                urllib.request.urlopen(url + "/_stcore/health", timeout=2)
                break
            except OSError:
                time.sleep(0.3)
        else:
            raise RuntimeError("the app did not start in 120 s")
        yield url, proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        fh.close()


def _state_done(pg) -> bool:
    return bool(pg.evaluate(
        "() => { const a = document.querySelector('[data-testid=\"stApp\"]');"
        " const s = a && a.getAttribute('data-test-script-state');"
        " return !!s && !['initial', 'running', 'rerunRequested'].includes(s); }"))


def _map_drawn(pg) -> bool:
    try:
        return pg.frame_locator(MAP).first.locator(".leaflet-interactive").count() > 0
    except Exception:
        return False


def open_sessions(browser, url: str, n: int, *, timeout_s: float = 240,
                  stagger_s: float = 0.0, max_loading: int = 0, poll_s: float = 0.5,
                  stats: dict | None = None) -> list[dict]:
    """Open ``n`` sessions at once (pages cycled); per session: page, seconds, errors.

    ``stagger_s`` spaces the arrivals (0: all in the same instant); ``timeout_s`` counts
    from the first arrival. The browsers run
    on the server's own cores here, and Streamlit's frontend gives a component 60 s
    to load before it shows a timeout instead of the map, so a burst of 20 on two
    cores measures the test's own browsers as much as the server.

    ``max_loading`` (0: no limit): a new session arrives only when fewer than this many
    of the open ones are still loading (the seconds count from its arrival), so a
    slow machine gets fewer pages loading at once, not maps timed out in the browser.

    ``poll_s``: the pause between two rounds of asking every open page whether it has
    settled (the times are this coarse). Each question is a round trip into the
    page's renderer: asking 20 pages every 50 ms kept Chromium busy answering.
    ``stats``, if given, gets ``chromium_cpu_s``: the CPU seconds of every Chromium
    process from the first arrival until the last page settled.
    """
    ctxs, pages, t0 = [], [], []
    for i in range(n):
        ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="nb-NO")
        pg = ctx.new_page()
        ctxs.append(ctx)
        pages.append((PAGES[i % len(PAGES)], pg))
    chr0 = cpu_s(chromium_pids())
    done: dict[int, dict] = {}
    end = time.perf_counter() + timeout_s

    def poll() -> None:
        for i, (path, pg) in enumerate(pages[:len(t0)]):
            if i in done:
                continue
            try:
                ready = _state_done(pg) and (path not in MAP_PAGES or _map_drawn(pg))
            except Exception:
                ready = False
            if ready:
                done[i] = {"side": path, "sekunder": time.perf_counter() - t0[i]}

    for k, (path, pg) in enumerate(pages):
        if k and stagger_s:
            time.sleep(stagger_s)
        while max_loading and len(t0) - len(done) >= max_loading and time.perf_counter() < end:
            poll()
            time.sleep(poll_s)
        t0.append(time.perf_counter())
        pg.goto(f"{url}/{path}", wait_until="commit")
    while len(done) < n and time.perf_counter() < end:
        poll()
        time.sleep(poll_s)
    if stats is not None:
        stats["chromium_cpu_s"] = cpu_s(chromium_pids()) - chr0
    out = []
    for i, (path, pg) in enumerate(pages):
        rec = done.get(i, {"side": path, "sekunder": None})
        body = ""
        with contextlib.suppress(Exception):
            body = pg.inner_text("body")
        rec["feil"] = [w for w in ("uventet feil", "Traceback", "Error", "analysen feilet") if w in body]
        rec["exceptions"] = pg.locator('[data-testid="stException"]').count()
        if rec["sekunder"] is None:  # what it was doing when the time ran out
            with contextlib.suppress(Exception):
                rec["tilstand"] = pg.evaluate(
                    "() => { const a = document.querySelector('[data-testid=\"stApp\"]');"
                    " return a && a.getAttribute('data-test-script-state'); }")
                rec["kart"] = _map_drawn(pg)
                rec["tekst"] = body[-300:]
        out.append(rec)
    for ctx in ctxs:
        ctx.close()
    return out


# -- one session: first map of each page, then a rerun that changes one control -------------

#: JavaScript installed in a page: counts finished script runs (a run that started after
#: the mark and ended), and tags the map frame so a new one (the map sent again) is seen.
_WATCH = """() => {
  const a = document.querySelector('[data-testid="stApp"]');
  window.__gp = {started: false, done: 0, at: 0};
  if (window.__gpObs) { window.__gpObs.disconnect(); }
  window.__gpObs = new MutationObserver(() => {
    const s = a.getAttribute('data-test-script-state');
    if (s === 'running' || s === 'rerunRequested') { window.__gp.started = true; }
    else if (window.__gp.started && s && s !== 'initial') { window.__gp.done += 1; window.__gp.at = performance.now(); }
  });
  window.__gpObs.observe(a, {attributes: true, attributeFilter: ['data-test-script-state']});
  const f = document.querySelector('iframe[title="streamlit_folium.st_folium"]');
  if (f) { f.dataset.gpOld = '1'; }
  return performance.now();
}"""


def _map_frame_new(pg) -> bool | None:
    return pg.evaluate("() => { const f = document.querySelector('iframe[title=\"streamlit_folium.st_folium\"]');"
                       " return f ? f.dataset.gpOld !== '1' : null; }")


def _select_option(pg, label: str, option: str | None = None) -> None:
    """Open the selectbox labelled ``label`` and pick ``option`` (else the next one)."""
    box = pg.locator('[data-testid="stSelectbox"]').filter(has_text=label).first
    combo = box.get_by_role("combobox")
    now = combo.input_value()
    combo.click()
    opts = pg.get_by_role("option")
    opts.first.wait_for(timeout=10_000)
    texts = opts.all_inner_texts()
    pick = option if option in texts else next(t for t in texts if t.strip() != now.strip())
    opts.filter(has_text=pick).first.click()


def _slider_right(pg, label: str) -> None:
    s = pg.locator('[data-testid="stSlider"]').filter(has_text=label).first
    s.get_by_role("slider").first.focus()
    s.get_by_role("slider").first.press("ArrowRight")


def _radio(pg, label: str, option: str) -> None:
    pg.locator('[data-testid="stRadio"]').filter(has_text=label).first.get_by_text(option, exact=True).click()


def _number_up(pg, label: str) -> None:
    pg.locator('[data-testid="stNumberInput"]').filter(has_text=label).first \
        .locator('[data-testid="stNumberInputStepUp"]').click()


#: (url path, what the rerun changes, the change): one control each, the page's main one
RERUNS = [
    ("oversikt", "format for kartfil (kartet det samme)", lambda pg: _radio(pg, "Kart som fil", "PDF")),
    ("oversikt", "bakgrunnskart (nytt kart)",
     lambda pg: _select_option(pg, "Bakgrunnskart", "Ingen bakgrunnskart")),
    ("arealbehov", "vekst for balansen", lambda pg: _select_option(pg, "Vekst for balansen")),
    ("skolesirkler", "radius +50 m", lambda pg: _slider_right(pg, "Radius (m)")),
    ("konsentrasjon", "radius +50 m", lambda pg: _slider_right(pg, "Radius rundt hver kommunal bolig")),
    ("vurder-tomt", "antall boenheter +1", lambda pg: _number_up(pg, "Antall boenheter som kjøpes")),
    ("befolkning", "horisontår", lambda pg: _select_option(pg, "Horisontår")),
]


def _wait(pg, cond, timeout_s: float, poll_s: float = 0.05) -> float | None:
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < timeout_s:
        try:
            if cond():
                return time.perf_counter() - t0
        except Exception:
            pass
        time.sleep(poll_s)
    return None


def page_timings(browser, url: str, steps=RERUNS, *, server_pid: int | None = None,
                 timeout_s: float = 120) -> list[dict]:
    """One session: per step, seconds until the page's first map is drawn (``first_s``, map
    pages; else until the script finished) and until a rerun that changes one control has
    settled (``rerun_s``: the run finished and, if the map was sent again, the new one drawn).

    ``map_sent``: the rerun replaced the map frame (the map was sent again). Server CPU
    seconds per phase if ``server_pid`` is given. Each page is opened fresh (a new tab in
    the same browser session), so a page's first map is its first visit's in this session.
    """
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="nb-NO")
    try:
        return [_one_page(ctx, url, path, what, act, server_pid, timeout_s) for path, what, act in steps]
    finally:
        ctx.close()


def _one_page(ctx, url: str, path: str, what: str, act, server_pid: int | None, timeout_s: float) -> dict:
    """:func:`page_timings` for one page, in a new tab of ``ctx``."""
    pg = ctx.new_page()
    is_map = path in MAP_PAGES | {"arealbehov"}
    rec: dict = {"side": path, "endring": what}
    c0 = cpu_s([server_pid]) if server_pid else 0.0
    b0 = cpu_s(chromium_pids())
    t0 = time.perf_counter()
    pg.goto(f"{url}/{path}", wait_until="commit")
    first = _wait(pg, lambda: _state_done(pg) and (not is_map or _map_drawn(pg)), timeout_s)
    rec["first_s"] = None if first is None else time.perf_counter() - t0
    rec["first_browser_cpu_s"] = cpu_s(chromium_pids()) - b0
    if server_pid:
        rec["first_cpu_s"] = cpu_s([server_pid]) - c0
    time.sleep(0.5)      # the map's own moveend etc. settle
    pg.evaluate(_WATCH)
    c0 = cpu_s([server_pid]) if server_pid else 0.0
    b0 = cpu_s(chromium_pids())
    t0 = time.perf_counter()
    try:
        act(pg)
    except Exception as e:  # the control was not there: say so, do not guess
        rec["feil"] = f"{type(e).__name__}: {str(e)[:200]}"
        pg.close()
        return rec

    def settled():
        if not pg.evaluate("() => window.__gp.done > 0") or not _state_done(pg):
            return False
        return not is_map or _map_drawn(pg)
    got = _wait(pg, settled, timeout_s)
    rec["rerun_s"] = None if got is None else time.perf_counter() - t0
    rec["rerun_browser_cpu_s"] = cpu_s(chromium_pids()) - b0
    rec["map_sent"] = _map_frame_new(pg) if is_map else None
    if is_map:   # what the map shows now: basemap tiles (a switched basemap is checked by this)
        with contextlib.suppress(Exception):
            rec["tiles"] = pg.frame_locator(MAP).first.locator("img.leaflet-tile").count()
    if server_pid:
        rec["rerun_cpu_s"] = cpu_s([server_pid]) - c0
    body = pg.inner_text("body")
    rec["feil"] = [w for w in ("uventet feil", "Traceback", "Noe gikk galt") if w in body] or None
    pg.close()
    return rec
