/**
 * Progressive enhancement for charts: each <figure data-chart> carries its data in a
 * <script type="application/json"> block (data, never executed, so the CSP allows it) and a table
 * that works without JavaScript. This script, served from our origin, draws the chart with
 * Chart.js (also served from our origin).
 */
export const CHARTS_JS = `
(function () {
  if (typeof Chart === 'undefined') return;
  var palette = ['#0b5cad', '#b35c00', '#2e7d32', '#6a1b9a', '#c62828', '#00838f'];
  document.querySelectorAll('figure[data-chart]').forEach(function (figure) {
    var spec = JSON.parse(figure.querySelector('script[type="application/json"]').textContent);
    var canvas = figure.querySelector('canvas');
    // A derived dataset (arithmetic on published figures, explained under the chart) is grey.
    spec.datasets.forEach(function (d, i) { var c = d.derived ? '#8a96a3' : palette[i % palette.length]; d.backgroundColor = c; d.borderColor = c; if (spec.type === 'line') { d.tension = 0; d.pointRadius = 4; } });
    var chart = new Chart(canvas, {
      type: spec.type,
      data: { labels: spec.labels, datasets: spec.datasets },
      options: { responsive: true, maintainAspectRatio: false, animation: false,
        // A line over time (a patient's HbA1c, blood pressure) starts near its values, not at zero,
        // so a change of half a point can be seen; its labels are already readable dates.
        scales: spec.type === 'line' ? { y: { beginAtZero: false, title: { display: !!spec.unit, text: spec.unit } } }
          : spec.stacked ? { x: { stacked: true }, y: { stacked: true, beginAtZero: true } } : { y: { beginAtZero: true } },
        plugins: { legend: { position: 'bottom' } } }
    });
    figure.setAttribute('data-drawn', 'true');
    canvas.chart = chart;
  });
})();
`;
