import type { StockLevel, ReservationState } from '../../services/inventory/ports.ts';
import type { Outcome } from '../../services/notification/ports.ts';
import { isTerminal, type OrderStatus } from '../../services/order/status.ts';

/** Everything the checks look at, gathered from PostgreSQL, Redis and Kafka. */
export interface Snapshot {
  now: Date;
  orders: { id: string; status: OrderStatus; createdAt: Date; updatedAt: Date }[];
  stock: StockLevel[];
  /** Reservation state per order id (orders with none are absent). */
  reservations: Map<string, ReservationState>;
  /** Distinct payment outcomes seen on the payment topics, per order id. */
  paymentEvents: Map<string, Set<'success' | 'failed'>>;
  /** The notification recorded per order id. */
  notifications: Map<string, Outcome>;
  /** Order ids of the order.created events this database published (stamped with its origin). */
  createdEvents: Set<string>;
  /**
   * Order ids of the other order.created events on the topic: another database's (a saga sharing the
   * topic), or unstamped (an older doms, another producer). They count for a row, but an event of
   * theirs without a row here is none of this database's business.
   */
  otherEvents: Set<string>;
  /**
   * When the topics read have dropped records (retention, deletion): the time of their oldest record
   * left. Orders created before it may have lost their events, so they are not asked for them.
   */
  retainedSince?: Date;
  /**
   * With a ledger TTL (DOMS_LEDGER_TTL): now minus the TTL. Orders created before it may have lost
   * their Redis records (reservation, notification), so they were not asked for them (I3, I5, I7).
   */
  ledgerRetainedSince?: Date;
  /** With `--since`: orders created before it were not read (only counted, in `ordersBeforeSince`). */
  since?: Date;
  ordersBeforeSince?: number;
}

const INVARIANTS = {
  I1: 'every order has exactly one terminal status, or is in flight for less than the allowed age',
  I2: 'per product: stock put in = available + reserved + sold, and none is negative',
  I3: 'no reservation survives a REJECTED or CANCELLED order',
  I4: 'at most one payment outcome per order, and it matches the order status',
  I5: 'exactly one notification per terminal order, matching its status',
  I6: 'every order row has its order.created event and every order.created has its row',
  I7: "every finished order's stock decision is on record in Redis, and a CONFIRMED order's stock is sold",
} as const;
export type InvariantId = keyof typeof INVARIANTS;

export interface Violation {
  invariant: InvariantId;
  subject: string;
  detail: string;
}

export interface Report {
  ok: boolean;
  counts: { orders: number; terminal: number; inFlight: number; products: number };
  /** What the checks left alone, and why: never a silent pass. */
  notJudged: {
    /** order.created events without a row here that this database did not publish. */
    otherEvents: number;
    /** Orders older than the oldest retained event, not asked for their events (I4, I6). */
    beforeRetention: number;
    retainedSince?: Date;
    /** Orders older than the ledger TTL, not asked for their Redis records (I3, I5, I7). */
    beforeLedgerRetention: number;
    ledgerRetainedSince?: Date;
    /** With --since: orders created before it, not judged at all. */
    beforeSince: number;
    since?: Date;
  };
  checks: { id: InvariantId; description: string; violations: number }[];
  violations: Violation[];
}

