import type { Bus } from '../../infra/bus.ts';
import { startSagaConsumer } from '../../runtime/consumer.ts';
import type { RunningService } from '../service.ts';
import { PAYMENT_TOPICS, paymentHandler, type PaymentOptions } from './handlers.ts';
import type { PaymentLedger } from './ports.ts';

export async function startPaymentService(bus: Bus, ledger: PaymentLedger, options: PaymentOptions): Promise<RunningService> {
  const consumer = await startSagaConsumer(bus, {
    name: 'payment',
    topics: PAYMENT_TOPICS,
    pace: 'step',
    handle: paymentHandler(ledger, options, bus.logger.child('payment', { service: 'payment' })),
  });
  return { name: 'payment', crashed: consumer.crashed, stop: () => consumer.stop() };
}
