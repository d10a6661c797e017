"""The one Norwegian formatter: the same value reads the same in the app, the CLI and the reports."""

from __future__ import annotations

import math
from datetime import date, datetime

import numpy as np
import pandas as pd
import pytest

from geoplan.present import text

NB = "\u00a0"


@pytest.mark.parametrize("value, decimals, expected", [
    (1499.04, 1, f"1{NB}499,0"),
    (1234567.891, 2, f"1{NB}234{NB}567,89"),
    (0.05, 1, "0,1"),           # Python's rounding of the binary value 0.05000000000000000277
    (-0.04, 1, "0,0"),          # no negative zero
    (-1250.0, 0, f"-1{NB}250"),
    (3, 0, "3"),
    (np.int64(1031), 0, f"1{NB}031"),
    (np.float32(2.5), 1, "2,5"),
])
def test_number(value, decimals, expected):
    assert text.number(value, decimals) == expected


@pytest.mark.parametrize("missing", [None, float("nan"), math.inf, -math.inf, np.nan, pd.NA, pd.NaT])
def test_missing_values_are_a_dash(missing):
    assert text.number(missing) == "–"
    assert text.percent(missing) == "–"
    assert text.daa(missing) == "–"
    assert text.is_missing(missing)


def test_booleans_and_text():
    assert text.number(True) == "ja" and text.number(False) == "nei"
    assert text.yes_no(np.bool_(True)) == "ja"
    assert text.number("Helgeroa") == "Helgeroa"
    assert not text.is_missing("") and not text.is_missing(False)


def test_units_shares_rates_and_distances():
    assert text.percent(19.047619) == "19,0 %"
    assert text.share(0.015) == "1,5 %"
    assert text.rate(0.006) == "0,6 %" and text.rate(0.015) == "1,5 %" and text.rate(0.0125) == "1,25 %"
    assert text.daa(1203.46) == f"1{NB}203,5 daa"
    assert text.metres(1500) == f"1{NB}500 m"
    assert text.metres(8_464_000) == f"8{NB}464,0 km"
    assert text.integer(1030.6) == f"1{NB}031"
    assert text.compact(3.0) == "3" and text.compact(0.15) == "0,15"


def test_dates_and_names():
    assert text.date_text(date(2026, 12, 1)) == "1.12.2026"
    assert text.datetime_text(datetime(2026, 3, 4, 9, 5)) == "4.3.2026 kl. 09:05"
    assert text.names(["Helgeroa"]) == "«Helgeroa»"
    assert text.names(["A", "B", "C"]) == "«A», «B» og «C»"


def test_parameter_values_read_as_typed():
    """The app's parameter table and the report's appendix write a value the same way:
    no Python dict or list syntax, no float noise, decimal commas, «;» between items."""
    assert text.param_value(True) == "ja" and text.param_value(43200) == "43\u00a0200"
    assert text.param_value(2014) == "2014" and text.param_value(0.006) == "0,006"
    assert text.param_value([0.006, 0.015]) == "0,006; 0,015"
    assert text.param_value({"11": [4.0, 2.0], "12": [3.5]}) == "11: 4; 2 · 12: 3,5"
    assert text.param_value("rekkefolge") == "rekkefolge"
    assert text.typed_value("0.33299999999999996") == "0,333"
    assert text.typed_value("Larvik") == "Larvik"
    from geoplan.present.report.sections.appendix import param_text
    assert param_text({"a": 1.5}) == "a: 1,5"
    assert param_text(20240101, "") == "20240101"           # a seed: an identifier
    assert param_text(43200, "personer") == "43\u00a0200"
    assert text.param_value(1 / 15) == "0,0666667"
