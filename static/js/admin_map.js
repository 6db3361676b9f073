/* Admin map widgets: let django-leaflet zoom right in to a parcel (its default stops at zoom 15). */
window.addEventListener("map:init", (e) => {
  e.detail.map.maxZoom = 19;
});
