import { outcomeOf } from '../../events/outcomes.ts';
import { Topics } from '../../events/topics.ts';
import type { DomsEvent } from '../../events/events.ts';

export const OrderStatuses = ['CREATED', 'RESERVED', 'CONFIRMED', 'REJECTED', 'CANCELLED'] as const;
export type OrderStatus = (typeof OrderStatuses)[number];
export type TerminalStatus = Extract<OrderStatus, 'CONFIRMED' | 'REJECTED' | 'CANCELLED'>;

export function isTerminal(status: OrderStatus): status is TerminalStatus {
  return status === 'CONFIRMED' || status === 'REJECTED' || status === 'CANCELLED';
}

/**
 * Which statuses each status may be entered from. Events of one order arrive on different topics, so
 * their order is not guaranteed: a payment outcome may overtake inventory.reserved, hence CREATED → CONFIRMED.
 * A terminal status is never left.
 */
export const ENTERED_FROM: Record<Exclude<OrderStatus, 'CREATED'>, readonly OrderStatus[]> = {
  RESERVED: ['CREATED'],
  REJECTED: ['CREATED'],
  CONFIRMED: ['CREATED', 'RESERVED'],
  CANCELLED: ['CREATED', 'RESERVED'],
};

/** The status an event moves its order to; payment.failed waits for the stock to come back (inventory.released). */
export function statusFor(event: DomsEvent): Exclude<OrderStatus, 'CREATED'> | undefined {
  return event.type === Topics.InventoryReserved ? 'RESERVED' : outcomeOf(event.type);
}
