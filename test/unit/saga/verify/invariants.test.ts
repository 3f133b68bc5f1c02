import { describe, expect, it } from 'vitest';
import { checkInvariants, type Snapshot } from '../../../../src/saga/verify/invariants.ts';
import type { OrderStatus } from '../../../../src/services/order/status.ts';

const now = new Date('2026-01-01T12:00:00Z');
const ago = (s: number) => new Date(now.getTime() - s * 1000);

function snapshot(orders: [string, OrderStatus, number][], extra: Partial<Snapshot> = {}): Snapshot {
  return {
    now,
    orders: orders.map(([id, status, age]) => ({ id, status, createdAt: ago(age), updatedAt: ago(age) })),
    stock: [],
    reservations: new Map(),
    paymentEvents: new Map(),
    notifications: new Map(),
    createdEvents: new Set(orders.map(([id]) => id)),
    otherEvents: new Set(),
    ...extra,
  };
}

/** A consistent world: one order of each outcome with everything recorded. */
function healthy(): Snapshot {
  return snapshot(
    [
      ['c', 'CONFIRMED', 600],
      ['r', 'REJECTED', 600],
      ['x', 'CANCELLED', 600],
    ],
    {
      stock: [{ productId: 'p', available: 7, reserved: 0, sold: 3, added: 10 }],
      reservations: new Map([
        ['c', 'SOLD'],
        ['r', 'REJECTED'],
        ['x', 'RELEASED'],
      ]),
      paymentEvents: new Map<string, Set<'success' | 'failed'>>([
        ['c', new Set(['success'])],
        ['x', new Set(['failed'])],
      ]),
      notifications: new Map([
        ['c', 'CONFIRMED'],
        ['r', 'REJECTED'],
        ['x', 'CANCELLED'],
      ]),
    },
  );
}

const check = (s: Snapshot) => checkInvariants(s, { stuckAfterMs: 60_000 });
const ids = (s: Snapshot) => check(s).violations.map((v) => `${v.invariant}:${v.subject}`);

describe('saga invariants', () => {
  it('hold for a consistent system', () => {
    const report = check(healthy());
    expect(report.violations).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.counts).toEqual({ orders: 3, terminal: 3, inFlight: 0, products: 1 });
  });

  it('I1: flags an order stuck past the allowed age, not a young one', () => {
    expect(
      ids(
        snapshot(
          [
            ['old', 'RESERVED', 120],
            ['new', 'CREATED', 5],
          ],
          { createdEvents: new Set(['old', 'new']) },
        ),
      ),
    ).toEqual(['I1:old']);
  });

  it('I2: flags stock that does not add up, or goes negative', () => {
    const s = healthy();
    s.stock = [
      { productId: 'leak', available: 5, reserved: 0, sold: 3, added: 10 },
      { productId: 'neg', available: -1, reserved: 1, sold: 0, added: 0 },
    ];
    expect(ids(s)).toEqual(['I2:leak', 'I2:neg']);
  });

  it('I3: flags stock still reserved for a rejected or cancelled order', () => {
    const s = healthy();
    s.reservations.set('x', 'RESERVED');
    expect(ids(s)).toEqual(['I3:x']);
  });

  it('I4: flags two outcomes for one order, and an outcome that contradicts the status', () => {
    const s = healthy();
    s.paymentEvents.set('c', new Set(['success', 'failed']));
    s.paymentEvents.set('r', new Set(['failed']));
    expect(ids(s)).toEqual(['I4:c', 'I4:r']);
  });

  it('I5: flags a terminal order without its notification, or with the wrong one', () => {
    const s = healthy();
    s.notifications.delete('c');
    s.notifications.set('x', 'CONFIRMED');
    expect(ids(s)).toEqual(['I5:c', 'I5:x']);
  });

  it('I7: flags finished orders whose stock Redis has forgotten (a restart without persistence), and a sale that never happened', () => {
    const s = healthy();
    s.reservations.delete('c');
    s.reservations.delete('r');
    expect(ids(s)).toEqual(['I7:c', 'I7:r']);
    const unsold = healthy();
    unsold.reservations.set('c', 'RELEASED');
    expect(ids(unsold)).toEqual(['I7:c']);
  });

  it('I6: flags an order without its event and an event without its order', () => {
    const s = healthy();
    s.createdEvents.delete('r');
    s.createdEvents.add('ghost');
    expect(ids(s)).toEqual(['I6:r', 'I6:ghost']);
  });

  it('I6: excuses a young order whose event still waits in the outbox', () => {
    const s = snapshot([['fresh', 'CREATED', 1]], { createdEvents: new Set() });
    expect(ids(s)).toEqual([]);
  });

  it("I6: on a topic shared with another database, judges only this database's events, and says how many it left alone", () => {
    const s = healthy();
    // Another saga's orders (stamped with its origin, or by a producer that stamps none) have no row here.
    s.otherEvents = new Set(['elsewhere-1', 'elsewhere-2']);
    expect(ids(s)).toEqual([]);
    expect(checkInvariants(s, { stuckAfterMs: 30_000 }).notJudged.otherEvents).toBe(2);
    // An order of ours published before events were stamped still has its event.
    s.createdEvents.delete('r');
    s.otherEvents.add('r');
    expect(ids(s)).toEqual([]);
    // But an event of ours without a row is still a violation.
    s.createdEvents.add('lost-row');
    expect(ids(s)).toEqual(['I6:lost-row']);
  });

  it('I4, I6: after retention removed old events, does not ask old orders for them, and counts them', () => {
    const s = healthy();
    s.createdEvents.clear();
    s.paymentEvents.clear();
    s.retainedSince = ago(300);
    const report = checkInvariants(s, { stuckAfterMs: 30_000 });
    expect(ids(s)).toEqual([]);
    expect(report.notJudged).toEqual({ otherEvents: 0, beforeRetention: 3, retainedSince: ago(300), beforeLedgerRetention: 0, beforeSince: 0 });
    // An order created after the oldest retained event must still have its events.
    s.orders.push({ id: 'new', status: 'CONFIRMED', createdAt: ago(100), updatedAt: ago(100) });
    s.reservations.set('new', 'SOLD');
    s.notifications.set('new', 'CONFIRMED');
    expect(ids(s)).toEqual(['I4:new', 'I6:new']);
  });

  it('I5, I7: orders older than the ledger TTL were not asked for their Redis records; they are counted, not failed', () => {
    const s = healthy();
    s.reservations.clear();
    s.notifications.clear();
    expect(ids(s)).toEqual(['I5:c', 'I7:c', 'I5:r', 'I7:r', 'I5:x', 'I7:x']);
    s.ledgerRetainedSince = ago(300);
    const report = checkInvariants(s, { stuckAfterMs: 30_000 });
    expect(report.violations).toEqual([]);
    expect(report.notJudged).toMatchObject({ beforeLedgerRetention: 3, ledgerRetainedSince: ago(300) });
    // An order younger than the TTL still has all its records, and is judged on them.
    s.orders.push({ id: 'new', status: 'CONFIRMED', createdAt: ago(100), updatedAt: ago(100) });
    s.paymentEvents.set('new', new Set(['success']));
    s.createdEvents.add('new');
    expect(ids(s)).toEqual(['I5:new', 'I7:new']);
  });

  it('with --since, reports how many older orders it left out', () => {
    const s = healthy();
    s.since = ago(900);
    s.ordersBeforeSince = 42;
    expect(checkInvariants(s, { stuckAfterMs: 30_000 }).notJudged).toMatchObject({ beforeSince: 42, since: ago(900) });
  });
});
