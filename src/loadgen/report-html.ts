import { createHash } from 'node:crypto';
import type { LatencySummary } from './latency.ts';
import type { LoadResult } from './result.ts';

/** The machine the run was driven from, as the report shows it. */
export interface MachineInfo {
  hostname: string;
  cpu: string;
  cores: number;
  memoryBytes: number;
  node: string;
  os: string;
}

/** The charting library inlined into the page (uPlot's IIFE build and its stylesheet). */
export interface ChartLibrary {
  js: string;
  css: string;
}

/** Log-spaced latency bins: `edges` has one more entry than `shares` (% of the orders in each bin). */
interface Histogram {
  edges: number[];
  shares: number[];
}

/** What the page script draws, as JSON in the page. */
interface ChartData {
  time: {
    second: number[];
    offered: number[];
    sent: number[];
    accepted: number[];
    completed: number[];
    errors: number[];
    p50: (number | null)[];
    p90: (number | null)[];
    p99: (number | null)[];
  };
  histogram: { saga: Histogram | null; http: Histogram | null };
  lag: { second: number[]; services: { name: string; values: (number | null)[] }[] } | null;
}

const HISTOGRAM_BINS = 40;

/**
 * `doms load --report`: one self-contained HTML page of a run, readable offline. Every value is
 * escaped: text into the HTML, the chart data as JSON (with `<` as \u003c) into a non-executed
 * script block that the page script parses. A Content-Security-Policy allows only the two inline
 * scripts (by hash) and no network access at all.
 */
