"""Settings of the municipality itself: the only code that reads ``kommune.*`` keys,
and :func:`identify_kommune`: which municipality the data are for, against the one the
configuration belongs to (outputs say so at the top when they differ).

Every value comes from ``config/kommune.toml`` (shipped in
``geoplan/config/defaults/kommune.toml``, each with its source); nothing here
carries a default of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from geoplan.config import Config, default_config
from geoplan.errors import ConfigError


@dataclass(frozen=True)
class KommuneSettings:
    """The municipality's identity, working CRS and public-output minimum.

    Attributes
    ----------
    kommunenummer : str
        Four digits (``"3909"``).
    kommunenavn : str
        The municipality's name, as reports print it.
    working_epsg : int
        EUREF89 UTM EPSG code every layer is brought to; 0 chooses from the data.
    min_count_public : int
        Smallest count of municipal units a public output shows (smaller are suppressed).
    """

    kommunenummer: str
    kommunenavn: str
    working_epsg: int
    min_count_public: int

    @classmethod
    def from_config(cls, cfg: Config | None = None) -> "KommuneSettings":
        """The settings in ``cfg`` (``None``: the shipped defaults)."""
        cfg = cfg if cfg is not None else default_config()

        def get(name: str):
            key = f"kommune.{name}"
            return cfg.get(key) if cfg.has(key) else default_config().get(key)

        try:
            epsg = int(get("working_epsg") or 0)
        except (TypeError, ValueError):
            raise ConfigError(
                f"kommune.working_epsg må være en EPSG-kode (25832, 25833 eller 25835) eller 0, "
                f"ikke «{get('working_epsg')}».") from None
        if epsg not in (0, 25832, 25833, 25835):
            raise ConfigError(
                f"kommune.working_epsg = {epsg} er ikke EUREF89 UTM sone 32, 33 eller 35 "
                "(25832, 25833 eller 25835). Bruk en av dem, eller 0 for å velge ut fra dataene.")
        from geoplan.privacy import validate_min_count  # the one check of the minimum
        minimum = validate_min_count(get("min_count_public"))
        return cls(kommunenummer=str(get("kommunenummer")), kommunenavn=str(get("kommunenavn")),
                   working_epsg=epsg, min_count_public=minimum)


@dataclass(frozen=True)
class KommuneIdentity:
    """Which municipality the data are for, and whether the configuration is its own.

    Attributes
    ----------
    nummer, navn : str or None
        The data's kommunenummer and name (``None`` where the data do not say).
    kilde : str
        Where they came from (``laget «kommune»``, ``kolonnen kommunenummer i laget
        «arealformal»``, ``grunnkretsnumrene``), or ``""``.
    config_nummer, config_navn : str
        The municipality the configuration (``kommune.kommunenummer``/``kommunenavn``)
        belongs to.
    """

    nummer: str | None
    navn: str | None
    kilde: str
    config_nummer: str
    config_navn: str

    @property
    def known(self) -> bool:
        """Whether the data say which municipality they are for."""
        return self.nummer is not None or self.navn is not None

    @property
    def foreign_config(self) -> bool:
        """True when the data are another municipality's than the configuration's."""
        if self.nummer is not None:
            return self.nummer != self.config_nummer
        return self.navn is not None and self.navn.casefold() != self.config_navn.casefold()

    @property
    def label(self) -> str:
        """The municipality as a header prints it: the data's, else the configuration's
        with a note that the data do not say."""
        if self.known:
            return " ".join(x for x in (self.navn, f"({self.nummer})" if self.nummer else "") if x)
        return f"{self.config_navn} (etter konfigurasjonen; dataene oppgir ikke kommune)"

    def banner(self) -> str | None:
        """The sentence every output puts at the top when the configuration is another
        municipality's (or the data do not say whose they are); ``None`` when they match."""
        cfg = f"{self.config_navn} kommune ({self.config_nummer})"
        if self.known and self.foreign_config:
            return (f"Merk: dataene gjelder {self.label} ({self.kilde}), men parametrene i "
                    f"konfigurasjonen er laget for {cfg}: scenarier, andeler, tettheter og "
                    f"terskler er {self.config_navn}s. Bruk en konfigurasjon for kommunen selv "
                    "(--config MAPPE, med kommune.kommunenummer satt) før resultatene brukes.")
        if not self.known:
            return (f"Merk: dataene oppgir ikke hvilken kommune de gjelder (verken laget "
                    f"«kommune», kommunenummer eller grunnkretsnummer); parametrene i "
                    f"konfigurasjonen er laget for {cfg}.")
        return None

    def as_dict(self) -> dict:
        return {"kommunenummer": self.nummer, "kommunenavn": self.navn, "kilde": self.kilde,
                "konfigurasjon": {"kommunenummer": self.config_nummer,
                                  "kommunenavn": self.config_navn},
                "annen_kommunes_konfigurasjon": self.known and self.foreign_config,
                "merknad": self.banner()}


def _distinct(values) -> list[str]:
    out = []
    for v in values:
        if v is None or (isinstance(v, float) and v != v):
            continue
        s = str(v).strip()
        if s.endswith(".0"):
            s = s[:-2]
        if s and s not in out:
            out.append(s)
    return out


def _from_layers(layers: Mapping[str, Any]) -> tuple[list[str], list[str], str]:
    """``(numbers, names, where)`` the data give for their municipality."""
    k = layers.get("kommune")
    if k is not None and len(k):
        nums = [n.zfill(4) for n in _distinct(k["kommunenummer"])] if "kommunenummer" in k else []
        names = _distinct(k["kommunenavn"]) if "kommunenavn" in k else []
        if nums or names:
            return nums, names, "laget «kommune»"
    for name, g in layers.items():
        if g is not None and len(g) and "kommunenummer" in getattr(g, "columns", ()):
            nums = [n.zfill(4) for n in _distinct(g["kommunenummer"])]
            if nums:
                return nums, [], f"kolonnen kommunenummer i laget «{name}»"
    g = layers.get("grunnkrets")
    if g is not None and len(g) and "grunnkretsnummer" in g.columns:
        nums = _distinct(str(n).zfill(8)[:4] for n in _distinct(g["grunnkretsnummer"]))
        if nums:
            return nums, [], "grunnkretsnumrene (de fire første sifrene)"
    return [], [], ""


def identify_kommune(layers: Mapping[str, Any], cfg: Config | None = None) -> KommuneIdentity:
    """The municipality of ``layers`` (name -> GeoDataFrame) against the configuration's.

    The data's identity comes from the ``kommune`` layer, else a ``kommunenummer``
    column of any layer (plan data carry it), else the first four digits of the
    grunnkretsnumre; a number without a name is named from Kartverket's list shipped
    with geoplan (:func:`geoplan.codes.kommune_name`). Several municipalities are
    joined with « / ».
    """
    from geoplan.codes import kommune_name

    st = KommuneSettings.from_config(cfg)
    nums, names, where = _from_layers(layers)
    if nums and not names:
        names = [n for n in (kommune_name(x) for x in nums) if n]
    return KommuneIdentity(
        nummer=" / ".join(nums) if nums else None, navn=" / ".join(names) if names else None,
        kilde=where, config_nummer=str(st.kommunenummer).zfill(4), config_navn=st.kommunenavn)
