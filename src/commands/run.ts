import type { Command } from 'commander';
import { parseDuration, parseFraction, parseInteger } from '../config/parse.ts';
import { ExitError } from '../errors.ts';
import { createLogger } from '../infra/log.ts';
import { parseFlag, readSettings } from '../cli/settings.ts';
import { launch } from '../wiring/launch.ts';
import { SERVICE_NAMES, type ServiceName } from '../services/types.ts';

const STOP_TIMEOUT_MS = 10_000;

/** `doms run <service>`: runs until SIGINT/SIGTERM, then drains and disconnects. */
export async function run(service: string, cmd: Command): Promise<void> {
  const settings = readSettings(cmd, [
    'brokers',
    'redisUrl',
    'databaseUrl',
    'port',
    'topicPrefix',
    'partitions',
    'fetchMinBytes',
    'fetchMaxWait',
    'commitInterval',
    'logLevel',
    'logFormat',
  ]);
  const opts = cmd.opts<{ defaultStock?: string; failureRate: string; latency: string; seed?: string; paymentSeed?: string }>();
  const defaultStock = opts.defaultStock === undefined ? null : parseFlag('--default-stock', () => parseInteger(opts.defaultStock!, { min: 0, max: 1e12 }));
  const failureRate = parseFlag('--failure-rate', () => parseFraction(opts.failureRate));
  const latencyMs = parseFlag('--latency', () => parseDuration(opts.latency));
  const services: ServiceName[] = service === 'all' ? [...SERVICE_NAMES] : [service as ServiceName];
  const logger = createLogger('doms', { level: settings.logLevel, format: settings.logFormat });

  const tuning = { fetchMinBytes: settings.fetchMinBytes, fetchMaxWaitMs: settings.fetchMaxWait, commitIntervalMs: settings.commitInterval };
  const launched = await launch({ ...settings, tuning, services, defaultStock, failureRate, latencyMs, seed: opts.paymentSeed ?? opts.seed, logger });
  logger.info(`running ${services.join(', ')}`, { brokers: settings.brokers.join(','), prefix: settings.topicPrefix || undefined });

  const signal = await new Promise<NodeJS.Signals | Error>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
    launched.crashed.catch((e: unknown) => resolve(e instanceof Error ? e : new Error(String(e))));
  });
  if (signal instanceof Error) logger.error('a service stopped working; shutting down so a supervisor can restart it', { error: signal.message });
  else logger.info(`${signal} received, finishing in-flight work`);

  // A second signal, or a stuck shutdown, ends the process at once.
  const force = () => {
    logger.warn('forced exit');
    process.exit(130);
  };
  process.once('SIGINT', force);
  process.once('SIGTERM', force);
  const timer = setTimeout(force, STOP_TIMEOUT_MS);
  await launched.stop();
  clearTimeout(timer);
  logger.info('stopped');
  if (signal instanceof Error) throw new ExitError(1);
}
