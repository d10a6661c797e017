<?xml version="1.0" encoding="UTF-8"?>
<gml:FeatureCollection xmlns:gml="http://www.opengis.net/gml/3.2" xmlns:app="http://skjema.geonorge.no/SOSI/produktspesifikasjon/GrunnskolerVideregaendeskoler/20190301" gml:id="fc">
  <gml:featureMember>
    <app:Grunnskole gml:id="s0"><app:kommunenummer>3909</app:kommunenummer><app:posisjon><gml:Point gml:id="s0p" srsName="urn:ogc:def:crs:EPSG::25833" srsDimension="2"><gml:pos>222161.406 6558125.173</gml:pos></gml:Point></app:posisjon><app:skolenavn>Torstrand skole</app:skolenavn><app:trinn><app:Trinn><app:lavesteTrinn>1</app:lavesteTrinn><app:høyesteTrinn>7</app:høyesteTrinn></app:Trinn></app:trinn><app:nsrId>1000</app:nsrId><app:eierforhold>Offentlig</app:eierforhold><app:antallElever>410</app:antallElever></app:Grunnskole>
  </gml:featureMember>
  <gml:featureMember>
    <app:Grunnskole gml:id="s1"><app:kommunenummer>3909</app:kommunenummer><app:posisjon><gml:Point gml:id="s1p" srsName="urn:ogc:def:crs:EPSG::25833" srsDimension="2"><gml:pos>221426.808 6558894.843</gml:pos></gml:Point></app:posisjon><app:skolenavn>Mesterfjellet skole</app:skolenavn><app:trinn><app:Trinn><app:lavesteTrinn>8</app:lavesteTrinn><app:høyesteTrinn>10</app:høyesteTrinn></app:Trinn></app:trinn><app:nsrId>1001</app:nsrId><app:eierforhold>Offentlig</app:eierforhold><app:antallElever>520</app:antallElever></app:Grunnskole>
  </gml:featureMember>
  <gml:featureMember>
    <app:Grunnskole gml:id="s2"><app:kommunenummer>3909</app:kommunenummer><app:posisjon><gml:Point gml:id="s2p" srsName="urn:ogc:def:crs:EPSG::25833" srsDimension="2"><gml:pos>237279.772 6564198.485</gml:pos></gml:Point></app:posisjon><app:skolenavn>Sandar skole</app:skolenavn><app:trinn><app:Trinn><app:lavesteTrinn>1</app:lavesteTrinn><app:høyesteTrinn>10</app:høyesteTrinn></app:Trinn></app:trinn><app:nsrId>1002</app:nsrId><app:eierforhold>Offentlig</app:eierforhold><app:antallElever>300</app:antallElever></app:Grunnskole>
  </gml:featureMember>
  <gml:featureMember>
    <app:VideregåendeSkole gml:id="s3"><app:kommunenummer>3909</app:kommunenummer><app:posisjon><gml:Point gml:id="s3p" srsName="urn:ogc:def:crs:EPSG::25833" srsDimension="2"><gml:pos>222169.530 6559330.380</gml:pos></gml:Point></app:posisjon><app:skolenavn>Thor Heyerdahl videregående skole</app:skolenavn><app:trinn><app:Trinn><app:lavesteTrinn>11</app:lavesteTrinn><app:høyesteTrinn>13</app:høyesteTrinn></app:Trinn></app:trinn><app:nsrId>1003</app:nsrId><app:eierforhold>Offentlig</app:eierforhold><app:antallElever>1300</app:antallElever></app:VideregåendeSkole>
  </gml:featureMember>
</gml:FeatureCollection>
