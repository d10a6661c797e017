"""The load cache (:mod:`geoplan.io.cache`, «hurtiglager»): a hit gives exactly what a fresh
read gives, any change of an input is a miss, a damaged or unsafe cache file is a silent
fresh read, the cache never lands beside the input and ``geoplan`` works without it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal

from geoplan.io import cache, cachekey, load, readers
from geoplan.io.cachekey import default_config_or_none
from geoplan.io.loader import DEFAULT_DATA

ROOT = Path(__file__).resolve().parents[1]
CRS = "EPSG:25832"


@pytest.fixture
def cdir(tmp_path, monkeypatch):
    """A cache folder of this test only, the cache on."""
    d = tmp_path / "cache-home" / "geoplan"
    monkeypatch.setenv(cache.ENV_DIR, str(d))
    monkeypatch.delenv(cache.ENV_SWITCH, raising=False)
    monkeypatch.setattr(cache, "_enabled", None)
    return d


def _data(folder: Path) -> Path:
    """A GeoPackage with a rejected feature (no geometry), a repaired polygon (a bow-tie)
    and a rejected value, so the reports carry read = kept + rejected and messages."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "kommune_data.gpkg"
    x0, y0 = 560_000.0, 6_550_000.0
    gpd.GeoDataFrame({"navn": ["Testby"]}, geometry=[shapely.box(x0 - 5000, y0 - 5000,
                                                                   x0 + 5000, y0 + 5000)],
                     crs=CRS).to_file(path, layer="kommune")
    gpd.GeoDataFrame({"navn": ["A", "B", "C"]},
                     geometry=[shapely.Point(x0, y0), None, shapely.Point(x0 + 900, y0 + 100)],
                     crs=CRS).to_file(path, layer="skole")
    bowtie = shapely.Polygon([(x0, y0), (x0 + 1000, y0 + 1000), (x0 + 1000, y0), (x0, y0 + 1000)])
    gpd.GeoDataFrame({"navn": ["Testby", "Vest"]},
                     geometry=[bowtie, shapely.box(x0 - 3000, y0, x0 - 2000, y0 + 800)],
                     crs=CRS).to_file(path, layer="utviklingsgrense")
    gpd.GeoDataFrame({"bygg_id": ["b1", "b2", "b3"], "antall_boliger": [3, -7, 12]},
                     geometry=[shapely.box(x0 + i * 50, y0, x0 + i * 50 + 20, y0 + 20)
                               for i in range(3)], crs=CRS).to_file(path, layer="bygning")
    return path


def _fresh(path, **kw):
    cache.set_enabled(False)
    try:
        return load(path, **kw)
    finally:
        cache._enabled = None


def _assert_same(a, b):
    assert a.source == b.source and a.crs == b.crs
    assert a.rasters == b.rasters
    assert list(a.layers) == list(b.layers)
    for name in a.layers:
        assert_geodataframe_equal(a.layers[name], b.layers[name], check_dtype=True,
                                  check_index_type=True, check_column_type=True,
                                  check_frame_type=True, check_like=False, check_crs=True,
                                  check_geom_type=True, normalize=False)
        assert list(a.layers[name].columns) == list(b.layers[name].columns)
    assert list(a.reports) == list(b.reports)
    for name, ra in a.reports.items():
        rb = b.reports[name]
        assert ra.as_dict() == rb.as_dict()
        assert ra.messages == rb.messages
        assert ra.n_read == ra.n_kept + ra.n_rejected or ra.status in ("mangler", "ubrukelig")


def _count_reads(monkeypatch) -> list:
    calls: list = []
    real = readers.read_gpkg

    def spy(*a, **k):
        calls.append(a)
        return real(*a, **k)

    monkeypatch.setattr(readers, "read_gpkg", spy)
    return calls


