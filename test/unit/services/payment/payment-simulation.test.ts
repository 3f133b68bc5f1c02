import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MemoryPaymentLedger } from '../../../../src/services/payment/ports.ts';
import { seededUnit, simulatePayment } from '../../../../src/services/payment/simulation.ts';
import { paymentHandler } from '../../../../src/services/payment/handlers.ts';
import { silentLogger } from '../../../../src/infra/log.ts';
import { Topics } from '../../../../src/events/topics.ts';

describe('payment simulation', () => {
  it('gives the same outcome for the same seed and order, in any process', () => {
    const orderId = randomUUID();
    const first = simulatePayment(orderId, { failureRate: 0.5, seed: 's1' });
    for (let i = 0; i < 5; i++) expect(simulatePayment(orderId, { failureRate: 0.5, seed: 's1' })).toEqual(first);
  });

  it('fails about the configured share of orders', () => {
    const ids = Array.from({ length: 5000 }, () => randomUUID());
    const failed = ids.filter((id) => simulatePayment(id, { failureRate: 0.2, seed: 'rate' }).status === 'failed').length;
    expect(failed / ids.length).toBeGreaterThan(0.17);
    expect(failed / ids.length).toBeLessThan(0.23);
  });

  it('never fails at rate 0 and always fails at rate 1', () => {
    const ids = Array.from({ length: 200 }, () => randomUUID());
    expect(ids.every((id) => simulatePayment(id, { failureRate: 0 }).status === 'success')).toBe(true);
    expect(ids.every((id) => simulatePayment(id, { failureRate: 1 }).status === 'failed')).toBe(true);
  });

  it('gives a failure a reason', () => {
    const outcome = simulatePayment(randomUUID(), { failureRate: 1, seed: 'x' });
    expect(outcome.status === 'failed' && outcome.reason.length > 0).toBe(true);
  });

  it('spreads seeded rolls over [0, 1)', () => {
    const rolls = Array.from({ length: 1000 }, (_, i) => seededUnit('s', String(i)));
    expect(Math.min(...rolls)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...rolls)).toBeLessThan(1);
    expect(rolls.filter((r) => r < 0.5).length).toBeGreaterThan(400);
  });
});

describe('payment handler', () => {
  const product = randomUUID();
  const reserved = (orderId: string) => ({ type: Topics.InventoryReserved, orderId, userId: randomUUID(), totalAmount: 42, items: { [product]: 1 } }) as const;
  const meta = { topic: Topics.InventoryReserved, partition: 0, offset: '0' };

  it('charges once: a redelivered reservation re-announces the first outcome, even with a random simulation', async () => {
    const ledger = new MemoryPaymentLedger();
    const handle = paymentHandler(ledger, { failureRate: 0.5, latencyMs: 0 }, silentLogger);
    const orderId = randomUUID();
    const first = await handle([{ event: reserved(orderId), meta }]);
    for (let i = 0; i < 20; i++) expect(await handle([{ event: reserved(orderId), meta }])).toEqual(first);
  });

  it('asks the gateway once and announces one outcome when a chunk holds the same reservation several times', async () => {
    const ledger = new MemoryPaymentLedger();
    const charged: string[] = [];
    const recordOnce = ledger.recordOnce.bind(ledger);
    ledger.recordOnce = (entries) => (charged.push(...entries.map((e) => e.orderId)), recordOnce(entries));
    const handle = paymentHandler(ledger, { failureRate: 0.5, latencyMs: 0 }, silentLogger);
    const [a, b] = [randomUUID(), randomUUID()];
    const out = await handle([a, b, a, a, b].map((id) => ({ event: reserved(id), meta })));
    expect(charged.sort()).toEqual([a, b].sort());
    expect(out.map((e) => e.orderId)).toEqual([a, b]);
  });

  it('publishes payment.success with the amount, or payment.failed with a reason', async () => {
    const ok = await paymentHandler(new MemoryPaymentLedger(), { failureRate: 0, latencyMs: 0 }, silentLogger)([{ event: reserved(randomUUID()), meta }]);
    expect(ok).toMatchObject([{ type: 'payment.success', amount: 42 }]);
    const ko = await paymentHandler(new MemoryPaymentLedger(), { failureRate: 1, latencyMs: 0 }, silentLogger)([{ event: reserved(randomUUID()), meta }]);
    expect(ko).toMatchObject([{ type: 'payment.failed', amount: 42, reason: expect.any(String) }]);
  });
});
