import { describe, expect, it } from 'vitest';
import { sagaMarkdown } from '../../../src/bench/report.ts';
import { highestSustained } from '../../../src/bench/report-steps.ts';
import type { SagaBenchReport, StepReport } from '../../../src/bench/report-types.ts';

const lat = (p99: number) => ({ count: 100, min: 1, avg: 10, p50: 8, p90: 20, p95: 30, p99, 'p99.9': p99 + 10, max: p99 + 20 });
const step = (offered: number, sustained: boolean | undefined, kind: StepReport['kind'] = 'step'): StepReport => ({
  kind,
  offered,
  achieved: offered,
  completed: offered,
  durationMs: 15_000,
  wallSeconds: 16,
  counts: { planned: 1, sent: 1, dropped: 0, late: 2, accepted: 1, httpErrors: 0, confirmed: 1, rejected: 0, cancelled: 0, timeouts: 0, inFlight: 0 },
  sagaMs: lat(sustained === false ? 180 : 50),
  httpMs: lat(5),
  maxLatenessMs: 3,
  verify: kind === 'warm-up' ? undefined : { ok: true, summary: 'all invariants hold', foreignViolations: 0, seconds: 2 },
  sustained,
  reasons: sustained === false ? ['saga p99 180 ms > 100 ms'] : [],
  cpu: { 'doms order': { usPerOrder: 120.5, percent: 30 }, total: { usPerOrder: 800, percent: 150 } },
  peakRssMiB: { 'doms order': 150 },
});

/** A steps report on the test machine; each test says what it is about. */
const sagaReport = (over: Partial<SagaBenchReport>): SagaBenchReport => ({
  kind: 'saga',
  run: { machine: { cpu: 'Test CPU', cores: 2, memoryGiB: 8, node: 'v20.0.0' }, date: '2026-01-02T03:04:05.000Z', commit: 'abc' },
  mode: 'steps',
  prefix: 'b.',
  boundP99Ms: 100,
  stepMs: 15_000,
  setup: 'four workers',
  highestSustainedRate: 0,
  steps: [],
  interrupted: false,
  leftovers: [],
  ...over,
});

