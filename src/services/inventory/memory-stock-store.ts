import type { Items, Shortage } from '../../events/schemas.ts';
import type { ReleaseResult, ReserveRequest, ReservationState, ReserveResult, SellResult, StockLevel, StockStore } from './ports.ts';
import { planReservation } from './reservation.ts';

interface Reservation {
  state: ReservationState;
  items: Items;
  shortages: Shortage[];
}

/** In-process stock with the same rules as the Redis script: for the embedded demo and fast tests. */
export class MemoryStockStore implements StockStore {
  private readonly stock = new Map<string, StockLevel>();
  private readonly byOrder = new Map<string, Reservation>();

  async reserve(orderId: string, items: Items, defaultStock: number | null): Promise<ReserveResult> {
    const existing = this.byOrder.get(orderId);
    if (existing)
      return existing.state === 'REJECTED'
        ? { outcome: 'rejected', shortages: existing.shortages, repeated: true }
        : { outcome: 'reserved', items: existing.items, repeated: true };
    if (defaultStock !== null) {
      for (const id of Object.keys(items)) if (!this.stock.has(id)) this.stock.set(id, level(id, defaultStock));
    }
    const plan = planReservation((id) => this.stock.get(id)?.available, items, null);
    if (!plan.ok) {
      this.byOrder.set(orderId, { state: 'REJECTED', items, shortages: plan.shortages });
      return { outcome: 'rejected', shortages: plan.shortages, repeated: false };
    }
    for (const [id, qty] of Object.entries(items)) {
      const s = this.stock.get(id)!;
      s.available -= qty;
      s.reserved += qty;
    }
    this.byOrder.set(orderId, { state: 'RESERVED', items, shortages: [] });
    return { outcome: 'reserved', items, repeated: false };
  }

  async reserveMany(requests: readonly ReserveRequest[], defaultStock: number | null): Promise<ReserveResult[]> {
    return Promise.all(requests.map((r) => this.reserve(r.orderId, r.items, defaultStock)));
  }

  async releaseMany(orderIds: readonly string[]): Promise<ReleaseResult[]> {
    return Promise.all(orderIds.map((id) => this.release(id)));
  }

  async sellMany(orderIds: readonly string[]): Promise<SellResult[]> {
    return Promise.all(orderIds.map((id) => this.sell(id)));
  }

  async release(orderId: string): Promise<ReleaseResult> {
    const r = this.byOrder.get(orderId);
    if (r?.state === 'RELEASED') return { outcome: 'already-released', items: r.items };
    if (r?.state !== 'RESERVED') return { outcome: 'not-reserved', state: r?.state ?? 'NONE' };
    this.settle(r, 'RELEASED');
    return { outcome: 'released', items: r.items };
  }

  async sell(orderId: string): Promise<SellResult> {
    const r = this.byOrder.get(orderId);
    if (r?.state === 'SOLD') return { outcome: 'already-sold' };
    if (r?.state !== 'RESERVED') return { outcome: 'not-reserved', state: r?.state ?? 'NONE' };
    this.settle(r, 'SOLD');
    return { outcome: 'sold' };
  }

  private settle(r: Reservation, to: 'RELEASED' | 'SOLD') {
    for (const [id, qty] of Object.entries(r.items)) {
      const s = this.stock.get(id)!;
      s.reserved -= qty;
      if (to === 'RELEASED') s.available += qty;
      else s.sold += qty;
    }
    r.state = to;
  }

  async seed(levels: Record<string, number>): Promise<void> {
    for (const [id, want] of Object.entries(levels)) {
      const s = this.stock.get(id) ?? level(id, 0);
      s.added += want - s.available;
      s.available = want;
      this.stock.set(id, s);
    }
  }

  async get(productIds: readonly string[]): Promise<(StockLevel | undefined)[]> {
    return productIds.map((id) => {
      const s = this.stock.get(id);
      return s && { ...s };
    });
  }

  async list(): Promise<StockLevel[]> {
    return [...this.stock.values()].sort((a, b) => a.productId.localeCompare(b.productId)).map((s) => ({ ...s }));
  }

  async reservations(orderIds: readonly string[]): Promise<(ReservationState | undefined)[]> {
    return orderIds.map((id) => this.byOrder.get(id)?.state);
  }
}

function level(productId: string, available: number): StockLevel {
  return { productId, available, reserved: 0, sold: 0, added: available };
}
