import { parseDuration, parseInteger } from '../config/parse.ts';
import { UnreachableError, UsageError, errorMessage } from '../errors.ts';
import { summaryText } from '../loadgen/format.ts';
import { LOAD_DEFAULTS, type LoadConfig } from '../loadgen/load-config.ts';
import { parseRange, type Range } from '../loadgen/order-mix.ts';
import { reportHtml, type ChartLibrary, type MachineInfo } from '../loadgen/report-html.ts';
import type { LoadResult } from '../loadgen/result.ts';
import type { LoadHooks, LoadInfra } from '../loadgen/run-load.ts';
import { parseThreshold } from '../loadgen/thresholds.ts';
import { defineCommand, listFlag, optionalFlag, optionalValueFlag, switchFlag, textFlag, valueFlag } from './command.ts';
import type { Invocation } from './invocation.ts';
import type { Output } from './output.ts';

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

const duration = (ms: number) => `${ms / 1000}s`;
const range = ({ min, max }: Range) => `${min}-${max}`;

/** `doms load`: its flags (defaults from the load generator's own, src/loadgen/load-config.ts), settings, help and runner. */
export const loadCommand = defineCommand({
  name: 'load',
  summary: 'drive load with a live dashboard and CI thresholds',
  description:
    'Drive orders through the running saga at a fixed rate (open model: the schedule never waits for the system), ' +
    'follow each order to its outcome, and report throughput, outcomes and latency. Exit 99 when a --threshold fails.',
  flags: {
    rate: valueFlag('--rate <n>', 'orders per second', '100', (t) => parseInteger(t, { min: 1, max: 100_000 })),
    duration: valueFlag('--duration <duration>', 'how long to send', '30s', parseDuration),
    rampUp: valueFlag('--ramp-up <duration>', 'climb linearly from 0 to --rate over this time', duration(LOAD_DEFAULTS.rampUpMs), parseDuration),
    warmup: valueFlag(
      '--warmup <duration>',
      'leave orders of the first part of the run out of the latency figures',
      duration(LOAD_DEFAULTS.warmupMs),
      parseDuration,
    ),
    users: valueFlag('--users <n>', 'distinct users placing orders', String(LOAD_DEFAULTS.users), (t) => parseInteger(t, { min: 1, max: 10_000_000 })),
    products: valueFlag('--products <n>', 'distinct products ordered', String(LOAD_DEFAULTS.products), (t) => parseInteger(t, { min: 1, max: 100_000 })),
    items: valueFlag('--items <range>', 'products per order, e.g. 1-3', range(LOAD_DEFAULTS.items), parseRange),
    quantity: valueFlag('--quantity <range>', 'units per product, e.g. 1-2', range(LOAD_DEFAULTS.quantity), parseRange),
    stock: valueFlag('--stock <n>', 'units seeded per product before the run', String(LOAD_DEFAULTS.stock), (t) => parseInteger(t, { min: 0, max: 1e12 })),
    seedStock: switchFlag('--no-seed-stock', 'do not seed stock (use what is there)'),
    seed: switchFlag('--no-seed', 'old name of --no-seed-stock', { hidden: true }),
    randomSeed: textFlag('--random-seed <string>', 'makes the stream of orders reproducible'),
    timeout: valueFlag(
      '--timeout <duration>',
      'an order without an outcome this long after its intended send time counts as timed out',
      duration(LOAD_DEFAULTS.timeoutMs),
      parseDuration,
    ),
    // No default shown: unlimited (LOAD_DEFAULTS.maxInFlight is Infinity).
    maxInFlight: optionalFlag('--max-in-flight <n>', 'drop (and count) sends while this many orders are unfinished', (t) => parseInteger(t, { min: 1 })),
    connections: valueFlag('--connections <n>', 'HTTP keep-alive connections to the order service', String(LOAD_DEFAULTS.connections), (t) =>
      parseInteger(t, { min: 1, max: 10_000 }),
    ),
    threshold: listFlag(
      '--threshold <expr>',
      'pass/fail criterion, repeatable: saga.p99<500ms, http.p95<100ms, errors<0.1%, confirmed>70%, rate>=450',
      parseThreshold,
    ),
    json: optionalValueFlag(
      '--json [file]',
      'print the full result as JSON on stdout; progress and summary go to stderr (a file name here is the old form of --out)',
    ),
    out: textFlag('--out <file>', 'write the full result (config, counts, percentiles, histograms, per-second series) to a file'),
    report: textFlag('--report <file>', 'write a self-contained HTML report of the run (charts over time, histogram, outcomes, configuration)'),
    dashboard: switchFlag('--no-dashboard', 'plain progress lines even on a terminal'),
  },
  settings: ['target', 'brokers', 'redisUrl', 'topicPrefix', 'redisNamespace'],
  examples: [
    'doms load --rate 500 --duration 60s',
    "doms load --rate 200 --duration 2m --ramp-up 30s --threshold 'saga.p99<500ms' --threshold 'errors<0.1%'",
    'doms load --rate 50 --duration 10s --no-dashboard --out result.json',
    'doms load --rate 50 --duration 10s --json | jq .latency.saga.p99',
  ],
  options: ({ flags: f, settings }): LoadOptions => {
    const { target, brokers, redisUrl, topicPrefix, redisNamespace } = settings;
    // Read in this order, so of two bad flags the first is the one named.
    const rate = f.rate;
    const durationMs = f.duration;
    if (durationMs < 1000) throw new UsageError('invalid --duration: must be at least 1s');
    const rampUpMs = f.rampUp;
    if (rampUpMs >= durationMs) throw new UsageError('invalid --ramp-up: must be shorter than --duration');
    const config: LoadOptions['config'] = {
      target,
      brokers,
      redisUrl,
      topicPrefix,
      redisNamespace,
      rate,
      durationMs,
      rampUpMs,
      warmupMs: f.warmup,
      users: f.users,
      products: f.products,
      items: f.items,
      quantity: f.quantity,
      stock: f.seedStock === false || f.seed === false ? null : f.stock,
      seed: f.randomSeed,
      timeoutMs: f.timeout,
      maxInFlight: f.maxInFlight ?? LOAD_DEFAULTS.maxInFlight,
      connections: f.connections,
      thresholds: f.threshold,
    };
    const oldJsonFile = typeof f.json === 'string' ? f.json : undefined;
    return { config, json: f.json === true, outFile: f.out ?? oldJsonFile, oldJsonFile, reportFile: f.report, dashboard: f.dashboard };
  },
  run: async (options, out) => {
    const { loadAdapters } = await import('../wiring/load-deps.ts');
    return load(options, { out, ...loadAdapters((line) => out.note(line)) });
  },
});

/** Parses and checks the flags; a bad one is a UsageError naming it. */
export const loadOptions = (inv: Invocation): LoadOptions => loadCommand.parse(inv);

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
    const { presentRun } = await import('./present-run.ts');
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
