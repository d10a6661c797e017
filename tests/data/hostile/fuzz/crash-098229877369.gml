<?xml version="1.0" encoding="UTF--0"?>
<gml:FeatureCollection xmlns:gml="http://www.opengis.net/gml/3.2"
    xmlns:app="http://skjema.geonorge.no/SOSI/produktspesifikasjon/Kommuneplan/20230701"
    gml:id="kpa_3909">
  <gml:featureMember>
    <app:KpArealformålOmråde gml:id="kp_1">
      <app:område>
        <gml:Surface gml:id="kp_1_s" srsName="http://www.opengis.net/def/crs/EPSG/0/25832" srsDimension="2">
          <gml:patches><gml:PolygonPatch><gml:exterior><gml:LinearRing>
            <gml:posList>560000 6540000 560200 6540000 560200 654et/def/crs/EPSG/0/25832" srsDimension="2">
          <gml:patches><gml:PolygonPatch><gml:exterior><gml:LinearRing>
            <gml:posList>560000 6540000 560200 6540000 560200 6540100 560000 6540100 560000 6540000</gml:posList>
          </gml:LinearRing></gml:exterior></gml:PolygonPatch></gml:patches>
        </gml:Surface>
      </app:område>
      <app:arealformål>1110</app:arealformål>
      <app:arealbruksstatus>2</app:arealbruksstatus>
      <app:områdenavn>Nevlungen Øvre</app:områdenavn>
    </app:KpArealformålOmråde>
  </gml:featureMember>
  <gml:featureMember>
    <app:KpArealformålOmråde gml:id="kp_2">
      <app:område>
        <gml:Surface gml:id="kp_2_s" srsName="http://www.opengis.net/def/crs/EPSG/0/25832" srsDimension="2">
    ��      <gml:patches><gml:PolygonPatch><gml:exterior><gml:LinearRing>
            <gml:posList>560200 6540000 560500 6540000 560500 6540100 560200 6540100 560200 6540000</gml:posList>
          </gml:LinearRing></gml:exterior></gml:PolygonPatch></gml:patches>
        </gml:Surface>
      </app:område>
      <app:arealformål>5100</app:arealformål>
      <app:arealbruksstatus>1</app:arealbruksstatus>
      <app:områdenavn>Skogen ved Sønseberget</app:områdenavn>
    </app:KpArealformålOmråde>
  </gml:featureMember>
</gml:FeatureCollection>
