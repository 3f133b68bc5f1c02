import { errorMessage } from '../../errors.ts';
import { ALL_TOPICS, deadLetterTopicName, topicName } from '../../events/topics.ts';
import { groupIdFor } from '../../infra/bus.ts';
import type { Db } from '../../infra/db.ts';
import { groupLag, sharedEnds, type OffsetsReader } from '../../infra/group-lag.ts';
import type { OrderStatus } from '../../services/order/status.ts';
import { SERVICE_GROUPS } from '../../services/registry.ts';
import type { ComponentStatus, GroupStatus, StatusSnapshot } from './health.ts';

/** What status asks of Kafka: the admin API's reads (kafkajs's Admin has them). */
export interface KafkaReader extends OffsetsReader {
  describeCluster(): Promise<unknown>;
  listTopics(): Promise<string[]>;
  describeGroups(groupIds: string[]): Promise<{ groups: { groupId: string; state: string; members: { clientId: string; clientHost: string }[] }[] }>;
}

/** Redis as status reads it: a ping, and how many products the saga's namespace holds. */
export interface RedisReader {
  ping(): Promise<unknown>;
  products(): Promise<number>;
}

/** Connections status reads through; any may be missing (could not connect), with the reason. */
export interface StatusSources {
  kafka: KafkaReader | Error;
  redis: RedisReader | Error;
  db: Pick<Db, 'query'> | Error;
  prefix: string;
  /** The Redis namespace `redis.products()` counts in, shown beside the count. */
  redisNamespace: string;
  windowMs: number;
}

async function timed(name: ComponentStatus['name'], source: unknown, probe: () => Promise<unknown>): Promise<ComponentStatus> {
  if (source instanceof Error) return { name, ok: false, error: errorMessage(source) };
  const start = performance.now();
  try {
    await probe();
    return { name, ok: true, rttMs: Math.round((performance.now() - start) * 10) / 10 };
  } catch (e: unknown) {
    return { name, ok: false, error: errorMessage(e) };
  }
}

/** Reads the saga's health: each part independently, so one that is down does not hide the others. */
export async function collectStatus({ kafka, redis, db, prefix, redisNamespace, windowMs }: StatusSources): Promise<StatusSnapshot> {
  const at = new Date();
  const components = await Promise.all([
    timed('kafka', kafka, () => (kafka as KafkaReader).describeCluster()),
    timed('redis', redis, () => (redis as RedisReader).ping()),
    timed('postgresql', db, () => (db as Pick<Db, 'query'>).query('SELECT 1')),
  ]);
  const up = (name: ComponentStatus['name']) => components.find((c) => c.name === name)!.ok;
  const [topics, tables, stock] = await Promise.all([
    up('kafka') ? readKafka(kafka as KafkaReader, prefix, at) : { groups: [], deadLetters: [] },
    up('postgresql') ? readDatabase(db as Pick<Db, 'query'>, windowMs) : { outbox: null, orders: null },
    up('redis')
      ? (redis as RedisReader)
          .products()
          .then((products) => ({ namespace: redisNamespace, products }))
          .catch(() => null)
      : null,
  ]);
  return { at, components, ...topics, ...tables, stock };
}

async function readKafka(kafka: KafkaReader, prefix: string, at: Date): Promise<Pick<StatusSnapshot, 'groups' | 'deadLetters'>> {
  const existing = new Set(await kafka.listTopics());
  const endsOf = sharedEnds(kafka);
  const described = await kafka.describeGroups(SERVICE_GROUPS.map(({ group }) => groupIdFor(group, prefix)));
  const groups = await Promise.all(
    SERVICE_GROUPS.map(async ({ service, group: name, topics }): Promise<GroupStatus> => {
      const group = groupIdFor(name, prefix);
      const names = topics.map((t) => topicName(t, prefix)).filter((t) => existing.has(t));
      const lags = await groupLag(kafka, group, names, endsOf);
      const partitions = lags.map(({ topic, partition, lag }) => ({ topic, partition, lag }));
      const times = lags.map((l) => l.committedAtMs).filter((t): t is number => t !== null);
      const newest = times.length > 0 ? Math.max(...times) : null;
      const d = described.groups.find((g) => g.groupId === group);
      return {
        service,
        group,
        state: d?.state ?? 'Dead',
        members: d?.members.length ?? 0,
        clients: (d?.members ?? []).map((m) => ({ clientId: m.clientId, host: m.clientHost.replace(/^\//, '') })),
        partitions,
        lag: partitions.reduce((sum, p) => sum + p.lag, 0),
        lastCommitAgeMs: newest === null ? null : Math.max(0, at.getTime() - newest),
      };
    }),
  );
  const deadLetters = await Promise.all(
    ALL_TOPICS.map(async (source) => {
      const topic = deadLetterTopicName(source, prefix);
      if (!existing.has(topic)) return { topic, count: 0 };
      const offsets = await endsOf(topic);
      return { topic, count: offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0) };
    }),
  );
  return { groups, deadLetters };
}

async function readDatabase(db: Pick<Db, 'query'>, windowMs: number): Promise<Pick<StatusSnapshot, 'outbox' | 'orders'>> {
  try {
    return await readTables(db, windowMs);
  } catch (e: unknown) {
    // No order service has run against this database yet: no tables, nothing to report.
    if ((e as { code?: string }).code === '42P01') return { outbox: null, orders: null };
    throw e;
  }
}

async function readTables(db: Pick<Db, 'query'>, windowMs: number): Promise<Pick<StatusSnapshot, 'outbox' | 'orders'>> {
  const [outbox, orders] = await Promise.all([
    db.query<{ backlog: string; oldest_ms: string | null }>(
      `SELECT count(*) AS backlog, (extract(epoch FROM now() - min(created_at)) * 1000)::bigint AS oldest_ms FROM outbox WHERE published_at IS NULL`,
    ),
    db.query<{ status: OrderStatus; n: string }>(
      `SELECT status, count(*) AS n FROM orders WHERE created_at > now() - make_interval(secs => $1) GROUP BY status`,
      [windowMs / 1000],
    ),
  ]);
  const row = outbox.rows[0]!;
  return {
    outbox: { backlog: Number(row.backlog), oldestAgeMs: row.oldest_ms === null ? null : Number(row.oldest_ms) },
    orders: { windowMs, byStatus: Object.fromEntries(orders.rows.map((r) => [r.status, Number(r.n)])) },
  };
}
