import type { LatencySummary } from './latency.ts';
import { evaluateThreshold, type Threshold, type ThresholdResult } from './thresholds.ts';
import type { SchedulerStats } from './scheduler.ts';
import type { Counts, SecondStats, Tracker } from './tracker.ts';

/** Everything `doms load --out <file>` writes (and `--json` prints): the run's configuration, counts, latencies and per-second series. */
export interface LoadResult {
  config: Record<string, unknown>;
  startedAt: string;
  /** Sending time (excluding the drain). */
  durationMs: number;
  interrupted: boolean;
  counts: Counts;
  rates: { offered: number; achieved: number; completed: number };
  /** Scheduler accuracy: how late sends started. */
  scheduler: { late: number; maxLatenessMs: number; dropped: number };
  latency: { http: LatencySummary; saga: LatencySummary };
  histograms: { http: [number, number][]; saga: [number, number][] };
  series: SecondStats[];
  /** Consumer lag of each service's group, sampled about once a second; only when the run had a lag source. */
  lagSeries?: LagSample[];
  errors: Record<string, number>;
  thresholds: ThresholdResult[];
}

/** The consumer lag of each service at a second of the run (from the start, drain included). */
export interface LagSample {
  second: number;
  lag: Record<string, number>;
}

export function buildResult(input: {
  config: Record<string, unknown>;
  startedAt: Date;
  durationMs: number;
  interrupted: boolean;
  tracker: Tracker;
  scheduler: SchedulerStats;
  thresholds: Threshold[];
  lagSeries?: LagSample[];
}): LoadResult {
  const { tracker } = input;
  const counts = { ...tracker.counts, dropped: input.scheduler.dropped, late: input.scheduler.late };
  const seconds = Math.max(input.durationMs / 1000, 1e-3);
  const latency = { http: tracker.http.summary(), saga: tracker.saga.summary() };
  const completed = counts.confirmed + counts.rejected + counts.cancelled;
  const result: LoadResult = {
    config: input.config,
    startedAt: input.startedAt.toISOString(),
    durationMs: Math.round(input.durationMs),
    interrupted: input.interrupted,
    counts,
    rates: { offered: round(counts.planned / seconds), achieved: round(counts.sent / seconds), completed: round(completed / seconds) },
    scheduler: { late: counts.late, maxLatenessMs: round(Math.max(0, input.scheduler.maxLatenessMs)), dropped: counts.dropped },
    latency,
    histograms: { http: tracker.http.buckets(), saga: tracker.saga.buckets() },
    series: tracker.series(),
    ...(input.lagSeries && input.lagSeries.length > 0 ? { lagSeries: input.lagSeries } : {}),
    errors: Object.fromEntries(tracker.errorSamples),
    thresholds: [],
  };
  result.thresholds = input.thresholds.map((t) =>
    evaluateThreshold(t, {
      latency,
      achievedRate: result.rates.achieved,
      counts: {
        sent: counts.sent,
        errors: counts.httpErrors + counts.timeouts,
        timeouts: counts.timeouts,
        http_errors: counts.httpErrors,
        dropped: counts.dropped,
        late: counts.late,
        confirmed: counts.confirmed,
        rejected: counts.rejected,
        cancelled: counts.cancelled,
      },
    }),
  );
  return result;
}

const round = (n: number) => Math.round(n * 10) / 10;
