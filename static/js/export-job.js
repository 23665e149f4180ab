// Follows an export job: polls its status and moves the progress bar until the file is ready.
(function () {
  "use strict";
  var box = document.getElementById("export-job");
  if (!box || box.dataset.finished === "true") return;
  var part = function (name) { return box.querySelector('[data-job="' + name + '"]'); };
  var count = part("count");

  function show(job) {
    part("label").textContent = job.label;
    part("bar").value = job.percent;
    if (count) count.textContent = job.count_text;
    var hint = part("hint");
    if (hint && job.status !== "queued") hint.hidden = true;
    if (job.error) { part("error").textContent = job.error; part("error").hidden = false; }
    if (job.download) part("download").hidden = false;
  }

  function poll() {
    fetch(box.dataset.statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (job) {
        if (!job) return;
        show(job);
        if (!job.finished) window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 500);
})();
