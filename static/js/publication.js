// Publication page: poll the render status and reload when the PDF is ready.
// Without JavaScript a <noscript> meta refresh does the same.
(function () {
  "use strict";
  var box = document.getElementById("publication-status");
  if (!box || box.getAttribute("data-done") === "true") { return; }
  var url = box.getAttribute("data-status-url");
  var bar = document.getElementById("render-progress");
  var text = box.querySelector("[data-progress-text]");
  var tries = 0;
  function poll() {
    tries += 1;
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) { return schedule(); }
        if (bar) { bar.value = data.progress; }
        if (text) { text.textContent = data.progress + "%"; }
        if (data.done) { window.location.reload(); return; }
        schedule();
      })
      .catch(schedule);
  }
  function schedule() {
    if (tries < 400) { window.setTimeout(poll, tries < 20 ? 1000 : 3000); }
  }
  schedule();
})();
