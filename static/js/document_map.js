// The verification page's small map: the permitted footprint as the municipality recorded it.
// No tiles (nothing leaves the site); a scale bar so a paper's drawing can be compared.
(function () {
  "use strict";
  const source = document.getElementById("document-map-footprint");
  if (!source) return;
  const footprint = JSON.parse(source.textContent);
  const map = L.map("document-map", {zoomSnap: 0.25, attributionControl: false});
  const layer = L.geoJSON(footprint, {style: {color: "#1565c0", weight: 2, fillColor: "#1e88e5", fillOpacity: 0.35}}).addTo(map);
  const bounds = layer.getBounds();
  if (bounds.isValid()) map.fitBounds(bounds.pad(0.6)); else map.setView([37.47, 57.33], 17);
  L.control.scale({metric: true, imperial: false}).addTo(map);
  document.body.dataset.documentMapReady = "true";
})();
