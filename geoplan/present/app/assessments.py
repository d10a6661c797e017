"""Saved site assessments: who, when, the site, the parameters and the result; reopenable.

Where the app's data come from PostGIS, assessments are kept in the table
``<schema>_app.tomtevurderinger`` of the same database (the site as geometry,
so QGIS can show them); otherwise in a JSON-lines file beside the audit log.
Every save is also written to the audit log.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import shapely

TABLE = "tomtevurderinger"


def _record(user, site: dict, params: dict, result: dict) -> dict:
    return {"id": uuid.uuid4().hex[:12], "tid": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "bruker": user.name, "rolle": user.role, "navn": site.get("navn"), "kilde": site.get("kilde"),
            "wkt": shapely.to_wkt(shapely.from_wkb(site["wkb"]), rounding_precision=2),
            "parametre": params, "samlet": result.get("samlet"), "resultat": result}


class FileStore:
    """JSON lines, one assessment per line, appended."""

    def __init__(self, path: Path):
        self.path = path

    def save(self, rec: dict) -> None:
        import os
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, (json.dumps(rec, ensure_ascii=False, default=str) + "\n").encode("utf-8"))
        finally:
            os.close(fd)

    def list(self, limit: int = 50) -> list[dict]:
        if not self.path.exists():
            return []
        out = []
        for line in self.path.read_text(encoding="utf-8").splitlines():
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                continue  # a line cut by a crash: the others stay usable
        return out[::-1][:limit]


class DatabaseStore:
    """A table in ``<schema>_app`` of the app's PostGIS database."""

    def __init__(self, data: str, epsg: int):
        from geoplan.io.postgis.connect import parse
        base = parse(data)
        self.address = base.with_schema(f"{base.schema}_app"[:63])
        self.epsg = epsg

    def _ensure(self, cur) -> None:
        from psycopg import sql
        cur.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(self.address.schema)))
        cur.execute(sql.SQL(
            "CREATE TABLE IF NOT EXISTS {} (id text PRIMARY KEY, tid timestamptz NOT NULL, bruker text NOT NULL, "
            "rolle text, navn text, kilde text, samlet text, parametre jsonb, resultat jsonb, "
            "geom geometry(Geometry, {}))").format(sql.Identifier(self.address.schema, TABLE),
                                                   sql.Literal(self.epsg)))

    def save(self, rec: dict) -> None:
        from psycopg import sql

        from geoplan.io.postgis.connect import connect
        with connect(self.address) as conn, conn.transaction(), conn.cursor() as cur:
            self._ensure(cur)
            cur.execute(sql.SQL("INSERT INTO {} VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, "
                                "ST_GeomFromText(%s, %s))").format(sql.Identifier(self.address.schema, TABLE)),
                        (rec["id"], rec["tid"], rec["bruker"], rec["rolle"], rec["navn"], rec["kilde"],
                         rec["samlet"], json.dumps(rec["parametre"], default=str),
                         json.dumps(rec["resultat"], ensure_ascii=False, default=str), rec["wkt"], self.epsg))

    def list(self, limit: int = 50) -> list[dict]:
        from psycopg import sql

        from geoplan.io.postgis.connect import connect
        with connect(self.address) as conn, conn.transaction(), conn.cursor() as cur:
            self._ensure(cur)
            cur.execute(sql.SQL("SELECT id, tid, bruker, rolle, navn, kilde, samlet, parametre, resultat, "
                                "ST_AsText(geom) FROM {} ORDER BY tid DESC LIMIT %s").format(
                sql.Identifier(self.address.schema, TABLE)), (limit,))
            keys = ["id", "tid", "bruker", "rolle", "navn", "kilde", "samlet", "parametre", "resultat", "wkt"]
            return [dict(zip(keys, row)) for row in cur.fetchall()]


def store(data: str | None, epsg: int | None):
    """The store for the app's DATA: the database's, or the file beside the audit log."""
    from geoplan.io.postgis.connect import is_database
    from geoplan.present.app import login
    if data and is_database(data):
        return DatabaseStore(data, int(epsg or 0))
    return FileStore(login.settings().audit_file.with_name("tomtevurderinger.jsonl"))


def save(user, site: dict, params: dict, result: dict, *, data: str | None, epsg: int | None) -> dict:
    """Keep one assessment; returns the saved record."""
    from geoplan.present.app import audit
    rec = _record(user, site, params, result)
    store(data, epsg).save(rec)
    audit.log(user, "tomtevurdering lagret", id=rec["id"], tomt=rec["navn"], samlet=rec["samlet"])
    return rec


def recent(data: str | None, epsg: int | None, limit: int = 50) -> list[dict[str, Any]]:
    return store(data, epsg).list(limit)
