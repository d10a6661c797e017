"""Hostile files, property-based input tests and bounded fuzzing (issue 13).

Every file under tests/data/hostile/ (and every crash the fuzzer kept in
``fuzz/``) goes through ``geoplan check``: exit 0, 1 or 2, a Norwegian message,
never «uventet feil», a traceback or a server temporary path.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geoplan.config import load_config, parse_set_options
from geoplan.errors import ConfigError, GeoplanError, UnreadableInput
from geoplan.io.sites import parse_xy
from geoplan.present.cli.main import main
from tests.fuzz.harness import fuzz_reader, gml_reader, sosi_message_names_the_line, sosi_reader

HOSTILE = Path(__file__).parent / "data" / "hostile"
CASES = sorted(p for p in [*HOSTILE.iterdir(), *(HOSTILE / "fuzz").glob("*")]
               if p.name not in ("make_corpus.py", "fuzz", "__pycache__"))
#: layer names of corpus files not named after their layer
LAYER = {"skole_": "skole", "kommunal_bolig_": "kommunal_bolig", "semi;": "skole"}
ENGLISH = ("No such file", "Error", "error:", "Traceback", "Exception", "failed", "invalid")


def _layer(p: Path) -> list[str]:
    for prefix, name in LAYER.items():
        if p.name.startswith(prefix):
            return ["--layer", name]
    return []


@pytest.mark.parametrize("path", CASES, ids=[p.name for p in CASES])
def test_hostile_file_gets_a_norwegian_answer(path, capsys):
    code = main(["check", str(path), *_layer(path)])
    out, err = capsys.readouterr()
    assert code in (0, 1, 2)
    assert "uventet feil" not in err and "Traceback" not in err
    assert tempfile.gettempdir() + "/geoplan-" not in out + err
    if code == 2:
        assert err.startswith("geoplan: ") and not any(w in err for w in ENGLISH), err


def test_corpus_holds_the_cases_of_the_issue():
    names = {p.name for p in CASES}
    for n in ("xxe.gml", "billion_laughs.gml", "traversal.zip", "zipbomb.zip", "bad_crc.zip",
              "truncated.gml", "latin1_shp", "skole_inf.geojson", "kommunal_bolig_inf.geojson",
              "semi;colon.geojson"):
        assert n in names


def test_semicolon_in_a_file_name_opens_that_file_only(tmp_path, capsys):
    import shutil
    shutil.copy(HOSTILE / "semi;colon.geojson", tmp_path / "semi;colon.geojson")
    (tmp_path / "semi").write_text("{}", encoding="utf-8")    # what a split name would open
    main(["check", str(tmp_path / "semi;colon.geojson"), "--layer", "skole", "--json"])
    assert '"navn"' not in capsys.readouterr().err


# -- property-based ------------------------------------------------------------

finite = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12)


@given(finite, finite, st.sampled_from([",", ", ", ";", " ", "  ,  "]))
def test_parse_xy_reads_every_pair_of_finite_numbers(x, y, sep):
    assert parse_xy(f"{x!r}{sep}{y!r}") == (x, y)


@given(st.text(max_size=40))
def test_parse_xy_never_crashes(text):
    try:
        x, y = parse_xy(text)
    except UnreadableInput as e:
        assert "koordinater" in e.message
    else:
        assert all(map(lambda v: v == v and abs(v) != float("inf"), (x, y)))


KEYS = [p.key for p in load_config().params()]


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.sampled_from(KEYS), st.one_of(
    st.text(max_size=12), st.sampled_from(["inf", "-inf", "nan", "-1", "99999", "1e308",
                                           "9223372036854775807", "[1,2]", "[]", "ja", ""]),
    finite.map(repr), st.integers(-10**20, 10**20).map(str)))
def test_set_either_applies_a_schema_valid_value_or_says_why(key, value):
    from geoplan.config import _schema_node, schema
    try:
        cfg = load_config(None, parse_set_options([f"{key}={value}"]))
    except ConfigError as e:
        assert key in e.message
        return
    node = _schema_node(key)
    assert node is None or schema.check_value(cfg.get(key), node, key) is None


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.text(min_size=1, max_size=8), st.one_of(
    st.integers(), finite, st.text(max_size=5), st.booleans()), max_size=4))
def test_config_file_with_arbitrary_tables_is_accepted_only_when_valid(tmp_path_factory, table):
    d = tmp_path_factory.mktemp("cfg")
    import json
    body = "".join(f"[{json.dumps(k)}]\nvalue = {json.dumps(v)}\n" for k, v in table.items()
                   if not isinstance(v, bool)) + "".join(
        f"[{json.dumps(k)}]\nvalue = {'true' if v else 'false'}\n"
        for k, v in table.items() if isinstance(v, bool))
    (d / "schools.toml").write_text(body, encoding="utf-8")
    try:
        load_config(d)
    except ConfigError as e:
        assert "schools.toml" in e.message


# -- fuzzing -------------------------------------------------------------------

FUZZ_SECONDS = float(os.environ.get("GEOPLAN_FUZZ_SECONDS", "12"))


def test_mutation_fuzzing_of_the_gml_reader_finds_no_crash():
    seed = (Path(__file__).parent / "data" / "kpa_sosi.gml").read_bytes()
    seeds = [seed, *(p.read_bytes() for p in HOSTILE.glob("*.gml"))]
    stats = fuzz_reader(gml_reader, seeds, seconds=FUZZ_SECONDS, suffix=".gml",
                        crash_dir=HOSTILE / "fuzz", rng_seed=int(os.environ.get("GEOPLAN_FUZZ_SEED", 13)))
    print(f"fuzz gml: {stats.tried} distinct inputs, {stats.failures} failures, "
          f"{stats.accepted} read, {stats.refused} refused with a message")
    assert stats.tried > 20
    assert stats.failures == 0, stats.crashes[:5]


SOSI_FUZZ_SECONDS = float(os.environ.get("GEOPLAN_SOSI_FUZZ_SECONDS", "10"))
REAL = Path(__file__).parent / "data" / "real"


def test_mutation_fuzzing_of_the_sosi_reader_finds_no_crash():
    """Real SOSI files (three character sets, islands, arcs, a reguleringsplan) and the kept
    regression cases, mutated for ~10 s: every input is read or refused with a line number."""
    seeds = [p.read_bytes() for p in sorted(REAL.iterdir()) if p.suffix.lower() == ".sos"]
    seeds += [p.read_bytes() for p in sorted((HOSTILE / "fuzz").glob("*.sos"))]
    stats = fuzz_reader(sosi_reader, seeds, seconds=SOSI_FUZZ_SECONDS, suffix=".sos",
                        crash_dir=HOSTILE / "fuzz", accept=sosi_message_names_the_line,
                        rng_seed=int(os.environ.get("GEOPLAN_FUZZ_SEED", 13)))
    print(f"fuzz sosi: {stats.tried} distinct inputs, {stats.failures} failures, "
          f"{stats.accepted} read, {stats.refused} refused with a line number")
    assert stats.tried > 50
    assert stats.failures == 0, stats.crashes[:5]


def test_fuzz_harness_counts_a_crashing_reader():
    def bad(path):
        if path.read_bytes()[:1] == b"<":
            raise KeyError("boom")
        raise GeoplanError("avvist")
    stats = fuzz_reader(bad, [b"<a/>", b"x"], seconds=1, suffix=".gml", max_inputs=50)
    assert stats.failures > 0 and stats.refused > 0 and stats.tried == stats.failures + stats.refused
    # a refusal whose message the caller does not accept is a failure too
    stats = fuzz_reader(bad, [b"x"], seconds=1, suffix=".gml", max_inputs=20,
                        accept=lambda m: "linje" in m)
    assert stats.refused == 0 and stats.failures == stats.tried > 0
    assert stats.crashes[0][1].startswith("message not accepted: avvist")
