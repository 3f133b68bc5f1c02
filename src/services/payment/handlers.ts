import type { DomsEvent } from '../../events/events.ts';
import { Topics } from '../../events/topics.ts';
import { sleep } from '../../infra/concurrency.ts';
import type { Handler } from '../../infra/bus.ts';
import type { Logger } from '../../infra/log.ts';
import type { PaymentLedger } from './ledger.ts';
import { simulatePayment, type PaymentOutcome, type SimulationOptions } from './simulation.ts';

export const PAYMENT_TOPICS = [Topics.InventoryReserved] as const;

export interface PaymentOptions extends SimulationOptions {
  /** Simulated gateway time per charge; charges of different orders overlap. */
  latencyMs: number;
}

/** inventory.reserved → charge once (simulated) → payment.success | payment.failed. */
export function paymentHandler(ledger: PaymentLedger, options: PaymentOptions, log: Logger): Handler {
  return async (event): Promise<DomsEvent[]> => {
    if (event.type !== Topics.InventoryReserved) return [];
    let outcome = await ledger.get(event.orderId);
    if (!outcome) {
      if (options.latencyMs > 0) await sleep(options.latencyMs);
      outcome = await ledger.recordOnce(event.orderId, simulatePayment(event.orderId, options));
      log.info(outcome.status === 'success' ? 'payment succeeded' : 'payment failed', {
        order: event.orderId,
        amount: event.totalAmount,
        ...(outcome.status === 'success' ? { payment: outcome.paymentId } : { reason: outcome.reason }),
      });
    }
    return [toEvent(event.orderId, event.totalAmount, outcome)];
  };
}

function toEvent(orderId: string, amount: number, outcome: PaymentOutcome): DomsEvent {
  return outcome.status === 'success'
    ? { type: Topics.PaymentSuccess, orderId, amount, paymentId: outcome.paymentId }
    : { type: Topics.PaymentFailed, orderId, amount, reason: outcome.reason };
}
