import type { DomsEvent } from '../../events/events.ts';
import { Topics } from '../../events/topics.ts';
import { sleep } from '../../infra/concurrency.ts';
import type { Logger } from '../../infra/log.ts';
import type { ChunkHandler } from '../../runtime/handler.ts';
import { orderLogFields } from '../../runtime/event-position.ts';
import type { PaymentLedger } from './ports.ts';
import { simulatePayment, type PaymentOutcome, type SimulationOptions } from './simulation.ts';

export const PAYMENT_TOPICS = [Topics.InventoryReserved] as const;

export interface PaymentOptions extends SimulationOptions {
  /** Simulated gateway time per charge; charges of different orders overlap. */
  latencyMs: number;
}

type Reserved = Extract<DomsEvent, { type: typeof Topics.InventoryReserved }>;

/**
 * inventory.reserved → charge once (simulated) → payment.success | payment.failed. The chunk's
 * orders (each once) are looked up in one round trip, charged side by side (one gateway wait for all), and
 * their outcomes recorded in one more; an order charged before gets its recorded outcome again.
 */
export function paymentHandler(ledger: PaymentLedger, options: PaymentOptions, log: Logger): ChunkHandler {
  return async (chunk) => {
    // An order's reservation can come twice in one chunk (announced again after a redelivery, or written
    // twice by a retried produce): the gateway is asked once per order, and one outcome goes out.
    const byOrder = new Map<string, Reserved>();
    for (const { event } of chunk) if (event.type === Topics.InventoryReserved && !byOrder.has(event.orderId)) byOrder.set(event.orderId, event);
    const reserved = [...byOrder.values()];
    const known = await ledger.get(reserved.map((e) => e.orderId));
    const fresh = reserved.filter((_, i) => !known[i]);
    const recorded = new Map<string, PaymentOutcome>();
    if (fresh.length > 0) {
      if (options.latencyMs > 0) await sleep(options.latencyMs);
      const outcomes = await ledger.recordOnce(fresh.map((e) => ({ orderId: e.orderId, outcome: simulatePayment(e.orderId, options) })));
      fresh.forEach((e, i) => {
        const outcome = outcomes[i]!;
        recorded.set(e.orderId, outcome);
        log.info(outcome.status === 'success' ? 'payment succeeded' : 'payment failed', {
          ...orderLogFields(e),
          amount: e.totalAmount,
          ...(outcome.status === 'success' ? { payment: outcome.paymentId } : { reason: outcome.reason }),
        });
      });
    }
    return reserved.map((e, i) => toEvent(e, known[i] ?? recorded.get(e.orderId)!));
  };
}

function toEvent(event: Reserved, outcome: PaymentOutcome): DomsEvent {
  return outcome.status === 'success'
    ? { type: Topics.PaymentSuccess, orderId: event.orderId, amount: event.totalAmount, paymentId: outcome.paymentId, items: event.items }
    : { type: Topics.PaymentFailed, orderId: event.orderId, amount: event.totalAmount, reason: outcome.reason, items: event.items };
}
