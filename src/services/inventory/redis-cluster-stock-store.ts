import type { Items, Shortage } from '../../events/schemas.ts';
import { followingSlots, replicated, type RedisClient } from '../../infra/redis.ts';
import { CANCEL_HOLD, DECIDE, SEED_ONE, SETTLE_HOLD, SETTLE_ORDER, TRY_HOLD } from './redis-cluster-scripts.ts';
import { readListedStock, readReservationStates, readStockLevels } from './redis-stock-reads.ts';
import type { ReleaseResult, ReservationState, ReserveRequest, ReserveResult, SellResult, StockLevel, StockStore } from './ports.ts';

type Reply = [string, string, string?];
type Script = (...args: (string | number)[]) => Promise<Reply>;

interface HoldCommands {
  domsTryHold: Script;
  domsDecide: Script;
  domsCancelHold(...args: (string | number)[]): Promise<string>;
  domsSettleOrder: Script;
  domsSettleHold(...args: (string | number)[]): Promise<string>;
  domsSeedOne(...args: (string | number)[]): Promise<number>;
}

/**
 * Key names on a cluster. The part in braces is the hash tag that picks the slot: a product's stock and
 * its holds share one slot, an order's record has its own, so products spread over every shard.
 */
export function clusterStockKeys(namespace = 'doms') {
  return {
    products: `${namespace}:products`,
    stock: (productId: string) => `${namespace}:stock:{${productId}}`,
    hold: (productId: string, orderId: string) => `${namespace}:hold:{${productId}}:${orderId}`,
    order: (orderId: string) => `${namespace}:reservation:{${orderId}}`,
  };
}

/**
 * The stock store for a Redis Cluster: each order's reservation is a try on every product (its own slot),
 * then one decision in the order's record, then, for a rejection, a cancel on every product. Each step is
 * idempotent, so a redelivery, a crash between steps or a second instance working on the same order
 * finishes the same way. Three round trips per chunk (two when nothing is rejected) where the
 * single-server store needs one; a rejected order may briefly hold other products' stock (a spurious
 * rejection of another order, never an oversell).
 */
export class RedisClusterStockStore implements StockStore {
  private readonly redis: RedisClient & HoldCommands;
  private readonly keys: ReturnType<typeof clusterStockKeys>;

  constructor(
    redis: RedisClient,
    namespace = 'doms',
    private readonly ledgerTtlMs = 0,
  ) {
    redis.defineCommand('domsTryHold', { lua: TRY_HOLD, numberOfKeys: 2 });
    redis.defineCommand('domsDecide', { lua: DECIDE, numberOfKeys: 1 });
    redis.defineCommand('domsCancelHold', { lua: CANCEL_HOLD, numberOfKeys: 2 });
    redis.defineCommand('domsSettleOrder', { lua: SETTLE_ORDER, numberOfKeys: 1 });
    redis.defineCommand('domsSettleHold', { lua: SETTLE_HOLD, numberOfKeys: 2 });
    redis.defineCommand('domsSeedOne', { lua: SEED_ONE, numberOfKeys: 1 });
    this.redis = redis as RedisClient & HoldCommands;
    this.keys = clusterStockKeys(namespace);
  }

  /** Promise.all of cluster commands, refreshing the slot map when one was redirected. */
  private all<T>(work: readonly Promise<T>[]): Promise<T[]> {
    return followingSlots(this.redis, Promise.all(work));
  }

  reserve(orderId: string, items: Items, defaultStock: number | null): Promise<ReserveResult> {
    return this.reserveMany([{ orderId, items }], defaultStock).then((r) => r[0]!);
  }

