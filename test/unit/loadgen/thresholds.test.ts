import { describe, expect, it } from 'vitest';
import { evaluateThreshold, parseThreshold, type ThresholdInputs } from '../../../src/loadgen/thresholds.ts';

const stats = (p99: number) => ({ min: 1, avg: 10, p50: 8, p90: 20, p95: 30, p99, 'p99.9': p99 * 2, max: p99 * 3 });
const inputs: ThresholdInputs = {
  latency: { http: stats(40), saga: stats(450) },
  counts: { sent: 1000, errors: 2, timeouts: 1, http_errors: 1, dropped: 0, late: 3, confirmed: 750, rejected: 50, cancelled: 198 },
  achievedRate: 498.2,
};
const check = (e: string) => evaluateThreshold(parseThreshold(e), inputs);

describe('thresholds', () => {
  it('parse latency, shares, counts and rate', () => {
    expect(parseThreshold('saga.p99<500ms')).toMatchObject({ kind: 'latency', source: 'saga', stat: 'p99', op: '<', valueMs: 500 });
    expect(parseThreshold('http.p99.9 <= 1.5s')).toMatchObject({ stat: 'p99.9', op: '<=', valueMs: 1500 });
    expect(parseThreshold('errors<0.1%')).toMatchObject({ kind: 'share', counter: 'errors', fraction: 0.001 });
    expect(parseThreshold('timeouts<=0')).toMatchObject({ kind: 'count', count: 0 });
    expect(parseThreshold('rate>=450/s')).toMatchObject({ kind: 'rate', op: '>=', perSecond: 450 });
  });

  it.each([
    ['saga.p99', /no comparison/],
    ['saga.p99<', /no value/],
    ['saga.p42<5ms', /unknown statistic 'p42'/],
    ['saga.p99<fast', /not a duration/],
    ['errors<150%', /not a percentage/],
    ['errors<0.5', /neither a percentage/],
    ['latency<5ms', /unknown metric 'latency'/],
  ])('reject %s with a message', (expression, message) => {
    expect(() => parseThreshold(expression)).toThrow(message);
  });

  it('pass and fail against the measured numbers', () => {
    expect(check('saga.p99<500ms')).toEqual({ expression: 'saga.p99<500ms', actual: '450.0ms', ok: true });
    expect(check('saga.p99<400ms').ok).toBe(false);
    expect(check('errors<0.1%')).toEqual({ expression: 'errors<0.1%', actual: '0.20%', ok: false });
    expect(check('confirmed>70%').ok).toBe(true);
    expect(check('timeouts<=0').ok).toBe(false);
    expect(check('rate>=450').ok).toBe(true);
  });

  it('never passes a share threshold on a run that sent nothing', () => {
    expect(evaluateThreshold(parseThreshold('errors<1%'), { ...inputs, counts: { ...inputs.counts, sent: 0, errors: 0 } }).ok).toBe(false);
  });
});
