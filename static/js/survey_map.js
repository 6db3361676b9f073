// The reconciliation map of a survey: the city's own tiles for context, the survey's layers on top.
// Data comes through json_script (#survey-map-config); no request leaves the site.
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("survey-map-config").textContent);

  const STYLES = {
    cadastral: {color: "#1f4e79", weight: 2, dashArray: "6 4", fill: false},
    envelope: {color: "#0b6e4f", weight: 1, fillColor: "#0b6e4f", fillOpacity: 0.12},
    street_land: {color: "#c0392b", weight: 1, fillColor: "#e74c3c", fillOpacity: 0.35},
    measured: {color: "#e67e22", weight: 3, fill: false},
    building: {color: "#5d4e40", weight: 1, fillColor: "#8c7b6b", fillOpacity: 0.55},
    outside_envelope: {color: "#8e44ad", weight: 1, fillColor: "#8e44ad", fillOpacity: 0.45},
    on_street: {color: "#7b0000", weight: 2, fillColor: "#b3261e", fillOpacity: 0.7},
    deviation: {color: "#000", weight: 3},
    setback_strip: {color: "#c0392b", weight: 1, fillColor: "#e74c3c", fillOpacity: 0.35},
    chamfer: {color: "#d35400", weight: 1, fillColor: "#e67e22", fillOpacity: 0.5},
    realigned_line: {color: "#c0392b", weight: 2, dashArray: "5 3"},
    footprint: {color: "#1565c0", weight: 2, fillColor: "#1e88e5", fillOpacity: 0.35},
    violation: {color: "#7b0000", weight: 2, fillColor: "#b3261e", fillOpacity: 0.6},
    built: {color: "#5d4e40", weight: 2, fillColor: "#8c7b6b", fillOpacity: 0.35},
    difference: {color: "#7b0000", weight: 3, fillColor: "#d81b60", fillOpacity: 0.65},
  };
  const labels = config.labels || {};
  const map = L.map("survey-map", {zoomSnap: 0.25});
  if (config.hillshade) {
    L.imageOverlay(config.hillshade.url, config.hillshade.bounds, {interactive: false}).addTo(map);
  }
  const hidden = {stroke: false, fill: false, weight: 0, opacity: 0, fillOpacity: 0};
  L.vectorGrid.protobuf(config.tiles, {
    rendererFactory: L.canvas.tile,
    maxNativeZoom: 20,
    interactive: false,
    vectorTileLayerStyles: {
      zones: hidden, corridors: hidden, buildings: hidden,
      streets: {color: "#34495e", weight: 2, opacity: 0.3},
      parcels: {color: "#7f8c8d", weight: 0.6, fill: false},
    },
  }).addTo(map);
  const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"})[c]);
  const layer = L.geoJSON(config.features, {
    style: (f) => STYLES[f.properties.kind] || {},
    pointToLayer: (f, latlng) => L.circleMarker(latlng, {radius: 4, color: "#111", weight: 1, fillColor: "#f1c40f", fillOpacity: 1}),
    onEachFeature: (f, l) => {
      const p = f.properties;
      const extra = p.id ? ` ${p.id}${p.code ? " (" + p.code + ")" : ""}` : (p.area_m2 != null ? ` ${p.area_m2} m²` : (p.distance_m != null ? ` ${p.distance_m} m` : ""));
      l.bindTooltip(esc((labels[p.kind] || p.kind) + extra));
    },
  }).addTo(map);
  const bounds = layer.getBounds();
  if (bounds.isValid()) map.fitBounds(bounds.pad(0.3)); else map.setView([37.47, 57.33], 15);
  // The legend names only what this map draws (plus what the drawing tool adds).
  const present = new Set((config.features.features || []).map((f) => f.properties.kind));
  if (document.getElementById("id_footprint")) present.add("footprint");
  const legend = () => {
    const div = L.DomUtil.create("div", "survey-legend");
    div.dataset.testid = "map-legend";
    // colours through the CSSOM: the Content-Security-Policy refuses style="" attributes in HTML
    Object.keys(STYLES).filter((k) => labels[k] && present.has(k)).forEach((k) => {
      const row = div.appendChild(document.createElement("div"));
      const key = row.appendChild(document.createElement("i"));
      key.style.background = STYLES[k].fillColor || STYLES[k].color;
      key.style.border = `1px solid ${STYLES[k].color}`;
      row.append(labels[k]);
    });
    return div;
  };
  if (window.matchMedia && window.matchMedia("(max-width: 600px)").matches) {
    // on a phone the legend goes under the map instead of covering it
    const below = legend();
    below.classList.add("below");
    document.getElementById("survey-map").after(below);
  } else {
    const Legend = L.Control.extend({onAdd: legend});
    new Legend({position: "bottomleft"}).addTo(map);
  }
  window.mapControlsInPageLanguage(map, L.control.scale({metric: true, imperial: false}).addTo(map));
  window.fileMap = map;  // for the drawing tool of the workflow pages
  document.body.dataset.surveyMapReady = "true";
})();
