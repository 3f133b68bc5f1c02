import { createHash, randomUUID } from 'node:crypto';
import { serializeEvent } from '../../events/events.ts';
import type { Items } from '../../events/schemas.ts';
import { Topics } from '../../events/topics.ts';
import { withTransaction, type Db } from '../../infra/db.ts';
import type { CreateOrderRequest, ListOrdersQuery } from './request.ts';
import { OUTBOX_CHANNEL } from './schema.ts';
import { ENTERED_FROM, type OrderStatus } from './status.ts';

/** An order as the API shows it. */
export interface Order {
  id: string;
  userId: string;
  amount: number;
  items: Items;
  status: OrderStatus;
  createdAt: string;
  updatedAt: string;
  /** Every status the order entered, oldest first. */
  statusHistory: { status: OrderStatus; at: string }[];
}

/** A page shaped like Spring Data's, which the original service returned. */
export interface Page<T> {
  content: T[];
  totalElements: number;
  totalPages: number;
  number: number;
  size: number;
}

const SELECT_ORDER = `
-- Ties in time (a coarse clock) fall back to the lifecycle's order.
SELECT o.id, o.user_id, o.amount, o.status, o.created_at, o.updated_at,
       COALESCE((SELECT jsonb_object_agg(i.product_id, i.quantity) FROM order_items i WHERE i.order_id = o.id), '{}') AS items,
       COALESCE((SELECT jsonb_agg(jsonb_build_object('status', h.status, 'at', h.at) ORDER BY h.at, CASE h.status WHEN 'CREATED' THEN 0 WHEN 'RESERVED' THEN 1 ELSE 2 END)
                 FROM order_status_history h WHERE h.order_id = o.id), '[]') AS history
FROM orders o`;

interface OrderRow {
  id: string;
  user_id: string;
  amount: string;
  status: OrderStatus;
  created_at: Date;
  updated_at: Date;
  items: Items;
  history: { status: OrderStatus; at: string }[];
}

function toOrder(row: OrderRow): Order {
  return {
    id: row.id,
    userId: row.user_id,
    amount: Number(row.amount),
    items: row.items,
    status: row.status,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    statusHistory: row.history.map((h) => ({ status: h.status, at: new Date(h.at).toISOString() })),
  };
}

/** What POST /orders did, Idempotency-Key included. */
export type CreateResult =
  | { kind: 'created'; order: Order }
  /** The key was used before with the same request: here is the order that request made. */
  | { kind: 'replayed'; order: Order }
  /** The key's first request is still being processed. */
  | { kind: 'in-progress' }
  /** The key was used before with a different request. */
  | { kind: 'mismatch' };

const LOCK_NOT_AVAILABLE = '55P03';

/** The order, its items, its first status, its outbox event and the relay's wake-up, in one statement. */
const INSERT_ORDER = `
WITH new_order AS (
  INSERT INTO orders (id, user_id, amount, status, created_at, updated_at) VALUES ($1, $2, $3, 'CREATED', $4, $4)
), items AS (
  INSERT INTO order_items (order_id, product_id, quantity) SELECT $1, unnest($5::uuid[]), unnest($6::int[])
), history AS (
  INSERT INTO order_status_history (order_id, status, at) VALUES ($1, 'CREATED', $4)
), event AS (
  INSERT INTO outbox (topic, key, payload) VALUES ($7, $1, $8)
)
SELECT pg_notify('${OUTBOX_CHANNEL}', '')`;

/** A stable fingerprint of a request: same user, amount and items (in any order) → same hash. */
export function requestHash(request: CreateOrderRequest): string {
  const items = Object.keys(request.items)
    .sort()
    .map((id) => [id, request.items[id]]);
  return createHash('sha256').update(JSON.stringify([request.userId, request.amount, items])).digest('hex');
}

export class PgOrderStore {
  constructor(private readonly pool: Db) {}

