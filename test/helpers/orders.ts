import { randomUUID } from 'node:crypto';
import type { Order } from '../../src/services/order/order-store.ts';

export interface OrderRequest {
  userId: string;
  amount: number;
  items: Record<string, number>;
}

/**
 * Places an order the way a careful client does: with an Idempotency-Key, retrying while the order
 * service is unreachable or restarting, so a retry can never create a second order.
 */
export async function placeOrder(target: () => string, body: OrderRequest, { timeout = 60_000 } = {}): Promise<Order> {
  const key = randomUUID();
  const deadline = Date.now() + timeout;
  let last = '';
  for (;;) {
    try {
      const res = await fetch(`${target()}/orders`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Idempotency-Key': key },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(5000),
      });
      if (res.status === 201 || res.status === 200) return (await res.json()) as Order;
      last = `HTTP ${res.status}: ${await res.text()}`;
      if (res.status !== 409 && res.status !== 503) throw new Error(`POST /orders answered ${last}`);
    } catch (e: unknown) {
      if (e instanceof Error && e.message.startsWith('POST /orders answered')) throw e;
      last = e instanceof Error ? `${e.message} ${String((e as { cause?: unknown }).cause ?? '')}` : String(e);
    }
    if (Date.now() > deadline) throw new Error(`could not place an order within ${timeout}ms; last answer: ${last}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function getOrder(target: string, id: string): Promise<Order> {
  const res = await fetch(`${target}/orders/${id}`);
  if (res.status !== 200) throw new Error(`GET /orders/${id} answered ${res.status}`);
  return (await res.json()) as Order;
}
