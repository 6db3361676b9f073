// The public transparency page's map: permits issued this year by district (no personal data).
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("public-map-data").textContent);
  const labels = JSON.parse(document.getElementById("public-map-labels").textContent);
  const RAMP = ["#f1f7f4", "#c7e3d6", "#8cc7ad", "#4fa07f", "#0b6e4f"];
  window.addEventListener("map:init", (e) => {
    const map = e.detail.map;
    if (map.getContainer().id !== "public-map" || !data.features.length) return;
    const max = Math.max(0, ...data.features.map((f) => f.properties.issued));
    const layer = L.geoJSON(data, {
      style: (f) => ({
        color: "#1f4e79",
        weight: 1,
        fillOpacity: 0.75,
        fillColor: max ? RAMP[Math.min(RAMP.length - 1, Math.floor((f.properties.issued / max) * (RAMP.length - 1e-9)))] : RAMP[0],
      }),
      onEachFeature: (f, l) => l.bindTooltip(f.properties.label + " · " + labels.issued + ": " + f.properties.text, {permanent: false}),
    }).addTo(map);
    map.fitBounds(layer.getBounds());
  });
})();
