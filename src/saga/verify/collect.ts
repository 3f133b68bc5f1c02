import { parseEvent } from '../../events/events.ts';
import { EventHeaders } from '../../events/headers.ts';
import { Topics, type Topic } from '../../events/topics.ts';
import type { Db } from '../../infra/db.ts';
import type { TopicContents } from '../../infra/topic-reader.ts';
import type { StockStore } from '../../services/inventory/ports.ts';
import type { NotificationRecords } from '../../services/notification/ports.ts';
import type { OrderStatus } from '../../services/order/status.ts';
import { readOrigin } from '../../services/order/schema.ts';
import type { Snapshot } from './invariants.ts';

/** Where `doms verify` reads the saga's state from: ports, so the embedded saga can be verified too. */
export interface SagaSources {
  db: Pick<Db, 'query'>;
  stock: Pick<StockStore, 'list' | 'reservations'>;
  notifications: NotificationRecords;
  /** A topic (bare name) from its first retained record to its end as of the call. */
  readTopic(topic: Topic): Promise<TopicContents>;
}

/** Which orders a snapshot covers, and what it may still ask Redis about. */
export interface SnapshotScope {
  /** Only orders created at or after this (and their events); the older are counted, not read. */
  since?: Date;
  /** The workers' ledger TTL (DOMS_LEDGER_TTL; 0: records are kept for ever): orders older than this are not asked for their Redis records. */
  ledgerTtlMs?: number;
}

type OrderRow = { id: string; status: OrderStatus; created_at: Date; updated_at: Date };

/**
 * Reads the system's state: the order table first and the topics after, so every order row
 * counted had its chance to be published before the topic is read.
 */
export async function collectSnapshot(sources: SagaSources, { since, ledgerTtlMs = 0 }: SnapshotScope = {}): Promise<Snapshot> {
  const now = new Date();
  const [orders, before, origin] = await Promise.all([
    since
      ? sources.db.query<OrderRow>('SELECT id, status, created_at, updated_at FROM orders WHERE created_at >= $1', [since.toISOString()])
      : sources.db.query<OrderRow>('SELECT id, status, created_at, updated_at FROM orders'),
    since ? sources.db.query<{ n: number }>('SELECT count(*)::int AS n FROM orders WHERE created_at < $1', [since.toISOString()]) : undefined,
    readOrigin(sources.db),
  ]);
  const ids = orders.rows.map((r) => r.id);
  // Records written for an order expire no sooner than its creation + TTL: younger orders have all of theirs.
  const ledgerRetainedSince = ledgerTtlMs > 0 ? new Date(now.getTime() - ledgerTtlMs) : undefined;
  const asked = ledgerRetainedSince ? orders.rows.filter((r) => r.created_at >= ledgerRetainedSince).map((r) => r.id) : ids;

  const [stock, reservations, notifications, created, success, failed] = await Promise.all([
    sources.stock.list(),
    sources.stock.reservations(asked),
    sources.notifications.notified(asked),
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
  const rows = new Set(ids);
  for (const { orderId, headers, at } of validEvents(created, Topics.OrderCreated)) {
    // With --since, an event of an order created before it is outside the window (its row was not read).
    if (since && at < since && !rows.has(orderId)) continue;
    if (origin !== undefined && headers[EventHeaders.Origin] === origin) createdEvents.add(orderId);
    else otherEvents.add(orderId);
  }

  const retainedSince = oldestRetained([created, success, failed], now);
  return {
    now,
    orders: orders.rows.map((r) => ({ id: r.id, status: r.status, createdAt: r.created_at, updatedAt: r.updated_at })),
    stock,
    reservations: present(asked, reservations),
    notifications: present(asked, notifications),
    paymentEvents,
    createdEvents,
    otherEvents,
    ...(retainedSince && { retainedSince }),
    ...(ledgerRetainedSince && { ledgerRetainedSince }),
    ...(since && { since, ordersBeforeSince: before?.rows[0]?.n ?? 0 }),
  };
}

/**
 * The valid events on a topic, each with when it happened (its `occurredAt`, which for order.created
 * is the order's creation time; else the record's time); poison (dead-lettered by the workers) is not an event.
 */
function validEvents({ records }: TopicContents, topic: Topic): { orderId: string; headers: Record<string, string>; at: Date }[] {
  const events: { orderId: string; headers: Record<string, string>; at: Date }[] = [];
  for (const r of records) {
    const parsed = parseEvent(topic, r.value);
    if (!parsed.ok) continue;
    const occurred = parsed.occurredAt === undefined ? NaN : Date.parse(parsed.occurredAt);
    events.push({ orderId: parsed.event.orderId, headers: r.headers, at: new Date(Number.isNaN(occurred) ? Date.parse(r.timestamp) : occurred) });
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
      // A producer may stamp any time, even one no Date holds (kept as a raw number): past `now` it tells nothing.
      const t = first ? Date.parse(first.timestamp) : NaN;
      const at = Number.isNaN(t) || t > now.getTime() ? now : new Date(t);
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
