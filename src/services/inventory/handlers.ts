import type { DomsEvent } from '../../events/events.ts';
import { Topics } from '../../events/topics.ts';
import type { Handler } from '../../infra/bus.ts';
import type { Logger } from '../../infra/log.ts';
import type { StockStore } from './reservation.ts';

export const INVENTORY_TOPICS = [Topics.OrderCreated, Topics.PaymentFailed, Topics.PaymentSuccess] as const;

export interface InventoryOptions {
  /** Stock given to a product the first time an order names it; null: unknown products are rejected. */
  defaultStock: number | null;
}

/**
 * order.created → reserve every item or none → inventory.reserved | inventory.rejected.
 * payment.failed → release the reservation (compensation) → inventory.released.
 * payment.success → the reserved units become sold.
 * Redeliveries get the stored first answer, so each is re-announced identically and applied once.
 */
export function inventoryHandler(store: StockStore, options: InventoryOptions, log: Logger): Handler {
  return async (event): Promise<DomsEvent[]> => {
    switch (event.type) {
      case Topics.OrderCreated: {
        const result = await store.reserve(event.orderId, event.items, options.defaultStock);
        const say = result.repeated ? log.debug : log.info;
        if (result.outcome === 'reserved') {
          say(result.repeated ? 'order seen before: re-announcing its reservation' : 'stock reserved', { order: event.orderId, items: Object.keys(result.items).length });
          return [{ type: Topics.InventoryReserved, orderId: event.orderId, userId: event.userId, totalAmount: event.totalAmount, items: result.items }];
        }
        say(result.repeated ? 'order seen before: re-announcing its rejection' : 'stock insufficient, order rejected', { order: event.orderId, short: result.shortages.map((s) => `${s.productId}(${s.available}/${s.requested})`).join(',') });
        return [{ type: Topics.InventoryRejected, orderId: event.orderId, userId: event.userId, shortages: result.shortages }];
      }
      case Topics.PaymentFailed: {
        const result = await store.release(event.orderId);
        if (result.outcome === 'not-reserved') {
          log.warn('payment failed for an order with no reservation; nothing to release', { order: event.orderId, state: result.state });
          return [];
        }
        if (result.outcome === 'released') log.info('stock released after failed payment', { order: event.orderId });
        return [{ type: Topics.InventoryReleased, orderId: event.orderId, items: result.items }];
      }
      case Topics.PaymentSuccess: {
        const result = await store.sell(event.orderId);
        if (result.outcome === 'not-reserved') log.warn('payment succeeded for an order with no reservation', { order: event.orderId, state: result.state });
        return [];
      }
      default:
        return [];
    }
  };
}
