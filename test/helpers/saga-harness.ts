import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { PgDb } from '../../src/infra/db.ts';
import { KafkaBus } from '../../src/infra/kafka-bus.ts';
import { connectAdmin, createKafka, createProducer } from '../../src/infra/kafka.ts';
import { ensureTopics } from '../../src/infra/kafka-topics.ts';
import { silentLogger } from '../../src/infra/log.ts';
import { connectPostgres } from '../../src/infra/postgres.ts';
import { connectRedis } from '../../src/infra/redis.ts';
import { portsOn } from '../../src/services/registry.ts';
import type { Harness } from '../contract/saga.contract.ts';
import { testEnv } from './env.ts';
import { readTopic, removeSagaTopics } from './kafka.ts';

/**
 * The saga's real adapters: Kafka topics with a prefix of their own, a database of its own, and the
 * Redis (a single server or a cluster) `redisUrl` names, under a namespace of its own.
 */
export async function realHarness(redisUrl: string): Promise<Harness> {
  const id = randomUUID().slice(0, 8);
  const prefix = `c${id}.`;
  const namespace = `c${id}`;
  const database = `doms_c${id}`;
  const url = Object.assign(new URL(testEnv.postgresUrl), { pathname: `/${database}` }).toString();
  const brokers = testEnv.brokers.split(',');
  const kafka = createKafka({ brokers, clientId: 'doms-contract', logger: silentLogger });
  const admin = await connectAdmin(kafka, brokers);
  await ensureTopics(admin, prefix, 3);
  await admin.disconnect();
  const producer = createProducer(kafka);
  await producer.connect();
  const redis = await connectRedis(redisUrl, silentLogger);
  const pool = await connectPostgres(url);
  const db = new PgDb(pool);
  // Every service's ports, as the launch builds them: a new service's come with it.
  const ports = await portsOn({ db, redis, redisNamespace: namespace, ledgerTtl: 0 });
  const { stock } = ports;
  if (!stock) throw new Error('the registry built no stock store');
  return {
    adapters: {
      bus: new KafkaBus(kafka, producer, prefix, silentLogger),
      ...ports,
      stock,
    },
    keysOn: async (topic) => (await readTopic(topic)).map((m) => m.key ?? ''),
    close: async () => {
      await producer.disconnect();
      redis.disconnect();
      await pool.end();
      const admin = new pg.Client({ connectionString: testEnv.postgresUrl });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(database)} WITH (FORCE)`);
      await admin.end();
      await removeSagaTopics(testEnv.brokers, prefix);
    },
  };
}
