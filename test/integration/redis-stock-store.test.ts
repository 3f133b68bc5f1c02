import { Redis } from 'ioredis';
import { afterAll } from 'vitest';
import { RedisStockStore } from '../../src/services/inventory/redis-stock-store.ts';
import { testEnv } from '../helpers/env.ts';
import { stockStoreContract } from '../contract/stock-store.contract.ts';

const redis = new Redis(testEnv.redisUrl);
afterAll(async () => {
  await redis.quit();
});

// The same behaviour tests as the in-memory store (test/unit/memory-stock-store.test.ts), on the real Lua scripts.
stockStoreContract('redis', () => new RedisStockStore(redis));
