import { Topics } from '../../events/topics.ts';
import type { Handler } from '../../infra/bus.ts';
import type { Logger } from '../../infra/log.ts';
import type { PgOrderStore } from './order-store.ts';
import { statusFor } from './status.ts';

export const ORDER_TOPICS = [Topics.InventoryReserved, Topics.InventoryRejected, Topics.InventoryReleased, Topics.PaymentSuccess] as const;

/** Outcome events → guarded status changes; a late or repeated event changes nothing. */
export function orderHandler(store: PgOrderStore, log: Logger): Handler {
  return async (event) => {
    const target = statusFor(event);
    if (!target) return;
    if (await store.advance(event.orderId, target)) log.info(`order ${target.toLowerCase()}`, { order: event.orderId });
    else log.debug('status unchanged (late or repeated event)', { order: event.orderId, event: event.type });
  };
}
