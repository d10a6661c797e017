<?xml version="1.0" encoding="UTF-8"?>
<gml:FeatureCollection xmlns:gml="http://www.opengis.net/gml/3.2"
    xmlns:app="http://skjema.geonorge.no/SOSI/produktspesifikasjon/Kommuneplan/20230701"
    gml:id="kpa_3909">
    <gml:featureMember>
    <app:KpArealformålOmråde gml:id="kpl_1">
      <app:område>
        <gml:Surface gml:id="kpl_1_s" srsName="http://www.opengis.net/def/crs/EPSG/0/25832" srsDimension="2">
          <gml:patches><gml:PolygonPatch><gml:exterior><gml:LinearRing>
            <gml:posList>565100 6548100 565350 6548100 565350 6548250 565100 6548250 565100 6548100</gml:posList>
          </gml:LinearRing></gml:exterior></gml:PolygonPatch></gml:patches>
        </gml:Surface>
      </app:område>
      <app:arealformål>1110</app:arealformål>
      <app:arealbruksstatus>2</app:arealbruksstatus>
      <app:områdenavn>Torstrand nord</app:områdenavn>
    </app:KpArealformålOmråde>
  </gml:featureMember>
  <gml:featureMember>
    <app:KpArealformålOmråde gml:id="kpl_2">
      <app:område>
        <gml:Surface gml:id="kpl_2_s" srsName="http://www.opengis.net/def/crs/EPSG/0/25832" srsDimension="2">
          <gml:patches><gml:PolygonPatch><gml:exterior><gml:LinearRing>
            <gml:posList>565400 6548100 565650 6548100 565650 6548250 565400 6548250 565400 6548100</gml:posList>
          </gml:LinearRing></gml:exterior></gml:PolygonPatch></gml:patches>
        </gml:Surface>
      </app:område>
      <app:arealformål>5100</app:arealformål>
      <app:arealbruksstatus>1</app:arealbruksstatus>
      <app:områdenavn>Bøkeskogen</app:områdenavn>
    </app:KpArealformålOmråde>
  </gml:featureMember>
</gml:FeatureCollection>
