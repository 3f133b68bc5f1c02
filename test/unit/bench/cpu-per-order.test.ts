import { describe, expect, it } from 'vitest';
import { cpuPerOrder, cpuSecondsBetween } from '../../../src/bench/cpu-per-order.ts';

/** One process (pid 1 unless told) that has used `self` CPU seconds. */
const u = (self: number, pid = 1, jit = 0) => ({ cpu: new Map([[pid, { self, children: 0, jit }]]), peakRssMiB: 0, rssMiB: 0 });

describe('CPU per order', () => {
  it('divides each process’s CPU time in the step by the orders completed, in µs, and totals them', () => {
    const before = { 'doms order': u(10), redis: u(1), postgresql: u(5) };
    const after = { 'doms order': u(13), redis: u(1.5), postgresql: u(7) };
    const cost = cpuPerOrder(before, after, 10_000, 15);
    expect(cost['doms order']).toEqual({ usPerOrder: 300, percent: 20 });
    expect(cost.redis).toEqual({ usPerOrder: 50, percent: 3.3 });
    expect(cost.total).toEqual({ usPerOrder: 550, percent: 36.7 });
  });

  it("shows a JVM's JIT compiling as a part of its process, not added to the total again", () => {
    const cost = cpuPerOrder({ 'kafka broker': u(100, 1, 40) }, { 'kafka broker': u(106, 1, 43) }, 10_000, 10);
    expect(cost['kafka broker']).toEqual({ usPerOrder: 600, percent: 60 });
    expect(cost['kafka broker: JIT compiling']).toEqual({ usPerOrder: 300, percent: 30 });
    expect(cost.total!.usPerOrder).toBe(600);
    expect(Object.keys(cpuPerOrder({ redis: u(1) }, { redis: u(2) }, 10, 1))).toEqual(['redis', 'total']);
  });

  it('counts a process group that appeared during the step from zero', () => {
    const cost = cpuPerOrder({}, { 'doms payment': u(0.1) }, 1000, 1);
    expect(cost['doms payment']!.usPerOrder).toBe(100);
    expect(cpuPerOrder({}, { x: u(1) }, 0, 1).x!.usPerOrder).toBe(0);
  });
});

describe('CPU of processes that come and go', () => {
  const t = (self: number, children = 0) => ({ self, children, jit: 0 });

  it('counts growth, new processes whole, and ended ones through their parent minus what they had used before', () => {
    // 1: postmaster; 2: a backend that lives on; 3: a backend that ends (lifetime 5 s, 4 s of it
    // before the first sample) and is reaped into 1's children time; 4: a backend that starts.
    const before = new Map([
      [1, t(10, 100)],
      [2, t(20)],
      [3, t(4)],
    ]);
    const after = new Map([
      [1, t(11, 105)],
      [2, t(22)],
      [4, t(0.5)],
    ]);
    expect(cpuSecondsBetween(before, after)).toBeCloseTo(1 + 5 + 2 + 0.5 - 4);
  });

  it('never goes below zero (an ended process not yet reaped)', () => {
    expect(cpuSecondsBetween(new Map([[3, t(4)]]), new Map())).toBe(0);
  });
});
