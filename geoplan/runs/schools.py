"""Dataset + Config -> the school-circle analysis."""

from __future__ import annotations


def schools(ds, cfg, *, radius_m: float | None = None, walking: bool = False):
    """:func:`geoplan.analysis.schools.analyse_schools` with the configured parameters.

    Parameters
    ----------
    ds : geoplan.io.Dataset
        Needs ``utviklingsgrense`` and ``skole`` (and ``gangnett`` when
        ``walking``); ``arealformal`` and ``innspill`` give the parcels.
    cfg : geoplan.config.Config
        ``schools.*`` (see :class:`geoplan.config.schools.SchoolSettings`) and
        ``reserves.housing_codes`` (which zoning is boligreserve).
    radius_m : float, optional
        Circle radius, m, instead of ``schools.radius_m`` (``--radius``).
    walking : bool
        Also measure along the walking network.

    Returns the :class:`~geoplan.analysis.schools.SchoolAnalysis`.
    """
    from geoplan.analysis import schools as sch
    from geoplan.config.reserves import ReserveSettings
    from geoplan.config.schools import SchoolSettings
    from geoplan.errors import ConfigError
    settings = SchoolSettings.from_config(cfg).replace(radius_m=radius_m)
    if not settings.radius_m > 0:
        raise ConfigError(f"Radiusen for skolesirkelen må være større enn 0 m (fikk {settings.radius_m}).")
    ds.require("utviklingsgrense", "skole", *(["gangnett"] if walking else []))
    parcels = sch.collect_parcels(ds.get("arealformal"), ds.get("innspill"),
                                  ReserveSettings.from_config(cfg).housing_codes)
    network = None
    if walking:
        from geoplan.analysis.network import build_network
        network = build_network(ds["gangnett"], node_crossings=settings.node_crossings,
                                tolerance_m=settings.node_tolerance_m)
    return sch.analyse_schools(ds["utviklingsgrense"], ds["skole"], parcels=parcels,
                               network=network, settings=settings)

