<?xml version="1.0" encoding="UTF-8"?>
<gml:FeatureCollection xmlns:gml="http://www.opengis.net/gml/3.2" xmlns:app="http://skjema.geonorge.no/SOSI/produktspesifikasjon/StatistiskeEnheterGrunnkretser/20210101" gml:id="fc">
  <gml:featureMember>
    <app:Grunnkrets gml:id="g0"><app:område><gml:Surface gml:id="g0s" srsName="urn:ogc:def:crs:EPSG::25832" srsDimension="2"><gml:patches><gml:PolygonPatch><gml:exterior><gml:LinearRing><gml:posList>565000.00 6548000.00 566000.00 6548000.00 566000.00 6549000.00 565000.00 6549000.00 565000.00 6548000.00</gml:posList></gml:LinearRing></gml:exterior></gml:PolygonPatch></gml:patches></gml:Surface></app:område><app:grunnkretsnummer>39090101</app:grunnkretsnummer><app:grunnkretsnavn>Torstrand</app:grunnkretsnavn><app:kommunenummer>3909</app:kommunenummer></app:Grunnkrets>
  </gml:featureMember>
  <gml:featureMember>
    <app:Grunnkrets gml:id="g1"><app:område><gml:Surface gml:id="g1s" srsName="urn:ogc:def:crs:EPSG::25832" srsDimension="2"><gml:patches><gml:PolygonPatch><gml:exterior><gml:LinearRing><gml:posList>566000.00 6548000.00 567000.00 6548000.00 567000.00 6549000.00 566000.00 6549000.00 566000.00 6548000.00</gml:posList></gml:LinearRing></gml:exterior></gml:PolygonPatch></gml:patches></gml:Surface></app:område><app:grunnkretsnummer>39090102</app:grunnkretsnummer><app:grunnkretsnavn>Mesterfjellet</app:grunnkretsnavn><app:kommunenummer>3909</app:kommunenummer></app:Grunnkrets>
  </gml:featureMember>
  <gml:featureMember>
    <app:Grunnkrets gml:id="g2"><app:område><gml:Surface gml:id="g2s" srsName="urn:ogc:def:crs:EPSG::25832" srsDimension="2"><gml:patches><gml:PolygonPatch><gml:exterior><gml:LinearRing><gml:posList>565000.00 6549000.00 566000.00 6549000.00 566000.00 6550000.00 565000.00 6550000.00 565000.00 6549000.00</gml:posList></gml:LinearRing></gml:exterior></gml:PolygonPatch></gml:patches></gml:Surface></app:område><app:grunnkretsnummer>39090103</app:grunnkretsnummer><app:grunnkretsnavn>Indre havn</app:grunnkretsnavn><app:kommunenummer>3909</app:kommunenummer></app:Grunnkrets>
  </gml:featureMember>
  <gml:featureMember>
    <app:Grunnkrets gml:id="g3"><app:område><gml:Surface gml:id="g3s" srsName="urn:ogc:def:crs:EPSG::25832" srsDimension="2"><gml:patches><gml:PolygonPatch><gml:exterior><gml:LinearRing><gml:posList>580000.00 6556000.00 581000.00 6556000.00 581000.00 6557000.00 580000.00 6557000.00 580000.00 6556000.00</gml:posList></gml:LinearRing></gml:exterior></gml:PolygonPatch></gml:patches></gml:Surface></app:område><app:grunnkretsnummer>39070101</app:grunnkretsnummer><app:grunnkretsnavn>Sandar</app:grunnkretsnavn><app:kommunenummer>3907</app:kommunenummer></app:Grunnkrets>
  </gml:featureMember>
</gml:FeatureCollection>
