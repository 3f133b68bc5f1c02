import type { SagaOutcome } from '../events/outcomes.ts';
import { Latency } from './latency.ts';

export type { SagaOutcome };

/** Everything counted about a run; sent = confirmed + rejected + cancelled + httpErrors + timeouts + inFlight. */
export interface Counts {
  planned: number;
  sent: number;
  dropped: number;
  late: number;
  accepted: number;
  httpErrors: number;
  confirmed: number;
  rejected: number;
  cancelled: number;
  timeouts: number;
  inFlight: number;
}

export interface SecondStats {
  second: number;
  sent: number;
  accepted: number;
  completed: number;
  errors: number;
}

interface Pending {
  intendedAt: number;
  /** Warm-up orders are counted but kept out of the latency figures. */
  measured: boolean;
}

const EARLY_KEEP_MS = 120_000;

/**
 * Follows every order from its intended send time to its end: an HTTP error, a saga outcome, or a
 * timeout. Outcomes may arrive before the HTTP answer does, so they wait in `early` until it comes.
 */
export class Tracker {
  readonly http = new Latency();
  readonly saga = new Latency();
  readonly counts: Counts = {
    planned: 0,
    sent: 0,
    dropped: 0,
    late: 0,
    accepted: 0,
    httpErrors: 0,
    confirmed: 0,
    rejected: 0,
    cancelled: 0,
    timeouts: 0,
    inFlight: 0,
  };
  readonly errorSamples = new Map<string, number>();
  private readonly pending = new Map<string, Pending>();
  private readonly early = new Map<string, { outcome: SagaOutcome; at: number }>();
  private readonly seconds = new Map<number, SecondStats>();
  private lastBucket: SecondStats | undefined;

  constructor(
    private readonly startedAt: number,
    private readonly warmupEndsAt: number,
  ) {}

  /** The send of an order starts (HTTP request under way). */
  sent(intendedAt: number): number {
    this.counts.sent++;
    this.counts.inFlight++;
    this.bucket(intendedAt).sent++;
    return intendedAt;
  }

  /** The order service accepted the order: the saga is under way. */
  accepted(orderId: string, intendedAt: number, now: number): void {
    this.counts.accepted++;
    this.bucket(now).accepted++;
    const measured = intendedAt >= this.warmupEndsAt;
    if (measured) this.http.record(now - intendedAt);
    this.pending.set(orderId, { intendedAt, measured });
    const early = this.early.get(orderId);
    if (early) {
      this.early.delete(orderId);
      this.outcome(orderId, early.outcome, early.at);
    }
  }

  httpFailed(intendedAt: number, now: number, reason: string): void {
    this.counts.httpErrors++;
    this.counts.inFlight--;
    this.bucket(now).errors++;
    this.errorSamples.set(reason, (this.errorSamples.get(reason) ?? 0) + 1);
  }

  /** A terminal outcome event for an order (possibly one of another run: ignored after a while). */
  outcome(orderId: string, outcome: SagaOutcome, at: number): void {
    const order = this.pending.get(orderId);
    if (!order) {
      if (!this.early.has(orderId)) this.early.set(orderId, { outcome, at });
      return;
    }
    this.pending.delete(orderId);
    this.counts.inFlight--;
    this.counts[outcome === 'CONFIRMED' ? 'confirmed' : outcome === 'REJECTED' ? 'rejected' : 'cancelled']++;
    this.bucket(at).completed++;
    if (order.measured) this.saga.record(at - order.intendedAt);
  }

  /** Gives up on orders older than the timeout; returns how many timed out now. */
  expire(now: number, timeoutMs: number): number {
    let expired = 0;
    for (const [id, order] of this.pending) {
      if (now - order.intendedAt < timeoutMs) continue;
      this.pending.delete(id);
      this.counts.inFlight--;
      this.counts.timeouts++;
      this.bucket(now).errors++;
      expired++;
    }
    for (const [id, e] of this.early) if (now - e.at > EARLY_KEEP_MS) this.early.delete(id);
    return expired;
  }

  /** Orders still waiting for an HTTP answer or an outcome. */
  get unfinished(): number {
    return this.counts.inFlight;
  }

  series(): SecondStats[] {
    return [...this.seconds.values()].sort((a, b) => a.second - b.second);
  }

  private bucket(at: number): SecondStats {
    const second = Math.max(0, Math.floor((at - this.startedAt) / 1000));
    // Nearly every event falls in the same second as the one before: skip the map lookup.
    if (this.lastBucket?.second === second) return this.lastBucket;
    let s = this.seconds.get(second);
    if (!s) this.seconds.set(second, (s = { second, sent: 0, accepted: 0, completed: 0, errors: 0 }));
    this.lastBucket = s;
    return s;
  }
}
