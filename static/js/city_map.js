/* The city map: our own vector tiles and terrain only (no external tile server), click-to-check,
   the property finder, coordinates in UTM and lat/lon. Hooked on django-leaflet's map:init. The
   same script draws the print view (body.print-page), without the panel. */
(function () {
  "use strict";
  const readJSON = (id) => JSON.parse(document.getElementById(id).textContent);
  const config = readJSON("map-config");
  const T = readJSON("map-labels");

  const persian = config.lang.startsWith("fa");
  const printMode = document.body.classList.contains("print-page");
  const COLORS = {
    residential: "#f2d16b", commercial: "#e8743b", mixed: "#d9a441", park: "#5bb36a", education: "#5b8fd9",
    higher_education: "#3d6fb8", health: "#d95b7a", religious: "#8d6bd9", administrative: "#7a8a99",
    sport: "#3fb0a5", cultural: "#b36bd9", urban_equipment: "#999999", utilities: "#666666",
    transport: "#444444", military: "#6b705c", agriculture: "#a3c96b", heritage: "#a0522d",
    natural: "#7fb89a", buffer: "#c9c9a3", tourism: "#4fc1e9", industrial: "#8e6c8a",
  };
  const SELECTION = {
    parcel: {color: "#0b3d91", weight: 3, fill: false},
    envelope: {color: "#1e7b34", weight: 2, fillColor: "#2ecc71", fillOpacity: 0.45},
    setback_strip: {color: "#c0392b", weight: 1, fillColor: "#e74c3c", fillOpacity: 0.55},
    realigned_line: {color: "#c0392b", weight: 2.5, dashArray: "6 4"},
    chamfer: {color: "#d35400", weight: 1, fillColor: "#f39c12", fillOpacity: 0.7},
  };
  const STREET_HIGHLIGHT = {color: "#f1c40f", weight: 9, opacity: 0.85, lineCap: "round"};
  const digits = (v) => (persian ? String(v).replace(/\d/g, (d) => "۰۱۲۳۴۵۶۷۸۹"[d]) : String(v));
  const esc = (v) => String(v).replace(/[&<>"']/g, (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c]));
  const $ = (id) => document.getElementById(id);
  const firstError = (data, fallback) => {
    const errors = (data && data.errors) || {};
    for (const list of Object.values(errors)) if (list.length) return list[0].message;
    return fallback;
  };

  const metresPerPixel = (zoom) => (156543.03 * Math.cos((config.centreLat || 37.47) * Math.PI / 180)) / 2 ** zoom;

  // A legend swatch gets its colours through the CSSOM (element.style), which the
  // Content-Security-Policy allows; a style="" attribute in built HTML it refuses.
  function swatch(style, label) {
    const li = document.createElement("li");
    const sw = li.appendChild(document.createElement("span"));
    sw.className = "sw";
    Object.assign(sw.style, style);
    li.append(label);
    return li;
  }

  function legendNode() {
    const legend = document.createDocumentFragment();
    legend.appendChild(document.createElement("h3")).textContent = T.zones;
    const uses = legend.appendChild(document.createElement("ul"));
    uses.className = "cols";
    Object.entries(T.land_uses).filter(([k]) => COLORS[k])
      .forEach(([k, label]) => uses.append(swatch({background: COLORS[k]}, label)));
    legend.appendChild(document.createElement("ul")).append(
      swatch({background: "#c0392b", height: ".3rem"}, T.widened),
      swatch({background: "#34495e", height: ".3rem"}, T.not_widened),
      swatch({border: "2px dashed #c0392b", background: "none"}, T.corridors),
      swatch({border: "1px solid #1f4e79", background: "none"}, T.parcels),
      swatch({background: "#8c7b6b"}, T.buildings),
      swatch({border: "2px solid #0b3d91", background: "none"}, T.parcel),
      swatch({background: "#2ecc71"}, T.envelope),
      swatch({background: "#e74c3c"}, T.setback),
      swatch({background: "#f39c12"}, T.chamfer),
    );
    return legend;
  }

  // The print view's button (no onclick="" attribute: the Content-Security-Policy refuses those).
  document.querySelectorAll("[data-action=print]").forEach((b) => b.addEventListener("click", () => window.print()));

  window.addEventListener("map:init", (e) => {
    const map = e.detail.map;
    window.cityMap = map;
    map.attributionControl.setPrefix(false);
    if (map.zoomControl) map.zoomControl.setPosition(document.dir === "rtl" ? "topright" : "topleft");
    // the panel sits at the inline end; scale and coordinates go to the other bottom corner
    const freeCorner = document.dir === "rtl" ? "bottomright" : "bottomleft";
    const scale = L.control.scale({metric: true, imperial: false, position: freeCorner}).addTo(map);
    $("map-legend").replaceChildren(legendNode());

    // --- layers: terrain from our DEM, then our vector tiles ---------------------------------------
    map.createPane("terrain").style.zIndex = 150;  // under the vector tiles (tilePane is 200)
    const terrain = config.hillshade
      ? L.imageOverlay(config.hillshade.url, config.hillshade.bounds, {interactive: false, pane: "terrain"})
      : L.layerGroup();
    terrain.addTo(map);
    const visible = new Set(["zones", "streets", "corridors", "parcels", "buildings"]);
    const hidden = {stroke: false, fill: false, weight: 0, opacity: 0, fillOpacity: 0};
    const styles = {
      zones: (p) => (visible.has("zones")
        ? {fill: true, fillColor: COLORS[p.land_use] || "#ccc", fillOpacity: 0.35, color: "#777", weight: 0.7} : hidden),
      // drawn at the street's approved width on the ground (at least 1.5 px)
      streets: (p, zoom) => (visible.has("streets")
        ? {color: p.widened ? "#c0392b" : "#34495e", weight: Math.max(1.5, p.approved_width_m / metresPerPixel(zoom)),
          opacity: 0.35} : hidden),
      corridors: (p) => (visible.has("corridors")
        ? {color: p.widened ? "#c0392b" : "#7f8c8d", weight: 1.2, dashArray: "5 4", fill: false} : hidden),
      parcels: () => (visible.has("parcels") ? {color: "#1f4e79", weight: 0.7, fill: false} : hidden),
      buildings: () => (visible.has("buildings")
        ? {fill: true, fillColor: "#8c7b6b", fillOpacity: 0.55, color: "#5d4e40", weight: 0.4} : hidden),
    };
    const tiles = L.vectorGrid.protobuf(config.tiles, {
      vectorTileLayerStyles: styles,
      rendererFactory: L.canvas.tile,
      maxNativeZoom: 20,
      interactive: false,
      attribution: "",
    });
    tiles.on("loading", () => { document.body.dataset.tilesLoaded = "false"; });
    tiles.on("load", () => { document.body.dataset.tilesLoaded = "true"; });
    tiles.addTo(map);
    const selection = L.layerGroup().addTo(map);
    map.on("movestart", () => { document.body.dataset.mapIdle = "false"; });
    map.on("moveend", () => { document.body.dataset.mapIdle = "true"; });

    const overlays = {};
    overlays[T.basemap] = terrain;
    for (const name of ["zones", "streets", "corridors", "parcels", "buildings"]) {
      const proxy = L.layerGroup();
      proxy.tileLayerName = name;
      proxy.addTo(map);
      overlays[T[name]] = proxy;
    }
    const valueZones = L.geoJSON(null, {
      style: {color: "#8e44ad", weight: 2, dashArray: "2 4", fill: false},
      onEachFeature: (f, layer) => layer.bindTooltip(esc(`${f.properties.name || f.properties.code}`)),
    });
    overlays[T.value_zones] = valueZones;
    let valueZonesLoaded = false;
    map.on("overlayadd overlayremove", (ev) => {
      const name = ev.layer.tileLayerName;
      if (name) {
        if (ev.type === "overlayadd") visible.add(name); else visible.delete(name);
        tiles.redraw();
      }
      if (ev.layer === valueZones && ev.type === "overlayadd" && !valueZonesLoaded) {
        valueZonesLoaded = true;
        fetch(config.valueZones).then((r) => r.json()).then((data) => valueZones.addData(data)).catch(() => {});
      }
    });
    L.control.layers(null, overlays, {collapsed: true, position: document.dir === "rtl" ? "topright" : "topleft"}).addTo(map);
    window.mapControlsInPageLanguage(map, scale);

    // --- coordinates under the cursor (UTM of the storage CRS and lat/lon) --------------------------
    const toUtm = proj4("EPSG:4326", config.storage.proj4);
    const Coords = L.Control.extend({
      options: {position: freeCorner},
      onAdd() {
        this._div = L.DomUtil.create("div", "coords");
        this._div.dataset.testid = "coords";
        return this._div;
      },
      show(latlng) {
        const [x, y] = toUtm.forward([latlng.lng, latlng.lat]);
        const zone = config.storage.name.replace(/^.*UTM zone\s*/i, "");
        const f0 = new Intl.NumberFormat(persian ? "fa-IR" : "en-US", {maximumFractionDigits: 0});
        const f5 = new Intl.NumberFormat(persian ? "fa-IR" : "en-US", {minimumFractionDigits: 5, maximumFractionDigits: 5});
        // coordinates are codes: isolated left to right, so that RTL does not reorder "E … · N …" or the °
        this._div.innerHTML = `<span><bdi dir="ltr">${esc(T.utm)} ${esc(digits(zone))}: E ${f0.format(x)} · N ${f0.format(y)}</bdi></span>`
          + `<span>${esc(T.latlon)}: <bdi dir="ltr">${f5.format(latlng.lat)}° · ${f5.format(latlng.lng)}°</bdi></span>`;
      },
    });
    const coords = new Coords().addTo(map);
    coords.show(map.getCenter());
    map.on("mousemove", (ev) => coords.show(ev.latlng));
    // the print link (and the tests) carry the current view from the start, then after each move
    const printLinkUpdate = () => {
      const link = $("print-link");
      if (link) link.href = `${config.print}?bbox=${map.getBounds().toBBoxString()}`;
    };
    map.on("moveend", () => {
      coords.show(map.getCenter());
      printLinkUpdate();
    });
    printLinkUpdate();

    if (printMode) {
      const b = config.printBbox;
      if (b) map.fitBounds([[b[1], b[0]], [b[3], b[2]]]);
      else if (config.hillshade) map.fitBounds(config.hillshade.bounds);
      return;
    }

    // --- click a parcel: what the detailed plan allows on it -----------------------------------------
    const panel = $("map-details");
    const hint = $("map-hint");
    // fitBounds padding that keeps what is shown out from under the panel (side or bottom sheet)
    function clearOfPanel() {
      const m = map.getContainer().getBoundingClientRect();
      const p = document.getElementById("map-panel").getBoundingClientRect();
      const pad = {paddingTopLeft: [20, 20], paddingBottomRight: [20, 20]};
      if (p.height < m.height * 0.6) pad.paddingBottomRight[1] += Math.max(0, m.bottom - p.top);
      else if (p.left - m.left < m.right - p.right) pad.paddingTopLeft[0] += Math.max(0, p.right - m.left);
      else pad.paddingBottomRight[0] += Math.max(0, m.right - p.left);
      return pad;
    }

    function drawSelection(geometry) {
      selection.clearLayers();
      const order = ["parcel", "setback_strip", "chamfer", "envelope", "realigned_line"];
      const features = [...geometry.features].sort((a, b) => order.indexOf(a.properties.kind) - order.indexOf(b.properties.kind));
      const layer = L.geoJSON({type: "FeatureCollection", features}, {
        style: (f) => SELECTION[f.properties.kind] || {color: "#333"},
        interactive: false,
      });
      layer.eachLayer((l) => {
        const kind = l.feature.properties.kind;
        l.options.className = `sel-${kind}`;
      });
      selection.addLayer(layer);
      document.body.dataset.envelopeDrawn = String(geometry.features.some((f) => f.properties.kind === "envelope"));
      document.body.dataset.streetHighlighted = "false";
      return layer;
    }

    // The panel is rendered by the server (maps/panel.html, in the page's language, with the plan's
    // verdict); it is inserted as it is, and the geometry it carries is drawn.
    async function check(params, {fit = false} = {}) {
      hint.textContent = T.loading;
      hint.classList.remove("error");
      panel.setAttribute("aria-busy", "true");
      try {
        const r = await fetch(`${config.panel}?${new URLSearchParams(params)}`, {headers: {Accept: "text/html"}});
        const fragment = document.createElement("template");
        fragment.innerHTML = (r.headers.get("Content-Type") || "").startsWith("text/html") ? await r.text() : "";
        const answer = fragment.content.querySelector("[data-panel]");
        if (!r.ok || !answer || answer.dataset.panel !== "parcel") {
          selection.clearLayers();
          document.body.dataset.envelopeDrawn = "false";
          panel.replaceChildren();
          const message = answer && answer.querySelector("[data-testid=panel-error]");
          hint.textContent = message ? message.textContent : T.load_error;
          hint.classList.add("error");
          return;
        }
        hint.textContent = "";
        const geometry = JSON.parse(answer.querySelector("#panel-geometry").textContent);
        panel.replaceChildren(answer);
        const layer = drawSelection(geometry);
        if (fit) map.fitBounds(layer.getBounds(), {maxZoom: 19, ...clearOfPanel()});
      } catch (err) {
        hint.textContent = T.load_error;
        hint.classList.add("error");
      } finally {
        panel.removeAttribute("aria-busy");
      }
    }

    map.on("click", (ev) => check({lon: ev.latlng.lng.toFixed(7), lat: ev.latlng.lat.toFixed(7)}));

    // --- find my property ------------------------------------------------------------------------------
    const message = $("finder-message");
    const list = $("finder-results");
    function go(result) {
      list.innerHTML = "";
      if (result.kind === "parcel") {
        check({file_code: result.file_code}, {fit: true});
      } else {
        // the street's own lines, highlighted under nothing else the finder drew, and the view on them
        selection.clearLayers();
        const highlight = L.geoJSON(result.geometry || null, {style: () => STREET_HIGHLIGHT, interactive: false});
        highlight.eachLayer((l) => { l.options.className = "street-highlight"; });
        selection.addLayer(highlight);
        const b = result.bbox;
        map.fitBounds([[b[1], b[0]], [b[3], b[2]]], {maxZoom: 18, ...clearOfPanel()});
        document.body.dataset.streetHighlighted = String(highlight.getLayers().length > 0);
        message.textContent = `${T.found}: ${result.name}`;
      }
    }
    $("finder").addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const q = $("finder-q").value.trim();
      if (!q) return;
      message.textContent = T.searching;
      message.classList.remove("error");
      list.innerHTML = "";
      try {
        const r = await fetch(`${config.find}?${new URLSearchParams({q, lang: config.lang})}`);
        const data = await r.json();
        if (!r.ok) {
          message.textContent = firstError(data, T.load_error);
          message.classList.add("error");
          return;
        }
        message.textContent = "";
        if (data.results.length === 1) { go(data.results[0]); return; }
        for (const result of data.results) {
          const li = document.createElement("li");
          const button = document.createElement("button");
          button.type = "button";
          button.className = "linklike";
          button.textContent = digits(result.label);
          button.addEventListener("click", () => go(result));
          li.appendChild(button);
          list.appendChild(li);
        }
      } catch (err) {
        message.textContent = T.load_error;
        message.classList.add("error");
      }
    });
    $("my-location").addEventListener("click", () => {
      if (!navigator.geolocation) { message.textContent = T.no_gps; return; }
      message.textContent = T.locating;
      navigator.geolocation.getCurrentPosition((pos) => {
        message.textContent = "";
        const latlng = L.latLng(pos.coords.latitude, pos.coords.longitude);
        map.fitBounds(latlng.toBounds(120), {maxZoom: 18, ...clearOfPanel()});
        L.circle(latlng, {radius: Math.max(pos.coords.accuracy || 0, 3), color: "#2980b9", weight: 1}).addTo(selection);
        check({lon: latlng.lng.toFixed(7), lat: latlng.lat.toFixed(7)});
      }, () => {
        message.textContent = T.no_gps;
        message.classList.add("error");
      }, {enableHighAccuracy: true, timeout: 15000});
    });

    // a shared or returned-to link: /map/?file_code=...
    const asked = new URLSearchParams(location.search).get("file_code");
    if (asked) check({file_code: asked}, {fit: true});
  });
})();
