import type { AddressInfo } from 'node:net';
import { describeKafkaSecurity } from '../config/kafka-security.ts';
import { UsageError } from '../errors.ts';
import { PgDb } from '../infra/db.ts';
import { KafkaBus, type ConsumerTuning } from '../infra/kafka-bus.ts';
import { createProducer, ensureTopics } from '../infra/kafka.ts';
import type { Logger } from '../infra/log.ts';
import { serveMetrics } from '../infra/metrics.ts';
import { installTracing, NO_TRACING } from '../infra/tracing.ts';
import { portsOn, SERVICE_NAMES, startServices, storesOf, type ServiceName } from '../services/registry.ts';
import type { RunningService, ServiceOptions } from '../services/service.ts';
import { connectWorkerStores } from './connections.ts';
import { kafkaSecurity } from './process-kafka-security.ts';
import { startTracing } from './tracing.ts';

export interface LaunchOptions extends ServiceOptions {
  services: readonly ServiceName[];
  brokers: string[];
  redisUrl: string;
  databaseUrl: string;
  topicPrefix: string;
  /** What every Redis key of this saga starts with. */
  redisNamespace: string;
  /** How long payment and notification records and settled reservations stay in Redis (0: for ever). */
  ledgerTtl: number;
  partitions: number;
  tuning?: ConsumerTuning;
  /** null: no metrics server. */
  metricsPort?: number | null;
  logger: Logger;
}

export interface Launched {
  services: RunningService[];
  /** The order API's port, when the order service runs. */
  port?: number;
  /** Rejects as soon as any service crashes for good. */
  crashed: Promise<never>;
  stop(): Promise<void>;
}

/**
 * The Kafka client id of a worker: its services (`all` for the four) and its pid, so `doms status`
 * can tell the processes in a consumer group apart (several per group with --workers N).
 */
function clientIdOf(names: readonly ServiceName[]): string {
  return `doms-${names.length === SERVICE_NAMES.length ? 'all' : names.join('-')}-${process.pid}`;
}

/** Connects what the chosen services need on the real infrastructure (failing fast, one line per problem), then starts them. */
export async function launch(options: LaunchOptions): Promise<Launched> {
  const { services: names, logger } = options;
  const stores = storesOf(names);

  const closers: (() => Promise<unknown>)[] = [];
  const closeAll = async () => {
    for (const close of closers.reverse()) await close().catch(() => {});
    closers.length = 0;
  };

  try {
    // Off unless the OTEL_* variables turn it on. Closed last: the services' final spans are exported on stop.
    const tracing = await startTracing(logger);
    installTracing(tracing);
    closers.push(async () => {
      installTracing(NO_TRACING);
      await tracing.shutdown();
    });
    logger.debug('connecting', {
      kafka: options.brokers.join(','),
      security: describeKafkaSecurity(kafkaSecurity()),
      redis: stores.has('redis'),
      postgres: stores.has('postgres'),
    });
    const { kafka, admin, redis, pool } = await connectWorkerStores(options, { clientId: clientIdOf(names), logger, poolSize: 20, stores });
    closers.push(() => admin.disconnect());
    if (redis) closers.push(() => redis.quit());
    if (pool) closers.push(() => pool.end());
    logger.debug('connected; creating missing topics');
    for (const grown of await ensureTopics(admin, options.topicPrefix, options.partitions))
      logger.info(`topic ${grown.topic} grown from ${grown.from} to ${grown.to} partitions (DOMS_PARTITIONS)`, { ...grown });

    const producer = createProducer(kafka);
    await producer.connect();
    closers.push(() => producer.disconnect());

    const running = await startServices(
      names,
      {
        bus: new KafkaBus(kafka, producer, options.topicPrefix, logger, options.tuning),
        ...(await portsOn({ db: pool && new PgDb(pool), redis, redisNamespace: options.redisNamespace, ledgerTtl: options.ledgerTtl }, names)),
      },
      options,
    );
    // Consumers stop before the producer and the connections they use.
    for (const service of running) closers.push(() => service.stop());
    if (options.metricsPort !== undefined && options.metricsPort !== null) {
      const port = options.metricsPort;
      const server = await serveMetrics(port).catch((e: unknown) => {
        if ((e as { code?: string }).code === 'EADDRINUSE') throw new UsageError(`metrics port ${port} is taken: choose another with --metrics-port`);
        throw e;
      });
      closers.push(() => new Promise((resolve) => server.close(resolve)));
      logger.info(`metrics on http://localhost:${(server.address() as AddressInfo).port}/metrics`);
    }
    return { services: running, port: running.find((s) => s.name === 'order')?.port, crashed: Promise.race(running.map((s) => s.crashed)), stop: closeAll };
  } catch (e: unknown) {
    await closeAll();
    throw e;
  }
}
