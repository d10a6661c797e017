"""Database addresses: which strings are a PostgreSQL DATA, and how to connect.

DATA may be

* a libpq URI, ``postgresql://user@host:5432/db`` (``postgres://`` too), with an
  optional ``?schema=NAME`` choosing the schema (the municipality or plan version);
* a service from ``pg_service.conf``: ``pg:NAME`` or ``service=NAME``
  (``pg:NAME?schema=kpa2027``).

Passwords are never printed: :func:`describe` gives the address with any password
replaced, for messages and for the ``kilde`` of a dataset.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from geoplan.errors import UnreadableInput

DEFAULT_SCHEMA = "geoplan"

#: schema and table names geoplan creates: plain lower-case identifiers only, so
#: they need no quoting in QGIS or psql and cannot smuggle SQL
IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def is_database(data: Any) -> bool:
    """True when DATA names a PostgreSQL database rather than a file."""
    if not isinstance(data, str):
        return False
    s = data.strip()
    return s.startswith(("postgresql://", "postgres://", "pg:", "service="))


@dataclass(frozen=True)
class Address:
    """A parsed database address: the libpq connection string and the schema."""

    conninfo: str
    schema: str
    label: str

    def with_schema(self, schema: str | None) -> Address:
        if not schema:
            return self
        return Address(self.conninfo, check_identifier(schema, "--schema"), self.label)


def check_identifier(name: str, what: str) -> str:
    """``name`` as a schema/table identifier, or a Norwegian error naming ``what``."""
    if not IDENTIFIER.match(name or ""):
        raise UnreadableInput(
            f"{what} «{name}» kan ikke brukes som navn i databasen. Bruk små bokstaver a–z, "
            "sifre og understrek (høyst 63 tegn), og begynn med en bokstav, f.eks. «larvik_kpa».")
    return name


def parse(data: str, schema: str | None = None) -> Address:
    """Split DATA into a libpq connection string and a schema (``schema`` overrides)."""
    s = data.strip()
    if s.startswith("pg:") or s.startswith("service="):
        body = s[3:] if s.startswith("pg:") else s[len("service="):]
        name, _, query = body.partition("?")
        params = dict(parse_qsl(query))
        if not name:
            raise UnreadableInput(
                f"«{data}» mangler tjenestenavnet. Skriv pg:NAVN, der NAVN er en tjeneste i "
                "pg_service.conf, eller en adresse som postgresql://bruker@vert/database.")
        sch = schema or params.pop("schema", None) or DEFAULT_SCHEMA
        conninfo = f"service={name}"
        return Address(conninfo, check_identifier(sch, "Skjemaet"), f"pg:{name} (skjema {sch})")
    parts = urlsplit(s)
    params = dict(parse_qsl(parts.query))
    sch = schema or params.pop("schema", None) or DEFAULT_SCHEMA
    conninfo = urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(params), ""))
    return Address(conninfo, check_identifier(sch, "Skjemaet"), f"{describe(s)} (skjema {sch})")


def describe(uri: str) -> str:
    """The address without its password and query, for messages."""
    parts = urlsplit(uri)
    netloc = parts.netloc
    if "@" in netloc:
        user, _, host = netloc.rpartition("@")
        user = user.split(":", 1)[0]
        netloc = f"{user}@{host}"
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def connect(address: Address, *, autocommit: bool = False):
    """A psycopg connection; connection failures become Norwegian messages."""
    import psycopg

    try:
        return psycopg.connect(address.conninfo, autocommit=autocommit, connect_timeout=10,
                               application_name="geoplan")
    except psycopg.OperationalError as e:
        raise UnreadableInput(_connection_message(address, str(e))) from None
    except psycopg.ProgrammingError as e:  # a malformed conninfo
        raise UnreadableInput(
            f"Databaseadressen {address.label} kan ikke tolkes ({_first_line(e)}). "
            "Skriv den som postgresql://bruker@vert:5432/database eller pg:TJENESTE.") from None


def _first_line(e: Exception) -> str:
    return str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__


def _connection_message(address: Address, raw: str) -> str:
    low = raw.lower()
    if "password authentication failed" in low or "no password supplied" in low:
        why = ("innloggingen ble avvist. Kontroller brukernavn og passord (passordet hører "
               "hjemme i ~/.pgpass eller pg_service.conf, ikke i kommandolinjen)")
    elif "does not exist" in low and "database" in low:
        why = "databasen finnes ikke. Be databaseansvarlig opprette den, eller rett navnet"
    elif "definition of service" in low or "service file" in low:
        why = ("tjenesten finnes ikke i pg_service.conf (se PGSERVICEFILE eller "
               "~/.pg_service.conf)")
    elif "timeout" in low:
        why = "tjeneren svarte ikke innen 10 sekunder. Kontroller vertsnavn, port og brannmur"
    else:
        why = ("fikk ikke kontakt med tjeneren. Kontroller at PostgreSQL kjører, og at vert og "
               "port er riktige")
    return f"Kan ikke koble til databasen {address.label}: {why}."
