"""``geoplan app [DATA]``: start the map app, with its caches warm before the first visit.

``streamlit run app.py`` starts the server at once, and the first browser visit
then waits for the imports (geopandas, folium, ...), reading the data and
simplifying the layers. This command does that work first, in the same
process, and then starts Streamlit in-process exactly as ``streamlit run
app.py`` would (same ``.streamlit/config.toml``, same options), so the planner's
first page opens as fast as a later one.
"""

from __future__ import annotations

import argparse


def _port(text: str) -> int:
    """``--port``: a whole number 1-65535 (a port is needed to listen on; 0 would be random)."""
    try:
        v = int(str(text).strip())
    except ValueError:
        v = -1
    if not 1 <= v <= 65535:
        raise argparse.ArgumentTypeError(
            f"«{text}» er ikke en gyldig port; bruk et helt tall fra 1 til 65535, f.eks. 8501")
    return v


def register(sub) -> None:
    p = sub.add_parser(
        "app",
        help="start kartappen i nettleseren",
        description=(
            "Starter kartappen (Streamlit) på http://localhost:8501. Dataene leses og kartlagene "
            "forenkles før serveren tar imot besøk, så den første siden åpnes raskt. DATA er "
            "dataene appen viser som standard (GeoPackage, mappe eller fil; standard: "
            "demokommunen). Tilsvarer «streamlit run app.py» fra prosjektmappen."
        ),
    )
    p.add_argument("data", nargs="?", metavar="DATA", default=None,
                   help="GeoPackage, mappe med lagfiler, eller én fil (standard: demokommunen)")
    p.add_argument("--port", type=_port, default=None, metavar="PORT",
                   help="porten appen lytter på (standard: 8501)")
    p.add_argument("--address", default=None, metavar="ADRESSE",
                   help="adressen appen lytter på (standard: 127.0.0.1, bare denne maskinen; andre "
                        "adresser krever innlogging i config/auth.toml)")
    p.add_argument("--secrets", metavar="FIL", default=None,
                   help="Streamlits secrets.toml med innstillingene for identitetstjenesten "
                        "(auth.mode = «oidc»)")
    p.add_argument("--headless", action="store_true",
                   help="ikke åpne nettleseren automatisk (for servere)")
    p.add_argument("--no-warm", action="store_true", help=argparse.SUPPRESS)
    p.set_defaults(run=run)


#: the thread that fills the pages' caches while the server starts
WARM_THREAD = "geoplan-warm-pages"
#: Streamlit's loggers that warn when a cache is filled outside a script run
_CONTEXT_LOGGERS = ("streamlit.runtime.scriptrunner_utils.script_run_context",
                    "streamlit.runtime.caching.cache_data_api",
                    "streamlit.runtime.state.session_state_proxy")


class _WarmThreadFilter:
    """Drops the English warnings («missing ScriptRunContext», «No runtime found») that
    Streamlit logs when the warm-up thread fills a cache outside a script run. A filter
    on the logger, not its level: Streamlit sets every one of its loggers' level again
    when the server starts, which is while that thread runs."""

    def filter(self, record) -> bool:
        import logging

        return not (record.threadName == WARM_THREAD and record.levelno < logging.ERROR)


_WARM_FILTER = _WarmThreadFilter()


def _install_warm_filter() -> None:
    """:class:`_WarmThreadFilter` on Streamlit's context loggers (once)."""
    import logging

    for n in _CONTEXT_LOGGERS:
        lg = logging.getLogger(n)
        if _WARM_FILTER not in lg.filters:
            lg.addFilter(_WARM_FILTER)


def _quiet_streamlit_warnings():
    """Silence Streamlit's "no ScriptRunContext" warnings while this thread fills caches
    before the server starts (levels; the caller restores them)."""
    import logging

    saved = {n: logging.getLogger(n).level for n in _CONTEXT_LOGGERS}
    for n in _CONTEXT_LOGGERS:
        logging.getLogger(n).setLevel(logging.ERROR)
    return saved


#: the port of ``geoplan app`` without ``--port`` (Streamlit's own default)
DEFAULT_PORT = 8501


def _require_free_port(address: str, port: int) -> None:
    """Refuse, in Norwegian, a port another program (or a running app) listens on:
    Streamlit's own message is English and comes after the data have been read."""
    import socket

    from geoplan.errors import UnreadableInput
    host = "" if address in ("0.0.0.0", "::") else address
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            raise UnreadableInput(
                f"Porten {port} på {address or 'denne maskinen'} er i bruk (kjører kartappen "
                f"allerede?). Stopp den, eller velg en annen port med --port, f.eks. "
                f"--port {port + 1}.") from None


def streamlit_options() -> list[str]:
    """``geoplan/present/app/streamlit.toml`` as ``--section.key value`` options."""
    import tomllib
    from pathlib import Path

    from geoplan.present import app as app_pkg

    with open(Path(app_pkg.__file__).with_name("streamlit.toml"), "rb") as fh:
        conf = tomllib.load(fh)
    out: list[str] = []
    for section, values in conf.items():
        for key, value in values.items():
            text = str(value).lower() if isinstance(value, bool) else str(value)
            out += [f"--{section}.{key}", text]
    return out


