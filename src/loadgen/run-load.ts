import { Pool } from 'undici';
import { errorMessage } from '../errors.ts';
import type { Logger } from '../infra/log.ts';
import { realClock, type Clock } from './clock.ts';
import type { GroupLag } from './lag.ts';
import type { LatencySummary } from './latency.ts';
import { OrderMix } from './order-mix.ts';
import { postOrder } from './post-order.ts';
import { buildResult, type LagSample, type LoadResult } from './result.ts';
import { dueBy, totalOrders, type SchedulePlan } from './schedule.ts';
import { runSchedule, type SchedulerStats } from './scheduler.ts';
import { Tracker, type Counts, type SagaOutcome } from './tracker.ts';

// The run's configuration and its defaults live in load-config.ts, which loads no HTTP client: `doms --help` reads them.
export { loadConfig, type LoadConfig } from './load-config.ts';
import type { LoadConfig } from './load-config.ts';

/** What the dashboard and the progress lines show, refreshed a few times a second. */
export interface LiveState {
  phase: 'starting' | 'sending' | 'draining' | 'done';
  elapsedMs: number;
  durationMs: number;
  counts: Counts;
  offeredRate: number;
  /** Over the last second. */
  sentPerSec: number;
  acceptedPerSec: number;
  completedPerSec: number;
  /** Completed per second over the last minute, oldest first. */
  completedHistory: number[];
  http: LatencySummary;
  saga: LatencySummary;
  lag: GroupLag[];
}

/** What the generator needs around the order API: Kafka and Redis for real, the embedded bus in the demo. */
export interface LoadInfra {
  /** Sets the stock of the run's products. */
  seed(levels: Record<string, number>): Promise<void>;
  /** Reports each order outcome from now on; resolves once positioned. Returns the stopper. */
  followOutcomes(onOutcome: (orderId: string, outcome: SagaOutcome) => void): Promise<() => Promise<void>>;
  lag(): Promise<GroupLag[]>;
  close(): Promise<void>;
}

export interface LoadHooks {
  logger: Logger;
  onUpdate?(state: LiveState): void;
  /** Aborting stops the sending; what was sent is still drained briefly and reported. */
  signal?: AbortSignal;
  clock?: Clock;
  /** Where stock is seeded and outcomes come from (src/wiring builds it); the caller closes it. */
  infra: LoadInfra;
}

const UPDATE_MS = 250;
const DRAIN_AFTER_ABORT_MS = 5_000;

