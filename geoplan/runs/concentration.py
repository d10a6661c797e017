"""Dataset + Config -> the concentration analysis (and its what-if).

The parameters come from :class:`~geoplan.config.concentration.ConcentrationSettings`
(the only code that reads ``concentration.*`` and ``kommune.min_count_public``).
"""

from __future__ import annotations

from typing import Any

from geoplan.config import Config
from geoplan.config.concentration import ConcentrationSettings


def concentration_settings(cfg: Config | None, *, radius_m: float | None = None) -> ConcentrationSettings:
    """The settings from ``cfg`` (None: the shipped defaults), with an optional radius (m).

    Raises
    ------
    ConfigError
        An invalid parameter, or a radius ≤ 0.
    """
    return ConcentrationSettings.from_config(cfg).with_radius(radius_m)


def concentration_model(ds: Any, cfg: Config | None, *,
                        radius_m: float | None = None) -> tuple[Any, ConcentrationSettings]:
    """A :class:`geoplan.analysis.concentration.ConcentrationModel` for the dataset, and its settings."""
    from geoplan.analysis.concentration import ConcentrationModel
    ds.require("kommunal_bolig", "grunnkrets")
    st = concentration_settings(cfg, radius_m=radius_m)
    model = ConcentrationModel(ds["kommunal_bolig"], ds["grunnkrets"], ds.get("bygning"),
                               **st.model_kwargs())
    return model, st


def cluster_kwargs(st: ConcentrationSettings | dict) -> dict:
    """The hot-spot settings :meth:`ConcentrationModel.result` takes
    (from the settings, or from the old settings dict)."""
    if isinstance(st, ConcentrationSettings):
        return st.cluster_kwargs()
    return dict(permutations=st["permutations"], seed=st["seed"], alpha=st["alpha"],
                neighbours=st["neighbours"], knn_k=st["knn_k"])


def concentration(ds: Any, cfg: Config | None, *, radius_m: float | None = None,
                  add: tuple[float, float, int] | None = None, kategori: str | None = None,
                  new_dwellings: bool | None = None, public: bool = False,
                  model: Any = None) -> tuple[Any, dict | None, ConcentrationSettings]:
    """The whole concentration analysis as ``geoplan concentration`` runs it.

    ``add`` is ``(x, y, n)`` for a what-if purchase. With ``public`` the result
    (and the what-if) go through :mod:`geoplan.privacy` (counts below
    ``kommune.min_count_public`` suppressed).

    Returns ``(result, hva_hvis_or_None, settings)``.
    """
    from geoplan import privacy
    from geoplan.analysis import concentration as cm
    if model is None:
        model, st = concentration_model(ds, cfg, radius_m=radius_m)
    else:
        st = concentration_settings(cfg, radius_m=radius_m)
    kw = st.cluster_kwargs()
    result = model.result(**kw)
    hv = None
    if add is not None:
        x, y, n = add
        new = bool(new_dwellings) if new_dwellings is not None else st.new_dwellings
        hv, _after = cm.what_if(model, result, (x, y), int(n), kategori, new_dwellings=new, **kw)
    if public:
        result = privacy.suppress(result, st.min_count, suppress_zero=st.suppress_zero)
        if hv is not None:
            hv = privacy.suppress_what_if(hv, st.min_count, suppress_zero=st.suppress_zero,
                                          base=result)
    return result, hv, st
