"""Plans as they come: SOSI-GML variants, several plans combined, folders and zips, convert."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pyogrio
import pytest

from geoplan.io import load
from geoplan.io.crs import crs_from_srs_name
from geoplan.present.cli.main import main

REAL = Path(__file__).parent / "data" / "real"
NS = {"5.0": "http://skjema.geonorge.no/SOSI/produktspesifikasjon/Reguleringsplan/5.0",
      "4.5": "http://skjema.geonorge.no/SOSI/produktspesifikasjon/Kommuneplan/20190401"}


def _ring(x0, y0, w, h, z=None):
    pts = [(x0, y0), (x0 + w, y0), (x0 + w, y0 + h), (x0, y0 + h), (x0, y0)]
    return " ".join(f"{x} {y}" + (f" {z}" if z is not None else "") for x, y in pts)


def gml_plan(ftype: str, features: list[dict], srs: str, ns: str = NS["5.0"], dim: int = 2,
             plan: dict | None = None) -> str:
    """A SOSI-GML plan; ``features``: x, y, w, h, formal and optional status."""
    members = []
    if plan:
        members.append(
            f'<gml:featureMember><app:{plan["type"]} gml:id="po"><app:område><gml:Polygon srsName="{srs}" '
            f'srsDimension="{dim}"><gml:exterior><gml:LinearRing><gml:posList>'
            f'{_ring(*plan["box"], z=5 if dim == 3 else None)}</gml:posList></gml:LinearRing></gml:exterior>'
            f'</gml:Polygon></app:område><app:nasjonalArealplanId><app:NasjonalArealplanId>'
            f'<app:planidentifikasjon>{plan["planid"]}</app:planidentifikasjon></app:NasjonalArealplanId>'
            f'</app:nasjonalArealplanId><app:plantype>{plan["plantype"]}</app:plantype>'
            f'<app:planstatus>{plan["planstatus"]}</app:planstatus><app:vertikalnivå>2</app:vertikalnivå>'
            f'</app:{plan["type"]}></gml:featureMember>')
    for i, f in enumerate(features):
        z = 5 if dim == 3 else None
        extra = f'<app:arealbruksstatus>{f["status"]}</app:arealbruksstatus>' if "status" in f else ""
        vn = f'<app:vertikalnivå>{f["vn"]}</app:vertikalnivå>' if "vn" in f else ""
        members.append(
            f'<gml:featureMember><app:{ftype} gml:id="f{i}"><app:område><gml:Surface srsName="{srs}" '
            f'srsDimension="{dim}"><gml:patches><gml:PolygonPatch><gml:exterior><gml:LinearRing>'
            f'<gml:posList>{_ring(f["x"], f["y"], f["w"], f["h"], z)}</gml:posList></gml:LinearRing>'
            f'</gml:exterior></gml:PolygonPatch></gml:patches></gml:Surface></app:område>'
            f'<app:arealformål>{f["formal"]}</app:arealformål>{extra}{vn}'
            f'<app:planområde xlink:href="#po"/></app:{ftype}></gml:featureMember>')
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<gml:FeatureCollection '
            f'xmlns:gml="http://www.opengis.net/gml/3.2" xmlns:app="{ns}" '
            f'xmlns:xlink="http://www.w3.org/1999/xlink">{"".join(members)}</gml:FeatureCollection>')


KP = dict(type="KpOmråde", box=(560000, 6540000, 1000, 1000), planid="KPA2020", plantype=20, planstatus=3)
RP = dict(type="RpOmråde", box=(560000, 6540000, 200, 200), planid="R77", plantype=35, planstatus=3)


@pytest.mark.parametrize("srs", [
    "EPSG:25832", "urn:ogc:def:crs:EPSG::25832", "http://www.opengis.net/def/crs/EPSG/0/25832",
    "http://www.opengis.net/def/crs/EPSG/0/5972", "urn:ogc:def:crs:EPSG::11022",
    "http://www.opengis.net/gml/srs/epsg.xml#25832"])
def test_srs_name_forms_all_give_utm32(srs):
    assert crs_from_srs_name(srs)[0].to_epsg() == 25832


@pytest.mark.parametrize("dim,srs", [(2, "EPSG:25832"), (3, "http://www.opengis.net/def/crs/EPSG/0/5972"),
                                     (2, "urn:ogc:def:crs:EPSG::11022")])
def test_kpa_gml_2d_3d_and_v12_codes_load(tmp_path, dim, srs):
    p = tmp_path / "kpa.gml"
    p.write_text(gml_plan("KpArealformålOmråde", [dict(x=560000, y=6540000, w=200, h=100, formal=1110, status=2)],
                          srs, ns=NS["4.5"], dim=dim, plan=KP), encoding="utf-8")
    ds = load(p)
    af = ds["arealformal"]
    assert len(af) == 1 and af["arealformal"].iloc[0] == 1110
    assert af.area.iloc[0] == pytest.approx(200 * 100)
    assert af["planid"].iloc[0] == "KPA2020" and af["plannivaa"].iloc[0] == "kommuneplan"
    assert ds.epsg == 25832 and "planomrade" in ds.layers
    if dim == 3:
        assert any("2D" in m or "høyde" in m for m in ds.reports["arealformal"].messages)
    assert sorted(x.name for x in tmp_path.iterdir()) == ["kpa.gml"]   # no .gfs beside it


def _two_plans(d: Path) -> None:
    (d / "kpa.gml").write_text(gml_plan(
        "KpArealformålOmråde", [dict(x=560000, y=6540000, w=1000, h=1000, formal=5100, status=1)],
        "EPSG:25832", ns=NS["4.5"], plan=KP), encoding="utf-8")
    (d / "reg.gml").write_text(gml_plan(
        "RpArealformålOmråde", [dict(x=560000, y=6540000, w=200, h=100, formal=1110),
                                dict(x=560000, y=6540100, w=200, h=100, formal=1110, vn=1)],
        "EPSG:25832", plan=RP), encoding="utf-8")
    (d / "opphevet.gml").write_text(gml_plan(
        "RpArealformålOmråde", [dict(x=560500, y=6540500, w=100, h=100, formal=1300)], "EPSG:25832",
        plan=dict(RP, planid="R1", planstatus=4)), encoding="utf-8")
    (d / "skadet.gml").write_text("<gml:FeatureCollection><gml:featureMember>", encoding="utf-8")


def test_folder_of_plans_combined_with_precedence_and_overlap_reported(tmp_path):
    _two_plans(tmp_path)
    ds = load(tmp_path)
    af = ds["arealformal"]
    # regulated 200 x 100 m on the ground wins; the one under ground (vn 1) and the repealed plan are out
    rp = af[af["plannivaa"] == "reguleringsplan"]
    kp = af[af["plannivaa"] == "kommuneplan"]
    assert len(rp) == 1 and rp.area.sum() == pytest.approx(20_000)
    assert kp.area.sum() == pytest.approx(1_000_000 - 20_000)
    msgs = " ".join(ds.reports["arealformal"].messages)
    assert "20,0 daa" in msgs and "R77" in msgs and "KPA2020" in msgs
    assert "skadet.gml" in msgs            # the broken file is named and hides nothing
    assert "opphevede" in msgs and "vertikalnivå" in msgs
    assert set(af["fil"]) == {"kpa.gml", "reg.gml"}


def test_zip_of_plans_names_files_inside_the_zip(tmp_path):
    d = tmp_path / "src"
    d.mkdir()
    _two_plans(d)
    z = tmp_path / "planer.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for p in d.iterdir():
            zf.write(p, p.name)
    ds = load(z)
    msgs = " ".join(ds.reports["arealformal"].messages)
    assert "planer.zip:skadet.gml" in msgs and "/tmp" not in msgs
    assert ds["arealformal"].area.sum() == pytest.approx(1_000_000)


def test_real_dibk_plan_in_vertikalniva_5_is_left_out_with_a_note(tmp_path):
    """DiBK's fixture puts its RpOmråde on vertikalnivå 5: its 3 formål are linked to it and left out."""
    from geoplan.io.typed import read_typed

    shutil.copy(REAL / "gml.avgr.1-pass.gml", tmp_path / "a.gml")
    raw = read_typed(tmp_path / "a.gml").types["RpArealformålOmråde"]
    assert len(raw) == pyogrio.read_info(REAL / "gml.avgr.1-pass.gml", layer="RpArealformålOmråde",
                                         WRITE_GFS="NO")["features"] == 3   # no .gfs beside it
    ds = load(tmp_path / "a.gml")
    assert len(ds.layers.get("arealformal", [])) == 0
    assert any("3 arealformål på andre vertikalnivå" in m for m in ds.reports["arealformal"].messages)
    shutil.copy(REAL / "gml.epsg.2-pass.gml", tmp_path / "tin.gml")
    from geoplan.io.gml import read_gml

    g = read_gml(tmp_path / "tin.gml")
    assert sum(g.skipped.values()) == 1 and any("TriangulatedSurface" in n for n in g.notes)
    assert sorted(x.name for x in tmp_path.iterdir()) == ["a.gml", "tin.gml"]


