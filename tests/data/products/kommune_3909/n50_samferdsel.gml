<?xml version="1.0" encoding="UTF-8"?>
<gml:FeatureCollection xmlns:gml="http://www.opengis.net/gml/3.2" xmlns:app="http://skjema.geonorge.no/SOSI/produktspesifikasjon/N50/20230401" gml:id="fc">
  <gml:featureMember>
    <app:VegSenterlinje gml:id="l0"><app:senterlinje><gml:LineString gml:id="l0g" srsName="urn:ogc:def:crs:EPSG::25832" srsDimension="2"><gml:posList>565000.00 6548000.00 566500.00 6548500.00</gml:posList></gml:LineString></app:senterlinje><app:typeVeg>enkelBilveg</app:typeVeg><app:vegkategori>K</app:vegkategori></app:VegSenterlinje>
  </gml:featureMember>
  <gml:featureMember>
    <app:VegSenterlinje gml:id="l1"><app:senterlinje><gml:LineString gml:id="l1g" srsName="urn:ogc:def:crs:EPSG::25832" srsDimension="2"><gml:posList>563000.00 6551000.00 567000.00 6552000.00</gml:posList></gml:LineString></app:senterlinje><app:typeVeg>enkelBilveg</app:typeVeg><app:vegkategori>E</app:vegkategori><app:motorvegtype>Motorveg</app:motorvegtype></app:VegSenterlinje>
  </gml:featureMember>
  <gml:featureMember>
    <app:Sti gml:id="l2"><app:senterlinje><gml:LineString gml:id="l2g" srsName="urn:ogc:def:crs:EPSG::25832" srsDimension="2"><gml:posList>565200.00 6548200.00 565800.00 6549100.00</gml:posList></gml:LineString></app:senterlinje></app:Sti>
  </gml:featureMember>
  <gml:featureMember>
    <app:VegSenterlinje gml:id="l3"><app:senterlinje><gml:LineString gml:id="l3g" srsName="urn:ogc:def:crs:EPSG::25832" srsDimension="2"><gml:posList>566000.00 6547000.00 566500.00 6546000.00</gml:posList></gml:LineString></app:senterlinje><app:typeVeg>bilferje</app:typeVeg><app:vegkategori>R</app:vegkategori></app:VegSenterlinje>
  </gml:featureMember>
</gml:FeatureCollection>
