import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import { PgDb } from '../../src/infra/db.ts';
import { KafkaBus } from '../../src/infra/kafka-bus.ts';
import { connectAdmin, createKafka, createProducer, ensureTopics } from '../../src/infra/kafka.ts';
import { silentLogger } from '../../src/infra/log.ts';
import { connectPostgres } from '../../src/infra/postgres.ts';
import { RedisStockStore } from '../../src/services/inventory/redis-stock-store.ts';
import { RedisNotificationLedger } from '../../src/services/notification/redis-ledger.ts';
import { RedisPaymentLedger } from '../../src/services/payment/redis-ledger.ts';
import { sagaContract } from '../contract/saga.contract.ts';
import { testEnv } from '../helpers/env.ts';
import { readTopic } from '../helpers/kafka.ts';

// The same behaviour tests as the embedded adapters (test/unit/saga-embedded.test.ts), on Kafka, Redis and PostgreSQL.
sagaContract('Kafka, Redis and PostgreSQL', async () => {
  const id = randomUUID().slice(0, 8);
  const prefix = `c${id}.`;
  const database = `doms_c${id}`;
  const url = Object.assign(new URL(testEnv.postgresUrl), { pathname: `/${database}` }).toString();
  const brokers = testEnv.brokers.split(',');
  const kafka = createKafka({ brokers, clientId: 'doms-contract', logger: silentLogger });
  const admin = await connectAdmin(kafka, brokers);
  await ensureTopics(admin, prefix, 3);
  await admin.disconnect();
  const producer = createProducer(kafka);
  await producer.connect();
  const redis = new Redis(testEnv.redisUrl);
  const pool = await connectPostgres(url);
  return {
    adapters: {
      bus: new KafkaBus(kafka, producer, prefix, silentLogger),
      db: new PgDb(pool),
      stock: new RedisStockStore(redis),
      payments: new RedisPaymentLedger(redis),
      notifications: new RedisNotificationLedger(redis),
    },
    keysOn: async (topic) => (await readTopic(topic)).map((m) => m.key ?? ''),
    close: async () => {
      await producer.disconnect();
      await redis.quit();
      await pool.end();
      const admin = new pg.Client({ connectionString: testEnv.postgresUrl });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(database)} WITH (FORCE)`);
      await admin.end();
    },
  };
});
