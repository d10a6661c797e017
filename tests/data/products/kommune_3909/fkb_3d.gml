<?xml version="1.0" encoding="UTF-8"?>
<gml:FeatureCollection xmlns:gml="http://www.opengis.net/gml/3.2" xmlns:app="http://skjema.geonorge.no/SOSI/produktspesifikasjon/FKB-Bygning/5.1" gml:id="fc">
  <gml:featureMember>
    <app:Bygning gml:id="b0"><app:område><gml:Surface gml:id="b0s" srsName="urn:ogc:def:crs:EPSG::25832" srsDimension="3"><gml:patches><gml:PolygonPatch><gml:exterior><gml:LinearRing><gml:posList>565100.00 6548100.00 14.50 565112.00 6548100.00 14.50 565112.00 6548109.00 14.50 565100.00 6548109.00 14.50 565100.00 6548100.00 14.50</gml:posList></gml:LinearRing></gml:exterior></gml:PolygonPatch></gml:patches></gml:Surface></app:område><app:bygningsnummer>300100001</app:bygningsnummer><app:bygningstype>111</app:bygningstype><app:bygningsstatus>TB</app:bygningsstatus></app:Bygning>
  </gml:featureMember>
  <gml:featureMember>
    <app:Bygning gml:id="b1"><app:område><gml:Surface gml:id="b1s" srsName="urn:ogc:def:crs:EPSG::25832" srsDimension="3"><gml:patches><gml:PolygonPatch><gml:exterior><gml:LinearRing><gml:posList>565300.00 6548150.00 14.50 565312.00 6548150.00 14.50 565312.00 6548159.00 14.50 565300.00 6548159.00 14.50 565300.00 6548150.00 14.50</gml:posList></gml:LinearRing></gml:exterior></gml:PolygonPatch></gml:patches></gml:Surface></app:område><app:bygningsnummer>300100002</app:bygningsnummer><app:bygningstype>142</app:bygningstype><app:bygningsstatus>TB</app:bygningsstatus></app:Bygning>
  </gml:featureMember>
  <gml:featureMember>
    <app:Bygning gml:id="b2"><app:område><gml:Surface gml:id="b2s" srsName="urn:ogc:def:crs:EPSG::25832" srsDimension="3"><gml:patches><gml:PolygonPatch><gml:exterior><gml:LinearRing><gml:posList>566200.00 6548300.00 14.50 566212.00 6548300.00 14.50 566212.00 6548309.00 14.50 566200.00 6548309.00 14.50 566200.00 6548300.00 14.50</gml:posList></gml:LinearRing></gml:exterior></gml:PolygonPatch></gml:patches></gml:Surface></app:område><app:bygningsnummer>300100003</app:bygningsnummer><app:bygningstype>111</app:bygningstype><app:bygningsstatus>TB</app:bygningsstatus></app:Bygning>
  </gml:featureMember>
  <gml:featureMember>
    <app:Bygning gml:id="b3"><app:område><gml:Surface gml:id="b3s" srsName="urn:ogc:def:crs:EPSG::25832" srsDimension="3"><gml:patches><gml:PolygonPatch><gml:exterior><gml:LinearRing><gml:posList>580100.00 6556100.00 14.50 580112.00 6556100.00 14.50 580112.00 6556109.00 14.50 580100.00 6556109.00 14.50 580100.00 6556100.00 14.50</gml:posList></gml:LinearRing></gml:exterior></gml:PolygonPatch></gml:patches></gml:Surface></app:område><app:bygningsnummer>300100004</app:bygningsnummer><app:bygningstype>121</app:bygningstype><app:bygningsstatus>TB</app:bygningsstatus></app:Bygning>
  </gml:featureMember>
</gml:FeatureCollection>
