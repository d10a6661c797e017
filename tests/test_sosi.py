"""The SOSI text reader: real Kartverket/DiBK-style files and hand-built ones, checked by hand."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import shapely

from geoplan.io.sosi import SosiError, koordsys_epsg, read_sosi

REAL = Path(__file__).parent / "data" / "real"


def _sos(body: str, head: str = "..TEGNSETT UTF-8\n...KOORDSYS 22\n...ORIGO-NØ 0 0\n...ENHET 0.01\n",
         end: str = ".SLUTT\n") -> bytes:
    return (".HODE\n" + head + "..SOSI-VERSJON 4.5\n" + body + end).encode("utf-8")


SQUARE = """.KURVE 1:
..OBJTYPE RpFormålGrense
..NØ
654000000 56000000 ...KP 1
654000000 56010000
654010000 56010000
654010000 56000000
654000000 56000000
.KURVE 2:
..OBJTYPE RpFormålGrense
..NØ
654002000 56002000 654002000 56004000
654004000 56004000 654004000 56002000
654002000 56002000
.FLATE 3:
..OBJTYPE RpArealformålOmråde
..NASJONALAREALPLANID
...KOMM 0301
...PLANID "2020 ..12"
..RPAREALFORMÅL 1110   ! bolig
..FELTNAVN "B1 «Ørnåsen»"
..REF :1 (:-2)
..NØ
654005000 56005000
"""


def test_surface_with_island_area_by_hand_and_attributes():
    d = read_sosi(_sos(SQUARE))
    f = d.layers["RpArealformålOmråde"].iloc[0]
    # 100 m x 100 m minus a 20 m x 20 m island (ENHET 0.01)
    assert f.geometry.area == pytest.approx(100 * 100 - 20 * 20)
    assert f.geometry.bounds == pytest.approx((560000, 6540000, 560100, 6540100))
    assert f["RPAREALFORMÅL"] == 1110
    assert f["KOMM"] == "0301"               # a code with a leading zero stays text
    assert f["PLANID"] == "2020 ..12"         # quotes protect dots and spaces
    assert f["FELTNAVN"] == "B1 «Ørnåsen»"
    assert d.crs.to_epsg() == 25832
    assert d.n_objects == d.n_features + d.n_skipped == 3


def test_missing_curve_is_counted_and_named():
    body = SQUARE.replace("..REF :1 (:-2)", "..REF :1 (:-99)")
    d = read_sosi(_sos(body))
    assert "RpArealformålOmråde" not in d.layers
    assert d.n_skipped == 1 and d.n_objects == d.n_features + d.n_skipped
    assert any("99" in n and "FLATE 3" in n for n in d.notes)


def test_malformed_coordinates_give_line_number():
    body = ".KURVE 1:\n..OBJTYPE X\n..NØ\n100 200\n300 abc\n"
    d = read_sosi(_sos(body))
    assert d.n_skipped == 1
    note = " ".join(d.notes)
    # .HODE has 6 lines, so «300 abc» is line 11
    assert "linje 11" in note and "«abc»" in note


def test_not_sosi_and_empty_are_refused_in_norwegian():
    with pytest.raises(SosiError, match="ikke en SOSI-fil"):
        read_sosi(b"<xml>nope</xml>")
    with pytest.raises(SosiError, match="tom"):
        read_sosi(b"  \n")


def test_height_dropped_with_a_note_and_arc_densified():
    body = (".KURVE 1:\n..OBJTYPE K\n..NØH\n100 0 5\n200 0 6\n"
            ".BUEP 2:\n..OBJTYPE B\n..NØ\n0 100\n100 0\n0 -100\n")
    d = read_sosi(_sos(body, head="..TEGNSETT UTF-8\n...KOORDSYS 22\n...ORIGO-NØ 6540000 560000\n...ENHET 1\n"))
    assert any("..NØH" in n for n in d.notes)
    arc = d.layers["B"].geometry.iloc[0]
    xy = shapely.get_coordinates(arc)
    r = np.hypot(xy[:, 0] - 560000, xy[:, 1] - 6540000)
    assert np.allclose(r, 100) and len(xy) > 10      # a half circle of radius 100 m
    assert arc.length == pytest.approx(np.pi * 100, rel=1e-3)


def test_koordsys_mapping_and_refusal_by_name():
    assert koordsys_epsg(22)[0] == 25832 and koordsys_epsg(23)[0] == 25833
    assert koordsys_epsg(25)[0] == 25835 and koordsys_epsg(5)[0] == 27395
    assert koordsys_epsg(215)[0] == 5115
    epsg, why = koordsys_epsg(32)
    assert epsg is None and "ED50 UTM sone 32" in why


@pytest.mark.parametrize("codec,declared", [("latin-1", "ISO8859-1"), ("cp865", "DOSN8"),
                                            ("cp1252", "ANSI"), ("iso8859_10", "ISO8859-10")])
def test_declared_character_sets(codec, declared):
    text = f".HODE\n..TEGNSETT {declared}\n...KOORDSYS 22\n.PUNKT 1:\n..OBJTYPE P\n..NAVN \"Ærøy ås\"\n..NØ\n1 2\n.SLUTT\n"
    d = read_sosi(text.encode(codec))
    assert d.layers["P"]["NAVN"].iloc[0] == "Ærøy ås"
    assert not any("men er skrevet" in n for n in d.notes)


def test_wrong_declaration_detected_both_ways():
    text = ".HODE\n..TEGNSETT {}\n...KOORDSYS 22\n.PUNKT 1:\n..OBJTYPE P\n..NAVN Sørøya\n..NØ\n1 2\n.SLUTT\n"
    d = read_sosi(text.format("ISO8859-10").encode("utf-8"))
    assert d.layers["P"]["NAVN"].iloc[0] == "Sørøya" and d.encoding == "UTF-8"
    assert any("men er skrevet i UTF-8" in n for n in d.notes)
    d = read_sosi(text.format("UTF-8").encode("latin-1"))
    assert d.layers["P"]["NAVN"].iloc[0] == "Sørøya"
    assert any("oppgir tegnsettet UTF-8" in n for n in d.notes)


def test_real_reguleringsplan_saltdal():
    """sosi.js data/Regplan.sos: counts from an independent grep of the file's ..OBJTYPE lines."""
    raw = (REAL / "Regplan.sos").read_bytes()
    d = read_sosi(REAL / "Regplan.sos")
    objtypes = [ln.split(b" ", 1)[1].strip() for ln in raw.splitlines() if ln.startswith(b"..OBJTYPE")]
    assert d.n_objects == len(objtypes) == d.n_features + d.n_skipped
    assert len(d.layers["RpArealformålOmråde"]) == objtypes.count("RpArealformålOmråde".encode("latin-1"))
    assert d.crs.to_epsg() == 5115            # KOORDSYS 215: EUREF89 NTM sone 15
    af = d.layers["RpArealformålOmråde"]
    row = af[af["sosi_id"] == "211"].iloc[0]
    assert row["RPAREALFORMÅL"] == 5100 and row["FELTNAVN"] == "LNFR1" and row["PLANID"] == 2016003
    assert af.geometry.is_valid.all()
    # the plan area (RpOmråde, ..REF :-100) covers the land-use areas
    plan = d.layers["RpOmråde"].geometry.iloc[0]
    assert shapely.union_all(af.geometry.to_numpy()).difference(plan.buffer(0.01)).area < 1.0


