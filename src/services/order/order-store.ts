import { randomUUID } from 'node:crypto';
import { serializeEvent } from '../../events/events.ts';
import type { Items } from '../../events/schemas.ts';
import { Topics } from '../../events/topics.ts';
import type { Pool } from '../../infra/postgres.ts';
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
SELECT o.id, o.user_id, o.amount, o.status, o.created_at, o.updated_at,
       COALESCE((SELECT jsonb_object_agg(i.product_id, i.quantity) FROM order_items i WHERE i.order_id = o.id), '{}') AS items,
       COALESCE((SELECT jsonb_agg(jsonb_build_object('status', h.status, 'at', h.at) ORDER BY h.at, h.status)
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

export class PgOrderStore {
  constructor(private readonly pool: Pool) {}

  /** Writes the order, its items, its first status and its order.created event in one transaction. */
  async create(request: CreateOrderRequest): Promise<Order> {
    const id = randomUUID();
    const now = new Date();
    const productIds = Object.keys(request.items);
    const event = serializeEvent({ type: Topics.OrderCreated, orderId: id, userId: request.userId, totalAmount: request.amount, items: request.items }, now);
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('INSERT INTO orders (id, user_id, amount, status, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)', [id, request.userId, request.amount, 'CREATED', now]);
      await client.query('INSERT INTO order_items (order_id, product_id, quantity) SELECT $1, unnest($2::uuid[]), unnest($3::int[])', [
        id,
        productIds,
        productIds.map((p) => request.items[p]),
      ]);
      await client.query('INSERT INTO order_status_history (order_id, status, at) VALUES ($1, $2, $3)', [id, 'CREATED', now]);
      await client.query('INSERT INTO outbox (topic, key, payload) VALUES ($1, $2, $3)', [Topics.OrderCreated, id, event]);
      await client.query(`SELECT pg_notify('${OUTBOX_CHANNEL}', '')`);
      await client.query('COMMIT');
    } catch (e: unknown) {
      await client.query('ROLLBACK').catch(() => {});
      throw e;
    } finally {
      client.release();
    }
    return {
      id,
      userId: request.userId,
      amount: request.amount,
      items: request.items,
      status: 'CREATED',
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
      statusHistory: [{ status: 'CREATED', at: now.toISOString() }],
    };
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
