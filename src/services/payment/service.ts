import type { Bus } from '../../infra/bus.ts';
import type { RunningService } from '../types.ts';
import { PAYMENT_TOPICS, paymentHandler, type PaymentOptions } from './handlers.ts';
import type { PaymentLedger } from './ledger.ts';

export async function startPaymentService(bus: Bus, ledger: PaymentLedger, options: PaymentOptions): Promise<RunningService> {
  // Charges wait on a (simulated) gateway, so many run at once: latency must not cap throughput.
  const consumer = await bus.startConsumer({ name: 'payment', topics: PAYMENT_TOPICS, handle: paymentHandler(ledger, options, bus.logger.child('payment')), concurrency: 500 });
  return { name: 'payment', crashed: consumer.crashed, stop: () => consumer.stop() };
}
