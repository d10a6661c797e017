"""Who is using the app, and what that role may see (``config/auth.toml``).

Three login modes:

``ingen``
    No login, for one person on her own machine: the app is served on 127.0.0.1
    only (``geoplan app`` refuses any other address in this mode) and the user
    has ``local_role``.
``oidc``
    The municipality's identity provider (Entra ID, ID-porten, Keycloak, …)
    through Streamlit's built-in OpenID Connect login (``st.login``; provider
    settings in ``.streamlit/secrets.toml`` as Streamlit documents). The role
    comes from the ID token's ``role_claim`` (groups or roles) through
    ``[role_map]``.
``lokal``
    Accounts in a file with scrypt-hashed passwords, edited by the administrator
    with ``geoplan users add|remove``.

The rule of the roles is enforced where data leave the server: the map layers
(:func:`geoplan.present.app.appdata.display_layers`), the pages a role gets
(:func:`pages_for`) and the controls on them (:func:`can`). A layer or column a
role may not see is never sent to its browser.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

from geoplan.errors import ConfigError, UnreadableInput

MODES = ("ingen", "oidc", "lokal")
#: lowest to highest
ROLES = ("innsyn", "plan", "bolig", "admin")
ROLE_LABELS = {"innsyn": "innsyn (offentlige tall)", "plan": "plan (arealplanlegging)",
               "bolig": "bolig (boligkontoret)", "admin": "administrator"}

#: what each capability needs (the lowest role that has it)
CAPABILITIES = {
    "planning_layers": "innsyn",
    "concentration_aggregate": "innsyn",
    "upload": "plan",
    "parameters": "plan",
    "concentration_unsuppressed": "plan",
    "dwelling_points": "bolig",
    "buildings": "bolig",
    "categories": "bolig",
    "what_if": "bolig",
    "assess_site": "bolig",
    "save_assessment": "bolig",
    "addresses": "admin",
    "save_to_database": "admin",
}

LOCAL_ADDRESSES = {"127.0.0.1", "localhost", "::1"}


@dataclass(frozen=True)
class User:
    """A signed-in (or local, or anonymous) user."""

    name: str
    role: str
    how: str  # "lokal maskin", "OpenID Connect", "brukerfil", "anonym"

    def can(self, capability: str) -> bool:
        return has_capability(self.role, capability)


def has_capability(role: str, capability: str) -> bool:
    need = CAPABILITIES[capability]
    return role in ROLES and ROLES.index(role) >= ROLES.index(need)


# ---------------------------------------------------------------------------
# Settings
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class AuthSettings:
    mode: str
    local_role: str
    anonymous_role: str
    default_role: str
    role_claim: str
    role_map: Mapping[str, str]
    users_file: Path
    audit_file: Path

    @classmethod
    def from_config(cls, cfg=None) -> AuthSettings:
        from geoplan.config import default_config
        cfg = cfg if cfg is not None else default_config()

        def get(name: str, default: Any = "") -> Any:
            key = f"auth.{name}"
            return cfg.get(key) if cfg.has(key) else default_config().get(key, default)

        mode = str(get("mode", "ingen")).strip().lower()
        if mode not in MODES:
            raise ConfigError(f"auth.mode «{mode}» er ukjent (config/auth.toml). Velg blant "
                              f"{', '.join(MODES)}.")
        roles = {k: str(get(k)).strip().lower() for k in ("local_role", "anonymous_role", "default_role")}
        for key, role in roles.items():
            if role and role not in ROLES:
                raise ConfigError(f"auth.{key} «{role}» er ingen rolle (config/auth.toml). Velg blant "
                                  f"{', '.join(ROLES)}, eller la feltet stå tomt.")
        if roles["anonymous_role"] not in ("", "innsyn"):
            raise ConfigError("auth.anonymous_role kan bare være tom eller «innsyn»: besøkende som ikke "
                              "har logget inn, skal aldri se mer enn en offentlig rapport.")
        raw_map = cfg.section("auth").get("role_map", {}) if cfg.has("auth") else {}
        role_map = {}
        for group, role in dict(raw_map).items():
            if str(role).lower() not in ROLES:
                raise ConfigError(f"[role_map] i config/auth.toml: gruppen «{group}» peker på «{role}», "
                                  f"som ikke er en rolle ({', '.join(ROLES)}).")
            role_map[str(group)] = str(role).lower()
        return cls(mode=mode, local_role=roles["local_role"] or "admin",
                   anonymous_role=roles["anonymous_role"], default_role=roles["default_role"],
                   role_claim=str(get("role_claim", "groups")) or "groups", role_map=role_map,
                   users_file=_path(get("users_file"), _xdg("XDG_CONFIG_HOME", ".config") / "brukere.toml"),
                   audit_file=_path(get("audit_file"), _xdg("XDG_STATE_HOME", ".local/state") / "logg.jsonl"))


def _xdg(var: str, fallback: str) -> Path:
    base = os.environ.get(var)
    return (Path(base) if base else Path.home() / fallback) / "geoplan"


def _path(value: Any, default: Path) -> Path:
    return Path(str(value)).expanduser() if value else default


# ---------------------------------------------------------------------------
# Roles from an identity provider's claims
# ---------------------------------------------------------------------------

def role_from_claims(claims: Mapping[str, Any], settings: AuthSettings) -> str | None:
    """The highest role the user's groups give, else ``default_role``, else ``None``."""
    raw = claims.get(settings.role_claim)
    groups: Iterable[Any]
    if raw is None:
        groups = []
    elif isinstance(raw, str):
        groups = [g.strip() for g in raw.replace(";", ",").split(",")] if "," in raw or ";" in raw else [raw]
    elif isinstance(raw, (list, tuple, set)):
        groups = raw
    else:
        groups = [raw]
    mapped = [settings.role_map[str(g)] for g in groups if str(g) in settings.role_map]
    if mapped:
        return max(mapped, key=ROLES.index)
    return settings.default_role or None


