import chalk from 'chalk';
import { connectInspection } from '../wiring/inspect.ts';
import type { Command } from 'commander';
import { printJson, printLine } from '../cli/output.ts';
import { parseFlag, readSettings } from '../cli/settings.ts';
import { parseDuration } from '../config/parse.ts';
import { ExitError } from '../errors.ts';
import { sleep } from '../infra/concurrency.ts';
import { createLogger } from '../infra/log.ts';
import { collectSnapshot } from '../services/verify/collect.ts';
import { checkInvariants, type Report } from '../services/verify/invariants.ts';

const SHOWN_PER_CHECK = 10;

/** `doms verify`: checks the saga's invariants over the whole system; exit 1 with a report when one fails. */
export async function verify(cmd: Command): Promise<void> {
  const settings = readSettings(cmd, ['brokers', 'redisUrl', 'databaseUrl', 'topicPrefix']);
  const opts = cmd.opts<{ maxInFlight: string; wait?: string; json?: boolean }>();
  const maxInFlightMs = parseFlag('--max-in-flight', () => parseDuration(opts.maxInFlight));
  const waitMs = opts.wait === undefined ? 0 : parseFlag('--wait', () => parseDuration(opts.wait!));

  const logger = createLogger('verify', { level: 'error', write: (l) => process.stderr.write(l + '\n') });
  const { kafka, redis, pool, close } = await connectInspection(settings, 'doms-verify', logger);
  try {
    const deadline = Date.now() + waitMs;
    let report: Report;
    for (;;) {
      let snapshot;
      try {
        snapshot = await collectSnapshot({ pool, redis, kafka, prefix: settings.topicPrefix });
      } catch (e: unknown) {
        // A broker that has just (re)started answers "not the leader" for a moment: within --wait, try again.
        if (!(e as { retriable?: boolean }).retriable || Date.now() >= deadline) throw e;
        await sleep(500);
        continue;
      }
      report = checkInvariants(snapshot, { maxInFlightMs });
      // With --wait, in-flight orders are given time to finish before a failure is reported.
      if ((report.ok && report.counts.inFlight === 0) || Date.now() >= deadline) break;
      await sleep(500);
    }
    if (opts.json) printJson(report);
    else print(report, maxInFlightMs);
    if (!report.ok) throw new ExitError(1);
  } finally {
    await close();
  }
}

function print(report: Report, maxInFlightMs: number): void {
  const { counts } = report;
  printLine(
    `${counts.orders} orders (${counts.terminal} terminal, ${counts.inFlight} in flight), ${counts.products} products; in flight allowed for ${maxInFlightMs / 1000}s`,
  );
  for (const check of report.checks) {
    const mark = check.violations === 0 ? chalk.green('✓') : chalk.red('✗');
    printLine(
      `${mark} ${check.id} ${check.description}${check.violations ? chalk.red(` — ${check.violations} violation${check.violations > 1 ? 's' : ''}`) : ''}`,
    );
    const shown = report.violations.filter((v) => v.invariant === check.id);
    for (const v of shown.slice(0, SHOWN_PER_CHECK)) printLine(`    ${v.subject}: ${v.detail}`);
    if (shown.length > SHOWN_PER_CHECK) printLine(`    … and ${shown.length - SHOWN_PER_CHECK} more (--json lists all)`);
  }
  printLine(report.ok ? chalk.green('all invariants hold') : chalk.red(`${report.violations.length} violation${report.violations.length > 1 ? 's' : ''}`));
}
