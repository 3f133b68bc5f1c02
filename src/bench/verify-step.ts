import { spawn } from 'node:child_process';
import type { VerifyOutcome } from './step-verdict.ts';

/** The part of `doms verify --json`'s report the bench reads. */
export interface VerifyReport {
  ok: boolean;
  counts: { orders: number; terminal: number; inFlight: number; products: number };
  violations: { invariant: string; subject: string; detail: string }[];
}

export interface VerifyResult extends VerifyOutcome {
  /** I2 violations on products of other runs (stock is shared in Redis): reported, not held against the bench. */
  foreignViolations: number;
  seconds: number;
}

/**
 * Judges a verify report for the bench: every violation counts except I2 (stock) on products that
 * are not the bench's, since `doms verify` checks every product in Redis, including other runs'.
 */
export function judgeVerify(report: VerifyReport, benchProducts: ReadonlySet<string>): Omit<VerifyResult, 'seconds'> {
  const foreign = report.violations.filter((v) => v.invariant === 'I2' && !benchProducts.has(v.subject));
  const own = report.violations.filter((v) => !foreign.includes(v));
  const c = report.counts;
  const counts = `${c.orders} orders, ${c.terminal} terminal, ${c.inFlight} in flight`;
  if (own.length === 0) return { ok: true, summary: `all invariants hold (${counts})`, foreignViolations: foreign.length };
  const byInvariant = new Map<string, number>();
  for (const v of own) byInvariant.set(v.invariant, (byInvariant.get(v.invariant) ?? 0) + 1);
  const first = own[0]!;
  return {
    ok: false,
    summary: `${[...byInvariant].map(([id, n]) => `${id}×${n}`).join(', ')} (${counts}); e.g. ${first.invariant} ${first.subject}: ${first.detail}`,
    foreignViolations: foreign.length,
  };
}

/** Runs `doms verify --wait <wait> --json` as users would, with the bench's environment. */
export async function runVerify(root: string, env: NodeJS.ProcessEnv, benchProducts: ReadonlySet<string>, waitSeconds = 30): Promise<VerifyResult> {
  const started = Date.now();
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/doms.js', 'verify', '--wait', `${waitSeconds}s`, '--json'], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
  const seconds = Math.round((Date.now() - started) / 100) / 10;
  let report: VerifyReport | undefined;
  try {
    report = JSON.parse(stdout) as VerifyReport;
  } catch {
    // Not a report: the command failed before checking (exit 2 and one line on stderr).
  }
  if (!report || (code !== 0 && code !== 1))
    return { ok: false, summary: `doms verify exited ${code}: ${stderr.trim().split('\n').pop() ?? ''}`, foreignViolations: 0, seconds };
  return { ...judgeVerify(report, benchProducts), seconds };
}
