"""Names a package re-exports and imports only on first use (PEP 562 ``__getattr__``).

``geoplan``, ``geoplan.io``, ``geoplan.runs`` and ``geoplan.analysis.schools`` re-export
functions whose modules load heavy libraries (GDAL, PySAL, scipy); a command that does not
use them does not pay for the import.
"""

from __future__ import annotations

import importlib
from typing import Any, Mapping


def lazy_attribute(namespace: dict[str, Any], package: str, modules: Mapping[str, str],
                   name: str) -> Any:
    """``name`` from the module ``modules[name]`` (full dotted path), kept in ``namespace``
    (the package's ``globals()``) so it is imported once."""
    module = modules.get(name)
    if module is None:
        raise AttributeError(f"module {package!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    namespace[name] = value
    return value
