"""Kind ``stoysone``: T-1442 red and yellow zones of the plan on the site (issue 14).

Hand-built zones: a red zone 0-100 m and a yellow zone 100-300 m east of a road
at x = X0; shares and distances below are worked out by hand.
"""

from __future__ import annotations

import json

import geopandas as gpd
import pytest
from shapely.geometry import Point, box

from geoplan.analysis.sites import SiteAssessor, criteria_from_config
from geoplan.config import DEFAULT_CONFIG_DIR
from geoplan.present.cli.main import main

X0, Y0 = 560_000.0, 6_540_000.0
CRS = "EPSG:25832"


def _entry(**over):
    import tomllib
    with open(DEFAULT_CONFIG_DIR / "sites.toml", "rb") as fh:
        e = next(c for c in tomllib.load(fh)["criteria"] if c["id"] == "stoysone_plan")
    return {**e, **over}


def zones(sone=("rød", "gul", "annen")):
    return gpd.GeoDataFrame(
        {"sone": list(sone), "navn": ["E18 rød", "E18 gul", "Annen"][:len(sone)]},
        geometry=[box(X0, Y0, X0 + 100, Y0 + 1000), box(X0 + 100, Y0, X0 + 300, Y0 + 1000),
                  box(X0 + 300, Y0, X0 + 400, Y0 + 1000)][:len(sone)], crs=CRS)


def one(layers, geom, **over):
    crits, profiles = criteria_from_config({"criteria": [_entry(**over)]})
    a = SiteAssessor(layers, CRS, criteria=crits, profiles=profiles)
    return a.assess(geom)["kriterier"][0]


def test_points_in_red_yellow_other_and_outside():
    L = {"stoysone": zones()}
    red = one(L, Point(X0 + 50, Y0 + 500))
    assert (red["status"], red["verdi"]) == ("rod", 2) and "rød støysone" in red["begrunnelse"]
    assert red["detaljer"]["navn"] == ["E18 rød"]
    yellow = one(L, Point(X0 + 200, Y0 + 500))
    assert (yellow["status"], yellow["verdi"]) == ("gul", 1) and yellow["detaljer"]["sone"] == "gul"
    other = one(L, Point(X0 + 350, Y0 + 500))          # «annen» (code 290) is no T-1442 zone
    assert (other["status"], other["verdi"]) == ("gronn", 0)
    assert "50 m fra nærmeste" in other["begrunnelse"]  # 350 - 300
    far = one(L, Point(X0 + 1300, Y0 + 500))
    assert far["status"] == "gronn" and "1\u00a0000 m" in far["begrunnelse"]


def test_polygon_sites_by_share():
    L = {"stoysone": zones()}
    # 50 x 100 m site from x = 250 to 300: all yellow
    half = one(L, box(X0 + 250, Y0, X0 + 350, Y0 + 100))    # 50 % yellow, 50 % «annen»
    assert half["status"] == "gul" and half["detaljer"]["andel_gul_pct"] == pytest.approx(50.0)
    assert "50,0 % i gul sone" in half["begrunnelse"]
    both = one(L, box(X0 + 90, Y0, X0 + 190, Y0 + 100))     # 10 % red, 90 % yellow
    assert both["status"] == "rod"
    assert both["detaljer"]["andel_rod_pct"] == pytest.approx(10.0)
    assert "10,0 % i rød sone og 90,0 % i gul sone" in both["begrunnelse"]
    # a municipality may tolerate a sliver: more than 20 % of the site must be in the zone
    tol = one(L, box(X0 + 90, Y0, X0 + 190, Y0 + 100), min_share_pct=20)
    assert tol["status"] == "gul" and tol["verdi"] == 1


def test_the_status_on_hit_comes_from_the_thresholds():
    L = {"stoysone": zones()}
    strict = one(L, Point(X0 + 200, Y0 + 500), red=1)     # red already in a yellow zone
    assert strict["status"] == "rod"
    assert "T-1442/2021" in strict["kilde"]


def test_missing_layer_or_column_is_unknown_and_says_why(tmp_path):
    no = one({"skole": gpd.GeoDataFrame(geometry=[Point(X0, Y0)], crs=CRS)}, Point(X0, Y0))
    assert no["status"] == "ukjent" and "stoysone" in no["begrunnelse"]
    bad = one({"stoysone": zones().rename(columns={"sone": "x"})}, Point(X0 + 50, Y0 + 500))
    assert bad["status"] == "ukjent" and "kolonnen «sone»" in bad["begrunnelse"]
    # no støysoner in the plan, but a measured noise map: the message points to it
    crits, profiles = criteria_from_config({"criteria": [_entry()]})
    a = SiteAssessor({"skole": gpd.GeoDataFrame(geometry=[Point(X0, Y0)], crs=CRS)}, CRS,
                     rasters={"stoy": tmp_path / "stoy.tif"}, criteria=crits, profiles=profiles)
    row = a.assess(Point(X0, Y0))["kriterier"][0]
    assert row["status"] == "ukjent" and "stoy.tif" in row["begrunnelse"]


SOS_HEAD = (".HODE\n..TEGNSETT UTF-8\n..TRANSPAR\n...KOORDSYS 22\n...ORIGO-NØ 0 0\n...ENHET 1\n"
            "..SOSI-VERSJON 4.5\n")


def _flate(i, x0, y0, w, h, objtype, attrs):
    ring = [(x0, y0), (x0 + w, y0), (x0 + w, y0 + h), (x0, y0 + h), (x0, y0)]
    nø = "\n".join(f"{int(y)} {int(x)}" for x, y in ring)
    return (f".KURVE {i}:\n..OBJTYPE Grense\n..NØ\n{nø}\n"
            f".FLATE {i + 1}:\n..OBJTYPE {objtype}\n{attrs}..REF :{i}\n..NØ\n{int(y0 + 1)} {int(x0 + 1)}\n")


def test_assess_reads_the_zones_from_a_sosi_plan(tmp_path, capsys):
    body = (_flate(1, X0, Y0, 1000, 1000, "RpArealformålOmråde", "..RPAREALFORMÅL 1110\n")
            + _flate(3, X0, Y0, 100, 1000, "RpStøySone", "..RPSTØY 210\n")
            + _flate(5, X0 + 100, Y0, 200, 1000, "RpStøySone", "..RPSTØY 220\n"))
    plan = tmp_path / "plan.sos"
    plan.write_text(SOS_HEAD + body + ".SLUTT\n", encoding="utf-8")
    assert main(["assess", str(plan), "--site", f"{X0 + 150},{Y0 + 500}", "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    row = next(k for k in res["kriterier"] if k["id"] == "stoysone_plan")
    assert (row["status"], row["verdi"]) == ("gul", 1)
    stoy = next(k for k in res["kriterier"] if k["id"] == "stoy")
    assert stoy["status"] == "ukjent"                    # no stoy.tif: the plan's zones decide
