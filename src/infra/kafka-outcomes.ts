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
 */
export async function followOutcomes(kafka: Kafka, prefix: string, onOutcome: (orderId: string, outcome: SagaOutcome) => void): Promise<Consumer> {
  const consumer = kafka.consumer({
    groupId: `${prefix}doms-load-${randomUUID()}`,
    maxWaitTimeInMs: 50,
    allowAutoTopicCreation: false,
    metadataMaxAge: METADATA_MAX_AGE_MS,
  });
  // Partitions added while it runs (doms topics grow) are read from their first offset, not their end:
  // the saga may have written outcomes there before this consumer's rebalance took them up.
  let known: Set<string> | undefined;
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    const assigned = Object.entries(payload.memberAssignment).flatMap(([topic, partitions]) => partitions.map((partition) => ({ topic, partition })));
    const key = (tp: { topic: string; partition: number }) => `${tp.topic}/${tp.partition}`;
    if (!known) known = new Set(assigned.map(key));
    for (const tp of assigned.filter((tp) => !known!.has(key(tp)))) {
      known.add(key(tp));
      consumer.seek({ ...tp, offset: '0' });
    }
  });
  await consumer.connect();
  await consumer.subscribe({ topics: OUTCOME_TOPICS.map((t) => topicName(t, prefix)), fromBeginning: false });
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