  async reserveMany(requests: readonly ReserveRequest[], defaultStock: number | null): Promise<ReserveResult[]> {
    if (requests.length === 0) return [];
    const k = this.keys;
    if (defaultStock !== null) {
      // Listed before any stock is made, so a crash cannot leave a product with stock that `doms stock` misses.
      const ids = [...new Set(requests.flatMap((r) => Object.keys(r.items)))];
      await followingSlots(this.redis, this.redis.sadd(k.products, ...ids));
    }
    // 1. Try every product of every order; the cluster client sends each node its tries in one write.
    const tries = await this.all(
      requests.map(({ orderId, items }) =>
        Promise.all(
          Object.entries(items).map(([pid, qty]) => this.redis.domsTryHold(k.stock(pid), k.hold(pid, orderId), qty, defaultStock ?? -1, this.ledgerTtlMs)),
        ),
      ),
    );
    // A decision must never rest on a hold that a failover could still lose.
    await replicated(this.redis);
    // 2. One decision per order: reserved only if every product is held.
    const decisions = await this.all(
      requests.map(({ orderId, items }, i) => {
        const shortages: Shortage[] = [];
        Object.entries(items).forEach(([productId, requested], j) => {
          const [state, n] = tries[i]![j]!;
          if (state !== 'HELD') shortages.push({ productId, requested, available: state === 'SHORT' ? Number(n) : 0 });
        });
        const [state, detail] = shortages.length === 0 ? ['RESERVED', JSON.stringify(items)] : ['REJECTED', JSON.stringify(shortages)];
        return this.redis.domsDecide(k.order(orderId), state, detail, this.ledgerTtlMs);
      }),
    );
    // 3. A rejected order gives back what it holds, and tombstones the rest; repeated too, in case an
    // earlier attempt decided and then crashed.
    const rejected = requests.filter((_, i) => decisions[i]![0] === 'REJECTED');
    await this.all(
      rejected.flatMap(({ orderId, items }) =>
        Object.keys(items).map((pid) => this.redis.domsCancelHold(k.stock(pid), k.hold(pid, orderId), this.ledgerTtlMs)),
      ),
    );
    // The answer is published next: it must survive a failover.
    await replicated(this.redis);
    return decisions.map(([state, detail, repeat]): ReserveResult => {
      const repeated = repeat === 'repeat';
      if (state === 'REJECTED') return { outcome: 'rejected', shortages: JSON.parse(detail) as Shortage[], repeated };
      return { outcome: 'reserved', items: JSON.parse(detail) as Items, repeated };
    });
  }

  release(orderId: string): Promise<ReleaseResult> {
    return this.releaseMany([orderId]).then((r) => r[0]!);
  }

  async releaseMany(orderIds: readonly string[]): Promise<ReleaseResult[]> {
    return (await this.settleMany(orderIds, 'RELEASED')).map(({ state, items }): ReleaseResult => {
      if (state === 'DONE') return { outcome: 'released', items };
      if (state === 'RELEASED') return { outcome: 'already-released', items };
      return { outcome: 'not-reserved', state };
    });
  }

  sell(orderId: string): Promise<SellResult> {
    return this.sellMany([orderId]).then((r) => r[0]!);
  }

  async sellMany(orderIds: readonly string[]): Promise<SellResult[]> {
    return (await this.settleMany(orderIds, 'SOLD')).map(({ state }): SellResult => {
      if (state === 'DONE') return { outcome: 'sold' };
      if (state === 'SOLD') return { outcome: 'already-sold' };
      return { outcome: 'not-reserved', state };
    });
  }

  /**
   * The order's record first (its decision to settle), then its holds. Holds are settled again whenever
   * the record already has the target state, which finishes a settle that crashed between the two.
   */
  private async settleMany(orderIds: readonly string[], target: 'RELEASED' | 'SOLD') {
    const k = this.keys;
    const records = await this.all(orderIds.map((id) => this.redis.domsSettleOrder(k.order(id), target, this.ledgerTtlMs)));
    const results = records.map(([state, detail]) => ({
      state: state as 'DONE' | ReservationState | 'NONE',
      items: state === 'DONE' || state === target ? (JSON.parse(detail || '{}') as Items) : {},
    }));
    await this.all(
      results.flatMap(({ items }, i) =>
        Object.keys(items).map((pid) => this.redis.domsSettleHold(k.stock(pid), k.hold(pid, orderIds[i]!), target, this.ledgerTtlMs)),
      ),
    );
    // Before the handler goes on (and the offset is committed): a lost settle would never be redone.
    await replicated(this.redis);
    return results;
  }

  async seed(levels: Record<string, number>): Promise<void> {
    const ids = Object.keys(levels);
    for (let i = 0; i < ids.length; i += 500) {
      const slice = ids.slice(i, i + 500);
      await followingSlots(this.redis, this.redis.sadd(this.keys.products, ...slice));
      await this.all(slice.map((id) => this.redis.domsSeedOne(this.keys.stock(id), levels[id]!)));
    }
  }

  get(productIds: readonly string[]): Promise<(StockLevel | undefined)[]> {
    return readStockLevels(this.redis, productIds, this.keys.stock);
  }

  list(): Promise<StockLevel[]> {
    return readListedStock(this.redis, this.keys.products, this.keys.stock);
  }

  reservations(orderIds: readonly string[]): Promise<(ReservationState | undefined)[]> {
    return readReservationStates(this.redis, orderIds, this.keys.order);
  }
}
