"""Dataset + Config -> the school-circle analysis."""

from __future__ import annotations


def schools(ds, cfg, *, radius_m: float | None = None, walking: bool = False):
    """:func:`geoplan.analysis.schools.analyse_schools` with the configured parameters.

    Returns the :class:`~geoplan.analysis.schools.SchoolAnalysis`.
    """
    from geoplan.analysis import schools as sch
    from geoplan.errors import ConfigError
    radius = float(radius_m if radius_m is not None else cfg.get("schools.radius_m"))
    if not radius > 0:
        raise ConfigError(f"Radiusen for skolesirkelen må være større enn 0 m (fikk {radius_m}).")
    ds.require("utviklingsgrense", "skole", *(["gangnett"] if walking else []))
    housing = cfg.get("reserves.housing_codes", list(range(1110, 1120)))
    parcels = sch.collect_parcels(ds.get("arealformal"), ds.get("innspill"), housing)
    network = None
    if walking:
        from geoplan.analysis.network import build_network
        network = build_network(ds["gangnett"],
                                node_crossings=bool(cfg.get("schools.node_crossings", True)),
                                tolerance_m=float(cfg.get("schools.node_tolerance_m", 0.001)))
    return sch.analyse_schools(
        ds["utviklingsgrense"], ds["skole"], parcels=parcels, network=network, radius_m=radius,
        quad_segs=int(cfg.get("schools.circle_quad_segs", 64)),
        corridor_width_m=float(cfg.get("schools.walk_corridor_width_m", 100.0)),
        max_snap_m=float(cfg.get("schools.snap_max_m", 250.0)))
