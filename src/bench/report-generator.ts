import { int, ms, row, rule, runLine } from './report-format.ts';
import type { GeneratorBenchReport } from './report-types.ts';
import { STUB_OUTCOME_EVERY_MS } from './stub-infra.ts';

/** `npm run bench -- --generator-only`: the load generator against a stub order API, one table. */
export function generatorMarkdown(r: GeneratorBenchReport): string {
  const g = r.result;
  return [
    `## doms load generator alone: ${int(g.offered)} orders/s for ${r.durationMs / 1000} s against a stub order API`,
    '',
    runLine(r.run),
    '',
    row([
      'offered/s',
      'achieved/s',
      'accuracy',
      'late sends (> 10 ms)',
      'max lateness ms',
      'HTTP p50 ms',
      'p99',
      'errors + timeouts',
      'generator µs/order (CPU %)',
      'stub API µs/order (CPU %)',
    ]),
    rule(10),
    row([
      int(g.offered),
      int(g.achieved),
      `${g.accuracyPercent}%`,
      `${int(g.late)} (${((g.late / Math.max(g.sent, 1)) * 100).toFixed(2)}%)`,
      ms(g.maxLatenessMs),
      ms(g.httpMs.p50),
      ms(g.httpMs.p99),
      int(g.httpErrors + g.timeouts),
      `${g.generator.usPerOrder} (${g.generator.cpuPercent}%)`,
      `${g.stub.usPerOrder} (${g.stub.cpuPercent}%)`,
    ]),
    '',
    [
      `${r.onSchedule ? 'On schedule' : '**Not on schedule**'} (goal: ≥ 99% of the offered rate sent, ≤ 1% of sends more than 10 ms late);`,
      `${r.connections} keep-alive connections.`,
      `The stub answers every POST at once and reports each id back as an outcome within ${STUB_OUTCOME_EVERY_MS} ms, so the tracker runs its whole path per order.`,
      `Latency counts from each order's intended send time and leaves out the first ${g.latencyWarmupMs / 1000} s (connections opening, JIT warm-up).`,
    ].join(' '),
    '',
  ].join('\n');
}
