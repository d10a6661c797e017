"""Settings of the concentration analysis: the only code that reads ``concentration.*``
and ``kommune.min_count_public``.

Every value comes from ``config/concentration.toml`` (and ``kommune.toml`` for the
minimum count of public outputs), each with its source; nothing here carries a
default of its own. A key the given :class:`~geoplan.config.Config` does not hold
(a municipality's folder, or a test, may carry only what it changes) is taken from
the shipped defaults (:func:`geoplan.config.default_config`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from geoplan.config import Config, default_config
from geoplan.errors import ConfigError
from geoplan.privacy import validate_min_count

__all__ = ["Thresholds", "ConcentrationSettings"]


@dataclass(frozen=True)
class Thresholds:
    """The limits a grunnkrets, building or radius is flagged against.

    Build it with :meth:`ConcentrationSettings.from_config` (the shipped TOML) or
    give every value.

    Attributes
    ----------
    grunnkrets_andel_pct : float
        Highest share (%) of municipal units among all dwellings in a grunnkrets.
    lokaliseringskvotient_maks : float
        Highest location quotient (grunnkrets share / municipal share).
    housing_first_maks_andel_pct : float
        Highest Housing First share (%) of a block or neighbourhood (seed 004,
        l. 13355-13359); applied per building, grunnkrets and radius.
    housing_first_kategori : str
        The ``kategori`` value that means Housing First.
    bygning_maks_andel_pct : float
        Highest municipal share (%) in an existing multi-dwelling building (municipal choice).
    bygning_maks_enheter : int
        Highest number of municipal units in one building (municipal choice).
    radius_andel_pct : float
        Highest municipal share (%) of the dwellings within the radius.
    bygning_andel_min_boliger : int
        Dwellings a building needs for the share rules (smaller ones: count rule only).
    bygning_unntatt_kategorier : tuple of str
        Kategorier the building count and share rules do not count (omsorgsbolig).
    housing_first_ikke_sammen_med : tuple of str
        Kategorier Housing First units shall not be located together with
        (Larvik kommune, Boligplan 2015–2020, l. 13357–13358).
    prosjekt_maks_andel_pct : float
        Highest municipal share (%) of a new mixed project (l. 9845), for ``assess --nybygg``.
    """

    grunnkrets_andel_pct: float
    lokaliseringskvotient_maks: float
    housing_first_maks_andel_pct: float
    housing_first_kategori: str
    bygning_maks_andel_pct: float
    bygning_maks_enheter: int
    radius_andel_pct: float
    bygning_andel_min_boliger: int
    bygning_unntatt_kategorier: tuple[str, ...]
    housing_first_ikke_sammen_med: tuple[str, ...]
    prosjekt_maks_andel_pct: float

    def as_dict(self) -> dict[str, Any]:
        """The thresholds by their config names (as ``parametere`` in the result)."""
        return asdict(self)


@dataclass(frozen=True)
class ConcentrationSettings:
    """Every parameter of the concentration analysis, validated.

    Attributes
    ----------
    thresholds : Thresholds
        The flagging limits (``concentration.<name>``).
    radius_m : float
        Neighbourhood radius (m), ``concentration.radius_m``.
    match_distance_m : float
        Greatest point-to-building distance (m), ``concentration.bygning_treff_avstand_m``.
    permutations : int
        Gi* permutations, ``concentration.klynge_permutasjoner``.
    alpha : float
        Significance level of hot spots, ``concentration.klynge_signifikans``.
    seed : int
        Seed of the permutations, ``concentration.klynge_seed``.
    neighbours : str
        ``queen`` or ``knn``, ``concentration.klynge_naboer``.
    knn_k : int
        Neighbours for ``knn``, ``concentration.klynge_knn_k``.
    cell_size_m, bandwidth_m : float
        Density surface cell size and kernel radius (m),
        ``concentration.tetthet_cellestorrelse_m`` / ``tetthet_baandbredde_m``.
    new_dwellings : bool
        What-if builds new dwellings (else buys existing), ``concentration.hva_hvis_nybygg``.
    suppress_zero : bool
        Public outputs hide 0 as well, ``concentration.prikk_nuller``.
    min_count : int
        Smallest count shown in public outputs, ``kommune.min_count_public``.
    project_dwellings : int
        Dwellings of the new mixed project being assessed (``concentration.prosjekt_boliger``,
        set by ``geoplan assess --nybygg N``); 0: a purchase in existing buildings.
    """

    thresholds: Thresholds
    radius_m: float
    match_distance_m: float
    permutations: int
    alpha: float
    seed: int
    neighbours: str
    knn_k: int
    cell_size_m: float
    bandwidth_m: float
    new_dwellings: bool
    suppress_zero: bool
    min_count: int
    project_dwellings: int = 0

    @classmethod
    def from_config(cls, cfg: Config | None = None) -> "ConcentrationSettings":
        """Read and validate the settings; ``cfg=None`` means the shipped defaults.

        Raises
        ------
        ConfigError
            A threshold that is not a number ≥ 0, a radius, cell size or bandwidth
            ≤ 0, negative permutations, a significance level outside (0, 1) or a
            minimum count below 1.
        """
        def get(key: str) -> Any:
            src = cfg if cfg is not None and cfg.has(key) else default_config()
            return src.get(key)

        th = Thresholds(**{f.name: _listed(f.name, get(f"concentration.{f.name}"))
                           for f in fields(Thresholds)})
        _check_thresholds(th)
        out = cls(
            thresholds=th,
            radius_m=float(get("concentration.radius_m")),
            match_distance_m=float(get("concentration.bygning_treff_avstand_m")),
            permutations=int(get("concentration.klynge_permutasjoner")),
            alpha=float(get("concentration.klynge_signifikans")),
            seed=int(get("concentration.klynge_seed")),
            neighbours=str(get("concentration.klynge_naboer")),
            knn_k=int(get("concentration.klynge_knn_k")),
            cell_size_m=float(get("concentration.tetthet_cellestorrelse_m")),
            bandwidth_m=float(get("concentration.tetthet_baandbredde_m")),
            new_dwellings=bool(get("concentration.hva_hvis_nybygg")),
            suppress_zero=bool(get("concentration.prikk_nuller")),
            min_count=validate_min_count(get("kommune.min_count_public")),
            project_dwellings=_whole(get("concentration.prosjekt_boliger"), "prosjekt_boliger"),
        )
        out._check()
        return out

    def _check(self) -> None:
        if self.radius_m <= 0:
            raise ConfigError("Parameteren «concentration.radius_m» må være større enn 0 m.")
        if self.permutations < 0:
            raise ConfigError("Parameteren «concentration.klynge_permutasjoner» kan ikke være negativ.")
        if not 0 < self.alpha < 1:
            raise ConfigError("Parameteren «concentration.klynge_signifikans» må ligge mellom 0 og 1.")
        if self.cell_size_m <= 0 or self.bandwidth_m <= 0:
            raise ConfigError("Cellestørrelse og båndbredde for tettheten må være større enn 0 m.")

    def with_radius(self, radius_m: float | None) -> "ConcentrationSettings":
        """The settings with another radius (m); ``None`` keeps the configured one."""
        if radius_m is None:
            return self
        if not float(radius_m) > 0:
            raise ConfigError(f"Radiusen må være større enn 0 m (fikk {radius_m}).")
        return replace(self, radius_m=float(radius_m))

    def model_kwargs(self) -> dict[str, Any]:
        """What :class:`~geoplan.analysis.concentration.ConcentrationModel` takes."""
        return dict(radius_m=self.radius_m, thresholds=self.thresholds,
                    match_distance_m=self.match_distance_m)

    def cluster_kwargs(self) -> dict[str, Any]:
        """The hot-spot settings :meth:`ConcentrationModel.result` and ``what_if`` take."""
        return dict(permutations=self.permutations, seed=self.seed, alpha=self.alpha,
                    neighbours=self.neighbours, knn_k=self.knn_k)

    def as_dict(self) -> dict[str, Any]:
        """The old ``settings_from_config`` dict (``thresholds`` stays a :class:`Thresholds`)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


