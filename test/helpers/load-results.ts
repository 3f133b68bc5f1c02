import { expect } from 'vitest';
import { UsageError } from '../../src/errors.ts';
import { buildResult, type LoadResult } from '../../src/loadgen/result.ts';
import type { LiveState, LoadConfig } from '../../src/loadgen/run-load.ts';
import { Tracker } from '../../src/loadgen/tracker.ts';

export type Outcomes = { confirmed?: number; rejected?: number; cancelled?: number; httpErrors?: number; timeouts?: number; inFlight?: number };

/** More of a run, for the report: its whole configuration, each order's saga latency, lag samples. */
export interface RunShape {
  config?: Record<string, unknown>;
  /** The saga latency of the n-th order (from 0), ms; 50 by default. */
  sagaMs?: (n: number) => number;
  lagSeries?: LoadResult['lagSeries'];
}

/**
 * A finished run's result with these outcomes, built by the real tracker: one order every 10 ms,
 * answered 5 ms and ended 50 ms after its send; timeouts expire after the config's timeout.
 */
export function resultOf(
  config: Pick<LoadConfig, 'rate' | 'durationMs' | 'timeoutMs' | 'thresholds'>,
  { confirmed = 0, rejected = 0, cancelled = 0, httpErrors = 0, timeouts = 0, inFlight = 0 }: Outcomes,
  shape: RunShape = {},
): LoadResult {
  const tracker = new Tracker(0, 0);
  let n = 0;
  const send = (end: (id: string, at: number) => void) => {
    const at = n++ * 10;
    tracker.sent(at);
    end(`order-${n}`, at);
  };
  const ends = (o: 'CONFIRMED' | 'REJECTED' | 'CANCELLED') => (id: string, at: number) => {
    tracker.accepted(id, at, at + 5);
    tracker.outcome(id, o, at + (shape.sagaMs?.(at / 10) ?? 50));
  };
  const accepted = (id: string, at: number) => tracker.accepted(id, at, at + 5);
  for (let i = 0; i < confirmed; i++) send(ends('CONFIRMED'));
  for (let i = 0; i < rejected; i++) send(ends('REJECTED'));
  for (let i = 0; i < cancelled; i++) send(ends('CANCELLED'));
  for (let i = 0; i < httpErrors; i++) send((_, at) => tracker.httpFailed(at, at + 5, 'HTTP 503'));
  for (let i = 0; i < timeouts; i++) send(accepted);
  if (timeouts > 0) tracker.expire(n * 10 + config.timeoutMs, config.timeoutMs);
  for (let i = 0; i < inFlight; i++) send(accepted);
  tracker.counts.planned = n;
  // One order every 10 ms: 100 due each second.
  tracker.offer(Array.from({ length: Math.ceil(n / 100) }, (_, s) => Math.min(100, n - s * 100)));
  return buildResult({
    config: shape.config ?? { rate: config.rate },
    startedAt: new Date(0),
    durationMs: config.durationMs,
    interrupted: false,
    tracker,
    scheduler: { started: n, dropped: 0, late: 0, maxLatenessMs: 0 },
    thresholds: config.thresholds,
    lagSeries: shape.lagSeries,
  });
}

/** The message of the UsageError that parsing throws; fails the test when it throws none. */
export function usageErrorOf(parse: () => unknown): string {
  try {
    parse();
  } catch (e: unknown) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error('no usage error');
}

/** The state a run reports when it is done, as the progress line shows it. */
export function doneState(r: LoadResult): LiveState {
  return {
    phase: 'done',
    elapsedMs: r.durationMs,
    durationMs: r.durationMs,
    counts: r.counts,
    offeredRate: 0,
    sentPerSec: 0,
    acceptedPerSec: 0,
    completedPerSec: 0,
    completedHistory: [],
    http: r.latency.http,
    saga: r.latency.saga,
    lag: [],
  };
}
