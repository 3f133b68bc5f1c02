import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';

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

/**
 * Delivers the topics' messages until `signal` aborts, then resolves once disconnected. Its group is a
 * throw-away one and it commits nothing, so watching never moves any worker's offsets.
 */
export async function tailTopics(
  kafka: Kafka,
  topics: string[],
  { fromBeginning, onMessage, signal }: { fromBeginning: boolean; onMessage(message: TailedMessage): void; signal: AbortSignal },
): Promise<void> {
  const consumer = kafka.consumer({ groupId: `doms-tail-${randomUUID()}`, maxWaitTimeInMs: 100, allowAutoTopicCreation: false });
  const stopped = new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
  try {
    await consumer.connect();
    await consumer.subscribe({ topics, fromBeginning });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ topic, partition, message }) =>
        onMessage({
          topic,
          partition,
          offset: message.offset,
          key: message.key?.toString() ?? null,
          value: message.value?.toString('utf8') ?? null,
          timestamp: Number(message.timestamp),
        }),
    });
    await stopped;
  } finally {
    await consumer.disconnect();
  }
}
