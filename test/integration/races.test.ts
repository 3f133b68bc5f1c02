import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { RedisStockStore } from '../../src/services/inventory/redis-stock-store.ts';
import type { Order } from '../../src/services/order/order-store.ts';
import { testEnv } from '../helpers/env.ts';
import { getOrder, placeOrder } from '../helpers/orders.ts';
import { waitFor } from '../helpers/wait.ts';
import { Saga } from '../helpers/workers.ts';

const redis = new Redis(testEnv.redisUrl);
const stock = new RedisStockStore(redis);
afterAll(async () => {
  await redis.quit();
});

async function finished(target: string, orders: Order[]): Promise<Order[]> {
  return waitFor(
    async () => {
      const now = await Promise.all(orders.map((o) => getOrder(target, o.id)));
      return now.every((o) => ['CONFIRMED', 'REJECTED', 'CANCELLED'].includes(o.status)) ? now : undefined;
    },
    { timeout: 30_000, what: 'every order to finish' },
  );
}

describe('races for the last units', () => {
  it('never oversells: of 40 concurrent orders for 5 units, exactly 5 are confirmed', async () => {
    const saga = new Saga(['--failure-rate', '0']);
    await saga.start('all');
    const p = randomUUID();
    await stock.seed({ [p]: 5 });
    const orders = await Promise.all(Array.from({ length: 40 }, () => placeOrder(() => saga.target, { userId: randomUUID(), amount: 1, items: { [p]: 1 } })));
    const done = await finished(saga.target, orders);
    expect(done.filter((o) => o.status === 'CONFIRMED')).toHaveLength(5);
    expect(done.filter((o) => o.status === 'REJECTED')).toHaveLength(35);
    // A confirmed order's units turn from reserved to sold when inventory's sales consumer gets to it (paced: up to DOMS_RECORD_LINGER later).
    const sold = await waitFor(
      async () => {
        const [level] = await stock.get([p]);
        return level?.reserved === 0 && level;
      },
      { what: 'the sales to be settled' },
    );
    expect(sold).toMatchObject({ available: 0, reserved: 0, sold: 5, added: 5 });

    // Multi-item orders compete for two products; each is all or nothing.
    const [a, b] = [randomUUID(), randomUUID()];
    await stock.seed({ [a]: 6, [b]: 3 });
    const multi = await Promise.all(
      Array.from({ length: 12 }, (_, i) => placeOrder(() => saga.target, { userId: randomUUID(), amount: 2, items: i % 2 ? { [a]: 2, [b]: 1 } : { [a]: 1 } })),
    );
    const settled = await finished(saga.target, multi);
    const levels = await waitFor(
      async () => {
        const now = await stock.get([a, b]);
        return now.every((l) => l?.reserved === 0) && now;
      },
      { what: 'the sales of both products to be settled' },
    );
    const soldA = settled.filter((o) => o.status === 'CONFIRMED').reduce((n, o) => n + (o.items[a] ?? 0), 0);
    const soldB = settled.filter((o) => o.status === 'CONFIRMED').reduce((n, o) => n + (o.items[b] ?? 0), 0);
    expect(levels[0]).toMatchObject({ sold: soldA, available: 6 - soldA, reserved: 0 });
    expect(levels[1]).toMatchObject({ sold: soldB, available: 3 - soldB, reserved: 0 });
    expect(soldA).toBeLessThanOrEqual(6);
    expect(soldB).toBeLessThanOrEqual(3);
    const verified = await saga.doms(['verify', '--wait', '20s']);
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
  });
});

describe('when every payment fails', () => {
  it('gives every reserved unit back and cancels every order', async () => {
    const saga = new Saga(['--failure-rate', '1']);
    await saga.start('all');
    const [a, b] = [randomUUID(), randomUUID()];
    await stock.seed({ [a]: 100, [b]: 100 });
    const orders = await Promise.all(
      Array.from({ length: 20 }, (_, i) => placeOrder(() => saga.target, { userId: randomUUID(), amount: 9, items: { [a]: 1 + (i % 3), [b]: 1 } })),
    );
    const done = await finished(saga.target, orders);
    expect(done.every((o) => o.status === 'CANCELLED')).toBe(true);
    expect(await stock.get([a, b])).toEqual([
      { productId: a, available: 100, reserved: 0, sold: 0, added: 100 },
      { productId: b, available: 100, reserved: 0, sold: 0, added: 100 },
    ]);
    const verified = await saga.doms(['verify', '--wait', '20s']);
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
  });
});
