import { randomUUID } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { Topics } from '../../../../src/events/topics.ts';
import { silentLogger } from '../../../../src/infra/log.ts';
import type { ChunkHandler } from '../../../../src/runtime/handler.ts';
import { inventoryHandler } from '../../../../src/services/inventory/handlers.ts';
import { MemoryStockStore } from '../../../../src/services/inventory/memory-stock-store.ts';
import { chunkOf, sagaEvents as ev } from '../../../helpers/saga-events.ts';

describe('inventory handler', () => {
  let store: MemoryStockStore;
  let handle: ChunkHandler;
  const level = async (productId: string) => (await store.get([productId]))[0];

  beforeEach(() => {
    store = new MemoryStockStore();
    handle = inventoryHandler(store, { defaultStock: null }, silentLogger);
  });

  it('reserves every item of an order and announces inventory.reserved with the order', async () => {
    const [p, q, order, user] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    await store.seed({ [p]: 5, [q]: 3 });
    const out = await handle(chunkOf(ev.created(order, { [p]: 2, [q]: 3 }, { userId: user, totalAmount: 99.5 })));
    expect(out).toEqual([{ type: Topics.InventoryReserved, orderId: order, userId: user, totalAmount: 99.5, items: { [p]: 2, [q]: 3 } }]);
    expect(await level(p)).toMatchObject({ available: 3, reserved: 2, sold: 0 });
    expect(await level(q)).toMatchObject({ available: 0, reserved: 3, sold: 0 });
  });

  it('reserves nothing when one item is short, and names each short product', async () => {
    const [plenty, short, unknown, order, user] = [randomUUID(), randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    await store.seed({ [plenty]: 5, [short]: 1 });
    const out = await handle(chunkOf(ev.created(order, { [plenty]: 2, [short]: 2, [unknown]: 1 }, { userId: user })));
    expect(out).toEqual([
      {
        type: Topics.InventoryRejected,
        orderId: order,
        userId: user,
        shortages: [
          { productId: short, requested: 2, available: 1 },
          { productId: unknown, requested: 1, available: 0 },
        ],
      },
    ]);
    expect(await level(plenty)).toMatchObject({ available: 5, reserved: 0 });
    expect(await level(short)).toMatchObject({ available: 1, reserved: 0 });
  });

  it('gives an unknown product the default stock when one is set', async () => {
    const handleWithDefault = inventoryHandler(store, { defaultStock: 100 }, silentLogger);
    const [p, order] = [randomUUID(), randomUUID()];
    expect(await handleWithDefault(chunkOf(ev.created(order, { [p]: 30 })))).toMatchObject([{ type: Topics.InventoryReserved, orderId: order }]);
    expect(await level(p)).toMatchObject({ available: 70, reserved: 30, added: 100 });
  });

  it('re-announces the same reservation for a redelivered order.created without touching stock', async () => {
    const [p, order] = [randomUUID(), randomUUID()];
    await store.seed({ [p]: 5 });
    const created = ev.created(order, { [p]: 2 });
    const first = await handle(chunkOf(created));
    const stock = await level(p);
    // Redelivered alone, and twice within one chunk.
    expect(await handle(chunkOf(created))).toEqual(first);
    expect(await handle(chunkOf(created, created))).toEqual([...first, ...first]);
    expect(await level(p)).toEqual(stock);
    expect(stock).toMatchObject({ available: 3, reserved: 2 });
  });

  it('re-announces the same rejection for a redelivered order.created, even once stock arrived', async () => {
    const [p, order] = [randomUUID(), randomUUID()];
    await store.seed({ [p]: 1 });
    const created = ev.created(order, { [p]: 2 });
    const first = await handle(chunkOf(created));
    expect(first).toMatchObject([{ type: Topics.InventoryRejected, shortages: [{ productId: p, requested: 2, available: 1 }] }]);
    await store.seed({ [p]: 10 });
    expect(await handle(chunkOf(created))).toEqual(first);
    expect(await level(p)).toMatchObject({ available: 10, reserved: 0 });
  });

  it('gives the stock back once on payment.failed, even when the chunk holds it twice or it comes again', async () => {
    const [p, order] = [randomUUID(), randomUUID()];
    await store.seed({ [p]: 5 });
    await handle(chunkOf(ev.created(order, { [p]: 2 })));
    const out = await handle(chunkOf(ev.failed(order), ev.failed(order)));
    expect(out.length).toBeGreaterThanOrEqual(1);
    for (const e of out) expect(e).toEqual({ type: Topics.InventoryReleased, orderId: order, items: { [p]: 2 } });
    expect(await level(p)).toMatchObject({ available: 5, reserved: 0, sold: 0, added: 5 });

    // A later redelivery re-announces the release (so a lost announcement is made good) and gives nothing back again.
    expect(await handle(chunkOf(ev.failed(order)))).toEqual([{ type: Topics.InventoryReleased, orderId: order, items: { [p]: 2 } }]);
    expect(await level(p)).toMatchObject({ available: 5, reserved: 0, sold: 0, added: 5 });
  });

  it('releases nothing, and announces nothing, for a payment.failed without a reservation', async () => {
    const [p, rejected, unknown] = [randomUUID(), randomUUID(), randomUUID()];
    await store.seed({ [p]: 1 });
    await handle(chunkOf(ev.created(rejected, { [p]: 2 })));
    expect(await handle(chunkOf(ev.failed(rejected), ev.failed(unknown)))).toEqual([]);
    expect(await level(p)).toMatchObject({ available: 1, reserved: 0, added: 1 });
  });

  it('sells the reservation once on payment.success, however often it comes, and announces nothing', async () => {
    const [p, order] = [randomUUID(), randomUUID()];
    await store.seed({ [p]: 5 });
    await handle(chunkOf(ev.created(order, { [p]: 2 })));
    expect(await handle(chunkOf(ev.paid(order), ev.paid(order)))).toEqual([]);
    expect(await handle(chunkOf(ev.paid(order)))).toEqual([]);
    expect(await level(p)).toMatchObject({ available: 3, reserved: 0, sold: 2, added: 5 });
    // A sold order's stock is not given back by a stray payment.failed.
    expect(await handle(chunkOf(ev.failed(order)))).toEqual([]);
    expect(await level(p)).toMatchObject({ available: 3, reserved: 0, sold: 2 });
  });

  it('answers each order of a mixed chunk, in the chunk order, the earlier order getting the last units', async () => {
    const [p, scarce] = [randomUUID(), randomUUID()];
    const [a, b, c, d, e, f] = [randomUUID(), randomUUID(), randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    await store.seed({ [p]: 100, [scarce]: 3 });
    // d and e hold reservations from an earlier chunk; their payments arrive in this one.
    await handle(chunkOf(ev.created(d, { [p]: 4 }), ev.created(e, { [p]: 5 })));

    const out = await handle(
      chunkOf(
        ev.created(a, { [scarce]: 3 }), // takes the last 3 units
        ev.failed(d),
        ev.created(b, { [scarce]: 1, [p]: 1 }), // too late for the scarce product: nothing reserved
        ev.paid(e),
        ev.created(c, { [p]: 10 }),
        ev.created(f, { [p]: 1 }),
        ev.failed(f), // f's reservation is in this very chunk, before its payment
      ),
    );
    expect(out.map((x) => [x.type, x.orderId])).toEqual([
      [Topics.InventoryReserved, a],
      [Topics.InventoryRejected, b],
      [Topics.InventoryReserved, c],
      [Topics.InventoryReserved, f],
      [Topics.InventoryReleased, d],
      [Topics.InventoryReleased, f],
    ]);
    expect(out[1]).toMatchObject({ shortages: [{ productId: scarce, requested: 1, available: 0 }] });
    expect(await level(scarce)).toMatchObject({ available: 0, reserved: 3, sold: 0 });
    // p: 100 − d 4 (released) − e 5 (sold) − c 10 − f 1 (released); b reserved nothing.
    expect(await level(p)).toMatchObject({ available: 85, reserved: 10, sold: 5, added: 100 });
  });
});
