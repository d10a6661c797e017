"""geoplan: the planner's map app (Streamlit + folium), in Norwegian bokmål.

Start:  python -m geoplan app      (reads the data before serving: a fast first visit)
   or:  streamlit run app.py       (from the repository root)
Pages:  Oversikt · Arealbehov og reserve · Skolesirkler · Konsentrasjon · Vurder tomt · Data

The pages are scripts under ``geoplan/app_pages/``; they call the same analysis
functions as the command line (DESIGN.md) and share cached loading and
per-session uploads through :mod:`geoplan.appdata`. The map's Leaflet assets
are served locally from ``static/`` (no internet needed).
"""

from __future__ import annotations

import streamlit as st

st.set_page_config(page_title="geoplan – arealplanlegging", page_icon="🗺️", layout="wide",
                   initial_sidebar_state="expanded")

PAGES = [
    st.Page("geoplan/app_pages/oversikt.py", title="Oversikt", icon=":material/map:", default=True,
            url_path="oversikt"),
    st.Page("geoplan/app_pages/arealbehov.py", title="Arealbehov og reserve", icon=":material/holiday_village:",
            url_path="arealbehov"),
    st.Page("geoplan/app_pages/skolesirkler.py", title="Skolesirkler", icon=":material/school:",
            url_path="skolesirkler"),
    st.Page("geoplan/app_pages/konsentrasjon.py", title="Konsentrasjon", icon=":material/bar_chart:",
            url_path="konsentrasjon"),
    st.Page("geoplan/app_pages/vurder_tomt.py", title="Vurder tomt", icon=":material/location_on:",
            url_path="vurder-tomt"),
    st.Page("geoplan/app_pages/data.py", title="Data", icon=":material/folder_open:", url_path="data"),
]

nav = st.navigation(PAGES, position="sidebar")

from geoplan.app_pages import ui  # noqa: E402  (after set_page_config)

if not st.get_option("server.enableStaticServing"):
    # .streamlit/config.toml is read from the current folder: started elsewhere, the
    # vendored Leaflet files are not served and the maps stay blank without internet.
    st.warning("Kartfilene serveres ikke lokalt (server.enableStaticServing er av). Start appen "
               "med «python -m geoplan app», eller fra prosjektmappen med «streamlit run app.py», "
               "eller legg til "
               "«--server.enableStaticServing true».", icon=":material/warning:")

ui.sidebar()
ui.run_page(nav)
