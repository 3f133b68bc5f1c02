import { Topics } from '../../events/topics.ts';
import type { Logger } from '../../infra/log.ts';
import type { ChunkHandler } from '../../runtime/handler.ts';
import { orderLogFields } from '../../runtime/event-position.ts';
import type { OrderStore } from './order-store.ts';
import { statusFor } from './status.ts';

export const ORDER_TOPICS = [Topics.InventoryReserved, Topics.InventoryRejected, Topics.InventoryReleased, Topics.PaymentSuccess] as const;

/**
 * Outcome events → guarded status changes; a late or repeated event changes nothing. The chunk's
 * changes join those of the chunks being handled beside it in one statement (the store's group commit).
 */
export function orderHandler(store: OrderStore, log: Logger): ChunkHandler {
  return async (chunk) => {
    await Promise.all(
      chunk.map(async ({ event }) => {
        const target = statusFor(event);
        if (!target) return;
        if (await store.advance(event.orderId, target)) log.info(`order ${target.toLowerCase()}`, orderLogFields(event));
        else log.debug('status unchanged (late or repeated event)', { ...orderLogFields(event), event: event.type });
      }),
    );
    return [];
  };
}