/** Seeds, sends orders on an open schedule, follows each to its end, and returns the result. */
export async function runLoad(config: LoadConfig, hooks: LoadHooks): Promise<LoadResult> {
  const clock = hooks.clock ?? realClock;
  const mix = new OrderMix({ seed: config.seed, users: config.users, products: config.products, items: config.items, quantity: config.quantity });
  const { infra } = hooks;
  if (config.stock !== null) await infra.seed(Object.fromEntries(mix.products.map((p) => [p.id, config.stock!])));
  const startedAt = new Date();
  let tracker: Tracker | undefined;
  const early: [string, 'CONFIRMED' | 'REJECTED' | 'CANCELLED', number][] = [];
  const stopFollowing = await infra.followOutcomes((id, outcome) => {
    if (tracker) tracker.outcome(id, outcome, clock.now());
    else early.push([id, outcome, clock.now()]);
  });
  const pool = new Pool(config.target, {
    connections: config.connections,
    pipelining: 1,
    keepAliveTimeout: 60_000,
    headersTimeout: config.timeoutMs,
    bodyTimeout: config.timeoutMs,
  });

  const plan: SchedulePlan = { rate: config.rate, durationMs: config.durationMs, rampUpMs: config.rampUpMs };
  const start = clock.now();
  tracker = new Tracker(start, start + config.warmupMs);
  const t = tracker;
  t.counts.planned = totalOrders(plan);
  for (const [id, outcome, at] of early) t.outcome(id, outcome, at);

  let phase: LiveState['phase'] = 'sending';
  let lag: GroupLag[] = [];
  /** The lag samples, for the result (and `--report`'s chart). */
  const lagSeries: LagSample[] = [];
  const history: number[] = [];
  let last = { at: start, sent: 0, accepted: 0, completed: 0 };
  let rates = { sent: 0, accepted: 0, completed: 0 };
  const completedOf = (c: Counts) => c.confirmed + c.rejected + c.cancelled;
  const update = () => {
    const now = clock.now();
    t.expire(now, config.timeoutMs);
    if (now - last.at >= 1000) {
      const secs = (now - last.at) / 1000;
      rates = {
        sent: (t.counts.sent - last.sent) / secs,
        accepted: (t.counts.accepted - last.accepted) / secs,
        completed: (completedOf(t.counts) - last.completed) / secs,
      };
      history.push(rates.completed);
      if (history.length > 60) history.shift();
      last = { at: now, sent: t.counts.sent, accepted: t.counts.accepted, completed: completedOf(t.counts) };
    }
    const elapsed = Math.min(now - start, phase === 'sending' ? config.durationMs : Infinity);
    hooks.onUpdate?.({
      phase,
      elapsedMs: now - start,
      durationMs: config.durationMs,
      counts: { ...t.counts },
      offeredRate: phase === 'sending' ? dueBy(plan, elapsed + 1000) - dueBy(plan, elapsed) : 0,
      sentPerSec: rates.sent,
      acceptedPerSec: rates.accepted,
      completedPerSec: rates.completed,
      completedHistory: [...history],
      http: t.http.summary(),
      saga: t.saga.summary(),
      lag,
    });
  };
  const ticker = setInterval(update, UPDATE_MS);
  // Lag is only shown live: without a watcher (bench, smoke) the admin calls would be pure overhead.
  const lagTicker = hooks.onUpdate
    ? setInterval(() => {
        infra
          .lag()
          .then((l) => {
            lag = l;
            if (l.length > 0) lagSeries.push({ second: Math.floor((clock.now() - start) / 1000), lag: Object.fromEntries(l.map((g) => [g.service, g.lag])) });
          })
          .catch(() => {});
      }, 1000)
    : undefined;

  let scheduler: SchedulerStats;
  let sendingMs: number;
  try {
    scheduler = await runSchedule({
      plan,
      clock,
      maxInFlight: config.maxInFlight,
      inFlight: () => t.counts.inFlight,
      signal: hooks.signal,
      send: (_i, intendedAt) => {
        t.sent(intendedAt);
        postOrder(pool, mix.nextJson(), {
          onAnswer: (status, text) => {
            const now = clock.now();
            const id = status >= 200 && status < 300 ? createdId(text) : undefined;
            if (id !== undefined) t.accepted(id, intendedAt, now);
            else t.httpFailed(intendedAt, now, status >= 200 && status < 300 ? `HTTP ${status} without an order id` : `HTTP ${status}`);
          },
          onError: (e) => t.httpFailed(intendedAt, clock.now(), errorMessage(e)),
        });
      },
    });
    sendingMs = clock.now() - start;
    t.offer(offeredPerSecond(plan, sendingMs));

    // Wait for every order to end: an outcome, an HTTP error, or its timeout.
    phase = 'draining';
    const drainDeadline = clock.now() + (hooks.signal?.aborted ? DRAIN_AFTER_ABORT_MS : config.timeoutMs + 2_000);
    while (t.unfinished > 0 && clock.now() < drainDeadline) {
      t.expire(clock.now(), config.timeoutMs);
      await clock.sleep(50);
    }
    phase = 'done';
    update();
  } finally {
    clearInterval(ticker);
    clearInterval(lagTicker);
    await Promise.allSettled([stopFollowing(), pool.close()]);
  }

  return buildResult({
    config: configForReport(config),
    startedAt,
    durationMs: sendingMs,
    interrupted: Boolean(hooks.signal?.aborted),
    tracker: t,
    scheduler,
    thresholds: config.thresholds,
    lagSeries,
  });
}

/** Orders due by the schedule in each second of the sending time (the last one possibly partial). */
function offeredPerSecond(plan: SchedulePlan, sendingMs: number): number[] {
  const end = Math.min(sendingMs, plan.durationMs);
  return Array.from({ length: Math.ceil(end / 1000) }, (_, s) => dueBy(plan, Math.min((s + 1) * 1000, end)) - dueBy(plan, s * 1000));
}

/** The new order's id from a 2xx answer's body (200 today, as the original service answered; any 2xx with an id counts as created). */
function createdId(text: string): string | undefined {
  try {
    const id = (JSON.parse(text) as { id?: unknown }).id;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}

function configForReport(c: LoadConfig): Record<string, unknown> {
  return {
    target: c.target,
    rate: c.rate,
    durationMs: c.durationMs,
    rampUpMs: c.rampUpMs,
    warmupMs: c.warmupMs,
    users: c.users,
    products: c.products,
    items: c.items,
    quantity: c.quantity,
    stock: c.stock,
    seed: c.seed,
    timeoutMs: c.timeoutMs,
    maxInFlight: Number.isFinite(c.maxInFlight) ? c.maxInFlight : null,
    connections: c.connections,
    thresholds: c.thresholds.map((t) => t.expression),
    topicPrefix: c.topicPrefix,
  };
}
