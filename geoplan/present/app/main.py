"""The Streamlit app's entry point: page set-up, navigation, sidebar.

Streamlit runs a *main script* on every interaction; both main scripts --
``app.py`` in a checkout (``streamlit run app.py``) and the packaged
``streamlit_app.py`` that ``geoplan app`` starts -- call :func:`main`. The pages
are scripts under ``views/``, given to Streamlit by absolute path so they are
found from either. The folder must not be called ``pages/``: Streamlit would then
serve a URL such as ``/data`` by running ``pages/data.py`` on its own, without
this navigation, the locale or the login, on a session's first request.
"""

from __future__ import annotations

from pathlib import Path

PAGES_DIR = Path(__file__).resolve().parent / "views"


def main() -> None:
    """Render one run of the app (called on every rerun by the main script)."""
    import streamlit as st

    from geoplan.present.app import appdata

    appdata.prepare_maps()

    st.set_page_config(page_title="geoplan – arealplanlegging", page_icon="🗺️", layout="wide",
                       initial_sidebar_state="expanded",
                       menu_items={"Get help": None, "Report a bug": None,
                                   "About": "**geoplan**: arealplanlegging og boligsosial analyse for "
                                            "kommunen. Spørsmål om data og tilgang: kommunens "
                                            "GIS-ansvarlige."})

    from geoplan.present.app import login

    user = login.resolve_user()
    if user is None:
        # Only the login page: st.navigation is always called, so Streamlit never falls back
        # to running scripts by their file names.
        st.navigation([st.Page(login.login_page, title="Logg inn", url_path="logg-inn", default=True)],
                      position="hidden").run()
        return

    overview = st.Page(PAGES_DIR / "oversikt.py", title="Oversikt", icon=":material/map:",
                       url_path="oversikt")

    def _start() -> None:
        # the app's root leads to the overview at its own address, so that /oversikt (a link,
        # a bookmark) is a page of its own and never «Page not found»
        st.switch_page(overview, query_params=st.query_params.to_dict())

    PAGES = [
        st.Page(_start, title="Start", url_path="start", default=True, visibility="hidden"),
        overview,
        st.Page(PAGES_DIR / "arealbehov.py", title="Arealbehov og reserve", icon=":material/holiday_village:",
                url_path="arealbehov"),
        st.Page(PAGES_DIR / "skolesirkler.py", title="Skolesirkler", icon=":material/school:",
                url_path="skolesirkler"),
        st.Page(PAGES_DIR / "konsentrasjon.py", title="Konsentrasjon", icon=":material/bar_chart:",
                url_path="konsentrasjon"),
        st.Page(PAGES_DIR / "arealregnskap.py", title="Arealregnskap", icon=":material/table_chart:", url_path="arealregnskap"),
    ]
    if user.can("assess_site"):
        PAGES.append(st.Page(PAGES_DIR / "vurder_tomt.py", title="Vurder tomt", icon=":material/location_on:",
                             url_path="vurder-tomt"))
    PAGES.append(st.Page(PAGES_DIR / "befolkning.py", title="Befolkning og boligbehov", icon=":material/groups:",
                         url_path="befolkning"))
    PAGES.append(st.Page(PAGES_DIR / "data.py", title="Data", icon=":material/folder_open:", url_path="data"))

    nav = st.navigation(PAGES, position="sidebar")

    from geoplan.present.app.views import ui  # after set_page_config

    if not st.get_option("server.enableStaticServing"):
        # .streamlit/config.toml is read from the current folder: started elsewhere, the
        # vendored Leaflet files are not served and the maps stay blank without internet.
        st.warning("Kartfilene serveres ikke lokalt (server.enableStaticServing er av). Start appen "
                   "med «python -m geoplan app», eller fra prosjektmappen med «streamlit run app.py», "
                   "eller legg til "
                   "«--server.enableStaticServing true».", icon=":material/warning:")

    from geoplan.present.app import state

    state.keep()        # choices survive a visit to another page
    state.from_url()    # a link or a reload brings them back
    login.sidebar(user)
    ui.sidebar()
    ui.session_box()
    try:
        ui.run_page(nav)
    finally:
        state.to_url()
