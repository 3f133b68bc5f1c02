/**
 * The Redis keys the workers write for an order and a product under a namespace (see
 * services/inventory/redis-stock-store.ts, payment/redis-ledger.ts, notification/handlers.ts), written
 * out here so the bench deletes exactly its own and nothing else.
 */
export function orderKeys(namespace: string, orderId: string): [string, string, string] {
  return [`${namespace}:reservation:${orderId}`, `${namespace}:payment:${orderId}`, `${namespace}:notified:${orderId}`];
}

export function stockKeysOf(namespace: string, productIds: readonly string[]): { products: string; stock: string[] } {
  return { products: `${namespace}:products`, stock: productIds.map((id) => `${namespace}:stock:${id}`) };
}
