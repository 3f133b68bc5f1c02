import { Kafka, Partitioners, logLevel as KafkaLogLevel, type Admin, type Producer, type LogEntry } from 'kafkajs';
import { UnreachableError, errorMessage } from '../errors.ts';
import { sleep } from './concurrency.ts';
import { ALL_TOPICS, deadLetterTopicName, topicName } from '../events/topics.ts';
import type { Logger } from './log.ts';

export interface KafkaOptions {
  brokers: string[];
  clientId: string;
  logger: Logger;
}

// kafkajs reports every reconnect and rebalance at ERROR/WARN; these we already handle and would only alarm people.
const QUIET = [
  /The group is rebalancing/,
  /There is no leader for this topic-partition/,
  // A just-created topic's leader is still being elected: kafkajs refreshes metadata and retries.
  /This server is not the leader for that topic-partition/,
  /Connection error: connect ECONNREFUSED/,
  // Our own disconnect closing a socket a request was still being written to: kafkajs drops it, nothing is lost.
  /Connection error: write after end/,
  /coordinator is loading/,
  /group coordinator is not available/i,
  // We bound the producer's retries on purpose and retry around it; duplicates are absorbed by idempotent consumers.
  /Limiting retries for the idempotent producer/,
];

export function createKafka({ brokers, clientId, logger }: KafkaOptions): Kafka {
  const log = logger.child('kafkajs');
  return new Kafka({
    clientId,
    brokers,
    connectionTimeout: 3000,
    retry: { initialRetryTime: 200, retries: 8 },
    logLevel: KafkaLogLevel.WARN,
    logCreator:
      () =>
      ({ level, log: entry }: LogEntry) => {
        const { message, ...rest } = entry;
        // kafkajs puts the broker's error in `error` ("Response Heartbeat(…)" is the message): match both.
        const text = `${message} ${typeof rest.error === 'string' ? rest.error : ''}`;
        if (QUIET.some((re) => re.test(text))) return;
        const fields = { error: rest.error, groupId: rest.groupId, broker: rest.broker };
        if (level === KafkaLogLevel.ERROR) log.error(message, fields);
        else if (level === KafkaLogLevel.WARN) log.warn(message, fields);
      },
  });
}

/**
 * A producer whose sends fail whole rather than half. kafkajs 2.2.4 retries a failed send only to the
 * brokers that have not answered yet: a partition whose new leader is a broker that already answered
 * is never sent, yet the send resolves (tulios/kafkajs#1303), so acknowledged events were lost when a
 * leader moved. Without retries inside kafkajs a failed send rejects, and its caller sends it all
 * again (the outbox sweep, the chunk retry): partitions already written get a duplicate, which the
 * idempotent consumers absorb. No retries means no idempotence (kafkajs requires them for it).
 */
export function createProducer(kafka: Kafka): Producer {
  return kafka.producer({
    idempotent: false,
    retry: { retries: 0 },
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
}

const PROBE_PATIENCE_MS = 5_000;

const isConnectionError = (e: unknown) =>
  (e as { name?: string }).name === 'KafkaJSConnectionError' || /ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|Connection (error|timeout)/i.test(errorMessage(e));

/**
 * Fails fast, with one line naming the setting, when the broker cannot be reached. The probe has its
 * own client because a client's connect retries follow its own (long) retry budget, not the admin's.
 */
export async function connectAdmin(kafka: Kafka, brokers: string[]): Promise<Admin> {
  const probe = new Kafka({
    clientId: 'doms-probe',
    brokers,
    connectionTimeout: 3000,
    retry: { retries: 2, initialRetryTime: 300 },
    logLevel: KafkaLogLevel.NOTHING,
  }).admin();
  try {
    // Nothing listening fails at once; a broker that answers but is just starting, or starved of CPU,
    // may fail its first metadata requests in odd ways: give it a few seconds.
    const deadline = Date.now() + PROBE_PATIENCE_MS;
    for (;;) {
      try {
        await probe.connect();
        await probe.describeCluster();
        break;
      } catch (e: unknown) {
        if (isConnectionError(e) || Date.now() >= deadline) throw e;
        await sleep(300);
      }
    }
  } catch (e: unknown) {
    throw new UnreachableError(`Kafka at ${brokers.join(',')}`, 'KAFKA_BROKERS / --brokers', errorMessage(e), {
      cause: e,
      hint: 'is it running? try: npm run stack:up',
    });
  } finally {
    await probe.disconnect().catch(() => {});
  }
  const admin = kafka.admin();
  await admin.connect();
  return admin;
}

/** Dead letters keep the original value whole, even one far over the saga's own size limit. */
const DLQ_MAX_MESSAGE_BYTES = String(16 * 1024 * 1024);

/** Creates the saga's topics and their dead-letter topics that are missing; safe when several workers race to do it. */
export async function ensureTopics(admin: Admin, prefix: string, partitions: number): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const wanted = [
    ...ALL_TOPICS.map((t) => ({ topic: topicName(t, prefix), numPartitions: partitions, replicationFactor: -1 })),
    ...ALL_TOPICS.map((t) => ({
      topic: deadLetterTopicName(t, prefix),
      numPartitions: 1,
      replicationFactor: -1,
      configEntries: [{ name: 'max.message.bytes', value: DLQ_MAX_MESSAGE_BYTES }],
    })),
  ];
  const missing = wanted.filter((t) => !existing.has(t.topic));
  // A broker that has just started, or topics just created by another worker, answer metadata
  // requests with retriable errors for a moment ("does not host this topic-partition"): wait it out.
  for (let attempt = 1; ; attempt++) {
    try {
      if (missing.length > 0) {
        await admin.createTopics({ waitForLeaders: true, topics: missing }).catch((e: unknown) => {
          // Another worker created them between our list and create.
          if (!/already exists/i.test(errorMessage(e))) throw e;
        });
      }
      await admin.fetchTopicMetadata({ topics: wanted.map((t) => t.topic) });
      return;
    } catch (e: unknown) {
      const { retriable, name } = e as { retriable?: boolean; name?: string };
      if (attempt >= 20 || (retriable === false && name !== 'KafkaJSNumberOfRetriesExceeded')) throw e;
      await sleep(Math.min(250 * attempt, 2000));
    }
  }
}
