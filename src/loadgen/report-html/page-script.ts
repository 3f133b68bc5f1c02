/**
 * The page script: parses the JSON block and draws the charts with uPlot, resizing them with the
 * window. Plain ES5 in a string, not a module: it runs inline in the page, allowed by its hash in
 * the page's Content-Security-Policy, so any change here changes that hash (computed per report).
 */
export const PAGE_SCRIPT = `
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var charts = [];
  var COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#bcbd22', '#7f7f7f'];
  function widthOf(el) { return Math.max(240, Math.floor(el.getBoundingClientRect().width)); }
  function heightFor(width) { return width < 500 ? 200 : 260; }
  function draw(id, opts, d) {
    var el = document.getElementById(id);
    if (!el) return;
    if (!d[0] || d[0].length === 0) {
      el.className += ' empty';
      el.textContent = 'No data.';
      return;
    }
    opts.width = widthOf(el);
    opts.height = heightFor(opts.width);
    charts.push({ el: el, plot: new uPlot(opts, d, el) });
  }
  function line(label, color, extra) {
    var s = { label: label, stroke: color, width: 1.5, spanGaps: false };
    for (var k in extra) s[k] = extra[k];
    return s;
  }
  var secondsAxis = { label: 'seconds since start', labelSize: 20 };
  var t = data.time;

  draw('chart-throughput', {
    scales: { x: { time: false } },
    axes: [secondsAxis, { label: 'orders/s', labelSize: 20, size: 56 }],
    series: [
      { label: 'second' },
      line('offered', '#7f7f7f', { dash: [6, 4] }),
      line('sent', COLORS[0]),
      line('accepted', COLORS[1]),
      line('completed', COLORS[2]),
      line('errors', COLORS[3])
    ]
  }, [t.second, t.offered, t.sent, t.accepted, t.completed, t.errors]);

  draw('chart-latency', {
    scales: { x: { time: false } },
    axes: [secondsAxis, { label: 'ms', labelSize: 20, size: 56 }],
    series: [{ label: 'second' }, line('p50', COLORS[2]), line('p90', COLORS[1]), line('p99', COLORS[3])]
  }, [t.second, t.p50, t.p90, t.p99]);

  var stepped = uPlot.paths && uPlot.paths.stepped ? uPlot.paths.stepped({ align: 1 }) : undefined;
  function histogram(id, h, color, fill) {
    // A step per bin: each share holds from its lower edge to the next one.
    draw(id, {
      // The bins' own range, not the log scale's default of whole powers of ten.
      scales: { x: { time: false, distr: 3, range: function (u, min, max) { return [min, max]; } } },
      axes: [{ label: 'latency, ms (log scale)', labelSize: 20 }, { label: '% of orders', labelSize: 20, size: 56 }],
      series: [{ label: 'ms' }, line('% of orders', color, { paths: stepped, fill: fill, points: { show: false } })]
    }, h ? [h.edges, h.shares.concat([h.shares[h.shares.length - 1]])] : [[]]);
  }
  histogram('chart-histogram-saga', data.histogram.saga, COLORS[0], 'rgba(31,119,180,0.25)');
  histogram('chart-histogram-http', data.histogram.http, COLORS[1], 'rgba(255,127,14,0.25)');

  if (data.lag) {
    draw('chart-lag', {
      scales: { x: { time: false } },
      axes: [secondsAxis, { label: 'messages', labelSize: 20, size: 56 }],
      series: [{ label: 'second' }].concat(data.lag.services.map(function (s, i) { return line(s.name, COLORS[i % COLORS.length]); }))
    }, [data.lag.second].concat(data.lag.services.map(function (s) { return s.values; })));
  }

  var pending = 0;
  window.addEventListener('resize', function () {
    cancelAnimationFrame(pending);
    pending = requestAnimationFrame(function () {
      charts.forEach(function (c) {
        var w = widthOf(c.el);
        c.plot.setSize({ width: w, height: heightFor(w) });
      });
    });
  });
})();
`;
