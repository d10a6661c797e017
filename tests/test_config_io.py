"""The configuration loader and atomic output."""

from __future__ import annotations

import pytest

from geoplan.config import load_config, parse_set_options
from geoplan.errors import ConfigError, UnreadableInput
from geoplan.io import atomic_path, write_text_atomic
from geoplan.present.cli.main import main


def _write(d, name, text):
    (d / f"{name}.toml").write_text(text, encoding="utf-8")


def test_parameters_have_value_unit_and_source(tmp_path):
    _write(tmp_path, "schools", '[radius_m]\nvalue = 1500\nunit = "m"\nlabel = "Radius"\n'
                                'source = "seed 004 l. 2467"\n')
    cfg = load_config(tmp_path)
    p = cfg.param("schools.radius_m")
    assert (p.value, p.unit, p.source, p.assumption) == (1500, "m", "seed 004 l. 2467", False)
    assert cfg.get("schools.radius_m") == 1500


def test_overrides_are_typed_and_marked(tmp_path):
    _write(tmp_path, "schools", '[radius_m]\nvalue = 1500\n[node_tolerance_m]\nvalue = 0.2\n'
                                '[node_crossings]\nvalue = true\n')
    cfg = load_config(tmp_path, parse_set_options(["schools.radius_m=1200",
                                                   "schools.node_tolerance_m=0,25",
                                                   "schools.node_crossings=nei"]))
    assert cfg.get("schools.radius_m") == 1200
    assert cfg.get("schools.node_tolerance_m") == pytest.approx(0.25)
    assert cfg.get("schools.node_crossings") is False
    assert "overstyrt" in cfg.param("schools.radius_m").source


def test_bad_override_and_unknown_key_give_norwegian_errors(tmp_path):
    _write(tmp_path, "schools", '[radius_m]\nvalue = 1500\n')
    with pytest.raises(ConfigError, match="Ugyldig verdi"):
        load_config(tmp_path, {"schools.radius_m": "langt"})
    with pytest.raises(ConfigError, match="finnes ikke"):
        load_config(tmp_path, {"schools.radien": "1"})
    with pytest.raises(ConfigError, match="seksjon.parameter=verdi"):
        parse_set_options(["radius"])


def test_broken_toml_names_the_file(tmp_path):
    _write(tmp_path, "feil", "[radius\nvalue = 1")
    with pytest.raises(ConfigError, match="feil.toml"):
        load_config(tmp_path)


def test_repository_config_loads_and_every_parameter_has_a_source():
    cfg = load_config()
    params = cfg.params()
    assert params, "config/ has no parameters"
    missing = [p.key for p in params if not p.source.strip()]
    assert not missing, f"parameters without a source: {missing}"


def test_atomic_write_leaves_no_partial_file(tmp_path):
    target = tmp_path / "rapport.html"
    target.write_text("gammel", encoding="utf-8")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("halv", encoding="utf-8")
            raise RuntimeError("brudd midt i skrivingen")
    assert target.read_text(encoding="utf-8") == "gammel"
    assert [p.name for p in tmp_path.iterdir()] == ["rapport.html"]
    write_text_atomic(target, "ny")
    assert target.read_text(encoding="utf-8") == "ny"


def test_atomic_write_to_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(UnreadableInput, match="finnes ikke"):
        write_text_atomic(tmp_path / "finnes_ikke" / "x.html", "x")


def test_cli_usage_error_is_norwegian_exit_2(capsys):
    with pytest.raises(SystemExit) as e:
        main(["check", "--ukjent-flagg"])
    assert e.value.code == 2
    assert "feil i kommandoen" in capsys.readouterr().err


@pytest.mark.parametrize("argv, expected", [
    (["schools", "--radius", "x"], "er ikke et tall"),
    (["assess"], "mangler: --site"),
    (["tull"], "ugyldig valg «tull»"),
    (["check", "--foo"], "ukjente argumenter: --foo"),
    (["reserves", "--s", "x=1"], "valget --s er tvetydig: det kan bety --set, --share, --sted"),
    (["reserves", "--json=ja"], "argumentet --json: tar ingen verdi (fikk «ja»)"),
    (["app", "--port"], "argumentet --port: trenger en verdi"),
])
def test_argparse_errors_are_norwegian(argv, expected, capsys):
    with pytest.raises(SystemExit) as e:
        main(argv)
    err = capsys.readouterr().err
    assert e.value.code == 2 and expected in err and "bruk:" in err


def test_every_argparse_message_of_this_python_is_translated():
    """Each message argparse can give a user (its gettext strings) comes out Norwegian:
    none is passed through in English."""
    from geoplan.present.cli.main import _translate_argparse
    english = [
        "argument --x: invalid float value: 'a'", "argument --x: invalid year_arg value: 'a'",
        "argument KOMMANDO: invalid choice: 'a' (choose from 'b', 'c')",
        "argument --x: expected one argument", "argument --x: expected at most one argument",
        "argument --x: expected at least one argument", "argument --x: expected 2 arguments",
        "argument --x: ignored explicit argument 'a'", "argument --x: not allowed with argument --y",
        "the following arguments are required: --out", "one of the arguments --a --b is required",
        "unrecognized arguments: --z", "ambiguous option: --s could match --set, --sted",
        "argument --f: can't open 'a.txt': [Errno 2] No such file or directory: 'a.txt'",
    ]
    words = ("invalid", "expected", "argument ", "ignored", "allowed", "required",
             "unrecognized", "ambiguous", "could match", "choose", "open", "No such")
    for msg in english:
        out = _translate_argparse(msg)
        assert not any(w in out for w in words), (msg, out)


def test_a_bug_is_reported_without_the_exceptions_english_words(monkeypatch, capsys):
    """The last line of defence names the error type for the bug report and says what
    to do; the exception's own (English) text is for GEOPLAN_DEBUG=1 only."""
    import geoplan.present.cli.arealbehov as ab

    def broken(_args):
        raise ValueError("could not convert string to float: 'x'")

    monkeypatch.delenv("GEOPLAN_DEBUG", raising=False)
    monkeypatch.setattr(ab, "run", broken)
    assert main(["arealbehov"]) == 2
    err = capsys.readouterr().err
    assert "feiltype ValueError" in err and "GEOPLAN_DEBUG=1" in err
    assert "could not convert" not in err and "Traceback" not in err
