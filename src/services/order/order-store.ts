import { createHash, randomUUID } from 'node:crypto';
import { serializeEvent } from '../../events/events.ts';
import type { Items } from '../../events/schemas.ts';
import { Topics } from '../../events/topics.ts';
import { withTransaction, type Db } from '../../infra/db.ts';
import { GroupCommit, type Settled } from '../../infra/group-commit.ts';
import { readOrderStats, type OrderStats } from './order-stats.ts';
import type { CreateOrderRequest, ListOrdersQuery } from './request.ts';
import type { OutboxMarks, OutboxRow } from './outbox-relay.ts';
import { ADVANCE_ORDERS, INSERT_ORDERS, SELECT_ORDER, type OrderRow } from './order-sql.ts';
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

export function toOrder(row: OrderRow): Order {
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

/** Rows per flush at most: a few hundred keeps one statement's parameters and locks small. */
const MAX_FLUSH = 256;

export interface NewOrder {
  request: CreateOrderRequest;
  idempotencyKey?: string;
  /** The W3C trace context of the request, while tracing is on: its order.created carries it (via the outbox). */
  trace?: Record<string, string>;
}

export interface StatusChange {
  orderId: string;
  target: Exclude<OrderStatus, 'CREATED'>;
  /** The status the order passed through on the way, when both events came together (RESERVED, then its outcome). */
  via?: 'RESERVED';
  /** When the order reached `target` (its event's time, ISO 8601); absent: when the change is written. */
  at?: string;
  /** When it reached `via`. */
  viaAt?: string;
}

/** When a change and the status it passed through happened: their events' times (see StatusChange). */
export type StatusTimes = Pick<StatusChange, 'at' | 'viaAt'>;

/** A stable fingerprint of a request: same user, amount and items (in any order) → same hash. */
export function requestHash(request: CreateOrderRequest): string {
  const items = Object.keys(request.items)
    .sort()
    .map((id) => [id, request.items[id]]);
  return createHash('sha256')
    .update(JSON.stringify([request.userId, request.amount, items]))
    .digest('hex');
}

/** The port the order service's API and handlers work through. */
export interface OrderStore {
  /** `trace`: the request's W3C trace context, for its order.created event (tracing on). */
  create(request: CreateOrderRequest, idempotencyKey?: string, trace?: Record<string, string>): Promise<CreateResult>;
  /** `via`: the status it passed through on the way, recorded in its timeline too; `times`: when they happened (see StatusChange). */
  advance(orderId: string, target: StatusChange['target'], via?: StatusChange['via'], times?: StatusTimes): Promise<boolean>;
  get(id: string): Promise<Order | undefined>;
  list(query: ListOrdersQuery): Promise<Page<Order>>;
  /** Throughput, outcomes and saga latency over the last `windowSeconds` whole seconds (`GET /stats`); without it, that answers 404. */
  stats?(windowSeconds: number): Promise<OrderStats>;
}

/**
 * Orders in PostgreSQL (or PGlite: the same SQL). Writes go through group commit: requests and events that arrive while a
 * statement is under way are written together by the next one, so the rate of commits (each an fsync)
 * stops growing with the rate of orders.
 */
export class SqlOrderStore implements OrderStore {
  private readonly creates: GroupCommit<NewOrder, CreateResult>;
  private readonly advances: GroupCommit<StatusChange, boolean>;

  /** `onOutbox` gets each flush's outbox rows once they are committed: the relay's fast path; `marks`, its rows to mark published. */
  constructor(
    private readonly pool: Db,
    private readonly onOutbox: (rows: OutboxRow[]) => void = () => {},
    private readonly marks: OutboxMarks = { take: () => [], giveBack: () => {} },
  ) {
    this.creates = new GroupCommit({
      maxBatch: MAX_FLUSH,
      // A key twice in one flush would be claimed by the first and "taken" for the second: let the second see the first committed.
      key: (o) => (o.idempotencyKey === undefined ? undefined : `key:${o.idempotencyKey}`),
      flush: (orders) => this.createFlush(orders),
    });
    // One order's two changes never share a statement (an UPDATE changes a row once); one flush at a
    // time per process also means this process's own statements never deadlock on each other's rows.
    this.advances = new GroupCommit({ maxBatch: MAX_FLUSH, key: (c) => c.orderId, flush: (changes) => this.advanceFlush(changes) });
  }

  /**
   * Writes the order, its items, its first status and its order.created event atomically, together
   * with whatever other orders arrived meanwhile. With an idempotency key the key is claimed in the
   * same statement; a second request with the key gets the first one's order.
   */
  create(request: CreateOrderRequest, idempotencyKey?: string, trace?: Record<string, string>): Promise<CreateResult> {
    return this.creates.submit({ request, idempotencyKey, trace });
  }

  /**
   * Moves an order to `target` if its current status allows it (see ENTERED_FROM); the guard and the
   * history row are atomic. Resolves false for a late, repeated or unknown-order event.
   */
  advance(orderId: string, target: StatusChange['target'], via?: StatusChange['via'], times: StatusTimes = {}): Promise<boolean> {
    return this.advances.submit({ orderId, target, via, ...times });
  }

  private async createFlush(orders: NewOrder[]): Promise<Settled<CreateResult>[]> {
    try {
      return await this.insertOrders(orders);
    } catch (e: unknown) {
      const code = (e as { code?: string }).code ?? '';
      // A key held by a transaction still running (another order service): answer 409, the client retries.
      if (orders.length === 1 && code === LOCK_NOT_AVAILABLE) return [{ ok: true, value: { kind: 'in-progress' } }];
      // Data exceptions, constraint violations and a held key belong to one row; anything else (the
      // database unreachable) fails every request of the flush alike.
      const rowSpecific = /^2[23]/.test(code) || code === LOCK_NOT_AVAILABLE;
      if (orders.length === 1 || !rowSpecific) return orders.map(() => ({ ok: false, error: e }));
      // One bad row fails the whole statement: redo them one by one, so it fails only its own request.
      const results: Settled<CreateResult>[] = [];
      for (const order of orders) results.push(...(await this.createFlush([order])));
      return results;
    }
  }

  private async insertOrders(orders: NewOrder[]): Promise<Settled<CreateResult>[]> {
    const now = new Date();
    const at = now.toISOString();
    const rows = orders.map(({ request, idempotencyKey, trace }) => {
      const id = randomUUID();
      const event = serializeEvent({ type: Topics.OrderCreated, orderId: id, userId: request.userId, totalAmount: request.amount, items: request.items }, now);
      return { id, request, idempotencyKey, event, trace };
    });
    const keyed = rows.filter((r) => r.idempotencyKey !== undefined);
    const items = rows.flatMap((r) => Object.entries(r.request.items).map(([productId, quantity]) => ({ orderId: r.id, productId, quantity })));
    const params = [
      rows.map((r) => r.id),
      rows.map((r) => r.request.userId),
      rows.map((r) => r.request.amount),
      rows.map(() => at),
      rows.map((r) => r.event),
      items.map((i) => i.quantity),
      keyed.map((r) => r.idempotencyKey!),
      keyed.map((r) => requestHash(r.request)),
      keyed.map((r) => r.id),
      items.map((i) => i.orderId),
      items.map((i) => i.productId),
    ];
    // Tracing off: one NULL for the flush (unnest pads it), nothing per order.
    const traces = rows.some((r) => r.trace) ? rows.map((r) => (r.trace ? JSON.stringify(r.trace) : null)) : null;
    type Written = { claimed: string[]; outbox_ids: string[]; outbox_keys: string[] };
    const { rows: result } = await this.withMarks((marking) =>
      keyed.length === 0
        ? this.pool.query<Written>(INSERT_ORDERS, [...params, marking, traces])
        : withTransaction(this.pool, async (client) => {
            // A key held by a transaction still running makes us wait this long at most, then answer 409.
            await client.query("SET LOCAL lock_timeout = '200ms'");
            return client.query<Written>(INSERT_ORDERS, [...params, marking, traces]);
          }),
    );
    const written = result[0] ?? { claimed: [], outbox_ids: [], outbox_keys: [] };
    const byId = new Map<string, (typeof rows)[number]>(rows.map((r) => [r.id, r]));
    this.onOutbox(
      written.outbox_ids.map((id, i) => {
        const row = byId.get(written.outbox_keys[i]!)!;
        return { id, topic: Topics.OrderCreated, key: row.id, payload: row.event, headers: row.trace };
      }),
    );
    const claimed = new Set(written.claimed);
    const taken = await this.takenKeys(keyed.filter((r) => !claimed.has(r.id)).map((r) => r.idempotencyKey!));
    return Promise.all(
      rows.map(async ({ id, request, idempotencyKey }): Promise<Settled<CreateResult>> => {
        if (idempotencyKey === undefined || claimed.has(id)) {
          const order: Order = {
            id,
            userId: request.userId,
            amount: request.amount,
            items: request.items,
            status: 'CREATED',
            createdAt: at,
            updatedAt: at,
            statusHistory: [{ status: 'CREATED', at }],
          };
          return { ok: true, value: { kind: 'created', order } };
        }
        const first = taken.get(idempotencyKey);
        if (!first) return { ok: true, value: { kind: 'in-progress' } };
        if (first.request_hash !== requestHash(request)) return { ok: true, value: { kind: 'mismatch' } };
        const order = await this.get(first.order_id);
        return { ok: true, value: order ? { kind: 'replayed', order } : { kind: 'in-progress' } };
      }),
    );
  }

  private async takenKeys(keys: string[]): Promise<Map<string, { request_hash: string; order_id: string }>> {
    if (keys.length === 0) return new Map();
    const { rows } = await this.pool.query<{ key: string; request_hash: string; order_id: string }>(
      'SELECT key, request_hash, order_id FROM idempotency_keys WHERE key = ANY($1::text[])',
      [keys],
    );
    return new Map(rows.map((r) => [r.key, r]));
  }

  /** Runs a statement that also marks the outbox rows acknowledged since the last one; a failed one gives them back. */
  private async withMarks<T>(statement: (marking: string[]) => Promise<T>): Promise<T> {
    const marking = this.marks.take();
    try {
      return await statement(marking);
    } catch (e: unknown) {
      this.marks.giveBack(marking);
      throw e;
    }
  }

  private async advanceFlush(changes: StatusChange[]): Promise<Settled<boolean>[]> {
    const { rows } = await this.withMarks((marking) =>
      this.pool.query<{ id: string }>(ADVANCE_ORDERS, [
        changes.map((c) => c.orderId),
        changes.map((c) => c.target),
        changes.map((c) => ENTERED_FROM[c.target].join(',')),
        changes.map((c) => c.via ?? null),
        marking,
        changes.map((c) => c.at ?? null),
        changes.map((c) => c.viaAt ?? null),
      ]),
    );
    const moved = new Set(rows.map((r) => r.id));
    return changes.map((c) => ({ ok: true, value: moved.has(c.orderId) }));
  }

  async get(id: string): Promise<Order | undefined> {
    const { rows } = await this.pool.query<OrderRow>(`${SELECT_ORDER} WHERE o.id = $1`, [id]);
    return rows[0] && toOrder(rows[0]);
  }

  /** One read, and only when asked: nothing is counted on the way of an order. */
  stats(windowSeconds: number): Promise<OrderStats> {
    return readOrderStats(this.pool, windowSeconds);
  }

  async list(query: ListOrdersQuery): Promise<Page<Order>> {
    const where = 'WHERE ($1::uuid IS NULL OR o.user_id = $1) AND ($2::text IS NULL OR o.status = $2)';
    const params = [query.userId ?? null, query.status ?? null];
    const [count, page] = await Promise.all([
      this.pool.query<{ n: string }>(`SELECT count(*) AS n FROM orders o ${where}`, params),
      this.pool.query<OrderRow>(`${SELECT_ORDER} ${where} ORDER BY o.created_at DESC, o.id LIMIT $3 OFFSET $4`, [
        ...params,
        query.size,
        query.page * query.size,
      ]),
    ]);
    const totalElements = Number(count.rows[0]?.n ?? 0);
    return { content: page.rows.map(toOrder), totalElements, totalPages: Math.ceil(totalElements / query.size), number: query.page, size: query.size };
  }
}
