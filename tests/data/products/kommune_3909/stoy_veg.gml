<?xml version="1.0" encoding="UTF-8"?>
<gml:FeatureCollection xmlns:gml="http://www.opengis.net/gml/3.2" xmlns:app="http://skjema.geonorge.no/SOSI/produktspesifikasjon/StoykartleggingVeg-T1442/20190101" gml:id="fc">
  <gml:featureMember>
    <app:Støysone gml:id="n0"><app:område><gml:Surface gml:id="n0s" srsName="urn:ogc:def:crs:EPSG::25832" srsDimension="2"><gml:patches><gml:PolygonPatch><gml:exterior><gml:LinearRing><gml:posList>565000.00 6548000.00 565300.00 6548000.00 565300.00 6548200.00 565000.00 6548200.00 565000.00 6548000.00</gml:posList></gml:LinearRing></gml:exterior></gml:PolygonPatch></gml:patches></gml:Surface></app:område><app:støysonekategori>R</app:støysonekategori><app:støykilde>veg</app:støykilde></app:Støysone>
  </gml:featureMember>
  <gml:featureMember>
    <app:Støysone gml:id="n1"><app:område><gml:Surface gml:id="n1s" srsName="urn:ogc:def:crs:EPSG::25832" srsDimension="2"><gml:patches><gml:PolygonPatch><gml:exterior><gml:LinearRing><gml:posList>565300.00 6548000.00 565600.00 6548000.00 565600.00 6548200.00 565300.00 6548200.00 565300.00 6548000.00</gml:posList></gml:LinearRing></gml:exterior></gml:PolygonPatch></gml:patches></gml:Surface></app:område><app:støysonekategori>G</app:støysonekategori><app:støykilde>veg</app:støykilde></app:Støysone>
  </gml:featureMember>
</gml:FeatureCollection>
