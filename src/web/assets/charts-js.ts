/**
 * Progressive enhancement for charts: each <figure data-chart> carries its data in a
 * <script type="application/json"> block (data, never executed, so the CSP allows it) and a table
 * that works without JavaScript. This script, served from our origin, draws the chart with
 * Chart.js (also served from our origin), and with its own plugin (`gapsAndIntervals`) draws
 * two things Chart.js has no notion of:
 * - a withheld point as a hatched, outlined square of one fixed size (MARK) where the point would
 *   be: on the baseline, or for a stacked bar on top of what is published, so neither its size
 *   nor its place depends on the withheld value (the page never has that value anyway); its
 *   reason is the canvas's tooltip when the pointer is on it, and in the table and notes;
 * - a published point's 95% interval as an error bar.
 * The markers' geometry is left on the canvas (canvas.withheldMarkers) for the browser tests.
 */
export const CHARTS_JS = `
(function () {
  if (typeof Chart === 'undefined') return;
  var MARK = 14;
  var palette = ['#0b5cad', '#b35c00', '#2e7d32', '#6a1b9a', '#c62828', '#00838f'];

  function hatch(ctx) {
    var tile = document.createElement('canvas');
    tile.width = 6; tile.height = 6;
    var t = tile.getContext('2d');
    t.fillStyle = '#ffffff'; t.fillRect(0, 0, 6, 6);
    t.strokeStyle = '#4a5866'; t.lineWidth = 1;
    t.beginPath(); t.moveTo(0, 6); t.lineTo(6, 0); t.stroke();
    return ctx.createPattern(tile, 'repeat');
  }

  function visible(chart, i) { return chart.isDatasetVisible(i); }

  // Where each withheld point's marker goes: only the index, the dataset and published geometry decide.
  function markersOf(chart, spec) {
    var xs = chart.scales.x, ys = chart.scales.y, area = chart.chartArea;
    var base = Math.min(area.bottom, ys.getPixelForValue(0));
    var stacked = {};
    var out = [];
    spec.datasets.forEach(function (d, di) {
      if (!d.withheld || !visible(chart, di)) return;
      var meta = chart.getDatasetMeta(di);
      d.withheld.forEach(function (why, i) {
        if (why === null) return;
        var el = meta.data[i];
        var x = el && isFinite(el.x) ? el.x : xs.getPixelForValue(i);
        var bottom = base;
        if (spec.stacked) {
          spec.datasets.forEach(function (o, oi) {
            var e = chart.getDatasetMeta(oi).data[i];
            if (o.data[i] !== null && visible(chart, oi) && e && isFinite(e.y)) bottom = Math.min(bottom, e.y);
          });
        }
        // Several withheld points in one place (a stack, or lines at one quarter) stand one above another.
        if (spec.stacked || spec.type === 'line') {
          var k = stacked[i] || 0;
          stacked[i] = k + 1;
          bottom -= k * (MARK + 2);
        }
        var label = chart.data.labels[i];
        out.push({ x: x - MARK / 2, y: bottom - 2 - MARK, w: MARK, h: MARK, dataset: di, index: i,
          text: d.label + ', ' + (Array.isArray(label) ? label[0] : label) + ': withheld ' + why });
      });
    });
    return out;
  }

  function gapsAndIntervals(spec) {
    var pattern;
    return {
      id: 'gapsAndIntervals',
      afterDatasetsDraw: function (chart) {
        var ctx = chart.ctx, ys = chart.scales.y;
        ctx.save();
        spec.datasets.forEach(function (d, di) {
          if (!d.intervals || !visible(chart, di)) return;
          var meta = chart.getDatasetMeta(di);
          ctx.strokeStyle = '#1b2733'; ctx.lineWidth = 1;
          d.intervals.forEach(function (iv, i) {
            var el = meta.data[i];
            if (!iv || !el || !isFinite(el.x)) return;
            var lo = ys.getPixelForValue(iv[0]), hi = ys.getPixelForValue(iv[1]);
            ctx.beginPath();
            ctx.moveTo(el.x, lo); ctx.lineTo(el.x, hi);
            ctx.moveTo(el.x - 3, lo); ctx.lineTo(el.x + 3, lo);
            ctx.moveTo(el.x - 3, hi); ctx.lineTo(el.x + 3, hi);
            ctx.stroke();
          });
        });
        pattern = pattern || hatch(ctx);
        var markers = markersOf(chart, spec);
        markers.forEach(function (m) {
          ctx.fillStyle = pattern;
          ctx.fillRect(m.x, m.y, m.w, m.h);
          ctx.setLineDash([2, 2]);
          ctx.strokeStyle = spec.datasets[m.dataset].borderColor;
          ctx.lineWidth = 1.5;
          ctx.strokeRect(m.x, m.y, m.w, m.h);
          ctx.setLineDash([]);
        });
        ctx.restore();
        chart.canvas.withheldMarkers = markers;
      },
      afterEvent: function (chart, args) {
        var e = args.event, markers = chart.canvas.withheldMarkers || [];
        if (e.type !== 'mousemove' && e.type !== 'mouseout') return;
        var hit = null;
        markers.forEach(function (m) { if (e.x >= m.x && e.x <= m.x + m.w && e.y >= m.y && e.y <= m.y + m.h) hit = m; });
        chart.canvas.title = hit ? hit.text : '';
      }
    };
  }

  document.querySelectorAll('figure[data-chart]').forEach(function (figure) {
    var spec = JSON.parse(figure.querySelector('script[type="application/json"]').textContent);
    var canvas = figure.querySelector('canvas');
    // A derived dataset (arithmetic on published figures, explained under the chart) is grey.
    spec.datasets.forEach(function (d, i) { var c = d.derived ? '#8a96a3' : palette[i % palette.length]; d.backgroundColor = c; d.borderColor = c; });
    // Room for the highest error bar, so none is cut off at the top.
    var top = 0;
    spec.datasets.forEach(function (d) { (d.intervals || []).forEach(function (iv) { if (iv && iv[1] > top) top = iv[1]; }); });
    var y = { beginAtZero: true };
    if (top > 0) y.suggestedMax = top;
    var chart = new Chart(canvas, {
      type: spec.type,
      data: { labels: spec.labels, datasets: spec.datasets.map(function (d) {
        var out = { label: d.label, data: d.data, backgroundColor: d.backgroundColor, borderColor: d.borderColor };
        if (spec.type === 'line') { out.tension = 0; out.pointRadius = 4; }
        return out;
      }) },
      options: { responsive: true, maintainAspectRatio: false, animation: false,
        // A line over time (a patient's HbA1c, blood pressure) starts near its values, not at zero,
        // so a change of half a point can be seen; its labels are already readable dates.
        scales: spec.type === 'line' ? { y: { beginAtZero: false, title: { display: !!spec.unit, text: spec.unit } } }
          : spec.stacked ? { x: { stacked: true }, y: { stacked: true, beginAtZero: true } } : { y: y },
        plugins: { legend: { position: 'bottom' } } },
      plugins: [gapsAndIntervals(spec)]
    });
    figure.setAttribute('data-drawn', 'true');
    canvas.chart = chart;
  });
})();
`;
