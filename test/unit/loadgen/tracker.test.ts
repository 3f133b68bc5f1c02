import { describe, expect, it } from 'vitest';
import { secondBucketOf, Tracker } from '../../../src/loadgen/tracker.ts';

/** Within the 5% of the per-second buckets. */
const near = (expected: number) => expect.toSatisfy((v: number) => Math.abs(v / expected - 1) <= 0.05, `within 5% of ${expected}`);

/** Orders sent at `intendedAt` that end `latencyMs` later. */
function complete(tracker: Tracker, orders: { id: string; intendedAt: number; latencyMs: number }[]) {
  for (const o of orders) {
    tracker.sent(o.intendedAt);
    tracker.accepted(o.id, o.intendedAt, o.intendedAt + 1);
    tracker.outcome(o.id, 'CONFIRMED', o.intendedAt + o.latencyMs);
  }
}

describe('tracker: per-second saga latency', () => {
  it('gives p50, p90 and p99 of each second of intended send time, within the buckets’ 5%', () => {
    const tracker = new Tracker(10_000, 10_000);
    // Second 0: latencies 1..100 ms; second 1: 100 orders at 500 ms; second 2: sent, none ended.
    complete(
      tracker,
      Array.from({ length: 100 }, (_, i) => ({ id: `a${i}`, intendedAt: 10_000 + i * 10, latencyMs: i + 1 })),
    );
    complete(
      tracker,
      Array.from({ length: 100 }, (_, i) => ({ id: `b${i}`, intendedAt: 11_000 + i * 10, latencyMs: 500 })),
    );
    tracker.sent(12_000);
    const [s0, s1, s2] = tracker.series();
    expect(s0!.saga).toEqual({ count: 100, p50: near(50), p90: near(90), p99: near(99) });
    expect(s1!.saga).toEqual({ count: 100, p50: near(500), p90: near(500), p99: near(500) });
    expect(s2).toMatchObject({ second: 2, sent: 1, saga: null });
  });

  it('files an order under the second it was meant to be sent in, not the one it ended in', () => {
    const tracker = new Tracker(0, 0);
    complete(tracker, [{ id: 'slow', intendedAt: 900, latencyMs: 2_500 }]);
    const series = tracker.series();
    expect(series.find((s) => s.second === 0)).toMatchObject({ sent: 1, completed: 0, saga: { count: 1, p50: near(2500) } });
    expect(series.find((s) => s.second === 3)).toMatchObject({ completed: 1, saga: null });
  });

  it('counts warm-up orders per second, though not in the overall latency', () => {
    const tracker = new Tracker(0, 1000);
    complete(tracker, [{ id: 'w', intendedAt: 100, latencyMs: 40 }]);
    expect(tracker.saga.count).toBe(0);
    expect(tracker.series()[0]!.saga!.count).toBe(1);
  });

  it('includes the offered orders of each second', () => {
    const tracker = new Tracker(0, 0);
    tracker.sent(500);
    tracker.offer([3, 5, 5]);
    expect(tracker.series().map((s) => [s.second, s.offered, s.sent])).toEqual([
      [0, 3, 1],
      [1, 5, 0],
      [2, 5, 0],
    ]);
  });

  it('keeps a fixed number of buckets: tiny and huge latencies land in the end ones', () => {
    expect(secondBucketOf(0)).toBe(0);
    expect(secondBucketOf(-5)).toBe(0);
    expect(secondBucketOf(Number.NaN)).toBe(0);
    const top = secondBucketOf(1e12);
    expect(secondBucketOf(1e9)).toBe(top);
    expect(top).toBeLessThan(200);
    // Monotone, about 10% apart.
    expect(secondBucketOf(110)).toBe(secondBucketOf(100) + 1);
  });
});
