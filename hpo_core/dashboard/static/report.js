/* The HTML report: the same charts as the dashboard (charts.js) drawn from the data embedded in the page, and a
 * sortable trial table. report.html#sort=3 opens sorted by the 4th column. */
"use strict";
(function () {
  var data = JSON.parse(document.getElementById("asktell-data").textContent);
  var opts = {metric: data.metric, mode: data.mode, logParams: data.log_params,
              onTitle: function (title) { document.getElementById("curves-title").textContent = title; }};
  AsktellCharts.curves(document.getElementById("curves"), data.trials, opts);
  AsktellCharts.history(document.getElementById("history"), data.trials, opts);
  AsktellCharts.parallel(document.getElementById("parallel"), data.trials, opts);

  document.querySelectorAll("table.trials th").forEach(function (th, col) {
    th.addEventListener("click", function () {
      var body = th.closest("table").tBodies[0], rows = Array.from(body.rows);
      var asc = th.dataset.dir !== "asc"; th.dataset.dir = asc ? "asc" : "desc";
      rows.sort(function (a, b) {
        var x = a.cells[col].dataset.v, y = b.cells[col].dataset.v, nx = parseFloat(x), ny = parseFloat(y);
        var r = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : String(x).localeCompare(String(y));
        return asc ? r : -r;
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });
  var wanted = location.hash.match(/sort=([0-9]+)/);
  if (wanted) { var th = document.querySelectorAll("table.trials th")[+wanted[1]]; if (th) th.click(); }
})();