def run(args) -> int:
    import logging
    import os
    import sys
    import time
    from pathlib import Path

    from geoplan.errors import GeoplanError
    from geoplan.present.app import main as app_main

    address, secrets = _serving(args)
    port = args.port if args.port is not None else DEFAULT_PORT
    _require_free_port(address, port)
    app_py = Path(app_main.__file__).with_name("streamlit_app.py")
    _app_data(args)
    cfg_dir = os.environ.get("GEOPLAN_CONFIG_DIR")
    if cfg_dir:  # keep a relative configuration folder pointing where the user meant
        os.environ["GEOPLAN_CONFIG_DIR"] = str(Path(cfg_dir).expanduser().resolve())

    if not args.no_warm:
        t0 = time.perf_counter()
        print("Forbereder kartappen (leser dataene og forenkler kartlagene) …", file=sys.stderr,
              flush=True)
        saved = {}
        try:
            # Not streamlit_folium: a component declared outside a script run is never
            # registered with the server, and the map would not load. It is imported by
            # the first page run (it is small).
            import streamlit.runtime.caching  # noqa: F401  (before the loggers are quieted)

            saved = _quiet_streamlit_warnings()
            from geoplan.present.app import appdata
            from geoplan.present.app.views import ui  # noqa: F401  (the pages' shared imports)

            appdata.prepare_maps()
            appdata.warm_up()
        except GeoplanError as e:  # the app shows the problem on its first page as well
            print(f"Merk: {e.message} Appen starter likevel og viser feilen på siden Oversikt; "
                  "last opp andre data på siden Data.", file=sys.stderr, flush=True)
        except Exception as e:  # never a traceback here: the page reports it in Norwegian
            print("Merk: dataene kunne ikke forberedes (en intern feil; sett GEOPLAN_DEBUG=1 "
                  "for detaljer). Appen starter likevel og viser feilen på siden.",
                  file=sys.stderr, flush=True)
            if os.environ.get("GEOPLAN_DEBUG"):
                import traceback
                traceback.print_exception(e)
        finally:
            for name, level in saved.items():
                logging.getLogger(name).setLevel(level)
        from geoplan.present import text
        print(f"Klar etter {text.number(time.perf_counter() - t0, 1)} s; starter serveren.",
              file=sys.stderr, flush=True)

    # the KPA report's worker processes come from a fork server in the threaded server
    # process: started now, its imports are done before the first report is asked for
    from geoplan.present.report.parallel import start_server
    start_server()
    if not args.no_warm:
        _warm_pages_in_background()

    from streamlit.web import cli as stcli

    # The packaged Streamlit settings (local map assets, no usage statistics, upload
    # limit), as options: they hold wherever the command is started.
    argv = ["streamlit", "run", str(app_py), *streamlit_options()]
    # the port always given: Streamlit would otherwise move to the next free one and the
    # address printed below would be wrong; its English welcome and info lines are off
    argv += ["--server.port", str(port), "--server.address", address,
             "--logger.hideWelcomeMessage", "true", "--logger.level", "warning"]
    if secrets is not None:
        argv += ["--secrets.files", str(secrets)]
    if args.headless:
        argv += ["--server.headless", "true"]
    sys.argv = argv
    shown = "localhost" if address in ("127.0.0.1", "localhost") else address
    print(f"Kartappen svarer på http://{shown}:{port} når serveren har startet "
          "(Ctrl+C stopper den).", file=sys.stderr, flush=True)
    try:
        stcli.main(prog_name="streamlit")
    except SystemExit as e:
        return int(e.code or 0) if not isinstance(e.code, str) else 1
    return 0


def _has_streamlit_secrets() -> bool:
    """A secrets.toml where Streamlit looks by default (this folder or the home folder)."""
    from pathlib import Path
    return any(p.is_file() for p in (Path.cwd() / ".streamlit" / "secrets.toml",
                                      Path.home() / ".streamlit" / "secrets.toml"))


def _serving(args):
    """The address and secrets file to serve with; refuses what the login mode does not allow."""
    from pathlib import Path

    from geoplan.errors import UnreadableInput
    from geoplan.present.app.auth import AuthSettings, check_serving
    from geoplan.present.cli import common

    if args.port is not None and not 1 <= args.port <= 65535:
        raise UnreadableInput(f"--port {args.port}: porten må være et heltall fra 1 til 65535.")
    settings = AuthSettings.from_config(common.config_from_args(argparse.Namespace()))
    address = args.address or "127.0.0.1"
    check_serving(address, settings)
    secrets = None
    given = getattr(args, "secrets", None)
    if given:
        secrets = Path(given).expanduser().resolve()
        if not secrets.is_file():
            raise UnreadableInput(f"--secrets: fant ikke {given}.")
    elif settings.mode == "oidc" and not _has_streamlit_secrets():
        raise UnreadableInput(
            "Innlogging med OpenID Connect (auth.mode = «oidc») trenger innstillingene for "
            "identitetstjenesten i en secrets.toml ([auth] med redirect_uri, cookie_secret, client_id, "
            "client_secret og server_metadata_url). Oppgi filen med --secrets FIL.")
    return address, secrets


def _app_data(args) -> None:
    """DATA for the app (a file, a folder or a database address) through the environment."""
    import os
    from pathlib import Path

    from geoplan.errors import UnreadableInput
    from geoplan.io.postgis.connect import is_database

    if args.data and is_database(args.data):
        os.environ["GEOPLAN_APP_DATA"] = args.data
    elif args.data:
        data = Path(args.data).expanduser()
        if not data.exists():
            raise UnreadableInput(f"Fant ikke {args.data}. Oppgi en GeoPackage, en mappe med lagfiler "
                                  "eller én fil.")
        os.environ["GEOPLAN_APP_DATA"] = str(data.resolve())


def _warm_pages_in_background() -> None:
    """The pages' first views (default controls) computed while the server starts."""
    import logging
    import threading

    def run() -> None:
        try:
            from geoplan.present.app.views import compute
            compute.warm_pages()
        except Exception:  # the page computes and reports it itself
            logging.getLogger(__name__).debug("warming the pages failed", exc_info=True)

    _install_warm_filter()           # before the thread can log
    threading.Thread(target=run, name=WARM_THREAD, daemon=True).start()

