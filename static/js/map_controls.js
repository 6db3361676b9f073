/* Leaflet's own controls in the page's language, for every map page (the city map and its print view,
   the file, wizard and survey maps): Leaflet writes its control titles in English and its scale as
   "10 m". The titles come from the translation catalogue, as data attributes of this script's own tag
   (templates/maps/_map_controls.html renders them with {% translate %}: no inline script, no second list
   of names here); on a Persian page the scale reads in Persian digits, kept left to right. No "Leaflet"
   link in the attribution. The page's map script calls window.mapControlsInPageLanguage(map, scale). */
(function () {
  "use strict";
  const titles = document.currentScript.dataset;
  // Leaflet's control elements by class, with the catalogue's title for each
  const CONTROLS = {
    ".leaflet-control-zoom-in": titles.zoomIn,
    ".leaflet-control-zoom-out": titles.zoomOut,
    ".leaflet-control-layers-toggle": titles.layers,
  };
  const PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹";

  window.mapControlsInPageLanguage = function (map, scale) {
    const fa = document.documentElement.lang === "fa";
    if (map.attributionControl) map.attributionControl.setPrefix(false);
    if (scale) {
      const update = scale._updateScale;
      scale._updateScale = function (el, text, ratio) {
        update.call(this, el, fa ? String(text).replace(/\d/g, (d) => PERSIAN_DIGITS[d]) : text, ratio);
      };
      scale.getContainer().dir = "ltr";
      scale._update();
    }
    for (const [selector, title] of Object.entries(CONTROLS)) {
      if (!title) continue;
      map.getContainer().querySelectorAll(selector).forEach((el) => {
        el.setAttribute("title", title);
        el.setAttribute("aria-label", title);
      });
    }
  };
})();
