import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectAdmin, createKafka } from '../../src/infra/kafka.ts';
import { ensureTopics } from '../../src/infra/kafka-topics.ts';
import { tailPartitions, type TailedMessage } from '../../src/infra/kafka-tail.ts';
import { silentLogger } from '../../src/infra/log.ts';
import { doms } from '../helpers/cli.ts';
import { testEnv } from '../helpers/env.ts';
import { waitFor } from '../helpers/wait.ts';
import { produceRaw, removeSagaTopics } from '../helpers/kafka.ts';

/**
 * `doms tail`'s ranges against the real broker: known records on a saga of its own (three partitions
 * a topic), then the offsets, times and partitions kcat and rpk users reach for.
 */
const prefix = `tl${randomUUID().slice(0, 8)}.`;
const env = { DOMS_TOPIC_PREFIX: prefix, KAFKA_BROKERS: testEnv.brokers };
const MINUTE = 60_000;
/** payment.success: eight records on partition 0 and three on partition 1, one a minute from here; partition 2 empty. */
const BASE = Date.now() - 60 * MINUTE;
const at = (minute: number) => new Date(BASE + minute * MINUTE).toISOString();

interface Printed {
  topic: string;
  partition: number;
  offset: number;
  key: string;
  value: unknown;
  timestamp: string;
}

async function tail(...args: string[]) {
  const run = await doms(['tail', '--json', ...args], { env, timeout: 30_000 });
  const records = run.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Printed);
  // Each partition in order; the partitions among themselves in any.
  const positions = records.map((r) => `${r.partition}@${r.offset}`).sort();
  return { ...run, records, positions };
}

beforeAll(async () => {
  const brokers = testEnv.brokers.split(',');
  const admin = await connectAdmin(createKafka({ brokers, clientId: 'doms-tail-test', logger: silentLogger }), brokers);
  try {
    await ensureTopics(admin, prefix, 3);
  } finally {
    await admin.disconnect();
  }
  const record = (partition: number, minute: number) => ({
    partition,
    key: `p${partition}-m${minute}`,
    value: JSON.stringify({ orderId: `p${partition}-m${minute}` }),
    timestamp: String(BASE + minute * MINUTE),
  });
  await produceRaw(`${prefix}payment.success`, [...[0, 1, 2, 3, 4, 5, 6, 7].map((m) => record(0, m)), ...[0, 1, 2].map((m) => record(1, m))]);
  await produceRaw(`${prefix}order.created.dlq`, [{ key: 'poison', value: 'definitely {not json' }]);
}, 60_000);

afterAll(async () => {
  await removeSagaTopics(testEnv.brokers, prefix);
});

describe('doms tail on the broker', () => {
  it('prints the last five events of each partition with --offset -5 --exit, and exits 0', async () => {
    const run = await tail('--offset', '-5', '--exit', 'payment.success');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.positions).toEqual(['0@3', '0@4', '0@5', '0@6', '0@7', '1@0', '1@1', '1@2']);
    expect(run.records.every((r) => r.topic === 'payment.success')).toBe(true);
  });

  it("starts at a time with --offset @<time>, at Kafka's first offset at or after it in each partition", async () => {
    const run = await tail(`--offset=@${at(5)}`, '--exit', 'payment.success');
    expect(run.code).toBe(0);
    expect(run.positions).toEqual(['0@5', '0@6', '0@7']);
    // Epoch milliseconds, as kcat's s@ takes them, say the same.
    expect((await tail(`--offset=s@${BASE + 5 * MINUTE}`, '--exit', 'payment.success')).positions).toEqual(run.positions);
  });

  it('prints a window with --since and --until, and exits at its end by itself', async () => {
    const run = await tail('--since', at(2), '--until', at(4), 'payment.success');
    expect(run.code).toBe(0);
    expect(run.positions).toEqual(['0@2', '0@3', '0@4', '1@2']);
  });

  it('reads only the --partition chosen, and refuses one the topic does not have', async () => {
    const run = await tail('--partition', '1', '--from-beginning', '--exit', 'payment.success');
    expect(run.code).toBe(0);
    expect(run.positions).toEqual(['1@0', '1@1', '1@2']);
    const missing = await tail('--partition', '1,7', '--exit', 'payment.success');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe('doms: invalid --partition: payment.success has no partition 7 (it has 0–2)\n');
  });

  it('exits 0 at the end of partitions that are all empty, and when --offset end leaves nothing to read', async () => {
    const empty = await tail('--from-beginning', '--exit', 'payment.failed');
    expect(empty).toMatchObject({ code: 0, stdout: '', stderr: '' });
    const none = await tail('--exit', 'payment.success');
    expect(none).toMatchObject({ code: 0, stdout: '' });
  });

  it('exits 0 at the end when no event matches --key', async () => {
    const run = await tail('--from-beginning', '--exit', '--key', randomUUID(), 'payment.success');
    expect(run).toMatchObject({ code: 0, stdout: '' });
  });

  it('tails a dead-letter topic by name', async () => {
    const run = await tail('--from-beginning', '--exit', 'order.created.dlq');
    expect(run.code).toBe(0);
    expect(run.records).toEqual([
      expect.objectContaining({ topic: 'order.created.dlq', partition: 0, offset: 0, key: 'poison', value: 'definitely {not json' }),
    ]);
  });

  it('with an --until still to come, prints the events up to it as they arrive, then exits by itself', async () => {
    const started = Date.now();
    const until = started + 5000;
    const run = tail('--since', new Date(started).toISOString(), '--until', String(until), 'payment.failed');
    await produceRaw(`${prefix}payment.failed`, [
      { partition: 0, key: 'inside', value: '{}', timestamp: String(started + 1000) },
      { partition: 1, key: 'after', value: '{}', timestamp: String(until + 60_000) },
    ]);
    const done = await run;
    expect(done.code).toBe(0);
    expect(done.records.map((r) => r.key)).toEqual(['inside']);
    // It waited for --until (and its second of grace for events in flight), not for ever.
    expect(Date.now() - started).toBeGreaterThanOrEqual(5000);
  });

  it('refuses bad values in one line naming the flag, exit 2', async () => {
    for (const [args, line] of [
      [['--offset', 'middle'], /^doms: invalid --offset: 'middle' is none of /],
      [['--partition', 'x'], /^doms: invalid --partition: 'x' is not a partition number/],
      [['--since', '1h', '--until', '2h'], /^doms: invalid --until: it is before --since\n$/],
    ] as const) {
      const run = await tail(...args, 'payment.success');
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(line);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
    }
  });

  it('delivers from the offset asked for, not from the beginning, and nothing of a partition not asked for', async () => {
    const kafka = createKafka({ brokers: testEnv.brokers.split(','), clientId: 'doms-tail-test', logger: silentLogger });
    const delivered: TailedMessage[] = [];
    const reached: string[] = [];
    const stop = new AbortController();
    const consuming = tailPartitions(kafka, [{ topic: `${prefix}payment.success`, partition: 0, offset: '6' }], {
      onMessage: (m) => delivered.push(m),
      onReached: (_topic, partition, next) => reached.push(`${partition}@${next}`),
      signal: stop.signal,
    });
    try {
      await waitFor(() => reached.includes('0@8'), { what: 'partition 0 read to its end' });
    } finally {
      stop.abort();
      await consuming;
    }
    expect(delivered.map((m) => `${m.partition}@${m.offset}`)).toEqual(['0@6', '0@7']);
  });
});
