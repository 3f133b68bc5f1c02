import { writeFile } from 'node:fs/promises';
import type { Output } from '../cli/output.ts';
import type { OrderCommandDeps } from '../commands/order-api.ts';
import type { RunCommandDeps } from '../commands/run.ts';
import type { StatusCommandDeps } from '../commands/status.ts';
import type { StockCommandDeps } from '../commands/stock.ts';
import type { VerifyCommandDeps } from '../commands/verify.ts';
import { sleep } from '../infra/concurrency.ts';
import { createLogger } from '../infra/log.ts';
import { OrderClient } from '../services/order/client.ts';
import { connectAdmin, createKafka } from '../infra/kafka.ts';
import { PgDb } from '../infra/db.ts';
import { connectPostgres } from '../infra/postgres.ts';
import { connectRedis } from '../infra/redis.ts';
import { stockKeys } from '../services/inventory/redis-stock-store.ts';
import { collectStatus } from '../services/status/collect.ts';
import { collectSnapshot } from '../services/verify/collect.ts';
import { connectInspection, withStockStore } from './inspect.ts';
import { kafkaSecurity } from './kafka-security.ts';
import { clusterPool, workerChannel, workerSlot } from './cluster.ts';
import { launch } from './launch.ts';

/** The real adapters behind the commands: the one place the CLI's ports meet HTTP, Redis, PostgreSQL and Kafka. */

/** Library complaints go to stderr, errors only, so stdout stays the command's answer. */
const quietLogger = (component: string, out: Output) => createLogger(component, { level: 'error', write: (l) => out.note(l) });

export const orderDeps = (out: Output): OrderCommandDeps => ({ out, orderApi: (target) => new OrderClient(target), sleep, now: Date.now });

export const stockDeps = (out: Output): StockCommandDeps => ({
  out,
  withStockStore: (settings, fn) => withStockStore(settings, quietLogger('stock', out), fn),
  writeFile: (path, text) => writeFile(path, text),
});

export const inspectDeps = (out: Output): VerifyCommandDeps => ({
  out,
  sleep,
  now: Date.now,
  connect: async (settings, { since }) => {
    const saga = await connectInspection(settings, 'doms-verify', quietLogger('verify', out));
    return { snapshot: () => collectSnapshot(saga.sources(settings.topicPrefix), { since, ledgerTtlMs: settings.ledgerTtl }), close: saga.close };
  },
});

export const runDeps = (_out: Output): RunCommandDeps => {
  const worker = workerSlot();
  const channel = worker && workerChannel();
  return {
    // A worker of a `--workers N` primary says which on every line.
    logger: ({ level, format, service }) => createLogger('doms', { level, format, service, bound: worker ? { worker: worker.slot } : undefined }),
    launch,
    nextSignal: channel ? channel.nextSignal : nextSignal,
    delay: (ms) => new Promise((resolve) => setTimeout(resolve, ms).unref()),
    now: Date.now,
    worker,
    started: () => channel?.started(),
    pool: clusterPool,
  };
};

function nextSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals) => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      resolve(signal);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}

/** Resolves after ms (true), or at Ctrl-C / SIGTERM (false). */
function pauseUnlessInterrupted(ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (value: boolean) => {
      clearTimeout(timer);
      process.off('SIGINT', interrupted);
      process.off('SIGTERM', interrupted);
      resolve(value);
    };
    const interrupted = () => done(false);
    const timer = setTimeout(() => done(true), ms);
    process.on('SIGINT', interrupted);
    process.on('SIGTERM', interrupted);
  });
}

export const statusDeps = (out: Output): StatusCommandDeps => ({
  out,
  pause: pauseUnlessInterrupted,
  clear: () => void process.stdout.write('\x1b[2J\x1b[H'),
  connect: async (settings, windowMs) => {
    const logger = quietLogger('status', out);
    // Each on its own: one that is down is reported, not a reason to show nothing.
    const asError = (e: unknown) => (e instanceof Error ? e : new Error(String(e)));
    const [admin, redis, pool] = await Promise.all([
      connectAdmin(createKafka({ brokers: settings.brokers, clientId: 'doms-status', logger, security: kafkaSecurity() }), settings.brokers).catch(asError),
      connectRedis(settings.redisUrl, logger).catch(asError),
      connectPostgres(settings.databaseUrl, { max: 2 }).catch(asError),
    ]);
    const products = stockKeys(settings.redisNamespace).products;
    return {
      read: () =>
        collectStatus({
          kafka: admin,
          redis: redis instanceof Error ? redis : { ping: () => redis.ping(), products: () => redis.scard(products) },
          db: pool instanceof Error ? pool : new PgDb(pool),
          prefix: settings.topicPrefix,
          redisNamespace: settings.redisNamespace,
          windowMs,
        }),
      close: async () => {
        if (!(admin instanceof Error)) await admin.disconnect();
        if (!(redis instanceof Error)) redis.disconnect();
        if (!(pool instanceof Error)) await pool.end();
      },
    };
  },
});
