import { randomUUID } from 'node:crypto';
import type { Kafka, Producer } from 'kafkajs';
import type { Output } from '../cli/output.ts';
import type { DlqDeps } from '../commands/dlq.ts';
import type { TailDeps } from '../commands/tail.ts';
import { connectAdmin, createKafka, createProducer } from '../infra/kafka.ts';
import { createLogger } from '../infra/log.ts';
import { kafkaSecurity } from './kafka-security.ts';
import { listDeadLetters, replayDeadLetters } from './dead-letters.ts';

/** A client for a short-lived command: only kafkajs's errors, as notes on stderr. */
function kafkaFor(out: Output, brokers: string[], name: 'tail' | 'dlq'): Kafka {
  const logger = createLogger(name, { level: 'error', write: (l) => out.note(l) });
  return createKafka({ brokers, clientId: `doms-${name}`, logger, security: kafkaSecurity() });
}

/** `doms tail` on Kafka: the topic list through the admin client, events through a consumer with a throw-away group. */
export function tailDeps(out: Output): TailDeps {
  // One client per broker list, shared by the topic check and the consumer.
  const clients = new Map<string, Kafka>();
  const kafka = (brokers: string[]) => {
    const id = brokers.join(',');
    let client = clients.get(id);
    if (!client) clients.set(id, (client = kafkaFor(out, brokers, 'tail')));
    return client;
  };
  return {
    out,
    existingTopics: async (brokers) => {
      const admin = await connectAdmin(kafka(brokers), brokers);
      try {
        return await admin.listTopics();
      } finally {
        await admin.disconnect();
      }
    },
    consume: async (brokers, topics, { fromBeginning, onMessage, signal }) => {
      const consumer = kafka(brokers).consumer({ groupId: `doms-tail-${randomUUID()}`, maxWaitTimeInMs: 100, allowAutoTopicCreation: false });
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
    },
    onInterrupt: (stop) => {
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      return () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      };
    },
  };
}

/** `doms dlq` on Kafka: the dead-letter topics read and replayed by dead-letters.ts. */
export function dlqDeps(out: Output): DlqDeps {
  return {
    out,
    connect: async (brokers, topicPrefix) => {
      const kafka = kafkaFor(out, brokers, 'dlq');
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
        list: (topic) => listDeadLetters(kafka, topic, topicPrefix),
        replay: async (topic) => replayDeadLetters(kafka, await connectedProducer(), topic, topicPrefix),
        close: async () => {
          const p = producer && (await producer.catch(() => undefined));
          await Promise.all([admin.disconnect(), p?.disconnect()]);
        },
      };
    },
  };
}