def test_a_hit_equals_a_fresh_read_layer_by_layer_and_report_by_report(tmp_path, cdir, monkeypatch):
    path = _data(tmp_path / "data")
    fresh = _fresh(path)
    assert fresh.reports["skole"].n_rejected == 1 and fresh.reports["bygning"].n_rejected == 1
    assert fresh.reports["utviklingsgrense"].n_repaired == 1
    calls = _count_reads(monkeypatch)
    first = load(path)
    assert len(calls) == 1 and len(list(cdir.glob("*.pickle"))) == 1
    hit = load(path)
    assert len(calls) == 1, "the second load read the file again"
    _assert_same(fresh, first)
    _assert_same(fresh, hit)
    # a hit is a new copy: changing it changes nothing the next load gets
    hit.layers["skole"].loc[0, "navn"] = "endret"
    _assert_same(fresh, load(path))


def test_options_that_change_the_read_are_part_of_the_key(tmp_path, cdir, monkeypatch):
    path = _data(tmp_path / "data")
    calls = _count_reads(monkeypatch)
    a = load(path, only=["skole"])
    b = load(path)
    assert len(calls) == 2
    assert "bygning" not in a.layers and "bygning" in b.layers
    fresh = _fresh(path, only=["skole"])
    assert len(calls) == 3
    _assert_same(fresh, load(path, only=["skole"]))
    assert len(calls) == 3


def test_the_demo_from_the_cache_equals_a_fresh_read(cdir):
    load(None)
    _assert_same(_fresh(None), load(None))
    assert load(None).source == str(DEFAULT_DATA)


def test_touching_or_changing_an_input_is_a_miss(tmp_path, cdir, monkeypatch):
    path = _data(tmp_path / "data")
    calls = _count_reads(monkeypatch)
    load(path)
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))   # touched, same bytes
    load(path)
    assert len(calls) == 2
    # same size and mtime, other content (a rewrite within one mtime tick): the hash sees it
    st = path.stat()
    raw = path.read_bytes()
    assert raw.count(b"Vest") == 1
    path.write_bytes(raw.replace(b"Vest", b"Nord"))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert (path.stat().st_size, path.stat().st_mtime_ns) == (st.st_size, st.st_mtime_ns)
    ds = load(path)
    assert len(calls) == 3
    assert list(ds.layers["utviklingsgrense"]["navn"]) == ["Testby", "Nord"]
    st2 = path.stat()
    # a raster that appears beside the GeoPackage is an input too
    (path.parent / "terreng.tif").write_bytes(b"not a tiff")
    ds = load(path)
    assert len(calls) == 4 and "terreng.tif" in ds.reports
    assert st2.st_size == path.stat().st_size


