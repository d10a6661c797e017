"""Benchmark of the Streamlit app on the demo: first render time and map payload.

Targets (issue 7): first render at most 5 s, map payload at most 3 MB.

Measured in one run:

1. **Server side, cold**: a fresh Python process runs the Oversikt page with
   Streamlit's AppTest (data loading, display geometry, map building and the
   streamlit-folium call), then every other page once.
2. **Map payload**: the arguments streamlit-folium sends to the browser for the
   map (script + header + html + asset links), captured at its component call.
3. **Baseline**: the same layers drawn "the obvious way" with folium's own
   ``GeoJson`` (full-precision geometry, a Python style function, tooltips) and
   one ``Marker`` per municipal dwelling in a ``MarkerCluster``; its HTML size
   and build time, as a ratio to geoplan's map.
4. **Browser** (if /usr/bin/chromium and Playwright are there): a freshly started
   server and headless Chromium; time from navigation until the map's vector
   layers are drawn (``.leaflet-interactive`` in the iframe), first and second
   visit. Measured for both start commands: ``python -m geoplan app`` (reads and
   simplifies the data before the server accepts connections) and plain
   ``streamlit run app.py``. The server's start-up time (process start until
   ``/_stcore/health`` answers) and the total from process start until the first
   map is drawn are printed too, so work moved before start-up is not hidden.

Usage: ``python bench/bench_app.py`` (the demo must exist: ``python -m geoplan demo``).
``--pages [N]``: per page, the first map and a rerun, server and browser CPU beside the
wall times; ``--root PATH`` serves another checkout with this bench (A/B in one run).
``--runs [--root PATH]``: the server side alone, per page the script run of the first view
and of a rerun that changes one control (wall, CPU, component bytes sent), for PATH and
this checkout side by side.
Check ``uptime`` first: the figures are wall-clock times on a shared machine.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_RENDER_S = 5.0
TARGET_PAYLOAD_MB = 3.0
TARGET_FIRST_MAP_S = 1.5     # issue 20: first map of a page after it opens
TARGET_RERUN_S = 0.5         # issue 20: a rerun that changes one control settles

CHILD = textwrap.dedent(r"""
    import json, sys, time
    t0 = time.perf_counter()
    warm = {}
    if len(sys.argv) > 2 and sys.argv[2] == "--warm":   # what 'geoplan app' does before serving
        from geoplan.present.app import appdata
        warm = appdata.warm_up()
    t_warm = time.perf_counter() - t0
    import streamlit_folium
    sizes = []
    orig = streamlit_folium._component_func
    def spy(**kw):
        keep = {k: v for k, v in kw.items() if k != "on_change"}
        sizes.append(len(json.dumps(keep, default=str).encode()))
        return orig(**kw)
    streamlit_folium._component_func = spy
    from streamlit.testing.v1 import AppTest
    t_import = time.perf_counter() - t0
    at = AppTest.from_file(sys.argv[1], default_timeout=300)
    t1 = time.perf_counter()
    at.run()
    first = time.perf_counter() - t1
    out = {"import_s": t_import, "warm_s": t_warm, "first_render_s": first, "payload_bytes": sizes[-1] if sizes else None,
           "errors": [e.value for e in at.exception] + [e.value for e in at.error], "pages": {}}
    for page in ["arealbehov", "skolesirkler", "konsentrasjon", "vurder_tomt", "data"]:
        n0 = len(sizes)
        t = time.perf_counter()
        at.switch_page(f"geoplan/present/app/views/{page}.py")
        at.run()
        out["pages"][page] = {"s": time.perf_counter() - t,
                              "payload_bytes": sizes[-1] if len(sizes) > n0 else None,
                              "errors": [e.value for e in at.exception] + [e.value for e in at.error]}
    t = time.perf_counter()
    at.switch_page("geoplan/present/app/views/oversikt.py")
    at.run()
    out["warm_oversikt_s"] = time.perf_counter() - t
    print("RESULT " + json.dumps(out))
