import { eventKey, parseEvent, serializeEvent, type DomsEvent, type ParseResult } from '../events/events.ts';
import { isTopic, type Topic } from '../events/topics.ts';
import { errorMessage } from '../errors.ts';
import { groupIdFor, type Bus, type Delivery, type RawMessage, type RunningConsumer } from '../infra/bus.ts';
import { GroupCommit } from '../infra/group-commit.ts';
import type { Logger } from '../infra/log.ts';
import { metrics } from '../infra/metrics.ts';
import { NO_TRACER, tracerFor, type Tracer } from '../infra/tracing.ts';
import { DlqHeaders } from '../events/headers.ts';
import { ChunkSpans } from './chunk-spans.ts';
import { deadLetter, type DeadLetter } from './dead-letter.ts';
import { notePosition } from './event-position.ts';
import type { Delivered, MessageMeta, SagaConsumerSpec } from './handler.ts';
import { attempt, DEFAULT_RETRY, GiveUp, HandlerFailed, type RetryPolicy } from './retry.ts';

/** No saga event comes near this; anything bigger is poison, set aside without parsing. */
export const MAX_EVENT_BYTES = 256 * 1024;

/** Chunks (of different partitions) handed to a handler in one call, at most. */
const MAX_CHUNKS_PER_CALL = 64;

/**
 * Runs a service's chunk handler on the bus: validation at the edge, dead letters, retries, publishing.
 * Chunks of different partitions that arrive together (one fetch brings several) go to the handler in
 * one call, so their effects take one round trip and their events one produce request: on a small
 * machine every round trip wakes another process, and those wake-ups, not the work, cost the most.
 */
export function startSagaConsumer(bus: Bus, spec: SagaConsumerSpec, policy: RetryPolicy = DEFAULT_RETRY): Promise<RunningConsumer> {
  const log = bus.logger.child(spec.name, { service: spec.name });
  const group = spec.group ?? spec.name;
  // The no-op tracer unless tracing is on: then each call's spans (see ChunkSpans).
  const tracer = tracerFor(spec.name);
  const calls = new GroupCommit<Delivery, void>({
    maxBatch: MAX_CHUNKS_PER_CALL,
    flush: async (deliveries) => {
      await processChunks(spec, bus, log, deliveries, tracer);
      return deliveries.map(() => ({ ok: true as const, value: undefined }));
    },
  });
  return bus.subscribe({
    group,
    service: spec.name,
    takesOverFrom: spec.takesOverFrom,
    topics: spec.topics,
    pace: spec.pace,
    onChunk: async (delivery) => {
      // Retries and dead letters of this chunk say which partition and offsets they hold up.
      const at = log.child(spec.name, { topic: delivery.topic, partition: delivery.partition, offsets: offsetRange(delivery.messages) });
      const how = { log: at, owned: delivery.owned, heartbeat: delivery.heartbeat, policy };
      try {
        await attempt(() => calls.submit(delivery), how);
      } catch (e: unknown) {
        if (!(e instanceof GiveUp)) throw e;
        await setPoisonAside(spec, bus, log, delivery, how, tracer);
      }
    },
  });
}

/**
 * A chunk whose handler keeps failing: each message is tried alone, in offset order, and the ones that
 * still fail go to the dead-letter topic with the reason, so one bad message does not stall its
 * partition. Infrastructure errors are still waited out (`attempt`), here as everywhere.
 */
async function setPoisonAside(
  spec: SagaConsumerSpec,
  bus: Bus,
  log: Logger,
  delivery: Delivery,
  how: { log: Logger; owned: () => boolean; heartbeat: () => Promise<void>; policy: RetryPolicy },
  tracer: Tracer,
): Promise<void> {
  const { topic, partition } = delivery;
  const alone = { ...how, policy: { ...how.policy, unknownAttempts: 1 } };
  for (const message of delivery.messages) {
    try {
      await attempt(() => processChunks(spec, bus, log, [{ topic, partition, messages: [message] }], tracer), alone);
    } catch (e: unknown) {
      if (!(e instanceof GiveUp) || !isTopic(topic)) throw e;
      const reason = e.permanent
        ? `handler failed (not retriable): ${e.message}`
        : `handler failed ${how.policy.unknownAttempts} times in its chunk and again alone: ${e.message}`;
      log.error('message sent to the dead-letter topic: its handler keeps failing', {
        orderId: orderIdOf(topic, message),
        topic,
        partition,
        offset: message.offset,
        reason,
      });
      const dead = deadLetter(topic, partition, message, groupIdFor(spec.group ?? spec.name, bus.prefix), reason);
      await attempt(() => publish(bus, [], [dead]), how);
      metrics.eventsHandled.inc({ service: spec.name, topic, result: 'dead_lettered' });
    }
  }
}

function offsetRange(messages: readonly RawMessage[]): string | undefined {
  if (messages.length === 0) return undefined;
  const first = messages[0]!.offset;
  const last = messages[messages.length - 1]!.offset;
  return first === last ? first : `${first}-${last}`;
}

