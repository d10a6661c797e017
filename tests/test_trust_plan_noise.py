"""Støysoner read from a SOSI plan file reach the site assessment (issue 14).

The plan reader turns RpStøySone with RPSTØY 210/220 into the ``stoysone`` layer
(``sone`` rød/gul, T-1442/2021); the DOK criteria ``dok_stoysone_rod``/``_gul``
read it. Without ``stoy.tif`` these are the noise information the site gets.
"""

from __future__ import annotations

import json

from geoplan.io import load
from geoplan.present.cli.main import main

X0, Y0 = 560_000.0, 6_540_000.0
SOS_HEAD = (".HODE\n..TEGNSETT UTF-8\n..TRANSPAR\n...KOORDSYS 22\n...ORIGO-NØ 0 0\n...ENHET 1\n"
            "..SOSI-VERSJON 4.5\n")


def _flate(i, x0, y0, w, h, objtype, attrs):
    ring = [(x0, y0), (x0 + w, y0), (x0 + w, y0 + h), (x0, y0 + h), (x0, y0)]
    nø = "\n".join(f"{int(y)} {int(x)}" for x, y in ring)
    return (f".KURVE {i}:\n..OBJTYPE Grense\n..NØ\n{nø}\n"
            f".FLATE {i + 1}:\n..OBJTYPE {objtype}\n{attrs}..REF :{i}\n..NØ\n{int(y0 + 1)} {int(x0 + 1)}\n")


def _plan(tmp_path):
    """Housing zoned 1 x 1 km; a red zone 0-100 m and a yellow zone 100-300 m from its west edge."""
    body = (_flate(1, X0, Y0, 1000, 1000, "RpArealformålOmråde", "..RPAREALFORMÅL 1110\n")
            + _flate(3, X0, Y0, 100, 1000, "RpStøySone", "..RPSTØY 210\n")
            + _flate(5, X0 + 100, Y0, 200, 1000, "RpStøySone", "..RPSTØY 220\n"))
    plan = tmp_path / "plan.sos"
    plan.write_text(SOS_HEAD + body + ".SLUTT\n", encoding="utf-8")
    return plan


def test_the_plan_reader_makes_the_stoysone_layer(tmp_path):
    ds = load(_plan(tmp_path))
    z = ds["stoysone"].sort_values("kode")
    assert list(z["sone"]) == ["rød", "gul"] and list(z["kode"]) == [210, 220]
    assert [round(a) for a in z.geometry.area] == [100 * 1000, 200 * 1000]


def test_assess_uses_the_plans_noise_zones_without_stoy_tif(tmp_path, capsys):
    plan = _plan(tmp_path)
    rows = {}
    for label, x in (("rød", X0 + 50), ("gul", X0 + 150), ("utenfor", X0 + 500)):
        assert main(["assess", str(plan), "--site", f"{x},{Y0 + 500}", "--json"]) == 0
        res = json.loads(capsys.readouterr().out)
        rows[label] = {k["id"]: k for k in res["kriterier"]}
    assert rows["rød"]["stoy"]["status"] == "ukjent"          # no stoy.tif beside the plan
    assert rows["rød"]["dok_stoysone_rod"]["status"] == "rod"
    assert (rows["gul"]["dok_stoysone_rod"]["status"], rows["gul"]["dok_stoysone_gul"]["status"]) == (
        "gronn", "gul")
    assert rows["utenfor"]["dok_stoysone_gul"]["status"] == "gronn"
