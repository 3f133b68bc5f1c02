import { eventKey, parseEvent, serializeEvent, type DomsEvent } from '../events/events.ts';
import { isTopic } from '../events/topics.ts';
import { groupIdFor, type Bus, type Delivery, type RunningConsumer } from '../infra/bus.ts';
import type { Logger } from '../infra/log.ts';
import { deadLetter, type DeadLetter } from './dead-letter.ts';
import type { Delivered, SagaConsumerSpec } from './handler.ts';
import { withRetry } from './retry.ts';

/** No saga event comes near this; anything bigger is poison, set aside without parsing. */
export const MAX_EVENT_BYTES = 256 * 1024;

/** Runs a service's chunk handler on the bus: validation at the edge, dead letters, retries, publishing. */
export function startSagaConsumer(bus: Bus, spec: SagaConsumerSpec): Promise<RunningConsumer> {
  const log = bus.logger.child(spec.name);
  return bus.subscribe({
    group: spec.name,
    topics: spec.topics,
    onChunk: (delivery) => withRetry(() => processChunk(spec, bus, log, delivery), log, delivery.owned, delivery.heartbeat),
  });
}

/** Publishes events (keyed by order id) and dead letters in one write. */
export function publish(bus: Bus, events: readonly DomsEvent[], dead: readonly DeadLetter[] = []): Promise<void> {
  if (events.length === 0 && dead.length === 0) return Promise.resolve();
  return bus.send([
    ...events.map((e) => ({ topic: e.type, key: eventKey(e), value: serializeEvent(e) })),
    ...dead.map((d) => ({ topic: d.topic, key: d.message.key ?? null, value: d.message.value ?? null, headers: d.headers })),
  ]);
}

/**
 * One chunk of a partition: validate each message (poison goes to the dead-letter topic), hand the
 * valid ones to the handler in one call, then publish what came out together with the dead letters.
 */
export async function processChunk(spec: SagaConsumerSpec, bus: Bus, log: Logger, { topic, partition, messages }: Pick<Delivery, 'topic' | 'partition' | 'messages'>): Promise<void> {
  if (!isTopic(topic)) return;
  const valid: Delivered[] = [];
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
    dead.push(deadLetter(topic, partition, message, groupIdFor(spec.name, bus.prefix), parsed.reason));
  }
  const out = valid.length > 0 ? await spec.handle(valid) : [];
  await publish(bus, out, dead);
}
