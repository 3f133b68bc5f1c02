import { describe, expect, it } from 'vitest';
import { compareWithFloor, floorRate, NODE_PART, shareOfFloorRate, timesFloor } from '../../../src/bench/floor-ratios.ts';

const cost = (usPerOrder: number) => ({ usPerOrder, percent: 0 });

const floor = {
  'floor process': cost(400),
  'kafka broker': cost(60),
  'kafka broker: JIT compiling': cost(5),
  redis: cost(90),
  postgresql: cost(100),
  total: cost(650),
};
const doms = {
  'doms order': cost(1500),
  'doms inventory': cost(1300),
  'doms payment': cost(800),
  'doms notification': cost(700),
  'kafka broker': cost(1300),
  'kafka broker: JIT compiling': cost(200),
  redis: cost(230),
  postgresql: cost(1000),
  'load generator': cost(800),
  total: cost(7630),
};

describe('the floor against doms', () => {
  it("gives the floor's rate as the cores over its CPU per order", () => {
    expect(floorRate(2, 500)).toBe(4000);
    expect(floorRate(2, 682)).toBe(2933);
    expect(floorRate(2, 0), 'no figure, no rate').toBe(0);
  });

  it("divides doms's total CPU per order by the floor's, to one decimal", () => {
    expect(timesFloor(doms, floor)).toBe(11.7);
    expect(timesFloor({}, floor), 'a step whose CPU was not measured').toBeUndefined();
    expect(timesFloor(doms, {})).toBeUndefined();
  });

  it("gives the highest sustained rate as a share of the floor's rate", () => {
    expect(shareOfFloorRate(250, 4000)).toBe(0.063);
    expect(shareOfFloorRate(0, 4000), 'no step sustained').toBe(0);
    expect(shareOfFloorRate(250, 0)).toBeUndefined();
  });

  it('compares the Node processes together, each server with itself, and the totals, leaving JIT rows inside their process', () => {
    expect(compareWithFloor(doms, floor)).toEqual([
      { part: NODE_PART, doms: 5100, floor: 400, times: 12.8 },
      { part: 'kafka broker', doms: 1300, floor: 60, times: 21.7 },
      { part: 'redis', doms: 230, floor: 90, times: 2.6 },
      { part: 'postgresql', doms: 1000, floor: 100, times: 10 },
      { part: 'total', doms: 7630, floor: 650, times: 11.7 },
    ]);
  });
});
