import { parseFlag, type Invocation } from '../cli/invocation.ts';
import type { Output } from '../cli/output.ts';
import { presentRun } from '../cli/present-run.ts';
import { parseDuration, parseInteger } from '../config/parse.ts';
import { UnreachableError, UsageError, errorMessage } from '../errors.ts';
import { summaryText } from '../loadgen/format.ts';
import { parseRange } from '../loadgen/order-mix.ts';
import { reportHtml, type ChartLibrary, type MachineInfo } from '../loadgen/report-html.ts';
import type { LoadResult } from '../loadgen/result.ts';
import type { LoadConfig, LoadHooks, LoadInfra } from '../loadgen/run-load.ts';
import { parseThreshold } from '../loadgen/thresholds.ts';

/** Like k6: a failed threshold gets its own exit code, distinct from errors (1) and bad input (2). */
export const THRESHOLDS_FAILED = 99;

/** The load generator (runLoad); the logger is the deps' own. */
export type RunLoad = (config: LoadConfig, hooks: Omit<LoadHooks, 'logger'>) => Promise<LoadResult>;

/** What `doms load` needs of the world; src/wiring/load-deps.ts builds the real ones. */
export interface LoadDeps {
  out: Output;
  /** Connects to Kafka and lets go: rejects with the one-line UnreachableError naming KAFKA_BROKERS when it cannot. */
  probeKafka(brokers: string[]): Promise<void>;
  /** GET <target>/health: the status answered; rejects (with the network error as `cause`) when nothing answered in time. */
  health(target: string): Promise<number>;
  /** Stock in Redis, outcomes and lag from Kafka: what the generator needs around the order API. The caller closes it. */
  loadInfra(config: Pick<LoadConfig, 'brokers' | 'redisUrl' | 'topicPrefix' | 'redisNamespace'>): Promise<LoadInfra>;
  runLoad: RunLoad;
  writeFile(path: string, text: string): Promise<void>;
  /** The machine this runs on, for --report. */
  machine(): Promise<MachineInfo>;
  /** The charting library's sources (uPlot from node_modules), inlined by --report. */
  chartLibrary(): Promise<ChartLibrary>;
}

export interface LoadOptions {
  /** The run; `seed` is undefined without --random-seed, and the command takes one from the clock. */
  config: Omit<LoadConfig, 'seed'> & { seed: string | undefined };
  /** --json: the result as JSON on stdout; progress and summary go to stderr. */
  json: boolean;
  /** --out (or the old `--json <file>`): write the result to this file. */
  outFile: string | undefined;
  /** The file given in the old form `--json <file>`, to say so. */
  oldJsonFile: string | undefined;
  /** --report: write a self-contained HTML report of the run to this file. */
  reportFile: string | undefined;
  /** false with --no-dashboard. */
  dashboard: boolean;
}

/** The flags as commander gives them: strings, with the table's defaults (src/cli/command-specs.ts) filled in. */
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
  /** false with --no-seed-stock. */
  seedStock?: boolean;
  /** false with the old name --no-seed. */
  seed?: boolean;
  randomSeed?: string;
  timeout: string;
  maxInFlight?: string;
  connections: string;
  threshold?: string[];
  json?: boolean | string;
  out?: string;
  report?: string;
  dashboard?: boolean;
}

/** Parses and checks the flags; a bad one is a UsageError naming it. */
export function loadOptions(inv: Invocation): LoadOptions {
  const settings = inv.settings(['target', 'brokers', 'redisUrl', 'topicPrefix', 'redisNamespace']);
  const f = inv.flags as unknown as LoadFlags;
  const rate = parseFlag('--rate', () => parseInteger(f.rate, { min: 1, max: 100_000 }));
  const durationMs = parseFlag('--duration', () => parseDuration(f.duration));
  if (durationMs < 1000) throw new UsageError('invalid --duration: must be at least 1s');
  const rampUpMs = parseFlag('--ramp-up', () => parseDuration(f.rampUp));
  if (rampUpMs >= durationMs) throw new UsageError('invalid --ramp-up: must be shorter than --duration');
  const config: LoadOptions['config'] = {
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
    seed: f.randomSeed,
    timeoutMs: parseFlag('--timeout', () => parseDuration(f.timeout)),
    maxInFlight: f.maxInFlight === undefined ? Infinity : parseFlag('--max-in-flight', () => parseInteger(f.maxInFlight!, { min: 1 })),
    connections: parseFlag('--connections', () => parseInteger(f.connections, { min: 1, max: 10_000 })),
    thresholds: (f.threshold ?? []).map((t) => parseFlag('--threshold', () => parseThreshold(t))),
  };
  const oldJsonFile = typeof f.json === 'string' ? f.json : undefined;
  return { config, json: f.json === true, outFile: f.out ?? oldJsonFile, oldJsonFile, reportFile: f.report, dashboard: f.dashboard !== false };
}

/** `doms load`: drives the saga, shows it live, prints the summary; 0, or 99 when a threshold fails. */
export async function load(options: LoadOptions, deps: LoadDeps): Promise<number> {
  const { out } = deps;
  const config: LoadConfig = { ...options.config, seed: options.config.seed ?? String(Date.now()) };
  if (options.oldJsonFile !== undefined)
    out.note(`doms: --json ${options.oldJsonFile} is the old form of --out ${options.oldJsonFile}; --json alone now prints the result on stdout`);
  // --json prints the result on stdout, so everything else goes to stderr.
  const say = options.json ? (line: string) => out.note(line) : (line: string) => out.line(line);

  // Fail fast, with one line, before any seeding or sending.
  await deps.probeKafka(config.brokers);
  try {
    const status = await deps.health(config.target);
    if (status < 200 || status > 299) throw new Error(`GET /health answered ${status}`);
  } catch (e: unknown) {
    const cause = (e as { cause?: unknown }).cause ?? e;
    throw new UnreachableError(`the order service at ${config.target}`, 'DOMS_TARGET / --target', errorMessage(cause), {
      cause,
      hint: 'is `doms run order` running?',
    });
  }

  const infra = await deps.loadInfra(config);
  let result;
  try {
    result = await presentRun((hooks) => deps.runLoad(config, { infra, ...hooks }), {
      out,
      dashboard: options.dashboard && !options.json,
      progressOnStderr: options.json,
      target: config.target,
      rate: config.rate,
    });
  } finally {
    await infra.close().catch(() => {});
  }
  say(summaryText(result));
  if (options.outFile) {
    await deps.writeFile(options.outFile, JSON.stringify(result, null, 2) + '\n');
    say(`result written to ${options.outFile}`);
  }
  if (options.reportFile) {
    const [machine, library] = await Promise.all([deps.machine(), deps.chartLibrary()]);
    await deps.writeFile(options.reportFile, reportHtml(result, machine, library));
    say(`report written to ${options.reportFile}`);
  }
  if (options.json) out.json(result);
  const failed = result.thresholds.filter((t) => !t.ok);
  if (failed.length === 0) return 0;
  out.note(`doms: ${failed.length} threshold${failed.length > 1 ? 's' : ''} failed: ${failed.map((t) => `${t.expression} (actual ${t.actual})`).join(', ')}`);
  return THRESHOLDS_FAILED;
}
