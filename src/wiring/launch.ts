import type { AddressInfo } from 'node:net';
import { describeKafkaSecurity } from '../config/kafka-security.ts';
import { UsageError } from '../errors.ts';
import { PgDb } from '../infra/db.ts';
import { KafkaBus, type ConsumerTuning } from '../infra/kafka-bus.ts';
import { createProducer } from '../infra/kafka.ts';
import { ensureTopics, partitionsWarning } from '../infra/kafka-topics.ts';
import type { Logger } from '../infra/log.ts';
import { serveMetrics } from '../infra/metrics.ts';
import { installTracing, NO_TRACING } from '../infra/tracing.ts';
import { portsOn, SERVICE_GROUPS, SERVICE_NAMES, startServices, storesOf, type ServiceName } from '../services/registry.ts';
import { topicName } from '../events/topics.ts';
import type { RunningService, ServiceOptions } from '../services/service.ts';
import { connectWorkerStores } from './connections.ts';
import { kafkaSecurity } from './process-kafka-security.ts';
import { TRACE_TIMING, traceOrder } from '../saga/trace/collect.ts';
import { lazyTraceSources } from './trace-sources.ts';
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
    const short = await ensureTopics(admin, options.topicPrefix, options.partitions);
    // Only the topics this worker's services read: the others are for their own workers to mention.
    const read = new Set(SERVICE_GROUPS.filter((g) => names.includes(g.service)).flatMap((g) => g.topics.map((t) => topicName(t, options.topicPrefix))));
    const warning = partitionsWarning(
      short.filter((s) => read.has(s.topic)),
      options.partitions,
    );
    if (warning) logger.warn(warning);

    const producer = createProducer(kafka);
    await producer.connect();
    closers.push(() => producer.disconnect());

    // GET /orders/<id>/trace: the order's trace as `doms trace --json` gives it (Redis connected on the first one, if this process has none).
    let traced: ServiceOptions['traceOrder'];
    if (pool && names.includes('order')) {
      const tracing = lazyTraceSources(kafka, pool, options.redisUrl, redis, options, logger.child('trace'));
      closers.push(tracing.close);
      traced = (orderId) => traceOrder(tracing.sources, orderId, { ...TRACE_TIMING, ledgerTtlMs: options.ledgerTtl });
    }

    const running = await startServices(
      names,
      {
        bus: new KafkaBus(kafka, producer, options.topicPrefix, logger, options.tuning),
        ...(await portsOn({ db: pool && new PgDb(pool), redis, redisNamespace: options.redisNamespace, ledgerTtl: options.ledgerTtl }, names)),
      },
      { ...options, traceOrder: traced },
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
