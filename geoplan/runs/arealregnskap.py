"""Dataset + Config -> the arealregnskap (the plan in force, and a proposal against it)."""

from __future__ import annotations

#: layers the arealregnskap reads when present (besides arealformal)
AREALREGNSKAP_LAYERS = ("arealformal", "utviklingsgrense", "ar5", "naturtype", "verneomrade",
                        "flomsone", "skredfare", "strandsone", "arealformal_forslag")


def load_proposal(path, *, crs=None, config=None):
    """The proposed arealdel from ``path`` (any format :func:`geoplan.io.load` reads).

    The file's ``arealformal`` layer (or ``arealformal_forslag``) is the proposal.
    Returns ``(frame, dataset)``; raises MissingLayer naming the file when it has neither.
    """
    from geoplan.errors import MissingLayer
    from geoplan.io import load
    ds = load(path, crs=crs, config=config, only=["arealformal", "arealformal_forslag"])
    for name in ("arealformal_forslag", "arealformal"):
        if ds.get(name) is not None:
            return ds[name], ds
    raise MissingLayer(f"Planforslaget «{path}» har ikke laget «arealformal» (arealformål i "
                       "forslaget). Kontroller filen med «geoplan check».")


def arealregnskap(ds, cfg, *, proposal=None):
    """:func:`geoplan.analysis.arealregnskap.analyse_arealregnskap` with the configured settings.

    Parameters
    ----------
    ds : geoplan.io.Dataset with ``arealformal`` (required) and the optional layers in
        :data:`AREALREGNSKAP_LAYERS`.
    cfg : geoplan.config.Config (``arealregnskap.*``, ``reserves.housing_codes``).
    proposal : GeoDataFrame of the proposed arealdel; None: the dataset's
        ``arealformal_forslag`` layer when it has one, else only chapter 4.
    """
    from geoplan.analysis.arealregnskap import analyse_arealregnskap
    from geoplan.config.arealregnskap import ArealregnskapSettings
    ds.require("arealformal")
    if proposal is None:
        proposal = ds.get("arealformal_forslag")
    if proposal is not None and ds.crs is not None and proposal.crs != ds.crs:
        proposal = proposal.to_crs(ds.crs)
    layers = {name: ds.get(name) for name in AREALREGNSKAP_LAYERS}
    return analyse_arealregnskap(layers, proposal=proposal,
                                 settings=ArealregnskapSettings.from_config(cfg))
