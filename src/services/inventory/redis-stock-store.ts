import { Cluster, type ChainableCommander, type Redis } from 'ioredis';
import type { Items, Shortage } from '../../events/schemas.ts';
import { execAll, type RedisClient } from '../../infra/redis.ts';
import { RedisClusterStockStore } from './redis-cluster-stock-store.ts';
import { RESERVE, SEED, SETTLE } from './redis-scripts.ts';
import { readListedStock, readReservationStates, readStockLevels } from './redis-stock-reads.ts';
import type { ReleaseResult, ReservationState, ReserveRequest, ReserveResult, SellResult, StockLevel, StockStore } from './ports.ts';

type ScriptReply = [string, string, string?];

interface StockCommands {
  domsReserve(...args: (string | number)[]): Promise<ScriptReply>;
  domsSettle(...args: (string | number)[]): Promise<ScriptReply>;
  domsSeed(...args: (string | number)[]): Promise<number>;
}

type SettleResult = { outcome: 'done'; items: Items } | { outcome: 'skipped'; state: ReservationState | 'NONE'; items: Items };

/** A reservation not settled by this call: where it stands, and its items if it was settled before. */
function skipped(state: string, detail: string): SettleResult {
  const items = state === 'RELEASED' || state === 'SOLD' ? (JSON.parse(detail || '{}') as Items) : {};
  return { outcome: 'skipped', state: state as ReservationState | 'NONE', items };
}

