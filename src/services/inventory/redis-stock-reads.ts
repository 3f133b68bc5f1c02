import { callEach, type RedisClient } from '../../infra/redis.ts';
import type { ReservationState, StockLevel } from './ports.ts';

const FIELDS = ['available', 'reserved', 'sold', 'added'] as const;

/** Each product's stock hash, in order (undefined: no such product); one round trip per server. */
export async function readStockLevels(
  redis: RedisClient,
  productIds: readonly string[],
  stockKey: (id: string) => string,
): Promise<(StockLevel | undefined)[]> {
  const replies = await callEach<(string | null)[]>(
    redis,
    productIds.map((id) => ['hmget', stockKey(id), ...FIELDS]),
  );
  return replies.map((values, i) => {
    if (values.every((v) => v === null)) return undefined;
    const [available, reserved, sold, added] = values.map((v) => Number(v ?? 0)) as [number, number, number, number];
    return { productId: productIds[i]!, available, reserved, sold, added };
  });
}

/** Every listed product's stock, by product id. */
export async function readListedStock(redis: RedisClient, productsKey: string, stockKey: (id: string) => string): Promise<StockLevel[]> {
  const ids = (await redis.smembers(productsKey)).sort();
  return (await readStockLevels(redis, ids, stockKey)).filter((l): l is StockLevel => l !== undefined);
}

/** Each order's reservation state, in order; in slices, so a million orders do not make one giant reply. */
export async function readReservationStates(
  redis: RedisClient,
  orderIds: readonly string[],
  recordKey: (id: string) => string,
): Promise<(ReservationState | undefined)[]> {
  const states: (ReservationState | undefined)[] = [];
  for (let i = 0; i < orderIds.length; i += 1000) {
    const slice = await callEach<string | null>(
      redis,
      orderIds.slice(i, i + 1000).map((id) => ['hget', recordKey(id), 'state']),
    );
    for (const state of slice) states.push((state as ReservationState | null) ?? undefined);
  }
  return states;
}
