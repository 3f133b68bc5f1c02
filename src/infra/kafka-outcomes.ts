import { randomUUID } from 'node:crypto';
import type { Consumer, Kafka } from 'kafkajs';
import { parseEvent } from '../events/events.ts';
import { OUTCOME_TOPICS, outcomeOf, type SagaOutcome } from '../events/outcomes.ts';
import { stripPrefix, topicName } from '../events/topics.ts';
import { METADATA_MAX_AGE_MS } from './kafka-topics.ts';

/**
 * Listens to the outcome topics from their current end, in a group of its own that commits nothing,
 * and reports each order's outcome with the time it was seen. Resolves once it is positioned, so
 * no outcome of an order sent afterwards can be missed.
 *
 * It keeps its own place in every partition and seeks there at every join: after a rebalance (a
 * `doms topics grow` under load is one) kafkajs would start each partition without a committed
 * offset at its end again, skipping the outcomes written meanwhile, and `doms load` would count
 * those orders as timed out.
 */
export async function followOutcomes(kafka: Kafka, prefix: string, onOutcome: (orderId: string, outcome: SagaOutcome) => void): Promise<Consumer> {
  const topics = OUTCOME_TOPICS.map((t) => topicName(t, prefix));
  const key = (topic: string, partition: number) => `${partition}:${topic}`;
  // The next offset to read per partition, starting at the topics' ends now. A partition added later
  // (doms topics grow) has none and is read from its first offset: the saga may have written outcomes
  // there before this consumer's rebalance took it up.
  const next = await endOffsets(kafka, topics, key);
  const consumer = kafka.consumer({
    groupId: `${prefix}doms-load-${randomUUID()}`,
    maxWaitTimeInMs: 50,
    allowAutoTopicCreation: false,
    metadataMaxAge: METADATA_MAX_AGE_MS,
  });
  // Emitted after the assignment, before the first fetch of it.
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    for (const [topic, partitions] of Object.entries(payload.memberAssignment))
      for (const partition of partitions) consumer.seek({ topic, partition, offset: next.get(key(topic, partition)) ?? '0' });
  });
  // A batch's last offset counts even when nothing in it was handed over (transaction markers, compacted records).
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
    const after = BigInt(payload.lastOffset) + 1n;
    const at = next.get(key(payload.topic, payload.partition));
    if (at === undefined || after > BigInt(at)) next.set(key(payload.topic, payload.partition), after.toString());
  });
  await consumer.connect();
  await consumer.subscribe({ topics, fromBeginning: false });
  const positioned = new Promise<void>((resolve) => {
    const off = consumer.on(consumer.events.FETCH, () => {
      off();
      resolve();
    });
  });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: true,
    eachBatch: async ({ batch }) => {
      const topic = stripPrefix(batch.topic, prefix);
      const outcome = topic && outcomeOf(topic);
      if (!topic || !outcome) return;
      for (const message of batch.messages) {
        const parsed = parseEvent(topic, message.value);
        if (parsed.ok) onOutcome(parsed.event.orderId, outcome);
      }
    },
  });
  await positioned;
  return consumer;
}

/** Each partition's end now: the offset its next record gets. */
async function endOffsets(kafka: Kafka, topics: string[], key: (topic: string, partition: number) => string): Promise<Map<string, string>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const ends = new Map<string, string>();
    for (const topic of topics) {
      for (const { partition, high } of await admin.fetchTopicOffsets(topic)) ends.set(key(topic, partition), high);
    }
    return ends;
  } finally {
    await admin.disconnect();
  }
}
