import { describe, expect, it } from 'vitest';
import { serializeEvent, type DomsEvent } from '../../../../src/events/events.ts';
import type { SagaOutcome } from '../../../../src/events/outcomes.ts';
import type { OrderTrace, RedisRecords, SeenRecord, TraceInput } from '../../../../src/saga/trace/model.ts';
import { buildTrace } from '../../../../src/saga/trace/view.ts';

const ID = '2fa65380-0ae0-4d65-b7b2-cc33055a85b3';
const USER = 'e9ea2969-83a5-4d9a-b00b-23680b4f0873';
const P = '6af5847d-6761-4a1a-bfb4-c0fec1cfc191';
const T0 = Date.parse('2026-12-06T18:00:00.000Z');
const ORIGIN = '19afa200-0000-4000-8000-000000000000';

const events = {
  created: { type: 'order.created', orderId: ID, userId: USER, totalAmount: 20, items: { [P]: 2 } },
  reserved: { type: 'inventory.reserved', orderId: ID, userId: USER, totalAmount: 20, items: { [P]: 2 } },
  rejected: { type: 'inventory.rejected', orderId: ID, userId: USER, shortages: [{ productId: P, requested: 2, available: 0 }] },
  success: { type: 'payment.success', orderId: ID, paymentId: 'pay-1', amount: 20, items: { [P]: 2 } },
  failed: { type: 'payment.failed', orderId: ID, amount: 20, reason: 'insufficient funds', items: { [P]: 2 } },
  released: { type: 'inventory.released', orderId: ID, items: { [P]: 2 } },
} satisfies Record<string, DomsEvent>;

/** A record of `event`, `ms` after the order's creation. */
function record(event: DomsEvent, ms: number, offset = '0', extra: Partial<SeenRecord> = {}): SeenRecord {
  return {
    topic: event.type,
    partition: 2,
    offset,
    timestamp: T0 + ms,
    key: ID,
    headers: event.type === 'order.created' ? { 'doms-origin': ORIGIN } : {},
    value: serializeEvent(event, new Date(T0 + ms)),
    ...extra,
  };
}

const HISTORY: Record<SagaOutcome, string[]> = {
  CONFIRMED: ['CREATED', 'RESERVED', 'CONFIRMED'],
  REJECTED: ['CREATED', 'REJECTED'],
  CANCELLED: ['CREATED', 'RESERVED', 'CANCELLED'],
};

function redis(reservation: Record<string, string> | null, payment: object | null, notified: string | null): RedisRecords {
  return {
    reservation: { key: `doms:reservation:${ID}`, fields: reservation },
    payment: { key: `doms:payment:${ID}`, value: payment && JSON.stringify(payment) },
    notification: { key: `doms:notified:${ID}`, value: notified },
  };
}

/** A finished order's input, read `nowMs` after its creation. */
function input(status: string, records: SeenRecord[], r: RedisRecords, { nowMs = 120_000, updatedMs = 200 } = {}): TraceInput {
  const history = (HISTORY as Record<string, string[]>)[status] ?? ['CREATED'];
  return {
    order: {
      id: ID,
      userId: USER,
      amount: 20,
      items: { [P]: 2 },
      status: status as TraceInput['order']['status'],
      createdAt: new Date(T0).toISOString(),
      updatedAt: new Date(T0 + updatedMs).toISOString(),
      statusHistory: history.map((s, i) => ({ status: s as TraceInput['order']['status'], at: new Date(T0 + i * 100).toISOString() })),
    },
    records,
    deadLetters: [],
    redis: r,
    searched: ['order.created', 'inventory.reserved', 'payment.success'].map((topic) => ({ topic, partition: 2, from: '0', to: '10' })),
    now: new Date(T0 + nowMs),
  };
}

const judgement = { settleMs: 30_000, ledgerTtlMs: 0 };
const trace = (i: TraceInput, j = judgement) => buildTrace(i, j);
const statusOf = (t: OrderTrace, name: string) => t.verdict.checks.find((c) => c.name === name)?.status;

const confirmed = () =>
  input(
    'CONFIRMED',
    [record(events.created, 10), record(events.reserved, 40), record(events.success, 60)],
    redis({ state: 'SOLD', detail: `{"${P}":2}` }, { status: 'success', paymentId: 'pay-1' }, 'CONFIRMED'),
  );
