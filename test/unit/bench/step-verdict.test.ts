import { describe, expect, it } from 'vitest';
import { judgeStep } from '../../../src/bench/step-verdict.ts';
import type { LoadResult } from '../../../src/loadgen/result.ts';

function result(over: { p99?: number; achieved?: number; httpErrors?: number; timeouts?: number; interrupted?: boolean; completed?: number } = {}): LoadResult {
  const saga = { count: over.completed ?? 1000, min: 5, avg: 20, p50: 18, p90: 30, p95: 40, p99: over.p99 ?? 60, 'p99.9': 80, max: 90 };
  return {
    config: {},
    startedAt: '',
    durationMs: 10_000,
    interrupted: over.interrupted ?? false,
    counts: {
      planned: 1000,
      sent: 1000,
      dropped: 0,
      late: 0,
      accepted: 1000,
      httpErrors: over.httpErrors ?? 0,
      confirmed: 1000,
      rejected: 0,
      cancelled: 0,
      timeouts: over.timeouts ?? 0,
      inFlight: 0,
    },
    rates: { offered: 100, achieved: over.achieved ?? 100, completed: 100 },
    scheduler: { late: 0, maxLatenessMs: 1, dropped: 0 },
    latency: { http: saga, saga },
    histograms: { http: [], saga: [] },
    series: [],
    errors: {},
    thresholds: [],
  };
}
const ok = { ok: true, summary: 'all invariants hold' };

describe('step verdict', () => {
  it('sustains a step with p99 at the bound, no errors, the rate met and verify passing', () => {
    expect(judgeStep({ offered: 100, result: result({ p99: 100, achieved: 97 }), p99BoundMs: 100, verify: ok })).toEqual({ sustained: true, reasons: [] });
  });

  it('names every reason a step is not sustained', () => {
    const v = judgeStep({
      offered: 100,
      result: result({ p99: 140, achieved: 96, httpErrors: 2, timeouts: 1 }),
      p99BoundMs: 100,
      verify: { ok: false, summary: 'I5×3' },
    });
    expect(v.sustained).toBe(false);
    expect(v.reasons).toEqual(['2 HTTP errors, 1 timeouts', 'saga p99 140 ms > 100 ms', 'achieved 96/s < 97% of 100/s', 'verify failed: I5×3']);
  });

  it('does not sustain an interrupted step, one without outcomes, or one not verified', () => {
    expect(judgeStep({ offered: 100, result: result({ interrupted: true }), p99BoundMs: 100, verify: ok }).reasons).toEqual(['interrupted']);
    expect(judgeStep({ offered: 100, result: result({ completed: 0 }), p99BoundMs: 100, verify: ok }).reasons).toEqual(['no order completed']);
    expect(judgeStep({ offered: 100, result: result(), p99BoundMs: 100, verify: undefined }).reasons).toEqual(['verify not run']);
  });
});