/** Key names; `namespace` keeps one saga's stock and records apart from another's (DOMS_REDIS_NAMESPACE). */
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

  /** `ledgerTtlMs`: how long a settled or rejected reservation is kept (0: for ever); one still RESERVED never expires. */
  constructor(
    redis: Redis,
    namespace = 'doms',
    private readonly ledgerTtlMs = 0,
  ) {
    redis.defineCommand('domsReserve', { lua: RESERVE });
    redis.defineCommand('domsSettle', { lua: SETTLE });
    redis.defineCommand('domsSeed', { lua: SEED });
    this.redis = redis as Redis & StockCommands;
    this.keys = stockKeys(namespace);
  }

  reserve(orderId: string, items: Items, defaultStock: number | null): Promise<ReserveResult> {
    return this.reserveMany([{ orderId, items }], defaultStock).then((r) => r[0]!);
  }

  /** One script call per order, all in one pipeline: one round trip for the chunk, each order still atomic. */
  async reserveMany(requests: readonly ReserveRequest[], defaultStock: number | null): Promise<ReserveResult[]> {
    if (requests.length === 0) return [];
    const pipeline = this.redis.pipeline() as ChainableCommander & StockCommands;
    for (const { orderId, items } of requests) {
      const ids = Object.keys(items);
      pipeline.domsReserve(
        2 + ids.length,
        this.keys.reservation(orderId),
        this.keys.products,
        ...ids.map(this.keys.stock),
        defaultStock ?? -1,
        JSON.stringify(items),
        this.ledgerTtlMs,
        ...ids.flatMap((id) => [id, items[id]!]),
      );
    }
    return (await execAll<ScriptReply>(pipeline)).map(([state, detail, repeat]) => {
      const repeated = repeat === 'repeat';
      if (state === 'REJECTED') return { outcome: 'rejected', shortages: JSON.parse(detail) as Shortage[], repeated };
      // RESERVED, or a later state of a reservation that was made: the first answer stands.
      return { outcome: 'reserved', items: JSON.parse(detail) as Items, repeated };
    });
  }

  release(orderId: string): Promise<ReleaseResult> {
    return this.releaseMany([orderId]).then((r) => r[0]!);
  }

  async releaseMany(orderIds: readonly string[], reserved?: readonly (Items | undefined)[]): Promise<ReleaseResult[]> {
    return (await this.settleMany(orderIds, 'RELEASED', reserved)).map((result): ReleaseResult => {
      if (result.outcome === 'done') return { outcome: 'released', items: result.items };
      if (result.state === 'RELEASED') return { outcome: 'already-released', items: result.items };
      return { outcome: 'not-reserved', state: result.state };
    });
  }

  sell(orderId: string): Promise<SellResult> {
    return this.sellMany([orderId]).then((r) => r[0]!);
  }

  async sellMany(orderIds: readonly string[], reserved?: readonly (Items | undefined)[]): Promise<SellResult[]> {
    return (await this.settleMany(orderIds, 'SOLD', reserved)).map((result): SellResult => {
      if (result.outcome === 'done') return { outcome: 'sold' };
      if (result.state === 'SOLD') return { outcome: 'already-sold' };
      return { outcome: 'not-reserved', state: result.state };
    });
  }

  /**
   * Settles reservations. Those whose items the caller knows (the payment event carries them) are
   * settled straight away, one pipeline of scripts and no read; the script checks the reservation holds
   * exactly those items. The rest, and any the script found changed, are read first (one pipeline),
   * then those still RESERVED settled (one more); one that moved meanwhile (a duplicate in the same
   * call, another instance) is read again.
   */
  private async settleMany(orderIds: readonly string[], target: 'RELEASED' | 'SOLD', reserved?: readonly (Items | undefined)[]): Promise<SettleResult[]> {
    const results = new Array<SettleResult>(orderIds.length);
    const all = orderIds.map((orderId, at) => ({ at, key: this.keys.reservation(orderId) }));
    const told = all.flatMap((t) => {
      const items = reserved?.[t.at];
      return items ? [{ ...t, items, detail: JSON.stringify(items) }] : [];
    });
    if (told.length > 0) {
      const replies = await this.runSettle(told, target);
      told.forEach((s, i) => {
        const [state, detail] = replies[i]!;
        if (state === 'DONE') results[s.at] = { outcome: 'done', items: s.items };
        else if (state !== 'CHANGED') results[s.at] = skipped(state, detail);
      });
    }
    let todo = all.filter((t) => results[t.at] === undefined);
    while (todo.length > 0) {
      const reads = this.redis.pipeline();
      for (const t of todo) reads.hmget(t.key, 'state', 'detail');
      const settling: { at: number; key: string; detail: string; items: Items }[] = [];
      (await execAll<(string | null)[]>(reads)).forEach(([state, detail], i) => {
        const t = todo[i]!;
        if (state === 'RESERVED' && detail) return void settling.push({ ...t, detail, items: JSON.parse(detail) as Items });
        results[t.at] = skipped(state ?? 'NONE', detail ?? '');
      });
      if (settling.length === 0) break;
      const replies = await this.runSettle(settling, target);
      todo = [];
      settling.forEach((s, i) => {
        if (replies[i]![0] === 'DONE') results[s.at] = { outcome: 'done', items: s.items };
        else todo.push(s);
      });
    }
    return results;
  }

  /** One SETTLE script per reservation, in one pipeline. */
  private runSettle(settling: readonly { key: string; detail: string; items: Items }[], target: 'RELEASED' | 'SOLD'): Promise<ScriptReply[]> {
    const scripts = this.redis.pipeline() as ChainableCommander & StockCommands;
    for (const s of settling) {
      const ids = Object.keys(s.items);
      scripts.domsSettle(1 + ids.length, s.key, ...ids.map(this.keys.stock), s.detail, target, this.ledgerTtlMs, ...ids.map((id) => s.items[id]!));
    }
    return execAll<ScriptReply>(scripts);
  }

  async seed(levels: Record<string, number>): Promise<void> {
    const ids = Object.keys(levels);
    // Bounded argument lists: a bulk seed of many thousands of products goes in slices.
    for (let i = 0; i < ids.length; i += 500) {
      const slice = ids.slice(i, i + 500);
      await this.redis.domsSeed(1 + slice.length, this.keys.products, ...slice.map(this.keys.stock), ...slice.flatMap((id) => [id, levels[id]!]));
    }
  }

  get(productIds: readonly string[]): Promise<(StockLevel | undefined)[]> {
    return readStockLevels(this.redis, productIds, this.keys.stock);
  }

  list(): Promise<StockLevel[]> {
    return readListedStock(this.redis, this.keys.products, this.keys.stock);
  }

  reservations(orderIds: readonly string[]): Promise<(ReservationState | undefined)[]> {
    return readReservationStates(this.redis, orderIds, this.keys.reservation);
  }
}

/** The stock store for what `REDIS_URL` named: one script per order on a single server, holds on a cluster. */
export function redisStockStore(redis: RedisClient, namespace = 'doms', ledgerTtlMs = 0): StockStore {
  return redis instanceof Cluster ? new RedisClusterStockStore(redis, namespace, ledgerTtlMs) : new RedisStockStore(redis, namespace, ledgerTtlMs);
}
