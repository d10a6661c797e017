"""The pages' first views run once in a session of the server itself, before anyone opens them.

:func:`geoplan.present.app.views.compute.warm_pages` computes each page's analysis at its
default controls into the shared caches; the page's *map* (the folium map rendered to the
component arguments, ``ui.cached_map``, and its overlays) was still built by the first
planner to open the page: 0,3-0,7 s of a first visit. The map's cache key is everything the
map is drawn from (data, role, suppression, controls), so the only exact way to make that
entry is to run the page as a session would. :func:`run_pages` does that: once the
Streamlit server runs, it opens a session of its own (no browser: the messages are
dropped), runs each page once, and closes it.

The session is the local role's (``auth.mode = "ingen"``), with suppression on: the view
a new browser session gets. With a login the main script shows the login page and nothing
is warmed (each role's first visit builds its map). Nothing here is sent anywhere.
"""

from __future__ import annotations

import logging
import threading
import time

log = logging.getLogger("geoplan.app")

#: url paths of the pages with maps, run in this order
MAP_PAGES = ("oversikt", "arealbehov", "skolesirkler", "konsentrasjon", "vurder-tomt")


class _NullClient:
    """A session client that drops what the session sends, and notes each finished run."""

    def __init__(self) -> None:
        self.finished = threading.Event()

    def write_forward_msg(self, msg) -> None:
        if msg.WhichOneof("type") == "script_finished":
            self.finished.set()

    @property
    def client_context(self):
        return None


def _runtime(timeout_s: float):
    """The running Streamlit runtime (waits for the server to start), or ``None``."""
    from streamlit.runtime import Runtime
    from streamlit.runtime.runtime import RuntimeState

    end = time.perf_counter() + timeout_s
    while time.perf_counter() < end:
        if Runtime.exists():
            rt = Runtime.instance()
            if rt.state in (RuntimeState.NO_SESSIONS_CONNECTED, RuntimeState.ONE_OR_MORE_SESSIONS_CONNECTED):
                return rt
        time.sleep(0.2)
    return None


def run_pages(pages=MAP_PAGES, *, start_timeout_s: float = 120, page_timeout_s: float = 120) -> dict[str, float]:
    """Run each page of ``pages`` once in a server-side session; seconds per page.

    Returns an empty dict without a running server (tests, bare mode) or when the page
    runs cannot be started; a page that does not finish in ``page_timeout_s`` ends it.
    """
    import asyncio

    from streamlit.proto.ClientState_pb2 import ClientState
    from streamlit.util import calc_hash

    rt = _runtime(start_timeout_s)
    if rt is None:
        return {}
    loop = rt._get_async_objs().eventloop
    client = _NullClient()

    async def connect():
        return rt.connect_session(client=client, user_info={"is_logged_in": False})
    times: dict[str, float] = {}
    sid = None
    try:
        sid = asyncio.run_coroutine_threadsafe(connect(), loop).result(timeout=30)
        info = rt._session_mgr.get_active_session_info(sid)
        if info is None:
            return times
        session = info.session
        for path in pages:
            client.finished.clear()
            cs = ClientState()
            cs.page_script_hash = calc_hash(path)
            t = time.perf_counter()
            loop.call_soon_threadsafe(session.request_rerun, cs)
            if not client.finished.wait(page_timeout_s):
                break
            times[path] = time.perf_counter() - t
    except Exception:  # warming is an optimisation: the page computes and reports it itself
        log.debug("warming the pages' maps failed", exc_info=True)
    finally:
        log.info("Kartene på sidene er forberedt: %s", times)
        if sid is not None:
            loop.call_soon_threadsafe(rt.close_session, sid)
    return times
