// Draw a polygon on the file's map by clicking its corners; Finish writes it as GeoJSON (lon/lat)
// into the hidden form field named by this script tag's data-target. No external library.
(function () {
  "use strict";
  const target = document.getElementById(document.currentScript.dataset.target);
  const map = window.fileMap;
  if (!target || !map) return;
  let corners = [];
  let shape = null;
  const redraw = () => {
    if (shape) map.removeLayer(shape);
    shape = corners.length ? L.polygon(corners, {color: "#1565c0", weight: 2, dashArray: "4 3"}).addTo(map) : null;
  };
  if (target.value) {
    try {
      const g = JSON.parse(target.value);
      corners = g.coordinates[0].slice(0, -1).map(([x, y]) => [y, x]);
      redraw();
    } catch (e) { target.value = ""; }
  }
  map.on("click", (e) => { corners.push([e.latlng.lat, e.latlng.lng]); redraw(); target.value = ""; });
  document.querySelectorAll("[data-draw=finish]").forEach((b) => b.addEventListener("click", () => {
    if (corners.length < 3) return;
    const ring = corners.map(([lat, lng]) => [lng, lat]);
    ring.push(ring[0]);
    target.value = JSON.stringify({type: "Polygon", coordinates: [ring]});
    if (shape) shape.setStyle({dashArray: null});
  }));
  document.querySelectorAll("[data-draw=clear]").forEach((b) => b.addEventListener("click", () => {
    corners = []; target.value = ""; redraw();
  }));
})();
