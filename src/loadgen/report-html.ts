import { createHash } from 'node:crypto';
import { chartData } from './report-html/chart-data.ts';
import { escapeHtml, inertInScript, inertInStyle, jsonForScript } from './report-html/escape.ts';
import { formatDate, ms, num, pct, seconds } from './report-html/format.ts';
import { PAGE_SCRIPT } from './report-html/page-script.ts';
import { card, configValue, errorsTable, keyValues, latencyTable, outcomes, thresholdVerdict, thresholds } from './report-html/sections.ts';
import { PAGE_CSS } from './report-html/styles.ts';
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

/**
 * `doms load --report`: one self-contained HTML page of a run, readable offline. Every value is
 * escaped: text into the HTML, the chart data as JSON (with `<` as \u003c) into a non-executed
 * script block that the page script parses. A Content-Security-Policy allows only the two inline
 * scripts (by hash) and no network access at all.
 *
 * The page's markup is here; what it is made of lives beside it in report-html/: the chart data
 * (chart-data.ts), the tables (sections.ts), the stylesheet (styles.ts), the page script
 * (page-script.ts), and the escaping (escape.ts).
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