  /**
   * Writes the order, its items, its first status and its order.created event in one transaction.
   * With an idempotency key the key is claimed in the same transaction, so a key never points to a
   * rolled-back order; a second request with the key waits briefly on the first, then answers.
   */
  async create(request: CreateOrderRequest, idempotencyKey?: string): Promise<CreateResult> {
    const id = randomUUID();
    const now = new Date();
    const productIds = Object.keys(request.items);
    const event = serializeEvent({ type: Topics.OrderCreated, orderId: id, userId: request.userId, totalAmount: request.amount, items: request.items }, now);
    const params = [id, request.userId, request.amount, now, productIds, productIds.map((p) => request.items[p]), Topics.OrderCreated, event];
    const at = now.toISOString();
    const created: CreateResult = {
      kind: 'created',
      order: { id, userId: request.userId, amount: request.amount, items: request.items, status: 'CREATED', createdAt: at, updatedAt: at, statusHistory: [{ status: 'CREATED', at }] },
    };
    // The hot path: one statement, so one round trip, and atomic on its own.
    if (idempotencyKey === undefined) {
      await this.pool.query(INSERT_ORDER, params);
      return created;
    }

    const hash = requestHash(request);
    const claim = await withTransaction(this.pool, async (client) => {
      // A key held by a transaction still running makes us wait this long at most, then answer 409.
      await client.query("SET LOCAL lock_timeout = '200ms'");
      try {
        const { rowCount } = await client.query('INSERT INTO idempotency_keys (key, request_hash, order_id) VALUES ($1, $2, $3) ON CONFLICT (key) DO NOTHING', [idempotencyKey, hash, id]);
        if (rowCount !== 1) return 'taken';
      } catch (e: unknown) {
        if ((e as { code?: string }).code === LOCK_NOT_AVAILABLE) return 'in-progress';
        throw e;
      }
      await client.query('SET LOCAL lock_timeout = 0');
      await client.query(INSERT_ORDER, params);
      return 'created';
    });
    if (claim === 'in-progress') return { kind: 'in-progress' };
    if (claim === 'taken') {
      const { rows } = await this.pool.query<{ request_hash: string; order_id: string }>('SELECT request_hash, order_id FROM idempotency_keys WHERE key = $1', [idempotencyKey]);
      const first = rows[0];
      if (!first) return { kind: 'in-progress' };
      if (first.request_hash !== hash) return { kind: 'mismatch' };
      const order = await this.get(first.order_id);
      return order ? { kind: 'replayed', order } : { kind: 'in-progress' };
    }
    return created;
  }

  async get(id: string): Promise<Order | undefined> {
    const { rows } = await this.pool.query<OrderRow>(`${SELECT_ORDER} WHERE o.id = $1`, [id]);
    return rows[0] && toOrder(rows[0]);
  }

  async list(query: ListOrdersQuery): Promise<Page<Order>> {
    const where = 'WHERE ($1::uuid IS NULL OR o.user_id = $1) AND ($2::text IS NULL OR o.status = $2)';
    const params = [query.userId ?? null, query.status ?? null];
    const [count, page] = await Promise.all([
      this.pool.query<{ n: string }>(`SELECT count(*) AS n FROM orders o ${where}`, params),
      this.pool.query<OrderRow>(`${SELECT_ORDER} ${where} ORDER BY o.created_at DESC, o.id LIMIT $3 OFFSET $4`, [...params, query.size, query.page * query.size]),
    ]);
    const totalElements = Number(count.rows[0]?.n ?? 0);
    return { content: page.rows.map(toOrder), totalElements, totalPages: Math.ceil(totalElements / query.size), number: query.page, size: query.size };
  }

  /**
   * Moves an order to `target` if its current status allows it (see ENTERED_FROM); one statement, so
   * the guard and the history row are atomic. Returns false for a late, repeated or unknown-order event.
   */
  async advance(orderId: string, target: Exclude<OrderStatus, 'CREATED'>): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `WITH moved AS (
         UPDATE orders SET status = $2, updated_at = clock_timestamp()
         WHERE id = $1 AND status = ANY($3::text[])
         RETURNING id, updated_at)
       INSERT INTO order_status_history (order_id, status, at)
       SELECT id, $2, updated_at FROM moved
       ON CONFLICT DO NOTHING`,
      [orderId, target, ENTERED_FROM[target]],
    );
    return (rowCount ?? 0) > 0;
  }
}
