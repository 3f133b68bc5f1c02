import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { RedisStockStore } from '../../src/services/inventory/redis-stock-store.ts';
import { RedisNotificationLedger } from '../../src/services/notification/redis-ledger.ts';
import { RedisPaymentLedger } from '../../src/services/payment/redis-ledger.ts';
import type { Order } from '../../src/services/order/order-store.ts';
import { testEnv } from '../helpers/env.ts';
import { getOrder, placeOrder } from '../helpers/orders.ts';
import { waitFor } from '../helpers/wait.ts';
import { Saga } from '../helpers/workers.ts';

const redis = new Redis(testEnv.redisUrl);
/** Namespaces the store-level tests wrote under; the sagas remove their own in teardown. */
const namespaces: string[] = [];
afterAll(async () => {
  for (const ns of namespaces) {
    const keys = await redis.keys(`${ns}:*`);
    if (keys.length > 0) await redis.unlink(...keys);
  }
  await redis.quit();
});

const DAY = 86_400_000;
const HOUR = 3_600_000;

function namespace(): string {
  const ns = `t${randomUUID().slice(0, 8)}.doms`;
  namespaces.push(ns);
  return ns;
}

/** The key's remaining time to live in ms: -1 when it never expires, -2 when it is not there. */
const pttl = (key: string) => redis.pttl(key);

describe('the Redis stores under a namespace, with a ledger TTL', () => {
  it('let a settled or rejected reservation expire, but never one still RESERVED, nor the stock', async () => {
    const ns = namespace();
    const stock = new RedisStockStore(redis, ns, HOUR);
    const p = randomUUID();
    await stock.seed({ [p]: 2 });
    const [sold, released, rejected] = [randomUUID(), randomUUID(), randomUUID()];
    await stock.reserveMany(
      [
        { orderId: sold, items: { [p]: 1 } },
        { orderId: released, items: { [p]: 1 } },
        { orderId: rejected, items: { [p]: 5 } },
      ],
      null,
    );
    expect(await pttl(`${ns}:reservation:${sold}`)).toBe(-1);
    expect(await pttl(`${ns}:reservation:${released}`)).toBe(-1);
    const rejectedTtl = await pttl(`${ns}:reservation:${rejected}`);
    expect(rejectedTtl).toBeGreaterThan(HOUR - 60_000);
    expect(rejectedTtl).toBeLessThanOrEqual(HOUR);

    await stock.sellMany([sold]);
    await stock.releaseMany([released]);
    for (const id of [sold, released]) {
      const ttl = await pttl(`${ns}:reservation:${id}`);
      expect(ttl).toBeGreaterThan(HOUR - 60_000);
      expect(ttl).toBeLessThanOrEqual(HOUR);
    }
    expect(await pttl(`${ns}:stock:${p}`)).toBe(-1);
    expect(await pttl(`${ns}:products`)).toBe(-1);
    expect(await stock.reservations([sold, released, rejected])).toEqual(['SOLD', 'RELEASED', 'REJECTED']);
  });

  it('give payment and notification records the TTL when first written, and a repeat does not renew it', async () => {
    const ns = namespace();
    const payments = new RedisPaymentLedger(redis, ns, 2 * DAY);
    const notifications = new RedisNotificationLedger(redis, ns, 2 * DAY);
    const order = randomUUID();
    await payments.recordOnce([{ orderId: order, outcome: { status: 'success', paymentId: randomUUID() } }]);
    expect(await notifications.claim([{ orderId: order, outcome: 'CONFIRMED' }])).toEqual([true]);
    for (const key of [`${ns}:payment:${order}`, `${ns}:notified:${order}`]) {
      expect(await pttl(key)).toBeGreaterThan(2 * DAY - 60_000);
      await redis.pexpire(key, 100_000);
    }
    const [first] = await payments.get([order]);
    expect(await payments.recordOnce([{ orderId: order, outcome: { status: 'failed', reason: 'declined' } }])).toEqual([first]);
    expect(await notifications.claim([{ orderId: order, outcome: 'CONFIRMED' }])).toEqual([false]);
    expect(await pttl(`${ns}:payment:${order}`)).toBeLessThanOrEqual(100_000);
    expect(await pttl(`${ns}:notified:${order}`)).toBeLessThanOrEqual(100_000);
  });

  it('keep records for ever with a TTL of 0, and keep two namespaces apart', async () => {
    const [a, b] = [namespace(), namespace()];
    const order = randomUUID();
    await new RedisPaymentLedger(redis, a, 0).recordOnce([{ orderId: order, outcome: { status: 'failed', reason: 'declined' } }]);
    await new RedisNotificationLedger(redis, a, 0).claim([{ orderId: order, outcome: 'CANCELLED' }]);
    expect(await pttl(`${a}:payment:${order}`)).toBe(-1);
    expect(await pttl(`${a}:notified:${order}`)).toBe(-1);
    expect(await new RedisPaymentLedger(redis, b).get([order])).toEqual([undefined]);

    const p = randomUUID();
    await new RedisStockStore(redis, a).seed({ [p]: 3 });
    expect(await new RedisStockStore(redis, b).get([p])).toEqual([undefined]);
    expect(await new RedisStockStore(redis, b).list()).toEqual([]);
  });
});

interface VerifyJson {
  ok: boolean;
  counts: { orders: number };
  violations: { invariant: string; subject: string }[];
  notJudged: { beforeSince: number; since?: string; beforeLedgerRetention: number };
}

