import { errorMessage } from '../errors.ts';
import { eventKey, parseEvent, serializeEvent, type DomsEvent } from '../events/events.ts';
import { topicName, type Topic } from '../events/topics.ts';
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
  /** Events of different orders handled at once within a chunk. */
  concurrency?: number;
}

export interface RunningConsumer {
  stop(): Promise<void>;
  /** Rejects if the consumer crashes for good, so the process can exit non-zero and be restarted. */
  readonly crashed: Promise<never>;
}

/** A message as it was read, whichever bus carried it. */
export interface RawMessage {
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  timestamp: string;
}

/** A message to write; `topic` is the full name (prefix included). */
export interface OutgoingMessage {
  topic: string;
  key: string | Buffer | null;
  value: string | Buffer | null;
  headers?: Record<string, string>;
}

/**
 * The event bus the services work through: Kafka for real, an in-process one for the demo. Both
 * deliver at least once, keep each key's order within a topic, and commit a consumer's position
 * only after its handler's effects and outgoing events are done.
 */
export interface Bus {
  readonly prefix: string;
  readonly logger: Logger;
  startConsumer(spec: ConsumerSpec): Promise<RunningConsumer>;
  /** Writes messages, resolving once they are durable (acknowledged by all in-sync replicas). */
  send(messages: readonly OutgoingMessage[]): Promise<void>;
}

export const CHUNK = 500;
/** No saga event comes near this; anything bigger is poison, set aside without parsing. */
export const MAX_EVENT_BYTES = 256 * 1024;

export function groupIdFor(name: string, prefix: string): string {
  return `${prefix}doms-${name}`;
}

/** Publishes events (keyed by order id) and dead letters in one write. */
export function publish(bus: Bus, events: readonly DomsEvent[], dead: readonly DeadLetter[] = []): Promise<void> {
  if (events.length === 0 && dead.length === 0) return Promise.resolve();
  return bus.send([
    ...events.map((e) => ({ topic: topicName(e.type, bus.prefix), key: eventKey(e), value: serializeEvent(e) })),
    ...dead.map((d) => ({ topic: d.topic, key: d.message.key ?? null, value: d.message.value ?? null, headers: d.headers })),
  ]);
}

/**
 * One chunk of a partition: validate each message (poison goes to the dead-letter topic), run the
 * handler for each order's events in order, orders side by side, then publish what came out.
 */
export async function processChunk(spec: ConsumerSpec, bus: Bus, log: Logger, topic: Topic, partition: number, messages: readonly RawMessage[]): Promise<void> {
  const valid: { event: DomsEvent; meta: MessageMeta }[] = [];
  const dead: DeadLetter[] = [];
  const groupId = groupIdFor(spec.name, bus.prefix);
  for (const message of messages) {
    const meta = { topic, partition, offset: message.offset };
    const size = message.value?.length ?? 0;
    const parsed = size > MAX_EVENT_BYTES ? { ok: false as const, reason: `value of ${size} bytes exceeds the ${MAX_EVENT_BYTES}-byte limit` } : parseEvent(topic, message.value);
    if (parsed.ok) {
      valid.push({ event: parsed.event, meta });
      continue;
    }
    log.warn('malformed message sent to the dead-letter topic', { ...meta, key: message.key?.toString().slice(0, 100), reason: parsed.reason });
    dead.push(deadLetter(topic, bus.prefix, partition, message, groupId, parsed.reason));
  }
  const perOrder = groupBy(valid, (v) => v.event.orderId);
  const outputs = await mapLimit(perOrder, spec.concurrency ?? 64, async (group) => {
    const out: DomsEvent[] = [];
    for (const { event, meta } of group) out.push(...((await spec.handle(event, meta)) ?? []));
    return out;
  });
  await publish(bus, outputs.flat(), dead);
}

/**
 * Transient failures (Redis, PostgreSQL or Kafka restarting) are retried in place with backoff, so one
 * outage does not turn into a consumer crash; handlers are idempotent, so a retried chunk is harmless.
 */
export async function withRetry(fn: () => Promise<void>, log: Logger, owned: () => boolean, heartbeat: () => Promise<void> = async () => {}): Promise<void> {
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
