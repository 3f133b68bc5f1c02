import type { AddressInfo } from 'node:net';
import { PgDb } from '../infra/db.ts';
import { KafkaBus, type ConsumerTuning } from '../infra/kafka-bus.ts';
import { connectAdmin, createKafka, createProducer, ensureTopics } from '../infra/kafka.ts';
import { describeKafkaSecurity } from '../config/kafka-security.ts';
import { kafkaSecurity } from './kafka-security.ts';
import { UsageError } from '../errors.ts';
import type { Logger } from '../infra/log.ts';
import { serveMetrics } from '../infra/metrics.ts';
import { connectPostgres } from '../infra/postgres.ts';
import { connectRedis } from '../infra/redis.ts';
import { redisStockStore } from '../services/inventory/redis-stock-store.ts';
import { RedisNotificationLedger } from '../services/notification/redis-ledger.ts';
import { RedisPaymentLedger } from '../services/payment/redis-ledger.ts';
import { startServices, type ServiceOptions } from '../services/start.ts';
import { SERVICE_NAMES, type RunningService, type ServiceName } from '../services/types.ts';

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
export function clientIdOf(names: readonly ServiceName[]): string {
  return `doms-${names.length === SERVICE_NAMES.length ? 'all' : names.join('-')}-${process.pid}`;
}

/** Connects what the chosen services need on the real infrastructure (failing fast, one line per problem), then starts them. */
export async function launch(options: LaunchOptions): Promise<Launched> {
  const { services: names, logger } = options;
  const needsRedis = names.some((n) => n !== 'order');
  const needsPostgres = names.includes('order');
  const security = kafkaSecurity();
  const kafka = createKafka({ brokers: options.brokers, clientId: clientIdOf(names), logger, security });

  const closers: (() => Promise<unknown>)[] = [];
  const closeAll = async () => {
    for (const close of closers.reverse()) await close().catch(() => {});
    closers.length = 0;
  };

  try {
    logger.debug('connecting', { kafka: options.brokers.join(','), security: describeKafkaSecurity(security), redis: needsRedis, postgres: needsPostgres });
    const [admin, redis, pool] = await Promise.all([
      connectAdmin(kafka, options.brokers),
      needsRedis ? connectRedis(options.redisUrl, logger.child('redis')) : undefined,
      needsPostgres ? connectPostgres(options.databaseUrl, { max: 20 }) : undefined,
    ]);
    closers.push(() => admin.disconnect());
    if (redis) closers.push(() => redis.quit());
    if (pool) closers.push(() => pool.end());
    logger.debug('connected; creating missing topics');
    await ensureTopics(admin, options.topicPrefix, options.partitions);

    const producer = createProducer(kafka);
    await producer.connect();
    closers.push(() => producer.disconnect());

    const running = await startServices(
      names,
      {
        bus: new KafkaBus(kafka, producer, options.topicPrefix, logger, options.tuning),
        db: pool && new PgDb(pool),
        stock: redis && redisStockStore(redis, options.redisNamespace, options.ledgerTtl),
        payments: redis && new RedisPaymentLedger(redis, options.redisNamespace, options.ledgerTtl),
        notifications: redis && new RedisNotificationLedger(redis, options.redisNamespace, options.ledgerTtl),
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
