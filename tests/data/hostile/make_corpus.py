"""Build the hostile-file corpus in this folder (run once; the output is committed).

``python tests/data/hostile/make_corpus.py``. Each file is a case a user (or an
attacker) can hand geoplan; tests/test_trust_corpus.py runs every one through
``geoplan check`` and requires a Norwegian message, exit 0/1/2, no traceback,
no «uventet feil», no server temporary path. ``fuzz/`` holds inputs the fuzzer
found crashing, kept as regression cases.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEED = (HERE.parent / "kpa_sosi.gml").read_text(encoding="utf-8")


def gj(features, name):
    (HERE / name).write_text(json.dumps({"type": "FeatureCollection", "features": features,
                                         "crs": {"type": "name", "properties": {
                                             "name": "urn:ogc:def:crs:EPSG::25832"}}}),
                             encoding="utf-8")


def pt(x, y, **props):
    return {"type": "Feature", "properties": props,
            "geometry": {"type": "Point", "coordinates": [x, y]}}


def main() -> None:
    head, rest = SEED.split("\n", 1)
    (HERE / "xxe.gml").write_text(
        head + '\n<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
        + rest.replace("</gml:FeatureCollection>", "<n>&xxe;</n></gml:FeatureCollection>", 1)
        if "</gml:FeatureCollection>" in rest else head + "\n" + rest, encoding="utf-8")
    lol = "".join(f'<!ENTITY l{i} "{("&l" + str(i - 1) + ";") * 10}">' for i in range(1, 10))
    (HERE / "billion_laughs.gml").write_text(
        f'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY l0 "lol">{lol}]>\n<r>&l9;</r>\n',
        encoding="utf-8")
    (HERE / "truncated.gml").write_text(SEED[: len(SEED) * 2 // 3], encoding="utf-8")
    (HERE / "latin1_declared_utf8.gml").write_bytes(SEED.replace("Å", "\xc5").encode("latin-1", "replace"))
    (HERE / "not_xml.gml").write_text("dette er ikke GML\n", encoding="utf-8")
    with zipfile.ZipFile(HERE / "traversal.zip", "w") as z:
        z.writestr("../../evil.geojson", "{}")
    with zipfile.ZipFile(HERE / "zipbomb.zip", "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("skole.geojson", b" " * (60 * 2**20))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        z.writestr("skole.geojson", json.dumps({"type": "FeatureCollection",
                                                "features": [pt(566000, 6550000, navn="A")]}))
    raw = bytearray(buf.getvalue())
    i = raw.find(b"566000")
    raw[i] = ord("7")                       # data changed after the CRC was written
    (HERE / "bad_crc.zip").write_bytes(bytes(raw))
    (HERE / "not_a_zip.zip").write_bytes(b"PK\x03\x04 not really")
    (HERE / "not_a_gpkg.gpkg").write_text("SQLite format 3? nei", encoding="utf-8")
    (HERE / "empty.geojson").write_text("", encoding="utf-8")
    (HERE / "skole_inf.geojson").write_text(
        '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"navn":"Inf"},'
        '"geometry":{"type":"Point","coordinates":[1e400,6550000]}},{"type":"Feature",'
        '"properties":{"navn":"Ok"},"geometry":{"type":"Point","coordinates":[566000,6550000]}}]}',
        encoding="utf-8")
    (HERE / "kommunal_bolig_inf.geojson").write_text(
        '{"type":"FeatureCollection","features":['
        + ",".join('{"type":"Feature","properties":{"antall_enheter":%s,"kategori":"utleie"},'
                   '"geometry":{"type":"Point","coordinates":[566%03d,6550000]}}' % (v, i)
                   for i, v in enumerate(["1e400", "1e300", "2", "-1", "\"tre\"", "3"]))
        + "]}", encoding="utf-8")
    gj([pt(566000, 6550000, navn="<script>alert(1)</script>"),
        pt(566100, 6550000, navn="=HYPERLINK(\"http://x\",\"klikk\")"),
        pt(566200, 6550000, navn="'; DROP TABLE skole; --")], "skole_html_sql.geojson")
    gj([pt(10.0, 59.0, navn="Grader")], "skole_degrees_as_utm.geojson")
    gj([pt(566000, 6550000, navn="a")], "semi;colon.geojson")
    _shapefile_latin1()


def _shapefile_latin1() -> None:
    """A Shapefile whose DBF is Latin-1 with no .cpg (as old ArcGIS exports)."""
    import geopandas as gpd
    import shapely

    g = gpd.GeoDataFrame({"navn": ["Asgardstrand skole", "Bokeskogen"]},
                         geometry=[shapely.Point(566000, 6550000), shapely.Point(567000, 6551000)],
                         crs=25832)
    d = HERE / "latin1_shp"
    d.mkdir(exist_ok=True)
    g.to_file(d / "skole.shp")
    dbf = (d / "skole.dbf").read_bytes()
    dbf = dbf.replace(b"Asgardstrand", "Åsgårdstrand".encode("latin-1"))
    dbf = dbf.replace(b"Bokeskogen", "Bøkeskogen".encode("latin-1"))
    (d / "skole.dbf").write_bytes(dbf)
    (d / "skole.cpg").unlink(missing_ok=True)


if __name__ == "__main__":
    main()
