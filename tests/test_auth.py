"""Login modes, roles and local accounts: the rules, without a browser.

The browser half (a real OpenID Connect provider, what reaches each role's
page) is ``tests/test_login_browser.py``.
"""

from __future__ import annotations

import io
import json
import stat
from pathlib import Path

import pytest
import shapely
from streamlit.testing.v1 import AppTest

from geoplan.config import default_config, load_config
from geoplan.errors import ConfigError, UnreadableInput
from geoplan.present.app import assessments, audit, auth
from geoplan.present.cli.main import main

ROOT = Path(__file__).resolve().parents[1]


def _settings(**over) -> auth.AuthSettings:
    base = auth.AuthSettings.from_config(default_config())
    return auth.AuthSettings(**{**base.__dict__, **over})


def test_roles_are_ordered_and_each_capability_has_its_lowest_role():
    assert auth.has_capability("innsyn", "concentration_aggregate")
    assert not auth.has_capability("innsyn", "concentration_unsuppressed")
    assert not auth.has_capability("plan", "dwelling_points")
    assert auth.has_capability("bolig", "what_if") and not auth.has_capability("bolig", "addresses")
    assert all(auth.has_capability("admin", c) for c in auth.CAPABILITIES)
    assert not auth.has_capability("", "planning_layers") and not auth.has_capability("gjest", "planning_layers")


@pytest.mark.parametrize("claims, expected", [
    ({"groups": ["geoplan-plan", "geoplan-bolig"]}, "bolig"),      # the highest wins
    ({"groups": ["alle-ansatte"]}, None),                           # no mapped group, no default
    ({"groups": "geoplan-admin"}, "admin"),                         # a single string
    ({"groups": "geoplan-innsyn,geoplan-plan"}, "plan"),            # a comma list
    ({}, None),
])
def test_role_from_claims(claims, expected):
    assert auth.role_from_claims(claims, _settings()) == expected


def test_default_role_and_another_claim_name():
    s = _settings(default_role="innsyn", role_claim="roles")
    assert auth.role_from_claims({"groups": ["geoplan-admin"]}, s) == "innsyn"
    assert auth.role_from_claims({"roles": ["geoplan-admin"]}, s) == "admin"


def test_passwords_are_salted_scrypt_and_verified_in_constant_time():
    h1, h2 = auth.hash_password("korrekt hest batteri"), auth.hash_password("korrekt hest batteri")
    assert h1 != h2 and h1.startswith("scrypt$") and "korrekt" not in h1
    assert auth.verify_password("korrekt hest batteri", h1)
    assert not auth.verify_password("korrekt hest batteri!", h1)
    assert not auth.verify_password("x", "md5$abc") and not auth.verify_password("x", "")


def test_users_cli_writes_a_private_file_and_login_uses_it(tmp_path, monkeypatch, capsys):
    users = tmp_path / "brukere.toml"
    monkeypatch.setattr("sys.stdin", io.StringIO("et-langt-passord\n"))
    assert main(["users", "add", "kari", "--role", "bolig", "--password-stdin", "--file", str(users)]) == 0
    assert stat.S_IMODE(users.stat().st_mode) == 0o600
    assert "et-langt-passord" not in users.read_text()
    s = _settings(mode="lokal", users_file=users)
    assert auth.authenticate_local("kari", "et-langt-passord", s).role == "bolig"
    assert auth.authenticate_local("kari", "feil", s) is None
    assert auth.authenticate_local("ola", "et-langt-passord", s) is None
    monkeypatch.setattr("sys.stdin", io.StringIO("kort\n"))
    assert main(["users", "add", "per", "--role", "plan", "--password-stdin", "--file", str(users)]) == 2
    assert "minst 10 tegn" in capsys.readouterr().err
    assert main(["users", "remove", "kari", "--file", str(users)]) == 0
    assert auth.read_users(users) == {}
    assert main(["users", "remove", "kari", "--file", str(users)]) == 2
    # no terminal and no --password-stdin: said in Norwegian, nothing asked, nothing written
    monkeypatch.setattr("sys.stdin", io.StringIO("\n"))
    capsys.readouterr()
    assert main(["users", "add", "per", "--role", "plan", "--file", str(users)]) == 2
    out = capsys.readouterr()
    assert "--password-stdin" in out.err and "Warning" not in out.err + out.out, out
    assert auth.read_users(users) == {}


def test_serving_beyond_this_machine_needs_a_login_mode(capsys):
    assert main(["app", "--address", "0.0.0.0", "--no-warm"]) == 2
    err = capsys.readouterr().err
    assert "uten innlogging" in err and "config/auth.toml" in err and "Traceback" not in err
    auth.check_serving("10.0.0.5", _settings(mode="lokal"))  # allowed with a login mode
    with pytest.raises(UnreadableInput):
        auth.check_serving("10.0.0.5", _settings(mode="ingen"))
    with pytest.raises(SystemExit) as exc:  # refused by the option parser, in Norwegian
        main(["app", "--port", "-1", "--no-warm"])
    assert exc.value.code == 2 and "1 til 65535" in capsys.readouterr().err


