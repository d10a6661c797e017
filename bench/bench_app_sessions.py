"""Twenty browser sessions at once on the demo: time to first map and memory per session.

Issue 19's load check, measured in one run against one session alone:

1. one ``geoplan app`` server on the demo (caches warmed at start, as a
   municipality runs it) and headless Chromium (Debian's ``/usr/bin/chromium``);
2. **one session alone**: the Oversikt page, time from navigation until the map's
   vector layers are drawn, and the server's resident memory before and after;
3. **N sessions at once** (default 20, each on a page of its own, the six pages
   cycled): time to first map per session (median and max), the pages that
   failed, and the server's memory growth per session.

Prints a table and the ratios (load/alone). Usage::

    python bench/bench_app_sessions.py [--sessions 20]

Wall-clock figures on a shared 2-core machine: check ``uptime`` first.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import sessions  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument("--stagger", type=float, default=0.0, help="seconds between arrivals (0: one burst)")
    ap.add_argument("--timeout", type=float, default=600,
                    help="seconds a page may take to settle before it counts as failed")
    ap.add_argument("--poll", type=float, default=0.5, help="seconds between two rounds of checks")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    log = Path(tempfile.mkdtemp()) / "app.log"
    print(f"load average before: {os.getloadavg()}")
    with sessions.serve(log) as (url, pid), sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=sessions.CHROMIUM, headless=True, args=sessions.ARGS)
        time.sleep(2)
        base = sessions.rss_mb(pid)
        alone = sessions.open_sessions(browser, url, 1)[0]
        time.sleep(1)
        after_one = sessions.rss_mb(pid)
        t = time.perf_counter()
        srv0, st = sessions.cpu_s([pid]), {}
        many = sessions.open_sessions(browser, url, args.sessions, stagger_s=args.stagger,
                                      poll_s=args.poll, stats=st, timeout_s=args.timeout)
        wall = time.perf_counter() - t
        srv_cpu, chr_cpu = sessions.cpu_s([pid]) - srv0, st["chromium_cpu_s"]
        time.sleep(1)
        after_many = sessions.rss_mb(pid)
        browser.close()
    secs = [r["sekunder"] for r in many if r["sekunder"] is not None]
    failed = [r for r in many if r["sekunder"] is None or r["feil"] or r["exceptions"]]
    per_one = after_one - base
    per_many = (after_many - after_one) / max(args.sessions, 1)
    med = statistics.median(secs) if secs else float("nan")
    print(f"server memory: at start {base:.0f} MB, +{per_one:.1f} MB for one session, "
          f"+{per_many:.1f} MB per session with {args.sessions} at once")
    print(f"{'what':<42}{'alone':>10}{f'{args.sessions} at once':>16}{'ratio':>8}")
    print(f"{'time to first map, Oversikt (s)':<42}{alone['sekunder']:>10.2f}"
          f"{statistics.median([r['sekunder'] for r in many if r['side'] == 'oversikt' and r['sekunder']] or [float('nan')]):>16.2f}"
          f"{'':>8}")
    print(f"{'time to settled page, median over pages (s)':<42}{alone['sekunder']:>10.2f}{med:>16.2f}"
          f"{med / alone['sekunder']:>8.1f}")
    print(f"{'time to settled page, max (s)':<42}{'':>10}{max(secs) if secs else float('nan'):>16.2f}")
    print(f"{'memory per session (MB)':<42}{per_one:>10.1f}{per_many:>16.1f}"
          f"{(per_many / per_one if per_one > 0 else float('nan')):>8.1f}")
    print(f"all {args.sessions} sessions in {wall:.1f} s; failed pages: {len(failed)}")
    print(f"CPU while they opened: server {srv_cpu:.1f} s, Chromium {chr_cpu:.1f} s")
    for r in failed:
        print(f"  {r}")
    print(f"load average after: {os.getloadavg()}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
