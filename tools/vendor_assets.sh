#!/usr/bin/env bash
# Re-fetch the map's browser assets (Leaflet, jQuery, Bootstrap, Font Awesome,
# awesome-markers and the Leaflet plugins geoplan uses) from the npm registry and
# vendor them into geoplan/present/app/static/vendor/<pkg>/, each with its licence file.
#
# Why: folium loads all of these from public CDNs; in a municipal network without
# internet the map would be blank. geoplan.present.app.maps rewrites folium's URLs to these
# local copies, which Streamlit serves from static/ beside the app's main script (geoplan/present/app/static)
# at /app/static/... (server.enableStaticServing = true in geoplan/present/app/streamlit.toml).
#
# Usage: tools/vendor_assets.sh        (needs npm and python3; run from anywhere)
# The versions below are the ones geoplan is tested with; change them here only.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DEST="$ROOT/geoplan/present/app/static/vendor"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

PACKAGES=(
  leaflet@1.9.4
  jquery@3.7.1
  bootstrap@5.2.2
  bootstrap@3.4.1                 # only the glyphicons font + its CSS rules
  @fortawesome/fontawesome-free@6.2.0
  leaflet.awesome-markers@2.0.5
  leaflet.markercluster@1.5.3
  leaflet-draw@1.0.4
  leaflet.fullscreen@3.0.0
  leaflet.heat@0.2.0
)

cd "$WORK"
for p in "${PACKAGES[@]}"; do
  tgz="$(npm pack "$p" --silent | tail -n 1)"
  d="${tgz%.tgz}"
  mkdir -p "$d"
  tar xzf "$tgz" -C "$d"
done

rm -rf "$DEST"
mkdir -p "$DEST"
cp_to() { # cp_to <pkgdir> <file...>  -> last argument is target dir under $DEST
  local target="$DEST/${@: -1}"
  mkdir -p "$target"
  cp -r "${@:1:$#-1}" "$target/"
}

P=leaflet-1.9.4/package
cp_to $P/dist/leaflet.js $P/dist/leaflet.css $P/dist/images $P/LICENSE leaflet

P=jquery-3.7.1/package
cp_to $P/dist/jquery.min.js $P/LICENSE.txt jquery

P=bootstrap-5.2.2/package
cp_to $P/dist/js/bootstrap.bundle.min.js $P/dist/css/bootstrap.min.css $P/LICENSE bootstrap

# Glyphicons: folium links the old bootstrap-glyphicons.css; rebuild it from
# Bootstrap 3.4.1 (the @font-face rule and the .glyphicon* rules only).
P=bootstrap-3.4.1/package
mkdir -p "$DEST/glyphicons/css"
cp -r $P/dist/fonts "$DEST/glyphicons/"
cp $P/LICENSE "$DEST/glyphicons/"
python3 - "$P/dist/css/bootstrap.css" "$DEST/glyphicons/css/bootstrap-glyphicons.css" <<'PY'
import re, sys
css = open(sys.argv[1], encoding="utf-8").read()
start = css.index('@font-face {\n  font-family: "Glyphicons Halflings"')
rules = re.findall(r"\n(\.glyphicon[^{]*\{[^}]*\})", css[start:])
font = css[start:css.index("}", start) + 1]
open(sys.argv[2], "w", encoding="utf-8").write(
    "/* Glyphicons rules from Bootstrap 3.4.1 (MIT), see ../LICENSE */\n" + font + "\n" + "\n".join(rules) + "\n")
PY

P=fortawesome-fontawesome-free-6.2.0/package
mkdir -p "$DEST/fontawesome/css"
cp $P/css/all.min.css "$DEST/fontawesome/css/"
cp -r $P/webfonts "$DEST/fontawesome/"
cp $P/LICENSE.txt "$DEST/fontawesome/"

P=leaflet.awesome-markers-2.0.5/package
mkdir -p "$DEST/awesome-markers/images"
cp $P/dist/leaflet.awesome-markers.min.js $P/dist/leaflet.awesome-markers.css $P/LICENSE "$DEST/awesome-markers/"
cp $P/dist/images/markers-soft.png $P/dist/images/markers-soft@2x.png \
   $P/dist/images/markers-shadow.png $P/dist/images/markers-shadow@2x.png "$DEST/awesome-markers/images/"
# folium's marker-rotation helper (classes fa-rotate-N used by folium.Icon(angle=N)).
python3 - "$DEST/awesome-markers/leaflet.awesome.rotate.min.css" <<'PY'
import sys
rules = "".join(
    f".fa-rotate-{a}{{-webkit-transform:rotate({a}deg);transform:rotate({a}deg)}}"
    for a in range(0, 360))
open(sys.argv[1], "w").write("/* geoplan: rotation classes for folium.Icon(angle=...) */\n" + rules + "\n")
PY

P=leaflet.markercluster-1.5.3/package
cp_to $P/dist/leaflet.markercluster.js $P/dist/MarkerCluster.css $P/dist/MarkerCluster.Default.css \
      $P/MIT-LICENCE.txt markercluster

P=leaflet-draw-1.0.4/package
mkdir -p "$DEST/leaflet-draw/images"
cp $P/dist/leaflet.draw.js $P/dist/leaflet.draw.css "$DEST/leaflet-draw/"
cp $P/dist/images/spritesheet*.* "$DEST/leaflet-draw/images/"
# The npm tarball carries no licence file; the package is MIT (package.json).
{ echo "Leaflet.draw $(python3 -c "import json;print(json.load(open('$P/package.json'))['version'])")"
  echo "License: MIT (declared in package.json; https://github.com/Leaflet/Leaflet.draw)"
  echo "Copyright 2012-2017 Jon West, Jacob Toye, and Leaflet"; } > "$DEST/leaflet-draw/LICENSE"

P=leaflet.fullscreen-3.0.0/package
cp_to $P/Control.FullScreen.js $P/Control.FullScreen.css $P/icon-fullscreen.svg $P/LICENSE leaflet.fullscreen

P=leaflet.heat-0.2.0/package
cp_to $P/dist/leaflet-heat.js $P/LICENSE leaflet.heat

# A manifest, so the provenance of every vendored file is on record.
{
  echo "# Vendored by tools/vendor_assets.sh from the npm registry on $(date -u +%Y-%m-%d)"
  for p in "${PACKAGES[@]}"; do echo "$p"; done
} > "$DEST/VERSIONS.txt"

echo "Vendored into $DEST:"
du -sh "$DEST"/* | sed "s|$DEST/||"
