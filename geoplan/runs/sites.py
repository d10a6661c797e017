"""Dataset + Config -> the site assessment, as ``geoplan assess``, the app and the report run it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from geoplan.analysis.sites import SiteAssessor
    from geoplan.config import Config
    from geoplan.io.layers import Dataset


def assessor(ds: Dataset, cfg: Config | None = None) -> SiteAssessor:
    """A :class:`~geoplan.analysis.sites.SiteAssessor` for the dataset: its layers, CRS
    and the rasters beside it, the criteria and parameters of ``cfg`` (``None``: the
    shipped defaults). Build it once and reuse it: preparing the indexes, the walking
    graph and the concentration model is the slow part."""
    from geoplan.analysis.sites import SiteAssessor
    return SiteAssessor.from_dataset(ds, cfg)


def assess(ds: Dataset, cfg: Config | None, sites: Any, *, units: Any = None,
           kategori: str | None = None, trinn: int | None = None, public: bool = False,
           prepared: SiteAssessor | None = None) -> dict:
    """Assess one site or many, as ``geoplan assess --site ...`` does.

    Parameters
    ----------
    ds, cfg : the data and the configuration (``cfg=None``: the shipped defaults)
    sites : GeoDataFrame/GeoSeries of sites in the data CRS (a site file read by
        :mod:`geoplan.io`), or one shapely geometry
    units : dwellings bought per site (int, or one per site); default: the column
        ``antall_enheter`` of ``sites`` where it has a value, else ``sites.units``
    kategori, trinn : kind of municipal dwelling and step (1–5) of the housing ladder
    public : return :func:`~geoplan.analysis.sites.public_result` (small counts of
        municipal units hidden, no building ids)
    prepared : an assessor already built for ``ds`` and ``cfg`` (:func:`assessor`)

    Returns
    -------
    dict
        One site: the :meth:`SiteAssessor.assess` result with ``tomt.navn`` (the
        site's ``navn``, else «Tomta»). Several: :meth:`SiteAssessor.assess_many`
        (``{"tomter": [...]}``, ranked).
    """
    import geopandas as gpd
    import pandas as pd

    from geoplan.analysis.sites import public_result
    from geoplan.config.sites import SiteSettings

    a = prepared if prepared is not None else assessor(ds, cfg)
    frame = isinstance(sites, (gpd.GeoDataFrame, gpd.GeoSeries))
    if units is None:
        default = SiteSettings.from_config(cfg).units
        if isinstance(sites, gpd.GeoDataFrame) and "antall_enheter" in sites.columns:
            units = pd.to_numeric(sites["antall_enheter"], errors="coerce").fillna(
                default).astype(int).to_numpy()
        else:
            units = default
    if not frame or len(sites) == 1:
        geom = sites.geometry.iloc[0] if frame else sites
        one: Any = units if isinstance(units, (int, float)) else list(units)[0]
        result = a.assess(geom, units=one, kategori=kategori, trinn=trinn)
        navn = (sites["navn"].iloc[0] if isinstance(sites, gpd.GeoDataFrame)
                and "navn" in sites.columns else None)
        result["tomt"]["navn"] = str(navn) if navn is not None else "Tomta"
    else:
        result = a.assess_many(sites, units=units, kategori=kategori, trinn=trinn)
    return public_result(result) if public else result
