import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import { invocationOf } from '../../../src/commands/invocation.ts';
import { planGrow, topics, topicsGrow, topicsGrowOptions, topicsOptions, type TopicsDeps } from '../../../src/commands/topics.ts';
import { UsageError } from '../../../src/errors.ts';
import { ALL_TOPICS } from '../../../src/events/topics.ts';
import { sagaTopics, type TopicDescription } from '../../../src/infra/kafka-topics.ts';
import { recordOutput } from '../../helpers/output.ts';

const PREFIX = 'g1.';

/** The saga's topics on a fake cluster: each event topic with `partitions` (or its own count), replicated three times. */
function cluster(partitions: number, own: Record<string, number> = {}, { missing = false, interactive = false } = {}) {
  const counts = new Map(sagaTopics(PREFIX).map((t) => [t.topic, t.deadLetter ? 1 : (own[t.topic.slice(PREFIX.length)] ?? partitions)]));
  const log: string[] = [];
  const out = recordOutput({ interactive });
  const describe = (): TopicDescription[] =>
    sagaTopics(PREFIX).map((t) => ({
      ...t,
      exists: !missing,
      partitions: missing ? 0 : counts.get(t.topic)!,
      replicationFactor: missing ? 0 : 3,
      minInsyncReplicas: missing ? null : 2,
      underReplicated: t.topic === `${PREFIX}payment.failed` ? 1 : 0,
    }));
  const deps: TopicsDeps = {
    out,
    connect: async (brokers, prefix) => {
      log.push(`connect ${brokers.join(',')} ${prefix}`);
      return {
        describe: async () => describe(),
        addPartitions: async (grow) => {
          log.push(`add ${grow.map((g) => `${g.topic}=${g.count}`).join(' ')}`);
          for (const g of grow) counts.set(g.topic, g.count);
        },
        close: async () => void log.push('close'),
      };
    },
  };
  return { deps, out, log, counts, describe };
}

const base = { brokers: 'k1:9092', topicPrefix: PREFIX };
const growOptions = (flags: Record<string, unknown>) => topicsGrowOptions(invocationOf({ flags: { ...base, ...flags } }));

describe('doms topics', () => {
  it('prints every saga topic, dead-letter topics included, as JSON', async () => {
    const c = cluster(6);
    expect(await topics(topicsOptions(invocationOf({ flags: { ...base, json: true } })), c.deps)).toBe(0);
    const printed = JSON.parse(c.out.stdout) as TopicDescription[];
    expect(printed).toHaveLength(12);
    expect(printed[0]).toEqual({
      topic: 'g1.order.created',
      deadLetter: false,
      exists: true,
      partitions: 6,
      replicationFactor: 3,
      minInsyncReplicas: 2,
      underReplicated: 0,
    });
    expect(c.log).toEqual(['connect k1:9092 g1.', 'close']);
  });

  it('prints plain columns when piped, one line per topic under a header', async () => {
    const c = cluster(6);
    await topics(topicsOptions(invocationOf({ flags: base })), c.deps);
    expect(c.out.lines).toHaveLength(13);
    expect(c.out.lines[0]!.split(/\s+/)).toEqual(['topic', 'partitions', 'replicas', 'min.insync', 'under-replicated']);
    expect(c.out.lines[1]!.split(/\s+/)).toEqual(['g1.order.created', '6', '3', '2', '0']);
    expect(c.out.lines[6]!.split(/\s+/)).toEqual(['g1.payment.failed', '6', '3', '2', '1']);
    expect(c.out.lines[7]!.split(/\s+/)).toEqual(['g1.order.created.dlq', '1', '3', '2', '0']);
  });

  it('draws a table on a terminal', async () => {
    const c = cluster(6, {}, { interactive: true });
    await topics(topicsOptions(invocationOf({ flags: base })), c.deps);
    expect(c.out.lines).toHaveLength(1);
    expect(stripVTControlCharacters(c.out.lines[0]!)).toMatch(/│ g1\.order\.created\s+│ 6\s+│ 3\s+│ 2\s+│ 0\s+│/);
  });

  it('shows missing topics as missing, and says on stderr that a worker creates them', async () => {
    const c = cluster(6, {}, { missing: true });
    await topics(topicsOptions(invocationOf({ flags: base })), c.deps);
    expect(c.out.lines[1]!.split(/\s+/)).toEqual(['g1.order.created', 'missing', '-', '-', '-']);
    expect(c.out.notes).toEqual(["12 of the saga's topics are missing: a worker (doms run) creates them at its start"]);
  });
});

