import { parseDuration, parseFraction, parseInteger } from '../config/parse.ts';
import type { Settings } from '../config/settings.ts';
import { UsageError } from '../errors.ts';
import type { Logger, LoggerOptions } from '../infra/log.ts';
import { SERVICE_NAMES, storesOf, type ServiceName } from '../services/registry.ts';
import type { Launched, LaunchOptions } from '../wiring/launch.ts';
import type { WorkerPool } from '../wiring/cluster.ts';
import { defineCommand, optionalFlag, textFlag, valueFlag } from './command.ts';
import type { Invocation } from './invocation.ts';
import { superviseWorkers } from './run-workers.ts';

const STOP_TIMEOUT_MS = 10_000;
/** How the description counts the services (`all four`). */
const COUNT_WORDS = ['no', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten'];
/** Like a shell's 128 + SIGINT: the run was cut short. */
export const FORCED_EXIT = 130;

/** The settings `doms run` reads: the workers' connections, tuning, metrics and logs. */
export const RUN_SETTINGS = [
  'brokers',
  'redisUrl',
  'databaseUrl',
  'port',
  'topicPrefix',
  'redisNamespace',
  'ledgerTtl',
  'partitions',
  'fetchMinBytes',
  'fetchMaxWait',
  'fetchLinger',
  'recordLinger',
  'commitInterval',
  'sessionTimeout',
  'metricsPort',
  'workers',
  'logLevel',
  'logFormat',
] as const;

export interface RunOptions {
  services: ServiceName[];
  settings: Settings<(typeof RUN_SETTINGS)[number]>;
  defaultStock: number | null;
  failureRate: number;
  latencyMs: number;
  paymentSeed?: string;
}

export interface RunCommandDeps {
  logger(options: Pick<LoggerOptions, 'level' | 'format' | 'service'>): Logger;
  launch(options: LaunchOptions): Promise<Launched>;
  /** Resolves with the next SIGINT or SIGTERM after the call. */
  nextSignal(): Promise<NodeJS.Signals>;
  /** Resolves after ms; never holds the process open. */
  delay(ms: number): Promise<void>;
  now(): number;
  /** Set when this process is worker `slot` of a `--workers N` primary: it runs the services, the primary serves the metrics. */
  worker: { slot: number } | null;
  /** Tells the primary, if any, that the services run. */
  started(): void;
  /** The worker processes a `--workers N` primary starts. */
  pool(): WorkerPool;
}

/** `doms run`: its flags, settings, help and runner. */
export const runCommand = defineCommand({
  name: 'run',
  summary: 'run a saga service as a worker',
  description:
    `Run one service of the saga (or all ${COUNT_WORDS[SERVICE_NAMES.length] ?? SERVICE_NAMES.length} in one process) until SIGINT/SIGTERM. ` +
    'With --workers N, a primary process keeps N such processes running (a crashed one is started again) and stops them all at one Ctrl-C.',
  args: [{ name: '<service>', help: `one of ${[...SERVICE_NAMES, 'all'].join(', ')}`, choices: [...SERVICE_NAMES, 'all'] }],
  flags: {
    defaultStock: optionalFlag(
      '--default-stock <n>',
      'inventory: stock given to a product the first time an order names it (default: unknown products are rejected)',
      (t) => parseInteger(t, { min: 0, max: 1e12 }),
    ),
    failureRate: valueFlag('--failure-rate <rate>', 'payment: share of payments that fail, 0..1', '0.2', parseFraction),
    latency: valueFlag('--latency <duration>', 'payment: simulated gateway time per charge, e.g. 20ms', '0ms', parseDuration),
    paymentSeed: textFlag('--payment-seed <string>', "payment: makes each order's outcome reproducible"),
    seed: textFlag('--seed <string>', 'old name of --payment-seed', { hidden: true }),
  },
  settings: RUN_SETTINGS,
  examples: [
    'doms run all',
    'doms run all --workers auto',
    'doms run inventory --default-stock 100',
    'doms run payment --failure-rate 0.1 --latency 20ms --payment-seed demo',
  ],
  options: ({ args, flags: f, settings }): RunOptions => {
    const one = SERVICE_NAMES.find((name) => name === args[0]);
    return {
      // commander lets only a service's name or `all` through.
      services: one ? [one] : [...SERVICE_NAMES],
      settings: { ...settings },
      defaultStock: f.defaultStock ?? null,
      failureRate: f.failureRate,
      latencyMs: f.latency,
      paymentSeed: f.paymentSeed ?? f.seed,
    };
  },
  run: async (options) => run(options, (await import('../wiring/command-deps.ts')).runAdapters()),
});

export const runOptions = (inv: Invocation): RunOptions => runCommand.parse(inv);

/**
 * `doms run <service>`: runs until SIGINT/SIGTERM, then drains and disconnects. Returns 1 when a
 * service stopped working (so a supervisor restarts it), 130 when a second signal or a stuck
 * shutdown cut the drain short.
 */
export async function run(options: RunOptions, deps: RunCommandDeps): Promise<number> {
  const { settings, services } = options;
  // A process of one service logs as that service, start and stop included; `all` logs as doms.
  const logger = deps.logger({ level: settings.logLevel, format: settings.logFormat, service: services.length === 1 ? services[0] : 'doms' });
  // --workers 1 is this process alone, as before; a worker of a primary runs like one.
  if (settings.workers > 1 && deps.worker === null)
    return superviseWorkers(
      { workers: settings.workers, services, metricsPort: settings.metricsPort, logger, forcedExit: FORCED_EXIT },
      { pool: deps.pool(), nextSignal: deps.nextSignal, delay: deps.delay, now: deps.now },
    );
  const tuning = {
    fetchMinBytes: settings.fetchMinBytes,
    fetchMaxWaitMs: settings.fetchMaxWait,
    fetchLingerMs: settings.fetchLinger,
    recordLingerMs: settings.recordLinger,
    commitIntervalMs: settings.commitInterval,
    sessionTimeoutMs: settings.sessionTimeout,
  };
  const launched = await deps
    .launch({
      ...settings,
      tuning,
      services,
      defaultStock: options.defaultStock,
      failureRate: options.failureRate,
      latencyMs: options.latencyMs,
      seed: options.paymentSeed,
      logger,
      // The primary serves the workers' metrics together on the one port.
      metricsPort: deps.worker ? null : settings.metricsPort,
    })
    .catch((e: unknown) => {
      if ((e as { code?: string }).code === 'EADDRINUSE')
        throw new UsageError(`port ${settings.port} is taken (is another order service running?): choose another with --port or PORT`);
      throw e;
    });
  deps.started();
  logger.info(`running ${services.join(', ')}`, {
    brokers: settings.brokers.join(','),
    prefix: settings.topicPrefix || undefined,
    redisNamespace: storesOf(services).has('redis') ? settings.redisNamespace : undefined,
  });

  const reason = await Promise.race([deps.nextSignal(), launched.crashed.catch((e: unknown) => (e instanceof Error ? e : new Error(String(e))))]);
  if (reason instanceof Error) logger.error('a service stopped working; shutting down so a supervisor can restart it', { error: reason.message });
  else logger.info(`${reason} received, finishing in-flight work`);

  // A second signal, or a stuck shutdown, cuts the drain short.
  const stopped = await Promise.race([
    launched.stop().then(() => 'stopped' as const),
    deps.nextSignal().then(() => 'forced' as const),
    deps.delay(STOP_TIMEOUT_MS).then(() => 'forced' as const),
  ]);
  if (stopped === 'forced') {
    logger.warn('forced exit');
    return FORCED_EXIT;
  }
  logger.info('stopped');
  return reason instanceof Error ? 1 : 0;
}
