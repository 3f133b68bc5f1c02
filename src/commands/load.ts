import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { printJson, printLine } from '../cli/output.ts';
import { parseFlag, readSettings } from '../cli/settings.ts';
import { parseDuration, parseInteger } from '../config/parse.ts';
import { ExitError, UnreachableError, UsageError, errorMessage } from '../errors.ts';
import { createLogger } from '../infra/log.ts';
import { connectAdmin, createKafka } from '../infra/kafka.ts';
import { summaryText } from '../loadgen/format.ts';
import { presentRun } from '../cli/present-run.ts';
import { parseRange } from '../loadgen/order-mix.ts';
import { runLoad, type LoadConfig } from '../loadgen/run-load.ts';
import { kafkaLoadInfra } from '../wiring/load-infra.ts';
import { parseThreshold } from '../loadgen/thresholds.ts';

/** Like k6: a failed threshold gets its own exit code, distinct from errors (1) and bad input (2). */
export const THRESHOLDS_FAILED = 99;

interface LoadFlags {
  rate: string;
  duration: string;
  rampUp: string;
  warmup: string;
  users: string;
  products: string;
  items: string;
  quantity: string;
  stock: string;
  /** false with --no-seed-stock (or its old name --no-seed). */
  seedStock: boolean;
  seed: boolean;
  timeout: string;
  maxInFlight?: string;
  connections: string;
  threshold: string[];
  json?: boolean | string;
  out?: string;
  dashboard: boolean;
}

export function loadConfig(cmd: Command): LoadConfig {
  const settings = readSettings(cmd, ['target', 'brokers', 'redisUrl', 'topicPrefix']);
  const f = cmd.opts<LoadFlags & { randomSeed?: string }>();
  const rate = parseFlag('--rate', () => parseInteger(f.rate, { min: 1, max: 100_000 }));
  const durationMs = parseFlag('--duration', () => parseDuration(f.duration));
  if (durationMs < 1000) throw new UsageError('invalid --duration: must be at least 1s');
  const rampUpMs = parseFlag('--ramp-up', () => parseDuration(f.rampUp));
  if (rampUpMs >= durationMs) throw new UsageError('invalid --ramp-up: must be shorter than --duration');
  return {
    ...settings,
    rate,
    durationMs,
    rampUpMs,
    warmupMs: parseFlag('--warmup', () => parseDuration(f.warmup)),
    users: parseFlag('--users', () => parseInteger(f.users, { min: 1, max: 10_000_000 })),
    products: parseFlag('--products', () => parseInteger(f.products, { min: 1, max: 100_000 })),
    items: parseFlag('--items', () => parseRange(f.items)),
    quantity: parseFlag('--quantity', () => parseRange(f.quantity)),
    stock: f.seedStock === false || f.seed === false ? null : parseFlag('--stock', () => parseInteger(f.stock, { min: 0, max: 1e12 })),
    seed: f.randomSeed ?? String(Date.now()),
    timeoutMs: parseFlag('--timeout', () => parseDuration(f.timeout)),
    maxInFlight: f.maxInFlight === undefined ? Infinity : parseFlag('--max-in-flight', () => parseInteger(f.maxInFlight!, { min: 1 })),
    connections: parseFlag('--connections', () => parseInteger(f.connections, { min: 1, max: 10_000 })),
    thresholds: f.threshold.map((t) => parseFlag('--threshold', () => parseThreshold(t))),
  };
}

/** `doms load`: drives the saga, shows it live, prints the summary, and exits by the thresholds. */
export async function load(cmd: Command): Promise<void> {
  const config = loadConfig(cmd);
  const flags = cmd.opts<LoadFlags>();
  const logger = createLogger('load', { level: 'error', write: (l) => process.stderr.write(l + '\n') });
  // --json prints the result on stdout, so everything else goes to stderr; `--json <file>` is the old --out.
  const toStdout = flags.json === true;
  const out = flags.out ?? (typeof flags.json === 'string' ? flags.json : undefined);
  if (typeof flags.json === 'string')
    process.stderr.write(`doms: --json ${flags.json} is the old form of --out ${flags.json}; --json alone now prints the result on stdout\n`);
  const say = toStdout ? (line: string) => process.stderr.write(line + '\n') : printLine;

  // Fail fast, with one line, before any seeding or sending.
  const admin = await connectAdmin(createKafka({ brokers: config.brokers, clientId: 'doms-load-probe', logger }), config.brokers);
  await admin.disconnect();
  try {
    const res = await fetch(`${config.target}/health`, { signal: AbortSignal.timeout(3000) });
    if (!res.ok) throw new Error(`GET /health answered ${res.status}`);
  } catch (e: unknown) {
    const cause = (e as { cause?: unknown }).cause ?? e;
    throw new UnreachableError(`the order service at ${config.target}`, 'DOMS_TARGET / --target', errorMessage(cause), {
      cause,
      hint: 'is `doms run order` running?',
    });
  }

  const infra = await kafkaLoadInfra(config, logger);
  let result;
  try {
    result = await presentRun((hooks) => runLoad(config, { logger, infra, ...hooks }), {
      dashboard: flags.dashboard && !toStdout,
      progressTo: say,
      target: config.target,
      rate: config.rate,
    });
  } finally {
    await infra.close().catch(() => {});
  }
  say(summaryText(result));
  if (out) {
    await writeFile(out, JSON.stringify(result, null, 2) + '\n');
    say(`result written to ${out}`);
  }
  if (toStdout) printJson(result);
  const failed = result.thresholds.filter((t) => !t.ok);
  if (failed.length)
    throw new ExitError(
      THRESHOLDS_FAILED,
      `${failed.length} threshold${failed.length > 1 ? 's' : ''} failed: ${failed.map((t) => `${t.expression} (actual ${t.actual})`).join(', ')}`,
    );
}
