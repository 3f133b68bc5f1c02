// One key's records on several topics, without reading the topics whole: on each topic only the
// partition the key hashes to (as doms's producers place it), from an offset found by time.
import { randomUUID } from 'node:crypto';
import { Partitioners, type Admin, type Kafka } from 'kafkajs';
import { headerStrings } from './topic-reader.ts';

/**
 * The partition kafkajs's DefaultPartitioner (murmur2 of the key, as Java's client) gives a keyed
 * message on a topic of `partitions` partitions: where doms's producers (createProducer) put it.
 */
export function keyPartition(key: string, partitions: number): number {
  const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({
    partitionId,
    leader: 0,
    partitionErrorCode: 0,
    replicas: [0],
    isr: [0],
  }));
  return Partitioners.DefaultPartitioner()({ topic: 'any', partitionMetadata, message: { key, value: null } });
}

export interface KeyedRecord {
  /** The full topic name. */
  topic: string;
  partition: number;
  offset: string;
  /** Milliseconds since the epoch. */
  timestamp: number;
  key: string | null;
  headers: Record<string, string>;
  value: string | null;
}

export interface KeyedRange {
  topic: string;
  partition: number;
  /** The first offset at or after the time asked (the end when none is). */
  from: string;
  /** The end as of the call (exclusive). */
  to: string;
}

/** Where to read `key` on each topic: its partition, from the first offset at or after `sinceMs` to the current end. */
export async function keyedRanges(admin: Admin, topics: readonly string[], key: string, sinceMs: number): Promise<KeyedRange[]> {
  const { topics: metadata } = await admin.fetchTopicMetadata({ topics: [...topics] });
  return Promise.all(
    topics.map(async (topic) => {
      const count = metadata.find((m) => m.name === topic)?.partitions.length ?? 0;
      if (count === 0) throw new Error(`topic ${topic} has no partitions`);
      const partition = keyPartition(key, count);
      const [ends, atTime] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchTopicOffsetsByTimestamp(topic, sinceMs)]);
      const end = ends.find((p) => p.partition === partition)!;
      const found = atTime.find((p) => p.partition === partition)?.offset;
      // Kafka answers -1 when no record is that recent: nothing to read, start at the end.
      const from = found === undefined || BigInt(found) < 0n ? end.high : BigInt(found) < BigInt(end.low) ? end.low : found;
      return { topic, partition, from, to: end.high };
    }),
  );
}

/**
 * Reads each range and returns the records `wanted` keeps. kafkajs has no manual assignment: a
 * throw-away group (this one member gets every partition) seeks the wanted partitions and pauses the
 * others. Commits nothing.
 */
export async function readKeyedRanges(
  kafka: Kafka,
  ranges: readonly KeyedRange[],
  wanted: (record: KeyedRecord) => boolean,
  { timeoutMs = 30_000 } = {},
): Promise<KeyedRecord[]> {
  const id = (topic: string, partition: number) => `${partition}:${topic}`;
  const pending = new Map(ranges.filter((r) => BigInt(r.to) > BigInt(r.from)).map((r) => [id(r.topic, r.partition), r]));
  const records: KeyedRecord[] = [];
  if (pending.size === 0) return records;
  const consumer = kafka.consumer({ groupId: `doms-trace-${randomUUID()}`, maxWaitTimeInMs: 100, allowAutoTopicCreation: false });
  let finish!: () => void;
  let fail!: (e: unknown) => void;
  const done = new Promise<void>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  done.catch(() => {}); // awaited below
  const reached = (topic: string, partition: number, offset: string) => {
    const r = pending.get(id(topic, partition));
    if (r && BigInt(offset) + 1n >= BigInt(r.to)) pending.delete(id(topic, partition));
    if (pending.size === 0) finish();
  };
  consumer.on(consumer.events.CRASH, ({ payload }) => !payload.restart && fail(payload.error));
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    for (const [topic, assigned] of Object.entries(payload.memberAssignment)) {
      const skipped = assigned.filter((p) => !pending.has(id(topic, p)));
      if (skipped.length) consumer.pause([{ topic, partitions: skipped }]);
      for (const partition of assigned) {
        const r = pending.get(id(topic, partition));
        if (r) consumer.seek({ topic, partition, offset: r.from });
      }
    }
  });
  // A batch of transaction markers moves a partition on without a message.
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => reached(payload.topic, payload.partition, payload.lastOffset));
  const timer = setTimeout(() => fail(new Error(`reading the order's partitions did not finish in ${timeoutMs}ms`)), timeoutMs);
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [...new Set(ranges.map((r) => r.topic))], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ topic, partition, message }) => {
        const r = pending.get(id(topic, partition));
        if (!r || BigInt(message.offset) < BigInt(r.from) || BigInt(message.offset) >= BigInt(r.to)) return;
        const record = {
          topic,
          partition,
          offset: message.offset,
          timestamp: Number(message.timestamp),
          key: message.key?.toString() ?? null,
          headers: headerStrings(message.headers),
          value: message.value?.toString('utf8') ?? null,
        };
        if (wanted(record)) records.push(record);
        reached(topic, partition, message.offset);
      },
    });
    await done;
  } finally {
    clearTimeout(timer);
    await consumer.disconnect();
  }
  return records;
}
