/**
 * The Redis keys the workers write for an order and a product under a namespace (see
 * services/inventory/redis-stock-store.ts, payment/redis-ledger.ts, notification/ports.ts), written
 * out here for the floor, which runs the services' scripts and commands itself. The clean-up deletes
 * an order's keys as the services' registry names them (`orderRedisKeys`), which includes these.
 */
export function orderKeys(namespace: string, orderId: string): [string, string, string] {
  return [`${namespace}:reservation:${orderId}`, `${namespace}:payment:${orderId}`, `${namespace}:notified:${orderId}`];
}

export function stockKeysOf(namespace: string, productIds: readonly string[]): { products: string; stock: string[] } {
  return { products: `${namespace}:products`, stock: productIds.map((id) => `${namespace}:stock:${id}`) };
}
