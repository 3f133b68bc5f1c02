import { describe, expect, it } from 'vitest';
import type { Clock } from '../../../src/loadgen/clock.ts';
import { dueBy, intendedAt, totalOrders } from '../../../src/loadgen/schedule.ts';
import { runSchedule } from '../../../src/loadgen/scheduler.ts';

/** A clock that only moves when the scheduler sleeps (plus an optional stall per tick). */
function fakeClock(stallMs = 0): Clock & { t: number } {
  const clock = {
    t: 0,
    now: () => clock.t,
    sleep: async (ms: number) => {
      clock.t += Math.max(ms, 0.5) + stallMs;
    },
  };
  return clock;
}

describe('open-model schedule', () => {
  it('sends rate × duration orders at a fixed rate', () => {
    const plan = { rate: 500, durationMs: 60_000, rampUpMs: 0 };
    expect(totalOrders(plan)).toBe(30_000);
    expect(dueBy(plan, 1000)).toBe(500);
    expect(intendedAt(plan, 0)).toBeCloseTo(2);
    expect(intendedAt(plan, 499)).toBeCloseTo(1000);
  });

  it('ramps up linearly: half the orders of a full-rate ramp, then the full rate', () => {
    const plan = { rate: 100, durationMs: 20_000, rampUpMs: 10_000 };
    expect(dueBy(plan, 10_000)).toBe(500);
    expect(dueBy(plan, 5_000)).toBe(125);
    expect(totalOrders(plan)).toBe(1500);
    for (const i of [0, 10, 124, 499, 500, 1499]) expect(dueBy(plan, intendedAt(plan, i))).toBe(i + 1);
  });
});

describe('scheduler', () => {
  it('keeps its rate against a fake clock and sends each order at its intended time', async () => {
    const clock = fakeClock();
    const plan = { rate: 200, durationMs: 5_000, rampUpMs: 0 };
    const sent: { at: number; intended: number }[] = [];
    const stats = await runSchedule({
      plan,
      clock,
      maxInFlight: Infinity,
      inFlight: () => 0,
      send: (_i, intended) => sent.push({ at: clock.now(), intended }),
    });
    expect(stats).toMatchObject({ started: 1000, dropped: 0, late: 0 });
    expect(sent).toHaveLength(1000);
    expect(Math.max(...sent.map((s) => s.at - s.intended))).toBeLessThan(3);
    expect(sent.filter((s) => s.at <= 1000)).toHaveLength(200);
  });

  it('does not slow down when the process stalls: it catches up, counts late sends, keeps intended times', async () => {
    const clock = fakeClock(50);
    const plan = { rate: 100, durationMs: 2_000, rampUpMs: 0 };
    const intended: number[] = [];
    const stats = await runSchedule({ plan, clock, maxInFlight: Infinity, inFlight: () => 0, send: (_i, at) => intended.push(at) });
    expect(stats.started).toBe(200);
    expect(stats.late).toBeGreaterThan(100);
    expect(stats.maxLatenessMs).toBeGreaterThan(40);
    expect(intended[99]).toBeCloseTo(1000);
  });

  it('drops, and counts, orders over --max-in-flight instead of queueing them', async () => {
    const clock = fakeClock();
    let inFlight = 0;
    const stats = await runSchedule({
      plan: { rate: 100, durationMs: 1_000, rampUpMs: 0 },
      clock,
      maxInFlight: 10,
      inFlight: () => inFlight,
      send: () => inFlight++,
    });
    expect(stats).toMatchObject({ started: 10, dropped: 90 });
  });
});
