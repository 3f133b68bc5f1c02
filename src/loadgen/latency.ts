import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';

export interface LatencySummary {
  count: number;
  min: number;
  avg: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  'p99.9': number;
  max: number;
}

/**
 * Latencies in an HDR histogram (Node's built-in one: no dependency, constant memory, bounded
 * relative error), recorded in microseconds and reported in milliseconds.
 */
export class Latency {
  private readonly h: RecordableHistogram = createHistogram();

  record(ms: number): void {
    this.h.record(Math.max(1, Math.round(ms * 1000)));
  }

  get count(): number {
    return this.h.count;
  }

  summary(): LatencySummary {
    if (this.h.count === 0) return { count: 0, min: 0, avg: 0, p50: 0, p90: 0, p95: 0, p99: 0, 'p99.9': 0, max: 0 };
    const ms = (us: number) => us / 1000;
    return {
      count: this.h.count,
      min: ms(this.h.min),
      avg: ms(this.h.mean),
      p50: ms(this.h.percentile(50)),
      p90: ms(this.h.percentile(90)),
      p95: ms(this.h.percentile(95)),
      p99: ms(this.h.percentile(99)),
      'p99.9': ms(this.h.percentile(99.9)),
      max: ms(this.h.max),
    };
  }

  /** The histogram's own percentile points: [percentile, ms] pairs, for the JSON result. */
  buckets(): [number, number][] {
    return [...this.h.percentiles].map(([p, us]) => [p, us / 1000]);
  }
}
