import { randomUUID } from 'node:crypto';
import type { IHeaders, Kafka } from 'kafkajs';
import { recordTime } from './kafka-time.ts';

export interface TopicRecord {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
  timestamp: string;
}

/** A topic as read: its records, and each partition's first retained offset (low) and end (high). */
export interface TopicContents {
  records: TopicRecord[];
  partitions: { partition: number; low: string; high: string }[];
}

/**
 * Reads a topic from its first retained offset up to the end as it was when called, then stops.
 * Uses a throw-away group and commits nothing.
 */
export async function readTopicToEnd(kafka: Kafka, topic: string, options: { timeoutMs?: number } = {}): Promise<TopicRecord[]> {
  return (await readTopic(kafka, topic, options)).records;
}

/** readTopicToEnd, with the partitions' offsets: a low offset above 0 means retention removed records. */
export async function readTopic(kafka: Kafka, topic: string, { timeoutMs = 60_000 } = {}): Promise<TopicContents> {
  const admin = kafka.admin();
  await admin.connect();
  let ends: { partition: number; low: string; high: string }[];
  try {
    ends = await admin.fetchTopicOffsets(topic);
  } finally {
    await admin.disconnect();
  }
  const remaining = new Map(ends.filter((p) => BigInt(p.high) > BigInt(p.low)).map((p) => [p.partition, BigInt(p.high)]));
  const records: TopicRecord[] = [];
  const partitions = ends.map(({ partition, low, high }) => ({ partition, low, high }));
  if (remaining.size === 0) return { records, partitions };

  const consumer = kafka.consumer({ groupId: `doms-reader-${randomUUID()}`, maxWaitTimeInMs: 100, allowAutoTopicCreation: false });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`reading ${topic} did not finish in ${timeoutMs}ms`)), timeoutMs);
      consumer
        .run({
          autoCommit: false,
          eachMessage: async ({ partition, message }) => {
            const end = remaining.get(partition);
            if (end === undefined || BigInt(message.offset) >= end) return;
            records.push({
              topic,
              partition,
              offset: message.offset,
              key: message.key?.toString() ?? null,
              value: message.value,
              headers: headerStrings(message.headers),
              timestamp: recordTime(message.timestamp),
            });
            if (BigInt(message.offset) + 1n >= end) remaining.delete(partition);
            if (remaining.size === 0) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return { records, partitions };
}

export function headerStrings(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) {
    if (v === undefined) continue;
    out[k] = Array.isArray(v) ? v.map(String).join(',') : v.toString();
  }
  return out;
}
