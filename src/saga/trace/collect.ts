// Reads one order from PostgreSQL, Kafka and Redis (through ports built in wiring/trace-sources.ts)
// and builds its trace.
import type { Db } from '../../infra/db.ts';
import { SELECT_ORDER, type OrderRow } from '../../services/order/order-sql.ts';
import { toOrder } from '../../services/order/order-store.ts';
import type { OrderTrace, RedisRecords, SearchedPartition, SeenRecord, TraceJudgement, TracedOrder } from './model.ts';
import { buildTrace } from './view.ts';

/** Where `doms trace` (and GET /orders/<id>/trace) reads one order from. */
export interface TraceSources {
  db: Pick<Db, 'query'>;
  /**
   * The order's records on every saga topic and dead-letter topic: on each, the key's one partition,
   * from the first offset at or after `sinceMs` to its end as of the call.
   */
  records(orderId: string, sinceMs: number): Promise<{ records: SeenRecord[]; deadLetters: SeenRecord[]; searched: SearchedPartition[] }>;
  redis(orderId: string): Promise<RedisRecords>;
}

export interface TraceScope extends TraceJudgement {
  /** How far before the order's creation to look: producers' clocks and the database's may differ a little. */
  skewMs: number;
}

/** How a trace judges time unless told otherwise: `doms trace`'s defaults (--settle 30s, --clock-skew 5s). */
export const TRACE_TIMING = { settleMs: 30_000, skewMs: 5_000 } as const;

/** The order's trace; undefined when there is no such order. The row is read first, so its events are looked for after it was committed. */
export async function traceOrder(sources: TraceSources, orderId: string, scope: TraceScope, now = () => new Date()): Promise<OrderTrace | undefined> {
  const order = await readOrder(sources.db, orderId);
  if (!order) return undefined;
  const [kafka, redis] = await Promise.all([sources.records(orderId, Date.parse(order.createdAt) - scope.skewMs), sources.redis(orderId)]);
  return buildTrace({ order, ...kafka, redis, now: now() }, scope);
}

export async function readOrder(db: Pick<Db, 'query'>, orderId: string): Promise<TracedOrder | undefined> {
  // Before any order service ran on this database there is no table: no order either.
  const { rows: exists } = await db.query<{ exists: boolean }>("SELECT to_regclass('orders') IS NOT NULL AS exists");
  if (!exists[0]?.exists) return undefined;
  const { rows } = await db.query<OrderRow>(`${SELECT_ORDER} WHERE o.id = $1`, [orderId]);
  return rows[0] ? toOrder(rows[0]) : undefined;
}