""")


#: per page: the control a rerun changes (AppTest: slider/number by key, selectbox by key)
RUN_CONTROLS = {"oversikt": None, "arealbehov": ("selectbox", "ab_rate"),
                "skolesirkler": ("slider", "sk_radius"), "konsentrasjon": ("slider", "ko_radius"),
                "vurder_tomt": ("number", "vt_units"), "befolkning": None}

RUNS_CHILD = textwrap.dedent(r"""
    import json, os, sys, time
    from geoplan.present.app import appdata
    appdata.warm_up()
    from geoplan.present.app.views import compute
    compute.warm_pages()             # as 'geoplan app' does (no server here: no map warm-up)
    import streamlit_folium
    sizes = []
    orig = streamlit_folium._component_func
    def spy(**kw):
        sizes.append(len(json.dumps({k: v for k, v in kw.items() if k != "on_change"}, default=str)))
        return orig(**kw)
    streamlit_folium._component_func = spy
    from streamlit.testing.v1 import AppTest
    controls = json.loads(sys.argv[2])
    at = AppTest.from_file(os.path.abspath(sys.argv[1]), default_timeout=300)
    at.run()
    out = {}
    for page, ctl in controls.items():
        for phase in ("first", "rerun"):
            n0 = len(sizes)
            if phase == "first":
                at.switch_page(f"geoplan/present/app/views/{page}.py")
            elif ctl:
                kind, key = ctl
                if kind == "slider":
                    w = at.slider(key=key); w.set_value(w.value + 50)
                elif kind == "number":
                    w = at.number_input(key=key); w.set_value(w.value + 1)
                else:
                    w = at.selectbox(key=key); w.set_value(next(o for o in w.options if o != w.value))
            t, c = time.perf_counter(), time.process_time()
            at.run()
            out[f"{page}/{phase}"] = {"s": time.perf_counter() - t, "cpu_s": time.process_time() - c,
                                      "args_bytes": sum(sizes[n0:]),
                                      "errors": [str(e.value)[:200] for e in at.exception]}
    print("RESULT " + json.dumps(out))
