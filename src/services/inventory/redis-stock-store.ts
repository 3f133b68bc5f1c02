import type { Redis } from 'ioredis';
import type { Items, Shortage } from '../../events/schemas.ts';
import { RESERVE, SEED, SETTLE } from './redis-scripts.ts';
import type { ReleaseResult, ReservationState, ReserveResult, SellResult, StockLevel, StockStore } from './reservation.ts';

type ScriptReply = [string, string, string?];

interface StockCommands {
  domsReserve(...args: (string | number)[]): Promise<ScriptReply>;
  domsSettle(...args: (string | number)[]): Promise<ScriptReply>;
  domsSeed(...args: (string | number)[]): Promise<number>;
}

/** Key names; `namespace` keeps test runs apart from each other. */
export function stockKeys(namespace = 'doms') {
  return {
    products: `${namespace}:products`,
    stock: (productId: string) => `${namespace}:stock:${productId}`,
    reservation: (orderId: string) => `${namespace}:reservation:${orderId}`,
  };
}

export class RedisStockStore implements StockStore {
  private readonly redis: Redis & StockCommands;
  private readonly keys: ReturnType<typeof stockKeys>;

  constructor(redis: Redis, namespace = 'doms') {
    redis.defineCommand('domsReserve', { lua: RESERVE });
    redis.defineCommand('domsSettle', { lua: SETTLE });
    redis.defineCommand('domsSeed', { lua: SEED });
    this.redis = redis as Redis & StockCommands;
    this.keys = stockKeys(namespace);
  }

  async reserve(orderId: string, items: Items, defaultStock: number | null): Promise<ReserveResult> {
    const ids = Object.keys(items);
    const [state, detail, repeat] = await this.redis.domsReserve(
      2 + ids.length,
      this.keys.reservation(orderId),
      this.keys.products,
      ...ids.map(this.keys.stock),
      defaultStock ?? -1,
      JSON.stringify(items),
      ...ids.flatMap((id) => [id, items[id]!]),
    );
    const repeated = repeat === 'repeat';
    if (state === 'REJECTED') return { outcome: 'rejected', shortages: JSON.parse(detail) as Shortage[], repeated };
    // RESERVED, or a later state of a reservation that was made: the first answer stands.
    return { outcome: 'reserved', items: JSON.parse(detail) as Items, repeated };
  }

  async release(orderId: string): Promise<ReleaseResult> {
    const result = await this.settle(orderId, 'RELEASED');
    if (result.outcome === 'done') return { outcome: 'released', items: result.items };
    if (result.state === 'RELEASED') return { outcome: 'already-released', items: result.items };
    return { outcome: 'not-reserved', state: result.state };
  }

  async sell(orderId: string): Promise<SellResult> {
    const result = await this.settle(orderId, 'SOLD');
    if (result.outcome === 'done') return { outcome: 'sold' };
    if (result.state === 'SOLD') return { outcome: 'already-sold' };
    return { outcome: 'not-reserved', state: result.state };
  }

  private async settle(orderId: string, target: 'RELEASED' | 'SOLD'): Promise<{ outcome: 'done'; items: Items } | { outcome: 'skipped'; state: ReservationState | 'NONE'; items: Items }> {
    const key = this.keys.reservation(orderId);
    for (;;) {
      const [state, detail] = await this.redis.hmget(key, 'state', 'detail');
      if (state !== 'RESERVED' || !detail) {
        const items = state === 'RELEASED' || state === 'SOLD' ? (JSON.parse(detail ?? '{}') as Items) : {};
        return { outcome: 'skipped', state: (state as ReservationState | null) ?? 'NONE', items };
      }
      const items = JSON.parse(detail) as Items;
      const ids = Object.keys(items);
      const [reply] = await this.redis.domsSettle(1 + ids.length, key, ...ids.map(this.keys.stock), detail, target, ...ids.map((id) => items[id]!));
      // Anything but DONE means the state moved between our read and the script: read again.
      if (reply === 'DONE') return { outcome: 'done', items };
    }
  }

  async seed(levels: Record<string, number>): Promise<void> {
    const ids = Object.keys(levels);
    // Bounded argument lists: a bulk seed of many thousands of products goes in slices.
    for (let i = 0; i < ids.length; i += 500) {
      const slice = ids.slice(i, i + 500);
      await this.redis.domsSeed(1 + slice.length, this.keys.products, ...slice.map(this.keys.stock), ...slice.flatMap((id) => [id, levels[id]!]));
    }
  }

  async get(productIds: readonly string[]): Promise<(StockLevel | undefined)[]> {
    const pipeline = this.redis.pipeline();
    for (const id of productIds) pipeline.hgetall(this.keys.stock(id));
    const replies = (await pipeline.exec()) ?? [];
    return replies.map(([err, value], i) => {
      if (err) throw err;
      const h = value as Record<string, string>;
      if (!h || Object.keys(h).length === 0) return undefined;
      return {
        productId: productIds[i]!,
        available: Number(h.available ?? 0),
        reserved: Number(h.reserved ?? 0),
        sold: Number(h.sold ?? 0),
        added: Number(h.added ?? 0),
      };
    });
  }

  async list(): Promise<StockLevel[]> {
    const ids = (await this.redis.smembers(this.keys.products)).sort();
    const levels = await this.get(ids);
    return levels.filter((l): l is StockLevel => l !== undefined);
  }
}
