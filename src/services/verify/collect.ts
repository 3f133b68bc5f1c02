import type { Redis } from 'ioredis';
import type { Kafka } from 'kafkajs';
import { parseEvent } from '../../events/events.ts';
import { Topics, topicName, type Topic } from '../../events/topics.ts';
import type { TopicRecord } from '../../infra/topic-reader.ts';
import type { Pool } from '../../infra/postgres.ts';
import { readTopicToEnd } from '../../infra/topic-reader.ts';
import { RedisStockStore, stockKeys } from '../inventory/redis-stock-store.ts';
import type { ReservationState } from '../inventory/reservation.ts';
import { notificationKey, type Outcome } from '../notification/handlers.ts';
import type { OrderStatus } from '../order/status.ts';
import type { Snapshot } from './invariants.ts';

/**
 * Reads the system's state: the order table first and the topics after, so every order row
 * counted had its chance to be published before the topic is read.
 */
export async function collectSnapshot({ pool, redis, kafka, prefix }: { pool: Pool; redis: Redis; kafka: Kafka; prefix: string }): Promise<Snapshot> {
  const now = new Date();
  const [orders, unpublished] = await Promise.all([
    pool.query<{ id: string; status: OrderStatus; created_at: Date; updated_at: Date }>('SELECT id, status, created_at, updated_at FROM orders'),
    pool.query<{ key: string }>('SELECT key FROM outbox WHERE published_at IS NULL AND topic = $1', [Topics.OrderCreated]),
  ]);
  const ids = orders.rows.map((r) => r.id);

  const [stock, reservations, notifications, created, success, failed] = await Promise.all([
    new RedisStockStore(redis).list(),
    mget(
      redis,
      ids.map((id) => stockKeys().reservation(id)),
      'state',
    ),
    mget(
      redis,
      ids.map((id) => notificationKey(id)),
    ),
    readTopicToEnd(kafka, topicName(Topics.OrderCreated, prefix)),
    readTopicToEnd(kafka, topicName(Topics.PaymentSuccess, prefix)),
    readTopicToEnd(kafka, topicName(Topics.PaymentFailed, prefix)),
  ]);

  const paymentEvents = new Map<string, Set<'success' | 'failed'>>();
  for (const [records, topic, outcome] of [
    [success, Topics.PaymentSuccess, 'success'],
    [failed, Topics.PaymentFailed, 'failed'],
  ] as const) {
    for (const orderId of validOrderIds(records, topic)) {
      const set = paymentEvents.get(orderId) ?? new Set();
      set.add(outcome);
      paymentEvents.set(orderId, set);
    }
  }

  return {
    now,
    orders: orders.rows.map((r) => ({ id: r.id, status: r.status, createdAt: r.created_at, updatedAt: r.updated_at })),
    stock,
    reservations: toMap(ids, reservations) as Map<string, ReservationState>,
    notifications: toMap(ids, notifications) as Map<string, Outcome>,
    paymentEvents,
    createdEvents: new Set(validOrderIds(created, Topics.OrderCreated)),
    unpublished: new Set(unpublished.rows.map((r) => r.key)),
  };
}

/** The orders that valid events on a topic are about; poison (dead-lettered by the workers) is not an event. */
function validOrderIds(records: TopicRecord[], topic: Topic): string[] {
  const ids: string[] = [];
  for (const r of records) {
    const parsed = parseEvent(topic, r.value);
    if (parsed.ok) ids.push(parsed.event.orderId);
  }
  return ids;
}

/** One value per key (a hash field when `field` is given), pipelined in slices. */
async function mget(redis: Redis, keys: string[], field?: string): Promise<(string | null)[]> {
  const out: (string | null)[] = [];
  for (let i = 0; i < keys.length; i += 1000) {
    const pipeline = redis.pipeline();
    for (const key of keys.slice(i, i + 1000)) {
      if (field) pipeline.hget(key, field);
      else pipeline.get(key);
    }
    for (const [err, value] of (await pipeline.exec()) ?? []) {
      if (err) throw err;
      out.push(value as string | null);
    }
  }
  return out;
}

function toMap(ids: string[], values: (string | null)[]): Map<string, string> {
  const map = new Map<string, string>();
  ids.forEach((id, i) => {
    const v = values[i];
    if (v !== null && v !== undefined) map.set(id, v);
  });
  return map;
}
