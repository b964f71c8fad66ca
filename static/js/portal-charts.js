/* Charts on the patient's history and progress pages, drawn with the vendored Chart.js from data
 * the page hands over in <script type="application/json" id="progress-data"> (no inline code). */
(function () {
  "use strict";

  var source = document.getElementById("progress-data");
  if (!source || typeof window.Chart === "undefined") return;
  var data = JSON.parse(source.textContent);
  var Chart = window.Chart;
  var reduceMotion = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  var colours = { before: "#4a5868", after: "#0b5e8a", bar: "#0b5e8a", score: "#8a3b0b" };

  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.color = "#1d2733";
  Chart.defaults.animation = reduceMotion ? false : Chart.defaults.animation;

  /* ``legend``: only for charts with more than one line; a single series is named by the
   * chart's heading (a long German legend was cut off on a phone). ``unit``: after each value
   * on the axis, e.g. "%". */
  function options(yMin, yMax, stepSize, legend, unit) {
    var ticks = { stepSize: stepSize };
    if (unit) ticks.callback = function (value) { return value + "\u00a0" + unit; };
    return {
      responsive: true,
      maintainAspectRatio: false,
      interaction: { mode: "index", intersect: false },
      plugins: {
        legend: { display: !!legend, position: "bottom", align: "start",
                  labels: { boxWidth: 24, padding: 12 } },
        tooltip: unit ? { callbacks: { label: function (item) {
          return item.dataset.label + ": " + item.formattedValue + "\u00a0" + unit;
        } } } : {}
      },
      scales: {
        x: { ticks: { maxRotation: 0, autoSkip: true, maxTicksLimit: 6 } },
        y: { min: yMin, max: yMax, ticks: ticks }
      }
    };
  }

  var painCanvas = document.getElementById("pain-chart");
  if (painCanvas && data.pain) {
    new Chart(painCanvas, {
      type: "line",
      data: {
        labels: data.pain.labels,
        datasets: [
          {
            label: data.labels.painBefore, data: data.pain.before,
            borderColor: colours.before, backgroundColor: colours.before,
            borderDash: [6, 4], pointStyle: "rect", tension: 0.2
          },
          {
            label: data.labels.painAfter, data: data.pain.after,
            borderColor: colours.after, backgroundColor: colours.after, tension: 0.2
          }
        ]
      },
      options: options(0, 10, 1, true)
    });
  }

  var adherenceCanvas = document.getElementById("adherence-chart");
  if (adherenceCanvas && data.adherence) {
    new Chart(adherenceCanvas, {
      type: "bar",
      data: {
        labels: data.adherence.labels,
        datasets: [{
          label: data.labels.adherence, data: data.adherence.values,
          backgroundColor: colours.bar
        }]
      },
      options: options(0, 100, 20, false, "%")
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("canvas.score-chart"), function (canvas) {
    var series = data.scores[parseInt(canvas.dataset.series, 10)];
    if (!series) return;
    new Chart(canvas, {
      type: "line",
      data: {
        labels: series.labels,
        datasets: [{
          label: data.labels.score, data: series.values,
          borderColor: colours.score, backgroundColor: colours.score, tension: 0.2
        }]
      },
      options: options(undefined, undefined, undefined, false)
    });
  });
})();
