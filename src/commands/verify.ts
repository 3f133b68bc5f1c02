import chalk from 'chalk';
import { defineCommand, jsonFlag, optionalFlag, textFlag, valueFlag } from './command.ts';
import { parseFlag, type Invocation } from './invocation.ts';
import type { Output } from './output.ts';
import { parseDuration, parseTimeOrAgo } from '../config/parse.ts';
import type { Settings } from '../config/settings.ts';
import { retriability } from '../errors.ts';
import { checkInvariants, type Report, type Snapshot } from '../saga/verify/invariants.ts';

const SHOWN_PER_CHECK = 10;
const RECHECK_MS = 500;
/** How long a read that failed on a transient error is tried again, with or without --wait. */
export const READ_RETRY_MS = 30_000;

/** The saga verify reads: its topics (prefix), database, Redis namespace, and the workers' ledger TTL. */
export const VERIFY_SETTINGS = ['brokers', 'redisUrl', 'databaseUrl', 'topicPrefix', 'redisNamespace', 'ledgerTtl'] as const;
export type VerifySettings = Settings<(typeof VERIFY_SETTINGS)[number]>;

/** The whole saga as `doms verify` reads it: one snapshot per call. */
export interface SagaReader {
  snapshot(): Promise<Snapshot>;
  close(): Promise<void>;
}

export interface VerifyCommandDeps {
  out: Output;
  /** `since`: judge only the orders created from then on. */
  connect(settings: VerifySettings, scope: { since?: Date }): Promise<SagaReader>;
  sleep(ms: number): Promise<void>;
  now(): number;
}

export interface VerifyOptions {
  settings: VerifySettings;
  stuckAfterMs: number;
  /** 0: judge the first snapshot. */
  waitMs: number;
  /** --since, resolved against the clock when the command runs. */
  since?: (now: number) => Date;
  json: boolean;
}

/** `doms verify`: its flags, settings, help and runner. */
export const verifyCommand = defineCommand({
  name: 'verify',
  summary: "check the saga's invariants over the whole system",
  description: "Check the saga's invariants over the whole system (orders, stock, payments, notifications, events); exit 1 with a report of each violation.",
  flags: {
    // A duration here (how long an order may be unfinished: stuckAfterMs), a count on `doms load`; the flag keeps its name.
    maxInFlight: valueFlag('--max-in-flight <duration>', 'how long an order may still be unfinished before it counts as stuck', '60s', parseDuration),
    wait: optionalFlag('--wait <duration>', 'keep checking until every order is finished and all invariants hold, or this long has passed', parseDuration),
    since: textFlag('--since <time>', 'judge only the orders created from then on (and their events): an ISO time, or a duration back from now (2h, 1d)'),
    json: jsonFlag('the report'),
  },
  settings: VERIFY_SETTINGS,
  examples: ['doms verify', 'doms verify --wait 60s --max-in-flight 30s', 'doms verify --since 1h', 'doms verify --json | jq .violations'],
  options: ({ flags: f, settings }): VerifyOptions => {
    // Checked now, so a bad --since is a usage error; resolved against the clock when the command runs.
    const since = f.since;
    if (since !== undefined) parseFlag('--since', () => parseTimeOrAgo(since, Date.now()));
    return {
      settings: { ...settings },
      stuckAfterMs: f.maxInFlight,
      waitMs: f.wait ?? 0,
      ...(since !== undefined && { since: (now: number) => parseTimeOrAgo(since, now) }),
      json: f.json,
    };
  },
  run: async (options, out) => verify(options, { out, ...(await import('../wiring/command-deps.ts')).verifyAdapters((line) => out.note(line)) }),
});

export const verifyOptions = (inv: Invocation): VerifyOptions => verifyCommand.parse(inv);

/** `doms verify`: checks the saga's invariants over the whole system; 1 with a report when one fails. */
export async function verify(options: VerifyOptions, { out, connect, sleep, now }: VerifyCommandDeps): Promise<number> {
  const saga = await connect(options.settings, { since: options.since?.(now()) });
  try {
    const started = now();
    const deadline = started + options.waitMs;
    let report: Report;
    for (;;) {
      let snapshot;
      try {
        snapshot = await saga.snapshot();
      } catch (e: unknown) {
        // A broker that has just (re)started answers "not the leader", a slow machine times a read out: a read
        // is tried again for READ_RETRY_MS (or --wait, if longer) before verify gives up with exit 2, not 1.
        if (retriability(e) !== 'transient' || now() >= Math.max(deadline, started + READ_RETRY_MS)) throw e;
        await sleep(RECHECK_MS);
        continue;
      }
      report = checkInvariants(snapshot, { stuckAfterMs: options.stuckAfterMs });
      // With --wait, in-flight orders are given time to finish before a failure is reported.
      if ((report.ok && report.counts.inFlight === 0) || now() >= deadline) break;
      await sleep(RECHECK_MS);
    }
    if (options.json) out.json(report);
    else print(out, report, options.stuckAfterMs);
    return report.ok ? 0 : 1;
  } finally {
    await saga.close();
  }
}

function print(out: Output, report: Report, stuckAfterMs: number): void {
  const { counts } = report;
  out.line(
    `${counts.orders} orders (${counts.terminal} terminal, ${counts.inFlight} in flight), ${counts.products} products; in flight allowed for ${stuckAfterMs / 1000}s`,
  );
  const { otherEvents, beforeRetention, retainedSince, beforeLedgerRetention, ledgerRetainedSince, beforeSince, since } = report.notJudged;
  if (since) out.line(chalk.dim(`not judged: ${beforeSince} orders created before ${since.toISOString()} (--since)`));
  if (otherEvents > 0)
    out.line(chalk.dim(`not judged: ${otherEvents} order.created events on the topic from another database or producer (a saga sharing the topic)`));
  if (beforeRetention > 0)
    out.line(
      chalk.dim(`not asked for their events: ${beforeRetention} orders created before ${retainedSince?.toISOString()}, the oldest event the topics still keep`),
    );
  if (beforeLedgerRetention > 0)
    out.line(
      chalk.dim(
        `not asked for their Redis records: ${beforeLedgerRetention} orders created before ${ledgerRetainedSince?.toISOString()}, older than the ledger TTL (DOMS_LEDGER_TTL)`,
      ),
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
