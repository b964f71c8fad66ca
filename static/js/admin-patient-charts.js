/*
 * Charts on the therapist's patient page (admin): pain before and after each session, weekly
 * adherence and questionnaire scores. Data comes from the json_script element
 * #patient-chart-data rendered by PatientAdmin; Chart.js is vendored under static/vendor/chartjs.
 * No inline script anywhere: the site's Content-Security-Policy allows scripts from 'self' only.
 */
(function () {
  "use strict";

  const source = document.getElementById("patient-chart-data");
  if (!source || typeof window.Chart === "undefined") {
    return;
  }
  const data = JSON.parse(source.textContent);
  const labels = data.labels || {};
  const colors = ["#417690", "#ba2121", "#79aec8", "#e0a800", "#5b8c5a", "#8e6c8a"];

  function emptyNote(canvas) {
    const note = document.createElement("p");
    note.className = "muted";
    note.textContent = labels.no_data || "–";
    canvas.parentElement.replaceWith(note);
  }

  function draw(id, config, hasData) {
    const canvas = document.getElementById(id);
    if (!canvas) {
      return;
    }
    if (!hasData) {
      emptyNote(canvas);
      return;
    }
    config.options = Object.assign(
      { responsive: true, maintainAspectRatio: false, animation: false },
      config.options || {}
    );
    new window.Chart(canvas, config);
  }

  // Pain before and after each session, with the patient's pain limit as a dashed line.
  const days = data.days || [];
  draw(
    "chart-pain",
    {
      type: "line",
      data: {
        labels: days,
        datasets: [
          { label: labels.pain_before, data: data.pain_before, borderColor: colors[0], tension: 0.2 },
          { label: labels.pain_after, data: data.pain_after, borderColor: colors[1], tension: 0.2 },
          {
            label: labels.pain_limit,
            data: days.map(function () { return data.pain_limit; }),
            borderColor: colors[3],
            borderDash: [6, 4],
            pointRadius: 0,
          },
        ],
      },
      options: { scales: { y: { min: 0, max: 10, ticks: { stepSize: 1 } } } },
    },
    days.length > 0
  );

  // Adherence per ISO week, as a percentage (the selector gives fractions 0–1).
  const weeks = data.weekly_adherence || [];
  draw(
    "chart-adherence",
    {
      type: "bar",
      data: {
        labels: weeks.map(function (row) { return row.week; }),
        datasets: [
          {
            label: labels.adherence,
            data: weeks.map(function (row) { return Math.floor(Number(row.value) * 100); }),
            backgroundColor: colors[2],
          },
        ],
      },
      options: { scales: { y: { min: 0, max: 100 } } },
    },
    weeks.length > 0
  );

  // One line per questionnaire, over the dates any questionnaire was answered.
  const scores = data.questionnaire_scores || [];
  const dates = Array.from(new Set(scores.map(function (row) { return row.date; }))).sort();
  const slugs = Array.from(new Set(scores.map(function (row) { return row.slug; })));
  draw(
    "chart-questionnaires",
    {
      type: "line",
      data: {
        labels: dates,
        datasets: slugs.map(function (slug, index) {
          const byDate = {};
          scores.forEach(function (row) {
            if (row.slug === slug) {
              byDate[row.date] = Number(row.score);
            }
          });
          return {
            label: slug,
            data: dates.map(function (date) { return date in byDate ? byDate[date] : null; }),
            borderColor: colors[index % colors.length],
            spanGaps: true,
          };
        }),
      },
      options: { scales: { y: { beginAtZero: true } } },
    },
    scores.length > 0
  );
})();
