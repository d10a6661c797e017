"""What the subcommands share: the DATA argument, config overrides, JSON output."""

from __future__ import annotations

import argparse
import json
import math
import sys
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from geoplan.config import Config, load_config, parse_set_options
from geoplan.numbers import read_number

if TYPE_CHECKING:  # numpy and pandas load with the data, not for --help
    import pandas as pd


def add_data_args(p: argparse.ArgumentParser, *, json_flag: bool = True) -> None:
    """DATA, --layer, --crs, --config, --set and (optionally) --json."""
    p.add_argument(
        "data", nargs="?", metavar="DATA", default=None,
        help="GeoPackage, mappe med lagfiler, eller én fil (standard: demokommunen)",
    )
    p.add_argument("--layer", metavar="NAVN", help="lagnavn for en enkeltfil som ikke er en GeoPackage")
    p.add_argument("--crs", metavar="EPSG", help="koordinatsystem for lag uten CRS, f.eks. 25832")
    p.add_argument("--objtype", metavar="TYPE",
                   help="objekttypen som skal leses fra en SOSI- eller GML-fil som ikke er en plan")
    p.add_argument("--config", metavar="MAPPE", help="konfigurasjonsmappe (standard: config/)")
    p.add_argument("--set", metavar="NØKKEL=VERDI", action="append", default=[],
                   help="overstyr en parameter for denne kjøringen, f.eks. schools.radius_m=1200")
    p.add_argument("--ingen-hurtiglager", action=_NoCache, nargs=0,
                   help="les og kontroller DATA på nytt, uten hurtiglageret (lagene som er lest "
                        "før, lagret per bruker; også GEOPLAN_HURTIGLAGER=0)")
    if json_flag:
        p.add_argument("--json", action="store_true", help="skriv resultatet som JSON på stdout")


class _NoCache(argparse.Action):
    """``--ingen-hurtiglager``: this run reads DATA afresh (:mod:`geoplan.io.cache` off)."""

    def __call__(self, parser, namespace, values, option_string=None):
        from geoplan.io import cache

        cache.set_enabled(False)
        namespace.ingen_hurtiglager = True


def config_from_args(args: argparse.Namespace) -> Config:
    return load_config(getattr(args, "config", None), parse_set_options(getattr(args, "set", None)))


def load_from_args(args: argparse.Namespace, *, require: Iterable[str] = (),
                   optional: Iterable[str] = (), config: Config | None = None):
    """Load DATA as the command needs it; raises MissingLayer for required layers.

    When ``optional`` is given, only the required and optional layers are read
    (a large GeoPackage's other layers are skipped); otherwise every layer is.

    Returns the :class:`geoplan.io.Dataset`.
    """
    from geoplan.io import load
    only = (set(require) | set(optional)) if optional else None
    ds = load(args.data, layer=getattr(args, "layer", None), crs=getattr(args, "crs", None),
              config=config, only=only, objtype=getattr(args, "objtype", None))
    ds.require(*require)
    require_command_columns(ds, getattr(args, "command", None), require)
    return ds


def require_command_columns(ds, command: str | None, layers: Iterable[str]) -> None:
    """Raise DataProblem if a required layer lacks a column ``command`` needs (contract ``needed_by``)."""
    from geoplan.errors import DataProblem
    from geoplan.io.contract import missing_command_columns

    for name in layers:
        g = ds.get(name)
        if g is None or not command:
            continue
        miss = [c for c, cmds in missing_command_columns(name, g.columns).items() if command in cmds]
        if miss:
            raise DataProblem(
                f"Laget «{name}» mangler kolonnen {', '.join(f'«{c}»' for c in miss)}, som "
                f"«geoplan {command}» trenger. Legg den til i dataene (heltall per objekt).")


def _default(o: Any):
    import numpy as np
    import pandas as pd

    if isinstance(o, (np.integer,)):
        return int(o)
    if isinstance(o, (np.floating,)):
        f = float(o)
        return None if math.isnan(f) or math.isinf(f) else f
    if isinstance(o, (np.bool_,)):
        return bool(o)
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, (datetime, date, pd.Timestamp)):
        return o.isoformat()
    if isinstance(o, Path):
        return str(o)
    if o is pd.NA or o is pd.NaT:
        return None
    if hasattr(o, "__geo_interface__"):
        return o.__geo_interface__
    raise TypeError(f"kan ikke skrive {type(o).__name__} som JSON")