async function finished(saga: Saga, id: string): Promise<Order> {
  return waitFor(
    async () => {
      const order = await getOrder(saga.target, id);
      return ['CONFIRMED', 'REJECTED', 'CANCELLED'].includes(order.status) ? order : undefined;
    },
    { timeout: 30_000, what: `order ${id} to end` },
  );
}

async function verifyJson(saga: Saga, args: string[]): Promise<{ code: number | null; report: VerifyJson }> {
  const run = await saga.doms(['verify', '--json', ...args]);
  expect(run.stderr, 'doms verify ran').toBe('');
  return { code: run.code, report: JSON.parse(run.stdout) as VerifyJson };
}

describe('two sagas side by side, each with its own topic prefix', () => {
  it('do not share stock: each has its own Redis keys, whose ledger records expire, and verify judges each apart', async () => {
    const [a, b] = [new Saga(['--failure-rate', '0'], { ownRedisNamespace: true }), new Saga(['--failure-rate', '0'], { ownRedisNamespace: true })];
    expect(a.redisNamespace).toBe(`${a.prefix}doms`);
    await Promise.all([a.start('all'), b.start('all')]);

    const p = randomUUID();
    const seeded = await a.doms(['stock', 'seed', `${p}=1`]);
    expect(seeded.code, seeded.stderr).toBe(0);
    const inB = await b.doms(['stock', 'get', p, '--json']);
    expect(JSON.parse(inB.stdout)).toEqual([{ productId: p, unknown: true }]);

    // The same product ordered in both: only the saga that was given stock has any.
    const [ordered, refused] = await Promise.all([
      placeOrder(() => a.target, { userId: randomUUID(), amount: 1, items: { [p]: 1 } }),
      placeOrder(() => b.target, { userId: randomUUID(), amount: 1, items: { [p]: 1 } }),
    ]);
    expect((await finished(a, ordered.id)).status).toBe('CONFIRMED');
    expect((await finished(b, refused.id)).status).toBe('REJECTED');
    expect(await redis.exists(`${a.redisNamespace}:stock:${p}`, `doms:stock:${p}`, `${b.redisNamespace}:stock:${p}`)).toBe(1);

    // Every ledger record gets the default TTL (7 days); the stock none.
    const records = [
      `${a.redisNamespace}:reservation:${ordered.id}`,
      `${a.redisNamespace}:payment:${ordered.id}`,
      `${a.redisNamespace}:notified:${ordered.id}`,
      `${b.redisNamespace}:reservation:${refused.id}`,
      `${b.redisNamespace}:notified:${refused.id}`,
    ];
    await waitFor(async () => (await redis.exists(...records)) === records.length, { timeout: 30_000, what: 'every ledger record to be written' });
    for (const key of records) {
      const ttl = await pttl(key);
      expect(ttl, key).toBeGreaterThan(7 * DAY - HOUR);
      expect(ttl, key).toBeLessThanOrEqual(7 * DAY);
    }
    expect(await pttl(`${a.redisNamespace}:stock:${p}`)).toBe(-1);

    // Each saga's verify reads its own database and Redis namespace: B has no products, A one.
    const [inA, ofB] = await Promise.all([verifyJson(a, ['--wait', '20s']), verifyJson(b, ['--wait', '20s'])]);
    expect(inA.report.violations).toEqual([]);
    expect(ofB.report.violations).toEqual([]);
    expect([inA.report.counts, ofB.report.counts]).toEqual([
      { orders: 1, terminal: 1, inFlight: 0, products: 1 },
      { orders: 1, terminal: 1, inFlight: 0, products: 0 },
    ]);

    // Lose the first order's notification record: verify finds it once the order is past --max-in-flight…
    await redis.del(`${a.redisNamespace}:notified:${ordered.id}`);
    const broken = await waitFor(
      async () => {
        const r = await verifyJson(a, ['--max-in-flight', '1s']);
        return r.code === 1 ? r : undefined;
      },
      { timeout: 30_000, interval: 200, what: 'verify to find the lost notification' },
    );
    expect(broken.report.violations).toEqual([expect.objectContaining({ invariant: 'I5', subject: ordered.id })]);

    // …but not with --since after it: only the orders from then on are judged.
    const since = new Date().toISOString();
    const q = randomUUID();
    expect((await a.doms(['stock', 'seed', `${q}=1`])).code).toBe(0);
    const later = await placeOrder(() => a.target, { userId: randomUUID(), amount: 1, items: { [q]: 1 } });
    expect((await finished(a, later.id)).status).toBe('CONFIRMED');
    const windowed = await verifyJson(a, ['--since', since, '--max-in-flight', '1s', '--wait', '20s']);
    expect(windowed.report.violations).toEqual([]);
    expect(windowed.code).toBe(0);
    expect(windowed.report.counts.orders).toBe(1);
    expect(windowed.report.notJudged).toMatchObject({ beforeSince: 1, since });

    // Nor when the lost record would have expired anyway: orders past the ledger TTL are not asked for theirs.
    const expired = await verifyJson(a, ['--ledger-ttl', '1s', '--max-in-flight', '1s']);
    expect(expired.report.violations).toEqual([]);
    expect(expired.report.notJudged.beforeLedgerRetention).toBeGreaterThanOrEqual(1);
  }, 240_000);
});
