import { randomUUID } from 'node:crypto';
import type { Admin, Kafka } from 'kafkajs';

/** One message as `doms tail` prints it. */
export interface TailedMessage {
  /** The full topic name, prefix included. */
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  /** The value as UTF-8 text. */
  value: string | null;
  /** Milliseconds since the epoch. */
  timestamp: number;
}

/** A partition's offsets: first retained, end (high watermark), and the look-ups by time asked for. */
export interface TailedPartition {
  topic: string;
  partition: number;
  low: string;
  high: string;
  /** The first offset whose timestamp is at or after `from` (the end when none is). */
  fromTime?: string;
  /** The first offset whose timestamp is after `until` (the end when none is). */
  afterUntil?: string;
}

/** Every partition of the topics, with Kafka's offsets by timestamp (ListOffsets) for the times given. */
export async function partitionOffsets(admin: Admin, topics: string[], { from, until }: { from?: number; until?: number }): Promise<TailedPartition[]> {
  const perTopic = await Promise.all(
    topics.map(async (topic) => {
      const [ends, atFrom, afterUntil] = await Promise.all([
        admin.fetchTopicOffsets(topic),
        from === undefined ? undefined : admin.fetchTopicOffsetsByTimestamp(topic, from),
        // The first offset at or after the next millisecond is the first after `until`.
        until === undefined ? undefined : admin.fetchTopicOffsetsByTimestamp(topic, until + 1),
      ]);
      const at = (list: { partition: number; offset: string }[] | undefined, partition: number) => list?.find((p) => p.partition === partition)?.offset;
      return ends
        .map(({ partition, low, high }) => {
          const fromTime = at(atFrom, partition);
          const untilEnd = at(afterUntil, partition);
          return { topic, partition, low, high, ...(fromTime !== undefined && { fromTime }), ...(untilEnd !== undefined && { afterUntil: untilEnd }) };
        })
        .sort((a, b) => a.partition - b.partition);
    }),
  );
  return perTopic.flat();
}

/**
 * Delivers the given partitions' messages, each from its offset, until `signal` aborts, then resolves
 * once disconnected. kafkajs has no manual assignment: a throw-away group (so this one member gets
 * every partition) seeks each partition at every join and pauses those not asked for. It commits
 * nothing, so watching never moves any worker's offsets.
 */
export async function tailPartitions(
  kafka: Kafka,
  partitions: { topic: string; partition: number; offset: string }[],
  {
    onMessage,
    onReached,
    signal,
  }: { onMessage(message: TailedMessage): void; onReached(topic: string, partition: number, next: string): void; signal: AbortSignal },
): Promise<void> {
  const key = (topic: string, partition: number) => `${partition}:${topic}`;
  // Where each partition's read stands: a rejoin (after a long pause) resumes there, not at the start.
  const next = new Map(partitions.map((p) => [key(p.topic, p.partition), p.offset]));
  const read = (topic: string, partition: number, offset: string) => {
    const at = next.get(key(topic, partition));
    const after = BigInt(offset) + 1n;
    if (at === undefined || after <= BigInt(at)) return;
    next.set(key(topic, partition), after.toString());
    onReached(topic, partition, after.toString());
  };
  const consumer = kafka.consumer({ groupId: `doms-tail-${randomUUID()}`, maxWaitTimeInMs: 100, allowAutoTopicCreation: false });
  const stopped = new Promise<void>((resolve, reject) => {
    if (signal.aborted) return resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
    consumer.on(consumer.events.CRASH, ({ payload }) => !payload.restart && reject(payload.error));
  });
  stopped.catch(() => {}); // awaited below; a crash before then must not count as unhandled
  // Emitted after the assignment, before the first fetch of it.
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    for (const [topic, assigned] of Object.entries(payload.memberAssignment)) {
      const skipped = assigned.filter((p) => !next.has(key(topic, p)));
      if (skipped.length) consumer.pause([{ topic, partitions: skipped }]);
      for (const partition of assigned) {
        const offset = next.get(key(topic, partition));
        if (offset !== undefined) consumer.seek({ topic, partition, offset });
      }
    }
  });
  // A batch's last offset counts even when nothing in it was delivered (transaction markers, compacted records).
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => read(payload.topic, payload.partition, payload.lastOffset));
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [...new Set(partitions.map((p) => p.topic))], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ topic, partition, message }) => {
        onMessage({
          topic,
          partition,
          offset: message.offset,
          key: message.key?.toString() ?? null,
          value: message.value?.toString('utf8') ?? null,
          timestamp: Number(message.timestamp),
        });
        read(topic, partition, message.offset);
      },
    });
    await stopped;
  } finally {
    await consumer.disconnect();
  }
}
