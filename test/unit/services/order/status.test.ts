import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { DomsEvent } from '../../../../src/events/events.ts';
import { Topics } from '../../../../src/events/topics.ts';
import { ENTERED_FROM, OrderStatuses, isTerminal, statusFor, type OrderStatus } from '../../../../src/services/order/status.ts';

/**
 * The status an event moves an order in `current` to (undefined: a no-op), as the order service decides
 * it: the handler asks statusFor for the target, and the store's guarded UPDATE accepts only the
 * statuses ENTERED_FROM lists for it.
 */
function transition(current: OrderStatus, event: DomsEvent): OrderStatus | undefined {
  const target = statusFor(event);
  return target && ENTERED_FROM[target].includes(current) ? target : undefined;
}

const orderId = randomUUID();
const events: Record<string, DomsEvent> = {
  reserved: { type: Topics.InventoryReserved, orderId, userId: orderId, totalAmount: 1, items: { [orderId]: 1 } },
  rejected: { type: Topics.InventoryRejected, orderId, userId: orderId, shortages: [] },
  released: { type: Topics.InventoryReleased, orderId, items: { [orderId]: 1 } },
  paid: { type: Topics.PaymentSuccess, orderId, amount: 1, paymentId: 'p' },
  failed: { type: Topics.PaymentFailed, orderId, amount: 1, reason: 'declined' },
  created: { type: Topics.OrderCreated, orderId, userId: orderId, totalAmount: 1, items: { [orderId]: 1 } },
};

describe('order status transitions', () => {
  it('follows the happy path CREATED → RESERVED → CONFIRMED', () => {
    expect(transition('CREATED', events.reserved!)).toBe('RESERVED');
    expect(transition('RESERVED', events.paid!)).toBe('CONFIRMED');
  });

  it('rejects from CREATED and cancels once the stock is back', () => {
    expect(transition('CREATED', events.rejected!)).toBe('REJECTED');
    expect(transition('RESERVED', events.released!)).toBe('CANCELLED');
  });

  it('waits for the released stock rather than cancelling on payment.failed', () => {
    expect(transition('RESERVED', events.failed!)).toBeUndefined();
  });

  it('accepts an outcome that overtook inventory.reserved, and ignores the late reservation', () => {
    expect(transition('CREATED', events.paid!)).toBe('CONFIRMED');
    expect(transition('CONFIRMED', events.reserved!)).toBeUndefined();
  });

  it('never leaves a terminal status, whatever arrives', () => {
    for (const status of OrderStatuses.filter((s): s is OrderStatus => isTerminal(s))) {
      for (const event of Object.values(events)) expect(transition(status, event)).toBeUndefined();
    }
  });

  it('treats a repeated event as a no-op', () => {
    expect(transition('RESERVED', events.reserved!)).toBeUndefined();
  });
});
