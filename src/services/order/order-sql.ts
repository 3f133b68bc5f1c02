import type { Items } from '../../events/schemas.ts';
import { Topics } from '../../events/topics.ts';
import { prepared } from '../../infra/db.ts';
import type { OrderStatus } from './status.ts';

// The order store's SQL (order-store.ts): the order as it is read, and the two statements its group commits flush.

/** An order with its items and status history, as SqlOrderStore reads it (add a WHERE). */
export const SELECT_ORDER = `
-- Ties in time (a coarse clock) fall back to the lifecycle's order.
SELECT o.id, o.user_id, o.amount, o.status, o.created_at, o.updated_at,
       COALESCE((SELECT jsonb_object_agg(i.product_id, i.quantity) FROM order_items i WHERE i.order_id = o.id), '{}') AS items,
       COALESCE((SELECT jsonb_agg(jsonb_build_object('status', h.status, 'at', h.at) ORDER BY h.at, CASE h.status WHEN 'CREATED' THEN 0 WHEN 'RESERVED' THEN 1 ELSE 2 END)
                 FROM order_status_history h WHERE h.order_id = o.id), '[]') AS history
FROM orders o`;

export interface OrderRow {
  id: string;
  user_id: string;
  amount: string;
  status: OrderStatus;
  created_at: Date;
  updated_at: Date;
  items: Items;
  history: { status: OrderStatus; at: string }[];
}

/**
 * A flush of new orders in one statement: each order, its items, its first status and its
 * order.created outbox row, and the Idempotency-Keys claimed alongside. An order with a key is
 * written only if its key was claimed here, so a key never points to an order that was not written.
 * Returns the order ids whose key was claimed and the outbox rows written (for the relay's fast path).
 * Outbox rows the broker has acknowledged since the last statement are marked published on the way.
 * $13: each order's trace context (JSON), or NULL for the whole flush when tracing is off.
 */
export const INSERT_ORDERS = prepared(
  'doms_insert_orders_traced',
  `
WITH claimed AS (
  INSERT INTO idempotency_keys (key, request_hash, order_id)
  SELECT * FROM unnest($7::text[], $8::text[], $9::uuid[])
  ON CONFLICT (key) DO NOTHING
  RETURNING order_id
), input AS (
  SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::numeric[], $4::timestamptz[], $5::text[], $13::jsonb[]) WITH ORDINALITY AS t(id, user_id, amount, at, payload, headers, n)
  WHERE t.id <> ALL($9::uuid[]) OR t.id IN (SELECT order_id FROM claimed)
), new_orders AS (
  INSERT INTO orders (id, user_id, amount, status, created_at, updated_at) SELECT id, user_id, amount, 'CREATED', at, at FROM input
), items AS (
  INSERT INTO order_items (order_id, product_id, quantity)
  SELECT i.order_id, i.product_id, i.quantity FROM unnest($10::uuid[], $11::uuid[], $6::int[]) AS i(order_id, product_id, quantity)
  WHERE i.order_id IN (SELECT id FROM input)
), history AS (
  INSERT INTO order_status_history (order_id, status, at) SELECT id, 'CREATED', at FROM input
), event AS (
  INSERT INTO outbox (topic, key, payload, headers) SELECT '${Topics.OrderCreated}', id::text, payload, headers FROM input ORDER BY n RETURNING id, key
), marked AS (
  UPDATE outbox SET published_at = now() WHERE id = ANY($12::bigint[]) AND published_at IS NULL
)
SELECT (SELECT coalesce(array_agg(order_id::text), '{}') FROM claimed) AS claimed,
       (SELECT coalesce(array_agg(id::text ORDER BY id), '{}') FROM event) AS outbox_ids,
       (SELECT coalesce(array_agg(key ORDER BY id), '{}') FROM event) AS outbox_keys`,
);

/**
 * A flush of status changes in one statement, each guarded by the statuses it may come from
 * (ENTERED_FROM, comma-joined), with its history row, and one for the status it passed through on the
 * way (`via`, when the change stands for two events) unless that row is there already. Returns the orders that moved.
 * Outbox rows the broker has acknowledged since the last statement are marked published on the way, as in INSERT_ORDERS.
 * $6, $7: when each change and its `via` happened (their events' times; NULL: now).
 */
export const ADVANCE_ORDERS = prepared(
  'doms_advance_orders_at',
  `
WITH input AS (
  SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $6::timestamptz[], $7::timestamptz[]) AS t(id, target, from_list, via, at, via_at)
), moved AS (
  -- A status is reached at its event's time (this write may come a record linger later): never before the last change,
  -- never in the future (a publisher's clock ahead). LEAST and GREATEST skip NULLs: no time given is now.
  UPDATE orders o SET status = i.target, updated_at = GREATEST(o.updated_at, LEAST(i.at, clock_timestamp()))
  FROM input i
  WHERE o.id = i.id AND o.status = ANY(string_to_array(i.from_list, ','))
  RETURNING o.id, o.status, o.created_at, o.updated_at, i.via, i.via_at
), history AS (
  INSERT INTO order_status_history (order_id, status, at)
  SELECT id, status, updated_at FROM moved
  UNION ALL SELECT id, via, GREATEST(created_at, LEAST(via_at, updated_at)) FROM moved WHERE via IS NOT NULL
  ON CONFLICT DO NOTHING
), marked AS (
  UPDATE outbox SET published_at = now() WHERE id = ANY($5::bigint[]) AND published_at IS NULL
)
SELECT id::text FROM moved`,
);
