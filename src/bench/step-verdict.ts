import type { LoadResult } from '../loadgen/result.ts';

/** A step is sustained only if the generator offered what it meant to and the saga kept up, correctly. */
export const MIN_ACHIEVED_SHARE = 0.97;

export interface VerifyOutcome {
  ok: boolean;
  /** One line: counts, or what failed. */
  summary: string;
}

export interface StepVerdict {
  sustained: boolean;
  /** Why not, one reason per failed condition. */
  reasons: string[];
}

export function judgeStep(input: { offered: number; result: LoadResult; p99BoundMs: number; verify: VerifyOutcome | undefined }): StepVerdict {
  const { offered, result: r, p99BoundMs, verify } = input;
  const reasons: string[] = [];
  if (r.interrupted) reasons.push('interrupted');
  const c = r.counts;
  if (c.httpErrors > 0 || c.timeouts > 0) reasons.push(`${c.httpErrors} HTTP errors, ${c.timeouts} timeouts`);
  if (c.dropped > 0) reasons.push(`${c.dropped} dropped`);
  if (r.latency.saga.count === 0) reasons.push('no order completed');
  else if (r.latency.saga.p99 > p99BoundMs) reasons.push(`saga p99 ${Math.round(r.latency.saga.p99)} ms > ${p99BoundMs} ms`);
  if (r.rates.achieved < offered * MIN_ACHIEVED_SHARE)
    reasons.push(`achieved ${r.rates.achieved}/s < ${Math.round(MIN_ACHIEVED_SHARE * 100)}% of ${offered}/s`);
  if (!verify) reasons.push('verify not run');
  else if (!verify.ok) reasons.push(`verify failed: ${verify.summary}`);
  return { sustained: reasons.length === 0, reasons };
}
