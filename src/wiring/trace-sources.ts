// Where one order is read from for `doms trace` and the order service's GET /orders/<id>/trace:
// PostgreSQL (its row), Kafka (its partition of each topic) and Redis (its records).
import { Cluster } from 'ioredis';
import type { Kafka } from 'kafkajs';
import type pg from 'pg';
import { ALL_TOPICS, deadLetterTopicName, topicName } from '../events/topics.ts';
import { PgDb } from '../infra/db.ts';
import { keyedRanges, readKeyedRanges } from '../infra/kafka-keyed-records.ts';
import type { Logger } from '../infra/log.ts';
import { connectRedis, type RedisClient } from '../infra/redis.ts';
import { clusterStockKeys } from '../services/inventory/redis-cluster-stock-store.ts';
import { stockKeys } from '../services/inventory/redis-stock-store.ts';
import { notificationKey } from '../services/notification/ports.ts';
import type { RedisRecords, SeenRecord } from '../saga/trace/model.ts';
import type { TraceSources } from '../saga/trace/collect.ts';
import { connectStores, type StoreSettings } from './connections.ts';

export interface TraceLocation {
  topicPrefix: string;
  redisNamespace: string;
}

/** The order's records in Redis, by the keys the services write them under. */
export async function redisRecords(redis: RedisClient, namespace: string, orderId: string): Promise<RedisRecords> {
  const reservationKey = redis instanceof Cluster ? clusterStockKeys(namespace).order(orderId) : stockKeys(namespace).reservation(orderId);
  const paymentKey = `${namespace}:payment:${orderId}`;
  const notifiedKey = notificationKey(orderId, namespace);
  const [fields, payment, notified] = await Promise.all([redis.hgetall(reservationKey), redis.get(paymentKey), redis.get(notifiedKey)]);
  return {
    reservation: { key: reservationKey, fields: Object.keys(fields).length ? fields : null },
    payment: { key: paymentKey, value: payment },
    notification: { key: notifiedKey, value: notified },
  };
}

/** The order's records on the saga's topics and their dead-letter topics (those that exist), each read on the key's partition only. */
export async function kafkaRecords(kafka: Kafka, prefix: string, orderId: string, sinceMs: number) {
  const saga = new Map(ALL_TOPICS.map((t) => [topicName(t, prefix), t as string]));
  const dead = new Map(ALL_TOPICS.map((t) => [deadLetterTopicName(t, prefix), `${t}.dlq`]));
  const admin = kafka.admin();
  await admin.connect();
  let ranges;
  try {
    const existing = new Set(await admin.listTopics());
    ranges = await keyedRanges(
      admin,
      [...saga.keys(), ...dead.keys()].filter((t) => existing.has(t)),
      orderId,
      sinceMs,
    );
  } finally {
    await admin.disconnect();
  }
  // A dead letter keeps its message's key; one that had none is known by its value naming the order.
  const wanted = (r: { topic: string; key: string | null; value: string | null }) =>
    r.key === orderId || (dead.has(r.topic) && (r.value?.includes(orderId) ?? false));
  const read = await readKeyedRanges(kafka, ranges, wanted);
  const bare = (topic: string) => saga.get(topic) ?? dead.get(topic) ?? topic;
  const seen = (list: typeof read): SeenRecord[] => list.map((r) => ({ ...r, topic: bare(r.topic) }));
  return {
    records: seen(read.filter((r) => saga.has(r.topic))),
    deadLetters: seen(read.filter((r) => dead.has(r.topic))),
    searched: ranges.map((r) => ({ ...r, topic: bare(r.topic) })),
  };
}

/** The sources on connections already made. */
export function traceSourcesOn(kafka: Kafka, pool: pg.Pool, redis: () => Promise<RedisClient>, { topicPrefix, redisNamespace }: TraceLocation): TraceSources {
  return {
    db: new PgDb(pool),
    records: (orderId, sinceMs) => kafkaRecords(kafka, topicPrefix, orderId, sinceMs),
    redis: async (orderId) => redisRecords(await redis(), redisNamespace, orderId),
  };
}

/** Connects to all three for one command, failing fast with the one line naming whichever is unreachable. */
export async function connectTrace(settings: StoreSettings & TraceLocation, logger: Logger): Promise<{ sources: TraceSources; close(): Promise<void> }> {
  const { kafka, ...pending } = connectStores(settings, { clientId: 'doms-trace', logger, poolSize: 2 });
  const [admin, redis, pool] = await Promise.all([pending.admin, pending.redis, pending.pool]);
  await admin.disconnect();
  return {
    sources: traceSourcesOn(kafka, pool, async () => redis, settings),
    close: async () => {
      redis.disconnect();
      await pool.end();
    },
  };
}

/**
 * For the order service, which may run without Redis (doms run order): Redis is connected on the
 * first trace asked for, then kept until `close`.
 */
export function lazyTraceSources(kafka: Kafka, pool: pg.Pool, redisUrl: string, redis: RedisClient | undefined, location: TraceLocation, logger: Logger) {
  let connected: Promise<RedisClient> | undefined = redis && Promise.resolve(redis);
  const own = !redis;
  const connect = () => {
    connected ??= connectRedis(redisUrl, logger).catch((e: unknown) => {
      connected = undefined;
      throw e;
    });
    return connected;
  };
  return {
    sources: traceSourcesOn(kafka, pool, connect, location),
    close: async () => {
      if (own && connected) (await connected.catch(() => undefined))?.disconnect();
    },
  };
}
