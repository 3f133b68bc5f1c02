import { OUTCOME_TOPICS } from '../../events/outcomes.ts';
import { Topics } from '../../events/topics.ts';
import type { Logger } from '../../infra/log.ts';
import type { ChunkHandler } from '../../runtime/handler.ts';
import { orderLogFields } from '../../runtime/event-position.ts';
import type { DomsEvent } from '../../events/events.ts';
import type { NotificationLedger, Outcome } from './ports.ts';

/** The notification service reads exactly the outcome events. */
export const NOTIFICATION_TOPICS = OUTCOME_TOPICS;

/** The customer-facing message for each outcome: one line per order. */
function describeOutcome(event: DomsEvent): { outcome: Outcome; text: string } | undefined {
  switch (event.type) {
    case Topics.PaymentSuccess:
      return { outcome: 'CONFIRMED', text: `order ${event.orderId} confirmed: payment ${event.paymentId} of ${event.amount} succeeded` };
    case Topics.InventoryRejected:
      return { outcome: 'REJECTED', text: `order ${event.orderId} rejected: not enough stock for ${event.shortages.map((s) => s.productId).join(', ')}` };
    case Topics.InventoryReleased:
      return { outcome: 'CANCELLED', text: `order ${event.orderId} cancelled: payment failed, stock released` };
    default:
      return undefined;
  }
}

/** One line per order outcome; the chunk's claims go to the ledger in one round trip. */
export function notificationHandler(ledger: NotificationLedger, log: Logger): ChunkHandler {
  return async (chunk) => {
    const described = chunk.flatMap(({ event }) => {
      const d = describeOutcome(event);
      return d ? [{ orderId: event.orderId, event, ...d }] : [];
    });
    const first = await ledger.claim(described);
    described.forEach((d, i) => {
      if (first[i]) log.info(`notification sent: ${d.text}`, { ...orderLogFields(d.event), outcome: d.outcome });
    });
    return [];
  };
}
