import { describe, expect, it } from 'vitest';
import { cpuByRateColumns, cpuByRateSection, sagaPercent, sagaUsPerOrder } from '../../../src/bench/report-cpu-by-rate.ts';
import { sagaMarkdown } from '../../../src/bench/report.ts';
import type { CpuAtRate, SagaBenchReport, StepReport } from '../../../src/bench/report-types.ts';

const lat = (p50: number, p99: number) => ({ count: 100, min: 1, avg: 10, p50, p90: p99 - 1, p95: p99 - 1, p99, 'p99.9': p99 + 10, max: p99 + 20 });

/** Figures of the shape the bench measures: two workers, the broker, the load generator, the total. */
const cpu = (order: number, broker: number, generator: number, perOrder: number) => ({
  'doms order': { usPerOrder: perOrder * 0.5, percent: order },
  'kafka broker': { usPerOrder: perOrder * 0.3, percent: broker },
  'load generator': { usPerOrder: perOrder * 0.2, percent: generator },
  total: { usPerOrder: perOrder, percent: order + broker + generator },
});

const measured = (rate: number, c: CpuAtRate['cpu'], sagaMs?: CpuAtRate['sagaMs']): CpuAtRate => ({
  rate,
  durationMs: 10_000,
  wallSeconds: 10.2,
  completed: rate * 10,
  cpu: c,
  ...(sagaMs ? { sagaMs, errors: 0 } : {}),
});

const step = (offered: number, sustained: boolean, c: StepReport['cpu'], p99: number): StepReport => ({
  kind: 'step',
  offered,
  achieved: offered,
  completed: offered,
  durationMs: 15_000,
  wallSeconds: 16,
  counts: { planned: 1, sent: 1, dropped: 0, late: 0, accepted: 1, httpErrors: 0, confirmed: 1, rejected: 0, cancelled: 0, timeouts: 0, inFlight: 0 },
  sagaMs: lat(20, p99),
  httpMs: lat(2, 5),
  maxLatenessMs: 3,
  verify: { ok: true, summary: 'all invariants hold', foreignViolations: 0, seconds: 2 },
  sustained,
  reasons: sustained ? [] : [`saga p99 ${p99} ms > 100 ms`],
  cpu: c,
  peakRssMiB: { 'doms order': 150 },
});

const idle = {
  'doms order': { usPerOrder: 0, percent: 2.5 },
  'kafka broker': { usPerOrder: 0, percent: 3 },
  'load generator': { usPerOrder: 0, percent: 0.5 },
  total: { usPerOrder: 0, percent: 6 },
};

const shape = {
  cpuByRate: [measured(0, idle), measured(50, cpu(30, 20, 10, 12_000), { p50: 22, p99: 71.5 }), measured(100, cpu(50, 30, 15, 9_500), { p50: 25, p99: 80 })],
  steps: [step(250, true, cpu(80, 50, 20, 6_000), 95), step(500, false, cpu(90, 55, 25, 3_400), 180)],
};

