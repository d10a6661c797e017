"""``geoplan batch``: many municipalities in one run, one GeoPackage out.

The folder holds two municipalities cut from the demo (the whole demo as Larvik, its
southern part renamed Sandefjord) and one broken file. The rows written are checked
against the single-municipality analyses run here, one by one, on each file.
"""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
from shapely.geometry import box

from geoplan import runs
from geoplan.config import default_config
from geoplan.io import load
from geoplan.io.writers import forget_inputs
from geoplan.present.cli.main import main

DEMO = Path(__file__).resolve().parents[1] / "geoplan" / "data" / "demo" / "demo.gpkg"
LAYERS = ["kommune", "sentrum", "skole", "utviklingsgrense", "arealformal", "innspill",
          "steinbrudd", "kollektivakse", "holdeplass", "grunnkrets", "bygning", "kommunal_bolig"]
SOUTH = box(540_000, 6_530_000, 575_000, 6_552_000)


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("kommuner")
    for name in LAYERS:
        g = gpd.read_file(DEMO, layer=name)
        g.to_file(d / "larvik.gpkg", layer=name, driver="GPKG")
        part = gpd.clip(g, SOUTH) if name != "kommune" else g.assign(
            kommunenummer="3907", kommunenavn="Sandefjord", geometry=g.geometry.intersection(SOUTH))
        part = part[~part.geometry.is_empty]
        part.to_file(d / "sandefjord.gpkg", layer=name, driver="GPKG")
    (d / "odelagt.gpkg").write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)
    return d


@pytest.fixture(scope="module")
def pooled(folder, tmp_path_factory):
    out = tmp_path_factory.mktemp("ut") / "resultater.gpkg"
    code = main(["batch", str(folder), "--out", str(out), "--workers", "2"])
    return code, out


def _layer(path: Path, name: str) -> pd.DataFrame:
    return pyogrio.read_dataframe(path, layer=name, read_geometry=False)


def _alone(path: Path):
    forget_inputs()
    cfg = default_config()
    return load(path, config=cfg), cfg


def test_broken_municipality_is_reported_and_the_others_are_written(pooled, capsys):
    code, out = pooled
    assert code == 1            # some failed
    status = _layer(out, "kommuner")
    assert len(status) == 3
    assert list(status["status"]) == ["ok", "feilet", "ok"]      # name order: larvik, odelagt, sandefjord
    bad = status[status["status"] == "feilet"].iloc[0]
    assert bad["datakilde"].endswith("odelagt.gpkg") and bad["aarsak"]
    steder = _layer(out, "reserve_steder")
    assert set(steder["kommunenummer"]) == {"3909", "3907"}
    assert set(steder["kommunenavn"]) == {"Larvik", "Sandefjord"}


def test_summary_says_read_equals_ok_plus_failed_in_norwegian(folder, tmp_path, capsys):
    out = tmp_path / "r.gpkg"
    lst = tmp_path / "liste.txt"
    lst.write_text(f"# kommunene\n\n{folder / 'sandefjord.gpkg'}\n  {folder / 'odelagt.gpkg'}  \n"
                   f"{folder / 'sandefjord.gpkg'}\n", encoding="utf-8")
    code = main(["batch", str(lst), "--analyses", "concentration", "--out", str(out), "--workers", "1"])
    err = capsys.readouterr()
    assert code == 1
    assert "Lest 2 kommuner = 1 ok + 1 feilet." in err.out
    assert "odelagt.gpkg:" in err.out and "Traceback" not in err.out + err.err
    assert "gjentar" in err.out         # the duplicate line is run once
    assert list(_layer(out, "kommuner")["status"]) == ["ok", "feilet"]