const cancelled = () =>
  input(
    'CANCELLED',
    [record(events.created, 10), record(events.reserved, 40), record(events.failed, 60), record(events.released, 90)],
    redis({ state: 'RELEASED', detail: `{"${P}":2}` }, { status: 'failed', reason: 'insufficient funds' }, 'CANCELLED'),
  );

describe("an order's trace", () => {
  it('passes a confirmed order with every check named', () => {
    const t = trace(confirmed());
    expect(t.verdict).toMatchObject({ state: 'passed', outcome: 'CONFIRMED', missing: [] });
    expect(t.verdict.checks.map((c) => [c.name, c.status])).toEqual([
      ['order.created published', 'pass'],
      ['exactly one outcome', 'pass'],
      ['stock taken and given back as the outcome says', 'pass'],
      ['one charge', 'pass'],
      ['one notification', 'pass'],
      ['repeated events absorbed', 'pass'],
      ['no dead letters', 'pass'],
    ]);
  });

  it('passes a rejected order that took nothing and was never charged', () => {
    const t = trace(input('REJECTED', [record(events.created, 10), record(events.rejected, 30)], redis({ state: 'REJECTED', detail: '[]' }, null, 'REJECTED')));
    expect(t.verdict).toMatchObject({ state: 'passed', outcome: 'REJECTED' });
    expect(t.verdict.checks.find((c) => c.name === 'one charge')!.detail).toContain('never charged');
  });

  it('passes a cancelled order whose stock came back as it was taken', () => {
    expect(trace(cancelled()).verdict).toMatchObject({ state: 'passed', outcome: 'CANCELLED' });
  });

  it('fails a cancelled order that gave back other items than it took', () => {
    const i = cancelled();
    i.records[3] = record({ ...events.released, items: { [P]: 1 } }, 90);
    const t = trace(i);
    expect(t.verdict.state).toBe('failed');
    expect(t.verdict.checks.find((c) => c.name === 'stock taken and given back as the outcome says')!.detail).toMatch(/gave back .* but took/);
  });

  it('puts the events in time order, each with the time since the previous step (the first: since creation)', () => {
    const i = confirmed();
    i.records.reverse();
    const t = trace(i);
    expect(t.events.map((e) => [e.topic, e.sincePreviousMs])).toEqual([
      ['order.created', 10],
      ['inventory.reserved', 30],
      ['payment.success', 20],
    ]);
    expect(t.events.map((e) => e.origin)).toEqual([ORIGIN, null, null]);
    expect(t.events[0]).toMatchObject({ partition: 2, offset: '0', timestamp: new Date(T0 + 10).toISOString(), kind: 'step' });
  });

  it('shows the same event written again as absorbed, not a fault', () => {
    const i = confirmed();
    i.records.push(record(events.success, 5_000, '7'));
    const t = trace(i);
    const again = t.events.at(-1)!;
    expect(again).toMatchObject({ topic: 'payment.success', offset: '7', kind: 'absorbed' });
    expect(again.note).toBe('payment.success again (first at offset 0): the idempotent handlers absorb it');
    expect(t.verdict.state).toBe('passed');
    expect(t.verdict.checks.find((c) => c.name === 'repeated events absorbed')).toMatchObject({ status: 'pass', detail: '1 absorbed: payment.success@7' });
  });

  it('says when a repeated step carries other content (another charge id, other items)', () => {
    const i = confirmed();
    i.records.push(record({ ...events.success, items: { [P]: 3 } }, 5_000, '7'));
    const again = trace(i).events.at(-1)!;
    expect(again.kind).toBe('absorbed');
    expect(again.note).toBe('payment.success again (first at offset 0, with other content): the idempotent handlers absorb it');
  });

  it('counts the first event on a topic by offset, whatever the producer clocks say', () => {
    const i = confirmed();
    // Written later (offset 7) by a client whose clock is behind.
    i.records.push(record(events.success, 50, '7', { headers: {} }));
    const t = trace(i);
    expect(t.events.find((e) => e.offset === '7')!.kind).toBe('absorbed');
    expect(t.events.find((e) => e.topic === 'payment.success' && e.offset === '0')!.kind).toBe('step');
  });

  it('names a reservation record deleted by hand as missing', () => {
    const i = confirmed();
    i.redis.reservation.fields = null;
    const t = trace(i);
    expect(t.verdict.state).toBe('failed');
    expect(t.verdict.missing).toEqual([`Redis reservation record doms:reservation:${ID}`]);
    expect(statusOf(t, 'stock taken and given back as the outcome says')).toBe('fail');
    expect(t.redis.reservation.state).toBeNull();
  });

  it('fails both payment outcomes for one order as more than one charge', () => {
    const i = confirmed();
    i.records.push(record(events.failed, 70));
    const t = trace(i);
    expect(t.verdict.state).toBe('failed');
    expect(t.verdict.checks.find((c) => c.name === 'one charge')!.detail).toBe('both payment.success and payment.failed were published');
  });

  it('fails two different outcomes', () => {
    const i = confirmed();
    i.records.push(record(events.released, 70));
    expect(trace(i).verdict.checks.find((c) => c.name === 'exactly one outcome')).toMatchObject({ status: 'fail' });
  });

  it('keeps a young order in flight, and names its missing outcome once it has been still past --settle', () => {
    const young = input('RESERVED', [record(events.created, 10), record(events.reserved, 40)], redis({ state: 'RESERVED', detail: '{}' }, null, null), {
      nowMs: 1_000,
    });
    const t = trace(young);
    expect(t.verdict.state).toBe('in flight');
    expect(t.verdict.outcome).toBeNull();
    expect(statusOf(t, 'exactly one outcome')).toBe('pending');
    const old = trace({ ...young, now: new Date(T0 + 60_000) });
    expect(old.verdict.state).toBe('failed');
    expect(old.verdict.missing).toEqual(['an outcome (payment.success, inventory.rejected, inventory.released)']);
  });

  it('waits for a notification just after the outcome, then names its key when it never came', () => {
    const i = confirmed();
    i.redis.notification.value = null;
    expect(statusOf(trace({ ...i, now: new Date(T0 + 1_000) }), 'one notification')).toBe('pending');
    const t = trace(i);
    expect(statusOf(t, 'one notification')).toBe('fail');
    expect(t.verdict.missing).toEqual([`Redis notification record doms:notified:${ID}`]);
  });

  it('fails a terminal status with no outcome event, naming the event and where it was looked for', () => {
    const i = confirmed();
    i.records.pop();
    const t = trace(i);
    expect(t.verdict.state).toBe('failed');
    expect(t.verdict.missing).toContain('event payment.success on payment.success [2]');
  });

  it('marks a record the workers cannot read as invalid', () => {
    const i = confirmed();
    i.records.push({ ...record(events.success, 70, '9'), value: 'not json' });
    const t = trace(i);
    expect(t.events.find((e) => e.offset === '9')).toMatchObject({ kind: 'invalid', note: 'value is not JSON (the workers dead-letter it)' });
    expect(t.verdict.state).toBe('passed');
  });

  it('warns of dead letters without failing the order', () => {
    const i = confirmed();
    i.deadLetters = [
      { ...record(events.success, 70, '3'), topic: 'payment.success.dlq', headers: { 'doms-error': 'boom', 'doms-original-topic': 'payment.success' } },
    ];
    const t = trace(i);
    expect(t.deadLetters).toEqual([expect.objectContaining({ topic: 'payment.success.dlq', offset: '3', error: 'boom' })]);
    expect(statusOf(t, 'no dead letters')).toBe('warn');
    expect(t.verdict.state).toBe('passed');
  });

  it('does not ask an order older than the ledger TTL for its Redis records', () => {
    const i = confirmed();
    i.redis = redis(null, null, null);
    const t = trace(i, { settleMs: 30_000, ledgerTtlMs: 60_000 });
    expect(t.verdict.state).toBe('passed');
    expect(['stock taken and given back as the outcome says', 'one charge', 'one notification'].map((n) => statusOf(t, n))).toEqual([
      'skipped',
      'skipped',
      'skipped',
    ]);
  });
});
