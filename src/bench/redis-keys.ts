/**
 * The Redis keys the workers write for an order and a product (see
 * services/inventory/redis-stock-store.ts, payment/ledger.ts, notification/handlers.ts), written
 * out here so the bench deletes exactly its own and nothing else.
 */
const NAMESPACE = 'doms';

export function orderKeys(orderId: string): [string, string, string] {
  return [`${NAMESPACE}:reservation:${orderId}`, `${NAMESPACE}:payment:${orderId}`, `${NAMESPACE}:notified:${orderId}`];
}

export function stockKeysOf(productIds: readonly string[]): { products: string; stock: string[] } {
  return { products: `${NAMESPACE}:products`, stock: productIds.map((id) => `${NAMESPACE}:stock:${id}`) };
}
