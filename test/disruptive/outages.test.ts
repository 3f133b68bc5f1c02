import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { RedisStockStore } from '../../src/services/inventory/redis-stock-store.ts';
import type { Order } from '../../src/services/order/order-store.ts';
import { testEnv } from '../helpers/env.ts';
import { faultsFound, reportFaultFigures } from '../helpers/fault-figures.ts';
import { FaultNotObserved, connectionsOpenedSince, expectKilled, expectProduceFails, linesSince, probePort } from '../helpers/fault-proof.ts';
import { OwnBroker } from '../helpers/own-broker.ts';
import { getOrder, placeOrder } from '../helpers/orders.ts';
import { waitFor } from '../helpers/wait.ts';
import { Saga } from '../helpers/workers.ts';

// These tests cut every connection to the machine's PostgreSQL and Redis, so they run alone, after
// every other test (vitest project "disruptive"). The broker they stop is one of their own.
const redis = new Redis(testEnv.redisUrl);
let broker: OwnBroker | undefined;
let brokerSaga: Saga | undefined;
afterAll(async () => {
  await redis.quit();
  // The saga's topics go before its broker does (the workers module's own clean-up would come after).
  await brokerSaga?.teardown();
  await broker?.down('--purge');
}, 120_000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function placeMany(saga: Saga, n: number, product: string): Promise<Order[]> {
  return Promise.all(Array.from({ length: n }, (_, i) => placeOrder(() => saga.target, { userId: randomUUID(), amount: 5 + i, items: { [product]: 1 } })));
}

describe('outages', () => {
  it('loses no order and leaves none stuck when the broker is down for longer than the clients retry', async () => {
    // Its own broker, so the outage happens whoever started the one on KAFKA_BROKERS.
    broker = await OwnBroker.create('outage-broker');
    await broker.down('--purge');
    await broker.up();
    const saga = (brokerSaga = new Saga(['--failure-rate', '0.3', '--seed', 'outage']));
    saga.env.KAFKA_BROKERS = broker.address;
    const worker = await saga.start('all');
    const product = randomUUID();
    await new RedisStockStore(redis).seed({ [product]: 1000 });
    const before = await placeMany(saga, 10, product);
    await waitFor(
      async () => (await Promise.all(before.map((o) => getOrder(saga.target, o.id)))).every((o) => o.status !== 'CREATED' && o.status !== 'RESERVED'),
      { what: 'the first orders to finish' },
    );

    const pid = broker.pid();
    if (pid === undefined) throw new FaultNotObserved(`the test's broker on ${broker.address} has no pid file: it cannot be stopped`);
    const mark = worker.output.length;
    const downAt = Date.now();
    await broker.down();
    // Down, as seen from outside the broker: its process gone, its port refusing, a produce failing.
    expectKilled(pid, 'the broker');
    if ((await probePort(broker.port)) !== 'refused') throw new FaultNotObserved(`port ${broker.port} still answers after the broker was stopped`);
    const downSeenAt = Date.now();
    const produceFailed = await expectProduceFails([broker.address], `${saga.prefix}fault-proof`);
    // Orders keep being accepted while Kafka is away: they wait in the outbox.
    const during = await placeMany(saga, 10, product).catch((e: unknown) => {
      throw new Error(`${(e as Error).message}\n--- worker (exit ${worker.child.exitCode}) ---\n${worker.output.slice(-4000)}`);
    });
    expect(during.every((o) => o.status === 'CREATED')).toBe(true);
    // Longer than kafkajs's retry budget (about 9 s by default) and the consumer session (10 s); the
    // port is probed every second throughout: nothing may have brought a broker back meanwhile.
    let refusedProbes = 0;
    while (Date.now() < downAt + 20_000) {
      await sleep(1_000);
      const probe = await probePort(broker.port);
      if (probe !== 'refused') throw new FaultNotObserved(`port ${broker.port} answered (${probe}) ${Date.now() - downAt} ms into the outage`);
      refusedProbes++;
    }
    expect(worker.child.exitCode, `the worker exited during the outage:\n${worker.output.slice(-6000)}`).toBeNull();
    const seen = linesSince(worker.output, mark, /\b(WARN|ERROR)\b.*(kafka|broker|connect)/i);
    if (seen.length === 0) throw new FaultNotObserved('the workers logged nothing about losing the broker');
    const upAt = Date.now();
    await broker.up();
    const upSeenAt = Date.now();
    if ((await probePort(broker.port)) !== 'open') throw new FaultNotObserved(`port ${broker.port} does not answer after the broker was started again`);
    const pidAfter = broker.pid();
    if (pidAfter === undefined || pidAfter === pid) throw new FaultNotObserved(`the broker after the outage is the same process (pid ${pidAfter}) as before`);

    const after = await placeMany(saga, 10, product);
    const verified = await saga.doms(['verify', '--wait', '120s', '--max-in-flight', '120s', '--json'], { timeout: 180_000 });
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
    const all = await Promise.all([...before, ...during, ...after].map((o) => getOrder(saga.target, o.id)));
    expect(all.every((o) => ['CONFIRMED', 'CANCELLED'].includes(o.status))).toBe(true);
    expect(worker.child.exitCode).toBeNull();
    const figures = await reportFaultFigures(
      saga,
      [
        {
          scenario: 'outages: the broker down for 20 s',
          load: '3 × 10 orders',
          from: downAt,
          events: [downAt, upAt],
          observed: { brokerDownMs: upSeenAt - downSeenAt, refusedProbes, produceFailed, workerLines: seen.length },
        },
      ],
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
    let pgCut: number;
    try {
      const { rows } = await admin.query<{ cut: boolean }>(
        'SELECT pg_terminate_backend(pid) AS cut FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
        [saga.database],
      );
      pgCut = rows.filter((r) => r.cut).length;
    } finally {
      await admin.end();
    }
    const mark = worker.output.length;
    const redisCut = (await redis.client('KILL', 'TYPE', 'normal', 'SKIPME', 'yes')) as number;
    if (pgCut === 0) throw new FaultNotObserved(`no PostgreSQL connection of ${saga.database} was there to cut`);
    if (redisCut === 0) throw new FaultNotObserved('no Redis connection was there to cut');
    const orders = [...(await first), ...(await placeMany(saga, 20, product))];

    const verified = await saga.doms(['verify', '--wait', '60s', '--max-in-flight', '60s', '--json'], { timeout: 90_000 });
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
    expect((await Promise.all(orders.map((o) => getOrder(saga.target, o.id)))).every((o) => ['CONFIRMED', 'CANCELLED'].includes(o.status))).toBe(true);
    expect(worker.child.exitCode).toBeNull();
    // The workers saw the cuts: PostgreSQL counts the connections they opened since, and they log Redis's reconnect.
    const pgReconnects = await connectionsOpenedSince(testEnv.postgresUrl, saga.database, cutAt);
    if (pgReconnects === 0) throw new FaultNotObserved(`the workers opened no new PostgreSQL connection after ${pgCut} were cut`);
    const redisReconnects = linesSince(worker.output, mark, /redis.*reconnect/i).length;
    if (redisReconnects === 0) throw new FaultNotObserved('the workers logged no Redis reconnect after their connections were cut');
    const figures = await reportFaultFigures(
      saga,
      [
        {
          scenario: 'outages: every PostgreSQL and Redis connection cut',
          load: '2 × 20 orders',
          from: cutAt,
          events: [cutAt],
          observed: { postgresConnectionsCut: pgCut, postgresReconnects: pgReconnects, redisConnectionsCut: redisCut, redisReconnectLines: redisReconnects },
        },
      ],
      { placed: orders, products: [product], verify: verified },
    );
    expect(faultsFound(figures)).toEqual([]);
  }, 180_000);
});
