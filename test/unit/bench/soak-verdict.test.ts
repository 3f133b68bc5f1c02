import { describe, expect, it } from 'vitest';
import { SERVICE_NAMES } from '../../../src/services/registry.ts';
import { judgeKills, judgeLives, killTimes, lagBound, longestGap, soakFailures, victimOf, type LagSample } from '../../../src/bench/soak-verdict.ts';

const lagEverySecond = (...totals: number[]): LagSample[] => totals.map((total, i) => ({ atMs: i * 1000, total, byService: {} }));

describe('soak with kills', () => {
  it('kills every interval, round the services, leaving an interval after the last to recover in', () => {
    expect(killTimes(600_000, 60_000)).toEqual([60_000, 120_000, 180_000, 240_000, 300_000, 360_000, 420_000, 480_000, 540_000]);
    expect(killTimes(180_000, 60_000)).toEqual([60_000, 120_000]);
    expect(killTimes(180_000, 0)).toEqual([]);
    // Round the registry's services, in their order, then from the first again.
    const n = SERVICE_NAMES.length;
    expect(Array.from({ length: n + 1 }, (_, i) => victimOf(i))).toEqual([...SERVICE_NAMES, SERVICE_NAMES[0]]);
    expect(SERVICE_NAMES.slice(0, 4)).toEqual(['order', 'inventory', 'payment', 'notification']);
  });

  it('calls lag back to normal under twice the calm maximum, at least a second of orders', () => {
    expect(lagBound(lagEverySecond(100, 300, 200, 5000), 3000, 100)).toBe(600);
    expect(lagBound(lagEverySecond(10, 20), 3000, 100)).toBe(100);
    expect(lagBound([], undefined, 100)).toBe(100);
  });

  it('times each recovery from the kill to the first sample under the bound once the worker is back', () => {
    // Kill at 2 s; back up 10 s later; the backlog drains by 14 s.
    const lag = lagEverySecond(50, 60, 40, 300, 900, 1500, 2000, 2400, 2800, 3100, 3300, 3500, 2500, 900, 80, 60, 50, 40, 30, 20);
    const [k] = judgeKills({
      kills: [{ service: 'inventory', atMs: 2000, oldPid: 1, newPid: 2, upMs: 10_000 }],
      lag,
      outcomes: [500, 1500, 2100, 13_000, 13_100, 15_000],
      errorsPerSecond: [],
      bound: 200,
      endMs: 20_000,
    });
    expect(k).toMatchObject({ recoveredMs: 12_000, maxLag: 3500, longestOutcomeGapMs: 10_900, httpErrors: 0 });
  });

  it('says a kill did not recover when the lag stays high until the next, and counts the order API errors while it was down', () => {
    const [first, second] = judgeKills({
      kills: [
        { service: 'order', atMs: 1000, oldPid: 1, newPid: 2, upMs: 3000 },
        { service: 'inventory', atMs: 6000, oldPid: 3, newPid: 4 },
      ],
      lag: lagEverySecond(0, 10, 20, 30, 40, 50, 900, 900, 900),
      outcomes: [],
      errorsPerSecond: [0, 5, 7, 3, 1, 0, 2, 0, 0],
      bound: 100,
      endMs: 9000,
    });
    expect(first).toMatchObject({ recoveredMs: 3000, httpErrors: 16 }); // seconds 1–4: down, and a second after
    expect(second!.recoveredMs).toBeUndefined();
    const failures = soakFailures({
      verify: { ok: true, summary: '' },
      counts: { timeouts: 0, httpErrors: 18, dropped: 0 },
      timeoutMs: 60_000,
      kills: [first!, second!],
      bound: 100,
      rss: judgeLives([
        {
          name: 'doms payment',
          service: 'payment',
          pid: 5,
          fromMs: 0,
          samples: [0, 30, 60, 90].map((s, i) => ({ atMs: s * 1000, rssMiB: [80, 90, 100, 130][i]! })),
        },
      ]),
      achieved: 100,
      offered: 100,
    });
    expect(failures).toEqual([
      '2 HTTP errors while the order API was not being restarted',
      'doms inventory killed at 0:06 did not come back',
      'doms payment RSS grew: 100 MiB after its first minute, 130 MiB at its end (more than 10 % above, twice in a row)',
    ]);
  });

  it('passes a clean run, and names a failed verify and orders that never ended', () => {
    const clean = {
      verify: { ok: true, summary: '' },
      counts: { timeouts: 0, httpErrors: 0, dropped: 0 },
      timeoutMs: 60_000,
      kills: [],
      bound: 100,
      rss: {},
      achieved: 99,
      offered: 100,
    };
    expect(soakFailures(clean)).toEqual([]);
    expect(soakFailures({ ...clean, verify: { ok: false, summary: 'I1×2' }, counts: { timeouts: 3, httpErrors: 0, dropped: 0 } })).toEqual([
      'doms verify failed: I1×2',
      '3 accepted orders got no outcome within 60 s',
    ]);
  });

  it('finds the longest stretch without an outcome, edges included', () => {
    expect(longestGap([1, 2, 8, 9], 0, 10)).toBe(6);
    expect(longestGap([], 0, 10)).toBe(10);
    expect(longestGap([5], 0, 6)).toBe(5);
  });
});
