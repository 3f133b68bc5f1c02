import { describe, expect, it } from 'vitest';
import { parseEvent, serializeEvent } from '../../../src/events/events.ts';
import { Topics } from '../../../src/events/topics.ts';

const orderId = '0e0c6f5e-0000-4000-8000-000000000001';
const userId = '11111111-1111-1111-1111-111111111111';
const product = 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa';

describe('event parsing at the edge', () => {
  it('reads the original order.created format and ignores extra fields', () => {
    const raw = JSON.stringify({ orderId, userId, totalAmount: 500, items: { [product]: 2 }, source: 'spring' });
    expect(parseEvent(Topics.OrderCreated, Buffer.from(raw))).toEqual({
      ok: true,
      event: { type: 'order.created', orderId, userId, totalAmount: 500, items: { [product]: 2 } },
      occurredAt: undefined,
    });
  });

  it('round-trips every event through the wire format', () => {
    const event = { type: Topics.PaymentFailed, orderId, amount: 10.5, reason: 'card declined' } as const;
    const parsed = parseEvent(Topics.PaymentFailed, serializeEvent(event, new Date(0)));
    expect(parsed).toEqual({ ok: true, event, occurredAt: '1970-01-01T00:00:00.000Z' });
  });

  it.each([
    ['non-JSON', 'not json', 'value is not JSON'],
    ['a missing orderId', JSON.stringify({ userId, totalAmount: 1, items: { [product]: 1 } }), 'orderId'],
    ['a wrong type', JSON.stringify({ orderId, userId, totalAmount: '1', items: { [product]: 1 } }), 'totalAmount'],
    ['a JSON array', '[]', 'value'],
    ['an unknown event type', JSON.stringify({ type: 'order.shipped', orderId, userId, totalAmount: 1, items: { [product]: 1 } }), 'unknown event type'],
  ])('rejects %s with a reason', (_name, raw, reason) => {
    const parsed = parseEvent(Topics.OrderCreated, raw);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toContain(reason);
  });

  it('rejects a `type` nested thousands deep with a reason, instead of overflowing the stack writing it out', () => {
    const deep = '['.repeat(20_000) + ']'.repeat(20_000);
    const raw = `{"type":${deep},"orderId":"${orderId}","userId":"${userId}","totalAmount":1,"items":{"${product}":1}}`;
    expect(parseEvent(Topics.OrderCreated, raw)).toEqual({ ok: false, reason: 'type: unknown event type (an array) on topic order.created' });
    expect(parseEvent(Topics.OrderCreated, JSON.stringify({ type: 'x'.repeat(1000), orderId }))).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^type: unknown event type "x{100}…" on topic/),
    });
  });

  it('rejects an empty value', () => {
    expect(parseEvent(Topics.PaymentSuccess, null)).toEqual({ ok: false, reason: 'empty message value' });
  });
});
