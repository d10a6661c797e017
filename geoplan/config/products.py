"""The national products ``geoplan import`` recognises: the only code that reads ``products.*``.

Every entry comes from ``config/products.toml`` (shipped in
``geoplan/config/defaults/products.toml``): how a product is recognised by its
content and how its columns become the data contract's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from geoplan.config import Config, default_config
from geoplan.errors import ConfigError


def _low(names) -> tuple[str, ...]:
    return tuple(str(n).strip().lower() for n in names)


@dataclass(frozen=True)
class Product:
    """One national product and its mapping to a contract layer (see products.toml)."""

    id: str
    name: str
    source: str
    layer: str
    feature_types: tuple[str, ...]
    recognise: tuple[tuple[str, ...], ...]
    columns: dict[str, tuple[str, ...]] = field(default_factory=dict)
    constants: dict[str, Any] = field(default_factory=dict)
    values: dict[str, dict[str, Any]] = field(default_factory=dict)
    keep: tuple[str, ...] = ()
    where: tuple[dict, ...] = ()
    derived: dict[str, dict] = field(default_factory=dict)
    derived_source: dict[str, str] = field(default_factory=dict)
    join: str = ""
    unique: str = ""

    def matches(self, layer_name: str, columns) -> int:
        """How well a layer fits: 2 by feature type, 1 by columns, 0 not at all."""
        ft = str(layer_name).rsplit(":", 1)[-1].lower()
        if ft in {f.lower() for f in self.feature_types}:
            return 2
        cols = {str(c).strip().lower() for c in columns}
        if self.recognise and all(any(n in cols for n in group) for group in self.recognise):
            return 1
        return 0


def _key(e: Exception) -> str:
    """`` (mangler «id»)`` for a missing key, else nothing (Python's words are English)."""
    return f" (mangler «{e.args[0]}»)" if isinstance(e, KeyError) and e.args else ""


@dataclass(frozen=True)
class ProductSettings:
    """The products, the GTFS time window and where missing data come from."""

    products: tuple[Product, ...]
    gtfs_window: tuple[float, float]
    sources: dict[str, str]

    @classmethod
    def from_config(cls, cfg: Config | None = None) -> "ProductSettings":
        cfg = cfg if cfg is not None else default_config()
        src = cfg if cfg.has("products.products") else default_config()
        products = []
        for i, p in enumerate(src.get("products.products")):
            try:
                products.append(Product(
                    id=str(p["id"]), name=str(p["name"]), source=str(p["source"]), layer=str(p["layer"]),
                    feature_types=tuple(p.get("feature_types", ())),
                    recognise=tuple(_low(g) for g in p.get("recognise", ())),
                    columns={k: _low(v) for k, v in p.get("columns", {}).items()},
                    constants=dict(p.get("constants", {})),
                    values={k: {str(a): b for a, b in v.items()} for k, v in p.get("values", {}).items()},
                    keep=_low(p.get("keep", ())), where=tuple(p.get("where", ())),
                    derived=dict(p.get("derived", {})), derived_source=dict(p.get("derived_source", {})),
                    join=str(p.get("join", "")), unique=str(p.get("unique", ""))))
            except (KeyError, TypeError, AttributeError) as e:
                raise ConfigError(f"Produkt nr. {i + 1} i config/products.toml er ufullstendig{_key(e)}: "
                                  "hvert produkt trenger id, name, source og layer.") from None
        try:
            window = (float(src.get("products.gtfs_window_start_h")), float(src.get("products.gtfs_window_end_h")))
        except (TypeError, ValueError):
            raise ConfigError("GTFS-tidsrommet i config/products.toml er ikke tall: skriv "
                              "gtfs_window_start_h og gtfs_window_end_h som timer, f.eks. 6 og 22.") from None
        if not 0 <= window[0] < window[1] <= 30:
            raise ConfigError("products.gtfs_window_start_h må være mindre enn gtfs_window_end_h (timer, 0–30).")
        return cls(products=tuple(products), gtfs_window=window,
                   sources={str(k): str(v) for k, v in src.get("products.sources", {}).items()})
