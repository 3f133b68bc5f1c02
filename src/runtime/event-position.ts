import type { DomsEvent } from '../events/events.ts';
import type { LogFields } from '../infra/log.ts';
import type { MessageMeta } from './handler.ts';

/**
 * Where each validated event was read, noted at the edge (`processChunks`) and looked up by the event
 * itself, so a handler's log line can say where its order's message came from without the handler
 * carrying the metadata through its logic. Weak: an event's entry goes when the event does.
 */
const positions = new WeakMap<DomsEvent, MessageMeta>();

export function notePosition(event: DomsEvent, meta: MessageMeta): void {
  positions.set(event, meta);
}

/** Log fields of one order's line: `orderId`, and `topic`, `partition`, `offset` when the event was read from a topic. */
export function orderLogFields(event: DomsEvent): LogFields {
  const meta = positions.get(event);
  return meta ? { orderId: event.orderId, topic: meta.topic, partition: meta.partition, offset: meta.offset } : { orderId: event.orderId };
}