describe('doms topics grow: options', () => {
  it('grows all six event topics unless --topic names some, comma-separated', () => {
    expect(growOptions({ partitions: '12' })).toEqual({ brokers: ['k1:9092'], topicPrefix: PREFIX, json: false, partitions: 12, topics: [...ALL_TOPICS] });
    expect(growOptions({ partitions: '12', topic: 'order.created, payment.failed,order.created' }).topics).toEqual(['order.created', 'payment.failed']);
  });

  it('refuses an unknown topic, a missing or bad --partitions, each in one line', () => {
    expect(() => growOptions({ partitions: '12', topic: 'orders.created' })).toThrow(/^unknown topic 'orders.created': choose from /);
    expect(() => growOptions({})).toThrow(UsageError);
    expect(() => growOptions({ partitions: '0' })).toThrow(/^invalid --partitions: /);
    expect(() => growOptions({ partitions: 'many' })).toThrow(/^invalid --partitions: /);
  });
});

describe('doms topics grow', () => {
  it('adds partitions to the topics that have fewer, and says what changed', async () => {
    const c = cluster(3, { 'payment.failed': 6 });
    expect(await topicsGrow(growOptions({ partitions: '6' }), c.deps)).toBe(0);
    expect(c.log[1]).toBe(
      `add ${ALL_TOPICS.filter((t) => t !== 'payment.failed')
        .map((t) => `g1.${t}=6`)
        .join(' ')}`,
    );
    expect(c.out.lines).toEqual([
      'g1.order.created: 3 → 6 partitions',
      'g1.inventory.reserved: 3 → 6 partitions',
      'g1.inventory.rejected: 3 → 6 partitions',
      'g1.inventory.released: 3 → 6 partitions',
      'g1.payment.success: 3 → 6 partitions',
      'g1.payment.failed: already 6 partitions',
    ]);
  });

  it('is idempotent: asked again, it changes nothing and still exits 0', async () => {
    const c = cluster(3);
    await topicsGrow(growOptions({ partitions: '6', topic: 'order.created' }), c.deps);
    const again = recordOutput();
    expect(await topicsGrow(growOptions({ partitions: '6', topic: 'order.created', json: true }), { ...c.deps, out: again })).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual({ partitions: 6, changed: [], unchanged: ['g1.order.created'] });
    expect(c.log.filter((l) => l.startsWith('add'))).toEqual(['add g1.order.created=6']);
  });

  it('never shrinks: asking for fewer is a usage error naming the topic and its count, with nothing changed', async () => {
    const c = cluster(3, { 'inventory.reserved': 8 });
    await expect(topicsGrow(growOptions({ partitions: '6' }), c.deps)).rejects.toThrow(UsageError);
    await expect(topicsGrow(growOptions({ partitions: '6' }), c.deps)).rejects.toThrow(
      'cannot shrink topic g1.inventory.reserved: it has 8 partitions, more than --partitions 6; Kafka never removes partitions',
    );
    expect(c.log.filter((l) => l.startsWith('add'))).toEqual([]);
    expect(c.log.at(-1)).toBe('close');
  });
});

describe('planning a grow', () => {
  const described = (counts: number[]): TopicDescription[] =>
    counts.map((partitions, i) => ({
      topic: `t${i}`,
      deadLetter: false,
      exists: true,
      partitions,
      replicationFactor: 1,
      minInsyncReplicas: 1,
      underReplicated: 0,
    }));

  it('counts the other topics that would shrink in the same line', () => {
    expect(() => planGrow(described([9, 2, 7]), ['t0', 't1', 't2'], 4)).toThrow(
      'cannot shrink topic t0: it has 9 partitions, more than --partitions 4 (and 1 more topics)',
    );
  });

  it('refuses a topic that is not on the cluster', () => {
    expect(() => planGrow(described([2]), ['t0', 'elsewhere'], 4)).toThrow(/^topic elsewhere does not exist: a worker \(doms run\) creates/);
  });
});
