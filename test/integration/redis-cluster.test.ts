import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRedis, type RedisClient } from '../../src/infra/redis.ts';
import { silentLogger } from '../../src/infra/log.ts';
import { RedisClusterStockStore } from '../../src/services/inventory/redis-cluster-stock-store.ts';
import { RedisStockStore, redisStockStore } from '../../src/services/inventory/redis-stock-store.ts';
import { RedisNotificationLedger } from '../../src/services/notification/redis-ledger.ts';
import { RedisPaymentLedger } from '../../src/services/payment/redis-ledger.ts';
import { sagaContract } from '../contract/saga.contract.ts';
import { stockStoreContract } from '../contract/stock-store.contract.ts';
import { startRedisCluster, type TestRedisCluster } from '../helpers/redis-cluster.ts';
import { realHarness } from '../helpers/saga-harness.ts';

// The stores on a real six-node Redis Cluster (three primaries, three replicas), where a script or a
// pipeline that spans slots fails with CROSSSLOT: every key and multi-key command must be cluster-safe.
let cluster: TestRedisCluster;
let redis: RedisClient;
beforeAll(async () => {
  cluster = await startRedisCluster();
  redis = await connectRedis(cluster.url, silentLogger);
}, 60_000);
afterAll(async () => {
  redis?.disconnect();
  await cluster?.stop();
});

sagaContract('Kafka, a Redis Cluster and PostgreSQL', () => realHarness(cluster.url));

stockStoreContract('redis cluster', () => new RedisClusterStockStore(redis, `t${randomUUID().slice(0, 8)}`));

describe('on a Redis Cluster', () => {
  const ids = (n: number) => Array.from({ length: n }, () => randomUUID());

  it('connects from a redis+cluster:// URL and picks the cluster stock store', async () => {
    expect(redis.isCluster).toBe(true);
    expect(redisStockStore(redis)).toBeInstanceOf(RedisClusterStockStore);
    // The keys of a chunk really do spread over the three primaries.
    const slots = new Set(ids(30).map((id) => `{${id}}`));
    const owners = new Set(
      await Promise.all([...slots].map(async (tag) => Math.floor(((await redis.call('CLUSTER', 'KEYSLOT', tag)) as number) / (16384 / 3)))),
    );
    expect(owners.size).toBe(3);
  });

  it("refuses the single-server store's scripts, which span slots (what the cluster store exists for)", async () => {
    const single = new RedisStockStore(redis as never, `t${randomUUID().slice(0, 8)}`);
    await expect(single.seed({ [randomUUID()]: 1, [randomUUID()]: 1 })).rejects.toThrow(/CROSSSLOT|same slot/);
  });

  it('reserves an order whose products live on different shards, all or nothing', async () => {
    const store = new RedisClusterStockStore(redis, `t${randomUUID().slice(0, 8)}`);
    const products = ids(12);
    await store.seed(Object.fromEntries(products.map((p, i) => [p, i === 11 ? 0 : 5])));
    const ok = await store.reserve(randomUUID(), Object.fromEntries(products.slice(0, 11).map((p) => [p, 2])), null);
    expect(ok.outcome).toBe('reserved');
    const short = await store.reserve(randomUUID(), Object.fromEntries(products.map((p) => [p, 1])), null);
    expect(short).toMatchObject({ outcome: 'rejected', shortages: [{ productId: products[11], requested: 1, available: 0 }] });
    // The rejected order's holds on the other eleven products were given back.
    expect((await store.get(products.slice(0, 11))).map((l) => l?.available)).toEqual(Array(11).fill(3));
    expect((await store.get(products.slice(0, 11))).map((l) => l?.reserved)).toEqual(Array(11).fill(2));
  });

  it('records each payment once per order and reads them back across slots', async () => {
    const ledger = new RedisPaymentLedger(redis, `t${randomUUID().slice(0, 8)}`, 60_000);
    const orders = ids(40);
    const first = await ledger.recordOnce(orders.map((orderId) => ({ orderId, outcome: { status: 'success' as const, paymentId: orderId } })));
    const again = await ledger.recordOnce(orders.map((orderId) => ({ orderId, outcome: { status: 'failed' as const, reason: 'declined' } })));
    expect(again).toEqual(first);
    expect(await ledger.get([...orders, randomUUID()])).toEqual([...first, undefined]);
  });

  it('claims each notification once per order and reads them back across slots', async () => {
    const ledger = new RedisNotificationLedger(redis, `t${randomUUID().slice(0, 8)}`);
    const orders = ids(40);
    expect(await ledger.claim(orders.map((orderId) => ({ orderId, outcome: 'CONFIRMED' as const })))).toEqual(Array(40).fill(true));
    expect(await ledger.claim(orders.map((orderId) => ({ orderId, outcome: 'CONFIRMED' as const })))).toEqual(Array(40).fill(false));
    expect(await ledger.notified(orders)).toEqual(Array(40).fill('CONFIRMED'));
  });
});
