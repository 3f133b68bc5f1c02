import type { Admin, Kafka } from 'kafkajs';
import type pg from 'pg';
import { connectAdmin, createKafka } from '../infra/kafka.ts';
import { createLogger, type Logger } from '../infra/log.ts';
import { connectPostgres } from '../infra/postgres.ts';
import { connectRedis, type RedisClient } from '../infra/redis.ts';
import { kafkaSecurity } from './process-kafka-security.ts';

/**
 * How every command reaches Kafka, Redis and PostgreSQL: one Kafka client maker (so no client forgets
 * this process's TLS and SASL settings) and one connect sequence for the three, each still pending
 * (connectStores) or only those a worker's services keep their state in (connectWorkerStores).
 */

/** A Kafka client with this process's security settings (KAFKA_SSL…, KAFKA_SASL_…). */
export function kafkaClient(brokers: string[], clientId: string, logger: Logger): Kafka {
  return createKafka({ brokers, clientId, logger, security: kafkaSecurity() });
}

/** Library complaints of a short-lived command: errors only, as notes on stderr, so stdout stays the command's answer. */
export function errorsOnly(component: string, note: (line: string) => void): Logger {
  return createLogger(component, { level: 'error', write: note });
}

export interface StoreSettings {
  brokers: string[];
  redisUrl: string;
  databaseUrl: string;
}

/** The three connections, each still pending: a caller that needs all awaits them together, one that reports each on its own catches each. */
export interface PendingStores {
  kafka: Kafka;
  /** Connected admin client; rejects with the one-line UnreachableError naming KAFKA_BROKERS. */
  admin: Promise<Admin>;
  redis: Promise<RedisClient>;
  pool: Promise<pg.Pool>;
}

/** Starts connecting to Kafka, Redis and PostgreSQL at once (all three are probed in parallel, so an outage costs one timeout, not three). */
export function connectStores(settings: StoreSettings, { clientId, logger, poolSize }: { clientId: string; logger: Logger; poolSize: number }): PendingStores {
  const kafka = kafkaClient(settings.brokers, clientId, logger);
  return {
    kafka,
    admin: connectAdmin(kafka, settings.brokers),
    redis: connectRedis(settings.redisUrl, logger),
    pool: connectPostgres(settings.databaseUrl, { max: poolSize }),
  };
}

/** Connects to Kafka and lets go: rejects with the one-line UnreachableError naming KAFKA_BROKERS when it cannot. */
export async function probeKafka(brokers: string[], clientId: string, logger: Logger): Promise<void> {
  const admin = await connectAdmin(kafkaClient(brokers, clientId, logger), brokers);
  await admin.disconnect();
}

/** A worker's connections: Kafka's admin client always; Redis and PostgreSQL only when one of its services keeps its state there. */
export interface WorkerStores {
  kafka: Kafka;
  admin: Admin;
  redis?: RedisClient;
  pool?: pg.Pool;
}

/** Connects Kafka and the stores asked for, all at once; rejects with the one-line error of whichever is unreachable. */
export async function connectWorkerStores(
  settings: StoreSettings,
  { clientId, logger, poolSize, stores }: { clientId: string; logger: Logger; poolSize: number; stores: ReadonlySet<string> },
): Promise<WorkerStores> {
  const kafka = kafkaClient(settings.brokers, clientId, logger);
  const [admin, redis, pool] = await Promise.all([
    connectAdmin(kafka, settings.brokers),
    stores.has('redis') ? connectRedis(settings.redisUrl, logger.child('redis')) : undefined,
    stores.has('postgres') ? connectPostgres(settings.databaseUrl, { max: poolSize }) : undefined,
  ]);
  return { kafka, admin, redis, pool };
}
