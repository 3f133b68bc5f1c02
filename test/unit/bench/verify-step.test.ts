import { describe, expect, it } from 'vitest';
import { judgeVerify, type VerifyReport } from '../../../src/bench/verify-step.ts';

const counts = { orders: 10, terminal: 10, inFlight: 0, products: 3 };

describe('verify after a step', () => {
  it('passes a report without violations', () => {
    expect(judgeVerify({ ok: true, counts, violations: [] }, new Set())).toEqual({
      ok: true,
      summary: 'all invariants hold (10 orders, 10 terminal, 0 in flight)',
      foreignViolations: 0,
    });
  });

  it('ignores stock violations of products that are not the bench’s, and nothing else', () => {
    const report: VerifyReport = {
      ok: false,
      counts,
      violations: [
        { invariant: 'I2', subject: 'other-product', detail: 'put in 5 ≠ …' },
        { invariant: 'I2', subject: 'ours', detail: 'negative stock' },
        { invariant: 'I5', subject: 'order-1', detail: 'CONFIRMED but no notification was sent' },
        { invariant: 'I5', subject: 'order-2', detail: 'CONFIRMED but no notification was sent' },
      ],
    };
    const v = judgeVerify(report, new Set(['ours']));
    expect(v.ok).toBe(false);
    expect(v.foreignViolations).toBe(1);
    expect(v.summary).toBe('I2×1, I5×2 (10 orders, 10 terminal, 0 in flight); e.g. I2 ours: negative stock');
    expect(judgeVerify({ ok: false, counts, violations: [report.violations[0]!] }, new Set(['ours'])).ok).toBe(true);
  });
});