def test_real_sosi_plan_loads_as_plan_layers():
    ds = load(REAL / "Regplan.sos")
    assert len(ds["arealformal"]) == 49 and ds["arealformal"]["planid"].astype(str).eq("2016003").all()
    assert set(ds["hensynssone"]["hensynstype"]) == {"angitt hensyn", "sikring"}
    assert len(ds["faresone"]) == 1 and ds["faresone"]["kode"].iloc[0] == 320
    assert ds.epsg == 25833                          # NTM 15 brought to UTM 33


def test_non_plan_gml_lists_types_and_objtype_chooses(tmp_path, capsys):
    p = tmp_path / "ar5.sos"
    p.write_text(".HODE\n..TEGNSETT UTF-8\n...KOORDSYS 22\n...ENHET 1\n"
                 ".KURVE 1:\n..OBJTYPE ArealressursGrense\n..NØ\n6540000 560000\n6540000 560100\n"
                 "6540100 560100\n6540100 560000\n6540000 560000\n"
                 ".FLATE 2:\n..OBJTYPE ArealressursFlate\n..ARTYPE 30\n..REF :1\n.SLUTT\n", encoding="utf-8")
    assert main(["check", str(p)]) == 2
    err = capsys.readouterr().err
    assert "ArealressursFlate (1)" in err and "ArealressursGrense (1)" in err and "--objtype" in err
    ds = load(p, objtype="ArealressursFlate", layer="innspill")
    assert ds.reports["innspill"].n_read == 1


def test_geojson_in_utm_without_crs_member_and_crs_option(tmp_path, capsys):
    gj = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"navn": "A"},
          "geometry": {"type": "Point", "coordinates": [565000.0, 6550000.0]}}]}
    p = tmp_path / "skole.geojson"
    p.write_text(json.dumps(gj), encoding="utf-8")
    ds = load(p)
    rep = ds.reports["skole"]
    assert rep.status == "problem" and "UTM" in " ".join(rep.messages)
    ds = load(p, crs=25832)
    assert ds["skole"].geometry.iloc[0].x == pytest.approx(565000.0)


def test_convert_writes_one_layer_per_type(tmp_path, capsys):
    out = tmp_path / "ut.gpkg"
    assert main(["convert", str(REAL / "Regplan.sos"), str(out), "--json"]) == 0
    rep = json.loads(capsys.readouterr().out)
    layers = {n for n, _ in pyogrio.list_layers(out)}
    assert "RpArealformålOmråde" in layers and len(layers) == len(rep["lag"]) == 14
    assert sum(r["antall_skrevet"] for r in rep["lag"]) == 297
    assert main(["convert", str(REAL / "Regplan.sos"), str(out)]) == 2   # never overwrites
