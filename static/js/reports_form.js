// The report form's map: the city's own tiles for context; a tap puts the marker and fills the hidden
// lon/lat fields. Hooked on django-leaflet's map:init; data through json_script (#report-map-config).
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("report-map-config").textContent);
  const box = document.getElementById("report-map");
  const readout = document.getElementById("report-point");
  const lon = document.getElementById("id_lon");
  const lat = document.getElementById("id_lat");
  const fmt = new Intl.NumberFormat(document.documentElement.lang || "fa", {maximumFractionDigits: 5});

  const map = L.map(box, {zoomSnap: 0.5}).setView([37.4745, 57.3295], 15);
  if (config.tiles && L.vectorGrid) {
    const hidden = {stroke: false, fill: false, weight: 0, opacity: 0, fillOpacity: 0};
    L.vectorGrid.protobuf(config.tiles, {
      rendererFactory: L.canvas.tile,
      maxNativeZoom: 20,
      interactive: false,
      vectorTileLayerStyles: {
        zones: hidden, corridors: hidden,
        buildings: {color: "#5d4e40", weight: 0.5, fillColor: "#8c7b6b", fillOpacity: 0.3, fill: true},
        streets: {color: "#34495e", weight: 2, opacity: 0.5},
        parcels: {color: "#7f8c8d", weight: 0.6, fill: false},
      },
    }).addTo(map);
  }
  let marker = null;
  function place(latlng) {
    if (marker) {
      marker.setLatLng(latlng);
    } else {
      marker = L.circleMarker(latlng, {radius: 9, color: "#b3261e", weight: 3, fillOpacity: 0.5}).addTo(map);
    }
    lon.value = latlng.lng.toFixed(7);
    lat.value = latlng.lat.toFixed(7);
    readout.textContent = box.dataset.picked + ": " + fmt.format(latlng.lat) + "، " + fmt.format(latlng.lng);
  }
  map.on("click", (e) => place(e.latlng));
  if (lon.value && lat.value) {
    // the form came back with errors: the marker where it was
    const start = L.latLng(parseFloat(lat.value), parseFloat(lon.value));
    map.setView(start, 18);
    place(start);
  } else {
    // opened from the city map (?lat=&lon=): the view there, the marker still the reporter's tap
    const params = new URLSearchParams(window.location.search);
    const at = L.latLng(parseFloat(params.get("lat")), parseFloat(params.get("lon")));
    if (Number.isFinite(at.lat) && Number.isFinite(at.lng)) {
      map.setView(at, 18);
    }
  }
})();