export function reportHtml(result: LoadResult, machine: MachineInfo, library: ChartLibrary): string {
  const rate = String(result.config.rate ?? result.rates.offered);
  const started = formatDate(result.startedAt);
  const title = `doms load — ${started} — ${rate}/s`;
  const libraryJs = inertInScript(library.js);
  const pageJs = inertInScript(PAGE_SCRIPT);
  const csp = [
    "default-src 'none'",
    `script-src ${[libraryJs, pageJs].map((s) => `'sha256-${createHash('sha256').update(s).digest('base64')}'`).join(' ')}`,
    "style-src 'unsafe-inline'",
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  const c = result.counts;
  const completed = c.confirmed + c.rejected + c.cancelled;
  const data = chartData(result);
  const interrupted = result.interrupted ? ' · <strong>interrupted</strong> (Ctrl-C): the figures cover what was sent' : '';

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<title>${escapeHtml(title)}</title>
<style>${inertInStyle(library.css)}</style>
<style>${PAGE_CSS}</style>
</head>
<body>
<header>
<h1>${escapeHtml(title)}</h1>
<p class="sub">Started ${escapeHtml(started)} · sent for ${escapeHtml(seconds(result.durationMs))}${interrupted} · on ${escapeHtml(machine.hostname)}</p>
</header>
<main>
<section id="summary">
<h2>Summary</h2>
<div class="cards">
${card('offered', `${num(result.rates.offered)}/s`)}
${card('sent', `${num(result.rates.achieved)}/s`, `${num(c.sent)} orders`)}
${card('completed', `${num(result.rates.completed)}/s`, `${num(completed)} orders`)}
${card('saga p50', ms(result.latency.saga.p50))}
${card('saga p99', ms(result.latency.saga.p99))}
${card('HTTP p99', ms(result.latency.http.p99))}
${card('errors', num(c.httpErrors + c.timeouts), `${pct(c.httpErrors + c.timeouts, c.sent)} of sent`)}
${card('thresholds', thresholdVerdict(result))}
</div>
</section>
<section id="throughput">
<h2>Throughput per second</h2>
<p class="note">Offered: due by the schedule; sent and saga latency by intended send time; accepted and completed when they happened.</p>
<div class="chart" id="chart-throughput"></div>
</section>
<section id="latency-over-time">
<h2>Saga latency over time</h2>
<p class="note">Send → outcome, per second of intended send time (warm-up seconds included), ms.</p>
<div class="chart" id="chart-latency"></div>
</section>
<section id="histogram">
<h2>Latency histogram</h2>
<p class="note">Share of orders per latency bin (log scale), from the HDR histograms of the run (warm-up left out).</p>
<h3>Saga (send → outcome)</h3>
<div class="chart" id="chart-histogram-saga"></div>
<h3>HTTP (send → answer)</h3>
<div class="chart" id="chart-histogram-http"></div>
${latencyTable(result.latency)}
</section>
<section id="outcomes">
<h2>Outcomes</h2>
${outcomes(result)}
</section>
${
  data.lag
    ? `<section id="lag">
<h2>Consumer lag per service</h2>
<p class="note">Messages on each service's topics not yet committed by its consumer group, sampled every second.</p>
<div class="chart" id="chart-lag"></div>
</section>`
    : ''
}
<section id="thresholds">
<h2>Thresholds</h2>
${thresholds(result)}
</section>
<section id="configuration">
<h2>Configuration</h2>
${keyValues(Object.entries(result.config).map(([k, v]) => [k, configValue(v)]))}
<h3>Run</h3>
${keyValues([
  ['started', result.startedAt],
  ['sending time', seconds(result.durationMs)],
  ['interrupted', result.interrupted ? 'yes' : 'no'],
  ['planned orders', num(c.planned)],
  ['dropped (--max-in-flight)', num(c.dropped)],
  ['late sends', num(result.scheduler.late)],
  ['max send lateness', ms(result.scheduler.maxLatenessMs)],
])}
${errorsTable(result.errors)}
</section>
<section id="machine">
<h2>Machine</h2>
${keyValues([
  ['hostname', machine.hostname],
  ['CPU', machine.cpu],
  ['cores', String(machine.cores)],
  ['memory', `${(machine.memoryBytes / 1024 ** 3).toFixed(1)} GiB`],
  ['Node.js', machine.node],
  ['OS', machine.os],
])}
</section>
</main>
<footer>Written by <code>doms load --report</code>. Charts: uPlot (MIT), inlined; the page loads nothing from the network.</footer>
<script type="application/json" id="report-data">${jsonForScript(data)}</script>
<script>${libraryJs}</script>
<script>${pageJs}</script>
</body>
</html>
`;
}

/** What the page script draws: the per-second series, the histogram bins, the lag samples. */
function chartData(result: LoadResult): ChartData {
  const s = result.series;
  const time: ChartData['time'] = {
    second: s.map((x) => x.second),
    offered: s.map((x) => x.offered),
    sent: s.map((x) => x.sent),
    accepted: s.map((x) => x.accepted),
    completed: s.map((x) => x.completed),
    errors: s.map((x) => x.errors),
    p50: s.map((x) => x.saga?.p50 ?? null),
    p90: s.map((x) => x.saga?.p90 ?? null),
    p99: s.map((x) => x.saga?.p99 ?? null),
  };
  const lagSeries = result.lagSeries ?? [];
  const services = [...new Set(lagSeries.flatMap((x) => Object.keys(x.lag)))].sort();
  const lag =
    lagSeries.length > 0
      ? { second: lagSeries.map((x) => x.second), services: services.map((name) => ({ name, values: lagSeries.map((x) => x.lag[name] ?? null) })) }
      : null;
  return { time, histogram: histogram(result), lag };
}

/** Each kind's own log-spaced bins over its own range: HTTP answers and sagas differ by orders of magnitude. */
function histogram(result: LoadResult): ChartData['histogram'] {
  const of = (summary: LatencySummary, points: [number, number][]): Histogram | null => {
    if (summary.count === 0 || points.length === 0) return null;
    const values = points.map(([, v]) => v).filter((v) => v > 0);
    if (values.length === 0) return null;
    const lo = Math.min(...values);
    const hi = Math.max(...values, lo * 1.5);
    const edges = Array.from({ length: HISTOGRAM_BINS + 1 }, (_, k) => round3(lo * (hi / lo) ** (k / HISTOGRAM_BINS)));
    edges[0] = lo;
    edges[HISTOGRAM_BINS] = hi;
    return { edges, shares: histogramShares(points, edges) };
  };
  return { saga: of(result.latency.saga, result.histograms.saga), http: of(result.latency.http, result.histograms.http) };
}

/**
 * The share (%) of orders in each bin between consecutive `edges`, from an HDR histogram's
 * [percentile, ms] points: the distribution function interpolated linearly between them.
 */
export function histogramShares(points: [number, number][], edges: number[]): number[] {
  const sorted = [...points].sort((a, b) => a[0] - b[0]);
  const cdf = (v: number): number => {
    if (sorted.length === 0 || v < sorted[0]![1]) return 0;
    let i = 0;
    while (i + 1 < sorted.length && sorted[i + 1]![1] <= v) i++;
    const [p, at] = sorted[i]!;
    const next = sorted[i + 1];
    if (!next) return 100;
    return p + ((next[0] - p) * (v - at)) / (next[1] - at);
  };
  const shares: number[] = [];
  for (let k = 0; k + 1 < edges.length; k++) shares.push(round3(Math.max(0, cdf(edges[k + 1]!) - cdf(edges[k]!))));
  // The first edge is the minimum: the orders at exactly it belong to the first bin.
  if (shares.length > 0) shares[0] = round3(shares[0]! + cdf(edges[0]!));
  return shares;
}

/** JSON that cannot end its <script> block: `<` (so `</script>` and `<!--`) and the JS line separators escaped. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);
}

/** Library code inlined in <script>: a `</script` in it (in a string, say) would end the block. */
const inertInScript = (js: string) => js.replace(/<\/(script)/gi, '<\\/$1');
const inertInStyle = (css: string) => css.replace(/<\/(style)/gi, '<\\/$1');

function card(label: string, value: string, detail?: string): string {
  return `<div class="card"><div class="label">${escapeHtml(label)}</div><div class="value">${escapeHtml(value)}</div>${detail ? `<div class="detail">${escapeHtml(detail)}</div>` : ''}</div>`;
}

function thresholdVerdict(result: LoadResult): string {
  if (result.thresholds.length === 0) return 'none';
  const failed = result.thresholds.filter((t) => !t.ok).length;
  return failed === 0 ? 'all pass' : `${failed} of ${result.thresholds.length} fail`;
}

function keyValues(rows: [string, string][]): string {
  const body = rows.map(([k, v]) => `<tr><th scope="row">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('\n');
  return `<div class="table-wrap"><table class="kv">\n${body}\n</table></div>`;
}

function latencyTable(latency: LoadResult['latency']): string {
  const cols: (keyof LatencySummary)[] = ['count', 'min', 'avg', 'p50', 'p90', 'p95', 'p99', 'p99.9', 'max'];
  const row = (name: string, l: LatencySummary) =>
    `<tr><th scope="row">${escapeHtml(name)}</th>${cols.map((k) => `<td class="num">${escapeHtml(k === 'count' ? num(l[k]) : ms(l[k]))}</td>`).join('')}</tr>`;
  return `<div class="table-wrap"><table>
<thead><tr><th></th>${cols.map((k) => `<th class="num">${escapeHtml(k)}</th>`).join('')}</tr></thead>
<tbody>
${row('saga', latency.saga)}
${row('HTTP', latency.http)}
</tbody>
</table></div>`;
}

const OUTCOME_KINDS = [
  ['confirmed', 'confirmed', 'o-confirmed'],
  ['rejected', 'rejected', 'o-rejected'],
  ['cancelled', 'cancelled', 'o-cancelled'],
  ['httpErrors', 'HTTP errors', 'o-http'],
  ['timeouts', 'timeouts', 'o-timeout'],
  ['inFlight', 'unfinished', 'o-inflight'],
] as const;

function outcomes(result: LoadResult): string {
  const c = result.counts;
  const kinds = OUTCOME_KINDS.filter(([key]) => key !== 'inFlight' || c.inFlight > 0);
  const bar = kinds
    .filter(([key]) => c[key] > 0)
    .map(
      ([key, label, cls]) =>
        `<span class="${cls}" style="width:${((c[key] / Math.max(c.sent, 1)) * 100).toFixed(3)}%" title="${escapeHtml(`${label}: ${pct(c[key], c.sent)}`)}"></span>`,
    )
    .join('');
  const rows = kinds
    .map(
      ([key, label, cls]) =>
        `<tr><th scope="row"><span class="swatch ${cls}"></span>${escapeHtml(label)}</th><td class="num">${escapeHtml(num(c[key]))}</td><td class="num">${escapeHtml(pct(c[key], c.sent))}</td></tr>`,
    )
    .join('\n');
  return `<div class="outcome-bar" role="img" aria-label="outcome shares">${bar}</div>
<div class="table-wrap"><table class="outcomes">
<thead><tr><th>outcome</th><th class="num">orders</th><th class="num">share of sent</th></tr></thead>
<tbody>
${rows}
</tbody>
</table></div>`;
}

function thresholds(result: LoadResult): string {
  if (result.thresholds.length === 0) return '<p class="note">No --threshold given.</p>';
  const rows = result.thresholds
    .map(
      (t) =>
        `<tr><td><code>${escapeHtml(t.expression)}</code></td><td class="num">${escapeHtml(t.actual)}</td><td class="${t.ok ? 'pass' : 'fail'}">${t.ok ? 'pass' : 'fail'}</td></tr>`,
    )
    .join('\n');
  return `<div class="table-wrap"><table>
<thead><tr><th>threshold</th><th class="num">actual</th><th>verdict</th></tr></thead>
<tbody>
${rows}
</tbody>
</table></div>`;
}

function errorsTable(errors: Record<string, number>): string {
  const entries = Object.entries(errors).sort((a, b) => b[1] - a[1]);
  if (entries.length === 0) return '';
  return `<h3>Errors</h3>\n${keyValues(entries.map(([reason, n]) => [reason, num(n)]))}`;
}

function configValue(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return '—';
  return JSON.stringify(v);
}

function formatDate(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

const num = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 1 });
const ms = (n: number) => `${n.toLocaleString('en-US', { maximumFractionDigits: n < 10 ? 2 : 1 })} ms`;
const seconds = (n: number) => `${(n / 1000).toLocaleString('en-US', { maximumFractionDigits: 1 })} s`;
const pct = (n: number, of: number) => `${of > 0 ? ((n / of) * 100).toFixed(2) : '0.00'}%`;
const round3 = (n: number) => Number(n.toPrecision(4));

