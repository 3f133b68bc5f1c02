import type { Redis } from 'ioredis';
import { connectAdmin, createKafka, createProducer, ensureTopics } from '../infra/kafka.ts';
import type { Logger } from '../infra/log.ts';
import { connectPostgres, type Pool } from '../infra/postgres.ts';
import { connectRedis } from '../infra/redis.ts';
import { startInventoryService } from './inventory/service.ts';
import { RedisStockStore } from './inventory/redis-stock-store.ts';
import { RedisNotificationLedger } from './notification/handlers.ts';
import { startNotificationService } from './notification/service.ts';
import { startOrderService } from './order/service.ts';
import { RedisPaymentLedger } from './payment/ledger.ts';
import { startPaymentService } from './payment/service.ts';
import type { BusContext, RunningService, ServiceName } from './types.ts';

export interface LaunchOptions {
  services: readonly ServiceName[];
  brokers: string[];
  redisUrl: string;
  databaseUrl: string;
  topicPrefix: string;
  partitions: number;
  port: number;
  defaultStock: number | null;
  failureRate: number;
  latencyMs: number;
  seed?: string;
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

/** Connects what the chosen services need (failing fast, one line per problem), then starts them. */
export async function launch(options: LaunchOptions): Promise<Launched> {
  const { services: names, logger } = options;
  const needsRedis = names.some((n) => n !== 'order');
  const needsPostgres = names.includes('order');
  const kafka = createKafka({ brokers: options.brokers, clientId: `doms-${names.join('-')}`, logger });

  const closers: (() => Promise<unknown>)[] = [];
  const closeAll = async () => {
    for (const close of closers.reverse()) await close().catch(() => {});
    closers.length = 0;
  };

  try {
    logger.debug('connecting', { kafka: options.brokers.join(','), redis: needsRedis, postgres: needsPostgres });
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
    const bus: BusContext = { kafka, producer, prefix: options.topicPrefix, logger };

    const running: RunningService[] = [];
    let port: number | undefined;
    for (const name of names) {
      logger.debug(`starting ${name}`);
      const service = await startService(name, bus, options, redis, pool);
      running.push(service);
      if ('port' in service) port = service.port as number;
      // Consumers stop before the producer and connections they use.
      closers.push(() => service.stop());
    }
    return {
      services: running,
      port,
      crashed: Promise.race(running.map((s) => s.crashed)),
      stop: closeAll,
    };
  } catch (e: unknown) {
    await closeAll();
    throw e;
  }
}

function startService(name: ServiceName, bus: BusContext, options: LaunchOptions, redis: Redis | undefined, pool: Pool | undefined): Promise<RunningService> {
  switch (name) {
    case 'order':
      return startOrderService(bus, pool!, { port: options.port });
    case 'inventory':
      return startInventoryService(bus, new RedisStockStore(redis!), { defaultStock: options.defaultStock });
    case 'payment':
      return startPaymentService(bus, new RedisPaymentLedger(redis!), { failureRate: options.failureRate, latencyMs: options.latencyMs, seed: options.seed });
    case 'notification':
      return startNotificationService(bus, new RedisNotificationLedger(redis!));
  }
}
