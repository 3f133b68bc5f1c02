import type { LatencySummary } from '../latency.ts';
import type { LoadResult } from '../result.ts';
import { escapeHtml } from './escape.ts';
import { ms, num, pct } from './format.ts';

/**
 * The report's building blocks as HTML strings: summary cards and the tables of the sections.
 * Every value goes through escapeHtml; the page (../report-html.ts) places them.
 */

export function card(label: string, value: string, detail?: string): string {
  return `<div class="card"><div class="label">${escapeHtml(label)}</div><div class="value">${escapeHtml(value)}</div>${detail ? `<div class="detail">${escapeHtml(detail)}</div>` : ''}</div>`;
}

export function thresholdVerdict(result: LoadResult): string {
  if (result.thresholds.length === 0) return 'none';
  const failed = result.thresholds.filter((t) => !t.ok).length;
  return failed === 0 ? 'all pass' : `${failed} of ${result.thresholds.length} fail`;
}

export function keyValues(rows: [string, string][]): string {
  const body = rows.map(([k, v]) => `<tr><th scope="row">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('\n');
  return `<div class="table-wrap"><table class="kv">\n${body}\n</table></div>`;
}

export function latencyTable(latency: LoadResult['latency']): string {
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

/** Each outcome's count key, its label, and its colour's class (styles.ts). */
const OUTCOME_KINDS = [
  ['confirmed', 'confirmed', 'o-confirmed'],
  ['rejected', 'rejected', 'o-rejected'],
  ['cancelled', 'cancelled', 'o-cancelled'],
  ['httpErrors', 'HTTP errors', 'o-http'],
  ['timeouts', 'timeouts', 'o-timeout'],
  ['inFlight', 'unfinished', 'o-inflight'],
] as const;

export function outcomes(result: LoadResult): string {
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

export function thresholds(result: LoadResult): string {
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

export function errorsTable(errors: Record<string, number>): string {
  const entries = Object.entries(errors).sort((a, b) => b[1] - a[1]);
  if (entries.length === 0) return '';
  return `<h3>Errors</h3>\n${keyValues(entries.map(([reason, n]) => [reason, num(n)]))}`;
}

export function configValue(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return '—';
  return JSON.stringify(v);
}
