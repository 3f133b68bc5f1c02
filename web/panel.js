/* global document, window */
// The live panel of the doms web page: throughput, outcomes and saga latency while orders flow (a `doms load`, the
// demo). It asks the order service for GET /stats once a second, only while the tab is visible: the whole minute
// first, then the last few seconds, merged into what it has. Charts are plain SVG drawn here; nothing else is loaded.

const WINDOW_S = 60;
/** Enough seconds to cover a late answer or a late commit; the panel keeps the rest. */
const RECENT_S = 5;
const EVERY_MS = 1000;
/** Seconds whose figures the rates and the idle test look at: the same as the service's latency window. */
const NOW_S = 5;
const SVG = 'http://www.w3.org/2000/svg';
const OUTCOMES = ['CONFIRMED', 'REJECTED', 'CANCELLED'];

const $ = (id) => document.getElementById(id);

const panel = {
  /** Unix second → its figures ({ t, created, confirmed, rejected, cancelled, p50, p99 }). */
  seconds: new Map(),
  /** End of the last whole second the service has covered (Unix seconds). */
  to: 0,
  latency: { p50: null, p99: null, count: 0 },
  inFlight: 0,
  /** When the last answer came (this clock): a short gap is filled with the last seconds only. */
  lastAnswer: 0,
  failures: 0,
  timer: undefined,
  busy: false,
};

function svg(tag, attrs) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  return node;
}

