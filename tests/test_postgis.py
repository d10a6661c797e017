"""PostGIS as DATA and as the shared store, against a real PostgreSQL/PostGIS server.

The server is a throw-away cluster (``tools/pg_test_cluster.sh``) that `.ci/run`
starts; run alone, these tests start it themselves. There is no skip: without
PostgreSQL the tests fail and say how to install it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import psycopg
import pytest
import shapely
from shapely.geometry import Point, Polygon

import geoplan
from geoplan.errors import UnreadableInput
from geoplan.io.postgis import connect as pgc
from geoplan.io.postgis import store
from geoplan.io.postgis.publish import publish, result_schema
from geoplan.present.cli.main import main

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "geoplan" / "data" / "demo" / "demo.gpkg"


@pytest.fixture(scope="session")
def dsn() -> str:
    env = os.environ.get("GEOPLAN_TEST_DSN")
    if env:
        return env
    proc = subprocess.run(["bash", str(ROOT / "tools" / "pg_test_cluster.sh"), "start"],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.fail("Kunne ikke starte en PostgreSQL-testklynge: " + proc.stderr.strip())
    return proc.stdout.strip().split("=", 1)[1]


@pytest.fixture
def schema(dsn, request):
    name = "t_" + request.node.name.lower().replace("[", "_").replace("]", "")[:40]
    name = "".join(c if c.isalnum() or c == "_" else "_" for c in name)
    with psycopg.connect(dsn, autocommit=True) as conn:
        for s in (name, f"{name}_resultater"):
            conn.execute(f'DROP SCHEMA IF EXISTS "{s}" CASCADE')
    yield name
    with psycopg.connect(dsn, autocommit=True) as conn:
        for s in (name, f"{name}_resultater"):
            conn.execute(f'DROP SCHEMA IF EXISTS "{s}" CASCADE')


def _addr(dsn: str, schema: str) -> pgc.Address:
    return pgc.parse(dsn, schema)


def _squares() -> dict[str, gpd.GeoDataFrame]:
    """Two hand-made layers with known areas and attributes (EPSG:25832)."""
    sq = [Polygon([(500000 + i * 100, 6550000), (500100 + i * 100, 6550000),
                   (500100 + i * 100, 6550100), (500000 + i * 100, 6550100)]) for i in range(3)]
    af = gpd.GeoDataFrame({"arealformal": [1110, 1110, 5100], "navn": ["Æsa «nord»", None, "x'; DROP TABLE y; --"]},
                          geometry=sq, crs=25832)
    sk = gpd.GeoDataFrame({"navn": ["Skole A"], "elevtall": [np.nan]},
                          geometry=[Point(500050, 6550050)], crs=25832)
    return {"arealformal": af, "skole": sk}


def test_roundtrip_keeps_every_feature_value_and_geometry(dsn, schema):
    layers = _squares()
    meta = store.load(_addr(dsn, schema), layers, {}, epsg=25832, source="håndlaget")
    assert meta["lag"] == {"arealformal": 3, "skole": 1}
    with psycopg.connect(dsn) as conn:  # plain SQL, independent of geoplan's reader
        rows = conn.execute(f'SELECT navn, arealformal, ST_Area(geom), ST_SRID(geom), GeometryType(geom) '
                            f'FROM "{schema}".arealformal ORDER BY fid').fetchall()
        idx = conn.execute("SELECT indexdef FROM pg_indexes WHERE schemaname = %s AND tablename = "
                           "'arealformal'", (schema,)).fetchall()
    assert [r[0] for r in rows] == ["Æsa «nord»", None, "x'; DROP TABLE y; --"]
    assert [r[1] for r in rows] == [1110, 1110, 5100]
    assert [r[2] for r in rows] == [10000.0] * 3
    assert {r[3] for r in rows} == {25832} and {r[4] for r in rows} == {"MULTIPOLYGON"}
    assert any("gist" in d for (d,) in idx)
    back, _r, _m = store.read(_addr(dsn, schema))
    assert back["skole"]["elevtall"].isna().all()
    assert shapely.equals(back["skole"].geometry.iloc[0], Point(500050, 6550050))


def test_demo_loaded_into_postgis_gives_the_same_dataset(dsn, schema):
    code = main(["db", "load", str(DEMO), dsn, "--schema", schema])
    assert code == 0
    from_db = geoplan.load(f"{dsn}?schema={schema}")
    direct = {name: gpd.read_file(DEMO, layer=name) for name in from_db.layers}
    assert set(from_db.layers) == set(direct)
    for name, gdf in from_db.layers.items():
        assert len(gdf) == len(direct[name]), name
        assert gdf.geometry.area.sum() == pytest.approx(direct[name].to_crs(25832).geometry.area.sum(), rel=1e-9)
        assert gdf.geometry.length.sum() == pytest.approx(direct[name].to_crs(25832).geometry.length.sum(), rel=1e-9)
    assert set(from_db.rasters) == {"terreng", "stoy"}
    assert from_db.rasters["terreng"].read_bytes() == (DEMO.parent / "terreng.tif").read_bytes()
    assert "skjema " + schema in from_db.source and "@" in from_db.source


def test_analyses_from_the_database_equal_those_from_the_file(dsn, schema):
    assert main(["db", "load", str(DEMO), dsn, "--schema", schema]) == 0
    from geoplan.runs.reserves import reserves
    cfg = geoplan.default_config()
    a = reserves(geoplan.load(DEMO), cfg).steder
    b = reserves(geoplan.load(f"{dsn}?schema={schema}"), cfg).steder
    cols = [c for c in a.columns if a[c].dtype.kind in "fi"]
    np.testing.assert_allclose(a[cols].to_numpy(float), b[cols].to_numpy(float), rtol=1e-9)


def test_a_load_that_fails_half_way_leaves_the_database_as_it_was(dsn, schema, monkeypatch):
    addr = _addr(dsn, schema)
    store.load(addr, _squares(), {}, epsg=25832, source="første")
    real = store.create_table
    calls = []

    def flaky(cur, sch, table, gdf, epsg):
        calls.append(table)
        if len(calls) == 2:
            raise RuntimeError("tilkoblingen brøt")
        return real(cur, sch, table, gdf, epsg)

    monkeypatch.setattr(store, "create_table", flaky)
    bigger = {"arealformal": _squares()["arealformal"].iloc[:1], "skole": _squares()["skole"]}
    with pytest.raises(RuntimeError):
        store.load(addr, bigger, {}, epsg=25832, source="andre", replace=True)
    monkeypatch.setattr(store, "create_table", real)
    layers, _r, meta = store.read(addr)
    assert len(layers["arealformal"]) == 3 and meta["lasting"]["kilde"] == "første"


def test_a_killed_load_leaves_no_trace(dsn, schema):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "geoplan", "db", "load", str(DEMO), dsn, "--schema", schema],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    copying = False
    with psycopg.connect(dsn, autocommit=True) as conn:
        while time.time() < deadline and proc.poll() is None:
            rows = conn.execute("SELECT query FROM pg_stat_activity WHERE application_name = 'geoplan' "
                                "AND query LIKE 'COPY%%'").fetchall()
            if rows:
                copying = True
                proc.send_signal(signal.SIGKILL)
                break
            time.sleep(0.005)
        proc.wait(30)
        assert copying, "the load finished before it could be interrupted"
        for _ in range(200):  # the server notices the dead client and rolls back
            if not conn.execute("SELECT 1 FROM pg_stat_activity WHERE application_name = 'geoplan'").fetchall():
                break
            time.sleep(0.05)
        left = conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema,)).fetchall()
    assert left == []


def test_an_existing_schema_is_not_overwritten_without_replace(dsn, schema, capsys):
    assert main(["db", "load", str(DEMO), dsn, "--schema", schema]) == 0
    assert main(["db", "load", str(DEMO), dsn, "--schema", schema]) == 2
    assert "--replace" in capsys.readouterr().err
    assert main(["db", "load", str(DEMO), dsn, "--schema", schema, "--replace"]) == 0


def test_publish_writes_stamped_result_tables_beside_the_inputs(dsn, schema, capsys):
    assert main(["db", "load", str(DEMO), dsn, "--schema", schema]) == 0
    capsys.readouterr()
    assert main(["db", "publish", dsn, "--schema", schema, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    res = f"{schema}_resultater"
    assert out["skjema"] == res and out["tabeller"]["konsentrasjon_grunnkrets"] == 130
    with psycopg.connect(dsn) as conn:
        comment = conn.execute("SELECT obj_description(%s::regclass)", (f"{res}.reserve_parseller",)).fetchone()[0]
        n_input = conn.execute(f'SELECT count(*) FROM "{schema}".arealformal').fetchone()[0]
        gk = conn.execute(f'SELECT grunnkretsnummer, kommunale_enheter, 0 FROM "{res}".konsentrasjon_grunnkrets'
                          ).fetchall()
        cols = {c for (c,) in conn.execute("SELECT column_name FROM information_schema.columns WHERE "
                                           "table_schema = %s AND table_name = 'konsentrasjon_grunnkrets'",
                                           (res,)).fetchall()}
    stamp = json.loads(comment)
    assert stamp["dataversjon"] == store.read(_addr(dsn, schema), wanted=[])[2]["lasting"]["dataversjon"]
    assert stamp["parametre"]["reserves"] and stamp["tidspunkt"]
    assert n_input == 3797  # inputs untouched
    # the published concentration is the public one: no count below the minimum
    min_count = geoplan.default_config().get("kommune.min_count_public")
    counts = [c for _g, c, _z in gk if c is not None]
    assert counts and all(c == 0 or c >= min_count for c in counts)
    assert not cols & {"gi_z", "p_verdi", "adresse"}  # no derived statistic a hidden count hides behind
    assert any(c is None for _g, c, _z in gk)  # and small counts are hidden


def test_publish_refuses_the_input_schema_and_keeps_old_results_on_failure(dsn, schema, monkeypatch):
    with pytest.raises(UnreadableInput, match="inndataene"):
        result_schema(schema, schema)
    out = _addr(dsn, f"{schema}_resultater")
    publish(out, {"tabell": _squares()["skole"]}, epsg=25832, stamp={"dataversjon": "a"})
    import geoplan.io.postgis.publish as pub
    real = pub.create_table

    def broken(cur, sch, table, gdf, epsg):
        real(cur, sch, table, gdf, epsg)
        raise RuntimeError("avbrutt")

    monkeypatch.setattr(pub, "create_table", broken)
    with pytest.raises(RuntimeError):
        publish(out, {"tabell": _squares()["arealformal"]}, epsg=25832, stamp={"dataversjon": "b"})
    with psycopg.connect(dsn) as conn:
        n = conn.execute(f'SELECT count(*) FROM "{schema}_resultater".tabell').fetchone()[0]
        tables = conn.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
                              (f"{schema}_resultater",)).fetchall()
    assert n == 1 and not any("__ny_" in t for (t,) in tables)


def test_publish_refuses_a_schema_that_holds_inputs(dsn, schema):
    store.load(_addr(dsn, schema), _squares(), {}, epsg=25832, source="x")
    with pytest.raises(UnreadableInput, match="inndata"):
        publish(_addr(dsn, schema), {"t": _squares()["skole"]}, epsg=25832, stamp={})


@pytest.mark.parametrize("bad", ["Larvik", "x; DROP SCHEMA public", "1abc", "a" * 64, ""])
def test_schema_names_that_are_not_plain_identifiers_are_refused(dsn, bad):
    with pytest.raises(UnreadableInput, match="små bokstaver"):
        pgc.parse(dsn, bad or "-")


def test_messages_name_the_address_never_the_password_and_are_norwegian(capsys):
    code = main(["db", "status", "postgresql://ola:hemmelig@127.0.0.1:1/kommune"])
    err = capsys.readouterr().err
    assert code == 2 and "hemmelig" not in err and "ola@127.0.0.1:1/kommune" in err
    assert "Kan ikke koble til databasen" in err and "uventet" not in err


def test_a_missing_schema_is_named_with_what_to_do(dsn, capsys):
    code = main(["check", f"{dsn}?schema=finnes_ikke"])
    err = capsys.readouterr().err
    assert code == 2 and "Skjemaet finnes_ikke finnes ikke" in err and "geoplan db load" in err


def test_status_lists_loaded_and_published_schemas(dsn, schema, capsys):
    assert main(["db", "load", str(DEMO), dsn, "--schema", schema]) == 0
    assert main(["db", "publish", dsn, "--schema", schema, "--analyses", "reserves"]) == 0
    capsys.readouterr()
    assert main(["db", "status", dsn, "--json"]) == 0
    st = json.loads(capsys.readouterr().out)
    by = {s["navn"]: s for s in st["skjema"]}
    assert by[schema]["lag"]["bygning"] == 9222
    assert by[f"{schema}_resultater"]["publisert"]["analyser"] == ["reserves"]
    assert main(["db", "publish", dsn, "--schema", schema, "--analyses", "bogus"]) == 2


def test_saved_site_assessments_are_kept_in_the_database_for_qgis(dsn, schema):
    from geoplan.present.app import assessments
    from geoplan.present.app.auth import User
    store.load(_addr(dsn, schema), _squares(), {}, epsg=25832, source="x")
    data = f"{dsn}?schema={schema}"
    db = assessments.store(data, 25832)
    assert isinstance(db, assessments.DatabaseStore)
    site = {"wkb": shapely.to_wkb(Point(500050, 6550050)), "navn": "Tomt «Ø»", "kilde": "tegnet"}
    rec = assessments._record(User("kari", "bolig", "OpenID Connect"), site, {"enheter": 4},
                              {"samlet": "gul", "kriterier": [{"id": "skole", "status": "gronn"}]})
    db.save(rec)
    got = db.list()
    assert got[0]["id"] == rec["id"] and got[0]["navn"] == "Tomt «Ø»" and got[0]["resultat"]["samlet"] == "gul"
    with psycopg.connect(dsn) as conn:
        row = conn.execute(f'SELECT bruker, ST_SRID(geom), ST_X(geom) FROM "{schema}_app".tomtevurderinger').fetchone()
        conn.execute(f'DROP SCHEMA "{schema}_app" CASCADE')
        conn.commit()
    assert row == ("kari", 25832, 500050.0)
