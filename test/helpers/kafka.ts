import { Kafka, logLevel } from 'kafkajs';
import { afterAll } from 'vitest';
import { readTopicToEnd } from '../../src/infra/topic-reader.ts';
import { testEnv } from './env.ts';

const kafka = new Kafka({ clientId: 'doms-tests', brokers: testEnv.brokers.split(','), logLevel: logLevel.NOTHING });

/** Every message on a topic right now (from the first offset to the high-water mark). */
export async function readTopic(topic: string): Promise<{ key: string | null; value: string | null; partition: number; offset: string }[]> {
  const records = await readTopicToEnd(kafka, topic, { timeoutMs: 20_000 });
  return records.map((r) => ({ key: r.key, value: r.value?.toString() ?? null, partition: r.partition, offset: r.offset }));
}

let producer: ReturnType<Kafka['producer']> | undefined;

/** Removes every record now on a topic, as retention would: its partitions then start above offset 0. */
export async function deleteAllRecords(topic: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    await admin.deleteTopicRecords({ topic, partitions: offsets.map((o) => ({ partition: o.partition, offset: o.high })) });
  } finally {
    await admin.disconnect();
  }
}

/** Writes raw messages, bypassing doms, e.g. to inject poison; a message may name its partition and timestamp (ms, as text). */
export async function produceRaw(
  topic: string,
  messages: { key?: string; value: string | Buffer | null; headers?: Record<string, string>; partition?: number; timestamp?: string }[],
): Promise<void> {
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

/**
 * Deletes a test saga's topics and consumer groups (all named with its prefix), so a run of the suite
 * does not leave hundreds of topics behind to slow the broker for the next test and the bench. Best
 * effort and bounded: a broker a disruptive test left down costs at most a few seconds and a warning.
 */
export async function removeSagaTopics(brokers: string, prefix: string): Promise<void> {
  const client = new Kafka({
    clientId: 'doms-tests-cleanup',
    brokers: brokers.split(','),
    logLevel: logLevel.NOTHING,
    connectionTimeout: 2000,
    retry: { retries: 1 },
  });
  const admin = client.admin();
  const work = (async () => {
    await admin.connect();
    const [topics, { groups }] = await Promise.all([admin.listTopics(), admin.listGroups()]);
    const ours = topics.filter((t) => t.startsWith(prefix));
    const groupIds = groups.map((g) => g.groupId).filter((g) => g.startsWith(prefix));
    if (groupIds.length > 0) await admin.deleteGroups(groupIds).catch(() => {}); // a group still shutting down is left
    if (ours.length > 0) await admin.deleteTopics({ topics: ours, timeout: 5000 });
  })();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('timed out after 15 s')), 15_000)));
  try {
    await Promise.race([work, timeout]);
  } catch (e: unknown) {
    console.warn(`could not remove the topics of test saga ${prefix}: ${(e as Error).message}`);
  } finally {
    clearTimeout(timer);
    await admin.disconnect().catch(() => {});
  }
}
