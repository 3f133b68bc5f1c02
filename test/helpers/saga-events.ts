import { randomUUID } from 'node:crypto';
import type { DomsEvent } from '../../src/events/events.ts';
import type { Items } from '../../src/events/schemas.ts';
import { Topics } from '../../src/events/topics.ts';
import type { Delivered } from '../../src/runtime/handler.ts';

type EventOf<T extends DomsEvent['type']> = Extract<DomsEvent, { type: T }>;

/** Saga events as the services read them (validated), for handler tests. */
export const sagaEvents = {
  created: (orderId: string, items: Items, { userId = '11111111-1111-1111-1111-111111111111', totalAmount = 10 } = {}): EventOf<'order.created'> => ({
    type: Topics.OrderCreated,
    orderId,
    userId,
    totalAmount,
    items,
  }),
  reserved: (
    orderId: string,
    items: Items = { [randomUUID()]: 1 },
    { userId = '11111111-1111-1111-1111-111111111111', totalAmount = 10 } = {},
  ): EventOf<'inventory.reserved'> => ({ type: Topics.InventoryReserved, orderId, userId, totalAmount, items }),
  rejected: (
    orderId: string,
    shortages: EventOf<'inventory.rejected'>['shortages'] = [],
    userId = '11111111-1111-1111-1111-111111111111',
  ): EventOf<'inventory.rejected'> => ({ type: Topics.InventoryRejected, orderId, userId, shortages }),
  released: (orderId: string, items: Items = { [randomUUID()]: 1 }): EventOf<'inventory.released'> => ({ type: Topics.InventoryReleased, orderId, items }),
  paid: (orderId: string, amount = 10): EventOf<'payment.success'> => ({
    type: Topics.PaymentSuccess,
    orderId,
    amount,
    paymentId: `pay-${orderId.slice(0, 8)}`,
  }),
  failed: (orderId: string, amount = 10): EventOf<'payment.failed'> => ({ type: Topics.PaymentFailed, orderId, amount, reason: 'card declined' }),
};

/** A chunk as a worker hands it to a handler: each event with where it was read (consecutive offsets of partition 0). */
export function chunkOf(...events: DomsEvent[]): Delivered[] {
  return events.map((event, i) => ({ event, meta: { topic: event.type, partition: 0, offset: String(i) } }));
}
