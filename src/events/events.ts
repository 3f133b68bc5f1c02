import { z } from 'zod';
import { amount, items, shortage, uuid } from './schemas.ts';
import { Topics, type Topic } from './topics.ts';

/** Payload schemas per topic. Unknown fields are dropped, so producers may add fields without breaking consumers. */
const payloads = {
  [Topics.OrderCreated]: z.object({
    orderId: uuid,
    userId: uuid,
    /** The order's amount (the original service's field name). */
    totalAmount: amount,
    items,
  }),
  [Topics.InventoryReserved]: z.object({
    orderId: uuid,
    userId: uuid,
    totalAmount: amount,
    items,
  }),
  [Topics.InventoryRejected]: z.object({
    orderId: uuid,
    userId: uuid,
    /** Each product that was short; nothing of the order was reserved. */
    shortages: z.array(shortage),
  }),
  [Topics.InventoryReleased]: z.object({
    orderId: uuid,
    /** What went back to stock. */
    items,
  }),
  [Topics.PaymentSuccess]: z.object({
    orderId: uuid,
    paymentId: z.string().min(1),
    amount,
    /** The reservation's items, passed on from inventory.reserved: inventory settles it without reading it first. Absent from older producers. */
    items: items.optional(),
  }),
  [Topics.PaymentFailed]: z.object({
    orderId: uuid,
    amount,
    reason: z.string().min(1),
    /** As on payment.success. */
    items: items.optional(),
  }),
} satisfies Record<Topic, z.ZodType>;

type Payloads = typeof payloads;
type PayloadOf<T extends Topic> = z.output<Payloads[T]>;

/** One saga event: the topic is its type. */
export type DomsEvent = { [T in Topic]: { type: T } & PayloadOf<T> }[Topic];

export type ParseResult = { ok: true; event: DomsEvent; occurredAt?: string } | { ok: false; reason: string };

/** Validates a raw Kafka value at the edge; everything inside the services trusts the result. */
export function parseEvent(topic: Topic, value: Buffer | string | null): ParseResult {
  if (value === null) return { ok: false, reason: 'empty message value' };
  let json: unknown;
  try {
    json = JSON.parse(typeof value === 'string' ? value : value.toString('utf8'));
  } catch {
    return { ok: false, reason: 'value is not JSON' };
  }
  // `type` is optional on the wire (the original service never sent it), but if present it must match the topic.
  const declared = json !== null && typeof json === 'object' ? (json as { type?: unknown }).type : undefined;
  if (declared !== undefined && declared !== topic) return { ok: false, reason: `type: unknown event type ${describeType(declared)} on topic ${topic}` };
  const result = payloads[topic].safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    const path = issue?.path.length ? issue.path.join('.') : 'value';
    return { ok: false, reason: `${path}: ${issue?.message ?? 'invalid'}` };
  }
  const occurredAt = typeof (json as { occurredAt?: unknown }).occurredAt === 'string' ? (json as { occurredAt: string }).occurredAt : undefined;
  return { ok: true, event: { type: topic, ...result.data } as DomsEvent, occurredAt };
}

/**
 * A `type` that is not the topic's, for the reason: a string quoted (cut at 100 characters), anything else
 * by its kind. Never stringified whole: a value nested thousands deep (40 KB of `[`) overflows the stack.
 */
function describeType(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 100 ? `${value.slice(0, 100)}…` : value);
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return String(value);
  return Array.isArray(value) ? '(an array)' : '(an object)';
}

/** The wire form: the payload, its type (the topic's name) and when it occurred. */
export function serializeEvent(event: DomsEvent, occurredAt = new Date()): string {
  return JSON.stringify({ ...event, occurredAt: occurredAt.toISOString() });
}

export function eventKey(event: DomsEvent): string {
  return event.orderId;
}
