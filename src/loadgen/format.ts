import chalk from 'chalk';
import Table from 'cli-table3';
import { formatDuration } from '../config/parse.ts';
import type { LatencySummary } from './latency.ts';
import type { LoadResult } from './result.ts';
import type { LiveState } from './run-load.ts';

const ms = (n: number) => (n >= 1000 ? `${(n / 1000).toFixed(2)}s` : `${n.toFixed(n < 10 ? 2 : 1)}ms`);
const pct = (n: number, of: number) => (of === 0 ? '0.0%' : `${((n / of) * 100).toFixed(1)}%`);

/** One plain line for pipes and CI logs. */
export function progressLine(s: LiveState): string {
  const c = s.counts;
  const done = c.confirmed + c.rejected + c.cancelled;
  return [
    `[${formatDuration(s.elapsedMs)}/${formatDuration(s.durationMs)}] ${s.phase}`,
    `sent ${c.sent}/${c.planned} (${s.sentPerSec.toFixed(0)}/s)`,
    `done ${done} (${s.completedPerSec.toFixed(0)}/s)`,
    `confirmed ${c.confirmed} rejected ${c.rejected} cancelled ${c.cancelled} errors ${c.httpErrors} timeouts ${c.timeouts} in-flight ${c.inFlight}`,
    `saga p99 ${ms(s.saga.p99)}`,
  ].join(' | ');
}

function latencyRow(name: string, l: LatencySummary): string[] {
  return [name, String(l.count), ms(l.p50), ms(l.p90), ms(l.p99), ms(l['p99.9']), ms(l.max)];
}

/** The end-of-run summary: always printed, TTY or not. */
export function summaryText(r: LoadResult): string {
  const c = r.counts;
  const overview = new Table({ style: { head: [], border: [] } });
  overview.push(
    {
      'offered / achieved': `${r.rates.offered}/s / ${r.rates.achieved}/s over ${formatDuration(r.durationMs)}${r.interrupted ? chalk.yellow(' (interrupted)') : ''}`,
    },
    {
      sent: `${c.sent} of ${c.planned} planned${c.dropped ? `, ${c.dropped} dropped (--max-in-flight)` : ''}${c.late ? `, ${c.late} late (max ${ms(r.scheduler.maxLatenessMs)})` : ''}`,
    },
    { confirmed: `${c.confirmed} (${pct(c.confirmed, c.sent)})` },
    { 'rejected (stock)': `${c.rejected} (${pct(c.rejected, c.sent)})` },
    { 'cancelled (payment)': `${c.cancelled} (${pct(c.cancelled, c.sent)})` },
    {
      'HTTP errors': `${c.httpErrors} (${pct(c.httpErrors, c.sent)})${
        Object.keys(r.errors).length
          ? ' ' +
            chalk.gray(
              Object.entries(r.errors)
                .map(([k, v]) => `${k}×${v}`)
                .join(', '),
            )
          : ''
      }`,
    },
    { timeouts: `${c.timeouts} (${pct(c.timeouts, c.sent)})` },
    { 'unaccounted (in flight)': String(c.inFlight) },
  );
  const latency = new Table({ head: ['latency', 'count', 'p50', 'p90', 'p99', 'p99.9', 'max'].map((h) => chalk.bold(h)), style: { head: [], border: [] } });
  latency.push(latencyRow('HTTP (send → answer)', r.latency.http), latencyRow('saga (send → outcome)', r.latency.saga));
  const parts = [overview.toString(), latency.toString()];
  if (r.thresholds.length) {
    const thresholds = new Table({ head: ['threshold', 'actual', ''].map((h) => chalk.bold(h)), style: { head: [], border: [] } });
    thresholds.push(...r.thresholds.map((t) => [t.expression, t.actual, t.ok ? chalk.green('✓ pass') : chalk.red('✗ fail')]));
    parts.push(thresholds.toString());
  }
  return parts.join('\n');
}