def test_a_damaged_cache_file_is_a_silent_fresh_read(tmp_path, cdir, monkeypatch, capsys):
    path = _data(tmp_path / "data")
    want = _fresh(path)
    load(path)
    (f,) = cdir.glob("*.pickle")
    good = f.read_bytes()
    calls = _count_reads(monkeypatch)
    for damaged in (good[: len(good) // 2], good[:-1] + bytes([good[-1] ^ 0xFF]), b"",
                    b"garbage" * 100, cache.MAGIC + b"\x80\x05garbage"):
        f.write_bytes(damaged)
        _assert_same(want, load(path))
    assert len(calls) == 5
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""
    # the last read wrote a good file again
    load(path)
    assert len(calls) == 5


def test_a_cache_file_others_may_write_is_not_trusted(tmp_path, cdir, monkeypatch):
    path = _data(tmp_path / "data")
    load(path)
    (f,) = cdir.glob("*.pickle")
    assert f.stat().st_mode & 0o077 == 0   # readable by its owner only
    os.chmod(f, 0o666)
    calls = _count_reads(monkeypatch)
    load(path)
    assert len(calls) == 1


def test_the_cache_never_lands_beside_or_inside_the_input(tmp_path, monkeypatch):
    data = tmp_path / "data"
    path = _data(data)
    before = sorted(p.name for p in data.rglob("*"))
    monkeypatch.setattr(cache, "_enabled", None)
    monkeypatch.delenv(cache.ENV_SWITCH, raising=False)
    monkeypatch.setenv(cache.ENV_DIR, str(data))
    _assert_same(_fresh(path), load(path))
    assert sorted(p.name for p in data.rglob("*")) == before
    # a folder of layer files: nothing inside it either
    folder = tmp_path / "lag"
    folder.mkdir()
    gpd.read_file(path, layer="skole").to_file(folder / "skole.geojson", driver="GeoJSON")
    for d in (folder, folder / ".cache", folder / "a" / "b"):
        monkeypatch.setenv(cache.ENV_DIR, str(d))
        load(folder)
        assert sorted(p.name for p in folder.rglob("*")) == ["skole.geojson"]
    # the default: XDG_CACHE_HOME/geoplan
    monkeypatch.delenv(cache.ENV_DIR)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    load(path)
    assert len(list((tmp_path / "xdg" / "geoplan").glob("*.pickle"))) == 1
    assert sorted(p.name for p in data.rglob("*")) == before


def test_an_unwritable_cache_folder_means_no_cache_not_an_error(tmp_path, monkeypatch, capsys):
    path = _data(tmp_path / "data")
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    monkeypatch.setattr(cache, "_enabled", None)
    monkeypatch.setenv(cache.ENV_DIR, str(blocker / "geoplan"))   # cannot be created, even by root
    _assert_same(_fresh(path), load(path))
    ro = tmp_path / "ro"
    ro.mkdir(mode=0o500)
    monkeypatch.setenv(cache.ENV_DIR, str(ro))
    _assert_same(_fresh(path), load(path))
    assert capsys.readouterr().err == ""


def test_zip_archives_are_not_cached(tmp_path, cdir):
    import zipfile

    path = _data(tmp_path / "data")
    z = tmp_path / "d.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.write(path, path.name)
    load(z)
    assert not cdir.exists() or not list(cdir.glob("*.pickle"))


def _cli(*argv, env):
    return subprocess.run([sys.executable, "-m", "geoplan", *argv], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)


def test_cli_option_and_environment_switch_the_cache_off(tmp_path):
    path = _data(tmp_path / "data")
    d = tmp_path / "c"
    env = dict(os.environ, PYTHONPATH=str(ROOT), GEOPLAN_CACHE_DIR=str(d))
    env.pop(cache.ENV_SWITCH, None)
    p = _cli("check", str(path), "--ingen-hurtiglager", env=env)
    assert p.returncode in (0, 1), p.stderr
    assert not d.exists()
    p2 = _cli("check", str(path), env=dict(env, GEOPLAN_HURTIGLAGER="0"))
    assert not d.exists() and p2.stdout == p.stdout
    p3 = _cli("check", str(path), env=env)
    assert len(list(d.glob("*.pickle"))) == 1 and p3.stdout == p.stdout
    p4 = _cli("check", str(path), env=env)   # from the cache: the same report
    assert p4.stdout == p.stdout and p4.returncode == p.returncode
    assert "--ingen-hurtiglager" in _cli("check", "--help", env=env).stdout


def test_the_raster_names_the_cache_watches_are_the_readers():
    assert cache.RASTER_NAMES == readers.RASTER_NAMES


def test_a_hit_keeps_every_dtype_of_the_demo(cdir):
    load(None)
    fresh, hit = _fresh(None), load(None)
    for name, g in fresh.layers.items():
        assert dict(g.dtypes.astype(str)) == dict(hit.layers[name].dtypes.astype(str))
        assert g.index.equals(hit.layers[name].index)
        assert np.array_equal(shapely.to_wkb(g.geometry.to_numpy()),
                              shapely.to_wkb(hit.layers[name].geometry.to_numpy()))


def test_an_ssb_projection_from_the_cache_equals_a_fresh_parse(tmp_path, cdir, monkeypatch):
    import shutil

    from pandas.testing import assert_frame_equal

    from geoplan.io import ssb

    src = tmp_path / "framskriving.json"
    shutil.copy(DEFAULT_DATA.parent / "framskriving_14288.json", src)
    parses: list = []
    real = ssb._read_projection
    monkeypatch.setattr(ssb, "_read_projection", lambda p: parses.append(p) or real(p))
    monkeypatch.setattr(ssb, "_READ", {})
    first = ssb.read_projection(src)
    monkeypatch.setattr(ssb, "_READ", {})   # as in a new process
    hit = ssb.read_projection(src)
    assert len(parses) == 1
    fresh = real(src)
    for got in (first, hit):
        assert_frame_equal(got.table, fresh.table, check_dtype=True, check_exact=True)
        assert (got.source, got.title, got.variants, got.notes) == \
            (fresh.source, fresh.title, fresh.variants, fresh.notes)
    st = src.stat()
    os.utime(src, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    monkeypatch.setattr(ssb, "_READ", {})
    ssb.read_projection(src)
    assert len(parses) == 2


def test_a_file_in_the_home_folder_is_cached_below_it(tmp_path, monkeypatch):
    home = tmp_path / "home"
    path = _data(home)                      # ~/kommune_data.gpkg
    monkeypatch.setattr(cache, "_enabled", None)
    monkeypatch.delenv(cache.ENV_DIR, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    calls = _count_reads(monkeypatch)
    load(path)
    load(path)
    assert len(calls) == 1 and len(list((home / ".cache" / "geoplan").glob("*.pickle"))) == 1


_PROBE = """
import contextlib, io, json, sys
from geoplan.present.cli.main import main
buf = io.StringIO()
with contextlib.redirect_stdout(buf):
    code = main(sys.argv[1:])
print(json.dumps({"code": code, "modules": sorted({m.split(".")[0] for m in sys.modules})}))
"""


def test_reserves_from_the_cache_loads_neither_gdal_readers_nor_scipy(tmp_path):
    """The second ``geoplan reserves`` reads no GeoPackage (pyogrio), builds no walking
    network (scipy) and burns no parcels into the slope grid (rasterio): the layers, the
    terrain and the parcels' cell counts come from the cache."""
    import json

    env = dict(os.environ, PYTHONPATH=str(ROOT), GEOPLAN_CACHE_DIR=str(tmp_path / "c"))
    env.pop(cache.ENV_SWITCH, None)
    runs = []
    for _ in range(2):
        p = subprocess.run([sys.executable, "-c", _PROBE, "reserves"], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=600)
        assert p.returncode == 0, p.stderr
        runs.append(json.loads(p.stdout.strip().splitlines()[-1]))
    assert all(r["code"] == 0 for r in runs)
    assert "pyogrio" in runs[0]["modules"]          # the first run read the file
    assert not {"pyogrio", "scipy", "rasterio"} & set(runs[1]["modules"]), runs[1]["modules"]


def test_check_from_the_cache_loads_no_geodata_library_and_sees_a_change(tmp_path):
    """A second ``geoplan check`` answers from the report stored beside the layers: no
    geopandas, pandas, pyproj or GDAL, the same JSON as a fresh read; a changed input is
    read afresh and its new report shown (never the stored one)."""
    import json

    path = _data(tmp_path / "data")
    env = dict(os.environ, PYTHONPATH=str(ROOT), GEOPLAN_CACHE_DIR=str(tmp_path / "c"))
    env.pop(cache.ENV_SWITCH, None)

    def probe():
        p = subprocess.run([sys.executable, "-c", _PROBE, "check", str(path), "--json"],
                           cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
        assert p.returncode in (0, 1), p.stderr
        return json.loads(p.stdout.strip().splitlines()[-1])

    first, second = probe(), probe()
    assert {"pyogrio", "geopandas"} <= set(first["modules"])
    heavy = {"geopandas", "pandas", "pyproj", "pyogrio", "shapely", "numpy"}
    assert not heavy & set(second["modules"]), second["modules"]
    fresh = _cli("check", str(path), "--json", env=dict(env, GEOPLAN_HURTIGLAGER="0"))
    hit = _cli("check", str(path), "--json", env=env)
    assert json.loads(hit.stdout) == json.loads(fresh.stdout)
    rejected = {lag["navn"]: lag["antall_avvist"] for lag in json.loads(hit.stdout)["lag"]}
    assert rejected["bygning"] == 1          # the negative dwelling count

    x0, y0 = 560_000.0, 6_550_000.0
    gpd.GeoDataFrame({"bygg_id": ["b1", "b2"], "antall_boliger": [-1, -2]},
                     geometry=[shapely.box(x0, y0, x0 + 20, y0 + 20),
                               shapely.box(x0 + 50, y0, x0 + 70, y0 + 20)],
                     crs=CRS).to_file(path, layer="bygning", mode="w")
    after = json.loads(_cli("check", str(path), "--json", env=env).stdout)
    assert {lag["navn"]: lag["antall_avvist"] for lag in after["lag"]}["bygning"] == 2
    assert after == json.loads(
        _cli("check", str(path), "--json", env=dict(env, GEOPLAN_HURTIGLAGER="0")).stdout)


def test_a_stored_report_is_checked_like_the_layers(tmp_path, cdir):
    """The report is kept in the entry's head: a damaged payload or another key gives None."""
    path = _data(tmp_path / "data")
    ds = load(path)
    key = cachekey.cache_key(path, str(path), layer=None, crs=None, objtype=None, wanted=None,
                             config=default_config_or_none())
    assert cache.lookup_report(key) == ds.as_dict()
    assert cachekey.cached_report(str(path)) == ds.as_dict()
    assert cachekey.cached_report(str(path), crs="25833") is None    # another key: not read
    (f,) = cdir.glob("*.pickle")
    raw = bytearray(f.read_bytes())
    raw[-5] ^= 0xFF
    f.write_bytes(bytes(raw))
    assert cache.lookup_report(key) is None


def test_a_raster_from_the_cache_equals_a_fresh_read_and_a_changed_file_is_read_again(
        tmp_path, cdir, monkeypatch):
    """A GeoTIFF read once is kept in the load cache: the next process takes the same
    band, transform and CRS from there without rasterio; a rewritten file, or the cache
    switched off, reads the file again."""
    import shutil

    from geoplan.io import raster

    src = DEFAULT_DATA.parent / "terreng.tif"
    tif = tmp_path / "data" / "terreng.tif"
    tif.parent.mkdir()
    shutil.copy(src, tif)
    reads: list[str] = []
    fresh = raster._read_raster
    monkeypatch.setattr(raster, "_read_raster", lambda p: reads.append(p) or fresh(p))
    kept: list = []
    store = cache.store
    monkeypatch.setattr(cache, "store", lambda k, v, **kw: kept.append(v) or store(k, v, **kw))

    def opened():
        raster._open_cached.cache_clear()      # as a new process: only the disk cache left
        return raster.open_raster(tif)

    first, second = opened(), opened()
    assert len(reads) == 1
    assert np.array_equal(first.data, second.data, equal_nan=True)
    assert second.transform == first.transform and second.crs == first.crs
    assert second.unit == first.unit and second.path == first.path
    assert np.array_equal(second.slope_pct.data, fresh(str(tif))[0].slope_pct.data, equal_nan=True)
    assert kept[0][1].dtype == np.float32      # the file's own cells, not float64

    import rasterio

    with rasterio.open(tif) as ds:            # the same file, its heights raised by 10 m
        profile, band = ds.profile, ds.read(1)
    with rasterio.open(tif, "w", **profile) as ds:
        ds.write(band + 10, 1)
    changed = opened()
    assert len(reads) == 2
    ok = np.isfinite(first.data)
    assert np.allclose(changed.data[ok], first.data[ok] + 10)

    cache.set_enabled(False)
    opened()
    assert len(reads) == 3


def test_assess_from_the_cache_imports_no_rasterio(tmp_path):
    """The second ``geoplan assess`` takes its two rasters (terrain, noise) from the load
    cache: rasterio is not imported at all."""
    import json

    env = dict(os.environ, PYTHONPATH=str(ROOT), GEOPLAN_CACHE_DIR=str(tmp_path / "c"))
    env.pop(cache.ENV_SWITCH, None)
    runs = []
    for _ in range(2):
        p = subprocess.run([sys.executable, "-c", _PROBE, "assess", "--site", "562300,6547800"],
                           cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
        assert p.returncode == 0, p.stderr
        runs.append(json.loads(p.stdout.strip().splitlines()[-1]))
    assert "rasterio" in runs[0]["modules"]
    assert "rasterio" not in runs[1]["modules"], runs[1]["modules"]


def test_a_byte_raster_with_nodata_comes_back_from_the_cache_cell_for_cell(tmp_path, cdir):
    """The noise raster (bytes, 255 = nodata) is kept as bytes with its nodata as a mask:
    the band from the cache is the float64 band with NaN a fresh read gives."""
    import shutil

    from geoplan.io import raster

    tif = tmp_path / "data" / "stoy.tif"
    tif.parent.mkdir()
    shutil.copy(DEFAULT_DATA.parent / "stoy.tif", tif)
    raster._open_cached.cache_clear()
    fresh = raster.open_raster(tif)
    raster._open_cached.cache_clear()
    kept = raster.open_raster(tif)
    assert kept is not fresh and np.isnan(fresh.data).any()
    assert np.array_equal(kept.data, fresh.data, equal_nan=True)
    assert kept.data.dtype == np.float64 and kept.transform == fresh.transform
    files = list(cdir.glob("*.pickle"))
    assert len(files) == 1 and files[0].stat().st_size < fresh.data.nbytes / 4


def test_walking_distances_come_from_the_cache_and_a_moved_school_is_searched_again(
        cdir, monkeypatch):
    """The site assessment's walking distances (graph, every node's distance to the
    nearest school) are kept by the content of the lines, the schools and their names:
    a second walker on the same data searches nothing and answers the same; a school
    moved 300 m, or another snapping distance, is a new search with its own answer."""
    from geoplan.analysis import network as nw
    from geoplan.analysis.sites.walking import make_walker

    ds = load(DEFAULT_DATA)
    net, schools = ds.get("gangnett"), ds.get("skole")
    searches: list[int] = []
    search = nw.distances_from
    monkeypatch.setattr(nw, "distances_from",
                        lambda *a, **k: searches.append(1) or search(*a, **k))
    sites = np.array([shapely.Point(562300, 6547800), shapely.Point(561000, 6546500),
                      shapely.box(562000, 6547000, 562100, 6547100)], dtype=object)
    first = make_walker(net, schools, max_snap_m=250.0)(sites)
    again = make_walker(net, schools, max_snap_m=250.0)(sites)
    assert len(searches) == 1
    for a, b in zip(first, again):
        assert list(a) == list(b) or np.array_equal(a, b, equal_nan=True)
    assert np.isfinite(first[0]).any()

    moved = schools.copy()
    moved["geometry"] = moved.geometry.translate(300, 0)
    other = make_walker(net, moved, max_snap_m=250.0)(sites)
    assert len(searches) == 2
    assert not np.array_equal(other[0], first[0], equal_nan=True)
    make_walker(net, schools, max_snap_m=100.0)(sites)
    assert len(searches) == 3
    cache.set_enabled(False)
    assert np.array_equal(make_walker(net, schools, max_snap_m=250.0)(sites)[0], first[0],
                          equal_nan=True)
    assert len(searches) == 4


def test_the_grunnkrets_audit_is_kept_by_its_counts_and_a_changed_count_is_audited_again(
        cdir, monkeypatch):
    """protect_grunnkretser's answer depends on the counts, the bounds and the rule only:
    the same table again is not audited again and hides the same cells; one unit moved
    to another grunnkrets, or another minimum, is a new audit equal to one without cache."""
    import pandas as pd

    from geoplan.privacy import concentration as pc

    audits: list[int] = []
    real = pc._protect_grunnkretser
    monkeypatch.setattr(pc, "_protect_grunnkretser",
                        lambda *a: audits.append(1) or real(*a))
    gk = pd.DataFrame({"antall_boliger": [40, 12, 80, 25, 9]})
    parts = np.array([[3.0, 1.0], [6.0, 0.0], [12.0, 4.0], [2.0, 2.0], [5.0, 0.0]])
    outside, valid = np.array([1.0, 0.0]), np.ones(5, dtype=bool)

    def masks(p):
        return (p.cell.tolist(), p.row.tolist(), p.outside_cell.tolist(), bool(p.outside_total),
                p.column.tolist(), bool(p.grand))

    first = pc.protect_grunnkretser(gk, parts, outside, valid, 3, False)
    again = pc.protect_grunnkretser(gk, parts.copy(), outside, valid, 3, False)
    assert len(audits) == 1 and masks(again) == masks(first) and first.hidden > 0
    moved = parts.copy()
    moved[2, 0] -= 1
    moved[4, 0] += 1
    other = pc.protect_grunnkretser(gk, moved, outside, valid, 3, False)
    assert len(audits) == 2
    pc.protect_grunnkretser(gk, parts, outside, valid, 5, False)
    assert len(audits) == 3
    cache.set_enabled(False)
    assert masks(pc.protect_grunnkretser(gk, moved, outside, valid, 3, False)) == masks(other)
    assert len(audits) == 4


def test_content_entries_are_pruned_to_the_newest(cdir, monkeypatch):
    """Entries kept by content (a what-if, an upload: a new one each time) are capped;
    the oldest go, the newest are still read, and file entries are left alone."""
    monkeypatch.setattr(cache, "MAX_CONTENT_ENTRIES", 3)
    keys = [cache.content_key("prøve", [str(i).encode()], {}) for i in range(5)]
    for i, k in enumerate(keys):
        assert cache.store(k, i)
    assert len(list(cdir.glob("innhold-*.pickle"))) == 3
    assert [cache.lookup(k) for k in keys] == [None, None, 2, 3, 4]
    load(DEFAULT_DATA)                                   # a file entry
    cache.store(cache.content_key("prøve", [b"5"], {}), 5)
    assert len(list(cdir.glob("innhold-*.pickle"))) == 3
    assert len([f for f in cdir.glob("*.pickle") if not f.name.startswith("innhold-")]) == 1


def test_the_parcels_slope_cells_are_kept_by_polygons_grid_and_threshold(cdir, monkeypatch):
    """zonal_share_above_fast burns the parcels into the slope grid once per content: the
    same parcels again are counted from the cache with the same shares; another threshold
    or a moved parcel is burnt again, and agrees with a burn without the cache."""
    from geoplan.analysis import ranking
    from geoplan.io.raster import open_raster

    ds = load(DEFAULT_DATA)
    r = open_raster(ds.rasters["terreng"])
    geoms = ds.get("arealformal").geometry.to_numpy()[:40]
    burns: list[int] = []
    real = ranking._burn_counts_now
    monkeypatch.setattr(ranking, "_burn_counts_now", lambda *a: burns.append(1) or real(*a))
    first = ranking.zonal_share_above_fast(geoms, r, 20.0, derive="slope")
    again = ranking.zonal_share_above_fast(geoms, r, 20.0, derive="slope")
    assert len(burns) == 1 and np.array_equal(first, again, equal_nan=True)
    assert np.isfinite(first).sum() > 10
    steeper = ranking.zonal_share_above_fast(geoms, r, 10.0, derive="slope")
    assert len(burns) == 2 and (np.nan_to_num(steeper) >= np.nan_to_num(first)).all()
    moved = shapely.transform(geoms, lambda xy: xy + [35.0, 0.0])
    shifted = ranking.zonal_share_above_fast(moved, r, 20.0, derive="slope")
    assert len(burns) == 3
    cache.set_enabled(False)
    assert np.array_equal(ranking.zonal_share_above_fast(moved, r, 20.0, derive="slope"),
                          shifted, equal_nan=True)
    assert len(burns) == 4
