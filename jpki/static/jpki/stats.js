/* The statistics pages' charts (jpki/admin/stats.py): each <canvas data-chart="ID"> is drawn by
   Chart.js from the JSON of <script type="application/json" id="chart-data-ID"> (json_script: no
   inline script under the Content-Security-Policy). The numbers are also the table beside it. */
(function () {
  "use strict";
  var palette = ["#0d6e6e", "#e07b39", "#4a6fa5", "#9c4f96", "#6b8e23", "#c0392b", "#7f8c8d"];
  function draw(canvas) {
    var source = document.getElementById("chart-data-" + canvas.dataset.chart);
    if (!source || typeof Chart === "undefined") { return; }
    var spec = JSON.parse(source.textContent);
    var datasets = spec.datasets.map(function (d, i) {
      return { label: d.label, data: d.data, backgroundColor: palette[i % palette.length],
               borderColor: palette[i % palette.length], borderWidth: 1 };
    });
    var chart = new Chart(canvas, {
      type: spec.type,
      data: { labels: spec.labels, datasets: datasets },
      options: {
        indexAxis: spec.horizontal ? "y" : "x",
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: { x: { stacked: spec.stacked, beginAtZero: true }, y: { stacked: spec.stacked, beginAtZero: true } },
        plugins: { legend: { position: "bottom" } }
      }
    });
    canvas.dataset.drawn = "true";
    return chart;
  }
  function drawAll() {
    Array.prototype.forEach.call(document.querySelectorAll("canvas[data-chart]"), draw);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
