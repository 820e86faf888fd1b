/**
 * The page's own script (plain browser JavaScript, inlined after Chart.js): draws every chart from
 * the JSON block, then counts, per canvas, the pixels inside the plot area that carry one of the
 * chart's data colours, so a headless browser (and the tests) can tell drawn charts from empty
 * canvases: `data-data-pixels` on each canvas, `data-charts-drawn` on <body>, or
 * `data-report-error` when something threw.
 */
export const DRAW_CHARTS_JS = `
(function () {
  var body = document.body;
  function rgbOf(hex) {
    var m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})/i.exec(hex || '');
    return m ? [parseInt(m[1], 16), parseInt(m[2], 16), parseInt(m[3], 16)] : null;
  }
  function dataPixels(chart) {
    var colours = chart.data.datasets.map(function (d) { return rgbOf(d.borderColor); }).filter(Boolean);
    var a = chart.chartArea, r = chart.currentDevicePixelRatio;
    var x0 = Math.floor(a.left * r), y0 = Math.floor(a.top * r);
    var w = Math.ceil((a.right - a.left) * r), h = Math.ceil((a.bottom - a.top) * r);
    if (w <= 0 || h <= 0) return 0;
    var px = chart.ctx.getImageData(x0, y0, w, h).data, n = 0;
    for (var i = 0; i < px.length; i += 4) {
      if (px[i + 3] < 100) continue;
      for (var k = 0; k < colours.length; k++) {
        var c = colours[k];
        if (Math.abs(px[i] - c[0]) + Math.abs(px[i + 1] - c[1]) + Math.abs(px[i + 2] - c[2]) < 60) { n++; break; }
      }
    }
    return n;
  }
  try {
    var specs = JSON.parse(document.getElementById('chart-data').textContent);
    var drawn = 0;
    specs.forEach(function (spec) {
      var canvas = document.getElementById(spec.id);
      // Datasets marked hideInLegend (the ± std bands) stay out of the legend; a filter is a function, so it is set here.
      var legend = spec.config.options && spec.config.options.plugins && spec.config.options.plugins.legend;
      if (legend) {
        legend.labels = legend.labels || {};
        legend.labels.filter = function (item, data) { return !data.datasets[item.datasetIndex].hideInLegend; };
      }
      var chart = new Chart(canvas, spec.config);
      var n = dataPixels(chart);
      canvas.setAttribute('data-data-pixels', String(n));
      if (n > 0) drawn++;
    });
    body.setAttribute('data-charts-drawn', String(drawn));
  } catch (e) {
    body.setAttribute('data-report-error', String((e && e.message) || e));
  }
})();
`;
