"""One reader of Norwegian numbers (geoplan.numbers), and every reader of typed or
tabular numbers agreeing with it: the app's decimal fields, ``--set`` values, SSB's
tables, grunnkrets counts and the text columns of a layer."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import Point

from geoplan.numbers import fixed, read_count, read_number, short_number

#: text -> the number it is (None: not a number), worked out by hand
CASES = {
    "12": 12.0, "12,5": 12.5, "12.5": 12.5, "-3": -3.0, "\u22123,5": -3.5, "+4": 4.0,
    "1 234": 1234.0, "1\u00a0234,5": 1234.5, "1\u202f234": 1234.0, " 7 ": 7.0,
    ",5": 0.5, "5,": 5.0, "1e3": 1000.0, "2,5E-1": 0.25,
    "": None, "   ": None, "abc": None, "12 kr": None, "1.234,5": None, "1,234.5": None,
    "1_000": None, "nan": None, "inf": None, "-Infinity": None, "1,2,3": None,
    "\u0661\u0662": None, "0x10": None, "1e999": None, "True": None,
}


@pytest.mark.parametrize("text", list(CASES))
def test_read_number_by_hand(text):
    assert read_number(text) == CASES[text]


def test_numbers_pass_and_bools_do_not():
    assert read_number(3) == 3.0 and read_number(2.5) == 2.5 and read_number(np.int64(4)) == 4.0
    assert read_number(np.float32(0.5)) == 0.5
    for v in (True, False, np.bool_(True), None, math.nan, math.inf, np.float64("nan")):
        assert read_number(v) is None, v


def test_read_count_marks_ssb_symbols_as_missing():
    for m in ("..", ".", ":", "-", "…", "x", "", " .. "):
        assert math.isnan(read_count(m)), m
    assert read_count("1 234") == 1234.0 and math.isnan(read_count("1_000"))


@pytest.mark.parametrize("text", list(CASES))
def test_every_reader_agrees(text):
    """The app's field, SSB's cells, grunnkrets counts and ``--set`` read the same
    numbers and refuse the same texts."""
    from geoplan.analysis.population.ages import _count
    from geoplan.config import default_config
    from geoplan.errors import ConfigError
    from geoplan.io.ssb import _number
    from geoplan.present.app.views.ui import parse_decimal

    want = CASES[text]
    assert parse_decimal(text) == want
    for got in (_number(text), _count(text)):
        assert (math.isnan(got) if want is None else got == want), (text, got)
    cfg = default_config()
    if want is None or want <= 0:
        with pytest.raises(ConfigError):
            cfg.with_overrides({"schools.radius_m": text})
    else:
        assert cfg.with_overrides({"schools.radius_m": text}).get("schools.radius_m") == want


def test_a_layer_s_text_column_reads_norwegian_numbers():
    """A CSV or a spreadsheet gives text: «1 234» and «2,5» are numbers there too;
    «mange», «1_000» and «True» are rejected and named, the rest of the layer kept."""
    from geoplan.io.dataset import Dataset

    pts = [Point(560_000 + 10 * i, 6_540_000) for i in range(6)]
    stops = gpd.GeoDataFrame({"navn": list("abcdef"),
                              "avganger_per_time": ["1 234", "2,5", "4", "mange", "1_000", "True"]},
                             geometry=pts, crs="EPSG:25832")
    ds = Dataset.from_frames({"holdeplass": stops})
    got = ds["holdeplass"].set_index("navn")["avganger_per_time"]
    assert got["a"] == 1234.0 and got["b"] == 2.5 and got["c"] == 4.0
    assert sorted(got.index) == ["a", "b", "c"]          # the others rejected, and named
    msg = " ".join(ds.reports["holdeplass"].messages)
    assert "avganger_per_time" in msg and "3 objekt" in msg


@pytest.mark.parametrize("argv, says", [
    (["concentration", "--radius", "inf"], "«inf» er ikke et tall"),
    (["schools", "--radius", "0"], "«0» må være større enn 0"),
    (["arealbehov", "--rate", "nan"], "«nan» er ikke et tall"),
    (["arealbehov", "--base-population", "1_000"], "«1_000» er ikke et tall"),
    (["arealbehov", "--persons-per-dwelling", "inf"], "«inf» er ikke et tall"),
    (["befolkning", "--year", "20x0"], "«20x0» er ikke et årstall"),
])
def test_cli_options_refuse_what_is_no_number_by_name(argv, says, capsys):
    """Every number option reads by :func:`read_number`: «inf», «nan» and «1_000» are
    refused before any work, naming the option and the value (``concentration
    --radius inf`` once ended in «en uventet feil (ValueError ...)»)."""
    from geoplan.present.cli.main import main
    try:
        code = main(argv)
    except SystemExit as e:        # argparse's refusal
        code = e.code
    err = capsys.readouterr().err
    assert code == 2 and says in err and argv[1] in err, err
    assert "Error" not in err and "uventet" not in err


def test_cli_options_read_norwegian_numbers():
    from geoplan.present.cli import arealbehov, common
    assert common.number_arg("1 500") == 1500.0 and common.positive_arg("2,5") == 2.5
    assert common.year_arg("2040") == 2040
    assert arealbehov._fraction("1,5%") == pytest.approx(0.015)
    assert arealbehov._fraction("0,015") == 0.015


#: (value, decimals) -> as written, by hand: decimal comma, no-break thousands, no «-0»
FIXED = {(1499.04, 1): "1\u00a0499,0", (0.0, 2): "0,00", (-0.04, 1): "0,0",
         (-1234567.891, 2): "-1\u00a0234\u00a0567,89", (999.95, 1): "1\u00a0000,0",
         (42, 0): "42", (2.5, 0): "2", (12345, -1): "12\u00a0345"}


@pytest.mark.parametrize("case", list(FIXED))
def test_fixed_by_hand(case):
    assert fixed(*case) == FIXED[case]


def test_fixed_reads_back():
    for v in (0.5, 12.25, 1234.5, -98765.4321):
        for d in (0, 1, 3):
            assert read_number(fixed(v, d)) == pytest.approx(round(v, d))


def test_short_number_by_hand():
    assert [short_number(v) for v in (0.015, 3.0, 7.5, 1200, -0.5)] == ["0,015", "3", "7,5", "1200",
                                                                       "-0,5"]
    assert short_number(43200) == "43\u00a0200" and short_number(1234567) == "1\u00a0234\u00a0567"
    assert short_number(0.33299999999999996) == "0,333" and short_number(2014) == "2014"
    assert short_number(-12345.25) == "-12\u00a0345,25"
    assert "e" not in short_number(987654321012) and short_number(-0.0) == "0"