def test_rows_equal_the_single_municipality_runs(folder, pooled):
    _code, out = pooled
    parc = _layer(out, "reserve_parseller")
    gk = _layer(out, "konsentrasjon_grunnkrets")
    ub = _layer(out, "skole_utviklingsgrenser")
    for fname, nr in (("larvik.gpkg", "3909"), ("sandefjord.gpkg", "3907")):
        ds, cfg = _alone(folder / fname)
        res = runs.reserves(ds, cfg)
        mine = parc[parc["kommunenummer"] == nr].set_index("navn")["areal_daa"].sort_index()
        theirs = res.parseller.set_index("navn")["areal_daa"].sort_index()
        assert len(mine) == len(theirs) > 0
        assert all(math.isclose(a, b, rel_tol=1e-9) for a, b in zip(mine, theirs))
        pub, _hv, _st = runs.concentration(ds, cfg, public=True)
        internal, _hv, _st = runs.concentration(ds, cfg, public=False)
        m = gk[gk["kommunenummer"] == nr].set_index("grunnkretsnummer")["kommunale_enheter"]
        p = pub.grunnkretser.set_index("grunnkretsnummer")["kommunale_enheter"]
        i = internal.grunnkretser.set_index("grunnkretsnummer")["kommunale_enheter"]
        assert m.sort_index().equals(p.astype(m.dtype).sort_index()) or (
            (m.sort_index().fillna(-1) == p.sort_index().fillna(-1).astype(float)).all())
        # the public form: what the internal result has below the minimum is not in the file
        hidden = m.isna() & i.reindex(m.index).notna()
        assert hidden.any()
        sch = runs.schools(ds, cfg)
        mu = ub[ub["kommunenummer"] == nr].set_index("navn")["andel_innenfor_pct"].sort_index()
        su = sch.utviklingsgrenser.set_index("navn")["andel_innenfor_pct"].sort_index()
        assert list(mu.index) == list(su.index) and all(
            math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9) for a, b in zip(mu, su))


def test_output_is_never_written_over_an_input(folder, capsys):
    before = (folder / "larvik.gpkg").read_bytes()
    code = main(["batch", str(folder), "--out", str(folder / "larvik.gpkg")])
    assert code == 2
    assert "selve inndatafilen" in capsys.readouterr().err
    assert (folder / "larvik.gpkg").read_bytes() == before
    # a new file inside the data folder would be read as a municipality next time
    assert main(["batch", str(folder), "--out", str(folder / "resultat.gpkg")]) == 2
    assert "datamappen" in capsys.readouterr().err
    assert not (folder / "resultat.gpkg").exists()


def test_a_dask_cluster_gives_the_pools_answer(folder, pooled, tmp_path):
    from distributed import LocalCluster
    _code, pool_out = pooled
    out = tmp_path / "dask.gpkg"
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                      dashboard_address=None) as cluster:
        code = main(["batch", str(folder), "--out", str(out), "--scheduler", cluster.scheduler_address])
    assert code == 1
    for name in ("reserve_parseller", "reserve_steder", "skole_utviklingsgrenser",
                 "konsentrasjon_grunnkrets"):
        a, b = _layer(pool_out, name), _layer(out, name)
        pd.testing.assert_frame_equal(a, b)


def test_unknown_analysis_and_a_single_gpkg_are_refused_in_norwegian(folder, tmp_path, capsys):
    assert main(["batch", str(folder), "--analyses", "reserver", "--out", str(tmp_path / "a.gpkg")]) == 2
    assert "ukjent analyse «reserver»" in capsys.readouterr().err
    assert main(["batch", str(folder / "larvik.gpkg"), "--out", str(tmp_path / "a.gpkg")]) == 2
    assert "data for én kommune" in capsys.readouterr().err


def test_scheduler_without_dask_is_a_norwegian_error(folder, tmp_path, capsys, monkeypatch):
    import sys
    monkeypatch.setitem(sys.modules, "distributed", None)     # import distributed -> ImportError
    out = tmp_path / "x.gpkg"
    assert main(["batch", str(folder), "--out", str(out), "--scheduler", "tcp://127.0.0.1:1"]) == 2
    err = capsys.readouterr().err
    assert "--scheduler krever pakkene «dask» og «distributed»" in err and "geoplan[cluster]" in err
    assert not out.exists()
