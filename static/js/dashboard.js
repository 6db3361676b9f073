// The manager's dashboard: the district map (choropleths of one measure at a time, the files stuck
// longest as points that open the file) and the figures refreshed every few seconds without a reload.
// Everything it needs comes through json_script (#dash-config); the figures' texts are formatted by the
// server (the display layer), so this script only writes them back.
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("dash-config").textContent);
  const RAMP = ["#f1f7f4", "#c7e3d6", "#8cc7ad", "#4fa07f", "#0b6e4f"];
  let map = null;
  let districts = null;
  let points = null;
  let data = null;

  function measure() {
    const select = document.getElementById("dash-measure");
    return select ? select.value : "backlog";
  }

  function colour(value, max) {
    if (value === null || value === undefined || !max) return "#ffffff";
    const i = Math.min(RAMP.length - 1, Math.floor((value / max) * (RAMP.length - 1e-9)));
    return RAMP[i];
  }

  function text(tag, content, className) {
    const el = document.createElement(tag);
    el.textContent = content;
    if (className) el.className = className;
    return el;
  }

  function popup(props) {
    const box = document.createElement("div");
    box.appendChild(text("strong", props.label));
    if (props.kind === "stuck") {
      box.appendChild(text("div", props.days));
      const a = text("a", props.code);
      a.href = props.href;
      a.dir = "ltr";
      box.appendChild(a);
    } else {
      const key = measure();
      box.appendChild(text("div", props.texts[key]));
      const a = text("a", document.getElementById("dash-measure").selectedOptions[0].textContent);
      a.href = props.href;
      box.appendChild(a);
    }
    return box;
  }

  function draw() {
    if (!map || !data) return;
    if (districts) districts.remove();
    if (points) points.remove();
    const key = measure();
    const shapes = data.features.filter((f) => f.properties.kind === "district");
    const max = Math.max(0, ...shapes.map((f) => f.properties[key] || 0));
    districts = L.geoJSON(shapes, {
      style: (f) => ({color: "#1f4e79", weight: 1, fillColor: colour(f.properties[key], max), fillOpacity: 0.75}),
      onEachFeature: (f, layer) => {
        layer.bindPopup(() => popup(f.properties));
        layer.bindTooltip(f.properties.label + ": " + f.properties.texts[key]);
      },
    }).addTo(map);
    points = L.geoJSON(data.features.filter((f) => f.properties.kind === "stuck"), {
      pointToLayer: (f, latlng) => L.circleMarker(latlng, {radius: 6, color: "#7b0000", fillColor: "#b3261e", fillOpacity: 0.9}),
      onEachFeature: (f, layer) => {
        layer.bindTooltip(f.properties.label + " · " + f.properties.days);
        layer.on("click", () => { window.location.href = f.properties.href; });
      },
    }).addTo(map);
    if (shapes.length && !map._dashFitted) {
      map.fitBounds(districts.getBounds());
      map._dashFitted = true;
    }
  }

  async function loadMap() {
    const response = await fetch(config.map_url, {credentials: "same-origin", headers: {Accept: "application/json"}});
    if (!response.ok) return;
    data = await response.json();
    draw();
  }

  async function refresh() {
    try {
      const response = await fetch(config.figures_url, {credentials: "same-origin", headers: {Accept: "application/json"}});
      if (!response.ok) return;
      const answer = await response.json();
      document.querySelectorAll("[data-figure]").forEach((el) => {
        const value = answer.figures[el.dataset.figure];
        if (value !== undefined && el.textContent !== value) el.textContent = value;
      });
      const fresh = document.getElementById("dash-fresh");
      if (fresh && answer.as_of) fresh.textContent = config.as_of_label + " " + answer.as_of;
      loadMap();
    } catch (e) {
      // offline for a moment: the next round tries again
    }
  }

  window.addEventListener("map:init", (e) => {
    if (e.detail.map.getContainer().id !== "dash-map") return;
    map = e.detail.map;
    loadMap();
  });
  const select = document.getElementById("dash-measure");
  if (select) select.addEventListener("change", draw);
  window.setInterval(refresh, config.refresh_s * 1000);
})();
