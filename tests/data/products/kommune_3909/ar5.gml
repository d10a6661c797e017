<?xml version="1.0" encoding="UTF-8"?>
<gml:FeatureCollection xmlns:gml="http://www.opengis.net/gml/3.2" xmlns:app="http://skjema.geonorge.no/SOSI/produktspesifikasjon/Arealressurs/4.6" gml:id="fc">
  <gml:featureMember>
    <app:ArealressursFlate gml:id="a0"><app:område><gml:Surface gml:id="a0s" srsName="urn:ogc:def:crs:EPSG::25832" srsDimension="2"><gml:patches><gml:PolygonPatch><gml:exterior><gml:LinearRing><gml:posList>560000.00 6545000.00 560500.00 6545000.00 560500.00 6545400.00 560000.00 6545400.00 560000.00 6545000.00</gml:posList></gml:LinearRing></gml:exterior></gml:PolygonPatch></gml:patches></gml:Surface></app:område><app:arealtype>21</app:arealtype><app:treslag>98</app:treslag><app:skogbonitet>98</app:skogbonitet><app:grunnforhold>44</app:grunnforhold></app:ArealressursFlate>
  </gml:featureMember>
  <gml:featureMember>
    <app:ArealressursFlate gml:id="a1"><app:område><gml:Surface gml:id="a1s" srsName="urn:ogc:def:crs:EPSG::25832" srsDimension="2"><gml:patches><gml:PolygonPatch><gml:exterior><gml:LinearRing><gml:posList>561000.00 6545000.00 561500.00 6545000.00 561500.00 6545400.00 561000.00 6545400.00 561000.00 6545000.00</gml:posList></gml:LinearRing></gml:exterior></gml:PolygonPatch></gml:patches></gml:Surface></app:område><app:arealtype>30</app:arealtype><app:treslag>31</app:treslag><app:skogbonitet>14</app:skogbonitet><app:grunnforhold>44</app:grunnforhold></app:ArealressursFlate>
  </gml:featureMember>
  <gml:featureMember>
    <app:ArealressursFlate gml:id="a2"><app:område><gml:Surface gml:id="a2s" srsName="urn:ogc:def:crs:EPSG::25832" srsDimension="2"><gml:patches><gml:PolygonPatch><gml:exterior><gml:LinearRing><gml:posList>562000.00 6545000.00 562500.00 6545000.00 562500.00 6545400.00 562000.00 6545400.00 562000.00 6545000.00</gml:posList></gml:LinearRing></gml:exterior></gml:PolygonPatch></gml:patches></gml:Surface></app:område><app:arealtype>23</app:arealtype><app:treslag>98</app:treslag><app:skogbonitet>98</app:skogbonitet><app:grunnforhold>45</app:grunnforhold></app:ArealressursFlate>
  </gml:featureMember>
  <gml:featureMember>
    <app:ArealressursFlate gml:id="a3"><app:område><gml:Surface gml:id="a3s" srsName="urn:ogc:def:crs:EPSG::25832" srsDimension="2"><gml:patches><gml:PolygonPatch><gml:exterior><gml:LinearRing><gml:posList>585000.00 6545000.00 585500.00 6545000.00 585500.00 6545400.00 585000.00 6545400.00 585000.00 6545000.00</gml:posList></gml:LinearRing></gml:exterior></gml:PolygonPatch></gml:patches></gml:Surface></app:område><app:arealtype>11</app:arealtype><app:treslag>98</app:treslag><app:skogbonitet>98</app:skogbonitet><app:grunnforhold>44</app:grunnforhold></app:ArealressursFlate>
  </gml:featureMember>
</gml:FeatureCollection>
