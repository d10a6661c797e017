"""Configuration and user files a person edits by hand: what is wrong, in Norwegian
(tomllib's and Python's own words are English)."""

from __future__ import annotations

import pytest

from geoplan.errors import ConfigError

ENGLISH = ("Expected", "Invalid", "line", "column", "KeyError", "could not convert",
           "Permission denied", "No such file")


def test_a_broken_users_file_is_refused_with_line_and_column(tmp_path):
    from geoplan.present.app.auth import read_users

    p = tmp_path / "brukere.toml"
    p.write_text('[kari]\nrole = "gis"\npassword "hash"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        read_users(p)
    msg = e.value.message
    assert "brukere.toml, linje 3" in msg and "geoplan users add" in msg, msg
    assert not any(w in msg for w in ENGLISH), msg
    p.write_bytes(b'[kari]\nrole = "gis \xe6"\n')            # Latin-1, not UTF-8
    with pytest.raises(ConfigError, match="ikke UTF-8"):
        read_users(p)


def test_an_incomplete_product_names_the_missing_key(tmp_path):
    import re
    import shutil

    from geoplan.config import DEFAULT_CONFIG_DIR, load_config
    from geoplan.config.products import ProductSettings

    d = tmp_path / "config"
    shutil.copytree(DEFAULT_CONFIG_DIR, d)
    f = d / "products.toml"
    f.write_text(re.sub(r"(?m)^layer\s*=.*\n", "", f.read_text(encoding="utf-8"), count=1),
                 encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        ProductSettings.from_config(load_config(d))
    msg = e.value.message
    assert "Produkt nr. 1" in msg and "(mangler «layer»)" in msg, msg
    assert not any(w in msg for w in ENGLISH), msg


def test_too_large_shares_keep_the_key_path_and_the_place_names():
    """Only the numbers get decimal commas: «reserves.steder.*.andel» and «St. Olav»
    are written as they are (a whole-message replace of «.» once turned the path
    into «reserves,steder,*,andel»)."""
    from geoplan.config.reserves import check_share_sum
    with pytest.raises(ConfigError) as e:
        check_share_sum({"a": {"navn": "St. Olav", "andel": 0.705},
                         "b": {"navn": "Nes", "andel": 0.4}})
    msg = e.value.message
    assert "reserves.steder.*.andel" in msg
    assert "St. Olav 70,5 %" in msg and "Nes 40,0 %" in msg
    assert "110,5 %" in msg


def test_cli_help_writes_defaults_and_examples_with_decimal_commas(capsys):
    """The growth flags' help shows the shipped defaults Norwegian-style."""
    import re

    from geoplan.present.cli.main import main
    for cmd in ("arealbehov", "reserves", "report"):
        with pytest.raises(SystemExit):
            main([cmd, "--help"])
        out = capsys.readouterr().out
        start = out.index("  --rate ANDEL")
        help_of_rate = out[start:out.index("  --share ANDEL", start)]
        assert not re.search(r"\d\.\d", help_of_rate), help_of_rate
        assert "0,015" in help_of_rate


def test_config_values_are_shown_as_written_in_the_toml_file(tmp_path):
    """A wrong value is quoted the way the file writes it (``true``, ``"tekst"``,
    ``[1.5, 2]``), not as Python's ``True`` or ``'tekst'``."""
    from geoplan.config.schema import toml_literal
    assert toml_literal(True) == "true" and toml_literal("to") == '"to"'
    assert toml_literal([1.5, 2, "a"]) == '[1.5, 2, "a"]'
    assert toml_literal({"a": False}) == "{ a = false }"
    from geoplan.config import load_config
    with pytest.raises(ConfigError) as e:
        load_config(overrides={"schools.radius_m": "true"})
    assert "True" not in e.value.message, e.value.message
