import { describe, expect, it } from 'vitest';
import { computeFaultFigures, faultsFound, holdUps, logCounts, recoveryAfter, type FaultEvidence } from '../../helpers/fault-figures.ts';

const line = { pid: 1, line: 'a log line' };
const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

function evidence(over: Partial<FaultEvidence> = {}): FaultEvidence {
  return {
    placed: [],
    orders: [],
    outcomes: new Map(),
    stock: [],
    confirmedUnits: new Map(),
    verify: { ok: true, violations: { I1: 0 } },
    ...over,
  };
}

/** An order created at `at` that ended `took` ms later, acknowledged and confirmed once. */
function confirmed(n: number, at: number, took: number) {
  return {
    placed: { id: id(n), createdAt: at },
    row: { id: id(n), status: 'CONFIRMED', createdAt: at, endedAt: at + took, terminalStatuses: 1 },
    outcome: [id(n), { paid: [`pay-${n}`], failed: 0, rejected: 0, released: 0 }] as const,
  };
}

function saga(orders: ReturnType<typeof confirmed>[], over: Partial<FaultEvidence> = {}): FaultEvidence {
  return evidence({
    placed: orders.map((o) => o.placed),
    orders: orders.map((o) => o.row),
    outcomes: new Map(orders.map((o) => [o.outcome[0], { ...o.outcome[1], paid: [...o.outcome[1].paid] }])),
    ...over,
  });
}