/** The checks themselves: pure, so each rule is unit-tested apart from the I/O that feeds it. */
export function checkInvariants(s: Snapshot, { stuckAfterMs }: { stuckAfterMs: number }): Report {
  const violations: Violation[] = [];
  const add = (invariant: InvariantId, subject: string, detail: string) => violations.push({ invariant, subject, detail });
  const young = (at: Date) => s.now.getTime() - at.getTime() < stuckAfterMs;
  const orderIds = new Set(s.orders.map((o) => o.id));
  const retained = (at: Date) => s.retainedSince === undefined || at >= s.retainedSince;
  const ledgerKept = (at: Date) => s.ledgerRetainedSince === undefined || at >= s.ledgerRetainedSince;
  let terminal = 0;
  let beforeRetention = 0;
  let beforeLedgerRetention = 0;

  for (const o of s.orders) {
    const done = isTerminal(o.status);
    if (done) terminal++;
    else if (!young(o.createdAt)) add('I1', o.id, `still ${o.status} ${Math.round((s.now.getTime() - o.createdAt.getTime()) / 1000)}s after it was created`);

    const recordsKept = ledgerKept(o.createdAt);
    if (!recordsKept) beforeLedgerRetention++;
    const reservation = s.reservations.get(o.id);
    if ((o.status === 'REJECTED' || o.status === 'CANCELLED') && reservation === 'RESERVED') add('I3', o.id, `${o.status} but its stock is still reserved`);

    const eventsKept = retained(o.createdAt);
    if (!eventsKept) beforeRetention++;
    const payments = s.paymentEvents.get(o.id) ?? new Set();
    if (payments.size > 1) add('I4', o.id, 'both payment.success and payment.failed were published');
    if (eventsKept && o.status === 'CONFIRMED' && !payments.has('success')) add('I4', o.id, 'CONFIRMED without a payment.success');
    if (eventsKept && o.status === 'CANCELLED' && !payments.has('failed')) add('I4', o.id, 'CANCELLED without a payment.failed');
    if (o.status === 'REJECTED' && payments.size > 0) add('I4', o.id, 'REJECTED yet charged');

    const notified = s.notifications.get(o.id);
    if (done && recordsKept && notified === undefined && !young(o.updatedAt)) add('I5', o.id, `${o.status} but no notification was sent`);
    if (notified !== undefined && notified !== o.status) add('I5', o.id, `notified as ${notified} but the order is ${o.status}`);

    // Redis restarted without its data (no persistence) forgets reservations: say so rather than pass.
    if (done && recordsKept && !young(o.updatedAt)) {
      if (reservation === undefined) add('I7', o.id, `${o.status} but Redis has no record of its stock (was Redis restarted without its data?)`);
      else if (o.status === 'CONFIRMED' && reservation !== 'SOLD') add('I7', o.id, `CONFIRMED but its stock is ${reservation}, not SOLD`);
    }

    const published = s.createdEvents.has(o.id) || s.otherEvents.has(o.id);
    if (!published && eventsKept && !young(o.createdAt)) add('I6', o.id, 'order row without an order.created event');
  }
  for (const id of s.createdEvents) if (!orderIds.has(id)) add('I6', id, 'order.created event without an order row');
  let otherEvents = 0;
  for (const id of s.otherEvents) if (!orderIds.has(id)) otherEvents++;

  for (const p of s.stock) {
    if (p.available + p.reserved + p.sold !== p.added)
      add('I2', p.productId, `put in ${p.added} ≠ available ${p.available} + reserved ${p.reserved} + sold ${p.sold}`);
    if (p.available < 0 || p.reserved < 0 || p.sold < 0)
      add('I2', p.productId, `negative stock: available ${p.available}, reserved ${p.reserved}, sold ${p.sold}`);
  }

  const ids = Object.keys(INVARIANTS) as InvariantId[];
  return {
    ok: violations.length === 0,
    counts: { orders: s.orders.length, terminal, inFlight: s.orders.length - terminal, products: s.stock.length },
    notJudged: {
      otherEvents,
      beforeRetention,
      ...(s.retainedSince && { retainedSince: s.retainedSince }),
      beforeLedgerRetention,
      ...(s.ledgerRetainedSince && { ledgerRetainedSince: s.ledgerRetainedSince }),
      beforeSince: s.ordersBeforeSince ?? 0,
      ...(s.since && { since: s.since }),
    },
    checks: ids.map((id) => ({ id, description: INVARIANTS[id], violations: violations.filter((v) => v.invariant === id).length })),
    violations,
  };
}
