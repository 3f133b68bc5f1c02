/** k6-style pass/fail criteria: `saga.p99<500ms`, `errors<0.1%`, `confirmed>70%`, `rate>=450`. */

export const LATENCY_STATS = ['min', 'avg', 'p50', 'p90', 'p95', 'p99', 'p99.9', 'max'] as const;
export const COUNTERS = ['errors', 'timeouts', 'http_errors', 'dropped', 'late', 'confirmed', 'rejected', 'cancelled'] as const;
const OPS = ['<=', '>=', '<', '>'] as const;

type LatencyStat = (typeof LATENCY_STATS)[number];
type Counter = (typeof COUNTERS)[number];
type Op = (typeof OPS)[number];

export type Threshold =
  | { expression: string; kind: 'latency'; source: 'http' | 'saga'; stat: LatencyStat; op: Op; valueMs: number }
  | { expression: string; kind: 'share'; counter: Counter; op: Op; fraction: number }
  | { expression: string; kind: 'count'; counter: Counter; op: Op; count: number }
  | { expression: string; kind: 'rate'; op: Op; perSecond: number };

/** What thresholds are checked against. */
export interface ThresholdInputs {
  latency: Record<'http' | 'saga', Record<LatencyStat, number>>;
  counts: Record<Counter, number> & { sent: number };
  achievedRate: number;
}

export interface ThresholdResult {
  expression: string;
  actual: string;
  ok: boolean;
}

/** Parses one expression; throws a message naming what is wrong. */
export function parseThreshold(expression: string): Threshold {
  const text = expression.replace(/\s+/g, '');
  const op = OPS.find((o) => text.includes(o));
  if (!op) throw new Error(`'${expression}' has no comparison (<, <=, >, >=)`);
  const [metric = '', raw = ''] = text.split(op);
  if (!raw) throw new Error(`'${expression}' has no value after ${op}`);

  const latency = /^(http|saga)\.(.+)$/.exec(metric);
  if (latency) {
    const stat = latency[2] as LatencyStat;
    if (!LATENCY_STATS.includes(stat)) throw new Error(`'${expression}': unknown statistic '${latency[2]}' (use ${LATENCY_STATS.join(', ')})`);
    const m = /^(\d+(?:\.\d+)?)(ms|s)?$/.exec(raw);
    if (!m) throw new Error(`'${expression}': '${raw}' is not a duration like 500ms or 1.5s`);
    return { expression, kind: 'latency', source: latency[1] as 'http' | 'saga', stat, op, valueMs: Number(m[1]) * (m[2] === 's' ? 1000 : 1) };
  }
  if (metric === 'rate') {
    const n = Number(raw.replace(/\/s$/, ''));
    if (!Number.isFinite(n)) throw new Error(`'${expression}': '${raw}' is not a number of orders per second`);
    return { expression, kind: 'rate', op, perSecond: n };
  }
  if ((COUNTERS as readonly string[]).includes(metric)) {
    const counter = metric as Counter;
    if (raw.endsWith('%')) {
      const pct = Number(raw.slice(0, -1));
      if (!Number.isFinite(pct) || pct < 0 || pct > 100) throw new Error(`'${expression}': '${raw}' is not a percentage`);
      return { expression, kind: 'share', counter, op, fraction: pct / 100 };
    }
    const count = Number(raw);
    if (!Number.isInteger(count) || count < 0) throw new Error(`'${expression}': '${raw}' is neither a percentage (e.g. 1%) nor a count`);
    return { expression, kind: 'count', counter, op, count };
  }
  throw new Error(`'${expression}': unknown metric '${metric}' (use http.<stat>, saga.<stat>, rate, or ${COUNTERS.join(', ')})`);
}

const compare = (actual: number, op: Op, limit: number) =>
  op === '<' ? actual < limit : op === '<=' ? actual <= limit : op === '>' ? actual > limit : actual >= limit;

export function evaluateThreshold(t: Threshold, inputs: ThresholdInputs): ThresholdResult {
  switch (t.kind) {
    case 'latency': {
      const actual = inputs.latency[t.source][t.stat];
      return { expression: t.expression, actual: `${actual.toFixed(1)}ms`, ok: compare(actual, t.op, t.valueMs) };
    }
    case 'share': {
      const share = inputs.counts.sent === 0 ? 0 : inputs.counts[t.counter] / inputs.counts.sent;
      return { expression: t.expression, actual: `${(share * 100).toFixed(2)}%`, ok: inputs.counts.sent > 0 && compare(share, t.op, t.fraction) };
    }
    case 'count':
      return { expression: t.expression, actual: String(inputs.counts[t.counter]), ok: compare(inputs.counts[t.counter], t.op, t.count) };
    case 'rate':
      return { expression: t.expression, actual: `${inputs.achievedRate.toFixed(1)}/s`, ok: compare(inputs.achievedRate, t.op, t.perSecond) };
  }
}