/** The order a message that is being set aside is about, when it says: its event's id, else its key (events are keyed by order id). */
function orderIdOf(topic: Topic, message: RawMessage): string | undefined {
  const parsed = parseAtEdge(topic, message);
  return parsed.ok ? parsed.event.orderId : message.key?.toString().slice(0, 100);
}

/** Publishes events (keyed by order id) and dead letters in one write; with `spans`, each event carries its send span's trace context. */
export function publish(bus: Bus, events: readonly DomsEvent[], dead: readonly DeadLetter[] = [], spans?: ChunkSpans): Promise<void> {
  if (events.length === 0 && dead.length === 0) return Promise.resolve();
  return bus.send([
    // Tracing off: the messages as before, without even an empty headers field.
    ...(spans
      ? events.map((e) => ({ topic: e.type, key: eventKey(e), value: serializeEvent(e), headers: spans.sending(e) }))
      : events.map((e) => ({ topic: e.type, key: eventKey(e), value: serializeEvent(e) }))),
    ...dead.map((d) => ({ topic: d.topic, key: d.message.key ?? null, value: d.message.value ?? null, headers: d.headers })),
  ]);
}

/**
 * Chunks of one or more partitions: validate each message (poison goes to the dead-letter topic), hand
 * the valid ones to the handler in one call (each partition's in offset order), then publish what came
 * out together with the dead letters.
 */
export async function processChunks(
  spec: SagaConsumerSpec,
  bus: Bus,
  log: Logger,
  deliveries: readonly Pick<Delivery, 'topic' | 'partition' | 'messages'>[],
  tracer: Tracer = NO_TRACER,
): Promise<void> {
  const valid: Delivered[] = [];
  const dead: DeadLetter[] = [];
  // Tracing off: one check per call, nothing per message.
  const spans = tracer.enabled ? new ChunkSpans(tracer, bus.prefix, groupIdFor(spec.group ?? spec.name, bus.prefix)) : undefined;
  for (const { topic, partition, messages } of deliveries) {
    if (isTopic(topic)) validate(spec, bus, log, topic, partition, messages, valid, dead, spans);
  }
  let out: readonly DomsEvent[] = [];
  if (valid.length > 0) {
    const timer = metrics.handlerSeconds.startTimer({ service: spec.name });
    try {
      out = await spec.handle(valid);
    } catch (e: unknown) {
      spans?.end(e);
      throw new HandlerFailed(e);
    } finally {
      timer();
    }
  }
  try {
    await publish(bus, out, dead, spans);
  } catch (e: unknown) {
    spans?.end(e);
    throw e;
  }
  spans?.end();
  count(
    spec.name,
    valid.map((d) => d.meta.topic),
    'handled',
  );
  count(
    spec.name,
    dead.map((d) => d.headers[DlqHeaders.Topic]!),
    'dead_lettered',
  );
}

function count(service: string, topics: readonly string[], result: 'handled' | 'dead_lettered'): void {
  const perTopic = new Map<string, number>();
  for (const t of topics) perTopic.set(t, (perTopic.get(t) ?? 0) + 1);
  for (const [topic, n] of perTopic) metrics.eventsHandled.inc({ service, topic, result }, n);
}

function validate(
  spec: SagaConsumerSpec,
  bus: Bus,
  log: Logger,
  topic: Topic,
  partition: number,
  messages: readonly RawMessage[],
  valid: Delivered[],
  dead: DeadLetter[],
  spans: ChunkSpans | undefined,
): void {
  for (const message of messages) {
    const parsed = parseAtEdge(topic, message);
    const occurredAt = parsed.ok ? validTime(parsed.occurredAt) : undefined;
    const meta: MessageMeta =
      occurredAt === undefined ? { topic, partition, offset: message.offset } : { topic, partition, offset: message.offset, occurredAt };
    if (parsed.ok) {
      valid.push({ event: parsed.event, meta });
      notePosition(parsed.event, meta);
      spans?.received(parsed.event, meta, message.headers);
      continue;
    }
    log.warn('malformed message sent to the dead-letter topic', { ...meta, key: message.key?.toString().slice(0, 100), reason: parsed.reason });
    dead.push(deadLetter(topic, partition, message, groupIdFor(spec.group ?? spec.name, bus.prefix), parsed.reason));
  }
}

/** An event's own time as ISO 8601, or nothing when it gave none or one that is not a time (it is not the event's fault). */
function validTime(at: string | undefined): string | undefined {
  if (at === undefined) return undefined;
  const ms = Date.parse(at);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
}

/**
 * A message's event, or why it is poison. Whatever fails here is the message's fault: an error thrown
 * while reading it must set it aside, not be retried as if the infrastructure were away (which would
 * hold its partition for ever).
 */
function parseAtEdge(topic: Topic, message: RawMessage): ParseResult {
  const size = message.value?.length ?? 0;
  if (size > MAX_EVENT_BYTES) return { ok: false, reason: `value of ${size} bytes exceeds the ${MAX_EVENT_BYTES}-byte limit` };
  try {
    return parseEvent(topic, message.value);
  } catch (e: unknown) {
    return { ok: false, reason: `value could not be read: ${errorMessage(e)}` };
  }
}
