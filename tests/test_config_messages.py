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