describe('the CPU-by-rate table', () => {
  it('has a column per measurement before the steps, then one per step with CPU figures, in the order they ran', () => {
    const cols = cpuByRateColumns(shape);
    expect(cols.map((c) => [c.rate, c.kind])).toEqual([
      [0, 'measured'],
      [50, 'measured'],
      [100, 'measured'],
      [250, 'sustained'],
      [500, 'not sustained'],
    ]);
    expect(cpuByRateColumns({ steps: [{ ...step(250, true, {}, 50) }] }), 'a step without CPU figures (a soak with kills) has no column').toEqual([]);
    expect(cpuByRateSection({ steps: [] }, 2, 15_000), 'nothing measured, no table').toEqual([]);
  });

  it("sums the saga's processes without the load generator, the total or a JIT row", () => {
    const withJit = { ...cpu(30, 20, 10, 12_000), 'kafka broker: JIT compiling': { usPerOrder: 999, percent: 9 } };
    expect(sagaPercent(withJit)).toBe(50);
    expect(sagaUsPerOrder({ rate: 50, kind: 'measured', cpu: withJit })).toBe(9600);
    expect(sagaUsPerOrder({ rate: 0, kind: 'measured', cpu: idle }), 'no orders at 0/s').toBeUndefined();
  });

  it("shows a JVM's JIT compiling under its process, in the columns where it compiled", () => {
    const jit = { ...cpu(30, 20, 10, 12_000), 'kafka broker: JIT compiling': { usPerOrder: 100, percent: 4 } };
    const md = cpuByRateSection({ cpuByRate: [measured(0, idle), measured(50, jit, { p50: 22, p99: 70 })], steps: [] }, 2, 15_000);
    const broker = md.indexOf('| kafka broker | 3.0 | 20.0 |');
    expect(broker).toBeGreaterThan(0);
    expect(md[broker + 1]).toBe('| ↳ of which kafka broker JIT compiling | – | 4.0 |');
  });

  it('renders % of a core per process and rate, the totals, CPU per order and the latency', () => {
    const md = cpuByRateSection(shape, 2, 15_000).join('\n');
    expect(md).toContain('### CPU by rate, % of one core');
    expect(md).toContain('| orders/s | 0 | 50 | 100 | 250 | 500 |');
    expect(md).toContain('| --- | --- | --- | --- | --- | --- |');
    expect(md).toContain('| doms order | 2.5 | 30.0 | 50.0 | 80.0 | 90.0 |');
    expect(md).toContain('| kafka broker | 3.0 | 20.0 | 30.0 | 50.0 | 55.0 |');
    expect(md).toContain('| load generator | 0.5 | 10.0 | 15.0 | 20.0 | 25.0 |');
    expect(md).toContain('| **the saga** (all but the load generator) | **5.5** | **50.0** | **80.0** | **130** | **145** |');
    expect(md).toContain('| all processes | 6.0 | 60.0 | 95.0 | 150 | 170 |');
    expect(md).toContain('| the saga: CPU per order, µs | – | 9,600 | 7,600 | 4,800 | 2,720 |');
    expect(md).toContain('| all processes: CPU per order, µs | – | 12,000 | 9,500 | 6,000 | 3,400 |');
    expect(md).toContain('| saga p50 / p99, ms | – | 22.0 / 71.5 | 25.0 / 80.0 | 20.0 / 95.0 | 20.0 / 180 |');
    expect(md).toContain('| step | measured | measured | measured | sustained | **not sustained** |');
    expect(md).toContain('(the machine has 2)');
    expect(md).toContain('0/s, 50/s, 100/s measured before the steps, 10 s each (not judged; at 0/s nothing is sent), then the steps (15 s each)');
  });

  it('is in the report once per shape, after its steps, and not in a soak', () => {
    const report: SagaBenchReport = {
      kind: 'saga',
      run: { machine: { cpu: 'Test CPU', cores: 2, memoryGiB: 8, node: 'v20.0.0' }, date: '2026-01-02T03:04:05.000Z', commit: 'abc' },
      mode: 'steps',
      prefix: 'b.',
      boundP99Ms: 100,
      stepMs: 15_000,
      setup: 'four workers',
      highestSustainedRate: 250,
      ...shape,
      otherShape: { shape: 'all', setup: 'one `doms run all --workers 1` process', highestSustainedRate: 0, cpuByRate: [measured(0, idle)], steps: [] },
      interrupted: false,
      leftovers: [],
    };
    const md = sagaMarkdown(report);
    expect(md.split('### CPU by rate, % of one core').length - 1).toBe(2);
    const other = md.slice(md.indexOf('### The other shape'));
    expect(other).toContain('| orders/s | 0 |');
    expect(md.indexOf('### CPU by rate')).toBeGreaterThan(md.indexOf('### Peak RSS, MiB'));
    expect(sagaMarkdown({ ...report, mode: 'soak', otherShape: undefined })).not.toContain('### CPU by rate');
  });
});
