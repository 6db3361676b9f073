/* On every page: register the service worker (config.pwa, served from the site's root so that its
   scope covers every page). <html data-service-worker="ready"> once it controls the page. */
(() => {
  const script = document.currentScript;
  if (!("serviceWorker" in navigator) || !script) return;
  const url = script.dataset.serviceWorker;
  const mark = () => {
    if (navigator.serviceWorker.controller) document.documentElement.dataset.serviceWorker = "ready";
  };
  navigator.serviceWorker.addEventListener("controllerchange", mark);
  navigator.serviceWorker
    .register(url, { scope: new URL("./", new URL(url, location.href)).pathname })
    .then(() => navigator.serviceWorker.ready)
    .then(mark)
    .catch((error) => console.warn("service worker not registered:", error.message));
})();
