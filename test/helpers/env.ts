/** Where the integration tests find the real services: the same variables as doms itself. */
export const testEnv = {
  brokers: process.env.KAFKA_BROKERS ?? 'localhost:9092',
  redisUrl: process.env.REDIS_URL ?? 'redis://localhost:6379',
  /** The server; each worker set gets a database of its own on it. */
  postgresUrl: process.env.DATABASE_URL ?? 'postgres://postgres@localhost:5432/postgres',
};

export const REPO_ROOT = new URL('../../', import.meta.url).pathname;
export const DOMS_BIN = `${REPO_ROOT}bin/doms.js`;
