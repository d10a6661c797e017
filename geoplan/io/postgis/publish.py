"""Result tables written back for QGIS: beside the input tables, never over them, atomically.

Each table is built under a temporary name, indexed, and swapped in for the old
one inside one transaction, so QGIS and other readers see either the previous
result or the new one, never a half-written table. Every table carries a
``COMMENT`` (JSON) with the parameters it was computed with, the data version
of its input and the time; the schema's ``_geoplan_meta`` row ``publisert``
lists the tables of the last publication.
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from typing import Any, Mapping

from geoplan.errors import UnreadableInput
from geoplan.io.postgis.connect import Address, check_identifier, connect
from geoplan.io.postgis.store import META, _ensure_meta, create_table, sql


def result_schema(data_schema: str, requested: str | None) -> str:
    """Where results go: ``--til-skjema`` or ``<schema>_resultater``; never the input schema."""
    out = requested or f"{data_schema}_resultater"
    check_identifier(out, "Resultatskjemaet")
    if out == data_schema:
        raise UnreadableInput(
            f"Resultatene kan ikke skrives i skjemaet {data_schema}: det er inndataene. Velg et "
            f"annet skjema med --til-skjema (standard {data_schema}_resultater).")
    return out


def publish(address: Address, tables: Mapping[str, Any], *, epsg: int, stamp: Mapping[str, Any]) -> dict:
    """Write ``tables`` (name -> GeoDataFrame/DataFrame) into ``address.schema`` in one transaction."""
    S = sql()
    when = datetime.now(timezone.utc).isoformat(timespec="seconds")
    meta = {**stamp, "tidspunkt": when, "tabeller": {}}
    with connect(address) as conn:
        with conn.transaction(), conn.cursor() as cur:
            cur.execute(S.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(S.Identifier(address.schema)))
            _ensure_meta(cur, address.schema)
            cur.execute(S.SQL("SELECT 1 FROM {} WHERE nokkel = 'lasting'").format(
                S.Identifier(address.schema, META)))
            if cur.fetchone() is not None:
                raise UnreadableInput(
                    f"Skjemaet {address.schema} inneholder inndata, ikke bare geoplans resultater. "
                    "Velg et eget resultatskjema med --til-skjema.")
            for name, frame in tables.items():
                check_identifier(name, "Tabellnavnet")
                tmp = f"{name[:40]}__ny_{os.getpid()}"
                n = create_table(cur, address.schema, tmp, frame, epsg)
                cur.execute(S.SQL("DROP TABLE IF EXISTS {} CASCADE").format(S.Identifier(address.schema, name)))
                cur.execute(S.SQL("ALTER TABLE {} RENAME TO {}").format(
                    S.Identifier(address.schema, tmp), S.Identifier(name)))
                _rename_dependents(cur, address.schema, tmp, name)
                comment = json.dumps({**stamp, "tidspunkt": when, "rader": n}, ensure_ascii=False,
                                     default=str)
                cur.execute(S.SQL("COMMENT ON TABLE {} IS {}").format(
                    S.Identifier(address.schema, name), S.Literal(comment)))
                meta["tabeller"][name] = n
            cur.execute(S.SQL("INSERT INTO {} VALUES ('publisert', %s) ON CONFLICT (nokkel) DO UPDATE "
                              "SET verdi = EXCLUDED.verdi").format(S.Identifier(address.schema, META)),
                        (json.dumps(meta, ensure_ascii=False, default=str),))
    return meta


def _rename_dependents(cur, schema: str, tmp: str, name: str) -> None:
    """Indexes and the id sequence follow the table's final name (QGIS shows them)."""
    S = sql()
    cur.execute("SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = %s AND c.relkind IN ('i', 'S') AND c.relname LIKE %s",
                (schema, tmp.replace("_", r"\_") + "%"))
    for (rel,) in cur.fetchall():
        cur.execute(S.SQL("ALTER INDEX IF EXISTS {} RENAME TO {}").format(
            S.Identifier(schema, rel), S.Identifier(name + rel[len(tmp):])))
        cur.execute(S.SQL("ALTER SEQUENCE IF EXISTS {} RENAME TO {}").format(
            S.Identifier(schema, rel), S.Identifier(name + rel[len(tmp):])))
