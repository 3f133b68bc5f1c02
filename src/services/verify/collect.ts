import { parseEvent } from '../../events/events.ts';
import { EventHeaders } from '../../events/headers.ts';
import { Topics, type Topic } from '../../events/topics.ts';
import type { Db } from '../../infra/db.ts';
import type { TopicContents } from '../../infra/topic-reader.ts';
import type { StockStore } from '../inventory/reservation.ts';
import type { NotificationRecords } from '../notification/handlers.ts';
import type { OrderStatus } from '../order/status.ts';
import { readOrigin } from '../order/schema.ts';
import type { Snapshot } from './invariants.ts';

/** Where `doms verify` reads the saga's state from: ports, so the embedded saga can be verified too. */
export interface SagaSources {
  db: Pick<Db, 'query'>;
  stock: Pick<StockStore, 'list' | 'reservations'>;
  notifications: NotificationRecords;
  /** A topic (bare name) from its first retained record to its end as of the call. */
  readTopic(topic: Topic): Promise<TopicContents>;
}

/**
 * Reads the system's state: the order table first and the topics after, so every order row
 * counted had its chance to be published before the topic is read.
 */
export async function collectSnapshot(sources: SagaSources): Promise<Snapshot> {
  const now = new Date();
  const [orders, origin] = await Promise.all([
    sources.db.query<{ id: string; status: OrderStatus; created_at: Date; updated_at: Date }>('SELECT id, status, created_at, updated_at FROM orders'),
    readOrigin(sources.db),
  ]);
  const ids = orders.rows.map((r) => r.id);

  const [stock, reservations, notifications, created, success, failed] = await Promise.all([
    sources.stock.list(),
    sources.stock.reservations(ids),
    sources.notifications.notified(ids),
    sources.readTopic(Topics.OrderCreated),
    sources.readTopic(Topics.PaymentSuccess),
    sources.readTopic(Topics.PaymentFailed),
  ]);

  const paymentEvents = new Map<string, Set<'success' | 'failed'>>();
  for (const [contents, topic, outcome] of [
    [success, Topics.PaymentSuccess, 'success'],
    [failed, Topics.PaymentFailed, 'failed'],
  ] as const) {
    for (const { orderId } of validEvents(contents, topic)) {
      const set = paymentEvents.get(orderId) ?? new Set();
      set.add(outcome);
      paymentEvents.set(orderId, set);
    }
  }

  const createdEvents = new Set<string>();
  const otherEvents = new Set<string>();
  for (const { orderId, headers } of validEvents(created, Topics.OrderCreated)) {
    if (origin !== undefined && headers[EventHeaders.Origin] === origin) createdEvents.add(orderId);
    else otherEvents.add(orderId);
  }

  const retainedSince = oldestRetained([created, success, failed], now);
  return {
    now,
    orders: orders.rows.map((r) => ({ id: r.id, status: r.status, createdAt: r.created_at, updatedAt: r.updated_at })),
    stock,
    reservations: present(ids, reservations),
    notifications: present(ids, notifications),
    paymentEvents,
    createdEvents,
    otherEvents,
    ...(retainedSince && { retainedSince }),
  };
}

/** The valid events on a topic; poison (dead-lettered by the workers) is not an event. */
function validEvents({ records }: TopicContents, topic: Topic): { orderId: string; headers: Record<string, string> }[] {
  const events: { orderId: string; headers: Record<string, string> }[] = [];
  for (const r of records) {
    const parsed = parseEvent(topic, r.value);
    if (parsed.ok) events.push({ orderId: parsed.event.orderId, headers: r.headers });
  }
  return events;
}

/**
 * Of the partitions that lost records (a first offset above 0), the latest time of their first record
 * left: events older than that may be gone. A partition that lost all its records gives no time to
 * go by, so then nothing before `now` is sure to be there.
 */
export function oldestRetained(topics: readonly TopicContents[], now: Date): Date | undefined {
  let since: Date | undefined;
  for (const { records, partitions } of topics) {
    for (const p of partitions) {
      if (BigInt(p.low) === 0n) continue;
      const first = records.find((r) => r.partition === p.partition);
      const at = first ? new Date(first.timestamp) : now;
      if (since === undefined || at > since) since = at;
    }
  }
  return since;
}

function present<V>(ids: readonly string[], values: readonly (V | undefined)[]): Map<string, V> {
  const map = new Map<string, V>();
  ids.forEach((id, i) => {
    const v = values[i];
    if (v !== undefined) map.set(id, v);
  });
  return map;
}
