import type { StatusSnapshot } from '../../src/saga/status/health.ts';

/** A saga at rest and well: everything answers, one worker per service, nothing stuck. */
export function healthySnapshot(): StatusSnapshot {
  return {
    at: new Date('2026-01-01T12:00:00Z'),
    components: [
      { name: 'kafka', ok: true, rttMs: 2 },
      { name: 'redis', ok: true, rttMs: 1 },
      { name: 'postgresql', ok: true, rttMs: 1 },
    ],
    groups: ['order', 'inventory', 'payment', 'notification'].map((service) => ({
      service,
      group: `doms-${service}`,
      state: 'Stable',
      members: 1,
      clients: [{ clientId: 'doms-all-4242', host: '127.0.0.1' }],
      partitions: [{ topic: 'order.created', partition: 0, lag: 3 }],
      lag: 3,
      lastCommitAgeMs: 800,
    })),
    outbox: { backlog: 2, oldestAgeMs: 40 },
    deadLetters: [{ topic: 'order.created.dlq', count: 0 }],
    orders: { windowMs: 300_000, byStatus: { CONFIRMED: 10 } },
    stock: { namespace: 'doms', products: 4 },
  };
}