# ---------------------------------------------------------------------------
# Local accounts (scrypt hashes in a TOML file)
# ---------------------------------------------------------------------------

_SCRYPT = {"n": 2 ** 14, "r": 8, "p": 1}


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, dklen=32, **_SCRYPT)
    b64 = base64.b64encode
    return f"scrypt${_SCRYPT['n']}${_SCRYPT['r']}${_SCRYPT['p']}${b64(salt).decode()}${b64(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        kind, n, r, p, salt, digest = stored.split("$")
        if kind != "scrypt":
            return False
        got = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p),
                             dklen=len(base64.b64decode(digest)))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, base64.b64decode(digest))


def read_users(path: Path) -> dict[str, dict]:
    """``{username: {"role": ..., "password": hash}}``; a missing file is no users."""
    if not path.exists():
        return {}
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except UnicodeDecodeError:
        raise ConfigError(f"Brukerfilen {path} kan ikke leses: den er ikke UTF-8-tekst. Lag den "
                          "på nytt med «geoplan users add».") from None
    except tomllib.TOMLDecodeError as e:
        from geoplan.config import toml_error_no
        where, what = toml_error_no(e)
        raise ConfigError(f"Brukerfilen {path}{where} kan ikke leses: {what}. Rett den, eller lag "
                          "den på nytt med «geoplan users add».") from None
    except PermissionError:
        raise ConfigError(f"Brukerfilen {path} kan ikke åpnes: du har ikke lesetilgang til den.") from None
    except OSError:    # (the system's reason is English)
        raise ConfigError(f"Brukerfilen {path} kan ikke åpnes. Kontroller stien og tilgangene.") from None
    users = data.get("users", {})
    return {str(k): dict(v) for k, v in users.items() if isinstance(v, dict)}


def _toml_string(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_users(path: Path, users: Mapping[str, Mapping[str, str]]) -> None:
    """Write the user file atomically, readable by its owner only."""
    from geoplan.io.writers import write_text_atomic
    lines = ["# geoplan: lokale brukere (rediger med «geoplan users add|remove»).",
             "# Passordene er lagret som scrypt-hasher, aldri i klartekst.", ""]
    for name in sorted(users):
        u = users[name]
        lines += [f"[users.{_toml_string(name)}]", f"role = {_toml_string(u['role'])}",
                  f"password = {_toml_string(u['password'])}", ""]
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, "\n".join(lines))
    os.chmod(path, 0o600)


def check_username(name: str) -> str:
    name = name.strip()
    if not name or len(name) > 64 or any(c in name for c in "\"\\\n\r\t[]"):
        raise UnreadableInput(f"Brukernavnet «{name}» kan ikke brukes: 1–64 tegn, uten anførselstegn, "
                              "hakeparenteser eller linjeskift.")
    return name


def authenticate_local(username: str, password: str, settings: AuthSettings) -> User | None:
    users = read_users(settings.users_file)
    u = users.get(username.strip())
    if u is None:
        verify_password(password, hash_password("x"))  # the same time for unknown names
        return None
    if not verify_password(password, str(u.get("password", ""))):
        return None
    role = str(u.get("role", "")).lower()
    if role not in ROLES:
        return None
    return User(name=username.strip(), role=role, how="brukerfil")


# ---------------------------------------------------------------------------
# Serving
# ---------------------------------------------------------------------------

def check_serving(address: str | None, settings: AuthSettings) -> None:
    """Refuse to serve beyond this machine without a login mode."""
    if settings.mode != "ingen":
        return
    if address and address not in LOCAL_ADDRESSES:
        raise UnreadableInput(
            f"Appen kan ikke serveres på adressen {address} uten innlogging: da kan alle som når "
            "porten, se boligene til sårbare grupper. Sett opp innlogging i config/auth.toml "
            "(mode = «oidc» med kommunens identitetstjeneste, eller mode = «lokal» og brukere med "
            "«geoplan users add»), eller kjør uten --address for bare denne maskinen (127.0.0.1).")
