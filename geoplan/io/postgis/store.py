"""PostGIS as geoplan's shared store: create a schema, load layers, read them, say what is there.

Layout of one schema (one municipality or plan version)::

    <schema>.<layer>          one table per data-contract layer, geometry column ``geom``
                              (typed, with the layer's EPSG code and a GiST index)
    <schema>._geoplan_raster  the GeoTIFFs (``terreng``, ``stoy``) as bytes
    <schema>._geoplan_meta    what was loaded: when, from where, by which geoplan, and a
                              content hash (the *data version* results are stamped with)

Every write happens in one transaction: a load that fails half-way (a bad
layer, a lost connection, Ctrl-C) leaves the schema as it was. PostgreSQL's DDL
is transactional, so this holds for created and dropped tables too.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from typing import Any, Callable, Iterable, Mapping

import numpy as np
import pandas as pd
import shapely

from geoplan.errors import UnreadableInput
from geoplan.io.postgis.connect import Address, check_identifier, connect

META = "_geoplan_meta"
RASTERS = "_geoplan_raster"
GEOM = "geom"

_PG_TYPES = [
    (pd.api.types.is_bool_dtype, "boolean"),
    (pd.api.types.is_integer_dtype, "bigint"),
    (pd.api.types.is_float_dtype, "double precision"),
    (pd.api.types.is_datetime64_any_dtype, "timestamptz"),
]


def sql():
    from psycopg import sql as _sql
    return _sql


def _pg_type(series: pd.Series) -> str:
    for test, name in _PG_TYPES:
        if test(series.dtype):
            return name
    return "text"


def geometry_type(geoms: np.ndarray) -> str:
    """The PostGIS type for a layer: multi-forms for areas and lines, so QGIS sees one type."""
    kinds = {shapely.get_type_id(g) for g in geoms if g is not None}
    if kinds <= {3, 6}:
        return "MultiPolygon"
    if kinds <= {1, 5}:
        return "MultiLineString"
    if kinds == {0}:
        return "Point"
    if kinds <= {0, 4}:
        return "MultiPoint"
    return "Geometry"


def _promote(geoms: np.ndarray, kind: str) -> np.ndarray:
    if kind == "MultiPolygon":
        single = shapely.get_type_id(geoms) == 3
    elif kind == "MultiLineString":
        single = shapely.get_type_id(geoms) == 1
    elif kind == "MultiPoint":
        single = shapely.get_type_id(geoms) == 0
    else:
        return geoms
    out = geoms.copy()
    if single.any():
        out[single] = [shapely.multipolygons([g]) if kind == "MultiPolygon" else
                       shapely.multilinestrings([g]) if kind == "MultiLineString" else
                       shapely.multipoints([g]) for g in geoms[single]]
    return out


def _column_name(c: str) -> str:
    """Attribute names as they come (ÆØÅ allowed, quoted); only the geometry name is reserved."""
    if c == GEOM:
        return "geom_attributt"
    return str(c)


def _cell(v: Any) -> Any:
    """A cell as COPY takes it: missing values (None, NaN, NA, NaT, ±inf) as NULL."""
    if isinstance(v, (list, tuple, dict, set)):
        return json.dumps(list(v) if isinstance(v, set) else v, ensure_ascii=False, default=str)
    if isinstance(v, np.generic):
        v = v.item()
    try:
        if v is None or pd.isna(v):
            return None
    except (TypeError, ValueError):
        return str(v)
    if isinstance(v, float) and not np.isfinite(v):
        return None
    if isinstance(v, pd.Timestamp):
        return v.to_pydatetime()
    return v


def create_table(cur, schema: str, table: str, gdf, epsg: int) -> int:
    """Create ``schema.table`` from a (Geo)DataFrame and COPY its rows in; returns the row count.

    A GeoDataFrame's geometry becomes the typed column ``geom`` with a GiST index;
    a plain DataFrame becomes a table without geometry.
    """
    S = sql()
    spatial = getattr(gdf, "_geometry_column_name", None) in gdf.columns
    attrs = [c for c in gdf.columns if not (spatial and c == gdf.geometry.name)]
    names = [_column_name(c) for c in attrs]
    cols = [S.SQL("{} {}").format(S.Identifier(n), S.SQL(_pg_type(gdf[c])))
            for c, n in zip(attrs, names)]
    wkb = None
    if spatial:
        geoms = np.asarray(gdf.geometry.values, dtype=object)
        kind = geometry_type(geoms)
        geoms = _promote(geoms, kind)
        cols.append(S.SQL("{} geometry({}, {})").format(S.Identifier(GEOM), S.SQL(kind),
                                                           S.Literal(int(epsg))))
        wkb = shapely.to_wkb(shapely.set_srid(geoms, int(epsg)), hex=True, include_srid=True)
        names = [*names, GEOM]
    ident = S.Identifier(schema, table)
    cur.execute(S.SQL("CREATE TABLE {} (fid bigserial PRIMARY KEY, {})").format(
        ident, S.SQL(", ").join(cols)))
    target = S.SQL("COPY {} ({}) FROM STDIN").format(
        ident, S.SQL(", ").join(S.Identifier(n) for n in names))
    values = [gdf[c].tolist() for c in attrs]
    with cur.copy(target) as copy:
        for i in range(len(gdf)):
            row = [_cell(col[i]) for col in values]
            copy.write_row(row + [wkb[i]] if wkb is not None else row)
    if spatial:
        cur.execute(S.SQL("CREATE INDEX ON {} USING gist ({})").format(ident, S.Identifier(GEOM)))
    return len(gdf)


def content_hash(layers: Mapping[str, Any], rasters: Mapping[str, bytes]) -> str:
    """A short hash of the data's content: equal data give equal versions wherever loaded."""
    h = hashlib.sha256()
    for name in sorted(layers):
        gdf = layers[name]
        h.update(name.encode())
        h.update(pd.util.hash_pandas_object(
            pd.DataFrame(gdf.drop(columns=gdf.geometry.name)).astype(str), index=False).values.tobytes())
        h.update(b"".join(shapely.to_wkb(np.asarray(gdf.geometry.values, dtype=object))))
    for name in sorted(rasters):
        h.update(name.encode())
        h.update(hashlib.sha256(rasters[name]).digest())
    return h.hexdigest()[:12]


