import type { DomsEvent } from '../../events/events.ts';
import { Topics } from '../../events/topics.ts';
import type { Logger } from '../../infra/log.ts';
import type { ChunkHandler, Delivered } from '../../runtime/handler.ts';
import { orderLogFields } from '../../runtime/event-position.ts';
import type { StockStore } from './ports.ts';

/**
 * Two consumer groups, paced apart: the saga waits for inventory's answer to an order and to a failed
 * payment, so those are fetched at once; a sale (the reserved units become sold) ends nothing and
 * nobody waits for it, so sales are fetched and written several at a time. `inventory-sales` took
 * payment.success over from `inventory`, starting where that group left off.
 */
export const INVENTORY_GROUPS = [
  { name: 'inventory', topics: [Topics.OrderCreated, Topics.PaymentFailed] },
  { name: 'inventory-sales', topics: [Topics.PaymentSuccess], takesOverFrom: 'inventory' },
] as const;

export interface InventoryOptions {
  /** Stock given to a product the first time an order names it; null: unknown products are rejected. */
  defaultStock: number | null;
}

type EventOf<T extends DomsEvent['type']> = Extract<DomsEvent, { type: T }>;

/**
 * order.created → reserve every item or none → inventory.reserved | inventory.rejected.
 * payment.failed → release the reservation (compensation) → inventory.released.
 * payment.success → the reserved units become sold.
 * Redeliveries get the stored first answer, so each is re-announced identically and applied once.
 * A chunk's orders go to the store in one call per kind (one round trip each), in offset order;
 * reservations first, as an order's reservation always comes before its payment.
 */
export function inventoryHandler(store: StockStore, options: InventoryOptions, log: Logger): ChunkHandler {
  const of = <T extends DomsEvent['type']>(chunk: readonly Delivered[], type: T) =>
    chunk.flatMap(({ event }) => (event.type === type ? [event as EventOf<T>] : []));

  const reserve = async (created: EventOf<'order.created'>[]): Promise<DomsEvent[]> => {
    const results = await store.reserveMany(created, options.defaultStock);
    return created.map((event, i): DomsEvent => {
      const result = results[i]!;
      const say = result.repeated ? log.debug : log.info;
      if (result.outcome === 'reserved') {
        say(result.repeated ? 'order seen before: re-announcing its reservation' : 'stock reserved', {
          ...orderLogFields(event),
          items: Object.keys(result.items).length,
        });
        return { type: Topics.InventoryReserved, orderId: event.orderId, userId: event.userId, totalAmount: event.totalAmount, items: result.items };
      }
      say(result.repeated ? 'order seen before: re-announcing its rejection' : 'stock insufficient, order rejected', {
        ...orderLogFields(event),
        short: result.shortages.map((s) => `${s.productId}(${s.available}/${s.requested})`).join(','),
      });
      return { type: Topics.InventoryRejected, orderId: event.orderId, userId: event.userId, shortages: result.shortages };
    });
  };

  const release = async (failed: EventOf<'payment.failed'>[]): Promise<DomsEvent[]> => {
    const results = await store.releaseMany(
      failed.map((e) => e.orderId),
      failed.map((e) => e.items),
    );
    return failed.flatMap((event, i): DomsEvent[] => {
      const result = results[i]!;
      if (result.outcome === 'not-reserved') {
        log.warn('payment failed for an order with no reservation; nothing to release', { ...orderLogFields(event), state: result.state });
        return [];
      }
      if (result.outcome === 'released') log.info('stock released after failed payment', orderLogFields(event));
      return [{ type: Topics.InventoryReleased, orderId: event.orderId, items: result.items }];
    });
  };

  const sell = async (paid: EventOf<'payment.success'>[]): Promise<DomsEvent[]> => {
    const results = await store.sellMany(
      paid.map((e) => e.orderId),
      paid.map((e) => e.items),
    );
    results.forEach((result, i) => {
      if (result.outcome === 'not-reserved')
        log.warn('payment succeeded for an order with no reservation', { ...orderLogFields(paid[i]!), state: result.state });
    });
    return [];
  };

  return async (chunk) => [
    ...(await reserve(of(chunk, Topics.OrderCreated))),
    ...(await release(of(chunk, Topics.PaymentFailed))),
    ...(await sell(of(chunk, Topics.PaymentSuccess))),
  ];
}