const PAGE_CSS = `
:root { --fg: #1d2330; --muted: #5b6474; --line: #dde1e8; --bg: #fff; --panel: #f6f7f9; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1100px; padding: 16px; font: 15px/1.45 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; color: var(--fg); background: var(--bg); }
h1 { font-size: 1.45rem; margin: 0 0 4px; overflow-wrap: anywhere; }
h2 { font-size: 1.15rem; margin: 0 0 8px; }
h3 { font-size: 1rem; margin: 16px 0 6px; }
.sub, .note, footer { color: var(--muted); font-size: 0.9rem; }
.note { margin: 0 0 8px; }
section { margin: 20px 0; padding: 14px; border: 1px solid var(--line); border-radius: 8px; background: var(--bg); }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(140px, 1fr)); gap: 8px; }
.card { background: var(--panel); border-radius: 6px; padding: 8px 10px; }
.card .label { color: var(--muted); font-size: 0.8rem; text-transform: uppercase; letter-spacing: 0.03em; }
.card .value { font-size: 1.25rem; font-weight: 600; }
.card .detail { color: var(--muted); font-size: 0.8rem; }
.chart { width: 100%; min-height: 40px; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 0.9rem; }
th, td { text-align: left; white-space: nowrap; padding: 4px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.kv th { width: 35%; font-weight: 500; color: var(--muted); white-space: normal; }
table.kv td { white-space: normal; overflow-wrap: anywhere; }
.pass { color: #17803d; font-weight: 600; }
.fail { color: #c62828; font-weight: 600; }
.outcome-bar { display: flex; height: 22px; border-radius: 4px; overflow: hidden; background: var(--panel); margin-bottom: 8px; }
.outcome-bar span { display: block; height: 100%; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 6px; }
.o-confirmed { background: #2e9d57; } .o-rejected { background: #e0a526; } .o-cancelled { background: #8a63c9; }
.o-http { background: #d64541; } .o-timeout { background: #7b1f1f; } .o-inflight { background: #9aa3af; }
.empty { color: var(--muted); font-style: italic; }
.uplot { font-family: inherit; }
@media (max-width: 600px) {
  body { padding: 8px; font-size: 14px; }
  section { padding: 10px; }
  h1 { font-size: 1.2rem; }
}
`;

/** The page script: parses the JSON block and draws the charts with uPlot, resizing them with the window. */
const PAGE_SCRIPT = `
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
