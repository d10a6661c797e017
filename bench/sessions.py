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
def serve(log: Path, env: dict | None = None):
    """``geoplan app`` on the demo (warm caches, as a municipality starts it); yields (url, pid)."""
    port = free_port()
    e = dict(os.environ, PYTHONPATH=str(ROOT), STREAMLIT_BROWSER_GATHER_USAGE_STATS="false")
    e.update(env or {})
    fh = open(log, "wb")
    proc = subprocess.Popen([sys.executable, "-m", "geoplan", "app", "--headless", "--port", str(port)],
                            cwd=ROOT, env=e, stdout=fh, stderr=subprocess.STDOUT)
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
                  stagger_s: float = 0.0, poll_s: float = 0.5, stats: dict | None = None) -> list[dict]:
    """Open ``n`` sessions at once (pages cycled); per session: page, seconds, errors.

    ``stagger_s`` spaces the arrivals (0: all in the same instant). The browsers run
    on the server's own cores here, and Streamlit's frontend gives a component 60 s
    to load before it shows a timeout instead of the map, so a burst of 20 on two
    cores measures the test's own browsers as much as the server.

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
    for k, (path, pg) in enumerate(pages):
        if k and stagger_s:
            time.sleep(stagger_s)
        t0.append(time.perf_counter())
        pg.goto(f"{url}/{path}", wait_until="commit")
    done: dict[int, dict] = {}
    end = time.perf_counter() + timeout_s
    while len(done) < n and time.perf_counter() < end:
        for i, (path, pg) in enumerate(pages):
            if i in done:
                continue
            try:
                ready = _state_done(pg) and (path not in MAP_PAGES or _map_drawn(pg))
            except Exception:
                ready = False
            if ready:
                done[i] = {"side": path, "sekunder": time.perf_counter() - t0[i]}
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
