"""Dataset + Config -> the concentration analysis (and its what-if)."""

from __future__ import annotations


def concentration_settings(cfg, *, radius_m: float | None = None) -> dict:
    """:func:`geoplan.analysis.concentration.settings_from_config`, with an optional radius."""
    from geoplan.analysis.concentration import settings_from_config
    from geoplan.errors import ConfigError
    st = settings_from_config(cfg)
    if radius_m is not None:
        if not float(radius_m) > 0:
            raise ConfigError(f"Radiusen må være større enn 0 m (fikk {radius_m}).")
        st["radius_m"] = float(radius_m)
    return st


def concentration_model(ds, cfg, *, radius_m: float | None = None):
    """A :class:`geoplan.analysis.concentration.ConcentrationModel` for the dataset, and its settings."""
    from geoplan.analysis.concentration import ConcentrationModel
    ds.require("kommunal_bolig", "grunnkrets")
    st = concentration_settings(cfg, radius_m=radius_m)
    model = ConcentrationModel(ds["kommunal_bolig"], ds["grunnkrets"], ds.get("bygning"),
                               radius_m=st["radius_m"], thresholds=st["thresholds"],
                               match_distance_m=st["match_distance_m"])
    return model, st


def cluster_kwargs(st: dict) -> dict:
    """The hot-spot settings :meth:`ConcentrationModel.result` takes."""
    return dict(permutations=st["permutations"], seed=st["seed"], alpha=st["alpha"],
                neighbours=st["neighbours"], knn_k=st["knn_k"])


def concentration(ds, cfg, *, radius_m: float | None = None, add=None, kategori: str | None = None,
                  new_dwellings: bool | None = None, public: bool = False, model=None):
    """The whole concentration analysis as ``geoplan concentration`` runs it.

    ``add`` is ``(x, y, n)`` for a what-if purchase. With ``public`` the result
    (and the what-if) have counts below ``kommune.min_count_public`` suppressed.

    Returns ``(result, hva_hvis_or_None, settings)``.
    """
    from geoplan.analysis import concentration as cm
    if model is None:
        model, st = concentration_model(ds, cfg, radius_m=radius_m)
    else:
        st = concentration_settings(cfg, radius_m=radius_m)
    kw = cluster_kwargs(st)
    result = model.result(**kw)
    hv = None
    if add is not None:
        x, y, n = add
        new = bool(new_dwellings) if new_dwellings is not None else bool(st["new_dwellings"])
        hv, _after = cm.what_if(model, result, (x, y), int(n), kategori, new_dwellings=new, **kw)
    if public:
        result = cm.suppress(result, st["min_count"], suppress_zero=st["suppress_zero"])
        if hv is not None:
            hv = cm.suppress_what_if(hv, st["min_count"], suppress_zero=st["suppress_zero"])
    return result, hv, st