def init(address: Address) -> list[str]:
    """Create the PostGIS extension (if allowed and missing) and the schema; returns what was done."""
    done = []
    with connect(address) as conn, conn.cursor() as cur:
        cur.execute("SELECT extversion FROM pg_extension WHERE extname = 'postgis'")
        if cur.fetchone() is None:
            _create_postgis(cur, address)
            done.append("opprettet utvidelsen PostGIS")
        cur.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (address.schema,))
        if cur.fetchone() is None:
            cur.execute(sql().SQL("CREATE SCHEMA {}").format(sql().Identifier(address.schema)))
            done.append(f"opprettet skjemaet {address.schema}")
        _ensure_meta(cur, address.schema)
    return done


def _create_postgis(cur, address: Address) -> None:
    import psycopg
    try:
        cur.execute("CREATE EXTENSION postgis")
    except psycopg.errors.InsufficientPrivilege:
        raise UnreadableInput(
            f"PostGIS er ikke installert i databasen {address.label}, og brukeren har ikke lov "
            "til å installere det. Be databaseansvarlig kjøre «CREATE EXTENSION postgis;».") from None
    except psycopg.errors.FeatureNotSupported:
        raise UnreadableInput(
            f"PostGIS finnes ikke på databasetjeneren for {address.label}. Installer pakken "
            "(Debian: postgresql-15-postgis-3) på tjeneren.") from None
    except psycopg.errors.UndefinedFile:
        raise UnreadableInput(
            f"PostGIS finnes ikke på databasetjeneren for {address.label}. Installer pakken "
            "(Debian: postgresql-15-postgis-3) på tjeneren.") from None


