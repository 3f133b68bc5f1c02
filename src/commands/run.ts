import type { Invocation } from '../cli/invocation.ts';
import { parseFlag } from '../cli/invocation.ts';
import { parseDuration, parseFraction, parseInteger } from '../config/parse.ts';
import type { Settings } from '../config/settings.ts';
import { UsageError } from '../errors.ts';
import type { Logger, LoggerOptions } from '../infra/log.ts';
import { SERVICE_NAMES, type ServiceName } from '../services/types.ts';
import type { Launched, LaunchOptions } from '../wiring/launch.ts';
import { superviseWorkers, type WorkerPool } from './run-workers.ts';

const STOP_TIMEOUT_MS = 10_000;
/** Like a shell's 128 + SIGINT: the run was cut short. */
export const FORCED_EXIT = 130;

/** The settings `doms run` reads (its flags are in src/cli/command-specs.ts). */
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

export function runOptions(inv: Invocation): RunOptions {
  const service = String(inv.args[0]);
  const f = inv.flags as { defaultStock?: string; failureRate: string; latency: string; seed?: string; paymentSeed?: string };
  return {
    services: service === 'all' ? [...SERVICE_NAMES] : [service as ServiceName],
    settings: inv.settings(RUN_SETTINGS),
    defaultStock: f.defaultStock === undefined ? null : parseFlag('--default-stock', () => parseInteger(f.defaultStock!, { min: 0, max: 1e12 })),
    failureRate: parseFlag('--failure-rate', () => parseFraction(f.failureRate)),
    latencyMs: parseFlag('--latency', () => parseDuration(f.latency)),
    paymentSeed: f.paymentSeed ?? f.seed,
  };
}

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
    redisNamespace: services.some((s) => s !== 'order') ? settings.redisNamespace : undefined,
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
