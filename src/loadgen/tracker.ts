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
  /** Orders due by the schedule in this second (0 where the run did not say). */
  offered: number;
  /** By intended send time. */
  sent: number;
  /** By the time they happened, as `completed` and `errors`. */
  accepted: number;
  completed: number;
  errors: number;
  /**
   * Saga latency (send → outcome, ms) of the orders whose intended send time falls in this second and
   * that ended with an outcome; warm-up orders included. Null when none did. About ±5% (log buckets).
   */
  saga: { count: number; p50: number; p90: number; p99: number } | null;
}

/**
 * Per-second saga latency: a fixed log-bucket histogram per second (constant memory per second of the
 * run, one Math.log per outcome). Bucket 0 holds up to MIN_MS; bucket i ≥ 1 holds
 * [MIN_MS·RATIO^(i-1), MIN_MS·RATIO^i); the last one everything above (about 5.8 min).
 */
const SECOND_BUCKETS = 160;
const SECOND_MIN_MS = 0.1;
const SECOND_RATIO = 1.1;
const INV_LOG_RATIO = 1 / Math.log(SECOND_RATIO);

export function secondBucketOf(ms: number): number {
  if (!(ms > SECOND_MIN_MS)) return 0;
  return Math.min(SECOND_BUCKETS - 1, 1 + Math.floor(Math.log(ms / SECOND_MIN_MS) * INV_LOG_RATIO));
}

/** A bucket's representative value: the geometric middle of its bounds. */
function secondBucketValue(i: number): number {
  return i === 0 ? SECOND_MIN_MS : SECOND_MIN_MS * SECOND_RATIO ** (i - 0.5);
}

function percentilesOf(counts: Uint32Array): SecondStats['saga'] {
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i]!;
  if (total === 0) return null;
  const at = (q: number) => {
    const rank = Math.max(1, Math.ceil(q * total));
    let seen = 0;
    for (let i = 0; i < counts.length; i++) if ((seen += counts[i]!) >= rank) return Number(secondBucketValue(i).toPrecision(3));
    return Number(secondBucketValue(counts.length - 1).toPrecision(3));
  };
  return { count: total, p50: at(0.5), p90: at(0.9), p99: at(0.99) };
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
  /** Saga latency histograms by second of intended send time. */
  private readonly sagaSeconds = new Map<number, Uint32Array>();
  private lastSagaSecond = -1;
  private lastSagaCounts: Uint32Array | undefined;

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
    const latency = at - order.intendedAt;
    if (order.measured) this.saga.record(latency);
    this.sagaSecond(order.intendedAt)[secondBucketOf(latency)]!++;
  }

  /** The orders due by the schedule in each second from the start (offered[s] for second s). */
  offer(offered: readonly number[]): void {
    offered.forEach((n, second) => (this.statsOf(second).offered = n));
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
    for (const second of this.sagaSeconds.keys()) this.statsOf(second);
    return [...this.seconds.values()]
      .sort((a, b) => a.second - b.second)
      .map((s) => {
        const counts = this.sagaSeconds.get(s.second);
        return { ...s, saga: counts ? percentilesOf(counts) : null };
      });
  }

  private secondOf(at: number): number {
    return Math.max(0, Math.floor((at - this.startedAt) / 1000));
  }

  private bucket(at: number): SecondStats {
    const second = this.secondOf(at);
    // Nearly every event falls in the same second as the one before: skip the map lookup.
    if (this.lastBucket?.second === second) return this.lastBucket;
    return (this.lastBucket = this.statsOf(second));
  }

  private statsOf(second: number): SecondStats {
    let s = this.seconds.get(second);
    if (!s) this.seconds.set(second, (s = { second, offered: 0, sent: 0, accepted: 0, completed: 0, errors: 0, saga: null }));
    return s;
  }

  private sagaSecond(intendedAt: number): Uint32Array {
    const second = this.secondOf(intendedAt);
    if (second === this.lastSagaSecond) return this.lastSagaCounts!;
    let counts = this.sagaSeconds.get(second);
    if (!counts) this.sagaSeconds.set(second, (counts = new Uint32Array(SECOND_BUCKETS)));
    this.lastSagaSecond = second;
    this.lastSagaCounts = counts;
    return counts;
  }
}
