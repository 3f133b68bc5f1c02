import { describe, expect, it } from 'vitest';
import { judgeRss } from '../../../src/bench/rss-stability.ts';

const every30s = (...mib: number[]) => mib.map((rssMiB, i) => ({ atMs: i * 30_000, rssMiB }));

describe('soak RSS verdict', () => {
  it('judges only from the first minute on, against the first sample then', () => {
    const v = judgeRss(every30s(60, 90, 100, 104, 96, 108, 101));
    expect(v).toEqual({ firstMiB: 60, lastMiB: 101, maxMiB: 108, baselineMiB: 100, stable: true });
  });

  it('calls RSS that ends more than 10% above it unstable, a burst given back or a fall not', () => {
    expect(judgeRss(every30s(60, 90, 100, 105, 111, 112)).stable).toBe(false);
    expect(judgeRss(every30s(60, 90, 100, 111)).stable).toBe(false);
    expect(judgeRss(every30s(60, 90, 100, 105, 111)).stable).toBe(true); // not yet twice in a row
    expect(judgeRss(every30s(60, 90, 100, 157, 104, 103)).stable).toBe(true);
    expect(judgeRss(every30s(60, 90, 100, 95, 80)).stable).toBe(true);
  });

  it('cannot tell from a run shorter than a minute and a sample', () => {
    expect(judgeRss(every30s(60, 90)).stable).toBeUndefined();
    expect(judgeRss(every30s(60, 90, 100)).stable).toBeUndefined();
    expect(judgeRss([]).stable).toBeUndefined();
  });
});
