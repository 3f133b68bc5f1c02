import type { LatencySummary } from '../latency.ts';
import type { LoadResult } from '../result.ts';
import { round3 } from './format.ts';

/** Log-spaced latency bins: `edges` has one more entry than `shares` (% of the orders in each bin). */
interface Histogram {
  edges: number[];
  shares: number[];
}

/** What the page script draws, as JSON in the page. */
interface ChartData {
  time: {
    second: number[];
    offered: number[];
    sent: number[];
    accepted: number[];
    completed: number[];
    errors: number[];
    p50: (number | null)[];
    p90: (number | null)[];
    p99: (number | null)[];
  };
  histogram: { saga: Histogram | null; http: Histogram | null };
  lag: { second: number[]; services: { name: string; values: (number | null)[] }[] } | null;
}

const HISTOGRAM_BINS = 40;

/** What the page script draws: the per-second series, the histogram bins, the lag samples. */
export function chartData(result: LoadResult): ChartData {
  const s = result.series;
  const time: ChartData['time'] = {
    second: s.map((x) => x.second),
    offered: s.map((x) => x.offered),
    sent: s.map((x) => x.sent),
    accepted: s.map((x) => x.accepted),
    completed: s.map((x) => x.completed),
    errors: s.map((x) => x.errors),
    p50: s.map((x) => x.saga?.p50 ?? null),
    p90: s.map((x) => x.saga?.p90 ?? null),
    p99: s.map((x) => x.saga?.p99 ?? null),
  };
  const lagSeries = result.lagSeries ?? [];
  const services = [...new Set(lagSeries.flatMap((x) => Object.keys(x.lag)))].sort();
  const lag =
    lagSeries.length > 0
      ? { second: lagSeries.map((x) => x.second), services: services.map((name) => ({ name, values: lagSeries.map((x) => x.lag[name] ?? null) })) }
      : null;
  return { time, histogram: histogram(result), lag };
}

/** Each kind's own log-spaced bins over its own range: HTTP answers and sagas differ by orders of magnitude. */
function histogram(result: LoadResult): ChartData['histogram'] {
  const of = (summary: LatencySummary, points: [number, number][]): Histogram | null => {
    if (summary.count === 0 || points.length === 0) return null;
    const values = points.map(([, v]) => v).filter((v) => v > 0);
    if (values.length === 0) return null;
    const lo = Math.min(...values);
    const hi = Math.max(...values, lo * 1.5);
    const edges = Array.from({ length: HISTOGRAM_BINS + 1 }, (_, k) => round3(lo * (hi / lo) ** (k / HISTOGRAM_BINS)));
    edges[0] = lo;
    edges[HISTOGRAM_BINS] = hi;
    return { edges, shares: histogramShares(points, edges) };
  };
  return { saga: of(result.latency.saga, result.histograms.saga), http: of(result.latency.http, result.histograms.http) };
}

/**
 * The share (%) of orders in each bin between consecutive `edges`, from an HDR histogram's
 * [percentile, ms] points: the distribution function interpolated linearly between them.
 */
export function histogramShares(points: [number, number][], edges: number[]): number[] {
  const sorted = [...points].sort((a, b) => a[0] - b[0]);
  const cdf = (v: number): number => {
    if (sorted.length === 0 || v < sorted[0]![1]) return 0;
    let i = 0;
    while (i + 1 < sorted.length && sorted[i + 1]![1] <= v) i++;
    const [p, at] = sorted[i]!;
    const next = sorted[i + 1];
    if (!next) return 100;
    return p + ((next[0] - p) * (v - at)) / (next[1] - at);
  };
  const shares: number[] = [];
  for (let k = 0; k + 1 < edges.length; k++) shares.push(round3(Math.max(0, cdf(edges[k + 1]!) - cdf(edges[k]!))));
  // The first edge is the minimum: the orders at exactly it belong to the first bin.
  if (shares.length > 0) shares[0] = round3(shares[0]! + cdf(edges[0]!));
  return shares;
}
