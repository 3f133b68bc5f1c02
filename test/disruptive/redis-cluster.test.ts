import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { connectRedis } from '../../src/infra/redis.ts';
import { silentLogger } from '../../src/infra/log.ts';
import { redisStockStore } from '../../src/services/inventory/redis-stock-store.ts';
import type { Order } from '../../src/services/order/order-store.ts';
import { faultsFound, reportFaultFigures, type FaultPhase } from '../helpers/fault-figures.ts';
import { FaultNotObserved, expectKilled, type FaultObserved } from '../helpers/fault-proof.ts';
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
});
