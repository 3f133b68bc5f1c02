import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll } from 'vitest';
import { testEnv } from './env.ts';

const kafka = new Kafka({ clientId: 'doms-tests', brokers: testEnv.brokers.split(','), logLevel: logLevel.NOTHING });

/** Every message on a topic right now (from the first offset to the high-water mark). */
export async function readTopic(topic: string): Promise<{ key: string | null; value: string | null; partition: number; offset: string }[]> {
  const admin = kafka.admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const remaining = new Map(offsets.filter((o) => Number(o.high) > Number(o.low)).map((o) => [o.partition, o.high]));
  const out: { key: string | null; value: string | null; partition: number; offset: string }[] = [];
  if (remaining.size === 0) return out;
  const consumer = kafka.consumer({ groupId: `doms-test-read-${randomUUID()}`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`reading ${topic} timed out`)), 20_000);
    consumer
      .run({
        autoCommit: false,
        eachMessage: async ({ partition, message }) => {
          out.push({ key: message.key?.toString() ?? null, value: message.value?.toString() ?? null, partition, offset: message.offset });
          if (BigInt(message.offset) + 1n >= BigInt(remaining.get(partition) ?? '0')) remaining.delete(partition);
          if (remaining.size === 0) {
            clearTimeout(timer);
            resolve();
          }
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
  return out;
}

let producer: ReturnType<Kafka['producer']> | undefined;

/** Writes raw messages, bypassing doms, e.g. to inject poison. */
export async function produceRaw(topic: string, messages: { key?: string; value: string | Buffer | null }[]): Promise<void> {
  if (!producer) {
    producer = kafka.producer();
    await producer.connect();
    afterAll(async () => {
      await producer?.disconnect();
      producer = undefined;
    });
  }
  await producer.send({ topic, messages, acks: -1 });
}

/** Waits until each group has committed up to the end of every topic it reads. */
export async function waitForGroupsCaughtUp(groups: { groupId: string; topics: string[] }[], timeout = 60_000): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const deadline = Date.now() + timeout;
    for (;;) {
      let behind = 0;
      for (const { groupId, topics } of groups) {
        const committed = await admin.fetchOffsets({ groupId, topics });
        for (const t of committed) {
          const ends = await admin.fetchTopicOffsets(t.topic);
          for (const p of ends) {
            const c = Number(t.partitions.find((x) => x.partition === p.partition)?.offset ?? -1);
            behind += Math.max(0, Number(p.high) - Math.max(c, Number(p.low)));
          }
        }
      }
      if (behind === 0) return;
      if (Date.now() > deadline) throw new Error(`consumer groups still ${behind} messages behind after ${timeout}ms`);
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await admin.disconnect();
  }
}

/**
 * Rewinds stopped groups to the start of their topics by deleting their committed offsets: the
 * workers then start from the earliest offset, as a new group does, and see every event again.
 */
export async function rewindGroups(groupIds: string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.deleteGroups(groupIds);
  } finally {
    await admin.disconnect();
  }
}
