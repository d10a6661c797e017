"""Build the synthetic test files in the national products' schemas (see README.md).

Run from the repository root: ``python tests/data/products/make_products.py``. The
output is committed; this script documents how it was made. Every value is
synthetic (made up for the tests), placed in Larvik (3909), with a few features
outside the municipality so that clipping can be checked.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from pyproj import Transformer

OUT = Path(__file__).parent / "kommune_3909"
GML = "http://www.opengis.net/gml/3.2"


def _collection(ns: str, members: list[str]) -> str:
    body = "\n".join(f"  <gml:featureMember>\n{m}\n  </gml:featureMember>" for m in members)
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<gml:FeatureCollection xmlns:gml="{GML}" '
            f'xmlns:app="{ns}" gml:id="fc">\n{body}\n</gml:FeatureCollection>\n')


def _ring(coords, dim=2) -> str:
    return " ".join(" ".join(f"{v:.2f}" for v in c[:dim]) for c in coords)


def _surface(gid: str, coords, epsg: int, dim: int = 2) -> str:
    return (f'<gml:Surface gml:id="{gid}" srsName="urn:ogc:def:crs:EPSG::{epsg}" srsDimension="{dim}">'
            f"<gml:patches><gml:PolygonPatch><gml:exterior><gml:LinearRing><gml:posList>"
            f"{_ring(coords, dim)}</gml:posList></gml:LinearRing></gml:exterior></gml:PolygonPatch>"
            f"</gml:patches></gml:Surface>")


def _box(x, y, w, h, z=None):
    pts = [(x, y), (x + w, y), (x + w, y + h), (x, y + h), (x, y)]
    return [(a, b, z) for a, b in pts] if z is not None else pts


def _props(d: dict) -> str:
    return "".join(f"<app:{k}>{v}</app:{k}>" for k, v in d.items() if v is not None)


def schools() -> None:
    """Grunnskoler (Udir): GrunnskolerVideregaendeskoler 20190301 model, EPSG:25833 as downloaded."""
    ns = "http://skjema.geonorge.no/SOSI/produktspesifikasjon/GrunnskolerVideregaendeskoler/20190301"
    to33 = Transformer.from_crs(25832, 25833, always_xy=True)
    rows = [("Grunnskole", "Torstrand skole", 1, 7, 410, 566000, 6548600),
            ("Grunnskole", "Mesterfjellet skole", 8, 10, 520, 565200, 6549300),
            ("Grunnskole", "Sandar skole", 1, 10, 300, 580500, 6556000),       # outside Larvik
            ("VideregåendeSkole", "Thor Heyerdahl videregående skole", 11, 13, 1300, 565900, 6549800)]
    members = []
    for i, (ft, name, lo, hi, n, x, y) in enumerate(rows):
        e, nn = to33.transform(x, y)
        members.append(
            f'    <app:{ft} gml:id="s{i}"><app:kommunenummer>3909</app:kommunenummer>'
            f'<app:posisjon><gml:Point gml:id="s{i}p" srsName="urn:ogc:def:crs:EPSG::25833" srsDimension="2">'
            f"<gml:pos>{e:.3f} {nn:.3f}</gml:pos></gml:Point></app:posisjon>"
            f"<app:skolenavn>{name}</app:skolenavn><app:trinn><app:Trinn><app:lavesteTrinn>{lo}</app:lavesteTrinn>"
            f"<app:høyesteTrinn>{hi}</app:høyesteTrinn></app:Trinn></app:trinn><app:nsrId>{1000 + i}</app:nsrId>"
            f"<app:eierforhold>Offentlig</app:eierforhold><app:antallElever>{n}</app:antallElever></app:{ft}>")
    (OUT / "nedlasting_a.gml").write_text(_collection(ns, members), encoding="utf-8")


def grunnkretser() -> None:
    """Statistiske enheter grunnkretser (Grunnkrets) and BefolkningPåGrunnkrets, EPSG:25832."""
    ns = "http://skjema.geonorge.no/SOSI/produktspesifikasjon/StatistiskeEnheterGrunnkretser/20210101"
    kretser = [("39090101", "Torstrand", 565000, 6548000), ("39090102", "Mesterfjellet", 566000, 6548000),
               ("39090103", "Indre havn", 565000, 6549000), ("39070101", "Sandar", 580000, 6556000)]
    members = [f'    <app:Grunnkrets gml:id="g{i}"><app:område>{_surface(f"g{i}s", _box(x, y, 1000, 1000), 25832)}'
               f"</app:område>{_props({'grunnkretsnummer': nr, 'grunnkretsnavn': nm, 'kommunenummer': nr[:4]})}"
               f"</app:Grunnkrets>" for i, (nr, nm, x, y) in enumerate(kretser)]
    (OUT / "nedlasting_b.gml").write_text(_collection(ns, members), encoding="utf-8")
    ns2 = "http://skjema.geonorge.no/SOSI/produktspesifikasjon/BefolkningPaaGrunnkretsniva/20230101"
    pop = {"39090101": 812, "39090102": 1240, "39090103": 96, "39070101": 2000}
    members = [f'    <app:BefolkningPåGrunnkrets gml:id="b{i}"><app:område>'
               f'{_surface(f"b{i}s", _box(x, y, 1000, 1000), 25832)}</app:område>'
               f"{_props({'grunnkretsnummer': nr, 'grunnkretsnavn': nm, 'kommunenummer': nr[:4], 'totalBefolkning': pop[nr], 'statistikkÅr': 2024})}"
               f"</app:BefolkningPåGrunnkrets>" for i, (nr, nm, x, y) in enumerate(kretser)]
    (OUT / "nedlasting_c.gml").write_text(_collection(ns2, members), encoding="utf-8")


def buildings_3d() -> None:
    """FKB-Bygning as 3D GML (srsDimension 3): Bygning with bygningsnummer and bygningstype."""
    ns = "http://skjema.geonorge.no/SOSI/produktspesifikasjon/FKB-Bygning/5.1"
    rows = [(300100001, 111, 565100, 6548100), (300100002, 142, 565300, 6548150),
            (300100003, 111, 566200, 6548300), (300100004, 121, 580100, 6556100)]
    members = [f'    <app:Bygning gml:id="b{i}"><app:område>{_surface(f"b{i}s", _box(x, y, 12, 9, 14.5), 25832, 3)}'
               f"</app:område>{_props({'bygningsnummer': nr, 'bygningstype': t, 'bygningsstatus': 'TB'})}"
               f"</app:Bygning>" for i, (nr, t, x, y) in enumerate(rows)]
    (OUT / "fkb_3d.gml").write_text(_collection(ns, members), encoding="utf-8")


def buildings_solid() -> None:
    """FKB-Bygning 3D with each building as a gml:Solid (floor, walls, roof), which GDAL cannot hand over."""
    ns = "http://skjema.geonorge.no/SOSI/produktspesifikasjon/FKB-Bygning/5.1"
    members = []
    for i, (nr, x, y, w, d, h) in enumerate([(300100005, 565500, 6548400, 10, 8, 7.0),
                                             (300100006, 565600, 6548420, 20, 15, 12.0)]):
        faces = [_box(x, y, w, d, 0.0), _box(x, y, w, d, h),
                 [(x, y, 0.0), (x + w, y, 0.0), (x + w, y, h), (x, y, h), (x, y, 0.0)],
                 [(x, y + d, 0.0), (x, y + d, h), (x + w, y + d, h), (x + w, y + d, 0.0), (x, y + d, 0.0)]]
        shell = "".join(f'<gml:surfaceMember><gml:Polygon gml:id="f{i}_{k}"><gml:exterior><gml:LinearRing>'
                        f"<gml:posList>{_ring(f, 3)}</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon>"
                        f"</gml:surfaceMember>" for k, f in enumerate(faces))
        members.append(f'    <app:Bygning gml:id="bs{i}"><app:lod2Solid><gml:Solid gml:id="bs{i}s" '
                       f'srsName="urn:ogc:def:crs:EPSG::25832" srsDimension="3"><gml:exterior><gml:Shell>{shell}'
                       f"</gml:Shell></gml:exterior></gml:Solid></app:lod2Solid>"
                       f"{_props({'bygningsnummer': nr, 'bygningstype': 111})}</app:Bygning>")
    (OUT / "fkb_3d_solid.gml").write_text(_collection(ns, members), encoding="utf-8")


def ar5() -> None:
    """AR5 (NIBIO): ArealressursFlate with arealtype, treslag, skogbonitet, grunnforhold."""
    ns = "http://skjema.geonorge.no/SOSI/produktspesifikasjon/Arealressurs/4.6"
    rows = [(21, 98, 98, 44, 560000, 6545000), (30, 31, 14, 44, 561000, 6545000),
            (23, 98, 98, 45, 562000, 6545000), (11, 98, 98, 44, 585000, 6545000)]
    members = [f'    <app:ArealressursFlate gml:id="a{i}"><app:område>'
               f'{_surface(f"a{i}s", _box(x, y, 500, 400), 25832)}</app:område>'
               f"{_props({'arealtype': a, 'treslag': t, 'skogbonitet': s, 'grunnforhold': g})}"
               f"</app:ArealressursFlate>" for i, (a, t, s, g, x, y) in enumerate(rows)]
    (OUT / "ar5.gml").write_text(_collection(ns, members), encoding="utf-8")


def n50_roads() -> None:
    """N50 Kartdata, Samferdsel: VegSenterlinje (typeVeg, motorvegtype) and Sti."""
    ns = "http://skjema.geonorge.no/SOSI/produktspesifikasjon/N50/20230401"
    lines = [("VegSenterlinje", {"typeVeg": "enkelBilveg", "vegkategori": "K"}, [(565000, 6548000), (566500, 6548500)]),
             ("VegSenterlinje", {"typeVeg": "enkelBilveg", "vegkategori": "E", "motorvegtype": "Motorveg"},
              [(563000, 6551000), (567000, 6552000)]),
             ("Sti", {}, [(565200, 6548200), (565800, 6549100)]),
             ("VegSenterlinje", {"typeVeg": "bilferje", "vegkategori": "R"}, [(566000, 6547000), (566500, 6546000)])]
    members = [f'    <app:{ft} gml:id="l{i}"><app:senterlinje><gml:LineString gml:id="l{i}g" '
               f'srsName="urn:ogc:def:crs:EPSG::25832" srsDimension="2"><gml:posList>{_ring(c)}</gml:posList>'
               f"</gml:LineString></app:senterlinje>{_props(p)}</app:{ft}>" for i, (ft, p, c) in enumerate(lines)]
    (OUT / "n50_samferdsel.gml").write_text(_collection(ns, members), encoding="utf-8")


def noise() -> None:
    """Støysoner T-1442: Statens vegvesen as GML (Støysone), Bane NOR as GeoJSON (no feature type)."""
    ns = "http://skjema.geonorge.no/SOSI/produktspesifikasjon/StoykartleggingVeg-T1442/20190101"
    members = [f'    <app:Støysone gml:id="n{i}"><app:område>{_surface(f"n{i}s", _box(x, 6548000, 300, 200), 25832)}'
               f"</app:område>{_props({'støysonekategori': k, 'støykilde': 'veg'})}</app:Støysone>"
               for i, (k, x) in enumerate([("R", 565000), ("G", 565300)])]
    (OUT / "stoy_veg.gml").write_text(_collection(ns, members), encoding="utf-8")
    feats = [{"type": "Feature", "properties": {"støysonekategori": "G", "støykilde": "jernbane"},
              "geometry": {"type": "Polygon", "coordinates": [[list(p) for p in _box(566000, 6549000, 400, 100)]]}}]
    (OUT / "banenor.geojson").write_text(json.dumps(
        {"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::25832"}},
         "features": feats}, ensure_ascii=False), encoding="utf-8")


STOPS = {"NSR:StopPlace:1": ("Larvik bussterminal", 565800, 6548900),
         "NSR:StopPlace:2": ("Tjølling kirke", 561500, 6550200),
         "NSR:StopPlace:3": ("Kjose", 548000, 6560000),
         "NSR:StopPlace:4": ("Sandefjord bussterminal", 580300, 6556200)}


def gtfs() -> None:
    """A GTFS feed: the terminal every ten minutes 06-22 on weekdays, Tjølling twice a day."""
    tr = Transformer.from_crs(25832, 4326, always_xy=True)
    stops = ["stop_id,stop_name,stop_lat,stop_lon,location_type,parent_station"]
    for sid, (name, x, y) in STOPS.items():
        lon, lat = tr.transform(x, y)
        stops.append(f"{sid},{name},{lat:.6f},{lon:.6f},1,")
    for q, parent, dx in (("NSR:Quay:11", "NSR:StopPlace:1", 0), ("NSR:Quay:12", "NSR:StopPlace:1", 20),
                          ("NSR:Quay:21", "NSR:StopPlace:2", 0), ("NSR:Quay:41", "NSR:StopPlace:4", 0)):
        name, x, y = STOPS[parent]
        lon, lat = tr.transform(x + dx, y)
        stops.append(f"{q},{name},{lat:.6f},{lon:.6f},0,{parent}")
    trips, times = ["route_id,service_id,trip_id"], ["trip_id,arrival_time,departure_time,stop_id,stop_sequence,pickup_type"]
    for k in range(96):                      # 06:00, 06:10, ..., 21:50 on weekdays
        t = 6 * 3600 + k * 600
        trips.append(f"R1,HVERDAG,R1-{k}")
        times += [f"R1-{k},{_hms(t)},{_hms(t)},NSR:Quay:11,1,0", f"R1-{k},{_hms(t + 1500)},{_hms(t + 1500)},NSR:Quay:41,2,1"]
    for k, t in enumerate((7 * 3600 + 15 * 60, 15 * 3600 + 30 * 60)):   # twice a day
        trips.append(f"R2,HVERDAG,R2-{k}")
        times += [f"R2-{k},{_hms(t)},{_hms(t)},NSR:Quay:21,1,0", f"R2-{k},{_hms(t + 900)},{_hms(t + 900)},NSR:Quay:12,2,1"]
    for k in range(50):                      # a weekend-only service that must not count on a weekday
        t = 8 * 3600 + k * 600
        trips.append(f"R3,HELG,R3-{k}")
        times += [f"R3-{k},{_hms(t)},{_hms(t)},NSR:Quay:21,1,0", f"R3-{k},{_hms(t + 900)},{_hms(t + 900)},NSR:Quay:12,2,1"]
    files = {
        "agency.txt": "agency_id,agency_name,agency_url,agency_timezone\nVKT,Vestfold kollektivtrafikk (syntetisk),https://example.invalid,Europe/Oslo",
        "routes.txt": "route_id,agency_id,route_short_name,route_type\nR1,VKT,01,3\nR2,VKT,02,3\nR3,VKT,03,3",
        "calendar.txt": "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n"
                        "HVERDAG,1,1,1,1,1,0,0,20260105,20260626\nHELG,0,0,0,0,0,1,1,20260105,20260626",
        "stops.txt": "\n".join(stops), "trips.txt": "\n".join(trips), "stop_times.txt": "\n".join(times)}
    with zipfile.ZipFile(OUT / "rutedata.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in files.items():
            zf.writestr(zipfile.ZipInfo(name, date_time=(2026, 1, 5, 0, 0, 0)), text + "\n")


def _hms(t: int) -> str:
    return f"{t // 3600:02d}:{t % 3600 // 60:02d}:{t % 60:02d}"


def netex() -> None:
    """NSR stop places as NeTEx (PublicationDelivery / SiteFrame / stopPlaces), Nordic profile."""
    tr = Transformer.from_crs(25832, 4326, always_xy=True)
    places = []
    for sid, (name, x, y) in STOPS.items():
        lon, lat = tr.transform(x, y)
        places.append(
            f'<StopPlace version="1" id="{sid}"><Name>{name}</Name><Centroid><Location>'
            f"<Longitude>{lon:.6f}</Longitude><Latitude>{lat:.6f}</Latitude></Location></Centroid>"
            f'<TopographicPlaceRef ref="KVE:TopographicPlace:{"3907" if "Sandefjord" in name else "3909"}" version="1"/>'
            f"<TransportMode>bus</TransportMode><StopPlaceType>onstreetBus</StopPlaceType>"
            f'<quays><Quay version="1" id="{sid.replace("StopPlace", "Quay")}9"><Centroid><Location>'
            f"<Longitude>{lon:.6f}</Longitude><Latitude>{lat:.6f}</Latitude></Location></Centroid>"
            f"<PublicCode>A</PublicCode></Quay></quays></StopPlace>")
    xml = ('<?xml version="1.0" encoding="UTF-8"?>\n<PublicationDelivery xmlns="http://www.netex.org.uk/netex" '
           'version="1.13:NO-NeTEx-stops:1.4"><PublicationTimestamp>2026-01-05T04:00:00</PublicationTimestamp>'
           '<ParticipantRef>NSR</ParticipantRef><dataObjects><SiteFrame version="1" id="NSR:SiteFrame:1">'
           f"<stopPlaces>{''.join(places)}</stopPlaces></SiteFrame></dataObjects></PublicationDelivery>\n")
    (OUT / "tiamat_export.xml").write_text(xml, encoding="utf-8")


if __name__ == "__main__":
    OUT.mkdir(exist_ok=True)
    for step in (schools, grunnkretser, buildings_3d, buildings_solid, ar5, n50_roads, noise, gtfs, netex):
        step()