describe('bench report', () => {
  it('takes the highest sustained rate from the steps before the first one that was not', () => {
    expect(highestSustained([step(250, true), step(500, true), step(1000, false)])?.offered).toBe(500);
    expect(highestSustained([step(250, false), step(500, true)])).toBeUndefined();
  });

  it('renders the headline, the machine line, a warning for a shared broker and one table per concern', () => {
    const report: SagaBenchReport = {
      kind: 'saga',
      run: { machine: { cpu: 'Test CPU', cores: 2, memoryGiB: 8, node: 'v20.0.0' }, date: '2026-01-02T03:04:05.000Z', commit: 'abc1234 dirty' },
      mode: 'steps',
      prefix: 'benchx.',
      boundP99Ms: 100,
      stepMs: 15_000,
      setup: 'four workers',
      brokerWarning: 'the broker carries 200 other partitions in 30 topics; …',
      highestSustainedRate: 500,
      warmup: step(300, undefined, 'warm-up'),
      steps: [step(250, true), { ...step(500, true), reportFile: 'bench-results/bench-x-500.html' }, step(1000, false)],
      interrupted: false,
      leftovers: [],
    };
    const md = sagaMarkdown(report);
    expect(md).toContain('Machine: 2 cores (Test CPU), 8 GiB, Node v20.0.0 · 2026-01-02 03:04 UTC · commit abc1234 dirty');
    expect(md).toContain('**Highest sustained rate: 500 orders/s**');
    expect(sagaMarkdown({ ...report, run: { ...report.run, machine: { ...report.run.machine, referenceMs: 412 } } })).toContain(
      'Node v20.0.0 · reference workload 412 ms CPU (lower is a faster core) · 2026-01-02',
    );
    expect(md).toContain('> **Shared broker:** the broker carries 200 other partitions');
    expect(md).toContain('| 300 (warm-up) |');
    expect(md).toContain('| 1,000 | 1,000 | 8.0 | 20.0 | 180 |');
    expect(md).toContain('**no**: saga p99 180 ms > 100 ms');
    expect(md).toContain('| doms order | 121 | 121 | 121 | 30 |');
    expect(md).toContain('| **total** | **800** | **800** | **800** | 150 |');
    expect(md).toContain('### Peak RSS, MiB');
    expect(md, "a link to each step's HTML report, beside the markdown").toContain('Charts over time of each step (open offline): [500/s](bench-x-500.html).');
  });

  it('shows the other shape after the first, with its own headline, steps and CPU', () => {
    const allStep = { ...step(250, true), cpu: { 'doms run all --workers 1': { usPerOrder: 300, percent: 40 }, total: { usPerOrder: 700, percent: 90 } } };
    const md = sagaMarkdown(
      sagaReport({
        setup: 'four `doms run <service>` processes',
        steps: [step(250, false)],
        otherShape: { shape: 'all', setup: 'one `doms run all --workers 1` process', highestSustainedRate: 250, steps: [allStep, step(500, false)] },
      }),
    );
    expect(md).toContain('**Highest sustained rate: none**');
    const other = md.slice(md.indexOf('### The other shape: one `doms run all --workers 1` process'));
    expect(other.length, 'a section for the other shape').toBeLessThan(md.length);
    expect(other).toContain('**Highest sustained rate: 250 orders/s**');
    expect(other).toContain('| doms run all --workers 1 | 300 | – | 40 |');
  });

  it("shows a JVM's JIT compiling under its process, and only in the steps where it compiled", () => {
    const withJit = {
      ...step(500, true),
      cpu: { 'kafka broker': { usPerOrder: 600, percent: 30 }, 'kafka broker: JIT compiling': { usPerOrder: 250, percent: 12 } },
    };
    const plain = { ...step(250, true), cpu: { 'kafka broker': { usPerOrder: 500, percent: 10 } } };
    const md = sagaMarkdown({
      kind: 'saga',
      run: { machine: { cpu: 'Test CPU', cores: 2, memoryGiB: 8, node: 'v20.0.0' }, date: '2026-01-02T03:04:05.000Z', commit: 'abc' },
      mode: 'steps',
      prefix: 'b.',
      boundP99Ms: 100,
      stepMs: 15_000,
      setup: 'four workers',
      highestSustainedRate: 500,
      steps: [plain, withJit],
      interrupted: false,
      leftovers: [],
    });
    expect(md).toContain('| kafka broker | 500 | 600 |');
    expect(md).toContain('| ↳ of which kafka broker JIT compiling | – | 250 |');
  });

  it('measures each step and the headline against the floor, when there is one', () => {
    const floor = {
      orders: 30_000,
      warmupOrders: 2500,
      batch: 500,
      wallSeconds: 20,
      cpu: { 'floor process': { usPerOrder: 300, percent: 45 }, total: { usPerOrder: 400, percent: 60 } },
      rate: 5000,
    };
    const md = sagaMarkdown({
      kind: 'saga',
      run: { machine: { cpu: 'Test CPU', cores: 2, memoryGiB: 8, node: 'v20.0.0' }, date: '2026-01-02T03:04:05.000Z', commit: 'abc' },
      mode: 'steps',
      prefix: 'b.',
      boundP99Ms: 100,
      stepMs: 15_000,
      setup: 'four workers',
      highestSustainedRate: 500,
      floor,
      sustainedShareOfFloor: 0.1,
      steps: [{ ...step(500, true), cpuTimesFloor: 2 }, step(1000, false)],
      interrupted: false,
      leftovers: [],
    });
    expect(md).toContain("800 µs CPU per order over all processes. That is 10% of the floor's rate, 5,000 orders/s (below).");
    expect(md).toContain('| **× the floor** | **2×** | – |  |');
    expect(md).toContain('**Floor rate: 5,000 orders/s**');
    expect(md).toContain('| **total** | **800** | **400** | **2×** |');
  });
});
