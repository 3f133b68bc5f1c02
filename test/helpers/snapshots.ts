import type { OrderStatus } from '../../src/services/order/status.ts';
import type { Snapshot } from '../../src/saga/verify/invariants.ts';

export const SNAPSHOT_NOW = new Date('2026-01-01T12:00:00Z');

/**
 * A consistent saga as `doms verify` reads it: one confirmed order with everything recorded.
 * `inFlight` adds an order created just now; `stuck` one still CREATED ten minutes on.
 */
export function sagaSnapshot({ inFlight = false, stuck = false } = {}): Snapshot {
  const now = SNAPSHOT_NOW;
  const old = new Date(now.getTime() - 600_000);
  const orders: Snapshot['orders'] = [{ id: 'c', status: 'CONFIRMED' as OrderStatus, createdAt: now, updatedAt: now }];
  if (inFlight) orders.push({ id: 'n', status: 'CREATED', createdAt: now, updatedAt: now });
  if (stuck) orders.push({ id: 's', status: 'CREATED', createdAt: old, updatedAt: old });
  return {
    now,
    orders,
    stock: [{ productId: 'p', available: 9, reserved: 0, sold: 1, added: 10 }],
    reservations: new Map([['c', 'SOLD']]),
    paymentEvents: new Map([['c', new Set(['success' as const])]]),
    notifications: new Map([['c', 'CONFIRMED']]),
    createdEvents: new Set(orders.map((o) => o.id)),
    otherEvents: new Set(),
  };
}
