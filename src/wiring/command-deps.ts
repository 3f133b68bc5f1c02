import { writeFile } from 'node:fs/promises';
import { sleep } from '../infra/concurrency.ts';
import { createLogger, type Logger, type LoggerOptions } from '../infra/log.ts';
import { PgDb } from '../infra/db.ts';
import { OrderClient } from './order-client.ts';
import { stockKeys } from '../services/inventory/redis-stock-store.ts';
import type { StockStore } from '../services/inventory/ports.ts';
import { collectStatus } from '../saga/status/collect.ts';
import { collectSnapshot } from '../saga/verify/collect.ts';
import { clusterPool, workerChannel, workerSlot } from './cluster.ts';
import { connectStores, errorsOnly, type StoreSettings } from './connections.ts';
import { connectInspection, withStockStore } from './inspect.ts';
import { launch } from './launch.ts';
import { nextSignal, pauseUnlessInterrupted } from './signals.ts';
import { traceOrder } from '../saga/trace/collect.ts';
import { connectTrace } from './trace-sources.ts';

/**
 * The real adapters behind the commands: the one place their ports meet HTTP, Redis, PostgreSQL and
 * Kafka. Each command (src/commands/<name>.ts) adds its Output and passes them on; the ports are the
 * commands' own interfaces, which these satisfy without importing them (wiring sits below commands).
 * `note` writes a line to stderr.
 */

export const orderAdapters = () => ({ orderApi: (target: string) => new OrderClient(target), sleep, now: Date.now });

export const stockAdapters = (note: (line: string) => void) => ({
  withStockStore: <T>(location: { redisUrl: string; redisNamespace: string }, fn: (store: StockStore) => Promise<T>) =>
    withStockStore(location, errorsOnly('stock', note), fn),
  writeFile: (path: string, text: string) => writeFile(path, text),
});

export const verifyAdapters = (note: (line: string) => void) => ({
  sleep,
  now: Date.now,
  connect: async (settings: StoreSettings & { topicPrefix: string; redisNamespace: string; ledgerTtl: number }, { since }: { since?: Date }) => {
    const saga = await connectInspection(settings, 'doms-verify', errorsOnly('verify', note));
    return { snapshot: () => collectSnapshot(saga.sources(settings.topicPrefix), { since, ledgerTtlMs: settings.ledgerTtl }), close: saga.close };
  },
});

export const traceAdapters = (note: (line: string) => void) => ({
  sleep,
  now: Date.now,
  connect: async (settings: StoreSettings & { topicPrefix: string; redisNamespace: string; ledgerTtl: number }) => {
    const { sources, close } = await connectTrace(settings, errorsOnly('trace', note));
    return {
      trace: (orderId: string, scope: { settleMs: number; skewMs: number }) => traceOrder(sources, orderId, { ...scope, ledgerTtlMs: settings.ledgerTtl }),
      close,
    };
  },
});

export const runAdapters = () => {
  const worker = workerSlot();
  const channel = worker && workerChannel();
  return {
    // A worker of a `--workers N` primary says which on every line.
    logger: ({ level, format, service }: Pick<LoggerOptions, 'level' | 'format' | 'service'>): Logger =>
      createLogger('doms', { level, format, service, bound: worker ? { worker: worker.slot } : undefined }),
    launch,
    nextSignal: channel ? channel.nextSignal : nextSignal,
    delay: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref()),
    now: Date.now,
    worker,
    started: () => channel?.started(),
    pool: clusterPool,
  };
};

export const statusAdapters = (note: (line: string) => void) => ({
  pause: pauseUnlessInterrupted,
  clear: () => void process.stdout.write('\x1b[2J\x1b[H'),
  connect: async (settings: StoreSettings & { topicPrefix: string; redisNamespace: string }, windowMs: number) => {
    // Each on its own: one that is down is reported, not a reason to show nothing.
    const asError = (e: unknown) => (e instanceof Error ? e : new Error(String(e)));
    const pending = connectStores(settings, { clientId: 'doms-status', logger: errorsOnly('status', note), poolSize: 2 });
    const [admin, redis, pool] = await Promise.all([pending.admin.catch(asError), pending.redis.catch(asError), pending.pool.catch(asError)]);
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