def _ensure_meta(cur, schema: str) -> None:
    S = sql()
    cur.execute(S.SQL("CREATE TABLE IF NOT EXISTS {} (nokkel text PRIMARY KEY, verdi jsonb NOT NULL)")
                .format(S.Identifier(schema, META)))
    cur.execute(S.SQL("CREATE TABLE IF NOT EXISTS {} (navn text PRIMARY KEY, filnavn text NOT NULL, "
                      "data bytea NOT NULL, sha256 text NOT NULL)").format(S.Identifier(schema, RASTERS)))


def existing_layers(cur, schema: str) -> dict[str, int]:
    """Contract layers present in ``schema`` -> their EPSG code."""
    cur.execute("SELECT f_table_name, srid FROM geometry_columns WHERE f_table_schema = %s "
                "AND f_geometry_column = %s ORDER BY f_table_name", (schema, GEOM))
    return {name: int(srid) for name, srid in cur.fetchall() if not name.startswith("_")}


def load(address: Address, layers: Mapping[str, Any], rasters: Mapping[str, tuple[str, bytes]], *,
         epsg: int, source: str, replace: bool = False,
         progress: Callable[[str], None] | None = None) -> dict:
    """Write validated layers (and raster bytes) into the schema in ONE transaction.

    ``replace``: drop the schema's existing geoplan layers first (inside the same
    transaction); without it a schema that already holds layers is refused.
    Returns a summary (layers and row counts, data version, time).
    """
    from geoplan import __version__
    S = sql()
    check_identifier(address.schema, "Skjemaet")
    for name in layers:
        check_identifier(name, "Lagnavnet")
    version = content_hash(layers, {k: v[1] for k, v in rasters.items()})
    stamp = datetime.now(timezone.utc).isoformat(timespec="seconds")
    counts: dict[str, int] = {}
    with connect(address) as conn:
        with conn.transaction(), conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_extension WHERE extname = 'postgis'")
            if cur.fetchone() is None:
                _create_postgis(cur, address)
            cur.execute(S.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(S.Identifier(address.schema)))
            _ensure_meta(cur, address.schema)
            present = existing_layers(cur, address.schema)
            if present and not replace:
                raise UnreadableInput(
                    f"Skjemaet {address.schema} har allerede lag ({', '.join(present)}). Bruk "
                    "--replace for å erstatte dem, eller velg et annet skjema med --schema.")
            for name in present:
                cur.execute(S.SQL("DROP TABLE {} CASCADE").format(S.Identifier(address.schema, name)))
            cur.execute(S.SQL("DELETE FROM {}").format(S.Identifier(address.schema, RASTERS)))
            for name, gdf in layers.items():
                if progress:
                    progress(name)
                counts[name] = create_table(cur, address.schema, name, gdf, epsg)
            for name, (filename, data) in rasters.items():
                cur.execute(S.SQL("INSERT INTO {} VALUES (%s, %s, %s, %s)").format(
                    S.Identifier(address.schema, RASTERS)),
                    (name, filename, data, hashlib.sha256(data).hexdigest()))
            meta = {"lastet": stamp, "kilde": source, "geoplan": __version__, "dataversjon": version,
                    "epsg": epsg, "lag": counts, "raster": sorted(rasters)}
            cur.execute(S.SQL("INSERT INTO {} VALUES ('lasting', %s) ON CONFLICT (nokkel) DO UPDATE "
                              "SET verdi = EXCLUDED.verdi").format(S.Identifier(address.schema, META)),
                        (json.dumps(meta, ensure_ascii=False),))
    return meta


def read_table(cur, schema: str, table: str, epsg: int):
    """One table as a GeoDataFrame (geometry from WKB, the serial ``fid`` dropped)."""
    import geopandas as gpd
    S = sql()
    cur.execute("SELECT column_name FROM information_schema.columns WHERE table_schema = %s "
                "AND table_name = %s ORDER BY ordinal_position", (schema, table))
    cols = [c for (c,) in cur.fetchall() if c not in (GEOM, "fid")]
    select = [S.Identifier(c) for c in cols] + [S.SQL("ST_AsBinary({})").format(S.Identifier(GEOM))]
    cur.execute(S.SQL("SELECT {} FROM {} ORDER BY fid").format(
        S.SQL(", ").join(select), S.Identifier(schema, table)))
    rows = cur.fetchall()
    df = pd.DataFrame([r[:-1] for r in rows], columns=cols)
    geom = shapely.from_wkb([bytes(r[-1]) if r[-1] is not None else None for r in rows])
    for c in cols:  # NULLs in numeric columns come back as None/object: make them numeric again
        if df[c].dtype == object and df[c].map(lambda v: v is None or isinstance(v, (int, float))).all() \
                and df[c].notna().any():
            df[c] = pd.to_numeric(df[c])
    return gpd.GeoDataFrame(df, geometry=gpd.GeoSeries(geom, crs=f"EPSG:{epsg}"), crs=f"EPSG:{epsg}")


