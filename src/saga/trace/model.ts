// What `doms trace <orderId>` reads about one order and what it shows: the types shared by the
// collection (collect.ts), the view (view.ts) and the verdict (verdict.ts).
import type { SagaOutcome } from '../../events/outcomes.ts';
import type { KeyedRange, KeyedRecord } from '../../infra/kafka-keyed-records.ts';
import type { Order } from '../../services/order/order-store.ts';

/** The order's row and status timeline in PostgreSQL: the order as the API shows it. */
export type TracedOrder = Order;

/** One Kafka record keyed by (or, on a dead-letter topic, about) the order, as read; `topic` is the bare name (a saga topic, or `<topic>.dlq`). */
export type SeenRecord = KeyedRecord;

/** One partition read, from `from` up to `to` (exclusive: its end when read). */
export type SearchedPartition = KeyedRange;

/** The order's records in Redis, each with its key (null values: no such key). */
export interface RedisRecords {
  /** The reservation hash (`state`, `detail`); null when the key does not exist. */
  reservation: { key: string; fields: Record<string, string> | null };
  /** The payment ledger's JSON (PaymentOutcome). */
  payment: { key: string; value: string | null };
  /** The outcome the notification ledger recorded. */
  notification: { key: string; value: string | null };
}

/** Everything read about one order, before it is judged. */
export interface TraceInput {
  order: TracedOrder;
  /** Records on the saga topics, in any order. */
  records: SeenRecord[];
  /** Records on the dead-letter topics. */
  deadLetters: SeenRecord[];
  redis: RedisRecords;
  searched: SearchedPartition[];
  now: Date;
}

/** How the verdict treats time: an order's last change younger than `settleMs` may still have steps to come. */
export interface TraceJudgement {
  settleMs: number;
  /** The workers' ledger TTL (0: Redis records kept for ever): older orders are not asked for their Redis records. */
  ledgerTtlMs: number;
}

/** An event about the order, as shown. */
export interface TraceEvent {
  topic: string;
  partition: number;
  offset: string;
  /** ISO time of the record. */
  timestamp: string;
  /** The `doms-origin` header (the database that published it), null when absent. */
  origin: string | null;
  /** Milliseconds since the previous event (since the order's creation for the first). */
  sincePreviousMs: number;
  /**
   * `step`: the first valid event on its topic, the one the saga acted on; `absorbed`: the same step
   * again (a redelivery, another client's write), which the idempotent handlers absorb; `invalid`: a
   * record the workers could not read (dead-lettered).
   */
  kind: 'step' | 'absorbed' | 'invalid';
  /** What it says, in a few words. */
  summary: string;
  /** For an absorbed or invalid record: why. */
  note?: string;
  /** The payload as parsed (the raw text when not JSON). */
  value: unknown;
}

/** A dead letter about the order. */
export interface TraceDeadLetter {
  topic: string;
  offset: string;
  timestamp: string;
  error: string;
  source: { topic: string; partition: string; offset: string };
  group: string;
  value: string | null;
}

export type CheckStatus = 'pass' | 'fail' | 'pending' | 'skipped' | 'warn';

export interface TraceCheck {
  name: string;
  status: CheckStatus;
  detail: string;
}

export interface TraceVerdict {
  /** passed: finished and every check holds; failed: a check fails; in flight: steps still to come. */
  state: 'passed' | 'failed' | 'in flight';
  /** The outcome the events announce (or the status says, when they do not). */
  outcome: SagaOutcome | null;
  checks: TraceCheck[];
  /** What should be there and is not, each naming where (a Redis key, a topic). */
  missing: string[];
}

/** `doms trace`'s answer, and `GET /orders/<id>/trace`'s. */
export interface OrderTrace {
  orderId: string;
  order: TracedOrder;
  events: TraceEvent[];
  deadLetters: TraceDeadLetter[];
  redis: {
    reservation: { key: string; state: string | null; detail: unknown };
    payment: { key: string; value: unknown };
    notification: { key: string; value: string | null };
  };
  verdict: TraceVerdict;
  /** Where the events were looked for: each topic's one partition for this key, from the order's creation on. */
  searched: SearchedPartition[];
}
