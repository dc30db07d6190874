/* Koppel's small script (no inline scripts: the Content-Security-Policy forbids them).
   - forms with data-confirm ask before doing something that cannot be undone;
   - elements with data-job-url show a live progress bar for a background job. */
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) { event.preventDefault(); }
  });

  function poll(box) {
    var url = box.getAttribute("data-job-url");
    var bar = box.querySelector(".progress-bar");
    var label = box.querySelector("[data-job-stage]");
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.json(); })
      .then(function (job) {
        bar.style.width = job.progress + "%";
        var meter = box.querySelector("[role=progressbar]");
        if (meter) { meter.setAttribute("aria-valuenow", job.progress); }
        bar.textContent = job.progress + "%";
        var stages = JSON.parse(box.getAttribute("data-stages") || "{}");
        if (label) { label.textContent = stages[job.stage] || stages[job.status] || ""; }
        if (job.status === "finished" || job.status === "failed") {
          box.setAttribute("data-job-status", job.status);
          var done = box.getAttribute("data-done-url");
          if (done) { window.location.assign(done); }
          return;
        }
        window.setTimeout(function () { poll(box); }, 800);
      })
      .catch(function () { window.setTimeout(function () { poll(box); }, 3000); });
  }
  document.querySelectorAll(".progress-bar[data-width]").forEach(function (bar) {
    bar.style.width = bar.getAttribute("data-width") + "%";
  });
  document.querySelectorAll("[data-job-url]").forEach(poll);
})();
