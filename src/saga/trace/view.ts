// The view of one order: its events in time order with the time between steps, repeats marked as
// absorbed, its dead letters and Redis records; the verdict is judged on it (verdict.ts).
import { parseEvent, type DomsEvent } from '../../events/events.ts';
import { DlqHeaders, EventHeaders } from '../../events/headers.ts';
import { ALL_TOPICS, isTopic } from '../../events/topics.ts';
import { recordTime } from '../../infra/kafka-time.ts';
import type { OrderTrace, SeenRecord, TraceDeadLetter, TraceEvent, TraceInput, TraceJudgement } from './model.ts';
import { judge } from './verdict.ts';

/** The whole trace of one order from what was read. Pure. */
export function buildTrace(input: TraceInput, judgement: TraceJudgement): OrderTrace {
  const events = traceEvents(input.records, Date.parse(input.order.createdAt));
  const deadLetters = input.deadLetters.map(deadLetterView);
  const { reservation, payment, notification } = input.redis;
  const redis = {
    reservation: { key: reservation.key, state: reservation.fields?.state ?? null, detail: jsonOr(reservation.fields?.detail ?? null) },
    payment: { key: payment.key, value: jsonOr(payment.value) },
    notification: { key: notification.key, value: notification.value },
  };
  const partial = { orderId: input.order.id, order: input.order, events, deadLetters, redis, searched: input.searched };
  return { ...partial, verdict: judge(partial, input.now, judgement) };
}

/** Step order of the saga, for events stamped in the same millisecond. */
const STEP = new Map<string, number>(ALL_TOPICS.map((t, i) => [t, i]));

/**
 * The events in time order (ties: saga step, then offset). The first valid event on a topic is the
 * step; a later one on the same topic is the step again, absorbed by the idempotent handlers.
 */
export function traceEvents(records: readonly SeenRecord[], createdAt: number): TraceEvent[] {
  const parsed = new Map(records.map((r) => [r, isTopic(r.topic) ? parseEvent(r.topic, r.value) : ({ ok: false, reason: 'not a saga topic' } as const)]));
  // The first on each topic by offset (the order its consumer saw them), whatever the producers' clocks say.
  const firstByOffset = new Map<string, { offset: string; payload: string }>();
  for (const r of [...records].sort((a, b) => compareOffsets(a.offset, b.offset))) {
    const p = parsed.get(r)!;
    if (p.ok && !firstByOffset.has(r.topic)) firstByOffset.set(r.topic, { offset: r.offset, payload: comparable(p.event) });
  }
  const sorted = [...records].sort(
    (a, b) => a.timestamp - b.timestamp || (STEP.get(a.topic) ?? 99) - (STEP.get(b.topic) ?? 99) || compareOffsets(a.offset, b.offset),
  );
  let previous = createdAt;
  return sorted.map((r) => {
    const p = parsed.get(r)!;
    const sincePreviousMs = r.timestamp - previous;
    previous = r.timestamp;
    const base = {
      topic: r.topic,
      partition: r.partition,
      offset: r.offset,
      timestamp: recordTime(r.timestamp),
      origin: r.headers[EventHeaders.Origin] ?? null,
      sincePreviousMs,
      value: jsonOr(r.value),
    };
    if (!p.ok) return { ...base, kind: 'invalid', summary: 'unreadable', note: `${p.reason} (the workers dead-letter it)` };
    const first = firstByOffset.get(r.topic)!;
    const summary = summarize(p.event);
    if (first.offset === r.offset) return { ...base, kind: 'step', summary };
    const same = first.payload === comparable(p.event);
    return {
      ...base,
      kind: 'absorbed',
      summary,
      note: `${r.topic} again (first at offset ${first.offset}${same ? '' : ', with other content'}): the idempotent handlers absorb it`,
    };
  });
}

function compareOffsets(a: string, b: string): number {
  const d = BigInt(a) - BigInt(b);
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}

/** The event as its content (keys sorted at every level), without when it was written. */
function comparable(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(comparable).join(',')}]`;
  if (value !== null && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${comparable((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value);
}

/** An event in a few words. */
export function summarize(event: DomsEvent): string {
  const items = (i: Record<string, number>) =>
    Object.entries(i)
      .map(([product, n]) => `${product.slice(0, 8)}×${n}`)
      .join(' ');
  switch (event.type) {
    case 'order.created':
      return `amount ${event.totalAmount}, ${items(event.items)}`;
    case 'inventory.reserved':
      return `reserved ${items(event.items)}`;
    case 'inventory.rejected':
      return `short: ${event.shortages.map((s) => `${s.productId.slice(0, 8)} wanted ${s.requested}, had ${s.available}`).join('; ')}`;
    case 'inventory.released':
      return `released ${items(event.items)}`;
    case 'payment.success':
      return `charged ${event.amount} (${event.paymentId})`;
    case 'payment.failed':
      return `not charged ${event.amount}: ${event.reason}`;
  }
}

function deadLetterView(r: SeenRecord): TraceDeadLetter {
  return {
    topic: r.topic,
    offset: r.offset,
    timestamp: recordTime(r.timestamp),
    error: r.headers[DlqHeaders.Error] ?? '',
    source: { topic: r.headers[DlqHeaders.Topic] ?? '', partition: r.headers[DlqHeaders.Partition] ?? '', offset: r.headers[DlqHeaders.Offset] ?? '' },
    group: r.headers[DlqHeaders.Group] ?? '',
    value: r.value,
  };
}

/** JSON text as its value; other text as it is. */
function jsonOr(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
