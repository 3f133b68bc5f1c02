import { describe, expect, it } from 'vitest';
import { buildResult } from '../../../src/loadgen/result.ts';
import { parseThreshold } from '../../../src/loadgen/thresholds.ts';
import { Tracker } from '../../../src/loadgen/tracker.ts';

function run() {
  const tracker = new Tracker(0, 1000);
  tracker.counts.planned = 5;
  // Two warm-up orders and three measured ones; one outcome arrives before its HTTP answer.
  const ids = ['a', 'b', 'c', 'd'];
  [0, 500, 1000, 1500].forEach((t) => tracker.sent(t));
  tracker.accepted('a', 0, 10);
  tracker.outcome('a', 'CONFIRMED', 100);
  tracker.accepted('b', 500, 520);
  tracker.outcome('b', 'REJECTED', 600);
  tracker.outcome('c', 'CANCELLED', 1200);
  tracker.accepted('c', 1000, 1050);
  tracker.accepted('d', 1500, 1520);
  tracker.sent(2000);
  tracker.httpFailed(2000, 2100, 'HTTP 503');
  tracker.expire(1500 + 30_000, 30_000);
  return { tracker, ids };
}

describe('load result', () => {
  it('accounts for every order: sent = confirmed + rejected + cancelled + HTTP errors + timeouts', () => {
    const { tracker } = run();
    const r = buildResult({
      config: { rate: 1 },
      startedAt: new Date(0),
      durationMs: 2500,
      interrupted: false,
      tracker,
      scheduler: { started: 5, dropped: 0, late: 1, maxLatenessMs: 12 },
      thresholds: [parseThreshold('errors<1%'), parseThreshold('saga.max<1s')],
    });
    const c = r.counts;
    expect(c).toMatchObject({ planned: 5, sent: 5, confirmed: 1, rejected: 1, cancelled: 1, httpErrors: 1, timeouts: 1, inFlight: 0, late: 1 });
    expect(c.confirmed + c.rejected + c.cancelled + c.httpErrors + c.timeouts + c.inFlight).toBe(c.sent);
    expect(r.rates).toEqual({ offered: 2, achieved: 2, completed: 1.2 });
    expect(r.errors).toEqual({ 'HTTP 503': 1 });
    expect(r.thresholds[0]).toEqual({ expression: 'errors<1%', actual: '40.00%', ok: false });
    // HDR histograms keep about three significant digits.
    expect(r.thresholds[1]).toEqual({ expression: 'saga.max<1s', actual: expect.stringMatching(/^200\.\dms$/), ok: true });
  });

  it('measures latency from the intended send time and leaves warm-up orders out', () => {
    const { tracker } = run();
    const r = buildResult({
      config: {},
      startedAt: new Date(0),
      durationMs: 2500,
      interrupted: false,
      tracker,
      scheduler: { started: 5, dropped: 0, late: 0, maxLatenessMs: 0 },
      thresholds: [],
    });
    expect(r.latency.http.count).toBe(2);
    expect(r.latency.http.max).toBeCloseTo(50, 0);
    expect(r.latency.saga.count).toBe(1);
    expect(r.latency.saga.max).toBeCloseTo(200, 0);
  });

  it('has the JSON shape scripts rely on', () => {
    const { tracker } = run();
    const r = JSON.parse(
      JSON.stringify(
        buildResult({
          config: { rate: 1 },
          startedAt: new Date(0),
          durationMs: 2500,
          interrupted: false,
          tracker,
          scheduler: { started: 5, dropped: 0, late: 0, maxLatenessMs: 0 },
          thresholds: [],
        }),
      ),
    );
    expect(Object.keys(r).sort()).toEqual([
      'config',
      'counts',
      'durationMs',
      'errors',
      'histograms',
      'interrupted',
      'latency',
      'rates',
      'scheduler',
      'series',
      'startedAt',
      'thresholds',
    ]);
    expect(Object.keys(r.latency.saga).sort()).toEqual(['avg', 'count', 'max', 'min', 'p50', 'p90', 'p95', 'p99', 'p99.9'].sort());
    expect(r.histograms.http.length).toBeGreaterThan(0);
    const about100 = expect.closeTo(100, -1);
    expect(r.series[0]).toEqual({
      second: 0,
      offered: 0,
      sent: 2,
      accepted: 2,
      completed: 2,
      errors: 0,
      saga: { count: 2, p50: about100, p90: about100, p99: about100 },
    });
    expect(r).not.toHaveProperty('lagSeries');
  });

  it('keeps the lag samples when the run took some', () => {
    const { tracker } = run();
    const lagSeries = [{ second: 1, lag: { order: 3, payment: 0 } }];
    const input = { config: {}, startedAt: new Date(0), durationMs: 2500, interrupted: false, tracker, thresholds: [] };
    const scheduler = { started: 5, dropped: 0, late: 0, maxLatenessMs: 0 };
    expect(buildResult({ ...input, scheduler, lagSeries }).lagSeries).toEqual(lagSeries);
    expect(buildResult({ ...input, scheduler, lagSeries: [] })).not.toHaveProperty('lagSeries');
  });
});
