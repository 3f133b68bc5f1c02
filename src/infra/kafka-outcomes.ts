import { randomUUID } from 'node:crypto';
import type { Consumer, Kafka } from 'kafkajs';
import { parseEvent } from '../events/events.ts';
import { OUTCOME_TOPICS, outcomeOf, type SagaOutcome } from '../events/outcomes.ts';
import { stripPrefix, topicName } from '../events/topics.ts';

/**
 * Listens to the outcome topics from their current end, in a group of its own that commits nothing,
 * and reports each order's outcome with the time it was seen. Resolves once it is positioned, so
 * no outcome of an order sent afterwards can be missed.
 */
export async function followOutcomes(kafka: Kafka, prefix: string, onOutcome: (orderId: string, outcome: SagaOutcome) => void): Promise<Consumer> {
  const consumer = kafka.consumer({ groupId: `${prefix}doms-load-${randomUUID()}`, maxWaitTimeInMs: 50, allowAutoTopicCreation: false });
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