def _whole(value: Any, name: str) -> int:
    """A whole number ≥ 0, else :class:`ConfigError` naming ``concentration.<name>``."""
    try:
        ok = not isinstance(value, bool) and float(value) == int(value) and 0 <= int(value) <= 10**6
    except (TypeError, ValueError, OverflowError):
        ok = False
    if not ok:
        raise ConfigError(f"Parameteren «concentration.{name}» må være et helt tall fra 0 til "
                          f"1 000 000 (er {value!r}).")
    return int(value)


_LISTS = ("bygning_unntatt_kategorier", "housing_first_ikke_sammen_med")


def _listed(name: str, value: Any) -> Any:
    """A list of kategorier as a tuple of text (a single text is a list of one)."""
    if name not in _LISTS:
        return value
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"Parameteren «concentration.{name}» må være en liste med kategorier "
                          f"(tekst), f.eks. [\"omsorgsbolig\"] (er {value!r}). Rett "
                          "config/concentration.toml eller --set.")
    return tuple(value)


def _check_thresholds(th: Thresholds) -> None:
    import math

    for f in fields(th):
        v = getattr(th, f.name)
        if f.name in _LISTS or f.name == "housing_first_kategori":
            continue
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v < 0:
            raise ConfigError(
                f"Parameteren «concentration.{f.name}» må være et tall ≥ 0 (er {v!r}). "
                "Rett config/concentration.toml eller --set.")
