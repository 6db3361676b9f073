/* The city map: our own layers only (no external tile server). Hooked on django-leaflet's map:init. */
(function () {
  "use strict";
  const readJSON = (id) => JSON.parse(document.getElementById(id).textContent);
  const config = readJSON("map-config");
  const labels = readJSON("map-labels");
  const landUses = readJSON("land-uses");
  const persian = document.documentElement.lang.startsWith("fa");
  const COLORS = {
    residential: "#f2d16b", commercial: "#e8743b", mixed: "#d9a441", park: "#5bb36a", education: "#5b8fd9",
    health: "#d95b7a", religious: "#8d6bd9", administrative: "#7a8a99", sport: "#3fb0a5",
    cultural: "#b36bd9", urban_equipment: "#999999", utilities: "#666666", transport: "#444444",
  };
  const fa = (v) => (persian ? String(v).replace(/\d/g, (d) => "۰۱۲۳۴۵۶۷۸۹"[d]) : String(v));
  const esc = (v) => String(v).replace(/[&<>"']/g, (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c]));

  function show(props, keys) {
    const rows = keys.filter((k) => props[k] !== null && props[k] !== undefined && props[k] !== "")
      .map((k) => {
        let v = k === "land_use" ? (landUses[props[k]] || props[k]) : props[k];
        const code = ["file_code", "renovation_code", "registry_plate", "plan_code"].includes(k);
        v = code ? `<bdi dir="ltr" class="code">${esc(fa(v))}</bdi>` : esc(fa(v));
        return `<dt>${esc(labels[k])}</dt><dd data-key="${k}">${v}</dd>`;
      });
    document.getElementById("map-details").innerHTML = `<dl>${rows.join("")}</dl>`;
  }

  function setHint(text) { document.getElementById("map-hint").textContent = text; }

  async function getJSON(url) {
    const r = await fetch(url, {headers: {Accept: "application/geo+json"}});
    if (!r.ok) throw new Error(r.status);
    return r.json();
  }

  window.addEventListener("map:init", async (e) => {
    const map = e.detail.map;
    map.attributionControl.setPrefix(false);
    // The panel sits at the inline end; keep the zoom buttons on the other side in both directions.
    if (map.zoomControl) map.zoomControl.setPosition(document.dir === "rtl" ? "topright" : "topleft");
    const zones = L.geoJSON(null, {
      style: (f) => ({color: "#555", weight: 1, fillColor: COLORS[f.properties.land_use] || "#ccc", fillOpacity: 0.45}),
      onEachFeature: (f, layer) => layer.on("click", () => show(f.properties,
        ["plan_code", "land_use", "density_pct", "coverage_pct", "max_floors", "min_plot_area_m2", "min_frontage_m"])),
    }).addTo(map);
    const streets = L.geoJSON(null, {
      style: (f) => ({color: f.properties.approved_width_m > f.properties.existing_width_m ? "#c0392b" : "#34495e",
        weight: Math.max(2, f.properties.existing_width_m / 4)}),
      onEachFeature: (f, layer) => layer.on("click", () => show(f.properties, ["name", "existing_width_m", "approved_width_m"])),
    }).addTo(map);
    const parcels = L.geoJSON(null, {
      style: {color: "#1d2a26", weight: 0.8, fillOpacity: 0.05},
      onEachFeature: (f, layer) => layer.on("click", (ev) => {
        L.DomEvent.stopPropagation(ev);
        show(f.properties, ["file_code", "renovation_code", "registry_plate"]);
      }),
    }).addTo(map);

    try {
      const [z, s] = await Promise.all([getJSON(config.zones), getJSON(config.streets)]);
      zones.addData(z);
      streets.addData(s);
      if (zones.getLayers().length) map.fitBounds(zones.getBounds(), {animate: false});
      map.getContainer().dataset.layersLoaded = "true";
    } catch (err) {
      setHint(labels.load_error);
    }
    const present = new Set(zones.getLayers().map((l) => l.feature.properties.land_use));
    const legend = Object.entries(COLORS).filter(([k]) => present.has(k) && landUses[k])
      .map(([k, c]) => `<li><span style="background:${c}"></span>${esc(landUses[k])}</li>`).join("");
    document.getElementById("map-legend").innerHTML = `<ul>${legend}</ul>`;

    let pending = null;
    async function refreshParcels() {
      if (map.getZoom() < config.parcelsMinZoom) { parcels.clearLayers(); setHint(labels.zoom_in); return; }
      const b = map.getBounds();
      const bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map((v) => v.toFixed(6)).join(",");
      if (pending) pending.abort();
      pending = new AbortController();
      try {
        const r = await fetch(`${config.parcels}?bbox=${bbox}`, {signal: pending.signal});
        if (!r.ok) { setHint(labels.zoom_in); return; }
        const data = await r.json();
        parcels.clearLayers();
        parcels.addData(data);
        setHint(data.features.length >= 3000 ? labels.too_many : "");
      } catch (err) {
        if (err.name !== "AbortError") setHint(labels.load_error);
      }
    }
    map.on("moveend", refreshParcels);
    refreshParcels();
  });
})();
