// The drawing check's map: the city's own tiles for context, the plan's envelope and realigned line,
// and the drawing's floors placed on the parcel, one layer per floor with a toggle (the checkboxes
// under the map). Data comes through json_script (#drawing-map-config); no request leaves the site.
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("drawing-map-config").textContent);
  const STYLES = {
    cadastral: {color: "#1f4e79", weight: 2, dashArray: "6 4", fill: false},
    measured: {color: "#e67e22", weight: 3, fill: false},
    envelope: {color: "#0b6e4f", weight: 1, fillColor: "#0b6e4f", fillOpacity: 0.12},
    setback_strip: {color: "#c0392b", weight: 1, fillColor: "#e74c3c", fillOpacity: 0.3},
    realigned_line: {color: "#c0392b", weight: 3, dashArray: "5 3"},
    footprint: {color: "#1565c0", weight: 2, fillColor: "#1e88e5", fillOpacity: 0.25},
    excess_floor: {color: "#7b0000", weight: 3, fillColor: "#b3261e", fillOpacity: 0.45},
    area: {color: "#283593", weight: 1, dashArray: "2 2", fill: false},
    deduct: {color: "#555", weight: 1, fillColor: "#fff", fillOpacity: 0.8},
    balcony: {color: "#8e24aa", weight: 2, fillColor: "#ab47bc", fillOpacity: 0.55},
    parking: {color: "#2e7d32", weight: 1, fillColor: "#66bb6a", fillOpacity: 0.4},
    realignment: {color: "#000", weight: 1, dashArray: "1 3"},
  };
  const labels = config.labels || {};
  const map = L.map("drawing-map", {zoomSnap: 0.25});
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
  const floors = new Map();  // floor number -> layer group
  const base = L.featureGroup().addTo(map);
  const all = L.featureGroup();
  (config.features.features || []).forEach((f) => {
    const p = f.properties;
    const layer = L.geoJSON(f, {style: () => STYLES[p.kind] || {}});
    const name = (labels[p.kind] || p.kind) + (p.floor != null ? ` · ${labels.floor || ""} ${p.floor}` : "");
    layer.bindTooltip(esc(name));
    if (p.floor != null) {
      if (!floors.has(p.floor)) floors.set(p.floor, L.featureGroup().addTo(map));
      floors.get(p.floor).addLayer(layer);
    } else {
      base.addLayer(layer);
    }
    all.addLayer(L.geoJSON(f));
  });
  const bounds = all.getBounds();
  if (bounds.isValid()) map.fitBounds(bounds.pad(0.25)); else map.setView([37.47, 57.33], 15);
  document.querySelectorAll("[data-floor]").forEach((box) => {
    box.addEventListener("change", () => {
      const group = floors.get(Number(box.dataset.floor));
      if (!group) return;
      if (box.checked) group.addTo(map); else map.removeLayer(group);
      document.body.dataset.floorsShown = String(Array.from(floors.values()).filter((g) => map.hasLayer(g)).length);
    });
  });
  const present = new Set((config.features.features || []).map((f) => f.properties.kind));
  const legend = () => {
    const div = L.DomUtil.create("div", "survey-legend");
    div.dataset.testid = "map-legend";
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
    const below = legend();
    below.classList.add("below");
    document.getElementById("drawing-map").after(below);
  } else {
    const Legend = L.Control.extend({onAdd: legend});
    new Legend({position: "bottomleft"}).addTo(map);
  }
  window.mapControlsInPageLanguage(map, L.control.scale({metric: true, imperial: false}).addTo(map));
  document.body.dataset.floorsShown = String(floors.size);
  document.body.dataset.drawingMapReady = "true";
})();