describe('fault figures', () => {
  it('gives an all-zero row when every order ended once, and the latency of the orders each phase could have held up', () => {
    const orders = [confirmed(1, 0, 50), confirmed(2, 1_000, 11_000), confirmed(3, 2_000, 9_500), confirmed(4, 20_000, 40), confirmed(5, 18_500, 5_000)];
    const [first, second] = computeFaultFigures(
      [
        { scenario: 'kill -9', load: '20/s', from: 1_000, events: [1_000], observed: { workerKilled: true } },
        { scenario: 'another kill', load: '20/s', from: 19_000, events: [19_000], observed: { workerKilled: true } },
      ],
      saga(orders),
    );
    expect(first).toMatchObject({
      orders: 4,
      lost: 0,
      duplicatedOutcomes: 0,
      duplicateOrders: 0,
      oversoldUnits: 0,
      doubleCharges: 0,
      gatewayCalledTwice: null,
      duplicateNotifications: null,
      duringFault: { orders: 3, p999Ms: 11_000, maxMs: 11_000 },
      verify: 'pass',
      allZero: true,
    });
    // Held up from 1 s + 2 s (slower than 2 s from then on) until 12 s: recovered 11 s after the blow.
    expect(first!.recoverMs).toBe(11_000);
    // Placed before the second blow but held up by it: its latency counts there, the order where it was placed.
    expect(second).toMatchObject({ orders: 1, duringFault: { orders: 2, p999Ms: 5_000, maxMs: 5_000 }, recoverEachMs: [4_500] });
  });

  it('counts lost, duplicated, double-charged, doubly notified and oversold against the phase the order was placed in', () => {
    const orders = [confirmed(1, 0, 50), confirmed(2, 100, 50), confirmed(3, 10_000, 50), confirmed(4, 10_100, 50)];
    const e = saga(orders, {
      placed: [...orders.map((o) => o.placed), { id: id(5), createdAt: 10_200 }],
      stock: [{ productId: 'p', available: -2, reserved: 0, sold: 12, added: 10 }],
      confirmedUnits: new Map([['p', 12]]),
      notificationLines: new Map([[id(3), [line, line]]]),
      chargeLines: new Map([[id(1), [line, line]]]),
      verify: { ok: false, violations: { I1: 1, I2: 1 } },
    });
    e.outcomes.get(id(2))!.released = 1; // confirmed and cancelled
    e.outcomes.get(id(4))!.paid.push('pay-other'); // two payment ids
    e.orders.push({ id: id(6), status: 'CONFIRMED', createdAt: 10_300, endedAt: 10_400, terminalStatuses: 2 });
    const [first, second] = computeFaultFigures(
      [
        { scenario: 'a', load: '20/s', from: 0, observed: { x: 1 } },
        { scenario: 'b', load: '20/s', from: 10_000, observed: { x: 1 } },
      ],
      e,
    );
    expect(first).toMatchObject({
      orders: 2,
      lost: 0,
      duplicatedOutcomes: 1,
      doubleCharges: 0,
      gatewayCalledTwice: 1,
      duplicateNotifications: 0,
      oversoldUnits: 2,
      allZero: false,
    });
    expect(second).toMatchObject({
      orders: 3,
      lost: 1,
      duplicatedOutcomes: 0,
      duplicateOrders: 1,
      doubleCharges: 1,
      gatewayCalledTwice: 0,
      duplicateNotifications: 1,
      oversoldUnits: 2,
    });
    expect(second!.verify).toBe('fail: I1×1, I2×1');
    expect(second!.examples.lost).toEqual([`${id(5)}: no row in the database`]);
    expect(second!.examples.doubleCharges).toEqual([`${id(4)}: payment ids pay-4, pay-other, 0 payment.failed`]);
  });

  it('never gives an all-zero row to a phase whose fault was not observed, and says so', () => {
    const [row] = computeFaultFigures([{ scenario: 'broker down', load: '20/s', from: 0, observed: {} }], saga([confirmed(1, 0, 50)]));
    expect(row).toMatchObject({ lost: 0, verify: 'pass', faultObserved: {}, allZero: false });
    expect(faultsFound([row!])).toEqual([expect.stringMatching(/^broker down: fault not observed, lost 0/)]);
  });

  it('gives each blow the end of the last hold-up under way at it or begun before the next blow', () => {
    const orders = [
      { createdAt: 0, endedAt: 5_000 },
      { createdAt: 1_000, endedAt: 3_000 },
      { createdAt: 4_000, endedAt: 4_100 },
      { createdAt: 30_000, endedAt: 40_000 },
    ].map((o, i) => ({ id: id(i), status: 'CONFIRMED', terminalStatuses: 1, ...o }));
    const h = holdUps(orders, 2_000);
    expect(h).toEqual([
      { start: 2_000, end: 5_000 },
      { start: 32_000, end: 40_000 },
    ]);
    expect(recoveryAfter(h, 0, 15_000)).toBe(5_000);
    expect(recoveryAfter(h, 3_000, 15_000)).toBe(2_000); // still held up at the blow
    expect(recoveryAfter(h, 10_000, 25_000)).toBe(0); // nothing under way or begun in time
    expect(recoveryAfter(h, 20_000, 35_000)).toBe(20_000);
    expect(recoveryAfter(h, 20_000, 30_000)).toBe(0); // late only after the next blow: not this one's
  });

  it('reads gateway calls and notification lines per order and process from text and JSON logs', () => {
    const output = [
      `2026-11-25T00:00:00.000Z INFO  payment      payment succeeded orderId=${id(1)} topic=inventory.reserved amount=20 payment=x`,
      `{"level":"info","msg":"payment succeeded","orderId":"${id(1)}"}`,
      `2026-11-25T00:00:00.000Z INFO  notification notification sent: order ${id(2)} confirmed orderId=${id(2)} outcome=CONFIRMED`,
      `2026-11-25T00:00:00.000Z INFO  payment      payment failed orderId=${id(3)} reason=declined`,
      `2026-11-25T00:00:00.000Z INFO  notification notification sent: order ${id(3)} cancelled: payment failed, stock released orderId=${id(3)}`,
    ].join('\n');
    const counts = logCounts([{ pid: 7, output }]);
    expect([...counts.chargeLines!].map(([k, v]) => [k, v.length])).toEqual([
      [id(1), 2],
      [id(3), 1],
    ]);
    expect(counts.notificationLines!.get(id(2))![0]!.pid).toBe(7);
    expect(counts.notificationLines!.get(id(3))).toHaveLength(1);
    expect(logCounts([{ pid: 7, output: 'nothing here' }])).toEqual({});
  });
});
