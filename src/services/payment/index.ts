import { defineService } from '../service.ts';
import { PAYMENT_TOPICS } from './handlers.ts';
import { MemoryPaymentLedger, type PaymentLedger } from './ports.ts';

/** The payment service: charges each reserved order once (simulated), recorded in Redis (or memory). */
export const paymentService = defineService({
  name: 'payment',
  groups: [{ name: 'payment', topics: PAYMENT_TOPICS }],
  stores: ['redis'],
  portNames: { payments: 'payment ledger' },
  ports: async ({ redis, redisNamespace, ledgerTtl }): Promise<{ payments: PaymentLedger }> => ({
    payments: redis ? new (await import('./redis-ledger.ts')).RedisPaymentLedger(redis, redisNamespace, ledgerTtl) : new MemoryPaymentLedger(),
  }),
  start: async (bus, { payments }, { failureRate, latencyMs, seed }) =>
    (await import('./start.ts')).startPaymentService(bus, payments, { failureRate, latencyMs, seed }),
  orderKeys: (namespace, orderId) => [`${namespace}:payment:${orderId}`],
});
