import type { Redis } from 'ioredis';
import type { Admin } from 'kafkajs';
import { errorMessage } from '../../errors.ts';
import { ALL_TOPICS, deadLetterTopicName, topicName } from '../../events/topics.ts';
import { groupIdFor } from '../../infra/bus.ts';
import type { Pool } from '../../infra/postgres.ts';
import type { OrderStatus } from '../order/status.ts';
import { SERVICE_TOPICS } from '../subscriptions.ts';
import type { ComponentStatus, GroupStatus, StatusSnapshot } from './health.ts';

/** Connections status reads through; any may be missing (could not connect), with the reason. */
export interface StatusSources {
  admin: Admin | Error;
  redis: Redis | Error;
  pool: Pool | Error;
  prefix: string;
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
export async function collectStatus({ admin, redis, pool, prefix, windowMs }: StatusSources): Promise<StatusSnapshot> {
  const at = new Date();
  const components = await Promise.all([
    timed('kafka', admin, () => (admin as Admin).describeCluster()),
    timed('redis', redis, () => (redis as Redis).ping()),
    timed('postgresql', pool, () => (pool as Pool).query('SELECT 1')),
  ]);
  const up = (name: ComponentStatus['name']) => components.find((c) => c.name === name)!.ok;
  const [kafka, db] = await Promise.all([
    up('kafka') ? readKafka(admin as Admin, prefix, at) : { groups: [], deadLetters: [] },
    up('postgresql') ? readDatabase(pool as Pool, windowMs) : { outbox: null, orders: null },
  ]);
  return { at, components, ...kafka, ...db };
}

async function readKafka(admin: Admin, prefix: string, at: Date): Promise<Pick<StatusSnapshot, 'groups' | 'deadLetters'>> {
  const existing = new Set(await admin.listTopics());
  const ends = new Map<string, Promise<{ partition: number; high: string; low: string }[]>>();
  const endsOf = (topic: string) => {
    if (!ends.has(topic)) ends.set(topic, admin.fetchTopicOffsets(topic));
    return ends.get(topic)!;
  };
  const services = Object.entries(SERVICE_TOPICS);
  const described = await admin.describeGroups(services.map(([service]) => groupIdFor(service, prefix)));
  const groups = await Promise.all(
    services.map(async ([service, topics]): Promise<GroupStatus> => {
      const group = groupIdFor(service, prefix);
      const names = topics.map((t) => topicName(t, prefix)).filter((t) => existing.has(t));
      const committed = names.length ? await admin.fetchOffsets({ groupId: group, topics: names }) : [];
      const partitions = [];
      let newest: number | null = null;
      for (const t of committed) {
        for (const p of await endsOf(t.topic)) {
          const c = t.partitions.find((x) => x.partition === p.partition);
          const offset = Number(c?.offset ?? -1);
          partitions.push({ topic: t.topic, partition: p.partition, lag: Math.max(0, Number(p.high) - (offset < 0 ? Number(p.low) : offset)) });
          // Workers store the commit's time as its metadata.
          const when = Number(c?.metadata);
          if (Number.isFinite(when) && when > 0) newest = Math.max(newest ?? 0, when);
        }
      }
      const d = described.groups.find((g) => g.groupId === group);
      return {
        service,
        group,
        state: d?.state ?? 'Dead',
        members: d?.members.length ?? 0,
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

async function readDatabase(pool: Pool, windowMs: number): Promise<Pick<StatusSnapshot, 'outbox' | 'orders'>> {
  try {
    return await readTables(pool, windowMs);
  } catch (e: unknown) {
    // No order service has run against this database yet: no tables, nothing to report.
    if ((e as { code?: string }).code === '42P01') return { outbox: null, orders: null };
    throw e;
  }
}

async function readTables(pool: Pool, windowMs: number): Promise<Pick<StatusSnapshot, 'outbox' | 'orders'>> {
  const [outbox, orders] = await Promise.all([
    pool.query<{ backlog: string; oldest_ms: string | null }>(
      `SELECT count(*) AS backlog, (extract(epoch FROM now() - min(created_at)) * 1000)::bigint AS oldest_ms FROM outbox WHERE published_at IS NULL`,
    ),
    pool.query<{ status: OrderStatus; n: string }>(
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
