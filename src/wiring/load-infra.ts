import type { Admin, Consumer } from 'kafkajs';
import { silentLogger, type Logger } from '../infra/log.ts';
import { followOutcomes } from '../infra/kafka-outcomes.ts';
import { connectRedis } from '../infra/redis.ts';
import { serviceLag } from '../loadgen/lag.ts';
import type { LoadConfig, LoadInfra } from '../loadgen/run-load.ts';
import { redisStockStore } from '../services/inventory/redis-stock-store.ts';
import { kafkaClient } from './connections.ts';

/** The real infrastructure: outcomes from the Kafka topics, lag from the admin API, stock in Redis (under the saga's namespace). */
export async function kafkaLoadInfra(config: Pick<LoadConfig, 'brokers' | 'redisUrl' | 'topicPrefix' | 'redisNamespace'>, logger: Logger): Promise<LoadInfra> {
  const kafka = kafkaClient(config.brokers, 'doms-load', logger);
  const admin: Admin = kafka.admin();
  await admin.connect();
  return {
    seed: async (levels) => {
      const redis = await connectRedis(config.redisUrl, silentLogger);
      try {
        await redisStockStore(redis, config.redisNamespace).seed(levels);
      } finally {
        redis.disconnect();
      }
    },
    followOutcomes: async (onOutcome) => {
      const consumer: Consumer = await followOutcomes(kafka, config.topicPrefix, onOutcome);
      return () => consumer.disconnect();
    },
    lag: () => serviceLag(admin, config.topicPrefix),
    close: () => admin.disconnect(),
  };
}
