import kafkajs, { type Admin } from 'kafkajs';
import { errorMessage } from '../errors.ts';
import { ALL_TOPICS, deadLetterTopicName, topicName } from '../events/topics.ts';
import { sleep } from './concurrency.ts';

/**
 * The saga's topics on Kafka: created with the replication the cluster can hold, described for
 * `doms topics`, and grown by `doms topics grow`. Kafka never shrinks a topic, and nor does this.
 */

/**
 * How old the saga's producers and consumers let their topic metadata grow (kafkajs's default is
 * 5 min): partitions added by `doms topics grow` are written to, and taken up by each group's
 * rebalance, within this long, without restarting a worker.
 */
export const METADATA_MAX_AGE_MS = 30_000;

/** Replicas per partition and the in-sync replicas a write with acks=all needs. */
export interface Replication {
  replicationFactor: number;
  minInsyncReplicas: number;
}

/**
 * What a cluster of `brokers` brokers can hold: three replicas at most (one per broker), and a write
 * acknowledged by all but one of them, so one broker may be down (or restarting) without stopping writes.
 */
export function replicationFor(brokers: number): Replication {
  const replicationFactor = Math.max(1, Math.min(3, brokers));
  return { replicationFactor, minInsyncReplicas: Math.max(1, replicationFactor - 1) };
}

/** Dead letters keep the original value whole, even one far over the saga's own size limit. */
const DLQ_MAX_MESSAGE_BYTES = String(16 * 1024 * 1024);

/** A topic of the saga: one of its six event topics, or the dead-letter topic beside one. */
export interface SagaTopic {
  /** The full name, with the prefix. */
  topic: string;
  deadLetter: boolean;
}

/** The saga's topics under `prefix`: the six event topics, then their dead-letter topics. */
export function sagaTopics(prefix: string): SagaTopic[] {
  return [
    ...ALL_TOPICS.map((t) => ({ topic: topicName(t, prefix), deadLetter: false })),
    ...ALL_TOPICS.map((t) => ({ topic: deadLetterTopicName(t, prefix), deadLetter: true })),
  ];
}

/** A topic with fewer partitions than asked for. */
export interface ShortTopic {
  topic: string;
  partitions: number;
}

/**
 * The one warning for event topics with fewer partitions than DOMS_PARTITIONS asks for, with the fix;
 * null when none is short.
 */
export function partitionsWarning(short: readonly ShortTopic[], wanted: number): string | null {
  if (short.length === 0) return null;
  const list = short.map((s) => `${s.topic} (${s.partitions})`).join(', ');
  return (
    `${short.length === 1 ? 'topic' : 'topics'} ${list} ${short.length === 1 ? 'has' : 'have'} fewer partitions than DOMS_PARTITIONS=${wanted}, ` +
    `so at most that many instances of a service reading ${short.length === 1 ? 'it' : 'them'} do work; ` +
    `to add partitions: doms topics grow --partitions ${wanted}`
  );
}

/**
 * Creates the saga's topics (and their dead-letter topics) that are missing, with the replication
 * the cluster can hold; safe when several workers race to do it. Returns the event topics that have
 * fewer than `partitions` partitions: they are never grown here (a partition cannot be taken back,
 * so adding them is `doms topics grow`'s, asked for on purpose).
 */
export async function ensureTopics(admin: Admin, prefix: string, partitions: number): Promise<ShortTopic[]> {
  const existing = new Set(await admin.listTopics());
  const wanted = sagaTopics(prefix);
  const missing = wanted.filter((t) => !existing.has(t.topic));
  // A broker that has just started, or topics just created by another worker, answer metadata
  // requests with retriable errors for a moment ("does not host this topic-partition"): wait it out.
  for (let attempt = 1; ; attempt++) {
    try {
      if (missing.length > 0) {
        const { brokers } = await admin.describeCluster();
        const { replicationFactor, minInsyncReplicas } = replicationFor(brokers.length);
        const minInsync = { name: 'min.insync.replicas', value: String(minInsyncReplicas) };
        await admin
          .createTopics({
            waitForLeaders: true,
            topics: missing.map(({ topic, deadLetter }) =>
              deadLetter
                ? { topic, numPartitions: 1, replicationFactor, configEntries: [minInsync, { name: 'max.message.bytes', value: DLQ_MAX_MESSAGE_BYTES }] }
                : { topic, numPartitions: partitions, replicationFactor, configEntries: [minInsync] },
            ),
          })
          .catch((e: unknown) => {
            // Another worker created them between our list and create.
            if (!/already exists/i.test(errorMessage(e))) throw e;
          });
      }
      const { topics } = await admin.fetchTopicMetadata({ topics: wanted.filter((t) => !t.deadLetter).map((t) => t.topic) });
      return topics.filter((t) => t.partitions.length < partitions).map((t) => ({ topic: t.name, partitions: t.partitions.length }));
    } catch (e: unknown) {
      const { retriable, name } = e as { retriable?: boolean; name?: string };
      if (attempt >= 20 || (retriable === false && name !== 'KafkaJSNumberOfRetriesExceeded')) throw e;
      await sleep(Math.min(250 * attempt, 2000));
    }
  }
}

/** A saga topic as `doms topics` shows it. */
export interface TopicDescription extends SagaTopic {
  /** False when the topic is not on the cluster (no worker has run with this prefix): the counts are 0 then. */
  exists: boolean;
  partitions: number;
  /** Replicas of each partition (the most any partition has). */
  replicationFactor: number;
  /** The topic's min.insync.replicas (its own, or the broker's default); null when not known. */
  minInsyncReplicas: number | null;
  /** Partitions with fewer in-sync replicas than replicas. */
  underReplicated: number;
}

/** Partitions, replication, min.insync.replicas and under-replicated partitions of each saga topic. */
export async function describeSagaTopics(admin: Admin, prefix: string): Promise<TopicDescription[]> {
  const all = sagaTopics(prefix);
  const existing = new Set(await admin.listTopics());
  const present = all.filter((t) => existing.has(t.topic)).map((t) => t.topic);
  const metadata = present.length ? (await admin.fetchTopicMetadata({ topics: present })).topics : [];
  const configs = present.length
    ? (
        await admin.describeConfigs({
          includeSynonyms: false,
          resources: present.map((name) => ({ type: kafkajs.ConfigResourceTypes.TOPIC, name, configNames: ['min.insync.replicas'] })),
        })
      ).resources
    : [];
  return all.map((t) => {
    const m = metadata.find((x) => x.name === t.topic);
    const value = configs.find((c) => c.resourceName === t.topic)?.configEntries.find((e) => e.configName === 'min.insync.replicas')?.configValue;
    return {
      ...t,
      exists: m !== undefined,
      partitions: m?.partitions.length ?? 0,
      replicationFactor: Math.max(0, ...(m?.partitions.map((p) => p.replicas.length) ?? [])),
      minInsyncReplicas: value === undefined || value === null ? null : Number(value),
      underReplicated: m?.partitions.filter((p) => p.isr.length < p.replicas.length).length ?? 0,
    };
  });
}

/** Gives each topic `count` partitions in total (each has fewer now: the caller checked). */
export async function addPartitions(admin: Admin, grow: readonly { topic: string; count: number }[]): Promise<void> {
  if (grow.length === 0) return;
  await admin.createPartitions({ validateOnly: false, timeout: 30_000, topicPartitions: grow.map(({ topic, count }) => ({ topic, count })) });
}
