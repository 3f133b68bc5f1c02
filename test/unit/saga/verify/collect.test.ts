import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serializeEvent } from '../../../../src/events/events.ts';
import { EventHeaders } from '../../../../src/events/headers.ts';
import { Topics } from '../../../../src/events/topics.ts';
import type { PgliteDb } from '../../../../src/infra/pglite-db.ts';
import type { TopicContents, TopicRecord } from '../../../../src/infra/topic-reader.ts';
import { readOrigin } from '../../../../src/services/order/schema.ts';
import { collectSnapshot, oldestRetained, type SagaSources } from '../../../../src/saga/verify/collect.ts';
import { checkInvariants } from '../../../../src/saga/verify/invariants.ts';
import { ORDER_DB_TIMEOUT, orderDb } from '../../../helpers/pglite.ts';

const now = new Date('2026-01-01T12:00:00Z');
const at = (s: number) => new Date(now.getTime() - s * 1000).toISOString();
const record = (partition: number, secondsAgo: number): TopicRecord => ({
  topic: 't',
  partition,
  offset: '0',
  key: null,
  value: null,
  headers: {},
  timestamp: at(secondsAgo),
});

describe('oldestRetained', () => {
  it('is undefined while every partition still starts at offset 0', () => {
    const topic: TopicContents = { records: [record(0, 900)], partitions: [{ partition: 0, low: '0', high: '1' }] };
    expect(oldestRetained([topic], now)).toBeUndefined();
  });

  it('is the latest first-record time among partitions that lost records, across topics', () => {
    const created: TopicContents = {
      records: [record(0, 900), record(1, 600), record(1, 10)],
      partitions: [
        { partition: 0, low: '0', high: '1' },
        { partition: 1, low: '40', high: '42' },
      ],
    };
    const paid: TopicContents = { records: [record(0, 300)], partitions: [{ partition: 0, low: '7', high: '8' }] };
    expect(oldestRetained([created], now)).toEqual(new Date(at(600)));
    expect(oldestRetained([created, paid], now)).toEqual(new Date(at(300)));
  });

  it('is now when a partition lost every record: nothing older can be asked for its events', () => {
    const emptied: TopicContents = { records: [], partitions: [{ partition: 0, low: '5', high: '5' }] };
    expect(oldestRetained([emptied], now)).toEqual(now);
  });

  it('is now when the first record left carries a time past now, or one no Date holds (kept as a raw number)', () => {
    const trimmed = (timestamp: string): TopicContents => ({
      records: [{ ...record(0, 0), timestamp }],
      partitions: [{ partition: 0, low: '3', high: '4' }],
    });
    expect(oldestRetained([trimmed('9000000000000000')], now)).toEqual(now);
    expect(oldestRetained([trimmed(new Date(now.getTime() + 3_600_000).toISOString())], now)).toEqual(now);
  });
});

describe('collectSnapshot', () => {
  let db: PgliteDb;
  let origin: string;
  beforeAll(async () => {
    db = await orderDb();
    origin = (await readOrigin(db))!;
  }, ORDER_DB_TIMEOUT);
  afterAll(() => db?.end());

  const real = Date.now();
  const minutesAgo = (m: number) => new Date(real - m * 60_000);
  const [old, recent, fresh] = [randomUUID(), randomUUID(), randomUUID()];
  const createdAt = { [old]: minutesAgo(120), [recent]: minutesAgo(30), [fresh]: minutesAgo(1) };

  /** Three confirmed orders (2 h, 30 min and 1 min old) with their order.created events; Redis says which it was asked about. */
  async function sources(): Promise<{ sources: SagaSources; asked: string[][] }> {
    await db.query('DELETE FROM orders');
    for (const [id, at] of Object.entries(createdAt))
      await db.query("INSERT INTO orders (id, user_id, amount, status, created_at, updated_at) VALUES ($1, $2, 1, 'CONFIRMED', $3, $3)", [
        id,
        randomUUID(),
        at.toISOString(),
      ]);
    const lostRow = randomUUID();
    const created: TopicContents = {
      records: [...Object.entries(createdAt), [lostRow, minutesAgo(90)] as const].map(([id, at], offset) => ({
        ...record(0, 0),
        offset: String(offset),
        headers: { [EventHeaders.Origin]: origin },
        value: Buffer.from(serializeEvent({ type: Topics.OrderCreated, orderId: id, userId: randomUUID(), totalAmount: 1, items: { [randomUUID()]: 1 } }, at)),
      })),
      partitions: [{ partition: 0, low: '0', high: '4' }],
    };
    const asked: string[][] = [];
    return {
      asked,
      sources: {
        db,
        stock: {
          list: async () => [],
          reservations: async (ids) => (asked.push([...ids]), ids.map(() => 'SOLD' as const)),
        },
        notifications: { notified: async (ids) => ids.map(() => 'CONFIRMED' as const) },
        readTopic: async (topic) => (topic === Topics.OrderCreated ? created : { records: [], partitions: [] }),
      },
    };
  }

  it('reads every order and event without a scope', async () => {
    const { sources: s, asked } = await sources();
    const snapshot = await collectSnapshot(s);
    expect(snapshot.orders.map((o) => o.id).sort()).toEqual([old, recent, fresh].sort());
    expect(asked[0]!.sort()).toEqual([old, recent, fresh].sort());
    expect(snapshot.createdEvents.size).toBe(4);
    expect(snapshot.since).toBeUndefined();
    expect(snapshot.ledgerRetainedSince).toBeUndefined();
  });

  it('with since, reads only the orders created from then on and the events of those, and counts the rest', async () => {
    const { sources: s } = await sources();
    const snapshot = await collectSnapshot(s, { since: minutesAgo(60) });
    expect(snapshot.orders.map((o) => o.id).sort()).toEqual([recent, fresh].sort());
    expect(snapshot.ordersBeforeSince).toBe(1);
    // The event without a row happened before the window: none of this snapshot's business.
    expect([...snapshot.createdEvents].sort()).toEqual([recent, fresh].sort());
    expect(checkInvariants(snapshot, { stuckAfterMs: 60_000 }).notJudged).toMatchObject({ beforeSince: 1, since: minutesAgo(60) });
  });

  it('does not ask Redis about orders older than the ledger TTL', async () => {
    const { sources: s, asked } = await sources();
    const snapshot = await collectSnapshot(s, { ledgerTtlMs: 45 * 60_000 });
    expect(asked[0]!.sort()).toEqual([recent, fresh].sort());
    expect([...snapshot.reservations.keys()].sort()).toEqual([recent, fresh].sort());
    expect(snapshot.ledgerRetainedSince!.getTime()).toBeGreaterThanOrEqual(minutesAgo(45).getTime());
    const report = checkInvariants(snapshot, { stuckAfterMs: 60_000 });
    expect(report.notJudged.beforeLedgerRetention).toBe(1);
    expect(report.violations.filter((v) => v.invariant === 'I5' || v.invariant === 'I7')).toEqual([]);
  });
});
