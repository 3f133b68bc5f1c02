import type { Consumer, EachBatchPayload, Kafka, KafkaMessage, Producer } from 'kafkajs';
import { errorMessage } from '../errors.ts';
import { eventKey, parseEvent, serializeEvent, type DomsEvent } from '../events/events.ts';
import { stripPrefix, topicName, type Topic } from '../events/topics.ts';
import { groupBy, mapLimit, sleep } from './concurrency.ts';
import { deadLetter, type DeadLetter } from './dead-letter.ts';
import type { Logger } from './log.ts';

/** Where a message came from, for logs. */
export interface MessageMeta {
  topic: Topic;
  partition: number;
  offset: string;
}

/** Applies one event's effects and returns the events to publish because of it. Must be idempotent. */
export type Handler = (event: DomsEvent, meta: MessageMeta) => Promise<readonly DomsEvent[] | void>;

export interface ConsumerSpec {
  /** Service name, also the consumer group's name (after the topic prefix). */
  name: string;
  topics: readonly Topic[];
  handle: Handler;
  /** Events of different orders handled at once within a batch. */
  concurrency?: number;
}

export interface ConsumerContext {
  kafka: Kafka;
  producer: Producer;
  prefix: string;
  logger: Logger;
}

export interface RunningConsumer {
  stop(): Promise<void>;
  /** Rejects if the consumer crashes for good, so the process can exit non-zero and be restarted. */
  readonly crashed: Promise<never>;
}

const CHUNK = 500;
/** No saga event comes near this; anything bigger is poison, set aside without parsing. */
export const MAX_EVENT_BYTES = 256 * 1024;

export function groupIdFor(name: string, prefix: string): string {
  return `${prefix}doms-${name}`;
}

/**
 * Consumes with at-least-once semantics: a chunk's effects run, its outgoing events are acknowledged
 * by the broker, and only then is its last offset resolved and committed.
 */
export async function startConsumer(spec: ConsumerSpec, ctx: ConsumerContext): Promise<RunningConsumer> {
  const { kafka, producer, prefix, logger } = ctx;
  const log = logger.child(spec.name);
  const consumer: Consumer = kafka.consumer({
    groupId: groupIdFor(spec.name, prefix),
    // A worker killed without leaving its group stalls its partitions until the session times out:
    // keep that short. Heartbeats also go out between chunks and between retries of a chunk.
    sessionTimeout: 10_000,
    heartbeatInterval: 1_000,
    maxWaitTimeInMs: 200,
    allowAutoTopicCreation: false,
  });

  let rejectCrash: (e: Error) => void = () => {};
  const crashed = new Promise<never>((_, reject) => (rejectCrash = reject));
  crashed.catch(() => {});
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (!payload.restart) rejectCrash(new Error(`${spec.name} consumer stopped: ${errorMessage(payload.error)}`));
  });

  await consumer.connect();
  await consumer.subscribe({ topics: spec.topics.map((t) => topicName(t, prefix)), fromBeginning: true });

  const groupId = groupIdFor(spec.name, prefix);
  const processChunk = async (topic: Topic, partition: number, messages: KafkaMessage[]) => {
    const valid: { event: DomsEvent; meta: MessageMeta }[] = [];
    const dead: DeadLetter[] = [];
    for (const message of messages) {
      const meta = { topic, partition, offset: message.offset };
      const size = message.value?.length ?? 0;
      const parsed = size > MAX_EVENT_BYTES ? { ok: false as const, reason: `value of ${size} bytes exceeds the ${MAX_EVENT_BYTES}-byte limit` } : parseEvent(topic, message.value);
      if (parsed.ok) {
        valid.push({ event: parsed.event, meta });
        continue;
      }
      log.warn('malformed message sent to the dead-letter topic', { ...meta, key: message.key?.toString().slice(0, 100), reason: parsed.reason });
      dead.push(deadLetter(topic, prefix, partition, message, groupId, parsed.reason));
    }
    const perOrder = groupBy(valid, (v) => v.event.orderId);
    const outputs = await mapLimit(perOrder, spec.concurrency ?? 64, async (group) => {
      const out: DomsEvent[] = [];
      for (const { event, meta } of group) out.push(...((await spec.handle(event, meta)) ?? []));
      return out;
    });
    await publish(producer, outputs.flat(), prefix, dead);
  };

  await consumer.run({
    eachBatchAutoResolve: false,
    autoCommitThreshold: 1,
    partitionsConsumedConcurrently: 8,
    eachBatch: async ({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale }: EachBatchPayload) => {
      const topic = stripPrefix(batch.topic, prefix);
      if (!topic) return;
      for (let i = 0; i < batch.messages.length; i += CHUNK) {
        if (!isRunning() || isStale()) return;
        const chunk = batch.messages.slice(i, i + CHUNK);
        await withRetry(() => processChunk(topic, batch.partition, chunk), log, () => isRunning() && !isStale(), heartbeat);
        resolveOffset(chunk[chunk.length - 1]!.offset);
        await heartbeat();
        await commitOffsetsIfNecessary();
      }
    },
  });
  log.info('consuming', { group: groupIdFor(spec.name, prefix), topics: spec.topics.join(',') });

  return {
    crashed,
    stop: async () => {
      await consumer.disconnect();
    },
  };
}

/** Publishes events (and dead letters) in one request, acknowledged by all in-sync replicas. */
export async function publish(producer: Producer, events: readonly DomsEvent[], prefix: string, dead: readonly DeadLetter[] = []): Promise<void> {
  if (events.length === 0 && dead.length === 0) return;
  const byTopic = groupBy(events, (e) => e.type);
  const deadByTopic = groupBy(dead, (d) => d.topic);
  await producer.sendBatch({
    acks: -1,
    topicMessages: [
      ...byTopic.map((group) => ({
        topic: topicName(group[0]!.type, prefix),
        messages: group.map((e) => ({ key: eventKey(e), value: serializeEvent(e) })),
      })),
      ...deadByTopic.map((group) => ({ topic: group[0]!.topic, messages: group.map((d) => d.message) })),
    ],
  });
}

/**
 * Transient failures (Redis, PostgreSQL or Kafka restarting) are retried in place with backoff, so one
 * outage does not turn into a consumer crash; handlers are idempotent, so a retried chunk is harmless.
 */
async function withRetry(fn: () => Promise<void>, log: Logger, owned: () => boolean, heartbeat: () => Promise<void>): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (e: unknown) {
      // Once the partition is gone (stop or rebalance), its new owner redoes the chunk.
      if (!owned()) throw e;
      const wait = Math.min(100 * 2 ** attempt, 5_000);
      log.warn('handling failed, retrying', { attempt: attempt + 1, inMs: wait, error: errorMessage(e) });
      await sleep(wait);
      await heartbeat().catch(() => {});
    }
  }
}
