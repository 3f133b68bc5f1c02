import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { RedisStockStore } from '../../src/services/inventory/redis-stock-store.ts';
import type { Order } from '../../src/services/order/order-store.ts';
import { testEnv } from '../helpers/env.ts';
import { faultsFound, reportFaultFigures } from '../helpers/fault-figures.ts';
import { connectionsOpenedSince, expectChanged, linesSince, postmasterStart, redisRunId, type FaultObserved } from '../helpers/fault-proof.ts';
import type { CliResult } from '../helpers/cli.ts';
import { getOrder, placeOrder } from '../helpers/orders.ts';
import { waitFor } from '../helpers/wait.ts';
import { Saga } from '../helpers/workers.ts';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const TERMINAL = ['CONFIRMED', 'REJECTED', 'CANCELLED'];

// These tests restart the machine's own PostgreSQL and Redis: they must be the local ones.
const redisUrl = new URL(testEnv.redisUrl);
const REDIS_PORT = Number(redisUrl.port || 6379);
if (!['localhost', '127.0.0.1'].includes(redisUrl.hostname) || !['localhost', '127.0.0.1'].includes(new URL(testEnv.postgresUrl).hostname))
  throw new Error(`restarts.test.ts restarts the local Redis and PostgreSQL; REDIS_URL and DATABASE_URL point elsewhere (${testEnv.redisUrl})`);

/** A client that comes back by itself after each restart. */
const redis = new Redis(testEnv.redisUrl, { maxRetriesPerRequest: null });
// Its connection refused while Redis is down is expected: it reconnects by itself.
redis.on('error', () => {});
afterAll(async () => {
  // Whatever happened, leave Redis running with persistence in its own folder, as the stack script starts it.
  await restartRedis(true).catch(() => startRedis(true));
  redis.disconnect();
});

