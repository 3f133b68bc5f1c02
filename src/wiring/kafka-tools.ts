import type { Kafka, Producer } from 'kafkajs';
import { connectAdmin, createProducer } from '../infra/kafka.ts';
import { partitionOffsets, tailPartitions, type TailedMessage } from '../infra/kafka-tail.ts';
import { sleep } from '../infra/concurrency.ts';
import type { Topic } from '../events/topics.ts';
import { errorsOnly, kafkaClient } from './connections.ts';
import { listDeadLetters, replayDeadLetters } from '../infra/kafka-dead-letters.ts';
import { onInterrupt } from './signals.ts';

/** A client for a short-lived command: only kafkajs's errors, as notes on stderr. */
const kafkaFor = (note: (line: string) => void, brokers: string[], name: 'tail' | 'dlq'): Kafka => kafkaClient(brokers, `doms-${name}`, errorsOnly(name, note));

/** `doms tail` on Kafka: topics and offsets through the admin client, events through a consumer with a throw-away group. */
export function tailAdapters(note: (line: string) => void) {
  // One client per broker list, shared by the topic check and the consumer.
  const clients = new Map<string, Kafka>();
  const kafka = (brokers: string[]) => {
    const id = brokers.join(',');
    let client = clients.get(id);
    if (!client) clients.set(id, (client = kafkaFor(note, brokers, 'tail')));
    return client;
  };
  return {
    existingTopics: async (brokers: string[]) => {
      const admin = await connectAdmin(kafka(brokers), brokers);
      try {
        return await admin.listTopics();
      } finally {
        await admin.disconnect();
      }
    },
    offsets: async (brokers: string[], topics: string[], times: { from?: number; until?: number }) => {
      const admin = kafka(brokers).admin();
      await admin.connect();
      try {
        return await partitionOffsets(admin, topics, times);
      } finally {
        await admin.disconnect();
      }
    },
    consume: (
      brokers: string[],
      partitions: { topic: string; partition: number; offset: string }[],
      options: { onMessage(message: TailedMessage): void; onReached(topic: string, partition: number, next: string): void; signal: AbortSignal },
    ) => tailPartitions(kafka(brokers), partitions, options),
    onInterrupt,
    now: Date.now,
    sleep,
  };
}

/** `doms dlq` on Kafka: the dead-letter topics read and replayed by infra/kafka-dead-letters.ts. */
export function dlqAdapters(note: (line: string) => void) {
  return {
    connect: async (brokers: string[], topicPrefix: string) => {
      const kafka = kafkaFor(note, brokers, 'dlq');
      const admin = await connectAdmin(kafka, brokers);
      // Connected on the first replay only: listing needs no producer.
      let producer: Promise<Producer> | undefined;
      const connectedProducer = () =>
        (producer ??= (async () => {
          const p = createProducer(kafka);
          await p.connect();
          return p;
        })());
      return {
        listTopics: () => admin.listTopics(),
        list: (topic: Topic) => listDeadLetters(kafka, topic, topicPrefix),
        replay: async (topic: Topic) => replayDeadLetters(kafka, await connectedProducer(), topic, topicPrefix),
        close: async () => {
          const p = producer && (await producer.catch(() => undefined));
          await Promise.all([admin.disconnect(), p?.disconnect()]);
        },
      };
    },
  };
}
