import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Cluster } from 'ioredis';
import { connectRedis } from '../../src/infra/redis.ts';
import { RedisClusterStockStore, clusterStockKeys } from '../../src/services/inventory/redis-cluster-stock-store.ts';
import { silentLogger } from '../../src/infra/log.ts';
import { redisStockStore } from '../../src/services/inventory/redis-stock-store.ts';
import type { Order } from '../../src/services/order/order-store.ts';
import { faultsFound, reportFaultFigures, type FaultPhase } from '../helpers/fault-figures.ts';
import { FaultNotObserved, expectKilled, expectStopped, processState, type FaultObserved } from '../helpers/fault-proof.ts';
import { getOrder, placeOrder } from '../helpers/orders.ts';
import { startRedisCluster } from '../helpers/redis-cluster.ts';
import { waitFor } from '../helpers/wait.ts';
import { freePort, Saga } from '../helpers/workers.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const TERMINAL = ['CONFIRMED', 'REJECTED', 'CANCELLED'];

/** The node ids and slot counts of the primaries, from CLUSTER NODES. */
async function primaries(cli: (port: number, ...args: string[]) => Promise<string>, port: number) {
  return (await cli(port, 'CLUSTER', 'NODES'))
    .trim()
    .split('\n')
    .map((line) => line.split(' '))
    .filter((f) => f[2]!.includes('master') && !f[2]!.includes('fail'))
    .map((f) => ({
      id: f[0]!,
      port: Number(f[1]!.split(':')[1]!.split('@')[0]),
      slots: f.slice(8).reduce((n, range) => {
        const [a, b] = range.split('-').map(Number);
        return range.startsWith('[') ? n : n + (b ?? a!) - a! + 1;
      }, 0),
    }));
}

