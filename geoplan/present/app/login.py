"""The app's login gate (Streamlit side of :mod:`geoplan.present.app.auth`).

:func:`require_user` runs first in every rerun, before any page: it returns the
session's :class:`~geoplan.present.app.auth.User` or shows the login page and
stops the run, so no page (and no data) is reached without a role.
"""

from __future__ import annotations

import time

import streamlit as st

from geoplan.present.app import audit, auth

_USER = "_geoplan_user"


def settings() -> auth.AuthSettings:
    from geoplan.present.app import appdata
    return auth.AuthSettings.from_config(appdata.load_config_plain())


def current_user() -> auth.User:
    """The user of this session (set by :func:`require_user`; the local role outside a run)."""
    u = st.session_state.get(_USER) if _in_run() else None
    if isinstance(u, auth.User):
        return u
    s = settings()
    return auth.User(name="lokal bruker", role=s.local_role if s.mode == "ingen" else "innsyn",
                     how="lokal maskin")


def _in_run() -> bool:
    try:
        from streamlit.runtime.scriptrunner import get_script_run_ctx
        return get_script_run_ctx(suppress_warning=True) is not None
    except Exception:  # pragma: no cover - outside Streamlit
        return False


def resolve_user() -> auth.User | None:
    """The session's user without drawing anything; ``None``: the login page must be shown."""
    s = settings()
    if s.mode == "ingen":
        address = st.get_option("server.address")
        if address and address not in auth.LOCAL_ADDRESSES:
            return None
        return _remember(auth.User(name="lokal bruker", role=s.local_role, how="lokal maskin"))
    if s.mode == "oidc":
        info = st.user
        if info.get("is_logged_in", False):
            claims = info.to_dict()
            role = auth.role_from_claims(claims, s)
            if role is None:
                return None  # signed in, but no role: the login page says so
            return _remember(auth.User(name=_display_name(claims), role=role, how="OpenID Connect"))
    else:
        u = st.session_state.get(_USER)
        if isinstance(u, auth.User) and u.how == "brukerfil":
            return u
    if s.anonymous_role and st.session_state.get("_geoplan_anonymous"):
        return _remember(auth.User(name="anonym", role=s.anonymous_role, how="anonym"))
    return None


def _display_name(claims) -> str:
    return str(claims.get("email") or claims.get("preferred_username") or claims.get("name")
               or claims.get("sub") or "ukjent")


def _remember(user: auth.User) -> auth.User:
    old = st.session_state.get(_USER)
    if old != user:
        st.session_state[_USER] = user
        if user.how not in ("lokal maskin", "anonym"):
            audit.log(user, "innlogging", metode=user.how)
    return user


def login_page() -> None:
    """The only page a session without a role gets (run through ``st.navigation``)."""
    s = settings()
    if s.mode == "ingen":
        _login_page("Appen er satt opp uten innlogging og kan bare brukes på maskinen den kjører på. "
                    "Administrator må sette opp innlogging i config/auth.toml.")
    elif s.mode == "oidc":
        _oidc_page()
    else:
        _local_page(s)


def _oidc_page() -> None:
    info = st.user
    if info.get("is_logged_in", False):
        name = _display_name(info.to_dict())
        _login_page(f"Du er logget inn som {name}, men har ingen rolle i geoplan. Be administrator om "
                    "tilgang (gruppene og rollene står i config/auth.toml).")
        if st.button("Logg ut", key="logout_norole"):
            st.logout()
        return
    _login_page("Logg inn med kommunens brukerkonto for å bruke geoplan.")
    if st.button("Logg inn", type="primary", key="login_oidc"):
        st.login()
    if settings().anonymous_role and st.button("Fortsett uten å logge inn (offentlige tall)"):
        st.session_state["_geoplan_anonymous"] = True
        st.rerun()


def _local_page(s: auth.AuthSettings) -> None:
    _login_page("Logg inn med brukernavnet og passordet du har fått av administrator.")
    with st.form("login_form"):
        name = st.text_input("Brukernavn", key="login_name")
        password = st.text_input("Passord", type="password", key="login_password")
        sent = st.form_submit_button("Logg inn", type="primary")
    if sent:
        user = auth.authenticate_local(name, password, s)
        if user is None:
            time.sleep(1.0)  # slows guessing
            audit.log(auth.User(name=name.strip()[:64] or "?", role="", how="brukerfil"),
                      "innlogging avvist")
            st.error("Feil brukernavn eller passord.")
        else:
            _remember(user)
            st.rerun()
    if s.anonymous_role and st.button("Fortsett uten å logge inn (offentlige tall)"):
        st.session_state["_geoplan_anonymous"] = True
        st.rerun()


def _login_page(message: str) -> None:
    st.title("geoplan")
    st.subheader("Arealplanlegging og boligsosial analyse")
    st.info(message, icon=":material/lock:")


def sidebar(user: auth.User) -> None:
    """Who is signed in, with which role, and a way out."""
    with st.sidebar:
        if user.how == "lokal maskin":
            st.caption(f"**Bruker:** denne maskinen ({auth.ROLE_LABELS[user.role]})")
            return
        if user.how == "anonym":
            st.caption("**Ikke innlogget:** du ser offentlige tall.")
            if st.button("Logg inn", key="login_from_anonymous"):
                st.session_state.pop("_geoplan_anonymous", None)
                st.session_state.pop(_USER, None)
                st.rerun()
            return
        st.caption(f"**Innlogget:** {user.name} · rolle {auth.ROLE_LABELS.get(user.role, user.role)}")
        if st.button("Logg ut", key="logout"):
            audit.log(user, "utlogging")
            st.session_state.pop(_USER, None)
            st.session_state.pop("_geoplan_anonymous", None)
            if user.how == "OpenID Connect":
                st.logout()
            st.rerun()
