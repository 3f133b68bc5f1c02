import type { Kafka } from 'kafkajs';
import type pg from 'pg';
import type { Logger } from '../infra/log.ts';
import { connectRedis, type RedisClient } from '../infra/redis.ts';
import { topicName } from '../events/topics.ts';
import { PgDb } from '../infra/db.ts';
import { readTopic } from '../infra/topic-reader.ts';
import { redisStockStore } from '../services/inventory/redis-stock-store.ts';
import type { StockStore } from '../services/inventory/ports.ts';
import { RedisNotificationLedger } from '../services/notification/redis-ledger.ts';
import type { SagaSources } from '../saga/verify/collect.ts';
import { connectStores, type StoreSettings } from './connections.ts';

/** Kafka, Redis and PostgreSQL for a command that looks at the whole saga (verify, smoke). */
export interface Inspection {
  kafka: Kafka;
  redis: RedisClient;
  pool: pg.Pool;
  stock: StockStore;
  /** What `doms verify` reads, for the saga whose topics carry `prefix`. */
  sources(prefix: string): SagaSources;
  close(): Promise<void>;
}

/** Connects all three at once, failing fast with one line naming the setting of whichever is unreachable. Redis is read under `redisNamespace`. */
export async function connectInspection(settings: StoreSettings & { redisNamespace: string }, clientId: string, logger: Logger): Promise<Inspection> {
  const { kafka, ...pending } = connectStores(settings, { clientId, logger, poolSize: 4 });
  const [admin, redis, pool] = await Promise.all([pending.admin, pending.redis, pending.pool]);
  await admin.disconnect();
  const stock = redisStockStore(redis, settings.redisNamespace);
  return {
    kafka,
    redis,
    pool,
    stock,
    sources: (prefix) => ({
      db: new PgDb(pool),
      stock,
      notifications: new RedisNotificationLedger(redis, settings.redisNamespace),
      readTopic: (topic) => readTopic(kafka, topicName(topic, prefix)),
    }),
    close: async () => {
      redis.disconnect();
      await pool.end();
    },
  };
}

/** The stock in Redis under a saga's namespace, for `doms stock`: connected for the call, disconnected after. */
export async function withStockStore<T>(
  settings: { redisUrl: string; redisNamespace: string },
  logger: Logger,
  fn: (store: StockStore) => Promise<T>,
): Promise<T> {
  const redis = await connectRedis(settings.redisUrl, logger);
  try {
    return await fn(redisStockStore(redis, settings.redisNamespace));
  } finally {
    redis.disconnect();
  }
}