/** 1, 2 or 5 times a power of ten, at least `v`: a round top for a chart's scale. */
function niceCeil(v) {
  if (!(v > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(v));
  for (const step of [1, 2, 5, 10]) if (step * power >= v) return step * power;
  return 10 * power;
}

const formatCount = (n) => Math.round(n).toLocaleString('en-GB');

function formatRate(n) {
  if (n === 0) return '0';
  if (n < 10) return n.toFixed(1);
  return formatCount(n);
}

function formatMs(ms) {
  if (ms === null || ms === undefined) return '–';
  if (ms < 10) return `${ms.toFixed(1)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 10_000) return `${(ms / 1000).toFixed(2)} s`;
  return `${(ms / 1000).toFixed(1)} s`;
}

/** The last WINDOW_S seconds up to `to`, oldest first; a second the service has not covered counts as zero. */
function series() {
  const out = [];
  for (let t = panel.to - WINDOW_S; t < panel.to; t++)
    out.push(panel.seconds.get(t) ?? { t, created: 0, confirmed: 0, rejected: 0, cancelled: 0, p50: null, p99: null });
  return out;
}

const completedOf = (s) => s.confirmed + s.rejected + s.cancelled;

/** Lines over the window on a 600 × 120 canvas (the SVG stretches it); null leaves a gap. */
function drawLines(target, lines, max) {
  const node = $(target);
  const w = 600;
  const h = 120;
  const children = [];
  for (const y of [0.25, 0.5, 0.75]) children.push(svg('line', { x1: 0, x2: w, y1: h * y, y2: h * y, class: 'grid' }));
  for (const { values, cls } of lines) {
    const step = w / Math.max(1, values.length - 1);
    let points = [];
    const flush = () => {
      if (points.length === 1) points.push(`${Number(points[0].split(',')[0]) + step / 2},${points[0].split(',')[1]}`);
      if (points.length > 1) children.push(svg('polyline', { points: points.join(' '), class: `line ${cls}`, 'vector-effect': 'non-scaling-stroke' }));
      points = [];
    };
    values.forEach((v, i) => {
      if (v === null) return flush();
      const y = h - (Math.min(v, max) / max) * (h - 4) - 2;
      points.push(`${(i * step).toFixed(1)},${y.toFixed(1)}`);
    });
    flush();
  }
  node.replaceChildren(...children);
}

function drawOutcomes(totals) {
  const all = totals.CONFIRMED + totals.REJECTED + totals.CANCELLED;
  const bar = $('outcome-bar');
  if (all === 0) {
    bar.replaceChildren(svg('rect', { x: 0, y: 0, width: 1000, height: 14, class: 'bar-empty' }));
  } else {
    let x = 0;
    const parts = [];
    for (const status of OUTCOMES) {
      const width = (totals[status] / all) * 1000;
      if (width > 0) parts.push(svg('rect', { x, y: 0, width, height: 14, class: `bar-${status}` }));
      x += width;
    }
    bar.replaceChildren(...parts);
  }
  bar.setAttribute('aria-label', OUTCOMES.map((s) => `${s} ${totals[s]}`).join(', '));
  for (const status of OUTCOMES) {
    const n = totals[status];
    const node = $(`out-${status}`);
    node.dataset.value = String(n);
    node.textContent = all === 0 ? '0' : `${formatCount(n)} · ${Math.round((n / all) * 100)}%`;
  }
}

function setFigure(id, value, text) {
  const node = $(id);
  node.dataset.value = value === null ? '' : String(value);
  node.textContent = text;
}

function render() {
  const all = series();
  const recent = all.slice(-NOW_S);
  const created = recent.reduce((a, s) => a + s.created, 0) / NOW_S;
  const completed = recent.reduce((a, s) => a + completedOf(s), 0) / NOW_S;
  setFigure('fig-created', created, formatRate(created));
  setFigure('fig-completed', completed, formatRate(completed));
  setFigure('fig-inflight', panel.inFlight, formatCount(panel.inFlight));
  setFigure('fig-p50', panel.latency.p50, formatMs(panel.latency.p50));
  setFigure('fig-p99', panel.latency.p99, formatMs(panel.latency.p99));

  const rateMax = niceCeil(Math.max(...all.map((s) => Math.max(s.created, completedOf(s)))));
  drawLines(
    'chart-throughput',
    [
      { values: all.map((s) => s.created), cls: 'created' },
      { values: all.map(completedOf), cls: 'completed' },
    ],
    rateMax,
  );
  $('chart-throughput-max').textContent = `${formatCount(rateMax)}/s`;
  const latencyMax = niceCeil(Math.max(0, ...all.map((s) => s.p99 ?? 0)));
  drawLines(
    'chart-latency',
    [
      { values: all.map((s) => s.p50), cls: 'p50' },
      { values: all.map((s) => s.p99), cls: 'p99' },
    ],
    latencyMax,
  );
  $('chart-latency-max').textContent = latencyMax < 1000 ? `${latencyMax} ms` : `${latencyMax / 1000} s`;

  const totals = { CONFIRMED: 0, REJECTED: 0, CANCELLED: 0 };
  for (const s of all) {
    totals.CONFIRMED += s.confirmed;
    totals.REJECTED += s.rejected;
    totals.CANCELLED += s.cancelled;
  }
  drawOutcomes(totals);

  const idle = created === 0 && completed === 0 && panel.inFlight === 0;
  showState(idle ? 'idle' : 'live', idle ? `idle: no orders in the last ${NOW_S} s` : 'live: orders are flowing');
  $('panel').classList.toggle('is-idle', idle);
}

function showState(state, text) {
  const node = $('panel-state');
  node.dataset.state = state;
  node.textContent = text;
}

/** One GET /stats, merged in; the whole window when the panel has nothing recent, else just the last seconds. */
async function refresh() {
  if (panel.busy) return;
  panel.busy = true;
  const span = Date.now() - panel.lastAnswer < (RECENT_S - 1) * 1000 ? RECENT_S : WINDOW_S;
  try {
    const res = await fetch(`/stats?window=${span}s`, { cache: 'no-store' });
    if (res.status === 404) {
      // An order store that keeps no stats: no panel rather than an empty one.
      $('panel').hidden = true;
      stop();
      return;
    }
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const stats = await res.json();
    panel.failures = 0;
    panel.lastAnswer = Date.now();
    panel.to = Math.round(Date.parse(stats.to) / 1000);
    for (const s of stats.seconds) panel.seconds.set(s.t, s);
    for (const t of panel.seconds.keys()) if (t < panel.to - WINDOW_S) panel.seconds.delete(t);
    panel.latency = stats.latency;
    panel.inFlight = stats.inFlight;
    render();
  } catch {
    panel.failures++;
    panel.lastAnswer = 0;
    showState('error', 'the order service does not answer; retrying…');
  } finally {
    panel.busy = false;
  }
}

function schedule() {
  clearTimeout(panel.timer);
  const delay = panel.failures > 0 ? Math.min(15_000, EVERY_MS * 2 ** panel.failures) : EVERY_MS;
  panel.timer = window.setTimeout(async () => {
    await refresh();
    if (panel.timer !== undefined) schedule();
  }, delay);
}

function stop() {
  clearTimeout(panel.timer);
  panel.timer = undefined;
}

/** Polls while the tab is visible: a hidden tab costs the service nothing. */
async function onVisibility() {
  if (document.visibilityState !== 'visible') return stop();
  if (panel.timer !== undefined || $('panel').hidden) return;
  panel.timer = 0;
  await refresh();
  if (panel.timer !== undefined) schedule();
}

document.addEventListener('visibilitychange', () => void onVisibility());
void onVisibility();