/** Restarts PostgreSQL; proves it did (a new postmaster start time) and that the saga's workers reconnected. */
async function restartPostgres(saga: Saga): Promise<FaultObserved> {
  const before = await postmasterStart(testEnv.postgresUrl);
  const at = Date.now();
  const version = readdirSync('/etc/postgresql')[0]!;
  await run('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'restart'], { timeout: 60_000 });
  const observed = expectChanged('postmasterStart', before, await postmasterStart(testEnv.postgresUrl));
  const reconnects = await waitFor(async () => (await connectionsOpenedSince(testEnv.postgresUrl, saga.database, at)) || false, {
    timeout: 30_000,
    interval: 200,
    what: 'fault not observed: the workers to open a PostgreSQL connection after its restart',
  });
  return { ...observed, postgresReconnects: reconnects };
}

/** Restarts Redis; proves it did (a new run_id) and that the saga's workers logged their reconnect. */
async function restartRedisProved(saga: Saga, appendOnly: boolean): Promise<FaultObserved> {
  const before = await redisRunId(redis);
  const marks = saga.processes.map((p) => p.output.length);
  await restartRedis(appendOnly);
  const observed = expectChanged('redisRunId', before, await redisRunId(redis));
  const lines = await waitFor(() => saga.processes.reduce((n, p, i) => n + linesSince(p.output, marks[i]!, /redis.*reconnect/i).length, 0) || false, {
    timeout: 30_000,
    interval: 200,
    what: 'fault not observed: the workers to log a Redis reconnect after its restart',
  });
  return { ...observed, redisReconnectLines: lines };
}

async function redisUp(): Promise<boolean> {
  return run('redis-cli', ['-p', String(REDIS_PORT), 'ping'], { timeout: 2_000 }).then(
    ({ stdout }) => stdout.trim() === 'PONG',
    () => false,
  );
}

/** Starts Redis as the machine does; without persistence in an empty folder, as a Redis that keeps nothing comes back. */
async function startRedis(appendOnly: boolean): Promise<void> {
  if (await redisUp()) return;
  const dir = appendOnly ? '/var/lib/redis' : mkdtempSync(join(tmpdir(), 'doms-redis-'));
  const args = ['--daemonize', 'yes', '--bind', '127.0.0.1', '-::1', '--port', String(REDIS_PORT), '--save', ''].concat([
    '--appendonly',
    appendOnly ? 'yes' : 'no',
    '--appendfsync',
    'everysec',
    '--dir',
    dir,
    '--logfile',
    '/var/log/redis/ci.log',
  ]);
  await run('redis-server', args, { timeout: 10_000 });
  await waitFor(() => redisUp(), { timeout: 30_000, interval: 100, what: 'Redis to answer PING after its restart' });
}

/**
 * Stops Redis and starts it again. With `appendOnly`, everything written before the stop is in the
 * append-only file first (turned on at runtime, its rewrite awaited) and comes back; without, Redis
 * starts empty, as the machine's Redis (`--save "" --appendonly no`) would.
 */
async function restartRedis(appendOnly: boolean): Promise<void> {
  const cli = (...args: string[]) => run('redis-cli', ['-p', String(REDIS_PORT), ...args], { timeout: 10_000 });
  await cli('config', 'set', 'appendonly', appendOnly ? 'yes' : 'no');
  if (appendOnly) {
    await waitFor(
      async () => {
        const { stdout } = await cli('info', 'persistence');
        return /aof_enabled:1/.test(stdout) && /aof_rewrite_in_progress:0/.test(stdout) && /aof_rewrite_scheduled:0/.test(stdout);
      },
      { timeout: 30_000, interval: 100, what: 'the append-only file to be written' },
    );
  }
  await cli('shutdown', appendOnly ? 'save' : 'nosave').catch(() => {}); // the connection drops as it stops
  await waitFor(async () => !(await redisUp()), { timeout: 10_000, interval: 100, what: 'Redis to stop' });
  await startRedis(appendOnly);
}

/** Orders at about 20/s until `until` resolves, from a client that retries with an Idempotency-Key. */
function stream(saga: Saga, products: string[], until: Promise<unknown>): Promise<Order[]> {
  const placed: Promise<Order>[] = [];
  let done = false;
  void until.finally(() => (done = true));
  return (async () => {
    while (!done || placed.length < 100) {
      const n = placed.length;
      placed.push(placeOrder(() => saga.target, { userId: randomUUID(), amount: 20, items: { [products[n % products.length]!]: 1 } }, { timeout: 90_000 }));
      await sleep(50);
    }
    return Promise.all(placed);
  })();
}

async function expectAllEnded(saga: Saga, orders: Order[]): Promise<CliResult> {
  const verified = await saga.doms(['verify', '--wait', '90s', '--max-in-flight', '90s', '--json'], { timeout: 120_000 });
  expect(verified.code, `${verified.stdout}${verified.stderr}\n--- workers ---\n${saga.output.slice(-4000)}`).toBe(0);
  const final = await Promise.all(orders.map((o) => getOrder(saga.target, o.id)));
  expect(final.filter((o) => !TERMINAL.includes(o.status)).map((o) => `${o.id} ${o.status}`)).toEqual([]);
  return verified;
}

/** A saga (`doms run all`) with two well-stocked products. */
async function stockedSaga(): Promise<{ saga: Saga; products: string[] }> {
  const saga = new Saga(['--failure-rate', '0.3']);
  await saga.start('all');
  const products = [randomUUID(), randomUUID()];
  await new RedisStockStore(redis).seed(Object.fromEntries(products.map((p) => [p, 100_000])));
  return { saga, products };
}

/** Orders stream in while `restart` runs (2 s in) and for 3 s after; then every one must have ended and verify pass. */
async function loseNothingThrough(scenario: string, restart: (saga: Saga) => Promise<FaultObserved>): Promise<void> {
  const { saga, products } = await stockedSaga();
  let restartAt = 0;
  const restarted = sleep(2_000).then(() => {
    restartAt = Date.now();
    return restart(saga);
  });
  const orders = await stream(
    saga,
    products,
    restarted.then(() => sleep(3_000)),
  );
  const observed = await restarted;
  const verified = await expectAllEnded(saga, orders);
  const figures = await reportFaultFigures(saga, [{ scenario, from: restartAt, events: [restartAt], observed }], {
    placed: orders,
    products,
    verify: verified,
  });
  expect(faultsFound(figures)).toEqual([]);
}

describe('restarts under load', () => {
  it('loses nothing when PostgreSQL restarts mid-stream', () => loseNothingThrough('restarts: PostgreSQL restarted', restartPostgres), 240_000);

  it(
    'loses nothing when Redis restarts mid-stream with its append-only file',
    () => loseNothingThrough('restarts: Redis restarted with its append-only file', (saga) => restartRedisProved(saga, true)),
    240_000,
  );

  it('makes doms verify fail, not pass, when Redis comes back without its data', async () => {
    const { saga, products } = await stockedSaga();
    const orders = await stream(saga, products, Promise.resolve());
    await expectAllEnded(saga, orders);

    await restartRedisProved(saga, false);
    // Orders finished within --max-in-flight are given time (their stock may still be settling): judge with a short one.
    await sleep(2_000);
    const verified = await saga.doms(['verify', '--max-in-flight', '1s'], { timeout: 60_000 });
    expect(verified.code, verified.stdout + verified.stderr).toBe(1);
    expect(verified.stdout).toMatch(/✗ I7 .*violation/);
    expect(verified.stdout).toContain('Redis has no record of its stock');
  }, 240_000);
});