def test_oidc_without_provider_settings_is_refused_with_what_to_do(tmp_path, monkeypatch, capsys):
    cfg = tmp_path / "config"
    cfg.mkdir()
    for p in (ROOT / "geoplan" / "config" / "defaults").glob("*.toml"):
        (cfg / p.name).write_text(p.read_text())
    (cfg / "auth.toml").write_text((cfg / "auth.toml").read_text().replace('value = "ingen"', 'value = "oidc"', 1))
    monkeypatch.setenv("GEOPLAN_CONFIG_DIR", str(cfg))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert main(["app", "--no-warm"]) == 2
    assert "secrets.toml" in capsys.readouterr().err


@pytest.mark.parametrize("key, value, message", [
    ("auth.mode", "alle", "ukjent"),
    ("auth.anonymous_role", "admin", "aldri se mer"),
    ("auth.local_role", "sjef", "ingen rolle"),
])
def test_bad_auth_settings_are_named(key, value, message):
    with pytest.raises(ConfigError, match=message):
        auth.AuthSettings.from_config(load_config(overrides={key: value}))


def test_the_session_cannot_change_its_own_login_settings():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    from geoplan.present.app import appdata
    with pytest.raises(ConfigError, match="auth.toml"):
        appdata.set_overrides({"auth.local_role": "admin"})


def test_audit_log_appends_json_lines(tmp_path):
    path = tmp_path / "logg" / "logg.jsonl"
    user = auth.User(name="kari@kommune.no", role="bolig", how="OpenID Connect")
    audit.log_to(path, user, "nedlasting", hva="tomterapport", format="pdf")
    audit.log_to(path, user, "tomtevurdering lagret", id="abc")
    lines = [json.loads(x) for x in path.read_text().splitlines()]
    assert [e["handling"] for e in lines] == ["nedlasting", "tomtevurdering lagret"]
    assert lines[0]["bruker"] == "kari@kommune.no" and lines[0]["rolle"] == "bolig" and lines[0]["tid"]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_saved_assessments_are_kept_in_a_file_and_reopened(tmp_path):
    store = assessments.FileStore(tmp_path / "v.jsonl")
    user = auth.User(name="kari", role="bolig", how="brukerfil")
    site = {"wkb": shapely.to_wkb(shapely.box(566000, 6550000, 566100, 6550100)), "navn": "Tomt A",
            "kilde": "tegnet"}
    for samlet in ("gul", "rod"):
        store.save(assessments._record(user, site, {"enheter": 4}, {"samlet": samlet, "kriterier": []}))
    with open(store.path, "a") as fh:
        fh.write('{"avbrutt": ')  # a line cut by a crash
    got = store.list()
    assert [r["samlet"] for r in got] == ["rod", "gul"]
    assert shapely.from_wkt(got[0]["wkt"]).area == pytest.approx(10_000)
    assert got[0]["bruker"] == "kari" and got[0]["parametre"] == {"enheter": 4}


@pytest.fixture()
def local_mode(tmp_path, monkeypatch):
    """A config folder with auth.mode = "lokal", one user per role, and the audit log in tmp."""
    import sys
    sys.path.insert(0, str(ROOT / "tests"))
    import geoplan_app_fixture as fx
    cfg = tmp_path / "config"
    cfg.mkdir()
    for p in (ROOT / "geoplan" / "config" / "defaults").glob("*.toml"):
        (cfg / p.name).write_text(p.read_text())
    users = tmp_path / "brukere.toml"
    auth.write_users(users, {r: {"role": r, "password": auth.hash_password(f"passord-{r}-123")}
                             for r in ("innsyn", "bolig")})
    text = (cfg / "auth.toml").read_text().replace('value = "ingen"', 'value = "lokal"', 1)
    text = text.replace('[users_file]\nvalue = ""', f'[users_file]\nvalue = "{users}"')
    text = text.replace('[audit_file]\nvalue = ""', f'[audit_file]\nvalue = "{tmp_path / "logg.jsonl"}"')
    (cfg / "auth.toml").write_text(text)
    monkeypatch.setenv("GEOPLAN_CONFIG_DIR", str(cfg))
    monkeypatch.setenv("GEOPLAN_APP_DATA", str(fx.write_gpkg(tmp_path / "testvik.gpkg")))
    return tmp_path


def _login(at, name, password):
    at.text_input(key="login_name").input(name)
    at.text_input(key="login_password").input(password)
    at.button[0].click()
    at.run()
    return at


def test_local_accounts_login_page_gate_and_roles(local_mode):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    assert not at.exception
    assert any("Logg inn med brukernavnet" in i.value for i in at.info)
    assert not at.metric  # no page ran behind the gate
    _login(at, "bolig", "feil-passord")
    assert any("Feil brukernavn eller passord" in e.value for e in at.error)
    _login(at, "innsyn", "passord-innsyn-123")
    assert not at.exception, [e.value for e in at.exception]
    captions = " ".join(c.value for c in at.caption)
    assert "Innlogget:** innsyn" in captions and "rolle innsyn" in captions
    at.switch_page("geoplan/present/app/views/konsentrasjon.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not [t for t in at.toggle if "prikking" in t.label.lower()]  # cannot switch suppression off
    assert any("forbeholdt boligkontoret" in i.value for i in at.info)
    log = [json.loads(x) for x in (local_mode / "logg.jsonl").read_text().splitlines()]
    assert [e["handling"] for e in log] == ["innlogging avvist", "innlogging"]
