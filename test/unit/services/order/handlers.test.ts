import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DomsEvent } from '../../../../src/events/events.ts';
import { silentLogger } from '../../../../src/infra/log.ts';
import type { PgliteDb } from '../../../../src/infra/pglite-db.ts';
import type { ChunkHandler } from '../../../../src/runtime/handler.ts';
import { orderHandler } from '../../../../src/services/order/handlers.ts';
import { SqlOrderStore } from '../../../../src/services/order/order-store.ts';
import type { OrderStatus } from '../../../../src/services/order/status.ts';
import { countStatements, orderDb, ORDER_DB_TIMEOUT } from '../../../helpers/pglite.ts';
import { chunkOf, sagaEvents as ev } from '../../../helpers/saga-events.ts';

describe('order handler on PGlite', () => {
  let db: PgliteDb;
  let store: SqlOrderStore;
  let handle: ChunkHandler;

  beforeAll(async () => {
    db = await orderDb();
    store = new SqlOrderStore(db);
    handle = orderHandler(store, silentLogger);
  }, ORDER_DB_TIMEOUT);
  afterAll(() => db?.end());

  const newOrder = async (): Promise<string> => {
    const result = await store.create({ userId: randomUUID(), amount: 12.5, items: { [randomUUID()]: 1 } });
    if (result.kind !== 'created') throw new Error(`expected a new order, got ${result.kind}`);
    return result.order.id;
  };
  const status = async (id: string) => (await store.get(id))?.status;
  /** The status history as stored: one row per status entered. */
  const history = async (id: string): Promise<OrderStatus[]> => {
    const { rows } = await db.query<{ status: OrderStatus }>(
      "SELECT status FROM order_status_history WHERE order_id = $1 ORDER BY at, CASE status WHEN 'CREATED' THEN 0 WHEN 'RESERVED' THEN 1 ELSE 2 END",
      [id],
    );
    return rows.map((r) => r.status);
  };
  const apply = async (...events: DomsEvent[]) => expect(await handle(chunkOf(...events))).toEqual([]);

  it('moves an order CREATED → RESERVED → CONFIRMED', async () => {
    const id = await newOrder();
    expect(await status(id)).toBe('CREATED');
    await apply(ev.reserved(id));
    expect(await status(id)).toBe('RESERVED');
    await apply(ev.paid(id));
    const order = await store.get(id);
    expect(order?.status).toBe('CONFIRMED');
    expect(order?.statusHistory.map((h) => h.status)).toEqual(['CREATED', 'RESERVED', 'CONFIRMED']);
    expect(await history(id)).toEqual(['CREATED', 'RESERVED', 'CONFIRMED']);
  });

  it('records RESERVED and the outcome when both come in one chunk, in one change', async () => {
    const paid = await newOrder();
    const cancelled = await newOrder();
    const statements = await countStatements(db, () => apply(ev.reserved(paid), ev.reserved(cancelled), ev.paid(paid), ev.released(cancelled)));
    expect(statements, 'one statement for both orders, both events each').toHaveLength(1);
    expect(await history(paid)).toEqual(['CREATED', 'RESERVED', 'CONFIRMED']);
    expect(await history(cancelled)).toEqual(['CREATED', 'RESERVED', 'CANCELLED']);
    // The outcome's batch may come before the reservation's (different topics): still both, in order.
    const reversed = await newOrder();
    await apply(ev.released(reversed), ev.reserved(reversed));
    expect(await history(reversed)).toEqual(['CREATED', 'RESERVED', 'CANCELLED']);
    // A reservation recorded before is not recorded twice.
    const again = await newOrder();
    await apply(ev.reserved(again));
    await apply(ev.reserved(again), ev.paid(again));
    expect(await history(again)).toEqual(['CREATED', 'RESERVED', 'CONFIRMED']);
  });

  it('moves an order CREATED → REJECTED when stock is short', async () => {
    const id = await newOrder();
    await apply(ev.rejected(id));
    expect(await status(id)).toBe('REJECTED');
    expect(await history(id)).toEqual(['CREATED', 'REJECTED']);
  });

  it('moves an order RESERVED → CANCELLED once its stock is back (inventory.released), not on payment.failed alone', async () => {
    const id = await newOrder();
    await apply(ev.reserved(id));
    await apply(ev.failed(id));
    expect(await status(id), 'payment.failed waits for the stock to come back').toBe('RESERVED');
    await apply(ev.released(id));
    expect(await status(id)).toBe('CANCELLED');
    expect(await history(id)).toEqual(['CREATED', 'RESERVED', 'CANCELLED']);
  });

  it('never changes a terminal status: late and repeated events are no-ops', async () => {
    const [confirmed, rejected, cancelled] = [await newOrder(), await newOrder(), await newOrder()];
    await apply(ev.reserved(confirmed), ev.rejected(rejected), ev.reserved(cancelled));
    await apply(ev.paid(confirmed), ev.released(cancelled));

    const late = (id: string) => [ev.reserved(id), ev.rejected(id), ev.released(id), ev.paid(id), ev.failed(id)];
    await apply(...late(confirmed), ...late(rejected), ...late(cancelled));
    await apply(...late(cancelled), ...late(rejected), ...late(confirmed));

    expect(await status(confirmed)).toBe('CONFIRMED');
    expect(await status(rejected)).toBe('REJECTED');
    expect(await status(cancelled)).toBe('CANCELLED');
    expect(await history(confirmed)).toEqual(['CREATED', 'RESERVED', 'CONFIRMED']);
    expect(await history(rejected)).toEqual(['CREATED', 'REJECTED']);
    expect(await history(cancelled)).toEqual(['CREATED', 'RESERVED', 'CANCELLED']);
  });

  it('ignores a repeated inventory.reserved and one that comes after the payment outcome', async () => {
    const id = await newOrder();
    await apply(ev.reserved(id));
    await apply(ev.reserved(id));
    expect(await history(id)).toEqual(['CREATED', 'RESERVED']);
    // A payment outcome may overtake inventory.reserved (different topics): CREATED → CONFIRMED, and the late reservation changes nothing.
    const overtaken = await newOrder();
    await apply(ev.paid(overtaken));
    await apply(ev.reserved(overtaken));
    expect(await status(overtaken)).toBe('CONFIRMED');
    expect(await history(overtaken)).toEqual(['CREATED', 'CONFIRMED']);
  });

  it('applies two status events of one order in one chunk, both, in chunk order', async () => {
    const [confirmed, cancelled] = [await newOrder(), await newOrder()];
    await apply(ev.reserved(confirmed), ev.reserved(cancelled), ev.paid(confirmed), ev.released(cancelled));
    expect(await status(confirmed)).toBe('CONFIRMED');
    expect(await status(cancelled)).toBe('CANCELLED');
    expect(await history(confirmed)).toEqual(['CREATED', 'RESERVED', 'CONFIRMED']);
    expect(await history(cancelled)).toEqual(['CREATED', 'RESERVED', 'CANCELLED']);
  });

  it('keeps one history row per status entered when a chunk repeats an order’s events', async () => {
    const id = await newOrder();
    await apply(ev.reserved(id), ev.reserved(id), ev.paid(id), ev.reserved(id), ev.paid(id));
    expect(await status(id)).toBe('CONFIRMED');
    expect(await history(id)).toEqual(['CREATED', 'RESERVED', 'CONFIRMED']);
  });

  it('handles a chunk of many orders, each with its whole story', async () => {
    const ids = await Promise.all(Array.from({ length: 40 }, () => newOrder()));
    const story = (id: string, i: number): DomsEvent[] =>
      i % 3 === 0 ? [ev.rejected(id)] : i % 3 === 1 ? [ev.reserved(id), ev.paid(id)] : [ev.reserved(id), ev.released(id)];
    // Interleaved as partitions would bring them: every order's first event, then every order's second.
    const stories = ids.map(story);
    await apply(...stories.map((s) => s[0]!), ...stories.flatMap((s) => s.slice(1)));
    const expected = ids.map((_, i) =>
      i % 3 === 0 ? ['CREATED', 'REJECTED'] : i % 3 === 1 ? ['CREATED', 'RESERVED', 'CONFIRMED'] : ['CREATED', 'RESERVED', 'CANCELLED'],
    );
    expect(await Promise.all(ids.map(history))).toEqual(expected);
  });

  it("records each step at its event's time, not when the status is written, and never in the future or before the order", async () => {
    const id = await newOrder();
    const created = Date.parse((await store.get(id))!.createdAt);
    const at = (ms: number) => new Date(created + ms).toISOString();
    // The steps below happened 3 and 9 ms after the order: let that time pass, as times from the future are clamped to now.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, created + 12 - Date.now())));
    const timed = (event: DomsEvent, occurredAt: string, offset: number) => ({
      event,
      meta: { topic: event.type, partition: 0, offset: String(offset), occurredAt },
    });
    // RESERVED and the outcome in one call, as a record-paced consumer fetches them some time after they happened.
    expect(await handle([timed(ev.reserved(id), at(3), 0), timed(ev.paid(id), at(9), 1)])).toEqual([]);
    const timeline = (await store.get(id))!.statusHistory.map((h) => [h.status, Date.parse(h.at) - created]);
    expect(timeline).toEqual([
      ['CREATED', 0],
      ['RESERVED', 3],
      ['CONFIRMED', 9],
    ]);

    const skewed = await newOrder();
    const before = Date.now();
    // A publisher whose clock is a day ahead and one from before the order: the timeline stays between the order and now.
    const future = new Date(before + 86_400_000).toISOString();
    const past = new Date(Date.parse((await store.get(skewed))!.createdAt) - 60_000).toISOString();
    await handle([timed(ev.reserved(skewed), past, 0), timed(ev.paid(skewed), future, 1)]);
    const order = (await store.get(skewed))!;
    const [c, r, p] = order.statusHistory.map((h) => Date.parse(h.at));
    expect(r, 'RESERVED not before CREATED').toBe(c);
    expect(p! - Date.now(), 'CONFIRMED not in the future').toBeLessThanOrEqual(0);
    expect(p!).toBeGreaterThanOrEqual(before);
  });

  it('ignores an event for an order it does not know', async () => {
    const unknown = randomUUID();
    await apply(ev.reserved(unknown), ev.paid(unknown));
    expect(await store.get(unknown)).toBeUndefined();
    expect(await history(unknown)).toEqual([]);
  });
});