def test_real_encodings():
    d = read_sosi(REAL / "naturvernomraade.sos")           # declares ISO8859-10, is UTF-8
    assert d.declared_encoding == "ISO8859-10" and d.encoding == "UTF-8"
    assert "Naturvernområde" in d.layers
    d = read_sosi(REAL / "valgkretserdos8.SOS")
    assert d.encoding == "DOSN8"
    names = " ".join(str(v) for g in d.layers.values() for v in g.astype(str).to_numpy().ravel())
    assert "\ufffd" not in names
    d = read_sosi(REAL / "buer.sos")                        # no .SLUTT: read, with a warning
    assert any(".SLUTT" in n for n in d.notes) and d.n_features == 21


def test_real_islands_flate_oy():
    d = read_sosi(REAL / "flate_oy.sos")
    areas = sorted(d.layers["Mahogney"].geometry.area)
    # 1000 x 1000 m squares; islands 10 x 10 m (a curve ring, or a surface given as island)
    assert areas == pytest.approx([100.0, 1_000_000 - 100, 1_000_000 - 100])


# -- what the mutation fuzzer found (tests/test_trust_fuzz.py; inputs in data/hostile/fuzz/) --

FUZZ = Path(__file__).parent / "data" / "hostile" / "fuzz"


def test_curves_out_of_order_and_of_different_lengths_still_make_the_surface():
    """..REF :1 :3 :2 :4 does not chain in order; the fallback (polygonize) used to fail on
    curves of different lengths. The 100 m x 100 m square, by hand: 10 000 m²."""
    d = read_sosi(FUZZ / "sosi-refs-out-of-order.sos")
    assert d.layers["RpArealformålOmråde"].geometry.iloc[0].area == pytest.approx(100 * 100)
    assert d.n_objects == d.n_features + d.n_skipped == 5


def test_a_one_point_curve_in_a_boundary_is_counted_not_a_crash():
    d = read_sosi(FUZZ / "sosi-one-point-curve.sos")
    assert d.layers["RpArealformålOmråde"].geometry.iloc[0].area == pytest.approx(100 * 100)
    assert d.skipped["short"] == 1 and any("KURVE 2 (linje 14)" in n for n in d.notes)


def test_a_non_finite_coordinate_is_named_with_its_line():
    d = read_sosi(FUZZ / "sosi-inf-coordinate.sos")
    assert d.n_features == 0 and d.skipped["error"] == 1
    assert any("linje 12" in n and "«inf»" in n and "endelig" in n for n in d.notes)


def test_bom_before_bytes_that_are_not_utf8_is_read_with_a_note():
    d = read_sosi(FUZZ / "sosi-bom-not-utf8.sos")
    assert d.encoding == "UTF-8" and any("BOM" in n for n in d.notes)
    assert d.layers["Grense"]["NAVN"].iloc[0] == "\ufffd\ufffd\ufffd"


def test_an_integer_beyond_int64_stays_text():
    d = read_sosi(FUZZ / "sosi-huge-integer.sos")
    assert d.layers["Punkt"]["NUMMER"].iloc[0] == "99999999999999999999999"
