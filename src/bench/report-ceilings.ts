import { int, ms, row, rule } from './report-format.ts';
import type { SagaBenchReport } from './report-types.ts';

/**
 * The figures measured after the steps, beside the saga rather than through it: the most the order
 * API accepts back-to-back, and what Kafka, Redis and PostgreSQL's own tools reach on this machine.
 */
export function ceilingSections(r: Pick<SagaBenchReport, 'closedLoop' | 'raw'>): string[] {
  return [...(r.closedLoop ? closedLoop(r.closedLoop) : []), ...(r.raw ? rawCeilings(r.raw) : [])];
}

function closedLoop(cl: NonNullable<SagaBenchReport['closedLoop']>): string[] {
  return [
    `### Closed loop: POST /orders back-to-back on ${cl.connections} keep-alive connections for ${cl.seconds} s, saga running`,
    '',
    row(['requests/s', 'HTTP p50 ms', 'p99', 'max', 'non-2xx + errors', 'verify afterwards']),
    rule(6),
    row([
      int(cl.perSecond),
      ms(cl.httpMs.p50),
      ms(cl.httpMs.p99),
      ms(cl.httpMs.max),
      int(cl.errors),
      cl.verify ? (cl.verify.ok ? 'pass' : `fail: ${cl.verify.summary}`) : 'not run',
    ]),
    '',
    'The most the order API accepts, not a rate the saga sustains end to end (see the steps for that).',
    '',
  ];
}

function rawCeilings(raw: NonNullable<SagaBenchReport['raw']>): string[] {
  return [
    '### Raw ceilings of the same machine',
    '',
    row(['tool', 'result']),
    rule(2),
    row(['Kafka ProducerPerformance (300k × 200 B, acks=all)', raw.kafkaProducer ?? 'not run']),
    row(['redis-benchmark SET/GET', raw.redis ?? 'not run']),
    row(['pgbench', raw.postgres ?? 'not run']),
    '',
  ];
}
