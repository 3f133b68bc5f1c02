import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEvent } from '../../../../src/events/events.ts';
import { Topics } from '../../../../src/events/topics.ts';
import type { PgliteDb } from '../../../../src/infra/pglite-db.ts';
import type { OutboxRow } from '../../../../src/services/order/outbox-relay.ts';
import { SqlOrderStore, type CreateResult } from '../../../../src/services/order/order-store.ts';
import type { CreateOrderRequest } from '../../../../src/services/order/request.ts';
import { orderDb, ORDER_DB_TIMEOUT } from '../../../helpers/pglite.ts';

describe('SqlOrderStore.create on PGlite (group commit of POST /orders)', () => {
  let db: PgliteDb;
  let store: SqlOrderStore;
  /** What the store handed to the outbox relay, one array per flush. */
  const handedOver: OutboxRow[][] = [];

  beforeAll(async () => {
    db = await orderDb();
    store = new SqlOrderStore(db, (rows) => handedOver.push(rows));
  }, ORDER_DB_TIMEOUT);
  afterAll(() => db?.end());

  const request = (overrides: Partial<CreateOrderRequest> = {}): CreateOrderRequest => ({
    userId: randomUUID(),
    amount: 25.5,
    items: { [randomUUID()]: 2, [randomUUID()]: 1 },
    ...overrides,
  });
  const created = (result: CreateResult) => {
    if (result.kind !== 'created') throw new Error(`expected created, got ${result.kind}`);
    return result.order;
  };
  const outboxRows = async (orderId: string) =>
    (await db.query<{ id: string; topic: string; key: string; payload: string }>('SELECT id::text, topic, key, payload FROM outbox WHERE key = $1', [orderId]))
      .rows;
  const ordersOf = async (userId: string) =>
    (await db.query<{ id: string; status: string }>('SELECT id::text, status FROM orders WHERE user_id = $1', [userId])).rows;

  it('creates every one of many concurrent orders, each with its own row, status CREATED and one order.created event', async () => {
    const flushesBefore = handedOver.length;
    const requests = Array.from({ length: 60 }, () => request());
    const results = await Promise.all(requests.map((r) => store.create(r)));
    const orders = results.map(created);
    expect(new Set(orders.map((o) => o.id)).size).toBe(requests.length);

    // As stored: one query for all the orders, one for all their outbox rows.
    const ids = orders.map((o) => o.id);
    const { rows: stored } = await db.query<{ id: string; user_id: string; amount: string; status: string; items: Record<string, number>; history: string[] }>(
      `SELECT o.id::text, o.user_id::text, o.amount::text, o.status,
              (SELECT jsonb_object_agg(i.product_id, i.quantity) FROM order_items i WHERE i.order_id = o.id) AS items,
              (SELECT array_agg(h.status) FROM order_status_history h WHERE h.order_id = o.id) AS history
       FROM orders o WHERE o.id = ANY($1::uuid[])`,
      [ids],
    );
    const { rows: outbox } = await db.query<{ id: string; topic: string; key: string; payload: string }>(
      'SELECT id::text, topic, key, payload FROM outbox WHERE key = ANY($1::text[]) ORDER BY outbox.id',
      [ids],
    );
    expect(stored).toHaveLength(requests.length);
    expect(outbox, 'one outbox row per order').toHaveLength(requests.length);
    for (const [i, order] of orders.entries()) {
      const req = requests[i]!;
      expect(order).toMatchObject({ userId: req.userId, amount: req.amount, items: req.items, status: 'CREATED' });
      const row = stored.find((r) => r.id === order.id);
      expect(
        row && { userId: row.user_id, amount: Number(row.amount), status: row.status, items: row.items, history: row.history },
        `order ${i} as stored`,
      ).toEqual({
        userId: req.userId,
        amount: req.amount,
        status: 'CREATED',
        items: req.items,
        history: ['CREATED'],
      });
      const events = outbox.filter((r) => r.key === order.id);
      expect(events, `order ${i}'s outbox rows`).toHaveLength(1);
      expect(events[0]!.topic).toBe(Topics.OrderCreated);
      const parsed = parseEvent(Topics.OrderCreated, events[0]!.payload);
      expect(parsed.ok && parsed.event).toMatchObject({
        type: Topics.OrderCreated,
        orderId: order.id,
        userId: req.userId,
        totalAmount: req.amount,
        items: req.items,
      });
    }
    // And through the API's read path.
    expect(await store.get(orders[0]!.id)).toMatchObject({
      id: orders[0]!.id,
      status: 'CREATED',
      items: requests[0]!.items,
      statusHistory: [{ status: 'CREATED' }],
    });

    // Written in fewer statements than orders, and every committed outbox row handed to the relay once, as committed.
    const flushes = handedOver.slice(flushesBefore);
    expect(flushes.length).toBeLessThan(requests.length);
    expect(
      flushes
        .flat()
        .map((r) => ({ ...r }))
        .sort((a, b) => Number(a.id) - Number(b.id)),
    ).toEqual(outbox);
  });

  it('answers a repeat with the same Idempotency-Key and body with the first order, writing nothing', async () => {
    const key = `key-${randomUUID()}`;
    const req = request();
    const first = created(await store.create(req, key));
    // Same body with its items in another order: the same request.
    const reordered = { ...req, items: Object.fromEntries(Object.entries(req.items).reverse()) };
    for (const again of [req, reordered]) {
      const repeat = await store.create(again, key);
      expect(repeat.kind).toBe('replayed');
      expect(repeat.kind === 'replayed' && repeat.order).toMatchObject({ id: first.id, userId: req.userId, amount: req.amount, items: req.items });
    }
    expect(await ordersOf(req.userId)).toHaveLength(1);
    expect(await outboxRows(first.id)).toHaveLength(1);
  });

  it('refuses the same Idempotency-Key with a different body (mismatch), writing nothing', async () => {
    const key = `key-${randomUUID()}`;
    const req = request();
    const first = created(await store.create(req, key));
    const other = { ...req, amount: req.amount + 1 };
    expect(await store.create(other, key)).toEqual({ kind: 'mismatch' });
    expect(await store.create({ ...req, userId: randomUUID() }, key)).toEqual({ kind: 'mismatch' });
    expect(await ordersOf(req.userId)).toEqual([{ id: first.id, status: 'CREATED' }]);
  });

  it('creates one order for concurrent requests with one Idempotency-Key; the others replay it or are told it is in progress', async () => {
    const key = `key-${randomUUID()}`;
    const req = request();
    const others = Array.from({ length: 6 }, () => request());
    const results = await Promise.all([...Array.from({ length: 5 }, () => store.create(req, key)), ...others.map((r) => store.create(r))]);
    const same = results.slice(0, 5);
    const createdOnes = same.filter((r) => r.kind === 'created');
    expect(createdOnes).toHaveLength(1);
    const id = created(createdOnes[0]!).id;
    for (const r of same.filter((r) => r.kind !== 'created')) {
      expect(['replayed', 'in-progress']).toContain(r.kind);
      if (r.kind === 'replayed') expect(r.order.id).toBe(id);
    }
    expect(await ordersOf(req.userId)).toHaveLength(1);
    expect(await outboxRows(id)).toHaveLength(1);
    const { rows } = await db.query<{ order_id: string }>('SELECT order_id::text FROM idempotency_keys WHERE key = $1', [key]);
    expect(rows).toEqual([{ order_id: id }]);
    // Requests without a key in the same flushes are created as usual.
    expect(results.slice(5).every((r) => r.kind === 'created')).toBe(true);
  });

  it('fails only the request whose row breaks a constraint; the others of its flush are created', async () => {
    const good = Array.from({ length: 5 }, () => request());
    const negative = request({ amount: -1 }); // CHECK (amount >= 0), which HTTP validation would have caught
    const zeroQuantity = request({ items: { [randomUUID()]: 0 } }); // CHECK (quantity > 0)
    const tooLarge = request({ amount: 1e13 }); // numeric(14, 2) overflow
    const flushesBefore = handedOver.length;
    const results = await Promise.allSettled([good[0]!, negative, good[1]!, zeroQuantity, good[2]!, tooLarge, good[3]!, good[4]!].map((r) => store.create(r)));

    const [bad1, bad2, bad3] = [results[1]!, results[3]!, results[5]!];
    for (const bad of [bad1, bad2, bad3]) expect(bad.status).toBe('rejected');
    for (const r of [negative, zeroQuantity, tooLarge]) expect(await ordersOf(r.userId), `no order for a bad row (user ${r.userId})`).toEqual([]);

    const ok = [results[0]!, results[2]!, results[4]!, results[6]!, results[7]!];
    for (const [i, r] of ok.entries()) {
      expect(r.status, `good request ${i}`).toBe('fulfilled');
      const order = created((r as PromiseFulfilledResult<CreateResult>).value);
      expect(await store.get(order.id)).toMatchObject({ status: 'CREATED', userId: good[i]!.userId });
      expect(await outboxRows(order.id)).toHaveLength(1);
    }
    // Only committed rows reach the relay.
    const handed = handedOver.slice(flushesBefore).flat();
    expect(handed).toHaveLength(good.length);
  });

  it('leaves an Idempotency-Key free when its request failed, so a corrected retry is created', async () => {
    const key = `key-${randomUUID()}`;
    const userId = randomUUID();
    const [bad, bystander] = await Promise.allSettled([store.create(request({ userId, amount: -5 }), key), store.create(request(), `key-${randomUUID()}`)]);
    expect(bad.status).toBe('rejected');
    expect(bystander.status === 'fulfilled' && bystander.value.kind).toBe('created');
    const { rows } = await db.query('SELECT 1 FROM idempotency_keys WHERE key = $1', [key]);
    expect(rows, 'the failed request left no key behind').toEqual([]);
    const retry = await store.create(request({ userId, amount: 5 }), key);
    expect(retry.kind).toBe('created');
    expect(await ordersOf(userId)).toHaveLength(1);
  });
});
