"""geoplan: geospatial planning and segregation analysis for Norwegian municipalities.

Layers are loaded and validated by :mod:`geoplan.layers`; the analyses
(:mod:`geoplan.reserves`, :mod:`geoplan.schools`, :mod:`geoplan.concentration`,
:mod:`geoplan.sites`) are pure functions on GeoDataFrames; the app (``app.py``),
the command line (:mod:`geoplan.cli`) and the reports (:mod:`geoplan.report`)
only present their results.
"""

__version__ = "0.1.0"
