import chalk from 'chalk';
import type { Invocation } from '../cli/invocation.ts';
import { parseFlag } from '../cli/invocation.ts';
import type { Output } from '../cli/output.ts';
import { parseDuration } from '../config/parse.ts';
import { checkInvariants, type Report, type Snapshot } from '../services/verify/invariants.ts';

const SHOWN_PER_CHECK = 10;
const RECHECK_MS = 500;

/** The whole saga as `doms verify` reads it: one snapshot per call. */
export interface SagaReader {
  snapshot(): Promise<Snapshot>;
  close(): Promise<void>;
}

export interface VerifyCommandDeps {
  out: Output;
  connect(settings: { brokers: string[]; redisUrl: string; databaseUrl: string; topicPrefix: string }): Promise<SagaReader>;
  sleep(ms: number): Promise<void>;
  now(): number;
}

export interface VerifyOptions {
  settings: { brokers: string[]; redisUrl: string; databaseUrl: string; topicPrefix: string };
  maxInFlightMs: number;
  /** 0: judge the first snapshot. */
  waitMs: number;
  json: boolean;
}

export function verifyOptions(inv: Invocation): VerifyOptions {
  const f = inv.flags as { maxInFlight: string; wait?: string; json?: boolean };
  return {
    settings: inv.settings(['brokers', 'redisUrl', 'databaseUrl', 'topicPrefix']),
    maxInFlightMs: parseFlag('--max-in-flight', () => parseDuration(f.maxInFlight)),
    waitMs: f.wait === undefined ? 0 : parseFlag('--wait', () => parseDuration(f.wait!)),
    json: Boolean(f.json),
  };
}

/** `doms verify`: checks the saga's invariants over the whole system; 1 with a report when one fails. */
export async function verify(options: VerifyOptions, { out, connect, sleep, now }: VerifyCommandDeps): Promise<number> {
  const saga = await connect(options.settings);
  try {
    const deadline = now() + options.waitMs;
    let report: Report;
    for (;;) {
      let snapshot;
      try {
        snapshot = await saga.snapshot();
      } catch (e: unknown) {
        // A broker that has just (re)started answers "not the leader" for a moment: within --wait, try again.
        if (!(e as { retriable?: boolean }).retriable || now() >= deadline) throw e;
        await sleep(RECHECK_MS);
        continue;
      }
      report = checkInvariants(snapshot, { maxInFlightMs: options.maxInFlightMs });
      // With --wait, in-flight orders are given time to finish before a failure is reported.
      if ((report.ok && report.counts.inFlight === 0) || now() >= deadline) break;
      await sleep(RECHECK_MS);
    }
    if (options.json) out.json(report);
    else print(out, report, options.maxInFlightMs);
    return report.ok ? 0 : 1;
  } finally {
    await saga.close();
  }
}

function print(out: Output, report: Report, maxInFlightMs: number): void {
  const { counts } = report;
  out.line(
    `${counts.orders} orders (${counts.terminal} terminal, ${counts.inFlight} in flight), ${counts.products} products; in flight allowed for ${maxInFlightMs / 1000}s`,
  );
  const { otherEvents, beforeRetention, retainedSince } = report.notJudged;
  if (otherEvents > 0)
    out.line(chalk.dim(`not judged: ${otherEvents} order.created events on the topic from another database or producer (a saga sharing the topic)`));
  if (beforeRetention > 0)
    out.line(
      chalk.dim(`not asked for their events: ${beforeRetention} orders created before ${retainedSince?.toISOString()}, the oldest event the topics still keep`),
    );
  for (const check of report.checks) {
    const mark = check.violations === 0 ? chalk.green('✓') : chalk.red('✗');
    const violations = check.violations ? chalk.red(` — ${check.violations} violation${check.violations > 1 ? 's' : ''}`) : '';
    out.line(`${mark} ${check.id} ${check.description}${violations}`);
    const shown = report.violations.filter((v) => v.invariant === check.id);
    for (const v of shown.slice(0, SHOWN_PER_CHECK)) out.line(`    ${v.subject}: ${v.detail}`);
    if (shown.length > SHOWN_PER_CHECK) out.line(`    … and ${shown.length - SHOWN_PER_CHECK} more (--json lists all)`);
  }
  out.line(report.ok ? chalk.green('all invariants hold') : chalk.red(`${report.violations.length} violation${report.violations.length > 1 ? 's' : ''}`));
}
