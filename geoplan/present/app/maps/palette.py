"""The map's thematic colours, chosen to stay apart for colour-blind readers, and the check.

The overlay colours (transit, dwelling categories, hot spots, proposals, schools,
health services, development boundaries, quarries) come from the Okabe-Ito set and
Paul Tol's palettes. :func:`min_distance` simulates deuteranopia and protanopia
(Machado, Oliveira & Fernandes 2009, severity 1) and returns the smallest CIE76
ΔE between any two of them; the tests require at least :data:`MIN_DELTA_E`. The
zoning colours follow the plan-map conventions (SOSI/NPAD) and are not part of it.
"""

from __future__ import annotations

import itertools
from typing import Mapping

import numpy as np

#: thematic role -> colour (one colour per meaning on the map)
PALETTE: dict[str, str] = {
    "kollektiv": "#D55E00",          # transit axes and stops (vermillion)
    "varm_flekk": "#000000",         # hot-spot outline
    "utleie": "#0072B2",             # dwelling categories
    "omsorgsbolig": "#009E73",
    "housing_first": "#CC79A7",
    "flyktning": "#E69F00",
    "innspill": "#F0E442",           # land-use proposals
    "skole": "#56B4E9",
    "helsetjeneste": "#BBBBBB",
    "utviklingsgrense": "#882255",
    "steinbrudd": "#7A5230",
    "utenfor_sirkel": "#EE6677",     # school criterion: outside the circle where it applies
    "til_fots": "#CCDDAA",           # within walking distance of the school
    "for_langt_aa_gaa": "#332288",   # inside the circle, but too far to walk
}

#: the least CIE76 ΔE between two thematic colours, in normal, deuteranope and protanope vision
MIN_DELTA_E = 12.0

# Machado et al. (2009), severity 1.0, on linear RGB
_CVD = {
    "deuteranopi": np.array([[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                             [-0.011820, 0.042940, 0.968881]]),
    "protanopi": np.array([[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                           [-0.003882, -0.048116, 1.051998]]),
}


def _linear(hex_colour: str) -> np.ndarray:
    h = hex_colour.lstrip("#")
    c = np.array([int(h[i:i + 2], 16) for i in (0, 2, 4)]) / 255.0
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def _lab(lin: np.ndarray) -> np.ndarray:
    m = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
    xyz = m @ lin / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def simulate(hex_colour: str, vision: str | None) -> np.ndarray:
    """CIE Lab of ``hex_colour`` as seen with ``vision`` (None, ``deuteranopi``, ``protanopi``)."""
    lin = _linear(hex_colour)
    if vision:
        lin = np.clip(_CVD[vision] @ lin, 0.0, 1.0)
    return _lab(lin)


def delta_e(a: str, b: str, vision: str | None = None) -> float:
    """CIE76 colour difference of two hex colours under ``vision``."""
    return float(np.linalg.norm(simulate(a, vision) - simulate(b, vision)))


def min_distance(palette: Mapping[str, str] = PALETTE) -> tuple[float, str, str, str]:
    """``(ΔE, role, role, vision)`` of the closest pair of colours in any of the visions."""
    worst = (np.inf, "", "", "")
    for (n1, c1), (n2, c2) in itertools.combinations(palette.items(), 2):
        for vision in (None, "deuteranopi", "protanopi"):
            d = delta_e(c1, c2, vision)
            if d < worst[0]:
                worst = (d, n1, n2, vision or "normalt syn")
    return worst
