import type { Items, Shortage } from '../../events/schemas.ts';

/** Stock of one product. available + reserved + sold = added, always. */
export interface StockLevel {
  productId: string;
  available: number;
  reserved: number;
  sold: number;
  /** Everything ever put into stock (seeds and first-sight defaults). */
  added: number;
}

/**
 * What became of an order's reservation. The first answer is kept, so redeliveries get it again,
 * marked `repeated` (nothing was changed by that call).
 */
export type ReserveResult = ({ outcome: 'reserved'; items: Items } | { outcome: 'rejected'; shortages: Shortage[] }) & { repeated: boolean };

export type ReleaseResult =
  { outcome: 'released'; items: Items } | { outcome: 'already-released'; items: Items } | { outcome: 'not-reserved'; state: ReservationState | 'NONE' };

export type SellResult = { outcome: 'sold' } | { outcome: 'already-sold' } | { outcome: 'not-reserved'; state: ReservationState | 'NONE' };

export type ReservationState = 'RESERVED' | 'REJECTED' | 'RELEASED' | 'SOLD';

export interface ReserveRequest {
  orderId: string;
  items: Items;
}

/**
 * The port the inventory service works through: Redis in production, memory in the demo and unit
 * tests. The `…Many` forms take a chunk's worth in one round trip and answer in the same order;
 * requests for one order within a call are applied in order.
 */
export interface StockStore {
  /** Reserves all items atomically; idempotent per order. */
  reserve(orderId: string, items: Items, defaultStock: number | null): Promise<ReserveResult>;
  reserveMany(requests: readonly ReserveRequest[], defaultStock: number | null): Promise<ReserveResult[]>;
  /** Gives a reservation back (compensation); applies once, and only to a reservation that exists. */
  release(orderId: string): Promise<ReleaseResult>;
  /** `reserved`: per order, the items its reservation holds as an event said (undefined: unknown); lets the store skip reading it first. */
  releaseMany(orderIds: readonly string[], reserved?: readonly (Items | undefined)[]): Promise<ReleaseResult[]>;
  /** Turns a reservation into a sale once the payment succeeded; applies once. */
  sell(orderId: string): Promise<SellResult>;
  sellMany(orderIds: readonly string[], reserved?: readonly (Items | undefined)[]): Promise<SellResult[]>;
  /** Sets a product's available stock, keeping the ledger (added) consistent. */
  seed(levels: Record<string, number>): Promise<void>;
  get(productIds: readonly string[]): Promise<(StockLevel | undefined)[]>;
  /** Every product known to the store. */
  list(): Promise<StockLevel[]>;
  /** Where each order's stock stands (undefined: no decision on record), in order; for `doms verify`. */
  reservations(orderIds: readonly string[]): Promise<(ReservationState | undefined)[]>;
}
