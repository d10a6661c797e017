"""Streamlit main script of the installed package (``geoplan app`` runs this file).

Streamlit serves ``static/`` beside its main script: the vendored Leaflet assets
live in ``geoplan/present/app/static``, so the map works offline after ``pip install``.
"""

from geoplan.present.app.main import main

main()
