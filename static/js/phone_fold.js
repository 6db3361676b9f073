// On a phone the long sections of a page start folded (their <details> open without this script, so
// nothing is hidden when scripts do not run); the reader opens the one they need.
(function () {
  "use strict";
  if (!window.matchMedia || !window.matchMedia("(max-width: 600px)").matches) return;
  document.querySelectorAll("details[data-phone-fold]").forEach(function (el) {
    el.removeAttribute("open");
  });
})();
