import type { Admin } from 'kafkajs';
import pg from 'pg';
import { Redis } from 'ioredis';
import { errorMessage } from '../errors.ts';
import { orderRedisKeys } from '../services/registry.ts';
import { stockKeysOf } from './redis-keys.ts';

const BATCH = 500;
const GROUP_RETRY_MS = 45_000;

/** Everything one bench run made, to be removed whatever happened. */
export interface BenchFootprint {
  prefix: string;
  database: string;
  /** A connection string to the server's maintenance database, for DROP DATABASE. */
  pgServerUrl: string;
  databaseUrl: string;
  redisUrl: string;
  /** The run's Redis namespace: its workers' keys all start with it. */
  redisNamespace: string;
  productIds: readonly string[];
}

/**
 * Removes the run's traces: its orders' and products' Redis keys (ids read from its database
 * first), the database, its consumer groups and its topics (dead-letter and raw-ceiling ones
 * included). Each part is tried even if another fails; returns what could not be removed.
 */
export async function cleanUp(f: BenchFootprint, admin: Admin | undefined, log: (line: string) => void): Promise<string[]> {
  const problems: string[] = [];
  const attempt = async (what: string, fn: () => Promise<string>) => {
    try {
      log(`cleanup: ${await fn()}`);
    } catch (e: unknown) {
      problems.push(`${what}: ${errorMessage(e)}`);
      log(`cleanup: ${what} FAILED: ${errorMessage(e)}`);
    }
  };
  let orderIds: string[] = [];
  await attempt('reading the order ids', async () => {
    orderIds = await readOrderIds(f.databaseUrl);
    return `${orderIds.length} orders in ${f.database}`;
  });
  await attempt('Redis keys', () => deleteRedisKeys(f.redisUrl, f.redisNamespace, orderIds, f.productIds));
  await attempt('the database', async () => {
    const client = new pg.Client({ connectionString: f.pgServerUrl });
    await client.connect();
    try {
      await client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(f.database)} WITH (FORCE)`);
    } finally {
      await client.end();
    }
    return `dropped database ${f.database}`;
  });
  if (admin) {
    await attempt('consumer groups', () => deleteGroups(admin, f.prefix));
    await attempt('topics', () => deleteTopics(admin, f.prefix));
  } else {
    problems.push(`topics and consumer groups ${f.prefix}*: no connection to Kafka`);
  }
  return problems;
}

async function readOrderIds(databaseUrl: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  try {
    await client.connect();
  } catch (e: unknown) {
    // 3D000: the database was never created (the workers did not get that far).
    if ((e as { code?: string }).code === '3D000') return [];
    throw e;
  }
  try {
    const { rows } = await client.query<{ id: string }>('SELECT id FROM orders');
    return rows.map((r) => r.id);
  } catch (e: unknown) {
    if ((e as { code?: string }).code === '42P01') return []; // no orders table yet
    throw e;
  } finally {
    await client.end();
  }
}

async function deleteRedisKeys(url: string, namespace: string, orderIds: readonly string[], productIds: readonly string[]): Promise<string> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2 });
  await redis.connect();
  let deleted = 0;
  try {
    for (let i = 0; i < orderIds.length; i += BATCH) {
      const pipeline = redis.pipeline();
      for (const id of orderIds.slice(i, i + BATCH)) pipeline.unlink(...orderRedisKeys(namespace, id));
      deleted += await countReplies(pipeline.exec());
    }
    for (let i = 0; i < productIds.length; i += BATCH) {
      const slice = productIds.slice(i, i + BATCH);
      const { products, stock } = stockKeysOf(namespace, slice);
      const pipeline = redis
        .pipeline()
        .srem(products, ...slice)
        .unlink(...stock);
      deleted += await countReplies(pipeline.exec());
    }
  } finally {
    redis.disconnect();
  }
  return `removed ${deleted} Redis keys and set members of ${orderIds.length} orders and ${productIds.length} products under ${namespace}:`;
}

async function countReplies(replies: Promise<[Error | null, unknown][] | null>): Promise<number> {
  let n = 0;
  for (const [err, value] of (await replies) ?? []) {
    if (err) throw err;
    n += Number(value);
  }
  return n;
}

async function deleteGroups(admin: Admin, prefix: string): Promise<string> {
  const deadline = Date.now() + GROUP_RETRY_MS;
  let deleted = 0;
  for (;;) {
    const { groups } = await admin.listGroups();
    const ours = groups.map((g) => g.groupId).filter((id) => id.startsWith(prefix));
    if (ours.length === 0) return `deleted ${deleted} consumer groups ${prefix}*`;
    try {
      await admin.deleteGroups(ours);
      deleted += ours.length;
    } catch (e: unknown) {
      // A member of a killed worker keeps its group non-empty until its session times out.
      const failed = ((e as { groups?: { groupId: string; errorCode: number }[] }).groups ?? []).filter((g) => g.errorCode !== 0);
      deleted += ours.length - failed.length;
      if (Date.now() > deadline) throw new Error(`could not delete ${failed.map((g) => g.groupId).join(', ') || ours.join(', ')}: ${errorMessage(e)}`);
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
}

async function deleteTopics(admin: Admin, prefix: string): Promise<string> {
  const ours = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
  if (ours.length > 0) await admin.deleteTopics({ topics: ours, timeout: 30_000 });
  return `deleted ${ours.length} topics ${prefix}*`;
}
