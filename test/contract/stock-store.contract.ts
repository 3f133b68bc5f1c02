import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { StockStore } from '../../src/services/inventory/ports.ts';

/** Behaviour every StockStore must have; run against memory (unit) and Redis (integration). */
export function stockStoreContract(name: string, makeStore: () => StockStore) {
  describe(`${name} stock store`, () => {
    const id = () => randomUUID();

    it('reserves every item of an order and moves the units from available to reserved', async () => {
      const store = makeStore();
      const [a, b] = [id(), id()];
      await store.seed({ [a]: 10, [b]: 5 });
      const result = await store.reserve(id(), { [a]: 3, [b]: 5 }, null);
      expect(result).toEqual({ outcome: 'reserved', items: { [a]: 3, [b]: 5 }, repeated: false });
      expect(await store.get([a, b])).toEqual([
        { productId: a, available: 7, reserved: 3, sold: 0, added: 10 },
        { productId: b, available: 0, reserved: 5, sold: 0, added: 5 },
      ]);
    });

    it('reserves nothing when one item is short, and names the short product', async () => {
      const store = makeStore();
      const [a, b] = [id(), id()];
      await store.seed({ [a]: 10, [b]: 1 });
      const result = await store.reserve(id(), { [a]: 2, [b]: 2 }, null);
      expect(result).toEqual({ outcome: 'rejected', shortages: [{ productId: b, requested: 2, available: 1 }], repeated: false });
      const levels = await store.get([a, b]);
      expect(levels.map((l) => l?.available)).toEqual([10, 1]);
      expect(levels.map((l) => l?.reserved)).toEqual([0, 0]);
    });

    it('rejects an unknown product unless a default stock is configured', async () => {
      const store = makeStore();
      const p = id();
      expect(await store.reserve(id(), { [p]: 1 }, null)).toEqual({
        outcome: 'rejected',
        shortages: [{ productId: p, requested: 1, available: 0 }],
        repeated: false,
      });
      const q = id();
      expect(await store.reserve(id(), { [q]: 2 }, 100)).toEqual({ outcome: 'reserved', items: { [q]: 2 }, repeated: false });
      expect((await store.get([q]))[0]).toMatchObject({ available: 98, reserved: 2, added: 100 });
    });

    it('gives a redelivered order the first answer and reserves only once', async () => {
      const store = makeStore();
      const [p, order] = [id(), id()];
      await store.seed({ [p]: 5 });
      await store.reserve(order, { [p]: 2 }, null);
      expect(await store.reserve(order, { [p]: 2 }, null)).toEqual({ outcome: 'reserved', items: { [p]: 2 }, repeated: true });
      expect((await store.get([p]))[0]).toMatchObject({ available: 3, reserved: 2 });
    });

    it('keeps a rejection even after stock arrives, so a redelivery does not flip the outcome', async () => {
      const store = makeStore();
      const [p, order] = [id(), id()];
      await store.seed({ [p]: 1 });
      await store.reserve(order, { [p]: 2 }, null);
      await store.seed({ [p]: 10 });
      expect((await store.reserve(order, { [p]: 2 }, null)).outcome).toBe('rejected');
      expect((await store.get([p]))[0]).toMatchObject({ available: 10, reserved: 0 });
    });

    it('releases a reservation once and returns every unit to available', async () => {
      const store = makeStore();
      const [p, order] = [id(), id()];
      await store.seed({ [p]: 4 });
      await store.reserve(order, { [p]: 3 }, null);
      expect(await store.release(order)).toEqual({ outcome: 'released', items: { [p]: 3 } });
      expect(await store.release(order)).toEqual({ outcome: 'already-released', items: { [p]: 3 } });
      expect((await store.get([p]))[0]).toMatchObject({ available: 4, reserved: 0, sold: 0, added: 4 });
    });

    it('does not release what was never reserved', async () => {
      const store = makeStore();
      const [p, rejected] = [id(), id()];
      expect(await store.release(id())).toEqual({ outcome: 'not-reserved', state: 'NONE' });
      await store.seed({ [p]: 0 });
      await store.reserve(rejected, { [p]: 1 }, null);
      expect(await store.release(rejected)).toEqual({ outcome: 'not-reserved', state: 'REJECTED' });
      expect((await store.get([p]))[0]).toMatchObject({ available: 0, reserved: 0 });
    });

    it('turns a reservation into a sale once, and a sold reservation cannot be released', async () => {
      const store = makeStore();
      const [p, order] = [id(), id()];
      await store.seed({ [p]: 2 });
      await store.reserve(order, { [p]: 2 }, null);
      expect(await store.sell(order)).toEqual({ outcome: 'sold' });
      expect(await store.sell(order)).toEqual({ outcome: 'already-sold' });
      expect(await store.release(order)).toEqual({ outcome: 'not-reserved', state: 'SOLD' });
      expect((await store.get([p]))[0]).toEqual({ productId: p, available: 0, reserved: 0, sold: 2, added: 2 });
    });

    it('never oversells the last units under concurrent orders', async () => {
      const store = makeStore();
      const p = id();
      await store.seed({ [p]: 5 });
      const results = await Promise.all(Array.from({ length: 40 }, () => store.reserve(id(), { [p]: 1 }, null)));
      expect(results.filter((r) => r.outcome === 'reserved')).toHaveLength(5);
      expect((await store.get([p]))[0]).toMatchObject({ available: 0, reserved: 5 });
    });

    it('re-seeding sets available and keeps the ledger balanced', async () => {
      const store = makeStore();
      const [p, order] = [id(), id()];
      await store.seed({ [p]: 10 });
      await store.reserve(order, { [p]: 4 }, null);
      await store.seed({ [p]: 20 });
      const level = (await store.get([p]))[0]!;
      expect(level).toMatchObject({ available: 20, reserved: 4 });
      expect(level.available + level.reserved + level.sold).toBe(level.added);
    });

    it("tells where each order's stock stands, for doms verify", async () => {
      const store = makeStore();
      const p = id();
      const [sold, released, reserved, rejected, unknown] = [id(), id(), id(), id(), id()];
      await store.seed({ [p]: 3 });
      for (const order of [sold, released, reserved]) await store.reserve(order, { [p]: 1 }, null);
      await store.reserve(rejected, { [p]: 1 }, null);
      await store.sell(sold);
      await store.release(released);
      expect(await store.reservations([sold, released, reserved, rejected, unknown])).toEqual(['SOLD', 'RELEASED', 'RESERVED', 'REJECTED', undefined]);
      expect(await store.reservations([])).toEqual([]);
    });
  });
}
