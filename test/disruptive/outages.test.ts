import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { RedisStockStore } from '../../src/services/inventory/redis-stock-store.ts';
import type { Order } from '../../src/services/order/order-store.ts';
import { REPO_ROOT, testEnv } from '../helpers/env.ts';
import { faultsFound, reportFaultFigures } from '../helpers/fault-figures.ts';
import { getOrder, placeOrder } from '../helpers/orders.ts';
import { waitFor } from '../helpers/wait.ts';
import { Saga } from '../helpers/workers.ts';

// These tests stop the shared broker, so they run alone, after every other test (vitest project "disruptive").
const redis = new Redis(testEnv.redisUrl);
afterAll(async () => {
  await redis.quit();
});

const stack = (...args: string[]) => execFileSync('bash', ['scripts/stack.sh', ...args], { cwd: REPO_ROOT, stdio: 'inherit', timeout: 180_000 });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function placeMany(saga: Saga, n: number, product: string): Promise<Order[]> {
  return Promise.all(Array.from({ length: n }, (_, i) => placeOrder(() => saga.target, { userId: randomUUID(), amount: 5 + i, items: { [product]: 1 } })));
}

describe('outages', () => {
  it('loses no order and leaves none stuck when the broker is down for longer than the clients retry', async () => {
    const saga = new Saga(['--failure-rate', '0.3', '--seed', 'outage']);
    const worker = await saga.start('all');
    const product = randomUUID();
    await new RedisStockStore(redis).seed({ [product]: 1000 });
    const before = await placeMany(saga, 10, product);
    await waitFor(
      async () => (await Promise.all(before.map((o) => getOrder(saga.target, o.id)))).every((o) => o.status !== 'CREATED' && o.status !== 'RESERVED'),
      { what: 'the first orders to finish' },
    );

    const downAt = Date.now();
    stack('down');
    // Orders keep being accepted while Kafka is away: they wait in the outbox.
    const during = await placeMany(saga, 10, product);
    expect(during.every((o) => o.status === 'CREATED')).toBe(true);
    // Longer than kafkajs's retry budget (about 9 s by default) and the consumer session (10 s).
    await sleep(20_000);
    expect(worker.child.exitCode).toBeNull();
    const upAt = Date.now();
    stack('up');

    const after = await placeMany(saga, 10, product);
    const verified = await saga.doms(['verify', '--wait', '120s', '--max-in-flight', '120s', '--json'], { timeout: 180_000 });
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
    const all = await Promise.all([...before, ...during, ...after].map((o) => getOrder(saga.target, o.id)));
    expect(all.every((o) => ['CONFIRMED', 'CANCELLED'].includes(o.status))).toBe(true);
    expect(worker.child.exitCode).toBeNull();
    const figures = await reportFaultFigures(
      saga,
      [{ scenario: 'outages: the broker down for 20 s', load: '3 × 10 orders', from: downAt, events: [downAt, upAt] }],
      { placed: [...before, ...during, ...after], products: [product], verify: verified },
    );
    expect(faultsFound(figures)).toEqual([]);
  }, 300_000);

  it('keeps going when every PostgreSQL and Redis connection is cut mid-stream', async () => {
    const saga = new Saga(['--failure-rate', '0.3', '--seed', 'cuts']);
    const worker = await saga.start('all');
    const product = randomUUID();
    await new RedisStockStore(redis).seed({ [product]: 1000 });
    const first = placeMany(saga, 20, product);

    const admin = new pg.Client({ connectionString: testEnv.postgresUrl });
    await admin.connect();
    const cutAt = Date.now();
    try {
      await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [saga.database]);
    } finally {
      await admin.end();
    }
    await redis.client('KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
    const orders = [...(await first), ...(await placeMany(saga, 20, product))];

    const verified = await saga.doms(['verify', '--wait', '60s', '--max-in-flight', '60s', '--json'], { timeout: 90_000 });
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
    expect((await Promise.all(orders.map((o) => getOrder(saga.target, o.id)))).every((o) => ['CONFIRMED', 'CANCELLED'].includes(o.status))).toBe(true);
    expect(worker.child.exitCode).toBeNull();
    const figures = await reportFaultFigures(
      saga,
      [{ scenario: 'outages: every PostgreSQL and Redis connection cut', load: '2 × 20 orders', from: cutAt, events: [cutAt] }],
      { placed: orders, products: [product], verify: verified },
    );
    expect(faultsFound(figures)).toEqual([]);
  }, 180_000);
});
