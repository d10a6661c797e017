"""geoplan: geospatial planning and segregation analysis for Norwegian municipalities.

Layers are loaded and validated by :mod:`geoplan.io.layers`; the analyses
(:mod:`geoplan.analysis.reserves`, :mod:`geoplan.analysis.schools`, :mod:`geoplan.analysis.concentration`,
:mod:`geoplan.analysis.sites`) are pure functions on GeoDataFrames; the app (``app.py``),
the command line (:mod:`geoplan.present.cli.main`) and the reports (:mod:`geoplan.present.report`)
only present their results.
"""

__version__ = "0.1.0"