def _clean(o: Any):
    """Replace NaN/inf floats by None recursively (JSON has no NaN)."""
    if isinstance(o, float):
        return None if math.isnan(o) or math.isinf(o) else o
    if isinstance(o, dict):
        return {k: _clean(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [_clean(v) for v in o]
    np = sys.modules.get("numpy")  # a numpy float can only be here once numpy is loaded
    if np is not None and isinstance(o, np.floating):
        return _clean(float(o))
    return o


def records(df: pd.DataFrame, columns: Iterable[str] | None = None) -> list[dict]:
    """A (Geo)DataFrame as JSON-ready records, without geometry, NaN as None."""
    if columns is not None:
        df = df[[c for c in columns if c in df.columns]]
    if "geometry" in df.columns:
        df = df.drop(columns="geometry")
    out = []
    for row in df.to_dict(orient="records"):
        out.append({k: _clean(_default(v) if not isinstance(v, (str, int, float, bool, type(None), list, dict)) else v)
                    for k, v in row.items()})
    return out


def dumps(obj: Any) -> str:
    return json.dumps(_clean(obj), ensure_ascii=False, indent=2, default=_default, allow_nan=False)


def emit_json(obj: Any) -> None:
    """Print ``obj`` as UTF-8 JSON on stdout (NaN as null, numpy types converted)."""
    sys.stdout.write(dumps(obj) + "\n")


def check_output(path: str | Path | None, option: str, *,
                 owned_layers: Iterable[str] | None = None) -> None:
    """Refuse, before any work, an output that is an input of this run or cannot be written.

    Call it after the data are loaded (the loader registers the inputs). For a
    GeoPackage output (``owned_layers``: the layers the command writes) that
    exists, say on stderr which of its layers are replaced and which are kept.
    """
    if not path:
        return
    from geoplan.io.writers import gpkg_plan, refuse_input, writable_parent

    refuse_input(path, option)
    writable_parent(Path(path))
    if owned_layers is None:
        return
    replaced, kept = gpkg_plan(path, owned_layers)
    if not (replaced or kept):
        return
    msg = f"{option} «{path}» finnes fra før."
    if replaced:
        msg += f" Lagene {', '.join(replaced)} erstattes med resultatet."
    if kept:
        msg += f" De andre lagene ({', '.join(kept)}) beholdes uendret."
    print(f"geoplan: {msg}", file=sys.stderr)


#: the most municipal units one option (``--units``, ``--add X,Y,N``) may add: the
#: data contract's upper bound of ``antall_enheter`` (no 64-bit wrap-around)
MAX_UNITS = 10_000


def known_categories(ds, cfg: Config) -> list[str]:
    """The categories of ``kommunal_bolig.kategori`` in the data and in the configuration."""
    found: set[str] = set()
    kb = ds.get("kommunal_bolig") if hasattr(ds, "get") else None
    if kb is not None and "kategori" in kb.columns:
        found |= {str(v) for v in kb["kategori"].dropna().unique() if str(v).strip()}
    hf = cfg.get("concentration.housing_first_kategori", None)
    if isinstance(hf, str) and hf:
        found.add(hf)
    for prof in cfg.get("sites.profiles", []) or []:
        kat = (prof.get("match") or {}).get("kategori") if isinstance(prof, dict) else None
        found |= {str(k) for k in (kat if isinstance(kat, list) else [kat] if kat else [])}
    return sorted(found)


def check_kategori(kategori: str | None, ds, cfg: Config, option: str = "--kategori") -> None:
    """Refuse a category neither the data nor the configuration knows (a typo is no new category)."""
    if not kategori:
        return
    from geoplan.analysis.sites.criteria import normalise_kategori
    from geoplan.errors import UnreadableInput
    known = known_categories(ds, cfg)
    # spelt as planners type it («Housing First», «housing-first») is the same kategori
    if known and normalise_kategori(kategori) not in {normalise_kategori(k) for k in known}:
        raise UnreadableInput(
            f"{option} «{kategori}» er ikke en kjent kategori. Kjente kategorier: "
            f"{', '.join(known)}.")


# -- numbers on the command line ------------------------------------------------------------
# argparse ``type=`` functions: one grammar for every option (geoplan.numbers: «1 500»,
# «2,5», no «inf», «nan» or «1_000»), a Norwegian sentence naming the value when not.

def number_arg(text: str) -> float:
    """A finite number: ``1500``, ``2,5``, ``«1 500»``."""
    v = read_number(text)
    if v is None:
        raise argparse.ArgumentTypeError(f"«{text}» er ikke et tall (skriv f.eks. 1500 eller 2,5)")
    return v


def positive_arg(text: str) -> float:
    """A finite number greater than 0."""
    v = number_arg(text)
    if not v > 0:
        raise argparse.ArgumentTypeError(f"«{text}» må være større enn 0")
    return v


def year_arg(text: str) -> int:
    """A year, 1900–2200."""
    v = read_number(text)
    if v is None or not v.is_integer() or not 1900 <= v <= 2200:
        raise argparse.ArgumentTypeError(f"«{text}» er ikke et årstall (skriv f.eks. 2040)")
    return int(v)

