import type { Redis } from 'ioredis';
import { OUTCOME_TOPICS, type SagaOutcome } from '../../events/outcomes.ts';
import { Topics } from '../../events/topics.ts';
import type { Handler } from '../../infra/bus.ts';
import type { Logger } from '../../infra/log.ts';
import type { DomsEvent } from '../../events/events.ts';

/** The notification service reads exactly the outcome events. */
export const NOTIFICATION_TOPICS = OUTCOME_TOPICS;

export type Outcome = SagaOutcome;

/** Remembers which orders were notified, so a redelivered outcome is not announced twice. */
export interface NotificationLedger {
  /** True the first time for an order, false after. */
  claim(orderId: string, outcome: Outcome): Promise<boolean>;
}

export const notificationKey = (orderId: string, namespace = 'doms') => `${namespace}:notified:${orderId}`;

export class RedisNotificationLedger implements NotificationLedger {
  constructor(
    private readonly redis: Redis,
    private readonly namespace = 'doms',
  ) {}

  async claim(orderId: string, outcome: Outcome): Promise<boolean> {
    return (await this.redis.set(notificationKey(orderId, this.namespace), outcome, 'NX')) === 'OK';
  }
}

export class MemoryNotificationLedger implements NotificationLedger {
  private readonly seen = new Map<string, Outcome>();
  async claim(orderId: string, outcome: Outcome): Promise<boolean> {
    if (this.seen.has(orderId)) return false;
    this.seen.set(orderId, outcome);
    return true;
  }
}

/** The customer-facing message for each outcome: one line per order. */
export function describeOutcome(event: DomsEvent): { outcome: Outcome; text: string } | undefined {
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

export function notificationHandler(ledger: NotificationLedger, log: Logger): Handler {
  return async (event) => {
    const described = describeOutcome(event);
    if (!described) return;
    if (await ledger.claim(event.orderId, described.outcome)) log.info(`notification sent: ${described.text}`, { order: event.orderId, outcome: described.outcome });
  };
}
