import { describe, expect, it } from 'vitest';
import { FetchPace } from '../../../src/infra/fetch-pace.ts';

describe('FetchPace', () => {
  const linger = 200;
  const pace = () => new FetchPace(linger, linger + 200);

  it('fetches again at once after the first batch out of idle', () => {
    const p = pace();
    expect(p.arrived(10_000)).toBe(10_000);
  });

  it("lingers once a second fetch follows soon: an order's outcome after its reservation", () => {
    const p = pace();
    p.arrived(10_000);
    expect(p.arrived(10_015)).toBe(10_015 + linger);
  });

  it('gives every batch of one fetch the same time to fetch again', () => {
    const p = pace();
    p.arrived(10_000);
    const first = p.arrived(10_250);
    expect(p.arrived(10_252)).toBe(first);
    expect(p.arrived(10_254)).toBe(first);
  });

  it('keeps lingering under a steady stream and stops after a pause', () => {
    const p = pace();
    let now = 10_000;
    p.arrived(now);
    for (let i = 0; i < 5; i++) {
      now += linger + 20;
      expect(p.arrived(now)).toBe(now + linger);
    }
    now += 5_000;
    expect(p.arrived(now), 'idle for 5 s: at once again').toBe(now);
  });

  it('never waits with no linger (the saga steps)', () => {
    const p = new FetchPace(0, 200);
    p.arrived(1);
    expect(p.arrived(10)).toBe(10);
  });
});
