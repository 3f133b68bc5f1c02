import type { DomsEvent } from '../../events/events.ts';
import { Topics } from '../../events/topics.ts';
import type { Logger } from '../../infra/log.ts';
import type { ChunkHandler, Delivered } from '../../runtime/handler.ts';
import { orderLogFields } from '../../runtime/event-position.ts';
import type { OrderStore, StatusTimes } from './order-store.ts';
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
      planChanges(chunk).map(async ({ event, target, via, times }) => {
        if (await store.advance(event.orderId, target, via, times)) {
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
  /** The events' own times: the timeline says when each step happened, not when this service wrote it. */
  times: StatusTimes;
}

/**
 * The status changes a call's events ask for. An order's RESERVED and its outcome in the same call fold
 * into the outcome, whichever came first: their topics differ, so a fetch may bring the outcome's batch
 * before the reservation's, and applied apart the late RESERVED would be refused and missing from the timeline.
 */
function planChanges(chunk: readonly Delivered[]): PlannedChange[] {
  const withOutcome = new Set<string>();
  /** Each order's RESERVED in this call: when it happened. */
  const reserved = new Map<string, string | undefined>();
  for (const { event, meta } of chunk) {
    const target = statusFor(event);
    if (target === 'CONFIRMED' || target === 'CANCELLED') withOutcome.add(event.orderId);
    if (target === 'RESERVED') reserved.set(event.orderId, meta.occurredAt);
  }
  const changes: PlannedChange[] = [];
  for (const { event, meta } of chunk) {
    const target = statusFor(event);
    if (!target || (target === 'RESERVED' && withOutcome.has(event.orderId))) continue;
    const folds = (target === 'CONFIRMED' || target === 'CANCELLED') && reserved.has(event.orderId);
    const at = meta.occurredAt;
    changes.push(folds ? { event, target, via: 'RESERVED', times: { at, viaAt: reserved.get(event.orderId) } } : { event, target, times: { at } });
  }
  return changes;
}
