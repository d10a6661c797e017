"""geoplan: the planner's map app (Streamlit + folium), in Norwegian bokmål.

Start:  geoplan app            (reads the data before serving: a fast first visit)
   or:  streamlit run app.py   (from the repository root)
Pages:  Oversikt · Arealbehov og reserve · Skolesirkler · Konsentrasjon · Vurder tomt · Data

The app lives in :mod:`geoplan.present.app`; this file is the main script for
``streamlit run`` in a checkout (``static/`` beside it links to the package's
vendored map assets).
"""

from geoplan.present.app.main import main

main()