describe('a Redis Cluster under the saga', () => {
  it('loses and duplicates nothing with two instances of every service through a primary killed (its replica promoted) and slots moved', async () => {
    const cluster = await startRedisCluster();
    try {
      const saga = new Saga(['--failure-rate', '0.3', '--latency', '5ms'], { ownRedisNamespace: true, redisUrl: cluster.url });
      saga.env.DOMS_PARTITIONS = '4';
      const ports = [await freePort(), await freePort()];
      for (const port of ports) await saga.start('order', ['--port', String(port)]);
      for (const service of ['inventory', 'payment', 'notification']) for (let i = 0; i < 2; i++) await saga.start(service);
      // Products spread over the shards; the last one runs out, so some orders are rejected.
      const products = Array.from({ length: 6 }, () => randomUUID());
      const redis = await connectRedis(cluster.url, silentLogger);
      await redisStockStore(redis, saga.redisNamespace).seed(Object.fromEntries(products.map((p, i) => [p, i === 5 ? 40 : 5000])));
      redis.disconnect();

      const target = () => `http://127.0.0.1:${ports[Math.floor(Math.random() * ports.length)]}`;
      const placed: Promise<Order>[] = [];
      let stop = false;
      const streaming = (async () => {
        while (!stop) {
          const n = placed.length;
          const items = { [products[n % 6]!]: 1 + (n % 2), [products[(n + 1) % 6]!]: 1 };
          placed.push(placeOrder(target, { userId: randomUUID(), amount: 20, items }, { timeout: 90_000 }));
          await sleep(50);
        }
      })();
      const streamStart = Date.now();
      const stretches: Omit<FaultPhase, 'load'>[] = [];
      const phase = async (name: string, run: (blow: () => void) => Promise<FaultObserved>) => {
        const stretch: Omit<FaultPhase, 'load'> = { scenario: `redis cluster: ${name}`, from: Date.now(), events: [], observed: {} };
        stretch.observed = await run(() => stretch.events!.push(Date.now()));
        stretches.push(stretch);
      };
      await sleep(5_000);

      // 1. A primary killed with -9: its replica must take over its slots, and the saga go on.
      await phase('kill -9 of a primary, its replica promoted', async (blow) => {
        const before = await primaries(cluster.cli, cluster.ports[1]!);
        const victim = before[0]!;
        const pid = cluster.pid(victim.port);
        blow();
        process.kill(pid, 'SIGKILL');
        await waitFor(() => expectKilled(pid, 'the primary'), { timeout: 5_000, what: 'fault not observed: the killed primary gone' });
        const promoted = await waitFor(
          async () => {
            const now = await primaries(
              cluster.cli,
              cluster.ports.find((p) => p !== victim.port)!,
            );
            return now.length === 3 && !now.some((n) => n.id === victim.id) && now.find((n) => !before.some((b) => b.id === n.id));
          },
          { timeout: 30_000, interval: 200, what: `fault not observed: a replica promoted in place of the killed primary ${victim.port}` },
        );
        await sleep(5_000);
        return { killedPrimaryPort: victim.port, [`primary pid ${pid}`]: 'gone', promotedPort: promoted.port, promotedSlots: promoted.slots };
      });

      // 2. 1,000 slots moved from one primary to another while orders flow (keys migrate; clients follow MOVED/ASK).
      await phase('1,000 slots moved between primaries', async (blow) => {
        const [from, to] = await primaries(
          cluster.cli,
          cluster.ports.find((p) => p !== stretches[0]!.observed.killedPrimaryPort)!,
        );
        blow();
        await cluster.cli(
          to!.port,
          '--cluster',
          'reshard',
          `127.0.0.1:${to!.port}`,
          '--cluster-from',
          from!.id,
          '--cluster-to',
          to!.id,
          '--cluster-slots',
          '1000',
          '--cluster-yes',
        );
        const after = await primaries(cluster.cli, to!.port);
        const moved = after.find((n) => n.id === to!.id)!.slots - to!.slots;
        if (moved !== 1000) throw new FaultNotObserved(`1,000 slots moved to ${to!.port}: it holds ${moved} more`);
        await sleep(5_000);
        return { slotsMoved: moved, fromPort: from!.port, toPort: to!.port };
      });

      stop = true;
      await streaming;
      const streamSeconds = (Date.now() - streamStart) / 1000;
      const orders = await Promise.all(placed);
      const verified = await saga.doms(['verify', '--wait', '120s', '--max-in-flight', '120s', '--json'], { timeout: 150_000 });
      expect(verified.code, `${verified.stdout}${verified.stderr}\n--- workers ---\n${saga.output.slice(-4000)}`).toBe(0);
      const final = await Promise.all(orders.map((o) => getOrder(target(), o.id)));
      expect(final.filter((o) => !TERMINAL.includes(o.status)).map((o) => `${o.id} ${o.status}`)).toEqual([]);
      expect(
        final.some((o) => o.status === 'REJECTED'),
        'the scarce product ran out',
      ).toBe(true);

      const load = `${Math.round(orders.length / streamSeconds)}/s`;
      const rows = await reportFaultFigures(
        saga,
        stretches.map((s) => ({ ...s, load })),
        { placed: orders, products, verify: verified },
      );
      expect(faultsFound(rows)).toEqual([]);
    } finally {
      await cluster.stop();
    }
  }, 300_000);

  it('never acts on a write a failover can lose: a primary whose replica lags is waited for (WAIT), and what it acknowledged alone is lost', async () => {
    const cluster = await startRedisCluster();
    const redis = await connectRedis(cluster.url, silentLogger);
    let replicaPid = 0;
    try {
      const ns = `w${randomUUID().slice(0, 8)}`;
      const store = new RedisClusterStockStore(redis, ns);
      const product = randomUUID();
      await store.seed({ [product]: 10 });
      const slot = (await redis.call('CLUSTER', 'KEYSLOT', clusterStockKeys(ns).stock(product))) as number;
      const nodes = await cluster.nodes(cluster.ports[0]!);
      const primary = nodes.find((n) => n.role === 'master' && n.slots.some(([a, b]) => a <= slot && slot <= b))!;
      const replica = nodes.find((n) => n.masterId === primary.id)!;

      // The product's replica frozen: its primary acknowledges writes that reach no replica.
      replicaPid = cluster.pid(replica.port);
      process.kill(replicaPid, 'SIGSTOP');
      await waitFor(() => processState(replicaPid) === 'T', { timeout: 5_000, what: 'fault not observed: the replica frozen (state T)' });
      // A write acknowledged by the primary alone (what the saga's store must never act on) ... behind
      // 64 MiB of others, more than the frozen replica's socket can buffer, so it is still in the primary's
      // output buffer when the primary dies.
      const filler = 'x'.repeat(16 * 1024 * 1024);
      for (let i = 0; i < 4; i++) await (redis as Cluster).set(`${ns}:filler${i}:{${product}}`, filler);
      const marker = `${ns}:marker:{${product}}`;
      await (redis as Cluster).set(marker, 'acknowledged');
      // ... and the store's reservation, which waits for the replica and so fails (transient: it is retried).
      const order = randomUUID();
      const started = Date.now();
      await expect(store.reserve(order, { [product]: 1 }, null)).rejects.toThrow(/no replica confirmed|no answer to WAIT/);
      expect(Date.now() - started).toBeGreaterThanOrEqual(1_500);
      expect(await store.reservations([order])).toEqual([undefined]);

      // The primary dies; the replica wakes and takes over without the writes it never received.
      const primaryPid = cluster.pid(primary.port);
      expectStopped(replicaPid, 'the frozen replica');
      process.kill(primaryPid, 'SIGKILL');
      await waitFor(() => expectKilled(primaryPid, 'the primary'), { timeout: 5_000, what: 'fault not observed: the primary gone' });
      process.kill(replicaPid, 'SIGCONT');
      await waitFor(async () => (await cluster.role(replica.port)) === 'master', {
        timeout: 60_000,
        interval: 250,
        what: `fault not observed: the replica ${replica.port} promoted`,
      });
      // The acknowledged write is gone: this is what asynchronous replication can lose.
      await waitFor(async () => ((await (redis as Cluster).exists(marker)) === 0 ? true : undefined), {
        timeout: 30_000,
        interval: 250,
        what: 'the client to read the promoted replica',
      });
      // The store's retry (the saga's, after the transient error) reserves on the promoted replica, once.
      const retried = await waitFor(() => store.reserve(order, { [product]: 1 }, null).catch(() => undefined), {
        timeout: 30_000,
        interval: 500,
        what: 'the reservation retried after the failover',
      });
      expect(retried).toMatchObject({ outcome: 'reserved' });
      expect(await store.get([product])).toEqual([{ productId: product, available: 9, reserved: 1, sold: 0, added: 10 }]);
      expect(await store.sell(order)).toEqual({ outcome: 'sold' });
      expect(await store.get([product])).toEqual([{ productId: product, available: 9, reserved: 0, sold: 1, added: 10 }]);
    } finally {
      if (replicaPid) process.kill(replicaPid, 'SIGCONT');
      redis.disconnect();
      await cluster.stop();
    }
  }, 180_000);
});