def read(address: Address, wanted: Iterable[str] | None = None) -> tuple[dict, dict[str, tuple[str, bytes]], dict]:
    """The schema's layers, raster bytes and load metadata (unvalidated: the loader validates)."""
    wanted_set = set(wanted) if wanted is not None else None
    with connect(address) as conn, conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (address.schema,))
        if cur.fetchone() is None:
            raise UnreadableInput(
                f"Skjemaet {address.schema} finnes ikke i databasen {address.label}. Last inn data "
                "med «geoplan db load DATA ADRESSE --schema NAVN», eller velg skjema med ?schema=NAVN.")
        cur.execute("SELECT 1 FROM pg_extension WHERE extname = 'postgis'")
        if cur.fetchone() is None:
            raise UnreadableInput(
                f"Databasen {address.label} har ikke PostGIS. Kjør «geoplan db init ADRESSE».")
        present = existing_layers(cur, address.schema)
        layers = {name: read_table(cur, address.schema, name, epsg) for name, epsg in present.items()
                  if wanted_set is None or name in wanted_set}
        rasters: dict[str, tuple[str, bytes]] = {}
        meta: dict = {}
        if _has_table(cur, address.schema, RASTERS):
            cur.execute(sql().SQL("SELECT navn, filnavn, data FROM {}").format(
                sql().Identifier(address.schema, RASTERS)))
            rasters = {n: (f, bytes(d)) for n, f, d in cur.fetchall()}
        if _has_table(cur, address.schema, META):
            cur.execute(sql().SQL("SELECT nokkel, verdi FROM {}").format(
                sql().Identifier(address.schema, META)))
            meta = dict(cur.fetchall())
    return layers, rasters, meta


def meta(address: Address) -> dict:
    """The schema's ``_geoplan_meta`` rows (``lasting``, ``publisert``); ``{}`` if it has none."""
    with connect(address) as conn, conn.cursor() as cur:
        if not _has_table(cur, address.schema, META):
            return {}
        cur.execute(sql().SQL("SELECT nokkel, verdi FROM {}").format(sql().Identifier(address.schema, META)))
        return dict(cur.fetchall())


def _has_table(cur, schema: str, table: str) -> bool:
    cur.execute("SELECT 1 FROM information_schema.tables WHERE table_schema = %s AND table_name = %s",
                (schema, table))
    return cur.fetchone() is not None


def status(address: Address) -> dict:
    """What the database holds: schemas with geoplan layers, their row counts, loads and results."""
    S = sql()
    with connect(address) as conn, conn.cursor() as cur:
        cur.execute("SELECT extversion FROM pg_extension WHERE extname = 'postgis'")
        row = cur.fetchone()
        out: dict[str, Any] = {"database": address.label.split(" (")[0],
                               "postgis": row[0] if row else None, "skjema": []}
        cur.execute("SELECT table_schema FROM information_schema.tables WHERE table_name = %s "
                    "ORDER BY table_schema", (META,))
        for (schema,) in cur.fetchall():
            cur.execute(S.SQL("SELECT nokkel, verdi FROM {}").format(S.Identifier(schema, META)))
            meta = dict(cur.fetchall())
            layers = {}
            for name in existing_layers(cur, schema):
                cur.execute(S.SQL("SELECT count(*) FROM {}").format(S.Identifier(schema, name)))
                layers[name] = int(cur.fetchone()[0])
            out["skjema"].append({"navn": schema, "lag": layers, "lasting": meta.get("lasting"),
                                  "publisert": meta.get("publisert")})
    return out
