// An upload's progress (a survey file's page, a drawing's check page): ask the server for the upload's
// state every second and move on (to the reconciliation or the check, or to the refusal) when the job
// has ended. No library needed.
(function () {
  "use strict";
  var box = document.querySelector("[data-testid=upload-progress]");
  if (!box) return;
  var url = box.getAttribute("data-status-url");
  var label = box.querySelector("[data-testid=upload-status]");
  var delay = 1000;

  function show(state) {
    box.setAttribute("data-status", state.status);
    box.querySelectorAll("[data-step]").forEach(function (step) {
      step.classList.toggle("current", step.getAttribute("data-step") === state.status);
    });
    label.textContent = state.label + "…";
  }

  function ask() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (answer) {
        if (!answer.ok) throw new Error("HTTP " + answer.status);
        return answer.json();
      })
      .then(function (state) {
        var next = state.next_url || state.survey_url;
        if (state.status === "done" && next) {
          window.location.assign(next);
        } else if (state.status === "refused") {
          window.location.reload();
        } else {
          show(state);
          setTimeout(ask, delay);
        }
      })
      .catch(function () {
        delay = Math.min(delay * 2, 10000); // the server is busy or away: ask less often
        setTimeout(ask, delay);
      });
  }
  setTimeout(ask, delay);
})();