""")


def server_runs(root: Path | None = None) -> dict:
    """The server side alone: per page, the script run of its first view and of a rerun that
    changes one control (:data:`RUN_CONTROLS`), wall and CPU seconds, and the bytes of component
    arguments the run sends (AppTest, a fresh process after the start-up warm-up; no browser)."""
    root = Path(root or ROOT)
    proc = subprocess.run([sys.executable, "-c", RUNS_CHILD, str(root / "app.py"), json.dumps(RUN_CONTROLS)],
                          cwd=root, env=dict(os.environ, PYTHONPATH=str(root)),
                          capture_output=True, text=True, timeout=900)
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    raise RuntimeError(proc.stdout[-2000:] + proc.stderr[-3000:])


def server_side(warm: bool = False) -> dict:
    proc = subprocess.run([sys.executable, "-c", CHILD, str(ROOT / "app.py"), *(["--warm"] if warm else [])],
                          cwd=ROOT,
                          capture_output=True, text=True, timeout=900)
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    raise RuntimeError(proc.stdout[-2000:] + proc.stderr[-3000:])


def baseline_and_geoplan() -> dict:
    import folium
    import folium.plugins

    from geoplan.config.schools import SchoolSettings
    from geoplan.io.layers import load
    from geoplan.present.app import maps
    maps.localize_assets()          # as the app does when it starts
    ds = load(None)
    radius_m = SchoolSettings.from_config().radius_m
    # geoplan's map, as the Oversikt page builds it (display layers + map + HTML)
    t = time.perf_counter()
    disp = {k: maps.to_display(v, name=k) for k, v in ds.layers.items() if k != "bygning"}
    if "gangnett" in disp:
        disp["gangnett"] = maps.collapse(disp["gangnett"])
    html = maps.map_html(maps.municipality_map(disp, radius_m=radius_m))
    ours_s = time.perf_counter() - t

    # the obvious way: folium.GeoJson per layer with full geometry and a Python style function
    t = time.perf_counter()
    m = folium.Map(tiles=None)
    for name, gdf in ds.layers.items():
        if name in ("bygning", "kommunal_bolig", "skole", "holdeplass", "sentrum", "helsetjeneste"):
            continue
        g = gdf.to_crs(4326)
        fields = [c for c in g.columns if c != "geometry"][:4]
        folium.GeoJson(
            g, name=name,
            style_function=lambda f: {"fillColor": maps.zoning_style(f["properties"].get("arealformal"))[0],
                                      "color": "#555", "weight": 1},
            tooltip=folium.GeoJsonTooltip(fields=fields) if fields else None).add_to(m)
    mc = folium.plugins.MarkerCluster(name="kommunal_bolig").add_to(m)
    kb = ds["kommunal_bolig"].to_crs(4326)
    for x, y, n in zip(kb.geometry.x, kb.geometry.y, kb["antall_enheter"]):
        folium.Marker([y, x], tooltip=f"{n} enheter").add_to(mc)
    for name in ("skole", "holdeplass", "sentrum", "helsetjeneste"):
        if ds.has(name):
            g = ds[name].to_crs(4326)
            for x, y, nv in zip(g.geometry.x, g.geometry.y, g["navn"]):
                folium.Marker([y, x], tooltip=str(nv)).add_to(m)
    folium.LayerControl().add_to(m)
    base_html = m.get_root().render()
    base_s = time.perf_counter() - t
    return {"ours_bytes": len(html.encode()), "ours_s": ours_s,
            "base_bytes": len(base_html.encode()), "base_s": base_s}


#: The two ways to start the app: the launcher (README) and plain Streamlit.
START_COMMANDS = {
    "python -m geoplan app": lambda port: [sys.executable, "-m", "geoplan", "app", "--headless",
                                           "--port", str(port), "--address", "127.0.0.1"],
    "streamlit run app.py": lambda port: [sys.executable, "-m", "streamlit", "run", "app.py",
                                          "--server.headless", "true", "--server.port", str(port),
                                          "--server.address", "127.0.0.1"],
}


def browser_first_render(command: str = "python -m geoplan app") -> dict | None:
    chromium = "/usr/bin/chromium"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    if not Path(chromium).exists():
        return None
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with sync_playwright() as pw:
        # the browser is started before the server, so its own start-up is not counted
        b = pw.chromium.launch(executable_path=chromium, headless=True,
                               args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                                     "--disable-component-update", "--disable-sync", "--no-first-run"])
        t_start = time.perf_counter()
        proc = subprocess.Popen(START_COMMANDS[command](port), cwd=ROOT, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL,
                                env=dict(os.environ, STREAMLIT_BROWSER_GATHER_USAGE_STATS="false"))
        url = f"http://127.0.0.1:{port}"
        try:
            for _ in range(1200):
                try:
                    urllib.request.urlopen(url + "/_stcore/health", timeout=2)
                    break
                except OSError:
                    time.sleep(0.05)
            out = {"startup_s": time.perf_counter() - t_start}
            for label in ("cold", "warm"):
                pg = b.new_page(viewport={"width": 1400, "height": 1000})
                t = time.perf_counter()
                pg.goto(url + "/")
                fr = pg.frame_locator('iframe[title="streamlit_folium.st_folium"]').first
                fr.locator(".leaflet-interactive").first.wait_for(state="attached", timeout=120_000)
                out[f"{label}_s"] = time.perf_counter() - t
                if label == "cold":
                    out["total_s"] = time.perf_counter() - t_start
                out[f"{label}_paths"] = fr.locator(".leaflet-interactive").count()
                pg.close()
            b.close()
            return out
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()


def browser_pages(rounds: int = 1, root: Path | None = None) -> list[dict] | None:
    """Per page, one fresh session: first map and a rerun that changes one control
    (``sessions.page_timings``), on one ``geoplan app`` server; ``rounds`` times.
    ``root``: the checkout to serve (``--root``; default this one)."""
    import tempfile

    sys.path.insert(0, str(ROOT / "bench"))
    import sessions
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    if not Path(sessions.CHROMIUM).exists():
        return None
    out = []
    log = Path(tempfile.mkdtemp()) / "app.log"
    with sessions.serve(log, root=root) as (url, pid), sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=sessions.CHROMIUM, headless=True, args=sessions.ARGS)
        # the background warm-up of the pages (geoplan app) finishes first: the server's
        # CPU is idle for a second (at most 90 s); a visit right after start is main()'s
        t_idle = time.perf_counter()
        while time.perf_counter() - t_idle < 90:
            c = sessions.cpu_s([pid])
            time.sleep(1.0)
            if sessions.cpu_s([pid]) - c < 0.05:
                break
        for r in range(rounds):
            for rec in sessions.page_timings(b, url, server_pid=pid):
                rec["round"] = r
                rec["load"] = os.getloadavg()[0]
                out.append(rec)
        b.close()
    return out


def print_pages(recs: list[dict]) -> None:
    print(f"{'page':<14} {'rerun changes':<40} {'first map':>9} {'CPU':>5} {'brCPU':>5} {'rerun':>6} "
          f"{'CPU':>5} {'brCPU':>5} {'map sent':>8} {'load':>5}")
    print("(CPU: the server's CPU seconds, brCPU: every Chromium process's, in that phase)")

    def f(v, w=6):
        return f"{v:>{w}.2f}" if isinstance(v, float) else f"{'-':>{w}}"
    for r in recs:
        sent = {True: "yes", False: "no", None: "-"}[r.get("map_sent")]
        print(f"{r['side']:<14} {r['endring']:<40} {f(r.get('first_s'), 9)} {f(r.get('first_cpu_s'), 5)} "
              f"{f(r.get('first_browser_cpu_s'), 5)} {f(r.get('rerun_s'))} {f(r.get('rerun_cpu_s'), 5)} "
              f"{f(r.get('rerun_browser_cpu_s'), 5)} {sent:>8} {r['load']:>5.1f}"
              + (f"  tiles {r['tiles']}" if "tiles" in r else "")
              + (f"  FEIL {r['feil']}" if r.get("feil") else ""))
    print(f"targets: first map <= {TARGET_FIRST_MAP_S} s, rerun <= {TARGET_RERUN_S} s (issue 20)")


def main() -> int:
    if "--runs" in sys.argv:
        roots = [Path(sys.argv[sys.argv.index("--root") + 1])] if "--root" in sys.argv else []
        roots.append(ROOT)
        print(f"load average before: {os.getloadavg()}")
        res = {str(r): server_runs(r) for r in roots}
        print(f"{'page/phase':<22}" + "".join(f"{'s':>7} {'CPU':>5} {'args MB':>7}  " for _ in roots)
              + "  (" + " | ".join(map(str, roots)) + ")")
        for k in res[str(ROOT)]:
            row = f"{k:<22}"
            for r in roots:
                d = res[str(r)].get(k, {})
                row += (f"{d['s']:>7.2f} {d['cpu_s']:>5.2f} {d['args_bytes'] / 1e6:>7.2f}  " if d else " " * 24)
                row += f"ERR {d['errors']}" if d.get("errors") else ""
            print(row)
        print(f"load average after: {os.getloadavg()}")
        return 0
    if "--pages" in sys.argv:
        nxt = sys.argv[sys.argv.index("--pages") + 1:][:1]
        rounds = int(nxt[0]) if nxt and nxt[0].isdigit() else 1
        root = Path(sys.argv[sys.argv.index("--root") + 1]) if "--root" in sys.argv else None
        print(f"load average before: {os.getloadavg()}; serving {root or ROOT}")
        recs = browser_pages(rounds, root)
        if recs is None:
            print("skipped (no Chromium/Playwright)")
            return 0
        print_pages(recs)
        return 0
    if not (ROOT / "layers" / "demo.gpkg").exists():
        print("Demodataene mangler; bygg dem med «python -m geoplan demo».")
        return 1
    print("geoplan app benchmark on the demo municipality\n")
    srv = server_side()
    print(f"Server side (fresh process, AppTest): imports {srv['import_s']:.2f} s")
    print(f"  first render of Oversikt (cold caches): {srv['first_render_s']:.2f} s "
          f"(target {TARGET_RENDER_S:.0f} s, ratio {srv['first_render_s'] / TARGET_RENDER_S:.2f})")
    print(f"  Oversikt again (warm caches):           {srv['warm_oversikt_s']:.2f} s")
    pb = srv["payload_bytes"] or 0
    print(f"  map payload sent to the browser:        {pb / 1e6:.2f} MB "
          f"(target {TARGET_PAYLOAD_MB:.0f} MB, ratio {pb / 1e6 / TARGET_PAYLOAD_MB:.2f})")
    for page, d in srv["pages"].items():
        pay = f", map {d['payload_bytes'] / 1e6:.2f} MB" if d["payload_bytes"] else ""
        err = f"  ERRORS: {d['errors']}" if d["errors"] else ""
        print(f"  page {page:<14} first visit {d['s']:.2f} s{pay}{err}")
    if srv["errors"]:
        print(f"  ERRORS on Oversikt: {srv['errors']}")
    sw = server_side(warm=True)
    print(f"Server side after the launcher's warm-up (appdata.warm_up, {sw['warm_s']:.2f} s before serving):")
    print(f"  first render of Oversikt: {sw['first_render_s']:.2f} s "
          f"(ratio {sw['first_render_s'] / TARGET_RENDER_S:.2f}; "
          f"{sw['first_render_s'] / srv['first_render_s']:.2f} of the cold first render)")

    bl = baseline_and_geoplan()
    print("\nMap of all layers, geoplan vs. the obvious folium way (same process):")
    print(f"  geoplan  : {bl['ours_bytes'] / 1e6:.2f} MB HTML, built in {bl['ours_s']:.2f} s")
    print(f"  baseline : {bl['base_bytes'] / 1e6:.2f} MB HTML, built in {bl['base_s']:.2f} s "
          "(full geometry, folium.GeoJson + style function, one Marker per dwelling)")
    print(f"  ratio    : {bl['base_bytes'] / bl['ours_bytes']:.1f}× smaller, "
          f"{bl['base_s'] / bl['ours_s']:.1f}× faster")

    print("\nBrowser (headless Chromium, freshly started server; navigation until the map's vector "
          "layers are drawn):")
    results = {}
    for command in START_COMMANDS:
        br = browser_first_render(command)
        if br is None:
            print("  skipped (no Chromium/Playwright)")
            break
        results[command] = br
        print(f"  {command}:")
        print(f"    server start-up (process start until it answers): {br['startup_s']:.2f} s")
        print(f"    first visit: {br['cold_s']:.2f} s (target {TARGET_RENDER_S:.0f} s, "
              f"ratio {br['cold_s'] / TARGET_RENDER_S:.2f}); {br['cold_paths']} vector paths")
        print(f"    second visit (warm caches): {br['warm_s']:.2f} s "
              f"(ratio {br['warm_s'] / TARGET_RENDER_S:.2f})")
        print(f"    process start until the first map is drawn: {br['total_s']:.2f} s")
    if len(results) == 2:
        a, b = (results[c] for c in START_COMMANDS)
        print(f"  first visit, launcher vs. plain streamlit run: {a['cold_s']:.2f} s vs. "
              f"{b['cold_s']:.2f} s (ratio {a['cold_s'] / b['cold_s']:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
