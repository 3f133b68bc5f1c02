import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { RedisStockStore } from '../../src/services/inventory/redis-stock-store.ts';
import type { Order } from '../../src/services/order/order-store.ts';
import { SERVICE_NAMES } from '../../src/services/registry.ts';
import { testEnv } from '../helpers/env.ts';
import { getOrder, placeOrder } from '../helpers/orders.ts';
import { Saga } from '../helpers/workers.ts';

const redis = new Redis(testEnv.redisUrl);
afterAll(async () => {
  await redis.quit();
});

const between = (min: number, max: number) => min + Math.random() * (max - min);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('crashes', () => {
  it('loses and duplicates nothing when each worker is killed with SIGKILL under load and restarted', async () => {
    const saga = new Saga(['--failure-rate', '0.3', '--latency', '5ms']);
    const workers = new Map<string, Awaited<ReturnType<Saga['start']>>>();
    for (const service of SERVICE_NAMES) workers.set(service, await saga.start(service));
    const products = [randomUUID(), randomUUID(), randomUUID()];
    await new RedisStockStore(redis).seed({ [products[0]!]: 1000, [products[1]!]: 1000, [products[2]!]: 40 });

    // A steady stream of 240 orders (about 20/s, so 12 s or more on a busy machine) from a client that
    // retries with an Idempotency-Key. A count, not a time: a slow machine sends them later, not fewer.
    const ORDERS = 240;
    const placed: Promise<Order>[] = [];
    const streaming = (async () => {
      while (placed.length < ORDERS) {
        placed.push(placeOrder(() => saga.target, { userId: randomUUID(), amount: 20, items: { [products[placed.length % 3]!]: 1 + (placed.length % 3) } }));
        await sleep(50);
      }
    })();

    // Kill each worker in turn at a random moment, without warning, and start it again.
    for (const service of SERVICE_NAMES) {
      await sleep(between(500, 2000));
      const victim = workers.get(service)!;
      victim.child.kill('SIGKILL');
      await victim.exited;
      workers.set(service, await saga.start(service));
    }
    await streaming;
    const orders = await Promise.all(placed);
    expect(orders.length).toBe(ORDERS);

    const verified = await saga.doms(['verify', '--wait', '90s', '--max-in-flight', '90s'], { timeout: 120_000 });
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
    const final = await Promise.all(orders.map((o) => getOrder(saga.target, o.id)));
    expect(final.every((o) => ['CONFIRMED', 'REJECTED', 'CANCELLED'].includes(o.status))).toBe(true);
    // Exactly one order per request, despite the retries while the order service was down.
    expect(new Set(final.map((o) => o.id)).size).toBe(orders.length);
  }, 180_000);
});
