import type { DomsEvent } from '../../events/events.ts';
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
 * An order's reservation and its outcome in one chunk make one change that records both (an UPDATE
 * changes a row once per statement, so two changes would take two).
 */
export function orderHandler(store: OrderStore, log: Logger): ChunkHandler {
  return async (chunk) => {
    await Promise.all(
      planChanges(chunk.map((d) => d.event)).map(async ({ event, target, via }) => {
        if (await store.advance(event.orderId, target, via)) {
          if (via) log.info(`order ${via.toLowerCase()}`, orderLogFields(event));
          log.info(`order ${target.toLowerCase()}`, orderLogFields(event));
        } else log.debug('status unchanged (late or repeated event)', { ...orderLogFields(event), event: event.type });
      }),
    );
    return [];
  };
}

interface PlannedChange {
  event: DomsEvent;
  target: NonNullable<ReturnType<typeof statusFor>>;
  via?: 'RESERVED';
}

/** The status changes a chunk's events ask for: a RESERVED followed by an outcome of the same order folds into the outcome. */
export function planChanges(events: readonly DomsEvent[]): PlannedChange[] {
  const changes: PlannedChange[] = [];
  const reservedAt = new Map<string, number>();
  for (const event of events) {
    const target = statusFor(event);
    if (!target) continue;
    const earlier = reservedAt.get(event.orderId);
    if (earlier !== undefined && (target === 'CONFIRMED' || target === 'CANCELLED')) {
      changes[earlier] = { event, target, via: 'RESERVED' };
      reservedAt.delete(event.orderId);
      continue;
    }
    if (target === 'RESERVED') reservedAt.set(event.orderId, changes.length);
    changes.push({ event, target });
  }
  return changes;
}
