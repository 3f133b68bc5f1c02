import { describe, expect, it } from 'vitest';
import type { FloorReport } from '../../../src/bench/floor-ratios.ts';
import { floorHeadline, floorLine, floorSection, timesFloorRow, timesFloorText } from '../../../src/bench/report-floor.ts';

const cost = (usPerOrder: number, percent = 10) => ({ usPerOrder, percent });
const floor: FloorReport = {
  orders: 30_000,
  warmupOrders: 2500,
  batch: 500,
  wallSeconds: 20.4,
  cpu: { 'floor process': cost(400, 60), 'kafka broker': cost(60), redis: cost(90), postgresql: cost(100), total: cost(650, 95) },
  rate: 3077,
};
const run = { machine: { cores: 2 } };
const step = {
  offered: 500,
  cpu: { 'doms order': cost(2000), 'kafka broker': cost(1300), redis: cost(200), postgresql: cost(900), total: cost(4400) },
  cpuTimesFloor: 6.8,
};

describe('the floor in the bench report', () => {
  it('says how many times the floor a step cost, in its log line and its row of the CPU table', () => {
    expect(timesFloorText(6.8)).toBe(' (6.8× the floor)');
    expect(timesFloorText(undefined)).toBe('');
    expect(timesFloorRow([step, { ...step, cpuTimesFloor: undefined }])).toBe('| **× the floor** | **6.8×** | – |  |');
  });

  it('logs the floor per process and its rate', () => {
    expect(floorLine(floor)).toBe(
      "floor: 30,000 orders in 20.4 s, 650 µs CPU/order (floor process 400, kafka broker 60, redis 90, postgresql 100) → 3,077 orders/s on this machine's cores",
    );
  });

  it("puts the highest sustained rate's share of the floor's rate in the headline", () => {
    expect(floorHeadline({ run, highestSustainedRate: 500, floor, sustainedShareOfFloor: 0.162 })).toBe(
      " That is 16% of the floor's rate, 3,077 orders/s (below).",
    );
    expect(floorHeadline({ run, highestSustainedRate: 250, floor, sustainedShareOfFloor: 0.081 })).toContain('8.1% of');
    expect(floorHeadline({ run, highestSustainedRate: 0, floor, sustainedShareOfFloor: 0 }), 'nothing sustained').toBe(
      " For comparison, the floor's rate, 3,077 orders/s (below).",
    );
    expect(floorHeadline({ run, highestSustainedRate: 500 }), 'no floor').toBe('');
  });

  it('shows the floor by process, its rate, and doms part by part against it', () => {
    const md = floorSection({ run, highestSustainedRate: 500, floor, sustainedShareOfFloor: 0.162 }, step).join('\n');
    expect(md).toContain('(30,000 orders in batches of 500, 20.4 s, after 2,500 uncounted)');
    expect(md).toContain('| floor process | 400 | 60 |');
    expect(md).toContain('| **total** | **650** | 95 |');
    expect(md).toContain('**Floor rate: 3,077 orders/s**: 2 cores ÷ 650 µs of CPU per order');
    expect(md).toContain('| Node processes (doms: the four workers and the load generator; floor: its one process) | 2,000 | 400 | 5× |');
    expect(md).toContain('| kafka broker | 1,300 | 60.0 | 21.7× |');
    expect(md).toContain('| **total** | **4,400** | **650** | **6.8×** |');
  });

  it('says why there is no floor when it failed, and nothing when it was skipped', () => {
    expect(floorSection({ run, highestSustainedRate: 0, floorError: 'no ready\nstack' }, undefined)).toEqual([
      '### Floor: not measured',
      '',
      '> The floor failed: no ready',
      '',
    ]);
    expect(floorSection({ run, highestSustainedRate: 0 }, undefined)).toEqual([]);
  });
});
